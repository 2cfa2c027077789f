"""core.gate: the input gate's decisions, on inputs whose answers are known by hand."""
from __future__ import annotations

import math
import os
import struct

import pytest

from core import gate


# --------------------------------------------------------------------------- area fields
def test_area_text_is_parsed_where_unambiguous_and_counted_otherwise():
    values = [12.5, "12.5", "1,234.5", " ８０ ", "", None, -3, "-0.5", "12,5", "约3亩", float("nan"), 0]
    res = gate.parse_areas(values)
    v = res.values
    assert v[0] == 12.5 and v[1] == 12.5 and v[2] == 1234.5 and v[3] == 80.0 and v[11] == 0.0
    assert res.blank == [4, 5, 10]
    assert res.negative == [6, 7]
    assert res.unparseable == [8, 9]  # "12,5" could be 12.5 or 125: never guessed
    assert all(math.isnan(v[i]) for i in res.bad)
    assert res.from_text == 4  # "12.5", "1,234.5", " ８０ ", "-0.5": the texts that were read
    text = res.describe_zh("DLTB", "TBMJ", ids=[101 + i for i in range(len(values))])
    assert "空值 3 个" in text and "负值 2 个" in text and "无法识别为数字 2 个" in text and "“约3亩”" in text
    assert "要素号 105、106、107、108、109、110、111" in text  # every left-out feature is listed
    assert gate.parse_areas([1.0, "2"]).describe_zh("x", "y") == ""


# --------------------------------------------------------------------------- coordinates
def test_features_outside_the_crs_window_are_flagged():
    window = (39_300_000, 2_000_000, 39_700_000, 5_000_000)
    boxes = [
        (39_500_000, 3_880_000, 39_500_100, 3_880_100),  # inside
        (3_880_000, 39_500_000, 3_880_100, 39_500_100),  # x/y swapped
        (500_000, 3_880_000, 500_100, 3_880_100),  # zone prefix missing
        (39_699_990, 3_880_000, 39_700_010, 3_880_100),  # crosses the window's edge
        (float("inf"), 0, float("inf"), 1),  # not a coordinate at all
    ]
    assert [gate.inside_window(b, window) for b in boxes] == [True, False, False, False, False]
    assert [gate.inside_window(b, None) for b in boxes] == [True, True, True, True, False]


def test_the_hint_names_the_likely_cause():
    w = (39_189_248, 2_389_509, 39_810_752, 5_643_026)
    assert "x/y" in gate.coordinate_hint((3_879_000, 39_495_000, 3_886_000, 39_504_000), w)
    assert "带号" in gate.coordinate_hint((495_000, 3_879_000, 504_000, 3_886_000), w)
    assert "3°/6°" in gate.coordinate_hint((20_495_000, 3_879_000, 20_504_000, 3_886_000), w)


# --------------------------------------------------------------------------- encodings
def _dbf(path, values, width=20):
    """A one-field dBASE III file (field NAME, type C) holding ``values`` (bytes)."""
    n = len(values)
    header_len = 32 + 32 + 1
    record_len = 1 + width
    head = struct.pack("<BBBBIHH20x", 3, 126, 1, 1, n, header_len, record_len)
    field = b"NAME".ljust(11, b"\x00") + b"C" + b"\x00" * 4 + bytes([width, 0]) + b"\x00" * 14
    with open(path, "wb") as f:
        f.write(head + field + b"\x0d")
        for v in values:
            f.write(b" " + v[:width].ljust(width, b" "))
        f.write(b"\x1a")


@pytest.mark.parametrize("text,enc,expected", [
    ("城镇集中建设区", "gbk", "gb18030"),
    ("城镇集中建设区", "utf-8", "utf-8"),
    ("ABC", "ascii", "ascii"),
])
def test_dbf_text_encoding(tmp_path, text, enc, expected):
    path = tmp_path / "t.dbf"
    _dbf(path, [text.encode(enc), "村庄".encode(enc) if enc != "ascii" else b"X"])
    found, sample = gate.dbf_text_encoding(str(path))
    assert found == expected
    if expected != "ascii":
        assert "城镇集中建设" in sample  # (the 20-byte field cuts the UTF-8 text mid-character)


def test_dbf_text_that_is_neither_utf8_nor_gb18030_is_unknown(tmp_path):
    path = tmp_path / "t.dbf"
    _dbf(path, [b"\xff\xfe\xff\x80 \xff"])  # bytes that no UTF-8 or GB18030 text contains
    assert gate.dbf_text_encoding(str(path))[0] == "unknown"


# --------------------------------------------------------------------------- secrets
@pytest.mark.parametrize("source", [
    "dbname='gis' host=10.0.0.5 port=5432 user='planner' password='s3cr3t!' sslmode=disable key='fid' table=\"public\".\"dltb\" (geom)",
    "dbname=gis host=db user=planner password=s3cr3t! table=public.dltb",
    "PG:dbname=gis user=planner password=s3cr3t!",
    "postgresql://planner:s3cr3t!@db.example.com:5432/gis",
    'MSSQL:server=.;database=gis;UID=planner;PWD=s3cr3t!',
])
def test_redact_removes_users_and_passwords(source):
    out = gate.redact(source)
    assert "s3cr3t" not in out and "planner" not in out
    assert "gis" in out  # the database is still named


def test_redact_keeps_a_plain_path():
    assert gate.redact("/data/县/DLTB.gpkg|layername=DLTB") == "/data/县/DLTB.gpkg|layername=DLTB"


# --------------------------------------------------------------------------- outputs
def test_output_problems_are_sentences(tmp_path):
    assert gate.output_problem(str(tmp_path / "a.gpkg")) is None
    zh, en = gate.output_problem(str(tmp_path / "nope" / "a.gpkg"))
    assert "不存在" in zh and str(tmp_path / "nope") in zh and "does not exist" in en
    zh, _ = gate.output_problem(str(tmp_path))
    assert "文件夹" in zh
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        zh, _ = gate.output_problem(str(ro / "a.gpkg"))
        assert "不可写" in zh
    else:
        zh, _ = gate.output_problem("/proc/a.gpkg")
        assert "不可写" in zh


def test_staged_outputs_move_into_place_only_on_commit(tmp_path):
    good = tmp_path / "result.gpkg"
    good.write_bytes(b"good earlier output")
    st = gate.StagedOutputs()
    tmp = st.stage(str(good))
    assert os.path.basename(tmp) == "result.gpkg" and os.path.dirname(tmp) != str(tmp_path)
    with open(tmp, "wb") as f:
        f.write(b"half")
    st.rollback()
    assert good.read_bytes() == b"good earlier output"
    assert os.listdir(tmp_path) == ["result.gpkg"]

    st = gate.StagedOutputs()
    shp = st.stage(str(tmp_path / "parcels.shp"))
    for ext in (".shp", ".shx", ".dbf", ".prj"):
        with open(shp[:-4] + ext, "wb") as f:
            f.write(ext.encode())
    (tmp_path / "parcels.cpg").write_text("GBK")  # a stale sidecar of an earlier run
    unused = st.stage(str(tmp_path / "optional.csv"))
    assert not os.path.exists(unused)
    st.commit()
    assert sorted(os.listdir(tmp_path)) == ["parcels.dbf", "parcels.prj", "parcels.shp", "parcels.shx", "result.gpkg"]
    assert (tmp_path / "parcels.dbf").read_bytes() == b".dbf"


# --------------------------------------------------------------------------- tables the user edits
def _profile_lines():
    from core.compliance import DEFAULT_PROFILE

    return open(DEFAULT_PROFILE, encoding="utf-8-sig").read().splitlines()


def _first_rule_line(lines, token=",pbf,"):
    return next(i for i, line in enumerate(lines) if token in line)


@pytest.mark.parametrize("kind", ["unclosed_quote", "semicolon", "role_typo", "unknown_column", "bad_verdict"])
def test_a_broken_rule_profile_stops_with_file_line_and_allowed_values(tmp_path, kind):
    from core.compliance import RuleProfile, RuleProfileError

    lines = _profile_lines()
    i = _first_rule_line(lines)
    header = next(j for j, line in enumerate(lines) if line.startswith("rule_id"))
    if kind == "unclosed_quote":
        cells = lines[i].split(",")
        cells[-3] = '"' + cells[-3]
        lines[i] = ",".join(cells)
    elif kind == "semicolon":
        lines = [line.replace(",", ";") for line in lines]
    elif kind == "role_typo":
        lines[i] = lines[i].replace(",pbf,", ",pdf,", 1)
    elif kind == "unknown_column":
        lines[header] = lines[header].replace("message", "mesage")
    else:
        lines[i] = lines[i].replace(",fail,", ",failed,", 1).replace(",pass,", ",passes,", 1).replace(",review,", ",maybe,", 1)
    path = tmp_path / "profile.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RuleProfileError) as exc:
        RuleProfile.load(path)
    msg = str(exc.value)
    assert "profile.csv" in msg
    if kind in ("unclosed_quote", "role_typo", "bad_verdict"):
        assert f"第{i + 1}行" in msg
    if kind == "role_typo":
        assert "role" in msg and "pdf" in msg and "pbf" in msg and "eprl" in msg and "udb" in msg
    if kind == "semicolon":
        assert "“;”" in msg and "逗号" in msg
    if kind == "unknown_column":
        assert "mesage" in msg and "message" in msg


def test_the_default_profile_still_loads_whole():
    import csv

    from core.compliance import RuleProfile

    rows = [r for r in csv.reader(_profile_lines()) if r and any(r) and not r[0].startswith("#")]
    assert len(RuleProfile.default().rules) == len(rows) - 1 == 44  # every row is a rule: never a shorter table


def test_finance_table_unknown_column_and_non_numeric_price(tmp_path):
    from core.finance import FinanceTable, FinanceTableError

    src = (core_root() / "data" / "finance" / "finance_example.csv").read_text(encoding="utf-8-sig").splitlines()
    h = next(j for j, line in enumerate(src) if line.startswith("classes"))
    bad = list(src)
    bad[h + 1] = bad[h + 1].replace(",180,", ",一百八十,", 1)
    (tmp_path / "f.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(FinanceTableError) as exc:
        FinanceTable.load(tmp_path / "f.csv")
    assert f"f.csv 第{h + 2}行 cost_wan_per_ha 列" in str(exc.value) and "一百八十" in str(exc.value)
    bad = list(src)
    bad[h] = bad[h].replace("note", "notes_2")
    (tmp_path / "g.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(FinanceTableError, match="notes_2"):
        FinanceTable.load(tmp_path / "g.csv")


def test_mapping_table_goes_through_the_strict_reader(tmp_path):
    from core.registry import get_registry

    reg = get_registry()
    ok = tmp_path / "ok.csv"
    ok.write_text("source_code,target_code,note\n0101,0101,水田\n", encoding="utf-8")
    assert reg.crosswalk("sandiao", "ydyh2023", overrides=str(ok)).map("0101").target_code == "0101"
    quote = tmp_path / "quote.csv"
    quote.write_text('source_code,target_code,note\n0101,0101,"水田\n0102,0102,水浇地\n0103,0103,旱地\n', encoding="utf-8")
    with pytest.raises(ValueError, match="第2行"):
        reg.crosswalk("sandiao", "ydyh2023", overrides=str(quote))
    col = tmp_path / "col.csv"
    col.write_text("source_code,target_code,remark\n0101,0101,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="remark"):
        reg.crosswalk("sandiao", "ydyh2023", overrides=str(col))


def core_root():
    from core import PACKAGE_ROOT

    return PACKAGE_ROOT


def test_a_parent_child_pair_is_not_a_change_of_use():
    from core.finance import use_changed

    cur = ["0701", "09", "08", "0701", "0101", "", "0103", "070102"]
    pla = ["070102", "0901", "0804", "0702", "0101", "0701", "", "0701"]
    assert use_changed(cur, pla).tolist() == [False, False, False, True, False, True, True, False]


def test_packages_do_not_price_a_refinement_of_the_same_use():
    from core.finance import FinanceTable
    from core.packages import prepare_parcels

    fin = FinanceTable.example_table()
    t = prepare_parcels([10000.0, 10000.0], ["0701", "0101"], ["070102", "070102"], fin, ["state", "state"], ["", ""])
    assert t.changed.tolist() == [False, True]
    assert t.cost[0] == 0 and t.revenue[0] == 0 and t.cost[1] > 0
