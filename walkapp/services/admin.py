"""Administration: organisations, users and areas (administrators only)."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import (
    N_,
    Conflict,
    NotFound,
    PermissionDenied,
    TooLarge,
    ValidationError,
)
from walkapp.domain.roles import ROLES, can_administer
from walkapp.geo.shapes import GeometryError, as_multipolygon, parse_geojson, to_db
from walkapp.models import Area, Organisation, User, Walk
from walkapp.services import accounts
from walkapp.services import areas as area_service

AREA_KINDS = ("boligomraade", "kommune", "andet")
GEOJSON_MAX_BYTES = 20 * 1024 * 1024
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def require_admin(actor: Actor) -> None:
    if not can_administer(actor.role):
        raise PermissionDenied(N_("Only administrators can do this."))


def _get(session, model, obj_id: int, message: str):
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(message)
    return obj


def _org_id(session, raw) -> int | None:
    """Return the organisation id in form value *raw* ('' means none), or raise."""
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or session.get(Organisation, int(raw)) is None:
        raise ValidationError(N_("Choose an organisation from the list."), "organisation_id")
    return int(raw)


def _email(raw: str, field: str, required: bool) -> str | None:
    email = (raw or "").strip().lower()
    if not email:
        if required:
            raise ValidationError(N_("Enter a valid e-mail address."), field)
        return None
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationError(N_("Enter a valid e-mail address."), field)
    return email


# Organisations

def list_organisations(session, actor: Actor) -> list[tuple[Organisation, int]]:
    """Return every organisation with its number of users, by name."""
    require_admin(actor)
    users = sa.select(sa.func.count(User.id)).where(User.organisation_id == Organisation.id) \
        .scalar_subquery()
    return [tuple(r) for r in session.execute(
        sa.select(Organisation, users).order_by(Organisation.name)).all()]


def get_organisation(session, actor: Actor, org_id: int) -> Organisation:
    require_admin(actor)
    return _get(session, Organisation, org_id, N_("No such organisation."))


@dataclass
class OrgInput:
    name: str
    kind: str
    contact_email: str | None


def parse_org(form) -> OrgInput:
    name = (form.get("name") or "").strip()
    if not name:
        raise ValidationError(N_("The organisation needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    kind = (form.get("kind") or "").strip()
    if kind not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "kind")
    return OrgInput(name, kind, _email(form.get("contact_email"), "contact_email", False))


def _unique_org_name(session, name: str, org_id: int | None) -> None:
    q = sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == name.lower())
    if org_id is not None:
        q = q.where(Organisation.id != org_id)
    if session.scalar(q) is not None:
        raise ValidationError(N_("An organisation with that name already exists."), "name")


def save_organisation(session, actor: Actor, form, org: Organisation | None = None) -> Organisation:
    """Create an organisation, or update *org*, from form fields."""
    require_admin(actor)
    data = parse_org(form)
    _unique_org_name(session, data.name, org.id if org else None)
    if org is None:
        org = Organisation()
        session.add(org)
    org.name, org.kind, org.contact_email = data.name, data.kind, data.contact_email
    session.flush()
    return org


# Users

def list_users(session, actor: Actor) -> list[User]:
    require_admin(actor)
    return list(session.scalars(sa.select(User).options(so.selectinload(User.organisation))
                                .order_by(User.email)))


def get_user(session, actor: Actor, user_id: int) -> User:
    require_admin(actor)
    return _get(session, User, user_id, N_("No such user."))


def _role(raw) -> str:
    role = (raw or "").strip()
    if role not in ROLES:
        raise ValidationError(N_("Unknown role."), "role")
    return role


def create_user(session, actor: Actor, form) -> User:
    """Create a user from form fields: email, name, role, organisation_id, password."""
    require_admin(actor)
    email = _email(form.get("email"), "email", True)
    role = _role(form.get("role"))
    org_id = _org_id(session, form.get("organisation_id"))
    name = (form.get("name") or "").strip()[:200]
    user = accounts.create_user(session, email, role, form.get("password") or "", None, name)
    user.organisation_id = org_id
    session.flush()
    return user


def update_user(session, actor: Actor, user: User, form) -> User:
    """Change a user's name, role, organisation and whether the account is active."""
    require_admin(actor)
    role = _role(form.get("role"))
    org_id = _org_id(session, form.get("organisation_id"))
    active = form.get("active") in ("1", "on", "true", "y")
    if user.id == actor.user_id and (role != "admin" or not active):
        # Keep at least the acting administrator able to get back in.
        raise ValidationError(N_("You cannot remove your own administrator access."), "role")
    user.name = (form.get("name") or "").strip()[:200] or user.name
    user.role, user.organisation_id, user.active = role, org_id, active
    session.flush()
    return user


def reset_password(session, actor: Actor, user: User, password: str) -> User:
    require_admin(actor)
    if len(password or "") < 8:
        raise ValidationError(N_("The password must have at least 8 characters."), "password")
    user.set_password(password)
    session.flush()
    return user


# Areas

def list_areas(session, actor: Actor) -> list[tuple[Area, int]]:
    """Return every area with the number of walks that use it, by name."""
    require_admin(actor)
    walks = sa.select(sa.func.count(Walk.id)).where(Walk.area_id == Area.id).scalar_subquery()
    return [tuple(r) for r in session.execute(
        sa.select(Area, walks).options(so.selectinload(Area.owner_organisation))
        .order_by(Area.name)).all()]


def get_area(session, actor: Actor, area_id: int) -> Area:
    require_admin(actor)
    return _get(session, Area, area_id, N_("No such area."))


def _area_kind(raw) -> str:
    kind = (raw or "boligomraade").strip()
    if kind not in AREA_KINDS:
        raise ValidationError(N_("Unknown area kind."), "kind")
    return kind


def _geometry(text: str):
    try:
        return as_multipolygon(parse_geojson(text))
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "geometry",
                              reason=str(exc)) from exc


def _decode(upload: bytes) -> str:
    if len(upload) > GEOJSON_MAX_BYTES:
        raise TooLarge(N_("The file is larger than %(mb)s MB."), "file",
                       mb=GEOJSON_MAX_BYTES // (1024 * 1024))
    try:
        return upload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc


def create_areas(session, actor: Actor, form, upload: bytes | None) -> list[Area]:
    """Create or replace areas from an uploaded GeoJSON file, or one area from a drawn outline.

    A file's features are named by their ``name``/``navn`` property; a name typed in the form
    names the area when the file holds one feature. Same-named areas are replaced.
    """
    require_admin(actor)
    kind = _area_kind(form.get("kind"))
    owner = _org_id(session, form.get("owner_organisation_id"))
    name = (form.get("name") or "").strip()
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    if upload:
        text = _decode(upload)
        if name:
            try:
                single = parse_geojson(text)
            except GeometryError as exc:
                raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
            areas = [area_service.save_area(session, name, _file_geometry(single), kind)]
        else:
            try:
                areas = area_service.import_areas(session, text)
            except ValidationError as exc:
                exc.field = "file"  # the outline came from the file: show the error there
                raise
    elif (form.get("geometry") or "").strip():
        if not name:
            raise ValidationError(N_("The area needs a name."), "name")
        areas = [area_service.save_area(session, name, _geometry(form["geometry"]), kind)]
    else:
        raise ValidationError(N_("Upload a GeoJSON file or draw the area on the map."), "geometry")
    for area in areas:
        area.owner_organisation_id = owner
        if not upload or name:
            area.kind = kind
    session.flush()
    return areas


def _file_geometry(geom):
    try:
        return as_multipolygon(geom)
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "file",
                              reason=str(exc)) from exc


def update_area(session, actor: Actor, area: Area, form, upload: bytes | None = None) -> Area:
    """Rename an area, change its kind and owner, and optionally replace its outline."""
    require_admin(actor)
    name = (form.get("name") or "").strip()
    if not name:
        raise ValidationError(N_("The area needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    other = session.scalar(sa.select(Area.id).where(Area.name == name, Area.id != area.id))
    if other is not None:
        raise ValidationError(N_("An area with that name already exists."), "name")
    kind = _area_kind(form.get("kind"))
    owner = _org_id(session, form.get("owner_organisation_id"))
    if upload:
        try:
            geom = parse_geojson(_decode(upload))
        except GeometryError as exc:
            raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
        area.geom = to_db(_file_geometry(geom))
    elif (form.get("geometry") or "").strip():
        area.geom = to_db(_geometry(form["geometry"]))
    area.name, area.kind, area.owner_organisation_id = name, kind, owner
    session.flush()
    return area


def delete_area(session, actor: Actor, area: Area) -> None:
    """Delete an area no walk uses."""
    require_admin(actor)
    used = session.scalar(sa.select(sa.func.count(Walk.id)).where(Walk.area_id == area.id))
    if used:
        raise Conflict(N_("The area is used by %(n)s walks and cannot be deleted."), n=used)
    try:
        with session.begin_nested():
            session.delete(area)
            session.flush()
    except sa_exc.IntegrityError as exc:
        raise Conflict(N_("The area is still in use and cannot be deleted.")) from exc
