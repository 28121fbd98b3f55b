"""Focus areas: named polygons a planner draws on the hotspot map, and their statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound, ValidationError
from walkapp.geo.crs import to_metric
from walkapp.geo.shapes import GeometryError, as_multipolygon, from_db, parse_geojson, to_db
from walkapp.models import FocusArea
from walkapp.models.types import utcnow
from walkapp.services.hotspots.access import check_analyst
from walkapp.services.hotspots.analysis import analyse
from walkapp.services.hotspots.filters import HotspotFilter, Settings
from walkapp.services.hotspots.points import categories_of, inside


def list_focus_areas(session, actor: Actor) -> list[FocusArea]:
    check_analyst(actor)
    return list(session.scalars(sa.select(FocusArea).order_by(FocusArea.name)))


def get_focus_area(session, actor: Actor, focus_id: int) -> FocusArea:
    check_analyst(actor)
    fa = session.get(FocusArea, focus_id)
    if fa is None:
        raise NotFound(N_("No such focus area."))
    return fa


def save_focus_area(session, actor: Actor, name: str, geojson: str, notes: str = "",
                    focus: FocusArea | None = None) -> FocusArea:
    """Create (or update) a named focus area from a drawn GeoJSON polygon."""
    check_analyst(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError(N_("The focus area needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise ValidationError(N_("The notes may have at most %(n)s characters."), "notes",
                              n=5000)
    geom = None
    if geojson and geojson.strip():
        try:
            geom = as_multipolygon(parse_geojson(geojson))
        except GeometryError as exc:
            raise ValidationError(N_("The drawn area is not usable: %(reason)s"), "geometry",
                                  reason=str(exc)) from exc
        if to_metric(geom).area < 100:
            raise ValidationError(N_("The drawn area is too small."), "geometry")
    elif focus is None:
        raise ValidationError(N_("Draw the area on the map first."), "geometry")
    if focus is None:
        focus = FocusArea(name=name, notes=notes, geom=to_db(geom), created_by_id=actor.user_id)
        session.add(focus)
    else:
        focus.name, focus.notes, focus.updated_at = name, notes, utcnow()
        if geom is not None:
            focus.geom = to_db(geom)
    session.flush()
    return focus


def delete_focus_area(session, actor: Actor, focus: FocusArea) -> None:
    check_analyst(actor)
    session.delete(focus)
    session.flush()


@dataclass
class FocusStats:
    spots: int
    utryg: int
    tryg: int
    dark: int
    mean_feeling: float | None
    categories: list[tuple[str, int]]
    hot_cells: int
    clusters: int
    area_km2: float


def focus_stats(session, actor: Actor, focus: FocusArea, f: HotspotFilter,
                s: Settings) -> FocusStats:
    """Return the statistics of the spots inside a focus area (under the filter *f*)."""
    a = analyse(session, actor, f, s)
    geom = from_db(focus.geom)
    mask = inside(a.points, geom)
    sub = a.points.subset(mask)
    cats = categories_of(session, sub.ids)
    counter: dict[str, int] = {}
    for codes in cats.values():
        for c in codes:
            counter[c] = counter.get(c, 0) + 1
    feel = sub.feeling[~np.isnan(sub.feeling)]
    metric = to_metric(geom)
    hot = 0
    if not a.too_few:
        sig = a.gi.cls >= 2
        cx = (a.gi.east[sig] + 0.5) * a.gi.params.cell_m
        cy = (a.gi.north[sig] + 0.5) * a.gi.params.cell_m
        hot = int(np.count_nonzero(shapely.contains_xy(metric, cx, cy)))
    n_clusters = sum(1 for c in a.clusters if c.hull.intersects(metric))
    return FocusStats(spots=len(sub), utryg=int(sub.utryg.sum()),
                      tryg=int((~sub.utryg).sum()), dark=int(sub.dark.sum()),
                      mean_feeling=float(feel.mean()) if len(feel) else None,
                      categories=sorted(counter.items(), key=lambda kv: -kv[1]),
                      hot_cells=hot, clusters=n_clusters, area_km2=metric.area / 1e6)
