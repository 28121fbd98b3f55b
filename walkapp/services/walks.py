"""Walks: planning them (the form's input, local times, routes), who may open a walk and its
walk mode, joining, the participants, running and ending."""

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from walkapp.domain import params as parse
from walkapp.domain import walks as walk_rules
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import LIGHT, PARTICIPANT_ROLES
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import LEADERS
from walkapp.geo.shapes import (
    GeometryError,
    as_linestring,
    feature,
    feature_collection,
    from_db,
    parse_geojson,
    to_db,
    to_geojson,
)
from walkapp.models import Area, Participant, User, Walk
from walkapp.models.types import utcnow

LOCAL_TZ = "Europe/Copenhagen"
ROUTE_FILE_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class WalkInput:
    title: str
    area_id: int
    starts_at: datetime
    light: str
    leader_id: int | None
    route_geojson: str | None = None
    notes: str = ""
    previous_walk_id: int | None = None


def new_join_code() -> str:
    return secrets.token_urlsafe(9)


def _route(text: str | None):
    if not text or not text.strip():
        return None
    try:
        return to_db(as_linestring(parse_geojson(text)))
    except GeometryError as exc:
        raise ValidationError(N_("The route is not usable: %(reason)s"), "route",
                              reason=str(exc)) from exc


def _check(session, data: WalkInput) -> None:
    if not data.title.strip():
        raise ValidationError(N_("The walk needs a title."), "title")
    if len(data.title) > 200:
        raise ValidationError(N_("The title is too long."), "title")
    if session.get(Area, data.area_id) is None:
        raise ValidationError(N_("Choose an area."), "area_id")
    if data.light not in LIGHT:
        raise ValidationError(N_("Choose daylight or darkness."), "light")
    if data.leader_id is not None:
        leader = session.get(User, data.leader_id)
        if leader is None or leader.role not in LEADERS:
            raise ValidationError(N_("The walk leader must be a user who can lead walks."),
                                  "leader_id")


def plan_walk(session, actor: Actor, data: WalkInput) -> Walk:
    if not actor.plans_walks:
        raise PermissionDenied(N_("Only coordinators can plan walks."))
    _check(session, data)
    walk = Walk(
        title=data.title.strip(), area_id=data.area_id, starts_at=data.starts_at,
        light=data.light, leader_id=data.leader_id, created_by_id=actor.user_id,
        route=_route(data.route_geojson), notes=data.notes.strip(), join_code=new_join_code(),
        previous_walk_id=data.previous_walk_id,
    )
    session.add(walk)
    session.flush()
    return walk


def update_walk(session, actor: Actor, walk: Walk, data: WalkInput) -> Walk:
    if not actor.plans_walks:
        raise PermissionDenied(N_("Only coordinators can change a walk's plan."))
    _check(session, data)
    walk.title, walk.area_id, walk.starts_at = data.title.strip(), data.area_id, data.starts_at
    walk.light, walk.leader_id, walk.notes = data.light, data.leader_id, data.notes.strip()
    if data.route_geojson is not None:
        walk.route = _route(data.route_geojson)
    session.flush()
    return walk


def get_walk(session, walk_id: int) -> Walk:
    walk = session.get(Walk, walk_id)
    if walk is None:
        raise NotFound(N_("No such walk."))
    return walk


def join_link_expired(walk: Walk, valid_days_after: int) -> bool:
    if walk.status == "afsluttet" and walk.ended_at is not None:
        return utcnow() > walk.ended_at + timedelta(days=valid_days_after)
    return utcnow() > walk.starts_at + timedelta(days=valid_days_after + 1)


def walk_by_code(session, code: str, valid_days_after: int) -> Walk:
    walk = session.scalar(sa.select(Walk).where(Walk.join_code == code))
    if walk is None or join_link_expired(walk, valid_days_after):
        raise NotFound(N_("This join link is unknown or has expired."))
    return walk


def participant_of(session, actor: Actor, walk: Walk) -> Participant | None:
    pid = actor.guest_participations.get(walk.id)
    if pid is not None:
        p = session.get(Participant, pid)
        if p is not None and p.walk_id == walk.id:
            return p
    if actor.user_id is not None:
        return session.scalar(sa.select(Participant).where(
            Participant.walk_id == walk.id, Participant.user_id == actor.user_id))
    return None


def join_walk(session, actor: Actor, walk: Walk, display_name: str = "",
              role_label: str = "beboer") -> Participant:
    """Add the actor to *walk* (idempotent)."""
    if walk.status == "afsluttet":
        raise ValidationError(N_("This walk has ended."))
    existing = participant_of(session, actor, walk)
    if existing is not None:
        return existing
    display_name = (display_name or "").strip()[:80]
    if role_label not in PARTICIPANT_ROLES:
        raise ValidationError(N_("Choose a role."), "role_label")
    p = Participant(walk_id=walk.id, user_id=actor.user_id, display_name=display_name,
                    role_label=role_label)
    session.add(p)
    session.flush()
    return p


def is_leader(actor: Actor, walk: Walk) -> bool:
    return walk_rules.leads(actor, walk.leader_id)


def set_status(session, actor: Actor, walk: Walk, status: str) -> Walk:
    if not is_leader(actor, walk):
        raise PermissionDenied(N_("Only the walk leader can start or end the walk."))
    if status == "igang" and walk.status == "planlagt":
        walk.status = "igang"
    elif status == "afsluttet" and walk.status != "afsluttet":
        walk.status, walk.ended_at = "afsluttet", utcnow()
    elif status != walk.status:
        raise ValidationError(N_("The walk cannot go from %(a)s to %(b)s."), "status",
                              a=walk.status, b=status)
    session.flush()
    return walk


def visible_walks(session, actor: Actor):
    """Return walks the actor may open, newest first."""
    q = sa.select(Walk).order_by(Walk.starts_at.desc())
    if actor.reads_all:
        return session.scalars(q).all()
    conds = []
    if actor.user_id is not None:
        conds.append(Walk.leader_id == actor.user_id)
        conds.append(Walk.id.in_(sa.select(Participant.walk_id).where(
            Participant.user_id == actor.user_id)))
    if actor.guest_participations:
        conds.append(Walk.id.in_(list(actor.guest_participations)))
    if not conds:
        return []
    return session.scalars(q.where(sa.or_(*conds))).all()


# --- the planning form ------------------------------------------------------------------------


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
    value = parse.whole(raw)
    if value is None:
        raise ValidationError(message, field)
    return value


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


def plan_form_values(walk: Walk | None, tz_name: str = LOCAL_TZ) -> dict[str, str]:
    """Return the planning form's values for *walk* (a new walk's defaults when None)."""
    if walk is None:
        return {"light": "moerke"}
    day, clock = utc_to_local(walk.starts_at, tz_name)
    return {
        "title": walk.title,
        "area_id": str(walk.area_id),
        "date": day,
        "time": clock,
        "light": walk.light,
        "leader_id": str(walk.leader_id or ""),
        "route": route_geojson(walk),
        "notes": walk.notes,
    }


def save_walk(session, actor: Actor, walk: Walk | None, form: Mapping[str, str],
              route_upload: bytes | None, tz_name: str = LOCAL_TZ) -> Walk:
    """Plan a new walk (*walk* None) or change *walk*'s plan from the planning form."""
    data = parse_walk_form(form, route_upload, tz_name)
    if walk is None:
        return plan_walk(session, actor, data)
    return update_walk(session, actor, walk, data)


# --- who may open what ------------------------------------------------------------------------


def may_view_walk(session, actor: Actor, walk: Walk) -> None:
    """Raise unless *actor* may open the walk's page: readers of all, its leader, participants."""
    if actor.reads_all or is_leader(actor, walk):
        return
    if participant_of(session, actor, walk) is not None:
        return
    raise PermissionDenied(N_("You do not have access to this walk."))


def may_run_walk_mode(session, actor: Actor, walk: Walk) -> bool:
    """Return True if *actor* may use walk mode now (participant, leader or coordinator)."""
    if is_leader(actor, walk):
        return True
    return participant_of(session, actor, walk) is not None


class ModeAccess(StrEnum):
    """What opening walk mode gives an actor."""

    OPEN = "open"  # a participant, the walk's leader or a coordinator
    LOGIN = "login"  # nobody (no account, no guest pass): the login page
    DENIED = "denied"  # everyone else: a user or guest who has not joined this walk


def walk_mode_access(session, actor: Actor, walk: Walk) -> ModeAccess:
    """Decide who may open walk mode, and where the others are sent.

    Nobody is sent on to the join page: its URL holds the walk's join code, and the code is
    for those invited by it (the QR code on the walk, the link the leader hands out). Those
    who may join without it already get in: the walk's leader, coordinators and admins.
    """
    if may_run_walk_mode(session, actor, walk):
        return ModeAccess.OPEN
    if not actor.is_user and not actor.guest_participations:
        return ModeAccess.LOGIN
    return ModeAccess.DENIED


# --- participants -----------------------------------------------------------------------------


def participant_counts(session, walk: Walk) -> list[tuple[str, int]]:
    """Return (role, count) for every participant role, in the catalogue's order."""
    rows = dict(
        session.execute(
            sa.select(Participant.role_label, sa.func.count(Participant.id))
            .where(Participant.walk_id == walk.id)
            .group_by(Participant.role_label)
        ).all()
    )
    return [(role, rows.get(role, 0)) for role in PARTICIPANT_ROLES]


class WalkStatus(NamedTuple):
    """The walk page's status card: participants per role, and what the actor may do."""

    walk: Walk
    counts: list[tuple[str, int]]
    is_leader: bool
    in_walk_mode: bool


def walk_status(session, actor: Actor, walk: Walk) -> WalkStatus:
    return WalkStatus(walk, participant_counts(session, walk), is_leader(actor, walk),
                      may_run_walk_mode(session, actor, walk))
