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
it (their remainders are kept or grown again; kept only when more parcels end up packaged),
(4) merges a small package holding public land above the share floor with a neighbour when the
union takes the leftovers beside it, and (5) moves boundary atoms
between packages to make them more compact — every move only when every hard constraint of
every package still holds and the package stays contiguous. The run is deterministic for a
given seed. Leftovers carry the reason they were left out, and :func:`diagnose` says which
constraint binds when the constraints cannot be met.

:func:`evaluate` computes every figure and pass/fail of arbitrary packages (a package-id per
parcel) — the engine's and the ones a planner draws by hand (``guotukit:validatepackages``).

What the greedy engine leaves out without a proof then gets the exact smallest package holding it
(HiGHS), on free land or on land packages can spare (settle, search); with coarse atoms (ownership
units kept whole) every contiguous set within the area cap is listed, what none holds is proven out
and the packing is solved to optimality (exact). whatif says which constraint keeps the most parcels
out and what relaxing it would gain.

Modules: model (rules, parcels, evaluate) · graph (adjacency) · growth · search (local search) ·
proofs (why parcels cannot be packaged, diagnose) · settle (exact smallest package, set packing) ·
exact (enumeration, optimal packing) · whatif (what binds, relaxations) · engine (delineate) ·
geometry · compute (the run) · ledger (every printed figure) · report (the workbook).
"""
from ..overlay import Cancelled
from .engine import PackagingResult, delineate
from .geometry import assign_by_polygons, majority_join, overlap_shares, package_geometries
from .graph import Adjacency, build_adjacency
from .model import (  # noqa: F401  (EPS, M2_PER_HA, text_array: shared names)
    CHECKS,
    EPS,
    M2_PER_HA,
    REASONS,
    PackageRules,
    PackageRulesError,
    ParcelTable,
    evaluate,
    prepare_parcels,
    text_array,
)
from .proofs import diagnose

__all__ = ['PackageRules', 'ParcelTable', 'Adjacency', 'PackagingResult', 'REASONS', 'CHECKS', 'prepare_parcels', 'build_adjacency', 'delineate', 'evaluate', 'diagnose', 'package_geometries', 'assign_by_polygons', 'majority_join', 'overlap_shares', 'Cancelled', 'PackageRulesError']
