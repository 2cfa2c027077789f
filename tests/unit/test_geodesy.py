"""Tests for core.geodesy. pyproj is used only here, as the independent reference."""

import functools
import time

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer  # noqa: E402

from core.geodesy import (  # noqa: E402
    GKParams,
    ellipsoidal_area,
    gk_inverse,
    gk_params,
    gk_params_from_values,
    planar_area,
    suggest_gk_epsg,
)

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
CM39_FE = 39_500_000.0  # EPSG:4527, zone 39, CM 117°E
Y0 = 3_500_000.0  # northing of the §4.5 table polygons (≈31.6°N; reproduces all four values)


def _tm_params(epsg):
    """(lon_0, x_0, y_0, k_0, lat_0, ellipsoid a, 1/f) of an EPSG projected CRS, from PROJ."""
    crs = CRS.from_epsg(epsg)
    v = {p.name: p.value for p in crs.coordinate_operation.params}
    return (
        v["Longitude of natural origin"],
        v["False easting"],
        v["False northing"],
        v["Scale factor at natural origin"],
        v["Latitude of natural origin"],
        crs.ellipsoid.semi_major_metre,
        crs.ellipsoid.inverse_flattening,
        crs.coordinate_operation.method_name,
    )


@functools.cache
def _to_geo(epsg):
    return Transformer.from_crs(epsg, 4490, always_xy=True)


@functools.cache
def _from_geo(epsg):
    return Transformer.from_crs(4490, epsg, always_xy=True)


def pyproj_area(poly, epsg=4527, densify=None):
    """Reference: pyproj inverse projection + geodesic polygon area (holes subtracted)."""
    if densify:
        poly = shapely.segmentize(poly, densify)
    total = 0.0
    for part in getattr(poly, "geoms", [poly]):
        for i, ring in enumerate([part.exterior, *part.interiors]):
            c = shapely.get_coordinates(ring)
            lon, lat = _to_geo(epsg).transform(c[:, 0], c[:, 1])
            a = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
            total += a if i == 0 else -a
    return total


# --------------------------------------------------------------------------
# CRS parameters
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "epsg, cm, fe, zone, width",
    [
        (4527, 117.0, 39_500_000.0, 39, 3),
        (4545, 108.0, 500_000.0, None, 3),
        (4513, 75.0, 25_500_000.0, 25, 3),
        (4533, 135.0, 45_500_000.0, 45, 3),
        (4534, 75.0, 500_000.0, None, 3),
        (4554, 135.0, 500_000.0, None, 3),
        (4491, 75.0, 13_500_000.0, 13, 6),
        (4501, 135.0, 23_500_000.0, 23, 6),
        (4502, 75.0, 500_000.0, None, 6),
        (4512, 135.0, 500_000.0, None, 6),
    ],
)
def test_gk_params_known_codes(epsg, cm, fe, zone, width):
    p = gk_params(epsg)
    assert p == GKParams(epsg, cm, fe, zone, width)


@pytest.mark.parametrize("epsg", [4326, 4490, 4555, 4490 - 1, 3857, 0, -1, None, "x"])
def test_gk_params_other_codes_none(epsg):
    assert gk_params(epsg) is None


def test_gk_params_match_pyproj_definitions():
    """Every code 4491-4554 against the EPSG definition shipped with PROJ."""
    for epsg in range(4491, 4555):
        p = gk_params(epsg)
        lon_0, x_0, y_0, k_0, lat_0, a, rf, method = _tm_params(epsg)
        assert method == "Transverse Mercator", epsg
        assert (lon_0, x_0, y_0, k_0, lat_0) == (p.central_meridian_deg, p.false_easting, 0, 1, 0), epsg
        assert a == 6378137.0 and abs(rf - 298.257222101) < 1e-9, epsg


def test_gk_params_from_values():
    assert gk_params_from_values(117, 39_500_000) == gk_params(4527)
    assert gk_params_from_values(108.0, 500_000.0) == gk_params(4545)
    assert gk_params_from_values(117, 20_500_000) == gk_params(4498)  # 6° zone 20 (CM 117)
    custom = gk_params_from_values(114.5, 500_000)
    assert custom.epsg is None and custom.zone is None and custom.zone_width is None
    assert custom.central_meridian_deg == 114.5 and custom.false_easting == 500_000
    local = gk_params_from_values(117, 500_000, false_northing=-3_000_000)
    assert local.epsg is None and local.zone_width == 3 and local.false_northing == -3_000_000
    with pytest.raises(ValueError):
        gk_params_from_values(float("nan"), 500_000)


def test_gk_params_from_values_custom_inverse_matches_pyproj():
    p = gk_params_from_values(114.5, 300_000, scale_factor=0.9996, false_northing=-1_000)
    t = Transformer.from_crs(
        CRS.from_proj4("+proj=tmerc +lon_0=114.5 +x_0=300000 +y_0=-1000 +k_0=0.9996 +ellps=GRS80 +units=m"),
        4490,
        always_xy=True,
    )
    x, y = np.meshgrid(np.linspace(150_000, 450_000, 7), np.linspace(2_000_000, 5_000_000, 7))
    lon, lat = gk_inverse(x, y, p)
    rlon, rlat = t.transform(x, y)
    assert np.abs(lon - rlon).max() < 1e-10
    assert np.abs(lat - rlat).max() < 1e-10


@pytest.mark.parametrize(
    "lon, prefix, width, expected",
    [
        (117.0, True, 3, 4527),
        (117.0, False, 3, 4548),
        (108.2, False, 3, 4545),
        (118.49, True, 3, 4527),
        (118.5, True, 3, 4528),  # zone boundary belongs to the eastern zone
        (115.5, True, 3, 4527),
        (115.49, True, 3, 4526),
        (73.6, True, 3, 4513),
        (134.9, False, 3, 4554),
        (117.0, True, 6, 4498),
        (117.0, False, 6, 4509),
        (72.0, True, 6, 4491),
        (131.9, True, 6, 4500),
    ],
)
def test_suggest_gk_epsg(lon, prefix, width, expected):
    code = suggest_gk_epsg(lon, with_zone_prefix=prefix, width=width)
    assert code == expected
    # independent check: the suggested zone's CM (from PROJ) is within half a zone
    lon_0 = _tm_params(code)[0]
    assert -width / 2 <= lon - lon_0 < width / 2


@pytest.mark.parametrize("lon, width", [(60.0, 3), (140.0, 3), (70.0, 6), (138.1, 6), (117.0, 4)])
def test_suggest_gk_epsg_out_of_range(lon, width):
    with pytest.raises(ValueError):
        suggest_gk_epsg(lon, width=width)


# --------------------------------------------------------------------------
# Inverse projection
# --------------------------------------------------------------------------
def test_gk_inverse_grid_against_pyproj():
    p = gk_params(4527)
    _, y20 = _from_geo(4527).transform(117.0, 20.0)
    _, y50 = _from_geo(4527).transform(117.0, 50.0)
    x, y = np.meshgrid(CM39_FE + np.linspace(-150_000, 150_000, 61), np.linspace(y20, y50, 121))
    lon, lat = gk_inverse(x, y, p)
    rlon, rlat = _to_geo(4527).transform(x, y)
    assert lon.shape == x.shape
    err = max(np.abs(lon - rlon).max(), np.abs(lat - rlat).max())
    assert err < 1e-8, err


@pytest.mark.parametrize("epsg, half_width", [(4545, 3.5), (4513, 3.5), (4498, 6.5), (4509, 6.5)])
def test_gk_inverse_zone_edges_against_pyproj(epsg, half_width):
    """Points up to ±3.5° (3° zones) / ±6.5° (6° zones) from the CM, 0–55°N."""
    p = gk_params(epsg)
    rng = np.random.default_rng(epsg)
    lon0 = p.central_meridian_deg + rng.uniform(-half_width, half_width, 5000)
    lat0 = rng.uniform(0.0, 55.0, 5000)
    x, y = _from_geo(epsg).transform(lon0, lat0)
    lon, lat = gk_inverse(x, y, p)
    rlon, rlat = _to_geo(epsg).transform(x, y)
    assert np.abs(lon - rlon).max() < 1e-9
    assert np.abs(lat - rlat).max() < 1e-9


def test_gk_inverse_scalar_and_central_meridian():
    p = gk_params(4545)
    lon, lat = gk_inverse(500_000.0, 0.0, p)
    assert lon.shape == () and float(lon) == pytest.approx(108.0, abs=1e-12)
    assert float(lat) == pytest.approx(0.0, abs=1e-12)
    # northing of 45°N on the CM is the meridian arc length: check via pyproj
    _, y45 = _from_geo(4545).transform(108.0, 45.0)
    lon, lat = gk_inverse(500_000.0, y45, p)
    assert float(lon) == pytest.approx(108.0, abs=1e-12)
    assert float(lat) == pytest.approx(45.0, abs=1e-11)


# --------------------------------------------------------------------------
# Ellipsoidal area: §4.5 table
# --------------------------------------------------------------------------
def _square(offset_m, size_m, y0=Y0):
    x0 = CM39_FE + offset_m
    return shapely.box(x0, y0, x0 + size_m, y0 + size_m)


@pytest.mark.parametrize(
    "offset, size, densify, table, tol",
    [
        (0, 1000, None, 999_999.99, 0.01),
        (140_000, 1000, None, 999_513.43, 0.01),
        (100_000, 20_000, 50, 399_880_360.66, 0.5),
    ],
)
def test_table_4_5(offset, size, densify, table, tol):
    poly = _square(offset, size)
    ours = ellipsoidal_area([poly], gk_params(4527), densify=densify)[0]
    ref = pyproj_area(poly, densify=densify)
    assert abs(ours - ref) <= tol, (ours, ref)
    # the table's figures (lower-left corner at CM + offset, N 3 500 000)
    assert abs(ours - table) <= tol, (ours, table)
    # and, whatever the latitude, within 0.05 % of the table
    assert abs(ours / table - 1) < 5e-4


def test_large_polygon_edges_are_gk_straight():
    """Edges are straight lines in the GK plane, so densifying in GK changes nothing,
    while a geodesic polygon on the four raw vertices is a different shape
    (§4.5: 399 880 689.02 geodesic vs 399 880 360.66 densified)."""
    poly = _square(100_000, 20_000)
    p = gk_params(4527)
    raw = ellipsoidal_area(poly, p)[0]
    dens = ellipsoidal_area(poly, p, densify=50)[0]
    assert abs(raw - dens) < 1e-3
    assert abs(raw - 399_880_360.66) < 0.01
    assert abs(pyproj_area(poly) - 399_880_689.02) < 0.01  # the reference itself
    assert abs(raw - pyproj_area(poly, densify=5)) < 0.01


def test_oblique_long_edges_at_high_latitude():
    """A triangle with 2 km oblique/east-west edges at 50°N, 250 km off the CM.
    Applying the trapezoid rule to the vertex latitudes alone is off by ~100 m² here."""
    _, y50 = _from_geo(4527).transform(117.0, 50.0)
    x0 = CM39_FE + 250_000
    tri = shapely.Polygon([(x0, y50), (x0 + 2000, y50), (x0 + 700, y50 + 1900)])
    ours = ellipsoidal_area([tri], gk_params(4527))[0]
    ref = pyproj_area(tri, densify=2)
    assert abs(ours - ref) < 0.01, (ours, ref)


def test_prefix_and_no_prefix_crs_agree():
    poly = shapely.Polygon([(CM39_FE + 12_000, Y0), (CM39_FE + 12_900, Y0 + 50), (CM39_FE + 12_400, Y0 + 800)])
    shifted = shapely.affinity.translate(poly, xoff=-39_000_000)
    a = ellipsoidal_area(poly, gk_params(4527))[0]
    b = ellipsoidal_area(shifted, gk_params(4548))[0]
    assert a == pytest.approx(b, abs=1e-6)
    assert abs(a - pyproj_area(poly, densify=5)) < 0.01


# --------------------------------------------------------------------------
# Ellipsoidal area: structure
# --------------------------------------------------------------------------
P = gk_params(4527)


def _ring(x0, y0, w, h):
    return [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]


def test_hole_subtracted_and_orientation_independent():
    ext = _ring(CM39_FE + 80_000, Y0, 900, 700)
    hole = _ring(CM39_FE + 80_200, Y0 + 150, 300, 250)
    poly = shapely.Polygon(ext, [hole])
    a_poly, a_ext, a_hole = ellipsoidal_area([poly, shapely.Polygon(ext), shapely.Polygon(hole)], P)
    assert a_poly == pytest.approx(a_ext - a_hole, abs=1e-6)
    assert abs(a_poly - pyproj_area(poly)) < 0.01
    assert a_hole > 74_000
    # all four orientation combinations give the same area
    variants = [shapely.Polygon(e, [h]) for e in (ext, ext[::-1]) for h in (hole, hole[::-1])]
    areas = ellipsoidal_area(variants, P)
    assert np.ptp(areas) < 1e-6
    assert areas[0] == pytest.approx(a_poly, abs=1e-6)


def test_multipolygon_is_sum_of_parts():
    a = shapely.Polygon(_ring(CM39_FE - 50_000, Y0, 400, 300))
    b = shapely.Polygon(_ring(CM39_FE + 60_000, Y0 + 9_000, 250, 800), [_ring(CM39_FE + 60_050, Y0 + 9_100, 50, 50)])
    mp = shapely.MultiPolygon([a, b])
    res = ellipsoidal_area([a, b, mp], P)
    assert res[2] == pytest.approx(res[0] + res[1], abs=1e-6)
    assert abs(res[2] - pyproj_area(mp)) < 0.01


def test_none_empty_and_non_areal_give_zero():
    sq = shapely.Polygon(_ring(CM39_FE, Y0, 100, 100))
    geoms = [
        None,
        shapely.Polygon(),
        shapely.MultiPolygon(),
        sq,
        shapely.Point(CM39_FE, Y0),
        shapely.LineString([(CM39_FE, Y0), (CM39_FE + 100, Y0 + 100)]),
        shapely.GeometryCollection(),
        shapely.GeometryCollection([sq, shapely.Point(0, 0)]),
        shapely.GeometryCollection([shapely.MultiPolygon([sq]), sq]),
    ]
    res = ellipsoidal_area(geoms, P)
    assert res.shape == (9,) and res.dtype == np.float64
    a = res[3]
    assert a == pytest.approx(pyproj_area(sq), abs=0.01)
    np.testing.assert_array_equal(res[[0, 1, 2, 4, 5, 6]], 0.0)
    assert res[7] == pytest.approx(a, abs=1e-9)
    assert res[8] == pytest.approx(2 * a, abs=1e-9)
    assert ellipsoidal_area([], P).shape == (0,)
    assert ellipsoidal_area([None, None], P).tolist() == [0.0, 0.0]
    # single geometry and numpy object array inputs
    assert ellipsoidal_area(sq, P).tolist() == [a]
    assert ellipsoidal_area(np.array([sq, None], dtype=object), P).tolist() == [a, 0.0]
    with pytest.raises(ValueError):
        ellipsoidal_area([sq], P, densify=0)


def test_planar_area():
    sq = shapely.Polygon(_ring(CM39_FE, Y0, 100, 50), [_ring(CM39_FE + 10, Y0 + 10, 10, 10)])
    res = planar_area([sq, None, shapely.Polygon(), shapely.Point(0, 0)])
    np.testing.assert_allclose(res, [4900.0, 0.0, 0.0, 0.0])
    assert planar_area(sq).tolist() == [4900.0]


# --------------------------------------------------------------------------
# Property test
# --------------------------------------------------------------------------
@st.composite
def small_convex_polygons(draw):
    zone = draw(st.integers(25, 45))
    epsg = 4513 + zone - 25
    dlon = draw(st.floats(-3.0, 3.0))
    lat = draw(st.floats(18.0, 53.0))
    cx, cy = _from_geo(epsg).transform(3.0 * zone + dlon, lat)
    n = draw(st.integers(3, 12))
    radius = draw(st.floats(5.0, 1000.0))
    angles = draw(st.lists(st.floats(0.0, 2 * np.pi), min_size=n, max_size=n))
    scales = draw(st.lists(st.floats(0.2, 1.0), min_size=n, max_size=n))
    pts = [(cx + radius * s * np.cos(a), cy + radius * s * np.sin(a)) for a, s in zip(angles, scales)]
    hull = shapely.convex_hull(shapely.MultiPoint(pts))
    return epsg, hull


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_convex_polygons())
def test_property_small_convex_polygons_match_pyproj(case):
    epsg, poly = case
    if not isinstance(poly, shapely.Polygon) or poly.area < 1.0:
        return  # degenerate hull (collinear points)
    ours = ellipsoidal_area([poly], gk_params(epsg))[0]
    ref = pyproj_area(poly, epsg=epsg, densify=5)
    assert abs(ours - ref) <= 0.01 + 1e-9 * ref, (ours, ref, poly.wkt)


# --------------------------------------------------------------------------
# Performance sanity
# --------------------------------------------------------------------------
def test_performance_200k_parcels():
    rng = np.random.default_rng(20240601)
    n = 200_000
    nverts = rng.integers(10, 31, n)
    cx = CM39_FE + rng.uniform(-150_000, 150_000, n)
    cy = rng.uniform(2_300_000, 5_500_000, n)
    geoms = np.empty(n, dtype=object)
    for k in range(10, 31):
        idx = np.flatnonzero(nverts == k)
        ang = np.sort(rng.uniform(0, 2 * np.pi, (idx.size, k)), axis=1)
        r = rng.uniform(20, 300, (idx.size, 1)) * rng.uniform(0.5, 1.0, (idx.size, k))
        xy = np.stack([cx[idx, None] + r * np.cos(ang), cy[idx, None] + r * np.sin(ang)], axis=-1)
        geoms[idx] = shapely.polygons(xy)
    t0 = time.perf_counter()
    areas = ellipsoidal_area(geoms, P)
    elapsed = time.perf_counter() - t0
    print(
        f"\nellipsoidal_area: {n} parcels, {int(shapely.get_num_coordinates(geoms).sum())} vertices in {elapsed:.2f} s"
    )
    # sanity: ellipsoidal/planar ratio is 1/k² ∈ (1 − 6e-4, 1] within ±150 km of the CM
    ratio = areas / shapely.area(geoms)
    assert ratio.min() > 1 - 6e-4 and ratio.max() < 1 + 1e-9
    # spot-check a sample against pyproj
    for i in rng.choice(n, 20, replace=False):
        assert abs(areas[i] - pyproj_area(geoms[i], densify=5)) < 0.01
