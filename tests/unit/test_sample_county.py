"""Tests of the synthetic county generator (tools/sample_county.py).

The county is generated once per module at N = 1 500 parcels; every check reads the
GeoPackage back with OGR, so it tests what a user (or QGIS) would see.
"""
import csv
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import shapely

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from osgeo import ogr  # noqa: E402  (GDAL comes with Debian's qgis; make deps installs it)
from pyproj import Geod, Transformer  # noqa: E402

from core.rounding import rhu  # noqa: E402
from tools import sample_county as sc  # noqa: E402

N = 1500
SEED = 20231101
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "standards"
LAYERS = {"DLTB", "GHYD", "YJJBNT", "STBHHX", "CZKFBJ", "XZQ"}
CROPLAND = {"0101", "0102", "0103"}
BUILT_UP = {"05H1", "0508", "0601", "0602", "0701", "0702", "08H1", "08H2", "08H2A", "0809",
            "0810", "0810A", "09", "1004", "1005"}


def _table(*candidates):
    for p in candidates:
        if p.is_file():
            with open(p, encoding="utf-8-sig", newline="") as fh:
                return {r["code"]: r["name"] for r in csv.DictReader(fh)}
    raise AssertionError(f"code table not found in {[str(p) for p in candidates]}: the plugin ships data/classification")


def _read(path, name):
    """(field defs {name: (type, width)}, rows [dict], geoms object array) of a layer."""
    ds = ogr.Open(str(path))
    lyr = ds.GetLayerByName(name)
    assert lyr is not None, name
    defn = lyr.GetLayerDefn()
    fdefs = {}
    names = []
    for i in range(defn.GetFieldCount()):
        fd = defn.GetFieldDefn(i)
        fdefs[fd.GetName()] = (fd.GetType(), fd.GetWidth())
        names.append(fd.GetName())
    rows, wkbs = [], []
    lyr.ResetReading()
    for f in lyr:
        rows.append({k: f.GetField(k) for k in names})
        wkbs.append(bytes(f.GetGeometryRef().ExportToIsoWkb()))
    srs = lyr.GetSpatialRef()
    gtype = lyr.GetGeomType()
    ds = None
    return {"fields": fdefs, "names": names, "rows": rows,
            "geoms": shapely.from_wkb(np.array(wkbs, dtype=object)), "wkb": wkbs,
            "srs": srs, "gtype": gtype}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("county") / "county.gpkg"
    seen = []
    result = sc.generate_county(path, n_parcels=N, seed=SEED,
                                progress=lambda f, m: seen.append((f, m)))
    data = {name: _read(path, name) for name in LAYERS}
    return {"path": path, "result": result, "progress": seen, **data}


def col(layer, name):
    return [r[name] for r in layer["rows"]]


# ---------------------------------------------------------------------------- structure
def test_layers_fields_crs_and_counts(county):
    ds = ogr.Open(str(county["path"]))
    assert {ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())} == LAYERS
    ds = None
    assert county["DLTB"]["names"] == [f for f, _, _ in sc.DLTB_FIELDS]
    for name in LAYERS:
        lay = county[name]
        assert lay["names"] == [f for f, _, _ in sc.LAYER_FIELDS[name]], name
        assert lay["srs"].GetAuthorityName(None) == "EPSG"
        assert lay["srs"].GetAuthorityCode(None) == "4527"
        assert lay["gtype"] == ogr.wkbMultiPolygon
        assert set(shapely.get_type_id(lay["geoms"])) == {6}, name
        assert shapely.is_valid(lay["geoms"]).all(), name
        assert county["result"]["layers"][name] == len(lay["rows"])
    assert len(county["DLTB"]["rows"]) == N
    assert len(county["GHYD"]["rows"]) == round(0.8 * N)
    assert 6 <= len(county["XZQ"]["rows"]) <= 10
    assert 3 <= len(county["STBHHX"]["rows"]) <= 4
    # coordinates in zone 39 near 117E / 35N
    xmin, ymin, xmax, ymax = shapely.total_bounds(county["DLTB"]["geoms"])
    assert 39_470_000 < xmin < xmax < 39_530_000
    assert 3_860_000 < ymin < ymax < 3_910_000
    # every coordinate on the 0.001 m grid
    c = shapely.get_coordinates(county["DLTB"]["geoms"])
    assert np.abs(c * 1000 - np.round(c * 1000)).max() < 1e-3
    # progress was reported and ended at 1.0
    assert county["progress"][-1][0] == 1.0


def test_bsm_unique_and_text_codes(county):
    for name in ("DLTB", "GHYD", "YJJBNT", "STBHHX", "CZKFBJ"):
        bsm = col(county[name], "BSM")
        assert len(set(bsm)) == len(bsm), name
        assert all(len(b) == 18 and b.isdigit() for b in bsm), name
    fields = county["DLTB"]["fields"]
    for f, kind, width in sc.DLTB_FIELDS:
        expected = {"str": ogr.OFTString, "real": ogr.OFTReal, "int": ogr.OFTInteger}[kind]
        assert fields[f][0] == expected, f
        if kind == "str":
            assert fields[f][1] == width, f
    rows = county["DLTB"]["rows"]
    assert "0101" in {r["DLBM"] for r in rows}  # leading zero kept
    assert all(r["YSDM"] == "2001010100" and r["SJNF"] == 2023 for r in rows)
    for r in rows:
        for k in ("QSDWDM", "ZLDWDM"):
            assert len(r[k]) == 19 and r[k].isdigit() and r[k].endswith("0000000"), r[k]
        assert r["TBBH"].isdigit() and len(r["TBBH"]) <= 8
    # TBBH unique within its village
    keys = [(r["ZLDWDM"], r["TBBH"]) for r in rows]
    assert len(set(keys)) == len(keys)


# ---------------------------------------------------------------------------- tiling
def test_dltb_tiles_the_county_outline(county):
    g = county["DLTB"]["geoms"]
    outline = sc.county_outline(N, SEED)
    areas = shapely.area(g)
    assert abs(areas.sum() - outline.area) < 1.0
    union = shapely.union_all(g)
    assert abs(union.area - areas.sum()) < 0.01  # no overlaps
    assert shapely.get_type_id(union) == 3 and shapely.get_num_interior_rings(union) == 0  # no gaps
    # the outer boundary is the outline, up to the 1 mm coordinate grid
    assert shapely.hausdorff_distance(union.exterior, outline.exterior) < 2e-3
    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="overlaps")
    if len(a):
        assert shapely.area(shapely.intersection(g[a], g[b])).max() < 0.01
    # the plan tiling covers the same outline
    gp = county["GHYD"]["geoms"]
    assert abs(shapely.area(gp).sum() - outline.area) < 1.0
    assert abs(shapely.union_all(gp).area - shapely.area(gp).sum()) < 0.01


def test_county_size_scales_with_parcels():
    assert sc.county_area_m2(3000) == pytest.approx(860e6)
    assert sc.county_area_m2(200_000) == pytest.approx(2000e6)
    mean_ha = sc.county_area_m2(200_000) / 200_000 / 1e4
    assert 0.5 <= mean_ha <= 2.0


# ---------------------------------------------------------------------------- areas
def test_tbmj_is_rounded_ellipsoidal_area(county):
    rows = county["DLTB"]["rows"]
    g = county["DLTB"]["geoms"]
    tbmj = np.array([r["TBMJ"] for r in rows])
    # independent check: geodesic area (pyproj) of the outline densified to 50 m in
    # the projected plane (domain_standards §4.5), CGCS2000 ellipsoid
    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    tr = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)
    dens = shapely.segmentize(g, 50.0)
    geo = shapely.transform(dens, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    ref = np.array([abs(geod.geometry_area_perimeter(x)[0]) for x in geo])
    assert np.abs(tbmj - ref).max() <= 0.005 + 1e-3
    frac = ref * 100 - np.floor(ref * 100)
    clear = np.abs(frac - 0.5) > 0.1  # not at a rounding tie within the methods' noise
    assert clear.mean() > 0.7
    assert all(t == rhu(x, 2) for t, x in zip(tbmj[clear], ref[clear]))
    # and exactly the project's own ellipsoidal area, rounded half up
    ell = sc.ellipsoidal_area_m2(g)
    assert all(t == rhu(x, 2) for t, x in zip(tbmj, ell))
    assert all(Decimal(repr(float(t))).as_tuple().exponent >= -2 for t in tbmj)


def test_deduction_rule_on_every_parcel(county):
    rows = county["DLTB"]["rows"]
    n_deducted = 0
    for r in rows:
        crop = r["DLBM"] in CROPLAND
        if r["KCXS"] > 0:
            n_deducted += 1
            assert crop and r["GDPDJB"] in {"2", "3", "4", "5"}, r
            assert r["GDLX"] in {"TT", "PD"}
            assert r["KCXS"] == sc.KCXS_TABLE[(r["GDLX"], r["GDPDJB"])]
            assert r["KCDLBM"] == "1203"
            assert r["KCMJ"] == rhu(r["TBMJ"] * r["KCXS"], 2)
            assert r["KCMJ"] > 0
        else:
            assert r["KCMJ"] == 0 and r["KCDLBM"] == ""
        assert r["TBDLMJ"] == rhu(r["TBMJ"] - r["KCMJ"], 2)
        if crop:
            assert r["GDPDJB"] in {"1", "2", "3", "4", "5"}
            assert r["ZZSXDM"] in {"LS", "FLS", "LYFL", "XG", "LLJZ", "WG"}
            if r["GDPDJB"] == "1":
                assert r["KCXS"] == 0
        else:
            assert r["GDLX"] == "" and r["GDPDJB"] == "" and r["KCXS"] == 0
    assert n_deducted > 0.3 * sum(r["DLBM"] in CROPLAND for r in rows)


# ---------------------------------------------------------------------------- codes
def test_codes_are_valid_and_names_match(county):
    cls = sc.REPO_ROOT / "data" / "classification"
    sandiao = _table(cls / "sandiao.csv", SHARED / "sandiao_dlbm.csv")
    ydyh = _table(cls / "ydyh2023.csv", SHARED / "ydyh_2023.csv")
    qsxz = _table(cls / "qsxz.csv", SHARED / "qsxz.csv")
    czcsxm = _table(cls / "czcsxm.csv", SHARED / "czcsxm.csv")
    rows = county["DLTB"]["rows"]
    dlbm = Counter(r["DLBM"] for r in rows)
    assert set(dlbm) <= set(sandiao)
    assert all(r["DLMC"] == sandiao[r["DLBM"]] for r in rows)
    # K and A codes are present (可调整地类, 部分细化地类)
    assert {"0201K", "0301K", "1104A"} <= set(dlbm)
    assert set(r["QSXZ"] for r in rows) <= set(qsxz)
    assert {"10", "20", "30"} <= set(r["QSXZ"] for r in rows)
    cz = Counter(r["CZCSXM"] for r in rows)
    assert set(cz) - {""} <= set(czcsxm)
    assert {"201", "202", "203", "204", "205"} <= set(cz)
    for r in rows:
        if r["CZCSXM"]:
            assert r["DLBM"] in BUILT_UP or r["DLBM"] == "1201", r
    # plan codes: 用地用海 2023, incl. level-3 codes
    prow = county["GHYD"]["rows"]
    assert all(r["GHDLBM"] in ydyh and r["GHDLMC"] == ydyh[r["GHDLBM"]] for r in prow)
    assert any(len(r["GHDLBM"]) == 6 for r in prow)
    assert set(r["CZCSLX"] for r in prow) == {"城镇", "村庄", ""}
    built_l1 = {"07", "08", "09", "10", "11", "12", "13", "14", "15", "16"}
    assert all(r["GHDLBM"][:2] in built_l1 for r in prow if r["CZCSLX"])


def test_land_use_mix_and_spatial_coherence(county):
    rows = county["DLTB"]["rows"]
    tbmj = np.array([r["TBMJ"] for r in rows])
    code = np.array([r["DLBM"] for r in rows])

    def share(codes):
        return tbmj[np.isin(code, list(codes))].sum() / tbmj.sum()

    assert 0.33 <= share(CROPLAND) <= 0.50
    assert 0.15 <= share({"0301", "0301K", "0302", "0305", "0307", "0307K"}) <= 0.28
    assert 0.08 <= share(BUILT_UP | {"1201"}) <= 0.17
    assert 0.03 <= share({"1101", "1103", "1104", "1104A", "1104K", "1107"}) <= 0.09
    assert 0.015 <= share({"1001", "1003", "1006"}) <= 0.05
    # clusters, not salt-and-pepper: neighbours share the level-1 class far more often
    # than a random arrangement of the same classes would
    g = county["DLTB"]["geoms"]
    a, b = shapely.STRtree(g).query(g, predicate="touches")
    keep = a < b
    a, b = a[keep], b[keep]
    l1 = np.array([c[:2] for c in code])
    same = (l1[a] == l1[b]).mean()
    p = np.array(list(Counter(l1).values())) / len(l1)
    assert same > 1.5 * (p ** 2).sum()


# ---------------------------------------------------------------------------- control lines
def test_vertex_targets_and_rule():
    assert sc.eprl_vertex_target(3000) == 20000
    assert sc.eprl_vertex_target(200_000) >= 100_000
    assert sc.udb_vertex_target(200_000) >= 5000
    assert sc.eprl_vertex_target(N) < sc.eprl_vertex_target(3000) < sc.eprl_vertex_target(10_000)


def test_stbhhx_and_czkfbj(county):
    st = county["STBHHX"]
    nv = [int(shapely.get_num_coordinates(x)) for x in st["geoms"]]
    assert max(nv) >= sc.eprl_vertex_target(N)
    assert county["result"]["stbhhx_max_vertices"] == max(nv)
    assert any(shapely.get_num_interior_rings(p) > 0
               for x in st["geoms"] for p in shapely.get_parts(x))
    zones = Counter(col(st, "ZRBHDFQ"))
    assert zones["核心保护区"] == 1 and zones["一般控制区"] == len(st["rows"]) - 1
    core = st["geoms"][col(st, "ZRBHDFQ").index("核心保护区")]
    assert core.area < 0.2 * shapely.area(st["geoms"]).max()
    assert all(r["HXBM"] and r["HXMC"] and r["HXLX"] for r in st["rows"])
    ell = sc.ellipsoidal_area_m2(st["geoms"])
    assert all(r["MJ"] == rhu(x, 2) for r, x in zip(st["rows"], ell))
    u = county["CZKFBJ"]
    nvu = [int(shapely.get_num_coordinates(x)) for x in u["geoms"]]
    assert min(nvu) >= sc.udb_vertex_target(N)
    assert set(col(u, "GHFQMC")) == {"城镇集中建设区", "城镇弹性发展区", "特别用途区"}
    assert Counter(col(u, "GHFQMC"))["特别用途区"] == 1
    assert all(sc.GHFQ_CODES[r["GHFQMC"]] == r["GHFQDM"] for r in u["rows"])
    # control lines do not overlap each other
    for lay in (st, u):
        g = lay["geoms"]
        assert abs(shapely.union_all(g).area - shapely.area(g).sum()) < 1.0
    assert shapely.intersection(shapely.union_all(st["geoms"]),
                                shapely.union_all(u["geoms"])).area < 1.0
    outline = sc.county_outline(N, SEED)
    for lay in (st, u):
        assert shapely.difference(shapely.union_all(lay["geoms"]), outline).area < 1.0


def test_yjjbnt_copies_cropland_parcels_outside_the_udb(county):
    d = county["DLTB"]
    by_key = {(r["ZLDWDM"], r["TBBH"]): i for i, r in enumerate(d["rows"])}
    p = county["YJJBNT"]
    assert len(p["rows"]) > 0
    crop = sum(r["DLBM"] in CROPLAND for r in p["rows"])
    assert crop >= 0.9 * len(p["rows"])
    assert len(set(col(p, "YJJBNTTBBH"))) == len(p["rows"])
    same_geom = 0
    for r, g in zip(p["rows"], p["geoms"]):
        i = by_key[(r["ZLDWDM"], r["TBBH"])]
        src = d["rows"][i]
        assert (r["DLBM"], r["QSXZ"]) == (src["DLBM"], src["QSXZ"])
        assert (r["YJJBNTTBMJ"], r["KCMJ"], r["YJJBNTMJ"]) == (src["TBMJ"], src["KCMJ"], src["TBDLMJ"])
        assert r["YJJBNTMJ"] == rhu(r["YJJBNTTBMJ"] - r["KCMJ"], 2)
        if shapely.equals_exact(g, d["geoms"][i], tolerance=0):
            same_geom += 1
        else:
            # edges moved (shift or ± buffer) by at most 0.5 m (plus the 1 mm grid):
            # everything that differs lies in a 0.5 m band along the parcel boundary
            diff = shapely.symmetric_difference(g, d["geoms"][i])
            assert shapely.buffer(d["geoms"][i].boundary, 0.505, quad_segs=32).contains(diff)
            assert abs(g.area / d["geoms"][i].area - 1) < 0.02
    shifted = len(p["rows"]) - same_geom
    assert 0.02 * len(p["rows"]) <= shifted <= 0.08 * len(p["rows"])
    # about 70 % of the cropland outside the town-development boundary
    udb = shapely.union_all(county["CZKFBJ"]["geoms"])
    assert not shapely.intersects(p["geoms"], udb).any()
    crop_out = [i for i, r in enumerate(d["rows"])
                if r["DLBM"] in CROPLAND and not shapely.intersects(d["geoms"][i], udb)]
    assert 0.55 <= len(p["rows"]) / len(crop_out) <= 0.85


def test_data_contains_conflicts_to_find(county):
    eprl = shapely.union_all(county["STBHHX"]["geoms"])
    d = county["DLTB"]
    built = np.array([r["DLBM"] in BUILT_UP for r in d["rows"]])
    inter = shapely.area(shapely.intersection(d["geoms"][built], eprl))
    assert (inter > 1.0).sum() >= 1
    crop = np.array([r["DLBM"] in CROPLAND for r in d["rows"]])
    assert (shapely.area(shapely.intersection(d["geoms"][crop], eprl)) > 1.0).sum() >= 1
    pbf_in = shapely.area(shapely.intersection(county["YJJBNT"]["geoms"], eprl))
    assert (pbf_in > 1.0).sum() >= 1
    # built-up parcels partly outside the UDB exist too (plan conflicts later)
    udb = shapely.union_all(county["CZKFBJ"]["geoms"])
    town = np.array([r["CZCSXM"] in ("201", "202") for r in d["rows"]])
    outside = shapely.area(shapely.difference(d["geoms"][town], udb))
    assert (outside > 1.0).any()


def test_ghyd_grows_towns_inside_the_udb(county):
    conc = shapely.union_all([g for g, r in zip(county["CZKFBJ"]["geoms"], county["CZKFBJ"]["rows"])
                              if r["GHFQMC"] == "城镇集中建设区"])
    built_l1 = {"07", "08", "09", "10", "11", "12", "13", "14", "15", "16"}

    def built_share(geoms, codes):
        m = np.array([c[:2] in built_l1 for c in codes])
        inter = shapely.area(shapely.intersection(geoms, conc))
        return inter[m].sum() / inter.sum()

    plan = built_share(county["GHYD"]["geoms"], col(county["GHYD"], "GHDLBM"))
    base_codes = [r["DLBM"] for r in county["DLTB"]["rows"]]
    base = shapely.area(shapely.intersection(county["DLTB"]["geoms"], conc))
    bm = np.array([c in BUILT_UP or c in {"1001", "1003", "1201"} for c in base_codes])
    assert plan > base[bm].sum() / base.sum() + 0.05


# ---------------------------------------------------------------------------- admin units
def test_villages_nest_in_townships(county):
    x = county["XZQ"]
    codes = col(x, "XZQDM")
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 9 and c.isdigit() for c in codes)
    assert all(c.startswith(sc.COUNTY_CODE) for c in codes)
    assert all(n.endswith(("镇", "乡")) for n in col(x, "XZQMC"))
    d = county["DLTB"]
    rp = shapely.point_on_surface(d["geoms"])
    tree = shapely.STRtree(x["geoms"])
    ip, it = tree.query(rp, predicate="within")
    hits = defaultdict(list)
    for i, t in zip(ip, it):
        hits[int(i)].append(int(t))
    assert len(hits) == len(d["rows"])
    vil_tsp = defaultdict(set)
    for i, r in enumerate(d["rows"]):
        assert len(hits[i]) == 1
        tcode = codes[hits[i][0]]
        assert r["ZLDWDM"][:9] == tcode
        assert r["QSDWDM"][:9] == tcode  # 飞入地 stay inside the township
        vil_tsp[r["ZLDWDM"][:12]].add(tcode)
        vil_tsp[r["QSDWDM"][:12]].add(tcode)
    assert all(len(v) == 1 for v in vil_tsp.values())
    # village names are one per code
    name_of = defaultdict(set)
    for r in d["rows"]:
        name_of[r["ZLDWDM"]].add(r["ZLDWMC"])
        name_of[r["QSDWDM"]].add(r["QSDWMC"])
    assert all(len(v) == 1 for v in name_of.values())
    # village sizes and several villages per township
    size = Counter(r["ZLDWDM"] for r in d["rows"])
    assert 50 <= np.mean(list(size.values())) <= 200
    assert min(size.values()) >= 10
    per_tsp = Counter(v[:9] for v in size)
    assert min(per_tsp.values()) >= 2
    # a few 飞入地 (权属 ≠ 坐落), all collective
    fly = [r for r in d["rows"] if r["QSDWDM"] != r["ZLDWDM"]]
    assert 1 <= len(fly) <= 0.03 * len(d["rows"])
    assert all(r["QSXZ"] in ("30", "31", "32") for r in fly)
    # XZQ tiles the county and DCMJ = Σ TBMJ of its parcels
    tb = defaultdict(float)
    for r in d["rows"]:
        tb[r["ZLDWDM"][:9]] += r["TBMJ"]
    for r in x["rows"]:
        assert r["DCMJ"] == pytest.approx(tb[r["XZQDM"]], abs=0.005)
    assert abs(shapely.area(x["geoms"]).sum() - shapely.area(d["geoms"]).sum()) < 1.0


# ---------------------------------------------------------------------------- determinism, CLI
def _signature(path):
    out = {}
    for name in sorted(LAYERS):
        lay = _read(path, name)
        out[name] = ([tuple(r.values()) for r in lay["rows"]], lay["wkb"])
    return out


def test_deterministic_for_a_seed(county, tmp_path):
    again = tmp_path / "again.gpkg"
    sc.generate_county(again, n_parcels=N, seed=SEED)
    a, b = _signature(county["path"]), _signature(again)
    for name in LAYERS:
        assert a[name][0] == b[name][0], name  # attribute tables identical
        assert a[name][1] == b[name][1], name  # geometries identical (WKB bytes)
    other = tmp_path / "other.gpkg"
    sc.generate_county(other, n_parcels=N, seed=SEED + 1)
    c = _signature(other)
    assert c["DLTB"][1] != a["DLTB"][1]
    assert c["DLTB"][0] != a["DLTB"][0]
    assert c["STBHHX"][1] != a["STBHHX"][1]


def test_cli_overwrites_output(tmp_path):
    out = tmp_path / "cli.gpkg"
    out.write_bytes(b"not a geopackage")
    proc = subprocess.run(
        [sys.executable, "-m", "tools.sample_county", str(out), "--parcels", "400", "--seed", "7",
         "--quiet"], cwd=str(REPO), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "DLTB" in proc.stdout and "400" in proc.stdout
    # no temp files left (listed before reading it: a newer GDAL's reader may add its own .aux.xml)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.gpkg"]
    ds = ogr.Open(str(out))
    assert ds.GetLayerByName("DLTB").GetFeatureCount() == 400
    ds = None


def test_rejects_too_few_parcels(tmp_path):
    with pytest.raises(ValueError):
        sc.generate_county(tmp_path / "x.gpkg", n_parcels=10)
    assert not (tmp_path / "x.gpkg").exists()
