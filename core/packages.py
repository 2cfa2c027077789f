"""资产包 / 配置单元 (asset packages): constraint-aware delineation and validation.

A package is a group of whole parcels (图斑 are never split) that

* is contiguous: parcels share an edge (a common boundary of positive length); with a gap
  tolerance ``g > 0`` two parcels less than ``g`` metres apart are neighbours too (roads and
  ditches missing from the data); parcels of different wall units (行政村, 详规单元) never are;
* keeps ownership clear: an ownership unit (QSDWDM) is kept in one package (``owner_units =
  "keep"``: its contiguous pieces are atoms the engine never splits) or its split is reported
  (``"report"``); state and collective land may mix;
* mixes 公益性 and 经营性 land: public share within ``[public_min_pct, public_max_pct]`` of the
  package area (``public_basis = "total"``) or of its 公益性 + 经营性 area (``"construction"``);
* has an area within ``[min_area_ha, max_area_ha]``;
* balances: revenue − cost ≥ ``balance_min`` (万元), and revenue / cost ≥ ``ratio_min`` when > 0.

Money (see :func:`prepare_parcels`): a parcel whose 用地用海2023 code changes between current and
planned use costs ``area × cost(current class)`` and yields ``area × revenue(planned class)``
(万元/公顷 from the finance table); a parcel that keeps its use costs and yields nothing. The
nature (公益性/经营性) is that of the planned class. This is the rule of the structure table's
finance view, so the two reports agree.

Engine (:func:`delineate`): the adjacency graph is built once (:func:`build_adjacency`); parcels
are merged into atoms (ownership pieces in "keep" mode, else single parcels); packages grow from
peripheral seeds, each step adding the frontier atom that most reduces the constraint violation
(ties: nearest to the package centroid), until the package is feasible; a growth that reaches the
area cap or runs out of neighbours first is undone and its seed retired. A local search then
(1) absorbs leftover atoms and leftover clusters into neighbouring packages, (2) makes room by
moving a boundary atom of a full package to another neighbour, (3) grows a package for each
stranded leftover as if the area were free and takes that land from the packages that can spare
it (their remainders are kept or grown again; kept only when more parcels end up packaged), and
(4) moves boundary atoms
between packages to make them more compact — every move only when every hard constraint of
every package still holds and the package stays contiguous. The run is deterministic for a
given seed. Leftovers carry the reason they were left out, and :func:`diagnose` says which
constraint binds when the constraints cannot be met.

:func:`evaluate` computes every figure and pass/fail of arbitrary packages (a package-id per
parcel) — the engine's and the ones a planner draws by hand (``guotukit:validatepackages``).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import shapely

from .finance import use_changed
from .overlay import Cancelled

__all__ = [
    "PackageRules", "ParcelTable", "Adjacency", "PackagingResult", "REASONS", "CHECKS",
    "prepare_parcels", "build_adjacency", "delineate", "evaluate", "diagnose", "package_geometries",
    "assign_by_polygons", "majority_join", "overlap_shares", "Cancelled", "PackageRulesError",
]

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


# ------------------------------------------------------------------------------ parcels

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
    changed = use_changed(cur, pla)  # a parent/child pair (0701→070102) is the same use
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
        if use_changed([c], [p])[0]:  # priced only when the use changes (not 0701→070102)
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


# ------------------------------------------------------------------------------ adjacency

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


# ------------------------------------------------------------------------------ evaluation

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
    ok["owner"] = (out["split_units"] == 0) if rules.owner_units == "keep" else pd.Series(True, index=out.index)
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


# ------------------------------------------------------------------------------ engine

@dataclass
class PackagingResult:
    labels: np.ndarray  # package id per parcel ('' = not in a package)
    reason: np.ndarray  # REASONS key per parcel ('' = in a package)
    detail: np.ndarray  # text per parcel
    packages: pd.DataFrame  # evaluate() of the result
    diagnosis: List[str]
    stats: Dict[str, object]
    seed: int = 0


class _Engine:
    """Growth and local search on atoms (see the module docstring)."""

    def __init__(self, parcels: ParcelTable, adj: Adjacency, rules: PackageRules, seed: int,
                 progress, cancelled):
        self.p = parcels
        self.adj = adj
        self.r = rules
        self.seed = int(seed)
        self.progress = progress
        self.cancelled = cancelled
        self.total_basis = rules.public_basis == "total"
        self.pmin = rules.public_min_pct / 100.0
        self.pmax = rules.public_max_pct / 100.0

    # -- helpers -------------------------------------------------------------
    def _tick(self, frac: float) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, frac)))

    def viol(self, A, pub, prof, cost, rev) -> float:
        base = A if self.total_basis else pub + prof
        v = 0.0
        lo = self.pmin * base - pub
        if lo > 1e-9 * max(1.0, base):
            v += lo / self.area_scale
        hi = pub - self.pmax * base
        if hi > 1e-9 * max(1.0, base):
            v += hi / self.area_scale
        b = self.r.balance_min - (rev - cost)
        if b > 1e-7:
            v += b / self.bal_scale
        if self.r.ratio_min > 0:
            q = self.r.ratio_min * cost - rev
            if q > 1e-7:
                v += q / self.bal_scale
        return v

    def why(self, A, pub, prof, cost, rev) -> str:
        """The constraint a state breaks, with the figure (for reasons and diagnosis)."""
        base = A if self.total_basis else pub + prof
        if A > self.r.max_m2 * (1 + EPS):
            return f"面积将达 {A / M2_PER_HA:.2f} 公顷，超过上限 {self.r.max_area_ha:g} 公顷"
        share = 100.0 * pub / base if base > 0 else 0.0
        if base <= 0 and not self.total_basis:
            pass  # no construction land: a 资源类 package, the share does not apply
        elif share < self.r.public_min_pct - 1e-7:
            return f"公益性比例 {share:.1f}% 低于下限 {self.r.public_min_pct:g}%"
        if base > 0 and share > self.r.public_max_pct + 1e-7:
            return f"公益性比例 {share:.1f}% 高于上限 {self.r.public_max_pct:g}%"
        if rev - cost < self.r.balance_min - 1e-6:
            return f"资金平衡 {rev - cost:.1f} 万元，低于下限 {self.r.balance_min:g} 万元"
        if self.r.ratio_min > 0 and rev < self.r.ratio_min * cost - 1e-6:
            return f"收益成本比 {rev / cost if cost else 0:.2f} 低于下限 {self.r.ratio_min:g}"
        if A < self.r.min_m2 * (1 - EPS):
            return f"面积 {A / M2_PER_HA:.2f} 公顷，不足下限 {self.r.min_area_ha:g} 公顷"
        return ""

    # -- atoms ---------------------------------------------------------------
    def build_atoms(self) -> None:
        p, adj = self.p, self.adj
        n = p.n
        free = p.eligible & (p.locked == "")
        e_ok = (p.wall[adj.i] == p.wall[adj.j]) & free[adj.i] & free[adj.j]
        ei, ej, el = adj.i[e_ok], adj.j[e_ok], adj.length[e_ok]
        if self.r.owner_units == "keep":
            same = p.owner_unit[ei] == p.owner_unit[ej]
            comp = _components(n, ei[same], ej[same])
        else:
            comp = np.arange(n)
        idx = np.flatnonzero(free)
        _, atom_of_free = np.unique(comp[idx], return_inverse=True)
        atom = np.full(n, -1, dtype=np.int64)
        atom[idx] = atom_of_free
        m = int(atom_of_free.max()) + 1 if len(idx) else 0
        self.atom = atom
        self.m = m
        w = p.area_m2[idx]

        def agg(values):
            return np.bincount(atom_of_free, weights=values, minlength=m)

        self.A = agg(w)
        self.npar = np.bincount(atom_of_free, minlength=m).tolist()
        pub_b, prof_b = p.share_arrays(self.r.public_basis)
        self.pub = agg(pub_b[idx])
        self.prof = agg(prof_b[idx])
        self.cost = agg(p.cost[idx])
        self.rev = agg(p.revenue[idx])
        ga = adj.geom_area[idx]
        gsum = agg(ga)
        self.garea = gsum
        safe = np.where(gsum > 0, gsum, 1.0)
        self.cx = agg(adj.cx[idx] * ga) / safe
        self.cy = agg(adj.cy[idx] * ga) / safe
        perim = agg(adj.perimeter[idx])
        ai, aj = atom[ei], atom[ej]
        inner = ai == aj
        np.subtract.at(perim, ai[inner], 2 * el[inner])
        self.perim = perim
        ai, aj, al = ai[~inner], aj[~inner], el[~inner]
        key = np.minimum(ai, aj) * m + np.maximum(ai, aj)
        uk, inv = np.unique(key, return_inverse=True)
        ul = np.bincount(inv, weights=al, minlength=len(uk))
        ua, ub = uk // max(m, 1), uk % max(m, 1)
        nb: List[Dict[int, float]] = [dict() for _ in range(m)]
        for a, b, L in zip(ua.tolist(), ub.tolist(), ul.tolist()):
            nb[a][b] = L
            nb[b][a] = L
        self.nb = nb
        self.comp = _components(m, ua, ub) if m else np.zeros(0, dtype=np.int64)
        self.parcels_of_atom = pd.Series(np.flatnonzero(atom >= 0)).groupby(atom[atom >= 0]).agg(list) \
            if m else pd.Series(dtype=object)
        area_scale = self.r.min_m2
        self.area_scale = area_scale
        tot = float(np.abs(self.rev - self.cost).sum())
        typical = tot / max(float(self.A.sum()), 1.0) * area_scale
        self.bal_scale = max(abs(self.r.balance_min), typical, 1.0)
        self._linear_terms()

    # -- growth --------------------------------------------------------------
    def run(self) -> None:
        r = self.r
        m = self.m
        self.owner = [-1] * m  # a list: indexed one atom at a time in the hot loops
        self.why_atom = np.full(m, "", dtype=object)
        self.reason_atom = np.full(m, "", dtype=object)
        self.pk: List[dict] = []
        self.failures: List[str] = []
        comp_area = np.bincount(self.comp, weights=self.A, minlength=m) if m else np.zeros(0)
        small = comp_area[self.comp] < r.min_m2 * (1 - EPS) if m else np.zeros(0, bool)
        too_big = self.A > r.max_m2 * (1 + EPS)
        self.reason_atom[small] = "small_component"
        for a in np.flatnonzero(small):
            self.why_atom[a] = f"所在连通片面积 {comp_area[self.comp[a]] / M2_PER_HA:.2f} 公顷，小于最小面积 {r.min_area_ha:g} 公顷"
        big = too_big & ~small
        self.reason_atom[big] = "too_big"
        for a in np.flatnonzero(big):
            self.why_atom[a] = f"面积 {self.A[a] / M2_PER_HA:.2f} 公顷，超过最大面积 {r.max_area_ha:g} 公顷"
        self._set_blocked(small | too_big)
        # atoms no package can balance are blocked up front, so they do not spoil growths
        for a in np.flatnonzero(~self.blocked):
            proof = self.unbalanceable(int(a))
            if proof:
                self.reason_atom[a] = "unbalanceable"
                self.why_atom[a] = proof
        self._set_blocked(self.blocked | (self.reason_atom == "unbalanceable"))
        rng = np.random.default_rng(self.seed)
        rnd = rng.random(m)
        # constraint-first: atoms that cannot stand alone (a deficit, a public share outside
        # the band) seed first, so they reach the land that balances them before it is taken
        hard = np.array([self.viol(self.A[a], self.pub[a], self.prof[a], self.cost[a], self.rev[a]) > 0
                         for a in range(m)], dtype=bool) if m else np.zeros(0, bool)
        bal = self.rev - self.cost
        self.tier = np.where(hard & (bal < 0), 0, np.where(hard, 1, 2))
        self._grow_from(np.flatnonzero(~self.blocked).tolist(), rnd, progress=True)
        self._tick(0.6)

    def _set_blocked(self, blocked: np.ndarray) -> None:
        self.blocked = blocked
        self.bl = blocked.tolist()  # the same, for the hot loops

    def _grow_from(self, atoms, rnd, progress: bool = False) -> int:
        """Grow packages from the free atoms ``atoms``: seeds by tier, then by fewest free
        neighbours (peripheral first), then by the random key ``rnd``. Returns atoms placed."""
        owner, blocked, nb, tier = self.owner, self.bl, self.nb, self.tier
        ud = {a: sum(1 for b in nb[a] if not blocked[b] and owner[b] < 0) for a in atoms}
        if rnd is None:
            rnd = {}.fromkeys(atoms, 0.0)
        heap = [(int(tier[a]), ud[a], float(rnd[a]), a) for a in atoms if owner[a] < 0 and not blocked[a]]
        heapq.heapify(heap)
        tried = {}
        placed = 0
        total = max(1, len(heap))
        while heap:
            _t, d, _, a = heapq.heappop(heap)
            if owner[a] >= 0 or a in tried or d != ud[a]:
                continue
            tried[a] = True
            members = self.grow(a, tried)
            if members:
                for x in members:
                    for y in nb[x]:
                        if y in ud and owner[y] < 0 and not blocked[y]:
                            ud[y] -= 1
                            heapq.heappush(heap, (int(tier[y]), ud[y], float(rnd[y]), y))
                placed += len(members)
                if progress and len(self.pk) % 20 == 0:
                    self._tick(0.6 * placed / total)
        return placed

    def _linear_terms(self) -> None:
        """Every constraint as a sum over atoms (Python lists, for the hot loops): the package's
        violation is pos(l) + pos(h) + pos(d) + pos(q) with l, h, d, q the sums of ``LO``,
        ``HI``, ``DF``, ``RQ`` over its atoms (plus the floors ``d0``/``q0``), already scaled."""
        base = self.A if self.total_basis else self.pub + self.prof
        self.Al = self.A.tolist()
        self.LO = ((self.pmin * base - self.pub) / self.area_scale).tolist()
        self.HI = ((self.pub - self.pmax * base) / self.area_scale).tolist()
        self.DF = ((self.cost - self.rev) / self.bal_scale).tolist()
        rq = (self.r.ratio_min * self.cost - self.rev) / self.bal_scale if self.r.ratio_min > 0 else np.zeros(self.m)
        self.RQ = rq.tolist()
        self.d0 = self.r.balance_min / self.bal_scale
        self.cxl = self.cx.tolist()
        self.cyl = self.cy.tolist()
        self.publ, self.profl = self.pub.tolist(), self.prof.tolist()
        self.costl, self.revl = self.cost.tolist(), self.rev.tolist()
        self.ball = (self.rev - self.cost).tolist()
        self.rql = (self.rev - self.r.ratio_min * self.cost).tolist()

    def grow(self, seed_atom: int, tried: Optional[dict] = None) -> Optional[List[int]]:
        r = self.r
        Al, LO, HI, DF, RQ = self.Al, self.LO, self.HI, self.DF, self.RQ
        cx, cy, nb, owner, blocked = self.cxl, self.cyl, self.nb, self.owner, self.bl
        publ, profl, costl, revl = self.publ, self.profl, self.costl, self.revl
        use_q = r.ratio_min > 0
        k = len(self.pk)
        a0 = seed_atom
        members = [a0]
        owner[a0] = k
        sA, sP, sF, sC, sR = Al[a0], publ[a0], profl[a0], costl[a0], revl[a0]
        lo, hi, df, rq = LO[a0], HI[a0], self.d0 + DF[a0], RQ[a0]
        gx, gy = cx[a0] * sA, cy[a0] * sA
        frontier = {b for b in nb[a0] if owner[b] < 0 and not blocked[b]}
        wcR = 0.02 / math.sqrt(r.min_m2 / math.pi)
        maxA = r.max_m2 * (1 + EPS)
        minA = r.min_m2 * (1 - EPS)
        v = self.viol(sA, sP, sF, sC, sR)
        no_path = False
        tiny = 1e-12
        while not (sA >= minA and v <= 0):
            best_s = math.inf
            best_b = -1
            min_vb = math.inf
            bx = by = 0.0
            if sA > 0:
                bx, by = gx / sA, gy / sA
            for b in frontier:
                if sA + Al[b] > maxA:
                    continue
                x = lo + LO[b]
                vb = x if x > tiny else 0.0
                x = hi + HI[b]
                if x > tiny:
                    vb += x
                x = df + DF[b]
                if x > tiny:
                    vb += x
                if use_q:
                    x = rq + RQ[b]
                    if x > tiny:
                        vb += x
                if vb < min_vb:
                    min_vb = vb
                dx = cx[b] - bx
                dy = cy[b] - by
                s = vb + wcR * math.sqrt(dx * dx + dy * dy)
                if s < best_s or (s == best_s and b < best_b):
                    best_s, best_b = s, b
            chosen = None
            if v > 0 and min_vb >= v * (1 - 1e-9) and not no_path:
                chosen = self._path_to_help(members, (sA, lo, hi, df, rq), v, maxA)
                no_path = not chosen
            if not chosen:
                if best_b < 0:
                    reason = self.why(sA, sP, sF, sC, sR) or "相邻图斑不足"
                    if not frontier and sA < minA:
                        reason = f"连片可用图斑 {sA / M2_PER_HA:.2f} 公顷，不足最小面积 {r.min_area_ha:g} 公顷"
                    self.failures.append(reason)
                    for x in members:
                        owner[x] = -1
                        self.why_atom[x] = reason
                        # a growth through x failed: x seeds no other (it may still join one)
                        if tried is not None and self.tier[x] == self.tier[seed_atom]:
                            tried[x] = True
                    return None
                chosen = (best_b,)
            for b in chosen:
                frontier.discard(b)
                members.append(b)
                owner[b] = k
                ab = Al[b]
                sA += ab
                sP += publ[b]
                sF += profl[b]
                sC += costl[b]
                sR += revl[b]
                lo += LO[b]
                hi += HI[b]
                df += DF[b]
                rq += RQ[b]
                gx += cx[b] * ab
                gy += cy[b] * ab
                for y in nb[b]:
                    if owner[y] < 0 and not blocked[y]:
                        frontier.add(y)
            v = self.viol(sA, sP, sF, sC, sR)
        self.pk.append({"members": set(members), "A": sA, "pub": sP, "prof": sF, "cost": sC, "rev": sR,
                        "gx": gx, "gy": gy, "perim": self._perim_of(members), "garea": float(self.garea[members].sum())})
        return members

    def _path_to_help(self, members, state, v, maxA, max_visits: int = 400) -> Optional[List[int]]:
        """Cheapest (by area) chain of free atoms from the package to an atom that lowers the
        violation ``v``, within the area cap; None when there is none. ``state`` is the
        package's (area, lo, hi, df, rq) sums (see :meth:`_linear_terms`)."""
        Al, LO, HI, DF, RQ = self.Al, self.LO, self.HI, self.DF, self.RQ
        nb, owner, blocked = self.nb, self.owner, self.bl
        sA, lo, hi, df, rq = state
        budget = maxA - sA
        target = v * (1 - 1e-9)
        tiny = 1e-12
        pred: Dict[int, int] = {}
        cum: Dict[int, Tuple[float, float, float, float, float]] = {}
        heap: List[Tuple[float, int]] = []
        mset = set(members)
        for x in members:
            for y in nb[x]:
                if y not in cum and owner[y] < 0 and not blocked[y] and Al[y] <= budget:
                    cum[y] = (Al[y], lo + LO[y], hi + HI[y], df + DF[y], rq + RQ[y])
                    pred[y] = -1
                    heapq.heappush(heap, (Al[y], y))
        done = set()
        visits = 0
        while heap and visits < max_visits:
            d, y = heapq.heappop(heap)
            if y in done:
                continue
            done.add(y)
            visits += 1
            c = cum[y]
            vb = (c[1] if c[1] > tiny else 0.0) + (c[2] if c[2] > tiny else 0.0) + (c[3] if c[3] > tiny else 0.0) \
                + (c[4] if c[4] > tiny else 0.0)
            if vb < target:
                path = []
                while y != -1:
                    path.append(y)
                    y = pred[y]
                return path[::-1]
            for z in nb[y]:
                if z in mset or z in done or owner[z] >= 0 or blocked[z]:
                    continue
                nd = d + Al[z]
                if nd > budget:
                    continue
                if z not in cum or nd < cum[z][0]:
                    cum[z] = (nd, c[1] + LO[z], c[2] + HI[z], c[3] + DF[z], c[4] + RQ[z])
                    pred[z] = y
                    heapq.heappush(heap, (nd, z))
        return None

    def unbalanceable(self, a: int, max_visits: int = 3000) -> Optional[str]:
        """A proof that no package can hold atom ``a``: every atom of a package containing
        ``a`` is joined to it through the package, so it lies within the area cap of ``a`` (by
        area along the cheapest path). When even ``a`` plus every surplus within that reach
        stays below the balance (or ratio) floor, ``a`` cannot be placed. Returns the reason or
        None."""
        r = self.r
        checks = []
        if self.ball[a] < r.balance_min - 1e-6:
            checks.append(("balance", self.ball, r.balance_min))
        if r.ratio_min > 0 and self.rql[a] < -1e-6:
            checks.append(("ratio", self.rql, 0.0))
        if not checks:
            return None
        maxA = r.max_m2 * (1 + EPS)
        Al, nb, blocked = self.Al, self.nb, self.bl
        dist = {a: Al[a]}
        heap = [(Al[a], a)]
        done = set()
        gain = [0.0] * len(checks)
        need = [floor - vals[a] for _, vals, floor in checks]
        single = len(checks) == 1
        vals0 = checks[0][1]
        while heap:
            d, y = heapq.heappop(heap)
            if y in done:
                continue
            done.add(y)
            if len(done) > max_visits:
                return None  # too far to prove anything cheaply: leave it to the growth
            if y != a:
                if single:
                    if vals0[y] > 0:
                        gain[0] += vals0[y]
                        if gain[0] >= need[0] - 1e-6:
                            return None
                else:
                    for t, (_, vals, _f) in enumerate(checks):
                        if vals[y] > 0:
                            gain[t] += vals[y]
                    if all(g >= nd - 1e-6 for g, nd in zip(gain, need)):
                        return None
            for z in nb[y]:
                if z in done or blocked[z]:
                    continue
                nd = d + Al[z]
                if nd <= maxA and nd < dist.get(z, math.inf):
                    dist[z] = nd
                    heapq.heappush(heap, (nd, z))
        t = next(t for t, (g, nd) in enumerate(zip(gain, need)) if g < nd - 1e-6)
        kind, vals, floor = checks[t]
        if kind == "balance":
            return (f"本图斑资金缺口 {-(vals[a] - floor):,.1f} 万元，最大面积 {r.max_area_ha:g} 公顷范围内可连通的"
                    f"盈余合计仅 {gain[t]:,.1f} 万元：任何资产包都无法平衡")
        return (f"最大面积 {r.max_area_ha:g} 公顷范围内可连通的收益不足以使收益成本比达到 {r.ratio_min:g}："
                "任何资产包都无法达标")

    def _perim_of(self, members) -> float:
        s = set(members)
        total = 0.0
        for a in members:
            total += self.perim[a]
            for b, L in self.nb[a].items():
                if b in s:
                    total -= L  # each inner edge is seen from both sides: 2 × L in all
        return total

    # -- local search --------------------------------------------------------
    def feasible(self, A, pub, prof, cost, rev) -> bool:
        return (self.r.min_m2 * (1 - EPS) <= A <= self.r.max_m2 * (1 + EPS)
                and self.viol(A, pub, prof, cost, rev) <= 0)

    def _with(self, P: dict, atoms, sign: int):
        A = P["A"] + sign * sum(self.A[a] for a in atoms)
        pub = P["pub"] + sign * sum(self.pub[a] for a in atoms)
        prof = P["prof"] + sign * sum(self.prof[a] for a in atoms)
        cost = P["cost"] + sign * sum(self.cost[a] for a in atoms)
        rev = P["rev"] + sign * sum(self.rev[a] for a in atoms)
        return A, pub, prof, cost, rev

    def _add(self, k: int, atoms) -> None:
        P = self.pk[k]
        for a in atoms:
            shared = sum(L for b, L in self.nb[a].items() if b in P["members"])
            P["perim"] += self.perim[a] - 2 * shared
            P["members"].add(a)
            self.owner[a] = k
            P["A"] += self.A[a]
            P["pub"] += self.pub[a]
            P["prof"] += self.prof[a]
            P["cost"] += self.cost[a]
            P["rev"] += self.rev[a]
            P["gx"] += self.cx[a] * self.A[a]
            P["gy"] += self.cy[a] * self.A[a]
            P["garea"] += self.garea[a]

    def _remove(self, k: int, a: int) -> None:
        P = self.pk[k]
        P["members"].discard(a)
        shared = sum(L for b, L in self.nb[a].items() if b in P["members"])
        P["perim"] -= self.perim[a] - 2 * shared
        self.owner[a] = -1
        P["A"] -= self.A[a]
        P["pub"] -= self.pub[a]
        P["prof"] -= self.prof[a]
        P["cost"] -= self.cost[a]
        P["rev"] -= self.rev[a]
        P["gx"] -= self.cx[a] * self.A[a]
        P["gy"] -= self.cy[a] * self.A[a]
        P["garea"] -= self.garea[a]

    def _connected_without(self, members: set, a: int) -> bool:
        rest = [b for b in self.nb[a] if b in members and b != a]
        if not rest:
            return len(members) <= 1
        target = len(members) - 1
        seen = {rest[0]}
        stack = [rest[0]]
        while stack:
            x = stack.pop()
            for y in self.nb[x]:
                if y != a and y in members and y not in seen:
                    seen.add(y)
                    stack.append(y)
        return len(seen) == target

    def _leftovers(self) -> List[int]:
        return [a for a in range(self.m) if self.owner[a] < 0 and not self.bl[a]]

    def absorb(self) -> int:
        """Add leftover atoms (singly, then whole leftover clusters) to a neighbouring package
        when the package stays feasible; the most compact choice wins."""
        added = 0
        for _ in range(20):
            changed = 0
            for a in self._leftovers():
                best = None
                for k in sorted({self.owner[b] for b in self.nb[a] if self.owner[b] >= 0}):
                    P = self.pk[k]
                    st = self._with(P, [a], +1)
                    if not self.feasible(*st):
                        self.why_atom[a] = self.why(*st) or self.why_atom[a]
                        continue
                    shared = sum(L for b, L in self.nb[a].items() if b in P["members"])
                    score = (self.perim[a] - 2 * shared)
                    if best is None or score < best[0]:
                        best = (score, k)
                if best is not None:
                    self._add(best[1], [a])
                    changed += 1
            added += changed
            if not changed:
                break
        # whole leftover clusters
        for cluster in self._clusters(self._leftovers()):
            if len(cluster) < 2:
                continue
            cset = set(cluster)
            ks = sorted({self.owner[b] for a in cluster for b in self.nb[a] if self.owner[b] >= 0 and b not in cset})
            for k in ks:
                st = self._with(self.pk[k], cluster, +1)
                if self.feasible(*st):
                    self._add(k, cluster)
                    added += len(cluster)
                    break
        return added

    def regrow(self) -> int:
        """A second growth round from the leftovers, now that the packages around them are
        known (growths that failed early may succeed from another seed)."""
        rng = np.random.default_rng(self.seed + 1)
        left = self._leftovers()
        if not left:
            return 0
        keys = rng.random(len(left))
        order = sorted(zip(self.tier[left].tolist(), keys.tolist(), left))
        tried = np.zeros(self.m, dtype=bool)
        placed = 0
        for _t, _k, a in order:
            if self.owner[a] >= 0 or tried[a]:
                continue
            tried[a] = True
            members = self.grow(a, tried)
            if members:
                placed += len(members)
        return placed

    def merge(self) -> int:
        """A leftover cluster between two packages that neither can take alone: merge the two
        packages and the cluster when the union is feasible (their surpluses pool)."""
        merged = 0
        for cluster in self._clusters(self._leftovers()):
            cset = set(cluster)
            ks = sorted({self.owner[b] for a in cluster for b in self.nb[a] if self.owner[b] >= 0})
            done = False
            for i, k in enumerate(ks):
                for q in ks[i + 1:]:
                    st = self._with(self.pk[k], cluster, +1)
                    Q = self.pk[q]
                    st = (st[0] + Q["A"], st[1] + Q["pub"], st[2] + Q["prof"], st[3] + Q["cost"], st[4] + Q["rev"])
                    if not self.feasible(*st):
                        continue
                    qm = sorted(Q["members"])
                    for a in qm:
                        self._remove(q, a)
                    self._add(k, qm)
                    self._add(k, cluster)
                    merged += len(cset)
                    done = True
                    break
                if done:
                    break
        return merged

    def make_room(self) -> int:
        """A leftover atom next to a package it cannot join: try handing one boundary atom of
        that package to another neighbouring package first."""
        moved = 0
        for a in self._leftovers():
            if self.owner[a] >= 0:
                continue
            done = False
            for k in sorted({self.owner[b] for b in self.nb[a] if self.owner[b] >= 0}):
                P = self.pk[k]
                for b in sorted(P["members"]):
                    qs = sorted({self.owner[c] for c in self.nb[b] if self.owner[c] >= 0 and self.owner[c] != k})
                    if not qs:
                        continue
                    stP = self._with(P, [a], +1)
                    stP = (stP[0] - self.A[b], stP[1] - self.pub[b], stP[2] - self.prof[b],
                           stP[3] - self.cost[b], stP[4] - self.rev[b])
                    if not self.feasible(*stP):
                        continue
                    # P - b + a must stay contiguous
                    if not any(c in P["members"] and c != b for c in self.nb[a]):
                        continue
                    trial = set(P["members"])
                    trial.add(a)
                    if not self._connected_without(trial, b):
                        continue
                    for q in qs:
                        if self.feasible(*self._with(self.pk[q], [b], +1)):
                            self._remove(k, b)
                            self._add(q, [b])
                            self._add(k, [a])
                            moved += 1
                            done = True
                            break
                    if done:
                        break
                if done:
                    break
        return moved

    def _clusters(self, atoms) -> List[List[int]]:
        """Connected clusters (through the adjacency graph) of the atom set ``atoms``."""
        left = set(atoms)
        out = []
        for start in sorted(left):
            if start not in left:
                continue
            left.discard(start)
            cluster = [start]
            stack = [start]
            while stack:
                x = stack.pop()
                for y in self.nb[x]:
                    if y in left:
                        left.discard(y)
                        cluster.append(y)
                        stack.append(y)
            out.append(cluster)
        return out

    def steal(self) -> int:
        """Place leftovers by taking land from packages that can spare it.

        A leftover is usually a deficit parcel whose surplus went to packages that did not need
        all of it. For each leftover a package is grown as if the whole area were free; the
        packages it takes land from keep what remains when that is still feasible and
        contiguous, else their remainders are grown again. The change is kept only when more
        parcels end up in packages than before, so every package still meets every hard
        constraint. Returns the parcels gained."""
        gained = 0
        left = [a for a in self._leftovers() if self.reason_atom[a] == ""]
        left.sort(key=lambda a: (int(self.tier[a]), a))
        tried: Dict[int, bool] = {}  # atoms a failed growth went through (as in the first round)
        for i, a in enumerate(left):
            if i % 50 == 0:
                self._tick(0.75 + 0.05 * i / max(len(left), 1))
            if self.owner[a] < 0 and a not in tried:
                gained += self._steal_for(a, tried)
        return gained

    def _reach(self, a: int, area_cap: float, max_atoms: int = 3000) -> List[int]:
        """Unblocked atoms around ``a`` (breadth first, any owner) until their area reaches
        ``area_cap``: the land a package grown from ``a`` could use."""
        nb, bl, Al = self.nb, self.bl, self.Al
        seen = {a}
        order = [a]
        total = Al[a]
        i = 0
        while i < len(order) and total < area_cap and len(order) < max_atoms:
            x = order[i]
            i += 1
            for y in nb[x]:
                if y not in seen and not bl[y]:
                    seen.add(y)
                    order.append(y)
                    total += Al[y]
        return order

    def _steal_for(self, a: int, tried: dict) -> int:
        owner, npar = self.owner, self.npar
        n0, nf = len(self.pk), len(self.failures)
        # grow from a as if the land around it were free
        near = self._reach(a, 3.0 * self.r.max_m2)
        saved = {x: owner[x] for x in near}
        for x in near:
            owner[x] = -1
        members = None
        try:
            members = self.grow(a, tried)
        finally:
            for x in members or ():
                owner[x] = -1  # members beyond ``near`` were free
            for x, o in saved.items():
                owner[x] = o
            del self.failures[nf:]
        if not members:
            return 0
        S = self.pk.pop()
        ks = sorted({saved.get(x, -1) for x in members} - {-1})
        snap = {k: dict(self.pk[k], members=set(self.pk[k]["members"])) for k in ks}
        region = set(members)
        for k in ks:
            region |= self.pk[k]["members"]
        before_owner = {x: owner[x] for x in region}
        before = sum(npar[x] for x in region if owner[x] >= 0)
        for k in ks:
            for x in members:
                if owner[x] == k:
                    self._remove(k, x)
        self.pk.append(S)
        for x in members:
            owner[x] = n0
        pool: List[int] = []
        for k in ks:
            rem = self.pk[k]["members"]
            if not rem:
                continue
            parts = self._clusters(rem)
            if len(parts) == 1 and self.feasible(*self._with(self.pk[k], [], +1)):
                continue
            for x in list(rem):
                self._remove(k, x)
            self.pk[k] = self._empty()
            for part in parts:
                if self.feasible(*self._with(self._empty(), part, +1)):
                    self.pk.append(self._empty())
                    self._add(len(self.pk) - 1, part)
                else:
                    pool.extend(part)
        if pool:
            live = list(ks) + list(range(n0, len(self.pk)))
            self._absorb_into(pool, live)
            pool = [x for x in pool if owner[x] < 0]
            # a new package needs at least the area floor: else only absorbing can place them
            if sum(self.Al[x] for x in pool) >= self.r.min_m2 * (1 - EPS):
                n1 = len(self.pk)
                self._grow_from(pool, None)  # may take free leftovers next to the pool too
                del self.failures[nf:]
                if len(self.pk) > n1:
                    self._absorb_into(pool, live + list(range(n1, len(self.pk))))
        touched = set(region)
        for k in range(n0, len(self.pk)):
            touched |= self.pk[k]["members"]
        after = sum(npar[x] for x in touched if owner[x] >= 0)
        if after > before:
            return after - before
        del self.pk[n0:]
        for k, P in snap.items():
            self.pk[k] = P
        for x in touched:
            owner[x] = before_owner.get(x, -1)
        return 0

    @staticmethod
    def _empty() -> dict:
        return {"members": set(), "A": 0.0, "pub": 0.0, "prof": 0.0, "cost": 0.0, "rev": 0.0,
                "gx": 0.0, "gy": 0.0, "perim": 0.0, "garea": 0.0}

    def _absorb_into(self, atoms, ks) -> None:
        """Add the free atoms among ``atoms`` to a neighbouring package of ``ks`` when it stays
        feasible (the region-limited form of :meth:`absorb`)."""
        ks = set(ks)
        for _ in range(5):
            changed = False
            for a in atoms:
                if self.owner[a] >= 0 or self.blocked[a]:
                    continue
                for k in sorted({self.owner[b] for b in self.nb[a] if self.owner[b] in ks}):
                    if self.feasible(*self._with(self.pk[k], [a], +1)):
                        self._add(k, [a])
                        changed = True
                        break
            if not changed:
                break

    def compact(self, passes: int = 2) -> int:
        """Move boundary atoms to the neighbouring package when that lowers Σ P²/A (the
        inverse Polsby–Popper of both packages) and every constraint still holds."""
        moves = 0
        for _ in range(passes):
            changed = 0
            for a in range(self.m):
                k = self.owner[a]
                if k < 0:
                    continue
                P = self.pk[k]
                if len(P["members"]) <= 1:
                    continue
                qs = {self.owner[b] for b in self.nb[a] if self.owner[b] >= 0 and self.owner[b] != k}
                if not qs:
                    continue
                sharedP = sum(L for b, L in self.nb[a].items() if b in P["members"])
                newPP = P["perim"] - (self.perim[a] - 2 * sharedP)
                newPA = P["garea"] - self.garea[a]
                if newPA <= 0:
                    continue
                before_p = P["perim"] ** 2 / max(P["garea"], 1e-9)
                best = None
                for q in sorted(qs):
                    Q = self.pk[q]
                    sharedQ = sum(L for b, L in self.nb[a].items() if b in Q["members"])
                    newQP = Q["perim"] + self.perim[a] - 2 * sharedQ
                    newQA = Q["garea"] + self.garea[a]
                    gain = (newPP ** 2 / newPA + newQP ** 2 / newQA) - (before_p + Q["perim"] ** 2 / max(Q["garea"], 1e-9))
                    if gain < -1e-6 * before_p and (best is None or gain < best[0]):
                        best = (gain, q)
                if best is None:
                    continue
                q = best[1]
                if not self.feasible(*self._with(P, [a], -1)):
                    continue
                if not self.feasible(*self._with(self.pk[q], [a], +1)):
                    continue
                if not self._connected_without(P["members"], a):
                    continue
                self._remove(k, a)
                self._add(q, [a])
                changed += 1
            moves += changed
            self._tick(0.85 + 0.05 * (_ + 1) / passes)
            if not changed:
                break
        return moves


def _whole_area_figures(parcels: ParcelTable, basis: str = "total") -> dict:
    e = parcels.eligible & (parcels.locked == "")
    A = float(parcels.area_m2[e].sum())
    pub_b, prof_b = parcels.share_arrays(basis)
    pub = float(pub_b[e].sum())
    prof = float(prof_b[e].sum())
    bal = parcels.revenue[e] - parcels.cost[e]
    return {"area_m2": A, "public_m2": pub, "profitable_m2": prof, "balance": float(bal.sum()),
            "positive_balance": float(bal[bal > 0].sum()), "best_single": float(bal.max()) if len(bal) else 0.0, "cost": float(parcels.cost[e].sum()),
            "revenue": float(parcels.revenue[e].sum()), "n": int(e.sum())}


_FAILURE_KINDS = (("面积将达", "达到面积上限"), ("公益性比例", "公益性比例"), ("资金平衡", "资金平衡"),
                  ("收益成本比", "收益成本比"), ("连片可用图斑", "连片可用图斑不足最小面积"), ("面积", "面积规模"))


def diagnose(parcels: ParcelTable, rules: PackageRules, failures: Sequence[str] = ()) -> List[str]:
    """Sentences saying which constraint binds, with the whole area's figures. Empty when
    nothing makes packaging impossible up front and no growth failed."""
    out: List[str] = []
    w = _whole_area_figures(parcels, rules.public_basis)
    n_all = parcels.n
    if w["n"] == 0:
        counts = pd.Series(parcels.reason[parcels.reason != ""]).value_counts()
        parts = "，".join(f"{REASONS.get(k, (k,))[0]} {v} 个" for k, v in counts.items())
        locked = int((parcels.locked != "").sum())
        if locked:
            parts += ("，" if parts else "") + f"已锁定 {locked} 个"
        out.append(f"没有可参与划定的图斑：{n_all} 个图斑中{parts or '无图斑'}。")
        return out
    ha = w["area_m2"] / M2_PER_HA
    if w["area_m2"] < rules.min_m2 * (1 - EPS):
        out.append(f"可参与划定的图斑总面积 {ha:.2f} 公顷，小于最小面积 {rules.min_area_ha:g} 公顷：无法形成任何资产包。")
    # no package can do better than all surplus parcels together (or, without any, the least
    # costly single parcel)
    best = w["positive_balance"] if w["positive_balance"] > 0 else w["best_single"]
    if best < rules.balance_min - 1e-6:
        out.append(f"全域资金平衡为 {w['balance']:,.1f} 万元，全部盈余图斑合计仅 {w['positive_balance']:,.1f} 万元，"
                   f"低于每个资产包的资金平衡下限 {rules.balance_min:g} 万元：没有任何资产包能平衡。")
    elif w["balance"] < rules.balance_min - 1e-6:
        out.append(f"全域资金平衡为 {w['balance']:,.1f} 万元，低于每个资产包的下限 {rules.balance_min:g} 万元："
                   "只有收益集中的局部能够平衡，其余图斑难以纳入。")
    if rules.ratio_min > 0 and w["revenue"] < rules.ratio_min * w["cost"]:
        ratio = w["revenue"] / w["cost"] if w["cost"] else 0.0
        out.append(f"全域收益成本比为 {ratio:.2f}，低于下限 {rules.ratio_min:g}。")
    base = w["area_m2"] if rules.public_basis == "total" else w["public_m2"] + w["profitable_m2"]
    need_pub = rules.public_min_pct / 100.0 * rules.min_m2
    if rules.public_min_pct > 0 and w["public_m2"] < need_pub * (1 - EPS) and rules.public_basis == "total":
        out.append(f"全域公益性用地仅 {w['public_m2'] / M2_PER_HA:.2f} 公顷，不足一个最小资产包所需的 "
                   f"{need_pub / M2_PER_HA:.2f} 公顷（最小面积 × 公益性比例下限）：没有任何资产包能满足公益性比例。")
    elif base > 0:
        share = 100.0 * w["public_m2"] / base
        if share < rules.public_min_pct or share > rules.public_max_pct:
            out.append(f"全域公益性比例为 {share:.1f}%，在 {rules.public_min_pct:g}–{rules.public_max_pct:g}% 区间之外："
                       "多数资产包难以满足公益性比例。")
    if failures:
        counts: Dict[str, int] = {}
        for f in failures:
            key = next((label for prefix, label in _FAILURE_KINDS if f.startswith(prefix)), "其他")
            counts[key] = counts.get(key, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append(f"{len(failures)} 次资产包生长未能满足约束，最常见的原因：" +
                   "；".join(f"{k}（{v} 次）" for k, v in top) + "。")
    return out


def delineate(parcels: ParcelTable, adj: Adjacency, rules: PackageRules, seed: int = 0,
              progress: Optional[Callable[[float], None]] = None,
              cancelled: Optional[Callable[[], bool]] = None, prefix: str = "ZCB",
              compact_passes: int = 2) -> PackagingResult:
    """Delineate packages; locked parcels keep their package ids (their packages are checked,
    never changed)."""
    rules.check()
    eng = _Engine(parcels, adj, rules, seed, progress, cancelled)
    eng.build_atoms()
    eng._tick(0.05)
    eng.run()
    absorbed = eng.absorb()
    eng._tick(0.7)
    moved = eng.make_room()
    if moved:
        absorbed += eng.absorb()
    regrown = eng.regrow()
    if regrown:
        absorbed += regrown + eng.absorb()
    merged = eng.merge()
    if merged:
        absorbed += merged + eng.absorb()
    repaired = eng.steal()
    if repaired:
        absorbed += repaired + eng.absorb()
    eng._tick(0.8)
    compact_moves = eng.compact(compact_passes) if compact_passes else 0
    n = parcels.n
    labels = np.full(n, "", dtype=object)
    reason = parcels.reason.copy()
    detail = parcels.detail.copy()
    locked = parcels.locked != ""
    labels[locked] = parcels.locked[locked]
    reason[locked] = ""
    detail[locked] = ""
    # name new packages north → south, west → east; never reuse a locked id
    taken = set(parcels.locked[locked].tolist())
    live = [k for k in range(len(eng.pk)) if eng.pk[k]["members"]]
    order = sorted(live, key=lambda k: (-round(eng.pk[k]["gy"] / max(eng.pk[k]["A"], 1e-9), -1),
                                                       eng.pk[k]["gx"] / max(eng.pk[k]["A"], 1e-9)))
    names: Dict[int, str] = {}
    serial = 0
    width = max(3, len(str(len(order) + len(taken))))
    for k in order:
        while True:
            serial += 1
            name = f"{prefix}{serial:0{width}d}"
            if name not in taken:
                break
        names[k] = name
    atom = eng.atom
    has = atom >= 0
    own = np.full(n, -1, dtype=np.int64)
    own[has] = np.asarray(eng.owner, dtype=np.int64)[atom[has]]
    for k, name in names.items():
        labels[own == k] = name
    left = has & (own < 0)
    for i in np.flatnonzero(left):
        a = atom[i]
        reason[i] = eng.reason_atom[a] or "unplaced"
        detail[i] = eng.why_atom[a] or REASONS["unplaced"][0]
    eng._tick(0.95)
    packages = evaluate(labels, parcels, adj, rules)
    diag = diagnose(parcels, rules, eng.failures) if (left.any() or not live) else []
    if not live and not diag:
        diag.append("没有形成任何资产包：请放宽面积、公益性比例或资金平衡约束。")
    eligible = int((parcels.eligible & ~locked).sum())
    stats = {
        "parcels": n, "eligible": eligible, "packaged": int((own >= 0).sum()),
        "left_out": int(left.sum()), "left_out_pct": 100.0 * left.sum() / eligible if eligible else 0.0,
        "packages": len(live), "locked_packages": len(taken), "atoms": eng.m,
        "absorbed": absorbed, "repaired": repaired, "room_moves": moved, "compact_moves": compact_moves, "failed_growths": len(eng.failures),
        "reasons": pd.Series(reason[reason != ""]).value_counts().to_dict(),
    }
    if progress is not None:
        progress(1.0)
    return PackagingResult(labels, reason, detail, packages, diag, stats, int(seed))


# ------------------------------------------------------------------------------ geometry helpers

def package_geometries(geoms, labels) -> Tuple[np.ndarray, np.ndarray]:
    """(package ids, dissolved geometry per id) for the parcels that are in a package."""
    from .overlay import grouped_union

    lab = text_array(labels, len(geoms))
    g = np.asarray(geoms, dtype=object)
    m = (lab != "") & ~shapely.is_missing(g)
    if not m.any():
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    order = np.argsort(lab[m], kind="stable")
    ids, merged = grouped_union(g[m][order], lab[m][order])
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
                  progress=None, cancelled=None) -> Tuple[np.ndarray, np.ndarray]:
    """Per parcel, the value of the ``other`` feature that covers the largest share of it
    (e.g. the planned class from a 规划用地 layer, or the wall unit from a 行政村 layer), and
    that share. Parcels no feature covers by more than ``min_share`` get ''."""
    from .overlay import ControlLayer, overlay

    pg = np.asarray(parcel_geoms, dtype=object)
    vals = text_array(other_values, len(other_geoms))
    out = np.full(len(pg), "", dtype=object)
    share = np.zeros(len(pg))
    if len(pg) == 0 or len(vals) == 0:
        return out, share
    layer = ControlLayer(other_geoms, "join", find_overlaps=False, cancelled=cancelled)
    res = overlay(pg, layer, sliver_tolerance=0.0, want_geometry=False, progress=progress, cancelled=cancelled)
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


def overlap_shares(parcel_geoms, other_geoms, progress=None, cancelled=None) -> np.ndarray:
    """Share of each parcel covered by the union of ``other_geoms`` (a control layer)."""
    from .overlay import ControlLayer, overlay

    pg = np.asarray(parcel_geoms, dtype=object)
    if len(pg) == 0 or len(other_geoms) == 0:
        return np.zeros(len(pg))
    layer = ControlLayer(other_geoms, "exclude", cancelled=cancelled)
    res = overlay(pg, layer, sliver_tolerance=0.0, want_geometry=False, progress=progress, cancelled=cancelled)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(res.subject_area > 0, res.occupied / np.where(res.subject_area > 0, res.subject_area, 1), 0.0)
