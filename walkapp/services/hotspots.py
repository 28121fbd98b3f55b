"""Hotspot analysis for planners: load spots as numbers, run the maths, shape the results."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2 import functions as gf
from shapely.geometry import mapping

from walkapp.domain import hotspots as hs
from walkapp.domain import params as parse
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import LIGHT, PARTICIPANT_ROLES
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import Role
from walkapp.geo.crs import lonlat_to_metric, to_metric, to_wgs84
from walkapp.geo.shapes import (
    GeometryError,
    as_multipolygon,
    feature,
    feature_collection,
    from_db,
    parse_geojson,
    to_db,
)
from walkapp.models import Area, Category, FocusArea, Participant, Spot, Walk, spot_categories
from walkapp.models.types import utcnow

TZ = ZoneInfo("Europe/Copenhagen")
ANALYSTS = frozenset({Role.PLANLAEGGER, Role.KOORDINATOR, Role.ADMIN})
METHODS = ("gi", "kde", "dbscan")


def check_analyst(actor: Actor) -> None:
    """Raise unless *actor* may use the hotspot maps and statistics."""
    if actor.role not in ANALYSTS:
        raise PermissionDenied(N_("Only planners and coordinators can see hotspot maps."))


# ---------------------------------------------------------------------------------------------
# Filters and settings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotspotFilter:
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    light: str | None = None
    area_id: int | None = None
    role: str | None = None
    walk_id: int | None = None

    def query_args(self) -> dict:
        """Return the filter as URL query arguments (the inverse of parse_filter)."""
        out: dict = {}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.categories:
            out["category"] = list(self.categories)
        for key, value in (("darkness", self.light), ("area", self.area_id),
                           ("role", self.role), ("walk", self.walk_id)):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True)
class Settings:
    band_m: float = 200
    permutations: int = 999
    min_points: int = 30
    bandwidth_m: float = 150
    eps_m: float = 50
    min_samples: int = 5
    remedy_radius_m: float = 50

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(band_m=config["HOTSPOT_BAND_M"], permutations=config["HOTSPOT_PERMUTATIONS"],
                   min_points=config["HOTSPOT_MIN_SPOTS"],
                   bandwidth_m=config["HOTSPOT_KDE_BANDWIDTH_M"],
                   eps_m=config["HOTSPOT_DBSCAN_EPS_M"],
                   min_samples=config["HOTSPOT_DBSCAN_MIN_SPOTS"],
                   remedy_radius_m=config["HOTSPOT_REMEDY_RADIUS_M"])


def parse_filter(args, known_categories) -> HotspotFilter:
    """Parse query-string filters; raise ValidationError naming the bad parameter.

    Several categories select spots with any of them. ``darkness`` is ``moerke`` or
    ``dagslys`` (``1``/``0`` are accepted too).
    """
    date_from, date_to = parse.day(args, "from"), parse.day(args, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError(N_("The start date must be before the end date."), "from")
    known = set(known_categories)
    cats = []
    for c in parse.values(args, "category"):
        if c.upper() not in known:
            raise ValidationError(N_("Unknown category: %(code)s."), "category", code=c)
        if c.upper() not in cats:
            cats.append(c.upper())
    light = (args.get("darkness") or "").strip() or None
    light = {"1": "moerke", "0": "dagslys", "true": "moerke", "false": "dagslys"}.get(light, light)
    if light is not None and light not in LIGHT:
        raise ValidationError(N_("Choose daylight or darkness."), "darkness")
    role = (args.get("role") or "").strip() or None
    if role is not None and role not in PARTICIPANT_ROLES:
        raise ValidationError(N_("Unknown participant role."), "role")
    return HotspotFilter(date_from=date_from, date_to=date_to, categories=tuple(sorted(cats)),
                         light=light, area_id=parse.integer(args, "area"), role=role,
                         walk_id=parse.integer(args, "walk"))


# name, attribute, type, smallest, largest
_SETTINGS = (
    ("band", "band_m", float, 100, 2000),
    ("permutations", "permutations", int, 99, 9999),
    ("min_spots", "min_points", int, 5, 100000),
    ("bandwidth", "bandwidth_m", float, 25, 2000),
    ("eps", "eps_m", float, 5, 1000),
    ("min_samples", "min_samples", int, 2, 1000),
    ("radius", "remedy_radius_m", float, 5, 1000),
)


def parse_settings(args, defaults: Settings) -> Settings:
    """Parse the method settings from the query string, within sane bounds."""
    values = asdict(defaults)
    for name, attr, kind, lo, hi in _SETTINGS:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = kind(raw.replace(",", "."))
        except ValueError as exc:
            raise ValidationError(N_("The field %(name)s must be a number."), name,
                                  name=name) from exc
        if not lo <= value <= hi:
            raise ValidationError(N_("%(name)s must be between %(lo)s and %(hi)s."), name,
                                  name=name, lo=lo, hi=hi)
        values[attr] = value
    return Settings(**values)


# ---------------------------------------------------------------------------------------------
# Loading spots as numbers
# ---------------------------------------------------------------------------------------------


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
    clauses = [Spot.visibility.in_(actor.visibility), sa.not_(Spot.hidden)]
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


# ---------------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    filter: HotspotFilter
    settings: Settings
    points: Points
    utryg: Points
    gi: hs.GiResult
    kde: hs.KdeGrid | None
    clusters: list[hs.Cluster]
    computed_at: datetime = field(default_factory=utcnow)

    @property
    def too_few(self) -> bool:
        return self.gi.too_few


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 16


def _cache_key(session, actor: Actor, f: HotspotFilter, s: Settings, methods) -> tuple:
    return (str(session.get_bind().url), actor.visibility, f, s, tuple(methods),
            data_version(session))


def analyse(session, actor: Actor, f: HotspotFilter, s: Settings,
            methods=METHODS, use_cache: bool = True) -> Analysis:
    """Run the chosen methods on the utryg spots of *f*; results are cached per data version."""
    check_analyst(actor)
    key = _cache_key(session, actor, f, s, methods) if use_cache else None
    if key is not None:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    pts = load_points(session, actor, f)
    bad = pts.subset(pts.utryg)
    try:
        gi = hs.getis_ord(bad.x, bad.y, hs.GiParams(
            band_m=s.band_m, permutations=s.permutations, min_points=s.min_points)) \
            if "gi" in methods else hs.GiResult(params=hs.GiParams(), n_points=len(bad),
                                                too_few=True)
        density = hs.kde(bad.x, bad.y, s.bandwidth_m, cell_m=max(10.0, s.bandwidth_m / 8)) \
            if "kde" in methods and len(bad) else None
        found: list[hs.Cluster] = []
        if "dbscan" in methods and len(bad):
            labels = hs.dbscan_labels(bad.x, bad.y, hs.ClusterParams(s.eps_m, s.min_samples))
            pairs = category_pairs(session, actor, f, bad.ids) if (labels >= 0).any() else None
            found = hs.clusters(bad.x, bad.y, labels, dark=bad.dark, category_pairs=pairs)
    except ValueError as exc:
        raise ValidationError(N_("The analysis settings are not usable: %(reason)s"),
                              "settings", reason=str(exc)) from exc
    result = Analysis(f, s, pts, bad, gi, density, found)
    if key is not None:
        with _CACHE_LOCK:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return result


# ---------------------------------------------------------------------------------------------
# Shapes for maps and GeoJSON
# ---------------------------------------------------------------------------------------------


def cell_polygon(east: int, north: int, size_m: int = 100):
    """Return a grid cell as a WGS84 polygon (coordinates to 1e-6 degrees, about 0.1 m)."""
    return shapely.set_precision(to_wgs84(shapely.box(*hs.cell_bounds(east, north, size_m))),
                                 1e-6)


def gi_features(gi: hs.GiResult, only_significant: bool = False) -> list[dict]:
    out = []
    for i, (e, n) in enumerate(zip(gi.east, gi.north, strict=True)):
        cls = int(gi.cls[i])
        if only_significant and cls == 0:
            continue
        out.append(feature(cell_polygon(int(e), int(n), gi.params.cell_m), {
            "cell_id": hs.cell_id(e, n, gi.params.cell_m), "count": int(gi.count[i]),
            "z": round(float(gi.z[i]), 3), "p": float(gi.p[i]), "p_fdr": float(gi.p_fdr[i]),
            "p_sim": float(gi.p_sim[i]), "class": hs.CLASS_NAMES[cls], "class_level": cls,
        }))
    return out


def cluster_features(found: list[hs.Cluster]) -> list[dict]:
    return [feature(shapely.set_precision(to_wgs84(c.hull.simplify(2.0)), 1e-6), {
        "cluster": i + 1, "count": c.count,
        "categories": [code for code, _n in c.categories],
        "category_counts": dict(c.categories), "dark_share": round(c.dark_share, 3),
    }) for i, c in enumerate(found)]


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
    if method not in METHODS:
        raise ValidationError(N_("method must be gi, kde or dbscan."), "method")
    s = a.settings
    params = {"method": method, **{k: v for k, v in a.filter.query_args().items()}}
    members: dict = {"n_spots": len(a.utryg), "kind": "utryg", "grid": "DDKN 100m",
                     "crs_metric": "EPSG:25832"}
    if method == "gi":
        params.update(band_m=s.band_m, permutations=s.permutations, min_spots=s.min_points,
                      fdr="Benjamini-Hochberg", inference="conditional permutation (esda)")
        if a.too_few:
            return feature_collection([], parameters=params, too_few_data=True,
                                      message="for få data", **members)
        return feature_collection(gi_features(a.gi), parameters=params, too_few_data=False,
                                  **members)
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


# ---------------------------------------------------------------------------------------------
# Over time
# ---------------------------------------------------------------------------------------------


@dataclass
class PeriodResult:
    a: Analysis
    b: Analysis
    comparison: hs.PeriodComparison | None


def compare_periods(session, actor: Actor, f: HotspotFilter, s: Settings,
                    period_a: tuple[date, date], period_b: tuple[date, date]) -> PeriodResult:
    """Compare Gi* hot cells (95 %) of two periods: new, persistent, gone."""
    from dataclasses import replace

    a = analyse(session, actor, replace(f, date_from=period_a[0], date_to=period_a[1]), s,
                methods=("gi",))
    b = analyse(session, actor, replace(f, date_from=period_b[0], date_to=period_b[1]), s,
                methods=("gi",))
    comp = None if a.too_few or b.too_few else hs.compare_hot_cells(a.gi.hot_ids(2),
                                                                     b.gi.hot_ids(2))
    return PeriodResult(a, b, comp)


def comparison_features(comp: hs.PeriodComparison) -> list[dict]:
    out = []
    for status, ids in (("new", comp.new), ("persistent", comp.persistent), ("gone", comp.gone)):
        for cid in sorted(ids):
            size, e, n = hs.parse_cell_id(cid)
            out.append(feature(cell_polygon(e, n, size), {"cell_id": cid, "status": status}))
    return out


# ---------------------------------------------------------------------------------------------
# Remedies (built by the remedies feature; used only when present)
# ---------------------------------------------------------------------------------------------


def remedy_model():
    """Return the Remedy model, or None while the remedies feature is not installed."""
    try:
        from walkapp.models import Remedy
    except ImportError:
        return None
    return Remedy


def _verified_times(session, Remedy, ids: list[int]) -> dict[int, datetime]:
    """When each remedy became verificeret: its verified_at column, else its event history."""
    if hasattr(Remedy, "verified_at"):
        rows = session.execute(sa.select(Remedy.id, Remedy.verified_at).where(Remedy.id.in_(ids)))
        return {i: t for i, t in rows if t is not None}
    try:
        from walkapp.models import RemedyEvent
    except ImportError:
        return {}
    rows = session.execute(sa.select(RemedyEvent.remedy_id, sa.func.max(RemedyEvent.at)).where(
        RemedyEvent.remedy_id.in_(ids), RemedyEvent.to_status == "verificeret").group_by(
        RemedyEvent.remedy_id))
    return {i: t for i, t in rows if t is not None}


def _status_times(session, status: str, ids: list[int]) -> dict[int, datetime]:
    try:
        from walkapp.models import RemedyEvent
    except ImportError:
        return {}
    rows = session.execute(sa.select(RemedyEvent.remedy_id, sa.func.min(RemedyEvent.at)).where(
        RemedyEvent.remedy_id.in_(ids), RemedyEvent.to_status == status).group_by(
        RemedyEvent.remedy_id))
    return dict(rows.all())


def remedy_location(remedy) -> tuple[float, float] | None:
    """Return (lon, lat) of a remedy: its own point, else the mean of its spots."""
    lat, lon = getattr(remedy, "lat", None), getattr(remedy, "lon", None)
    if lat is not None and lon is not None:
        return float(lon), float(lat)
    geom = from_db(getattr(remedy, "geom", None)) if getattr(remedy, "geom", None) is not None \
        else None
    if geom is not None:
        c = geom.centroid
        return c.x, c.y
    pts = [from_db(sp.geom) for sp in getattr(remedy, "spots", []) or []]
    if not pts:
        return None
    return float(np.mean([p.x for p in pts])), float(np.mean([p.y for p in pts]))


def _deadline(remedy):
    for name in ("deadline", "due_date", "due"):
        value = getattr(remedy, name, None)
        if value is not None:
            return value
    return None


def is_overdue(remedy, today: date) -> bool:
    try:
        from walkapp.domain.remedies import is_overdue as domain_overdue

        return domain_overdue(remedy.status, _deadline(remedy), today)
    except ImportError:
        deadline = _deadline(remedy)
        return deadline is not None and deadline < today and remedy.status not in (
            "udfoert", "verificeret", "afvist")


def remedy_markers(session, actor: Actor, f: HotspotFilter, today: date) -> list[dict]:
    """Return remedies for the map: location, status, overdue flag (empty without remedies)."""
    Remedy = remedy_model()
    if Remedy is None:
        return []
    q = sa.select(Remedy)
    if f.area_id and hasattr(Remedy, "area_id"):
        q = q.where(Remedy.area_id == f.area_id)
    if f.walk_id and hasattr(Remedy, "walk_id"):
        q = q.where(Remedy.walk_id == f.walk_id)
    out = []
    for r in session.scalars(q.limit(5000)):
        loc = remedy_location(r)
        if loc is None:
            continue
        out.append({"id": r.id, "lon": loc[0], "lat": loc[1], "status": r.status,
                    "title": getattr(r, "title", ""), "overdue": is_overdue(r, today),
                    "deadline": _deadline(r)})
    return out


@dataclass
class BeforeAfter:
    remedy_id: int
    title: str
    verified_at: datetime
    before_walk: Walk | None
    after_walk: Walk | None
    before: int
    after: int | None


def before_after(session, actor: Actor, radius_m: float) -> list[BeforeAfter]:
    """Around each verified remedy, count the utryg spots of the walk before and the re-walk.

    The walk before is the latest walk of the remedy's spots. The re-walk is the first walk
    whose previous_walk_id points to it, else the first later walk in the same area starting
    no earlier than a day before the remedy was verified.
    """
    check_analyst(actor)
    Remedy = remedy_model()
    if Remedy is None:
        return []
    remedies = list(session.scalars(sa.select(Remedy).where(Remedy.status == "verificeret")))
    if not remedies:
        return []
    verified = _verified_times(session, Remedy, [r.id for r in remedies])
    out = []
    for r in remedies:
        loc = remedy_location(r)
        spots = list(getattr(r, "spots", []) or [])
        walks = [sp.walk for sp in spots if sp.walk is not None] or \
            [w for w in [getattr(r, "walk", None)] if w is not None]
        if loc is None or not walks:
            continue
        before_walk = max(walks, key=lambda w: w.starts_at)
        when = verified.get(r.id) or getattr(r, "updated_at", None)
        after_walk = session.scalar(sa.select(Walk).where(
            Walk.previous_walk_id == before_walk.id).order_by(Walk.starts_at).limit(1))
        if after_walk is None and when is not None:
            after_walk = session.scalar(sa.select(Walk).where(
                Walk.area_id == before_walk.area_id, Walk.id != before_walk.id,
                Walk.starts_at > before_walk.starts_at,
                Walk.starts_at >= when - timedelta(days=1)).order_by(Walk.starts_at).limit(1))
        cx, cy = lonlat_to_metric(loc[0], loc[1])
        counts = []
        for walk in (before_walk, after_walk):
            if walk is None:
                counts.append(None)
                continue
            pts = load_points(session, actor, HotspotFilter(walk_id=walk.id))
            bad = pts.subset(pts.utryg)
            counts.append(hs.count_within(bad.x, bad.y, cx, cy, radius_m))
        out.append(BeforeAfter(r.id, getattr(r, "title", ""), when, before_walk, after_walk,
                               counts[0] or 0, counts[1]))
    out.sort(key=lambda b: b.verified_at or utcnow(), reverse=True)
    return out


# ---------------------------------------------------------------------------------------------
# Focus areas
# ---------------------------------------------------------------------------------------------


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


def inside(pts: Points, geom) -> np.ndarray:
    """Return a mask of the points inside a WGS84 polygon."""
    if len(pts) == 0:
        return np.zeros(0, dtype=bool)
    return shapely.contains_xy(geom, pts.lon, pts.lat) | shapely.intersects_xy(
        geom.boundary, pts.lon, pts.lat)


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
    hot = 0
    if not a.too_few:
        sig = a.gi.cls >= 2
        cx = (a.gi.east[sig] + 0.5) * a.gi.params.cell_m
        cy = (a.gi.north[sig] + 0.5) * a.gi.params.cell_m
        metric = to_metric(geom)
        hot = int(np.count_nonzero(shapely.contains_xy(metric, cx, cy)))
    metric = to_metric(geom)
    n_clusters = sum(1 for c in a.clusters if c.hull.intersects(metric))
    return FocusStats(spots=len(sub), utryg=int(sub.utryg.sum()),
                      tryg=int((~sub.utryg).sum()), dark=int(sub.dark.sum()),
                      mean_feeling=float(feel.mean()) if len(feel) else None,
                      categories=sorted(counter.items(), key=lambda kv: -kv[1]),
                      hot_cells=hot, clusters=n_clusters, area_km2=metric.area / 1e6)


def focus_features(areas: list[FocusArea]) -> list[dict]:
    return [feature(from_db(fa.geom), {"id": fa.id, "name": fa.name, "notes": fa.notes})
            for fa in areas]


def area_features(session) -> list[dict]:
    return [feature(from_db(a.geom), {"id": a.id, "name": a.name, "kind": a.kind})
            for a in session.scalars(sa.select(Area).order_by(Area.name))]


def choices(session) -> dict:
    """Return what the filter form offers: categories, areas, walks."""
    return {
        "categories": list(session.scalars(sa.select(Category).where(Category.active)
                                           .order_by(Category.sort))),
        "areas": list(session.execute(sa.select(Area.id, Area.name).order_by(Area.name))),
        "walks": list(session.execute(sa.select(Walk.id, Walk.title, Walk.starts_at)
                                      .order_by(Walk.starts_at.desc()).limit(500))),
        "roles": PARTICIPANT_ROLES,
    }


def geometry_mapping(geom) -> dict:
    return mapping(geom)


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    name: str
    title: str  # English msgid
    headers: list[str]  # English msgids
    rows: list[list]
    chart: list[tuple[str, float, float]] = field(default_factory=list)  # label, part, total

    def csv_rows(self) -> list[list]:
        return [["" if v is None else v for v in row] for row in self.rows]


def _share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def _mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 2) if vals else None


def _period_label(when: datetime, grain: str) -> str:
    local = when.astimezone(TZ)
    if grain == "month":
        return f"{local.year}-{local.month:02d}"
    if grain == "quarter":
        return f"{local.year} K{(local.month - 1) // 3 + 1}"
    return str(local.year)


def statistics(session, actor: Actor, f: HotspotFilter, grain: str, today: date) -> dict:
    """Return the statistics tables: per category, area and period, and remedies per owner."""
    check_analyst(actor)
    if grain not in ("year", "quarter", "month"):
        raise ValidationError(N_("grain must be year, quarter or month."), "grain")
    rows = session.execute(sa.select(Spot.id, Spot.kind, Spot.feeling, Spot.observed_at,
                                     Walk.area_id).join(Walk, Walk.id == Spot.walk_id)
                           .where(*filter_clauses(actor, f))).all()
    by_id = {r[0]: r for r in rows}
    area_names = dict(session.execute(sa.select(Area.id, Area.name)).all())
    cat_names = {c.code: c for c in session.scalars(sa.select(Category))}
    cats = categories_of(session, np.fromiter(by_id, np.int64, len(by_id)))

    def agg(groups: dict) -> list[list]:
        out = []
        for key, members in groups.items():
            n = len(members)
            bad = sum(1 for m in members if m[1] == "utryg")
            out.append([key, n, bad, n - bad, _share(n - bad, n), _mean([m[2] for m in members])])
        return out

    per_cat: dict = {}
    for sid, codes in cats.items():
        for code in codes:
            per_cat.setdefault(code, []).append(by_id[sid])
    per_area: dict = {}
    per_period: dict = {}
    for r in rows:
        per_area.setdefault(area_names.get(r[4], "?"), []).append(r)
        per_period.setdefault(_period_label(r[3], grain), []).append(r)
    headers = [N_("Spots"), N_("Unsafe"), N_("Safe"), N_("Safe share (per cent)"),
               N_("Mean feeling of safety")]
    cat_rows = sorted(agg(per_cat), key=lambda row: -row[1])
    for row in cat_rows:
        c = cat_names.get(row[0])
        row.insert(1, c.name_da if c else row[0])
    area_rows = sorted(agg(per_area), key=lambda row: -row[1])
    period_rows = sorted(agg(per_period), key=lambda row: row[0])
    tables = {
        "categories": Table("categories", N_("Per category"),
                            [N_("Code"), N_("Category")] + headers, cat_rows,
                            [(f"{r[0]}", r[3], r[2]) for r in cat_rows]),
        "areas": Table("areas", N_("Per area"), [N_("Area")] + headers, area_rows,
                       [(r[0], r[2], r[1]) for r in area_rows]),
        "periods": Table("periods", N_("Per period"), [N_("Period")] + headers, period_rows,
                         [(r[0], r[2], r[1]) for r in period_rows]),
    }
    owners = remedy_owner_table(session, f, today)
    if owners is not None:
        tables["remedies"] = owners
    return tables


def remedy_owner_table(session, f: HotspotFilter, today: date) -> Table | None:
    """Remedies per owner: open, overdue, done, verified, median days to close (or None)."""
    Remedy = remedy_model()
    if Remedy is None:
        return None
    q = sa.select(Remedy)
    if f.area_id and hasattr(Remedy, "area_id"):
        q = q.where(Remedy.area_id == f.area_id)
    remedies = list(session.scalars(q))
    verified = _verified_times(session, Remedy, [r.id for r in remedies]) if remedies else {}
    groups: dict = {}
    for r in remedies:
        owner = getattr(getattr(r, "owner_org", None), "name", None) or "-"
        g = groups.setdefault(owner, {"open": 0, "overdue": 0, "done": 0, "verified": 0,
                                      "days": []})
        if r.status in ("udfoert",):
            g["done"] += 1
        elif r.status == "verificeret":
            g["verified"] += 1
            if r.id in verified and getattr(r, "created_at", None):
                g["days"].append((verified[r.id] - r.created_at).total_seconds() / 86400)
        elif r.status not in ("afvist",):
            g["open"] += 1
        if is_overdue(r, today):
            g["overdue"] += 1
    rows = []
    for owner, g in sorted(groups.items()):
        med = hs.median(g["days"])
        rows.append([owner, g["open"], g["overdue"], g["done"], g["verified"],
                     None if med is None else round(med, 1)])
    return Table("remedies", N_("Remedies per owner"),
                 [N_("Owner"), N_("Open"), N_("Overdue"), N_("Done"), N_("Verified"),
                  N_("Median days to close")], rows,
                 [(r[0], r[4], r[1] + r[3] + r[4]) for r in rows])
