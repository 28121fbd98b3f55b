import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import Geometry

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class Walk(db.Model):
    __tablename__ = "walks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    area_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    starts_at: so.Mapped[object] = so.mapped_column(UTCDateTime())
    light: so.Mapped[str] = so.mapped_column(sa.String(10), default="moerke")
    leader_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    route = so.mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="planlagt")
    join_code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    previous_walk_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="SET NULL")
    )
    ended_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    area = so.relationship("Area")
    leader = so.relationship("User", foreign_keys=[leader_id])
    participants: so.Mapped[list["Participant"]] = so.relationship(
        back_populates="walk", cascade="all, delete-orphan"
    )


class Participant(db.Model):
    """Someone on a walk: a user, or a guest who joined through the link."""

    __tablename__ = "participants"
    __table_args__ = (sa.UniqueConstraint("walk_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    walk_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    role_label: so.Mapped[str] = so.mapped_column(sa.String(20), default="beboer")
    joined_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    # Set when retention or an erasure removed the name (services.privacy).
    anonymised_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())

    walk: so.Mapped[Walk] = so.relationship(back_populates="participants")
    user = so.relationship("User")
