"""The change-detection ledger: every figure the 变化图斑分析 workbook and layers print, rounded here once.

compute (exact m² per piece) → **ledger** → report (layout only).  公顷 = ROUND_HALF_UP(m² / 10 000, 4).
Rules of the printed tables:

* 流向矩阵: every cell is its exact sum rounded, balanced (largest remainder) so that the cells add up
  to the rounded grand total; row and column 合计 are sums of printed cells.
* 变化汇总: each category's area is its exact sum rounded.  Categories overlap (a piece of 耕地 turned
  to 建设用地 is both 耕地流出 and 新增建设用地), so they are never added together.
* 耕地流向: the rows of each direction are balanced to that direction's rounded total; 净变化 is the
  difference of the two printed totals.
* 疑似问题图斑: each part rounded; per-flag subtotals are sums of the printed parts (a change piece can
  carry two flags — no total adds different flags).
* 规划实施监测指标: each value in its unit's places; the status is judged on the printed value and target.
* 报批套合: 差值 and 差异率 from the printed figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..rounding import balance_remainders, convert_area, round_half_up
from .change import THREE_CLASSES, UNKNOWN, ChangeRun
from .indicators import Indicator, IndicatorResult, Target
from .surveyfit import ITEMS, FitResult

HA = 4
OUTSIDE = "（另一期未覆盖）"
SUSPECT_ZH = {"fail": "疑似问题", "review": "需核实"}   # the rule profile's 不通过 / 需论证, said as monitoring says it


def ha(m2) -> Decimal:
    return round_half_up(convert_area(float(m2), "ha"), HA)


def _balanced_ha(values_m2: Sequence[float], total_m2: Optional[float] = None) -> List[Decimal]:
    exact = [convert_area(float(v), "ha") for v in values_m2]
    total = None if total_m2 is None else convert_area(float(total_m2), "ha")
    return balance_remainders(exact, HA, total)


@dataclass
class Matrix:
    """A from × to table of printed 公顷: ``cells[i][j]``; row/column 合计 are sums of printed cells."""

    rows: List[str]
    cols: List[str]
    cells: List[List[Decimal]]
    caption: str = ""

    @property
    def row_totals(self) -> List[Decimal]:
        return [sum(r, Decimal(0)) for r in self.cells]

    @property
    def col_totals(self) -> List[Decimal]:
        return [sum((r[j] for r in self.cells), Decimal(0)) for j in range(len(self.cols))]

    @property
    def total(self) -> Decimal:
        return sum(self.row_totals, Decimal(0))


@dataclass
class ChangeLedger:
    summary: List[dict]
    three: Matrix
    level1: Matrix
    cropland: List[dict]
    cropland_totals: Dict[str, Decimal]
    flags: List[dict]
    suspects: List[dict]
    notes: List[str] = field(default_factory=list)
    changes_ha: List[Decimal] = field(default_factory=list)     # per listed change piece (the layer's AREA_HA)


def _matrix(pieces: pd.DataFrame, key: str, order: Sequence[str], outside: Dict[str, pd.DataFrame],
            label=lambda x: x, caption: str = "") -> Matrix:
    """Earlier class (rows) × later class (columns); land only one vintage covers is the （另一期未覆盖） column
    (earlier land no later parcel covers, by its earlier class) and row (later land, by its later class)."""
    agg = pieces.groupby([f"before_{key}", f"after_{key}"], sort=False)["area_m2"].sum()
    ob = outside["before"].groupby(key)["area_m2"].sum() if len(outside["before"]) else pd.Series(dtype=float)
    oa = outside["after"].groupby(key)["area_m2"].sum() if len(outside["after"]) else pd.Series(dtype=float)
    keys_b = set(agg.index.get_level_values(0)) | set(ob.index)
    keys_a = set(agg.index.get_level_values(1)) | set(oa.index)
    rk = [k for k in order if k in keys_b] + sorted(keys_b - set(order))
    ck = [k for k in order if k in keys_a] + sorted(keys_a - set(order))
    exact = [[float(agg.get((r, c), 0.0)) for c in ck] for r in rk]
    rows, cols = [label(r) for r in rk], [label(c) for c in ck]
    if ha(ob.sum()) > 0:
        cols.append(OUTSIDE)
        for r, row in zip(rk, exact):
            row.append(float(ob.get(r, 0.0)))
    if ha(oa.sum()) > 0:
        rows.append(OUTSIDE)
        exact.append([float(oa.get(c, 0.0)) for c in ck] + ([0.0] if cols and cols[-1] == OUTSIDE else []))
    flat = [v for r in exact for v in r]
    if not flat:
        return Matrix(rows, cols, [], caption)
    printed = _balanced_ha(flat)
    w = len(cols)
    cells = [printed[i * w:(i + 1) * w] for i in range(len(rows))]
    return Matrix(rows, cols, cells, caption)


def build_ledger(run: ChangeRun) -> ChangeLedger:
    p = run.pieces
    notes: List[str] = []
    changed = p[p["changed"]]
    reg_l1 = _level1_names(run.system)

    # 变化汇总 -----------------------------------------------------------------------------------
    summary: List[dict] = [
        {"item": "前期图斑面积", "pieces": None, "area": ha(run.totals["before"]), "crop": None, "note": "前期图层各图斑面积之和（所选面积口径）"},
        {"item": "后期图斑面积", "pieces": None, "area": ha(run.totals["after"]), "crop": None, "note": "后期图层各图斑面积之和（所选面积口径）"},
        {"item": "前后两期叠加面积", "pieces": len(p), "area": ha(p["area_m2"].sum()), "crop": None,
         "note": "前期图斑与后期图斑相交的全部碎块；按前期图斑面积分摊"},
        {"item": "其中：地类未变", "pieces": int((~p["changed"]).sum()), "area": ha(p.loc[~p["changed"], "area_m2"].sum()),
         "crop": None, "note": "前后地类编码相同（按比较分类的二级类）"},
        {"item": "其中：地类变化", "pieces": len(changed), "area": ha(changed["area_m2"].sum()),
         "crop": ha(changed.loc[changed["crop_before"], "net_before_m2"].sum()),
         "note": "每个碎块只计一次；“其中耕地”为前期为耕地的部分（不含田坎）"},
    ]
    if ha(run.uncovered["before"]) > 0:
        summary.append({"item": "前期图斑未被后期覆盖", "pieces": None, "area": ha(run.uncovered["before"]), "crop": None,
                        "note": "两期范围不一致：这部分面积不参与比较"})
    if ha(run.uncovered["after"]) > 0:
        summary.append({"item": "后期图斑未被前期覆盖", "pieces": None, "area": ha(run.uncovered["after"]), "crop": None,
                        "note": "两期范围不一致：这部分面积不参与比较"})
    attr = p[p["attr_changed"]] if "attr_changed" in p else p.iloc[:0]
    if len(attr):
        summary.append({"item": "其中：地类未变、种植属性变化", "pieces": len(attr), "area": ha(attr["area_m2"].sum()),
                        "crop": ha(attr.loc[attr["crop_before"], "net_before_m2"].sum()),
                        "note": "种植属性代码（ZZSXDM）前后不同；计入“地类未变”"})
    named = p[p["categories"].astype(str) != ""]
    cats = named["categories"].astype(str).str.split(";")
    for cat in run.rules.categories():
        m = cats.map(lambda xs, c=cat: c in xs).to_numpy(dtype=bool)
        sub = named[m]
        crop_col = "net_before_m2" if cat != "耕地流入" else "net_after_m2"
        crop = sub.loc[sub["crop_before"] if cat != "耕地流入" else sub["crop_after"], crop_col].sum()
        ids = [r.rule_id for r in run.rules.rules if r.category == cat]
        summary.append({"item": cat, "pieces": int(m.sum()), "area": ha(sub["area_m2"].sum()),
                        "crop": ha(crop) if (cat.startswith("耕地") or crop) else None,
                        "note": "规则 " + "、".join(ids)})
    none = changed["categories"].astype(str) == ""
    if none.any():
        summary.append({"item": "其他地类变化", "pieces": int(none.sum()), "area": ha(changed.loc[none, "area_m2"].sum()), "crop": None,
                        "note": "地类变化但未命中任何变化类别规则（含地类未知的碎块）"})

    # 流向矩阵 --------------------------------------------------------------------------------------
    three = _matrix(p, "three", list(THREE_CLASSES) + ["其他", UNKNOWN], run.outside,
                    caption="三大类流向（行：前期，列：后期）")
    level1 = _matrix(p, "l1", list(reg_l1), run.outside,
                     label=lambda k: f"{k} {reg_l1.get(k, '')}".strip() if k else UNKNOWN,
                     caption="一级类流向（行：前期，列：后期）")

    # 耕地流向 ---------------------------------------------------------------------------------------
    out_rows, in_rows = [], []
    rule_lists = changed["rule_ids"].astype(str).str.split(";")
    counted = {"耕地流出": np.zeros(len(changed), dtype=bool), "耕地流入": np.zeros(len(changed), dtype=bool)}
    for r in run.rules.rules:
        if r.category not in counted:
            continue
        m = rule_lists.map(lambda xs, rid=r.rule_id: rid in xs).to_numpy(dtype=bool) & ~counted[r.category]
        counted[r.category] |= m      # a piece two rules of one direction name counts once, under the first
        hit = changed[m]
        if r.category == "耕地流出":
            out_rows.append((r, hit["net_before_m2"].sum(), len(hit)))
        elif r.category == "耕地流入":
            src = hit.groupby("before_three", sort=False)
            for three_name in list(THREE_CLASSES) + ["其他", UNKNOWN]:
                if three_name in src.groups:
                    part = src.get_group(three_name)
                    in_rows.append((r, three_name, part["net_after_m2"].sum(), len(part)))
    out_total = sum(x[1] for x in out_rows)
    in_total = sum(x[2] for x in in_rows)
    out_ha = _balanced_ha([x[1] for x in out_rows], out_total) if out_rows else []
    in_ha = _balanced_ha([x[2] for x in in_rows], in_total) if in_rows else []
    cropland: List[dict] = []
    for (r, _m2, n), v in zip(out_rows, out_ha):
        cropland.append({"direction": "流出", "rule": r.rule_id, "what": r.sub_category, "ledger": r.ledger, "pieces": n,
                         "area": v, "evidence": r.evidence})
    for (r, src, _m2, n), v in zip(in_rows, in_ha):
        cropland.append({"direction": "流入", "rule": r.rule_id, "what": f"由{src}转为耕地", "ledger": r.ledger, "pieces": n,
                         "area": v, "evidence": r.evidence})
    printed_out, printed_in = sum(out_ha, Decimal(0)), sum(in_ha, Decimal(0))
    balance_out = sum((v for (r, _m, _n), v in zip(out_rows, out_ha) if r.ledger.startswith("进出平衡")), Decimal(0))
    balance_in = sum((v for (r, src, _m, _n), v in zip(in_rows, in_ha) if src == "农用地"), Decimal(0))
    totals = {"out": printed_out, "in": printed_in, "net": printed_in - printed_out,
              "balance_out": balance_out, "balance_in": balance_in, "balance_net": balance_in - balance_out}
    internal = changed[changed["crop_before"] & changed["crop_after"]]
    if len(internal):
        totals["internal"] = ha(internal["net_before_m2"].sum())

    # 疑似问题 ---------------------------------------------------------------------------------------
    s = run.suspects
    info = run.changes.set_index("change_id") if len(run.changes) else None
    sus_rows: List[dict] = []
    for r in s.itertuples():
        c = info.loc[r.change_id] if info is not None else None
        sus_rows.append({"change_id": r.change_id, "flag": r.flag, "verdict": SUSPECT_ZH.get(r.verdict, r.verdict_zh),
                         "line": r.role_label,
                         "control_id": "" if r.control_id is None else str(r.control_id),
                         "before": f"{c['before_raw']} {c['before_name']}" if c is not None else "",
                         "after": f"{c['after_raw']} {c['after_name']}" if c is not None else "",
                         "area": ha(r.area_m2), "message": r.message})
    flags: List[dict] = []
    for flag in pd.unique(s["flag"]) if len(s) else []:
        rows = [x for x in sus_rows if x["flag"] == flag]
        flags.append({"flag": flag, "message": rows[0]["message"], "verdict": rows[0]["verdict"], "line": rows[0]["line"],
                      "pieces": len({x["change_id"] for x in rows}), "area": sum((x["area"] for x in rows), Decimal(0))})
    if run.small[0]:
        notes.append(f"{run.small[0]} 个地类变化碎块小于 {run.min_piece_m2:g} 平方米（合计 {ha(run.small[1])} 公顷）："
                     "计入变化汇总与流向矩阵，不列入变化图斑图层与疑似问题。")
    changes_ha = [ha(v) for v in run.changes["area_m2"]] if len(run.changes) else []
    return ChangeLedger(summary=summary, three=three, level1=level1, cropland=cropland, cropland_totals=totals,
                        flags=flags, suspects=sus_rows, notes=notes + list(run.notes), changes_ha=changes_ha)


def _level1_names(system: str) -> Dict[str, str]:
    from ..registry import get_registry

    cls = get_registry().classification(system)
    return {c: (cls.name(c) or "") for c in cls.codes(level=1)}


def three_totals(run: ChangeRun) -> Dict[str, Dict[str, Decimal]]:
    """Each vintage's 三大类 totals as the matrix prints them (for checks and the indicator table)."""
    m = build_ledger(run).three
    return {"before": dict(zip(m.rows, m.row_totals)), "after": dict(zip(m.cols, m.col_totals))}


# ------------------------------------------------------------------------------------------- 规划实施监测指标
PLACES = {"公顷": 4, "%": 2, "平方米/人": 2, "万亩": 4, "亩": 2}


def printed_value(value: Optional[float], unit: str) -> Optional[Decimal]:
    if value is None:
        return None
    if unit in ("公顷", "亩", "万亩"):
        d = convert_area(float(value), "ha" if unit == "公顷" else "mu") / (10000 if unit == "万亩" else 1)
    else:
        d = Decimal(str(float(value)))
    return round_half_up(d, PLACES.get(unit, 2))


def judge(direction: str, value: Optional[Decimal], target: Optional[Target], defaults: Dict[str, float]) -> Tuple[str, str]:
    """(status, the rule applied, in words) on the *printed* value and target."""
    if value is None:
        return "无法计算", ""
    if target is None or (target.target is None and target.lo is None):
        return "无目标", ""
    if direction == "区间":
        lo = target.lo if target.lo is not None else target.target
        hi = target.hi if target.hi is not None else target.target
        ok = Decimal(str(lo)) <= value <= Decimal(str(hi))
        return ("达标" if ok else "未达标"), f"{lo:g} ≤ 现状 ≤ {hi:g}"
    t = Decimal(f"{target.target:g}")
    if direction == "下限":
        warn = target.warn if target.warn is not None else defaults.get("warn_pct", 0.0)
        pct = Decimal(f"{warn:g}")
        if value >= t:
            return "达标", f"现状 ≥ 目标 {t}"
        if t != 0 and pct > 0 and (t - value) / t * 100 <= pct:
            return "预警", f"低于目标，差距不超过目标的 {pct}%"
        return "未达标", (f"低于目标，差距超过目标的 {pct}%" if pct > 0 else "低于目标")
    ratio = Decimal(f"{(target.warn if target.warn is not None else defaults.get('warn_ratio', 0.9)):g}")
    if t == 0:
        return ("达标" if value <= 0 else "未达标"), "目标为 0"
    r = value / t
    if r < ratio:
        return "达标", f"现状 / 目标 < {ratio}"
    if r <= 1:
        return "预警", f"{ratio} ≤ 现状 / 目标 ≤ 1"
    return "未达标", "现状超过目标"


def indicator_rows(result: IndicatorResult, targets: Dict[str, Target], defaults: Dict[str, float]) -> List[dict]:
    """The printed indicator table: every figure rounded once here; status judged on the printed figures."""
    out = []
    for r in result.rows:
        ind: Indicator = r["indicator"]
        v = printed_value(r["value"], ind.unit)
        p = printed_value(r["previous"], ind.unit)
        tgt = targets.get(ind.indicator_id)
        status, rule = judge(ind.direction, v, tgt, defaults)
        target_text = None
        if tgt is not None:
            target_text = Decimal(f"{tgt.target:g}") if tgt.target is not None else \
                (f"{tgt.lo:g}–{tgt.hi:g}" if tgt.lo is not None else None)
        out.append({"id": ind.indicator_id, "name": ind.name, "unit": ind.unit, "attribute": tgt.attribute if tgt else "",
                    "direction": ind.direction, "target": target_text, "value": v, "previous": p,
                    "change": (v - p) if (v is not None and p is not None) else None,
                    "status": status,
                    "rule": rule if status in ("达标", "预警", "未达标") else (r["why"] if status == "无法计算" else "目标表中没有该指标"),
                    "formula": ind.formula, "evidence": ind.evidence, "source": ind.source, "note": ind.note})
    return out


# ------------------------------------------------------------------------------------------- 报批套合
def fit_rows(result: FitResult, declared: Dict[str, float], *, tolerance_pct: float = 1.0, denominator: str = "fitted",
             combine: str = "or") -> tuple:
    """(rows, verdict, verdict text): the printed 套合 table (公顷, 4 places; 差值 and 差异率 from the printed
    figures) and whether the project passes: ``combine`` "or" — 总面积 within the tolerance or every class within
    it (the source's literal "或"); "and" — both; "total" — 总面积 only."""
    tol = Decimal(f"{tolerance_pct:g}")
    declared = dict(declared)
    declared.setdefault("总面积", result.project_planar_m2)
    rows = []
    for item in ITEMS:
        d = round_half_up(convert_area(declared[item], "ha"), 4) if item in declared else None
        f = round_half_up(convert_area(result.fitted.get(item, 0.0), "ha"), 4)
        flat = round_half_up(convert_area(result.planar.get(item, 0.0), "ha"), 4)
        diff = (d - f) if d is not None else None
        base = f if denominator == "fitted" else d
        rate = None
        if diff is not None and base is not None:
            rate = round_half_up(abs(diff) / base * 100, 2) if base != 0 else (Decimal(0) if diff == 0 else None)
        ok = None if rate is None else rate <= tol
        if diff is not None and base == 0 and diff != 0:
            ok = False
        rows.append({"item": item, "declared": d, "fitted": f, "planar": flat, "diff": diff, "rate": rate,
                     "ok": None if ok is None else ("是" if ok else "否")})
    by = {r["item"]: r for r in rows}
    total_ok = by["总面积"]["ok"] == "是"
    classes = [by[i] for i in ("农用地", "其中：耕地", "建设用地", "未利用地") if by[i]["ok"] is not None]
    classes_ok = bool(classes) and all(r["ok"] == "是" for r in classes)
    if combine == "and":
        passed = total_ok and classes_ok
        how = f"总面积与各地类面积差异均在 {tol}% 以内"
    elif combine == "total":
        passed = total_ok
        how = f"总面积差异在 {tol}% 以内"
    else:
        passed = total_ok or classes_ok
        how = f"总面积差异在 {tol}% 以内，或各地类面积差异均在 {tol}% 以内"
    verdict = "通过" if passed else "不通过"
    return rows, verdict, f"{verdict}（判定：{how}；差异率 = |勘测定界面积 − 套合面积| / " \
                          f"{'套合面积' if denominator == 'fitted' else '勘测定界面积'} × 100%）"


__all__ = ["ChangeLedger", "Matrix", "build_ledger", "fit_rows", "ha", "indicator_rows", "judge", "printed_value"]
