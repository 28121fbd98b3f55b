"""What each planner map shows, gathered in one call per page and returned as a small result
type; walkapp.maps.hotspots draws it, the page lists the same results beside the map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from walkapp.domain.actor import Actor
from walkapp.geo.shapes import feature_collection
from walkapp.models import FocusArea
from walkapp.services.focus_areas import FocusStats, focus_stats, get_focus_area, list_focus_areas
from walkapp.services.hotspots.analysis import METHODS, Analysis, analyse
from walkapp.services.hotspots.features import (
    area_features,
    comparison_features,
    density_raster,
    extent,
    focus_features,
    gi_features,
    hot_cells,
    map_cluster_fc,
    map_gi_cells,
    spot_aggregates,
)
from walkapp.services.hotspots.filters import HotspotFilter, Period, Settings
from walkapp.services.hotspots.periods import PeriodResult, compare_periods
from walkapp.services.remedy_effects import BeforeAfter, before_after, remedy_markers

# Gi* and DBSCAN are slow over many spots: unless asked to compute everything first (no JS),
# the map page renders without them and planner.js fetches these layers afterwards.
ASYNC_LAYERS = {"gi": "gi", "clusters": "dbscan"}  # map layer -> /api/hotspots.geojson method


@dataclass
class HotspotMap:
    """The hotspot map page: the analysis, its layers and the lists beside the map."""

    analysis: Analysis
    sync: bool  # Gi* and DBSCAN computed before rendering
    too_few: bool  # fewer unsafe spots than Gi* needs
    bounds: tuple | None
    area_fc: dict
    focus_fc: dict
    remedies: list[dict]
    gi_cells: dict | None  # significant cells, slimmed for the map (sync only)
    hot: list[dict]  # hot cells, strongest first (sync only)
    cluster_fc: dict | None  # sync only
    density: tuple | None  # see features.density_raster
    spots_fine: list[dict]  # per 100 m cell
    spots_coarse: list[dict]  # per 1 km cell

    @property
    def pending(self) -> tuple[str, ...]:
        """The layers planner.js fills after the page loaded: none when there are too few
        spots (the page says so, and shows neither Gi* nor clusters)."""
        return () if self.sync or self.too_few else tuple(ASYNC_LAYERS)

    @property
    def deferred(self) -> dict[str, str]:
        """Map layer -> analysis method to fetch."""
        return {key: ASYNC_LAYERS[key] for key in self.pending}

    @property
    def study_region(self) -> dict | None:
        """The region Gi* runs on (see points.Region.describe); None with too few spots."""
        return self.analysis.study_region

    @property
    def density_max(self) -> float | None:
        return self.density[2] if self.density else None


def hotspot_map(session, actor: Actor, f: HotspotFilter, s: Settings, sync: bool,
                today: date) -> HotspotMap:
    """The hotspot map of *f*: density, grouped spots, areas, focus areas and remedies at once,
    Gi* and clusters too when *sync*."""
    a = analyse(session, actor, f, s, methods=METHODS if sync else ("kde",))
    too_few = len(a.utryg) < s.min_points
    areas = feature_collection(area_features(session))
    focus = feature_collection(focus_features(list_focus_areas(session, actor)))
    cells = gi_features(a.gi, True) if sync and not too_few else None
    return HotspotMap(
        analysis=a, sync=sync, too_few=too_few, bounds=extent(a.points, areas), area_fc=areas,
        focus_fc=focus, remedies=remedy_markers(session, actor, f, today),
        gi_cells=None if cells is None else map_gi_cells(cells), hot=hot_cells(cells or []),
        cluster_fc=map_cluster_fc(a.clusters) if sync and not too_few else None,
        density=density_raster(a.kde, max_px=360), spots_fine=spot_aggregates(a.utryg, 100),
        spots_coarse=spot_aggregates(a.utryg, 1000))


@dataclass
class OverTimeMap:
    """Hotspots over time: two periods compared, and the effect of verified remedies."""

    a_period: Period
    b_period: Period
    result: PeriodResult
    compare_fc: dict | None  # cells with status new/persistent/gone; None with too few spots
    area_fc: dict
    bounds: tuple | None
    effects: list[BeforeAfter]


def over_time_map(session, actor: Actor, f: HotspotFilter, s: Settings,
                  periods: tuple[Period, Period]) -> OverTimeMap:
    a_period, b_period = periods
    result = compare_periods(session, actor, f, s, a_period, b_period)
    compare_fc = None if result.comparison is None else \
        feature_collection(comparison_features(result.comparison))
    areas = feature_collection(area_features(session))
    points = result.b.points if len(result.b.points) else result.a.points
    return OverTimeMap(a_period, b_period, result, compare_fc, areas, extent(points, areas),
                       before_after(session, actor, s.remedy_radius_m))


@dataclass
class FocusMap:
    """The focus areas page: the saved areas over the housing areas, to draw a new one."""

    areas: list[FocusArea]
    area_fc: dict
    focus_fc: dict
    bounds: tuple | None


def focus_map(session, actor: Actor) -> FocusMap:
    areas = list_focus_areas(session, actor)
    area_fc = feature_collection(area_features(session))
    focus_fc = feature_collection(focus_features(areas))
    return FocusMap(areas, area_fc, focus_fc,
                    extent(None, focus_fc if focus_fc["features"] else area_fc))


@dataclass
class FocusDetail:
    """One focus area with the statistics of the spots inside it."""

    focus: FocusArea
    stats: FocusStats
    focus_fc: dict
    bounds: tuple | None


def focus_detail(session, actor: Actor, focus_id: int, f: HotspotFilter,
                 s: Settings) -> FocusDetail:
    fa = get_focus_area(session, actor, focus_id)
    st = focus_stats(session, actor, fa, f, s)
    focus_fc = feature_collection(focus_features([fa]))
    return FocusDetail(fa, st, focus_fc, extent(None, focus_fc))
