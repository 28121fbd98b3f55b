"""Correctness of the hotspot methods on synthetic data over Albertslund (EPSG:25832)."""

import numpy as np
import pytest
from pyproj import Transformer

from walkapp.domain import hotspots as hs
from walkapp.geo.crs import lonlat_to_metric

X0, Y0 = lonlat_to_metric(12.30, 55.645)
X1, Y1 = lonlat_to_metric(12.40, 55.685)


def esda_reference(test):
    """For tests that call esda and libpysal directly, as the reference: a sparse grid has
    islands (libpysal warns), cells without variance divide by zero in esda's z_sim (we zero
    those), and esda announces a change of its default alternative (we compare with today's)."""
    for message in ("ignore:The weights matrix is not fully connected:UserWarning",
                    "ignore:divide by zero encountered in divide:RuntimeWarning",
                    "ignore:The alternative hypothesis for conditional randomization"
                    ":DeprecationWarning"):
        test = pytest.mark.filterwarnings(message)(test)
    return test


def random_spots(rng, n):
    return rng.uniform(X0, X1, n), rng.uniform(Y0, Y1, n)


def plant_blocks(rng, blocks=4, per_cell=4):
    """Plant 3x3-cell blocks of extra spots; return their points and the planted cell ids."""
    cells, xs, ys = set(), [], []
    ce = rng.integers(int(X0 // 100) + 3, int(X1 // 100) - 3, blocks)
    cn = rng.integers(int(Y0 // 100) + 3, int(Y1 // 100) - 3, blocks)
    for e, n in zip(ce, cn, strict=True):
        for de in (-1, 0, 1):
            for dn in (-1, 0, 1):
                cells.add(hs.cell_id(e + de, n + dn))
                xs.append(rng.uniform((e + de) * 100, (e + de + 1) * 100, per_cell))
                ys.append(rng.uniform((n + dn) * 100, (n + dn + 1) * 100, per_cell))
    return np.concatenate(xs), np.concatenate(ys), cells


@pytest.mark.parametrize("n_random,per_cell", [(300, 4), (1500, 5)])
def test_gi_star_finds_planted_clusters_at_95_percent(n_random, per_cell):
    found, planted = 0, 0
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        x, y = random_spots(rng, n_random)
        px, py, cells = plant_blocks(rng, per_cell=per_cell)
        result = hs.getis_ord(np.r_[x, px], np.r_[y, py], hs.GiParams(seed=seed))
        assert not result.too_few
        found += len(cells & result.hot_ids(min_class=2))
        planted += len(cells)
    assert found / planted >= 0.9


def test_gi_star_on_random_spots_stays_within_the_fdr_level():
    flagged_share, sets_with_any = [], 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x, y = random_spots(rng, 800)
        result = hs.getis_ord(x, y, hs.GiParams(seed=seed))
        flagged = np.count_nonzero(np.abs(result.cls) >= 2)
        flagged_share.append(flagged / len(result.cls))
        sets_with_any += flagged > 0
    # Under the null every discovery is false: BH at 5 % bounds P(any) by 5 %, so at most a
    # few of 20 sets may flag anything, and the flagged share stays far below 5 %.
    assert sets_with_any <= 3
    assert np.mean(flagged_share) <= 0.05


def test_too_few_spots_says_so_instead_of_hotspots():
    rng = np.random.default_rng(1)
    x, y = random_spots(rng, 29)
    result = hs.getis_ord(x, y, hs.GiParams(min_points=30))
    assert result.too_few and len(result.cls) == 0


def test_band_narrower_than_a_cell_is_refused():
    rng = np.random.default_rng(1)
    x, y = random_spots(rng, 100)
    with pytest.raises(ValueError):
        hs.getis_ord(x, y, hs.GiParams(band_m=50))


@esda_reference
def test_gi_star_z_and_pseudo_p_come_from_esda():
    from esda.getisord import G_Local
    from libpysal.weights import W

    rng = np.random.default_rng(5)
    x, y = random_spots(rng, 400)
    px, py, _ = plant_blocks(rng, blocks=2)
    x, y = np.r_[x, px], np.r_[y, py]
    params = hs.GiParams(seed=7)
    ours = hs.getis_ord(x, y, params)
    grid = hs.grid_counts(x, y)
    cells = np.stack([grid.east, grid.north], axis=1)
    nb = hs._neighbours(cells, params.band_m, params.cell_m)
    ref = G_Local(grid.count.astype(float), W({i: n.tolist() for i, n in enumerate(nb)}),
                  transform="B", permutations=999, star=True, seed=7, n_jobs=1)
    assert np.allclose(np.abs(ours.z), np.abs(np.nan_to_num(ref.z_sim, nan=0, posinf=0, neginf=0)))
    assert np.allclose(ours.p_sim, ref.p_sim)


@esda_reference
def test_refined_permutations_match_esda_conditional_randomisation():
    """Our extra permutations draw from the same distribution as esda's."""
    from esda.getisord import G_Local
    from libpysal.weights import W

    rng = np.random.default_rng(3)
    counts = rng.poisson(3, 400).astype(float)
    nb = [np.array(sorted(rng.choice([j for j in range(400) if j != i], 8, replace=False)))
          for i in range(400)]
    ref = G_Local(counts, W({i: n.tolist() for i, n in enumerate(nb)}), transform="B",
                  permutations=9999, star=True, seed=1, n_jobs=1, keep_simulations=True)
    for i in (0, 17, 250):
        ours = hs.conditional_sums(counts, i, 8, 20000, np.random.default_rng(i))
        # esda's G* = (own + neighbours) / total; ours is the neighbours' sum.
        esda_sums = ref.rGs[i] * counts.sum() - counts[i]
        assert ours.mean() == pytest.approx(esda_sums.mean(), rel=0.02)
        assert ours.std() == pytest.approx(esda_sums.std(), rel=0.05)


def _stretched_cluster(rng, lat, east_west: bool, n=200):
    """A 400 m x 60 m cluster at *lat* made in metres, returned as lon/lat like stored spots."""
    to_ll = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
    cx, cy = lonlat_to_metric(12.35, lat)
    a = rng.uniform(-200, 200, n)
    b = rng.uniform(-30, 30, n)
    dx, dy = (a, b) if east_west else (b, a)
    return to_ll.transform(cx + dx, cy + dy)


def test_distances_are_metric_stretch_east_west_equals_north_south():
    rng = np.random.default_rng(11)
    sizes = {}
    for ew in (True, False):
        lon, lat = _stretched_cluster(np.random.default_rng(11), 55.7, ew)
        x, y = lonlat_to_metric(np.asarray(lon), np.asarray(lat))
        labels = hs.dbscan_labels(np.asarray(x), np.asarray(y), hs.ClusterParams(50, 5))
        found = hs.clusters(np.asarray(x), np.asarray(y), labels)
        assert len(found) == 1 and found[0].count == 200
        dens = hs.kde(np.asarray(x), np.asarray(y), 150)
        above = np.count_nonzero(dens.density >= 0.5 * dens.density.max()) * dens.cell_m ** 2
        sizes[ew] = (found[0].hull.area, above, found[0].hull.length)
    del rng
    (ha, ka, hl), (hb, kb, lb) = sizes[True], sizes[False]
    assert ha == pytest.approx(hb, rel=0.02)
    assert hl == pytest.approx(lb, rel=0.02)
    assert ka == pytest.approx(kb, rel=0.05)


def test_kde_integrates_to_the_number_of_points_and_states_bandwidth():
    rng = np.random.default_rng(2)
    x, y = random_spots(rng, 500)
    grid = hs.kde(x, y, bandwidth_m=150, cell_m=10)
    total = grid.density.sum() * (grid.cell_m ** 2) / 1e6
    assert total == pytest.approx(500, rel=0.02)
    assert grid.bandwidth_m == 150


def test_dbscan_clusters_report_count_categories_and_darkness():
    rng = np.random.default_rng(4)
    x = np.r_[rng.normal(0, 10, 20), rng.uniform(1000, 5000, 30)]
    y = np.r_[rng.normal(0, 10, 20), rng.uniform(1000, 5000, 30)]
    cats = [["LYS", "BEV"]] * 15 + [["GRA"]] * 5 + [["AFF"]] * 30
    dark = np.r_[np.ones(15, bool), np.zeros(35, bool)]
    labels = hs.dbscan_labels(x, y, hs.ClusterParams(50, 5))
    found = hs.clusters(x, y, labels, cats, dark)
    assert len(found) == 1
    c = found[0]
    assert c.count == 20
    assert c.categories[:2] == [("BEV", 15), ("LYS", 15)]  # ties: alphabetical
    assert c.dark_share == pytest.approx(0.75)


def test_period_comparison_sorts_cells_into_new_persistent_gone():
    comp = hs.compare_hot_cells({"a", "b"}, {"b", "c"})
    assert (comp.new, comp.persistent, comp.gone) == ({"c"}, {"b"}, {"a"})
