"""What binds, and what relaxing it would do: the planner's view of the left-out parcels.

:func:`binding` counts the eligible parcels left out per constraint (the constraint each one's
reason names: the proof's bound, or what the last growth through it broke). :func:`what_if`
delineates again with one constraint relaxed at a time — the ones that keep the most parcels
out — and tables what each relaxation gains, so the planner decides with figures:

* 资金平衡 → a balance floor of −X 万元 per package, X the 75th percentile of the deficits of
  the single parcels left out for balance (rounded up to two significant figures);
* 公益性比例 → the band widened by 10 percentage points on the side that binds;
* 面积上限 → the maximum area × 1.5; 面积下限 → the minimum area × 0.5;
* 收益成本比 → the floor × 0.8.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .graph import Adjacency
from .model import PackageRules, ParcelTable

# constraint key -> (中文, English)
CONSTRAINTS: Dict[str, Tuple[str, str]] = {
    "balance": ("资金平衡", "balance"),
    "public_low": ("公益性比例下限", "public share floor"),
    "public_high": ("公益性比例上限", "public share ceiling"),
    "area_max": ("面积上限", "maximum area"),
    "area_min": ("面积下限（连片面积不足）", "minimum area (too little contiguous land)"),
    "ratio": ("收益成本比", "revenue/cost ratio"),
    "exhaustive": ("多项约束共同作用（穷举全部连片组合均不可行）", "constraints together (every contiguous set enumerated fails)"),
    "optimal": ("最优划定未纳入（无法纳入更多图斑）", "left out by the optimal packing"),
    "other": ("其他（相邻图斑已纳入其他资产包等）", "other (neighbours taken by other packages)"),
}

# reasons that are proofs: no package can hold the parcel, whatever the other packages do
PROVEN = ("small_component", "too_big", "unbalanceable", "no_package", "share_bound")


def constraint_of(reason: str, detail: str) -> str:
    """The constraint a left-out parcel's reason names (a key of :data:`CONSTRAINTS`)."""
    d = detail or ""
    if reason == "no_package":
        return "exhaustive"
    if reason == "optimal_out":
        return "optimal"
    if reason == "share_bound":
        return "public_high" if "不高于" in d else "public_low"
    if reason == "too_big" or d.startswith("面积将达"):
        return "area_max"
    if reason == "small_component" or d.startswith(("连片可用图斑", "所在连通片", "除去已证明")) or "不足下限" in d[:40]:
        return "area_min"
    if reason == "unbalanceable":
        return "ratio" if "收益成本比" in d else "balance"
    if d.startswith("公益性比例"):
        return "public_low" if "低于" in d else "public_high"
    if d.startswith("资金平衡"):
        return "balance"
    if d.startswith("收益成本比"):
        return "ratio"
    return "other"


def binding(result, parcels: ParcelTable) -> pd.DataFrame:
    """Left-out eligible parcels per constraint, most first: constraint, label, parcels, area_m2,
    proven (parcels whose reason is a proof)."""
    left = (result.labels == "") & (result.reason != "") & parcels.eligible & (parcels.locked == "")
    idx = np.flatnonzero(left)
    keys = [constraint_of(str(result.reason[i]), str(result.detail[i])) for i in idx]
    df = pd.DataFrame({"constraint": keys, "area_m2": parcels.area_m2[idx],
                       "proven": np.isin(result.reason[idx].astype(str), PROVEN)})
    if not len(df):
        return pd.DataFrame(columns=["constraint", "label", "parcels", "area_m2", "proven"])
    out = df.groupby("constraint").agg(parcels=("area_m2", "size"), area_m2=("area_m2", "sum"),
                                       proven=("proven", "sum")).reset_index()
    out["label"] = [CONSTRAINTS[k][0] for k in out["constraint"]]
    out = out.sort_values(["parcels", "constraint"], ascending=[False, True]).reset_index(drop=True)
    return out[["constraint", "label", "parcels", "area_m2", "proven"]]


def _two_figures_up(x: float) -> float:
    if x <= 0:
        return 0.0
    mag = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / mag - 1e-9) * mag


def relaxations(rules: PackageRules, bind: pd.DataFrame, result, parcels: ParcelTable,
                limit: int = 4) -> List[Tuple[str, str, PackageRules]]:
    """(constraint, what changes, relaxed rules) for the constraints that keep parcels out, the
    most binding first, at most ``limit``."""
    out: List[Tuple[str, str, PackageRules]] = []
    for key in bind["constraint"]:
        if len(out) >= limit:
            break
        if key == "balance":
            left = np.flatnonzero((result.labels == "") & parcels.eligible)
            bal = [i for i in left if constraint_of(str(result.reason[i]), str(result.detail[i])) == "balance"]
            deficit = (parcels.cost - parcels.revenue)[np.asarray(bal, dtype=np.int64)]
            deficit = deficit[deficit > 0]
            if not len(deficit):
                continue
            x = _two_figures_up(float(np.percentile(deficit, 75)))
            new = replace(rules, balance_min=rules.balance_min - x)
            out.append((key, f"资金平衡下限 {rules.balance_min:g} → {new.balance_min:g} 万元"
                             f"（放宽 {x:g} 万元：因资金平衡未纳入图斑资金缺口的第 75 百分位数）", new))
        elif key == "public_low" and rules.public_min_pct > 0:
            new = replace(rules, public_min_pct=max(0.0, rules.public_min_pct - 10))
            out.append((key, f"公益性比例下限 {rules.public_min_pct:g}% → {new.public_min_pct:g}%", new))
        elif key == "public_high" and rules.public_max_pct < 100:
            new = replace(rules, public_max_pct=min(100.0, rules.public_max_pct + 10))
            out.append((key, f"公益性比例上限 {rules.public_max_pct:g}% → {new.public_max_pct:g}%", new))
        elif key == "area_max":
            new = replace(rules, max_area_ha=rules.max_area_ha * 1.5)
            out.append((key, f"最大面积 {rules.max_area_ha:g} → {new.max_area_ha:g} 公顷（× 1.5）", new))
        elif key == "area_min":
            new = replace(rules, min_area_ha=rules.min_area_ha * 0.5)
            out.append((key, f"最小面积 {rules.min_area_ha:g} → {new.min_area_ha:g} 公顷（× 0.5）", new))
        elif key == "ratio" and rules.ratio_min > 0:
            new = replace(rules, ratio_min=rules.ratio_min * 0.8)
            out.append((key, f"收益成本比下限 {rules.ratio_min:g} → {new.ratio_min:g}（× 0.8）", new))
    return out


def what_if(parcels: ParcelTable, adj: Adjacency, rules: PackageRules, result, seed: int = 0,
            limit: int = 4, progress: Optional[Callable[[float], None]] = None,
            cancelled: Optional[Callable[[], bool]] = None) -> pd.DataFrame:
    """One row for the current rules and one per relaxation (see the module docstring):
    constraint, label, change, packages, packaged, left_out, left_out_unproven, gained
    (parcels packaged beyond the current rules)."""
    from .engine import delineate

    bind = binding(result, parcels)
    options = relaxations(rules, bind, result, parcels, limit)
    eligible = int((parcels.eligible & (parcels.locked == "")).sum())

    def row(key, label, change, st):
        reasons = st.get("reasons", {})
        unproven = int(reasons.get("unplaced", 0))
        return {"constraint": key, "label": label, "change": change, "packages": int(st["packages"]),
                "packaged": int(st["packaged"]), "left_out": int(st["left_out"]), "left_out_unproven": unproven,
                "eligible": eligible}

    rows = [row("", "现方案", "（当前约束）", result.stats)]
    for i, (key, change, new) in enumerate(options):
        lo, hi = i / len(options), (i + 1) / len(options)

        def part(f, lo=lo, hi=hi):
            if progress is not None:
                progress(lo + (hi - lo) * f)

        res = delineate(parcels, adj, new, seed=seed, progress=part, cancelled=cancelled)
        rows.append(row(key, CONSTRAINTS[key][0], change, res.stats))
    out = pd.DataFrame(rows)
    out["gained"] = out["packaged"] - int(result.stats["packaged"])
    return out
