"""guotukit:convertlandusecodes on hand-made layers whose answers are known by hand."""
from __future__ import annotations

import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant

from .conftest import make_layer, square

ALG = "guotukit:convertlandusecodes"


def _dltb(codes, field_type=QVariant.String, crs="EPSG:4527"):
    """One 100 m × 100 m parcel (10 000 m² planar) per code, in a row."""
    rows = []
    for i, code in enumerate(codes):
        rows.append((square(39500000 + i * 200, 3880000, 100), [code, f"BSM{i}", 10000.0 + i]))
    return make_layer(
        "Polygon", crs, [("DLBM", field_type), ("BSM", QVariant.String), ("TBMJ", QVariant.Double)], rows
    )


def _features(layer):
    return {f["BSM"]: f for f in layer.getFeatures()}


def _summary_rows(layer):
    return {f["YDM"]: f for f in layer.getFeatures()}


def test_provider_registers_algorithm(guotukit_provider):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(ALG)
    assert alg is not None
    assert alg.provider().id() == "guotukit"
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"INPUT", "CODE_FIELD", "NAME_FIELD", "SOURCE_SYSTEM", "TARGET_SYSTEM", "MAPPING_TABLE", "OUTPUT", "SUMMARY"} <= names
    # every parameter carries help text, shown in the dialog and in qgis_process help
    assert all(p.help() for p in alg.parameterDefinitions()), [p.name() for p in alg.parameterDefinitions() if not p.help()]
    assert "SOURCE_SYSTEM" in alg.shortHelpString()


def test_sandiao_to_2023_converts_flags_and_reports(run_alg):
    codes = ["0101", "101", "0204", "05H1", "0201k", "1203", "XYZ", "", None]
    layer = _dltb(codes)
    result, fb, _ = run_alg(
        ALG,
        {
            "INPUT": layer,
            "CODE_FIELD": "DLBM",
            "SOURCE_SYSTEM": 0,
            "TARGET_SYSTEM": 0,
            "AREA_BASIS": 1,  # planar: every square is exactly 10 000 m²
            "OUTPUT": "memory:",
            "SUMMARY": "memory:",
        },
    )
    out = _features(result["OUTPUT"])
    assert len(out) == len(codes)  # nothing dropped
    assert out["BSM0"]["ZH_DM"] == "0101" and out["BSM0"]["ZH_MC"] == "水田" and out["BSM0"]["ZH_BZ"] == ""
    assert out["BSM1"]["ZH_DM"] == "0101"  # 101 → 0101
    assert out["BSM2"]["ZH_DM"] == "0205" and out["BSM2"]["ZH_BZ"] == "待细分" and out["BSM2"]["ZH_LX"] == "1:n"
    assert out["BSM3"]["ZH_DM"] == "09" and out["BSM3"]["ZH_BZ"] == "待细分"
    assert out["BSM4"]["ZH_DM"] == "0201"  # K suffix, lower case
    assert out["BSM5"]["ZH_DM"] == "2303" and out["BSM5"]["ZH_MC"] == "田坎"
    assert out["BSM5"]["ZH_YJDM"] == "23" and out["BSM5"]["ZH_YJMC"] == "其他土地"
    assert out["BSM6"]["ZH_BZ"] == "未识别" and not out["BSM6"]["ZH_DM"]
    assert out["BSM7"]["ZH_BZ"] == "空值" and out["BSM8"]["ZH_BZ"] == "空值"
    assert result["FEATURE_COUNT"] == 9
    assert result["SPLIT_COUNT"] == 2
    assert result["UNKNOWN_COUNT"] == 1
    assert result["BLANK_COUNT"] == 2
    # the original attributes are kept
    assert out["BSM2"]["DLBM"] == "0204"

    summary = _summary_rows(result["SUMMARY"])
    assert summary["0101"]["TBSL"] == 2  # '0101' and '101' counted together
    assert summary["0101"]["MJ_PFM"] == pytest.approx(20000.0, abs=0.01)
    assert summary["0101"]["MJ_GQ"] == pytest.approx(2.0)
    assert summary["XYZ"]["ZH_BZ"] == "未识别" and summary["XYZ"]["TBSL"] == 1
    # total area in the summary = every feature counted once
    assert sum(f["MJ_PFM"] for f in result["SUMMARY"].getFeatures()) == pytest.approx(9 * 10000.0, abs=0.1)
    # the unknown code is reported to the user with its text, not silently dropped
    assert any("XYZ" in e for e in fb.errors)


def test_numeric_code_field_keeps_leading_zeros(run_alg):
    layer = _dltb([101, 1203, 305], field_type=QVariant.Int)
    result, _, _ = run_alg(
        ALG, {"INPUT": layer, "CODE_FIELD": "DLBM", "SOURCE_SYSTEM": 0, "AREA_BASIS": 1, "OUTPUT": "memory:"}
    )
    got = [f["ZH_DM"] for f in result["OUTPUT"].getFeatures()]
    assert got == ["0101", "2303", "0303"]


def test_2020_to_2023_upgrade(run_alg):
    layer = _dltb(["0204", "2302", "060102", "1313"])
    result, _, _ = run_alg(
        ALG, {"INPUT": layer, "CODE_FIELD": "DLBM", "SOURCE_SYSTEM": 1, "AREA_BASIS": 1, "OUTPUT": "memory:"}
    )
    got = [(f["ZH_DM"], f["ZH_MC"]) for f in result["OUTPUT"].getFeatures()]
    assert got == [("0205", "其他园地"), ("2303", "田坎"), ("1207", "城镇村道路用地"), ("1312", "其他公用设施用地")]


def test_mapping_table_overrides(run_alg, tmp_path):
    csv = tmp_path / "map.csv"
    csv.write_text("source_code,target_code,note\n0204,0204,本县核桃园为油料园地\n", encoding="utf-8-sig")
    layer = _dltb(["0204"])
    result, _, _ = run_alg(
        ALG,
        {"INPUT": layer, "CODE_FIELD": "DLBM", "MAPPING_TABLE": str(csv), "AREA_BASIS": 1, "OUTPUT": "memory:"},
    )
    f = next(result["OUTPUT"].getFeatures())
    assert (f["ZH_DM"], f["ZH_MC"], f["ZH_BZ"]) == ("0204", "油料园地", "")


def test_bad_mapping_table_names_the_problem(run_alg, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("source_code,target_code\n0204,9999\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="9999"):
        run_alg(ALG, {"INPUT": _dltb(["0204"]), "CODE_FIELD": "DLBM", "MAPPING_TABLE": str(csv), "OUTPUT": "memory:"})


def test_name_field_recognises_blank_codes_and_counts_mismatches(run_alg):
    layer = make_layer(
        "Polygon",
        "EPSG:4527",
        [("DLBM", QVariant.String), ("DLMC", QVariant.String)],
        [
            (square(39500000, 3880000, 100), [None, "旱地"]),
            (square(39500200, 3880000, 100), ["0101", "旱地"]),
        ],
    )
    result, fb, _ = run_alg(
        ALG,
        {"INPUT": layer, "CODE_FIELD": "DLBM", "NAME_FIELD": "DLMC", "AREA_BASIS": 1, "OUTPUT": "memory:"},
    )
    got = [f["ZH_DM"] for f in result["OUTPUT"].getFeatures()]
    assert got == ["0103", "0101"]  # blank code recognised by name; a mismatching name does not override the code
    assert result["BLANK_COUNT"] == 0
    assert any("1" in w and ("disagree" in w or "不一致" in w) for w in fb.warnings)


def test_attribute_area_basis_uses_the_field(run_alg):
    layer = _dltb(["0101", "0101"])
    result, _, _ = run_alg(
        ALG,
        {"INPUT": layer, "CODE_FIELD": "DLBM", "AREA_BASIS": 2, "AREA_FIELD": "TBMJ", "OUTPUT": "memory:", "SUMMARY": "memory:"},
    )
    row = next(result["SUMMARY"].getFeatures())
    assert row["MJ_PFM"] == pytest.approx(10000.0 + 10001.0)


def test_ellipsoidal_area_matches_geodesic_reference(run_alg):
    """100 km east of zone 39's central meridian the GK plane inflates areas by ~0.025 % (k²);
    the default (ellipsoidal) basis must give the CGCS2000 ellipsoid area, checked with pyproj."""
    from pyproj import Geod, Transformer

    x0, y0, side = 39600000, 3880000, 1000
    layer = make_layer("Polygon", "EPSG:4527", [("DLBM", QVariant.String)], [(square(x0, y0, side), ["0101"])])
    res, _, _ = run_alg(ALG, {"INPUT": layer, "CODE_FIELD": "DLBM", "OUTPUT": "memory:", "SUMMARY": "memory:"})
    ell = next(res["SUMMARY"].getFeatures())["MJ_PFM"]
    tr = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)
    step = 10.0  # densify the GK-straight edges so the geodesic reference follows them
    xs, ys = [], []
    for (ax, ay), (bx, by) in zip([(0, 0), (1, 0), (1, 1), (0, 1)], [(1, 0), (1, 1), (0, 1), (0, 0)]):
        for k in range(int(side / step)):
            t = k / (side / step)
            xs.append(x0 + side * (ax + (bx - ax) * t))
            ys.append(y0 + side * (ay + (by - ay) * t))
    lon, lat = tr.transform(xs, ys)
    ref = abs(Geod(a=6378137, f=1 / 298.257222101).polygon_area_perimeter(lon, lat)[0])
    assert ell == pytest.approx(ref, abs=0.02)
    assert ell < 999_800  # clearly not the planar 1 000 000 m²


def test_missing_field_and_empty_layer_get_clear_messages(run_alg):
    layer = _dltb(["0101"])
    with pytest.raises(QgsProcessingException):
        run_alg(ALG, {"INPUT": layer, "CODE_FIELD": "NO_SUCH", "OUTPUT": "memory:"})
    empty = make_layer("Polygon", "EPSG:4527", [("DLBM", QVariant.String)], [])
    with pytest.raises(QgsProcessingException, match="empty|没有要素|空"):
        run_alg(ALG, {"INPUT": empty, "CODE_FIELD": "DLBM", "OUTPUT": "memory:"})


def test_planar_basis_refused_in_geographic_crs(run_alg):
    layer = make_layer(
        "Polygon", "EPSG:4490", [("DLBM", QVariant.String)], [("POLYGON((117 35,117.01 35,117.01 35.01,117 35.01,117 35))", ["0101"])]
    )
    with pytest.raises(QgsProcessingException, match="geographic|地理"):
        run_alg(ALG, {"INPUT": layer, "CODE_FIELD": "DLBM", "AREA_BASIS": 1, "OUTPUT": "memory:"})
    # the ellipsoidal basis works on the same layer (QGIS's own ellipsoidal measure)
    res, _, _ = run_alg(ALG, {"INPUT": layer, "CODE_FIELD": "DLBM", "OUTPUT": "memory:", "SUMMARY": "memory:"})
    area = next(res["SUMMARY"].getFeatures())["MJ_PFM"]
    assert 1_000_000 < area < 1_030_000  # 0.01° × 0.01° at 35°N ≈ 1.01 km²


def test_sample_county_converts_every_parcel(run_alg):
    from pathlib import Path

    gpkg = Path(__file__).resolve().parents[2] / "data" / "sample" / "county.gpkg"
    layer = QgsVectorLayer(f"{gpkg}|layername=DLTB", "DLTB", "ogr")
    assert layer.isValid()
    res, _, _ = run_alg(
        ALG,
        {"INPUT": layer, "CODE_FIELD": "DLBM", "NAME_FIELD": "DLMC", "AREA_BASIS": 2, "AREA_FIELD": "TBMJ",
         "OUTPUT": "memory:", "SUMMARY": "memory:"},
    )
    assert res["OUTPUT"].featureCount() == layer.featureCount()
    assert res["UNKNOWN_COUNT"] == 0 and res["BLANK_COUNT"] == 0
    total = sum(f["TBMJ"] for f in layer.getFeatures())
    assert sum(f["MJ_PFM"] for f in res["SUMMARY"].getFeatures()) == pytest.approx(total, abs=0.01 * 200)
