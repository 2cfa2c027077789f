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
    qi, qj = tree.query(gp, predicate="intersects")
    keep = qi < qj
    qi, qj = qi[keep], qj[keep]
    if cancelled is not None and cancelled():
        raise Cancelled()
    bnd = shapely.boundary(gp)
    lengths = np.zeros(len(qi))
    step = 200000
    for s in range(0, len(qi), step):
        a, b = qi[s:s + step], qj[s:s + step]
        lengths[s:s + step] = shapely.length(shapely.intersection(bnd[a], bnd[b]))
        if cancelled is not None and cancelled():
            raise Cancelled()
    edge = lengths > min_shared
    ai, aj, al = qi[edge], qj[edge], lengths[edge]
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


