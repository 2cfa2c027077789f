"""The 资产包 vocabulary: rules, reasons, checks, the parcel table (areas, money, nature) and
:func:`evaluate`, which computes every figure and pass/fail of any packages (engine's or hand-drawn).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from ..finance import use_changed
from .graph import Adjacency, _components, _parts

M2_PER_HA = 10000.0


EPS = 1e-9


# reason a parcel is not in a package: code -> (中文, English)
REASONS: Dict[str, Tuple[str, str]] = {
    "excluded": ("排除图斑", "excluded parcel"),
    "no_class": ("现状或规划地类缺失/无法识别", "current or planned class missing or unknown"),
    "no_price": ("资金测算表缺少该地类", "class missing from the finance table"),
    "no_geometry": ("几何为空或无效", "empty or invalid geometry"),
    "no_area": ("面积缺失或为负", "area missing or negative"),
    "small_component": ("所在连通片面积小于最小面积", "its connected piece is smaller than the minimum area"),
    "too_big": ("单个图斑（或权属单位连通片）面积超过最大面积", "the parcel (or ownership piece) exceeds the maximum area"),
    "unbalanceable": ("在最大面积范围内无法实现资金平衡", "no package within the area cap can balance it"),
    "no_package": ("穷举全部连片组合，没有可行的资产包能容纳该图斑", "no feasible package holds it (all contiguous sets enumerated)"),
    "share_bound": ("公益性比例区间：所在连通片该类用地超出全部资产包可容纳的上限", "public-share band: its piece holds more of this land than any packing can take"),
    "optimal_out": ("最优划定（纳入图斑最多）未纳入", "left out by the optimal packing (most parcels packaged)"),
    "unplaced": ("无法在满足全部约束的前提下纳入资产包", "cannot join a package without breaking a constraint"),
}


# hard constraints, in report order: key -> (中文, English)
CHECKS: Dict[str, Tuple[str, str]] = {
    "contiguous": ("空间连续", "contiguous"),
    "area": ("面积规模", "area"),
    "public": ("公益性比例", "public share"),
    "balance": ("资金平衡", "balance"),
    "ratio": ("收益成本比", "revenue/cost ratio"),
    "owner": ("权属单位不拆分", "ownership units whole"),
    "excluded": ("不含排除图斑", "no excluded parcels"),
    "walls": ("不跨单元边界", "within one unit"),
    "priced": ("图斑数据与单价完整", "parcel data (class, area, geometry) and prices complete"),
}


class PackageRulesError(ValueError):
    """Constraints that contradict each other; the message says which and how to fix them."""


@dataclass
class PackageRules:
    min_area_ha: float = 10.0
    max_area_ha: float = 100.0
    public_min_pct: float = 20.0
    public_max_pct: float = 60.0
    public_basis: str = "total"  # "total" | "construction"
    balance_min: float = 0.0  # 万元
    ratio_min: float = 0.0  # revenue / cost; 0 = not checked
    owner_units: str = "report"  # "report" | "keep"
    gap_tolerance: float = 0.0  # metres

    def check(self) -> None:
        errs = []
        if not self.min_area_ha > 0:
            errs.append("最小面积必须大于 0 公顷")
        if not self.max_area_ha >= self.min_area_ha:
            errs.append(f"最大面积 {self.max_area_ha:g} 公顷小于最小面积 {self.min_area_ha:g} 公顷")
        if not 0 <= self.public_min_pct <= self.public_max_pct <= 100:
            errs.append(f"公益性比例区间 {self.public_min_pct:g}–{self.public_max_pct:g} % 无效："
                        "须满足 0 ≤ 下限 ≤ 上限 ≤ 100")
        if self.public_basis not in ("total", "construction"):
            errs.append(f"未知的公益性比例口径 {self.public_basis!r}")
        if self.ratio_min < 0:
            errs.append("收益成本比下限不能为负")
        if self.owner_units not in ("report", "keep"):
            errs.append(f"未知的权属单位规则 {self.owner_units!r}")
        if self.gap_tolerance < 0:
            errs.append("缝隙容差不能为负")
        if errs:
            raise PackageRulesError("；".join(errs))

    @property
    def min_m2(self) -> float:
        return self.min_area_ha * M2_PER_HA

    @property
    def max_m2(self) -> float:
        return self.max_area_ha * M2_PER_HA

    def describe(self) -> List[Tuple[str, str]]:
        basis = "资产包总面积" if self.public_basis == "total" else "公益性与经营性用地面积之和"
        rows = [
            ("面积规模", f"{self.min_area_ha:g} – {self.max_area_ha:g} 公顷"),
            ("公益性比例", f"{self.public_min_pct:g} – {self.public_max_pct:g} %（占{basis}）"),
            ("资金平衡", f"收益 − 成本 ≥ {self.balance_min:g} 万元"),
            ("收益成本比", f"收益 / 成本 ≥ {self.ratio_min:g}" if self.ratio_min > 0 else "不检查"),
            ("权属单位", "同一权属单位（QSDWDM）的连通部分不拆分" if self.owner_units == "keep"
             else "允许拆分，拆分情况逐包报告"),
            ("空间连续", "图斑共边相邻" + (f"；相距不超过 {self.gap_tolerance:g} 米的图斑视为相邻"
                                       if self.gap_tolerance > 0 else "")),
        ]
        return rows


@dataclass
class ParcelTable:
    """Per-parcel figures the engine and the checker use (arrays of length n)."""

    area_m2: np.ndarray
    current: np.ndarray  # 用地用海2023 code ('' unknown)
    planned: np.ndarray
    nature: np.ndarray  # 公益性 / 经营性 / ''
    changed: np.ndarray  # bool
    cost: np.ndarray  # 万元
    revenue: np.ndarray  # 万元
    cost_price: np.ndarray  # 万元/公顷 (0 when unchanged)
    revenue_price: np.ndarray
    state: np.ndarray  # bool: 国有
    collective: np.ndarray  # bool: 集体
    owner_unit: np.ndarray  # QSDWDM text ('' none)
    wall: np.ndarray  # wall unit id ('' none)
    reason: np.ndarray  # '' eligible, else a REASONS key
    detail: np.ndarray  # text detail of the reason
    locked: np.ndarray  # locked package id ('' none)
    construction: Optional[np.ndarray] = None  # bool: planned as construction land (finance role ≠ none)
    missing_prices: Dict[str, float] = field(default_factory=dict)  # code -> area m² left out

    @property
    def n(self) -> int:
        return len(self.area_m2)

    @property
    def public_m2(self) -> np.ndarray:
        return np.where(self.nature == "公益性", self.area_m2, 0.0)

    @property
    def profitable_m2(self) -> np.ndarray:
        return np.where(self.nature == "经营性", self.area_m2, 0.0)

    def share_arrays(self, basis: str) -> Tuple[np.ndarray, np.ndarray]:
        """(public, profitable) areas that count for the public share: all 公益性/经营性 land for
        the "total" basis; only construction land (finance role service/revenue/financing) for
        the "construction" basis, so a 公益性 river (17) is not construction land."""
        pub, prof = self.public_m2, self.profitable_m2
        if basis == "construction" and self.construction is not None:
            return np.where(self.construction, pub, 0.0), np.where(self.construction, prof, 0.0)
        return pub, prof

    @property
    def eligible(self) -> np.ndarray:
        return self.reason == ""


def text_array(values, n: int) -> np.ndarray:
    """Values as stripped text ('' for None/NaN; 12.0 → "12", as numeric id fields arrive)."""
    out = np.full(n, "", dtype=object)
    if values is None:
        return out
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        out[i] = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    return out


def prepare_parcels(area_m2, current_codes, planned_codes, finance, ownership=None, owner_unit=None,
                    excluded=None, locked=None, wall=None, bad=None) -> ParcelTable:
    """Price and classify every parcel.

    ``current_codes``/``planned_codes``: 用地用海2023 codes ('' or None when unknown);
    ``ownership``: 'state'/'collective'/None per parcel; ``excluded``: '' or the reason text
    (e.g. "永久基本农田 100%") per parcel; ``locked``: existing package id or ''; ``wall``: wall
    unit id or ''; ``bad``: '' or a REASONS key set by the caller (no_geometry, no_area).
    """
    area = np.asarray(area_m2, dtype=float)
    n = len(area)
    cur = text_array(current_codes, n)
    pla = text_array(planned_codes, n)
    own = text_array(ownership, n)
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    if bad is not None:
        b = text_array(bad, n)
        reason[b != ""] = b[b != ""]
        for i in np.flatnonzero(b != ""):
            detail[i] = REASONS.get(b[i], (b[i],))[0]
    bad_area = ~np.isfinite(area) | (area < 0)
    # a parcel the caller skipped (no geometry, unusable area) is out of every figure: no area, no cost
    area = np.where(bad_area | (reason != ""), 0.0, area)
    m = bad_area & (reason == "")
    reason[m] = "no_area"
    detail[m] = REASONS["no_area"][0]
    if excluded is not None:
        ex = text_array(excluded, n)
        m = (ex != "") & (reason == "")
        reason[m] = "excluded"
        detail[m] = ex[m]
    nature = np.full(n, "", dtype=object)
    construction = np.zeros(n, dtype=bool)
    cost_p = np.zeros(n)
    rev_p = np.zeros(n)
    level = getattr(finance, "change_level", None)
    changed = use_changed(cur, pla, level)  # a parent/child pair (0701→070102) is the same use
    missing: Dict[str, float] = {}
    # price each distinct (current, planned) pair once, then spread to the parcels
    pair_id, pairs = pd.factorize(pd.Series(cur + "|" + pla, dtype=object), sort=False)
    groups = pd.Series(np.arange(n)).groupby(pair_id).indices if n else {}
    for k, key in enumerate(pairs):
        c, p = key.split("|", 1)
        rows = groups[k]
        free = rows[reason[rows] == ""]
        if not c or not p:
            reason[free] = "no_class"
            detail[free] = "现状地类缺失" if not c else "规划地类缺失"
            continue
        ep = finance.lookup(p)
        ec = finance.lookup(c) if c != p else ep
        if ep is None or ec is None:
            code = p if ep is None else c
            missing[code] = missing.get(code, 0.0) + float(area[rows].sum())
            reason[free] = "no_price"
            detail[free] = f"资金测算表缺少地类 {code}"
            continue
        nature[rows] = ep.nature
        construction[rows] = ep.role != "none"
        if use_changed([c], [p], level)[0]:  # priced only when the use changes (not 0701→070102)
            cost_p[rows] = ec.cost
            rev_p[rows] = ep.revenue
    ha = area / M2_PER_HA
    return ParcelTable(
        area_m2=area, current=cur, planned=pla, nature=nature, changed=changed,
        cost=ha * cost_p, revenue=ha * rev_p, cost_price=cost_p, revenue_price=rev_p,
        state=own == "state", collective=own == "collective",
        owner_unit=text_array(owner_unit, n), wall=text_array(wall, n),
        reason=reason, detail=detail, locked=text_array(locked, n), construction=construction,
        missing_prices=missing,
    )


def evaluate(labels, parcels: ParcelTable, adj: Adjacency, rules: PackageRules) -> pd.DataFrame:
    """Every figure and every hard constraint of each package (``labels``: package id per
    parcel, '' or None = not in a package). One row per package, sorted by id."""
    lab = text_array(labels, parcels.n)
    inpk = np.flatnonzero(lab != "")
    cols = ["package", "n_parcels", "area_m2", "public_m2", "profitable_m2", "public_basis_m2", "profitable_basis_m2",
            "other_m2", "public_pct",
            "profitable_pct", "state_m2", "collective_m2", "owner_units", "owner_unit_list", "split_units",
            "cost", "revenue", "balance", "ratio", "perimeter", "compactness", "parts", "excluded_parcels",
            "unpriced_parcels", "wall_units", "changed_m2", "kind"] + [f"ok_{k}" for k in CHECKS] + ["status", "failed"]
    if len(inpk) == 0:
        return pd.DataFrame(columns=cols)
    wall_ok = parcels.wall
    same_wall = wall_ok[adj.i] == wall_ok[adj.j]
    ei, ej = adj.i, adj.j
    same = (lab[ei] == lab[ej]) & (lab[ei] != "")
    inner_len = pd.Series(adj.length[same]).groupby(lab[ei][same]).sum()
    # neighbour lists restricted to pairs inside one package (walls break contiguity)
    nb_mask = same & same_wall
    nbrs: Dict[int, List[int]] = {}
    for a, b in zip(ei[nb_mask].tolist(), ej[nb_mask].tolist()):
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    pub_b, prof_b = parcels.share_arrays(rules.public_basis)
    df = pd.DataFrame({
        "pub_b": pub_b[inpk], "prof_b": prof_b[inpk],
        "package": lab[inpk], "area_m2": parcels.area_m2[inpk], "public_m2": parcels.public_m2[inpk],
        "profitable_m2": parcels.profitable_m2[inpk], "state_m2": np.where(parcels.state, parcels.area_m2, 0)[inpk],
        "collective_m2": np.where(parcels.collective, parcels.area_m2, 0)[inpk],
        "cost": parcels.cost[inpk], "revenue": parcels.revenue[inpk], "perimeter": adj.perimeter[inpk],
        "geom_area": adj.geom_area[inpk], "excluded": (parcels.reason[inpk] == "excluded").astype(int),
        "unpriced": np.isin(parcels.reason[inpk], ["no_class", "no_price", "no_area", "no_geometry"]).astype(int),
        "changed_m2": np.where(parcels.changed, parcels.area_m2, 0)[inpk],
        "owner": parcels.owner_unit[inpk], "wall": parcels.wall[inpk], "idx": inpk,
    })
    g = df.groupby("package", sort=True)
    out = g.agg(n_parcels=("idx", "size"), area_m2=("area_m2", "sum"), public_m2=("public_m2", "sum"),
                profitable_m2=("profitable_m2", "sum"), state_m2=("state_m2", "sum"),
                pub_b=("pub_b", "sum"), prof_b=("prof_b", "sum"),
                collective_m2=("collective_m2", "sum"), cost=("cost", "sum"), revenue=("revenue", "sum"),
                perimeter=("perimeter", "sum"), geom_area=("geom_area", "sum"),
                excluded_parcels=("excluded", "sum"), unpriced_parcels=("unpriced", "sum"),
                changed_m2=("changed_m2", "sum"))
    out["perimeter"] = out["perimeter"] - 2 * inner_len.reindex(out.index).fillna(0.0)
    owners = df[df["owner"] != ""]
    units_per_pkg = owners.groupby("package")["owner"].agg(lambda s: sorted(set(s)))
    pkgs_per_unit = owners.groupby("owner")["package"].nunique()
    split_units = set(pkgs_per_unit.index[pkgs_per_unit > 1])
    out["owner_units"] = [len(units_per_pkg.get(p, [])) for p in out.index]
    out["owner_unit_list"] = ["、".join(units_per_pkg.get(p, [])) for p in out.index]
    out["split_units"] = [sum(1 for u in units_per_pkg.get(p, []) if u in split_units) for p in out.index]
    out["wall_units"] = df[df["wall"] != ""].groupby("package")["wall"].nunique().reindex(out.index).fillna(0).astype(int)
    members = df.groupby("package")["idx"].agg(list)
    out["parts"] = [_parts(members[p], nbrs) for p in out.index]
    out["other_m2"] = out["area_m2"] - out["public_m2"] - out["profitable_m2"]
    out["public_basis_m2"], out["profitable_basis_m2"] = out["pub_b"], out["prof_b"]  # what the share is of
    out["balance"] = out["revenue"] - out["cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(out["cost"] > 0, out["revenue"] / out["cost"], np.nan)
        base = out["area_m2"] if rules.public_basis == "total" else out["pub_b"] + out["prof_b"]
        out["public_pct"] = np.where(base > 0, 100.0 * out["pub_b"] / base, 0.0)
        out["profitable_pct"] = np.where(base > 0, 100.0 * out["prof_b"] / base, 0.0)
        out["compactness"] = np.where(out["perimeter"] > 0,
                                      4 * math.pi * out["geom_area"] / out["perimeter"] ** 2, 0.0)
    ok = {}
    ok["contiguous"] = out["parts"] == 1
    ok["area"] = (out["area_m2"] >= rules.min_m2 * (1 - EPS)) & (out["area_m2"] <= rules.max_m2 * (1 + EPS))
    tol = 1e-7
    ok["public"] = (out["public_pct"] >= rules.public_min_pct - tol) & (out["public_pct"] <= rules.public_max_pct + tol)
    construction = out["pub_b"] + out["prof_b"] if rules.public_basis == "construction" \
        else out["public_m2"] + out["profitable_m2"]
    if rules.public_basis == "construction":  # no construction land: 资源类, the share does not apply
        ok["public"] |= construction <= 0
    out["kind"] = np.where(construction > 0, "建设类", "资源类")
    ok["balance"] = out["balance"] >= rules.balance_min - 1e-6
    if rules.ratio_min > 0:
        ok["ratio"] = out["revenue"] >= rules.ratio_min * out["cost"] - 1e-6
    else:
        ok["ratio"] = pd.Series(True, index=out.index)
    if rules.owner_units == "keep":
        # "keep" keeps each connected part of a unit whole (the describe() text): a unit whose parts
        # lie apart (separated by another unit, an excluded parcel or a wall) may sit in several packages
        ou = parcels.owner_unit
        e = (lab[ei] != "") & (lab[ej] != "") & (ou[ei] == ou[ej]) & (ou[ei] != "") & same_wall
        piece = _components(parcels.n, ei[e], ej[e])
        owned = inpk[ou[inpk] != ""]
        pp = pd.DataFrame({"piece": piece[owned], "package": lab[owned]})
        per_piece = pp.groupby("piece")["package"].nunique()
        broken = set(pp.loc[pp["piece"].isin(per_piece.index[per_piece > 1]), "package"])
        ok["owner"] = pd.Series([p not in broken for p in out.index], index=out.index)
    else:
        ok["owner"] = pd.Series(True, index=out.index)
    ok["excluded"] = out["excluded_parcels"] == 0
    ok["walls"] = out["wall_units"] <= 1
    ok["priced"] = out["unpriced_parcels"] == 0
    for k in CHECKS:
        out[f"ok_{k}"] = ok[k].astype(bool)
    okm = np.column_stack([out[f"ok_{k}"].to_numpy() for k in CHECKS])
    out["status"] = np.where(okm.all(axis=1), "pass", "fail")
    names = [CHECKS[k][0] for k in CHECKS]
    out["failed"] = ["、".join(nm for nm, good in zip(names, row) if not good) for row in okm]
    out = out.reset_index()
    return out[cols]


