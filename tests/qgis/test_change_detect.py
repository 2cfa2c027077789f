"""guotukit:changedetect on the sample county's two vintages: the figures against an independent overlay, the
suspected problems against the control lines, the workbook's figures against the outputs, and bad input."""
from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import shapely
from qgis.core import QgsProcessingException, QgsVectorLayer

ALG = "guotukit:changedetect"
DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
SAMPLE, VINTAGE = DATA / "county.gpkg", DATA / "county_2024.gpkg"


def _read(gpkg: Path, layer: str, cols):
    """Attributes and shapely geometries straight from the GeoPackage (no GuotuKit code)."""
    con = sqlite3.connect(str(gpkg))
    rows = con.execute(f"select {', '.join(cols)}, geom from {layer}").fetchall()
    con.close()

    def wkb(blob):
        env = (blob[3] >> 1) & 7
        return bytes(blob[8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]:])

    return [r[:-1] for r in rows], shapely.from_wkb([wkb(r[-1]) for r in rows])


def _params(out: Path, **kw):
    g, v = str(SAMPLE), str(VINTAGE)
    p = {"BEFORE_LAYER": f"{g}|layername=DLTB", "AFTER_LAYER": f"{v}|layername=DLTB",
         "PBF_LAYER": f"{g}|layername=YJJBNT", "EPRL_LAYER": f"{g}|layername=STBHHX", "UDB_LAYER": f"{g}|layername=CZKFBJ",
         "CHANGES": str(out / "changes.gpkg"), "SUSPECTS": str(out / "suspects.gpkg"), "MATRIX": str(out / "matrix.csv"),
         "OUTPUT_XLSX": str(out / "变化图斑分析.xlsx")}
    p.update(kw)
    return p


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, guotukit_provider):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    out = tmp_path_factory.mktemp("changes")
    res = processing.run(ALG, _params(out), feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
    return res, out


def _layer_rows(path, fields):
    lyr = QgsVectorLayer(str(path), "x", "ogr")
    assert lyr.isValid()
    return [{f: feat[f] for f in fields} | {"geom": shapely.from_wkb(bytes(feat.geometry().asWkb()))} for feat in lyr.getFeatures()]


def test_changed_area_equals_an_independent_overlay(sample_run):
    res, _ = sample_run
    (b_attr, bg), (a_attr, ag) = _read(SAMPLE, "DLTB", ["DLBM", "TBMJ"]), _read(VINTAGE, "DLTB", ["DLBM"])
    tree = shapely.STRtree(ag)
    total = {}
    for i, g in enumerate(bg):
        share = b_attr[i][1] / g.area
        for j in tree.query(g, predicate="intersects"):
            a = shapely.intersection(g, ag[j]).area
            if a > 0:
                key = (b_attr[i][0].rstrip("KA"), a_attr[j][0].rstrip("KA"))
                total[key] = total.get(key, 0.0) + a * share
    changed = sum(v for (b, a), v in total.items() if b != a)
    lyr = QgsVectorLayer(res["MATRIX"], "m", "ogr")
    got = {(f["BGQ_DLBM"], f["BGH_DLBM"]): float(f["AREA_M2"]) for f in lyr.getFeatures()}
    assert sum(v for k, v in got.items() if k[0] != k[1]) == pytest.approx(changed, abs=0.01)
    for key, value in total.items():     # every from → to cell, to the square centimetre
        assert got[key] == pytest.approx(value, abs=0.01), key
    assert sum(got.values()) == pytest.approx(sum(r[1] for r in b_attr), abs=0.01)   # no parcel lost or counted twice


def test_carved_homesteads_inside_permanent_farmland_are_flagged(sample_run):
    res, _ = sample_run
    _, pbf = _read(SAMPLE, "YJJBNT", ["BSM"])
    pbf_u = shapely.union_all(pbf)
    rows = _layer_rows(res["SUSPECTS"], ["BH", "FLAG", "AREA_M2", "BGH_DL"])
    f01 = [r for r in rows if r["FLAG"] == "MF01"]
    assert len(f01) >= 10                                  # the generator carved 12 homesteads/sheds out of 永农 cropland
    for r in f01:
        assert shapely.difference(r["geom"], pbf_u).area < 0.01      # the flagged part lies inside 永久基本农田
        assert r["BGH_DL"].startswith(("0702", "0601", "0701"))
    assert all(r["AREA_M2"] > 0 for r in rows)
    assert res["SUSPECT_COUNT"] == len(rows)


def test_the_workbook_prints_the_outputs_figures(sample_run):
    from openpyxl import load_workbook

    res, out = sample_run
    wb = load_workbook(out / "变化图斑分析.xlsx")
    assert wb.sheetnames == ["变化汇总", "变化流向矩阵", "耕地流向与进出平衡", "疑似问题图斑", "数据说明"]
    ws = wb["耕地流向与进出平衡"]
    labels = {ws.cell(r, 3).value: ws.cell(r, 6).value for r in range(1, ws.max_row + 1)}
    assert Decimal(str(labels["耕地流出合计"])) == Decimal(str(res["CROPLAND_OUT_HA"]))
    assert Decimal(str(labels["耕地流入合计"])) == Decimal(str(res["CROPLAND_IN_HA"]))
    ws = wb["变化汇总"]
    summary = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(1, ws.max_row + 1)}
    assert Decimal(str(summary["耕地流出"])) == Decimal(str(res["CROPLAND_OUT_HA"]))   # one figure, one value
    rows = _layer_rows(res["CHANGES"], ["AREA_HA", "CATEGORY"])
    assert len(rows) == res["CHANGE_COUNT"]
    new_c = [r for r in rows if "新增建设用地" in r["CATEGORY"]]
    assert new_c and sum(Decimal(str(r["AREA_HA"])) for r in new_c) == pytest.approx(Decimal(str(res["NEW_CONSTRUCTION_HA"])), abs=Decimal("0.002"))


def test_a_vintage_in_another_crs_gives_the_same_changes(tmp_path, run_alg):
    import processing

    moved = processing.run("native:reprojectlayer", {"INPUT": f"{VINTAGE}|layername=DLTB", "TARGET_CRS": "EPSG:4490",
                                                     "OUTPUT": str(tmp_path / "later_4490.gpkg")})["OUTPUT"]
    base, _, _ = run_alg(ALG, _params(tmp_path, OUTPUT_XLSX="", SUSPECTS=None, MATRIX=None, CHANGES=str(tmp_path / "a.gpkg"),
                                      PBF_LAYER=None, EPRL_LAYER=None, UDB_LAYER=None))
    other, fb, _ = run_alg(ALG, _params(tmp_path, AFTER_LAYER=moved, OUTPUT_XLSX="", SUSPECTS=None, MATRIX=None,
                                        CHANGES=str(tmp_path / "b.gpkg"), PBF_LAYER=None, EPRL_LAYER=None, UDB_LAYER=None))
    assert other["CHANGE_COUNT"] == base["CHANGE_COUNT"]
    assert other["CROPLAND_OUT_HA"] == pytest.approx(base["CROPLAND_OUT_HA"], abs=0.01)


def test_a_vintage_without_the_code_field_gets_a_sentence(tmp_path, run_alg):
    with pytest.raises(QgsProcessingException, match="DLBMX"):
        run_alg(ALG, _params(tmp_path, AFTER_CODE_FIELD="DLBMX", OUTPUT_XLSX=""))


def test_partial_coverage_is_reported(tmp_path, run_alg):
    # the later vintage cut to the western half of the county: the eastern half is reported, not compared
    from qgis.core import QgsFeatureRequest

    full = QgsVectorLayer(f"{VINTAGE}|layername=DLTB", "v", "ogr")
    ext = full.extent()
    mid = (ext.xMinimum() + ext.xMaximum()) / 2
    # a memory copy: a provider subset with a spatial SQL function would open the sample GeoPackage for writing
    lyr = full.materialize(QgsFeatureRequest().setFilterExpression(f"x_max($geometry) < {mid}"))
    assert 0 < lyr.featureCount() < 3012
    res, _, _ = run_alg(ALG, _params(tmp_path, AFTER_LAYER=lyr, OUTPUT_XLSX="", SUSPECTS=None, MATRIX=None,
                                      CHANGES=str(tmp_path / "c.gpkg"), PBF_LAYER=None, EPRL_LAYER=None, UDB_LAYER=None))
    con = sqlite3.connect(str(SAMPLE))
    total = con.execute("select sum(TBMJ) from DLTB").fetchone()[0] / 10000
    con.close()
    assert 0.2 * total < res["UNCOVERED_HA"] < 0.8 * total
    assert np.isfinite(res["CROPLAND_OUT_HA"])


def test_a_legal_basis_layer_clears_what_it_covers(tmp_path, sample_run, run_alg):
    # 永久基本农田 given as if it were one big 农转用 approval: every flag inside it (F01, F04) is cleared; the
    # 城镇开发边界 flags (F03) stay where they lie outside it
    base, _ = sample_run
    before = [r for r in _layer_rows(base["SUSPECTS"], ["FLAG", "AREA_M2"]) if r["FLAG"] == "MF03"]
    res, fb, _ = run_alg(ALG, _params(tmp_path, OUTPUT_XLSX="", MATRIX=None, LEGAL_LAYERS=[f"{SAMPLE}|layername=YJJBNT"],
                                      LEGAL_KINDS="农转用"))
    after = _layer_rows(res["SUSPECTS"], ["FLAG", "AREA_M2", "LEGAL_M2"])
    assert after and {r["FLAG"] for r in after} == {"MF03"}
    _, pbf = _read(SAMPLE, "YJJBNT", ["BSM"])
    pbf_u = shapely.union_all(pbf)
    for r in after:
        assert shapely.intersection(r["geom"], pbf_u).area < 0.01      # what is left lies outside the approval
    for r in after:    # what is kept plus what the approval covers is the part as it was: nothing lost or invented
        assert any(abs(r["AREA_M2"] + r["LEGAL_M2"] - b["AREA_M2"]) < 0.01 for b in before)
    assert any("合法依据（农转用）" in w for w in fb.warnings)


def test_cropland_sown_with_non_grain_is_listed_as_an_attribute_change(sample_run):
    # the 2024 vintage turned 15 grain (LS) parcels to non-grain (FLS) or unfarmed (WG) without changing their class
    res, _ = sample_run
    rows = _layer_rows(res["CHANGES"], ["RULES", "BGQ_DLBM", "BGH_DLBM", "BGQ_ZZSX", "BGH_ZZSX"])
    attr = [r for r in rows if r["RULES"] == "C14"]
    assert len(attr) >= 15
    assert all(r["BGQ_DLBM"] == r["BGH_DLBM"] and r["BGQ_ZZSX"] == "LS" and r["BGH_ZZSX"] in ("FLS", "WG") for r in attr)
