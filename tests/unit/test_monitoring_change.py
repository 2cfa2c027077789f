"""变化图斑分析 on hand-made vintages whose pieces, areas, categories and suspected problems are known by hand.

Before (三调, 1 ha squares): A 水田 (KCXS 0.1) | B 旱地 on the bottom row, C 林地 | D 农村宅基地 on the top row.
After: E 城镇住宅 (x 0–50, bottom), F 果园 (x 50–200, bottom), G 旱地 (the whole top row).
永久基本农田 covers A; the 城镇开发边界 covers D's square only.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import shapely
import shapely.affinity

from core.compliance.compute import ControlInput
from core.monitoring import ChangeGroups, ChangeRules, Vintage, run_changes


def box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


@pytest.fixture(scope="module")
def vintages():
    before = Vintage("前期（2019）", [box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 100, 200), box(100, 100, 200, 200)],
                     ["0101", "0103", "0301", "0702"], "sandiao", np.full(4, 10000.0), ["A", "B", "C", "D"],
                     kcxs=np.array([0.1, 0.0, 0.0, 0.0]))
    after = Vintage("后期（2024）", [box(0, 0, 50, 100), box(50, 0, 200, 100), box(0, 100, 200, 200)],
                    ["0701", "0201", "0103"], "sandiao", np.array([5000.0, 15000.0, 20000.0]), ["E", "F", "G"])
    return before, after


@pytest.fixture(scope="module")
def run(vintages):
    before, after = vintages
    controls = [ControlInput("pbf", [box(0, 0, 100, 100)], ["YJ1"]), ControlInput("udb", [box(100, 100, 200, 200)], ["KF1"])]
    return run_changes(before, after, controls=controls, unchecked_roles={"eprl": "未提供图层"})


def _pair(run, b, a):
    p = run.pieces
    return p[(p["before_id"] == b) & (p["after_id"] == a)].iloc[0]


def test_every_piece_with_its_area_and_classes(run):
    p = run.pieces
    assert len(p) == 5 and p["area_m2"].sum() == pytest.approx(40000.0)
    ae = _pair(run, "A", "E")
    assert (ae["before_code"], ae["after_code"], ae["before_three"], ae["after_three"]) == ("0101", "0701", "农用地", "建设用地")
    assert ae["area_m2"] == pytest.approx(5000.0)
    assert ae["net_before_m2"] == pytest.approx(4500.0)     # 耕地 net of its 田坎 (KCXS 0.1)
    assert run.uncovered == {"before": pytest.approx(0.0), "after": pytest.approx(0.0)}


def test_each_piece_gets_its_change_categories(run):
    cats = {(r.before_id, r.after_id): r.categories for r in run.pieces.itertuples()}
    assert cats[("A", "E")] == "耕地流出;新增建设用地"          # C01 and C11: counted in each, never added up
    assert cats[("A", "F")] == "耕地流出" and cats[("B", "F")] == "耕地流出"
    assert cats[("C", "G")] == "耕地流入"
    assert cats[("D", "G")] == "耕地流入;建设用地减少"
    assert _pair(run, "A", "F")["rule_ids"] == "C02"
    assert list(run.changes["change_id"]) == ["BH000001", "BH000002", "BH000003", "BH000004", "BH000005"]


def test_cropland_outflow_is_net_of_tiankan(run):
    p = run.pieces
    out = p[p["crop_before"] & p["changed"] & ~p["crop_after"]]
    assert out["net_before_m2"].sum() == pytest.approx(4500.0 + 4500.0 + 10000.0)
    inflow = p[p["crop_after"] & p["changed"] & ~p["crop_before"]]
    assert inflow["net_after_m2"].sum() == pytest.approx(20000.0)


def test_suspected_problems_against_the_control_lines(run):
    s = run.suspects
    got = sorted((r.change_id, r.flag, r.verdict, round(r.area_m2, 3)) for r in s.itertuples())
    ae = run.changes.loc[(run.changes["before_id"] == "A") & (run.changes["after_id"] == "E"), "change_id"].iloc[0]
    af = run.changes.loc[(run.changes["before_id"] == "A") & (run.changes["after_id"] == "F"), "change_id"].iloc[0]
    assert got == sorted([(ae, "MF01", "fail", 5000.0), (ae, "MF03", "review", 5000.0), (af, "MF04", "fail", 5000.0)])
    # B → 果园 lies outside 永久基本农田: a 进出平衡 matter, not a suspected problem


def test_different_classifications_are_compared_in_ydyh2023(vintages):
    before, after = vintages
    after23 = Vintage("后期（用地用海）", after.geoms, ["0701", "0201", "0103"], "ydyh2023", after.area_m2, after.ids)
    run = run_changes(before, after23)
    assert run.system == "ydyh2023"
    assert _pair(run, "A", "E")["after_code"] == "0701"
    assert _pair(run, "A", "E")["before_code"] == "0101"
    assert any("按衔接表转换为用地用海2023" in n for n in run.notes)


def test_uncovered_land_is_reported_not_dropped(vintages):
    before, after = vintages
    short = Vintage(after.label, after.geoms[:2], after.codes[:2], "sandiao", after.area_m2[:2], after.ids[:2])
    run = run_changes(before, short)
    assert run.uncovered["before"] == pytest.approx(20000.0)    # the top row: no later parcel
    assert run.pieces["area_m2"].sum() + run.uncovered["before"] == pytest.approx(40000.0)


def test_a_rule_naming_an_unknown_group_is_refused(tmp_path):
    from core.monitoring import MonitoringDataError

    bad = tmp_path / "rules.csv"
    bad.write_text("rule_id,from_group,to_group,category,sub_category,ledger,evidence,source\n"
                   "X1,耕地,果林地,耕地流出,,,R,\n", encoding="utf-8")
    with pytest.raises(MonitoringDataError, match="第2行 to_group 列：“果林地” 不是已知的比较组"):
        ChangeRules.load(bad, groups=ChangeGroups.load())


def test_the_matrix_keeps_land_only_one_vintage_covers(vintages):
    from core.monitoring.ledger import OUTSIDE, build_ledger

    before, after = vintages
    short = Vintage(after.label, after.geoms[:2], after.codes[:2], "sandiao", after.area_m2[:2], after.ids[:2])
    m = build_ledger(run_changes(before, short)).three
    assert m.cols[-1] == OUTSIDE
    # C 林地 and D 宅基地 (the top row) are not covered by the later vintage: 农用地 1 ha, 建设用地 1 ha
    assert dict(zip(m.rows, (r[-1] for r in m.cells))) == {"农用地": Decimal("1.0000"), "建设用地": Decimal("1.0000")}
    assert m.total == Decimal("4.0000")                 # every square metre of the earlier vintage is in the table
    assert dict(zip(m.rows, m.row_totals)) == {"农用地": Decimal("3.0000"), "建设用地": Decimal("1.0000")}


def test_the_ledger_prints_each_figure_once(run):
    from core.monitoring.ledger import build_ledger

    L = build_ledger(run)
    t = L.cropland_totals
    assert t["out"] == Decimal("1.9000") and t["in"] == Decimal("2.0000") and t["net"] == Decimal("0.1000")
    out_rows = [r for r in L.cropland if r["direction"] == "流出"]
    assert sum(r["area"] for r in out_rows) == t["out"]          # the rows add up to the printed total
    summary = {r["item"]: r for r in L.summary}
    assert summary["耕地流出"]["crop"] == t["out"]                 # the same figure on both sheets
    assert summary["新增建设用地"]["area"] == Decimal("0.5000")
    flags = {f["flag"]: f for f in L.flags}
    assert flags["MF01"]["area"] == Decimal("0.5000") and flags["MF01"]["verdict"] == "疑似问题"
    assert flags["MF03"]["verdict"] == "需核实"


def test_a_legal_basis_removes_what_it_covers_from_the_suspects(vintages):
    # a 农转用 approval covering A∩E (x 0–50): the new construction there is approved, not a suspected problem;
    # an approval covering half of A∩F leaves the other half of the orchard conversion in 永农 suspected
    before, after = vintages
    controls = [ControlInput("pbf", [box(0, 0, 100, 100)], ["YJ1"])]
    legal = [("农转用", [box(0, 0, 50, 100)]), ("设施农用地备案", [box(50, 0, 75, 100)])]
    run = run_changes(before, after, controls=controls, unchecked_roles={}, legal=legal)
    got = {(r.flag, round(r.area_m2, 3), r.legal_kinds) for r in run.suspects.itertuples()}
    assert got == {("MF04", 2500.0, "设施农用地备案")}
    assert any("合法依据（农转用、设施农用地备案）" in n and "1 个疑似部分整体位于其中" in n for n in run.notes)


def test_cropland_turning_to_non_grain_is_an_attribute_change():
    # one 水田 parcel, the same class in both years: LS (grain) → FLS (non-grain) is rule C14; LS → XG (fallow) is not
    # named by the rule, so it is counted but not listed
    geoms = [box(0, 0, 100, 100), box(100, 0, 200, 100)]
    before = Vintage("前期", geoms, ["0101", "0101"], "sandiao", np.full(2, 10000.0), ["A", "B"], zzsx=["LS", "LS"])
    after = Vintage("后期", geoms, ["0101", "0101"], "sandiao", np.full(2, 10000.0), ["A", "B"], zzsx=["FLS", "XG"])
    run = run_changes(before, after)
    p = run.pieces.set_index("before_id")
    assert p.loc["A", "attr_changed"] and p.loc["A", "rule_ids"] == "C14" and not p.loc["A", "changed"]
    assert p.loc["B", "attr_changed"] and p.loc["B", "rule_ids"] == ""
    assert list(run.changes["before_id"]) == ["A"]
    from core.monitoring.ledger import build_ledger

    summary = {r["item"]: r for r in build_ledger(run).summary}
    assert summary["耕地种植属性变化"]["area"] == Decimal("1.0000") and summary["耕地种植属性变化"]["pieces"] == 1
    assert summary["其中：地类未变、种植属性变化"]["pieces"] == 2
    assert summary["其中：地类变化"]["pieces"] == 0


def test_vintages_that_do_not_meet_are_said_to_not_meet(vintages):
    before, after = vintages
    away = Vintage(after.label, [shapely.affinity.translate(g, 10000.0, 0) for g in after.geoms], after.codes, "sandiao",
                   after.area_m2, after.ids)
    run = run_changes(before, away)
    assert len(run.pieces) == 0 and run.uncovered["before"] == pytest.approx(40000.0)
    assert any("完全不重叠" in n for n in run.notes)
