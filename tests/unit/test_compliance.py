"""Unit tests for core.compliance: rule profiles and verdicts (no QGIS)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import DATA_DIR
from core.compliance import (
    PROJECT_TYPES,
    ROLE_ZH,
    VERDICT_ZH,
    VERDICTS,
    Rule,
    RuleProfile,
    RuleProfileError,
    judge,
)
from core.registry import get_registry

HEADER = ["rule_id", "role", "zone", "position", "classes", "project_types", "verdict", "message",
          "legal_basis", "evidence", "note"]
ALL_CHECKED = {"pbf": True, "eprl": True, "udb": True}


@pytest.fixture(scope="module")
def default() -> RuleProfile:
    return RuleProfile.default()


@pytest.fixture(scope="module")
def y23():
    return get_registry().classification("ydyh2023")


def write_csv(path: Path, rows, header=HEADER, encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        if header is not None:
            w.writerow(header)
        for r in rows:
            w.writerow(list(r) + [""] * (len(header or HEADER) - len(r)))
    return path


def rule_row(rule_id, role="pbf", zone="*", position="inside", classes="*", project_types="*",
             verdict="fail", message="m", legal_basis="", evidence="R", note=""):
    return [rule_id, role, zone, position, classes, project_types, verdict, message, legal_basis, evidence, note]


def occ(rows):
    return pd.DataFrame(rows, columns=["subject", "role", "zone", "position", "code", "area_m2"])


# --------------------------------------------------------------------------- the default profile
def test_default_profile_loads_with_metadata_and_valid_rules(default, y23):
    assert default.name == "全国默认"
    assert default.version == "2025-draft"
    assert Path(default.path) == DATA_DIR / "rule_profiles" / "national_default.csv"
    assert 20 < len(default.rules) <= 60
    ids = [r.rule_id for r in default.rules]
    assert len(ids) == len(set(ids))
    for r in default.rules:
        assert r.verdict in VERDICTS
        assert r.message and r.legal_basis, r.rule_id
        assert set(r.evidence.replace("/", "")) <= {"V", "S", "R"} and r.evidence, r.rule_id
        for pat in r.classes:
            body = pat.lstrip("!").rstrip("*")
            if body in ("", "未知"):
                continue
            for code in body.split("-"):
                assert code in y23, (r.rule_id, pat)
    roles = default.roles()
    assert roles[:3] == ["pbf", "eprl", "udb"]
    assert "历史文化保护线" in roles and "自然保护地核心保护区" in roles


def test_default_profile_messages_keep_chinese_punctuation(default):
    pbf = default.match("pbf", "", "inside", "0701", "一般建设项目")
    assert pbf.message == "占用永久基本农田，一般建设项目不得占用（须国务院批准的重大项目除外）"
    assert "〔2022〕142号" in default.match("eprl", "", "inside", "0701", "一般建设项目").legal_basis
    # a subject's reasons are joined with '；', so a message must not contain one
    assert [r.rule_id for r in default.rules if "；" in r.message] == []


def test_default_project_types_order(default):
    pts = default.project_types()
    assert pts[0] == "一般建设项目"
    assert set(pts) == set(PROJECT_TYPES)
    assert len(pts) == len(set(pts))


def test_default_profile_covers_every_class_for_the_three_lines(default, y23):
    """Catch-alls exist: no 2023 code (nor an unknown one) falls through for pbf/eprl/udb."""
    codes = y23.codes() + [None, "9999"]
    combos = [("pbf", "", "inside"), ("eprl", "", "inside"), ("eprl", "核心保护区", "inside"),
              ("udb", "", "outside"), ("udb", "城镇集中建设区", "inside"), ("udb", "特别用途区", "inside")]
    for pt in default.project_types():
        for role, zone, pos in combos:
            for code in codes:
                assert default.match(role, zone, pos, code, pt) is not None, (role, zone, pos, code, pt)


@pytest.mark.parametrize("role,zone,position,code,ptype,verdict,rule_id", [
    ("pbf", "", "inside", "0101", "一般建设项目", "pass", "PBF-02"),
    ("pbf", "", "inside", "070101", "一般建设项目", "fail", "PBF-09"),
    ("pbf", "", "inside", "070101", "国家重大项目", "review", "PBF-03"),
    ("pbf", "", "inside", "1202", "线性基础设施", "review", "PBF-04"),
    ("pbf", "", "inside", "1501", "军事国防", "review", "PBF-04"),
    ("pbf", "", "inside", "1207", "线性基础设施", "fail", "PBF-11"),   # not in 1201-1206
    ("pbf", "", "inside", "060201", "一般建设项目", "fail", "PBF-05"),
    ("pbf", "", "inside", "0101", "农业设施", "pass", "PBF-02"),
    ("pbf", "", "inside", "0201", "农业设施", "fail", "PBF-06"),
    ("pbf", "", "inside", "0301", "生态保护修复", "fail", "PBF-07"),
    ("pbf", "", "inside", "1704", "一般建设项目", "fail", "PBF-08"),
    ("pbf", "", "inside", "0801", "规划方案", "fail", "PBF-10"),
    ("eprl", "核心保护区", "inside", "1202", "国家重大项目", "fail", "EPRL-03"),
    ("eprl", "核心保护区", "inside", "0301", "生态保护修复", "review", "EPRL-02"),
    ("eprl", "一般控制区", "inside", "1202", "线性基础设施", "review", "EPRL-06"),
    ("eprl", "", "inside", "1202", "一般建设项目", "fail", "EPRL-14"),
    ("eprl", "", "inside", "1501", "军事国防", "review", "EPRL-07"),
    ("eprl", "", "inside", "0103", "一般建设项目", "review", "EPRL-12"),
    ("eprl", "", "inside", "0503", "一般建设项目", "pass", "EPRL-10"),
    ("eprl", "", "inside", "060202", "农业设施", "review", "EPRL-13"),
    ("eprl", "", "inside", "2001", "一般建设项目", "fail", "EPRL-15"),
    ("udb", "", "outside", "070101", "一般建设项目", "fail", "UDB-03"),
    ("udb", "", "outside", "070301", "一般建设项目", "pass", "UDB-02"),
    ("udb", "", "outside", "1203", "一般建设项目", "pass", "UDB-04"),
    ("udb", "", "outside", "0101", "一般建设项目", "pass", "UDB-06"),
    ("udb", "特别用途区", "inside", "0901", "一般建设项目", "fail", "UDB-09"),
    ("udb", "特别用途区", "inside", "1401", "一般建设项目", "pass", "UDB-11"),
    ("udb", "城镇弹性发展区", "inside", "0901", "一般建设项目", "pass", "UDB-13"),
    ("自然保护地核心保护区", "", "inside", "0301", "生态保护修复", "fail", "EXT-01"),
    ("历史文化保护线", "", "inside", "0803", "一般建设项目", "review", "EXT-02"),
])
def test_default_profile_decisions(default, role, zone, position, code, ptype, verdict, rule_id):
    rule = default.match(role, zone, position, code, ptype)
    assert (rule.rule_id, rule.verdict) == (rule_id, verdict)


def test_role_aliases_and_zone_containment(default):
    assert default.match("永久基本农田", "", "", "0701", "一般建设项目").rule_id == "PBF-09"
    # a ZRBHDFQ value that contains the zone name still counts as the core zone
    assert default.match("eprl", "自然保护地核心保护区", "inside", "0301", "一般建设项目").rule_id == "EPRL-03"


# --------------------------------------------------------------------------- matching semantics
def test_first_matching_rule_wins(tmp_path):
    path = write_csv(tmp_path / "four.csv", [
        rule_row("R1", classes="0701", project_types="国家重大项目", verdict="review"),
        rule_row("R2", classes="07", verdict="fail"),
        rule_row("R3", classes="0701", verdict="pass"),   # shadowed by R2
        rule_row("R4", verdict="review"),
    ])
    p = RuleProfile.load(path)
    assert [r.rule_id for r in p.rules] == ["R1", "R2", "R3", "R4"]
    assert p.match("pbf", "", "inside", "070101", "国家重大项目").rule_id == "R1"
    assert p.match("pbf", "", "inside", "070101", "一般建设项目").rule_id == "R2"
    assert p.match("pbf", "", "inside", "0702", "国家重大项目").rule_id == "R2"
    assert p.match("pbf", "", "inside", "0801", "国家重大项目").rule_id == "R4"
    assert p.match("eprl", "", "inside", "0801", "国家重大项目") is None
    assert p.match("pbf", "", "outside", "0801", "国家重大项目") is None
    assert p.project_types() == ["一般建设项目", "国家重大项目"]


def _m(classes, code):
    return Rule("X", "pbf", classes=tuple(classes)).matches("pbf", "", "inside", code, "一般建设项目")


def test_pattern_exact_and_ancestors():
    assert _m(["07"], "070101")
    assert _m(["07"], "07")
    assert _m(["0701"], "070102")
    assert not _m(["0701"], "07")          # an ancestor pattern matches descendants, not the reverse
    assert not _m(["0701"], "0702")
    assert _m(["701"], "070101")           # leading zero lost by Excel


def test_pattern_prefix_wildcard():
    assert _m(["07*"], "07") and _m(["07*"], "0704") and _m(["07*"], "070302")
    assert not _m(["07*"], "08")


def test_pattern_range():
    assert _m(["1201-1205"], "1203")
    assert _m(["1201-1205"], "1201") and _m(["1201-1205"], "1205")
    assert not _m(["1201-1205"], "1206")
    assert not _m(["1201-1205"], "12")
    assert _m(["1206-1209"], "120801")     # sub-codes of a code in the range
    assert _m(["2304-2307"], "2306") and not _m(["2304-2307"], "2303")


def test_pattern_negation():
    assert _m(["06", "!0601"], "0602")
    assert not _m(["06", "!0601"], "060101")
    assert _m(["!0601"], "0701")           # negation only = everything else
    assert _m(["!0601"], None)
    assert not _m(["*", "!未知"], None)


def test_pattern_unknown_pseudo_class():
    for code in (None, "", "9999", float("nan")):
        assert _m(["未知"], code)
        assert not _m(["07"], code)
        assert _m(["*"], code)
    assert not _m(["未知"], "0701")


# --------------------------------------------------------------------------- loading errors
def test_bad_verdict_names_file_line_and_column(tmp_path):
    path = tmp_path / "national.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)                                     # line 1
        w.writerow(["# profile: 测试, version: 1"])            # line 2
        w.writerow(rule_row("A1", message="多行\n说明"))         # line 3 (one Excel row, two text lines)
        w.writerow([])                                         # line 4
        w.writerow(rule_row("A2"))                             # line 5
        w.writerow(rule_row("A3"))                             # line 6
        w.writerow(rule_row("A4", verdict="maybe"))            # line 7
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    msg = str(exc.value)
    assert "national.csv 第7行 verdict 列" in msg
    assert "“maybe”" in msg and "pass/fail/review（通过/不通过/需论证）" in msg
    assert "line 7, column verdict: 'maybe' is not one of pass, fail, review" in msg


def test_chinese_verdicts_and_metadata(tmp_path):
    path = write_csv(tmp_path / "zh.csv", [
        ["# profile: 测试方案, version: 3"],
        rule_row("A1", verdict="不通过"), rule_row("A2", verdict="需论证"), rule_row("A3", verdict="通过"),
    ])
    p = RuleProfile.load(path)
    assert (p.name, p.version) == ("测试方案", "3")
    assert [r.verdict for r in p.rules] == ["fail", "review", "pass"]
    assert p.rules[0].line == 3


def test_missing_columns_are_listed(tmp_path):
    path = write_csv(tmp_path / "cols.csv", [["A1", "pbf", "*", "m"]],
                     header=["rule_id", "role", "project_types", "message"])
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    msg = str(exc.value)
    assert "classes" in msg and "verdict" in msg and "cols.csv" in msg


@pytest.mark.parametrize("classes,what", [("9999", "9999"), ("07x", "07x"), ("07;99*", "99"),
                                          ("1206-1201", "1206-1201"), ("12-1205", "12-1205")])
def test_bad_class_pattern(tmp_path, classes, what):
    path = write_csv(tmp_path / "bad.csv", [rule_row("A1"), rule_row("A2", classes=classes)])
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    msg = str(exc.value)
    assert "第3行 classes 列" in msg and what in msg


def test_duplicate_rule_id_and_empty_role(tmp_path):
    path = write_csv(tmp_path / "dup.csv", [rule_row("A1"), rule_row("A2"), rule_row("A1"), rule_row("A3", role="")])
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    err = exc.value
    assert any("第4行 rule_id 列" in e and "第2行" in e for e in err.errors)
    assert any("第5行 role 列" in e for e in err.errors)
    assert len(err.errors) == 2


def test_bad_position_and_evidence(tmp_path):
    path = write_csv(tmp_path / "pos.csv", [rule_row("A1", position="above"), rule_row("A2", evidence="X")])
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    assert any("第2行 position 列" in e and "above" in e for e in exc.value.errors)
    assert any("第3行 evidence 列" in e for e in exc.value.errors)


def test_gbk_file_is_read(tmp_path):
    msg = "占用永久基本农田，不得建设（测试）"
    path = write_csv(tmp_path / "gbk.csv", [rule_row("甲1", role="历史文化保护线", classes="07；08",
                                                    zone="核心区", message=msg, legal_basis="《土地管理法》")],
                     encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    p = RuleProfile.load(path)
    r = p.rules[0]
    assert (r.rule_id, r.role, r.zones, r.classes, r.message) == ("甲1", "历史文化保护线", ("核心区",), ("07", "08"), msg)


def test_utf8_bom_file_is_read(tmp_path):
    path = write_csv(tmp_path / "bom.csv", [rule_row("A1", verdict="通过")], encoding="utf-8-sig")
    assert RuleProfile.load(path).rules[0].verdict == "pass"


def test_xlsx_profile_is_read(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["# profile: 表格方案, version: x1"])
    ws.append(rule_row("X1", classes=701, verdict="不通过", message="城镇住宅，不得占用"))  # number: Excel ate the 0
    ws.append([None] * len(HEADER))
    ws.append(rule_row("X2", role="生态保护红线", verdict="maybe"))
    path = tmp_path / "profile.xlsx"
    wb.save(path)
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    assert "profile.xlsx 第5行 verdict 列" in str(exc.value)
    ws.delete_rows(5)
    wb.save(path)
    p = RuleProfile.load(path)
    assert (p.name, p.version) == ("表格方案", "x1")
    assert p.rules[0].classes == ("0701",) and p.rules[0].verdict == "fail"
    assert p.rules[0].message == "城镇住宅，不得占用"
    assert p.match("pbf", "", "inside", "070102", "一般建设项目").rule_id == "X1"


def test_not_a_profile_file(tmp_path):
    docx = tmp_path / "rules.docx"
    docx.write_bytes(b"hello")
    with pytest.raises(RuleProfileError, match="rules.docx"):
        RuleProfile.load(docx)
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(RuleProfileError, match=r"\.xls"):
        RuleProfile.load(xls)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(RuleProfileError, match="fake.xlsx"):
        RuleProfile.load(fake)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"rule_id,role\n\xff\xfe\x80\xff")
    with pytest.raises(RuleProfileError, match="解码"):
        RuleProfile.load(garbage)
    with pytest.raises(RuleProfileError, match="不存在"):
        RuleProfile.load(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- judge()
def _one(subjects, sid):
    return subjects.set_index("subject").loc[sid]


def test_judge_pbf_general_project_fails_with_pbf_message(default):
    rows, subjects = judge(occ([("P1", "pbf", "", "inside", "0701", 120.0)]), default, "一般建设项目",
                           ALL_CHECKED, ["P1"])
    assert list(rows[["rule_id", "verdict"]].iloc[0]) == ["PBF-09", "fail"]
    assert rows.loc[0, "message"] == default.match("pbf", "", "inside", "0701", "一般建设项目").message
    assert rows.loc[0, "area_m2"] == 120.0 and rows.loc[0, "evidence"] == "R"
    s = _one(subjects, "P1")
    assert (s.verdict, s.verdict_zh, s.status_pbf) == ("fail", "不通过", "不通过")
    assert s.reasons == "占用永久基本农田，一般建设项目不得占用（须国务院批准的重大项目除外）"
    assert s.rule_ids == "PBF-09"
    assert (s.status_eprl, s.status_udb) == ("不涉及", "不涉及")


def test_judge_pbf_national_major_project_is_review(default):
    _, subjects = judge(occ([("P1", "pbf", "", "inside", "0701", 120.0)]), default, "国家重大项目",
                        ALL_CHECKED, ["P1"])
    s = _one(subjects, "P1")
    assert (s.verdict, s.status_pbf, s.rule_ids) == ("review", "需论证", "PBF-03")
    assert "国务院批准" in s.reasons


def test_judge_no_occupancy_all_checked_is_pass(default):
    _, subjects = judge(occ([]), default, "一般建设项目", ALL_CHECKED, ["A", "B"])
    assert list(subjects.subject) == ["A", "B"]
    assert list(subjects.verdict) == ["pass", "pass"]
    assert list(subjects.verdict_zh) == ["通过", "通过"]
    for role in ("pbf", "eprl", "udb"):
        assert list(subjects[f"status_{role}"]) == ["不涉及", "不涉及"]


def test_judge_unchecked_role_is_stated_never_judged(default):
    occupancy = occ([("B", "udb", "城镇集中建设区", "inside", "0701", 10.0)])
    _, subjects = judge(occupancy, default, "一般建设项目", {"pbf": True, "eprl": False, "udb": True}, ["A", "B"])
    for sid in ("A", "B"):
        s = _one(subjects, sid)
        assert s.verdict == "pass" and s.status_eprl == "未检查"  # the verdict covers what was checked …
        assert "生态保护红线未检查（未提供图层），本结论不含该控制线" in s.reasons  # … and says what was not
    assert _one(subjects, "A").status_pbf == "不涉及"
    assert _one(subjects, "B").status_udb == "通过"
    assert _one(subjects, "B").reasons.startswith("城镇开发边界内城镇集中建设区")


def test_judge_no_matching_rule_is_review_with_explanation(tmp_path):
    p = RuleProfile.load(write_csv(tmp_path / "p.csv", [rule_row("A1", classes="01", verdict="pass")]))
    rows, subjects = judge(occ([("S", "pbf", "一般区", "inside", "0701", 5.0)]), p, "一般建设项目",
                           {"pbf": True}, ["S"])
    r = rows.iloc[0]
    assert (r.rule_id, r.verdict) == ("", "review")
    assert r.message.startswith("没有适用于该地类/项目类型的规则，需人工论证")
    for part in ("永久基本农田", "一般区", "0701 城镇住宅用地", "一般建设项目", "no rule matches"):
        assert part in r.message
    s = _one(subjects, "S")
    assert (s.verdict, s.status_pbf, s.rule_ids) == ("review", "需论证", "")


def test_judge_worst_of_roles(default):
    occupancy = occ([
        ("A", "udb", "城镇集中建设区", "inside", "0701", 10.0),   # pass
        ("A", "eprl", "", "inside", "0101", 3.0),                # review (EPRL-12)
        ("B", "udb", "城镇集中建设区", "inside", "0701", 10.0),   # pass
        ("B", "eprl", "", "inside", "0101", 3.0),                # review
        ("B", "pbf", "", "inside", "0701", 1.0),                 # fail
        ("B", "pbf", "", "inside", "0101", 9.0),                 # pass
        ("C", "udb", "城镇集中建设区", "inside", "0701", 10.0),   # pass
    ])
    rows, subjects = judge(occupancy, default, "一般建设项目", ALL_CHECKED, ["A", "B", "C"])
    assert len(rows) == 7
    a, b, c = (_one(subjects, x) for x in "ABC")
    assert (a.verdict, a.status_udb, a.status_eprl, a.status_pbf) == ("review", "通过", "需论证", "不涉及")
    assert (b.verdict, b.status_udb, b.status_eprl, b.status_pbf) == ("fail", "通过", "需论证", "不通过")
    assert (c.verdict, c.status_udb) == ("pass", "通过")
    # fail reasons first, then review; pass messages are left out once something is worse
    parts = b.reasons.split("；")
    assert parts[0].startswith("占用永久基本农田") and parts[1].startswith("生态保护红线内保留现状耕地")
    assert len(parts) == 2
    assert b.rule_ids.split(";")[0] == "PBF-09" and set(b.rule_ids.split(";")) == {"PBF-09", "EPRL-12", "UDB-12", "PBF-02"}
    assert c.reasons == "城镇开发边界内城镇集中建设区，可安排城镇集中建设"


def test_judge_subject_missing_from_ids_is_kept(default):
    _, subjects = judge(occ([(7, "pbf", "", "inside", "0701", 1.0)]), default, "一般建设项目", ALL_CHECKED, [1, 2])
    assert list(subjects.subject) == [1, 2, 7]
    assert _one(subjects, 7).verdict == "fail"


def test_judge_rejects_unknown_project_type(default):
    with pytest.raises(ValueError, match="一般建设项目"):
        judge(occ([]), default, "随便什么项目", ALL_CHECKED, [1])


def test_judge_performance_200k_subjects(default, y23):
    n_subjects, n_rows = 200_000, 50_000
    rng = np.random.default_rng(42)
    codes = np.array(y23.codes() + [None, "9999"], dtype=object)
    combos = [("pbf", "", "inside"), ("eprl", "", "inside"), ("eprl", "核心保护区", "inside"),
              ("udb", "城镇集中建设区", "inside"), ("udb", "特别用途区", "inside"), ("udb", "", "outside")]
    pick = rng.integers(0, len(combos), n_rows)
    occupancy = pd.DataFrame({
        "subject": rng.integers(0, n_subjects, n_rows),
        "role": [combos[i][0] for i in pick],
        "zone": [combos[i][1] for i in pick],
        "position": [combos[i][2] for i in pick],
        "code": rng.choice(codes, n_rows),
        "area_m2": rng.random(n_rows) * 1000,
    })
    rows, subjects = judge(occupancy, default, "一般建设项目", ALL_CHECKED, np.arange(n_subjects))
    assert len(subjects) == n_subjects and len(rows) == n_rows
    # spot-check vectorised results against the rule-by-rule answer
    for i in rng.integers(0, n_rows, 200):
        r = rows.iloc[i]
        rule = default.match(r.role, r.zone, r.position, r.code, "一般建设项目")
        assert r.rule_id == rule.rule_id
    worst = rows.assign(rank=rows.verdict.map({"pass": 0, "review": 1, "fail": 2})).groupby("subject")["rank"].max()
    expected = pd.Series(0, index=range(n_subjects)).add(worst, fill_value=0).astype(int)
    got = subjects.set_index("subject").verdict.map({"pass": 0, "review": 1, "fail": 2})
    assert (got.sort_index().to_numpy() == expected.sort_index().to_numpy()).all()


def test_constants():
    assert VERDICTS == ("pass", "review", "fail")
    assert VERDICT_ZH == {"pass": "通过", "review": "需论证", "fail": "不通过", "not_checked": "未检查"}
    assert ROLE_ZH == {"pbf": "永久基本农田", "eprl": "生态保护红线", "udb": "城镇开发边界"}


def test_project_type_follows_the_subject_layer():
    """A plan layer is checked as 规划方案 (PBF-10 cites the plan rule, not PBF-09 for a project)."""
    from core.compliance import project_type_for

    assert project_type_for("GHYD", ["BSM", "GHDLBM"]) == "规划方案"
    assert project_type_for("某县国土空间总体规划用地", []) == "规划方案"
    assert project_type_for("项目红线", ["XMMC", "DLBM"]) == "一般建设项目"
    assert project_type_for("subjects", ["GHDLBM"]) == "规划方案"
