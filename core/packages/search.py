"""Local search after growth: absorb leftovers, regrow, merge, make room, steal land for stranded
atoms, and compact — every move only when every hard constraint still holds.
"""
from __future__ import annotations

from collections import deque
from typing import Dict, List, Tuple

import numpy as np

from .model import EPS

#: the land a trade_down must keep in the package, as a share of the land it hands out
AREA_KEPT = 1.0
#: steal() grows a package for a leftover on the land within this many area caps of it (by area along a path)
STEAL_REACH = 2.0


#: hand_on() keeps, per package, what handing on from it gave until the package or a neighbour changes; off
#: only to test that keeping it changes nothing
HAND_ON_MEMO = True


class SearchMixin:
    """Local search moves (mixed into the engine)."""

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
                    st = self._plus(P, a)
                    if not self.feasible(*st):
                        self.why_atom[a] = self.why(*st) or self.why_atom[a]
                        continue
                    shared = sum(L for b, L in self.nb[a].items() if b in P["members"])
                    score = (self.perl[a] - 2 * shared)
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
        owner, nb, pk = self.owner, self.nb, self.pk
        Al, publ, profl, costl, revl = self.Al, self.publ, self.profl, self.costl, self.revl
        moved = 0
        for a in self._leftovers():
            if owner[a] >= 0:
                continue
            done = False
            for k in sorted({owner[b] for b in nb[a] if owner[b] >= 0}):
                P = pk[k]
                mem = P["members"]
                with_a = self._plus(P, a)
                # a's neighbours in P: P − b + a can be one piece only if one of them is not b
                touching = [c for c in nb[a] if c in mem]
                # the first b (in index order) that passes every test: the tests have no side effects, so the
                # cheap ones go first
                for b in sorted(mem):
                    stP = (with_a[0] - Al[b], with_a[1] - publ[b], with_a[2] - profl[b],
                           with_a[3] - costl[b], with_a[4] - revl[b])
                    if not self.feasible(*stP):
                        continue
                    if not (len(touching) > 1 or touching[0] != b):
                        continue
                    qs = sorted({owner[c] for c in nb[b] if owner[c] >= 0 and owner[c] != k})
                    if not qs or not self._connected_without(mem, b, a):
                        continue
                    for q in qs:
                        if self.feasible(*self._plus(pk[q], b)):
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

    def pull_public(self) -> int:
        """A leftover atom that a neighbouring package k cannot take for want of public land: k first takes a
        public atom from another package j next to it, when j stays feasible and contiguous without it — the
        public land a package holds beyond its floor moves one package nearer to the land that needs it.
        Returns the atoms placed."""
        if self.pmin <= 0:
            return 0
        placed = 0
        owner, nb = self.owner, self.nb
        pub_nb = self._public_neighbours()
        for a in self._leftovers():
            if owner[a] >= 0 or self.profl[a] <= 0 and not self.total_basis:
                continue
            done = False
            for k in sorted({owner[b] for b in nb[a] if owner[b] >= 0}):
                P = self.pk[k]
                st = self._plus(P, a)
                if st[0] > self.r.max_m2 * (1 + EPS):
                    continue
                # donors: public atoms of other packages that touch k
                cands = sorted({(owner[c], c) for m in P["members"] for c in pub_nb[m]
                                if owner[c] >= 0 and owner[c] != k})
                for j, pa in cands:
                    if not self.feasible(*self._with(P, [a, pa], +1)):
                        continue
                    J = self.pk[j]
                    if len(J["members"]) < 2 or not self._connected_without(J["members"], pa):
                        continue
                    if self.feasible(*self._minus(J, pa)):
                        self._remove(j, pa)
                        self._add(k, [pa, a])
                    else:   # j can give pa only if it takes a public atom from a third package r first
                        refill = self._refill(j, pa, k)
                        if refill is None:
                            continue
                        r, pr = refill
                        self._remove(r, pr)
                        self._add(j, [pr])
                        self._remove(j, pa)
                        self._add(k, [pa, a])
                    placed += 1
                    done = True
                    break
                if done:
                    break
        return placed

    def _refill(self, j: int, pa: int, k: int):
        """(r, pr): a public atom pr of a package r (not j, not k) touching j, such that r stays feasible and
        contiguous without pr and j stays feasible and contiguous with pr instead of pa; or None."""
        J = self.pk[j]
        base = self._minus(J, pa)
        rest = set(J["members"])
        rest.discard(pa)
        owner, pub_nb = self.owner, self._public_neighbours()
        for r, pr in sorted({(owner[c], c) for m in rest for c in pub_nb[m] if owner[c] >= 0 and owner[c] not in (j, k)}):
            st = (base[0] + self.Al[pr], base[1] + self.publ[pr], base[2] + self.profl[pr], base[3] + self.costl[pr],
                  base[4] + self.revl[pr])
            if not self.feasible(*st):
                continue
            R = self.pk[r]
            if len(R["members"]) < 2 or not self.feasible(*self._minus(R, pr)) or not self._connected_without(R["members"], pr):
                continue
            if self._connected_set(rest | {pr}):   # j ∪ {pr} ∖ {pa} must be one piece
                return r, pr
        return None

    def _public_neighbours(self):
        """Per atom, its neighbours holding public land (fixed for a run: built once)."""
        cached = getattr(self, "_pub_nb", None)
        if cached is None or cached[0] is not self.nb:
            pub = self.publ  # the list: the same values, read faster than the array
            cached = (self.nb, [tuple(c for c in nbs if pub[c] > 0) for nbs in self.nb])
            self._pub_nb = cached
        return cached[1]

    def _connected_set(self, members: set) -> bool:
        if not members:
            return False
        start = next(iter(members))
        seen, stack = {start}, [start]
        while stack:
            x = stack.pop()
            for y in self.nb[x]:
                if y in members and y not in seen:
                    seen.add(y)
                    stack.append(y)
        return len(seen) == len(members)

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

    def pool_public(self, rounds: int = 4) -> int:
        """Public land a package holds above the share floor can carry 经营性 (non-public) land, but
        only inside its own package: a small public-rich package next to a package already at the floor
        leaves that capacity unused while the leftovers beside the other one cannot join it. Such a
        package merges with a neighbour when the two stay within the area cap, and the union takes the
        leftovers next to it (one at a time, each step feasible, lowest atom index first). The merge is
        kept only when leftovers join, so no package is merged for nothing; packages with the most spare
        public land go first. Repeated while it places more (at most ``rounds`` passes). Returns the
        parcels placed."""
        if self.pmin <= 0:
            return 0
        owner, nb, bl = self.owner, self.nb, self.bl
        maxA = self.r.max_m2 * (1 + EPS)

        def spare(P):
            base = P["A"] if self.total_basis else P["pub"] + P["prof"]
            return P["pub"] - self.pmin * base

        placed = 0
        for _ in range(rounds):
            gained = 0
            order = sorted((k for k, P in enumerate(self.pk) if P["members"] and spare(P) > 0),
                           key=lambda k: (-spare(self.pk[k]), k))
            for i, R in enumerate(order):
                if i % 50 == 0:
                    self._tick(0.78)
                PR = self.pk[R]
                if not PR["members"] or spare(PR) <= 0:
                    continue
                best = None
                for J in sorted({owner[b] for a in PR["members"] for b in nb[a]} - {R, -1}):
                    PJ = self.pk[J]
                    if PR["A"] + PJ["A"] > maxA:
                        continue
                    union = PR["members"] | PJ["members"]
                    st = (PR["A"] + PJ["A"], PR["pub"] + PJ["pub"], PR["prof"] + PJ["prof"],
                          PR["cost"] + PJ["cost"], PR["rev"] + PJ["rev"])
                    frontier = {b for a in union for b in nb[a] if owner[b] < 0 and not bl[b]}
                    taken, st = self._take_leftovers(st, frontier, lambda s2: self.feasible(*s2),
                                                     lambda c, union=union: owner[c] < 0 and not bl[c] and c not in union)
                    n_new = sum(self.npar[b] for b in taken)
                    if n_new and (best is None or n_new > best[0]):
                        best = (n_new, J, taken)
                if best is not None:
                    n_new, J, taken = best
                    moved = sorted(self.pk[J]["members"])
                    for a in moved:
                        self._remove(J, a)
                    self._add(R, moved)
                    self._add(R, taken)
                    gained += n_new
            placed += gained
            if not gained:
                break
        return placed

    def _take_leftovers(self, st, frontier: set, accept, may_join, key=None):
        """(atoms taken, sums after): free atoms joined one at a time to a package whose sums are ``st`` — of
        ``frontier``, the first in ``key`` order (default: index) whose sums ``accept`` takes; a joined atom's
        neighbours that ``may_join`` allows enter the frontier."""
        Al, publ, profl, costl, revl, nb = self.Al, self.publ, self.profl, self.costl, self.revl, self.nb
        taken: List[int] = []
        joined = set()
        while frontier:
            pick = None
            for b in sorted(frontier, key=key):
                s2 = (st[0] + Al[b], st[1] + publ[b], st[2] + profl[b], st[3] + costl[b], st[4] + revl[b])
                if accept(s2):
                    pick = (b, s2)
                    break
            if pick is None:
                break
            b, st = pick
            taken.append(b)
            joined.add(b)
            frontier.discard(b)
            frontier.update(c for c in nb[b] if c not in joined and may_join(c))
        return taken, st

    def hand_on(self, max_depth: int = 8, max_nodes: int = 1500) -> int:
        """Carry 经营性 land to where public land is spare, package by package.  A leftover atom ``a`` that its
        neighbouring package k cannot take (k's public share would fall below the floor, or k would pass the
        area cap) joins k when k hands one of its own atoms to a neighbouring package j1, j1 one of its own
        to j2 … until a package takes the atom handed to it without handing any on — one whose public land
        lies above the floor.  Public land far from the leftovers thus carries them: every package on the
        way keeps about its size and stays feasible and contiguous (each is checked as it will be), and
        only the last one grows.  Breadth-first over packages (each at most once per chain; at each step,
        per next package, the smallest atom that leaves the giver feasible), at most ``max_depth`` hand-ons
        and ``max_nodes`` atoms tried per leftover.  Returns the atoms placed."""
        if self.pmin <= 0:
            return 0
        owner, nb, pk = self.owner, self.nb, self.pk
        A, pub, prof, cost, rev = self.Al, self.publ, self.profl, self.costl, self.revl
        maxA = self.r.max_m2 * (1 + EPS)
        placed = 0
        # a leftover whose search failed is tried again only when a package that search met has changed since
        memo = getattr(self, "_hand_on_failed", None)
        if memo is None or memo[0] != (max_depth, max_nodes):
            memo = self._hand_on_failed = ((max_depth, max_nodes), {})
        failed = memo[1]

        def unchanged(a) -> bool:
            beside, stamps = failed[a]
            return (beside == {owner[b] for b in nb[a] if owner[b] >= 0}
                    and all(len(pk[j]["members"]) == n and pk[j]["A"] == area for j, n, area in stamps))

        borders: Dict[int, Dict[int, List[int]]] = {}

        def border(j) -> Dict[int, List[int]]:
            """{other package: j's members holding 经营性 land that touch it, smallest first}."""
            got = borders.get(j)
            if got is None:
                got = {}
                for x in pk[j]["members"]:
                    if prof[x] > 0:
                        for o in {owner[y] for y in nb[x]}:
                            if o >= 0 and o != j:
                                got.setdefault(o, []).append(x)
                for lst in got.values():
                    lst.sort(key=lambda x: (A[x], x))
                borders[j] = got
            return got

        # per package j: {(atom handed to j, next package o): (the first atom of j's border with o that j can
        # hand on then, or -1; atoms tried)} — a search meets the same packages again and again; valid while
        # j's border lists are, which is while j and its neighbours keep their members (see moved())
        hands: Dict[int, Dict[Tuple[int, int], Tuple[int, int]]] = {}

        def moved(atom) -> None:   # the border lists that name ``atom`` or its neighbours' owners are stale
            for j in [owner[atom]] + [owner[y] for y in nb[atom]]:
                borders.pop(j, None)
                hands.pop(j, None)

        def hand(cur, given, st, o, offer) -> Tuple[int, int]:
            """The smallest atom of ``offer`` (cur's border with o) that leaves cur, holding ``given`` and
            with the sums ``st``, feasible and contiguous; and the atoms tried to find it."""
            memo = hands.setdefault(cur, {})
            got = memo.get((given, o)) if HAND_ON_MEMO else None
            if got is None:
                mem = pk[cur]["members"]
                found, n = -1, 0
                for x in offer:
                    if x == given:
                        continue
                    n += 1
                    rest = (st[0] - A[x], st[1] - pub[x], st[2] - prof[x], st[3] - cost[x], st[4] - rev[x])
                    if self.feasible(*rest) and self._connected_without(mem, x, given):
                        found = x
                        break
                got = memo[(given, o)] = (found, n)
            return got

        for i, a in enumerate(self._leftovers()):
            if i % 50 == 0:
                self._tick(0.78)
            if owner[a] >= 0 or self.reason_atom[a] != "" or (a in failed and unchanged(a)):
                continue
            done = False
            met = set()
            for k in sorted({owner[b] for b in nb[a] if owner[b] >= 0}):
                K = pk[k]
                # a node: (package, the atom handed to it, its sums so, the hand-ons so far); its members are
                # pk[package]["members"] and that atom (no set copied: nothing moves until a chain succeeds)
                queue = deque([(k, a, self._plus(K, a), [])])
                seen = {k}
                tried = 0
                while queue and not done and tried <= max_nodes:
                    cur, given, st, path = queue.popleft()
                    if len(path) >= max_depth:
                        continue
                    for j, offer in sorted(border(cur).items()):
                        if j in seen:
                            continue
                        # per next package, the smallest atom that leaves the giver feasible
                        x, n = hand(cur, given, st, j, offer)
                        tried += n
                        if x < 0:
                            continue
                        st_j = self._plus(pk[j], x)
                        chain = path + [(cur, j, x)]
                        if self.feasible(*st_j):
                            for giver, _, atom in chain:
                                self._remove(giver, atom)
                            self._add(k, [a])
                            for _, taker, atom in chain:
                                self._add(taker, [atom])
                            for atom in [a] + [c[2] for c in chain]:
                                moved(atom)
                            placed += 1
                            done = True
                            break
                        if st_j[0] <= maxA:
                            seen.add(j)
                            queue.append((j, x, st_j, chain))
                met |= seen
                if done:
                    break
            if done:
                failed.pop(a, None)
            else:
                failed[a] = ({owner[b] for b in nb[a] if owner[b] >= 0},
                             [(j, len(pk[j]["members"]), pk[j]["A"]) for j in met])
        return placed

    def trade_down(self, tries: int = 4) -> int:
        """Where public land is short, which 经营性 land a package holds decides how many parcels it holds,
        not how much land: a package beside leftovers hands out one of its larger members (it becomes a
        leftover) when the land that frees takes in smaller leftovers instead — at least two, so more
        parcels are packaged.  Leftovers join smallest first, each keeping the share, the area cap and the
        balance; the package must end feasible and contiguous, and hold at least the land it gave
        (``AREA_KEPT`` of it).  The ``tries`` largest members whose removal keeps the package contiguous are
        tried per package and pass.  Returns the parcels gained."""
        if self.pmin <= 0:
            return 0
        owner, nb, pk, bl = self.owner, self.nb, self.pk, self.bl
        A, prof = self.Al, self.profl  # lists: the same doubles as the arrays, read faster
        reason = self.reason_atom
        maxA = self.r.max_m2 * (1 + EPS)

        def open_(b) -> bool:
            return owner[b] < 0 and not bl[b] and reason[b] == ""

        gained = 0
        for k in range(len(pk)):
            if k % 50 == 0:
                self._tick(0.79)
            P = pk[k]
            while P["members"]:
                border = {b for x in P["members"] for b in nb[x] if owner[b] < 0 and not bl[b] and reason[b] == ""}
                if not border:
                    break
                smallest = min(A[b] for b in border)
                traded = False
                members = sorted((x for x in P["members"] if prof[x] > 0 and A[x] > 2 * smallest),
                                 key=lambda x: (-A[x], x))
                tried = 0
                for X in members:
                    if tried >= tries:
                        break
                    if len(P["members"]) < 2 or not self._connected_without(P["members"], X):
                        continue
                    tried += 1
                    st = self._minus(P, X)
                    inside = P["members"] - {X}
                    frontier = {b for x in inside for b in nb[x] if owner[b] < 0 and not bl[b] and reason[b] == ""}
                    taken, st = self._take_leftovers(st, frontier, lambda s2: s2[0] <= maxA and self.viol(*s2) <= 0,
                                                     lambda c, X=X: open_(c) and c != X, key=lambda b: (prof[b], A[b], b))
                    if (len(taken) >= 2 and self.feasible(*st)
                            and sum(A[b] for b in taken) >= AREA_KEPT * A[X]):
                        self._remove(k, X)
                        self._add(k, taken)
                        gained += len(taken) - 1
                        traded = True
                        break
                if not traded:
                    break
        return gained

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

    def steal_exact(self, max_tries: int = 150) -> int:
        """:meth:`steal` with a package found by HiGHS where the greedy growth finds none, for at
        most ``max_tries`` atoms still left out without a proof (a work limit: the same seed gives
        the same packages everywhere)."""
        from .settle import HAVE_MILP

        if not HAVE_MILP:
            return 0
        gained = 0
        left = [a for a in self._leftovers() if self.reason_atom[a] == ""]
        left.sort(key=lambda a: (int(self.tier[a]), a))
        for i, a in enumerate(left[:max_tries]):
            if i % 50 == 0:
                self._tick(0.8)
            if self.owner[a] < 0:
                gained += self._steal_for(a, {}, exact=True)
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

    def _steal_for(self, a: int, tried: dict, exact: bool = False) -> int:
        owner, npar = self.owner, self.npar
        n0, nf = len(self.pk), len(self.failures)
        # grow from a as if the land around it were free
        near = self._reach(a, STEAL_REACH * self.r.max_m2)
        saved = {x: owner[x] for x in near}
        for x in near:
            owner[x] = -1
        members = None
        try:
            members = self.grow(a, tried)
            if not members and exact:
                # the greedy growth found none: a package on that land found by HiGHS — the first feasible
                # one, not the smallest: proving it smallest took 70–200 ms a call and on the 18 bench
                # counties placed the same parcels (grid s1's exact steal 2.7 → 0.8 s)
                members = self._connected_package(a, set(near), max_nodes=120, node_limit=20, gap=1.0)
                if members:
                    self.pk.append(self._empty())
                    self._add(len(self.pk) - 1, members)
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
        for x in members:  # each package loses them in the members' order, as before
            if owner[x] >= 0:
                self._remove(owner[x], x)
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
            for x in rem:  # k is dissolved: its sums are dropped with it (the snapshot keeps them)
                owner[x] = -1
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
                    if self.feasible(*self._plus(self.pk[k], a)):
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
                newPP = P["perim"] - (self.perl[a] - 2 * sharedP)
                newPA = P["garea"] - self.garl[a]
                if newPA <= 0:
                    continue
                before_p = P["perim"] ** 2 / max(P["garea"], 1e-9)
                best = None
                for q in sorted(qs):
                    Q = self.pk[q]
                    sharedQ = sum(L for b, L in self.nb[a].items() if b in Q["members"])
                    newQP = Q["perim"] + self.perl[a] - 2 * sharedQ
                    newQA = Q["garea"] + self.garl[a]
                    gain = (newPP ** 2 / newPA + newQP ** 2 / newQA) - (before_p + Q["perim"] ** 2 / max(Q["garea"], 1e-9))
                    if gain < -1e-6 * before_p and (best is None or gain < best[0]):
                        best = (gain, q)
                if best is None:
                    continue
                q = best[1]
                if not self.feasible(*self._minus(P, a)):
                    continue
                if not self.feasible(*self._plus(self.pk[q], a)):
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
