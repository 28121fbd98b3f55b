"""The e-mail outbox (transactional: written in the same commit as the change it reports)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_state_next", "state", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Unique per event, so enqueueing the same notification twice stores it once.
    dedupe_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    to_addr: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    remedy_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("remedies.id", ondelete="SET NULL"))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    digest: so.Mapped[bool] = so.mapped_column(default=False)
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())
    message_id: so.Mapped[str | None] = so.mapped_column(sa.String(200))


class NotificationPreference(db.Model):
    """How a user wants e-mail: "immediate" (default) or one "digest" a day."""

    __tablename__ = "notification_prefs"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: so.Mapped[str] = so.mapped_column(sa.String(10), default="immediate")
    last_digest_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())
