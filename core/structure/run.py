"""Orchestration of the 用地结构调整表: from two layers' codes, areas and geometries to the
tables, the transition matrix, the finance view and the lists a reviewer needs.

The QGIS algorithm reads the layers (attributes, geometries in one working CRS, areas on the
chosen basis) and calls :func:`run_structure`; everything here is plain numpy/pandas/shapely.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import numpy as np
import pandas as pd

from ..overlay import Cancelled, ControlLayer, overlay, self_overlaps
from ..pairarea import EdgeTable
from ..rounding import M2_PER_UNIT
from .compute import (
    FinanceView,
    LayerRecords,
    StructureTemplate,
    apportion_regions,
    code_details,
    finance_view,
    prepare_layer,
    regions_of,
)
from .ledger import (
    Basis,
    FinanceLedger,
    StructureTable,
    Transition,
    build_table,
    detail_areas,
    finance_ledger,
    region_totals,
    transition,
)

__all__ = ["Basis", "LayerInput", "StructureRun", "run_structure", "Cancelled"]


@dataclass
class LayerInput:
    """One layer as the algorithm read it.  ``areas_m2`` are on the chosen basis (gross, i.e.
    including the deduction when ``deductions_m2`` is given); ``geoms`` (shapely array in the
    working CRS, None allowed) are needed for the transition, regions and the overlap check."""

    label: str
    codes: list
    system: str
    areas_m2: np.ndarray
    fids: list
    geoms: Optional[np.ndarray] = None
    deductions_m2: Optional[np.ndarray] = None
    czcs_values: Optional[list] = None
    czcs_field: str = ""
    overrides: object = None
    excluded: Optional[dict] = None  # {index: reason} left out of the table (e.g. invalid geometry)


@dataclass
class StructureRun:
    base: LayerRecords
    target: LayerRecords
    table: StructureTable
    region_tables: List[StructureTable]
    transition: Optional[Transition]
    finance: Optional[FinanceView]   # exact
    finance_ledger: Optional[FinanceLedger]   # printed
    details: pd.DataFrame   # exact m² and the printed ``area``
    skipped: pd.DataFrame
    pieces: Optional[pd.DataFrame]  # base_parcel, target_parcel, base_share, target_share, area, geometry
    overlaps: dict  # label -> (pairs, overlap area m², planar) or None when not checked
    notes: List[str] = field(default_factory=list)


def _region_shares(geoms, region_geoms, region_names, progress, cancelled) -> pd.DataFrame:
    layer = ControlLayer(region_geoms, "region", cancelled=cancelled)
    res = overlay(geoms, layer, sliver_tolerance=0.0, want_geometry=False, progress=progress, cancelled=cancelled)
    p = res.pieces
    names = np.asarray(region_names, dtype=object)
    return pd.DataFrame({"parcel": p["subject"].to_numpy(), "region": names[p["control"].to_numpy()],
                         "share": p["subject_share"].to_numpy()})


def _pairs_with_area(geoms, pairs: np.ndarray) -> pd.DataFrame:
    import shapely

    if not len(pairs):
        return pd.DataFrame({"i": np.empty(0, dtype=np.int64), "j": np.empty(0, dtype=np.int64),
                             "area": np.empty(0, dtype=float)})
    g = np.asarray(geoms, dtype=object)
    area = shapely.area(shapely.intersection(g[pairs[:, 0]], g[pairs[:, 1]]))
    return pd.DataFrame({"i": pairs[:, 0].astype(np.int64), "j": pairs[:, 1].astype(np.int64), "area": area})


def _sub(progress, lo, hi):
    if progress is None:
        return None
    return lambda f: progress(lo + (hi - lo) * max(0.0, min(1.0, f)))


def run_structure(base_in: LayerInput, target_in: LayerInput, template: StructureTemplate, *,
                  unit: str = "ha", decimals: int = 2, pct_decimals: int = 2,
                  region_geoms=None, region_names=None, want_transition: bool = False,
                  want_pieces: bool = False, finance=None, check_overlaps: bool = True,
                  total_tolerance_pct: float = 0.01, bases: Optional[tuple] = None,
                  progress: Optional[Callable[[float], None]] = None,
                  cancelled: Optional[Callable[[], bool]] = None) -> StructureRun:
    """Compute everything; raises :class:`Cancelled` when ``cancelled()`` turns True.

    ``bases``: (base, target) :class:`~.ledger.Basis` — when the layers' area bases differ the table
    and the transition matrix say so and keep the difference apart from any change of use."""
    notes: List[str] = []

    def check():
        if cancelled is not None and cancelled():
            raise Cancelled()

    overlaps = {}
    # with a transition overlay to run, the geometry work is independent of the codes until the overlay:
    # the target layer indexed as its control layer (with its own overlap test) on one background thread,
    # the base layer's edge table and then its overlap test on another (numpy and GEOS release the GIL for
    # most of it), while this thread reads the codes: two cores, one wall time
    pool = base_future = edges_future = target_future = None
    if want_transition and base_in.geoms is not None and target_in.geoms is not None:
        pool = ThreadPoolExecutor(2, thread_name_prefix="guotukit-structure")
        # prepared (GEOS's lazy indexes) later, by the thread that overlays it
        target_future = pool.submit(ControlLayer, target_in.geoms, "target", cancelled=cancelled,
                                    progress=_sub(progress, 0.05, 0.25), find_overlaps=check_overlaps,
                                    prepare=False)
        edges_future = Future()

        def base_geometry():
            try:
                edges = EdgeTable(base_in.geoms)  # one for the overlap test and the overlay
                edges.fan()
            except BaseException as exc:
                edges_future.set_exception(exc)
                raise
            edges_future.set_result(edges)
            return self_overlaps(base_in.geoms, cancelled=cancelled, edges=edges) if check_overlaps else None

        base_future = pool.submit(base_geometry)
    try:
        base = prepare_layer(base_in.label, base_in.codes, base_in.system, base_in.areas_m2, template,
                             deductions_m2=base_in.deductions_m2, czcs_values=base_in.czcs_values,
                             czcs_field=base_in.czcs_field, overrides=base_in.overrides, excluded=base_in.excluded)
        target = prepare_layer(target_in.label, target_in.codes, target_in.system, target_in.areas_m2, template,
                               deductions_m2=target_in.deductions_m2, czcs_values=target_in.czcs_values,
                               czcs_field=target_in.czcs_field, overrides=target_in.overrides,
                               excluded=target_in.excluded)
        check()
        if progress:
            progress(0.05)
        return _run(base_in, target_in, template, base, target, notes, overlaps,
                    base_future if check_overlaps else None, edges_future, target_future, unit=unit,
                    decimals=decimals, pct_decimals=pct_decimals, region_geoms=region_geoms,
                    region_names=region_names, want_transition=want_transition, want_pieces=want_pieces,
                    finance=finance, check_overlaps=check_overlaps, total_tolerance_pct=total_tolerance_pct,
                    bases=bases, progress=progress, check=check, cancelled=cancelled)
    finally:
        if pool is not None:
            for future in (target_future, base_future):
                if future is not None:
                    future.cancel()
            pool.shutdown(wait=True)


def _run(base_in, target_in, template, base, target, notes, overlaps, base_future, edges_future, target_future, *,
         unit, decimals, pct_decimals, region_geoms, region_names, want_transition, want_pieces, finance,
         check_overlaps, total_tolerance_pct, bases, progress, check, cancelled):
    tlayer = None
    if want_transition:
        if base_in.geoms is None or target_in.geoms is None:
            raise ValueError("the transition matrix needs the geometries of both layers")
        # the target's own overlap test doubles as the overlap check of the target layer
        tlayer = target_future.result()
        base_edges = edges_future.result()
    def collect(inp, pairs):
        overlaps[inp.label] = (len(pairs), float(pairs["area"].sum()) if len(pairs) else 0.0, pairs)

    if check_overlaps:
        for lo, inp in zip((0.25, 0.3), (base_in, target_in)):
            if inp.geoms is None:
                overlaps[inp.label] = None
            elif inp is target_in and tlayer is not None:
                collect(inp, _pairs_with_area(target_in.geoms, tlayer.overlap_pairs))
            elif inp is base_in and base_future is not None:
                overlaps[inp.label] = None     # in the background: collected after the overlay
            else:
                collect(inp, self_overlaps(inp.geoms, cancelled=cancelled, progress=_sub(progress, lo, lo + 0.05)))
            check()

    pieces = None
    if want_transition:
        res = overlay(base_in.geoms, tlayer, sliver_tolerance=0.0, want_geometry=want_pieces,
                      progress=_sub(progress, 0.35, 0.8), cancelled=cancelled, subject_edges=base_edges)
        p = res.pieces
        import shapely

        t_planar = np.zeros(len(target_in.geoms))
        present = ~(shapely.is_missing(target_in.geoms) | shapely.is_empty(target_in.geoms))
        t_planar[present] = shapely.area(target_in.geoms[present])
        tgt = p["control"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t_share = np.where(t_planar[tgt] > 0, p["area"].to_numpy() / t_planar[tgt], 0.0)
        pieces = pd.DataFrame({"base_parcel": p["subject"].to_numpy(), "target_parcel": tgt,
                               "base_share": p["subject_share"].to_numpy(), "target_share": t_share,
                               "area": p["area"].to_numpy(), "geometry": p["geometry"].to_numpy()})
        # layers covering different extents: say so — a matrix all in 规划图层未覆盖 must not pass unremarked
        covered = float(res.occupied.sum())
        for inp, total in ((base_in, float(res.subject_area.sum())), (target_in, float(t_planar.sum()))):
            if total > 0 and total - covered > 0.01 * total:
                other = target_in if inp is base_in else base_in
                where = ("转换矩阵中这部分计入“规划图层未覆盖”列" if inp is base_in
                         else "这部分不进入转换矩阵，列在其“差额”行")
                notes.append(f"{inp.label}图层约有 {(total - covered) / 10000:.4f} 公顷（占 {100 * (total - covered) / total:.1f}%，"
                             f"平面量算）不在{other.label}图层范围内，{where}"
                             + ("；两个图层完全不重叠，请检查是否选对了图层、其范围和坐标系。" if not len(p) else "。"))
        check()
        if base_future is not None:
            collect(base_in, base_future.result())
    for inp in (base_in, target_in):
        found = overlaps.get(inp.label)
        if found and found[0]:
            notes.append(
                f"{inp.label}图层内有 {found[0]} 对图斑相互重叠，重叠面积约 {found[1] / 10000:.4f} 公顷"
                "（平面量算）：重叠部分被重复计入，请先处理重叠（如 拓扑检查 / 融合）")
    if progress:
        progress(0.8)

    region_tables: List[StructureTable] = []
    if region_geoms is not None:
        for inp in (base_in, target_in):
            if inp.geoms is None:
                raise ValueError("regions need the geometries of both layers")
        lo = 0.8
        base = apportion_regions(base, _region_shares(base_in.geoms, region_geoms, region_names,
                                                      _sub(progress, lo, lo + 0.05), cancelled))
        target = apportion_regions(target, _region_shares(target_in.geoms, region_geoms, region_names,
                                                          _sub(progress, lo + 0.05, lo + 0.1), cancelled))
        check()
        half_unit = float(M2_PER_UNIT[unit]) * 0.5 * 10.0 ** -decimals
        names = regions_of(base, target, min_m2=half_unit)
        b_tot = region_totals(base, regions_of(base, target), unit, decimals)
        t_tot = region_totals(target, regions_of(base, target), unit, decimals)
        for name in names:
            region_tables.append(build_table(base, target, template, unit=unit, decimals=decimals,
                                             pct_decimals=pct_decimals, region=name,
                                             total_tolerance_pct=total_tolerance_pct,
                                             base_total=b_tot[name], target_total=t_tot[name], bases=bases))

    table = build_table(base, target, template, unit=unit, decimals=decimals, pct_decimals=pct_decimals,
                        total_tolerance_pct=total_tolerance_pct, bases=bases)
    trans = transition(base, target, pieces, table, template, bases=bases) if pieces is not None else None
    fin = finance_view(base, target, finance, pieces) if finance is not None else None
    fin_ledger = finance_ledger(fin, table) if fin is not None else None
    details = detail_areas(code_details(base, target), table)
    skipped = []
    for inp, rec in ((base_in, base), (target_in, target)):
        if len(rec.skipped):
            s = rec.skipped
            fids = np.asarray(inp.fids, dtype=object)[s["parcel"].to_numpy()]
            skipped.append(pd.DataFrame({"label": inp.label, "fid": fids, "raw": s["raw"].to_numpy(),
                                         "reason": s["reason"].to_numpy()}))
    skipped_df = pd.concat(skipped, ignore_index=True) if skipped else pd.DataFrame(
        columns=["label", "fid", "raw", "reason"])
    notes = table.notes + notes + base.notes + target.notes
    if progress:
        progress(1.0)
    return StructureRun(base, target, table, region_tables, trans, fin, fin_ledger, details, skipped_df, pieces,
                        overlaps, notes)
