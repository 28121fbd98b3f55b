"""What privacy work leaves behind: a spot's note redactions, and the log of retention runs and
erasures (who, when, how many; never the erased or redacted text itself)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class SpotEvent(db.Model):
    """One entry of a spot's history: e.g. its note redacted at the closing meeting."""

    __tablename__ = "spot_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    spot_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("spots.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # What changed, without the removed text (e.g. "phone,name").
    detail: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    user = so.relationship("User")


class PrivacyLog(db.Model):
    """One retention run (or dry run) or one erasure: when, by whom, what it touched."""

    __tablename__ = "privacy_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    dry_run: so.Mapped[bool] = so.mapped_column(default=False)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # Which record, by id ("user 12", "participant 34"): never the erased name.
    subject: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
