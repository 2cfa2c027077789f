"""Benchmark of core.overlay (合规性检查 overlay engine) against a naive shapely approach.

Usage (from the repository root, with the venv's python)::

    python -m tools.bench_overlay --synthetic 200000
    python -m tools.bench_overlay --gpkg out/sample_county.gpkg      # layers DLTB, YJJBNT, STBHHX, CZKFBJ

Synthetic county (CGCS2000 GK zone 39 coordinates, ≈ 2 000 km²): N Voronoi parcels (DLTB),
50 000 small 永久基本农田 polygons (a Voronoi coverage of a second point set, touching each
other), 3 生态保护红线 noisy star polygons with holes (300 000 vertices in all), 4 城镇开发边界
polygons (50 000 vertices in all, with a zone attribute).

Timed: ControlLayer build (subdivision + index + overlap check) per role, overlay per role,
total. The naive reference is what a plain script (or QGIS's Overlap analysis) does: for each
subject, the control features whose bbox it hits (STRtree over the *whole* features), their
union, ``subject.intersection(union).area`` — run on a random subset and extrapolated. Both
must give the same total occupied area on the subset within 0.01 % (and each subject within
0.001 m²; the engine runs with sliver tolerance 0 for this). Not a test: it prints a table
and the peak RSS; the exit status is 1 when the comparison fails.
"""
from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.overlay import ControlLayer, check_geometries, overlay  # noqa: E402

X0, Y0 = 39_480_000.0, 3_480_000.0  # GK zone 39 (EPSG:4527-style false easting with zone prefix)
ROLES = {"pbf": "YJJBNT", "eprl": "STBHHX", "udb": "CZKFBJ"}
ROLE_LABELS = {"pbf": "永久基本农田", "eprl": "生态保护红线", "udb": "城镇开发边界"}


# ------------------------------------------------------------------------------------------
# synthetic data
# ------------------------------------------------------------------------------------------
def _translate(geoms):
    return shapely.transform(geoms, lambda c: c + np.array([X0, Y0]))


def voronoi_cells(points: np.ndarray, side: float) -> np.ndarray:
    frame = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame))
    return shapely.intersection(cells, frame)


def noisy_ring(cx, cy, radius, n, rng, wobble=0.25, jitter=0.3):
    """A star-shaped closed ring with n vertices: smooth random lobes plus per-vertex jitter (m).

    r(θ) > 0 and θ increasing make the ring simple."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k, amp in ((3, 0.5), (5, 0.3), (11, 0.12), (37, 0.05), (131, 0.02)):
        r += wobble * amp * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r = radius * r + rng.normal(0.0, jitter, n)
    return np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)])


def star_with_holes(cx, cy, radius, n_outer, n_holes, n_hole_vertices, rng):
    shell = noisy_ring(cx, cy, radius, n_outer, rng)
    holes = []
    for k in range(n_holes):  # on a circle of 0.35 R, small enough not to touch each other or the shell
        a = 2 * np.pi * k / n_holes
        hr = 0.35 * radius * math.sin(math.pi / max(n_holes, 2)) * 0.6
        holes.append(noisy_ring(cx + 0.35 * radius * math.cos(a), cy + 0.35 * radius * math.sin(a), hr,
                                n_hole_vertices, rng, wobble=0.15)[::-1])
    return shapely.Polygon(shell, holes)


def synthetic_county(n_parcels: int, seed: int = 42):
    rng = np.random.default_rng(seed)
    side = math.sqrt(2000e6)  # ≈ 44.7 km
    t = time.perf_counter()
    parcels = voronoi_cells(rng.uniform(0, side, (n_parcels, 2)), side)
    # 永久基本农田: the 50 000 cells of a finer Voronoi coverage lying in the "flattest" land
    pts = rng.uniform(0, side, (160_000, 2))
    score = np.sin(pts[:, 0] / 2300.0) + np.sin(pts[:, 1] / 3100.0 + 1.0) + 0.5 * np.sin((pts[:, 0] + pts[:, 1]) / 900.0)
    cells = voronoi_cells(pts, side)
    pi, ci = shapely.STRtree(cells).query(shapely.points(pts), predicate="within")
    pbf = cells[np.unique(ci[np.isin(pi, np.argsort(-score)[:50_000])])]
    # 生态保护红线: 3 stars, 100 000 vertices each (outer 90 000 + 5 holes × 2 000)
    eprl = np.array([star_with_holes(cx, cy, 6000.0, 90_000, 5, 2_000, rng)
                     for cx, cy in ((10_000, 12_000), (33_000, 11_000), (22_000, 33_000))], dtype=object)
    # 城镇开发边界: 4 polygons, 12 500 vertices each
    udb = np.array([shapely.Polygon(noisy_ring(cx, cy, 2500.0, 12_500, rng, wobble=0.3))
                    for cx, cy in ((22_000, 20_000), (6_000, 36_000), (40_000, 30_000), (38_000, 42_000))], dtype=object)
    udb_attr = pd.DataFrame({"GHFQDM": ["010", "010", "020", "030"], "GHFQMC": ["集中建设区", "集中建设区", "弹性发展区", "特别用途区"]})
    out = {
        "subjects": _translate(parcels),
        "pbf": (_translate(pbf), None),
        "eprl": (_translate(eprl), None),
        "udb": (_translate(udb), udb_attr),
    }
    print(f"synthetic county: {len(parcels)} parcels, pbf {len(pbf)}, eprl {len(eprl)} "
          f"({int(shapely.get_num_coordinates(eprl).sum())} vertices), udb {len(udb)} "
          f"({int(shapely.get_num_coordinates(udb).sum())} vertices), generated in {time.perf_counter() - t:.1f} s")
    return out


# ------------------------------------------------------------------------------------------
# GeoPackage input
# ------------------------------------------------------------------------------------------
def _read_layer(ds, name, attributes=True):

    layer = ds.GetLayerByName(name)
    if layer is None:
        for i in range(ds.GetLayerCount()):
            if ds.GetLayerByIndex(i).GetName().lower() == name.lower():
                layer = ds.GetLayerByIndex(i)
                break
    if layer is None:
        return None, None
    srs = layer.GetSpatialRef()
    if srs is not None and srs.IsGeographic():
        raise SystemExit(f"layer {name} is in a geographic CRS; areas need a projected (GK) CRS")
    defn = layer.GetLayerDefn()
    fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    if not attributes:  # read only the geometry (the per-feature field access dominates otherwise)
        layer.SetIgnoredFields(fields)
        fields = []
    wkb, rows = [], []
    for feat in layer:
        g = feat.GetGeometryRef()
        if g is not None and g.HasCurveGeometry():
            g = g.GetLinearGeometry()
        wkb.append(None if g is None else bytes(g.ExportToIsoWkb()))
        rows.append([feat.GetField(f) for f in fields])
    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    geoms = shapely.force_2d(geoms)
    return geoms, pd.DataFrame(rows, columns=fields)


def read_gpkg(path):
    from osgeo import ogr

    ogr.UseExceptions()
    ds = ogr.Open(str(path))
    if ds is None:
        raise SystemExit(f"cannot open {path}")
    t = time.perf_counter()
    subjects, _ = _read_layer(ds, "DLTB", attributes=False)
    if subjects is None:
        raise SystemExit(f"{path} has no DLTB layer")
    out = {"subjects": subjects}
    for role, lname in ROLES.items():
        geoms, attrs = _read_layer(ds, lname, attributes=(role == "udb"))
        if geoms is None:
            print(f"  (no {lname} layer: role {role} skipped)")
            continue
        out[role] = (geoms, attrs)
    print(f"read {path}: {len(subjects)} DLTB parcels, "
          + ", ".join(f"{r} {len(out[r][0])} ({int(shapely.get_num_coordinates(out[r][0]).sum())} vertices)"
                      for r in ROLES if r in out)
          + f" in {time.perf_counter() - t:.1f} s")
    return out


# ------------------------------------------------------------------------------------------
# naive reference
# ------------------------------------------------------------------------------------------
def naive_occupied(subjects, controls):
    """Per subject: union of the control features whose bbox it hits, then intersection area."""
    present = ~shapely.is_missing(controls) & ~shapely.is_empty(controls)
    feats = controls[present]
    tree = shapely.STRtree(feats)
    cache = {}
    out = np.zeros(len(subjects))
    for i, s in enumerate(subjects):
        if s is None or s.is_empty:
            continue
        cand = tree.query(s)
        if len(cand) == 0:
            continue
        if len(cand) == 1:
            u = feats[cand[0]]
        else:
            key = tuple(sorted(cand.tolist()))
            u = cache.get(key)
            if u is None:
                u = cache[key] = shapely.union_all(feats[cand])
        out[i] = s.intersection(u).area
    return out


# ------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--synthetic", type=int, metavar="N", help="generate N Voronoi parcels")
    src.add_argument("--gpkg", type=Path, help="GeoPackage with DLTB, YJJBNT, STBHHX, CZKFBJ")
    ap.add_argument("--naive", type=int, default=2000, help="subjects in the naive comparison subset (0: skip)")
    ap.add_argument("--max-vertices", type=int, default=256)
    ap.add_argument("--sliver", type=float, default=1.0, help="sliver tolerance, m²")
    ap.add_argument("--no-geometry", action="store_true", help="overlay with want_geometry=False")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)

    data = synthetic_county(args.synthetic, args.seed) if args.synthetic else read_gpkg(args.gpkg)
    subjects = data["subjects"]
    subjects, rep = check_geometries(subjects, "repair")
    if rep["invalid"]:
        print(f"  subjects: {rep['invalid']} invalid, {len(rep['repaired'])} repaired, {len(rep['skipped'])} dropped")
    n = len(subjects)
    rng = np.random.default_rng(args.seed + 1)
    subset = np.sort(rng.choice(n, size=min(args.naive, n), replace=False)) if args.naive else np.empty(0, int)

    rows = []
    t_all = time.perf_counter()
    for role in ROLES:
        if role not in data:
            continue
        geoms, attrs = data[role]
        geoms, crep = check_geometries(geoms, "repair")
        if crep["invalid"]:
            print(f"  {role}: {crep['invalid']} invalid control geometries repaired/dropped")
        c0, t0 = time.process_time(), time.perf_counter()
        layer = ControlLayer(geoms, role, max_vertices=args.max_vertices, attributes=attrs)
        t1 = time.perf_counter()
        res = overlay(subjects, layer, sliver_tolerance=args.sliver, want_geometry=not args.no_geometry)
        t2, c2 = time.perf_counter(), time.process_time()
        tot = res.totals()
        row = {
            "role": role, "features": layer.n_features, "max_vert": layer.max_vertices_in, "pieces_ctl": layer.n_pieces,
            "overlap": layer.features_overlap, "build_s": t1 - t0, "overlay_s": t2 - t1, "cpu_s": c2 - c0,
            "hit": tot["subjects_hit"], "out_pieces": tot["pieces"], "slivers": tot["sliver_pieces"],
            "occupied_ha": tot["occupied_m2"] / 1e4,
        }
        if len(subset):
            ref_res = overlay(subjects[subset], layer, sliver_tolerance=0.0, want_geometry=False)
            engine_sum = ref_res.occupied.sum()
            t3 = time.perf_counter()
            naive = naive_occupied(subjects[subset], geoms)
            t4 = time.perf_counter()
            naive_sum = naive.sum()
            rel = abs(engine_sum - naive_sum) / naive_sum if naive_sum > 0 else abs(engine_sum)
            worst = float(np.abs(ref_res.occupied - naive).max()) if len(naive) else 0.0
            row.update({
                "naive_s_subset": t4 - t3,
                "naive_s_extrap": (t4 - t3) * n / len(subset),
                "rel_diff": rel,
                "max_subj_diff_m2": worst,
                # the total within 0.01 %, and no single subject off by more than 0.001 m²
                "same": rel <= 1e-4 and worst <= 1e-3,
            })
            row["speedup"] = row["naive_s_extrap"] / max(row["build_s"] + row["overlay_s"], 1e-9)
        rows.append(row)
        del layer, res
    total = time.perf_counter() - t_all

    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:,.3f}".format):
        print()
        print(f"subjects: {n}   max_vertices: {args.max_vertices}   sliver tolerance: {args.sliver} m²   "
              f"geometry: {not args.no_geometry}")
        shown = table.copy()
        for col in ("rel_diff", "max_subj_diff_m2"):
            if col in shown:
                shown[col] = shown[col].map("{:.1e}".format)
        print(shown.to_string(index=False))
    engine = float(table["build_s"].sum() + table["overlay_s"].sum())
    print(f"\nengine total (build + overlay, all roles): {engine:.2f} s wall, {table['cpu_s'].sum():.2f} s CPU "
          f"(CPU of all threads; wall > CPU means the machine was busy with other work)")
    if len(subset):
        print(f"naive, extrapolated from {len(subset)} subjects: {table['naive_s_extrap'].sum():.1f} s "
              f"(×{table['naive_s_extrap'].sum() / max(engine, 1e-9):.0f}); totals agree within 0.01 % and every "
              f"subject within 0.001 m²: "
              f"{bool(table['same'].all())}")
    print(f"wall time incl. comparison: {total:.1f} s   peak RSS: {peak_rss_mb():.0f} MB")
    return 0 if (not len(subset) or bool(table["same"].all())) else 1


if __name__ == "__main__":
    sys.exit(main())
