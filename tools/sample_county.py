"""Deterministic generator of a synthetic county GeoPackage (GuotuKit sample data).

Everything in the file is **synthetic**: the county, its place names, codes, land use,
plan and control lines are generated from a seed. Use it for demos, tests and
benchmarks, never as real data.

Usage::

    python -m tools.sample_county OUT.gpkg --parcels 3000 --seed 20231101

or ``generate_county(path, n_parcels=3000, seed=20231101)`` from Python.

Layers (all EPSG:4527 = CGCS2000 3-degree Gauss-Kruger zone 39, CM 117E, false easting
39 500 000; all geometry columns MultiPolygon; geometries valid, coordinates on a
0.001 m grid):

``DLTB``   地类图斑: ``n_parcels`` parcels tiling the county outline without gaps or
           overlaps (Voronoi cells of density-weighted, Lloyd-relaxed points, clipped to
           an irregular outline). Fields exactly as ``DLTB_FIELDS``. TBMJ is the
           CGCS2000 ellipsoidal area (``core.geodesy``) rounded ROUND_HALF_UP to 0.01 m²;
           KCMJ / TBDLMJ follow the 三调 deduction rule (domain_standards §3.1).
``GHYD``   规划用地 (target-year plan): a different Voronoi tiling (~0.8 N polygons) of
           the same outline; 用地用海 2023 codes derived from the base land use plus urban
           growth inside the 城镇集中建设区.
``YJJBNT`` 永久基本农田: ~70 % of the cropland parcels that keep > 1 m from 城镇开发边界,
           one feature per parcel; ~5 % of them shifted or buffered by <= 0.5 m (as in
           real data, where PBF and DLTB edges do not match exactly).
``STBHHX`` 生态保护红线: 3-4 polygons over the hills/reservoir; the largest one has at
           least ``eprl_vertex_target(N)`` vertices and two holes; one small polygon is
           a 核心保护区. A few built-up parcels are deliberately placed inside (conflicts).
``CZKFBJ`` 城镇开发边界: one 城镇集中建设区 polygon per town, a 城镇弹性发展区 ring around
           the two largest towns and one 特别用途区; every polygon has at least
           ``udb_vertex_target(N)`` vertices.
``XZQ``    乡镇 boundaries (union of their parcels, so they follow parcel edges exactly);
           every village (QSDWDM/ZLDWDM prefix) lies in exactly one township.

Scaling rules (documented, tested):

* county area = max(860 km², N × 1 ha); the outline is an irregular star-shaped
  polygon with a 4:3 aspect, i.e. ~40 km × 30 km at the default size and
  ~52 km × 39 km (2 000 km²) at 200 000 parcels.
* ``eprl_vertex_target(N) = max(5000, round(20000 · (N/3000)^0.4))`` vertices for the
  largest 生态保护红线 polygon (20 000 at N = 3 000, ~107 000 at N = 200 000).
* ``udb_vertex_target(N) = max(500, round(1000 · (N/3000)^0.4))`` vertices for every
  城镇开发边界 polygon (1 000 at N = 3 000, ~5 400 at N = 200 000).

Determinism: all randomness comes from ``numpy.random.default_rng`` streams spawned
from the seed; GEOS operations are deterministic for identical input; coordinates are
snapped to a 0.001 m grid *before* areas are computed; nothing iterates over an
unordered set. The same seed and N give identical attributes and geometries (and,
with the fixed ``OGR_CURRENT_DATE``, an identical file for a given GDAL version).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import shapely

if __package__ in (None, ""):  # run as a plain script: make ``core`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:  # inside the plugin package (guotukit.tools -> guotukit.core)
    from ..core.geodesy import ellipsoidal_area as _core_ellipsoidal_area
    from ..core.geodesy import gk_params as _core_gk_params
    from ..core.rounding import rhu
except (ImportError, ValueError):  # repository root on sys.path: python -m tools.sample_county
    from core.geodesy import ellipsoidal_area as _core_ellipsoidal_area
    from core.geodesy import gk_params as _core_gk_params
    from core.rounding import rhu

__all__ = [
    "generate_county",
    "eprl_vertex_target",
    "udb_vertex_target",
    "county_area_m2",
    "county_outline",
    "ellipsoidal_area_m2",
    "DLTB_FIELDS",
    "LAYER_FIELDS",
    "KCXS_TABLE",
    "GHFQ_CODES",
    "main",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "data" / "reference"  # the research exports, copied in (data/reference/README.md)

EPSG = 4527
CENTER = (39_500_000.0, 3_885_000.0)  # zone-39 easting/northing near 117E, 35N
GRID = 0.001  # m; every coordinate is snapped to this grid before areas are computed
MIN_COUNTY_AREA = 860e6  # m²: the default county (outline in a ~40 km x 30 km box)
AREA_PER_PARCEL_LARGE = 1e4  # m²: mean parcel size once the county has to grow (1 ha)
ASPECT = 4.0 / 3.0

COUNTY_CODE = "370899"  # synthetic 6-digit county code (not a real county)
COUNTY_NAME = "示例县"
SJNF = 2023
YSDM_DLTB = "2001010100"

# Synthetic example 田坎系数 table (KCXS by GDLX x GDPDJB). These are NOT official
# values of any county: real values come from the county's 田坎系数测算 and belong in a
# configurable table. Grade 1 (<= 2 degrees) has no deduction.
KCXS_TABLE: Dict[Tuple[str, str], float] = {
    ("TT", "2"): 0.021, ("TT", "3"): 0.043, ("TT", "4"): 0.086, ("TT", "5"): 0.112,
    ("PD", "2"): 0.035, ("PD", "3"): 0.062, ("PD", "4"): 0.104, ("PD", "5"): 0.138,
}

# 规划分区代码 of the 城镇开发边界 — ASSUMED codes: the numeric values were not verified
# (domain_standards §3.4 [R]); consumers should match on GHFQMC.
GHFQ_CODES = {"城镇集中建设区": "010", "城镇弹性发展区": "020", "特别用途区": "030"}

CROPLAND = ("0101", "0102", "0103")

# (name, OGR type, width); type "str" -> OFTString, "real" -> OFTReal, "int" -> OFTInteger
DLTB_FIELDS: List[Tuple[str, str, int]] = [
    ("BSM", "str", 18), ("YSDM", "str", 10), ("TBBH", "str", 8), ("DLBM", "str", 5),
    ("DLMC", "str", 60), ("QSXZ", "str", 2), ("QSDWDM", "str", 19), ("QSDWMC", "str", 255),
    ("ZLDWDM", "str", 19), ("ZLDWMC", "str", 255), ("TBMJ", "real", 15),
    ("KCDLBM", "str", 5), ("KCXS", "real", 10), ("KCMJ", "real", 15), ("TBDLMJ", "real", 15),
    ("GDLX", "str", 2), ("GDPDJB", "str", 2), ("ZZSXDM", "str", 6), ("CZCSXM", "str", 4),
    ("SJNF", "int", 4),
]
LAYER_FIELDS: Dict[str, List[Tuple[str, str, int]]] = {
    "DLTB": DLTB_FIELDS,
    "GHYD": [("BSM", "str", 18), ("GHDLBM", "str", 6), ("GHDLMC", "str", 60),
             ("CZCSLX", "str", 4)],
    "YJJBNT": [("BSM", "str", 18), ("YJJBNTTBBH", "str", 20), ("TBBH", "str", 8),
               ("DLBM", "str", 5), ("DLMC", "str", 60), ("QSXZ", "str", 2),
               ("ZLDWDM", "str", 19), ("YJJBNTTBMJ", "real", 15), ("KCMJ", "real", 15),
               ("YJJBNTMJ", "real", 15)],
    "STBHHX": [("BSM", "str", 18), ("HXBM", "str", 20), ("HXMC", "str", 100),
               ("HXLX", "str", 50), ("ZRBHDMC", "str", 100), ("ZRBHDFQ", "str", 20),
               ("MJ", "real", 15)],
    "CZKFBJ": [("BSM", "str", 18), ("CZMC", "str", 50), ("GHFQDM", "str", 3),
               ("GHFQMC", "str", 20), ("MJ", "real", 15)],
    "XZQ": [("XZQDM", "str", 9), ("XZQMC", "str", 100), ("DCMJ", "real", 15)],
}
LAYER_DESCRIPTIONS = {
    "DLTB": "地类图斑（合成示例数据）",
    "GHYD": "规划用地（合成示例数据，用地用海分类2023）",
    "YJJBNT": "永久基本农田保护图斑（合成示例数据）",
    "STBHHX": "生态保护红线（合成示例数据）",
    "CZKFBJ": "城镇开发边界（合成示例数据；GHFQDM为假定代码）",
    "XZQ": "乡镇级行政区（合成示例数据）",
}
LAYER_ORDER = ("XZQ", "DLTB", "GHYD", "YJJBNT", "STBHHX", "CZKFBJ")

ProgressFn = Optional[Callable[[float, str], None]]


# ----------------------------------------------------------------------------------
# scaling rules
# ----------------------------------------------------------------------------------
def county_area_m2(n_parcels: int) -> float:
    """Target county (outline) area: max(860 km², N × 1 ha)."""
    return max(MIN_COUNTY_AREA, float(n_parcels) * AREA_PER_PARCEL_LARGE)


def eprl_vertex_target(n_parcels: int) -> int:
    """Minimum vertex count of the largest 生态保护红线 polygon for N parcels."""
    return max(5000, int(round(20000 * (n_parcels / 3000.0) ** 0.4)))


def udb_vertex_target(n_parcels: int) -> int:
    """Minimum vertex count of every 城镇开发边界 polygon for N parcels."""
    return max(500, int(round(1000 * (n_parcels / 3000.0) ** 0.4)))


# ----------------------------------------------------------------------------------
# code tables
# ----------------------------------------------------------------------------------
def _read_names(candidates: Sequence[Path]) -> Dict[str, str]:
    for path in candidates:
        if path.is_file():
            with open(path, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
            return {r["code"].strip(): r["name"].strip() for r in rows if r.get("code")}
    raise FileNotFoundError("code table not found in any of: " + ", ".join(map(str, candidates)))


def sandiao_names() -> Dict[str, str]:
    """三调 DLBM -> DLMC, from data/classification/sandiao.csv (else the reference export)."""
    return _read_names([REPO_ROOT / "data" / "classification" / "sandiao.csv",
                        REFERENCE / "sandiao_dlbm.csv"])


def ydyh2023_names() -> Dict[str, str]:
    """用地用海 2023 code -> name, from data/classification/ydyh2023.csv (else the reference export)."""
    return _read_names([REPO_ROOT / "data" / "classification" / "ydyh2023.csv",
                        REFERENCE / "ydyh_2023.csv"])


# ----------------------------------------------------------------------------------
# areas
# ----------------------------------------------------------------------------------
def ellipsoidal_area_m2(geoms) -> np.ndarray:
    """CGCS2000 ellipsoidal area (m², unrounded) of EPSG:4527 geometries:
    ``core.geodesy.ellipsoidal_area(geoms, gk_params(4527))``."""
    arr = np.asarray(geoms, dtype=object)
    return np.asarray(_core_ellipsoidal_area(arr, _core_gk_params(EPSG)), dtype=np.float64)


def _rhu_array(values: np.ndarray) -> np.ndarray:
    return np.array([rhu(float(v), 2) for v in values], dtype=np.float64)


# ----------------------------------------------------------------------------------
# smooth random fields and helpers
# ----------------------------------------------------------------------------------
class _Noise:
    """Smooth random field: a normalised sum of random plane waves (std ~ 1)."""

    def __init__(self, rng: np.random.Generator, lmin: float, lmax: float, n: int = 24):
        lam = lmin * (lmax / lmin) ** rng.random(n)
        ang = rng.random(n) * 2 * math.pi
        k = 2 * math.pi / lam
        self.kx = k * np.cos(ang)
        self.ky = k * np.sin(ang)
        self.phase = rng.random(n) * 2 * math.pi
        amp = lam / lam.sum()
        self.amp = amp / math.sqrt(float((amp ** 2).sum()) / 2.0)

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        out = np.empty(len(xy))
        step = 65536
        for s in range(0, len(xy), step):
            c = xy[s:s + step]
            arg = np.outer(c[:, 0], self.kx) + np.outer(c[:, 1], self.ky) + self.phase
            out[s:s + step] = np.cos(arg) @ self.amp
        return out


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7)."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-a * a)
    return s * y


def _to_uniform(z: np.ndarray) -> np.ndarray:
    return np.clip(0.5 * (1.0 + _erf(z / math.sqrt(2.0))), 1e-9, 1 - 1e-9)


def _patchy_choice(xy: np.ndarray, weights, rng: np.random.Generator, lmin: float,
                   lmax: float) -> np.ndarray:
    """Spatially coherent categorical choice: argmax(log w_k + Gumbel field_k).

    The fields have Gumbel marginals, so category k is chosen with probability
    ~ w_k / sum(w) at each point, but in patches rather than salt-and-pepper.
    ``weights`` is (K,) or (len(xy), K).
    """
    w = np.asarray(weights, dtype=np.float64)
    k = w.shape[-1]
    fields = [_Noise(rng, lmin, lmax) for _ in range(k)]  # always drawn: stable streams
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    scores = np.empty((len(xy), k))
    for j in range(k):
        u = _to_uniform(fields[j](xy))
        with np.errstate(divide="ignore"):
            scores[:, j] = np.log(np.broadcast_to(w[..., j], (len(xy),))) - np.log(-np.log(u))
    return np.argmax(scores, axis=1)


def _take_lowest(score: np.ndarray, avail: np.ndarray, area: np.ndarray,
                 target: float) -> np.ndarray:
    """Mask of the available items with the lowest score, up to ``target`` area."""
    out = np.zeros(len(score), dtype=bool)
    idx = np.flatnonzero(avail)
    if len(idx) == 0 or target <= 0:
        return out
    order = idx[np.argsort(score[idx], kind="stable")]
    before = np.cumsum(area[order]) - area[order]
    out[order[before < target]] = True
    return out


def _star_ring(cx: float, cy: float, radius: float, n: int, rng: np.random.Generator,
               low_amp: float, walk_amp: float) -> np.ndarray:
    """Closed ring of a star-shaped polygon with ``n`` vertices (strictly increasing
    angles, positive radii -> always simple). r(θ) = R(1 + low-frequency Fourier term +
    closed random walk); the random walk gives the fractal-looking fine detail."""
    theta = np.arange(n) * (2 * math.pi / n)
    low = np.zeros(n)
    for k in range(1, 9):
        low += rng.normal() / k * np.cos(k * theta + rng.random() * 2 * math.pi)
    low *= low_amp / max(1e-12, float(np.abs(low).max()))
    steps = rng.normal(size=n)
    walk = np.cumsum(steps)
    walk -= np.arange(n) / n * (walk[-1] + steps[0])  # close the loop
    walk -= walk.mean()
    walk *= walk_amp / max(1e-12, float(np.abs(walk).max()))
    r = radius * (1.0 + low + walk)
    ring = np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)])
    return np.vstack([ring, ring[:1]])


def _to_abs(geoms):
    """Local (origin at CENTER) -> EPSG:4527 coordinates."""
    off = np.array(CENTER)
    return shapely.transform(geoms, lambda c: c + off)


def _grid(geoms):
    """Snap coordinates to the 0.001 m grid. Pointwise rounding maps a vertex shared by
    two polygons to the same grid point in both, so a coverage stays a coverage; the
    rare geometry that rounding makes invalid is redone in GEOS's valid-output mode."""
    scalar = isinstance(geoms, shapely.Geometry)
    arr = np.array([geoms], dtype=object) if scalar else np.asarray(geoms, dtype=object)
    out = shapely.remove_repeated_points(shapely.set_precision(arr, GRID, mode="pointwise"))
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.set_precision(arr[bad], GRID)
    return out[0] if scalar else out


def _nearest_index(ref_xy: np.ndarray, query_xy: np.ndarray) -> np.ndarray:
    """Index of the nearest ``ref_xy`` point for every ``query_xy`` point."""
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # pragma: no cover - scipy is optional
        tree = shapely.STRtree(shapely.points(ref_xy))
        iq, ir = tree.query_nearest(shapely.points(query_xy), all_matches=False)
        out = np.empty(len(query_xy), dtype=np.int64)
        out[iq] = ir
        return out
    return np.asarray(cKDTree(ref_xy).query(query_xy)[1], dtype=np.int64)


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    """Object array of (Multi)Polygons -> MultiPolygons (same order)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, idx = parts[keep], idx[keep]
    if len(np.unique(idx)) != len(geoms):
        raise RuntimeError("a geometry has no polygon part")
    return shapely.multipolygons(parts, indices=idx)


class _LineDistance:
    """Distance from many points to a set of lines via an STRtree of the segments
    (``shapely.distance`` to a whole MultiLineString is O(points x vertices))."""

    def __init__(self, lines):
        segs = []
        for part in shapely.get_parts(lines):
            c = shapely.get_coordinates(part)
            segs.append(np.stack([c[:-1], c[1:]], axis=1))
        self.segments = shapely.linestrings(np.concatenate(segs))
        self.tree = shapely.STRtree(self.segments)

    def __call__(self, xy: np.ndarray, max_distance: Optional[float] = None) -> np.ndarray:
        pts = shapely.points(xy)
        out = np.full(len(pts), np.inf)
        (ip, _it), dist = self.tree.query_nearest(pts, max_distance=max_distance,
                                                  return_distance=True, all_matches=False)
        out[ip] = dist
        return out


def _num_vertices(geom) -> int:
    return int(shapely.get_num_coordinates(geom))


# ----------------------------------------------------------------------------------
# layout: outline, hills, towns, rivers, roads
# ----------------------------------------------------------------------------------
class _Layout:
    pass


def _sample_inside(rng, outline, n, bounds):
    """``n`` uniform random points inside the (local) outline, deterministic."""
    minx, miny, maxx, maxy = bounds
    out = []
    got = 0
    while got < n:
        m = max(1024, int((n - got) * 1.5))
        c = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        c = c[shapely.contains_xy(outline, c[:, 0], c[:, 1])]
        out.append(c[: n - got])
        got += len(out[-1])
    return np.vstack(out)


def _pick_site(rng, outline, bounds, ok: Callable[[np.ndarray, float], np.ndarray],
               score: Optional[Callable[[np.ndarray], np.ndarray]] = None,
               n_cand: int = 4000) -> np.ndarray:
    """One random point inside the outline satisfying ``ok(points, relax)`` (the one
    with the lowest ``score`` if given, else the first). ``relax`` goes 1 -> 0 until a
    candidate qualifies: ``ok`` scales its soft margins by it and keeps its hard
    constraints at relax = 0."""
    for relax in (1.0, 0.85, 0.7, 0.55, 0.4, 0.25, 0.1, 0.0):
        cand = _sample_inside(rng, outline, n_cand, bounds)
        good = ok(cand, relax)
        if good.any():
            cand = cand[good]
            if score is None:
                return cand[0]
            return cand[int(np.argmin(score(cand)))]
    raise RuntimeError("no site satisfies the layout constraints; try another seed")


def _meander(rng, p0, p1, n, amp, lnoise) -> np.ndarray:
    """Smoothly meandering polyline from p0 to p1 (n vertices)."""
    p0 = np.asarray(p0, float)
    p1 = np.asarray(p1, float)
    t = np.linspace(0.0, 1.0, n)
    d = p1 - p0
    length = float(np.hypot(*d))
    normal = np.array([-d[1], d[0]]) / max(length, 1e-9)
    off = np.zeros(n)
    for k in range(1, 7):
        off += rng.normal() / k * np.sin(k * math.pi * t + rng.random() * 0.3) * np.sin(math.pi * t)
    off *= amp / max(1e-9, float(np.abs(off).max()))
    return p0 + np.outer(t, d) + np.outer(off, normal)


def _build_layout(rng: np.random.Generator, n_parcels: int) -> _Layout:
    lay = _Layout()
    area = county_area_m2(n_parcels)
    L = math.sqrt(area)
    lay.area, lay.L = area, L

    # --- outline: star-shaped, 4:3 ellipse with low-frequency wobble, scaled to area
    n_out = 1440 if n_parcels < 50000 else 4000
    theta = np.arange(n_out) * (2 * math.pi / n_out)
    r = np.ones(n_out)
    for k in range(2, 9):
        r += rng.uniform(0.01, 0.06) / math.sqrt(k) * np.cos(k * theta + rng.random() * 2 * math.pi)
    r += 0.004 * np.cos(23 * theta + rng.random() * 6.283) + 0.003 * np.cos(41 * theta + 1.0)
    ax, ay = math.sqrt(ASPECT), 1.0 / math.sqrt(ASPECT)
    ring = np.column_stack([ax * r * np.cos(theta), ay * r * np.sin(theta)])
    a0 = shapely.area(shapely.Polygon(ring))
    ring *= math.sqrt(area / a0)
    outline = shapely.Polygon(np.vstack([ring, ring[:1]]))
    shapely.prepare(outline)
    lay.outline = outline
    lay.bounds = outline.bounds
    edge_dist = _LineDistance(outline.exterior)

    def dist_edge(c):
        return edge_dist(c)

    # --- hills (Gaussian bumps of the elevation field)
    n_hills = int(rng.integers(2, 4))
    hills: List[Tuple[float, float, float, float]] = []
    for i in range(n_hills):
        sigma = L * rng.uniform(0.09, 0.12)
        height = 1.0 if i == 0 else rng.uniform(0.75, 0.9)

        def ok(c, relax, sigma=sigma):
            good = dist_edge(c) > (1.5 + 0.7 * relax) * sigma
            for (hx, hy, _h, hs) in hills:
                good &= np.hypot(c[:, 0] - hx, c[:, 1] - hy) > (1.6 + 0.8 * relax) * (sigma + hs)
            return good
        hx, hy = _pick_site(rng, outline, lay.bounds, ok)
        hills.append((float(hx), float(hy), float(height), float(sigma)))
    lay.hills = hills
    terrain_noise = _Noise(rng, 0.05 * L, 0.35 * L)

    def hill_part(c):
        c = np.atleast_2d(c)
        e = np.zeros(len(c))
        for (hx, hy, h, s) in hills:
            e += h * np.exp(-((c[:, 0] - hx) ** 2 + (c[:, 1] - hy) ** 2) / (2 * s * s))
        return e

    def elevation(c):
        c = np.atleast_2d(c)
        return hill_part(c) + 0.12 * terrain_noise(c) + 0.05 * c[:, 0] / L

    lay.elevation = elevation

    # --- towns (county seat first); core built-up areas ~7 % of the county
    n_towns = int(rng.integers(3, 6))
    shares = np.sort(rng.uniform(0.6, 1.4, n_towns - 1))[::-1]
    shares = np.concatenate([[0.030], 0.040 * shares / shares.sum()])
    towns = []
    for i in range(n_towns):
        R = math.sqrt(shares[i] * area / math.pi)

        # hard constraints keep every 城镇开发边界 polygon (outer radius <= 1.86 R)
        # inside the outline and apart from other towns and from the hills
        def ok(c, relax, R=R):
            good = (dist_edge(c) > 1.95 * R + (0.01 + 0.02 * relax) * L) \
                & (hill_part(c) < 0.12 + 0.4 * (1 - relax))
            for (hx, hy, _h, hs) in hills:
                good &= (np.hypot(c[:, 0] - hx, c[:, 1] - hy)
                         > (0.6 + 1.6 * relax) * hs + (1.9 + 0.2 * relax) * R + 0.02 * L)
            for t in towns:
                good &= (np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"])
                         > (1.9 + 0.6 * relax) * (R + t["R"]) + 0.05 * relax * L)
            return good
        score = (lambda c: np.hypot(c[:, 0], c[:, 1])) if i == 0 else None
        tx, ty = _pick_site(rng, outline, lay.bounds, ok, score)
        towns.append({"x": float(tx), "y": float(ty), "R": R})
    lay.towns = towns

    # --- main river crossing the county through the lowlands, plus a tributary
    bx = lay.bounds
    span = 1.2 * max(bx[2] - bx[0], bx[3] - bx[1])
    best = None
    for _ in range(12):
        ang = rng.random() * math.pi
        off = rng.uniform(-0.25, 0.25) * L
        nrm = np.array([-math.sin(ang), math.cos(ang)])
        dirv = np.array([math.cos(ang), math.sin(ang)])
        p0 = nrm * off - dirv * span / 2
        p1 = nrm * off + dirv * span / 2
        line = _meander(rng, p0, p1, 400, 0.06 * L, L)
        inside = line[shapely.contains_xy(outline, line[:, 0], line[:, 1])]
        if len(inside) < 50:
            continue
        cost = float(hill_part(inside).max())
        for t in towns:
            dt = np.hypot(inside[:, 0] - t["x"], inside[:, 1] - t["y"]).min()
            cost += 0.5 * max(0.0, 1.2 * t["R"] - dt) / t["R"]
        if best is None or cost < best[0]:
            best = (cost, line)
    main_river = shapely.LineString(best[1])
    hx, hy, _h, hs = hills[0]
    ang = rng.random() * 2 * math.pi
    src = np.array([hx + 0.3 * hs * math.cos(ang), hy + 0.3 * hs * math.sin(ang)])
    mouth = np.array(shapely.get_coordinates(
        shapely.shortest_line(shapely.Point(src), main_river))[1])
    trib = _meander(rng, src, mouth, 200, 0.04 * L, L)
    lay.rivers = shapely.MultiLineString([best[1], trib])
    # reservoir on the tributary, in the hills
    k = int(len(trib) * 0.3)
    lay.reservoir = (float(trib[k, 0]), float(trib[k, 1]), math.sqrt(0.008 * area / math.pi))

    # --- highways: county seat to every town + one through route; railway
    seat = towns[0]
    hw = []
    for t in towns[1:]:
        hw.append(_meander(rng, (seat["x"], seat["y"]), (t["x"], t["y"]), 120, 0.03 * L, L))
    ang = rng.random() * math.pi
    dirv = np.array([math.cos(ang), math.sin(ang)])
    c0 = np.array([seat["x"], seat["y"]])
    hw.append(_meander(rng, c0 - dirv * span, c0 + dirv * span, 300, 0.04 * L, L))
    lay.highways = shapely.MultiLineString(hw)
    ang2 = ang + rng.uniform(0.6, 1.2) * (1 if rng.random() < 0.5 else -1)
    dirv2 = np.array([math.cos(ang2), math.sin(ang2)])
    c1 = c0 + np.array([-dirv2[1], dirv2[0]]) * 0.5 * seat["R"]
    lay.railway = shapely.LineString(_meander(rng, c1 - dirv2 * span, c1 + dirv2 * span,
                                              200, 0.015 * L, L))

    # --- mines on hill flanks, one special-use site
    mines = []
    for (hx, hy, _h, hs) in hills[:2]:
        ang = rng.random() * 2 * math.pi
        mines.append((hx + 1.3 * hs * math.cos(ang), hy + 1.3 * hs * math.sin(ang)))
    lay.mines = mines

    def ok_special(c, relax):
        good = hill_part(c) < 0.3 + 0.7 * (1 - relax)
        for t in towns:
            good &= np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) > (1.7 + 0.8 * relax) * t["R"]
        return good
    lay.special = tuple(_pick_site(rng, outline, lay.bounds, ok_special))

    # --- townships: town seats plus free seeds balanced by a few Lloyd steps
    n_tsp = int(min(10, max(6, round(n_parcels / 400.0))))
    n_tsp = max(n_tsp, n_towns + 2)
    cloud = _sample_inside(rng, outline, 20000, lay.bounds)
    seeds = np.array([[t["x"], t["y"]] for t in towns], dtype=float)
    extra = []
    for _ in range(n_tsp - n_towns):
        allseeds = np.vstack([seeds] + ([np.array(extra)] if extra else []))
        d = np.min(np.hypot(cloud[:, None, 0] - allseeds[None, :, 0],
                            cloud[:, None, 1] - allseeds[None, :, 1]), axis=1)
        extra.append(cloud[int(np.argmax(d))])
    seeds = np.vstack([seeds, np.array(extra)])
    for _ in range(8):
        lab = np.argmin((cloud[:, None, 0] - seeds[None, :, 0]) ** 2
                        + (cloud[:, None, 1] - seeds[None, :, 1]) ** 2, axis=1)
        for j in range(n_towns, n_tsp):
            m = lab == j
            if m.any():
                seeds[j] = cloud[m].mean(axis=0)
    lay.township_seeds = seeds
    lay.township_warp = (_Noise(rng, 0.15 * L, 0.5 * L), _Noise(rng, 0.15 * L, 0.5 * L))
    return lay


# ----------------------------------------------------------------------------------
# tilings
# ----------------------------------------------------------------------------------
def _voronoi_cells(points: np.ndarray, outline, bounds) -> np.ndarray:
    """Voronoi cells (local coords, unclipped) in the order of ``points``."""
    minx, miny, maxx, maxy = bounds
    pad = max(maxx - minx, maxy - miny)
    env = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=env))
    if len(cells) != len(points):
        raise RuntimeError("Voronoi diagram lost cells (duplicate points?)")
    # GEOS returns the cells in its own order. A Voronoi cell is convex, so its
    # centroid lies inside it, and every point inside a cell is nearest to the cell's
    # generator: the nearest generator of each centroid identifies the cell.
    owner = _nearest_index(points, shapely.get_coordinates(shapely.centroid(cells)))
    if np.bincount(owner, minlength=len(points)).max() != 1:  # pragma: no cover
        tree = shapely.STRtree(cells)
        ip, ic = tree.query(shapely.points(points), predicate="within")
        order = np.full(len(points), -1, dtype=np.int64)
        order[ip] = ic
        if (order < 0).any():
            raise RuntimeError("could not match Voronoi cells to their points")
        return cells[order]
    order = np.empty(len(points), dtype=np.int64)
    order[owner] = np.arange(len(points))
    return cells[order]


def _tile(points: np.ndarray, outline_local, bounds) -> np.ndarray:
    """Clip the Voronoi cells of ``points`` to the outline; EPSG:4527 coords on the grid."""
    cells = _voronoi_cells(points, outline_local, bounds)
    inside = shapely.contains_properly(outline_local, cells)
    cells_abs = _to_abs(cells)
    outline_abs = _grid(_to_abs(outline_local))
    out = cells_abs.copy()
    edge = ~inside
    # clip at full precision, then snap everything to the grid in one go: shared
    # vertices round identically, so the result stays a coverage (no gaps/overlaps).
    # (Clipping with grid_size= snap-rounds each cell on its own and breaks that.)
    out[edge] = shapely.intersection(cells_abs[edge], outline_abs)
    out = _grid(out)
    if shapely.is_empty(out).any():
        raise RuntimeError("a clipped cell is empty")
    return _as_multi(out)


def _lloyd_points(rng, n, outline, bounds, density: Optional[Callable] = None,
                  dmax: float = 1.0) -> np.ndarray:
    """``n`` points inside the outline (density-weighted rejection sampling), then one
    Lloyd relaxation step for more regular cells."""
    minx, miny, maxx, maxy = bounds
    pts = []
    got = 0
    while got < n:
        m = max(4096, int((n - got) * 2.5))
        c = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        c = c[shapely.contains_xy(outline, c[:, 0], c[:, 1])]
        if density is not None:
            keep = density(c) / dmax > rng.random(len(c))
            c = c[keep]
        pts.append(c[: n - got])
        got += len(pts[-1])
    pts = np.vstack(pts)
    cells = _voronoi_cells(pts, outline, bounds)
    inside = shapely.contains_properly(outline, cells)
    clipped = cells.copy()
    clipped[~inside] = shapely.intersection(cells[~inside], outline)
    cen = shapely.get_coordinates(shapely.centroid(clipped))
    ok = shapely.contains_xy(outline, cen[:, 0], cen[:, 1])
    pts = np.where(ok[:, None], cen, pts)
    return pts


# ----------------------------------------------------------------------------------
# the generator
# ----------------------------------------------------------------------------------
_SURNAMES = list("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_SUFFIXES = ["庄", "屯", "营", "集", "店", "寨", "楼", "岭", "湾", "洼", "口", "桥", "沟",
             "坡", "堡", "家", "官庄", "河", "峪", "园"]
_PREFIXES = ["", "东", "西", "南", "北", "前", "后", "大", "小", "上", "下"]
_COMMUNITY = ["城东", "城西", "城南", "城北", "中心", "新华", "人民", "建设", "胜利", "文化",
              "和平", "幸福", "朝阳", "振兴", "光明", "团结", "解放", "育才", "滨河", "新城"]
_TOWN_NAMES = ["东城镇", "柳泉镇", "石门镇", "青山镇", "马集镇", "新安镇", "双河镇", "龙泉镇"]
_XIANG_NAMES = ["河西乡", "北岭乡", "南湖乡", "杨集乡", "白马乡", "高庄乡", "泉头乡", "龙湾乡",
                "桃园乡", "沙河乡"]
_HILL_NAMES = ["云峰山", "青龙山", "白石山", "凤凰岭", "卧龙山", "翠屏山"]

# base land use (三调) -> plan land use (用地用海 2023): (code, weight) options.
# A synthetic plan generator's choices, not an official crosswalk.
_PLAN_MAP: Dict[str, List[Tuple[str, float]]] = {
    "0101": [("0101", 1)], "0102": [("0102", 1)], "0103": [("0103", 1)],
    "0201": [("0201", 1)], "0201K": [("0201", 1)], "0202": [("0202", 1)],
    "0204": [("0205", 0.8), ("0204", 0.2)], "0204K": [("0205", 1)],
    "0301": [("0301", 1)], "0301K": [("0301", 1)], "0302": [("0302", 1)],
    "0305": [("0303", 1)], "0307": [("0304", 1)], "0307K": [("0304", 1)],
    "0401": [("0401", 1)], "0403": [("0402", 1)], "0403K": [("0402", 1)], "0404": [("0403", 1)],
    "0304": [("0501", 1)], "1108": [("0504", 1)], "1106": [("0506", 1)],
    "05H1": [("090101", 0.4), ("0902", 0.2), ("090103", 0.2), ("090104", 0.2)],
    "0508": [("110101", 0.6), ("1101", 0.4)],
    "0601": [("100101", 0.4), ("100102", 0.5), ("100103", 0.1)],
    "0602": [("1002", 1)],
    "0701": [("070101", 0.2), ("070102", 0.7), ("070103", 0.1)],
    "0702": [("070301", 0.6), ("070302", 0.3), ("0704", 0.1)],
    "08H1": [("0801", 1)],
    "08H2": [("080403", 0.4), ("080601", 0.2), ("080301", 0.1), ("080501", 0.1),
             ("0802", 0.1), ("080701", 0.1)],
    "08H2A": [("080401", 1)],
    "0809": [("1301", 0.2), ("1302", 0.2), ("1303", 0.3), ("1309", 0.2), ("1310", 0.1)],
    "0810": [("1401", 0.6), ("1402", 0.4)], "0810A": [("1403", 1)],
    "09": [("1501", 0.3), ("1503", 0.3), ("1506", 0.4)],
    "1001": [("1201", 1)], "1003": [("1202", 1)], "1004": [("1207", 1)],
    "1005": [("120801", 0.5), ("120802", 0.3), ("120803", 0.2)],
    "1006": [("060101", 0.5), ("060102", 0.5)],
    "1101": [("1701", 1)], "1103": [("1703", 1)], "1104": [("1704", 1)], "1104A": [("1704", 1)],
    "1104K": [("1704", 1)], "1107": [("1705", 1)],
    "1201": [("2301", 1)], "1202": [("060201", 0.6), ("060202", 0.3), ("060203", 0.1)],
    "1204": [("2304", 1)], "1205": [("2305", 1)], "1206": [("2306", 1)], "1207": [("2307", 1)],
}
_URBAN_GROWTH = [("070102", 0.28), ("070101", 0.05), ("0702", 0.03), ("080403", 0.05),
                 ("080601", 0.02), ("090101", 0.07), ("0902", 0.03), ("100101", 0.10),
                 ("100102", 0.07), ("110101", 0.05), ("1207", 0.12), ("1401", 0.07),
                 ("1402", 0.03), ("16", 0.03)]
# plan codes that are not 城镇村 construction even when built-up (regional transport,
# mining, salt, special)
_NOT_CZC = ("1201", "1202", "1203", "1204", "1205", "1002", "1003", "15")

_TOWN_MIX = ["0701", "05H1", "08H1", "08H2", "08H2A", "0809", "0810", "0810A", "1004", "1005",
             "0601", "0508", "1201"]
_TOWN_W = [0.44, 0.12, 0.03, 0.07, 0.01, 0.03, 0.04, 0.01, 0.10, 0.02, 0.08, 0.02, 0.01]
_VILLAGE_MIX = ["0702", "0601", "08H2", "0809", "1004", "05H1"]
_VILLAGE_W = [0.84, 0.04, 0.03, 0.02, 0.05, 0.02]


def _progress(cb: ProgressFn, frac: float, msg: str) -> None:
    if cb is not None:
        cb(float(frac), msg)


def _choose(rng, options: List[Tuple[str, float]], n: int) -> np.ndarray:
    codes = [c for c, _ in options]
    w = np.array([x for _, x in options], dtype=float)
    pick = rng.choice(len(codes), size=n, p=w / w.sum())
    return np.array(codes, dtype=object)[pick]


def _group_rank(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Rank (0-based) of each item within its group (last key = group), in lexsort order."""
    order = np.lexsort(keys)
    grp = keys[-1][order]
    start = np.r_[0, np.flatnonzero(grp[1:] != grp[:-1]) + 1]
    rank_sorted = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = rank_sorted
    return rank


def _streams(seed: int) -> List[np.random.Generator]:
    """Independent random streams (layout, points, land use, attributes, plan, PBF,
    control lines, names), so one phase never shifts the randomness of another."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(8)]


def county_outline(n_parcels: int = 3000, seed: int = 20231101):
    """The county outline (EPSG:4527, on the 0.001 m grid) that ``generate_county``
    tiles for the same N and seed."""
    lay = _build_layout(_streams(seed)[0], int(n_parcels))
    return _grid(_to_abs(lay.outline))


def generate_county(path, n_parcels: int = 3000, seed: int = 20231101,
                    progress: ProgressFn = None, plan_ratio: float = 0.8) -> dict:
    """Write the synthetic county GeoPackage to ``path`` (overwritten atomically).

    ``progress(fraction, message)`` is called between phases if given.  ``plan_ratio``: GHYD
    parcels per DLTB parcel (0.8 for the shipped sample; 1.0 for the 200k + 200k benchmark).
    Returns ``{"path", "layers": {layer: feature count}, "stbhhx_max_vertices",
    "stbhhx_vertex_target", "czkfbj_max_vertices", "czkfbj_min_vertices",
    "czkfbj_vertex_target", "county_area_m2", "land_use_shares", "seconds"}``.
    """
    t0 = time.perf_counter()
    n = int(n_parcels)
    if n < 300:
        raise ValueError("n_parcels must be at least 300")
    names_sd = sandiao_names()
    names_yd = ydyh2023_names()
    (r_lay, r_pts, r_lu, r_attr, r_plan, r_pbf, r_lines, r_misc) = _streams(seed)

    _progress(progress, 0.02, "layout")
    lay = _build_layout(r_lay, n)
    L, A_total = lay.L, lay.area
    towns = lay.towns
    outline = lay.outline

    # ------------------------------------------------------------------ parcels
    _progress(progress, 0.08, "parcels")

    spacing0 = math.sqrt(A_total / n)
    line_dist = _LineDistance(shapely.union_all([lay.rivers, lay.highways, lay.railway]))

    def density(c):
        # smaller parcels in towns and along rivers/roads (so linear features form
        # continuous chains of parcels), larger ones in the hills
        d = np.ones(len(c))
        for t in towns:
            dd = np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) / t["R"]
            d += 2.0 * np.exp(-dd ** 4)
        dl = line_dist(c, max_distance=3.0 * spacing0) / (0.7 * spacing0)
        d += 2.5 * np.exp(-dl * dl)
        d *= 1.0 - 0.45 * np.clip(lay.elevation(c), 0.0, 1.0)
        return d

    pts = _lloyd_points(r_pts, n, outline, lay.bounds, density, dmax=5.5)
    geoms = _tile(pts, outline, lay.bounds)
    xy = pts  # generator points: inside their own cell, used as representative points
    area_planar = shapely.area(geoms)
    tbmj_raw = ellipsoidal_area_m2(geoms)
    spacing = math.sqrt(A_total / n)

    # ------------------------------------------------------------------ townships, villages
    _progress(progress, 0.25, "townships and villages")
    wx, wy = lay.township_warp
    warped = xy + 0.04 * L * np.column_stack([wx(xy), wy(xy)])
    seeds = lay.township_seeds
    n_tsp = len(seeds)
    tsp = np.argmin((warped[:, None, 0] - seeds[None, :, 0]) ** 2
                    + (warped[:, None, 1] - seeds[None, :, 1]) ** 2, axis=1)
    # villages: k-means (a few Lloyd steps) of the parcel points inside each township
    n_towns = len(towns)
    village_target = 110.0
    vil = np.full(n, -1, dtype=np.int64)
    vil_centres = []
    n_vil = 0
    for j in range(n_tsp):
        idx = np.flatnonzero(tsp == j)
        if len(idx) == 0:
            raise RuntimeError("empty township")
        k = min(len(idx), max(2, int(round(len(idx) / village_target))))
        c = xy[idx]
        cent = c[np.sort(r_misc.choice(len(idx), size=k, replace=False))]
        for _ in range(6):
            lab = np.argmin((c[:, None, 0] - cent[None, :, 0]) ** 2
                            + (c[:, None, 1] - cent[None, :, 1]) ** 2, axis=1)
            for q in range(k):
                m = lab == q
                if m.any():
                    cent[q] = c[m].mean(axis=0)
        lab = np.argmin((c[:, None, 0] - cent[None, :, 0]) ** 2
                        + (c[:, None, 1] - cent[None, :, 1]) ** 2, axis=1)
        used = np.unique(lab)
        remap = np.full(k, -1)
        remap[used] = np.arange(len(used))
        vil[idx] = n_vil + remap[lab]
        for q in used:
            vil_centres.append((j, float(cent[q, 0]), float(cent[q, 1])))
        n_vil += len(used)
    vil_tsp = np.array([v[0] for v in vil_centres])
    vil_xy = np.array([[v[1], v[2]] for v in vil_centres])

    # town distance (normalised, noisy)
    n_town = _Noise(r_lu, 0.03 * L, 0.12 * L)
    tn = n_town(xy)
    dnorm = np.full(n, np.inf)
    town_of = np.full(n, -1)
    for ti, t in enumerate(towns):
        d = np.hypot(xy[:, 0] - t["x"], xy[:, 1] - t["y"]) / t["R"] * (1 + 0.12 * tn)
        better = d < dnorm
        dnorm[better] = d[better]
        town_of[better] = ti
    vil_dnorm = np.min([np.hypot(vil_xy[:, 0] - t["x"], vil_xy[:, 1] - t["y"]) / t["R"]
                        for t in towns], axis=0)
    vil_is_community = vil_dnorm < 0.9

    # ------------------------------------------------------------------ land use
    _progress(progress, 0.32, "land use")
    code = np.full(n, "", dtype=object)
    czc = np.full(n, "", dtype=object)
    avail = np.ones(n, dtype=bool)
    area = area_planar
    wiggle = _Noise(r_lu, 0.02 * L, 0.1 * L)(xy) * 0.25 * spacing

    def assign(mask, value, cz=""):
        code[mask] = value
        czc[mask] = cz
        avail[mask] = False

    d_river = _LineDistance(lay.rivers)(xy) + wiggle
    assign(_take_lowest(d_river, avail, area, 0.020 * A_total), "1101")
    rx, ry, rR = lay.reservoir
    d_res = np.hypot(xy[:, 0] - rx, xy[:, 1] - ry) / rR * (1 + 0.15 * tn)
    assign(_take_lowest(d_res, avail, area, 0.008 * A_total), "1103")
    ring = _take_lowest(d_res, avail, area, 0.004 * A_total)
    wet = _Noise(r_lu, 0.02 * L, 0.08 * L)(xy)
    assign(ring & (wet > 0), "0304")
    assign(ring & (wet <= 0), "1108")
    beach = _take_lowest(d_river, avail & (dnorm > 1.3), area, 0.004 * A_total)
    assign(beach, "1106")
    d_rail = _LineDistance(lay.railway)(xy) + wiggle
    assign(_take_lowest(d_rail, avail, area, 0.004 * A_total), "1001")
    d_hw = _LineDistance(lay.highways)(xy) + wiggle
    assign(_take_lowest(d_hw, avail, area, 0.012 * A_total), "1003")

    # towns
    town_mask = avail & (dnorm < 1.0)
    ti = np.flatnonzero(town_mask)
    w = np.tile(np.array(_TOWN_W), (len(ti), 1))
    dd = dnorm[ti]
    w[:, 1] *= np.clip(1.8 - 1.5 * dd, 0.2, None)   # commerce near the centre
    w[:, 2] *= np.where(dd < 0.5, 2.0, 0.5)
    w[:, 4] *= (town_of[ti] == 0)                     # 高教 only in the county seat
    w[:, 10] *= 3.0 * dd ** 2                         # industry towards the edge
    w[:, 11] *= 2.0 * dd
    pick = _patchy_choice(xy[ti], w, r_lu, 0.01 * L, 0.05 * L)
    code[ti] = np.array(_TOWN_MIX, dtype=object)[pick]
    czc[ti] = np.where(town_of[ti] == 0, "201", "202")
    avail[ti] = False
    # industrial fringe (独立工业用地)
    ind = _Noise(r_lu, 0.03 * L, 0.1 * L)(xy)
    fringe = avail & (dnorm >= 1.0) & (dnorm < 1.35) & (ind > 0.5)
    code[fringe] = "0601"
    czc[fringe] = np.where(town_of[fringe] == 0, "201A", "202A")
    avail[fringe] = False
    # mines and special land
    for (mx, my) in lay.mines:
        dm = np.hypot(xy[:, 0] - mx, xy[:, 1] - my)
        assign(_take_lowest(dm, avail, area, 0.0015 * A_total), "0602", "204")
    sx, sy = lay.special
    assign(_take_lowest(np.hypot(xy[:, 0] - sx, xy[:, 1] - sy), avail, area,
                        0.001 * A_total), "09", "205")
    # village settlements: the parcels nearest each rural village centre
    share = r_lu.uniform(0.02, 0.05, n_vil)
    share[vil_is_community] = 0.0
    vil_area = np.bincount(vil, weights=area, minlength=n_vil)
    dv = np.hypot(xy[:, 0] - vil_xy[vil, 0], xy[:, 1] - vil_xy[vil, 1])
    dv_av = np.where(avail, dv, np.inf)
    order = np.lexsort((dv_av, vil))
    a_sorted = np.where(avail[order], area[order], 0.0)
    cum = np.cumsum(a_sorted)
    vstart = np.r_[0, np.flatnonzero(vil[order][1:] != vil[order][:-1]) + 1]
    base = np.repeat(cum[vstart] - a_sorted[vstart], np.diff(np.r_[vstart, n]))
    before = cum - a_sorted - base
    sel_sorted = avail[order] & ((before < share[vil[order]] * vil_area[vil[order]])
                                 & (share[vil[order]] > 0))
    settle = np.zeros(n, dtype=bool)
    settle[order[sel_sorted]] = True
    si = np.flatnonzero(settle)
    pick = _patchy_choice(xy[si], np.array(_VILLAGE_W), r_lu, 0.005 * L, 0.02 * L)
    code[si] = np.array(_VILLAGE_MIX, dtype=object)[pick]
    czc[si] = np.where(code[si] == "0601", "203A", "203")
    avail[si] = False

    # terrain classes for the rest (area-weighted quantiles of an upland score)
    elev = lay.elevation(xy)
    up = elev + 0.06 * _Noise(r_lu, 0.01 * L, 0.05 * L)(xy)
    targets = {"rock": 0.003, "forestgrass": 0.27, "orchard": 0.055}
    up_neg = -up
    m_rock = _take_lowest(up_neg, avail, area, targets["rock"] * A_total)
    assign(m_rock, "1207")
    m_fg = _take_lowest(up_neg, avail, area, targets["forestgrass"] * A_total)
    fg = np.flatnonzero(m_fg)
    soil = _Noise(r_lu, 0.02 * L, 0.08 * L)(xy[fg])
    grass_cut = np.quantile(soil, 0.15) if len(fg) else 0.0
    g_idx = fg[soil <= grass_cut]
    f_idx = fg[soil > grass_cut]
    forest_up_cut = float(-np.max(up_neg[fg])) if len(fg) else 0.0
    pick = _patchy_choice(xy[g_idx], [0.50, 0.20, 0.25, 0.05], r_lu, 0.01 * L, 0.05 * L)
    code[g_idx] = np.array(["0404", "0401", "0403", "0403K"], dtype=object)[pick]
    pick = _patchy_choice(xy[f_idx], [0.58, 0.21, 0.17, 0.02, 0.02], r_lu, 0.01 * L, 0.06 * L)
    code[f_idx] = np.array(["0301", "0305", "0307", "0302", "0307K"], dtype=object)[pick]
    # 可调整乔木林地 on the lowest forest parcels (next to cropland)
    if len(f_idx):
        kf = f_idx[np.argsort(up[f_idx], kind="stable")[: max(1, len(f_idx) // 25)]]
        code[kf] = "0301K"
    avail[fg] = False
    m_orch = _take_lowest(up_neg, avail, area, targets["orchard"] * A_total)
    oi = np.flatnonzero(m_orch)
    pick = _patchy_choice(xy[oi], [0.50, 0.08, 0.27, 0.10, 0.05], r_lu, 0.01 * L, 0.05 * L)
    code[oi] = np.array(["0201", "0202", "0204", "0201K", "0204K"], dtype=object)[pick]
    avail[oi] = False
    # lowland: ponds, facility agriculture, idle land, barren patches, ditches, rural roads
    pond = _Noise(r_lu, 0.02 * L, 0.08 * L)(xy) - 2.0 * elev
    m = _take_lowest(-pond, avail, area, 0.025 * A_total)
    pi_ = np.flatnonzero(m)
    pick = _patchy_choice(xy[pi_], [0.55, 0.40, 0.05], r_lu, 0.01 * L, 0.04 * L)
    code[pi_] = np.array(["1104", "1104A", "1104K"], dtype=object)[pick]
    avail[pi_] = False
    fac = _Noise(r_lu, 0.01 * L, 0.05 * L)(xy) + 0.5 * np.clip(2.0 - dv / spacing, 0, None)
    assign(_take_lowest(-fac, avail, area, 0.008 * A_total), "1202")
    idle = np.where(dnorm > 1.0, dnorm, np.inf)
    assign(_take_lowest(idle, avail, area, 0.003 * A_total), "1201")
    for c_, share_ in (("1204", 0.002), ("1205", 0.001), ("1206", 0.002)):
        barren = _Noise(r_lu, 0.02 * L, 0.06 * L)(xy)
        assign(_take_lowest(-barren, avail, area, share_ * A_total), c_)
    rnd = r_lu.random(n)
    assign(_take_lowest(rnd, avail, area, 0.006 * A_total), "1107")
    rnd = r_lu.random(n)
    assign(_take_lowest(rnd, avail, area, 0.014 * A_total), "1006")
    # cropland: paddy low / near rivers, irrigated in the plain, dry land higher
    ci = np.flatnonzero(avail)
    wet_score = elev[ci] + 0.15 * _Noise(r_lu, 0.02 * L, 0.08 * L)(xy[ci]) \
        - 0.3 * np.exp(-d_river[ci] / (0.05 * L))
    ords = ci[np.argsort(wet_score, kind="stable")]
    cfrac = np.cumsum(area[ords]) / max(1e-9, area[ords].sum())
    code[ords] = np.where(cfrac <= 0.25, "0101", np.where(cfrac <= 0.65, "0102", "0103"))
    avail[ci] = False
    assert not avail.any()

    # ------------------------------------------------------------------ control lines
    _progress(progress, 0.45, "control lines")
    udb_target = udb_vertex_target(n)
    eprl_target = eprl_vertex_target(n)
    udb_feats = []  # (geom_local, town index, zone name)
    n_rings = min(2, n_towns)
    for k_, t in enumerate(towns):
        inner = _star_ring(t["x"], t["y"], 1.3 * t["R"], int(udb_target * 1.05), r_lines, 0.08, 0.015)
        udb_feats.append((shapely.Polygon(inner), k_, "城镇集中建设区"))
        if k_ < n_rings:
            outer = _star_ring(t["x"], t["y"], 1.7 * t["R"], int(udb_target * 1.05), r_lines, 0.08, 0.015)
            udb_feats.append((shapely.Polygon(outer, [inner]), k_, "城镇弹性发展区"))
    seat = towns[0]
    others = shapely.union_all([g for g, _, _ in udb_feats])
    avoid = shapely.union_all([others] + [shapely.Point(t["x"], t["y"]).buffer(1.9 * t["R"])
                                          for t in towns[1:]]
                              + [shapely.Point(h[0], h[1]).buffer(1.5 * h[3]) for h in lay.hills])
    special_ring = None
    best = None
    for dist_mult in (2.4, 2.8, 3.3, 3.9):
        for j in range(16):
            ang = 2 * math.pi * j / 16
            cx_ = seat["x"] + dist_mult * seat["R"] * math.cos(ang)
            cy_ = seat["y"] + dist_mult * seat["R"] * math.sin(ang)
            if not shapely.contains_xy(outline, cx_, cy_):
                continue
            margin = min(float(shapely.distance(shapely.Point(cx_, cy_), avoid)),
                         float(shapely.distance(shapely.Point(cx_, cy_), outline.exterior)))
            if best is None or margin > best[0]:
                best = (margin, cx_, cy_)
        if best is not None and best[0] > 0.45 * seat["R"]:
            break
    special_ring = _star_ring(best[1], best[2], 0.35 * seat["R"], int(udb_target * 1.05),
                              r_lines, 0.08, 0.02)
    sp_poly = shapely.Polygon(special_ring)
    if sp_poly.intersects(others):  # pragma: no cover - placement keeps it apart
        sp_poly = sp_poly.difference(others)
    if not outline.contains(sp_poly):  # pragma: no cover
        sp_poly = sp_poly.intersection(outline)
    udb_feats.append((sp_poly, 0, "特别用途区"))
    udb_local = [g.intersection(outline) if not outline.contains(g) else g
                 for g, _, _ in udb_feats]
    udb_geoms = _as_multi(_grid(_to_abs(np.array(udb_local, dtype=object))))
    udb_union_abs = shapely.union_all(udb_geoms)
    conc_abs = shapely.union_all([g for g, f in zip(udb_geoms, udb_feats) if f[2] == "城镇集中建设区"])
    special_abs = udb_geoms[-1]

    # 生态保护红线 over the hills: radius from the forest zone around each hill
    tau = max(forest_up_cut, 0.05)
    boundary = outline.exterior
    eprl = []  # (geom_local, name, type, reserve name, zone)
    hills = sorted(lay.hills, key=lambda h: -h[2])
    udb_local_union = shapely.union_all(udb_local)

    def hill_radius(h, cap_mult):
        hx, hy, hh, hs = h
        r_f = hs * math.sqrt(2 * math.log(hh / tau)) if hh > tau else 0.8 * hs
        cap = (float(shapely.distance(shapely.Point(hx, hy), boundary)) - 0.01 * L) / cap_mult
        cap = min(cap, (float(shapely.distance(shapely.Point(hx, hy), udb_local_union))
                        - 0.01 * L) / cap_mult)
        for other in hills:  # keep the red lines of different hills apart
            if other is not h:
                cap = min(cap, 0.45 * math.hypot(hx - other[0], hy - other[1]) / cap_mult)
        return max(0.01 * L, min(0.85 * r_f, cap))

    hA = hills[0]
    RA = hill_radius(hA, 1.2)
    shellA = _star_ring(hA[0], hA[1], RA, int(eprl_target * 1.08), r_lines, 0.14, 0.035)
    holes = []
    ang0 = r_lines.random() * 2 * math.pi
    for q in range(2):  # two holes on opposite sides: never touch each other or the shell
        ang = ang0 + q * math.pi
        holes.append(_star_ring(hA[0] + 0.4 * RA * math.cos(ang), hA[1] + 0.4 * RA * math.sin(ang),
                                0.09 * RA, 600, r_lines, 0.12, 0.05))
    polyA = shapely.Polygon(shellA, holes)
    hill_nm = list(r_misc.permutation(_HILL_NAMES))
    eprl.append((polyA, f"{hill_nm[0]}水源涵养生态保护红线", "水源涵养",
                 f"{hill_nm[0]}国家森林公园", "一般控制区"))
    if len(hills) > 1:
        hB = hills[1]
        RB = hill_radius(hB, 1.2)
        shellB = _star_ring(hB[0], hB[1], RB, max(4000, eprl_target // 3), r_lines, 0.14, 0.035)
        shellC = _star_ring(hB[0], hB[1], 0.3 * RB, 2000, r_lines, 0.08, 0.03)
        reserve = f"{hill_nm[1]}省级自然保护区"
        eprl.append((shapely.Polygon(shellB, [shellC]), f"{hill_nm[1]}生物多样性维护生态保护红线",
                     "生物多样性维护", reserve, "一般控制区"))
        eprl.append((shapely.Polygon(shellC), f"{hill_nm[1]}核心保护区生态保护红线",
                     "生物多样性维护", reserve, "核心保护区"))
    else:  # pragma: no cover - n_hills >= 2 always
        shellC = _star_ring(hA[0], hA[1], 0.15 * RA, 2000, r_lines, 0.08, 0.03)
    # wetland red line around the reservoir (minus what the others already cover)
    shellD = _star_ring(rx, ry, 1.7 * rR, max(2000, eprl_target // 6), r_lines, 0.12, 0.03)
    polyD = shapely.Polygon(shellD)
    taken = shapely.union_all([e[0] for e in eprl] + [udb_local_union])
    polyD = polyD.difference(taken).intersection(outline)
    if not polyD.is_empty and polyD.area > 0.01 * math.pi * rR * rR:
        eprl.append((polyD, f"{hill_nm[2]}水库湿地生态保护红线", "水源涵养",
                     f"{hill_nm[2]}水库湿地公园", "一般控制区"))
    eprl_local = [g if outline.contains(g) else g.intersection(outline) for g, *_ in eprl]
    eprl_geoms = _as_multi(_grid(_to_abs(np.array(eprl_local, dtype=object))))

    # ------------------------------------------------------------------ conflicts
    tree = shapely.STRtree(geoms)
    inside_eprl = tree.query(eprl_geoms[0], predicate="contains")
    inside_eprl = np.sort(inside_eprl)
    cand = inside_eprl[np.isin(code[inside_eprl], ["0301", "0305", "0307", "0404", "0401"])]
    k_conf = max(2, n // 1500)
    if len(cand):
        conf = np.sort(r_misc.choice(cand, size=min(k_conf, len(cand)), replace=False))
        for q, i in enumerate(conf):
            if q % 2 == 0:
                code[i], czc[i] = "0702", "203"
            else:
                code[i], czc[i] = "0602", "204"

    # ------------------------------------------------------------------ attributes
    _progress(progress, 0.55, "attributes")
    is_crop = np.isin(code, CROPLAND)
    # slope grade of cropland
    h = 0.004 * L
    gx = (lay.elevation(xy + [h, 0]) - lay.elevation(xy - [h, 0])) / (2 * h)
    gy = (lay.elevation(xy + [0, h]) - lay.elevation(xy - [0, h])) / (2 * h)
    slope = np.hypot(gx, gy) * L + 0.4 * _Noise(r_attr, 0.01 * L, 0.05 * L)(xy)
    gdpdjb = np.full(n, "", dtype=object)
    cidx = np.flatnonzero(is_crop)
    o = cidx[np.argsort(slope[cidx], kind="stable")]
    cf = np.cumsum(area[o]) / max(1e-9, area[o].sum())
    grade = np.select([cf <= 0.45, cf <= 0.70, cf <= 0.85, cf <= 0.95], ["1", "2", "3", "4"], "5")
    gdpdjb[o] = grade
    gdlx = np.full(n, "", dtype=object)
    tt_p = {"2": 0.2, "3": 0.35, "4": 0.55, "5": 0.7}
    u_tt = _to_uniform(_Noise(r_attr, 0.01 * L, 0.05 * L)(xy))
    for g_, p_ in tt_p.items():
        m = gdpdjb == g_
        gdlx[m] = np.where(u_tt[m] < p_, "TT", "PD")
    kcxs = np.zeros(n)
    for (gl, gj), v in KCXS_TABLE.items():
        kcxs[(gdlx == gl) & (gdpdjb == gj)] = v
    kcdlbm = np.where(kcxs > 0, "1203", "").astype(object)
    # 种植属性: cropland; 即可恢复/工程恢复 on 可调整 (K) parcels
    zzsx = np.full(n, "", dtype=object)
    pick = _patchy_choice(xy[cidx], [0.70, 0.12, 0.10, 0.03, 0.01, 0.04], r_attr, 0.01 * L, 0.05 * L)
    zzsx[cidx] = np.array(["LS", "FLS", "LYFL", "XG", "LLJZ", "WG"], dtype=object)[pick]
    kidx = np.flatnonzero(np.array([c.endswith("K") for c in code]))
    zzsx[kidx] = np.where(r_attr.random(len(kidx)) < 0.8, "JKHF", "GCHF")

    # ownership
    qsxz = np.full(n, "", dtype=object)
    vil_dom = r_attr.choice(np.array(["30", "31", "32"], dtype=object), size=n_vil, p=[0.5, 0.3, 0.2])
    alt = r_attr.choice(np.array(["30", "31", "32"], dtype=object), size=n)
    qsxz[:] = np.where(r_attr.random(n) < 0.85, vil_dom[vil], alt)
    state10 = np.isin(code, ["1101", "1103", "1106", "1108", "0304", "09", "1207"])
    qsxz[state10] = "10"
    qsxz[np.isin(code, ["1001", "1003", "0602"])] = "20"
    town_p = np.isin(czc, ["201", "202"])
    u = r_attr.random(n)
    qsxz[town_p] = np.where(u[town_p] < 0.9, "20", "30")
    qsxz[town_p & np.isin(code, ["1004", "0810", "0810A", "08H1"])] = "10"
    fr = np.isin(czc, ["201A", "202A"])
    qsxz[fr] = np.where(u[fr] < 0.7, "20", "30")
    forest = np.isin(code, ["0301", "0305", "0307", "0302"])
    hx0, hy0, _hh, hs0 = hills[0]
    farm = forest & (np.hypot(xy[:, 0] - hx0, xy[:, 1] - hy0) < 0.9 * hs0)
    qsxz[farm] = "10"   # 国有林场

    # villages: codes and names
    vil_order = np.lexsort((vil_xy[:, 0], -vil_xy[:, 1], ~vil_is_community, vil_tsp))
    vil_rank = np.empty(n_vil, dtype=np.int64)
    vil_rank[vil_order] = np.arange(n_vil)
    tsp_is_town = np.arange(n_tsp) < n_towns
    tsp_suffix = []
    k_town = k_xiang = 0
    town_names = list(r_misc.permutation(_TOWN_NAMES))
    xiang_names = list(r_misc.permutation(_XIANG_NAMES))
    tsp_names = []
    for j in range(n_tsp):
        if j == 0:
            tsp_suffix.append("100")
            tsp_names.append("城关镇")
        elif tsp_is_town[j]:
            k_town += 1
            tsp_suffix.append(f"{100 + k_town:03d}")
            tsp_names.append(town_names[k_town - 1])
        else:
            k_xiang += 1
            tsp_suffix.append(f"{200 + k_xiang:03d}")
            tsp_names.append(xiang_names[k_xiang - 1])
    tsp_codes = [COUNTY_CODE + s for s in tsp_suffix]
    n_names = len(_SURNAMES) * len(_SUFFIXES) * len(_PREFIXES)
    perm = r_misc.permutation(n_names)
    vil_code = np.empty(n_vil, dtype=object)
    vil_name = np.empty(n_vil, dtype=object)
    cnt_c = np.zeros(n_tsp, dtype=int)
    cnt_v = np.zeros(n_tsp, dtype=int)
    used_names = 0
    comm_names = list(r_misc.permutation(_COMMUNITY))
    for v in vil_order:
        j = vil_tsp[v]
        if vil_is_community[v]:
            cnt_c[j] += 1
            num = cnt_c[j]
            base = comm_names[(num - 1) % len(comm_names)]
            extra = "" if num <= len(comm_names) else str((num - 1) // len(comm_names) + 1)
            vil_name[v] = f"{tsp_names[j][:2]}{base}{extra}社区"
            vil_code[v] = tsp_codes[j] + f"{num:03d}"
        else:
            cnt_v[j] += 1
            if cnt_v[j] > 799:
                raise RuntimeError("too many villages in one township")
            q = int(perm[used_names])
            used_names += 1
            pre = _PREFIXES[q % len(_PREFIXES)]
            q //= len(_PREFIXES)
            suf = _SUFFIXES[q % len(_SUFFIXES)]
            sur = _SURNAMES[q // len(_SUFFIXES)]
            vil_name[v] = f"{pre}{sur}{suf}村"
            vil_code[v] = tsp_codes[j] + f"{200 + cnt_v[j]:03d}"
        if used_names >= n_names:
            raise RuntimeError("ran out of village names")
    zl_code = vil_code[vil]
    zl_name = vil_name[vil]
    qs_code = zl_code.copy()
    qs_name = zl_name.copy()
    # 飞入地: a few collective parcels owned by a neighbouring village of the same township
    coll = np.flatnonzero(np.isin(qsxz, ["30", "31", "32"]) & (czc == ""))
    cand = np.sort(r_attr.choice(coll, size=min(len(coll), max(1, n // 30)), replace=False))
    a_, b_ = tree.query(geoms[cand], predicate="intersects")
    a_ = cand[a_]
    ok = (vil[b_] != vil[a_]) & (tsp[b_] == tsp[a_])
    a_, b_ = a_[ok], b_[ok]
    o = np.lexsort((b_, a_))
    a_, b_ = a_[o], b_[o]
    firsts = np.r_[True, a_[1:] != a_[:-1]] if len(a_) else np.zeros(0, dtype=bool)
    a_, b_ = a_[firsts], b_[firsts]
    n_fly = max(1, n // 100)
    a_, b_ = a_[:n_fly], b_[:n_fly]
    qs_code[a_] = zl_code[b_]
    qs_name[a_] = zl_name[b_]
    qs_code19 = np.array([c + "0000000" for c in qs_code], dtype=object)
    zl_code19 = np.array([c + "0000000" for c in zl_code], dtype=object)

    # order parcels: township, village, north -> south, west -> east
    order = np.lexsort((xy[:, 0], -np.round(xy[:, 1] / spacing), vil_rank[vil], tsp))
    tbbh = _group_rank([xy[order, 0], -np.round(xy[order, 1] / spacing), vil[order]])
    # _group_rank on already-sorted data keeps the order: rank within village
    bsm = np.array([f"{COUNTY_CODE}01{i + 1:010d}" for i in range(n)], dtype=object)

    # areas (TBMJ ellipsoidal, ROUND_HALF_UP) and the deduction rule
    _progress(progress, 0.62, "areas")
    tbmj = _rhu_array(tbmj_raw)
    kcmj = np.zeros(n)
    tbdlmj = tbmj.copy()
    for i in np.flatnonzero(kcxs > 0):
        kcmj[i] = rhu(tbmj[i] * kcxs[i], 2)
        tbdlmj[i] = rhu(tbmj[i] - kcmj[i], 2)

    dlmc = np.array([names_sd[c] for c in code], dtype=object)
    missing = sorted(set(code) - set(names_sd))
    if missing:  # pragma: no cover - guarded by the code lists above
        raise RuntimeError(f"codes not in the 三调 table: {missing}")

    dltb = {
        "BSM": bsm,
        "YSDM": np.full(n, YSDM_DLTB, dtype=object),
        "TBBH": np.array([str(int(t) + 1) for t in tbbh], dtype=object),
        "DLBM": code[order], "DLMC": dlmc[order], "QSXZ": qsxz[order],
        "QSDWDM": qs_code19[order], "QSDWMC": qs_name[order],
        "ZLDWDM": zl_code19[order], "ZLDWMC": zl_name[order],
        "TBMJ": tbmj[order], "KCDLBM": kcdlbm[order], "KCXS": kcxs[order],
        "KCMJ": kcmj[order], "TBDLMJ": tbdlmj[order], "GDLX": gdlx[order],
        "GDPDJB": gdpdjb[order], "ZZSXDM": zzsx[order], "CZCSXM": czc[order],
        "SJNF": np.full(n, SJNF, dtype=np.int64),
    }
    dltb_geoms = geoms[order]

    # ------------------------------------------------------------------ YJJBNT
    _progress(progress, 0.68, "permanent basic farmland")
    near_udb = np.zeros(n, dtype=bool)
    near_udb[tree.query(shapely.buffer(udb_union_abs, 1.0), predicate="intersects")] = True
    pbf_cand = (is_crop | np.isin(code, ["0201K", "0301K", "0204K"])) & ~near_udb
    quality = _to_uniform(_Noise(r_pbf, 0.02 * L, 0.08 * L)(xy)) * 0.6 + 0.4 * r_pbf.random(n)
    quality -= np.where(gdpdjb == "5", 0.3, 0.0)
    quality -= np.where(np.isin(code, ["0201K", "0301K", "0204K"]), 0.35, 0.0)
    pc = np.flatnonzero(pbf_cand)
    k_pbf = int(round(0.70 * np.count_nonzero(is_crop & ~near_udb)))
    chosen = pc[np.argsort(-quality[pc], kind="stable")[:k_pbf]]
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    chosen = np.sort(inv[chosen])  # positions in the written DLTB order
    pbf_geoms = dltb_geoms[chosen].copy()
    n_shift = int(round(0.05 * len(chosen)))
    shift_idx = np.sort(r_pbf.choice(len(chosen), size=n_shift, replace=False))
    for q, s in enumerate(shift_idx):
        g = pbf_geoms[s]
        if q % 2 == 0:
            ang, dist = r_pbf.uniform(0, 2 * math.pi), r_pbf.uniform(0.1, 0.5)
            dx, dy = dist * math.cos(ang), dist * math.sin(ang)
            g2 = shapely.transform(g, lambda c, dx=dx, dy=dy: c + [dx, dy])
        else:  # round joins: no point moves by more than |distance|
            g2 = shapely.buffer(g, float(r_pbf.choice([-0.5, -0.3, 0.3, 0.5])), quad_segs=2)
        pbf_geoms[s] = g2
    if n_shift:  # only the moved ones need snapping; the others stay identical to DLTB
        pbf_geoms[shift_idx] = _as_multi(_grid(pbf_geoms[shift_idx]))
    pbf_zl = dltb["ZLDWDM"][chosen]
    pbf_rank = _group_rank([np.arange(len(chosen)), pbf_zl.astype(str)])
    yjjbnt = {
        "BSM": np.array([f"{COUNTY_CODE}03{i + 1:010d}" for i in range(len(chosen))], dtype=object),
        "YJJBNTTBBH": np.array([z[:12] + f"{r + 1:04d}" for z, r in zip(pbf_zl, pbf_rank)],
                               dtype=object),
        "TBBH": dltb["TBBH"][chosen], "DLBM": dltb["DLBM"][chosen], "DLMC": dltb["DLMC"][chosen],
        "QSXZ": dltb["QSXZ"][chosen], "ZLDWDM": pbf_zl,
        "YJJBNTTBMJ": dltb["TBMJ"][chosen], "KCMJ": dltb["KCMJ"][chosen],
        "YJJBNTMJ": dltb["TBDLMJ"][chosen],
    }

    # ------------------------------------------------------------------ GHYD
    _progress(progress, 0.74, "planned land use")
    m_plan = int(round(float(plan_ratio) * n))
    ppts = _lloyd_points(r_plan, m_plan, outline, lay.bounds)
    plan_geoms = _tile(ppts, outline, lay.bounds)
    ppt_abs = _to_abs(shapely.points(ppts))
    # the parcel under each plan point: the Voronoi cell of the nearest parcel generator
    # (exact up to the 1 mm snapping of the parcel edges)
    base = _nearest_index(xy, ppts)
    base_code = code[base]
    ghdl = np.empty(m_plan, dtype=object)
    for c_ in sorted(set(base_code)):
        m = np.flatnonzero(base_code == c_)
        ghdl[m] = _choose(r_plan, _PLAN_MAP[c_], len(m))
    for g_ in (conc_abs, special_abs, udb_union_abs):
        shapely.prepare(g_)
    in_conc = shapely.contains_xy(conc_abs, shapely.get_x(ppt_abs), shapely.get_y(ppt_abs))
    in_special = shapely.contains_xy(special_abs, shapely.get_x(ppt_abs), shapely.get_y(ppt_abs))
    in_udb = shapely.contains_xy(udb_union_abs, shapely.get_x(ppt_abs), shapely.get_y(ppt_abs))
    lvl1 = np.array([c[:2] for c in ghdl], dtype=object)
    open_land = np.isin(lvl1, ["01", "02", "03", "04", "23"]) | np.isin(ghdl, ["060101", "060102",
                                                                                "060201", "060202"])
    grow_u = _to_uniform(_Noise(r_plan, 0.01 * L, 0.04 * L)(ppts))
    grow = in_conc & open_land & (grow_u < 0.75)
    gi = np.flatnonzero(grow)
    pick = _patchy_choice(ppts[gi], [w for _, w in _URBAN_GROWTH], r_plan, 0.005 * L, 0.02 * L)
    ghdl[gi] = np.array([c for c, _ in _URBAN_GROWTH], dtype=object)[pick]
    green = in_special & open_land & (grow_u < 0.5)
    ghdl[green] = np.where(r_plan.random(np.count_nonzero(green)) < 0.6, "1401", "1402")
    lvl1 = np.array([c[:2] for c in ghdl], dtype=object)
    built = np.isin(lvl1, ["07", "08", "09", "10", "11", "12", "13", "14", "15", "16"])
    not_czc = np.array([c.startswith(_NOT_CZC) for c in ghdl])
    base_cz = czc[base]
    czcslx = np.full(m_plan, "", dtype=object)
    town_like = in_udb | np.isin(base_cz, ["201", "202", "201A", "202A"])
    village_like = np.isin(base_cz, ["203", "203A"]) | np.array(
        [c.startswith(("0703", "0704")) for c in ghdl])
    czcslx[built & ~not_czc & village_like & ~town_like] = "村庄"
    czcslx[built & ~not_czc & town_like] = "城镇"
    missing = sorted(set(ghdl) - set(names_yd))
    if missing:  # pragma: no cover
        raise RuntimeError(f"plan codes not in the 用地用海 2023 table: {missing}")
    porder = np.lexsort((ppts[:, 0], -np.round(ppts[:, 1] / spacing)))
    ghyd = {
        "BSM": np.array([f"{COUNTY_CODE}02{i + 1:010d}" for i in range(m_plan)], dtype=object),
        "GHDLBM": ghdl[porder],
        "GHDLMC": np.array([names_yd[c] for c in ghdl[porder]], dtype=object),
        "CZCSLX": czcslx[porder],
    }
    plan_geoms = plan_geoms[porder]

    # ------------------------------------------------------------------ STBHHX, CZKFBJ, XZQ
    _progress(progress, 0.80, "control-line and township attributes")
    eprl_mj = _rhu_array(ellipsoidal_area_m2(eprl_geoms))
    stbhhx = {
        "BSM": np.array([f"{COUNTY_CODE}04{i + 1:010d}" for i in range(len(eprl))], dtype=object),
        "HXBM": np.array([f"{COUNTY_CODE}STHX{i + 1:03d}" for i in range(len(eprl))], dtype=object),
        "HXMC": np.array([e[1] for e in eprl], dtype=object),
        "HXLX": np.array([e[2] for e in eprl], dtype=object),
        "ZRBHDMC": np.array([e[3] for e in eprl], dtype=object),
        "ZRBHDFQ": np.array([e[4] for e in eprl], dtype=object),
        "MJ": eprl_mj,
    }
    udb_mj = _rhu_array(ellipsoidal_area_m2(udb_geoms))
    czkfbj = {
        "BSM": np.array([f"{COUNTY_CODE}05{i + 1:010d}" for i in range(len(udb_feats))], dtype=object),
        "CZMC": np.array([tsp_names[f[1]] for f in udb_feats], dtype=object),
        "GHFQDM": np.array([GHFQ_CODES[f[2]] for f in udb_feats], dtype=object),
        "GHFQMC": np.array([f[2] for f in udb_feats], dtype=object),
        "MJ": udb_mj,
    }
    xzq_geoms = np.empty(n_tsp, dtype=object)
    dcmj = np.zeros(n_tsp)
    tsp_sorted = tsp[order]
    for j in range(n_tsp):
        m = tsp_sorted == j
        g = shapely.coverage_union_all(dltb_geoms[m])
        if not shapely.is_valid(g):  # pragma: no cover - fall back to a full union
            g = shapely.union_all(dltb_geoms[m], grid_size=GRID)
        xzq_geoms[j] = g
        dcmj[j] = float(sum((Decimal(repr(float(v))) for v in dltb["TBMJ"][m]), Decimal(0)))
    xzq_geoms = _as_multi(_grid(xzq_geoms))
    xorder = np.argsort(np.array(tsp_codes), kind="stable")
    xzq = {
        "XZQDM": np.array(tsp_codes, dtype=object)[xorder],
        "XZQMC": np.array(tsp_names, dtype=object)[xorder],
        "DCMJ": dcmj[xorder],
    }
    xzq_geoms = xzq_geoms[xorder]

    # ------------------------------------------------------------------ write
    _progress(progress, 0.85, "writing")
    layers = {
        "XZQ": (xzq, xzq_geoms),
        "DLTB": (dltb, dltb_geoms),
        "GHYD": (ghyd, plan_geoms),
        "YJJBNT": (yjjbnt, pbf_geoms),
        "STBHHX": (stbhhx, eprl_geoms),
        "CZKFBJ": (czkfbj, udb_geoms),
    }
    meta = {
        "GUOTUKIT_SAMPLE": "synthetic county, generated by tools/sample_county.py — not real data",
        "GUOTUKIT_SAMPLE_SEED": str(int(seed)),
        "GUOTUKIT_SAMPLE_PARCELS": str(n),
        "GUOTUKIT_SAMPLE_KCXS": "synthetic example 田坎系数 table, not official values",
        "GUOTUKIT_SAMPLE_GHFQDM": "assumed codes 010/020/030 (unverified)",
    }
    _write_gpkg(Path(path), layers, meta)

    # ------------------------------------------------------------------ report
    shares = {}
    groups = {
        "cropland": CROPLAND,
        "plantation": ("0201", "0201K", "0202", "0204", "0204K"),
        "forest": ("0301", "0301K", "0302", "0305", "0307", "0307K"),
        "grass": ("0401", "0403", "0403K", "0404"),
        "built_up": ("0701", "0702", "05H1", "0508", "0601", "0602", "08H1", "08H2", "08H2A",
                     "0809", "0810", "0810A", "09", "1004", "1005", "1201"),
        "transport": ("1001", "1003", "1006"),
        "water": ("1101", "1103", "1104", "1104A", "1104K", "1107"),
        "wetland_other": ("0304", "1106", "1108", "1202", "1204", "1205", "1206", "1207"),
    }
    tot = float(tbmj.sum())
    for gname, codes in groups.items():
        shares[gname] = round(float(tbmj[np.isin(code, codes)].sum()) / tot, 4)
    v_eprl = [_num_vertices(g) for g in eprl_geoms]
    v_udb = [_num_vertices(g) for g in udb_geoms]
    result = {
        "path": str(path),
        "layers": {k: int(len(v[1])) for k, v in layers.items()},
        "stbhhx_max_vertices": int(max(v_eprl)),
        "stbhhx_vertex_target": eprl_target,
        "czkfbj_max_vertices": int(max(v_udb)),
        "czkfbj_min_vertices": int(min(v_udb)),
        "czkfbj_vertex_target": udb_target,
        "county_area_m2": rhu(tot, 2),
        "land_use_shares": shares,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    _progress(progress, 1.0, "done")
    return result


# ----------------------------------------------------------------------------------
# GeoPackage writer (GDAL/OGR)
# ----------------------------------------------------------------------------------
def _write_gpkg(path: Path, layers: Dict[str, tuple], meta: Dict[str, str], order: Sequence[str] = LAYER_ORDER) -> None:
    from osgeo import gdal, ogr, osr

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.gpkg")
    old_date = gdal.GetConfigOption("OGR_CURRENT_DATE")
    gdal.SetConfigOption("OGR_CURRENT_DATE", "2023-11-01T00:00:00.000Z")  # reproducible file
    # metadata goes into the GeoPackage itself: no .aux.xml sidecar (GDAL ≥ 3.8 writes one otherwise)
    old_pam = gdal.GetConfigOption("GDAL_PAM_ENABLED")
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    use_exc = ogr.GetUseExceptions()
    ogr.UseExceptions()
    try:
        if tmp.exists():
            tmp.unlink()
        drv = ogr.GetDriverByName("GPKG")
        ds = drv.CreateDataSource(str(tmp))
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(EPSG)
        for lname in order:
            attrs, geoms = layers[lname]
            fields = LAYER_FIELDS[lname]
            lyr = ds.CreateLayer(lname, srs, ogr.wkbMultiPolygon,
                                 ["SPATIAL_INDEX=YES", "GEOMETRY_NAME=geom", "FID=fid",
                                  f"DESCRIPTION={LAYER_DESCRIPTIONS[lname]}"])
            for fname, ftype, width in fields:
                if ftype == "str":
                    fd = ogr.FieldDefn(fname, ogr.OFTString)
                    fd.SetWidth(width)
                elif ftype == "int":
                    fd = ogr.FieldDefn(fname, ogr.OFTInteger)
                    fd.SetWidth(width)
                else:
                    fd = ogr.FieldDefn(fname, ogr.OFTReal)
                    fd.SetWidth(width)
                    fd.SetPrecision(2 if fname != "KCXS" else 4)
                lyr.CreateField(fd)
            defn = lyr.GetLayerDefn()
            cols = []
            for fi, (fname, ftype, _w) in enumerate(fields):
                vals = attrs[fname]
                if ftype == "str":
                    cols.append((fi, 0, [str(v) for v in vals]))
                elif ftype == "int":
                    cols.append((fi, 1, [int(v) for v in vals]))
                else:
                    cols.append((fi, 2, [float(v) for v in vals]))
            wkbs = shapely.to_wkb(geoms, output_dimension=2, byte_order=1)
            ds.StartTransaction()
            for r in range(len(geoms)):
                f = ogr.Feature(defn)
                for fi, kind, vals in cols:
                    if kind == 0:
                        f.SetFieldString(fi, vals[r])
                    elif kind == 1:
                        f.SetFieldInteger64(fi, vals[r])
                    else:
                        f.SetField(fi, vals[r])
                f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkbs[r]))
                lyr.CreateFeature(f)
            ds.CommitTransaction()
        for k, v in meta.items():
            ds.SetMetadataItem(k, v)
        ds.FlushCache()
        ds = None
        ds = ogr.Open(str(tmp), update=1)
        ds.ExecuteSQL("VACUUM")
        ds = None
        os.replace(tmp, path)
    finally:
        gdal.SetConfigOption("OGR_CURRENT_DATE", old_date)
        gdal.SetConfigOption("GDAL_PAM_ENABLED", old_pam)
        if not use_exc:
            ogr.DontUseExceptions()
        for p in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            if p.exists():
                try:
                    p.unlink()
                except OSError:  # pragma: no cover
                    pass


# ----------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.sample_county",
        description="Write a deterministic synthetic county GeoPackage (EPSG:4527).")
    ap.add_argument("output", help="output .gpkg (overwritten)")
    ap.add_argument("--parcels", type=int, default=3000, help="number of DLTB parcels (default 3000)")
    ap.add_argument("--seed", type=int, default=20231101, help="random seed (default 20231101)")
    ap.add_argument("--quiet", action="store_true", help="no progress messages")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()

    def prog(frac, msg):
        if not args.quiet:
            print(f"  {time.perf_counter() - t0:7.1f} s {frac * 100:5.0f}%  {msg}",
                  file=sys.stderr, flush=True)

    res = generate_county(args.output, n_parcels=args.parcels, seed=args.seed, progress=prog)
    size = os.path.getsize(res["path"])
    print(f"wrote {res['path']} ({size / 1e6:.2f} MB) in {res['seconds']:.1f} s, "
          f"EPSG:{EPSG}, seed {args.seed}")
    for k, v in res["layers"].items():
        print(f"  {k:7s} {v:8d} features")
    print(f"  STBHHX largest polygon: {res['stbhhx_max_vertices']} vertices "
          f"(target >= {res['stbhhx_vertex_target']})")
    print(f"  CZKFBJ polygons: {res['czkfbj_min_vertices']}..{res['czkfbj_max_vertices']} "
          f"vertices (target >= {res['czkfbj_vertex_target']})")
    print(f"  county area {res['county_area_m2'] / 1e6:.2f} km² (Σ TBMJ); land-use shares: "
          + ", ".join(f"{k} {v * 100:.1f}%" for k, v in res["land_use_shares"].items()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
