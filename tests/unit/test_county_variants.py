"""The family of synthetic benchmark counties (tools/county_variants.py), at 2 000 parcels.

Every variant is generated twice with the same seed: the GeoPackage has the six layers of the
sample county, DLTB tiles the county without gaps or overlaps (shared edges identical, so the
coverage union is exact), every DLTB.DLBM / GHYD.GHDLBM is a known code, the finance table loads,
and the second run gives the same DLTB attributes and geometries.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from core.finance import FinanceTable  # noqa: E402
from core.registry import get_registry  # noqa: E402
from tools import county_variants as cv  # noqa: E402
from tools.sample_county import LAYER_FIELDS, LAYER_ORDER  # noqa: E402

N = 2000
SEED = 2

# The generator nodes and polygonizes its lines with GEOS; it is validated on GEOS 3.11 (Debian 12, where
# make bench runs). GEOS 3.14 (shapely 2.2 wheels) polygonizes the same lines into far fewer faces — a
# known portability gap of this bench tool (issue 14 note), not of the plugin.
pytestmark = pytest.mark.skipif(shapely.geos_version[:2] != (3, 11),
                                reason=f"tools/county_variants is validated on GEOS 3.11, not {shapely.geos_version}")


def _layer(path: Path, name: str, cols):
    con = sqlite3.connect(str(path))
    try:
        rows = con.execute(f"select {', '.join(cols)}, geom from {name} order by fid").fetchall()
    finally:
        con.close()

    def wkb(blob):  # GeoPackage binary header: 8 bytes + envelope
        env = (blob[3] >> 1) & 7
        return bytes(blob[8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]:])

    attrs = [r[:-1] for r in rows]
    return attrs, shapely.from_wkb([wkb(r[-1]) for r in rows])


def _tables(path: Path):
    con = sqlite3.connect(str(path))
    try:
        return {r[0] for r in con.execute("select table_name from gpkg_contents")}
    finally:
        con.close()


@pytest.fixture(scope="module", params=list(cv.VARIANTS))
def county(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    first = cv.generate_variant(d / "a.gpkg", request.param, SEED, N)
    second = cv.generate_variant(d / "b.gpkg", request.param, SEED, N)
    return request.param, first, second


def test_layers_and_fields(county):
    _v, res, _ = county
    path = Path(res["path"])
    assert _tables(path) == set(LAYER_ORDER)
    con = sqlite3.connect(str(path))
    try:
        for name in LAYER_ORDER:
            cols = [r[1] for r in con.execute(f"pragma table_info({name})")]
            assert cols == ["fid", "geom"] + [f for f, _t, _w in LAYER_FIELDS[name]], name
            assert res["layers"][name] > 0, name
    finally:
        con.close()
    for name in LAYER_ORDER:
        _a, g = _layer(path, name, ["fid"])
        assert (shapely.get_type_id(g) == 6).all() and shapely.is_valid(g).all(), name


def test_dltb_tiles_the_county(county):
    _v, res, _ = county
    attrs, g = _layer(Path(res["path"]), "DLTB", ["TBMJ"])
    assert abs(len(g) - N) <= 0.1 * N
    c = shapely.get_coordinates(g)
    assert np.array_equal(c, np.round(c / 0.001) * 0.001)  # on the 0.001 m grid
    cov = shapely.coverage_union_all(g)  # exact only if neighbours share identical edges
    uni = shapely.union_all(g)
    total = float(shapely.area(g).sum())
    assert abs(total - uni.area) < 1.0
    assert abs(cov.area - uni.area) < 1.0 and shapely.is_valid(cov)
    assert cov.geom_type == "Polygon" and len(cov.interiors) == 0  # no gaps inside the county
    _x, xg = _layer(Path(res["path"]), "XZQ", ["XZQDM"])
    assert abs(float(shapely.area(xg).sum()) - uni.area) < 1.0
    tbmj = np.array([a[0] for a in attrs])
    assert np.all(tbmj > 0) and abs(tbmj.sum() - total) < 1e-4 * total


def test_codes_known_and_finance_loads(county):
    _v, res, _ = county
    path = Path(res["path"])
    reg = get_registry()
    sd, yd = reg.classification("sandiao"), reg.classification("ydyh2023")
    dl, _ = _layer(path, "DLTB", ["DLBM", "QSDWDM", "QSXZ"])
    gh, _ = _layer(path, "GHYD", ["GHDLBM"])
    assert all(r[0] in sd for r in dl)
    assert all(r[0] in yd for r in gh)
    assert {len(r[1]) for r in dl} == {19}
    assert {reg.ownership(r[2]) for r in dl} <= {"state", "collective"}
    fin = FinanceTable.load(res["finance_csv"])
    assert fin.example
    for code in sorted({r[0] for r in gh}):
        assert fin.lookup(code) is not None, code  # every planned class is priced
    assert all(e.cost >= 0 and e.revenue >= 0 for e in fin.entries)
    assert 0.0 < res["changed_share"] < 1.0
    assert 0.1 <= res["costly_changed_share"] <= 0.7


def test_same_seed_same_county(county):
    _v, a, b = county
    cols = [f for f, _t, _w in LAYER_FIELDS["DLTB"]]
    da, ga = _layer(Path(a["path"]), "DLTB", cols)
    db, gb = _layer(Path(b["path"]), "DLTB", cols)
    assert da == db
    assert bool(shapely.equals_exact(ga, gb, 0.0).all())
    assert Path(a["finance_csv"]).read_text(encoding="utf-8") == Path(b["finance_csv"]).read_text(encoding="utf-8")
    assert a["changed_share"] == b["changed_share"] and a["costly_changed_share"] == b["costly_changed_share"]


def test_hand_on_keeps_what_it_found_without_changing_a_package(tmp_path, monkeypatch):
    """hand_on() remembers, per package, which atom it can hand on (a search meets the same packages again
    and again) until that package or a neighbour changes.  On a county where it hands atoms on, the
    packages are the same parcel for parcel with the memory off; forgetting to drop it when a chain moves
    atoms changes ~500 of the 2 000 parcels here."""
    import core.packages.search as search
    from core.packages import PackageRules
    from core.packages.compute import PackageInputs, run_packages

    res = cv.generate_variant(tmp_path / "c.gpkg", "plan_much", 1, N)
    path = Path(res["path"])
    fin = FinanceTable.load(str(path).replace(".gpkg", "_finance.csv"))
    attrs, dg = _layer(path, "DLTB", ["BSM", "DLBM", "QSXZ", "QSDWDM", "TBMJ"])
    plan, pg = _layer(path, "GHYD", ["GHDLBM"])
    rules = PackageRules(min_area_ha=20, max_area_ha=100, public_min_pct=20, public_max_pct=60,
                         public_basis="construction")
    inp = PackageInputs(geoms=dg, area_m2=np.array([a[4] for a in attrs], dtype=float),
                        parcel_ids=[a[0] for a in attrs], current_raw=[a[1] for a in attrs], plan_geoms=pg,
                        plan_codes=[p[0] for p in plan], qsxz=[a[2] for a in attrs], owner_unit=[a[3] for a in attrs])
    runs = {}
    for memo in (True, False):
        monkeypatch.setattr(search, "HAND_ON_MEMO", memo)
        runs[memo] = run_packages(inp, rules, fin, seed=1, check_overlaps=False).result
    assert runs[True].stats["handed_on"] > 0
    assert (np.asarray(runs[True].labels) == np.asarray(runs[False].labels)).all()
