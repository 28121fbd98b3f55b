from datetime import UTC, datetime

import numpy as np
import pytest

from walkapp.domain import hotspots as hs
from walkapp.geo.crs import lonlat_to_metric


def test_cell_ids_follow_det_danske_kvadratnet():
    # E 710 050, N 6 172 030 lies in the cell with south-west corner E 710 000, N 6 172 000.
    e, n = hs.cell_index(np.array([710050.0]), np.array([6172030.0]))
    assert hs.cell_id(e[0], n[0]) == "100m_61720_7100"
    assert hs.cell_id(710, 6172, 1000) == "1km_6172_710"
    assert hs.parse_cell_id("100m_61720_7100") == (100, 7100, 61720)


def test_albertslund_station_cell():
    x, y = lonlat_to_metric(12.3540, 55.6640)
    e, n = hs.cell_index(np.array([x]), np.array([y]))
    name = hs.cell_id(e[0], n[0])
    assert name.startswith("100m_6173")
    size, east, north = hs.parse_cell_id(name)
    minx, miny, maxx, maxy = hs.cell_bounds(east, north, size)
    assert minx <= x < maxx and miny <= y < maxy
    assert (maxx - minx, maxy - miny) == (100, 100)


def test_grid_counts_counts_per_cell_and_maps_points_back():
    x = np.array([5.0, 50.0, 99.9, 100.0, 250.0])
    y = np.array([5.0, 50.0, 99.9, 0.0, 0.0])
    g = hs.grid_counts(x, y)
    assert dict(zip(g.ids(), g.count.tolist(), strict=True)) == {
        "100m_0_0": 3, "100m_0_1": 1, "100m_0_2": 1}
    assert g.count[g.inverse].tolist() == [3, 3, 3, 1, 1]


def test_bh_adjust_matches_textbook_example():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    q = hs.bh_adjust(p)
    assert np.allclose(q, [0.02, 0.04, 0.04, 0.02])


def test_classify_uses_fdr_levels_and_sign():
    z = np.array([5.0, 3.0, 2.0, 1.0, -4.0])
    q = np.array([0.005, 0.03, 0.08, 0.5, 0.009])
    assert hs.classify(z, q).tolist() == [3, 2, 1, 0, -3]


def test_sun_gives_darkness_on_a_december_evening_and_light_at_noon():
    assert hs.light_at(datetime(2024, 12, 10, 19, 0, tzinfo=UTC), 55.66, 12.35) == "moerke"
    assert hs.light_at(datetime(2024, 6, 21, 11, 0, tzinfo=UTC), 55.66, 12.35) == "dagslys"
    # Midsummer midnight in Denmark stays above -18 but below civil twilight? It is dark enough.
    assert hs.sun_elevation(datetime(2024, 6, 21, 11, 0, tzinfo=UTC), 55.66, 12.35) == \
        pytest.approx(57.8, abs=1.0)
