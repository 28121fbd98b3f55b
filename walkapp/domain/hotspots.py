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
# Getis-Ord Gi* on a study region, with exact inference for counts and FDR
# ---------------------------------------------------------------------------------------------

INFERENCES = ("exact", "permutation")
MIN_NEIGHBOURS = 4  # every cell of the region gets at least this many neighbours (band rule)
FEW_FINDINGS = 5  # a cell whose neighbourhood holds fewer findings is flagged "few findings"
PERMUTATION_MAX_CELLS = 1000  # the permutation option needs ~40 draws per cell; small regions


@dataclass
class GiParams:
    band_m: float = 200.0
    min_points: int = 30
    cell_m: int = 100
    inference: str = "exact"  # or "permutation" (Monte Carlo, small regions)
    permutations: int = 999  # at least; raised so the smallest p can pass the correction
    alpha: float = 0.05
    min_neighbours: int = MIN_NEIGHBOURS
    seed: int | None = 12345
    display_z: bool = True  # compute esda's Gi* z (display only; the validation study skips it)


@dataclass
class StudyRegion:
    """The 100 m cells of the region that was looked at, with their distance-band neighbours.

    ``inside`` marks the cells of the region itself; cells holding a finding outside it are
    added (``inside`` False) so no finding is dropped. ``band_m`` is the band actually used:
    the requested one, widened until every cell inside has at least ``min_neighbours``
    neighbours (the band rule). ``weights`` is binary within the band, the cell itself included.
    """

    cell_m: int
    band_m: float
    requested_band_m: float
    min_neighbours: int
    east: np.ndarray
    north: np.ndarray
    inside: np.ndarray
    exposure: np.ndarray  # share of each cell's area in the region (1 for cells added)
    weights: object  # scipy.sparse.csr_matrix, M x M, diagonal 1
    cardinality: np.ndarray  # neighbourhood size, the cell itself included
    _libpysal: object = None

    @property
    def share(self) -> np.ndarray:
        """Each neighbourhood's share of the region's exposure (its probability under the
        null that a finding falls in it)."""
        return (self.weights @ self.exposure) / self.exposure.sum()

    def __len__(self) -> int:
        return len(self.east)

    @property
    def area_km2(self) -> float:
        return float(self.exposure[self.inside].sum()) * self.cell_m * self.cell_m / 1e6

    def rows_of(self, east: np.ndarray, north: np.ndarray) -> np.ndarray:
        """Row of each cell (east, north) in the region, -1 where it is not in the region."""
        keys = self.east.astype(np.int64) * 2**32 + self.north.astype(np.int64)
        order = np.argsort(keys)
        want = np.asarray(east, np.int64) * 2**32 + np.asarray(north, np.int64)
        pos = np.clip(np.searchsorted(keys[order], want), 0, max(len(keys) - 1, 0))
        if len(keys) == 0:
            return np.full(len(want), -1, dtype=np.int64)
        rows = order[pos]
        return np.where(keys[rows] == want, rows, -1)

    def libpysal_weights(self):
        """The weights as a libpysal W without the diagonal (esda adds the star itself)."""
        if self._libpysal is None:
            import warnings

            from libpysal.weights import W

            csr = self.weights.tocsr()
            nb = {i: [int(j) for j in csr.indices[csr.indptr[i]:csr.indptr[i + 1]] if j != i]
                  for i in range(csr.shape[0])}  # islands keep an empty list
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._libpysal = W(nb, id_order=list(range(csr.shape[0])),
                                   silence_warnings=True)
        return self._libpysal


def cells_in(geom, size_m: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (east, north, share of the cell's area inside) of the cells a metric polygon
    touches: its exposure, so that a finding anywhere in the polygon has its cell."""
    import shapely

    empty = np.zeros(0, dtype=np.int64)
    if geom is None or geom.is_empty:
        return empty, empty, np.zeros(0)
    minx, miny, maxx, maxy = geom.bounds
    e = np.arange(int(math.floor(minx / size_m)), int(math.ceil(maxx / size_m)) + 1)
    n = np.arange(int(math.floor(miny / size_m)), int(math.ceil(maxy / size_m)) + 1)
    ee, nn = (a.ravel().astype(np.int64) for a in np.meshgrid(e, n))
    boxes = shapely.box(ee * size_m, nn * size_m, (ee + 1) * size_m, (nn + 1) * size_m)
    shapely.prepare(geom)
    touch = shapely.intersects(geom, boxes)
    ee, nn, boxes = ee[touch], nn[touch], boxes[touch]
    share = np.ones(len(ee))
    edge = ~shapely.contains(geom, boxes)
    share[edge] = shapely.area(shapely.intersection(boxes[edge], geom)) / (size_m * size_m)
    keep = share > 1e-6
    return ee[keep], nn[keep], np.clip(share[keep], 0, 1)


def band_rule(east: np.ndarray, north: np.ndarray, inside: np.ndarray, band_m: float,
              size_m: int, min_neighbours: int = MIN_NEIGHBOURS, max_band_m: float = 2000.0,
              step_m: float = 10.0) -> float:
    """The band used: *band_m*, widened (in steps of *step_m*) until every cell inside the
    region has at least *min_neighbours* neighbours within it, at most *max_band_m*."""
    from scipy.spatial import cKDTree

    centres = (np.stack([east, north], axis=1) + 0.5) * size_m
    if len(centres) <= min_neighbours or not inside.any():
        return float(band_m)
    dist, _ = cKDTree(centres).query(centres[inside], k=min_neighbours + 1)
    needed = float(dist[:, -1].max())
    needed = math.ceil((needed - 1e-6) / step_m) * step_m
    return float(min(max(band_m, needed), max(max_band_m, band_m)))


def study_region(east: np.ndarray, north: np.ndarray, band_m: float, size_m: int = 100,
                 exposure: np.ndarray | None = None, extra_east: np.ndarray | None = None,
                 extra_north: np.ndarray | None = None,
                 min_neighbours: int = MIN_NEIGHBOURS) -> StudyRegion:
    """Build the region of cells (east, north) with their *exposure* (share of the cell
    inside; default whole cells), plus the *extra* cells (findings outside it, exposure 1)."""
    from scipy import sparse
    from scipy.spatial import cKDTree

    if band_m < size_m:
        raise ValueError("the distance band must be at least one cell wide")
    east = np.asarray(east, np.int64)
    north = np.asarray(north, np.int64)
    exposure = np.ones(len(east)) if exposure is None else np.asarray(exposure, float)
    inside = np.ones(len(east), bool)
    if extra_east is not None and len(extra_east):
        keys = np.unique(np.stack([np.asarray(extra_east, np.int64),
                                  np.asarray(extra_north, np.int64)], 1), axis=0)
        have = set(zip(east.tolist(), north.tolist(), strict=True))
        new = np.array([k for k in keys.tolist() if tuple(k) not in have], dtype=np.int64)
        if len(new):
            east = np.r_[east, new[:, 0]]
            north = np.r_[north, new[:, 1]]
            inside = np.r_[inside, np.zeros(len(new), bool)]
            exposure = np.r_[exposure, np.ones(len(new))]
    used = band_rule(east, north, inside, band_m, size_m, min_neighbours)
    centres = (np.stack([east, north], axis=1) + 0.5) * size_m
    m = len(east)
    pairs = cKDTree(centres).query_pairs(used + 1e-6, output_type="ndarray") if m else \
        np.zeros((0, 2), dtype=np.int64)
    rows = np.r_[pairs[:, 0], pairs[:, 1], np.arange(m)]
    cols = np.r_[pairs[:, 1], pairs[:, 0], np.arange(m)]
    w = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
    return StudyRegion(size_m, used, float(band_m), min_neighbours, east, north, inside,
                       exposure, w, np.asarray(w.sum(axis=1)).ravel())


def study_cells(east: np.ndarray, north: np.ndarray, band_m: float, size_m: int):
    """Return the occupied cells plus every cell within *band_m* of one (centre to centre).

    The fallback region when nothing says where was looked (no area, no route): the cells
    around the findings.
    """
    reach = int(math.floor(band_m / size_m))
    offsets = [(dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)
               if (dx * dx + dy * dy) * size_m * size_m <= band_m * band_m + 1e-9]
    occupied = np.stack([east, north], axis=1)
    allcells = np.concatenate([occupied + np.array(o) for o in offsets], axis=0)
    return np.unique(allcells, axis=0)


@dataclass
class GiResult:
    params: GiParams
    n_points: int
    too_few: bool = False
    region: StudyRegion | None = None
    east: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    north: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    count: np.ndarray = field(default_factory=lambda: np.zeros(0))
    neighbourhood: np.ndarray = field(default_factory=lambda: np.zeros(0))  # findings within band
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0))  # under uniform exposure
    z: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p_sim: np.ndarray | None = None  # Monte Carlo p (permutation inference only)
    p_fdr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cls: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    permutations_used: int = 0

    @property
    def band_m(self) -> float:
        return self.region.band_m if self.region is not None else self.params.band_m

    @property
    def few(self) -> np.ndarray:
        """Cells whose neighbourhood holds fewer than FEW_FINDINGS findings: in a large region
        such a cell can test significant on two or three findings, so the map says so."""
        return self.neighbourhood < FEW_FINDINGS

    def ids(self) -> list[str]:
        return [cell_id(e, n, self.params.cell_m)
                for e, n in zip(self.east, self.north, strict=True)]

    def hot_ids(self, min_class: int = 2) -> set[str]:
        """Return the ids of cells hot at least at the confidence of *min_class* (2 = 95 %)."""
        keep = self.cls >= min_class
        return {cell_id(e, n, self.params.cell_m)
                for e, n in zip(self.east[keep], self.north[keep], strict=True)}


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (q-values)."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p.copy()
    from scipy.stats import false_discovery_control

    return np.clip(false_discovery_control(p, method="bh"), 0, 1)


def classify(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """Class each cell +-3/2/1 (hot/cold at 99/95/90 % after FDR) or 0 (not significant)."""
    mag = np.zeros(len(z), dtype=np.int64)
    for level, alpha in reversed(CONFIDENCE_LEVELS):
        mag[p_fdr <= alpha] = level
    return np.sign(z).astype(np.int64) * mag


def region_counts(x: np.ndarray, y: np.ndarray, region: StudyRegion) -> np.ndarray:
    """Findings per cell of *region* (cells of the region without a finding count zero)."""
    ex, ny = cell_index(x, y, region.cell_m)
    rows = region.rows_of(ex, ny)
    if (rows < 0).any():
        raise ValueError("findings outside the study region")
    return np.bincount(rows, minlength=len(region)).astype(float)


def getis_ord(x: np.ndarray, y: np.ndarray, params: GiParams | None = None,
              region: StudyRegion | None = None) -> GiResult:
    """Run Gi* on the counts of findings per cell of a study region, empty cells included.

    The statistic for a cell is its neighbourhood count S (findings in the cells within the
    band, its own included). z is esda's Gi* z-score, for display. Inference is exact for
    counts: under uniform exposure each of the n findings falls in the neighbourhood with
    probability q (its share of the region's area), so S ~ Binomial(n, q); p is the two-sided
    exact tail (scipy), or with ``inference="permutation"`` the same tail estimated by
    relocating the findings at random over the region's cells. p_fdr is Benjamini-Hochberg
    over every cell of the region. Without *region*, the cells around the findings are used.
    """
    params = params or GiParams()
    if params.band_m < params.cell_m:
        raise ValueError("the distance band must be at least one cell wide")
    if params.inference not in INFERENCES:
        raise ValueError("inference must be exact or permutation")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = len(x)
    if n < params.min_points:
        return GiResult(params=params, n_points=n, too_few=True, region=region)
    ex, ny = cell_index(x, y, params.cell_m)
    if region is None:
        occ = np.unique(np.stack([ex, ny], 1), axis=0)
        cells = study_cells(occ[:, 0], occ[:, 1], params.band_m, params.cell_m)
        region = study_region(cells[:, 0], cells[:, 1], params.band_m, params.cell_m,
                              min_neighbours=params.min_neighbours)
    elif (region.rows_of(ex, ny) < 0).any():
        keep = region.inside
        region = study_region(region.east[keep], region.north[keep], region.requested_band_m,
                              region.cell_m, region.exposure[keep], extra_east=ex,
                              extra_north=ny, min_neighbours=region.min_neighbours)
    counts = region_counts(x, y, region)
    s = region.weights @ counts
    share = region.share
    z = gi_star_z(counts, region) if params.display_z else np.zeros(len(region))
    p_sim = None
    used = 0
    if params.inference == "permutation":
        p_hot, p_cold, used = monte_carlo_tails(counts, region, params)
        p_sim = np.clip(2 * np.minimum(p_hot, p_cold), 0, 1)
        p = p_sim
    else:
        p_hot, p_cold = exact_tails(s, n, share)
        p = np.clip(2 * np.minimum(p_hot, p_cold), 0, 1)
    direction = np.where(p_hot < p_cold, 1, np.where(p_cold < p_hot, -1, 0))
    p_fdr = bh_adjust(p)
    return GiResult(params=params, n_points=n, region=region, east=region.east,
                    north=region.north, count=counts, neighbourhood=s, expected=n * share,
                    z=z, p=p, p_sim=p_sim, p_fdr=p_fdr, cls=classify(direction, p_fdr),
                    permutations_used=used)


def exact_tails(s: np.ndarray, n: int, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(S >= s) and P(S <= s) for S ~ Binomial(n, share): the neighbourhood count under
    uniform exposure (scipy.stats.binom)."""
    from scipy.stats import binom

    return binom.sf(s - 1, n, share), binom.cdf(s, n, share)


def permutations_needed(m: int, alpha: float, asked: int) -> int:
    """Draws so that the smallest two-sided Monte Carlo p, 2/(R+1), passes Benjamini-Hochberg
    at *alpha* for one cell of *m* (rank 1: alpha/m), with a margin of two."""
    return max(int(asked), int(math.ceil(4 * m / alpha)) - 1)


def monte_carlo_tails(counts: np.ndarray, region: StudyRegion, params: GiParams,
                      chunk: int = 500):
    """Estimate P(S >= s) and P(S <= s) by relocating the findings uniformly over the region's
    cells R times (a multinomial draw per permutation); pseudo p-values (k + 1) / (R + 1)."""
    m = len(region)
    if m > PERMUTATION_MAX_CELLS:
        raise ValueError(f"permutation inference is for regions of at most "
                         f"{PERMUTATION_MAX_CELLS} cells; this one has {m}: use exact")
    r = permutations_needed(m, params.alpha, params.permutations)
    rng = np.random.default_rng(params.seed)
    n = int(counts.sum())
    s_obs = region.weights @ counts
    ge = np.zeros(m)
    le = np.zeros(m)
    done = 0
    while done < r:
        k = min(chunk, r - done)
        sims = rng.multinomial(n, region.exposure / region.exposure.sum(),
                               size=k).astype(float)
        s_sim = np.asarray((region.weights @ sims.T).T)  # (k, m) neighbourhood sums
        ge += np.count_nonzero(s_sim >= s_obs - 1e-9, axis=0)
        le += np.count_nonzero(s_sim <= s_obs + 1e-9, axis=0)
        done += k
    return (ge + 1) / (r + 1), (le + 1) / (r + 1), r


def gi_star_z(counts: np.ndarray, region: StudyRegion) -> np.ndarray:
    """Getis-Ord Gi* z-scores (esda G_Local, binary weights, star), for display."""
    import warnings

    from esda.getisord import G_Local

    if counts.std() == 0:
        return np.zeros(len(counts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = G_Local(counts, region.libpysal_weights(), transform="B", permutations=0,
                    star=True)
    return np.nan_to_num(np.asarray(g.Zs, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)


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


@dataclass
class PredictionAccuracy:
    """How well one period's hot cells predict the next period's findings (the Prediction
    Accuracy Index of crime analysis: share of findings captured over share of area)."""

    hot_cells: int
    captured: int  # next period's findings in those cells
    findings: int  # next period's findings in all
    area_share: float  # the hot cells' share of the region's area

    @property
    def hit_share(self) -> float:
        return self.captured / self.findings if self.findings else 0.0

    @property
    def pai(self) -> float | None:
        """hit share / area share: 1 is no better than chance; None without hot cells."""
        return self.hit_share / self.area_share if self.area_share > 0 else None


def prediction_accuracy(gi: GiResult, x_next: np.ndarray, y_next: np.ndarray,
                        min_class: int = 2) -> PredictionAccuracy | None:
    """The PAI of *gi*'s hot cells (at least *min_class*, 2 = 95 %) for the findings at
    (x_next, y_next) of the next period; None when *gi* has no region (too few findings)."""
    if gi.too_few or gi.region is None:
        return None
    region = gi.region
    hot = gi.cls >= min_class
    ex, ny = cell_index(x_next, y_next, region.cell_m)
    rows = region.rows_of(ex, ny)
    captured = int(np.count_nonzero(hot[rows[rows >= 0]]))
    inside = region.exposure[region.inside].sum()
    area = float(region.exposure[hot & region.inside].sum() / inside) if inside else 0.0
    return PredictionAccuracy(int(np.count_nonzero(hot)), captured, len(ex), area)


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
