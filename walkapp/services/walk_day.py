"""The walk day as the pages see it: planning input, who may open what, counts and choices."""

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import PARTICIPANT_ROLES
from walkapp.domain.errors import N_, PermissionDenied, ValidationError
from walkapp.domain.roles import LEADERS
from walkapp.geo.shapes import feature, feature_collection, from_db, to_geojson
from walkapp.models import Area, Category, Participant, Spot, User, Walk
from walkapp.services import spots as spot_service
from walkapp.services import walks as walk_service
from walkapp.services.walks import WalkInput

LOCAL_TZ = "Europe/Copenhagen"
ROUTE_FILE_MAX_BYTES = 2 * 1024 * 1024


def plan_choices(session) -> tuple[list[Area], list[User]]:
    """Return the areas and the users who may lead a walk, for the planning form."""
    areas = list(session.scalars(sa.select(Area).order_by(Area.name)))
    leaders = list(
        session.scalars(
            sa.select(User)
            .where(User.role.in_([str(r) for r in LEADERS]), User.active)
            .order_by(User.name, User.email)
        )
    )
    return areas, leaders


def areas_geojson(areas: list[Area]) -> dict:
    """Return the areas as a FeatureCollection keyed by id (for the planning map)."""
    return feature_collection(
        [feature(from_db(a.geom), {"id": a.id, "name": a.name}, fid=a.id) for a in areas]
    )


def route_geojson(walk: Walk | None) -> str:
    """Return the walk's route as a GeoJSON geometry string ('' when it has none)."""
    if walk is None or walk.route is None:
        return ""
    return json.dumps(to_geojson(from_db(walk.route)))


def _int_or_none(raw: str | None, field: str, message: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(message, field)
    return int(raw)


def local_to_utc(day: str, clock: str, tz_name: str = LOCAL_TZ) -> datetime:
    """Combine a local date (YYYY-MM-DD) and time (HH:MM) into an aware UTC datetime."""
    try:
        d = date.fromisoformat((day or "").strip())
    except ValueError as exc:
        raise ValidationError(N_("Enter the date as YYYY-MM-DD."), "date") from exc
    try:
        t = time.fromisoformat((clock or "").strip())
    except ValueError as exc:
        raise ValidationError(N_("Enter the start time as HH:MM."), "time") from exc
    return datetime.combine(d, t.replace(second=0, microsecond=0), ZoneInfo(tz_name)).astimezone(
        UTC
    )


def utc_to_local(value: datetime | None, tz_name: str = LOCAL_TZ) -> tuple[str, str]:
    """Return (YYYY-MM-DD, HH:MM) of *value* in local time, for the form."""
    if value is None:
        return "", ""
    local = value.astimezone(ZoneInfo(tz_name))
    return local.date().isoformat(), local.strftime("%H:%M")


def route_from_upload(data: bytes | None) -> str | None:
    """Return the text of an uploaded route file, or None when no file was sent."""
    if not data:
        return None
    if len(data) > ROUTE_FILE_MAX_BYTES:
        raise ValidationError(N_("The route file is too large (at most 2 MB)."), "route")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(N_("The route file must be GeoJSON text."), "route") from exc


def parse_walk_form(
    form: Mapping[str, str], route_upload: bytes | None = None, tz_name: str = LOCAL_TZ
) -> WalkInput:
    """Turn the planning form into a WalkInput; an uploaded route file wins over a drawn one."""
    title = (form.get("title") or "").strip()
    if not title:
        raise ValidationError(N_("The walk needs a title."), "title")
    area_id = _int_or_none(form.get("area_id"), "area_id", N_("Choose an area."))
    if area_id is None:
        raise ValidationError(N_("Choose an area."), "area_id")
    starts_at = local_to_utc(form.get("date", ""), form.get("time", ""), tz_name)
    light = (form.get("light") or "").strip()
    leader_id = _int_or_none(
        form.get("leader_id"), "leader_id", N_("The walk leader must be a user who can lead walks.")
    )
    uploaded = route_from_upload(route_upload)
    route = uploaded if uploaded is not None else form.get("route")
    return WalkInput(
        title=title,
        area_id=area_id,
        starts_at=starts_at,
        light=light,
        leader_id=leader_id,
        route_geojson=route,
        notes=(form.get("notes") or "")[:5000],
    )


def may_view_walk(session, actor: Actor, walk: Walk) -> None:
    """Raise unless *actor* may open the walk's page: readers of all, its leader, participants."""
    if actor.reads_all or walk_service.is_leader(actor, walk):
        return
    if walk_service.participant_of(session, actor, walk) is not None:
        return
    raise PermissionDenied(N_("You do not have access to this walk."))


def may_run_walk_mode(session, actor: Actor, walk: Walk) -> bool:
    """Return True if *actor* may use walk mode now (participant, leader or coordinator)."""
    if walk_service.is_leader(actor, walk):
        return True
    return walk_service.participant_of(session, actor, walk) is not None


def may_edit_spot(session, actor: Actor, spot: Spot) -> bool:
    try:
        spot_service.may_edit(session, actor, spot)
    except PermissionDenied:
        return False
    return True


def participant_counts(session, walk: Walk) -> list[tuple[str, int]]:
    """Return (role label, count) for every participant role, in the catalogue's order."""
    rows = dict(
        session.execute(
            sa.select(Participant.role_label, sa.func.count(Participant.id))
            .where(Participant.walk_id == walk.id)
            .group_by(Participant.role_label)
        ).all()
    )
    return [(role, rows.get(role, 0)) for role in PARTICIPANT_ROLES]


def active_categories(session) -> list[Category]:
    return list(
        session.scalars(
            sa.select(Category).where(Category.active).order_by(Category.sort, Category.code)
        )
    )


def walk_spots(session, actor: Actor, walk: Walk) -> list[Spot]:
    """Return the spots of *walk* the actor may see, newest first."""
    spots = spot_service.query_spots(session, actor, spot_service.SpotFilter(walk_id=walk.id))
    return sorted(spots, key=lambda s: s.id, reverse=True)


def get_walk_spot(session, actor: Actor, walk: Walk, spot_id: int) -> Spot:
    """Return a visible spot of *walk* (404 for spots of other walks too)."""
    spot = spot_service.get_spot(session, actor, spot_id)
    if spot.walk_id != walk.id:
        from walkapp.domain.errors import NotFound

        raise NotFound(N_("No such spot."))
    return spot
