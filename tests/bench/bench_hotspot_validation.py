"""Validation study of the hotspot methods (issue 14): planted clusters on random backgrounds.

Backgrounds of 200, 1,500 and 10,000 findings under complete spatial randomness over
Albertslund's outline; three planted clusters per data set of 10, 20, 40 or 80 findings
uniform within 25, 50 or 100 m of a centre; HOTSPOT_VALIDATION_SETS data sets per row (100 by
default; fixed seeds). Per row and method:

- power: share of planted clusters whose centre cell is flagged (Gi*: hot at 95 % after BH);
- FDS (false discovery share): flagged cells farther than the band (200 m, centre to centre)
  from every cell holding a planted finding, i.e. whose neighbourhood holds none of the
  cluster, over all flagged cells of a data set (0 with none), averaged over the data sets:
  the false discovery rate Benjamini-Hochberg controls;
- any: share of data sets with any flagged cell far from every cluster (on pure randomness:
  share with any flagged cell at all).

Methods: Gi* with the exact binomial tail (what walkapp uses), Gi* with the normal
approximation of its z-score (the alternative it was chosen over), DBSCAN (eps 50 m, 5
findings: cells holding a cluster member) and KDE (quartic, 150 m: the top 5 % of the region's
cells). Prints a Markdown table (docs/hotspot-validation.md holds the published one).
Environment: HOTSPOT_VALIDATION_SETS (data sets per row), HOTSPOT_VALIDATION_BACKGROUNDS
(comma-separated, default 200,1500,10000).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from walkapp.domain import hotspots as hs

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("WALKAPP_SHARED_DATA") or ROOT.parent / "shared" / "data")
BAND_M = 200.0
CLUSTERS_PER_SET = 3
SIZES = (10, 20, 40, 80)
RADII = (25.0, 50.0, 100.0)
METHODS = ("gi_exact", "gi_normal", "dbscan", "kde5")


def outline():
    """Albertslund in EPSG:25832: the DAGI boundary when the shared data is there, else the
    repository's rough outline."""
    real = SHARED / "boundaries" / "albertslund_0165_epsg25832.geojson"
    if real.exists():
        return shape(json.loads(real.read_text())["features"][0]["geometry"]), "DAGI 1:500 000"
    from walkapp.geo.crs import to_metric

    rough = ROOT / "geodata" / "albertslund_outline_rough.geojson"
    return to_metric(shape(json.loads(rough.read_text())["features"][0]["geometry"])), "rough"


class Sampler:
    def __init__(self, geom):
        self.geom = geom
        shapely.prepare(geom)
        self.bounds = geom.bounds
        self.inner = {r: geom.buffer(-r) for r in RADII}
        for g in self.inner.values():
            shapely.prepare(g)

    def uniform(self, rng, n, geom=None):
        geom = geom or self.geom
        minx, miny, maxx, maxy = self.bounds
        xs, ys, have = [], [], 0
        while have < n:
            x = rng.uniform(minx, maxx, 2 * n + 10)
            y = rng.uniform(miny, maxy, 2 * n + 10)
            ok = shapely.contains_xy(geom, x, y)
            xs.append(x[ok])
            ys.append(y[ok])
            have += int(ok.sum())
        return np.concatenate(xs)[:n], np.concatenate(ys)[:n]

    def centres(self, rng, k, radius):
        """k cluster centres, the whole disc inside, at least 2 (band + radius) apart."""
        while True:
            cx, cy = self.uniform(rng, k, self.inner[radius])
            d = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :])
            if k < 2 or d[np.triu_indices(k, 1)].min() > 2 * (BAND_M + radius):
                return cx, cy

    def disc(self, rng, cx, cy, n, radius):
        r = radius * np.sqrt(rng.random((len(cx), n)))
        t = rng.uniform(0, 2 * np.pi, (len(cx), n))
        return (cx[:, None] + r * np.cos(t)).ravel(), (cy[:, None] + r * np.sin(t)).ravel()


def flagged(method, x, y, region, centres_xy):
    """Rows of the region's cells a method flags."""
    if method in ("gi_exact", "gi_normal"):
        params = hs.GiParams(band_m=BAND_M, min_points=1, display_z=method == "gi_normal")
        res = hs.getis_ord(x, y, params, region)
        if method == "gi_exact":
            return np.nonzero(res.cls >= 2)[0]
        from scipy.stats import norm

        q = hs.bh_adjust(2 * norm.sf(np.abs(res.z)))
        return np.nonzero((q <= 0.05) & (res.z > 0))[0]
    if method == "dbscan":
        labels = hs.dbscan_labels(x, y, hs.ClusterParams(50, 5))
        keep = labels >= 0
        ex, ny = hs.cell_index(x[keep], y[keep])
        rows = region.rows_of(ex, ny)
        return np.unique(rows[rows >= 0])
    grid = hs.kde(x, y, 150, cell_m=25, bounds=region_bounds(region))
    inside = np.nonzero(region.inside)[0]
    dens = grid.value_at((region.east[inside] + 0.5) * 100, (region.north[inside] + 0.5) * 100)
    top = max(1, int(round(0.05 * len(inside))))
    return inside[np.argsort(-dens, kind="stable")[:top]]


def region_bounds(region):
    return ((region.east.min() - 3) * 100.0, (region.north.min() - 3) * 100.0,
            (region.east.max() + 4) * 100.0, (region.north.max() + 4) * 100.0)


def run_row(sampler, region, n_bg, size, radius, sets, seed):
    """Return {method: (power, fds, any_share)} for one row; size 0 is pure randomness."""
    hits = dict.fromkeys(METHODS, 0)
    shares = {m: [] for m in METHODS}
    any_false = dict.fromkeys(METHODS, 0)
    planted = 0
    for k in range(sets):
        rng = np.random.default_rng([seed, n_bg, size, int(radius), k])
        x, y = sampler.uniform(rng, n_bg)
        if size:
            cx, cy = sampler.centres(rng, CLUSTERS_PER_SET, radius)
            px, py = sampler.disc(rng, cx, cy, size, radius)
            x, y = np.r_[x, px], np.r_[y, py]
            centre_rows = region.rows_of(*hs.cell_index(cx, cy))
            # a cell is near a cluster when a planted finding lies in its band neighbourhood
            holding = np.zeros(len(region))
            holding[region.rows_of(*hs.cell_index(px, py))] = 1
            far = (region.weights @ holding) == 0
            planted += len(cx)
        else:
            centre_rows = np.zeros(0, dtype=np.int64)
            far = np.ones(len(region), bool)
        for method in METHODS:
            rows = flagged(method, x, y, region, None)
            hits[method] += int(np.isin(centre_rows, rows).sum())
            n_false = int(far[rows].sum())
            shares[method].append(n_false / len(rows) if len(rows) else 0.0)
            any_false[method] += n_false > 0
    return {m: (hits[m] / planted if planted else None,
                float(np.mean(shares[m])), any_false[m] / sets) for m in METHODS}


def fmt(v):
    return "–" if v is None else f"{v:.2f}"


def main() -> None:
    sets = int(os.environ.get("HOTSPOT_VALIDATION_SETS", 100))
    backgrounds = [int(v) for v in os.environ.get("HOTSPOT_VALIDATION_BACKGROUNDS",
                                                  "200,1500,10000").split(",")]
    geom, source = outline()
    east, north, share = hs.cells_in(geom)
    region = hs.study_region(east, north, BAND_M, exposure=share)
    sampler = Sampler(geom)
    print(f"Albertslund outline ({source}): {len(region)} cells of 100 m, "
          f"{region.area_km2:.1f} km², band {region.band_m:.0f} m; {sets} data sets per row, "
          f"{CLUSTERS_PER_SET} planted clusters per set")
    head = ("| background | cluster | " + " | ".join(
        f"{m} power | {m} FDS | {m} any" for m in METHODS) + " |")
    print(head)
    print("|" + "---|" * (2 + 3 * len(METHODS)))
    start = time.perf_counter()
    targets = []
    for n_bg in backgrounds:
        rows = [(0, 0.0)] + [(s, r) for s in SIZES for r in RADII]
        for size, radius in rows:
            res = run_row(sampler, region, n_bg, size, radius, sets, seed=14)
            label = "none (CSR)" if not size else f"{size} within {radius:.0f} m"
            print(f"| {n_bg} | {label} | " + " | ".join(
                f"{fmt(res[m][0])} | {fmt(res[m][1])} | {fmt(res[m][2])}" for m in METHODS)
                + " |", flush=True)
            power, fds, any_share = res["gi_exact"]
            if size == 40 and radius == 50 and power < 0.9:
                targets.append(f"power {power:.2f} < 0.9 for 40 within 50 m on {n_bg}")
            if size and fds > 0.05:
                targets.append(f"FDS {fds:.2f} > 0.05 for {label} on {n_bg}")
            if not size and any_share > 0.05:
                targets.append(f"{any_share:.2f} of random sets with a hot cell on {n_bg}")
    print(f"validation study: {time.perf_counter() - start:.0f} s")
    print("targets (Gi* exact): " + ("all met" if not targets else "; ".join(targets)))


if __name__ == "__main__":
    main()
