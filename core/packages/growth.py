"""Growth: atoms, the constraint violation of a package, and growing a package from a seed atom.
"""
from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Dict, List, Optional, Tuple

import numpy as np

from .graph import _components
from .model import EPS, M2_PER_HA


class GrowthMixin:
    """Atoms and growth (mixed into the engine: uses self.p, self.adj, self.r)."""

    def viol(self, A, pub, prof, cost, rev) -> float:
        base = A if self.total_basis else pub + prof
        v = 0.0
        lo = self.pmin * base - pub
        if lo > 1e-9 * max(1.0, base):
            v += lo / self.area_scale
        hi = pub - self.pmax * base
        if hi > 1e-9 * max(1.0, base):
            v += hi / self.area_scale
        b = self.bal_min - (rev - cost)
        if b > 1e-7:
            v += b / self.bal_scale
        if self.ratio_min > 0:
            q = self.ratio_min * cost - rev
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
        self._edges = (ua, ub)  # atom adjacency, each pair once
        self._fill = np.zeros(m, dtype=bool)  # pieces short of public land (set by the engine's run)
        area_scale = self.r.min_m2
        self.area_scale = area_scale
        tot = float(np.abs(self.rev - self.cost).sum())
        typical = tot / max(float(self.A.sum()), 1.0) * area_scale
        self.bal_scale = max(abs(self.r.balance_min), typical, 1.0)
        self._linear_terms()

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
        self.perl, self.garl = self.perim.tolist(), self.garea.tolist()
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
        if self.pmin > 0 and self._fill[a0]:
            # where public land is the scarce side of its piece, what a package holds above the floor
            # carries 经营性 land only inside this package: it takes the neighbours holding such land
            # while it stays feasible (nearest first) instead of leaving them to packages short of it
            while True:
                base = sA if self.total_basis else sP + sF
                if sP - self.pmin * base <= 0:
                    break
                bx, by = gx / sA, gy / sA
                pick = None
                for b in sorted(frontier):
                    if profl[b] <= 0 or sA + Al[b] > maxA:
                        continue
                    st = (sA + Al[b], sP + publ[b], sF + profl[b], sC + costl[b], sR + revl[b])
                    if not self.feasible(*st):
                        continue
                    d = (cx[b] - bx) ** 2 + (cy[b] - by) ** 2
                    if pick is None or d < pick[0]:
                        pick = (d, b, st)
                if pick is None:
                    break
                _, b, (sA, sP, sF, sC, sR) = pick
                frontier.discard(b)
                members.append(b)
                owner[b] = k
                gx += cx[b] * Al[b]
                gy += cy[b] * Al[b]
                for y in nb[b]:
                    if owner[y] < 0 and not blocked[y]:
                        frontier.add(y)
        self.pk.append({"members": set(members), "A": sA, "pub": sP, "prof": sF, "cost": sC, "rev": sR,
                        "gx": gx, "gy": gy, "perim": self._perim_of(members), "garea": float(self.garea[members].sum())})
        return members

    def _path_to_help(self, members, state, v, maxA, max_visits: int = 400) -> Optional[List[int]]:
        """Cheapest (by area) chain of free atoms from the package to an atom that lowers the
        violation ``v``, within the area cap; None when there is none. ``state`` is the
        package's (area, lo, hi, df, rq) sums (see :meth:`_linear_terms`). The members are owned
        (``owner`` ≥ 0) while the package grows, so the owner test keeps the search out of them."""
        Al, LO, HI, DF, RQ = self.Al, self.LO, self.HI, self.DF, self.RQ
        nb, owner, blocked = self.nb, self.owner, self.bl
        sA, lo, hi, df, rq = state
        budget = maxA - sA
        target = v * (1 - 1e-9)
        tiny = 1e-12
        pred: Dict[int, int] = {}
        cum: Dict[int, Tuple[float, float, float, float, float]] = {}
        heap: List[Tuple[float, int]] = []
        push, pop = heapq.heappush, heapq.heappop
        for x in members:
            for y in nb[x]:
                if y not in cum and owner[y] < 0 and not blocked[y] and Al[y] <= budget:
                    cum[y] = (Al[y], lo + LO[y], hi + HI[y], df + DF[y], rq + RQ[y])
                    pred[y] = -1
                    push(heap, (Al[y], y))
        done = set()
        visits = 0
        while heap and visits < max_visits:
            d, y = pop(heap)
            if y in done:
                continue
            done.add(y)
            visits += 1
            _, c1, c2, c3, c4 = cum[y]
            vb = (c1 if c1 > tiny else 0.0) + (c2 if c2 > tiny else 0.0) + (c3 if c3 > tiny else 0.0) \
                + (c4 if c4 > tiny else 0.0)
            if vb < target:
                path = []
                while y != -1:
                    path.append(y)
                    y = pred[y]
                return path[::-1]
            for z in nb[y]:
                if owner[z] >= 0 or blocked[z] or z in done:
                    continue
                nd = d + Al[z]
                if nd > budget:
                    continue
                cz = cum.get(z)
                if cz is None or nd < cz[0]:
                    cum[z] = (nd, c1 + LO[z], c2 + HI[z], c3 + DF[z], c4 + RQ[z])
                    pred[z] = y
                    push(heap, (nd, z))
        return None

    def _perim_of(self, members) -> float:
        s = set(members)
        total = 0.0
        perl = self.perl
        for a in members:
            total += perl[a]
            for b, L in self.nb[a].items():
                if b in s:
                    total -= L  # each inner edge is seen from both sides: 2 × L in all
        return total

    def feasible(self, A, pub, prof, cost, rev) -> bool:
        """Every constraint holds: the area in its band and :meth:`viol` 0 (the band's ends are the
        rules' figures worked out once: this runs a million times on a county)."""
        if not self.min_ok <= A <= self.max_ok:
            return False
        # viol() is 0 exactly when none of its terms is added (each added term is > 0): the same tests,
        # inline — a call saved on the engine's most frequent question
        base = A if self.total_basis else pub + prof
        tol = 1e-9 * max(1.0, base)
        if self.pmin * base - pub > tol or pub - self.pmax * base > tol or self.bal_min - (rev - cost) > 1e-7:
            return False
        return not (self.ratio_min > 0 and self.ratio_min * cost - rev > 1e-7)

    def _with(self, P: dict, atoms, sign: int):
        """The package's (area, public, profitable, cost, revenue) with ``atoms`` added (sign 1) or taken out
        (−1); each sum over ``atoms`` is formed first, in order, as ``sum()`` would."""
        SA, SP, SF, SC, SR = self.Al, self.publ, self.profl, self.costl, self.revl  # lists: the same doubles
        dA = dP = dF = dC = dR = 0
        for a in atoms:
            dA += SA[a]
            dP += SP[a]
            dF += SF[a]
            dC += SC[a]
            dR += SR[a]
        return (P["A"] + sign * dA, P["pub"] + sign * dP, P["prof"] + sign * dF, P["cost"] + sign * dC,
                P["rev"] + sign * dR)

    def _plus(self, P: dict, a: int):
        """:meth:`_with` for one atom added — the same doubles (0 + x and 1 × x are exact), without a
        list and a loop: the local search asks it ~10⁵ times a county."""
        return (P["A"] + self.Al[a], P["pub"] + self.publ[a], P["prof"] + self.profl[a], P["cost"] + self.costl[a],
                P["rev"] + self.revl[a])

    def _minus(self, P: dict, a: int):
        """:meth:`_with` for one atom taken out (x + (−y) is x − y exactly)."""
        return (P["A"] - self.Al[a], P["pub"] - self.publ[a], P["prof"] - self.profl[a], P["cost"] - self.costl[a],
                P["rev"] - self.revl[a])

    # _add/_remove read the atoms' figures from Python lists (the same doubles as the numpy arrays, in the
    # same order of additions): a numpy scalar read costs ~5× a list read, ~10⁵ calls a county

    def _add(self, k: int, atoms) -> None:
        P = self.pk[k]
        mem = P["members"]
        for a in atoms:
            shared = sum(L for b, L in self.nb[a].items() if b in mem)
            P["perim"] += self.perl[a] - 2 * shared
            mem.add(a)
            self.owner[a] = k
            Aa = self.Al[a]
            P["A"] += Aa
            P["pub"] += self.publ[a]
            P["prof"] += self.profl[a]
            P["cost"] += self.costl[a]
            P["rev"] += self.revl[a]
            P["gx"] += self.cxl[a] * Aa
            P["gy"] += self.cyl[a] * Aa
            P["garea"] += self.garl[a]

    def _remove(self, k: int, a: int) -> None:
        P = self.pk[k]
        mem = P["members"]
        mem.discard(a)
        shared = sum(L for b, L in self.nb[a].items() if b in mem)
        P["perim"] -= self.perl[a] - 2 * shared
        self.owner[a] = -1
        Aa = self.Al[a]
        P["A"] -= Aa
        P["pub"] -= self.publ[a]
        P["prof"] -= self.profl[a]
        P["cost"] -= self.costl[a]
        P["rev"] -= self.revl[a]
        P["gx"] -= self.cxl[a] * Aa
        P["gy"] -= self.cyl[a] * Aa
        P["garea"] -= self.garl[a]

    def _connected_without(self, members: set, a: int, extra: int = -1) -> bool:
        """Whether ``members`` without ``a`` stays connected (``members`` connected, holding ``a``);
        ``extra`` ≥ 0: an atom counted as a member too (a package with an atom handed to it, without
        copying its member set).

        Every member reached ``a`` through one of ``a``'s neighbours in the package, so the rest is
        connected exactly when those neighbours reach each other without ``a``: a breadth-first search
        from one of them stops as soon as it has met them all — usually a few steps around ``a``, not
        the whole package."""
        nb = self.nb
        rest = [b for b in nb[a] if (b in members or b == extra) and b != a]
        if not rest:
            return len(members) + (extra >= 0 and extra not in members) <= 1
        if len(rest) == 1:
            return True
        # usually a's neighbours in the package touch one another around it: then they are one piece
        # without looking further
        ring = set(rest)
        got = {rest[0]}
        stack = [rest[0]]
        while stack:
            x = stack.pop()
            for y in nb[x]:
                if y in ring and y not in got:
                    got.add(y)
                    stack.append(y)
        if len(got) == len(ring):
            return True
        want = ring - got
        seen = got | {a}
        queue = deque(got)
        while queue:
            x = queue.popleft()
            for y in nb[x]:
                if y not in seen and (y in members or y == extra):
                    if y in want:
                        want.discard(y)
                        if not want:
                            return True
                    seen.add(y)
                    queue.append(y)
        return False
