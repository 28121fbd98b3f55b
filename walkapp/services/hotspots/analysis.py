"""Gi*, density (KDE) and DBSCAN over the unsafe spots of a filter.

Results are kept in a small process-wide cache keyed by database, visibility, filter, settings,
methods and a fingerprint of the spots table, so a page and the deferred layers it fetches
right after share one analysis, and any change to the spots expires it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from walkapp.domain import hotspots as hs
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, ValidationError
from walkapp.models.types import utcnow
from walkapp.services.hotspots.access import check_analyst
from walkapp.services.hotspots.filters import HotspotFilter, Settings
from walkapp.services.hotspots.points import (
    Points,
    Region,
    category_pairs,
    data_version,
    load_points,
    study_region,
)
from walkapp.services.visibility import visible_levels

METHODS = ("gi", "kde", "dbscan")


@dataclass
class Analysis:
    filter: HotspotFilter
    settings: Settings
    points: Points
    utryg: Points
    gi: hs.GiResult
    kde: hs.KdeGrid | None
    clusters: list[hs.Cluster]
    region: Region | None = None  # where Gi* ran (None without Gi* or with too few spots)
    computed_at: datetime = field(default_factory=utcnow)

    @property
    def too_few(self) -> bool:
        return len(self.utryg) < self.settings.min_points

    @property
    def study_region(self) -> dict | None:
        """The region Gi* ran on, described for the map and the GeoJSON (see Region)."""
        return None if self.region is None else self.region.describe()


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 16


def clear_cache() -> None:
    """Forget every cached analysis (tests and benchmarks time a cold cache)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _cache_key(session, actor: Actor, f: HotspotFilter, s: Settings, methods) -> tuple:
    return (str(session.get_bind().url), visible_levels(actor), f, s, tuple(methods),
            data_version(session))


def check_method(method: str) -> None:
    """Raise the ValidationError naming ``method`` unless it is one of METHODS."""
    if method not in METHODS:
        raise ValidationError(N_("method must be gi, kde or dbscan."), "method")


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
    region = None
    try:
        params = hs.GiParams(band_m=s.band_m, permutations=s.permutations,
                             min_points=s.min_points, inference=s.inference)
        if len(bad) >= s.min_points:  # the page states the region even before Gi* arrives
            region = study_region(session, f, bad, s.band_m, params.cell_m)
        if "gi" in methods and region is not None:
            gi = hs.getis_ord(bad.x, bad.y, params, region.cells)
        else:
            gi = hs.GiResult(params=params, n_points=len(bad), too_few=True)
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
    result = Analysis(f, s, pts, bad, gi, density, found, region)
    if key is not None:
        with _CACHE_LOCK:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return result
