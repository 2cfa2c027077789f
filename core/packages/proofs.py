"""Why parcels cannot be packaged: the proof that an atom cannot balance within the area cap, and
:func:`diagnose` (which constraint binds, with its figures).
"""
from __future__ import annotations

import heapq
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from .graph import _components
from .model import EPS, M2_PER_HA, REASONS, PackageRules, ParcelTable


class ProofMixin:
    """Proofs that an atom cannot be packaged (mixed into the engine)."""

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
        need = [floor - vals[a] for _, vals, floor in checks]
        if self._surplus_within(a, [vals for _, vals, _f in checks], need, maxA):
            return None  # most deficits are balanced nearby: found without the shortest paths
        dist = {a: Al[a]}
        heap = [(Al[a], a)]
        done = set()
        gain = [0.0] * len(checks)
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


    def _surplus_within(self, a: int, vals: list, need: list, maxA: float, budget: int = 300) -> bool:
        """Whether atoms joined to ``a`` by paths within the area cap carry ``need[t]`` of ``vals[t]`` for
        every check t — found by walking to the largest surpluses (of the first check) first, for at most
        ``budget`` atoms.  A path found is no shorter than the shortest, so an atom reached within the cap
        lies within it: True is a proof (the search of :meth:`unbalanceable` would end the same way); False
        only means "not found this way"."""
        Al, nb, blocked = self.Al, self.nb, self.bl
        v0 = vals[0]
        best = {a: Al[a]}
        heap = [(-v0[z], z, Al[a] + Al[z]) for z in nb[a] if not blocked[z] and Al[a] + Al[z] <= maxA]
        heapq.heapify(heap)
        gain = [0.0] * len(vals)
        single, need0 = len(vals) == 1, need[0] - 1e-6  # one check (the usual case): no loop over checks
        done = {a}
        while heap and len(done) <= budget:
            _s, y, d = heapq.heappop(heap)
            if y in done:
                continue
            done.add(y)
            if single:
                if v0[y] > 0:
                    gain[0] += v0[y]
                    if gain[0] >= need0:
                        return True
            else:
                for t, v in enumerate(vals):
                    if v[y] > 0:
                        gain[t] += v[y]
                if all(g >= nd - 1e-6 for g, nd in zip(gain, need)):
                    return True
            for z in nb[y]:
                if z in done or blocked[z]:
                    continue
                nd = d + Al[z]
                if nd <= maxA and nd < best.get(z, math.inf):
                    best[z] = nd
                    heapq.heappush(heap, (-v0[z], z, nd))
        return False

    def piece_land(self):
        """The pieces of open land (atoms not proven out, joined by adjacency; every package lies in one):
        (open mask, piece per atom, each atom's other land of the share basis — 经营性 on the construction
        basis —, public land per piece, other land per piece)."""
        m = self.m
        base = self.A if self.total_basis else self.pub + self.prof
        other = np.maximum(base - self.pub, 0.0)
        ok = ~self.blocked
        ua, ub = self._edges
        keep = ok[ua] & ok[ub]
        comp = _components(m, ua[keep], ub[keep])
        public = np.bincount(comp[ok], weights=self.pub[ok], minlength=m)
        oth = np.bincount(comp[ok], weights=other[ok], minlength=m)
        return ok, comp, other, public, oth

    def prove_share_bound(self) -> int:
        """The public-share band as a bound on land, per piece of open land (the atoms not proven out,
        joined by adjacency; every package lies in one piece).  Every package passes the floor p_min (to
        evaluate()'s tolerance), so it holds at most public × (1 − p_min) / p_min of the other land of its
        share basis (经营性 on the construction basis): in a piece whose public land P and other land O give
        Y = O − P (1 − p_min) / p_min > 0, every possible packing leaves at least Y of O out — and so at
        least k atoms holding such land, k the fewest of the piece's atoms whose land reaches Y (largest
        first).  The ceiling p_max bounds the public land the same way.  k of the atoms the engine left
        out without a proof are credited to the bound (the largest; less the piece's left-out atoms already
        explained, e.g. by the optimal packing).  Their reason is ``share_bound``; the text states the
        piece's figures and k.  Returns the number of atoms credited."""
        m = self.m
        if not m or (self.pmin <= 0 and self.pmax >= 1):
            return 0
        ok, comp, other, P, Oth = self.piece_land()
        kind = "非公益性用地" if self.total_basis else "经营性用地"
        owner = np.asarray(self.owner)
        left = ok & (owner < 0)
        unexplained = left & (self.reason_atom == "")
        tol = 1e-9  # evaluate() accepts a share 1e-7 percentage points outside the band
        sides = []
        if self.pmin > 0:
            lo = self.pmin - tol
            sides.append((Oth - P * (1 - lo) / lo, other, kind, f"公益性比例均不低于 {self.r.public_min_pct:g}%", "公益性用地", P, Oth))
        if self.pmax < 1:
            hi = min(self.pmax + tol, 1.0)
            sides.append((P - Oth * hi / (1 - hi), self.pub, "公益性用地", f"公益性比例均不高于 {self.r.public_max_pct:g}%", kind, Oth, P))
        credited = 0
        for excess, land, what, rule, given, given_m2, total in sides:
            for c in np.unique(comp[unexplained & (land > 0)]):
                y = float(excess[c])
                if y <= 0:
                    continue
                in_c = (comp == c) & ok & (land > 0)
                sizes = np.sort(land[in_c])[::-1]
                k = int(np.searchsorted(np.cumsum(sizes), y * (1 - 1e-12))) + 1   # fewest atoms reaching y
                k = min(k, len(sizes))
                k -= int(np.count_nonzero(in_c & left & ~unexplained))          # already explained otherwise
                todo = np.flatnonzero(in_c & unexplained)
                if k <= 0 or not len(todo):
                    continue
                chosen = todo[np.argsort(-land[todo], kind="stable")][:k]
                unit = "权属单位" if self.r.owner_units == "keep" else "图斑"
                text = (f"公益性比例：所在连通片{given} {given_m2[c] / M2_PER_HA:.2f} 公顷、{what} {total[c] / M2_PER_HA:.2f} 公顷；"
                        f"各资产包{rule}，任何划定都至少有 {y / M2_PER_HA:.2f} 公顷{what}无法纳入，"
                        f"即至少 {k} 个含{what}的{unit}；本{unit}计入其中（按面积从大到小计入未纳入的{unit}）")
                self.reason_atom[chosen] = "share_bound"
                self.why_atom[chosen] = text
                unexplained[chosen] = False
                credited += len(chosen)
        return credited


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
            text = (f"全域公益性比例为 {share:.1f}%，在 {rules.public_min_pct:g}–{rules.public_max_pct:g}% 区间之外："
                    "多数资产包难以满足公益性比例")
            pmin, pmax = rules.public_min_pct / 100.0, rules.public_max_pct / 100.0
            other = base - w["public_m2"]  # 经营性 (construction basis) or everything else (total basis)
            kind = "经营性用地" if rules.public_basis == "construction" else "非公益性用地"
            if share < rules.public_min_pct and pmin > 0:
                # every package with such land holds at least pmin of its base as public land, so all
                # packages together hold at most public × (1 − pmin) / pmin of the rest
                cap = w["public_m2"] * (1 - pmin) / pmin
                text += (f"。各资产包的公益性比例均不低于 {rules.public_min_pct:g}%，因此全部资产包合计至多容纳{kind} "
                         f"{cap / M2_PER_HA:.2f} 公顷，至少 {(other - cap) / M2_PER_HA:.2f} 公顷{kind}必然无法纳入")
            elif share > rules.public_max_pct and pmax < 1:
                cap = other * pmax / (1 - pmax)
                text += (f"。各资产包的公益性比例均不高于 {rules.public_max_pct:g}%，因此全部资产包合计至多容纳公益性用地 "
                         f"{cap / M2_PER_HA:.2f} 公顷，至少 {(w['public_m2'] - cap) / M2_PER_HA:.2f} 公顷公益性用地必然无法纳入")
            out.append(text + "。")
    if failures:
        counts: Dict[str, int] = {}
        for f in failures:
            key = next((label for prefix, label in _FAILURE_KINDS if f.startswith(prefix)), "其他")
            counts[key] = counts.get(key, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append(f"{len(failures)} 次资产包生长未能满足约束，最常见的原因：" +
                   "；".join(f"{k}（{v} 次）" for k, v in top) + "。")
    return out


