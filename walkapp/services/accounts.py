"""Organisations and users."""

import sqlalchemy as sa

from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import N_, ValidationError
from walkapp.domain.roles import ROLES
from walkapp.models import Organisation, User


def get_or_create_organisation(session, name: str, kind: str = "andet") -> Organisation:
    name = name.strip()
    if not name:
        raise ValidationError(N_("The organisation needs a name."), "name")
    if kind not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "kind")
    org = session.scalar(sa.select(Organisation).where(Organisation.name == name))
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


def authenticate(session, email: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def count_users(session) -> int:
    return session.scalar(sa.select(sa.func.count(User.id))) or 0
