"""The audit log: who was served police-only findings or clean photos, when, and what."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One request that served something sensitive (one row a request, never one a spot)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_kind_at", "kind", "at"),
                      sa.Index("ix_audit_log_user_id_at", "user_id", "at"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Who, when there is no account: "guest:<participant id>" or "contractor".
    actor: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    # What was served: spot (a police-only spot's detail), report, report_pdf, export,
    # clean_photo (see services.audit.KINDS).
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    # What it was about: a walk (report), a spot (detail), a photo, or none (an export).
    subject_type: so.Mapped[str] = so.mapped_column(sa.String(10))
    subject_id: so.Mapped[int | None] = so.mapped_column()
    spot_ids: so.Mapped[str] = so.mapped_column(sa.String(500), default="")  # "4,7,9"
    photo_ids: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    rendition: so.Mapped[str] = so.mapped_column(sa.String(10), default="")  # of a photo

    def spots(self) -> list[str]:
        return [i for i in self.spot_ids.split(",") if i]

    def photos(self) -> list[str]:
        return [i for i in self.photo_ids.split(",") if i]

    user = so.relationship("User", lazy="joined")
