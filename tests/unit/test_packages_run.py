"""资产包 orchestration: exclusion layers, and the rule profile admitting parcels inside them."""
from __future__ import annotations

import numpy as np
import shapely

from core.compliance import RuleProfile
from core.finance import FinanceTable
from core.packages import PackageRules
from core.packages.compute import ControlInput, PackageInputs, run_packages


def _grid(nx, ny, side=100.0):
    return np.array([shapely.box(x * side, y * side, (x + 1) * side, (y + 1) * side)
                     for y in range(ny) for x in range(nx)], dtype=object)


def _inputs(zones=None, profile=None):
    # 4 × 1 ha in a row: forest staying forest (0, 1), forest → housing (2), forest → road (3);
    # the red line covers parcels 1 and 2 entirely
    geoms = _grid(4, 1)
    red = np.array([shapely.box(100, 0, 300, 100)], dtype=object)
    if zones is not None:
        red = np.array([shapely.box(100, 0, 200, 100), shapely.box(200, 0, 300, 100)], dtype=object)
    return PackageInputs(
        geoms=geoms, area_m2=shapely.area(geoms), parcel_ids=["A", "B", "C", "D"], current_raw=["0301"] * 4,
        planned_raw=["0301", "0301", "0701", "1207"], controls=[ControlInput("生态保护红线", red, True, zones=zones)],
        rule_profile=profile)


RULES = PackageRules(min_area_ha=1, max_area_ha=4, public_min_pct=0, public_max_pct=100)


def test_parcels_inside_an_exclusion_layer_never_take_part_without_a_profile():
    run = run_packages(_inputs(), RULES, FinanceTable.example_table(), check_overlaps=False)
    reason = dict(zip(run.frame["parcel_id"], run.frame["reason"]))
    assert reason["B"] == "excluded" and reason["C"] == "excluded"
    assert reason["A"] != "excluded" and reason["D"] != "excluded"
    assert not set(run.frame.loc[run.frame["parcel_id"].isin(["B", "C"]), "package"]) - {""}


def test_the_rule_profile_admits_forest_staying_forest_but_not_housing():
    run = run_packages(_inputs(profile=RuleProfile.default()), RULES, FinanceTable.example_table(), check_overlaps=False)
    reason = dict(zip(run.frame["parcel_id"], run.frame["reason"]))
    assert reason["B"] != "excluded"  # EPRL-10: 林地 inside the red line passes
    assert reason["C"] == "excluded"  # EPRL-14: construction land inside the red line fails
    assert any("EPRL-10" in n and "1 个图斑" in n for n in run.notes), run.notes


def test_the_core_zone_admits_nothing():
    zones = ["核心保护区", "一般控制区"]  # parcel B lies in the core zone
    run = run_packages(_inputs(zones=zones, profile=RuleProfile.default()), RULES, FinanceTable.example_table(),
                       check_overlaps=False)
    reason = dict(zip(run.frame["parcel_id"], run.frame["reason"]))
    assert reason["B"] == "excluded"  # EPRL-03: 核心保护区 forbids human activity, whatever the class
    assert reason["C"] == "excluded"


def test_a_layer_name_tells_its_control_line():
    from core.compliance import role_of_layer

    assert role_of_layer("YJJBNT") == "pbf"
    assert role_of_layer("county — YJJBNT") == "pbf"
    assert role_of_layer("样例县生态保护红线", "x") == "eprl"
    assert role_of_layer("图层1", "CZKFBJ") == "udb"
    assert role_of_layer("历史文化保护线") == "历史文化保护线"  # a profile's own role, as it is


def test_a_plan_layer_that_touches_no_parcel_is_said_so():
    geoms = _grid(4, 1)
    far = np.array([shapely.box(5000, 5000, 5100, 5100)], dtype=object)
    half = np.array([shapely.box(0, 0, 200, 100)], dtype=object)
    for plan, said in ((far, "规划图层与全部图斑都没有重叠"), (half, "2 个图斑不在规划图层范围内")):
        inp = PackageInputs(geoms=geoms, area_m2=shapely.area(geoms), parcel_ids=["A", "B", "C", "D"],
                            current_raw=["0301"] * 4, plan_geoms=plan, plan_codes=["0701"])
        run = run_packages(inp, RULES, FinanceTable.example_table(), check_overlaps=False)
        assert any(said in note for note in run.notes), run.notes


def test_overlapping_parcels_are_said_with_their_area_in_both_modes():
    # parcel E lies half over D (0.5 ha): one overlapping pair, said in a note, the packages made all the same
    geoms = np.append(_grid(4, 1), shapely.box(350, 0, 450, 100))
    ids = ["A", "B", "C", "D", "E"]
    common = dict(geoms=geoms, area_m2=shapely.area(geoms), parcel_ids=ids, current_raw=["0301"] * 5,
                  planned_raw=["0301"] * 5)
    for mode, extra in (("delineate", {}), ("validate", {"package_ids": ["P1", "P1", "P1", "P1", ""]})):
        run = run_packages(PackageInputs(**common, **extra), RULES, FinanceTable.example_table(), mode=mode)
        assert run.overlaps == (1, 5000.0)
        assert any("1 对图斑相互重叠（重叠面积 5000.00 平方米）" in n for n in run.notes), run.notes
        assert run.result.stats["packaged"] >= 4
        quiet = run_packages(PackageInputs(**common, **extra), RULES, FinanceTable.example_table(), mode=mode,
                             check_overlaps=False)
        assert quiet.overlaps is None and not any("相互重叠" in n for n in quiet.notes)
