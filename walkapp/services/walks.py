"""Planning, joining, running and ending walks."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import LIGHT, PARTICIPANT_ROLES
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import LEADERS
from walkapp.geo.shapes import GeometryError, as_linestring, parse_geojson, to_db
from walkapp.models import Area, Participant, User, Walk
from walkapp.models.types import utcnow


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
    return actor.plans_walks or (actor.user_id is not None and walk.leader_id == actor.user_id)


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
