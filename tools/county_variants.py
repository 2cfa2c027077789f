"""A family of synthetic counties for benchmarking the 资产包 engine on counties it was not tuned on.

Everything here is **synthetic** (land use, plan, control lines, prices, names, codes), generated
deterministically from ``(variant, seed, n_parcels)``. ``tools/sample_county.py`` makes one kind of
county; this module makes counties with different parcel shapes, plans and economics, written with
the same layer names and fields (``sample_county.LAYER_FIELDS`` / ``_write_gpkg``), plus a finance
table beside each GeoPackage.

Usage::

    python -m tools.county_variants OUTDIR --variants all --seeds 1,2,3 --parcels 20000

or ``generate_variant(path, "strips", seed=2, n_parcels=20000)`` from Python.

Variants (``VARIANTS``):

``voronoi``      equal-size Voronoi parcels (~0.45 ha; 20 000 parcels ≈ 90 km²); plan on another
                 Voronoi tessellation of ~N/3 cells.
``strips``       long narrow strips perpendicular to meandering roads, rivers and canals (rows of
                 strips along offset curves of the lines), the lines themselves as band parcels,
                 blocky parcels in the towns; plan on a Voronoi tessellation.
``grid``         jittered rectangular blocks split into lots (long field lots in the country,
                 block lots in towns, big lots in the hills); plan on a coarser grid offset from it.
``mixed``        parcel sizes 0.05–20 ha, log-uniform in number (Voronoi cells of points whose
                 density follows a smooth field: small in towns and along lines, big in the hills).
``plan_little``  Voronoi parcels; the plan changes the use of only ~5–10 % of the land, around towns.
``plan_much``    mixed parcel sizes 0.1–8 ha; the plan changes ~50–70 % (new towns, industrial parks).

The other variants change ~17–28 % of the land. DLTB has ``n_parcels`` parcels exactly for the
Voronoi shapes and within ~1.5 % for strips and grid (their linework is calibrated, not counted).

How the pieces fit (all layers EPSG:4527, MultiPolygon, valid, coordinates on the 0.001 m grid):

* DLTB is the polygonisation of a linework (Voronoi edges, strip rows, lattice lines, the county
  outline): noded by GEOS, snapped pointwise to the grid and noded again until nothing moves, then
  polygonised. Neighbouring parcels therefore share identical vertex sequences; slivers below 30 m²
  are merged into the neighbour with the longest shared edge (coverage union keeps the vertices).
* GHYD is the polygonisation of the plan cells (Voronoi / coarse grid, ~N/3 polygons in all)
  *together with* the borders of the plan groups: parcels that keep their use are grouped by their
  一级类 (用地用海2023; by 二级类 for 07, 10 and 12, which the finance table prices only per 二级类),
  changed land by development zone (one per town or park), 复垦 and 退耕还林 land on their own. A
  plan face so never straddles land that keeps its use and land that changes, and the engine's
  majority join of the plan onto the parcels changes exactly the land the generator meant to
  change. A group piece smaller than 1.5 cells is not cut by cell edges. A kept face carries its
  parcels' common code (refined to a child code now and then, e.g. 0701→070102, which is no change
  of use), or the group's code when its parcels differ; a development face carries a planned use
  chosen by area quotas: public (08, 0702, 12, 13, 14) vs profitable (07, 09, 10, 11, 16), the
  public share of the changed construction land following the seed (~20 / 40 / 55 %).
* The finance table (``<stem>_finance.csv``) is the example table (plus a few 二级/三级类 rows)
  with per-(variant, seed) perturbed prices, scaled by one "economic climate" parameter λ ∈ [0, 1]
  (cost of the land taken up, revenue of housing/commerce, industry and 留白) chosen by bisection
  so that the share of the changed land whose own balance is negative (cost > revenue, priced as
  the engine prices it: ``core.finance`` lookups, ``use_changed`` on the crosswalked current code
  and the majority plan code) is near the seed's target: 20 % (seed 1), 40 % (2), 60 % (3); other
  seeds cycle through the three. ``costly_changed_share`` reports the value reached.
* YJJBNT: one feature per chosen cropland parcel (~27–55 % of the cropland parcels, away from towns
  and the red line; chosen before the plan, which leaves them alone), identical to the parcel
  except ~3 % moved by 0.1–0.45 m.
* STBHHX: a star-shaped polygon over each forested hill and one around the reservoir unless a
  hill's already covers it (1–4 in all, ~10–15 % of the county).
* CZKFBJ: one 城镇集中建设区 per town / park around its built and planned land.
* XZQ: townships as unions of their parcels; villages (QSDWDM/ZLDWDM, 19 characters) are
  k-means regions of ~110 parcels inside one township.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import shapely

if __package__ in (None, ""):  # run as a plain script: make ``core`` and ``tools`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:  # inside the plugin package (guotukit.tools -> guotukit.core)
    from ..core.finance import FinanceTable, use_changed
    from ..core.registry import get_registry
    from ..core.rounding import rhu
    from . import sample_county as sc
except (ImportError, ValueError):  # repository root on sys.path
    from core.finance import FinanceTable, use_changed
    from core.registry import get_registry
    from core.rounding import rhu
    from tools import sample_county as sc

__all__ = ["VARIANTS", "generate_variant", "costly_target", "main"]

EPSG = sc.EPSG
CENTER = np.array(sc.CENTER, dtype=np.float64)
GRID = sc.GRID
LAYER_FIELDS = sc.LAYER_FIELDS
LAYER_ORDER = sc.LAYER_ORDER
MIN_FACE_M2 = 30.0  # slivers below this are merged into a neighbour
SJNF = sc.SJNF

VARIANTS: Dict[str, str] = {
    "voronoi": "等大泰森多边形图斑（约0.45公顷），规划为另一套约N/3的泰森多边形 / equal-size Voronoi parcels "
               "(~0.45 ha), plan on another Voronoi tessellation (~N/3 cells)",
    "strips": "沿弯曲道路、河流、沟渠的垂直长条形图斑，城镇为块状图斑 / narrow strips perpendicular to meandering "
              "roads, rivers and canals, blocky parcels in towns; plan on a Voronoi tessellation",
    "grid": "抖动矩形街区与田块格网，规划为更粗的错位格网 / jittered rectangular blocks and lots; plan on a coarser "
            "grid offset from the parcel grid",
    "mixed": "图斑面积0.05–20公顷（个数按对数均匀）混合 / parcel sizes 0.05–20 ha, log-uniform in number "
             "(Voronoi with strongly varying density); plan on another tessellation",
    "plan_little": "规划仅改变约5–10%的土地（城镇周边） / the plan changes only ~5–10 % of the land, mostly around towns",
    "plan_much": "规划改变约50–70%的土地（新城、产业园区） / the plan changes ~50–70 % of the land (new towns, "
                 "industrial parks); mixed parcel sizes 0.1–8 ha",
}

_SPECS: Dict[str, dict] = {
    "voronoi": dict(shape="voronoi", mean_ha=0.45, change=(0.17, 0.28)),
    "strips": dict(shape="strips", mean_ha=0.45, change=(0.17, 0.28)),
    "grid": dict(shape="grid", mean_ha=0.6, change=(0.17, 0.28), plan="grid"),
    "mixed": dict(shape="mixed", sizes=(0.05, 20.0), change=(0.17, 0.28)),
    "plan_little": dict(shape="voronoi", mean_ha=0.45, change=(0.06, 0.09)),
    "plan_much": dict(shape="mixed", sizes=(0.1, 8.0), change=(0.52, 0.60), forest=(0.11, 0.13),
                      pbf=(0.27, 0.30), much=True),
}
_VARIANT_INDEX = {name: i for i, name in enumerate(VARIANTS)}

ProgressFn = Optional[Callable[[float, str], None]]


def costly_target(seed: int) -> float:
    """Target share of the changed land whose own balance is negative: 20 / 40 / 60 % for seeds
    1 / 2 / 3, cycling for other seeds."""
    return 0.2 + 0.2 * ((int(seed) - 1) % 3)


def _mean_ha(spec: dict) -> float:
    if "sizes" in spec:
        lo, hi = spec["sizes"]
        return (hi - lo) / math.log(hi / lo)  # mean of a size field uniform by area (log-uniform count)
    return float(spec["mean_ha"])


# ----------------------------------------------------------------------------------
# geometry helpers
# ----------------------------------------------------------------------------------
def _abs(geoms):
    return shapely.transform(geoms, lambda c: c + CENTER)


def _node_snapped(lines) -> shapely.Geometry:
    """Node the lines, snap pointwise to the grid and node again until no node is off the grid.

    Two lines crossing at a very flat angle can make the crossing creep along them by a grid step
    per round; after a few rounds the short pieces still ending off the grid are dropped (polygonize
    then merges the two faces they separated; a dangling rest is ignored by polygonize)."""
    parts = shapely.get_parts(np.asarray(lines, dtype=object))
    parts = parts[~shapely.is_empty(parts)]
    nd = shapely.node(shapely.multilinestrings(parts))
    for it in range(40):
        p = shapely.get_parts(nd)
        if it >= 3:
            c, ix = shapely.get_coordinates(p, return_index=True)
            off = np.any(c != np.round(c / GRID) * GRID, axis=1)
            p = np.delete(p, np.unique(ix[off]))
        p = shapely.remove_repeated_points(shapely.set_precision(p, GRID, mode="pointwise"))
        p = p[(shapely.get_num_coordinates(p) >= 2) & (shapely.length(p) > 0)]
        nd = shapely.node(shapely.multilinestrings(p))
        c = shapely.get_coordinates(nd)
        if np.array_equal(c, np.round(c / GRID) * GRID):
            return nd
    raise RuntimeError("the linework did not settle on the 0.001 m grid")  # pragma: no cover


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return connected_components(m, directed=False)[1]


def _union_groups(geoms: np.ndarray, labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Coverage union of the geometries per label; returns (geoms, label) ordered by first member."""
    labels = np.asarray(labels)
    uniq, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    out = np.empty(len(uniq), dtype=object)
    counts = np.bincount(inv, minlength=len(uniq))
    single = counts == 1
    out[single] = geoms[first[single]]
    members = np.argsort(inv, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    for k in np.flatnonzero(~single):
        idx = members[starts[k]:starts[k] + counts[k]]
        g = shapely.coverage_union_all(geoms[idx])
        if not shapely.is_valid(g):  # pragma: no cover - the faces form an exact coverage
            g = shapely.union_all(geoms[idx], grid_size=GRID)
        out[k] = g
    return out[order], uniq[order]


def _shared_length(geoms: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    bnd = shapely.boundary(geoms)
    return shapely.length(shapely.intersection(bnd[a], bnd[b]))


def _merge_small(faces: np.ndarray, min_area: float) -> np.ndarray:
    """Merge faces smaller than ``min_area`` into the neighbour with the longest shared edge."""
    for _ in range(3):
        area = shapely.area(faces)
        small = np.flatnonzero(area < min_area)
        if len(small) == 0 or len(faces) < 2:
            return faces
        tree = shapely.STRtree(faces)
        a, b = tree.query(faces[small], predicate="intersects")
        a = small[a]
        keep = a != b
        a, b = a[keep], b[keep]
        if len(a) == 0:
            return faces
        ln = _shared_length(faces, a, b)
        ok = ln > 0
        a, b, ln = a[ok], b[ok], ln[ok]
        # best neighbour: longest shared edge, a big neighbour before a small one
        big = area[b] >= min_area
        o = np.lexsort((b, -ln, ~big, a))
        a, b = a[o], b[o]
        firsts = np.r_[True, a[1:] != a[:-1]] if len(a) else np.zeros(0, bool)
        lab = _components(len(faces), a[firsts], b[firsts])
        faces, _ = _union_groups(faces, lab)
    return faces


def _faces(lines_abs, outline_abs, min_area: float = MIN_FACE_M2) -> np.ndarray:
    """Polygons of the noded linework inside the outline (the outline ring is added)."""
    lines = np.concatenate([shapely.get_parts(np.asarray(lines_abs, dtype=object)),
                            shapely.get_parts(shapely.boundary(outline_abs))])
    nd = _node_snapped(lines)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(nd)))
    rp = shapely.point_on_surface(faces)
    inside = shapely.contains_xy(outline_abs, shapely.get_x(rp), shapely.get_y(rp))
    faces = faces[inside]
    faces = _merge_small(faces, min_area)
    bad = ~shapely.is_valid(faces)
    if bad.any():  # pragma: no cover - polygonised grid linework is valid
        faces[bad] = shapely.make_valid(faces[bad])
    return faces


def _overlaps(a: np.ndarray, b: np.ndarray, min_area: float = 0.0):
    """(ia, ib, area) of every pair of a and b polygons whose intersection has area > min_area."""
    tree = shapely.STRtree(b)
    ia, ib = tree.query(a, predicate="intersects")
    ar = np.empty(len(ia))
    step = 100000
    for s in range(0, len(ia), step):
        ar[s:s + step] = shapely.area(shapely.intersection(a[ia[s:s + step]], b[ib[s:s + step]]))
    keep = ar > min_area
    return ia[keep], ib[keep], ar[keep]


def _majority(ia: np.ndarray, ib: np.ndarray, ar: np.ndarray, n: int) -> np.ndarray:
    """For each a (0..n-1), the b with the largest overlap (-1 if none)."""
    o = np.lexsort((ib, -ar, ia))
    ia, ib = ia[o], ib[o]
    first = np.r_[True, ia[1:] != ia[:-1]] if len(ia) else np.zeros(0, bool)
    out = np.full(n, -1, dtype=np.int64)
    out[ia[first]] = ib[first]
    return out


def _kmeans(xy: np.ndarray, cent: np.ndarray, iters: int, fixed: int = 0,
            weights: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    cent = cent.copy()
    w = np.ones(len(xy)) if weights is None else weights
    for _ in range(iters):
        lab = cKDTree(cent).query(xy)[1]
        sw = np.bincount(lab, weights=w, minlength=len(cent))
        sx = np.bincount(lab, weights=w * xy[:, 0], minlength=len(cent))
        sy = np.bincount(lab, weights=w * xy[:, 1], minlength=len(cent))
        upd = sw > 0
        upd[:fixed] = False
        cent[upd, 0] = sx[upd] / sw[upd]
        cent[upd, 1] = sy[upd] / sw[upd]
    return cKDTree(cent).query(xy)[1], cent


# ----------------------------------------------------------------------------------
# layout: outline, hills, towns, lines
# ----------------------------------------------------------------------------------
class _Layout:
    pass


def _pick_site(rng, lay, ok, score=None, n_cand: int = 1000) -> np.ndarray:
    cand = None
    for relax in (1.0, 0.75, 0.5, 0.25, 0.0):
        cand = sc._sample_inside(rng, lay.outline, n_cand, lay.bounds)
        good = ok(cand, relax)
        if good.any():
            c = cand[good]
            return c[int(np.argmin(score(c)))] if score is not None else c[0]
    return cand[0]


def _layout(rng, spec: dict, n: int) -> _Layout:
    lay = _Layout()
    A = n * _mean_ha(spec) * 1e4
    L = math.sqrt(A)
    lay.area, lay.L = A, L
    # outline: star-shaped, aspect 1.1-1.5, low-frequency wobble, random rotation
    n_out = 720 if n < 50000 else 1440
    th = np.arange(n_out) * (2 * math.pi / n_out)
    r = np.ones(n_out)
    for k in range(2, 8):
        r += rng.uniform(0.01, 0.05) / math.sqrt(k) * np.cos(k * th + rng.random() * 2 * math.pi)
    for k in range(9, 25):
        r += rng.uniform(0.0, 0.006) * np.cos(k * th + rng.random() * 2 * math.pi)
    asp = rng.uniform(1.1, 1.5)
    rot = rng.random() * math.pi
    x, y = math.sqrt(asp) * r * np.cos(th), r * np.sin(th) / math.sqrt(asp)
    ring = np.column_stack([x * math.cos(rot) - y * math.sin(rot), x * math.sin(rot) + y * math.cos(rot)])
    ring *= math.sqrt(A / shapely.area(shapely.Polygon(ring)))
    outline = shapely.Polygon(np.vstack([ring, ring[:1]]))
    shapely.prepare(outline)
    lay.outline = outline
    lay.bounds = outline.bounds
    edge = sc._LineDistance(outline.exterior)
    lay.edge = edge

    # hills (forest)
    n_h = int(rng.integers(1, 4))
    lay.forest_share = rng.uniform(*spec.get("forest", (0.17, 0.23)))
    wts = rng.dirichlet(np.full(n_h, 4.0))
    hills: List[Tuple[float, float, float, float]] = []
    for i in range(n_h):
        sigma = math.sqrt(wts[i] * lay.forest_share * A / 6.0)

        def ok(c, relax, sigma=sigma):
            good = edge(c) > (0.5 + 0.8 * relax) * sigma
            for (hx, hy, _h, hs) in hills:
                good &= np.hypot(c[:, 0] - hx, c[:, 1] - hy) > (1.0 + 1.5 * relax) * (sigma + hs)
            return good
        hx, hy = _pick_site(rng, lay, ok)
        hills.append((float(hx), float(hy), 1.0 if i == 0 else float(rng.uniform(0.75, 0.9)), sigma))
    lay.hills = hills
    terrain = sc._Noise(rng, 0.05 * L, 0.35 * L)

    def hill_part(c):
        c = np.atleast_2d(c)
        e = np.zeros(len(c))
        for (hx, hy, h, s) in hills:
            e += h * np.exp(-((c[:, 0] - hx) ** 2 + (c[:, 1] - hy) ** 2) / (2 * s * s))
        return e

    lay.hill_part = hill_part
    lay.elevation = lambda c: hill_part(c) + 0.1 * terrain(np.atleast_2d(c))

    # towns: county seat (nearest the middle) and 1-4 others; core built-up 5-7.5 % of the county
    n_towns = 2 if n < 6000 else int(rng.integers(3, 6))
    core = rng.uniform(0.05, 0.075)
    sh = rng.uniform(0.6, 1.4, n_towns - 1)
    shares = np.concatenate([[0.4], 0.6 * sh / sh.sum()]) * core
    towns: List[dict] = []
    for i in range(n_towns):
        R = math.sqrt(shares[i] * A / math.pi)

        def ok(c, relax, R=R):
            good = (edge(c) > (1.2 + 0.8 * relax) * R) & (hill_part(c) < 0.08 + 0.5 * (1 - relax))
            for (hx, hy, _h, hs) in hills:
                good &= np.hypot(c[:, 0] - hx, c[:, 1] - hy) > (0.8 + 0.8 * relax) * hs + R
            for t in towns:
                good &= np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) > (1.8 + 1.7 * relax) * (R + t["R"])
            return good
        score = (lambda c: np.hypot(c[:, 0], c[:, 1])) if i == 0 else None
        tx, ty = _pick_site(rng, lay, ok, score)
        towns.append({"x": float(tx), "y": float(ty), "R": R})
    lay.towns = towns

    # rivers: a main river through the lowlands (+ a second one in big counties)
    bx = lay.bounds
    span = 1.3 * max(bx[2] - bx[0], bx[3] - bx[1])
    rivers = []
    for _r in range(1 if L < 14000 else 2):
        best = None
        for _ in range(10):
            ang = rng.random() * math.pi
            off = rng.uniform(-0.3, 0.3) * L
            nrm = np.array([-math.sin(ang), math.cos(ang)])
            d = np.array([math.cos(ang), math.sin(ang)])
            line = sc._meander(rng, nrm * off - d * span / 2, nrm * off + d * span / 2, 300, 0.06 * L, L)
            inside = line[shapely.contains_xy(outline, line[:, 0], line[:, 1])]
            if len(inside) < 30:
                continue
            cost = float(hill_part(inside).max())
            for t in towns:
                dt = np.hypot(inside[:, 0] - t["x"], inside[:, 1] - t["y"]).min()
                cost += 0.5 * max(0.0, 1.1 * t["R"] - dt) / t["R"]
            for rv in rivers:
                cost += 0.5 * float(np.exp(-shapely.distance(shapely.LineString(inside), rv) / (0.1 * L)))
            if best is None or cost < best[0]:
                best = (cost, line)
        rivers.append(shapely.LineString(best[1]))
    lay.rivers = rivers
    # roads: county seat to every town and one through route
    seat = towns[0]
    roads = []
    for t in towns[1:]:
        roads.append(shapely.LineString(sc._meander(rng, (seat["x"], seat["y"]), (t["x"], t["y"]), 100, 0.03 * L, L)))
    ang = rng.random() * math.pi
    d = np.array([math.cos(ang), math.sin(ang)])
    c0 = np.array([seat["x"], seat["y"]])
    roads.append(shapely.LineString(sc._meander(rng, c0 - d * span, c0 + d * span, 300, 0.04 * L, L)))
    lay.roads = roads
    # reservoir on the main hill's flank
    hx, hy, _h, hs = hills[0]
    a = rng.random() * 2 * math.pi
    lay.reservoir = (hx + 0.6 * hs * math.cos(a), hy + 0.6 * hs * math.sin(a), math.sqrt(0.005 * A / math.pi))

    def ok_sp(c, relax):
        good = hill_part(c) < 0.3 + 0.7 * (1 - relax)
        for t in towns:
            good &= np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) > (1.5 + 1.0 * relax) * t["R"]
        return good
    lay.special = tuple(_pick_site(rng, lay, ok_sp))
    # canals and farm lanes (the strips variant lines them with strips)
    lay.canals = []
    if spec["shape"] == "strips":
        for _k in range(max(2, int(round(L / 1800.0)))):
            p = sc._sample_inside(rng, outline, 1, lay.bounds)[0]
            ang = rng.random() * math.pi
            d = np.array([math.cos(ang), math.sin(ang)])
            lay.canals.append(shapely.LineString(sc._meander(rng, p - d * span, p + d * span, 300, 0.03 * L, L)))
    return lay


def _town_dist(lay, xy: np.ndarray, noise: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    dn = np.full(len(xy), np.inf)
    town_of = np.full(len(xy), -1)
    for i, t in enumerate(lay.towns):
        d = np.hypot(xy[:, 0] - t["x"], xy[:, 1] - t["y"]) / t["R"]
        if noise is not None:
            d = d * (1 + 0.12 * noise)
        better = d < dn
        dn[better] = d[better]
        town_of[better] = i
    return dn, town_of


# ----------------------------------------------------------------------------------
# parcel tessellations (each returns faces in EPSG:4527 on the grid)
# ----------------------------------------------------------------------------------
class _NearestLine:
    """Distance to, and index of, the nearest of several lines (one STRtree of all segments)."""

    def __init__(self, lines):
        segs, owner = [], []
        for k, ln in enumerate(lines):
            for part in shapely.get_parts(ln):
                c = shapely.get_coordinates(part)
                segs.append(np.stack([c[:-1], c[1:]], axis=1))
                owner.append(np.full(len(c) - 1, k))
        self.segments = shapely.linestrings(np.concatenate(segs))
        self.owner = np.concatenate(owner)
        self.tree = shapely.STRtree(self.segments)

    def __call__(self, xy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        (ip, iseg), dist = self.tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
        d = np.full(len(xy), np.inf)
        k = np.full(len(xy), -1, dtype=np.int64)
        d[ip] = dist
        k[ip] = self.owner[iseg]
        return d, k


def _ring_points(rings: np.ndarray, idx: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``line_interpolate_point`` for many points on a few long rings (numpy, per ring)."""
    out = np.empty((len(pos), 2))
    for k in np.unique(idx):
        sel = np.flatnonzero(idx == k)
        c = shapely.get_coordinates(rings[k])
        seg = np.hypot(*(c[1:] - c[:-1]).T)
        cum = np.r_[0.0, np.cumsum(seg)]
        p = np.clip(pos[sel], 0.0, cum[-1])
        i = np.clip(np.searchsorted(cum, p, side="right") - 1, 0, len(seg) - 1)
        f = (p - cum[i]) / np.where(seg[i] > 0, seg[i], 1.0)
        out[sel] = c[i] + f[:, None] * (c[i + 1] - c[i])
    return out


def _voronoi_edges(pts_local: np.ndarray, lay) -> np.ndarray:
    pts = pts_local + CENTER
    minx, miny, maxx, maxy = lay.bounds
    pad = lay.L
    env = shapely.box(minx - pad + CENTER[0], miny - pad + CENTER[1], maxx + pad + CENTER[0], maxy + pad + CENTER[1])
    e = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env, only_edges=True)
    return shapely.get_parts(e)


def _tess_voronoi(rng, lay, n: int, outline_abs) -> np.ndarray:
    towns = lay.towns

    def density(c):
        d = np.ones(len(c))
        for t in towns:
            d += 0.5 * np.exp(-(np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) / t["R"]) ** 4)
        return d
    pts = sc._lloyd_points(rng, n, lay.outline, lay.bounds, density, dmax=1.5)
    return _faces(_voronoi_edges(pts, lay), outline_abs)


def _size_field(rng, lay, spec):
    """Parcel size (ha) per point: uniform by area between the spec's bounds (so the number of
    parcels is log-uniform in size); small in towns and along the lines, big in the hills."""
    lo, hi = spec["sizes"]
    L = lay.L
    noise = sc._Noise(rng, 0.06 * L, 0.3 * L)
    lines = sc._LineDistance(shapely.MultiLineString(
        [shapely.get_coordinates(g) for g in lay.rivers + lay.roads]))

    def raw(c):
        z = 0.8 * noise(c) + 2.0 * lay.hill_part(c)
        for t in lay.towns:
            z -= 2.5 * np.exp(-(np.hypot(c[:, 0] - t["x"], c[:, 1] - t["y"]) / (1.6 * t["R"])) ** 2)
        z -= 1.5 * np.exp(-(lines(c, max_distance=0.05 * L) / (0.015 * L)) ** 2)
        return z
    sample = np.sort(raw(sc._sample_inside(rng, lay.outline, 20000, lay.bounds)))
    # the field is smooth at >= 0.02 L: tabulate it on a raster and interpolate bilinearly
    minx, miny, maxx, maxy = lay.bounds
    nr = 256
    gx = np.linspace(minx, maxx, nr)
    gy = np.linspace(miny, maxy, nr)
    mx, my = np.meshgrid(gx, gy, indexing="ij")
    table = raw(np.column_stack([mx.ravel(), my.ravel()])).reshape(nr, nr)

    def size(c):
        from scipy.ndimage import map_coordinates
        fx = (c[:, 0] - minx) / (maxx - minx) * (nr - 1)
        fy = (c[:, 1] - miny) / (maxy - miny) * (nr - 1)
        z = map_coordinates(table, [fx, fy], order=1, mode="nearest")
        u = (np.searchsorted(sample, z) + 0.5) / (len(sample) + 1.0)
        return lo + (hi - lo) * u
    return size


def _tess_mixed(rng, lay, n: int, outline_abs, spec) -> np.ndarray:
    size = _size_field(rng, lay, spec)
    lo = spec["sizes"][0]
    pts = sc._lloyd_points(rng, n, lay.outline, lay.bounds, lambda c: 1.0 / size(c), dmax=1.0 / lo)
    return _faces(_voronoi_edges(pts, lay), outline_abs)


def _line_set(lay, rng) -> List[Tuple[shapely.LineString, str, float]]:
    """(line, kind, band half-width m) of every linear feature of the strips county."""
    out = []
    for r in lay.rivers:
        out.append((r, "river", float(rng.uniform(12.0, 20.0))))
    for r in lay.roads:
        out.append((r, "road", float(rng.uniform(6.0, 9.0))))
    for k, c in enumerate(lay.canals):
        out.append((c, "canal" if k % 2 == 0 else "lane", float(rng.uniform(3.0, 4.5))))
    return out


def _town_polys(rng, lay, scale: float = 1.0) -> List[shapely.Polygon]:
    out = []
    for t in lay.towns:
        ring = sc._star_ring(t["x"], t["y"], scale * t["R"], 256, rng, 0.12, 0.02)
        out.append(shapely.Polygon(ring).intersection(lay.outline))
    return out


def _tess_strips(rng, lay, n: int, outline_abs) -> Tuple[np.ndarray, np.ndarray]:
    """Strips perpendicular to the lines; returns (faces, band kind per face or '')."""
    lines = _line_set(lay, rng)
    lay.lines = lines
    larr = np.array([ln for ln, _, _ in lines], dtype=object)
    nearest = _NearestLine([ln for ln, _, _ in lines])
    towns = _town_polys(rng, lay)
    town_u = shapely.union_all(towns)
    shapely.prepare(town_u)
    # town parcels: a jittered lattice of points per town (blocky Voronoi cells of ~0.25 ha)
    tpts = []
    for t, poly in zip(lay.towns, towns):
        s = math.sqrt(2500.0)
        m = int(math.ceil(1.3 * t["R"] / s))
        g = np.arange(-m, m + 1) * s
        gx, gy = np.meshgrid(g, g)
        c = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-0.15, 0.15, (gx.size, 2)) * s
        a = rng.random() * math.pi / 2
        c = c @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]]) + [t["x"], t["y"]]
        tpts.append(c[shapely.contains_xy(poly, c[:, 0], c[:, 1])])
    tpts = np.vstack(tpts) if tpts else np.zeros((0, 2))
    # how far each line's zone reaches
    samp = sc._sample_inside(rng, lay.outline, 30000, lay.bounds)
    dm, near = nearest(samp)
    reach = np.array([float(dm[near == j].max()) if (near == j).any() else 0.0 for j in range(len(lines))])
    rows = []  # (line index, mid depth, base width)
    for j, (_ln, _k, h) in enumerate(lines):
        b = h
        while b < reach[j]:
            D = rng.uniform(120.0, 260.0)
            rows.append((j, b + D / 2.0, rng.uniform(0.7, 1.3)))
            b += D
    rings = shapely.boundary(shapely.buffer(larr[[r[0] for r in rows]], [r[1] for r in rows],
                                            quad_segs=8, cap_style="flat"))
    ring_len = shapely.length(rings)
    u_steps = [rng.uniform(0.8, 1.2, int(ring_len[k] / 5.0) + 2) for k in range(len(rows))]

    def strip_points(w0: float) -> np.ndarray:
        pos, idx = [], []
        for k, (_j, _m, wf) in enumerate(rows):
            w = w0 * wf
            steps = u_steps[k][: int(ring_len[k] / (0.8 * w)) + 2] * w
            p = np.cumsum(steps) - 0.5 * steps[0]
            p = p[p < ring_len[k]]
            pos.append(p)
            idx.append(np.full(len(p), k))
        pos = np.concatenate(pos)
        idx = np.concatenate(idx)
        pts = _ring_points(rings, idx, pos)
        keep = shapely.contains_xy(lay.outline, pts[:, 0], pts[:, 1]) & \
            ~shapely.contains_xy(town_u, pts[:, 0], pts[:, 1])
        pts, idx = pts[keep], idx[keep]
        line_of = np.array([r[0] for r in rows], dtype=np.int64)[idx]
        return pts[nearest(pts)[1] == line_of]

    band_len = [float(shapely.length(shapely.intersection(ln, lay.outline))) for ln, _, _ in lines]
    seg_len = rng.uniform(250.0, 500.0, len(lines))
    n_band = int(sum(bl / sl for bl, sl in zip(band_len, seg_len)))
    bands = shapely.buffer(larr, [h for _, _, h in lines], quad_segs=4, cap_style="flat")
    band_lines = shapely.get_parts(shapely.boundary(_abs(bands)))
    hw = np.array([h for _, _, h in lines])

    def build(w0: float):
        allpts = np.vstack([strip_points(w0), tpts])
        faces = _faces(np.concatenate([_voronoi_edges(allpts, lay), band_lines]), outline_abs, min_area=0.0)
        # band faces: merge into road / river / canal parcels of 250-500 m
        rp = shapely.get_coordinates(shapely.point_on_surface(faces)) - CENTER
        dd, j = nearest(rp)
        bi = np.flatnonzero(dd < hw[j])
        pos = shapely.line_locate_point(larr[j[bi]], shapely.points(rp[bi]))
        bucket = np.floor(pos / seg_len[j[bi]]).astype(np.int64)
        label = np.array([f"f{i}" for i in range(len(faces))], dtype=object)
        label[bi] = [f"b{jj}_{bb}" for jj, bb in zip(j[bi], bucket)]
        kind = np.full(len(faces), "", dtype=object)
        kind[bi] = np.array([lines[jj][1] for jj in j[bi]], dtype=object)
        merged, lab = _union_groups(faces, label)
        first_kind = {lb: kd for lb, kd in zip(label, kind)}
        return _merge_small_keep(merged, np.array([first_kind[lb] for lb in lab], dtype=object))

    # strip width for ~n parcels: from the point count, then once more from the face count
    target = max(100, n - len(tpts) - n_band)
    w0 = 26.0
    w0 *= len(strip_points(w0)) / target
    faces, kinds = build(w0)
    fixed = len(tpts) + int(np.count_nonzero(kinds != ""))
    if abs(len(faces) / n - 1.0) > 0.015 and len(faces) > fixed + 100 and n > fixed + 100:
        w0 *= (len(faces) - fixed) / (n - fixed)
        faces, kinds = build(w0)
    return faces, kinds


def _merge_small_keep(faces: np.ndarray, kinds: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``_merge_small`` that carries a per-face kind along (the kind of the biggest member)."""
    area = shapely.area(faces)
    if not (area < MIN_FACE_M2).any():
        return faces, kinds
    merged = _merge_small(faces, MIN_FACE_M2)
    rp = shapely.point_on_surface(faces)
    tree = shapely.STRtree(merged)
    ip, im = tree.query(rp, predicate="intersects")
    o = np.lexsort((-area[ip], im))
    ip, im = ip[o], im[o]
    first = np.r_[True, im[1:] != im[:-1]]
    out = np.full(len(merged), "", dtype=object)
    out[im[first]] = kinds[ip[first]]
    return merged, out


def _tess_grid(rng, lay, n: int, outline_abs) -> np.ndarray:
    """Jittered lattice blocks split into lots: field strips, town block lots, big hill lots."""
    L = lay.L
    theta = rng.random() * math.pi / 2
    lay.grid_theta = theta
    cs, sn = math.cos(theta), math.sin(theta)
    ring = np.asarray(lay.outline.exterior.coords)
    ur = ring @ np.array([[cs, -sn], [sn, cs]])  # world -> lattice frame (u, v)
    u0, v0 = ur.min(axis=0)
    u1, v1 = ur.max(axis=0)
    field_dir = sc._Noise(rng, 0.05 * L, 0.2 * L)
    forest_cut = None
    aspect = rng.uniform(0.6, 0.8)
    sub = rng.integers(0, 2 ** 62, size=2)

    def build(B: float, rr: np.random.Generator):
        Bu, Bv = B, B * aspect
        nu = int(math.ceil((u1 - u0) / Bu)) + 3
        nv = int(math.ceil((v1 - v0) / Bv)) + 3
        gi, gj = np.meshgrid(np.arange(nu + 1), np.arange(nv + 1), indexing="ij")
        U = u0 - Bu + gi * Bu + rr.uniform(-0.12, 0.12, gi.shape) * Bu
        V = v0 - Bv + gj * Bv + rr.uniform(-0.12, 0.12, gi.shape) * Bv
        W = np.stack([U * cs - V * sn, U * sn + V * cs], axis=-1)  # lattice frame -> world
        # blocks
        bi, bj = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
        bi, bj = bi.ravel(), bj.ravel()
        cen = (W[bi, bj] + W[bi + 1, bj] + W[bi, bj + 1] + W[bi + 1, bj + 1]) / 4.0
        inside = shapely.contains_xy(lay.outline, cen[:, 0], cen[:, 1])
        ins = inside | (lay.edge(cen) < 0.75 * B)
        dn, _ = _town_dist(lay, cen)
        elev = lay.hill_part(cen)
        nonlocal forest_cut
        if forest_cut is None:
            s = lay.hill_part(sc._sample_inside(rr, lay.outline, 20000, lay.bounds))
            forest_cut = float(np.quantile(s, 1 - lay.forest_share))
        kind = np.where(dn < 1.05, 1, np.where(elev > forest_cut, 2, 0))  # 0 field, 1 town, 2 hill
        along_u = field_dir(cen) > 0
        nb = len(bi)
        w_lot = rr.uniform(24.0, 44.0, nb)
        k_field_u = np.maximum(2, np.round(Bu / w_lot)).astype(int)
        k_field_v = np.maximum(2, np.round(Bv / w_lot)).astype(int)
        ku = np.where(kind == 0, np.where(along_u, k_field_u, 1),
                      np.where(kind == 1, rr.integers(1, 4, nb), rr.integers(1, 3, nb)))
        kv = np.where(kind == 0, np.where(along_u, 1, k_field_v),
                      np.where(kind == 1, rr.integers(1, 3, nb), 1))
        lots = float((ku * kv)[inside].sum())
        return W, bi, bj, ku, kv, ins, lots

    eps = 0.02

    def linework(target: float, B: float):
        for _ in range(6):  # block size for ~target lots (the same random draws every round)
            W, bi, bj, ku, kv, ins, lots = build(B, np.random.default_rng(sub[0]))
            if abs(lots / target - 1.0) < 0.005:
                break
            B *= (lots / target) ** 0.7
        rr = np.random.default_rng(sub[1])
        segs = []
        for axis in (0, 1):  # lattice rows and columns as long polylines
            arr = W if axis == 0 else W.transpose(1, 0, 2)
            coords = arr.reshape(-1, 2)
            idx = np.repeat(np.arange(arr.shape[0]), arr.shape[1])
            segs.append(shapely.linestrings(coords, indices=idx))

        def splits(k, p_a0, p_a1, p_b0, p_b1):
            """Lines between edge a (p_a0->p_a1) and edge b (p_b0->p_b1) at k-1 fractions per block,
            overshooting both edges by 2 cm (noding cuts them; the overshoots are dangles)."""
            sel = np.flatnonzero((k > 1) & ins)
            if len(sel) == 0:
                return None
            reps = k[sel] - 1
            blk = np.repeat(sel, reps)
            q = np.concatenate([np.arange(1, r + 1) for r in reps])
            kk = k[blk].astype(float)
            f = (q + rr.uniform(-0.25, 0.25, len(q))) / kk
            g = np.clip(f + rr.uniform(-0.06, 0.06, len(q)) / kk, 0.02, 0.98)
            a = p_a0[blk] + f[:, None] * (p_a1[blk] - p_a0[blk])
            b = p_b0[blk] + g[:, None] * (p_b1[blk] - p_b0[blk])
            d = b - a
            d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
            return shapely.linestrings(np.stack([a - eps * d, b + eps * d], axis=1))

        P00, P10, P01, P11 = W[bi, bj], W[bi + 1, bj], W[bi, bj + 1], W[bi + 1, bj + 1]
        for sp in (splits(ku, P00, P10, P01, P11), splits(kv, P00, P01, P10, P11)):
            if sp is not None:
                segs.append(sp)
        return _abs(np.concatenate(segs)), B

    lines, B = linework(float(n), math.sqrt(lay.area / n * 6.0))
    faces = _faces(lines, outline_abs)
    if abs(len(faces) / n - 1.0) > 0.015:  # edge effects: aim once more from the face count
        lines, B = linework(n * n / len(faces), B)
        faces = _faces(lines, outline_abs)
    return faces


# ----------------------------------------------------------------------------------
# land use (三调 DLBM)
# ----------------------------------------------------------------------------------
_TOWN_MIX = ["0701", "05H1", "08H1", "08H2", "0809", "0810", "1004", "0601", "0508", "0702"]
_TOWN_W = [0.42, 0.12, 0.03, 0.07, 0.03, 0.04, 0.13, 0.10, 0.03, 0.03]
_VILLAGE_MIX = ["0702", "1202", "05H1", "08H2", "1004"]
_VILLAGE_W = [0.86, 0.04, 0.02, 0.03, 0.05]
_FOREST_MIX = ["0301", "0305", "0307", "0404", "0401"]
_FOREST_W = [0.55, 0.15, 0.10, 0.15, 0.05]
CROPLAND = ("0101", "0102", "0103")


def _land_use(rng, lay, xy, area, faces_abs, band_kind, vil, vil_xy, vil_is_comm, spec):
    n = len(xy)
    L, A = lay.L, lay.area
    code = np.full(n, "", dtype=object)
    czc = np.full(n, "", dtype=object)
    avail = np.ones(n, dtype=bool)

    def assign(mask, value, cz=""):
        code[mask] = value
        czc[mask] = cz
        avail[mask] = False

    tn = sc._Noise(rng, 0.03 * L, 0.12 * L)(xy)
    dn, town_of = _town_dist(lay, xy, tn)
    # linear features
    if band_kind is not None:
        for k, c in (("river", "1101"), ("road", "1003"), ("canal", "1107"), ("lane", "1006")):
            assign(avail & (band_kind == k), c)
    else:
        tree = shapely.STRtree(faces_abs)
        for lines, c in ((lay.rivers, "1101"), (lay.roads, "1003")):
            hit = np.unique(tree.query(_abs(np.array(lines, dtype=object)), predicate="intersects")[1])
            m = np.zeros(n, dtype=bool)
            m[hit] = True
            assign(avail & m & (area < 2e4), c)  # a line through a big parcel leaves it as it is
    rx, ry, rR = lay.reservoir
    d_res = np.hypot(xy[:, 0] - rx, xy[:, 1] - ry) / rR * (1 + 0.15 * tn)
    assign(sc._take_lowest(d_res, avail, area, 0.005 * A), "1103")
    # towns
    ti = np.flatnonzero(avail & (dn < 1.0))
    w = np.tile(np.array(_TOWN_W), (len(ti), 1))
    dd = dn[ti]
    w[:, 1] *= np.clip(1.8 - 1.5 * dd, 0.2, None)
    w[:, 2] *= np.where(dd < 0.5, 2.0, 0.5)
    w[:, 7] *= 3.0 * dd ** 2
    w[:, 9] *= 2.0 * dd
    pick = sc._patchy_choice(xy[ti], w, rng, 0.01 * L, 0.05 * L)
    code[ti] = np.array(_TOWN_MIX, dtype=object)[pick]
    czc[ti] = np.where(town_of[ti] == 0, "201", "202")
    avail[ti] = False
    ind = sc._Noise(rng, 0.03 * L, 0.1 * L)(xy)
    fringe = avail & (dn >= 1.0) & (dn < 1.3) & (ind > 0.6)
    code[fringe] = "0601"
    czc[fringe] = np.where(town_of[fringe] == 0, "201A", "202A")
    avail[fringe] = False
    sx, sy = lay.special
    assign(sc._take_lowest(np.hypot(xy[:, 0] - sx, xy[:, 1] - sy), avail, area, 0.001 * A), "09", "205")
    # hills: forest and grass, orchards on the flanks
    elev = lay.elevation(xy)
    up = -(elev + 0.05 * sc._Noise(rng, 0.01 * L, 0.05 * L)(xy))
    fg = sc._take_lowest(up, avail, area, lay.forest_share * A)
    fi = np.flatnonzero(fg)
    pick = sc._patchy_choice(xy[fi], _FOREST_W, rng, 0.01 * L, 0.06 * L)
    code[fi] = np.array(_FOREST_MIX, dtype=object)[pick]
    if len(fi):
        top = fi[np.argsort(up[fi], kind="stable")[: max(1, len(fi) // 60)]]
        code[top] = "1207"
    avail[fi] = False
    oi = np.flatnonzero(sc._take_lowest(up, avail, area, 0.04 * A))
    pick = sc._patchy_choice(xy[oi], [0.75, 0.25], rng, 0.01 * L, 0.05 * L)
    code[oi] = np.array(["0201", "0202"], dtype=object)[pick]
    avail[oi] = False
    # village settlements: the parcels nearest each rural village centre (2-5 % of the village)
    n_vil = len(vil_xy)
    share = rng.uniform(0.02, 0.05, n_vil)
    share[vil_is_comm] = 0.0
    vil_area = np.bincount(vil, weights=area, minlength=n_vil)
    dv = np.hypot(xy[:, 0] - vil_xy[vil, 0], xy[:, 1] - vil_xy[vil, 1])
    order = np.lexsort((np.where(avail, dv, np.inf), vil))
    a_sorted = np.where(avail[order], area[order], 0.0)
    cum = np.cumsum(a_sorted)
    vstart = np.r_[0, np.flatnonzero(vil[order][1:] != vil[order][:-1]) + 1]
    base = np.repeat(cum[vstart] - a_sorted[vstart], np.diff(np.r_[vstart, n]))
    before = cum - a_sorted - base
    sel = avail[order] & (before < share[vil[order]] * vil_area[vil[order]]) & (share[vil[order]] > 0)
    si = np.sort(order[sel])
    pick = sc._patchy_choice(xy[si], _VILLAGE_W, rng, 0.005 * L, 0.02 * L)
    code[si] = np.array(_VILLAGE_MIX, dtype=object)[pick]
    czc[si] = "203"
    avail[si] = False
    # lowland: ponds, ditches, farm lanes, facility agriculture, idle land
    pond = sc._Noise(rng, 0.02 * L, 0.08 * L)(xy) - 2.0 * elev
    assign(sc._take_lowest(-pond, avail, area, 0.015 * A), "1104")
    small = 0.3 if band_kind is not None else 1.0
    assign(sc._take_lowest(rng.random(n), avail, area, small * 0.005 * A), "1107")
    assign(sc._take_lowest(rng.random(n), avail, area, small * 0.010 * A), "1006")
    fac = sc._Noise(rng, 0.01 * L, 0.05 * L)(xy)
    assign(sc._take_lowest(-fac, avail, area, 0.005 * A), "1202")
    assign(sc._take_lowest(rng.random(n), avail, area, 0.002 * A), "1201")
    # cropland: paddy low and near rivers, irrigated, dry land higher up
    ci = np.flatnonzero(avail)
    d_riv = sc._LineDistance(shapely.MultiLineString([shapely.get_coordinates(r) for r in lay.rivers]))(xy[ci])
    wet = elev[ci] + 0.15 * sc._Noise(rng, 0.02 * L, 0.08 * L)(xy[ci]) - 0.3 * np.exp(-d_riv / (0.05 * L))
    o = ci[np.argsort(wet, kind="stable")]
    cf = np.cumsum(area[o]) / max(1e-9, area[o].sum())
    cuts = np.sort(rng.uniform(0.25, 0.45, 2)) + [0.0, 0.2]
    code[o] = np.where(cf <= cuts[0], "0101", np.where(cf <= cuts[1], "0102", "0103"))
    avail[ci] = False
    return code, czc, dn, town_of, elev


# ----------------------------------------------------------------------------------
# plan (GHYD)
# ----------------------------------------------------------------------------------
_REFINE = {
    "0701": ["070101", "070102", "070102", "070103"],
    "0703": ["070301", "070302"],
    "1001": ["100101", "100102"],
    "0601": ["060101", "060102"],
    "0602": ["060201", "060202"],
    "08": ["0804", "0806", "0803"],
    "09": ["0901", "0902"],
    "13": ["1301", "1303", "1309"],
    "14": ["1401", "1402"],
    "1101": ["110101"],
    "15": ["1507"],
}
_PUBLIC = [("1207", 0.34), ("1401", 0.18), ("1402", 0.08), ("1403", 0.03), ("080403", 0.08), ("0806", 0.05),
           ("0801", 0.04), ("0803", 0.03), ("0805", 0.03), ("0702", 0.04), ("1301", 0.03), ("1303", 0.03),
           ("1309", 0.02), ("120803", 0.02)]
_RESID = [("070102", 0.75), ("070101", 0.15), ("070103", 0.10)]
_COMM = [("090101", 0.3), ("0901", 0.3), ("0902", 0.25), ("090104", 0.15)]
_IND = [("100101", 0.4), ("100102", 0.4), ("100103", 0.2)]


def _weighted(rng, options, k):
    codes = np.array([c for c, _ in options], dtype=object)
    w = np.array([x for _, x in options], dtype=float)
    return codes[rng.choice(len(codes), size=k, p=w / w.sum())]


def _quota_split(score: np.ndarray, area: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """Category per item: items sorted by ``score`` are cut into consecutive runs whose areas are
    the given shares of the total (the last category takes the rest)."""
    o = np.argsort(score, kind="stable")
    cf = (np.cumsum(area[o]) - 0.5 * area[o]) / max(area.sum(), 1e-9)
    bounds = np.cumsum(shares)[:-1]
    cat = np.searchsorted(bounds, cf, side="right")
    out = np.empty(len(score), dtype=np.int64)
    out[o] = cat
    return out


def _plan(rng, lay, spec, xy, area, faces, code, czc, cur23, dn, town_of, elev, pbf, in_eprl, mix, n, outline_abs):
    """The plan: groups of parcels (kept by class, development zones, 复垦, 退耕还林), plan faces and
    their codes. Returns (plan faces, GHDLBM per face, CZCSLX per face, planned code per parcel,
    group per parcel, development zone per parcel, zone centres)."""
    L, A = lay.L, lay.area
    names_yd = sc.ydyh2023_names()
    T_c = mix["change"]
    # land keeping its use is grouped by 一级类, except where the finance table prices only the
    # 二级类 (07 居住, 10 工矿, 12 交通): a kept face then always carries a priced code
    key = np.array([c if c[:2] in ("07", "10", "12") else c[:2] for c in cur23], dtype=object)
    group = np.array(["K" + c for c in key], dtype=object)
    fixed = np.isin(code, ["1101", "1103", "1003", "09", "1001"]) | pbf | in_eprl
    renew_frac = 0.25 if spec.get("much") else 0.08
    nc_frac = mix["noncon"]
    n_towns = len(lay.towns)
    noise = sc._Noise(rng, 0.02 * L, 0.1 * L)(xy)
    zone = np.full(len(xy), -1, dtype=np.int64)
    # renewal inside the towns (城中村, old industry, offices, shops), joined to the town's zone
    core = (dn < 1.0) & ~fixed & (code != "0701")
    score = np.where(np.isin(code, ["0702", "0601"]), -1.0, 0.0) + noise
    m = sc._take_lowest(score, core, area, renew_frac * T_c * A)
    zone[m] = town_of[m]
    # 复垦 (rural homesteads back to cropland) and 退耕还林 (high cropland to forest), away from towns
    rural = (code == "0702") & (czc == "203") & ~fixed & (dn > 3.0)
    m = sc._take_lowest(rng.random(len(xy)), rural, area, 0.5 * nc_frac * T_c * A)
    group[m] = "R"
    crop = np.isin(code, CROPLAND) & ~fixed & (group != "R") & (dn > 3.0)
    m = sc._take_lowest(-elev, crop, area, 0.5 * nc_frac * T_c * A)
    group[m] = "F"
    # development zones: rings around the towns (+ new parks when the plan changes much)
    dev_target = max(0.0, T_c * A - area[zone >= 0].sum() - area[np.isin(group, ["R", "F"])].sum())
    centres = [(t["x"], t["y"], t["R"], "town", i) for i, t in enumerate(lay.towns)]
    if spec.get("much"):
        n_parks = int(rng.integers(2, 4))
        for k in range(n_parks):
            def ok(c, relax):
                good = lay.hill_part(c) < 0.1 + 0.5 * (1 - relax)
                for (x, y, R, _kd, _i) in centres:
                    good &= np.hypot(c[:, 0] - x, c[:, 1] - y) > (2.0 + 2.0 * relax) * R + 0.05 * L * relax
                return good
            px, py = _pick_site(rng, lay, ok)
            centres.append((float(px), float(py), math.sqrt(0.01 * A / math.pi), "park", n_towns + k))
    weights = np.array([c[2] ** 2 * (1.6 if c[3] == "park" else 1.0) for c in centres])
    weights /= weights.sum()
    avail = ~fixed & (dn >= 1.0) & (zone < 0) & ~np.isin(group, ["R", "F"])
    dev = np.zeros(len(xy), dtype=bool)
    for k, (x, y, R, _kd, _i) in enumerate(centres):
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y) / R + 0.35 * noise
        m = sc._take_lowest(d, avail & ~dev, area, weights[k] * dev_target)
        zone[m] = k
        dev |= m
    # second pass: what the first pass could not place goes to the nearest centre
    short = dev_target - area[dev].sum()
    if short > 0.01 * dev_target:
        dmin = np.min([np.hypot(xy[:, 0] - c[0], xy[:, 1] - c[1]) / c[2] for c in centres], axis=0)
        m = sc._take_lowest(dmin + 0.35 * noise, avail & ~dev, area, short)
        near = np.argmin([np.hypot(xy[m, 0] - c[0], xy[m, 1] - c[1]) / c[2] for c in centres], axis=0)
        zone[np.flatnonzero(m)] = near
    for k in range(len(centres)):
        group[zone == k] = f"D{k}"

    # plan cells and faces
    m_cells = max(50, int(round(n / 3.0 * mix["cell_factor"])))
    if spec.get("plan") == "grid":
        theta = getattr(lay, "grid_theta", rng.random() * math.pi / 2)  # offset from the parcel grid
        step = math.sqrt(A / m_cells)
        cells = _grid_lines(rng, lay, step, theta)
    else:
        pts = sc._lloyd_points(rng, m_cells, lay.outline, lay.bounds)
        cells = _voronoi_edges(pts, lay)
    gl, glab = _union_groups(faces, group)
    borders = shapely.get_parts(shapely.boundary(gl))
    # a piece of land smaller than ~1.5 plan cells stays whole: no cell edge crosses it
    comps = shapely.get_parts(gl)
    small = comps[shapely.area(comps) < 1.5 * A / m_cells]
    if len(small):
        cells = shapely.get_parts(shapely.difference(shapely.multilinestrings(shapely.get_parts(cells)),
                                                     shapely.coverage_union_all(small)))
    pfaces = _faces(np.concatenate([cells, borders]), outline_abs, min_area=1.0)
    ip, ipf, ar = _overlaps(faces, pfaces, min_area=1e-6)
    p_major = _majority(ip, ipf, ar, len(faces))
    f_major = _majority(ipf, ip, ar, len(pfaces))
    if (p_major < 0).any():  # pragma: no cover
        raise RuntimeError("plan faces do not cover the parcels")
    lost = np.flatnonzero(f_major < 0)
    if len(lost):  # pragma: no cover - a face with no measurable overlap: the parcel nearest to it
        f_major[lost] = shapely.STRtree(faces).query_nearest(shapely.point_on_surface(pfaces[lost]))[1]
    fgroup = group[f_major]
    ghdl = np.full(len(pfaces), "", dtype=object)
    parea = shapely.area(pfaces)
    # kept faces: the parcels' common code (sometimes refined), else the 一级类
    kept = np.array([g.startswith("K") for g in fgroup])
    big = ar > np.maximum(0.5, 0.005 * parea[ipf])
    import pandas as pd
    df = pd.DataFrame({"f": ipf[big], "c": cur23[ip[big]]})
    nun = df.groupby("f")["c"].nunique()
    firstc = df.groupby("f")["c"].first()
    single = np.zeros(len(pfaces), dtype=bool)
    single[nun.index[nun.to_numpy() == 1]] = True
    fcode = np.full(len(pfaces), "", dtype=object)
    fcode[firstc.index.to_numpy()] = firstc.to_numpy()
    for i in np.flatnonzero(kept):
        c = fcode[i] if single[i] and fcode[i] else fgroup[i][1:]
        ghdl[i] = c
    u = rng.random(len(pfaces))
    for c, opts in _REFINE.items():
        m = kept & (ghdl == c) & (u < 0.6)
        if m.any():
            ghdl[m] = np.array(opts, dtype=object)[rng.integers(0, len(opts), int(m.sum()))]
    ghdl[fgroup == "R"] = "0103"
    ghdl[fgroup == "F"] = "0301"
    # development faces: public by quota (scattered), profitable by quota (industry on the far side)
    fxy = shapely.get_coordinates(shapely.point_on_surface(pfaces)) - CENTER
    fine = sc._Noise(rng, 0.01 * L, 0.03 * L)(fxy)
    coarse = sc._Noise(rng, 0.05 * L, 0.15 * L)(fxy)
    for k, (x, y, R, kd, _i) in enumerate(centres):
        fi = np.flatnonzero(fgroup == f"D{k}")
        if len(fi) == 0:
            continue
        pub = _quota_split(fine[fi] + 0.3 * rng.random(len(fi)), parea[fi], [mix["public"], 1 - mix["public"]]) == 0
        ghdl[fi[pub]] = _weighted(rng, _PUBLIC, int(pub.sum()))
        pr = fi[~pub]
        if len(pr) == 0:
            continue
        dist = np.hypot(fxy[pr, 0] - x, fxy[pr, 1] - y) / R
        ind_share = 0.75 if kd == "park" else mix["industry"]
        rest = 1.0 - ind_share
        shares = [ind_share, 0.04, mix["reserve"], 0.18 * rest, max(0.0, rest - 0.04 - mix["reserve"] - 0.18 * rest)]
        cat = _quota_split(-(dist + 0.5 * coarse[pr]), parea[pr], shares)
        ghdl[pr[cat == 0]] = _weighted(rng, _IND, int((cat == 0).sum()))
        ghdl[pr[cat == 1]] = _weighted(rng, [("1101", 0.6), ("110101", 0.4)], int((cat == 1).sum()))
        ghdl[pr[cat == 2]] = "16"
        ghdl[pr[cat == 3]] = _weighted(rng, _COMM, int((cat == 3).sum()))
        ghdl[pr[cat == 4]] = _weighted(rng, _RESID, int((cat == 4).sum()))
    missing = sorted(set(ghdl) - set(names_yd))
    if missing:  # pragma: no cover
        raise RuntimeError(f"plan codes not in the 用地用海 2023 table: {missing}")
    # 城镇村属性: town-like groups vs villages
    built = np.array([c[:2] in ("07", "08", "09", "10", "11", "12", "13", "14", "15", "16") for c in ghdl])
    town_like = np.array([g.startswith("D") for g in fgroup]) | np.isin(czc[f_major], ["201", "202", "201A", "202A"])
    vill_like = np.isin(czc[f_major], ["203"])
    czcslx = np.full(len(pfaces), "", dtype=object)
    czcslx[built & vill_like & ~town_like] = "村庄"
    czcslx[built & town_like] = "城镇"
    czcslx[np.array([c.startswith(("1201", "1202", "15")) for c in ghdl])] = ""
    planned = ghdl[p_major]
    return pfaces, ghdl, czcslx, planned, group, zone, centres


def _grid_lines(rng, lay, step: float, theta: float) -> np.ndarray:
    """Straight, slightly jittered grid lines at ``theta`` covering the outline, offset randomly."""
    cs, sn = math.cos(theta), math.sin(theta)
    ring = np.asarray(lay.outline.exterior.coords)
    ur = ring @ np.array([[cs, -sn], [sn, cs]])
    (u0, v0), (u1, v1) = ur.min(axis=0) - step, ur.max(axis=0) + step
    off = rng.uniform(0.3, 0.7, 2) * step
    us = np.arange(u0 + off[0], u1, step)
    vs = np.arange(v0 + off[1], v1, step)
    us = us + rng.uniform(-0.1, 0.1, len(us)) * step
    vs = vs + rng.uniform(-0.1, 0.1, len(vs)) * step
    segs = []
    for u in us:
        segs.append([(u, v0), (u, v1)])
    for v in vs:
        segs.append([(u0, v), (u1, v)])
    c = np.array(segs, dtype=float)  # (k, 2, 2) in the (u, v) frame
    w = np.stack([c[..., 0] * cs - c[..., 1] * sn, c[..., 0] * sn + c[..., 1] * cs], axis=-1)
    return _abs(shapely.linestrings(w))


# ----------------------------------------------------------------------------------
# finance table
# ----------------------------------------------------------------------------------
# classes, label, role, nature, cost, revenue, cost group, revenue group, note
_FIN_ROWS = [
    ("0101", "水田", "none", "", 200, 0, "land", "", "征地补偿与社保（示例）"),
    ("0102", "水浇地", "none", "", 180, 0, "land", "", ""),
    ("0103", "旱地", "none", "", 160, 0, "land", "", ""),
    ("01", "耕地", "none", "", 180, 0, "land", "", ""),
    ("02", "园地", "none", "", 150, 0, "land", "", ""),
    ("03", "林地", "none", "", 120, 0, "land", "", ""),
    ("04", "草地", "none", "", 60, 0, "land", "", ""),
    ("05", "湿地", "none", "公益性", 60, 0, "land", "", ""),
    ("06", "农业设施建设用地", "none", "", 150, 0, "land", "", ""),
    ("070101", "一类城镇住宅用地", "revenue", "经营性", 1800, 5200, "built", "prime", ""),
    ("0701", "城镇住宅用地", "revenue", "经营性", 1800, 4500, "built", "prime", "出让收益（示例）"),
    ("0702", "城镇社区服务设施用地", "service", "公益性", 1200, 0, "built", "", ""),
    ("0703", "农村宅基地", "none", "", 600, 0, "built", "", "拆旧复垦成本（示例）"),
    ("0704", "农村社区服务设施用地", "service", "公益性", 600, 0, "built", "", ""),
    ("08", "公共管理与公共服务用地", "service", "公益性", 1200, 0, "built", "", ""),
    ("0901", "商业用地", "revenue", "经营性", 2000, 3800, "built", "prime", ""),
    ("09", "商业服务业用地", "revenue", "经营性", 2000, 3600, "built", "prime", ""),
    ("100101", "一类工业用地", "revenue", "经营性", 900, 600, "built", "industry", ""),
    ("100103", "三类工业用地", "revenue", "经营性", 900, 320, "built", "industry", ""),
    ("1001", "工业用地", "revenue", "经营性", 900, 450, "built", "industry", ""),
    ("1002", "采矿用地", "revenue", "经营性", 400, 150, "built", "industry", ""),
    ("1003", "盐田", "none", "", 200, 0, "land", "", ""),
    ("11", "仓储用地", "revenue", "经营性", 900, 500, "built", "industry", ""),
    ("1201-1206", "区域交通设施用地", "service", "公益性", 600, 0, "built", "", ""),
    ("1207-1209", "城镇村道路与交通设施用地", "service", "公益性", 900, 0, "built", "", ""),
    ("13", "公用设施用地", "service", "公益性", 900, 0, "built", "", ""),
    ("14", "绿地与开敞空间用地", "service", "公益性", 600, 0, "built", "", ""),
    ("15", "特殊用地", "service", "公益性", 800, 0, "built", "", ""),
    ("16", "留白用地", "financing", "经营性", 600, 1500, "built", "reserve", "储备用地，可作融资（示例）"),
    ("17", "陆地水域", "none", "公益性", 80, 0, "land", "", ""),
    ("23", "其他土地", "none", "", 40, 0, "land", "", ""),
    ("18-24", "海域", "none", "", 0, 0, "none", "", ""),
]


def _finance_prices(lam: float, jitter: np.ndarray) -> List[Tuple[int, int]]:
    """(cost, revenue) per row of _FIN_ROWS at climate ``lam`` (0 rich … 1 poor)."""
    out = []
    for k, (_c, _l, _r, _n, cost, rev, cg, rg, _note) in enumerate(_FIN_ROWS):
        cm = {"land": 0.8 + 1.4 * lam, "built": 0.9 + 0.6 * lam}.get(cg, 1.0)
        rm = {"prime": 1.15 - 0.45 * lam, "industry": 1.3 - 0.9 * lam, "reserve": 1.2 - 0.7 * lam}.get(rg, 1.0)
        c = int(round(cost * cm * jitter[k, 0]))
        r = int(round(rev * rm * jitter[k, 1]))
        out.append((max(c, 1) if cost > 0 else 0, max(r, 1) if rev > 0 else 0))
    return out


def _finance_text(prices, title: str, version: str, note: str) -> str:
    lines = [
        f"# finance: {title}, version: {version}, example: yes",
        "# 示例值！合成县基准测试用，由 tools/county_variants.py 按 data/finance/finance_example.csv 缩放生成；"
        "不是任何地区的基准地价或补偿标准。",
        f"# EXAMPLE VALUES ONLY (synthetic benchmark county): {note}",
        "# classes：用地用海2023代码模式（先匹配者胜，细分代码写在前面）；role：service 服务 / revenue 收益 / "
        "financing 融资 / none 非建设用地；nature：公益性 / 经营性 / 空",
        "# cost_wan_per_ha：现状为该类用地时的征收（收回）与整理成本，万元/公顷；revenue_wan_per_ha：规划为该类用地时的出让或经营收益，万元/公顷",
        "classes,label,role,nature,cost_wan_per_ha,revenue_wan_per_ha,note",
    ]
    for (c, label, role, nature, _co, _re, _cg, _rg, nt), (co, re) in zip(_FIN_ROWS, prices):
        lines.append(f"{c},{label},{role},{nature},{co},{re},{nt}")
    return "\n".join(lines) + "\n"


def _costly_share(table: FinanceTable, cur: np.ndarray, pla: np.ndarray, area: np.ndarray) -> float:
    keys = {}
    costly = np.zeros(len(cur), dtype=bool)
    for i, (c, p) in enumerate(zip(cur, pla)):
        k = (c, p)
        if k not in keys:
            ec, ep = table.lookup(c), table.lookup(p)
            keys[k] = ec is not None and ep is not None and ec.cost > ep.revenue
        costly[i] = keys[k]
    tot = float(area.sum())
    return float(area[costly].sum()) / tot if tot > 0 else 0.0


def _calibrate_finance(rng, cur, pla, area, target: float, title: str, version: str, note: str):
    """Bisection on the climate λ so that the costly share of the changed land is nearest ``target``."""
    jitter = rng.uniform(0.9, 1.1, (len(_FIN_ROWS), 2))
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td) / "finance.csv"

        def evaluate(lam):
            text = _finance_text(_finance_prices(lam, jitter), title, version, note)
            tmp.write_text(text, encoding="utf-8")
            return _costly_share(FinanceTable.load(tmp), cur, pla, area), text

        s0, t0 = evaluate(0.0)
        s1, t1 = evaluate(1.0)
        if target <= s0:
            return s0, t0, 0.0
        if target >= s1:
            return s1, t1, 1.0
        lo, hi = 0.0, 1.0
        best = (abs(s0 - target), s0, t0, 0.0)
        for _ in range(22):
            mid = 0.5 * (lo + hi)
            s, t = evaluate(mid)
            if abs(s - target) < best[0]:
                best = (abs(s - target), s, t, mid)
            if s >= target:
                hi = mid
            else:
                lo = mid
        for lam in (lo, hi):
            s, t = evaluate(lam)
            if abs(s - target) < best[0]:
                best = (abs(s - target), s, t, lam)
        return best[1], best[2], best[3]


# ----------------------------------------------------------------------------------
# the generator
# ----------------------------------------------------------------------------------
def _progress(cb: ProgressFn, frac: float, msg: str) -> None:
    if cb is not None:
        cb(float(frac), msg)


def _streams(variant: str, seed: int, n: int) -> List[np.random.Generator]:
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _VARIANT_INDEX[variant], int(n)])
    return [np.random.default_rng(s) for s in ss.spawn(9)]


def generate_variant(path, variant: str, seed: int, n_parcels: int = 20000, progress: ProgressFn = None) -> dict:
    """Write the synthetic county ``variant`` (see ``VARIANTS``) to ``path`` (atomically) and its
    finance table to ``<stem>_finance.csv`` beside it.

    Returns ``{"path", "variant", "seed", "layers": {name: count}, "finance_csv", "changed_share",
    "costly_changed_share", "seconds", ...}`` plus descriptive figures (``public_share`` of the
    changed construction land, parcel-size percentiles, control-layer coverage, targets).
    """
    t0 = time.perf_counter()
    if variant not in _SPECS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    n = int(n_parcels)
    if n < 500:
        raise ValueError("n_parcels must be at least 500")
    spec = _SPECS[variant]
    path = Path(path)
    r_lay, r_tess, r_adm, r_lu, r_ctl, r_plan, r_mix, r_fin, r_misc = _streams(variant, seed, n)
    county_code = f"37089{_VARIANT_INDEX[variant] + 1}"
    names_sd = sc.sandiao_names()
    names_yd = sc.ydyh2023_names()

    # plan mix for this (variant, seed): targets for the share changed, the public share of the
    # changed construction land, industry and 留白, and the non-construction changes
    target_costly = costly_target(seed)
    mix = {"change": float(r_mix.uniform(*spec["change"]))}
    mix["public"] = float(np.clip(target_costly - r_mix.uniform(0.0, 0.05), 0.18, 0.55))
    mix["noncon"] = 0.01 + 0.06 * (target_costly - 0.2)
    mix["industry"] = float(r_mix.uniform(0.2, 0.3))
    mix["reserve"] = float(r_mix.uniform(0.03, 0.08))
    mix["cell_factor"] = {"grid": 0.6, "strips": 0.5, "mixed": 0.5}.get(spec["shape"], 0.5)

    _progress(progress, 0.02, "layout")
    lay = _layout(r_lay, spec, n)
    L, A = lay.L, lay.area
    outline_abs = sc._grid(_abs(lay.outline))
    shapely.prepare(outline_abs)

    _progress(progress, 0.08, "parcels")
    band_kind = None
    if spec["shape"] == "voronoi":
        geoms = _tess_voronoi(r_tess, lay, n, outline_abs)
    elif spec["shape"] == "mixed":
        geoms = _tess_mixed(r_tess, lay, n, outline_abs, spec)
    elif spec["shape"] == "grid":
        geoms = _tess_grid(r_tess, lay, n, outline_abs)
    else:
        geoms, band_kind = _tess_strips(r_tess, lay, n, outline_abs)
    m = len(geoms)
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms)) - CENTER
    area = shapely.area(geoms)
    spacing = math.sqrt(A / m)

    # ------------------------------------------------------------------ townships and villages
    _progress(progress, 0.3, "townships and villages")
    towns = lay.towns
    n_towns = len(towns)
    n_tsp = int(np.clip(round(math.sqrt(m) / 15.0), 5, 12))
    n_tsp = max(n_tsp, n_towns + 2)
    cloud = xy[np.sort(r_adm.choice(m, size=min(m, 20000), replace=False))]
    seeds = np.array([[t["x"], t["y"]] for t in towns], dtype=float)
    for _ in range(n_tsp - n_towns):
        d = np.min(np.hypot(cloud[:, None, 0] - seeds[None, :, 0], cloud[:, None, 1] - seeds[None, :, 1]), axis=1)
        seeds = np.vstack([seeds, cloud[int(np.argmax(d))]])
    _lab, seeds = _kmeans(cloud, seeds, 8, fixed=n_towns)
    warp = (sc._Noise(r_adm, 0.15 * L, 0.5 * L), sc._Noise(r_adm, 0.15 * L, 0.5 * L))
    warped = xy + 0.04 * L * np.column_stack([warp[0](xy), warp[1](xy)])
    from scipy.spatial import cKDTree
    tsp = cKDTree(seeds).query(warped)[1]
    vil = np.full(m, -1, dtype=np.int64)
    vil_xy, vil_tsp = [], []
    for j in range(n_tsp):
        idx = np.flatnonzero(tsp == j)
        if len(idx) == 0:
            continue
        k = min(len(idx), max(2, int(round(len(idx) / 110.0))), 790)
        cent = xy[idx][np.sort(r_adm.choice(len(idx), size=k, replace=False))]
        lab, cent = _kmeans(xy[idx], cent, 6)
        used = np.unique(lab)
        remap = np.full(k, -1)
        remap[used] = np.arange(len(used))
        vil[idx] = len(vil_xy) + remap[lab]
        for q in used:
            vil_xy.append(cent[q])
            vil_tsp.append(j)
    present_tsp = np.unique(tsp)
    if len(present_tsp) != n_tsp:  # pragma: no cover - a township without parcels: renumber
        remap = np.full(n_tsp, -1)
        remap[present_tsp] = np.arange(len(present_tsp))
        tsp = remap[tsp]
        vil_tsp = list(remap[np.array(vil_tsp)])
        n_tsp = len(present_tsp)
    vil_xy = np.array(vil_xy)
    vil_tsp = np.array(vil_tsp)
    n_vil = len(vil_xy)
    vdn, _ = _town_dist(lay, vil_xy)
    vil_is_comm = vdn < 0.9

    # ------------------------------------------------------------------ land use
    _progress(progress, 0.35, "land use")
    code, czc, dn, town_of, elev = _land_use(r_lu, lay, xy, area, geoms, band_kind, vil, vil_xy, vil_is_comm, spec)
    missing = sorted(set(code) - set(names_sd))
    if missing:  # pragma: no cover
        raise RuntimeError(f"codes not in the 三调 table: {missing}")
    cw = get_registry().crosswalk("sandiao", "ydyh2023")
    cmap = {c: cw.map(c).target_code or "" for c in sorted(set(code))}
    cur23 = np.array([cmap[c] for c in code], dtype=object)

    # ------------------------------------------------------------------ 生态保护红线
    _progress(progress, 0.45, "control lines")
    is_forest = np.isin(code, _FOREST_MIX + ["1207"])
    eprl = []
    hill_of = np.argmax(np.column_stack([h * np.exp(-((xy[:, 0] - hx) ** 2 + (xy[:, 1] - hy) ** 2) / (2 * s * s))
                                         for (hx, hy, h, s) in lay.hills]), axis=1)
    F = np.array([area[is_forest & (hill_of == k)].sum() for k in range(len(lay.hills))])
    red_target = r_ctl.uniform(0.11, 0.16) * A
    rx, ry, rR = lay.reservoir
    res_area = math.pi * (1.4 * rR) ** 2
    rho = min(0.85, max(0.2, (red_target - 0.5 * res_area) / max(F.sum(), 1.0)))
    hill_nm = list(r_misc.permutation(sc._HILL_NAMES))
    for k, (hx, hy, _h, _s) in enumerate(lay.hills):
        if F[k] <= 0:
            continue
        R = math.sqrt(rho * F[k] / math.pi)
        poly = shapely.Polygon(sc._star_ring(hx, hy, R, 1500, r_ctl, 0.12, 0.03))
        kind = ("水源涵养", "生物多样性维护")[k % 2]
        eprl.append((poly, f"{hill_nm[k]}{kind}生态保护红线", kind, f"{hill_nm[k]}森林公园", "一般控制区"))
    poly = shapely.Polygon(sc._star_ring(rx, ry, 1.4 * rR, 800, r_ctl, 0.12, 0.03))
    taken = shapely.union_all([e[0] for e in eprl]) if eprl else shapely.Polygon()
    poly = poly.difference(taken)
    if not poly.is_empty and poly.area > 0.2 * math.pi * rR * rR:
        eprl.append((poly, f"{hill_nm[3]}水库湿地生态保护红线", "水源涵养", f"{hill_nm[3]}水库湿地公园", "一般控制区"))
    eprl_local = [g if lay.outline.contains(g) else g.intersection(lay.outline) for g, *_ in eprl]
    eprl_geoms = sc._as_multi(sc._grid(_abs(np.array(eprl_local, dtype=object))))
    eprl_u = shapely.union_all(eprl_geoms)
    shapely.prepare(eprl_u)
    rp_abs = xy + CENTER
    in_eprl = shapely.contains_xy(eprl_u, rp_abs[:, 0], rp_abs[:, 1])

    # ------------------------------------------------------------------ 永久基本农田 (chosen before the plan)
    is_crop = np.isin(code, CROPLAND)
    phi = r_ctl.uniform(*spec.get("pbf", (0.35, 0.55)))
    cand = np.flatnonzero(is_crop & (dn > 1.5) & ~in_eprl)
    # good, well-connected cropland away from the towns (room for the towns to grow)
    d_town = np.min([np.hypot(xy[cand, 0] - t["x"], xy[cand, 1] - t["y"]) - t["R"] for t in lay.towns], axis=0)
    quality = sc._to_uniform(sc._Noise(r_ctl, 0.08 * L, 0.3 * L)(xy[cand])) * 0.5 + 0.05 * r_ctl.random(len(cand)) \
        + (1.0 if spec.get("much") else 0.5) * np.clip(d_town / (0.3 * L), 0.0, 1.0)
    k_pbf = min(len(cand), int(round(phi * is_crop.sum())))
    chosen = np.sort(cand[np.argsort(-quality, kind="stable")[:k_pbf]])
    pbf = np.zeros(m, dtype=bool)
    pbf[chosen] = True

    # ------------------------------------------------------------------ plan
    _progress(progress, 0.5, "plan")
    pfaces, ghdl, czcslx, planned, group, zone, centres = _plan(
        r_plan, lay, spec, xy, area, geoms, code, czc, cur23, dn, town_of, elev, pbf, in_eprl, mix, n, outline_abs)

    # ------------------------------------------------------------------ attributes
    _progress(progress, 0.7, "attributes")
    tbmj_raw = sc.ellipsoidal_area_m2(geoms)
    tbmj = sc._rhu_array(tbmj_raw)
    changed = use_changed(cur23, planned)
    # cropland slope grade, 田坎
    h = 0.004 * L
    gx = (lay.elevation(xy + [h, 0]) - lay.elevation(xy - [h, 0])) / (2 * h)
    gy = (lay.elevation(xy + [0, h]) - lay.elevation(xy - [0, h])) / (2 * h)
    slope = np.hypot(gx, gy) * L + 0.4 * sc._Noise(r_misc, 0.01 * L, 0.05 * L)(xy)
    gdpdjb = np.full(m, "", dtype=object)
    cidx = np.flatnonzero(is_crop)
    o = cidx[np.argsort(slope[cidx], kind="stable")]
    cf = np.cumsum(area[o]) / max(1e-9, area[o].sum())
    gdpdjb[o] = np.select([cf <= 0.5, cf <= 0.75, cf <= 0.9, cf <= 0.97], ["1", "2", "3", "4"], "5")
    gdlx = np.full(m, "", dtype=object)
    u_tt = r_misc.random(m)
    for g_, p_ in {"2": 0.2, "3": 0.35, "4": 0.55, "5": 0.7}.items():
        mm = gdpdjb == g_
        gdlx[mm] = np.where(u_tt[mm] < p_, "TT", "PD")
    kcxs = np.zeros(m)
    for (gl, gj), v in sc.KCXS_TABLE.items():
        kcxs[(gdlx == gl) & (gdpdjb == gj)] = v
    kcdlbm = np.where(kcxs > 0, "1203", "").astype(object)
    zzsx = np.full(m, "", dtype=object)
    zzsx[cidx] = np.where(r_misc.random(len(cidx)) < 0.85, "LS", "FLS")
    kcmj = np.zeros(m)
    tbdlmj = tbmj.copy()
    for i in np.flatnonzero(kcxs > 0):
        kcmj[i] = rhu(tbmj[i] * kcxs[i], 2)
        tbdlmj[i] = rhu(tbmj[i] - kcmj[i], 2)
    # ownership: state for water, highways, special land, the state forest farm and town public land;
    # 国有土地使用权 for other town land; collective elsewhere
    qsxz = np.full(m, "30", dtype=object)
    town_p = np.isin(czc, ["201", "202", "201A", "202A"])
    qsxz[town_p] = "20"
    qsxz[np.isin(code, ["1101", "1103", "1003", "09", "1207"])] = "10"
    qsxz[town_p & np.isin(code, ["1004", "0810", "08H1"])] = "10"
    hx0, hy0, _h0, hs0 = lay.hills[0]
    qsxz[is_forest & (np.hypot(xy[:, 0] - hx0, xy[:, 1] - hy0) < 0.6 * hs0)] = "10"

    # township and village codes and names
    tsp_names, tsp_codes = [], []
    town_names = list(r_misc.permutation(sc._TOWN_NAMES))
    xiang_names = list(r_misc.permutation(sc._XIANG_NAMES))
    k_town = k_xiang = 0
    for j in range(n_tsp):
        if j == 0:
            tsp_codes.append(county_code + "100")
            tsp_names.append("城关镇")
        elif j < n_towns:
            k_town += 1
            tsp_codes.append(county_code + f"{100 + k_town:03d}")
            tsp_names.append(town_names[(k_town - 1) % len(town_names)])
        else:
            k_xiang += 1
            tsp_codes.append(county_code + f"{200 + k_xiang:03d}")
            tsp_names.append(xiang_names[(k_xiang - 1) % len(xiang_names)])
    vil_order = np.lexsort((vil_xy[:, 0], -vil_xy[:, 1], ~vil_is_comm, vil_tsp))
    vil_rank = np.empty(n_vil, dtype=np.int64)
    vil_rank[vil_order] = np.arange(n_vil)
    n_names = len(sc._SURNAMES) * len(sc._SUFFIXES) * len(sc._PREFIXES)
    perm = r_misc.permutation(n_names)
    comm_names = list(r_misc.permutation(sc._COMMUNITY))
    vil_code = np.empty(n_vil, dtype=object)
    vil_name = np.empty(n_vil, dtype=object)
    cnt_c = np.zeros(n_tsp, dtype=int)
    cnt_v = np.zeros(n_tsp, dtype=int)
    used = 0
    for v in vil_order:
        j = vil_tsp[v]
        if vil_is_comm[v]:
            cnt_c[j] += 1
            num = cnt_c[j]
            extra = "" if num <= len(comm_names) else str((num - 1) // len(comm_names) + 1)
            vil_name[v] = f"{tsp_names[j][:2]}{comm_names[(num - 1) % len(comm_names)]}{extra}社区"
            vil_code[v] = tsp_codes[j] + f"{num:03d}"
        else:
            cnt_v[j] += 1
            q = int(perm[used % n_names])
            used += 1
            pre = sc._PREFIXES[q % len(sc._PREFIXES)]
            q //= len(sc._PREFIXES)
            vil_name[v] = f"{pre}{sc._SURNAMES[q // len(sc._SUFFIXES)]}{sc._SUFFIXES[q % len(sc._SUFFIXES)]}村"
            vil_code[v] = tsp_codes[j] + f"{200 + cnt_v[j]:03d}"
    code19 = np.array([c + "0000000" for c in vil_code[vil]], dtype=object)
    vname = vil_name[vil]

    order = np.lexsort((xy[:, 0], -np.round(xy[:, 1] / spacing), vil_rank[vil], tsp))
    tbbh = sc._group_rank([xy[order, 0], -np.round(xy[order, 1] / spacing), vil[order]])
    dlmc = np.array([names_sd[c] for c in code], dtype=object)
    dltb = {
        "BSM": np.array([f"{county_code}01{i + 1:010d}" for i in range(m)], dtype=object),
        "YSDM": np.full(m, sc.YSDM_DLTB, dtype=object),
        "TBBH": np.array([str(int(t) + 1) for t in tbbh], dtype=object),
        "DLBM": code[order], "DLMC": dlmc[order], "QSXZ": qsxz[order],
        "QSDWDM": code19[order], "QSDWMC": vname[order], "ZLDWDM": code19[order], "ZLDWMC": vname[order],
        "TBMJ": tbmj[order], "KCDLBM": kcdlbm[order], "KCXS": kcxs[order], "KCMJ": kcmj[order],
        "TBDLMJ": tbdlmj[order], "GDLX": gdlx[order], "GDPDJB": gdpdjb[order], "ZZSXDM": zzsx[order],
        "CZCSXM": czc[order], "SJNF": np.full(m, SJNF, dtype=np.int64),
    }
    dltb_geoms = sc._as_multi(geoms[order])
    inv = np.empty(m, dtype=np.int64)
    inv[order] = np.arange(m)

    # YJJBNT features (one per chosen parcel, in DLTB order; ~3 % moved by < 0.5 m)
    pos = np.sort(inv[chosen])
    pbf_geoms = dltb_geoms[pos].copy()
    n_shift = int(round(0.03 * len(pos)))
    if n_shift:
        sidx = np.sort(r_ctl.choice(len(pos), size=n_shift, replace=False))
        ang = r_ctl.uniform(0, 2 * math.pi, n_shift)
        dist = r_ctl.uniform(0.1, 0.45, n_shift)
        moved = np.array([shapely.transform(pbf_geoms[s], lambda c, dx=dx, dy=dy: c + [dx, dy])
                          for s, dx, dy in zip(sidx, dist * np.cos(ang), dist * np.sin(ang))], dtype=object)
        pbf_geoms[sidx] = sc._as_multi(sc._grid(moved))
    pbf_zl = dltb["ZLDWDM"][pos]
    pbf_rank = sc._group_rank([np.arange(len(pos)), pbf_zl.astype(str)])
    yjjbnt = {
        "BSM": np.array([f"{county_code}03{i + 1:010d}" for i in range(len(pos))], dtype=object),
        "YJJBNTTBBH": np.array([z[:12] + f"{r + 1:04d}" for z, r in zip(pbf_zl, pbf_rank)], dtype=object),
        "TBBH": dltb["TBBH"][pos], "DLBM": dltb["DLBM"][pos], "DLMC": dltb["DLMC"][pos],
        "QSXZ": dltb["QSXZ"][pos], "ZLDWDM": pbf_zl, "YJJBNTTBMJ": dltb["TBMJ"][pos],
        "KCMJ": dltb["KCMJ"][pos], "YJJBNTMJ": dltb["TBDLMJ"][pos],
    }

    # GHYD
    pxy = shapely.get_coordinates(shapely.point_on_surface(pfaces))
    porder = np.lexsort((pxy[:, 0], -np.round(pxy[:, 1] / (2 * spacing))))
    ghyd = {
        "BSM": np.array([f"{county_code}02{i + 1:010d}" for i in range(len(pfaces))], dtype=object),
        "GHDLBM": ghdl[porder],
        "GHDLMC": np.array([names_yd[c] for c in ghdl[porder]], dtype=object),
        "CZCSLX": czcslx[porder],
    }
    plan_geoms = sc._as_multi(pfaces[porder])

    # STBHHX
    stbhhx = {
        "BSM": np.array([f"{county_code}04{i + 1:010d}" for i in range(len(eprl))], dtype=object),
        "HXBM": np.array([f"{county_code}STHX{i + 1:03d}" for i in range(len(eprl))], dtype=object),
        "HXMC": np.array([e[1] for e in eprl], dtype=object),
        "HXLX": np.array([e[2] for e in eprl], dtype=object),
        "ZRBHDMC": np.array([e[3] for e in eprl], dtype=object),
        "ZRBHDFQ": np.array([e[4] for e in eprl], dtype=object),
        "MJ": sc._rhu_array(sc.ellipsoidal_area_m2(eprl_geoms)),
    }

    # CZKFBJ: around each town's (park's) built land and planned development
    _progress(progress, 0.78, "development boundaries")
    udb, udb_names = [], []
    taken = None
    for k, (_x, _y, _R, kd, i) in enumerate(centres):
        mem = zone == k
        if kd == "town":
            mem |= (town_of == i) & (dn < 1.0)
        if not mem.any():
            continue
        g = shapely.coverage_union_all(geoms[mem])
        g = shapely.buffer(shapely.buffer(g, 30.0, quad_segs=2), -20.0, quad_segs=2)
        g = shapely.simplify(g, 2.0).intersection(outline_abs)
        if taken is not None:
            g = g.difference(taken)
        g = shapely.make_valid(g)
        g = shapely.union_all(shapely.get_parts(g)[shapely.get_type_id(shapely.get_parts(g)) == 3])
        if g.is_empty or g.area < 1.0:
            continue
        taken = g if taken is None else shapely.union_all([taken, g])
        udb.append(g)
        udb_names.append(tsp_names[i] if kd == "town" and i < n_tsp else f"{tsp_names[0][:2]}产业园{k - n_towns + 1}")
    udb_geoms = sc._as_multi(sc._grid(np.array(udb, dtype=object)))
    czkfbj = {
        "BSM": np.array([f"{county_code}05{i + 1:010d}" for i in range(len(udb_geoms))], dtype=object),
        "CZMC": np.array(udb_names, dtype=object),
        "GHFQDM": np.full(len(udb_geoms), sc.GHFQ_CODES["城镇集中建设区"], dtype=object),
        "GHFQMC": np.full(len(udb_geoms), "城镇集中建设区", dtype=object),
        "MJ": sc._rhu_array(sc.ellipsoidal_area_m2(udb_geoms)),
    }

    # XZQ
    xzq_geoms = np.empty(n_tsp, dtype=object)
    dcmj = np.zeros(n_tsp)
    tsp_sorted = tsp[order]
    for j in range(n_tsp):
        mm = tsp_sorted == j
        xzq_geoms[j] = shapely.coverage_union_all(dltb_geoms[mm])
        dcmj[j] = float(sum((Decimal(repr(float(v))) for v in dltb["TBMJ"][mm]), Decimal(0)))
    xzq_geoms = sc._as_multi(sc._grid(xzq_geoms))
    xorder = np.argsort(np.array(tsp_codes), kind="stable")
    xzq = {"XZQDM": np.array(tsp_codes, dtype=object)[xorder], "XZQMC": np.array(tsp_names, dtype=object)[xorder],
           "DCMJ": dcmj[xorder]}
    xzq_geoms = xzq_geoms[xorder]

    # ------------------------------------------------------------------ finance
    _progress(progress, 0.85, "finance table")
    ch = np.flatnonzero(changed)
    title = f"合成县{variant}种子{int(seed)}资金测算单价（示例）"
    version = f"county-variants-{variant}-s{int(seed)}-n{n}"
    costly, fin_text, lam = _calibrate_finance(
        r_fin, cur23[ch], planned[ch], tbmj[ch], target_costly, title, version,
        f"prices of data/finance/finance_example.csv perturbed and scaled for variant {variant} seed {int(seed)} "
        f"so that ~{100 * target_costly:.0f} % of the changed land has cost > revenue")
    fin_path = path.with_name(path.stem + "_finance.csv")

    # ------------------------------------------------------------------ write
    _progress(progress, 0.9, "writing")
    layers = {
        "XZQ": (xzq, xzq_geoms),
        "DLTB": (dltb, dltb_geoms),
        "GHYD": (ghyd, plan_geoms),
        "YJJBNT": (yjjbnt, pbf_geoms),
        "STBHHX": (stbhhx, eprl_geoms),
        "CZKFBJ": (czkfbj, udb_geoms),
    }
    meta = {
        "GUOTUKIT_SAMPLE": f"synthetic county variant '{variant}', generated by tools/county_variants.py — not real data",
        "GUOTUKIT_SAMPLE_VARIANT": variant,
        "GUOTUKIT_SAMPLE_SEED": str(int(seed)),
        "GUOTUKIT_SAMPLE_PARCELS": str(n),
        "GUOTUKIT_SAMPLE_KCXS": "synthetic example 田坎系数 table, not official values",
        "GUOTUKIT_SAMPLE_GHFQDM": "assumed code 010 (unverified)",
    }
    if abs(len(dltb_geoms) - n) > 0.1 * n:  # pragma: no cover - another GEOS noding the lines differently
        raise RuntimeError(f"county_variants: GEOS {shapely.geos_version_string} made {len(dltb_geoms)} parcels for a "
                           f"target of {n}; the generator is validated on GEOS 3.11 (Debian 12): run the bench there")
    sc._write_gpkg(path, layers, meta)
    tmp_fin = fin_path.with_name(f".{fin_path.name}.{os.getpid()}.tmp")
    tmp_fin.write_text(fin_text, encoding="utf-8")
    os.replace(tmp_fin, fin_path)

    # ------------------------------------------------------------------ report
    tot = float(tbmj.sum())
    ch_area = float(tbmj[changed].sum())
    fin = FinanceTable.load(fin_path)
    role = np.array([(fin.lookup(p).role if fin.lookup(p) else "") for p in planned], dtype=object)
    nature = np.array([(fin.lookup(p).nature if fin.lookup(p) else "") for p in planned], dtype=object)
    cc = changed & (role != "none") & (role != "")
    ha = tbmj / 1e4
    result = {
        "path": str(path),
        "variant": variant,
        "seed": int(seed),
        "layers": {k: int(len(v[1])) for k, v in layers.items()},
        "finance_csv": str(fin_path),
        "changed_share": round(ch_area / tot, 4),
        "costly_changed_share": round(costly, 4),
        "seconds": round(time.perf_counter() - t0, 2),
        "costly_target": target_costly,
        "change_target": round(mix["change"], 4),
        "public_share": round(float(tbmj[cc & (nature == "公益性")].sum()) / max(float(tbmj[cc].sum()), 1e-9), 4),
        "climate": round(lam, 4),
        "county_area_km2": round(tot / 1e6, 3),
        "parcel_ha_p5_p50_p95": [round(float(v), 4) for v in np.percentile(ha, [5, 50, 95])],
        "yjjbnt_cropland_share": round(len(pos) / max(1, int(is_crop.sum())), 4),
        "yjjbnt_area_share": round(float(tbmj[chosen].sum()) / tot, 4),
        "stbhhx_area_share": round(float(shapely.area(shapely.union_all(eprl_geoms))) / float(shapely.area(outline_abs)), 4),
    }
    _progress(progress, 1.0, "done")
    return result


# ----------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.county_variants",
                                 description="Write a family of deterministic synthetic counties (EPSG:4527) "
                                             "with their finance tables.")
    ap.add_argument("outdir", help="output directory (<variant>_s<seed>.gpkg and _finance.csv)")
    ap.add_argument("--variants", default="all", help="comma-separated names or 'all' (" + ", ".join(VARIANTS) + ")")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    ap.add_argument("--parcels", type=int, default=20000, help="parcels per county (default 20000)")
    args = ap.parse_args(argv)
    names = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in names:
        if v not in VARIANTS:
            ap.error(f"unknown variant {v!r}")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    out = Path(args.outdir)
    print(f"{'county':18s} {'parcels':>8s} {'plan':>7s} {'changed':>8s} {'costly':>7s} {'public':>7s} "
          f"{'p5 ha':>7s} {'p50 ha':>7s} {'p95 ha':>7s} {'YJJBNT':>7s} {'STBHHX':>7s} {'km2':>8s} {'s':>6s}")
    for v in names:
        for s in seeds:
            r = generate_variant(out / f"{v}_s{s}.gpkg", v, s, args.parcels)
            p5, p50, p95 = r["parcel_ha_p5_p50_p95"]
            print(f"{v + '_s' + str(s):18s} {r['layers']['DLTB']:8d} {r['layers']['GHYD']:7d} "
                  f"{100 * r['changed_share']:7.1f}% {100 * r['costly_changed_share']:6.1f}% "
                  f"{100 * r['public_share']:6.1f}% {p5:7.3f} {p50:7.3f} {p95:7.3f} "
                  f"{100 * r['yjjbnt_cropland_share']:6.1f}% {100 * r['stbhhx_area_share']:6.1f}% "
                  f"{r['county_area_km2']:8.1f} {r['seconds']:6.1f}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
