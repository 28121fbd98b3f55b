"""Accounts: users (created on the command line or by administrators), signing in, who
administers, and the organisation a user or an area belongs to."""

import functools
import re
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from walkapp.domain import params as parse
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import ROLES, can_administer
from walkapp.models import Organisation, User

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def require_admin(actor: Actor) -> None:
    if not can_administer(actor.role):
        raise PermissionDenied(N_("Only administrators can do this."))


def get_or_404(session, model, obj_id: int, message: str):
    """Return the *model* row *obj_id*, or raise NotFound(*message*)."""
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(message)
    return obj


def organisation_id(session, raw) -> int | None:
    """Return the organisation id in form value *raw* ('' means none), or raise."""
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if raw in (None, ""):
        return None
    org_id = parse.whole(str(raw))
    if org_id is None or session.get(Organisation, org_id) is None:
        raise ValidationError(N_("Choose an organisation from the list."), "organisation_id")
    return org_id


def parse_email(raw: str, field: str, required: bool) -> str | None:
    email = (raw or "").strip().lower()
    if not email:
        if required:
            raise ValidationError(N_("Enter a valid e-mail address."), field)
        return None
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationError(N_("Enter a valid e-mail address."), field)
    return email


def organisation_named(session, name: str, except_id: int | None = None) -> Organisation | None:
    """The organisation called *name*, whatever its case: "ærø bolig" finds "Ærø Bolig".

    Compared with Python's casefold(), not the database's lower(): SQLite's lowers ASCII
    letters only, so Æ, Ø and Å would make a second "same" organisation there.
    """
    wanted = name.strip().casefold()
    rows = session.execute(sa.select(Organisation.id, Organisation.name)).all()
    found = next((oid for oid, n in rows if n.casefold() == wanted and oid != except_id), None)
    return session.get(Organisation, found) if found is not None else None


def get_or_create_organisation(session, name: str, kind: str = "andet") -> Organisation:
    name = name.strip()
    if not name:
        raise ValidationError(N_("The organisation needs a name."), "name")
    if kind not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "kind")
    org = organisation_named(session, name)
    if org is None:
        org = Organisation(name=name, kind=kind)
        session.add(org)
        session.flush()
    return org


def create_user(
    session, email: str, role: str, password: str, org_name: str | None = None,
    name: str = "", org_kind: str = "andet",
) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationError(N_("Enter a valid e-mail address."), "email")
    if role not in ROLES:
        raise ValidationError(N_("Unknown role."), "role")
    if len(password) < 8:
        raise ValidationError(N_("The password must have at least 8 characters."), "password")
    if session.scalar(sa.select(User).where(User.email == email)):
        raise ValidationError(N_("A user with that e-mail already exists."), "email")
    org = get_or_create_organisation(session, org_name, org_kind) if org_name else None
    user = User(email=email, role=role, name=name or email.split("@")[0], organisation=org)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made like users' hashes, for unknown e-mail addresses."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    An unknown address checks a dummy hash and an inactive account its own, so every failed
    attempt costs the same time: the answer's timing does not tell which addresses exist.
    """
    user = session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = check_password_hash(stored, password or "")
    if user is None or not user.active or not matches:
        return None
    return user


def end_sessions(session, user: User) -> None:
    """Log *user* out everywhere: every session and remember cookie stops working."""
    user.end_sessions()
    session.flush()


def count_users(session) -> int:
    return session.scalar(sa.select(sa.func.count(User.id))) or 0


# --- users, by administrators --------------------------------------------------------------

def list_users(session, actor: Actor) -> list[User]:
    require_admin(actor)
    return list(session.scalars(sa.select(User).options(so.selectinload(User.organisation))
                                .order_by(User.email)))


def get_user(session, actor: Actor, user_id: int) -> User:
    require_admin(actor)
    return get_or_404(session, User, user_id, N_("No such user."))


def _role(raw) -> str:
    role = (raw or "").strip()
    if role not in ROLES:
        raise ValidationError(N_("Unknown role."), "role")
    return role


def add_user(session, actor: Actor, form) -> User:
    """Create a user from form fields: email, name, role, organisation_id, password."""
    require_admin(actor)
    email = parse_email(form.get("email"), "email", True)
    role = _role(form.get("role"))
    org_id = organisation_id(session, form.get("organisation_id"))
    name = (form.get("name") or "").strip()[:200]
    user = create_user(session, email, role, form.get("password") or "", None, name)
    user.organisation_id = org_id
    session.flush()
    return user


def update_user(session, actor: Actor, user: User, form) -> User:
    """Change a user's name, role, organisation and whether the account is active."""
    require_admin(actor)
    role = _role(form.get("role"))
    org_id = organisation_id(session, form.get("organisation_id"))
    active = form.get("active") in ("1", "on", "true", "y")
    if user.id == actor.user_id and (role != "admin" or not active):
        # Keep at least the acting administrator able to get back in.
        raise ValidationError(N_("You cannot remove your own administrator access."), "role")
    user.name = (form.get("name") or "").strip()[:200] or user.name
    user.role, user.organisation_id, user.active = role, org_id, active
    session.flush()
    return user


def reset_password(session, actor: Actor, user: User, password: str) -> User:
    """Give *user* a new password; their sessions end (set_password rotates the token)."""
    require_admin(actor)
    if len(password or "") < 8:
        raise ValidationError(N_("The password must have at least 8 characters."), "password")
    user.set_password(password)
    session.flush()
    return user



def user_form_values(user: User | None) -> dict[str, str]:
    """Return the user form's values for *user* (a new user's defaults when None)."""
    if user is None:
        return {"role": "deltager", "organisation_id": ""}
    return {"name": user.name, "role": user.role,
            "organisation_id": str(user.organisation_id or ""),
            "active": "1" if user.active else ""}
