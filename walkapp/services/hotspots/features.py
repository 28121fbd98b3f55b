"""GeoJSON shaping of the analysis: grid cells, clusters, density, aggregates, map extents."""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.ops import unary_union

from walkapp.domain import hotspots as hs
from walkapp.domain.errors import N_
from walkapp.geo.crs import lonlat_to_metric, to_wgs84
from walkapp.geo.shapes import feature, feature_collection, from_db
from walkapp.models import Area
from walkapp.services.hotspots.analysis import Analysis, check_method
from walkapp.services.hotspots.points import Points


def cell_polygon(east: int, north: int, size_m: int = 100):
    """Return a grid cell as a WGS84 polygon (coordinates to 1e-6 degrees, about 0.1 m)."""
    return shapely.set_precision(to_wgs84(shapely.box(*hs.cell_bounds(east, north, size_m))),
                                 1e-6)


def gi_features(gi: hs.GiResult, only_significant: bool = False) -> list[dict]:
    """The cells of the study region with a finding or a significant class (the empty cells
    that are not significant count as zero in the test but are not listed).

    ``neighbourhood`` is the number of findings within the band, ``expected`` what uniform
    exposure over the region gives, ``few`` whether the neighbourhood holds fewer than
    hs.FEW_FINDINGS findings (in a large region such a cell can test significant on two or
    three findings; the popup says so).
    """
    out = []
    few = gi.few
    for i, (e, n) in enumerate(zip(gi.east, gi.north, strict=True)):
        cls = int(gi.cls[i])
        if cls == 0 and (only_significant or gi.count[i] == 0):
            continue
        out.append(feature(cell_polygon(int(e), int(n), gi.params.cell_m), {
            "cell_id": hs.cell_id(e, n, gi.params.cell_m), "count": int(gi.count[i]),
            "neighbourhood": int(gi.neighbourhood[i]),
            "expected": round(float(gi.expected[i]), 2),
            "z": round(float(gi.z[i]), 3), "p": float(gi.p[i]), "p_fdr": float(gi.p_fdr[i]),
            "p_sim": None if gi.p_sim is None else float(gi.p_sim[i]),
            "class": hs.CLASS_NAMES[cls], "class_level": cls, "few": bool(few[i]),
        }))
    return out


# What the API says instead of Gi* cells below the minimum (an English msgid and its
# parameters: walkapp.api translates it into the caller's language).
TOO_FEW_MESSAGE = N_("Too few data: at least %(n)s unsafe spots are needed before hotspots "
                     "are drawn.")
MAP_GI_FIELDS = ("cell_id", "count", "z", "p_fdr", "class")

INFERENCE_NAMES = {
    "exact": "exact binomial tail of the neighbourhood count under uniform exposure",
    "permutation": "Monte Carlo: findings relocated uniformly over the region's cells",
}


def map_gi_cells(cells: list[dict]) -> dict:
    """The cells as the map draws them: only what the tooltip shows, p (FDR) to 2 digits, and
    ``few`` (true for a cell with very few findings) when the analysis sets it."""
    fc = feature_collection([
        {"type": "Feature", "geometry": feat["geometry"], "properties": {
            k: feat["properties"][k] for k in (*MAP_GI_FIELDS, "few")
            if k in feat["properties"]}}
        for feat in cells])
    for feat in fc["features"]:
        feat["properties"]["p_fdr"] = float(f"{feat['properties']['p_fdr']:.2g}")
    return fc


def hot_cells(cells: list[dict]) -> list[dict]:
    """The properties of the hot cells (not the cold ones), strongest first."""
    return sorted((feat["properties"] for feat in cells if feat["properties"]["class_level"] > 0),
                  key=lambda p: -p["z"])


def cluster_features(found: list[hs.Cluster]) -> list[dict]:
    return [feature(shapely.set_precision(to_wgs84(c.hull.simplify(2.0)), 1e-6), {
        "cluster": i + 1, "count": c.count,
        "categories": [code for code, _n in c.categories],
        "category_counts": dict(c.categories), "dark_share": round(c.dark_share, 3),
    }) for i, c in enumerate(found)]


def map_cluster_fc(found: list[hs.Cluster]) -> dict:
    """The clusters as the map draws them (walkapp.maps names their categories)."""
    fc = feature_collection(cluster_features(found))
    for feat in fc["features"]:
        p = feat["properties"]
        p["dark_pct"] = round(100 * p["dark_share"])
    return fc


def kde_features(grid: hs.KdeGrid, cell_m: int = 100, floor_share: float = 0.05) -> list[dict]:
    """Sample the density at the centres of the 100 m grid cells; drop the faint ones."""
    if grid is None or grid.density.size == 0 or grid.density.max() <= 0:
        return []
    ny, nx = grid.shape
    e0 = int(np.floor(grid.x0 / cell_m))
    n0 = int(np.floor(grid.y0 / cell_m))
    e1 = int(np.ceil((grid.x0 + nx * grid.cell_m) / cell_m))
    n1 = int(np.ceil((grid.y0 + ny * grid.cell_m) / cell_m))
    ee, nn = np.meshgrid(np.arange(e0, e1), np.arange(n0, n1))
    vals = grid.value_at((ee + 0.5) * cell_m, (nn + 0.5) * cell_m)
    keep = vals >= floor_share * grid.density.max()
    return [feature(cell_polygon(int(e), int(n), cell_m), {
        "cell_id": hs.cell_id(e, n, cell_m), "density_per_km2": round(float(v), 1)})
        for e, n, v in zip(ee[keep], nn[keep], vals[keep], strict=True)]


def hotspots_geojson(a: Analysis, method: str) -> dict:
    """Return the FeatureCollection of /api/hotspots.geojson for *method*."""
    check_method(method)
    s = a.settings
    params = {"method": method, **{k: v for k, v in a.filter.query_args().items()}}
    members: dict = {"n_spots": len(a.utryg), "kind": "utryg", "grid": "DDKN 100m",
                     "crs_metric": "EPSG:25832"}
    if method == "gi":
        params.update(band_m=s.band_m, permutations=s.permutations, min_spots=s.min_points,
                      fdr="Benjamini-Hochberg", inference=INFERENCE_NAMES[s.inference])
        if a.too_few:
            return feature_collection([], parameters=params, too_few_data=True,
                                      message=TOO_FEW_MESSAGE,
                                      message_params={"n": s.min_points}, **members)
        params.update(band_used_m=a.gi.band_m, permutations_used=a.gi.permutations_used)
        return feature_collection(gi_features(a.gi), parameters=params, too_few_data=False,
                                  study_region=a.study_region, **members)
    if method == "kde":
        params.update(bandwidth_m=s.bandwidth_m, kernel="quartic", unit="spots per km2")
        return feature_collection(kde_features(a.kde), parameters=params, too_few_data=False,
                                  **members)
    params.update(eps_m=s.eps_m, min_samples=s.min_samples)
    return feature_collection(cluster_features(a.clusters), parameters=params,
                              too_few_data=False, **members)


def spot_aggregates(pts: Points, size_m: int) -> list[dict]:
    """Aggregate spots on grid cells: one point per occupied cell at the mean position."""
    if len(pts) == 0:
        return []
    grid = hs.grid_counts(pts.x, pts.y, size_m)
    k = len(grid.count)
    sum_lon = np.bincount(grid.inverse, pts.lon, k)
    sum_lat = np.bincount(grid.inverse, pts.lat, k)
    n_bad = np.bincount(grid.inverse, pts.utryg.astype(float), k)
    n_dark = np.bincount(grid.inverse, pts.dark.astype(float), k)
    out = []
    for i in range(k):
        c = int(grid.count[i])
        out.append({"lon": round(sum_lon[i] / c, 5), "lat": round(sum_lat[i] / c, 5), "n": c,
                    "utryg": int(n_bad[i]), "dark": int(n_dark[i])})
    return out


def density_raster(grid: hs.KdeGrid | None, max_px: int = 480):
    """Resample the density onto a lon/lat raster; return (values 0..1, bounds, max) or None."""
    if grid is None or grid.density.size == 0 or grid.density.max() <= 0:
        return None
    ny, nx = grid.shape
    corners = shapely.box(grid.x0, grid.y0, grid.x0 + nx * grid.cell_m,
                          grid.y0 + ny * grid.cell_m)
    w, s, e, n = to_wgs84(corners).bounds
    aspect = (n - s) / max(e - w, 1e-12) / np.cos(np.radians((n + s) / 2))
    width = max_px if aspect <= 1 else max(8, int(max_px / aspect))
    height = max(8, int(width * aspect)) if aspect <= 1 else max_px
    lons = w + (np.arange(width) + 0.5) * (e - w) / width
    lats = n - (np.arange(height) + 0.5) * (n - s) / height
    glon, glat = np.meshgrid(lons, lats)
    mx, my = lonlat_to_metric(glon.ravel(), glat.ravel())
    vals = grid.value_at(np.asarray(mx), np.asarray(my)).reshape(height, width)
    top = float(grid.density.max())
    return vals / top, (s, w, n, e), top


def comparison_features(comp: hs.PeriodComparison) -> list[dict]:
    out = []
    for status, ids in (("new", comp.new), ("persistent", comp.persistent), ("gone", comp.gone)):
        for cid in sorted(ids):
            size, e, n = hs.parse_cell_id(cid)
            out.append(feature(cell_polygon(e, n, size), {"cell_id": cid, "status": status}))
    return out


def focus_features(areas) -> list[dict]:
    """Focus areas (walkapp.models.FocusArea) as features with id, name and notes."""
    return [feature(from_db(fa.geom), {"id": fa.id, "name": fa.name, "notes": fa.notes})
            for fa in areas]


def area_features(session) -> list[dict]:
    """Every area's outline; the kommune first, so it is drawn beneath the housing areas and
    hovering a housing area shows that area's name, not the kommune's."""
    return [feature(from_db(a.geom), {"id": a.id, "name": a.name, "kind": a.kind})
            for a in session.scalars(sa.select(Area).order_by(Area.kind != "kommune", Area.name))]


def extent(points: Points | None, fc: dict):
    """The map's extent (minlon, minlat, maxlon, maxlat): the middle 98 % of *points*, else
    the shapes of *fc*, else None (the configured centre)."""
    if points is not None and len(points):
        return (float(np.percentile(points.lon, 1)), float(np.percentile(points.lat, 1)),
                float(np.percentile(points.lon, 99)), float(np.percentile(points.lat, 99)))
    geoms = [shape(f["geometry"]) for f in fc["features"]]
    if geoms:
        return unary_union(geoms).bounds
    return None
