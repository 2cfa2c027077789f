"""guotukit:compliancecheck on hand-made layers with known overlap areas."""
from __future__ import annotations

import pytest
from qgis.core import QgsProcessingException
from qgis.PyQt.QtCore import QVariant

from .conftest import make_layer, square

ALG = "guotukit:compliancecheck"
X0, Y0 = 39500000, 3880000


def _subjects(extra=()):
    rows = [
        (square(X0, Y0, 100), ["A", "0701"]),  # half on 永久基本农田
        (square(X0 + 1000, Y0, 100), ["B", "0101"]),  # clear of everything
        (square(X0 + 2000, Y0, 100), ["C", "100101"]),  # inside the red line
    ] + list(extra)
    return make_layer("Polygon", "EPSG:4527", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)], rows, "subjects")


def _pbf():
    return make_layer("Polygon", "EPSG:4527", [("YJJBNTTBBH", QVariant.String)],
                      [(square(X0 + 50, Y0 - 10, 120), ["P1"])], "YJJBNT")


def _eprl():
    # two overlapping red-line features over C: the overlap must not double-count
    return make_layer("Polygon", "EPSG:4527", [("ZRBHDFQ", QVariant.String)],
                      [(square(X0 + 1990, Y0 - 10, 120), ["一般控制区"]), (square(X0 + 1980, Y0 - 20, 140), [""])], "STBHHX")


def _udb():
    return make_layer("Polygon", "EPSG:4527", [("GHFQMC", QVariant.String)],
                      [(square(X0 - 5000, Y0 - 5000, 10000), ["城镇集中建设区"])], "CZKFBJ")


def _params(**kw):
    p = {"SUBJECT_LAYER": _subjects(), "SUBJECT_ID_FIELD": "XMDM", "SUBJECT_CODE_FIELD": "GHDLBM",
         "PBF_LAYER": _pbf(), "EPRL_LAYER": _eprl(), "UDB_LAYER": _udb(), "AREA_BASIS": 1,
         "CONFLICTS": "memory:", "SUMMARY": "memory:"}
    p.update(kw)
    return p


def _by_id(layer, key="SUBJ_ID"):
    return {f[key]: f for f in layer.getFeatures()}


def test_known_areas_and_verdicts(run_alg):
    res, fb, _ = run_alg(ALG, _params())
    summary = _by_id(res["SUMMARY"])
    assert summary["A"]["PBF_HA"] == pytest.approx(0.5)  # 50 × 100 m
    assert summary["A"]["PBF_PCT"] == pytest.approx(50.0)
    assert summary["A"]["VERDICT"] == "不通过"
    assert summary["B"]["VERDICT"] == "通过" and summary["B"]["PBF_ST"] == "不涉及"
    assert summary["C"]["EPRL_HA"] == pytest.approx(1.0)  # overlapping red-line features counted once
    assert summary["C"]["VERDICT"] == "不通过"
    assert (res["PASS_COUNT"], res["FAIL_COUNT"], res["REVIEW_COUNT"]) == (1, 2, 0)
    conflicts = list(res["CONFLICTS"].getFeatures())
    pbf = [f for f in conflicts if f["ROLE"] == "pbf"]
    assert len(pbf) == 1 and pbf[0]["AREA_M2"] == pytest.approx(5000.0)
    assert pbf[0].geometry().area() == pytest.approx(5000.0)
    assert pbf[0]["AREA_MU"] == pytest.approx(7.5)
    eprl = [f for f in conflicts if f["ROLE"] == "eprl"]
    assert len(eprl) == 2  # one piece per control feature
    assert all(f["VERDICT"] == "不通过" and f["RULE_ID"] for f in eprl)


def test_missing_role_is_not_checked_and_said_so(run_alg):
    res, fb, _ = run_alg(ALG, _params(EPRL_LAYER=None))
    summary = _by_id(res["SUMMARY"])
    assert summary["B"]["VERDICT"] == "通过"  # B touches nothing that was checked
    assert summary["B"]["EPRL_ST"] == "未检查"  # the red line itself is never 通过 …
    assert "生态保护红线未检查" in summary["B"]["REASONS"]  # … and every verdict says it was not checked
    assert any("未检查" in w or "not checked" in w for w in fb.warnings)


def test_empty_control_layer_is_not_checked(run_alg):
    empty = make_layer("Polygon", "EPSG:4527", [("X", QVariant.String)], [], "empty")
    res, _, _ = run_alg(ALG, _params(UDB_LAYER=empty))
    assert _by_id(res["SUMMARY"])["B"]["UDB_ST"] == "未检查"


def test_control_layer_in_geographic_crs_is_reprojected(run_alg):
    # the same 永久基本农田 square in EPSG:4490 (transformed by QGIS): same occupied area within a few cm²
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    pbf = _pbf()
    ct = QgsCoordinateTransform(pbf.crs(), QgsCoordinateReferenceSystem("EPSG:4490"), QgsProject.instance())
    f = next(pbf.getFeatures())
    g = f.geometry()
    g.densifyByDistance(1.0)
    g.transform(ct)
    geo = make_layer("Polygon", "EPSG:4490", [("ID", QVariant.String)], [(g.asWkt(12), ["P1"])])
    res, _, _ = run_alg(ALG, _params(PBF_LAYER=geo))
    assert _by_id(res["SUMMARY"])["A"]["PBF_HA"] == pytest.approx(0.5, abs=1e-5)


def test_invalid_geometry_policies(run_alg):
    bowtie = f"POLYGON(({X0 + 3000} {Y0},{X0 + 3100} {Y0 + 100},{X0 + 3100} {Y0},{X0 + 3000} {Y0 + 100},{X0 + 3000} {Y0}))"
    subjects = _subjects([(bowtie, ["BAD", "0701"])])
    with pytest.raises(QgsProcessingException, match="invalid|无效"):
        run_alg(ALG, _params(SUBJECT_LAYER=subjects, INVALID_GEOMETRY=0))
    res, fb, _ = run_alg(ALG, _params(SUBJECT_LAYER=_subjects([(bowtie, ["BAD", "0701"])]), INVALID_GEOMETRY=1))
    assert res["SKIPPED_COUNT"] == 1
    assert _by_id(res["SUMMARY"])["BAD"]["VERDICT"] == "需论证"  # skipped: not checked, never 通过
    res, fb, _ = run_alg(ALG, _params(SUBJECT_LAYER=_subjects([(bowtie, ["BAD", "0701"])]), INVALID_GEOMETRY=2))
    assert res["SKIPPED_COUNT"] == 0
    assert _by_id(res["SUMMARY"])["BAD"]["VERDICT"] == "通过"  # repaired: inside the boundary, no conflict
    assert any("repaired" in w or "修复" in w for w in fb.warnings)


def test_rule_profile_syntax_error_names_the_line(run_alg, tmp_path):
    bad = tmp_path / "profile.csv"
    bad.write_text(
        "rule_id,role,zone,position,classes,project_types,verdict,message,legal_basis,evidence,note\n"
        "R1,pbf,*,inside,*,*,fail,占用永农,土地管理法,R,\n"
        "R2,eprl,*,inside,*,*,maybe,红线,142号文,V,\n",
        encoding="utf-8",
    )
    with pytest.raises(QgsProcessingException, match="3"):
        run_alg(ALG, _params(RULE_PROFILE=str(bad)))


def test_slivers_listed_apart(run_alg):
    pbf = make_layer("Polygon", "EPSG:4527", [("ID", QVariant.String)],
                     [(f"POLYGON(({X0 + 1099.5} {Y0},{X0 + 1200} {Y0},{X0 + 1200} {Y0 + 1},{X0 + 1099.5} {Y0 + 1},{X0 + 1099.5} {Y0}))", ["S"])])
    res, _, _ = run_alg(ALG, _params(PBF_LAYER=pbf, SLIVER_TOLERANCE=1.0))
    summary = _by_id(res["SUMMARY"])
    assert summary["B"]["PBF_HA"] == 0 and summary["B"]["VERDICT"] == "通过"
    slivers = [f for f in res["CONFLICTS"].getFeatures() if f["SLIVER"] == 1]
    assert len(slivers) == 1 and slivers[0]["AREA_M2"] == pytest.approx(0.5)


def test_dltb_breakdown_by_class_and_ownership(run_alg):
    dltb = make_layer(
        "Polygon", "EPSG:4527", [("DLBM", QVariant.String), ("QSXZ", QVariant.String), ("BSM", QVariant.String)],
        [(square(X0, Y0 - 50, 75) .replace(f"{Y0 - 50 + 75}", f"{Y0 + 200}"), ["0101", "30", "T1"]),
         (f"POLYGON(({X0 + 75} {Y0 - 50},{X0 + 300} {Y0 - 50},{X0 + 300} {Y0 + 200},{X0 + 75} {Y0 + 200},{X0 + 75} {Y0 - 50}))", ["0103", "10", "T2"])],
    )
    res, _, _ = run_alg(ALG, _params(BASE_PARCELS=dltb))
    pbf = {f["DLBM"]: f for f in res["CONFLICTS"].getFeatures() if f["ROLE"] == "pbf"}
    assert pbf["0101"]["AREA_M2"] == pytest.approx(2500.0) and pbf["0101"]["QSXZ_GRP"] == "集体"
    assert pbf["0103"]["AREA_M2"] == pytest.approx(2500.0) and pbf["0103"]["QSXZ_GRP"] == "国有"
    assert pbf["0101"]["DLMC"] == "水田" and pbf["0101"]["SDL"] == "农用地"


def _dltb_subjects():
    fields = [("BSM", QVariant.String), ("DLBM", QVariant.String), ("QSXZ", QVariant.String)]
    rows = [(square(X0 + 100 * i, Y0, 100), [f"T{i}", code, own])
            for i, (code, own) in enumerate((("0101", "30"), ("0103", "10"), ("0301", "20"), ("0702", "30")))]
    return make_layer("Polygon", "EPSG:4527", fields, rows, "DLTB")


def test_dltb_as_subject_and_base_is_read_once_with_the_same_figures(run_alg):
    """A county's DLTB checked against its control lines with its own 现状地类 breakdown: the layer given
    twice is read once, and the figures equal those of two separate copies of it."""
    def run(subject, base):
        res, fb, _ = run_alg(ALG, _params(SUBJECT_LAYER=subject, BASE_PARCELS=base, SUBJECT_ID_FIELD="BSM",
                                          SUBJECT_CODE_FIELD="DLBM", SUBJECT_SYSTEM=2))
        rows = sorted((f["SUBJ_ID"], f["ROLE"], f["DLBM"], f["QSXZ_GRP"], round(f["AREA_M2"], 4))
                      for f in res["CONFLICTS"].getFeatures())
        return rows, fb

    layer = _dltb_subjects()
    once, fb = run(layer, layer)
    twice, fb2 = run(_dltb_subjects(), _dltb_subjects())
    assert any("read once" in m or "只读取一次" in m for m in fb.infos)
    assert not any("read once" in m or "只读取一次" in m for m in fb2.infos)
    assert once == twice
    pbf = {r[0]: r for r in once if r[1] == "pbf"}
    assert pbf["T0"][2:] == ("0101", "集体", 5000.0) and pbf["T1"][2:] == ("0103", "国有", 7000.0)


def test_needs_a_control_layer(run_alg):
    with pytest.raises(QgsProcessingException):
        run_alg(ALG, _params(PBF_LAYER=None, EPRL_LAYER=None, UDB_LAYER=None))


def test_excel_report_reads_back(run_alg, tmp_path):
    import openpyxl

    xlsx = tmp_path / "合规性检查.xlsx"
    res, _, _ = run_alg(ALG, _params(OUTPUT_XLSX=str(xlsx), TITLE="测试项目"))
    assert res["OUTPUT_XLSX"] == str(xlsx) and xlsx.exists()
    assert not [p for p in tmp_path.iterdir() if p.name != xlsx.name]  # no temp file left behind
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:3] == ["审查结论汇总", "审查结论", "控制线内地类"] and "数据说明" in wb.sheetnames
    ws = wb["审查结论"]
    assert "测试项目" in str(ws.cell(1, 1).value)
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert "A" in cells and "不通过" in cells
    assert 0.5 in cells  # A occupies 0.5000 公顷 of 永久基本农田
    prov = [c.value for row in wb["数据说明"].iter_rows() for c in row]
    assert any("guotukit:compliancecheck" in str(v) for v in prov)
    assert any("ROUND_HALF_UP" in str(v) for v in prov)


def test_sample_county_totals_equal_independent_computation(run_alg):
    """Per-role occupied area on the sample county = Σ area(subject ∩ union(role)) computed plainly with shapely."""
    from pathlib import Path

    import numpy as np
    import shapely
    from qgis.core import QgsVectorLayer

    gpkg = Path(__file__).resolve().parents[2] / "data" / "sample" / "county.gpkg"
    lyr = {n: QgsVectorLayer(f"{gpkg}|layername={n}", n, "ogr") for n in ("GHYD", "YJJBNT", "STBHHX", "CZKFBJ")}
    res, _, _ = run_alg(ALG, {"SUBJECT_LAYER": lyr["GHYD"], "SUBJECT_CODE_FIELD": "GHDLBM", "PROJECT_TYPE": 6,
                              "PBF_LAYER": lyr["YJJBNT"], "EPRL_LAYER": lyr["STBHHX"], "UDB_LAYER": lyr["CZKFBJ"],
                              "AREA_BASIS": 1, "SLIVER_TOLERANCE": 0.0, "CONFLICTS": "memory:", "SUMMARY": "memory:"})
    got = {"pbf": 0.0, "eprl": 0.0, "udb": 0.0}
    for f in res["SUMMARY"].getFeatures():
        for role in got:
            got[role] += f[f"{role.upper()}_HA"]

    def geoms(layer):
        return np.array([shapely.from_wkb(bytes(f.geometry().asWkb())) for f in layer.getFeatures()], dtype=object)

    subjects = geoms(lyr["GHYD"])
    for role, name in (("pbf", "YJJBNT"), ("eprl", "STBHHX"), ("udb", "CZKFBJ")):
        union = shapely.union_all(geoms(lyr[name]))
        expected = shapely.area(shapely.intersection(subjects, union)).sum() / 10000.0
        assert expected > 0
        # summary values are rounded to 0.0001 ha per subject
        assert got[role] == pytest.approx(expected, abs=len(subjects) * 0.00005 + 1e-6), role


def test_curved_subject_and_geographic_subject_crs(run_alg):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsGeometry, QgsProject

    # a CurvePolygon subject (circle of radius 50 m centred on the 永久基本农田 edge at x = X0+50)
    curved = f"CURVEPOLYGON(CIRCULARSTRING({X0} {Y0 + 50},{X0 + 100} {Y0 + 50},{X0} {Y0 + 50}))"
    subjects = make_layer("CurvePolygon", "EPSG:4527", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)],
                          [(curved, ["O", "0701"])])
    res, _, _ = run_alg(ALG, _params(SUBJECT_LAYER=subjects))
    row = _by_id(res["SUMMARY"])["O"]
    assert row["PBF_PCT"] == pytest.approx(50.0, abs=0.1)  # half the disc lies on 永久基本农田
    assert row["AREA_HA"] == pytest.approx(3.14159 * 50 * 50 / 10000, rel=1e-3)
    # the same squares given in EPSG:4490: a GK working CRS is chosen, areas as in EPSG:4527
    ct = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4527"), QgsCoordinateReferenceSystem("EPSG:4490"),
                                QgsProject.instance())
    rows = []
    for f in _subjects().getFeatures():
        g = QgsGeometry(f.geometry())
        g.densifyByDistance(1.0)
        g.transform(ct)
        rows.append((g.asWkt(12), [f["XMDM"], f["GHDLBM"]]))
    geo = make_layer("Polygon", "EPSG:4490", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)], rows)
    res, fb, _ = run_alg(ALG, _params(SUBJECT_LAYER=geo, AREA_BASIS=0))
    assert _by_id(res["SUMMARY"])["A"]["PBF_PCT"] == pytest.approx(50.0, abs=0.01)
    assert any("4527" in i for i in fb.infos)  # zone 39 chosen as the working CRS


def test_missing_report_folder_is_refused_before_running(run_alg, tmp_path):
    target = tmp_path / "no" / "such" / "r.xlsx"
    with pytest.raises(QgsProcessingException, match="folder|文件夹"):
        run_alg(ALG, _params(OUTPUT_XLSX=str(target)))
    assert not target.parent.exists()


def test_a_temporary_report_gets_a_name_a_planner_recognises(run_alg):
    """Left as a temporary output, the workbook is 合规性检查_<title>_<time>.xlsx, a new name per run —
    never OUTPUT_XLSX.xlsx, which Excel refuses to open twice."""
    from pathlib import Path

    first, _, _ = run_alg(ALG, _params(OUTPUT_XLSX="TEMPORARY_OUTPUT", TITLE="某县 规划"))
    second, _, _ = run_alg(ALG, _params(OUTPUT_XLSX="TEMPORARY_OUTPUT", TITLE="某县 规划"))
    a, b = Path(first["OUTPUT_XLSX"]), Path(second["OUTPUT_XLSX"])
    assert a.exists() and b.exists() and a != b
    assert a.name.startswith("合规性检查_某县_规划_") and a.suffix == ".xlsx"


def test_a_geographic_layer_outside_china_gets_a_sentence_not_a_traceback(run_alg):
    """A WGS 84 layer drawn near (0°, 0°) — a memory layer made without a CRS gets one — has no CGCS2000 zone
    for its areas: one sentence naming the layer, the CRS and what to do."""
    far = make_layer("Polygon", "EPSG:4326", [("XMDM", QVariant.String)],
                     [("POLYGON((0 0,1 0,1 1,0 1,0 0))", ["A"])], "nowhere")
    with pytest.raises(QgsProcessingException) as err:
        run_alg(ALG, _params(SUBJECT_LAYER=far, SUBJECT_CODE_FIELD=None, SUBJECT_ID_FIELD="XMDM"))
    text = str(err.value)
    assert "nowhere" in text and "EPSG:4326" in text and "Traceback" not in text
