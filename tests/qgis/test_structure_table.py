"""guotukit:structuretable on hand-made layers whose table is known by hand."""
from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsProcessingException
from qgis.PyQt.QtCore import QVariant

from .conftest import make_layer, square

ALG = "guotukit:structuretable"
X0, Y0 = 39500000, 3880000
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "county.gpkg"

BASE_FIELDS = [("DLBM", QVariant.String), ("TBDLMJ", QVariant.Double), ("KCMJ", QVariant.Double), ("CZCSXM", QVariant.String)]


def _base(rows=None, crs="EPSG:4527"):
    # three 100 m squares side by side: 0101 (TBDLMJ 9 000 + KCMJ 1 000), 0702 in 村庄, 0301
    rows = rows or [
        (square(X0, Y0, 100), ["0101", 9000.0, 1000.0, ""]),
        (square(X0 + 100, Y0, 100), ["0702", 10000.0, 0.0, "203"]),
        (square(X0 + 200, Y0, 100), ["0301", 10000.0, 0.0, ""]),
    ]
    return make_layer("Polygon", crs, BASE_FIELDS, rows, "DLTB")


def _target(crs="EPSG:4527", rows=None):
    # the plan: the first 150 m stays 耕地, the rest becomes 城镇住宅 (0701) in 城镇
    rows = rows or [
        (f"POLYGON(({X0} {Y0},{X0 + 150} {Y0},{X0 + 150} {Y0 + 100},{X0} {Y0 + 100},{X0} {Y0}))", ["0101", ""]),
        (f"POLYGON(({X0 + 150} {Y0},{X0 + 300} {Y0},{X0 + 300} {Y0 + 100},{X0 + 150} {Y0 + 100},{X0 + 150} {Y0}))", ["0701", "城镇"]),
    ]
    return make_layer("Polygon", crs, [("GHDLBM", QVariant.String), ("CZCSLX", QVariant.String)], rows, "GHYD")


def _params(**kw):
    p = {"BASE_LAYER": _base(), "TARGET_LAYER": _target(), "TABLE": "memory:", "TRANSITION": "memory:"}
    p.update(kw)
    return p


def _rows(layer, region="合计"):
    return {f["ROW_ID"]: f for f in layer.getFeatures() if f["REGION"] == region}


def test_attribute_basis_table_and_transition(run_alg):
    res, fb, _ = run_alg(ALG, _params())
    rows = _rows(res["TABLE"])
    # base: 耕地 0.90, 田坎 0.10 → 其他土地, 村庄 1.00, 林地 1.00; total 3.00 ha
    assert rows["1"]["BASE_AREA"] == pytest.approx(0.90)
    assert rows["11"]["BASE_AREA"] == pytest.approx(0.10)
    assert rows["7.2"]["BASE_AREA"] == pytest.approx(1.00)
    assert rows["3"]["BASE_AREA"] == pytest.approx(1.00)
    assert rows["T"]["BASE_AREA"] == pytest.approx(3.00) and rows["T"]["BASE_PCT"] == pytest.approx(100.0)
    # target (no area field: ellipsoidal areas of 1.5 ha each, a little under near the zone's centre)
    assert rows["1"]["TARGET_AREA"] == pytest.approx(1.50, abs=0.01)
    assert rows["7.1"]["TARGET_AREA"] == pytest.approx(1.50, abs=0.01)
    assert rows["7"]["BASE_AREA"] == pytest.approx(rows["7.1"]["BASE_AREA"] + rows["7.2"]["BASE_AREA"])
    assert res["BASE_TOTAL"] == pytest.approx(3.0)
    assert res["SPLIT_COUNT"] >= 1  # 0702 → 0703 is 1:n
    # transition: 耕地 parcel fully under plan 耕地; the 村庄 parcel half 耕地, half 城镇
    trans = {(f["BASE_ROW"], f["TARGET_ROW"]): f["AREA"] for f in res["TRANSITION"].getFeatures()}
    assert trans[("1", "1")] == pytest.approx(0.90)
    assert trans[("7.2", "1")] == pytest.approx(0.50) and trans[("7.2", "7.1")] == pytest.approx(0.50)
    assert trans[("3", "7.1")] == pytest.approx(1.00)
    by_base = {}
    for (b, _t), v in trans.items():
        by_base[b] = by_base.get(b, 0) + v
    for rid, v in by_base.items():
        assert v == pytest.approx(rows[rid]["BASE_AREA"])  # rows of the matrix add up to the table


def test_ellipsoidal_and_planar_bases(run_alg):
    ell, _, _ = run_alg(ALG, _params(AREA_BASIS=1, WITH_TRANSITION=False))
    pla, _, _ = run_alg(ALG, _params(AREA_BASIS=2, WITH_TRANSITION=False))
    e, p = _rows(ell["TABLE"]), _rows(pla["TABLE"])
    assert p["T"]["BASE_AREA"] == pytest.approx(3.00)
    # 田坎 KCMJ still separated from the 耕地 parcel on the geometric bases
    assert p["1"]["BASE_AREA"] == pytest.approx(0.90) and p["11"]["BASE_AREA"] == pytest.approx(0.10)
    assert e["T"]["BASE_M2"] != p["T"]["BASE_M2"]  # ellipsoidal differs from planar …
    assert e["T"]["BASE_M2"] == pytest.approx(30000.0, rel=1e-3)  # … by a little on the central meridian


def test_planar_on_geographic_crs_is_refused(run_alg):
    geo = make_layer("Polygon", "EPSG:4490", BASE_FIELDS,
                     [("POLYGON((117 35,117.001 35,117.001 35.001,117 35.001,117 35))", ["0101", 100.0, 0.0, ""])])
    with pytest.raises(QgsProcessingException, match="geographic"):
        run_alg(ALG, _params(BASE_LAYER=geo, AREA_BASIS=2))


def test_layers_in_different_crs_are_reprojected(run_alg):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    src = _target()
    ct = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4527"), QgsCoordinateReferenceSystem("EPSG:4490"),
                                QgsProject.instance())
    rows = []
    for f in src.getFeatures():
        g = f.geometry()
        g.transform(ct)
        rows.append((g.asWkt(12), f.attributes()))
    geo_target = _target("EPSG:4490", rows)
    res, fb, _ = run_alg(ALG, _params(TARGET_LAYER=geo_target))
    assert any("reprojected" in m for m in fb.infos)
    trans = {(f["BASE_ROW"], f["TARGET_ROW"]): f["AREA"] for f in res["TRANSITION"].getFeatures()}
    assert trans[("7.2", "7.1")] == pytest.approx(0.50, abs=0.01)


def test_bad_inputs_get_sentences(run_alg):
    with pytest.raises(QgsProcessingException, match="no field «NOPE»"):
        run_alg(ALG, _params(BASE_CODE_FIELD="NOPE"))
    empty = make_layer("Polygon", "EPSG:4527", BASE_FIELDS, [], "empty")
    with pytest.raises(QgsProcessingException, match="is empty"):
        run_alg(ALG, _params(BASE_LAYER=empty))
    no_code = make_layer("Polygon", "EPSG:4527", [("X", QVariant.String)], [(square(X0, Y0, 10), ["a"])], "plan")
    with pytest.raises(QgsProcessingException, match="usual plan code fields"):
        run_alg(ALG, _params(TARGET_LAYER=no_code))


def test_unknown_numeric_null_and_negative_values(run_alg):
    rows = [
        (square(X0, Y0, 100), [None, 10000.0, 0.0, ""]),  # blank code: kept, row 未识别地类
        (square(X0 + 100, Y0, 100), ["9999", 10000.0, 0.0, ""]),  # unknown code
        (square(X0 + 200, Y0, 100), ["0101", None, 0.0, ""]),  # null area: left out, counted
        (square(X0 + 300, Y0, 100), ["0101", -5.0, 0.0, ""]),  # negative area: left out, counted
        (square(X0 + 400, Y0, 100), ["101", 10000.0, 0.0, ""]),  # 101 is read as 0101
    ]
    res, fb, _ = run_alg(ALG, _params(BASE_LAYER=_base(rows), WITH_TRANSITION=False))
    rows_ = _rows(res["TABLE"])
    assert rows_["X1"]["BASE_AREA"] == pytest.approx(2.0)
    assert rows_["1"]["BASE_AREA"] == pytest.approx(1.0)
    assert res["SKIPPED_COUNT"] == 2 and res["UNKNOWN_COUNT"] == 2
    assert any("未计入" in w for w in fb.warnings)


def test_overlapping_base_parcels_are_reported(run_alg):
    rows = [(square(X0, Y0, 100), ["0101", 10000.0, 0.0, ""]), (square(X0 + 50, Y0, 100), ["0301", 10000.0, 0.0, ""])]
    res, fb, _ = run_alg(ALG, _params(BASE_LAYER=_base(rows), WITH_TRANSITION=False))
    assert res["OVERLAP_COUNT"] == 1
    assert any("重叠" in w and "0.5000" in w for w in fb.warnings)


def test_regions_give_one_table_each_and_add_up(run_alg):
    regions = make_layer("Polygon", "EPSG:4527", [("XZQMC", QVariant.String)],
                         [(f"POLYGON(({X0} {Y0},{X0 + 150} {Y0},{X0 + 150} {Y0 + 100},{X0} {Y0 + 100},{X0} {Y0}))", ["甲镇"]),
                          (f"POLYGON(({X0 + 150} {Y0},{X0 + 300} {Y0},{X0 + 300} {Y0 + 100},{X0 + 150} {Y0 + 100},{X0 + 150} {Y0}))", ["乙乡"])],
                         "XZQ")
    res, _, _ = run_alg(ALG, _params(REGION_LAYER=regions))
    a, b, whole = _rows(res["TABLE"], "甲镇"), _rows(res["TABLE"], "乙乡"), _rows(res["TABLE"])
    assert a["T"]["BASE_AREA"] == pytest.approx(1.5) and b["T"]["BASE_AREA"] == pytest.approx(1.5)
    assert a["7.2"]["BASE_AREA"] == pytest.approx(0.5)  # half of the 村庄 parcel lies in 甲镇
    assert a["T"]["BASE_AREA"] + b["T"]["BASE_AREA"] == pytest.approx(whole["T"]["BASE_AREA"])


def test_sample_county_with_units_and_detail_template(run_alg):
    g = str(SAMPLE)
    res, _, _ = run_alg(ALG, {"BASE_LAYER": g + "|layername=DLTB", "TARGET_LAYER": g + "|layername=GHYD",
                              "UNIT": 1, "TEMPLATE": 1, "WITH_TRANSITION": False, "TABLE": "memory:"})
    rows = _rows(res["TABLE"])
    assert "0101" in rows and rows["01"]["KIND"] == "group"
    assert rows["01"]["BASE_AREA"] == pytest.approx(sum(rows[c]["BASE_AREA"] for c in ("0101", "0102", "0103") if c in rows))
    assert rows["T"]["UNIT"] == "亩"
    import sqlite3

    con = sqlite3.connect(g)
    m2 = con.execute("select sum(TBDLMJ) + sum(coalesce(KCMJ, 0)) from DLTB").fetchone()[0]
    con.close()
    assert res["BASE_TOTAL"] == pytest.approx(round(m2 * 15 / 10000, 2), abs=0.006)


def test_target_czcs_field_auto_detected_unless_set_to_none(run_alg):
    # the plan's CZCSLX says 城镇 for the 0701 parcel; explicitly "" → the class rule (also 城镇 for 0701)
    village = _target(rows=[(square(X0, Y0, 300).replace(f"{X0 + 300} {Y0 + 300}", f"{X0 + 300} {Y0 + 100}")
                             .replace(f"{X0} {Y0 + 300}", f"{X0} {Y0 + 100}"), ["0701", "村庄"])])
    auto, _, _ = run_alg(ALG, _params(TARGET_LAYER=village, WITH_TRANSITION=False))
    none, _, _ = run_alg(ALG, _params(TARGET_LAYER=village, WITH_TRANSITION=False, TARGET_CZCS_FIELD=""))
    assert _rows(auto["TABLE"])["7.2"]["TARGET_AREA"] > 0  # CZCSLX 村庄 was used
    assert _rows(none["TABLE"])["7.1"]["TARGET_AREA"] > 0  # no field: 0701 → 城镇 by the class rule


def test_messages_name_the_geopackage_layer_not_the_file(run_alg):
    g = str(SAMPLE)
    with pytest.raises(QgsProcessingException, match="«DLTB» has no field «TBMJX»"):
        run_alg(ALG, {"BASE_LAYER": g + "|layername=DLTB", "TARGET_LAYER": g + "|layername=GHYD",
                      "BASE_AREA_FIELD": "TBMJX", "TABLE": "memory:"})
    with pytest.raises(QgsProcessingException, match="«XZQ» has none of the usual plan code fields"):
        run_alg(ALG, {"BASE_LAYER": g + "|layername=DLTB", "TARGET_LAYER": g + "|layername=XZQ", "TABLE": "memory:"})
