"""Remedy lists and filters, their GeoJSON features, Mine opgaver and the follow-up board."""

import math
from dataclasses import dataclass, fields
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, PermissionDenied, ValidationError
from walkapp.domain.roles import Role
from walkapp.geo.crs import lonlat_to_metric
from walkapp.geo.shapes import feature, from_db
from walkapp.models import Area, ContractorLink, Organisation, Photo, Remedy, Spot, User, Walk
from walkapp.services.remedies.access import who_of
from walkapp.services.remedies.closing import NumberedSpot, numbered_spots, organisations
from walkapp.services.remedies.contractor import links_of
from walkapp.services.remedies.lifecycle import available_moves, last_verdict
from walkapp.services.remedies.photos import before_photos
from walkapp.services.visibility import visible_levels


@dataclass
class RemedyFilter:
    status: str | None = None
    org_id: int | None = None
    area_id: int | None = None
    walk_id: int | None = None
    overdue: bool = False
    limit: int = 5000


def parse_filter(args) -> RemedyFilter:
    f = RemedyFilter()
    if args.get("status"):
        if args["status"] not in rd.STATUSES:
            raise ValidationError(N_("Unknown status."), "status")
        f.status = args["status"]
    for name, attr in (("org", "org_id"), ("area", "area_id"), ("walk", "walk_id")):
        setattr(f, attr, parse.integer(args, name))
    if args.get("overdue") not in (None, "", "0", "1"):
        raise ValidationError(N_("overdue must be 0 or 1."), "overdue")
    f.overdue = args.get("overdue") == "1"
    return f


def visible_clause(who: rd.Who):
    if who.role == rd.CONTRACTOR:
        return Remedy.id == who.contractor_remedy_id
    if rd.may_view_all(who.role):
        return sa.true()
    if who.role == Role.INSPEKTOER and who.org_id is not None:
        return Remedy.owner_org_id == who.org_id
    return sa.false()


def check_may_list(who: rd.Who) -> None:
    if not (rd.may_view_all(who.role) or (who.role == Role.INSPEKTOER and who.org_id)):
        raise PermissionDenied(N_("You do not have access to remedies."))


def query_remedies(session, who: rd.Who, f: RemedyFilter, on: date | None = None) -> list[Remedy]:
    check_may_list(who)
    on = on or clock.today()
    q = sa.select(Remedy).where(visible_clause(who))
    if f.status:
        q = q.where(Remedy.status == f.status)
    if f.org_id:
        q = q.where(Remedy.owner_org_id == f.org_id)
    if f.area_id:
        q = q.where(Remedy.area_id == f.area_id)
    if f.walk_id:
        q = q.where(Remedy.walk_id == f.walk_id)
    if f.overdue:
        q = q.where(Remedy.deadline < on, Remedy.status.in_(rd.UNFINISHED))
    q = q.options(so.selectinload(Remedy.owner_org), so.selectinload(Remedy.spots).load_only(
        Spot.id), so.selectinload(Remedy.events)).order_by(Remedy.id).limit(f.limit)
    return list(session.scalars(q))


def remedy_state(remedy: Remedy, on: date | None = None) -> dict:
    """Return the remedy's current state as plain data (API bodies, 409 answers)."""
    on = on or clock.today()
    last = remedy.events[-1] if remedy.events else None
    return {
        "id": remedy.id,
        "title": remedy.title,
        "status": remedy.status,
        "version": remedy.version,
        "owner_org": ({"id": remedy.owner_org.id, "name": remedy.owner_org.name}
                      if remedy.owner_org else None),
        "assignee_id": remedy.assignee_id,
        "deadline": remedy.deadline.isoformat() if remedy.deadline else None,
        "priority": remedy.priority,
        "overdue": rd.is_overdue(remedy.status, remedy.deadline, on),
        "walk_id": remedy.walk_id,
        "area_id": remedy.area_id,
        "spot_ids": [s.id for s in remedy.spots],
        "last_event": None if last is None else {
            "at": last.at.isoformat(), "kind": last.kind, "from": last.from_status,
            "to": last.to_status, "comment": last.comment, "by": last.actor_label,
        },
    }


def remedy_feature(remedy: Remedy, on: date | None = None) -> dict:
    return feature(from_db(remedy.geom), remedy_state(remedy, on), fid=remedy.id)


@dataclass
class Task:
    remedy: Remedy
    distance_m: float | None
    overdue: bool


def my_tasks(session, actor: Actor, sort: str = "deadline", lat: float | None = None,
             lon: float | None = None, on: date | None = None, limit: int = 200) -> list[Task]:
    """Return the open remedies of the inspector's organisation, by deadline or distance."""
    who = who_of(actor)
    if actor.role != Role.INSPEKTOER and not rd.may_manage(actor.role):
        raise PermissionDenied(N_("Only inspectors and coordinators have tasks."))
    on = on or clock.today()
    q = sa.select(Remedy).where(Remedy.status.in_(rd.OPEN_FOR_OWNER), visible_clause(who))
    if actor.role == Role.INSPEKTOER:
        q = q.where(Remedy.owner_org_id == actor.org_id)
    if sort == "distance" and lat is not None and lon is not None:
        # Order in SQL by a flat-earth distance (good enough for ranking within a kommune).
        k = math.cos(math.radians(lat))
        dist = (Remedy.lat - lat) * (Remedy.lat - lat) + \
            (Remedy.lon - lon) * k * (Remedy.lon - lon) * k
        q = q.order_by(sa.case((Remedy.lat.is_(None), 1), else_=0), dist, Remedy.id)
    else:
        q = q.order_by(sa.case((Remedy.deadline.is_(None), 1), else_=0), Remedy.deadline,
                       Remedy.priority, Remedy.id)
    q = q.limit(limit).options(so.selectinload(Remedy.area).load_only(Area.id, Area.name))
    out = []
    for r in session.scalars(q):
        d = None
        if lat is not None and lon is not None and r.lat is not None:
            x1, y1 = lonlat_to_metric(lon, lat)
            x2, y2 = lonlat_to_metric(r.lon, r.lat)
            d = math.hypot(x2 - x1, y2 - y1)
        out.append(Task(r, d, rd.is_overdue(r.status, r.deadline, on)))
    return out


@dataclass
class Board:
    overdue: list[Remedy]
    due_soon: list[Remedy]
    awaiting_verification: list[Remedy]
    per_owner: list[tuple[str, dict[str, int]]]
    per_area: list[tuple[str, dict[str, int]]]


def follow_up_board(session, actor: Actor, on: date | None = None, soon_days: int = 14) -> Board:
    if not rd.may_view_all(actor.role):
        raise PermissionDenied(N_("Only coordinators and planners see the follow-up board."))
    on = on or clock.today()
    base = sa.select(Remedy).options(so.selectinload(Remedy.owner_org),
                                     so.selectinload(Remedy.area).load_only(Area.id, Area.name))
    unfinished = Remedy.status.in_(rd.UNFINISHED)
    overdue = list(session.scalars(base.where(unfinished, Remedy.deadline < on)
                                   .order_by(Remedy.deadline)))
    soon = list(session.scalars(base.where(unfinished, Remedy.deadline >= on,
                                           Remedy.deadline <= on + timedelta(days=soon_days))
                                .order_by(Remedy.deadline)))
    awaiting = list(session.scalars(base.where(Remedy.status == rd.UDFOERT)
                                    .order_by(Remedy.updated_at)))

    def counts(col, label_col, join):
        rows = session.execute(
            sa.select(label_col, Remedy.status, sa.func.count()).select_from(Remedy)
            .outerjoin(*join).group_by(label_col, Remedy.status).order_by(label_col)).all()
        out: dict[str, dict[str, int]] = {}
        for label, status, n in rows:
            out.setdefault(label or "-", {})[status] = n
        return list(out.items())

    return Board(overdue, soon, awaiting,
                 counts(Remedy.owner_org_id, Organisation.name,
                        (Organisation, Organisation.id == Remedy.owner_org_id)),
                 counts(Remedy.area_id, Area.name, (Area, Area.id == Remedy.area_id)))


def followup_remedies(session, walk: Walk) -> list[Remedy]:
    """Return the remedies of the walk this re-walk follows up, with their spots."""
    if walk.previous_walk_id is None:
        return []
    return list(session.scalars(sa.select(Remedy).where(
        Remedy.walk_id == walk.previous_walk_id, Remedy.status != rd.AFVIST)
        .options(so.selectinload(Remedy.spots), so.selectinload(Remedy.owner_org))
        .order_by(Remedy.id)))


@dataclass
class RemedyPage:
    """What the remedy page shows *actor*."""

    remedy: Remedy
    moves: list[str]
    state: dict
    before: list[Photo]
    links: list[ContractorLink]
    organisations: list[Organisation]
    people: list[User]
    manage: bool

    def context(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def remedy_page(session, actor: Actor, remedy: Remedy) -> RemedyPage:
    who = who_of(actor)
    manage = rd.may_manage(actor.role)
    people = list(session.scalars(sa.select(User).where(
        User.organisation_id == remedy.owner_org_id).order_by(User.name))) \
        if manage and remedy.owner_org_id else []
    return RemedyPage(
        remedy=remedy, moves=available_moves(remedy, who), state=remedy_state(remedy),
        before=before_photos(remedy, visible_levels(actor)),
        links=links_of(session, remedy.id)
        if rd.roles_for(who, remedy.id, remedy.owner_org_id) else [],
        organisations=organisations(session) if manage else [], people=people, manage=manage)


@dataclass
class TaskQuery:
    sort: str = "deadline"
    lat: float | None = None
    lon: float | None = None


def _coordinate(args, name: str) -> float | None:
    try:
        value = float(args.get(name, ""))
    except ValueError:
        return None
    return value if -180 <= value <= 180 else None


def parse_task_query(args) -> TaskQuery:
    """Mine opgaver's sort (by deadline unless "distance") and the phone's position, if any."""
    sort = args.get("sort", "deadline")
    return TaskQuery(sort if sort in ("deadline", "distance") else "deadline",
                     _coordinate(args, "lat"), _coordinate(args, "lon"))


def index_target(actor: Actor) -> str:
    """Where /remedies sends *actor*: "mine" for inspectors, "board" for readers; else 403."""
    if actor.role == Role.INSPEKTOER:
        return "mine"
    if rd.may_view_all(actor.role):
        return "board"
    raise PermissionDenied(N_("You do not have access to remedies."))


@dataclass
class FollowUp:
    """The re-walk page: the earlier walk's remedies and the spots they cover."""

    previous: Walk | None
    remedies: list[Remedy]
    numbered: list[NumberedSpot]  # the earlier walk's spots the actor may see
    numbers: dict[int, int]
    verdicts: dict[int, str | None]
    manage: bool


def follow_up(session, actor: Actor, walk: Walk) -> FollowUp:
    remedies = followup_remedies(session, walk)
    previous = session.get(Walk, walk.previous_walk_id) if walk.previous_walk_id else None
    numbered = numbered_spots(session, previous) if previous else []
    numbers = {s.id: ns.number for ns in numbered for s in ns.all_spots}
    levels = visible_levels(actor)
    return FollowUp(previous, remedies, [ns for ns in numbered if ns.spot.visibility in levels],
                    numbers, {r.id: last_verdict(r, walk.id) for r in remedies},
                    rd.may_manage(actor.role))
