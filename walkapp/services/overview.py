"""The overview of the spots of every walk, for the roles that read everything."""

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, PermissionDenied, ValidationError
from walkapp.models import Area, Category, Spot, Walk
from walkapp.services import spots as spot_service

# The list view shows at most this many rows; the map (the GeoJSON API) shows more.
LIST_LIMIT = 500
FILTER_KEYS = ("walk", "area", "kind", "category", "from", "to", "light")


def require_reader(actor: Actor) -> None:
    """Raise unless *actor* may read the spots of every walk."""
    if not actor.reads_all:
        raise PermissionDenied(
            N_("Only administrators, coordinators and planners can see the overview of spots."))


@dataclass
class Overview:
    """What the overview page shows: the filter, its result, and the filter's choices."""

    filter: spot_service.SpotFilter
    spots: list[Spot]
    truncated: bool
    error: ValidationError | None
    walks: list[Walk] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)

    @property
    def active_filters(self) -> int:
        f = self.filter
        return sum(bool(x) for x in (f.walk_id, f.area_id, f.kind, f.categories, f.date_from,
                                     f.date_to, f.light))


def filter_query(args) -> list[tuple[str, str]]:
    """Return the non-empty filter parameters of *args*, in a stable order (for URLs)."""
    out = []
    for key in FILTER_KEYS:
        values = args.getlist(key) if hasattr(args, "getlist") else [args.get(key)]
        out += [(key, v) for v in values if v]
    return out


def overview(session, actor: Actor, args) -> Overview:
    """Return the spots matching the query-string filters *args* (the API's filter code)."""
    require_reader(actor)
    error = None
    try:
        f = spot_service.parse_filter(args, spot_service.known_categories(session))
    except ValidationError as exc:
        f, error = spot_service.SpotFilter(), exc
    if error is None:
        f.limit = LIST_LIMIT + 1
        spots = spot_service.query_spots(session, actor, f)
    else:
        spots = []
    truncated = len(spots) > LIST_LIMIT
    walks = session.scalars(sa.select(Walk).options(so.load_only(Walk.id, Walk.title,
                                                                 Walk.starts_at))
                            .order_by(Walk.starts_at.desc())).all()
    areas = session.scalars(sa.select(Area).options(so.defer(Area.geom))
                            .order_by(Area.name)).all()
    categories = session.scalars(sa.select(Category).where(Category.active)
                                 .order_by(Category.sort)).all()
    return Overview(filter=f, spots=spots[:LIST_LIMIT], truncated=truncated, error=error,
                    walks=list(walks), areas=list(areas), categories=list(categories))


def outline_areas(session, area_id: int | None = None) -> list[Area]:
    """Return the areas to outline on the overview map (one area when the filter names one)."""
    q = sa.select(Area).order_by(Area.kind != "kommune", Area.name)
    if area_id:
        q = q.where(Area.id == area_id)
    return list(session.scalars(q))


def spot_detail(session, actor: Actor, spot_id: int) -> Spot:
    """Return one spot for the overview's side panel."""
    require_reader(actor)
    return spot_service.get_spot(session, actor, spot_id)
