"""run_compliance on hand-made geometry whose answers are known by hand."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from core.compliance import RuleProfile
from core.compliance.compute import BaseInput, ControlInput, run_compliance


def _case(unchecked=None, base=True, project="一般建设项目"):
    subjects = [box(0, 0, 100, 100), box(200, 0, 300, 100), box(400, 0, 500, 100), None]
    codes = ["0701", "0101", "100101", "0701"]
    controls = [
        ControlInput("pbf", [box(50, -10, 150, 110)], ["PBF1"], layer="YJJBNT"),
        ControlInput("eprl", [box(390, -10, 510, 110), box(380, -20, 520, 120)], ["HX1", "HX2"], zones=["", "一般控制区"]),
        ControlInput("udb", [box(-1000, -1000, 1000, 1000)], ["K1"], zones=["城镇集中建设区"]),
    ]
    if unchecked:
        controls = [c for c in controls if c.role not in unchecked]
    b = None
    if base:
        b = BaseInput([box(0, -10, 75, 110), box(75, -10, 150, 110)], ["0101", "0103"], ["30", "10"], ["B1", "B2"])
    area = np.array([10000.0, 10000.0, 10000.0, 0.0]) * 1.5  # official (attribute) areas: 1.5 × planar
    return run_compliance(subjects, ["A", "B", "C", "D"], codes, "ydyh2023", area, controls,
                          {r: "未提供图层" for r in (unchecked or [])}, RuleProfile.default(), project, base=b)


def test_occupied_areas_verdicts_and_base_breakdown():
    res = _case()
    s = res.subjects.set_index("subject_id")
    assert s.loc["A", "occ_pbf_m2"] == pytest.approx(5000 * 1.5)  # half of A, on the official basis
    assert s.loc["A", "pct_pbf"] == pytest.approx(50.0)
    assert s.loc["C", "occ_eprl_m2"] == pytest.approx(10000 * 1.5)  # two overlapping red-line features: counted once
    assert s.loc["A", "verdict"] == "fail"  # housing on 永久基本农田
    assert s.loc["B", "verdict"] == "pass" and s.loc["B", "status_pbf"] == "不涉及"
    assert s.loc["C", "verdict"] == "fail"  # industry in 生态保护红线
    assert s.loc["D", "null_geometry"]
    pbf = res.conflicts[res.conflicts["role"] == "pbf"]
    by_class = pbf.groupby("base_code")["area_m2"].sum()
    assert by_class["0101"] == pytest.approx(2500 * 1.5)
    assert by_class["0103"] == pytest.approx(2500 * 1.5)
    own = pbf.set_index("base_code")["ownership"]
    assert own["0101"] == "集体" and own["0103"] == "国有"
    assert pbf["is_paddy"].sum() == 1
    assert set(pbf["rule_id"]) != {""} and (pbf["verdict_zh"] == "不通过").all()
    # the pieces of a subject never exceed it, and Σ pieces per role = the role's occupied area here
    assert pbf["area_m2"].sum() == pytest.approx(s.loc["A", "occ_pbf_m2"])
    totals = {r["role"]: r for r in res.roles}
    assert totals["eprl"]["features_overlap"] is True
    assert totals["pbf"]["occupied_m2"] == pytest.approx(7500)
    assert res.verdict_counts() == {"pass": 1, "review": 1, "fail": 2}  # D has no geometry: review, never pass
    assert s.loc["D", "verdict"] == "review" and "未能检查" in s.loc["D", "reasons"]


def test_unchecked_role_is_stated_in_every_verdict():
    res = _case(unchecked=["eprl"])
    s = res.subjects.set_index("subject_id")
    full = _case().subjects.set_index("subject_id")
    assert s.loc["B", "verdict"] == "pass" and full.loc["B", "verdict"] == "pass"  # B touches nothing
    assert s.loc["B", "status_eprl"] == "未检查"
    assert all("生态保护红线未检查" in s.loc[k, "reasons"] for k in "ABC")
    assert "生态保护红线" in s.loc["B", "reasons"]
    assert [r for r in res.roles if r["role"] == "eprl"][0]["checked"] is False


def test_outside_town_boundary():
    subjects = [box(0, 0, 100, 100), box(900, 0, 1100, 100)]
    controls = [ControlInput("pbf", [box(5000, 5000, 5001, 5001)], ["P"]),
                ControlInput("eprl", [box(5000, 5000, 5001, 5001)], ["E"]),
                ControlInput("udb", [box(-1000, -1000, 1000, 1000)], ["K"])]
    res = run_compliance(subjects, ["in", "half"], ["0701", "0701"], "ydyh2023", np.array([1e4, 2e4]), controls, {},
                         RuleProfile.default(), "一般建设项目")
    s = res.subjects.set_index("subject_id")
    assert s.loc["in", "verdict"] == "pass"
    assert s.loc["half", "verdict"] == "fail"  # urban housing half outside the boundary
    out = res.conflicts[(res.conflicts["role"] == "udb") & (res.conflicts["position"] == "outside")]
    assert out["area_m2"].sum() == pytest.approx(10000.0)
    assert out.iloc[0]["geometry"].area == pytest.approx(10000.0)


def test_sandiao_subject_codes_are_converted():
    subjects = [box(0, 0, 100, 100)]
    controls = [ControlInput("pbf", [box(0, 0, 100, 100)], ["P"])]
    res = run_compliance(subjects, ["x"], ["0702"], "sandiao", np.array([1e4]), controls,
                         {"eprl": "-", "udb": "-"}, RuleProfile.default(), "一般建设项目")
    assert res.subjects.loc[0, "code"] == "0703"


@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25])), min_size=1, max_size=40))
def test_group_argmax_is_pandas_idxmax(rows):
    """The vectorised largest-part lookup that replaced groupby().idxmax(): same row, ties to the first."""
    import pandas as pd

    from core.compliance.compute import _group_argmax

    groups = np.array([g for g, _ in rows])
    values = np.array([v for _, v in rows])
    got = _group_argmax(groups, values, 7)
    want = pd.Series(values).groupby(groups).idxmax()
    for g in range(7):
        assert got[g] == (want[g] if g in want.index else -1), g


def _dltb_as_subjects(same, overlap=False):
    """A 3 × 2 grid of DLTB parcels checked against 永久基本农田 and 城镇开发边界, given again as BASE_PARCELS."""
    parcels = [box(x, y, x + 100, y + 100) for y in (0, 100) for x in (0, 100, 200)]
    if overlap:
        parcels[1] = box(90, 0, 200, 100)   # overlaps parcel 0 by 10 m × 100 m
    codes = ["0101", "0103", "0201", "0301", "0702", "1001"]
    owner = ["30", "10", "30", "20", "10", "30"]
    ids = [f"T{i}" for i in range(6)]
    controls = [ControlInput("pbf", [box(50, 50, 250, 150)], ["PBF1"]),
                ControlInput("udb", [box(150, -50, 400, 250)], ["K1"], zones=["城镇集中建设区"])]
    area = np.array([g.area for g in parcels])
    base = BaseInput(parcels, codes, owner, ids, same_as_subjects=same)
    return run_compliance(parcels, ids, codes, "sandiao", area, controls, {"eprl": "未提供图层"},
                          RuleProfile.default(), "一般建设项目", base=base)


@pytest.mark.parametrize("overlap", [False, True])
def test_dltb_checked_against_itself_gives_the_same_breakdown_without_a_second_overlay(overlap):
    """When the subjects are the DLTB parcels, each conflict piece is its own parcel's class: the
    read-once shortcut gives the same rows, areas, classes and ownership as overlaying the parcels again
    (and falls back on that overlay when parcels overlap one another)."""
    cols = ["subject_id", "role", "position", "base_code", "base_name", "ownership", "base_ids"]
    fast = _dltb_as_subjects(True, overlap).conflicts
    slow = _dltb_as_subjects(False, overlap).conflicts
    key = lambda f: f.sort_values(cols).reset_index(drop=True)  # noqa: E731
    fast, slow = key(fast), key(slow)
    assert len(fast) == len(slow) > 6
    assert fast[cols].equals(slow[cols])
    assert np.allclose(fast["area_m2"], slow["area_m2"], atol=1e-6)
    assert set(fast.loc[fast["subject_id"] == "T3", "ownership"]) == {"国有"}   # QSXZ 20: 国有土地使用权
    assert set(fast.loc[fast["subject_id"] == "T5", "ownership"]) == {"集体"}   # QSXZ 30
    if not overlap:
        assert (fast.loc[fast["subject_id"] == "T1", "base_code"] == "0103").all()
    else:   # parcel 1 overlaps parcel 0: the piece of subject 1 is split between both classes
        assert {"0101", "0103"} <= set(fast.loc[fast["subject_id"] == "T1", "base_code"])
