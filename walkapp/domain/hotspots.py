"""Hotspot maths in metres (EPSG:25832): the Danish square grid, Getis-Ord Gi*, KDE, DBSCAN.

Everything here takes and returns plain numbers and numpy arrays in metres; converting from
WGS84 and reading the database happen in the service layer. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

# Confidence levels a cell can be classed at, strongest first: (class magnitude, FDR level).
CONFIDENCE_LEVELS: tuple[tuple[int, float], ...] = ((3, 0.01), (2, 0.05), (1, 0.10))
CLASS_NAMES = {
    3: "hot99", 2: "hot95", 1: "hot90", 0: "ns", -1: "cold90", -2: "cold95", -3: "cold99",
}


class TooFewData(ValueError):
    """Raised when a selection has fewer spots than the method's minimum."""


# ---------------------------------------------------------------------------------------------
# Det Danske Kvadratnet
# ---------------------------------------------------------------------------------------------


def size_label(size_m: int) -> str:
    """Return the grid's size prefix: 100 -> '100m', 1000 -> '1km', 10000 -> '10km'."""
    return f"{size_m // 1000}km" if size_m % 1000 == 0 else f"{size_m}m"


def cell_index(x: np.ndarray, y: np.ndarray, size_m: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Return the integer (east, north) cell indices of metric points (cells align to *size_m*)."""
    return (np.floor(np.asarray(x) / size_m).astype(np.int64),
            np.floor(np.asarray(y) / size_m).astype(np.int64))


def cell_id(east_index: int, north_index: int, size_m: int = 100) -> str:
    """Name a cell the way Det Danske Kvadratnet does: ``100m_<N/100>_<E/100>``."""
    return f"{size_label(size_m)}_{int(north_index)}_{int(east_index)}"


def parse_cell_id(name: str) -> tuple[int, int, int]:
    """Return (size_m, east_index, north_index) of a Kvadratnet cell name."""
    label, north, east = name.split("_")
    size = int(label[:-2]) * 1000 if label.endswith("km") else int(label[:-1])
    return size, int(east), int(north)


def cell_bounds(east_index: int, north_index: int, size_m: int = 100) -> tuple[float, ...]:
    """Return (minx, miny, maxx, maxy) in metres of a cell."""
    x0, y0 = east_index * size_m, north_index * size_m
    return (float(x0), float(y0), float(x0 + size_m), float(y0 + size_m))


@dataclass
class GridCounts:
    size_m: int
    east: np.ndarray  # cell indices, one per occupied cell
    north: np.ndarray
    count: np.ndarray
    inverse: np.ndarray  # for each input point, its row in the arrays above

    def ids(self) -> list[str]:
        return [cell_id(e, n, self.size_m) for e, n in zip(self.east, self.north, strict=True)]


def grid_counts(x: np.ndarray, y: np.ndarray, size_m: int = 100) -> GridCounts:
    """Count points per occupied grid cell."""
    ex, ny = cell_index(x, y, size_m)
    if len(ex) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return GridCounts(size_m, empty, empty, empty, empty)
    keys = np.stack([ex, ny], axis=1)
    uniq, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    return GridCounts(size_m, uniq[:, 0], uniq[:, 1], counts, inverse.ravel())


# ---------------------------------------------------------------------------------------------
# Getis-Ord Gi* with permutation inference and FDR
# ---------------------------------------------------------------------------------------------


@dataclass
class GiParams:
    band_m: float = 200.0
    permutations: int = 999
    min_points: int = 30
    cell_m: int = 100
    seed: int | None = 12345
    refine_permutations: int = 9999
    refine_below: int = 10  # refine cells beaten by at most this many of the first permutations


@dataclass
class GiResult:
    params: GiParams
    n_points: int
    too_few: bool = False
    east: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    north: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    count: np.ndarray = field(default_factory=lambda: np.zeros(0))
    z: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p_sim: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p_fdr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cls: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def ids(self) -> list[str]:
        return [cell_id(e, n, self.params.cell_m)
                for e, n in zip(self.east, self.north, strict=True)]

    def hot_ids(self, min_class: int = 2) -> set[str]:
        """Return the ids of cells hot at least at the confidence of *min_class* (2 = 95 %)."""
        keep = self.cls >= min_class
        return {cell_id(e, n, self.params.cell_m)
                for e, n in zip(self.east[keep], self.north[keep], strict=True)}


def study_cells(east: np.ndarray, north: np.ndarray, band_m: float, size_m: int):
    """Return the occupied cells plus every cell within *band_m* of one (centre to centre).

    Walks cover only parts of a kommune: a cell far from any finding was most likely never
    walked, so it is left out rather than counted as a place with no utryghed.
    """
    reach = int(math.floor(band_m / size_m))
    offsets = [(dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)
               if (dx * dx + dy * dy) * size_m * size_m <= band_m * band_m + 1e-9]
    occupied = np.stack([east, north], axis=1)
    allcells = np.concatenate([occupied + np.array(o) for o in offsets], axis=0)
    return np.unique(allcells, axis=0)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (q-values)."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.clip(ranked, 0, 1)
    return out


def classify(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """Class each cell +-3/2/1 (hot/cold at 99/95/90 % after FDR) or 0 (not significant)."""
    mag = np.zeros(len(z), dtype=np.int64)
    for level, alpha in reversed(CONFIDENCE_LEVELS):
        mag[p_fdr <= alpha] = level
    return np.sign(z).astype(np.int64) * mag


def getis_ord(x: np.ndarray, y: np.ndarray, params: GiParams | None = None) -> GiResult:
    """Run Gi* (PySAL esda) on point counts per grid cell.

    Weights are binary within a distance band between cell centres, the focal cell included
    (the *star*). Inference is by conditional permutation: z is the observed G* standardised by
    the mean and spread of its permutation distribution, p its two-sided normal p-value, and
    p_fdr the Benjamini-Hochberg adjusted p over all cells of the study region. esda's own
    pseudo p-value (rank among the permutations) is kept as p_sim.
    """
    params = params or GiParams()
    if params.band_m < params.cell_m:
        raise ValueError("the distance band must be at least one cell wide")
    n = len(x)
    if n < params.min_points:
        return GiResult(params=params, n_points=n, too_few=True)
    grid = grid_counts(x, y, params.cell_m)
    cells = np.stack([grid.east, grid.north], axis=1)
    counts = grid.count.astype(float)
    z, p, p_sim = _gi_star(cells, counts, params)
    p_fdr = bh_adjust(p)
    return GiResult(params=params, n_points=n, east=cells[:, 0], north=cells[:, 1],
                    count=counts, z=z, p=p, p_sim=p_sim, p_fdr=p_fdr, cls=classify(z, p_fdr))


def _counts_on(cells: np.ndarray, grid: GridCounts) -> np.ndarray:
    lookup = {(int(e), int(n)): int(c) for e, n, c in zip(grid.east, grid.north, grid.count,
                                                          strict=True)}
    return np.array([lookup.get((int(e), int(n)), 0) for e, n in cells], dtype=float)


def _neighbours(cells: np.ndarray, band_m: float, cell_m: int) -> list[np.ndarray]:
    from scipy.spatial import cKDTree

    centres = (cells + 0.5) * cell_m
    tree = cKDTree(centres)
    lists = tree.query_ball_point(centres, band_m + 1e-6)
    return [np.array([j for j in nb if j != i], dtype=np.int64) for i, nb in enumerate(lists)]


def _gi_star(cells: np.ndarray, counts: np.ndarray, params: GiParams):
    import warnings

    from esda.getisord import G_Local
    from libpysal.weights import W
    neighbours = _neighbours(cells, params.band_m, params.cell_m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W({i: nb.tolist() for i, nb in enumerate(neighbours)}, silence_warnings=True)
        g = G_Local(counts, w, transform="B", permutations=params.permutations, star=True,
                    seed=params.seed, n_jobs=1, keep_simulations=True)
    z = np.nan_to_num(np.asarray(g.z_sim, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    p_sim = np.asarray(g.p_sim, dtype=float)
    # esda folds its pseudo p-value counting ties as extreme on the hot side only; with counts,
    # ties are common, so count them as not extreme on both sides (conservative).
    sims = np.asarray(g.rGs, dtype=float)
    obs = np.asarray(g.Gs, dtype=float)[:, None]
    tol = 1e-9 * np.maximum(np.abs(obs), 1e-300)
    n_hot = np.count_nonzero(sims >= obs - tol, axis=1)
    n_cold = np.count_nonzero(sims <= obs + tol, axis=1)
    hot = n_hot < n_cold
    p_one = (np.minimum(n_hot, n_cold) + 1) / (params.permutations + 1)
    beyond = np.minimum(n_hot, n_cold)
    extreme = np.nonzero(beyond <= params.refine_below)[0]
    if len(extreme) and params.refine_permutations:
        p_one[extreme] = refine_pseudo_p(counts, neighbours, extreme, hot[extreme],
                                         params.permutations, params.refine_permutations,
                                         params.seed, beyond[extreme])
    p = np.clip(2 * p_one, 0, 1)
    z = np.where(hot, np.abs(z), -np.abs(z))
    return z, p, p_sim


def conditional_sums(counts: np.ndarray, i: int, k: int, draws: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Sum *k* values drawn without replacement from every count but cell *i*, *draws* times.

    This is esda's conditional randomisation for one cell: its own value stays, its *k*
    neighbours are replaced by a random choice of the other cells.
    """
    others = np.delete(counts, i)
    m = len(others)
    if k == 0:
        return np.zeros(draws)
    if k > m // 2:  # dense neighbourhoods: shuffle whole rows
        idx = np.argsort(rng.random((draws, m)), axis=1)[:, :k]
        return others[idx].sum(axis=1)
    idx = rng.integers(0, m, size=(draws, k))
    while True:
        srt = np.sort(idx, axis=1)
        bad = np.nonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))[0]
        if len(bad) == 0:
            break
        idx[bad] = rng.integers(0, m, size=(len(bad), k))
    return others[idx].sum(axis=1)


def refine_pseudo_p(counts: np.ndarray, neighbours: list[np.ndarray], cells: np.ndarray,
                    hot: np.ndarray, first: int, extra: int, seed: int | None,
                    first_beyond: np.ndarray | None = None) -> np.ndarray:
    """Return one-sided pseudo p-values for cells that few of the *first* permutations beat.

    999 permutations cannot give a p-value below 0.001, and with a few thousand cells the FDR
    correction then rejects nothing unless very many cells are hot. Cells that look extreme get
    *extra* permutations (sequential Monte Carlo) and their counts from both rounds are pooled,
    so real hotspots can pass the correction; ties count as extreme (conservative).
    """
    rng = np.random.default_rng(None if seed is None else seed + 1)
    out = np.empty(len(cells))
    for n, (i, is_hot) in enumerate(zip(cells, hot, strict=True)):
        nb = neighbours[i]
        observed = counts[nb].sum()
        sims = conditional_sums(counts, int(i), len(nb), extra, rng)
        beyond = np.count_nonzero(sims >= observed if is_hot else sims <= observed)
        before = 0 if first_beyond is None else int(first_beyond[n])
        out[n] = (before + beyond + 1) / (first + extra + 1)
    return out


# ---------------------------------------------------------------------------------------------
# Kernel density
# ---------------------------------------------------------------------------------------------


@dataclass
class KdeGrid:
    """Density on a metric grid: density[r, c] is at (x0 + (c+.5)*cell, y0 + (r+.5)*cell)."""

    x0: float
    y0: float
    cell_m: float
    bandwidth_m: float
    density: np.ndarray  # spots per km²

    @property
    def shape(self) -> tuple[int, int]:
        return self.density.shape

    def value_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear density at metric points (0 outside the grid)."""
        from scipy.ndimage import map_coordinates

        col = (np.asarray(x) - self.x0) / self.cell_m - 0.5
        row = (np.asarray(y) - self.y0) / self.cell_m - 0.5
        return map_coordinates(self.density, [row, col], order=1, mode="constant", cval=0.0)


def quartic_kernel(d: np.ndarray, h: float) -> np.ndarray:
    """The quartic (biweight) kernel per m², zero beyond the bandwidth *h* (ArcGIS, CrimeStat)."""
    u2 = (np.asarray(d) / h) ** 2
    return np.where(u2 < 1, 3.0 / (math.pi * h * h) * (1 - u2) ** 2, 0.0)


def kde(x: np.ndarray, y: np.ndarray, bandwidth_m: float = 150.0, cell_m: float = 10.0,
        bounds: tuple[float, float, float, float] | None = None,
        max_cells: int = 1_000_000) -> KdeGrid:
    """Return a quartic-kernel density of points in spots per km², with bandwidth in metres.

    Points are binned on a fine grid and convolved with the kernel (FFT); the binning error is at
    most half a cell. The cell grows if the extent would need more than *max_cells* cells.
    """
    if bandwidth_m <= 0:
        raise ValueError("the bandwidth must be positive")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if bounds is None:
        if len(x) == 0:
            return KdeGrid(0.0, 0.0, cell_m, bandwidth_m, np.zeros((0, 0)))
        bounds = (x.min() - bandwidth_m, y.min() - bandwidth_m,
                  x.max() + bandwidth_m, y.max() + bandwidth_m)
    minx, miny, maxx, maxy = bounds
    area_cells = (maxx - minx) * (maxy - miny) / (cell_m * cell_m)
    if area_cells > max_cells:
        cell_m = math.sqrt((maxx - minx) * (maxy - miny) / max_cells)
    x0 = math.floor(minx / cell_m) * cell_m
    y0 = math.floor(miny / cell_m) * cell_m
    ncol = max(1, int(math.ceil((maxx - x0) / cell_m)))
    nrow = max(1, int(math.ceil((maxy - y0) / cell_m)))
    binned, _, _ = np.histogram2d(y, x, bins=[nrow, ncol],
                                  range=[[y0, y0 + nrow * cell_m], [x0, x0 + ncol * cell_m]])
    r = int(math.ceil(bandwidth_m / cell_m))
    offs = np.arange(-r, r + 1) * cell_m
    dx, dy = np.meshgrid(offs, offs)
    stencil = quartic_kernel(np.hypot(dx, dy), bandwidth_m) * 1e6  # per km²
    if binned.sum() == 0:
        dens = np.zeros_like(binned)
    else:
        from scipy.signal import fftconvolve

        dens = np.clip(fftconvolve(binned, stencil, mode="same"), 0, None)
    return KdeGrid(x0, y0, cell_m, bandwidth_m, dens)


# ---------------------------------------------------------------------------------------------
# DBSCAN clusters
# ---------------------------------------------------------------------------------------------


@dataclass
class ClusterParams:
    eps_m: float = 50.0
    min_samples: int = 5


@dataclass
class Cluster:
    label: int
    count: int
    hull: object  # shapely Polygon in metres
    categories: list[tuple[str, int]]  # most frequent first
    dark_share: float
    centroid: tuple[float, float]


def dbscan_labels(x: np.ndarray, y: np.ndarray, params: ClusterParams | None = None) -> np.ndarray:
    """Return DBSCAN labels (-1 = noise) of metric points."""
    params = params or ClusterParams()
    if params.eps_m <= 0 or params.min_samples < 1:
        raise ValueError("eps must be positive and min_samples at least 1")
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    from sklearn.cluster import DBSCAN

    xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    return DBSCAN(eps=params.eps_m, min_samples=params.min_samples,
                  algorithm="kd_tree").fit_predict(xy)


def clusters(x: np.ndarray, y: np.ndarray, labels: np.ndarray,
             categories: Sequence[Sequence[str]] | None = None,
             dark: np.ndarray | None = None, pad_m: float = 10.0,
             top: int = 3, category_pairs: tuple[np.ndarray, np.ndarray] | None = None,
             ) -> list[Cluster]:
    """Summarise each DBSCAN cluster: outline (hull padded by *pad_m*), count, top categories.

    Categories come either per point (*categories*) or as pairs of (point index, code) arrays.
    """
    import shapely

    if categories is not None and category_pairs is None:
        idx = [i for i, codes in enumerate(categories) for _c in codes]
        codes = [c for cs in categories for c in cs]
        category_pairs = (np.array(idx, dtype=np.int64), np.array(codes, dtype=object))
    per_cluster: dict[int, list[tuple[str, int]]] = {}
    if category_pairs is not None and len(category_pairs[0]):
        lab_of = np.asarray(labels)[category_pairs[0]]
        keep = lab_of >= 0
        if keep.any():
            code_names, code_idx = np.unique(category_pairs[1][keep].astype(str),
                                             return_inverse=True)
            pairs, n = np.unique(np.stack([lab_of[keep], code_idx.ravel()], axis=1), axis=0,
                                 return_counts=True)
            for (lab, ci), cnt in zip(pairs, n, strict=True):
                per_cluster.setdefault(int(lab), []).append((str(code_names[ci]), int(cnt)))

    out = []
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    labels = np.asarray(labels)
    valid = labels >= 0
    if not valid.any():
        return out
    order = np.argsort(labels[valid], kind="stable")
    idx_all = np.nonzero(valid)[0][order]
    labs = labels[idx_all]
    splits = np.nonzero(np.diff(labs))[0] + 1
    for idx in np.split(idx_all, splits):
        lab = int(labels[idx[0]])
        pts = shapely.multipoints(np.column_stack([x[idx], y[idx]]))
        hull = shapely.convex_hull(pts).buffer(pad_m, quad_segs=4)
        cats = sorted(per_cluster.get(lab, []), key=lambda kv: (-kv[1], kv[0]))
        share = float(np.mean(dark[idx])) if dark is not None else 0.0
        out.append(Cluster(label=lab, count=len(idx), hull=hull, categories=cats[:top],
                           dark_share=share, centroid=(float(x[idx].mean()),
                                                       float(y[idx].mean()))))
    out.sort(key=lambda c: -c.count)
    return out


# ---------------------------------------------------------------------------------------------
# Over time
# ---------------------------------------------------------------------------------------------


@dataclass
class PeriodComparison:
    new: set[str]
    persistent: set[str]
    gone: set[str]


def compare_hot_cells(before: set[str], after: set[str]) -> PeriodComparison:
    """Return which hot cells are new in *after*, persistent in both, or gone from *before*."""
    return PeriodComparison(new=after - before, persistent=before & after, gone=before - after)


def count_within(x: np.ndarray, y: np.ndarray, cx: float, cy: float, radius_m: float) -> int:
    """Return how many metric points lie within *radius_m* of (cx, cy)."""
    if len(x) == 0:
        return 0
    return int(np.count_nonzero(np.hypot(np.asarray(x) - cx, np.asarray(y) - cy) <= radius_m))


def median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


# ---------------------------------------------------------------------------------------------
# Daylight or darkness, for imported spots without a light column
# ---------------------------------------------------------------------------------------------


def sun_elevation(when: datetime, lat: float, lon: float) -> float:
    """Return the sun's elevation in degrees (NOAA approximation, within a fraction of one)."""
    utc = when.timestamp()
    jd = utc / 86400.0 + 2440587.5
    t = (jd - 2451545.0) / 36525.0
    l0 = (280.46646 + t * (36000.76983 + 0.0003032 * t)) % 360
    m = math.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    c = (math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
         + math.sin(2 * m) * (0.019993 - 0.000101 * t) + math.sin(3 * m) * 0.000289)
    true_long = l0 + c
    omega = math.radians(125.04 - 1934.136 * t)
    app_long = math.radians(true_long - 0.00569 - 0.00478 * math.sin(omega))
    eps0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    eps = math.radians(eps0 + 0.00256 * math.cos(omega))
    decl = math.asin(math.sin(eps) * math.sin(app_long))
    gmst = (280.46061837 + 360.98564736629 * (jd - 2451545.0)) % 360
    ra = math.atan2(math.cos(eps) * math.sin(app_long), math.cos(app_long))
    hour_angle = math.radians(gmst + lon) - ra
    la = math.radians(lat)
    sin_el = (math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(hour_angle))
    return math.degrees(math.asin(max(-1.0, min(1.0, sin_el))))


def light_at(when: datetime, lat: float, lon: float) -> str:
    """Return 'moerke' when the sun is below civil twilight (-6 degrees), else 'dagslys'."""
    return "moerke" if sun_elevation(when, lat, lon) < -6.0 else "dagslys"
