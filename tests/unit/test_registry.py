"""Unit tests for core.registry (no QGIS)."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import DATA_DIR
from core.registry import (
    SYSTEM_LABELS,
    SYSTEMS,
    Classification,
    Crosswalk,
    LandClass,
    Mapping,
    Registry,
    get_registry,
    parse_system,
)

# the research exports the tables were built from, copied into the repository (data/reference/README.md)
REFERENCE = DATA_DIR / "reference"
CLASS_DIR = DATA_DIR / "classification"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry()


@pytest.fixture(scope="module")
def y23(reg):
    return reg.classification("ydyh2023")


@pytest.fixture(scope="module")
def y20(reg):
    return reg.classification("ydyh2020")


@pytest.fixture(scope="module")
def sd(reg):
    return reg.classification("sandiao")


@pytest.fixture(scope="module")
def cw(reg) -> Crosswalk:
    return reg.crosswalk("sandiao", "ydyh2023")


def _read(path: Path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------- tables
def test_systems_and_labels():
    assert SYSTEMS == ("sandiao", "ydyh2020", "ydyh2023")
    assert SYSTEM_LABELS["sandiao"] == "三调工作分类"
    assert SYSTEM_LABELS["ydyh2020"] == "用地用海2020(试行)"
    assert SYSTEM_LABELS["ydyh2023"] == "用地用海2023"


def test_counts_2023(y23):
    assert len(y23) == 175
    assert y23.count_by_level() == {1: 24, 2: 111, 3: 40}
    assert len(y23.codes(1)) == 24 and len(y23.codes(3)) == 40


def test_counts_2020(y20):
    assert len(y20) == 169
    assert y20.count_by_level() == {1: 24, 2: 106, 3: 39}


def test_counts_sandiao(sd):
    assert len(sd) == 81
    assert sd.count_by_level() == {1: 13, 2: 68}
    assert sd.codes(1) == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]
    k_codes = [c for c in sd.codes(2) if sd.suffix_kind(c) == "K"]
    a_codes = [c for c in sd.codes(2) if sd.suffix_kind(c) == "A"]
    assert k_codes == ["0201K", "0202K", "0203K", "0204K", "0301K", "0302K", "0307K", "0403K", "1104K"]
    assert a_codes == ["08H2A", "0810A", "1104A", "1107A"]
    assert len([c for c in sd.codes(2) if not sd.suffix_kind(c)]) == 55
    wetland = [c for c in sd.codes(2) if sd.get(c).level1_code == "00"]
    assert wetland == ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"]


def test_table_order_and_first_rows(y23, sd):
    assert y23.codes()[:5] == ["01", "0101", "0102", "0103", "02"]
    assert y23.codes()[-1] == "24"
    assert sd.codes()[0] == "00"


def test_sandiao_base_code_column():
    rows = {r["code"]: r for r in _read(CLASS_DIR / "sandiao.csv")}
    expected = {"0201K": "0201", "08H2A": "08H2", "0810A": "0810", "1104A": "1104", "1107A": "1107",
                "1104K": "1104", "0101": "0101"}
    for code, base in expected.items():
        assert rows[code]["base_code"] == base
    assert rows["0201K"]["suffix_kind"] == "K"
    assert rows["1107A"]["suffix_kind"] == "A"
    assert rows["0101"]["suffix_kind"] == ""


def test_data_files_are_text_codes():
    # leading zeros survive: codes are read as text, never as numbers
    for name in ("ydyh2023.csv", "ydyh2020.csv", "sandiao.csv", "crosswalk_sandiao_ydyh2023.csv"):
        rows = _read(CLASS_DIR / name)
        first = rows[0]
        key = "code" if "code" in first else "source_code"
        assert first[key].startswith("0"), name


def test_names_match_reference_csvs(y23, y20, sd):
    checked = 0
    for fname, cls in (("ydyh_2023.csv", y23), ("ydyh_2020.csv", y20), ("sandiao_dlbm.csv", sd)):
        ref = _read(REFERENCE / fname)
        assert [r["code"] for r in ref] == cls.codes(), fname
        for r in ref[::5]:
            lc = cls.get(r["code"])
            assert lc is not None and lc.name == r["name"], (fname, r["code"])
            assert lc.level == int(r["level"])
            checked += 1
    assert checked >= 15


def test_crosswalk_file_matches_reference(cw):
    ref = _read(REFERENCE / "sandiao_to_ydyh2023.csv")
    assert len(ref) == 69
    for r in ref:
        m = cw.map(r["sd_code"])
        assert (m.target_code, m.target_name, m.type) == (r["ydyh2023_code"], r["ydyh2023_name"], r["type"])


@pytest.mark.parametrize(
    "system,code,name",
    [
        ("ydyh2023", "0101", "水田"),
        ("ydyh2023", "0204", "油料园地"),
        ("ydyh2020", "0204", "其他园地"),
        ("ydyh2023", "0205", "其他园地"),
        ("ydyh2023", "2303", "田坎"),
        ("ydyh2020", "2303", "田间道"),
        ("ydyh2023", "1311", "水工设施用地"),
        ("ydyh2020", "1311", "干渠"),
        ("ydyh2023", "060102", "田间道"),
        ("ydyh2020", "060102", "村庄内部道路用地"),
        ("ydyh2023", "0602", "设施农用地"),
        ("ydyh2023", "1207", "城镇村道路用地"),
        ("ydyh2023", "2206", "其他特殊用海"),
        ("ydyh2020", "2102", "文体休闲娱乐用海"),
        ("sandiao", "02", "种植园用地"),
        ("sandiao", "00", "湿地"),
        ("sandiao", "1203", "田坎"),
        ("sandiao", "08H2A", "高教用地"),
        ("sandiao", "0201K", "可调整果园"),
    ],
)
def test_well_known_names(reg, system, code, name):
    assert reg.classification(system).get(code).name == name


def test_reused_codes_differ_between_versions(y20, y23):
    eight = ["0204", "0602", "060102", "1311", "1312", "2202", "2302", "2303"]
    for code in eight:
        assert y20.get(code).name != y23.get(code).name, code
    renamed_only = {"0203", "0601", "0903", "1207"}
    differing = {c for c in y23.codes() if c in y20 and y20.get(c).name != y23.get(c).name}
    assert differing == set(eight) | renamed_only


def test_landclass_fields(y23, sd, y20):
    lc = y23.get("070101")
    assert lc == LandClass("ydyh2023", "070101", "一类城镇住宅用地", 3, "0701", "07", "建设用地")
    assert y23.get("07").parent is None
    assert sd.get("1105").parent == "00" and sd.get("1105").level1_code == "00"
    assert sd.get("0404").sandalei == "未利用地"
    assert y20.get("0101").sandalei is None


def test_sandalei_2023(y23):
    assert y23.get("0101").sandalei == "农用地"
    assert y23.get("060201").sandalei == "农用地"
    assert y23.get("2303").sandalei == "农用地"
    assert y23.get("1003").sandalei == "建设用地"
    assert y23.get("2301").sandalei == "建设用地"
    assert y23.get("16").sandalei == "建设用地"
    assert y23.get("0403").sandalei == "未利用地"
    assert y23.get("1706").sandalei == "未利用地"
    assert y23.get("2005").sandalei == "海洋"
    assert y23.get("2302").sandalei is None
    assert y23.get("04").sandalei is None
    rows = {r["code"]: r for r in _read(CLASS_DIR / "ydyh2023.csv")}
    assert rows["0101"]["evidence"] == "R" and rows["2302"]["evidence"] == "V"


def test_sandalei_consistent_through_crosswalk(sd, y23, cw):
    for code in sd.codes(2):
        m = cw.map(code)
        assert y23.get(m.target_code).sandalei == sd.get(code).sandalei, code


def test_by_name(y23, y20, sd):
    assert y23.by_name("水田").code == "0101"
    assert y23.by_name("  油料园地 ").code == "0204"
    assert y20.by_name("其他园地").code == "0204"
    assert y23.by_name("其他园地").code == "0205"
    assert y23.by_name("水工设施用地").code == "1311"
    assert y20.by_name("水工设施用地").code == "1312"
    assert sd.by_name("高教用地").code == "08H2A"
    assert y23.by_name("不存在的地类") is None
    assert y23.by_name(None) is None
    assert y23.by_name("水田\u3000").code == "0101"


# --------------------------------------------------------------------------- normalisation
@pytest.mark.parametrize(
    "system,raw,expected",
    [
        ("ydyh2023", None, None),
        ("ydyh2023", float("nan"), None),
        ("ydyh2023", np.nan, None),
        ("ydyh2023", "", None),
        ("ydyh2023", "  \u3000 ", None),
        ("ydyh2023", 101, "0101"),
        ("ydyh2023", 101.0, "0101"),
        ("ydyh2023", "101.0", "0101"),
        ("ydyh2023", np.int64(101), "0101"),
        ("ydyh2023", np.float64(1203.0), "1203"),
        ("ydyh2023", "101", "0101"),
        ("ydyh2023", " 0101 ", "0101"),
        ("ydyh2023", "\u30000101\u3000", "0101"),
        ("ydyh2023", "０１０１", "0101"),
        ("ydyh2023", "60101", "060101"),
        ("ydyh2023", 60101, "060101"),
        ("ydyh2023", "1", "01"),
        ("ydyh2023", "2303", "2303"),
        ("ydyh2023", "9999", "9999"),
        ("ydyh2023", "abc", "ABC"),
        ("sandiao", "0201k", "0201K"),
        ("sandiao", "201K", "0201K"),
        ("sandiao", "08h2a", "08H2A"),
        ("sandiao", "8H1", "08H1"),
        ("sandiao", "ｏ８h1", "O8H1"),
        ("sandiao", "5h1", "05H1"),
        ("sandiao", 9, "09"),
        ("sandiao", "1107a", "1107A"),
    ],
)
def test_normalize(reg, system, raw, expected):
    assert reg.classification(system).normalize(raw) == expected


def test_contains_and_get(y23, sd):
    assert "0101" in y23 and 101 in y23 and "０２０４" in y23
    assert "9999" not in y23 and None not in y23 and "" not in y23
    assert "0201k" in sd and "0201K" not in y23
    assert y23.get(101).code == "0101"
    assert y23.get("XYZ") is None and y23.get(None) is None


# --------------------------------------------------------------------------- rollup
def test_rollup(y23, y20, sd):
    assert y23.rollup("070101", 1) == "07"
    assert y23.rollup("070101", 2) == "0701"
    assert y23.rollup("0701", 2) == "0701"
    assert y23.rollup("07", 2) == "07"
    assert y23.rollup(60101, 1) == "06"
    assert y23.rollup("060201", 2) == "0602"
    assert y20.rollup("090302", 2) == "0903"
    assert sd.rollup("0201K", 1) == "02"
    assert sd.rollup("0201k", 2) == "0201"
    assert sd.rollup("08H2A", 2) == "08H2"
    assert sd.rollup("1104K", 2) == "1104"
    assert sd.rollup("1105", 1) == "00"
    assert sd.rollup("0303", 1) == "00"
    assert sd.rollup("0603", 1) == "00"
    assert sd.rollup("0101", 1) == "01"
    assert sd.rollup("09", 2) == "09"
    assert y23.rollup("XYZ", 1) is None
    assert y23.rollup(None, 1) is None
    with pytest.raises(ValueError):
        y23.rollup("0101", 0)


# --------------------------------------------------------------------------- crosswalks
def test_mapping_fields():
    assert [f for f in Mapping.__dataclass_fields__] == [
        "source_code", "raw", "target_code", "target_name", "level1_code", "level1_name", "type", "flag", "note"
    ]


@pytest.mark.parametrize(
    "raw,target,kind,flag",
    [
        ("0101", "0101", "1:1", ""),
        ("0305", "0303", "1:1", ""),
        ("0204", "0205", "1:n", "待细分"),
        ("05H1", "09", "1:n", "待细分"),
        ("1107A", "1705", "?", "待细分"),
        ("0201K", "0201", "1:1", ""),
        ("0201k", "0201", "1:1", ""),
        ("1203", "2303", "1:1", ""),
        (101, "0101", "1:1", ""),
        ("1104A", "1704", "1:1", ""),
        ("08H2A", "080401", "1:1", ""),
        ("0603", "1003", "1:1", ""),
        ("1108", "0504", "1:1", ""),
        ("09", "15", "1:n", "待细分"),
        ("1006", "0601", "1:n", "待细分"),
    ],
)
def test_sandiao_to_2023(cw, raw, target, kind, flag):
    m = cw.map(raw)
    assert (m.target_code, m.type, m.flag) == (target, kind, flag)
    assert m.raw == raw


def test_mapping_details(cw):
    m = cw.map("1203")
    assert m == Mapping("1203", "1203", "2303", "田坎", "23", "其他土地", "1:1", "", m.note)
    m = cw.map(" 0305 ")
    assert m.source_code == "0305" and m.raw == " 0305 " and m.target_name == "灌木林地"
    assert (m.level1_code, m.level1_name) == ("03", "林地")
    m = cw.map("1105")
    assert (m.target_code, m.level1_code, m.level1_name) == ("0505", "05", "湿地")


def test_unknown_and_blank(cw):
    m = cw.map("XYZ")
    assert (m.type, m.flag, m.target_code, m.source_code) == ("unknown", "未识别", None, "XYZ")
    for blank in ("", "   ", None, float("nan"), "\u3000"):
        m = cw.map(blank)
        assert (m.type, m.flag, m.source_code, m.target_code) == ("blank", "空值", None, None)
    m = cw.map("01")
    assert (m.type, m.flag) == ("unknown", "未识别") and m.note == "三调一级类不是图斑地类"
    for weird in (object(), [1, 2], {"a": 1}, b"\xff\xfe", float("inf"), -3):
        m = cw.map(weird)  # never raises
        assert m.type == "unknown"


def test_every_sandiao_level2_code_has_crosswalk_row(sd, cw):
    rows = {r["source_code"] for r in _read(CLASS_DIR / "crosswalk_sandiao_ydyh2023.csv")}
    missing = [c for c in sd.codes(2) if c not in rows]
    assert missing == []
    for c in sd.codes(2):
        assert cw.map(c).type in ("1:1", "1:n", "?")


def test_upgrade_2020_to_2023(reg):
    up = reg.crosswalk("ydyh2020", "ydyh2023")
    cases = {"0204": "0205", "2302": "2303", "060102": "1207", "2303": "060102", "1312": "1311",
             "1313": "1312", "2202": "2206", "0602": "060201", "090301": "0903", "0101": "0101"}
    for src, tgt in cases.items():
        m = up.map(src)
        assert (m.target_code, m.type, m.flag) == (tgt, "1:1", ""), src
    assert "改码" in up.map("0204").note
    assert "改名" in up.map("0203").note
    assert up.map("0101").note == ""
    for src in ("090302", "1311"):
        m = up.map(src)
        assert (m.type, m.flag) == ("?", "待细分")
    assert up.map("090302").target_code == "0903"
    assert up.map("1311").target_code == "1311"
    assert up.map("0603").target_name == "畜禽养殖设施建设用地"
    assert up.map("XYZ").type == "unknown"


def test_identity(reg):
    ident = reg.crosswalk("ydyh2023", "ydyh2023")
    m = ident.map("0204")
    assert (m.target_code, m.target_name, m.type, m.flag) == ("0204", "油料园地", "identity", "")
    assert ident.map("0603").type == "unknown"  # 2020-only code
    ident20 = reg.crosswalk("ydyh2020", "ydyh2020")
    assert ident20.map("0603").type == "identity"
    assert ident20.map("0204").target_name == "其他园地"


def test_downgrade_2023_to_2020(reg):
    dn = reg.crosswalk("ydyh2023", "ydyh2020")
    for code in ("0204", "1804", "2004", "2302"):
        m = dn.map(code)
        assert (m.type, m.flag, m.target_code) == ("unknown", "未识别", None)
        assert "2020试行版无对应地类" in m.note
    m = dn.map("0205")
    assert (m.target_code, m.type) == ("0204", "1:1")
    m = dn.map("2303")
    assert (m.target_code, m.target_name, m.type) == ("2302", "田坎", "1:1")
    m = dn.map("1207")
    assert (m.target_code, m.type, m.flag) == ("1207", "1:n", "待细分")
    m = dn.map("0903")
    assert (m.target_code, m.type) == ("0903", "1:n")
    # 1311 水工设施用地 defaults to 2020 1312 水工设施用地 (same name), not to 2020 1311 干渠
    m = dn.map("1311")
    assert (m.target_code, m.target_name, m.type) == ("1312", "水工设施用地", "1:n")
    m = dn.map("0602")  # 2023 设施农用地 = 2020 0602+0603+0604
    assert (m.target_code, m.type) == ("0602", "1:n")
    assert dn.map("0101").type == "1:1"


def test_sandiao_to_2020_chain(reg):
    ch = reg.crosswalk("sandiao", "ydyh2020")
    m = ch.map("1203")
    assert (m.target_code, m.target_name, m.type) == ("2302", "田坎", "1:1")
    m = ch.map("0204")
    assert (m.target_code, m.target_name, m.type) == ("0204", "其他园地", "1:n")
    assert ch.map("1107A").type == "?"
    assert ch.map("1202").target_code == "0602"
    assert ch.map("1104K").target_code == "1704"
    assert ch.map("01").type == "unknown"
    assert ch.map("").type == "blank"


def test_unsupported_crosswalk(reg):
    with pytest.raises(ValueError):
        reg.crosswalk("ydyh2023", "sandiao")


def test_crosswalk_accepts_labels_and_caches(reg):
    assert reg.crosswalk("三调", "用地用海2023") is reg.crosswalk("sandiao")
    assert reg.crosswalk("2020", "2023").source == "ydyh2020"


# --------------------------------------------------------------------------- overrides
def test_overrides_csv(reg, tmp_path):
    p = tmp_path / "map.csv"
    p.write_text("source_code,target_code,target_name,type,note\n0204,0204,,,\n1201,0701,,1:n,按规划\n",
                 encoding="utf-8-sig")
    cw = reg.crosswalk("sandiao", "ydyh2023", overrides=p)
    m = cw.map("0204")
    assert (m.target_code, m.target_name, m.type, m.flag, m.note) == ("0204", "油料园地", "1:1", "", "用户映射表")
    m = cw.map("1201")
    assert (m.target_code, m.type, m.flag, m.note) == ("0701", "1:n", "待细分", "按规划")
    assert cw.map("0204K").target_code == "0205"  # has its own row: not affected
    assert cw.map("0101").target_code == "0101"
    # the default crosswalk is untouched
    assert reg.crosswalk("sandiao").map("0204").target_code == "0205"


def test_overrides_gbk_and_add(reg, tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_text("source_code,target_code,note\n0101X,0102,本地扩展码\n", encoding="gbk")
    cw = reg.crosswalk("sandiao", "ydyh2023", overrides=str(p))
    m = cw.map("0101x")
    assert (m.target_code, m.target_name, m.note) == ("0102", "水浇地", "本地扩展码")


def test_overrides_dataframe(reg):
    df = pd.DataFrame({"source_code": [204], "target_code": ["204"]})
    cw = reg.crosswalk("sandiao", "ydyh2023", overrides=df)
    assert cw.map("0204").target_code == "0204"


def test_overrides_bad_target_names_line(reg, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("source_code,target_code\n0204,0204\n0101,9999\n", encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        reg.crosswalk("sandiao", "ydyh2023", overrides=p)
    assert "line 3" in str(exc.value) and "第 3 行" in str(exc.value)
    assert "9999" in str(exc.value)


def test_overrides_bad_columns_and_type(reg, tmp_path):
    p = tmp_path / "cols.csv"
    p.write_text("from,to\n0204,0204\n", encoding="utf-8")
    with pytest.raises(ValueError):
        reg.crosswalk("sandiao", "ydyh2023", overrides=p)
    p.write_text("source_code,target_code,type\n0204,0204,2:1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        reg.crosswalk("sandiao", "ydyh2023", overrides=p)


# --------------------------------------------------------------------------- map_many
def test_map_many_matches_map_on_200000_values(cw):
    base = ["0101", "0204", 101, "0201k", "", None, float("nan"), "XYZ", "1107A", " 1203 ", "05H1", 1203.0, "01"]
    values = (base * (200_000 // len(base) + 1))[:200_000]
    df = cw.map_many(values)  # its speed is measured in make bench, never asserted in a test
    assert len(df) == 200_000
    assert list(df.columns) == list(Mapping.__dataclass_fields__)
    for i in range(len(base)):
        expected = cw.map(values[i])
        row = df.iloc[i]
        for field in ("source_code", "target_code", "target_name", "level1_code", "level1_name",
                      "type", "flag", "note"):
            assert row[field] == getattr(expected, field), (values[i], field)
        raw = row["raw"]
        assert raw is values[i] or raw == values[i] or (isinstance(raw, float) and math.isnan(raw))
    assert (df["type"] == "blank").sum() == sum(1 for v in values if v is None or v == ""
                                                or (isinstance(v, float) and math.isnan(v)))


def test_map_many_series_keeps_index(cw):
    s = pd.Series(["0101", "1203", None], index=[10, 20, 30])
    df = cw.map_many(s)
    assert list(df.index) == [10, 20, 30]
    assert list(df["target_code"]) == ["0101", "2303", None]
    assert list(df["flag"]) == ["", "", "空值"]
    assert cw.map_many([]).shape == (0, 9)


# --------------------------------------------------------------------------- attributes
@pytest.mark.parametrize(
    "value,expected",
    [(10, "state"), ("20", "state"), ("31", "collective"), (31.0, "collective"), ("40", "collective"),
     ("21", "state"), ("43", "collective"), (None, None), ("", None), ("99", None), ("XX", None),
     ("３０", "collective")],
)
def test_ownership(reg, value, expected):
    assert reg.ownership(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [("201", "town"), ("201A", "town"), (202, "town"), ("202a", "town"), ("203", "village"),
     ("203a", "village"), (203.0, "village"), ("204", "other"), ("205", "other"), ("206", None),
     (None, None), ("", None)],
)
def test_czcs_group(reg, value, expected):
    assert reg.czcs_group(value) == expected


# --------------------------------------------------------------------------- systems / registry
@pytest.mark.parametrize(
    "label,expected",
    [("sandiao", "sandiao"), ("三调", "sandiao"), ("三调工作分类", "sandiao"), (" 三调 ", "sandiao"),
     ("ydyh2023", "ydyh2023"), ("用地用海2023", "ydyh2023"), ("2023", "ydyh2023"), (2023, "ydyh2023"),
     ("YDYH2023", "ydyh2023"), ("ydyh_2023", "ydyh2023"), ("ydyh2020", "ydyh2020"),
     ("用地用海2020", "ydyh2020"), ("用地用海2020(试行)", "ydyh2020"), ("用地用海2020（试行）", "ydyh2020"),
     ("2020", "ydyh2020"), ("2020试行版", "ydyh2020")],
)
def test_parse_system(label, expected):
    assert parse_system(label) == expected


@pytest.mark.parametrize("label", ["用地用海", "2021", "", None, "gb21010"])
def test_parse_system_rejects(label):
    with pytest.raises(ValueError) as exc:
        parse_system(label)
    assert "sandiao" in str(exc.value) and "ydyh2023" in str(exc.value)


def test_get_registry_cached_and_default_dir():
    r = get_registry()
    assert r is get_registry()
    assert r.data_dir == DATA_DIR / "classification"
    assert isinstance(r.classification("三调"), Classification)


def test_custom_data_dir(tmp_path):
    import shutil

    for f in CLASS_DIR.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    p = tmp_path / "ydyh2023.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("0101,水田,", "0101,水田(改),"), encoding="utf-8")
    r = Registry(tmp_path)
    assert r.classification("ydyh2023").get("0101").name == "水田(改)"
    assert get_registry().classification("ydyh2023").get("0101").name == "水田"
    with pytest.raises(FileNotFoundError):
        Registry(tmp_path / "nope").classification("ydyh2023")


def test_core_has_no_qgis_import():
    src = (Path(__file__).resolve().parents[2] / "core" / "registry.py").read_text(encoding="utf-8")
    for bad in ("import qgis", "from qgis", "PyQt", "from pandas", "import pandas as"):
        assert bad not in src


def test_overrides_conflicting_duplicates(reg, tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("source_code,target_code\n0204,0204\n0204,0205\n", encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        reg.crosswalk("sandiao", "ydyh2023", overrides=p)
    assert "line 3" in str(exc.value)


def test_suffix_code_without_own_row_falls_back_to_base(tmp_path):
    import shutil

    for f in CLASS_DIR.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    p = tmp_path / "crosswalk_sandiao_ydyh2023.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    p.write_text("".join(ln for ln in lines if not ln.startswith(("0201K,", "1107A,"))), encoding="utf-8")
    r = Registry(tmp_path)
    cw = r.crosswalk("sandiao")
    m = cw.map("0201K")
    assert (m.source_code, m.target_code, m.type) == ("0201K", "0201", "1:1")
    assert "0201" in m.note
    m = cw.map("1107a")
    assert (m.target_code, m.type) == ("1705", "1:1")
    # an override of the base code carries over to the suffixed code that has no row of its own
    ov = pd.DataFrame({"source_code": ["0201"], "target_code": ["0205"], "type": ["1:n"]})
    cw2 = r.crosswalk("sandiao", overrides=ov)
    assert (cw2.map("0201K").target_code, cw2.map("0201K").type) == ("0205", "1:n")
    assert r.crosswalk("sandiao", "ydyh2020").map("0201K").target_code == "0201"
