"""The delineation engine: growth (growth.py), local search (search.py) and proofs (proofs.py) on
one adjacency graph (graph.py); :func:`delineate` is the entry point.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy as np
import pandas as pd

from ..overlay import Cancelled
from .exact import SET_LIMIT, ExactMixin
from .graph import Adjacency, _components
from .growth import GrowthMixin
from .model import EPS, M2_PER_HA, REASONS, PackageRules, ParcelTable, evaluate
from .proofs import ProofMixin, diagnose
from .search import SearchMixin
from .settle import SettleMixin


@dataclass
class PackagingResult:
    labels: np.ndarray  # package id per parcel ('' = not in a package)
    reason: np.ndarray  # REASONS key per parcel ('' = in a package)
    detail: np.ndarray  # text per parcel
    packages: pd.DataFrame  # evaluate() of the result
    diagnosis: List[str]
    stats: Dict[str, object]
    seed: int = 0


class _Engine(GrowthMixin, SearchMixin, ProofMixin, SettleMixin, ExactMixin):
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
        # the rules' figures as the feasibility test reads them, worked out once: it runs a million
        # times on a county (the same expressions, so the same floats)
        self.min_ok = rules.min_m2 * (1 - EPS)
        self.max_ok = rules.max_m2 * (1 + EPS)
        self.bal_min = rules.balance_min
        self.ratio_min = rules.ratio_min

    def _prove_cut_off(self) -> bool:
        """Prove out the atoms whose piece of the land still open (unblocked atoms) is below the
        minimum area, and re-check the balance proof where a piece lost land. Returns whether
        any atom was newly proven."""
        r, m = self.r, self.m
        ok = ~self.blocked
        ua, ub = self._edges
        keep = ok[ua] & ok[ub]
        comp = _components(m, ua[keep], ub[keep])
        area = np.bincount(comp, weights=np.where(ok, self.A, 0.0), minlength=m)[comp]
        shrank = ok & (area < self._piece_area * (1 - 1e-12))
        self._piece_area = np.where(ok, area, 0.0)
        cut = ok & (area < r.min_m2 * (1 - EPS))
        for a in np.flatnonzero(cut):
            self.reason_atom[a] = "small_component"
            self.why_atom[a] = (f"除去已证明无法纳入的图斑后，所在连通片面积 {area[a] / M2_PER_HA:.2f} 公顷，"
                                f"小于最小面积 {r.min_area_ha:g} 公顷")
        self._set_blocked(self.blocked | cut)
        found = bool(cut.any())
        for a in np.flatnonzero(shrank & ~self.blocked & (self.tier < 2)):
            proof = self.unbalanceable(int(a))
            if proof:
                self.reason_atom[a] = "unbalanceable"
                self.why_atom[a] = proof
                found = True
        self._set_blocked(self.blocked | (self.reason_atom == "unbalanceable"))
        return found

    def _public_short(self) -> np.ndarray:
        """Per atom: whether its piece of open land holds more other land than its public land can carry
        at the share floor (public land is the scarce side there)."""
        if not self.m or self.pmin <= 0:
            return np.zeros(self.m, dtype=bool)
        ok, comp, _, public, other = self.piece_land()
        return ok & (other[comp] * self.pmin > public[comp] * (1 - self.pmin))

    def _tick(self, frac: float) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, frac)))

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
        # what is proven out splits the open land further: a piece of what remains that is
        # smaller than the minimum area cannot hold a package either (repeated while that proves
        # more; the balance proof is checked again where a piece lost land)
        self._piece_area = np.where(self.blocked, 0.0, comp_area[self.comp]) if m else np.zeros(0)
        for _round in range(6):
            if not self._prove_cut_off():
                break
        self._fill = self._public_short()
        self._grow_from(np.flatnonzero(~self.blocked).tolist(), rnd, progress=True)
        self._tick(0.6)


HAND_ON = (8, 1500)
HAND_ON_ROUNDS = 3
TRADE_ROUNDS, TRADE_TRIES = 3, 30


def delineate(parcels: ParcelTable, adj: Adjacency, rules: PackageRules, seed: int = 0,
              progress: Optional[Callable[[float], None]] = None,
              cancelled: Optional[Callable[[], bool]] = None, prefix: str = "ZCB",
              compact_passes: int = 2, exact_limit: int = SET_LIMIT) -> PackagingResult:
    """Delineate packages; locked parcels keep their package ids (their packages are checked,
    never changed)."""
    rules.check()
    phases: Dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(phases.get(name, 0.0) + now - clock[0], 3)  # ok: seconds for the bench, not an area
        clock[0] = now

    eng = _Engine(parcels, adj, rules, seed, progress, cancelled)
    eng.build_atoms()
    eng._tick(0.05)
    lap("atoms")
    eng.run()
    lap("proofs and growth")
    absorbed = eng.absorb()
    eng._tick(0.7)
    moved = eng.make_room()
    if moved:
        absorbed += eng.absorb()
    pulled = eng.pull_public()
    if pulled:
        absorbed += pulled + eng.absorb()
    regrown = eng.regrow()
    if regrown:
        absorbed += regrown + eng.absorb()
    merged = eng.merge()
    if merged:
        absorbed += merged + eng.absorb()
    lap("local search")
    # land for stranded atoms: taken from packages that can spare it (greedy growth), then the exact
    # smallest package on the free land around what is still left, then the same as steal()'s growth
    gains: Dict[str, int] = {}
    for name, step in (("steal", eng.steal), ("exact growth", eng.exact_grow), ("exact steal", eng.steal_exact),
                       ("public pooled", eng.pool_public)):
        gains[name] = step()
        if gains[name]:
            absorbed += gains[name] + eng.absorb()
        lap(name)
    # 经营性 land handed on, package to package, to where public land is spare; then, where public land is
    # short, large 经营性 parcels traded for smaller leftovers (more parcels, no less land).  A trade frees
    # land next to other leftovers and a hand-on changes what a package can trade: a second round each.
    # hand_on() retries a failed leftover only when a package its search met has changed.
    handed = traded = 0
    for _ in range(HAND_ON_ROUNDS):
        got = eng.hand_on(*HAND_ON)
        if got:
            got += eng.absorb()
        handed += got
        lap("hand-on chains")
        got_t = 0
        for _ in range(TRADE_ROUNDS):
            t = eng.trade_down(TRADE_TRIES)
            if t:
                t += eng.absorb()
            got_t += t
            if not t:
                break
        traded += got_t
        lap("trades")
        if not got and not got_t:
            break
    absorbed += handed + traded
    repaired, grown, stolen, pooled = gains["steal"], gains["exact growth"], gains["exact steal"], gains["public pooled"]
    # coarse atoms (e.g. ownership units kept whole): every feasible package enumerated, the
    # atoms none holds proven out, the optimal packing taken when it packs more
    exact = eng.exact(exact_limit) if exact_limit else {"exact": "off"}
    lap("enumeration")
    eng._tick(0.8)
    compact_moves = eng.compact(compact_passes) if compact_passes else 0
    if compact_moves:
        absorbed += eng.absorb()  # reshaped packages may take leftovers they could not before
    lap("compactness")
    share_bound = eng.prove_share_bound()
    lap("share bound")
    n = parcels.n
    labels = np.full(n, "", dtype=object)
    reason = parcels.reason.copy()
    detail = parcels.detail.copy()
    locked = parcels.locked != ""
    labels[locked] = parcels.locked[locked]
    reason[locked] = ""
    detail[locked] = ""
    # name new packages north → south, west → east; never reuse a locked id (the centroid's y is only
    # bucketed to 10 m for the order, so Python's round is fine here: no figure is printed from it)
    taken = set(parcels.locked[locked].tolist())
    live = [k for k in range(len(eng.pk)) if eng.pk[k]["members"]]
    # ok: round() buckets a centroid's y (10 m bands) for naming order, not an area
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
        "absorbed": absorbed, "repaired": repaired, "exact_grown": grown, "exact_stolen": stolen, "public_pooled": pooled, "handed_on": handed, "traded": traded, "share_bound": share_bound, "phases": phases, "room_moves": moved, "public_pulled": pulled, "compact_moves": compact_moves, "failed_growths": len(eng.failures), "exact": exact,
        "reasons": pd.Series(reason[reason != ""]).value_counts().to_dict(),
    }
    if progress is not None:
        progress(1.0)
    return PackagingResult(labels, reason, detail, packages, diag, stats, int(seed))


