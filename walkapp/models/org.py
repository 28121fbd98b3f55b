import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="andet")
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    users: so.Mapped[list["User"]] = so.relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    active: so.Mapped[bool] = so.mapped_column(default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    # Part of every login's session and remember cookie (get_id); a new token ends them all.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)

    organisation: so.Mapped[Organisation | None] = so.relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        """Set a new password; this ends every session of the user."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie issued so far."""
        self.session_token = new_session_token()

    def get_id(self) -> str:  # Flask-Login: what session and remember cookies hold
        if not self.session_token:
            self.end_sessions()
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def org_kind(self) -> str | None:
        return self.organisation.kind if self.organisation else None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
