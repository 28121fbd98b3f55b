import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class PhotoRedaction(db.Model):
    """A rectangle blurred on a photo for everyone but coordinators and police.

    Rows are never deleted when a coordinator removes a rectangle: removed_at/removed_by are
    set, so the rows are the log of every redaction change (who and when).
    """

    __tablename__ = "photo_redactions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    photo_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("photos.id", ondelete="CASCADE"), index=True
    )
    # Fractions (0..1) of the upright photo's width and height.
    x: so.Mapped[float]
    y: so.Mapped[float]
    w: so.Mapped[float]
    h: so.Mapped[float]
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="manual")  # face/plate/manual
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    removed_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())
    removed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    photo = so.relationship("Photo", back_populates="redactions")
    created_by = so.relationship("User", foreign_keys=[created_by_id])
    removed_by = so.relationship("User", foreign_keys=[removed_by_id])
