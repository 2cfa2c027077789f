"""Geometry helpers of the package job: package outlines, hand-drawn packages to parcels, majority joins.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import pandas as pd
import shapely

from .model import text_array


def package_geometries(geoms, labels, workers: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """(package ids, dissolved geometry per id) for the parcels that are in a package (``workers``:
    threads for the unions, as in :func:`core.overlay.grouped_union`)."""
    from ..overlay import grouped_union

    lab = text_array(labels, len(geoms))
    g = np.asarray(geoms, dtype=object)
    m = (lab != "") & ~shapely.is_missing(g)
    if not m.any():
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    order = np.argsort(lab[m], kind="stable")
    ids, merged = grouped_union(g[m][order], lab[m][order], workers=workers)
    return ids, merged


def assign_by_polygons(parcel_geoms, package_geoms, package_ids, min_share: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
    """Package id per parcel from hand-drawn package polygons: the polygon that covers the
    largest share of the parcel, when that share ≥ ``min_share``. Returns (ids, share)."""
    pg = np.asarray(parcel_geoms, dtype=object)
    kg = np.asarray(package_geoms, dtype=object)
    ids = np.full(len(pg), "", dtype=object)
    best = np.zeros(len(pg))
    ok = ~(shapely.is_missing(kg) | shapely.is_empty(kg))
    if not ok.any() or len(pg) == 0:
        return ids, best
    kidx = np.flatnonzero(ok)
    tree = shapely.STRtree(kg[kidx])
    present = ~(shapely.is_missing(pg) | shapely.is_empty(pg))
    pidx = np.flatnonzero(present)
    si, ki = tree.query(pg[pidx], predicate="intersects")
    if len(si) == 0:
        return ids, best
    subj = pidx[si]
    inter = shapely.area(shapely.intersection(pg[subj], kg[kidx][ki]))
    parea = shapely.area(pg[subj])
    share = np.where(parea > 0, inter / np.where(parea > 0, parea, 1), 0.0)
    order = np.lexsort((-share, subj))
    first = np.ones(len(order), dtype=bool)
    first[1:] = subj[order][1:] != subj[order][:-1]
    top = order[first]
    pid = np.asarray(package_ids, dtype=object)[kidx]
    good = share[top] >= min_share
    ids[subj[top][good]] = pid[ki[top][good]]
    best[subj[top]] = share[top]
    return ids, best


def majority_join(parcel_geoms, other_geoms, other_values, min_share: float = 0.0,
                  progress=None, cancelled=None, subject_edges=None) -> Tuple[np.ndarray, np.ndarray]:
    """Per parcel, the value of the ``other`` feature that covers the largest share of it
    (e.g. the planned class from a 规划用地 layer, or the wall unit from a 行政村 layer), and
    that share. Parcels no feature covers by more than ``min_share`` get ''.  ``subject_edges``: the
    parcels' :class:`core.pairarea.EdgeTable` when the caller shares one between overlays."""
    from ..overlay import ControlLayer, overlay

    pg = np.asarray(parcel_geoms, dtype=object)
    vals = text_array(other_values, len(other_geoms))
    out = np.full(len(pg), "", dtype=object)
    share = np.zeros(len(pg))
    if len(pg) == 0 or len(vals) == 0:
        return out, share
    layer = ControlLayer(other_geoms, "join", find_overlaps=False, cancelled=cancelled, prepare=False)
    res = overlay(pg, layer, sliver_tolerance=0.0, want_geometry=False, progress=progress, cancelled=cancelled,
                  subject_edges=subject_edges)
    pcs = res.pieces
    if len(pcs) == 0:
        return out, share
    s = pcs["subject"].to_numpy()
    c = pcs["control"].to_numpy()
    sh = pcs["subject_share"].to_numpy(dtype=float)
    # equal values of several features add up (two plan polygons of one class on a parcel)
    key = pd.DataFrame({"s": s, "v": vals[c], "sh": sh}).groupby(["s", "v"], sort=False)["sh"].sum().reset_index()
    key = key.sort_values(["s", "sh", "v"], ascending=[True, False, True], kind="stable")
    top = key.drop_duplicates("s")
    good = top["sh"].to_numpy() > min_share
    si = top["s"].to_numpy()
    out[si[good]] = top["v"].to_numpy()[good]
    share[si] = top["sh"].to_numpy()
    return out, share


def overlap_shares(parcel_geoms, other_geoms, progress=None, cancelled=None, subject_edges=None) -> np.ndarray:
    """Share of each parcel covered by the union of ``other_geoms`` (a control layer); ``subject_edges`` as
    in :func:`majority_join`."""
    from ..overlay import ControlLayer, overlay

    pg = np.asarray(parcel_geoms, dtype=object)
    if len(pg) == 0 or len(other_geoms) == 0:
        return np.zeros(len(pg))
    layer = ControlLayer(other_geoms, "exclude", cancelled=cancelled, prepare=False)
    res = overlay(pg, layer, sliver_tolerance=0.0, want_geometry=False, progress=progress, cancelled=cancelled,
                  subject_edges=subject_edges)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(res.subject_area > 0, res.occupied / np.where(res.subject_area > 0, res.subject_area, 1), 0.0)


