"""The filtered spots as numbers: one query of plain values, projected with numpy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2 import functions as gf

from walkapp.domain import hotspots as hs
from walkapp.domain.actor import Actor
from walkapp.domain.clock import TZ
from walkapp.geo.crs import lonlat_to_metric, to_metric
from walkapp.geo.shapes import from_db
from walkapp.models import Area, Participant, Spot, SpotImport, Walk, spot_categories
from walkapp.services.hotspots.filters import HotspotFilter
from walkapp.services.visibility import level_clause


@dataclass
class Points:
    """Spots as parallel arrays: WGS84 and EPSG:25832 coordinates, kind and light flags."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    utryg: np.ndarray
    dark: np.ndarray
    walk_id: np.ndarray
    feeling: np.ndarray  # nan where not given

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> Points:
        return Points(**{k: v[mask] for k, v in self.__dict__.items()})


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(), TZ).astimezone(UTC)


def filter_clauses(actor: Actor, f: HotspotFilter) -> list:
    """Return WHERE clauses for the spots an analyst sees under filter *f* (hidden ones never)."""
    clauses = [level_clause(actor), sa.not_(Spot.hidden)]
    if f.date_from:
        clauses.append(Spot.observed_at >= _day_start(f.date_from))
    if f.date_to:
        clauses.append(Spot.observed_at < _day_start(f.date_to + timedelta(days=1)))
    if f.categories:
        clauses.append(Spot.id.in_(sa.select(spot_categories.c.spot_id).where(
            spot_categories.c.code.in_(f.categories))))
    if f.light:
        clauses.append(Spot.light == f.light)
    if f.area_id:
        clauses.append(Spot.walk_id.in_(sa.select(Walk.id).where(Walk.area_id == f.area_id)))
    if f.role:
        clauses.append(Spot.participant_id.in_(sa.select(Participant.id).where(
            Participant.role_label == f.role)))
    if f.walk_id:
        clauses.append(Spot.walk_id == f.walk_id)
    return clauses


def load_points(session, actor: Actor, f: HotspotFilter) -> Points:
    """Load the filtered spots in one query returning plain numbers, projected with numpy."""
    q = sa.select(Spot.id, gf.ST_X(Spot.geom), gf.ST_Y(Spot.geom), Spot.kind, Spot.light,
                  Spot.walk_id, Spot.feeling).where(*filter_clauses(actor, f)).order_by(Spot.id)
    rows = session.execute(q).all()
    n = len(rows)
    if n == 0:
        empty = np.zeros(0)
        return Points(np.zeros(0, dtype=np.int64), empty, empty, empty, empty,
                      np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, dtype=np.int64), empty)
    ids, lon, lat, kind, light, walk, feeling = zip(*rows, strict=True)
    lon = np.fromiter(lon, float, n)
    lat = np.fromiter(lat, float, n)
    x, y = lonlat_to_metric(lon, lat)
    return Points(ids=np.fromiter(ids, np.int64, n), lon=lon, lat=lat, x=np.asarray(x),
                  y=np.asarray(y), utryg=np.array([k == "utryg" for k in kind]),
                  dark=np.array([v == "moerke" for v in light]),
                  walk_id=np.fromiter(walk, np.int64, n),
                  feeling=np.array([np.nan if v is None else v for v in feeling], dtype=float))


def inside(pts: Points, geom) -> np.ndarray:
    """Return a mask of the points inside a WGS84 polygon."""
    if len(pts) == 0:
        return np.zeros(0, dtype=bool)
    return shapely.contains_xy(geom, pts.lon, pts.lat) | shapely.intersects_xy(
        geom.boundary, pts.lon, pts.lat)


def categories_of(session, ids: np.ndarray) -> dict[int, list[str]]:
    """Return the category codes of the spots *ids* (one query; chunked for SQLite's limits)."""
    out: dict[int, list[str]] = {}
    id_list = [int(i) for i in ids]
    for start in range(0, len(id_list), 20000):
        chunk = id_list[start:start + 20000]
        rows = session.execute(sa.select(spot_categories.c.spot_id, spot_categories.c.code).where(
            spot_categories.c.spot_id.in_(chunk)))
        for sid, code in rows:
            out.setdefault(sid, []).append(code)
    return out


def category_pairs(session, actor: Actor, f: HotspotFilter, ids: np.ndarray):
    """Return (index into *ids*, category code) for every category of the filtered spots.

    One query joined on the same filter, rather than long lists of ids.
    """
    q = sa.select(spot_categories.c.spot_id, spot_categories.c.code).where(
        spot_categories.c.spot_id.in_(sa.select(Spot.id).where(*filter_clauses(actor, f))))
    rows = session.execute(q).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    sid, codes = zip(*rows, strict=True)
    sid = np.fromiter(sid, np.int64, len(rows))
    order = np.argsort(ids)
    pos = np.searchsorted(ids[order], sid)
    pos = np.clip(pos, 0, len(ids) - 1)
    found = ids[order][pos] == sid
    return order[pos[found]], np.array(codes, dtype=object)[found]


def data_version(session) -> tuple:
    """A cheap fingerprint of the spots table, so cached analyses expire when spots change."""
    row = session.execute(sa.select(sa.func.count(Spot.id), sa.func.max(Spot.id),
                                    sa.func.max(Spot.updated_at))).one()
    return tuple(str(v) for v in row)


@dataclass
class Region:
    """Where the findings of a filter were looked for, and the grid Gi* runs on there."""

    cells: hs.StudyRegion
    kind: str  # "area" (chosen), "imported" (kommune), "walks" (areas, routes), "findings"
    names: list[str]  # the areas used, by name
    routes: int  # walk routes included (buffered by the band)

    def describe(self) -> dict:
        """The region as the map and the GeoJSON state it."""
        c = self.cells
        return {"kind": self.kind, "areas": self.names, "routes": self.routes,
                "cells": int(np.count_nonzero(c.inside)), "extra_cells": int(np.count_nonzero(
                    ~c.inside)), "area_km2": round(c.area_km2, 2), "cell_m": c.cell_m,
                "band_m": c.band_m, "requested_band_m": c.requested_band_m,
                "min_neighbours": c.min_neighbours, "empty_cells_count": True}


def study_region(session, f: HotspotFilter, pts: Points, band_m: float,
                 cell_m: int = 100) -> Region:
    """The region the findings *pts* of filter *f* come from, as 100 m cells with empty ones.

    The chosen area when the filter names one. Otherwise, per walk behind the findings: for
    imported data (a walk made by an import) the kommune it lies in (an area of kind
    "kommune" over the walk's area), else the walk's area; for walks in the field their area
    and their route buffered by the band. Cells of findings outside it are added. With no
    usable shape, the cells within the band of the findings (``kind`` "findings").
    """
    import shapely

    ex, ny = hs.cell_index(pts.x, pts.y, cell_m)
    shapes, metric_routes, names, kind = [], [], set(), "walks"
    if f.area_id:
        area = session.get(Area, f.area_id)
        if area is not None:
            shapes.append(from_db(area.geom))
            names.add(area.name)
            kind = "area"
    else:
        walk_ids = sorted({int(w) for w in pts.walk_id})
        rows = session.execute(sa.select(Walk.id, Walk.area_id, Walk.route).where(
            Walk.id.in_(walk_ids))).all() if walk_ids else []
        imported = set(session.scalars(sa.select(SpotImport.walk_id).where(
            SpotImport.walk_id.in_(walk_ids)))) if walk_ids else set()
        area_ids = {r.area_id for r in rows}
        areas = {a.id: a for a in session.scalars(sa.select(Area).where(Area.id.in_(area_ids)))}
        kommuner = list(session.scalars(sa.select(Area).where(Area.kind == "kommune")))
        for r in rows:
            area = areas.get(r.area_id)
            if r.id in imported:
                geom = from_db(area.geom) if area is not None else None
                over = [k for k in kommuner if geom is not None and from_db(k.geom).intersects(
                    geom.representative_point())]
                for a in over or ([area] if area is not None else []):
                    shapes.append(from_db(a.geom))
                    names.add(a.name)
                continue
            if area is not None:
                shapes.append(from_db(area.geom))
                names.add(area.name)
            if r.route is not None:
                metric_routes.append(to_metric(from_db(r.route)).buffer(band_m))
        kind = "imported" if rows and len(imported) == len(rows) else "walks"
    parts = [to_metric(g) for g in shapes] + metric_routes
    region_m = shapely.union_all(parts) if parts else None
    if region_m is None or region_m.is_empty:
        cells = hs.study_cells(*np.unique(np.stack([ex, ny], 1), axis=0).T, band_m, cell_m)
        grid = hs.study_region(cells[:, 0], cells[:, 1], band_m, cell_m)
        return Region(grid, "findings", [], 0)
    east, north, share = hs.cells_in(region_m, cell_m)
    grid = hs.study_region(east, north, band_m, cell_m, share, extra_east=ex, extra_north=ny)
    return Region(grid, kind, sorted(names), len(metric_routes))
