"""guotukit:surveyfit on the sample project: fitted areas recomputed from the GeoPackage, the verdict, and bad input."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import shapely
from qgis.core import QgsProcessingException, QgsVectorLayer

from .test_change_detect import VINTAGE, _read

ALG = "guotukit:surveyfit"
DECLARED = Path(__file__).resolve().parents[2] / "data" / "sample" / "project_kcdj.csv"


def _params(out: Path, **kw):
    p = {"PROJECT_LAYER": f"{VINTAGE}|layername=KCDJ", "DECLARED_TABLE": str(DECLARED), "DLTB_LAYER": f"{VINTAGE}|layername=DLTB",
         "OUTPUT": str(out / "fit.csv"), "OUTPUT_XLSX": str(out / "套合.xlsx")}
    p.update(kw)
    return p


def _rows(path):
    return {f["XM"]: f for f in QgsVectorLayer(str(path), "t", "ogr").getFeatures()}


def test_fitted_cropland_recomputed_from_the_geopackage(tmp_path, run_alg):
    res, _, _ = run_alg(ALG, _params(tmp_path))
    (attrs, dg), (_, kg) = _read(VINTAGE, "DLTB", ["DLBM", "TBMJ", "KCXS"]), _read(VINTAGE, "KCDJ", ["XMMC"])
    project = shapely.union_all(kg)
    crop = sum(shapely.intersection(g, project).area * a[1] / g.area * (1 - (a[2] or 0))
               for a, g in zip(attrs, dg) if a[0][:4] in ("0101", "0102", "0103") and g.intersects(project))
    rows = _rows(res["OUTPUT"])
    assert float(rows["其中：耕地"]["TH_HA"]) == pytest.approx(round(crop / 10000, 4), abs=0.0001)
    assert float(rows["总面积"]["KCDJ_HA"]) == pytest.approx(12.0)
    assert res["VERDICT"].startswith("通过")


def test_a_difference_beyond_the_tolerance_fails_under_the_strict_reading(tmp_path, run_alg):
    off = tmp_path / "kcdj.csv"
    off.write_text("item,area\n总面积,12\n农用地,9.5\n耕地,8.9461\n建设用地,2.5\n未利用地,0\n", encoding="utf-8")
    lenient, _, _ = run_alg(ALG, _params(tmp_path, DECLARED_TABLE=str(off), OUTPUT_XLSX=""))
    strict, _, _ = run_alg(ALG, _params(tmp_path, DECLARED_TABLE=str(off), OUTPUT_XLSX="", COMBINE=1))
    assert lenient["VERDICT"].startswith("通过")        # 总面积 within 1 %: the literal 或 passes it
    assert strict["VERDICT"].startswith("不通过")        # 农用地 4.6 % off
    assert _rows(strict["OUTPUT"])["农用地"]["HG"] == "否"


def test_a_declared_table_with_an_unknown_row_gets_a_sentence(tmp_path, run_alg):
    bad = tmp_path / "bad.csv"
    bad.write_text("item,area\n园地,1\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="园地"):
        run_alg(ALG, _params(tmp_path, DECLARED_TABLE=str(bad), OUTPUT_XLSX=""))


def test_the_workbook_states_the_verdict(tmp_path, run_alg):
    from openpyxl import load_workbook

    res, _, _ = run_alg(ALG, _params(tmp_path))
    ws = load_workbook(res["OUTPUT_XLSX"])["报批套合分析表"]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any("结论：通过" in t for t in texts)
    con = sqlite3.connect(str(VINTAGE))
    assert con.execute("select count(*) from KCDJ").fetchone()[0] == 1
    con.close()
