"""The adjacency graph of the parcels: shared edges (and gaps below the tolerance), wall units, components.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import shapely

from ..overlay import Cancelled


@dataclass
class Adjacency:
    """Undirected neighbour pairs ``i < j`` with their shared boundary length (0 for a pair
    bridged by the gap tolerance), plus per-parcel perimeter, planar area and centroid."""

    i: np.ndarray
    j: np.ndarray
    length: np.ndarray
    bridged: np.ndarray
    perimeter: np.ndarray
    geom_area: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    gap_tolerance: float = 0.0

    @property
    def n(self) -> int:
        return len(self.perimeter)


def build_adjacency(geoms, gap_tolerance: float = 0.0, min_shared: float = 1e-6,
                    cancelled: Optional[Callable[[], bool]] = None) -> Adjacency:
    """Edge adjacency of polygons (shared boundary length > ``min_shared`` metres; a corner
    touch is not adjacency); with ``gap_tolerance > 0`` pairs closer than it that do not
    touch are neighbours as well. None/empty geometries have no neighbours."""
    g = np.asarray(geoms, dtype=object)
    n = len(g)
    present = ~(shapely.is_missing(g) | shapely.is_empty(g)) if n else np.zeros(0, bool)
    idx = np.flatnonzero(present)
    gp = g[idx]
    perim = np.zeros(n)
    garea = np.zeros(n)
    cx = np.zeros(n)
    cy = np.zeros(n)
    if len(idx):
        perim[idx] = shapely.length(gp)
        garea[idx] = shapely.area(gp)
        cen = shapely.centroid(gp)
        cx[idx] = shapely.get_x(cen)
        cy[idx] = shapely.get_y(cen)
    empty = np.zeros(0, dtype=np.int64)
    if len(idx) < 2:
        return Adjacency(empty, empty, np.zeros(0), np.zeros(0, bool), perim, garea, cx, cy, gap_tolerance)
    tree = shapely.STRtree(gp)
    ai, aj, al, suspect = _shared_segments(gp, tree)
    if suspect.any():
        # the parcels whose boundary is not made of segments shared whole with one neighbour
        # (a vertex in the middle of a neighbour's edge, overlaps, the layer's outline): a pair of
        # two of them gets its shared length from GEOS, boundary against boundary; a pair with one
        # parcel outside this set keeps the segment sum, which is exact for it
        if cancelled is not None and cancelled():
            raise Cancelled()
        si = np.flatnonzero(suspect)
        qi, qj = tree.query(gp[si], predicate="intersects")
        qi = si[qi]
        keep = (qi < qj) & suspect[qj]
        qi, qj = qi[keep], qj[keep]
        bnd = np.empty(len(gp), dtype=object)
        bnd[si] = shapely.boundary(gp[si])
        lengths = np.zeros(len(qi))
        step = 200000
        for s in range(0, len(qi), step):
            a, b = qi[s:s + step], qj[s:s + step]
            lengths[s:s + step] = shapely.length(shapely.intersection(bnd[a], bnd[b]))
            if cancelled is not None and cancelled():
                raise Cancelled()
        fast = ~(suspect[ai] & suspect[aj])
        ai = np.concatenate([ai[fast], qi])
        aj = np.concatenate([aj[fast], qj])
        al = np.concatenate([al[fast], lengths])
        order = np.lexsort((aj, ai))
        ai, aj, al = ai[order], aj[order], al[order]
    keep = al > min_shared
    ai, aj, al = ai[keep], aj[keep], al[keep]
    if cancelled is not None and cancelled():
        raise Cancelled()
    bridged = np.zeros(len(ai), dtype=bool)
    if gap_tolerance > 0:
        env = shapely.buffer(shapely.envelope(gp), gap_tolerance)
        ci, cj = tree.query(env)
        keep = ci < cj
        ci, cj = ci[keep], cj[keep]
        d = shapely.distance(gp[ci], gp[cj])
        near = (d > 0) & (d <= gap_tolerance)
        ci, cj = ci[near], cj[near]
        ai = np.concatenate([ai, ci])
        aj = np.concatenate([aj, cj])
        al = np.concatenate([al, np.zeros(len(ci))])
        bridged = np.concatenate([bridged, np.ones(len(ci), dtype=bool)])
    return Adjacency(idx[ai].astype(np.int64), idx[aj].astype(np.int64), al, bridged,
                     perim, garea, cx, cy, gap_tolerance)


def _shared_segments(gp, tree):
    """Neighbour pairs ``i < j`` with the length of the boundary segments they share whole (the
    same two vertices), and the parcels for which that sum is not the whole story (``suspect``):

    - a segment found once: the layer's outline, a hole, or a vertex of one parcel in the middle
      of its neighbour's edge;
    - a segment found in more than two polygons, or twice in one (overlaps, slivers);
    - a polygon that a segment's side probe finds where it should find none (an overlap).

    A parcel outside ``suspect`` has every segment shared whole with exactly one other parcel, so
    its sums are exact; the caller intersects boundaries (GEOS) only for pairs of suspects. On a
    clean coverage from one survey database that is the outline's parcels alone."""
    n = len(gp)
    suspect = np.zeros(n, dtype=bool)
    none = np.zeros(0, dtype=np.int64)
    polys, pidx = shapely.get_parts(gp, return_index=True)
    rings, ridx = shapely.get_rings(polys, return_index=True)
    xy, cidx = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        suspect[:] = True
        return none, none, np.zeros(0), suspect
    owner = pidx[ridx[cidx]]
    same = cidx[:-1] == cidx[1:]
    p, q = xy[:-1][same], xy[1:][same]
    own = owner[:-1][same]
    seg_len = np.hypot(q[:, 0] - p[:, 0], q[:, 1] - p[:, 1])
    nz = seg_len > 0
    p, q, own, seg_len = p[nz], q[nz], own[nz], seg_len[nz]
    # each segment with its endpoints in a fixed order, so both sides see the same key
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    a = np.where(swap[:, None], q, p)
    b = np.where(swap[:, None], p, q)
    order = np.lexsort((b[:, 1], b[:, 0], a[:, 1], a[:, 0]))
    a, b, own, seg_len, p, q = a[order], b[order], own[order], seg_len[order], p[order], q[order]
    new = np.ones(len(a), dtype=bool)
    new[1:] = (a[1:] != a[:-1]).any(axis=1) | (b[1:] != b[:-1]).any(axis=1)
    start = np.flatnonzero(new)
    count = np.diff(np.append(start, len(a)))
    many = start[count > 2]
    if len(many):
        group = np.repeat(np.arange(len(start)), count)
        suspect[own[(count > 2)[group]]] = True
    two = start[count == 2]
    i, j = own[two], own[two + 1]
    diff = i != j
    suspect[i[~diff]] = True
    i, j, L = np.minimum(i, j)[diff], np.maximum(i, j)[diff], seg_len[two][diff]
    one = start[count == 1]
    if len(one):
        suspect[own[one]] = True
        # a polygon beside a segment seen once, other than its own: a neighbour along a part of
        # it, or an overlap — a suspect too
        mid = (p[one] + q[one]) / 2.0
        d = (q[one] - p[one]) / seg_len[one][:, None]
        eps = np.minimum(0.01, seg_len[one] / 10.0)[:, None]
        normal = np.column_stack([-d[:, 1], d[:, 0]])
        pts = shapely.points(np.vstack([mid + eps * normal, mid - eps * normal]))
        hit_pt, hit_poly = tree.query(pts, predicate="intersects")
        suspect[hit_poly[hit_poly != np.concatenate([own[one], own[one]])[hit_pt]]] = True
    if not len(i):
        return none, none, np.zeros(0), suspect
    key = i.astype(np.int64) * n + j
    uk, inv = np.unique(key, return_inverse=True)
    return (uk // n).astype(np.int64), (uk % n).astype(np.int64), np.bincount(inv, weights=L), suspect


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label per node (union-find, vectorised by pointer jumping)."""
    parent = np.arange(n)
    if len(i) == 0:
        return parent
    a, b = np.asarray(i), np.asarray(j)
    while True:
        pa, pb = parent[a], parent[b]
        lo = np.minimum(pa, pb)
        hi = np.maximum(pa, pb)
        diff = lo != hi
        if not diff.any():
            break
        np.minimum.at(parent, hi[diff], lo[diff])
        # compress
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
    return parent


def _parts(members: Sequence[int], nbrs: Dict[int, List[int]]) -> int:
    """Number of connected parts of ``members`` in the neighbour lists."""
    left = set(members)
    parts = 0
    while left:
        parts += 1
        stack = [left.pop()]
        while stack:
            x = stack.pop()
            for y in nbrs.get(x, ()):
                if y in left:
                    left.remove(y)
                    stack.append(y)
    return parts


