"""变化图斑分析 (guotukit:changedetect): two DLTB vintages → change pieces, from → to classes, change
categories, and the suspected problems against the control lines.  Exact m² here; rounding and every
printed sentence in :mod:`.ledger`.

Areas follow the 三调 rules (monitoring.md §1.2–1.3, M10's TBBGMJ): a piece (earlier parcel ∩ later
parcel) carries the earlier parcel's area on the chosen basis (e.g. TBMJ) in proportion to its planar
share of that parcel; its 田坎 (KCXS) is followed with the parcel — the piece's whole area flows from the
earlier class to the later one, and the 耕地 figures are net of 田坎 (耕地 = area × (1 − KCXS) on each
side).  Land only one vintage covers is reported as uncovered area, never dropped.

Which class is compared: when both vintages use the same classification (三调 工作分类 or 用地用海2023)
its level-2 codes are compared (三调 K/A suffixes dropped, kept in the detail); otherwise both are
converted to 用地用海2023 through the registry's crosswalk.  Groups (耕地, 园地, 坑塘水面 …) and the
change rules (C01 耕地→建设用地 …) are data: ``data/monitoring/change_groups.csv`` and
``change_rules.csv``; 三大类 comes from the classification tables' ``sandalei`` column.  Suspected problems
are the compliance rule engine applied to the new-construction and farmland-outflow pieces with the
project type 现状变化 (``data/rule_profiles/change_monitoring.csv``): a province's rules are a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import shapely

from .. import DATA_DIR
from ..overlay import Cancelled, ControlLayer, overlay, self_overlaps
from ..registry import SYSTEM_LABELS, get_registry
from ..tables import TableError, read_table_records

MONITORING_DIR = DATA_DIR / "monitoring"
GROUPS_FILE = MONITORING_DIR / "change_groups.csv"
RULES_FILE = MONITORING_DIR / "change_rules.csv"
PROFILE_FILE = DATA_DIR / "rule_profiles" / "change_monitoring.csv"
CHANGE_PROJECT = "现状变化"
THREE_CLASSES = ("农用地", "建设用地", "未利用地")
CROPLAND = "耕地"
NOT_CROPLAND = "非耕地"
UNKNOWN = "未知"
SUSPECT_CATEGORIES = ("新增建设用地", "耕地流出")
COMPARABLE = ("sandiao", "ydyh2023")

__all__ = ["ChangeGroups", "ChangeRules", "ChangeRun", "MonitoringDataError", "Vintage", "run_changes"]


class MonitoringDataError(TableError):
    """A monitoring data table (groups, rules) that cannot be used: the sentence names file and line."""


def _rows(path: Path, what: Tuple[str, str], required: Sequence[str]) -> List[Tuple[int, Dict[str, str]]]:
    records = [(n, cells) for n, cells in read_table_records(path, what)
               if cells and any(c.strip() for c in cells) and not cells[0].lstrip("\ufeff").strip().startswith("#")]
    if not records:
        raise MonitoringDataError(f"{path.name}：没有表头 / {path.name}: no header row")
    line, header = records[0]
    names = [h.lstrip("\ufeff").strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise MonitoringDataError(f"{path.name} 第{line}行（表头）缺少列：{'、'.join(missing)} / "
                                  f"{path.name} line {line} (header) lacks the columns {', '.join(missing)}")
    return [(n, {k: (cells[i].strip() if i < len(cells) else "") for i, k in enumerate(names)}) for n, cells in records[1:]]


@dataclass
class ChangeGroups:
    """Comparison groups per classification: {system: {group: code prefixes}}, with their evidence."""

    groups: Dict[str, Dict[str, Tuple[str, ...]]]
    evidence: Dict[Tuple[str, str], str] = field(default_factory=dict)
    path: str = ""

    @classmethod
    def load(cls, path=GROUPS_FILE) -> ChangeGroups:
        path = Path(path)
        out: Dict[str, Dict[str, Tuple[str, ...]]] = {}
        ev: Dict[Tuple[str, str], str] = {}
        for line, row in _rows(path, ("比较组表", "group table"), ("group", "system", "codes", "evidence")):
            system, group = row["system"], row["group"]
            if system not in COMPARABLE:
                raise MonitoringDataError(f"{path.name} 第{line}行 system 列：“{system}” 应为 {' / '.join(COMPARABLE)} / "
                                          f"{path.name} line {line}, column system: '{system}' is not one of {', '.join(COMPARABLE)}")
            codes = tuple(c.strip().rstrip("*") for c in row["codes"].replace("；", ";").split(";") if c.strip())
            if not group or not codes:
                raise MonitoringDataError(f"{path.name} 第{line}行：group 与 codes 不能为空 / "
                                          f"{path.name} line {line}: group and codes must not be empty")
            out.setdefault(system, {})[group] = out.get(system, {}).get(group, ()) + codes
            ev[(system, group)] = row.get("evidence", "")
        return cls(out, ev, str(path))

    def names(self) -> List[str]:
        seen: List[str] = []
        for per in self.groups.values():
            seen += [g for g in per if g not in seen]
        return seen

    def members(self, system: str, codes: np.ndarray) -> Dict[str, np.ndarray]:
        """{group: bool per code} for comparison codes of ``system`` (unknown codes are '')."""
        codes = np.asarray(codes, dtype=object)
        out = {}
        for group, prefixes in self.groups.get(system, {}).items():
            out[group] = by_value(codes, lambda c, p=prefixes: bool(c) and c.startswith(p), dtype=bool)
        return out


@dataclass(frozen=True)
class ChangeRule:
    rule_id: str
    from_groups: Tuple[str, ...]
    to_groups: Tuple[str, ...]
    category: str
    sub_category: str
    ledger: str
    evidence: str
    source: str
    line: int
    kind: str = "class"                  # class: the class changed; attribute: same class, ZZSXDM changed
    zzsx_after: Tuple[str, ...] = ()     # attribute rules: the later 种植属性 codes that count (empty: any change)


@dataclass
class ChangeRules:
    rules: List[ChangeRule]
    path: str = ""

    @classmethod
    def load(cls, path=RULES_FILE, groups: Optional[ChangeGroups] = None) -> ChangeRules:
        path = Path(path)
        groups = groups or ChangeGroups.load()
        known = set(groups.names()) | set(THREE_CLASSES) | {NOT_CROPLAND, "*"}
        rules: List[ChangeRule] = []
        seen: Dict[str, int] = {}
        for line, row in _rows(path, ("变化类别规则表", "change rule table"),
                               ("rule_id", "from_group", "to_group", "category", "evidence")):
            rid = row["rule_id"]
            if not rid:
                raise MonitoringDataError(f"{path.name} 第{line}行：rule_id 为空 / {path.name} line {line}: empty rule_id")
            if rid in seen:
                raise MonitoringDataError(f"{path.name} 第{line}行：rule_id “{rid}” 与第{seen[rid]}行重复 / "
                                          f"{path.name} line {line}: rule_id '{rid}' repeats line {seen[rid]}")
            seen[rid] = line
            sides = []
            for col in ("from_group", "to_group"):
                names = tuple(g.strip() for g in row[col].replace("；", ";").split(";") if g.strip())
                bad = [g for g in names if g not in known]
                if not names or bad:
                    raise MonitoringDataError(
                        f"{path.name} 第{line}行 {col} 列：“{row[col]}” 不是已知的比较组；可填 {'、'.join(sorted(known))} / "
                        f"{path.name} line {line}, column {col}: '{row[col]}' is not a known group")
                sides.append(names)
            if not row["category"]:
                raise MonitoringDataError(f"{path.name} 第{line}行：category 为空 / {path.name} line {line}: empty category")
            kind = (row.get("kind") or "class").strip()
            if kind not in ("class", "attribute"):
                raise MonitoringDataError(f"{path.name} 第{line}行 kind 列：“{kind}” 应为 class 或 attribute / "
                                          f"{path.name} line {line}, column kind: must be class or attribute")
            zz = tuple(z.strip().upper() for z in (row.get("zzsx_after") or "").replace("；", ";").split(";") if z.strip())
            rules.append(ChangeRule(rid, sides[0], sides[1], row["category"], row.get("sub_category", ""),
                                    row.get("ledger", ""), row.get("evidence", ""), row.get("source", ""), line, kind, zz))
        return cls(rules, str(path))

    def categories(self) -> List[str]:
        out: List[str] = []
        for r in self.rules:
            if r.category not in out:
                out.append(r.category)
        return out


@dataclass
class Vintage:
    """One survey vintage, in the working CRS.  ``area_m2``: each parcel's area on the chosen basis (TBMJ,
    or the computed area), 田坎 included; ``kcxs``: 田坎系数 (0..1) or None."""

    label: str
    geoms: Sequence
    codes: Sequence
    system: str
    area_m2: np.ndarray
    ids: Sequence
    kcxs: Optional[np.ndarray] = None
    zzsx: Optional[Sequence] = None      # 种植属性代码 ZZSXDM per parcel (LS, FLS, WG …) or None


@dataclass
class ChangeRun:
    pieces: pd.DataFrame          # every piece of before ∩ after (the matrix), exact m²
    changes: pd.DataFrame         # the listed change pieces (changed, ≥ min_piece_m2), with geometry
    suspects: pd.DataFrame        # suspected-problem parts (change piece ∩ control line, verdict fail/review)
    uncovered: Dict[str, float]   # {"before": m² of the earlier vintage no later parcel covers, "after": …}
    outside: Dict[str, pd.DataFrame]  # the same per parcel part: l1, three (class keys), area_m2
    totals: Dict[str, float]      # each vintage's own total on its basis
    system: str                   # the comparison classification
    groups: ChangeGroups
    rules: ChangeRules
    roles: List[dict] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    small: Tuple[int, float] = (0, 0.0)   # changed pieces below min_piece_m2: count, m² (in the matrix, not listed)
    min_piece_m2: float = 0.0
    profile: object = None


def by_value(values, fn, dtype=object) -> np.ndarray:
    """``fn`` applied once per distinct value of ``values`` (a county has 200 000 parcels but ~100 codes), spread
    back over the array."""
    vals = np.asarray(values, dtype=object)
    if not len(vals):
        return np.empty(0, dtype=dtype)
    uniq, inverse = np.unique(vals, return_inverse=True)
    return np.array([fn(u) for u in uniq], dtype=dtype)[inverse.ravel()]


def _comparison_system(a: str, b: str) -> str:
    return a if a == b and a in COMPARABLE else "ydyh2023"


def _codes_in(v: Vintage, system: str, notes: List[str]) -> Tuple[np.ndarray, np.ndarray]:
    """(comparison code per parcel, '' when unknown; raw text per parcel)."""
    reg = get_registry()
    raw = np.array(["" if c is None else str(c).strip() for c in v.codes], dtype=object)
    if v.system == system:
        cls = reg.classification(system)

        def compared(r):
            lc = cls.get(r) if r else None
            return (cls.base_code(lc.code) or lc.code) if lc is not None else ""

        out = by_value(raw, compared)
        suffixed = int((by_value(raw, lambda r: cls.normalize(r) or "") != out)[out != ""].sum())
        if suffixed:
            notes.append(f"{v.label}有 {suffixed} 个图斑的地类编码带 K/A 后缀（可调整地类、部分细化地类），按去掉后缀的基础地类比较，"
                         "明细中保留原码。")
    else:
        cw = reg.crosswalk(v.system, system)
        maps = by_value(raw, lambda r: cw.map(r) if r else None)
        out = np.array(["" if m is None or not m.target_code else m.target_code for m in maps], dtype=object)
        n_default = int(sum(1 for m in maps if m is not None and m.target_code and m.type not in ("1:1", "identity")))
        notes.append(f"{v.label}为{SYSTEM_LABELS.get(v.system, v.system)}，按衔接表转换为{SYSTEM_LABELS.get(system, system)}后比较"
                     + (f"；其中 {n_default} 个图斑的地类为一对多或需细分，取衔接表的默认目标地类。" if n_default else "。"))
    unknown = int(((out == "") & (raw != "")).sum())
    blank = int((raw == "").sum())
    if unknown or blank:
        notes.append(f"{v.label}有 {unknown} 个图斑的地类编码不在{SYSTEM_LABELS.get(v.system, v.system)}中、{blank} 个为空："
                     "它们的面积计入流向矩阵的“未知”，不判定变化类别。")
    return out, raw


def _class_info(system: str, codes: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(level-1 code, level-2 name, 三大类) per comparison code ('' / 未知 when unknown)."""
    cls = get_registry().classification(system)
    def info(c):
        lc = cls.get(c) if c else None
        return (lc.level1_code or "", lc.name or c, lc.sandalei or "其他") if lc else ("", UNKNOWN, UNKNOWN)

    rows = by_value(codes, info)
    if not len(rows):
        empty = np.empty(0, dtype=object)
        return empty, empty.copy(), empty.copy()
    l1, name, three = (np.array([r[k] for r in rows], dtype=object) for k in range(3))
    return l1, name, three


def _group_masks(groups: ChangeGroups, system: str, codes: np.ndarray, three: np.ndarray) -> Dict[str, np.ndarray]:
    masks = groups.members(system, codes)
    for t in THREE_CLASSES:
        masks[t] = three == t
    crop = masks.get(CROPLAND, np.zeros(len(codes), dtype=bool))
    masks[NOT_CROPLAND] = (codes != "") & ~crop
    masks["*"] = codes != ""
    return masks


def run_changes(before: Vintage, after: Vintage, *, groups: Optional[ChangeGroups] = None,
                rules: Optional[ChangeRules] = None, controls: Sequence = (), unchecked_roles: Optional[dict] = None,
                profile=None, min_piece_m2: float = 0.0, check_overlaps: bool = True, legal: Sequence = (),
                progress: Optional[Callable[[float], None]] = None,
                cancelled: Optional[Callable[[], bool]] = None) -> ChangeRun:
    """Overlay ``before`` and ``after`` and classify every piece (see the module docstring).  ``controls``:
    :class:`core.compliance.compute.ControlInput` of 永久基本农田 / 生态保护红线 / 城镇开发边界 for the suspected
    problems (judged with ``profile``, default the 现状变化 profile).  ``legal``: [(kind, geometries)] of the
    land-management records (农转用, 供地, 设施农用地备案 …): what they cover is not a suspected problem."""
    def tick(f: float) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(f)

    groups = groups or ChangeGroups.load()
    rules = rules or ChangeRules.load(groups=groups)
    notes: List[str] = []
    system = _comparison_system(before.system, after.system)
    code_b, raw_b = _codes_in(before, system, notes)
    code_a, raw_a = _codes_in(after, system, notes)
    gb = np.asarray(before.geoms, dtype=object)
    ga = np.asarray(after.geoms, dtype=object)
    area_b = np.asarray(before.area_m2, dtype=float)
    area_a = np.asarray(after.area_m2, dtype=float)
    kb = np.zeros(len(gb)) if before.kcxs is None else np.clip(np.nan_to_num(np.asarray(before.kcxs, dtype=float)), 0, 1)
    ka = np.zeros(len(ga)) if after.kcxs is None else np.clip(np.nan_to_num(np.asarray(after.kcxs, dtype=float)), 0, 1)
    tick(0.02)

    layer = ControlLayer(ga, "after", cancelled=cancelled, find_overlaps=check_overlaps,
                         progress=None if progress is None else (lambda f: tick(0.02 + 0.18 * f)))
    if check_overlaps and len(layer.overlap_pairs):
        notes.append(f"{after.label}图层内有 {len(layer.overlap_pairs)} 对图斑相互重叠，重叠面积 {layer.overlap_areas.sum():.2f} 平方米"
                     "（平面量算）：重叠部分的变化会重复计入，请先处理拓扑重叠。")
    if check_overlaps:
        ov = self_overlaps(gb, cancelled=cancelled)
        if len(ov):
            notes.append(f"{before.label}图层内有 {len(ov)} 对图斑相互重叠，重叠面积 {ov['area'].sum():.2f} 平方米"
                         "（平面量算）：重叠部分的变化会重复计入，请先处理拓扑重叠。")
    res = overlay(gb, layer, sliver_tolerance=0.0, want_geometry=True,
                  progress=None if progress is None else (lambda f: tick(0.25 + 0.5 * f)), cancelled=cancelled)
    p = res.pieces
    s = p["subject"].to_numpy(dtype=np.int64)
    c = p["control"].to_numpy(dtype=np.int64)
    planar = p["area"].to_numpy(dtype=float)
    planar_b = res.subject_area
    planar_a = np.zeros(len(ga))
    present_a = ~(shapely.is_missing(ga) | shapely.is_empty(ga))
    planar_a[present_a] = shapely.area(ga[present_a])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor_b = np.where(planar_b > 0, area_b / np.where(planar_b > 0, planar_b, 1.0), 0.0)
        factor_a = np.where(planar_a > 0, area_a / np.where(planar_a > 0, planar_a, 1.0), 0.0)
    g = planar * factor_b[s]
    covered_b = np.bincount(s, weights=planar, minlength=len(gb))
    covered_a = np.bincount(c, weights=planar, minlength=len(ga))
    unc_b = np.clip(planar_b - covered_b, 0, None) * factor_b
    unc_a = np.clip(planar_a - covered_a, 0, None) * factor_a
    uncovered = {"before": float(unc_b.sum()), "after": float(unc_a.sum())}
    for side, v, total in (("before", before, float(area_b.sum())), ("after", after, float(area_a.sum()))):
        if total > 0 and uncovered[side] > 0.01 * total:   # different extents: say so, or 0 changes reads as "no change"
            other = after if side == "before" else before
            notes.append(f"{v.label}有 {uncovered[side] / 10000:.4f} 公顷（占 {100 * uncovered[side] / total:.1f}%）不在{other.label}范围内，"
                         "这部分不参与比较" + ("；两期图层完全不重叠，请检查两期的范围与坐标系。" if not len(p) else "。"))
    tick(0.78)

    cb, ca = code_b[s], code_a[c]
    l1b, nb_, tb = _class_info(system, cb)
    l1a, na_, ta = _class_info(system, ca)
    changed = cb != ca
    # 种植属性 (ZZSXDM): compared only when both vintages carry it, and only where the class stayed
    zb = _zzsx(before, s)
    za = _zzsx(after, c)
    with_attr = before.zzsx is not None and after.zzsx is not None
    attr_changed = (~changed & (zb != za) & (cb != "")) if with_attr else np.zeros(len(s), dtype=bool)
    mb = _group_masks(groups, system, cb, tb)
    ma = _group_masks(groups, system, ca, ta)
    hit_ids: List[List[str]] = [[] for _ in range(len(s))]
    hit_cats: List[List[str]] = [[] for _ in range(len(s))]
    for r in rules.rules:
        fm = np.zeros(len(s), dtype=bool)
        for gname in r.from_groups:
            fm |= mb[gname] if gname in mb else False
        tm = np.zeros(len(s), dtype=bool)
        for gname in r.to_groups:
            tm |= ma[gname] if gname in ma else False
        if r.kind == "attribute":
            which = attr_changed & (np.isin(za, r.zzsx_after) if r.zzsx_after else True)
        else:
            which = changed
        for i in np.flatnonzero(which & fm & tm):
            hit_ids[i].append(r.rule_id)
            if r.category not in hit_cats[i]:
                hit_cats[i].append(r.category)
    pieces = pd.DataFrame({
        "before": s, "after": c,
        "before_id": np.asarray([str(x) for x in before.ids], dtype=object)[s] if len(s) else np.empty(0, dtype=object),
        "after_id": np.asarray([str(x) for x in after.ids], dtype=object)[c] if len(c) else np.empty(0, dtype=object),
        "before_raw": raw_b[s], "after_raw": raw_a[c],
        "before_code": cb, "after_code": ca, "before_name": nb_, "after_name": na_,
        "before_l1": l1b, "after_l1": l1a, "before_three": tb, "after_three": ta,
        "planar_m2": planar, "area_m2": g,
        "net_before_m2": g * (1 - kb[s]), "net_after_m2": g * (1 - ka[c]),
        "changed": changed, "attr_changed": attr_changed, "zzsx_before": zb, "zzsx_after": za,
        "rule_ids": [";".join(x) for x in hit_ids], "categories": [";".join(x) for x in hit_cats],
        "crop_before": mb.get(CROPLAND, np.zeros(len(s), bool)), "crop_after": ma.get(CROPLAND, np.zeros(len(s), bool)),
        "geometry": p["geometry"].to_numpy(),
    })
    order = np.lexsort((pieces["after"].to_numpy(), pieces["before"].to_numpy()))
    pieces = pieces.iloc[order].reset_index(drop=True)
    # listed: a class change, or a 种植属性 change that a rule names (the others are counted, not listed)
    named_attr = pieces["attr_changed"].to_numpy() & (pieces["rule_ids"].astype(str).to_numpy() != "")
    moved = pieces["changed"].to_numpy() | named_attr
    listed = moved & (pieces["area_m2"].to_numpy() >= float(min_piece_m2))
    small_mask = moved & ~listed
    small = (int(small_mask.sum()), float(pieces.loc[small_mask, "area_m2"].sum()))
    changes = pieces[listed].copy().reset_index(drop=True)
    width = max(6, len(str(len(changes))))
    changes.insert(0, "change_id", [f"BH{k + 1:0{width}d}" for k in range(len(changes))])
    tick(0.82)

    suspects = _empty_suspects()
    roles: List[dict] = []
    if controls and len(changes):
        suspects, roles, warn = _suspects(changes, system, controls, unchecked_roles or {}, profile,
                                          None if progress is None else (lambda f: tick(0.82 + 0.16 * f)), cancelled, legal)
        notes += warn
    elif controls:
        roles = [{"role": ctl.role, "label": ctl.role_label, "checked": True, "features": len(ctl.geoms)} for ctl in controls]
    tick(1.0)
    # land only one vintage covers, by its class (the matrix's （另一期未覆盖） row and column)
    outside = {}
    for side, unc, codes in (("before", unc_b, code_b), ("after", unc_a, code_a)):
        k = np.flatnonzero(unc > 0)
        l1, _nm, three = _class_info(system, codes[k])
        outside[side] = pd.DataFrame({"l1": l1, "three": three, "area_m2": unc[k]})
    return ChangeRun(pieces=pieces, changes=changes, suspects=suspects, uncovered=uncovered, outside=outside,
                     totals={"before": float(area_b.sum()), "after": float(area_a.sum())}, system=system, groups=groups,
                     rules=rules, roles=roles, notes=notes, small=small, min_piece_m2=float(min_piece_m2), profile=profile)


def _zzsx(v: Vintage, idx: np.ndarray) -> np.ndarray:
    if v.zzsx is None:
        return np.full(len(idx), "", dtype=object)
    vals = by_value(["" if x is None else x for x in v.zzsx], lambda x: str(x).strip().upper())
    return vals[idx] if len(idx) else np.empty(0, dtype=object)


def _empty_suspects() -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(dtype=t) for k, t in (
        ("change_id", object), ("flag", object), ("verdict", object), ("verdict_zh", object), ("role", object),
        ("role_label", object), ("control_id", object), ("message", object), ("area_m2", float), ("geometry", object))})


def _suspects(changes: pd.DataFrame, system: str, controls, unchecked, profile, progress, cancelled, legal=()):
    """The new-construction and farmland-outflow pieces judged by the 现状变化 rule profile."""
    from ..compliance.compute import run_compliance
    from ..compliance.rules import RuleProfile

    profile = profile or RuleProfile.load(PROFILE_FILE)
    cats = changes["categories"].astype(str)
    pick = np.flatnonzero(np.array([any(k in c.split(";") for k in SUSPECT_CATEGORIES) for c in cats], dtype=bool))
    if not len(pick):
        return _empty_suspects(), [], []
    sub = changes.iloc[pick]
    codes = sub["after_code"].tolist()
    code_system = system
    if system != "ydyh2023":   # the rule profile speaks 用地用海2023
        cw = get_registry().crosswalk(system, "ydyh2023")
        codes = [cw.map(x).target_code if x else None for x in codes]
        code_system = "ydyh2023"
    res = run_compliance(sub["geometry"].to_numpy(), sub["change_id"].tolist(), codes, code_system,
                         sub["area_m2"].to_numpy(dtype=float), list(controls), dict(unchecked), profile, CHANGE_PROJECT,
                         sliver_tolerance=0.01, want_geometry=True, progress=progress, cancelled=cancelled)
    conf = res.conflicts
    bad = conf[conf["verdict"].isin(["fail", "review"])]
    out = pd.DataFrame({
        "change_id": bad["subject_id"].to_numpy(), "flag": bad["rule_id"].to_numpy(), "verdict": bad["verdict"].to_numpy(),
        "verdict_zh": bad["verdict_zh"].to_numpy(), "role": bad["role"].to_numpy(), "role_label": bad["role_label"].to_numpy(),
        "control_id": bad["control_id"].to_numpy() if "control_id" in bad else "", "message": bad["message"].to_numpy(),
        "area_m2": bad["area_m2"].to_numpy(dtype=float), "geometry": bad["geometry"].to_numpy(),
    })
    warnings = list(res.warnings)
    if legal:
        out, note = _minus_legal(out, legal)
        if note:
            warnings.append(note)
    out = out.sort_values(["area_m2", "change_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out, res.roles, warnings


def _minus_legal(out: pd.DataFrame, legal: Sequence[Tuple[str, Sequence]]) -> Tuple[pd.DataFrame, str]:
    """The suspected parts less the land a legal basis covers (农转用, 供地, 设施农用地备案 …: ``legal`` =
    [(kind, geometries)]): a part wholly inside is dropped, a part partly inside keeps its remainder (its area
    scaled by the planar share that remains) and says which kinds covered the rest."""
    if not len(out):
        return out, ""
    kinds, unions = [], []
    for kind, geoms in legal:
        g = np.asarray(geoms, dtype=object)
        g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
        if len(g):
            u = shapely.union_all(g)
            shapely.prepare(u)
            kinds.append(kind)
            unions.append(u)
    if not unions:
        return out, ""
    geom = out["geometry"].to_numpy()
    planar = shapely.area(geom)
    rest = geom.copy()
    covered_by = [[] for _ in range(len(out))]
    for kind, u in zip(kinds, unions):
        hit = np.flatnonzero(shapely.intersects(u, rest) & ~shapely.is_empty(rest))
        if not len(hit):
            continue
        before = shapely.area(rest[hit])
        rest[hit] = shapely.difference(rest[hit], u)
        for i, lost in zip(hit, before - shapely.area(rest[hit])):
            if lost > 1e-6:   # a shared edge is not coverage
                covered_by[i].append(kind)
    left = shapely.area(rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(planar > 0, left / np.where(planar > 0, planar, 1.0), 0.0)
    out = out.copy()
    out["legal_m2"] = out["area_m2"].to_numpy(dtype=float) * (1 - share)
    out["legal_kinds"] = ["；".join(k) for k in covered_by]
    out["area_m2"] = out["area_m2"].to_numpy(dtype=float) * share
    out["geometry"] = rest
    whole = left < 0.01
    n_whole, n_part = int(whole.sum()), int(((share < 1 - 1e-9) & ~whole).sum())
    note = ""
    if n_whole or n_part:
        note = (f"合法依据（{'、'.join(kinds)}）范围内的部分不列为疑似问题：{n_whole} 个疑似部分整体位于其中、已剔除，"
                f"{n_part} 个部分位于其中、只保留其余面积；剔除面积 {out['legal_m2'].sum():.2f} 平方米。")
    return out[~whole].reset_index(drop=True), note
