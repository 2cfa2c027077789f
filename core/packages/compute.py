"""Orchestration of 资产包 delineation and validation: from what the algorithm read (codes,
areas, geometries in one working CRS) to the engine's result and the frames the report needs.

The QGIS algorithms (``guotukit:assetpackages``, ``guotukit:validatepackages``) read the layers
and call :func:`run_packages`; everything here is plain numpy/pandas/shapely.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..finance import FinanceTable
from ..overlay import Cancelled, self_overlaps
from ..pairarea import EdgeTable
from ..registry import get_registry
from .engine import PackagingResult, delineate
from .geometry import majority_join, overlap_shares
from .graph import build_adjacency
from .model import REASONS, PackageRules, ParcelTable, evaluate, prepare_parcels, text_array
from .proofs import diagnose

__all__ = ["PackageInputs", "ControlInput", "PackageRun", "run_packages", "Cancelled", "EXCLUDE_WORDS"]

# values of an exclusion field that mean "not excluded"
EXCLUDE_WORDS = {"", "0", "0.0", "否", "不", "无", "N", "NO", "F", "FALSE", "非"}


@dataclass
class ControlInput:
    """A control layer: its name (e.g. 永久基本农田), geometries in the working CRS, and whether
    parcels inside it are excluded (an exclusion layer) or only listed (条件清单)."""

    name: str
    geoms: np.ndarray
    exclude: bool = True
    role: str = ""  # rule-profile role (pbf, eprl, udb or a profile's own); "" = the layer name
    zones: Optional[Sequence] = None  # zone per geometry (e.g. ZRBHDFQ 核心保护区/一般控制区)


@dataclass
class PackageInputs:
    geoms: np.ndarray  # shapely, working CRS (planar metres)
    area_m2: np.ndarray  # on the chosen basis; NaN = unknown
    parcel_ids: Sequence[str]
    current_raw: Sequence
    current_system: str = "sandiao"
    planned_raw: Optional[Sequence] = None
    planned_system: str = "ydyh2023"
    plan_geoms: Optional[np.ndarray] = None  # planned class from a plan layer (largest share)
    plan_codes: Optional[Sequence] = None
    qsxz: Optional[Sequence] = None
    owner_unit: Optional[Sequence] = None
    owner_name: Optional[Sequence] = None
    exclude_values: Optional[Sequence] = None
    exclude_field: str = ""
    controls: List[ControlInput] = field(default_factory=list)
    exclude_share_pct: float = 50.0  # a parcel this much inside an exclusion layer is excluded
    wall_geoms: Optional[np.ndarray] = None
    wall_ids: Optional[Sequence] = None
    locked: Optional[Sequence] = None
    package_ids: Optional[Sequence] = None  # validate: package id per parcel
    package_geoms: Optional[np.ndarray] = None  # validate: hand-drawn package polygons
    package_geom_ids: Optional[Sequence] = None
    mapping: Optional[str] = None  # crosswalk override table for the current codes
    # with a rule profile, a parcel inside an exclusion layer still takes part when the profile
    # passes its planned class there (e.g. forest staying forest inside 生态保护红线 一般控制区)
    rule_profile: Optional[object] = None  # core.compliance.RuleProfile
    project_type: str = "规划方案"
    bad: Dict[int, str] = field(default_factory=dict)  # parcel index -> REASONS key (e.g. no_geometry)


@dataclass
class PackageRun:
    result: PackagingResult
    parcels: ParcelTable
    frame: pd.DataFrame  # per parcel, for the ASSIGNMENT layer and the report
    conditions: Optional[pd.DataFrame]  # package × control layer: area_m2, share_pct (None: no control layers)
    notes: List[str]
    overlaps: Optional[Tuple[int, float]]  # overlapping parcel pairs and their area (m²)
    planned_source: str
    mode: str
    timings: Dict[str, float] = field(default_factory=dict)  # seconds per phase
    adjacency: Optional[object] = None  # the Adjacency the engine used (for what-if runs)
    binding: Optional[pd.DataFrame] = None  # whatif.binding() (delineate mode)
    what_if: Optional[pd.DataFrame] = None  # whatif.what_if() when asked


def _codes(raw, system: str, mapping=None) -> Tuple[np.ndarray, np.ndarray]:
    reg = get_registry()
    if raw is None:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    mapped = reg.crosswalk(system, "ydyh2023", mapping).map_many(list(raw))
    codes = np.array([c if isinstance(c, str) and c else "" for c in mapped["target_code"]], dtype=object)
    names = np.array([c if isinstance(c, str) else "" for c in mapped["target_name"]], dtype=object)
    return codes, names


def _names(codes: np.ndarray) -> np.ndarray:
    cls = get_registry().classification("ydyh2023")
    cache: Dict[str, str] = {}
    out = np.empty(len(codes), dtype=object)
    for i, c in enumerate(codes):
        if c not in cache:
            cache[c] = (cls.name(c) or "") if c else ""
        out[i] = cache[c]
    return out


def run_packages(inp: PackageInputs, rules: PackageRules, finance: FinanceTable, mode: str = "delineate",
                 seed: int = 0, check_overlaps: bool = True,
                 progress: Optional[Callable[[float], None]] = None,
                 cancelled: Optional[Callable[[], bool]] = None) -> PackageRun:
    """Delineate (``mode="delineate"``) or check given packages (``mode="validate"``)."""
    rules.check()
    n = len(inp.geoms)
    notes: List[str] = []
    timings: Dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock[0]
        clock[0] = now

    def prog(a: float, b: float):
        if progress is None:
            return None
        return lambda f: progress(a + (b - a) * f)

    def check():
        if cancelled is not None and cancelled():
            raise Cancelled()

    # one edge table of the parcels for every overlay of them (plan join, control layers, unit layer, the
    # overlap check)
    edges = None
    if n and (inp.controls or inp.plan_geoms is not None or inp.wall_geoms is not None or check_overlaps):
        edges = EdgeTable(inp.geoms)
        edges.fan()  # before the overlap check's thread shares it
    reg = get_registry()
    cur, cur_names = _codes(inp.current_raw, inp.current_system, inp.mapping)
    if inp.planned_raw is not None:
        pla, pla_names = _codes(inp.planned_raw, inp.planned_system)
        planned_source = "图斑属性"
    elif inp.plan_geoms is not None and inp.plan_codes is not None:
        plan_codes, _ = _codes(inp.plan_codes, inp.planned_system)
        pla, share = majority_join(inp.geoms, inp.plan_geoms, plan_codes, progress=prog(0.0, 0.15), cancelled=cancelled,
                                   subject_edges=edges)
        pla_names = _names(pla)
        planned_source = "规划图层（取覆盖图斑面积最大的规划地类）"
        low = (share > 0) & (share < 0.5)
        if low.any():
            notes.append(f"{int(low.sum())} 个图斑被多个规划地类切分，取覆盖面积最大者（其覆盖比例不足 50%）。")
        bare = int((share <= 0).sum())
        if bare == n and n:
            notes.append("规划图层与全部图斑都没有重叠，没有图斑取得规划地类，全部未参与划定：请检查是否选对了规划图层、"
                         "其范围和坐标系。")
        elif bare:
            notes.append(f"{bare} 个图斑不在规划图层范围内，没有规划地类，未参与划定。")
    else:
        raise ValueError("没有规划地类：请选择规划地类字段或规划用地图层。")
    check()
    lap("codes and planned classes")
    if progress:
        progress(0.15)
    own = None
    if inp.qsxz is not None:  # a county has a handful of QSXZ values: each looked up once
        seen: Dict[object, Optional[str]] = {}
        own = [seen[q] if q in seen else seen.setdefault(q, reg.ownership(q)) for q in inp.qsxz]
    owner_unit = text_array(inp.owner_unit, n)
    owner_name = text_array(inp.owner_name, n)

    # exclusions: a field, and control layers
    excluded = np.full(n, "", dtype=object)
    if inp.exclude_values is not None:
        ex = text_array(inp.exclude_values, n)
        hit = np.array([v.upper() not in EXCLUDE_WORDS for v in ex], dtype=bool)
        excluded[hit] = [f"{inp.exclude_field or '排除字段'} = {v}" for v in ex[hit]]
    shares: Dict[str, np.ndarray] = {}
    allowed: Dict[Tuple[str, str], int] = {}  # (layer, rule) -> parcels let in by the rule profile
    for k, c in enumerate(inp.controls):
        span = (0.15 + 0.1 * k / max(1, len(inp.controls)), 0.15 + 0.1 * (k + 1) / max(1, len(inp.controls)))
        s = overlap_shares(inp.geoms, c.geoms, progress=prog(*span), cancelled=cancelled, subject_edges=edges)
        shares[c.name] = s
        if not c.exclude:
            continue
        hit = (s * 100.0 >= inp.exclude_share_pct - 1e-9) & (s > 0)
        if inp.rule_profile is not None and hit.any():
            hit = _not_allowed(inp, c, s, hit, pla, allowed, cancelled)
        hit &= excluded == ""
        excluded[hit] = [f"{c.name} {100 * v:.1f}%" for v in s[hit]]
    if inp.rule_profile is not None and not allowed and any(c.exclude for c in inp.controls):
        notes.append(f"已按规则方案“{inp.rule_profile.label}”检查排除图层内的图斑：没有图斑的规划用途被判定为“通过”，全部排除。")
    for (name, rule), cnt in sorted(allowed.items()):
        notes.append(f"{cnt} 个图斑位于排除图层“{name}”内，但规则方案“{inp.rule_profile.label}”的规则 {rule} "
                     "判定其规划用途为“通过”，按规则方案允许参与划定。")
    check()
    lap("exclusion and condition layers")
    wall = None
    if inp.wall_geoms is not None and inp.wall_ids is not None:
        wall, wshare = majority_join(inp.geoms, inp.wall_geoms, text_array(inp.wall_ids, len(inp.wall_geoms)),
                                     progress=prog(0.25, 0.3), cancelled=cancelled, subject_edges=edges)
        outside = wall == ""
        if outside.any():
            wall = wall.copy()
            wall[outside] = "（单元之外）"
            notes.append(f"{int(outside.sum())} 个图斑不在任何单元内，归为“单元之外”。")
    bad = np.full(n, "", dtype=object)
    for i, why in inp.bad.items():
        bad[i] = why
    locked = text_array(inp.locked, n) if inp.locked is not None else None
    parcels = prepare_parcels(inp.area_m2, cur, pla, finance, own, owner_unit, excluded=excluded,
                              locked=locked, wall=wall, bad=bad)
    if parcels.missing_prices:
        miss = "、".join(f"{c}（{a / 10000:.2f} 公顷）" for c, a in sorted(parcels.missing_prices.items()))
        notes.append(f"资金测算表缺少以下地类，相关图斑未参与划定：{miss}。请在资金测算表中补充。")
    check()
    lap("prices")
    if progress:
        progress(0.32)
    # the overlap check (GEOS, GIL released) runs on the second core beside the graph and the
    # delineation (pure Python): it only adds a note, the engine does not read it
    pool = ThreadPoolExecutor(1, thread_name_prefix="guotukit-overlaps") if check_overlaps else None
    ov_future = pool.submit(self_overlaps, inp.geoms, cancelled=cancelled, edges=edges) if pool is not None else None
    try:
        adj = build_adjacency(inp.geoms, rules.gap_tolerance, cancelled=cancelled)
        lap("adjacency graph")
        if progress:
            progress(0.4)
        if mode == "delineate":
            res = delineate(parcels, adj, rules, seed=seed, progress=prog(0.4, 0.92), cancelled=cancelled)
        else:
            res = _validate(inp, parcels, adj, rules, n, seed)
        check()
        lap("delineation" if mode == "delineate" else "validation")
        overlaps = None
        if ov_future is not None:
            ov = ov_future.result()
            ov_area = float(ov["area"].sum()) if len(ov) else 0.0
            overlaps = (int(len(ov)), ov_area)
            if len(ov):
                notes.append(f"图层内有 {len(ov)} 对图斑相互重叠（重叠面积 {ov_area:.2f} 平方米），重叠部分在资产包面积中重复计算；"
                             "请先处理拓扑重叠。")
        check()
        lap("overlap check (waited for)")
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    # per-parcel frame
    frame = pd.DataFrame({
        "parcel_id": list(inp.parcel_ids), "package": res.labels, "current": cur, "current_name": cur_names,
        "planned": pla, "planned_name": pla_names, "nature": parcels.nature, "area_m2": parcels.area_m2,
        "ownership": np.where(parcels.state, "state", np.where(parcels.collective, "collective", "")),
        "owner_unit": owner_unit, "owner_name": owner_name, "changed": parcels.changed,
        "cost_price": parcels.cost_price, "revenue_price": parcels.revenue_price,
        "cost": parcels.cost, "revenue": parcels.revenue, "reason": res.reason, "detail": res.detail,
    })
    # 条件清单: control layers per package
    rows = []
    if shares:
        lab = res.labels
        inpk = lab != ""
        pk_area = pd.Series(parcels.area_m2[inpk]).groupby(lab[inpk]).sum()
        for name, s in shares.items():
            a = pd.Series(parcels.area_m2[inpk] * s[inpk]).groupby(lab[inpk]).sum()
            for pkg, v in a.items():
                if v > 0:
                    rows.append({"package": pkg, "layer": name, "area_m2": float(v),
                                 "share_pct": 100.0 * v / pk_area[pkg] if pk_area[pkg] > 0 else 0.0})
    conditions = pd.DataFrame(rows, columns=["package", "layer", "area_m2", "share_pct"]) if inp.controls else None
    lap("tables")
    if progress:
        progress(1.0)
    binding_table = None
    if mode == "delineate":
        from .whatif import binding

        binding_table = binding(res, parcels)
    return PackageRun(res, parcels, frame, conditions, notes, overlaps, planned_source, mode, timings, adj, binding_table)


def _validate(inp: PackageInputs, parcels, adj, rules: PackageRules, n: int, seed: int) -> PackagingResult:
    """Check the given packages (``mode="validate"``): labelled by a field or drawn as polygons."""
    labels = np.full(n, "", dtype=object)
    if inp.package_ids is not None:
        labels = text_array(inp.package_ids, n)
    elif inp.package_geoms is not None:
        from .geometry import assign_by_polygons

        labels, _ = assign_by_polygons(inp.geoms, inp.package_geoms, text_array(inp.package_geom_ids, len(inp.package_geoms)))
    packages = evaluate(labels, parcels, adj, rules)
    reason = np.where(labels == "", np.where(parcels.reason == "", "outside", parcels.reason), "")
    detail = np.where(labels == "", np.where(parcels.reason == "", "未划入任何资产包", parcels.detail), "")
    # a hand-drawn package may hold a parcel that cannot be measured: it says why (and the package fails)
    unusable = (labels != "") & np.isin(parcels.reason, ["no_area", "no_geometry"])
    reason = np.where(unusable, parcels.reason, reason)
    detail = np.where(unusable, parcels.detail, detail)
    diag = diagnose(parcels, rules) if len(packages) == 0 or (packages["status"] == "fail").any() else []
    stats = {"parcels": n, "eligible": int(parcels.eligible.sum()), "packaged": int((labels != "").sum()),
             "left_out": int(((labels == "") & parcels.eligible).sum()), "packages": int(len(packages)),
             "failed_packages": int((packages["status"] == "fail").sum()) if len(packages) else 0}
    stats["left_out_pct"] = 100.0 * stats["left_out"] / stats["eligible"] if stats["eligible"] else 0.0
    return PackagingResult(labels, reason.astype(object), detail.astype(object), packages, diag, stats, seed)


def _not_allowed(inp: PackageInputs, c: ControlInput, share: np.ndarray, hit: np.ndarray, planned: np.ndarray,
                 allowed: Dict[Tuple[str, str], int], cancelled=None) -> np.ndarray:
    """``hit`` minus the parcels the rule profile lets in: inside layer ``c`` (by zone when the
    layer has zones), the first matching rule for (role, zone, inside, planned class, project
    type) says "pass". A parcel in several zones must pass in every zone that covers it."""
    from ..compliance import role_of_layer

    profile = inp.rule_profile
    role = c.role or role_of_layer(c.name)
    if c.zones is None:
        groups = [("", share)]
    else:
        zones = text_array(c.zones, len(c.geoms))
        groups = []
        for z in sorted(set(zones.tolist())):
            idx = np.flatnonzero(zones == z)
            sub = share if len(idx) == len(zones) else overlap_shares(inp.geoms, c.geoms[idx], cancelled=cancelled)
            groups.append((z, sub))
    ok = hit.copy()
    first_rule: Dict[int, str] = {}
    cache: Dict[Tuple[str, str], Optional[str]] = {}
    for i in np.flatnonzero(hit):
        code = planned[i]
        passes = True
        for z, sub in groups:
            if sub[i] <= 0:
                continue
            key = (z, code)
            if key not in cache:
                rule = profile.match(role, z, "inside", code or None, inp.project_type)
                cache[key] = rule.rule_id if rule is not None and rule.verdict == "pass" else None
            if cache[key] is None:
                passes = False
                break
            first_rule.setdefault(i, cache[key])
        if passes and i in first_rule:
            ok[i] = False
            allowed[(c.name, first_rule[i])] = allowed.get((c.name, first_rule[i]), 0) + 1
    return ok


def reason_text(key: str) -> str:
    if key == "outside":
        return "未划入资产包"
    return REASONS.get(key, (key,))[0]
