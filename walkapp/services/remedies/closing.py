"""The closing meeting: the walk's numbered spots, merges, suggestions and new remedies."""

from dataclasses import dataclass, field, fields
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from shapely.geometry import MultiPoint

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound, ValidationError
from walkapp.geo.crs import lonlat_to_metric
from walkapp.geo.shapes import from_db, to_db
from walkapp.models import (
    Area,
    Organisation,
    Remedy,
    RemedyEvent,
    RemedyTemplate,
    Spot,
    SpotMerge,
    Walk,
)
from walkapp.services import walks as walk_service
from walkapp.services.remedies.catalogue import list_templates
from walkapp.services.remedies.lifecycle import actor_label, check_assignee, check_manager


@dataclass
class NumberedSpot:
    number: int
    spot: Spot
    merged: list[Spot] = field(default_factory=list)

    @property
    def all_spots(self) -> list[Spot]:
        return [self.spot, *self.merged]

    @property
    def categories(self) -> list[str]:
        out: list[str] = []
        for s in self.all_spots:
            out += [c for c in s.category_codes if c not in out]
        return out


def numbered_spots(session, walk: Walk,
                   levels: tuple[str, ...] | None = None) -> list[NumberedSpot]:
    """Return the walk's spots numbered 1..n in the order they were made, merges folded in.

    *levels* limits the visibility levels shown (the publishable report leaves out police).
    """
    q = sa.select(Spot).where(Spot.walk_id == walk.id, sa.not_(Spot.hidden)).order_by(
        Spot.observed_at, Spot.id).options(so.selectinload(Spot.participant))
    if levels is not None:
        q = q.where(Spot.visibility.in_(levels))
    spots = list(session.scalars(q))
    merges = dict(session.execute(sa.select(SpotMerge.spot_id, SpotMerge.into_spot_id).where(
        SpotMerge.spot_id.in_([s.id for s in spots] or [-1]))).all())
    by_id = {s.id: s for s in spots}
    out: list[NumberedSpot] = []
    index: dict[int, NumberedSpot] = {}
    for s in spots:
        if s.id in merges:
            continue
        ns = NumberedSpot(len(out) + 1, s)
        out.append(ns)
        index[s.id] = ns
    for child, parent in merges.items():
        root = parent
        while root in merges:  # chains of merges fold into the first spot
            root = merges[root]
        if root in index and child in by_id:
            index[root].merged.append(by_id[child])
    return out


def merge_candidates(session, walk: Walk, max_m: float) -> list[rd.MergeSuggestion]:
    """Return suggested merges among the walk's top-level spots (metric, EPSG:25832)."""
    points = []
    for ns in numbered_spots(session, walk):
        p = from_db(ns.spot.geom)
        x, y = lonlat_to_metric(p.x, p.y)
        points.append(rd.MergePoint(ns.spot.id, x, y, frozenset(ns.categories)))
    return rd.merge_suggestions(points, max_m)


def merge_spots(session, actor: Actor, walk: Walk, keep_id: int, merge_id: int) -> SpotMerge:
    """Fold spot *merge_id* into *keep_id*. Nothing is deleted: photos, notes stay on their rows."""
    check_manager(actor)
    if keep_id == merge_id:
        raise ValidationError(N_("Choose two different spots."), "merge_id")
    spots = {s.id: s for s in session.scalars(sa.select(Spot).where(
        Spot.id.in_([keep_id, merge_id]), Spot.walk_id == walk.id))}
    if len(spots) != 2:
        raise NotFound(N_("No such spot."))
    if session.get(SpotMerge, keep_id) is not None:
        raise ValidationError(N_("That spot is already merged into another."), "keep_id")
    if session.get(SpotMerge, merge_id) is not None:
        raise ValidationError(N_("That spot is already merged into another."), "merge_id")
    merge = SpotMerge(spot_id=merge_id, into_spot_id=keep_id, merged_by_id=actor.user_id)
    session.add(merge)
    # Children of the merged spot follow it, and remedies covering one now cover both.
    for child in session.scalars(sa.select(SpotMerge).where(SpotMerge.into_spot_id == merge_id)):
        child.into_spot_id = keep_id
    for remedy in session.scalars(sa.select(Remedy).where(
            Remedy.spots.any(Spot.id.in_([keep_id, merge_id])))):
        for s in spots.values():
            if s not in remedy.spots:
                remedy.spots.append(s)
        _set_geometry(remedy)
    session.flush()
    return merge


def unmerge_spot(session, actor: Actor, walk: Walk, spot_id: int) -> None:
    check_manager(actor)
    merge = session.get(SpotMerge, spot_id)
    spot = session.get(Spot, spot_id)
    if merge is None or spot is None or spot.walk_id != walk.id:
        raise NotFound(N_("That spot is not merged."))
    session.delete(merge)
    session.flush()


@dataclass
class Suggestion:
    templates: list[RemedyTemplate]
    owner: Organisation | None


ROAD_HINTS = ("vej", "road", "trafik", "park")


def suggest_owner(session, area: Area, categories: list[str]) -> Organisation | None:
    """Return the organisation that typically owns a remedy for *categories* in *area*."""
    kind = rd.suggest_owner_kind(categories, area.owner_organisation_id is not None)
    if kind == "area":
        return area.owner_organisation
    orgs = list(session.scalars(sa.select(Organisation).where(Organisation.kind == kind)
                                .order_by(Organisation.name)))
    if not orgs:
        return area.owner_organisation
    if kind == "kommune":  # roads, paths, lighting: the kommune's roads department if named
        for org in orgs:
            if any(h in org.name.lower() for h in ROAD_HINTS):
                return org
    return orgs[0]


def suggest(session, area: Area, categories: list[str],
            templates: list[RemedyTemplate] | None = None) -> Suggestion:
    """Suggest templates and an owner; pass *templates* when suggesting for many spots."""
    templates = list_templates(session) if templates is None else templates
    codes = [t.code for t in rd.suggest_templates(categories, [_Tpl(t) for t in templates])]
    by_code = {t.code: t for t in templates}
    return Suggestion([by_code[c] for c in codes], suggest_owner(session, area, categories))


@dataclass(frozen=True)
class _Tpl:
    """Adapter so the pure ranking sees a template's code and categories."""

    row: RemedyTemplate

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.row.category_list)


@dataclass
class RemedyInput:
    spot_ids: list[int]
    title: str
    description: str = ""
    template_id: int | None = None
    owner_org_id: int | None = None
    assignee_id: int | None = None
    deadline: date | None = None
    priority: int = 2


def parse_remedy_form(form) -> RemedyInput:
    """Validate form fields into a RemedyInput, naming the field of the first error."""
    ids = []
    for raw in form.getlist("spot_ids"):
        if not str(raw).isdigit():
            raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
        ids.append(int(raw))
    return RemedyInput(spot_ids=ids, title=parse.text(form, "title"),
                       description=parse.text(form, "description"),
                       template_id=parse.integer(form, "template_id"),
                       owner_org_id=parse.integer(form, "owner_org_id"),
                       assignee_id=parse.integer(form, "assignee_id"),
                       deadline=parse.day(form, "deadline"),
                       priority=parse.integer(form, "priority") or 2)


def parse_merge(form) -> tuple[int, int]:
    """The spot to keep and the one to fold into it."""
    keep, other = parse.optional_id(form, "keep_id"), parse.optional_id(form, "merge_id")
    if keep is None or other is None:
        raise ValidationError(N_("Choose two different spots."), "merge_id")
    return keep, other


def parse_unmerge(form) -> int:
    spot_id = parse.optional_id(form, "spot_id")
    if spot_id is None:
        raise ValidationError(N_("That spot is not merged."), "spot_id")
    return spot_id


def organisations(session) -> list[Organisation]:
    """Every organisation, by name: the owners a remedy can get."""
    return list(session.scalars(sa.select(Organisation).order_by(Organisation.name)))


def managed_walk(session, actor: Actor, walk_id: int) -> Walk:
    """The walk whose closing meeting a coordinator runs (403 for anyone else)."""
    check_manager(actor)
    return walk_service.get_walk(session, walk_id)


@dataclass
class ClosingMeeting:
    """What the closing meeting page shows: numbered spots, suggestions, merges, remedies."""

    numbered: list[NumberedSpot]
    numbers: dict[int, int]  # spot id -> its number (merged spots share their root's)
    suggestions: dict[int, Suggestion]
    merges: list[rd.MergeSuggestion]
    templates: list[RemedyTemplate]
    organisations: list[Organisation]
    remedies: list[Remedy]
    remedy_numbers: dict[int, list[int]]

    def context(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def closing_meeting(session, walk: Walk, merge_distance_m: float) -> ClosingMeeting:
    numbered = numbered_spots(session, walk)
    numbers = {s.id: ns.number for ns in numbered for s in ns.all_spots}
    templates = list_templates(session)
    remedies = list(session.scalars(sa.select(Remedy).where(Remedy.walk_id == walk.id)
                                    .order_by(Remedy.id)))
    return ClosingMeeting(
        numbered=numbered, numbers=numbers,
        suggestions={ns.spot.id: suggest(session, walk.area, ns.categories, templates)
                     for ns in numbered},
        merges=merge_candidates(session, walk, merge_distance_m), templates=templates,
        organisations=organisations(session),
        remedies=remedies,
        remedy_numbers={r.id: sorted({numbers[s.id] for s in r.spots if s.id in numbers})
                        for r in remedies})


def _set_geometry(remedy: Remedy) -> None:
    pts = [from_db(s.geom) for s in remedy.spots]
    if not pts:
        return
    geom = pts[0] if len(pts) == 1 else MultiPoint(pts)
    remedy.geom = to_db(geom)
    c = geom.centroid
    remedy.lon, remedy.lat = c.x, c.y


def create_remedy(session, actor: Actor, walk: Walk, data: RemedyInput,
                  on: date | None = None) -> Remedy:
    """Create a proposed remedy for spots of *walk* (coordinators only)."""
    check_manager(actor)
    on = on or clock.today()
    if not data.spot_ids:
        raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
    spots = list(session.scalars(sa.select(Spot).where(Spot.id.in_(data.spot_ids),
                                                       Spot.walk_id == walk.id)))
    if len(spots) != len(set(data.spot_ids)):
        raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
    # A remedy for a spot also covers the spots merged into it.
    extra = session.scalars(sa.select(Spot).join(SpotMerge, SpotMerge.spot_id == Spot.id).where(
        SpotMerge.into_spot_id.in_([s.id for s in spots]))).all()
    spots += [s for s in extra if s not in spots]
    template = None
    if data.template_id is not None:
        template = session.get(RemedyTemplate, data.template_id)
        if template is None:
            raise ValidationError(N_("Unknown remedy template."), "template_id")
    title = data.title or (template.title_da if template else "")
    if not title:
        raise ValidationError(N_("The remedy needs a title."), "title")
    if len(title) > 200:
        raise ValidationError(N_("The title is too long."), "title")
    if data.priority not in rd.PRIORITIES:
        raise ValidationError(N_("Choose a priority."), "priority")
    rd.check_deadline(data.deadline, on)
    owner = None
    if data.owner_org_id is not None:
        owner = session.get(Organisation, data.owner_org_id)
        if owner is None:
            raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
    else:
        cats = []
        for s in spots:
            cats += [c for c in s.category_codes if c not in cats]
        owner = suggest_owner(session, walk.area, cats)
    check_assignee(session, data.assignee_id, owner)
    remedy = Remedy(walk_id=walk.id, area_id=walk.area_id, template=template, title=title,
                    description=data.description or (template.description_da if template else ""),
                    owner_org=owner, assignee_id=data.assignee_id, deadline=data.deadline,
                    priority=data.priority, status=rd.FORESLAAET, created_by_id=actor.user_id,
                    spots=sorted(spots, key=lambda s: s.id))
    _set_geometry(remedy)
    remedy.events.append(RemedyEvent(user_id=actor.user_id, actor_label=actor_label(session, actor),
                                     kind="created", to_status=rd.FORESLAAET))
    session.add(remedy)
    session.flush()
    return remedy
