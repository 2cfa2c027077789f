"""core.pairarea: area(P ∩ Q) by the triangle-fan identity, on cases known by hand and against GEOS."""

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.overlay as ov
from core.overlay import ControlLayer, overlay
from core.pairarea import EdgeTable, intersection_areas, pair_areas

box = shapely.box
E = 39_500_000.0  # a 3° zone's false easting: survey coordinates are large
N = 3_400_000.0


def one(a, b):
    return float(pair_areas([a], [b])[0])


def test_squares_by_hand():
    assert one(box(0, 0, 2, 2), box(1, 1, 3, 3)) == pytest.approx(1.0, abs=1e-12)
    assert one(box(0, 0, 2, 2), box(0.5, 0.5, 1.5, 1.5)) == pytest.approx(1.0, abs=1e-12)  # inside
    assert one(box(0, 0, 2, 2), box(0, 0, 2, 2)) == pytest.approx(4.0, abs=1e-12)  # the same parcel
    assert one(box(0, 0, 2, 2), box(5, 5, 6, 6)) == 0.0  # apart


def test_touching_is_exactly_zero_in_survey_coordinates():
    """A shared edge or corner has no area — not 1e-9 m² of round-off (it would be a transition pair)."""
    a = box(E, N, E + 30.7, N + 41.3)
    assert one(a, box(E + 30.7, N, E + 61.1, N + 41.3)) == 0.0
    assert one(a, box(E + 30.7, N + 41.3, E + 50, N + 70)) == 0.0
    # the right half of a, cut on a vertex-on-edge (T-junction) line
    right = shapely.Polygon([(E + 15.35, N), (E + 30.7, N), (E + 30.7, N + 41.3), (E + 15.35, N + 41.3)])
    assert one(a, right) == pytest.approx(15.35 * 41.3, abs=1e-6)
    # a plan polygon digitised on the parcel's edge with a 1 mm spur outside it (seen in a county's GHYD)
    p = shapely.Polygon([(E + 56.375, N + 67.69), (E + 41.724, N + 104.508), (E + 66.342, N + 161.343),
                         (E + 95.044, N + 178.111), (E + 149.363, N + 51.135)])
    q = shapely.Polygon([(E - 2.138, N - 30.021), (E - 14.108, N - 16.4), (E + 56.375, N + 67.69),
                         (E + 149.363, N + 51.135), (E + 149.364, N + 51.135), (E + 151.402, N + 47.861),
                         (E + 96.096, N - 66.521), (E - 2.138, N - 30.021)])
    assert shapely.area(shapely.intersection(p, q)) == 0.0
    assert one(p, q) == 0.0 and one(q, p) == 0.0


def test_orientation_holes_and_multipolygons():
    ring = box(0, 0, 10, 10).difference(box(2, 2, 8, 8))  # 100 − 36 = 64
    assert one(ring, box(0, 0, 10, 10)) == pytest.approx(64.0, abs=1e-9)
    assert one(ring, box(3, 3, 7, 7)) == 0.0  # inside the hole
    assert one(ring, box(0, 0, 5, 10)) == pytest.approx(50 - 18, abs=1e-9)
    cw = shapely.Polygon([(0, 0), (0, 2), (2, 2), (2, 0)])  # clockwise exterior
    assert one(cw, box(1, 0, 3, 2)) == pytest.approx(2.0, abs=1e-12)
    multi = shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    assert one(multi, box(0.5, 0, 2.5, 1)) == pytest.approx(1.0, abs=1e-12)
    assert one(box(0.5, 0, 2.5, 1), multi) == pytest.approx(1.0, abs=1e-12)


def test_collections_count_their_polygons_only():
    gc = shapely.GeometryCollection([box(0, 0, 2, 2), shapely.LineString([(0, 0), (5, 5)]), shapely.Point(1, 1)])
    assert one(gc, box(1, 1, 3, 3)) == pytest.approx(1.0, abs=1e-12)
    assert one(box(1, 1, 3, 3), gc) == pytest.approx(1.0, abs=1e-12)
    assert list(pair_areas([None], [None])) == [0.0]


def test_none_empty_and_many_pairs_at_once():
    a = np.array([box(0, 0, 2, 2), None, shapely.Polygon(), box(0, 0, 1, 1)], dtype=object)
    b = np.array([box(1, 0, 3, 2), box(0, 0, 1, 1), box(0, 0, 1, 1), None], dtype=object)
    np.testing.assert_allclose(pair_areas(a, b), [2.0, 0.0, 0.0, 0.0])
    # one table per layer, any pairing of its geometries
    ta, tb = EdgeTable(a), EdgeTable(b)
    np.testing.assert_allclose(intersection_areas(ta, [0, 0, 3, 3], tb, [0, 1, 1, 0]), [2.0, 1.0, 1.0, 0.0])


def star(rng, cx, cy, r, n):
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * rng.uniform(0.3, 1.0, n)
    g = shapely.Polygon(np.c_[cx + rad * np.cos(t), cy + rad * np.sin(t)])
    return g if g.is_valid and g.area > 1 else shapely.box(cx - r / 2, cy - r / 3, cx + r / 2, cy + r / 3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), n1=st.integers(3, 25), n2=st.integers(3, 25),
       shift=st.floats(-60, 60), kind=st.sampled_from(["free", "hole", "copy", "complement", "cut", "reversed"]))
def test_against_geos(seed, n1, n2, shift, kind):
    rng = np.random.default_rng(seed)
    cx, cy = E + rng.uniform(0, 1000), N + rng.uniform(0, 1000)
    a = star(rng, cx, cy, 50, n1)
    b = star(rng, cx + shift, cy - shift / 2, 50, n2)
    if kind == "hole":
        a = a.difference(shapely.Point(cx, cy).buffer(8))
    elif kind == "copy":
        b = a
    elif kind == "complement":  # shares all of a's boundary inside the box
        b = box(*a.bounds).difference(a)
    elif kind == "cut":
        b = a.intersection(box(cx - 100, cy - 100, cx + shift / 3, cy + 100))
    elif kind == "reversed":
        a = shapely.reverse(a)
    want = shapely.area(shapely.intersection(a, b))
    got = one(a, b)
    assert got == pytest.approx(want, abs=1e-6)
    if want == 0.0:
        assert got == 0.0


def _tessellation(n, seed, dx=0.0):
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform(0, 1000, (n, 2)) + [E + dx, N])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box(E, N, E + 1000, N + 1000)))
    return shapely.intersection(cells, box(E, N, E + 1000, N + 1000))


def test_area_only_overlay_measures_without_geos_and_matches_it(monkeypatch):
    """The transition/plan-join overlay (areas only) takes the term path and gives GEOS's pieces."""
    base, plan = _tessellation(400, 1), _tessellation(150, 2)
    ref = overlay(base, ControlLayer(plan, "t", find_overlaps=False), sliver_tolerance=0.0, want_geometry=True)
    calls = []
    real = ov.intersection_areas
    monkeypatch.setattr(ov, "intersection_areas", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = overlay(base, ControlLayer(plan, "t", find_overlaps=False), sliver_tolerance=0.0, want_geometry=False)
    assert calls
    key = ["subject", "control"]
    r, g = ref.pieces.sort_values(key).reset_index(drop=True), got.pieces.sort_values(key).reset_index(drop=True)
    assert (r[key].to_numpy() == g[key].to_numpy()).all()
    np.testing.assert_allclose(g.area, r.area, atol=1e-6)
    np.testing.assert_allclose(got.occupied, ref.occupied, atol=1e-6)
    assert got.occupied.sum() == pytest.approx(1e6, abs=1e-3)  # two tessellations of one square km


def test_runs_are_ranges_and_repeats_with_empty_runs_anywhere():
    """The terms' edge indices are built as cumulative sums; runs of length 0 (a polygon without edges)
    at the start, in the middle or at the end must leave no trace."""
    from core.pairarea import _arange_runs, _repeat_runs

    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(0, 12))
        first, length = rng.integers(-40, 40, n), rng.integers(0, 4, n)
        ranges = [np.arange(f, f + k) for f, k in zip(first, length)]
        want = np.concatenate(ranges).astype(np.int64) if ranges else np.empty(0, dtype=np.int64)
        assert _arange_runs(first, length).tolist() == want.tolist()
        assert _repeat_runs(first, length).tolist() == np.repeat(first, length).tolist()
