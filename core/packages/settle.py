"""Exact steps on the hard remainder, and exact set packing over candidate packages.

:meth:`SettleMixin._connected_package` finds the smallest package holding an atom with HiGHS (a
sufficient connectivity rule: every chosen atom has a chosen neighbour nearer the seed by area
along a path); :meth:`SettleMixin.exact_grow` places what the greedy growth left out on free land
with it, and ``SearchMixin.steal_exact`` on land taken from packages that can spare it. Every
package HiGHS returns is checked again with the engine's own test, and every limit counts work
(branch-and-bound nodes, atoms tried), so a seed gives the same packages everywhere.

How far the engine is from the best packing (the bench, on small instances):

On a small instance (the bench uses ≤ 500 parcels) candidate packages (columns) are grown from
every atom — each the smallest feasible package from its seed, the same package extended with
the deficit atoms its surplus can still carry, and for every atom left out without a proof the
smallest package holding it, found exactly by HiGHS — and the engine's own packages are columns
too. The set-packing problem

    maximise  Σ parcels(c) · x_c   subject to   Σ_{c ∋ a} x_c ≤ 1 for every atom a,  x ∈ {0,1}

is solved with HiGHS (``scipy.optimize.milp``).

:func:`exact_packing` reports the engine's packaged parcels beside that optimum and the upper
bound (eligible parcels minus those proven out).
"""
from __future__ import annotations

import heapq
import math
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .graph import _components
from .model import EPS

try:  # scipy ≥ 1.9 (HiGHS); the settle step is skipped without it
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, csc_matrix
    HAVE_MILP = True
except Exception:  # pragma: no cover - depends on the QGIS install
    HAVE_MILP = False



def solve_packing(columns: Sequence[Sequence[int]], values: Sequence[float], n_rows: int,
                  time_limit: Optional[float] = None, node_limit: Optional[int] = None
                  ) -> Tuple[Optional[List[int]], bool]:
    """(indices of the chosen columns, solved to optimality) of the set-packing problem over rows
    ``0..n_rows-1``; (None, False) when HiGHS found no solution within its limits. A node limit
    is a work limit (the same answer everywhere); a time limit is not."""
    if not columns:
        return [], True
    rows, cols = [], []
    for j, c in enumerate(columns):
        rows.extend(c)
        cols.extend([j] * len(c))
    mat = csc_matrix((np.ones(len(rows)), (np.asarray(rows), np.asarray(cols))), shape=(n_rows, len(columns)))
    options = {"disp": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    if node_limit is not None:
        options["node_limit"] = int(node_limit)
    res = milp(c=-np.asarray(values, dtype=float), constraints=LinearConstraint(mat, -np.inf, 1.0),
               integrality=np.ones(len(columns)), bounds=(0, 1), options=options)
    if res.x is None:
        return None, False
    return [j for j, v in enumerate(res.x) if v > 0.5], res.status == 0


class SettleMixin:
    """The exact smallest package of an atom, exact growth, and candidate packages for set packing
    (mixed into the engine)."""

    def _extend(self, members: List[int], allowed: Set[int], state) -> List[List[int]]:
        """The feasible package ``members`` grown further by the window's free deficit atoms
        its slack can carry (least deficit per parcel first): one more column, or none."""
        owner, nb, Al = self.owner, self.nb, self.Al
        sA, sP, sF, sC, sR = state
        maxA = self.r.max_m2 * (1 + EPS)
        mset = set(members)
        cur = list(members)
        for _ in range(64):
            best = None
            for x in cur:
                for b in nb[x]:
                    if b in mset or b not in allowed or owner[b] >= 0 or sA + Al[b] > maxA:
                        continue
                    st = (sA + Al[b], sP + self.publ[b], sF + self.profl[b], sC + self.costl[b], sR + self.revl[b])
                    if self.viol(*st) > 0:
                        continue
                    # deficit atoms first (what only a surplus can carry), the cheapest first
                    key = (0 if self.ball[b] < 0 else 1, -self.ball[b] / max(self.npar[b], 1), b)
                    if best is None or key < best[0]:
                        best = (key, b, st)
            if best is None:
                break
            _, b, st = best
            mset.add(b)
            cur.append(b)
            sA, sP, sF, sC, sR = st
        return [cur] if len(cur) > len(members) else []

    def _may_hold(self, u: int, land: Sequence[int]) -> bool:
        """False when no subset of ``land`` holding ``u`` can meet the share band or the balance, even
        ignoring the area cap and contiguity: ``u``'s own term plus every term of the other atoms
        that helps (share floor, share ceiling, balance, ratio) still misses. A necessary test, so
        skipping HiGHS on False changes no result; on a county whose left-out land is 经营性 with no
        free public land within reach it saves nearly all of the exact growth's time."""
        rest = [y for y in land if y != u]
        return not self._helps_miss(u, sum(min(self.LO[y], 0.0) for y in rest), sum(min(self.HI[y], 0.0) for y in rest),
                                    sum(max(self.ball[y], 0.0) for y in rest), sum(min(self.RQ[y], 0.0) for y in rest))

    def _helps_miss(self, u: int, lo: float, hi: float, bal: float, rq: float, margin: float = 0.0) -> bool:
        """True when ``u``'s own terms plus the others' help (``lo``, ``hi``, ``rq``: the sums of their
        negative share-floor, share-ceiling and ratio terms; ``bal``: of their positive balances) still
        miss a constraint by more than ``margin`` — the one test of :meth:`_may_hold` and
        :meth:`_piece_refuses`."""
        # twice the tolerances feasible() accepts a package with, so that no package it accepts is refused
        tol_share = 2e-9 * max(1.0, self.r.max_m2 * (1 + EPS)) / self.area_scale
        tol_money = 2e-7 / self.bal_scale
        if self.LO[u] + lo > tol_share + margin or self.HI[u] + hi > tol_share + margin:
            return True
        if self.ball[u] + bal < self.r.balance_min - 2e-7 - margin:
            return True
        return self.r.ratio_min > 0 and self.RQ[u] + rq > tol_money + margin

    def _free_pieces(self, free: Set[int]):
        """For :meth:`exact_grow`'s quick refusal: the connected pieces of the free atoms ``free``
        (component id per atom) and, per piece, its area and the sums of what every atom could
        contribute towards the share floor, the share ceiling, the balance and the ratio (as
        :meth:`_may_hold` adds them). Land that HiGHS may use around an atom lies inside its piece,
        and stays inside it as packages take land away, so these sums bound every later search too."""
        m = self.m
        isf = np.zeros(m, dtype=bool)
        isf[list(free)] = True
        ua, ub = self._edges
        keep = isf[ua] & isf[ub]
        comp = _components(m, ua[keep], ub[keep])
        w = isf.astype(float)

        def per(values) -> List[float]:
            return np.bincount(comp, weights=np.asarray(values, dtype=float) * w, minlength=m).tolist()

        lo, hi, bal, rq = (np.asarray(x, dtype=float) for x in (self.LO, self.HI, self.ball, self.RQ))
        return comp.tolist(), per(self.A), per(np.minimum(lo, 0.0)), per(np.minimum(hi, 0.0)), \
            per(np.maximum(bal, 0.0)), per(np.minimum(rq, 0.0))

    def _piece_refuses(self, u: int, pieces) -> bool:
        """True when the piece of free land around ``u`` is too small, or cannot meet the share band,
        the balance or the ratio even taken whole — :meth:`_may_hold`'s test on the whole piece, with a
        margin far above rounding (the piece's sums are added in another order). Then no package holding
        ``u`` exists there, and :meth:`_connected_package` would return None: it need not search."""
        comp, area, lo, hi, bal, rq = pieces
        c = comp[u]
        if area[c] < self.r.min_m2 * (1 - EPS) * (1 - 1e-9):
            return True
        LO, HI, RQ, ball = self.LO[u], self.HI[u], self.RQ[u], self.ball[u]
        margin = 1e-9 * (abs(lo[c]) + abs(hi[c]) + abs(bal[c]) + abs(rq[c]) + abs(LO) + abs(HI) + abs(ball) + abs(RQ) + 1.0)
        # the others' help: the piece's sums less u's own share of them
        return self._helps_miss(u, lo[c] - min(LO, 0.0), hi[c] - min(HI, 0.0), bal[c] - max(ball, 0.0),
                                rq[c] - min(RQ, 0.0), margin)

    def _connected_package(self, u: int, allowed: Set[int], max_nodes: int = 300,
                           node_limit: int = 50, gap: float = 0.0) -> Optional[List[int]]:
        """The smallest package holding ``u`` among the free atoms of ``allowed`` nearest to it,
        found exactly (HiGHS) under a sufficient connectivity rule: every chosen atom has a chosen
        neighbour nearer to ``u`` (by area along a path). None when there is none or none was
        found within ``node_limit`` branch-and-bound nodes (a work limit, not a time limit: the
        result is the same on every machine). Finds packages the greedy growth misses when balance and share bind
        together. ``gap`` > 0: a package whose area is within that relative gap of the smallest is
        taken (HiGHS's ``mip_rel_gap``; 1.0 takes the first feasible package it finds)."""
        Al, nb, owner = self.Al, self.nb, self.owner
        cap = self.r.max_m2 * (1 + EPS)
        dist = {u: Al[u]}
        heap = [(Al[u], u)]
        order: List[int] = []
        seen: Set[int] = set()
        while heap and len(order) < max_nodes:
            d, y = heapq.heappop(heap)
            if y in seen:
                continue
            seen.add(y)
            order.append(y)
            for z in nb[y]:
                if z in seen or z not in allowed or owner[z] >= 0:
                    continue
                nd = d + Al[z]
                if nd <= cap and nd < dist.get(z, math.inf):
                    dist[z] = nd
                    heapq.heappush(heap, (nd, z))
        n = len(order)
        if sum(Al[y] for y in order) < self.r.min_m2 * (1 - EPS):
            return None
        if not self._may_hold(u, order):
            return None
        idx = {y: i for i, y in enumerate(order)}
        rows, cols, vals = [], [], []
        r = 0
        for i in range(1, n):
            y = order[i]
            pre = [idx[z] for z in nb[y] if z in idx and dist[z] < dist[y]]
            rows += [r] * (1 + len(pre))
            cols += [i] + pre
            vals += [1.0] + [-1.0] * len(pre)
            r += 1
        R = order
        terms = [[Al[y] for y in R], [self.LO[y] for y in R], [self.HI[y] for y in R], [-self.ball[y] for y in R]]
        lo = [self.r.min_m2 * (1 - EPS), -np.inf, -np.inf, -np.inf]
        hi = [cap, 0.0, 0.0, -self.r.balance_min]
        if self.r.ratio_min > 0:
            terms.append([self.RQ[y] for y in R])
            lo.append(-np.inf)
            hi.append(0.0)
        cons = [LinearConstraint(np.asarray(terms), lo, hi)]
        if r:
            cons.append(LinearConstraint(coo_matrix((vals, (rows, cols)), shape=(r, n)), -np.inf, 0.0))
        lb = np.zeros(n)
        lb[0] = 1.0
        res = milp(c=np.asarray(terms[0]) / self.r.min_m2, constraints=cons, integrality=np.ones(n),
                   bounds=Bounds(lb, np.ones(n)), options={"node_limit": int(node_limit), "disp": False,
                                                         **({"mip_rel_gap": gap} if gap else {})})
        if res.x is None:
            return None
        members = [order[i] for i in np.flatnonzero(res.x > 0.5)]
        # HiGHS meets a row within its feasibility tolerance (1e-6): the package is checked again
        # with the engine's own test, and refused when a constraint is short by even that much
        sums = (sum(Al[a] for a in members), sum(self.publ[a] for a in members), sum(self.profl[a] for a in members),
                sum(self.costl[a] for a in members), sum(self.revl[a] for a in members))
        return members if self.feasible(*sums) else None

    def exact_grow(self, max_nodes: int = 300, node_limit: int = 50, max_tries: int = 3000) -> int:
        """Place the atoms still left out without a proof with the exact smallest package on free
        land (:meth:`_connected_package`): it finds the packages the greedy growth misses when the
        land that fixes the share or the balance lies beyond a chain that makes it worse first.
        Only free atoms are used, so no package changes. At most ``max_tries`` atoms are tried (a
        work limit, so that the same seed gives the same packages everywhere). Returns parcels
        placed."""
        if not HAVE_MILP:
            return 0
        owner, bl = self.owner, self.bl
        left = [a for a in self._leftovers() if self.reason_atom[a] == ""]
        left.sort(key=lambda a: (int(self.tier[a]), a))
        free = {a for a in range(self.m) if owner[a] < 0 and not bl[a]}
        pieces = self._free_pieces(free) if left else None
        placed = 0
        for i, u in enumerate(left[:max_tries]):
            if owner[u] >= 0:
                continue
            if i % 50 == 0:
                self._tick(0.8)
            if self._piece_refuses(u, pieces):
                continue  # _connected_package would search its land and find none: the same result, sooner
            members = self._connected_package(u, free, max_nodes, node_limit)
            if not members:
                continue
            self.pk.append(self._empty())
            self._add(len(self.pk) - 1, members)
            free.difference_update(members)
            placed += sum(self.npar[a] for a in members)
        return placed

    def _columns(self, window: List[int], targets: List[int], rng) -> List[Tuple[int, ...]]:
        """Candidate packages inside the window (all atoms of ``window`` are free here)."""
        allowed = set(window)
        cols: Dict[Tuple[int, ...], None] = {}
        seeds = list(window)
        rng.shuffle(seeds)
        nf = len(self.failures)
        for s in seeds:
            members = self.grow(s, None)
            if not members:
                continue
            P = self.pk.pop()
            cols[tuple(sorted(members))] = None
            for ext in self._extend(members, allowed, (P["A"], P["pub"], P["prof"], P["cost"], P["rev"])):
                cols[tuple(sorted(ext))] = None
            for x in members:
                self.owner[x] = -1
        del self.failures[nf:]
        for u in targets:
            members = self._connected_package(u, allowed)
            if members:
                cols[tuple(sorted(members))] = None
        return list(cols)



def exact_packing(parcels, adj, rules, seed: int = 0, time_limit: float = 30.0) -> dict:
    """The engine against the best packing over candidate packages, on a small instance.

    Runs the engine, then solves the set-packing problem over the engine's packages and the
    candidates grown from every atom (smallest feasible package, the same extended with deficit
    atoms, and the exact smallest package of every atom left out without a proof) with HiGHS.
    Returns parcels: engine, best (≥ engine: the best packing found), upper (eligible minus the
    parcels proven out: no packing holds more), and the number of candidate packages. ``best`` is
    the optimum over these candidates, a lower bound of the true optimum."""
    from .engine import _Engine, delineate

    res = delineate(parcels, adj, rules, seed=seed)
    eng = _Engine(parcels, adj, rules, seed, None, None)
    eng.build_atoms()
    eng.run()  # proofs and the first growth (their packages are columns too)
    first = [tuple(sorted(P["members"])) for P in eng.pk if P["members"]]
    for P in eng.pk:
        for x in P["members"]:
            eng.owner[x] = -1
    eng.pk = []
    free = [a for a in range(eng.m) if not eng.bl[a]]
    left = res.reason == "unplaced"
    targets = sorted({int(a) for a in eng.atom[left] if a >= 0 and not eng.bl[a]})
    cols = eng._columns(free, targets, np.random.default_rng(seed))
    # the engine's own packages, as atom tuples
    atom_pkg: Dict[str, List[int]] = {}
    for i in np.flatnonzero(res.labels != ""):
        a = int(eng.atom[i])
        if a >= 0:
            atom_pkg.setdefault(res.labels[i], []).append(a)
    mine = [tuple(sorted(set(v))) for v in atom_pkg.values()]
    allc = list(dict.fromkeys(mine + first + cols))
    idx = {a: i for i, a in enumerate(free)}
    allc = [c for c in allc if all(a in idx for a in c)]
    values = [float(sum(eng.npar[a] for a in c)) for c in allc]
    chosen, _ = solve_packing([[idx[a] for a in c] for c in allc], values, len(free), time_limit=time_limit)
    best = int(sum(values[j] for j in chosen)) if chosen else 0
    eligible = int((parcels.eligible & (parcels.locked == "")).sum())
    proven = int(np.isin(res.reason, ["small_component", "too_big", "unbalanceable"]).sum())
    return {"engine": int(res.stats["packaged"]), "best": max(best, int(res.stats["packaged"])),
            "upper": eligible - proven, "eligible": eligible, "candidates": len(allc)}
