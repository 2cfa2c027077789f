"""guotukit:planindicators on the sample county's 2024 vintage: values recomputed independently from the
GeoPackage, statuses against the example targets, the workbook's colours, and a bad target table."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import shapely
from qgis.core import QgsProcessingException, QgsVectorLayer

from .test_change_detect import SAMPLE, VINTAGE, _read

ALG = "guotukit:planindicators"
TARGETS = Path(__file__).resolve().parents[2] / "data" / "monitoring" / "targets_example.csv"


def _params(out: Path, **kw):
    g = str(SAMPLE)
    p = {"CURRENT_LAYER": f"{VINTAGE}|layername=DLTB", "YEAR": "2024", "PREVIOUS_LAYER": f"{g}|layername=DLTB",
         "PREVIOUS_YEAR": "2019", "PBF_LAYER": f"{g}|layername=YJJBNT", "EPRL_LAYER": f"{g}|layername=STBHHX",
         "UDB_LAYER": f"{g}|layername=CZKFBJ", "TARGETS": str(TARGETS), "POPULATION_TOWN": 650000,
         "OUTPUT": str(out / "indicators.csv"), "OUTPUT_XLSX": str(out / "指标.xlsx")}
    p.update(kw)
    return p


def _table(path):
    lyr = QgsVectorLayer(str(path), "t", "ogr")
    return {f["ZBMC"]: f for f in lyr.getFeatures()}


def test_values_recomputed_from_the_geopackage(tmp_path, run_alg):
    res, _, _ = run_alg(ALG, _params(tmp_path))
    t = _table(res["OUTPUT"])
    con = sqlite3.connect(str(VINTAGE))
    crop = con.execute("select sum(TBMJ * (1 - coalesce(KCXS, 0))) from DLTB where substr(DLBM, 1, 4) in ('0101', '0102', '0103')").fetchone()[0]
    con.close()
    assert float(t["耕地保有量"]["XZZ"]) == pytest.approx(round(crop / 10000, 4), abs=0.0001)
    _, pbf = _read(SAMPLE, "YJJBNT", ["BSM"])
    assert float(t["永久基本农田保护面积"]["XZZ"]) == pytest.approx(round(shapely.union_all(pbf).area / 10000, 4), abs=0.0001)
    con = sqlite3.connect(str(SAMPLE))
    crop_2019 = con.execute("select sum(TBMJ * (1 - coalesce(KCXS, 0))) from DLTB where substr(DLBM, 1, 4) in ('0101', '0102', '0103')").fetchone()[0]
    con.close()
    assert float(t["耕地保有量"]["SYQ"]) == pytest.approx(round(crop_2019 / 10000, 4), abs=0.0001)
    assert float(t["耕地保有量"]["BH"]) == pytest.approx(float(t["耕地保有量"]["XZZ"]) - float(t["耕地保有量"]["SYQ"]), abs=1e-6)


def test_statuses_follow_the_printed_figures(tmp_path, run_alg):
    res, _, _ = run_alg(ALG, _params(tmp_path))
    t = _table(res["OUTPUT"])
    # 耕地保有量 33 753 ha against 34 000 with 1 %: 0.7 % short → 预警; 永农 21 402 ≥ 21 000 → 达标
    assert t["耕地保有量"]["ZT"] == "预警" and t["永久基本农田保护面积"]["ZT"] == "达标"
    assert t["生态保护红线范围内城乡建设用地面积"]["ZT"] == "未达标"     # 619.66 ha over a ceiling of 600
    assert t["湿地面积"]["ZT"] == "无目标"
    counts = {s: sum(1 for f in t.values() if f["ZT"] == s) for s in ("达标", "预警", "未达标")}
    assert (res["MET_COUNT"], res["WARN_COUNT"], res["MISSED_COUNT"]) == (counts["达标"], counts["预警"], counts["未达标"])


def test_the_workbook_colours_each_status(tmp_path, run_alg):
    from openpyxl import load_workbook

    res, _, _ = run_alg(ALG, _params(tmp_path))
    ws = load_workbook(res["OUTPUT_XLSX"])["规划实施监测指标"]
    header = next(r for r in range(1, 6) if ws.cell(r, 2).value == "指标")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value == "状态")
    fills = {ws.cell(r, col).value: ws.cell(r, col).fill.fgColor.rgb for r in range(header + 1, ws.max_row + 1) if ws.cell(r, col).value}
    assert fills["达标"].endswith("C6EFCE") and fills["预警"].endswith("FFEB9C") and fills["未达标"].endswith("FFC7CE")


def test_a_target_table_naming_an_unknown_indicator_gets_a_sentence(tmp_path, run_alg):
    bad = tmp_path / "targets.csv"
    bad.write_text("indicator,target\n耕地面积,100\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="耕地面积.*不在指标定义表中"):
        run_alg(ALG, _params(tmp_path, TARGETS=str(bad), OUTPUT_XLSX=""))


def test_without_the_population_the_per_capita_indicator_cannot_be_computed(tmp_path, run_alg):
    res, _, _ = run_alg(ALG, _params(tmp_path, POPULATION_TOWN=0, OUTPUT_XLSX=""))
    row = _table(res["OUTPUT"])["人均城镇建设用地面积"]
    assert row["ZT"] == "无法计算" and "未输入城镇常住人口" in row["YJ"]
