"""Hotspots over time: the Gi* hot cells (95 %) of two periods compared, and how well the
first period's hot cells predict the second's findings (PAI)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from walkapp.domain import hotspots as hs
from walkapp.domain.actor import Actor
from walkapp.services.hotspots.analysis import Analysis, analyse
from walkapp.services.hotspots.filters import HotspotFilter, Period, Settings


@dataclass
class PeriodResult:
    a: Analysis
    b: Analysis
    comparison: hs.PeriodComparison | None  # None when either period has too few spots
    accuracy: hs.PredictionAccuracy | None = None  # A's hot cells on B's findings


def compare_periods(session, actor: Actor, f: HotspotFilter, s: Settings,
                    period_a: Period, period_b: Period) -> PeriodResult:
    """Compare Gi* hot cells (95 %) of two periods: new, persistent, gone."""
    a = analyse(session, actor, replace(f, date_from=period_a[0], date_to=period_a[1]), s,
                methods=("gi",))
    b = analyse(session, actor, replace(f, date_from=period_b[0], date_to=period_b[1]), s,
                methods=("gi",))
    comp = None if a.too_few or b.too_few else hs.compare_hot_cells(a.gi.hot_ids(2),
                                                                     b.gi.hot_ids(2))
    accuracy = hs.prediction_accuracy(a.gi, b.utryg.x, b.utryg.y) if len(b.utryg) else None
    return PeriodResult(a, b, comp, accuracy)
