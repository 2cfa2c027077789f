"""Exact delineation when the atoms are coarse: every feasible package enumerated, the best
packing solved.

When few atoms fit in one package (ownership units kept whole, or large parcels), every
connected set of atoms within the area cap can be listed: the ESU enumeration (Wernicke 2006)
visits each connected set once, rooted at its smallest atom, and the area cap prunes it. Each
set that meets every hard constraint is a candidate package. Then

* an atom in no candidate is proven out, exhaustively: no contiguous package of whole atoms
  holding it meets the constraints (reason ``no_package``, with the number of sets tried);
* the set-packing problem over all candidates (maximise the parcels packaged, each atom at most
  once) is solved with HiGHS (``scipy.optimize.milp``): when it is solved to optimality no
  delineation packages more parcels, and the engine's greedy packing is replaced when the
  optimum holds more.

The enumeration stops at ``limit`` sets (the atoms are too fine: the greedy engine's result
stands). Every limit here counts work, not time, so a seed gives the same packages everywhere.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from .model import EPS
from .settle import HAVE_MILP, solve_packing

SET_LIMIT = 300000  # connected sets listed at most; beyond it the greedy engine's result stands


class ExactMixin:
    """Enumeration and exact packing (mixed into the engine)."""

    max_atoms_per_package = 8  # median atoms a maximum-area package holds; above it the sets are not listed

    def enumerate_packages(self, limit: int = SET_LIMIT) -> Optional[Tuple[List[Tuple[int, ...]], int]]:
        """(feasible packages as sorted atom tuples, connected sets visited), or None when there
        are more than ``limit`` connected sets within the area cap."""
        nb, bl = self.nb, self.bl
        Al, publ, profl, costl, revl = self.Al, self.publ, self.profl, self.costl, self.revl
        maxA = self.r.max_m2 * (1 + EPS)
        minA = self.r.min_m2 * (1 - EPS)
        viol = self.viol
        out: List[Tuple[int, ...]] = []
        visited = 0

        def rec(root, sub, closed, ext, A, P, F, C, R):
            nonlocal visited
            visited += 1
            if visited > limit:
                raise _TooMany()
            if A >= minA and viol(A, P, F, C, R) <= 0:
                out.append(tuple(sorted(sub)))
            ext = list(ext)
            while ext:
                w = ext.pop()
                if A + Al[w] > maxA:
                    continue
                new = [u for u in nb[w] if u > root and not bl[u] and u not in closed]
                closed2 = closed.union(new)
                rec(root, sub + [w], closed2, ext + new, A + Al[w], P + publ[w], F + profl[w], C + costl[w], R + revl[w])

        try:
            for root in range(self.m):
                if bl[root] or Al[root] > maxA:
                    continue
                ext = [u for u in nb[root] if u > root and not bl[u]]
                closed = {root, *nb[root]}
                rec(root, [root], closed, ext, Al[root], publ[root], profl[root], costl[root], revl[root])
        except _TooMany:
            return None
        return out, visited

    def exact(self, limit: int = SET_LIMIT, node_limit: int = 5000) -> dict:
        """Prove out the atoms no feasible package holds and, when the optimum packs more parcels
        than the packages grown so far, take it. Returns what was done (for the stats)."""
        open_ = ~self.blocked
        if not open_.any():
            return {"exact": "nothing open"}
        # many atoms to a package: the connected sets within the cap are far too many to list
        per = self.r.max_m2 / max(float(np.median(self.A[open_])), 1e-9)
        if per > self.max_atoms_per_package:
            return {"exact": f"too fine ({per:.0f} atoms per package)"}
        found = self.enumerate_packages(limit)
        if found is None:
            return {"exact": "too many contiguous sets to list"}
        cols, visited = found
        covered = np.zeros(self.m, dtype=bool)
        for c in cols:
            covered[list(c)] = True
        proven = 0
        for a in np.flatnonzero(~covered & ~self.blocked):
            self.reason_atom[a] = "no_package"
            self.why_atom[a] = (f"穷举全部 {visited} 个面积不超过 {self.r.max_area_ha:g} 公顷的连片组合，"
                                "没有一个同时满足面积、公益性比例与资金平衡约束")
            proven += 1
        stats = {"exact": "enumerated", "candidates": len(cols), "sets": visited, "proven_exhaustive": proven}
        npar = self.npar
        before = sum(npar[a] for a in range(self.m) if self.owner[a] >= 0)
        # no packing holds an atom no feasible package holds: when the packages hold every other one,
        # they are optimal as they stand (no solver needed; HiGHS took 47 s to say so on 34 655 sets)
        upper = sum(npar[a] for a in np.flatnonzero(covered & ~self.blocked))
        if before >= upper:
            stats.update({"optimal": True, "optimum_parcels": before, "greedy_parcels": before,
                          "bound": "every parcel a feasible package can hold is packaged"})
            return stats
        if not HAVE_MILP or not cols:
            stats["exact"] = "enumerated, no solver" if not HAVE_MILP else stats["exact"]
            return stats
        rows = [list(c) for c in cols]
        values = [float(sum(npar[a] for a in c)) for c in cols]
        chosen, optimal = solve_packing(rows, values, self.m, node_limit=node_limit)
        if chosen is None:
            return stats
        after = int(sum(values[j] for j in chosen))
        stats.update({"optimal": optimal, "optimum_parcels": after, "greedy_parcels": before})
        if after > before:
            for k, P in enumerate(self.pk):
                for a in list(P["members"]):
                    self._remove(k, a)
            self.pk = []
            for j in chosen:
                self.pk.append(self._empty())
                self._add(len(self.pk) - 1, list(cols[j]))
            stats["replaced"] = True
        if optimal:
            for a in range(self.m):
                if self.owner[a] < 0 and not self.blocked[a] and self.reason_atom[a] == "":
                    self.reason_atom[a] = "optimal_out"
                    self.why_atom[a] = (f"在穷举的全部 {len(cols)} 个可行资产包中求得的最优划定（纳入图斑最多，HiGHS 求解至最优）"
                                        "未纳入该图斑：没有任何划定能比它纳入更多图斑")
        return stats


class _TooMany(Exception):
    pass
