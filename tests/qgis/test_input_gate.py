"""The input gate's matrix: every kind of bad input (tests/qgis/badinputs.KINDS) × every algorithm.

Each cell asserts its outcome as a user would see it: either refused with a sentence naming the
layer, field, file or folder — or run, with what was left out counted, and the figures equal to an
independent shapely/OGR computation on the valid features.  No cell lets Python's traceback text,
or a bare ValueError/TypeError, reach the user; no failed or cancelled run leaves a file behind or
touches an earlier output.
"""
from __future__ import annotations

import csv
import os

import numpy as np
import pytest
import shapely
from qgis.core import QgsProcessingException

from . import badinputs as bi

ALGS = ("convert", "structure", "compliance", "packages", "validate")
ALG_IDS = {"convert": "guotukit:convertlandusecodes", "structure": "guotukit:structuretable",
           "compliance": "guotukit:compliancecheck", "packages": "guotukit:assetpackages",
           "validate": "guotukit:validatepackages"}
MAIN = {"convert": ("INPUT", "DLTB"), "structure": ("BASE_LAYER", "DLTB"), "compliance": ("SUBJECT_LAYER", "GHYD"),
        "packages": ("PARCELS", "DLTB"), "validate": ("PARCELS", "DLTB")}
PROFILE_ALGS = ("compliance", "packages", "validate")
RAW_ERRORS = ("Traceback", "ValueError", "TypeError", "KeyError", "AttributeError", "IndexError", "ZeroDivisionError")
PROFILE = bi.ROOT / "data" / "rule_profiles" / "national_default.csv"


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    return bi.township(tmp_path_factory.mktemp("town"))


def lyr(gpkg, name):
    return f"{gpkg}|layername={name}"


def params(alg, town, out):
    """The clean run of each algorithm on the township, all outputs to files in ``out``."""
    out = str(out)
    if alg == "convert":
        return {"INPUT": lyr(town, "DLTB"), "CODE_FIELD": "DLBM", "NAME_FIELD": "DLMC", "SOURCE_SYSTEM": 0,
                "TARGET_SYSTEM": 0, "AREA_BASIS": 2, "AREA_FIELD": "TBMJ", "INVALID_GEOMETRY": 1,
                "OUTPUT": os.path.join(out, "converted.gpkg"), "SUMMARY": os.path.join(out, "summary.csv")}
    if alg == "structure":
        return {"BASE_LAYER": lyr(town, "DLTB"), "TARGET_LAYER": lyr(town, "GHYD"), "AREA_BASIS": 0,
                "BASE_AREA_FIELD": "TBMJ", "INVALID_GEOMETRY": 1, "WITH_TRANSITION": False,
                "TABLE": os.path.join(out, "table.gpkg"), "OUTPUT_XLSX": os.path.join(out, "structure.xlsx")}
    if alg == "compliance":
        return {"SUBJECT_LAYER": lyr(town, "GHYD"), "SUBJECT_ID_FIELD": "BSM", "SUBJECT_CODE_FIELD": "GHDLBM",
                "PROJECT_TYPE": 6, "PBF_LAYER": lyr(town, "YJJBNT"), "UDB_LAYER": lyr(town, "CZKFBJ"),
                "BASE_PARCELS": lyr(town, "DLTB"), "AREA_BASIS": 1, "SLIVER_TOLERANCE": 0, "INVALID_GEOMETRY": 1,
                "CONFLICTS": os.path.join(out, "conflicts.gpkg"), "SUMMARY": os.path.join(out, "verdicts.gpkg"),
                "OUTPUT_XLSX": os.path.join(out, "compliance.xlsx")}
    common = {"PARCELS": lyr(town, "DLTB"), "ID_FIELD": "BSM", "AREA_FIELD": "TBMJ", "PLAN_LAYER": lyr(town, "GHYD"),
              "EXCLUDE_LAYERS": [lyr(town, "YJJBNT")], "MIN_AREA": 5, "MAX_AREA": 60, "INVALID_GEOMETRY": 1,
              "PACKAGES": os.path.join(out, "packages.gpkg"), "ASSIGNMENT": os.path.join(out, "assignment.gpkg")}
    if alg == "validate":
        common["PACKAGE_FIELD"] = "ZLDWDM"
    return common


# ------------------------------------------------------------------------------------------ figures
def figures(alg, p):
    """The figure each algorithm's user reads, from the files it wrote (no QGIS)."""
    if alg == "convert":
        with open(p["SUMMARY"], encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return {"area_m2": sum(float(r["MJ_PFM"]) for r in rows), "rows": len(rows), "count": sum(int(r["TBSL"]) for r in rows)}
    if alg == "structure":
        return {}
    if alg == "compliance":  # the occupied area per subject (control features dissolved), exact m² in the layer
        subj = bi.read(p["SUMMARY"])
        return {"area_m2": sum(a["PBF_M2"] or 0.0 for _, _, a in subj), "rows": len(subj), "tol": 0.01}
    asg = bi.read(p["ASSIGNMENT"])
    return {"area_m2": sum(a["AREA_M2"] for _, _, a in asg), "rows": len(asg),
            "packaged": {a["PARCEL_ID"]: a["AREA_M2"] for _, _, a in asg if a["PKG_ID"]},
            "reasons": {a["PARCEL_ID"]: a["REASON"] for _, _, a in asg}}


def num(value) -> float:
    """An area as the test reads it: the value written, thousands separators removed."""
    return float(str(value).replace(",", ""))


def expected(alg, p, valid_rows, town):
    """The same figure computed independently (OGR + shapely) on the valid features only."""
    if alg == "convert" or alg in ("packages", "validate"):
        return sum(num(a["TBMJ"]) for _, _, a in valid_rows)
    if alg == "compliance":
        pbf = shapely.union_all([g for _, g, _ in bi.read(town, "YJJBNT") if g is not None])
        subj = np.array([g for _, g, _ in valid_rows], dtype=object)
        return float(shapely.area(shapely.intersection(subj, pbf)).sum())
    return None


def check_user_text(texts):
    for t in texts:
        for raw in RAW_ERRORS:
            assert raw not in str(t), f"raw Python error text reaches the user: {t}"


def run(run_alg, alg, p, feedback=None):
    """(result or None, exception text or '', every message the user saw)."""
    feedback = feedback or _recorder()
    try:
        res, fb, _ = run_alg(ALG_IDS[alg], p, feedback)
        texts = fb.errors + fb.warnings + fb.infos
        check_user_text(fb.errors + fb.warnings)
        return res, "", texts
    except QgsProcessingException as exc:
        fb = feedback
        texts = [str(exc)] + (list(getattr(fb, "errors", [])) if fb else [])
        check_user_text(texts)
        return None, " ".join(str(t) for t in texts), texts


def refused(run_alg, alg, p, *needles):
    res, msg, _ = run(run_alg, alg, p, _recorder())
    assert res is None, "expected a refusal"
    for n in needles:
        assert n in msg, f"{n!r} not in the message: {msg}"
    return msg


def _recorder():
    from .conftest import recording_feedback

    return recording_feedback()


def replace_main(alg, p, path, layer):
    key, _ = MAIN[alg]
    p[key] = path if path.endswith(".shp") else lyr(path, layer)
    return p


def new_files(folder, before):
    return sorted(set(os.listdir(folder)) - set(before))


# ------------------------------------------------------------------------------------------ the matrix
@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("kind", ["points", "lines"])
def test_non_polygon_main_layer_is_refused(run_alg, town, tmp_path, alg, kind):
    import osgeo.ogr as ogr

    _, layer = MAIN[alg]
    gtype = ogr.wkbPoint if kind == "points" else ogr.wkbMultiLineString
    f = (lambda i, g: g.centroid) if kind == "points" else (lambda i, g: g.boundary)
    path = bi.derive(town, layer, tmp_path / f"{kind}.gpkg", geometry=f, geom_type=gtype)
    p = replace_main(alg, params(alg, town, tmp_path), path, layer)
    before = os.listdir(tmp_path)
    msg = refused(run_alg, alg, p, MAIN[alg][0], layer, "polygon")
    assert ("点" in msg) if kind == "points" else ("线" in msg)
    assert new_files(tmp_path, before) == []


@pytest.mark.parametrize("alg", ALGS)
def test_layer_without_crs_is_refused(run_alg, town, tmp_path, alg):
    _, layer = MAIN[alg]
    path = bi.derive(town, layer, tmp_path / "noprj.shp", srs=False)
    assert not os.path.exists(tmp_path / "noprj.prj")
    p = replace_main(alg, params(alg, town, tmp_path), path, layer)
    refused(run_alg, alg, p, "noprj", ".prj", "CRS")


@pytest.mark.parametrize("alg", ALGS)
def test_whole_layer_with_swapped_xy_is_refused_with_extent_and_crs(run_alg, town, tmp_path, alg):
    _, layer = MAIN[alg]
    path = bi.derive(town, layer, tmp_path / "swapped.gpkg", geometry=lambda i, g: bi.swap_xy(g))
    p = replace_main(alg, params(alg, town, tmp_path), path, layer)
    refused(run_alg, alg, p, layer, "EPSG:4527", "x/y", "x 3,8")  # the extent: y values now in x


LEFT_OUT = {  # kind -> indices of the features of the main layer that are made unusable
    "swapped_feature": [0],
    "invalid_geoms": [0, 1, 2],
    "area_text": [1, 2, 3],
}


def _bad_copy(kind, alg, town, tmp_path):
    _, layer = MAIN[alg]
    if kind == "swapped_feature":
        return bi.derive(town, layer, tmp_path / "one_swapped.gpkg", geometry=lambda i, g: bi.swap_xy(g) if i == 0 else g)
    if kind == "invalid_geoms":
        def geom(i, g):
            return {0: bi.bowtie_near(g), 1: None, 2: shapely.Polygon()}.get(i, g)
        return bi.derive(town, layer, tmp_path / "invalid.gpkg", geometry=geom)
    field = "YDMJ" if alg == "compliance" else "TBMJ"

    def attrs(i, a):
        value = a.get("TBMJ")
        if alg == "compliance":
            value = None
        a[field] = {0: "__fmt__", 1: "", 2: "-5", 3: "约3亩"}.get(i, "__plain__")
        a["_v"] = value
        return a

    rows = bi.read(town, layer)

    def text_of(i, a):
        a = attrs(i, a)
        v = a.pop("_v")
        if v is None:  # compliance: the subject's planar area as its official area
            v = float(shapely.area(rows[i][1]))
        if a[field] == "__fmt__":
            a[field] = f"{v:,.6f}"
        elif a[field] == "__plain__":
            a[field] = repr(v)
        return a
    return bi.derive(town, layer, tmp_path / "area_text.gpkg", fields=text_of)


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("kind", sorted(LEFT_OUT))
def test_bad_features_are_counted_listed_and_left_out(run_alg, town, tmp_path, alg, kind):
    _, layer = MAIN[alg]
    path = _bad_copy(kind, alg, town, tmp_path)
    p = replace_main(alg, params(alg, town, tmp_path), path, layer)
    if kind == "area_text" and alg == "compliance":
        p.update(AREA_BASIS=2, AREA_FIELD="YDMJ")
    res, msg, texts = run(run_alg, alg, p)
    assert res is not None, msg
    rows = bi.read(path, layer)
    bad = set(LEFT_OUT[kind])
    valid = [r for i, r in enumerate(rows) if i not in bad]
    joined = "\n".join(map(str, texts))
    # the count is reported, and every left-out feature is listed by its id
    if alg in ("convert", "structure", "compliance"):
        assert res["SKIPPED_COUNT"] == len(bad), joined[:2000]
    fids = [rows[i][0] for i in bad]
    listed = " ".join(t for t in map(str, texts) if "ids" in t or "要素号" in t)
    for fid in fids:
        assert str(fid) in listed, (fid, listed[:1000])
    if kind == "area_text":
        assert "“约3亩”" in joined  # the unreadable value is quoted back
    if alg == "structure":
        want = sum(num(a["TBMJ"]) for _, _, a in valid) / 10000.0
        assert res["BASE_TOTAL"] == pytest.approx(want, abs=0.006)
        return
    got = figures(alg, p)
    want = expected(alg, p, valid, town)
    assert got["area_m2"] == pytest.approx(want, abs=got.get("tol", 0.005 * max(got["rows"], 1)) + 1e-6)
    if alg == "compliance":  # the subjects left out are 需论证 with a reason, never 通过
        verdicts = {a["SUBJ_ID"]: a for _, _, a in bi.read(p["SUMMARY"])}
        for i in bad:
            v = verdicts[str(rows[i][2]["BSM"])]
            assert v["VERDICT"] == "需论证" and ("未能检查" in v["REASONS"])
    if alg in ("packages", "validate"):
        reasons = got["reasons"]
        for i in bad:
            assert reasons[str(rows[i][2]["BSM"])], "a left-out parcel carries its reason"
            if alg == "packages":  # validate keeps the planner's own package id, and fails that package
                assert str(rows[i][2]["BSM"]) not in got["packaged"]
    if alg == "validate":
        pk = {a["PKG_ID"]: a for _, _, a in bi.read(p["PACKAGES"])}
        for i in bad:
            owner = rows[i][2]["ZLDWDM"]
            assert pk[owner]["STATUS"] != "pass", "a package holding an unusable parcel cannot pass"


def _gbk_copy(town, tmp_path, layer):
    path = bi.derive(town, layer, tmp_path / f"{layer.lower()}_gbk.shp")
    bi.recode_dbf(path[:-4] + ".dbf", "gbk")
    assert not os.path.exists(path[:-4] + ".cpg")
    with open(path[:-4] + ".dbf", "rb") as f:
        data = f.read()
    with pytest.raises(UnicodeDecodeError):
        data[data.index(b"\r") + 1:].decode("utf-8")  # really not UTF-8
    return path


@pytest.mark.parametrize("alg", ALGS)
def test_gbk_shapefile_without_cpg_gives_the_same_figures(run_alg, town, tmp_path, alg):
    clean_dir, gbk_dir = tmp_path / "clean", tmp_path / "gbk"
    clean_dir.mkdir()
    gbk_dir.mkdir()
    p_clean = params(alg, town, clean_dir)
    r_clean, msg, _ = run(run_alg, alg, p_clean)
    assert r_clean is not None, msg
    p = params(alg, town, gbk_dir)
    for key, value in list(p.items()):  # every input layer becomes a GBK shapefile without .cpg
        if isinstance(value, str) and "|layername=" in value:
            p[key] = _gbk_copy(town, gbk_dir, value.split("=")[-1])
        elif isinstance(value, list):
            p[key] = [_gbk_copy(town, gbk_dir, v.split("=")[-1]) for v in value]
    res, msg, texts = run(run_alg, alg, p)
    assert res is not None, msg
    for k, v in r_clean.items():
        if isinstance(v, (int, float)):
            assert res[k] == pytest.approx(v), k
    if alg != "structure":
        a, b = figures(alg, p_clean), figures(alg, p)
        assert b["area_m2"] == pytest.approx(a["area_m2"]) and b["rows"] == a["rows"]
    assert any("GB18030" in str(t) for t in texts), "the log says how the text was read"
    if alg == "compliance":
        from openpyxl import load_workbook

        wb = load_workbook(p["OUTPUT_XLSX"], read_only=True)
        text = " ".join(str(c) for ws in wb.worksheets if "说明" in ws.title for row in ws.iter_rows(values_only=True) for c in row if c)
        assert "GB18030" in text, "数据说明 says how the text was read"


@pytest.mark.parametrize("alg", ALGS)
def test_overlapping_parcels_are_reported(run_alg, town, tmp_path, alg):
    layer = "DLTB"
    rows = bi.read(town, layer)
    # a parcel under 永久基本农田 is covered a second time by its neighbour's (too large) polygon
    pbf = shapely.union_all([g for _, g, _ in bi.read(town, "YJJBNT")])
    i0 = next(i for i, (_, g, _) in enumerate(rows) if shapely.area(shapely.intersection(g, pbf)) > 1000)
    i1 = next(i for i, (_, g, _) in enumerate(rows) if i != i0 and shapely.intersects(g, rows[i0][1]))
    g0 = rows[i0][1]
    path = bi.derive(town, layer, tmp_path / "overlap.gpkg",
                     geometry=lambda i, g: shapely.union(g, shapely.buffer(g0, -0.5)) if i == i1 else g)
    p = params(alg, town, tmp_path)
    key = "BASE_PARCELS" if alg == "compliance" else MAIN[alg][0]
    p[key] = lyr(path, layer)
    res, msg, texts = run(run_alg, alg, p)
    assert res is not None, msg
    joined = "\n".join(map(str, texts))
    assert "重叠" in joined or "overlap" in joined
    if alg == "compliance":  # overlapping DLTB parcels never inflate the 控制线内地类 breakdown
        clean_dir = tmp_path / "clean"
        clean_dir.mkdir()
        pc = params(alg, town, clean_dir)
        run(run_alg, alg, pc)

        def pieces(q):
            conf = bi.read(q["CONFLICTS"])
            return sum(a["AREA_M2"] for _, _, a in conf if a["ROLE"] == "pbf"), len(conf)

        (with_overlap, n1), (clean, n2) = pieces(p), pieces(pc)
        assert with_overlap == pytest.approx(clean, abs=0.005 * (n1 + n2))


@pytest.mark.parametrize("alg", ["compliance", "packages", "validate"])
def test_empty_control_or_exclusion_layer_is_reported(run_alg, town, tmp_path, alg):
    from osgeo import gdal

    empty = str(tmp_path / "empty.gpkg")
    gdal.VectorTranslate(empty, str(town), layers=["YJJBNT"], where="1=0", format="GPKG")
    p = params(alg, town, tmp_path)
    if alg == "compliance":
        p["PBF_LAYER"] = lyr(empty, "YJJBNT")
    else:
        p["EXCLUDE_LAYERS"] = [lyr(empty, "YJJBNT")]
    res, msg, texts = run(run_alg, alg, p)
    assert res is not None, msg
    joined = "\n".join(map(str, texts))
    assert "为空" in joined
    if alg == "compliance":
        from openpyxl import load_workbook

        wb = load_workbook(p["OUTPUT_XLSX"], read_only=True)
        text = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
        assert "未检查" in text
    else:
        assert "未排除任何图斑" in joined


def _profile(tmp_path, kind):
    text = PROFILE.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    idx = next(i for i, line in enumerate(lines) if ",pbf," in line)
    if kind == "profile_role_typo":
        lines[idx] = lines[idx].replace(",pbf,", ",pdf,", 1)
    elif kind == "profile_unclosed_quote":
        cells = lines[idx].split(",")
        cells[-3] = '"' + cells[-3].replace('"', "")
        lines[idx] = ",".join(cells)
    else:
        lines = [line.replace(",", ";") for line in lines]
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, idx + 1


@pytest.mark.parametrize("alg", PROFILE_ALGS)
@pytest.mark.parametrize("kind", ["profile_role_typo", "profile_unclosed_quote", "profile_semicolon"])
def test_broken_rule_profile_is_refused_with_file_and_line(run_alg, town, tmp_path, alg, kind):
    path, line = _profile(tmp_path, kind)
    p = params(alg, town, tmp_path)
    p["RULE_PROFILE"] = str(path)
    if alg != "compliance":
        p["ALLOW_BY_PROFILE"] = True
    before = os.listdir(tmp_path)
    msg = refused(run_alg, alg, p, path.name)
    if kind == "profile_role_typo":
        assert f"第{line}行" in msg and "role" in msg and "pdf" in msg and "pbf" in msg and "eprl" in msg
    elif kind == "profile_unclosed_quote":
        assert "引号" in msg and f"第{line}行" in msg
    else:
        assert "“;”" in msg and "逗号" in msg
    assert new_files(tmp_path, before) == []


@pytest.mark.parametrize("alg", ALGS)
def test_unwritable_output_folder_is_refused_before_computing(run_alg, town, tmp_path, alg):

    if os.geteuid() == 0:
        folder = "/proc"  # root writes through permissions; /proc takes no new file, even for root
    else:
        folder = str(tmp_path / "ro")
        os.mkdir(folder)
        os.chmod(folder, 0o555)
    p = params(alg, town, tmp_path)
    key = {"convert": "OUTPUT", "structure": "TABLE", "compliance": "CONFLICTS", "packages": "PACKAGES", "validate": "PACKAGES"}[alg]
    p[key] = os.path.join(folder, os.path.basename(p[key]))
    fb = _recorder()
    res, msg, _ = run(run_alg, alg, p, fb)
    assert res is None and folder in msg and key in msg and "不可写" in msg
    # refused by checkParameterValues, before any computation: the run never started, no progress
    assert msg.startswith("Unable to execute algorithm") and fb.progress() == 0 and not fb.infos


def stamps(p, outs):
    return {k: (os.path.getmtime(p[k]), os.path.getsize(p[k])) for k in outs}


def earlier_outputs(run_alg, alg, p, folder):
    """Run once so that good outputs exist: (their parameter keys, their mtime and size)."""
    res, msg, _ = run(run_alg, alg, p)
    assert res is not None, msg
    outs = [k for k, v in p.items() if isinstance(v, str) and v.startswith(str(folder))]
    return outs, stamps(p, outs)


@pytest.mark.parametrize("alg", ALGS)
def test_missing_folder_of_a_later_output_keeps_earlier_outputs(run_alg, town, tmp_path, alg):
    p = params(alg, town, tmp_path)
    outs, stamp = earlier_outputs(run_alg, alg, p, tmp_path)
    first, last = outs[0], outs[-1]
    p2 = dict(p)
    p2[last] = str(tmp_path / "no such folder" / os.path.basename(p[last]))
    before = os.listdir(tmp_path)
    refused(run_alg, alg, p2, "no such folder", "不存在")
    assert new_files(tmp_path, before) == []
    assert stamps(p, outs) == stamp, first


@pytest.mark.parametrize("alg", ALGS)
def test_cancel_fails_and_leaves_nothing(run_alg, town, tmp_path, alg):
    p = params(alg, town, tmp_path)
    outs, stamp = earlier_outputs(run_alg, alg, p, tmp_path)
    fb = _recorder()
    fb.progressChanged.connect(lambda v: fb.cancel() if v > 12 else None)
    before = os.listdir(tmp_path)
    res, msg, _ = run(run_alg, alg, p, fb)
    assert res is None, "a cancelled run never returns success"
    assert "Cancel" in msg or "取消" in msg or "cancel" in msg
    assert new_files(tmp_path, before) == []
    assert stamps(p, outs) == stamp


def test_matrix_covers_every_kind():
    names = {n[len("test_"):] for n in globals() if n.startswith("test_")}
    assert names  # the kinds below are each exercised by one of the tests above
    covered = {"points", "lines", "no_crs", "swapped_layer", "gbk_no_cpg", "overlap", "empty_control", "readonly_output",
               "missing_output_folder", "cancel", "profile_role_typo", "profile_unclosed_quote", "profile_semicolon"} | set(LEFT_OUT)
    assert covered == set(bi.KINDS)


@pytest.mark.parametrize("with_base", [True, False])
@pytest.mark.parametrize("roles", [("PBF_LAYER",), ("EPRL_LAYER",), ("PBF_LAYER", "EPRL_LAYER"), ("PBF_LAYER", "EXTRA_LAYERS")])
def test_plan_that_touches_no_control_line_passes_everywhere(run_alg, town, tmp_path, roles, with_base):
    """The most common real case: a township plan clear of every control line given."""
    from openpyxl import load_workbook

    far = bi.derive(town, "YJJBNT", tmp_path / "far.gpkg",  # the township's 永久基本农田, moved 30 km east
                    geometry=lambda i, g: shapely.transform(g, lambda c: c + [30000.0, 0.0]))
    layers = {"PBF_LAYER": lyr(far, "YJJBNT"), "EPRL_LAYER": lyr(far, "YJJBNT"), "EXTRA_LAYERS": [lyr(far, "YJJBNT")]}
    p = params("compliance", town, tmp_path)
    for key in ("PBF_LAYER", "UDB_LAYER"):
        p.pop(key)
    p.update({k: layers[k] for k in roles})
    if "EXTRA_LAYERS" in roles:
        p["EXTRA_ROLES"] = "历史文化保护线"
    if not with_base:
        p.pop("BASE_PARCELS")
    res, msg, _ = run(run_alg, "compliance", p)
    assert res is not None, msg
    n = len(bi.read(town, "GHYD"))
    assert (res["PASS_COUNT"], res["FAIL_COUNT"], res["REVIEW_COUNT"], res["CONFLICT_COUNT"]) == (n, 0, 0, 0)
    assert bi.read(p["CONFLICTS"]) == []  # an empty but valid layer
    verdicts = bi.read(p["SUMMARY"])
    assert len(verdicts) == n and all(a["VERDICT"] == "通过" for _, _, a in verdicts)
    checked = [k for k, v in verdicts[0][2].items() if k.endswith("_ST") and v != "未检查"]
    assert checked and all(a[k] == "不涉及" for _, _, a in verdicts for k in checked)
    wb = load_workbook(p["OUTPUT_XLSX"], read_only=True)
    text = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "无冲突" in text


def test_conflicts_layer_has_exact_areas_and_no_zero_rows(run_alg, town, tmp_path):
    """Issue 12: the CONFLICTS layer carries exact m² (its sums reconcile with the verdict layer), and a
    piece that only grazes a neighbouring DLTB parcel never shows as a 0.00 m² classed row."""
    p = params("compliance", town, tmp_path)
    p["SLIVER_TOLERANCE"] = 1.0
    res, msg, _ = run(run_alg, "compliance", p)
    assert res is not None, msg
    conf = [a for _, _, a in bi.read(p["CONFLICTS"])]
    assert conf and all(a["AREA_M2"] >= 0.995 for a in conf if not a["SLIVER"]), min(a["AREA_M2"] for a in conf)
    subj = [a for _, _, a in bi.read(p["SUMMARY"])]
    for role in ("udb",):  # its two zones only touch: pieces and dissolved occupancy agree to the last digit
        pieces = sum(a["AREA_M2"] for a in conf if a["ROLE"] == role and not a["SLIVER"] and a["POSITION"] == "内")
        occupied = sum(a[f"{role.upper()}_M2"] for a in subj)
        assert pieces == pytest.approx(occupied, abs=1e-3)
