"""``make bench``: GuotuKit against the reference tools, measured in the same run.

Structure table (issue 5): 200 000 DLTB + 200 000 GHYD parcels: ``guotukit:structuretable`` on the
attribute basis (table only, with and without the overlap check) and with the transition matrix;
on a subset, GuotuKit's transition pieces against QGIS's own chain (``native:intersection`` +
``native:fieldcalculator`` area + ``qgis:statisticsbycategories``) with the per code pair areas
side by side.

Asset packages (issue 4): ``guotukit:assetpackages`` end to end and the core engine alone on
10 000- and 100 000-parcel synthetic counties, and PySAL spopt max-p / pygeoda max-p greedy (installed
only into ``.venv-bench``) on the same eligible parcels with the same area floor: time, and how many
of their regions would pass our balance and public-share constraints.

Compliance check (issue 3): on a county-size synthetic county (default 200 000 DLTB parcels,
生态保护红线 with >10⁵ vertices), GuotuKit's ``guotukit:compliancecheck`` on all parcels, and on a
subset both GuotuKit and QGIS's own Overlap analysis (``native:calculatevectoroverlaps``) with the
per-role totals of the two side by side. Timings include reading the layers.

    python -m tools.bench [--parcels 200000] [--native-subset 10000] [--out bench_out] [--only structure|compliance|changes]
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _qgis():
    from qgis.core import QgsApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append(os.path.join(app.pkgDataPath(), "python", "plugins"))
    plugins = ROOT / ".build" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "guotukit").exists():
        (plugins / "guotukit").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(plugins))
    from processing.core.Processing import Processing

    Processing.initialize()
    from guotukit.processing_provider.provider import GuotuKitProvider

    provider = GuotuKitProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider


def _county(path: Path, n: int, plan_ratio: float = 0.8) -> Path:
    if path.exists():
        return path
    from tools.sample_county import generate_county

    t = time.time()
    info = generate_county(str(path), n_parcels=n, plan_ratio=plan_ratio)
    print(f"generated {path.name}: {info.get('counts', info)} in {time.time() - t:.0f} s")
    return path


def _layer(gpkg: Path, name: str, subset: str = ""):
    from qgis.core import QgsVectorLayer

    lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    if subset:
        lyr.setSubsetString(subset)
    assert lyr.isValid(), name
    return lyr


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


#: runs of each side of a ratio, taken in turn (A B A B A B) and the best of each kept: single runs on
#: this 2-core machine vary by 10-30 %, and interleaving keeps a slow spell from landing on one side only
RATIO_ROUNDS = 3


def _interleaved(*runs, rounds: int = RATIO_ROUNDS):
    """``runs``: callables returning (seconds, result). The best (seconds, result) of each, run in turn."""
    best = [None] * len(runs)
    for _ in range(rounds):
        for i, run in enumerate(runs):
            got = run()
            if best[i] is None or got[0] < best[i][0]:
                best[i] = got
    return best


def run_guotukit(gpkg: Path, subset: str, basis: int, base: bool = False, xlsx: str = ""):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    params = {
        "SUBJECT_LAYER": _layer(gpkg, "DLTB", subset), "SUBJECT_ID_FIELD": "BSM", "SUBJECT_CODE_FIELD": "DLBM",
        "SUBJECT_SYSTEM": 2, "PROJECT_TYPE": 0, "PBF_LAYER": _layer(gpkg, "YJJBNT"),
        "EPRL_LAYER": _layer(gpkg, "STBHHX"), "UDB_LAYER": _layer(gpkg, "CZKFBJ"), "AREA_BASIS": basis,
        "CONFLICTS": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT",
    }
    if base:   # the current land use under every conflict (the plan's own DLTB stands in for a 三调 layer)
        params["BASE_PARCELS"] = _layer(gpkg, "DLTB")
    if xlsx:
        params["OUTPUT_XLSX"] = xlsx
    t = time.time()
    res = processing.run("guotukit:compliancecheck", params, feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
    dt = time.time() - t
    summary = res["SUMMARY"]
    totals = {"pbf": 0.0, "eprl": 0.0, "udb": 0.0}
    for f in summary.getFeatures():
        for role in totals:
            totals[role] += f[f"{role.upper()}_HA"] or 0.0
    return dt, {k: v * 10000 for k, v in totals.items()}, res


def run_native(gpkg: Path, subset: str):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    ctx = QgsProcessingContext()
    ctx.setEllipsoid("NONE")  # planar, to compare with GuotuKit's planar basis
    layers = {"pbf": _layer(gpkg, "YJJBNT"), "eprl": _layer(gpkg, "STBHHX"), "udb": _layer(gpkg, "CZKFBJ")}
    t = time.time()
    res = processing.run("native:calculatevectoroverlaps",
                         {"INPUT": _layer(gpkg, "DLTB", subset), "LAYERS": list(layers.values()), "OUTPUT": "TEMPORARY_OUTPUT"},
                         feedback=QgsProcessingFeedback(), context=ctx)
    dt = time.time() - t
    out = res["OUTPUT"]
    totals = {}
    for role, lyr in layers.items():
        fname = f"{lyr.name()}_area"
        totals[role] = sum((f[fname] or 0.0) for f in out.getFeatures())
    return dt, totals


def run_structure(gpkg: Path, subset: str = "", **kw):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    params = {"BASE_LAYER": _layer(gpkg, "DLTB", subset), "TARGET_LAYER": _layer(gpkg, "GHYD"),
              "TABLE": "TEMPORARY_OUTPUT"}
    params.update(kw)
    t = time.time()
    res = processing.run("guotukit:structuretable", params, feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
    return time.time() - t, res


def run_native_transition(gpkg: Path, subset: str, overlay=None, overlay_field: str = "GHDLBM"):
    """QGIS's own chain for the transition areas: intersection, area, statistics by categories.
    ``overlay``: the layer to intersect with (default the county's GHYD)."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    ctx = QgsProcessingContext()
    fb = QgsProcessingFeedback()
    t = time.time()
    inter = processing.run("native:intersection", {
        "INPUT": _layer(gpkg, "DLTB", subset), "OVERLAY": overlay if overlay is not None else _layer(gpkg, "GHYD"),
        "INPUT_FIELDS": ["DLBM"], "OVERLAY_FIELDS": [overlay_field], "OVERLAY_FIELDS_PREFIX": "B_",
        "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb, context=ctx)["OUTPUT"]
    t_inter = time.time() - t
    calc = processing.run("native:fieldcalculator", {
        "INPUT": inter, "FIELD_NAME": "AREA_M2", "FIELD_TYPE": 0, "FIELD_LENGTH": 20, "FIELD_PRECISION": 4,
        "FORMULA": "area($geometry)", "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb, context=ctx)["OUTPUT"]
    stats = processing.run("qgis:statisticsbycategories", {
        "INPUT": calc, "VALUES_FIELD_NAME": "AREA_M2", "CATEGORIES_FIELD_NAME": ["DLBM", "B_" + overlay_field],
        "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb, context=ctx)["OUTPUT"]
    dt = time.time() - t
    pairs = {(f["DLBM"], f["B_" + overlay_field]): f["sum"] for f in stats.getFeatures()}
    return dt, t_inter, pairs


def structure_bench(out: Path, n: int, native_subset: int) -> bool:
    """``native_subset`` 0: QGIS's chain on all parcels (the default, a few minutes)."""
    gpkg = _county(out / f"county_{n}_plan{n}.gpkg", n, plan_ratio=1.0)
    print(f"\n== 用地结构调整表 structure table: {n} DLTB + {n} GHYD parcels ==")
    dt, res = run_structure(gpkg, "", AREA_BASIS=0, WITH_TRANSITION=False, CHECK_OVERLAPS=False)
    print(f"  table, attribute basis (TBDLMJ + KCMJ), no overlap check    {dt:7.1f} s  base {res['BASE_TOTAL']:.2f} ha, "
          f"target {res['TARGET_TOTAL']:.2f} ha")
    xlsx = out / "structure_bench.xlsx"
    (dt, res), (dt_tr, _), (dt_full, res_full) = _interleaved(
        lambda: run_structure(gpkg, "", AREA_BASIS=0, WITH_TRANSITION=False),
        lambda: run_structure(gpkg, "", AREA_BASIS=0, WITH_TRANSITION=True, TRANSITION="TEMPORARY_OUTPUT"),
        lambda: run_structure(gpkg, "", AREA_BASIS=0, WITH_TRANSITION=True, TRANSITION="TEMPORARY_OUTPUT",
                              WITH_FINANCE=True, OUTPUT_XLSX=str(xlsx)))
    print(f"  table, attribute basis, with the overlap check (default)     {dt:7.1f} s  overlapping pairs {int(res['OVERLAP_COUNT'])}"
          f"  (best of {RATIO_ROUNDS}, taken in turn with the two below)")
    dt_table = dt
    print(f"  table + transition matrix (overlay of the two layers)        {dt_tr:7.1f} s")
    dt, res = dt_full, res_full
    print(f"  table + transition matrix + finance + xlsx                   {dt:7.1f} s  peak RSS {_peak_mb():.0f} MB")
    print(f"    = {dt / dt_table:.2f}× the table alone (the transition's overlay is most of it); finance + xlsx add "
          f"{dt - dt_tr:+.1f} s = {dt / dt_tr:.2f}× table + transition")

    step = max(1, n // native_subset) if native_subset else 1
    subset = f"fid % {step} = 0" if step > 1 else ""
    dt_g, res = run_structure(gpkg, subset, AREA_BASIS=2, WITH_TRANSITION=True, CHECK_OVERLAPS=False,
                              TRANSITION_PIECES="TEMPORARY_OUTPUT")
    g_pairs = {}
    for f in res["TRANSITION_PIECES"].getFeatures():
        key = (f["BASE_CODE"], f["TARGET_CODE"])
        g_pairs[key] = g_pairs.get(key, 0.0) + f["PLANAR_M2"]
    dt_n, dt_inter, n_pairs = run_native_transition(gpkg, subset)
    keys = set(g_pairs) | set(n_pairs)
    worst = max(abs(g_pairs.get(k, 0.0) - (n_pairs.get(k) or 0.0)) for k in keys) if keys else 0.0
    tot_g, tot_n = sum(g_pairs.values()), sum(v or 0.0 for v in n_pairs.values())
    print(f"  {n // step} DLTB parcels × all {n} GHYD, planar, transition areas by code pair:")
    print(f"    GuotuKit structuretable (transition + pieces)             {dt_g:7.1f} s")
    print(f"    native:intersection + area + statisticsbycategories        {dt_n:7.1f} s  (intersection {dt_inter:.1f} s)  "
          f"ratio {dt_n / max(dt_g, 1e-9):.1f}×")
    print(f"    code pairs {len(g_pairs)} vs {len(n_pairs)}; total {tot_g:.1f} vs {tot_n:.1f} m²; largest pair difference {worst:.3f} m²")
    return len(g_pairs) == len(n_pairs) and worst < 1.0


def _read_gpkg(gpkg: Path, layer: str, cols):
    """Attributes and shapely geometries of a GeoPackage layer without QGIS (for timing core alone)."""
    import sqlite3

    import pandas as pd
    import shapely

    con = sqlite3.connect(str(gpkg))
    df = pd.read_sql(f"select {', '.join(cols)}, geom from {layer}", con)
    con.close()

    def wkb(blob):  # GeoPackage binary header: 8 bytes + envelope
        env = (blob[3] >> 1) & 7
        return bytes(blob[8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]:])

    return df.drop(columns="geom"), shapely.from_wkb([wkb(b) for b in df["geom"]])


PACKAGE_SCENARIOS = {10000: (50.0, 500.0), 100000: (20.0, 200.0)}  # parcels -> (min ha, max ha)


def packages_bench(out: Path, sizes=(10000, 100000), maxp_timeout: float = 600.0, with_maxp: bool = True) -> bool:
    """资产包: guotukit:assetpackages end to end and the core engine alone on synthetic counties, and
    spopt max-p / pygeoda max-p greedy on the same eligible parcels with the same area floor."""
    import numpy as np
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from core.finance import FinanceTable
    from core.packages import PackageRules, build_adjacency, evaluate
    from core.packages.compute import ControlInput, PackageInputs, run_packages

    ok = True
    fin = FinanceTable.example_table()
    for n in sizes:
        gpkg = _county(out / f"county_{n}.gpkg", n)
        mn, mx = PACKAGE_SCENARIOS.get(n, (20.0, 200.0))
        print(f"\n== 资产包 asset packages: {n} DLTB parcels, plan from GHYD, YJJBNT + STBHHX excluded, "
              f"{mn:g}–{mx:g} ha, public 20–60 % of construction land, balance ≥ 0 ==")
        params = {"PARCELS": _layer(gpkg, "DLTB"), "PLAN_LAYER": _layer(gpkg, "GHYD"),
                  "EXCLUDE_LAYERS": [_layer(gpkg, "YJJBNT"), _layer(gpkg, "STBHHX")], "MIN_AREA": mn, "MAX_AREA": mx,
                  "PACKAGES": "TEMPORARY_OUTPUT", "ASSIGNMENT": "TEMPORARY_OUTPUT"}

        def run_alg(params=params, **extra):
            t = time.time()
            got = processing.run("guotukit:assetpackages", dict(params, **extra), feedback=QgsProcessingFeedback(),
                                 context=QgsProcessingContext())
            return time.time() - t, got

        # the ratio's two sides, taken in turn, best of RATIO_ROUNDS each
        xlsx = out / f"packages_{n}.xlsx"
        (dt, res), (dt_x, res_x) = _interleaved(run_alg, lambda xlsx=xlsx: run_alg(OUTPUT_XLSX=str(xlsx)))
        print(f"  guotukit:assetpackages (reading, plan join, exclusions, overlap check, engine, both layers)  {dt:7.1f} s  "
              f"{int(res['PACKAGE_COUNT'])} packages, {int(res['FAILED_COUNT'])} failing, {int(res['LEFT_OUT_COUNT'])} eligible "
              f"parcels left out ({res['LEFT_OUT_PCT']:.1f} %)")
        ok &= int(res["FAILED_COUNT"]) == 0
        print(f"  the same with the Excel report (资产包汇总, 资金平衡, 六项清单, 未纳入图斑)                       {dt_x:7.1f} s  "
              f"= {dt_x / max(dt, 1e-9):.2f}× the delineation alone; workbook {xlsx.stat().st_size / 1e6:.1f} MB, "
              f"same packages: {int(res_x['PACKAGE_COUNT']) == int(res['PACKAGE_COUNT'])}")

        dl, dg = _read_gpkg(gpkg, "DLTB", ["BSM", "DLBM", "QSXZ", "QSDWDM", "TBMJ"])
        gh, gg = _read_gpkg(gpkg, "GHYD", ["GHDLBM"])
        _, yg = _read_gpkg(gpkg, "YJJBNT", ["BSM"])
        _, sg = _read_gpkg(gpkg, "STBHHX", ["BSM"])
        rules = PackageRules(min_area_ha=mn, max_area_ha=mx, public_min_pct=20, public_max_pct=60, public_basis="construction")
        inp = PackageInputs(geoms=dg, area_m2=dl["TBMJ"].to_numpy(), parcel_ids=dl["BSM"].tolist(), current_raw=dl["DLBM"].tolist(),
                            plan_geoms=gg, plan_codes=gh["GHDLBM"].tolist(), qsxz=dl["QSXZ"].tolist(),
                            owner_unit=dl["QSDWDM"].tolist(),
                            controls=[ControlInput("永久基本农田", yg), ControlInput("生态保护红线", sg)])
        t = time.time()
        run = run_packages(inp, rules, fin, seed=1)
        dt = time.time() - t
        st = run.result.stats
        print(f"  core run_packages                                                                     {dt:7.1f} s  "
              + ", ".join(f"{k} {v:.2f} s" for k, v in run.timings.items()))
        reasons = st["reasons"]
        from core.packages.whatif import PROVEN

        proven = sum(reasons.get(k, 0) for k in PROVEN)
        eligible = st["eligible"]
        print(f"  eligible {eligible}: packaged {st['packaged']}, left out {st['left_out']} ({st['left_out_pct']:.1f} %), of which "
              f"{proven} proven (" + ", ".join(f"{k} {reasons[k]}" for k in PROVEN if reasons.get(k)) + "), "
              f"{reasons.get('optimal_out', 0)} left out by a proven optimum and "
              f"{reasons.get('unplaced', 0)} ({100.0 * reasons.get('unplaced', 0) / max(eligible, 1):.1f} %) unproven")
        if n <= 10000:
            alone, tried = _alone_feasible(run, rules, build_adjacency(dg))
            print(f"  of the {tried} parcels not placed, {alone} could form a package if the whole county were free to them "
                  f"(greedy growth); the other {tried - alone} cannot even then")
        pk = run.result.packages
        print(f"  {len(pk)} packages, all passing: {bool((pk['status'] == 'pass').all())}; area {pk['area_m2'].min() / 1e4:.1f}–"
              f"{pk['area_m2'].max() / 1e4:.1f} ha, median compactness {pk['compactness'].median():.2f}")
        ok &= bool((pk["status"] == "pass").all())
        if not with_maxp or n > 10000:
            continue
        # reference regionalisation on the same eligible parcels, same area floor
        try:
            from tools.bench_maxp import run_maxp
        except ImportError as exc:  # pragma: no cover
            print(f"  max-p comparison skipped: {exc}")
            continue
        import shapely

        pt = run.parcels
        elig = np.flatnonzero(pt.eligible)
        sub_geoms = dg[elig]
        attrs = np.column_stack([(pt.revenue - pt.cost)[elig] / np.maximum(pt.area_m2[elig] / 1e4, 1e-9),
                                 (pt.nature[elig] == "公益性").astype(float)])
        adj = build_adjacency(sub_geoms)
        sub = _subset_table(pt, elig)
        for tool in ("pygeoda", "spopt"):
            r = run_maxp(tool, shapely.to_wkb(sub_geoms), pt.area_m2[elig], attrs, mn * 1e4, 1, maxp_timeout, ROOT)
            if r.get("error"):
                print(f"  {tool:8s} max-p: {r['error']}")
                continue
            labels = np.array([f"R{v}" if v >= 0 else "" for v in r["labels"]], dtype=object)
            ev = evaluate(labels, sub, adj, rules)
            k = len(ev)
            both = int((ev["ok_balance"] & ev["ok_public"]).sum())
            print(f"  {tool:8s} max-p: {r['time_weights_s'] + r['time_solve_s']:7.1f} s ({r['time_solve_s']:.1f} s solve), {k} regions; "
                  f"pass our balance {int(ev['ok_balance'].sum())} ({100.0 * ev['ok_balance'].mean():.0f} %), public share "
                  f"{int(ev['ok_public'].sum())} ({100.0 * ev['ok_public'].mean():.0f} %), both {both} ({100.0 * both / max(k, 1):.0f} %), "
                  f"area ≤ {mx:g} ha {int((ev['area_m2'] <= mx * 1e4).sum())}; unassigned {int((labels == '').sum())}")
    return ok




def variants_bench(out: Path, n: int = 20000, seeds=(1, 2, 3), exact_instances: int = 2) -> bool:
    """资产包 on a family of counties the engine was not written against (tools.county_variants):
    every variant × seed end to end (guotukit:assetpackages, no xlsx) and the core engine alone,
    with the left-out split into proven and unproven, ownership kept whole too, and on
    ≤ 500-parcel pieces the engine beside the best set packing over candidate packages."""
    import numpy as np
    import processing
    import shapely
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from core.finance import FinanceTable
    from core.packages import PackageRules, build_adjacency
    from core.packages.compute import ControlInput, PackageInputs, run_packages
    from core.packages.settle import HAVE_MILP, exact_packing
    from core.packages.whatif import PROVEN
    from tools.county_variants import VARIANTS, generate_variant

    vdir = out / "variants"
    vdir.mkdir(parents=True, exist_ok=True)
    print(f"\n== 资产包 on the county family: {len(VARIANTS)} variants × seeds {list(seeds)}, {n} parcels each; "
          "YJJBNT + STBHHX excluded at 50 %, 20–100 ha, public 20–60 % of construction land, balance ≥ 0 ==")
    print("  proven: no package can hold them (a proof with its bound); optimum: left out by a packing solved to "
          "optimality over every feasible package (coarse atoms only); unproven: neither; end to end: "
          f"guotukit:assetpackages without xlsx, best of {RATIO_ROUNDS} runs")
    print(f"  {'county':16s} {'eligible':>8s} {'packaged':>8s} {'proven':>7s} {'optimum':>7s} {'unproven':>8s} {'unpr. %':>7s} "
          f"{'keep: unpr. % (optimum %)':>25s} {'engine s':>8s} {'end-to-end s':>12s} {'ref s':>6s}  binds most")
    print("  ref s: a fixed pure-Python loop timed before and after the end-to-end runs (~0.07 s when the VM is quiet; "
          "more during its slow spells, which slow every figure on the row alike)")
    rows = []
    ok = True
    for variant in VARIANTS:
        for seed in seeds:
            gpkg = vdir / f"{variant}_s{seed}.gpkg"
            fin_csv = vdir / f"{variant}_s{seed}_finance.csv"
            if not gpkg.exists() or not fin_csv.exists():
                generate_variant(gpkg, variant, seed, n_parcels=n)
            fin = FinanceTable.load(fin_csv)
            params = {"PARCELS": _layer(gpkg, "DLTB"), "PLAN_LAYER": _layer(gpkg, "GHYD"),
                      "EXCLUDE_LAYERS": [_layer(gpkg, "YJJBNT"), _layer(gpkg, "STBHHX")], "FINANCE_TABLE": str(fin_csv),
                      "MIN_AREA": 20, "MAX_AREA": 100, "PUBLIC_SHARE_MIN": 20, "PUBLIC_SHARE_MAX": 60, "PUBLIC_BASIS": 0,
                      "PACKAGES": "TEMPORARY_OUTPUT", "ASSIGNMENT": "TEMPORARY_OUTPUT"}
            ref = _machine_ref()
            dt_e2e = math.inf
            for _ in range(RATIO_ROUNDS):   # best of three, as the ratios: this 2-core VM's single runs vary by 10-30 %
                t = time.time()
                res = processing.run("guotukit:assetpackages", params, feedback=QgsProcessingFeedback(),
                                     context=QgsProcessingContext())
                dt_e2e = min(dt_e2e, time.time() - t)
            ref = (ref + _machine_ref()) / 2   # the loop before and after the runs
            if int(res["FAILED_COUNT"]):
                print(f"  {variant} s{seed}: {int(res['FAILED_COUNT'])} packages fail a constraint (end to end)")
                ok = False
            dl, dg = _read_gpkg(gpkg, "DLTB", ["BSM", "DLBM", "QSXZ", "QSDWDM", "TBMJ"])
            gh, gg = _read_gpkg(gpkg, "GHYD", ["GHDLBM"])
            _, yg = _read_gpkg(gpkg, "YJJBNT", ["BSM"])
            _, sg = _read_gpkg(gpkg, "STBHHX", ["BSM"])
            figures = {}
            for mode in ("report", "keep"):
                rules = PackageRules(min_area_ha=20, max_area_ha=100, public_min_pct=20, public_max_pct=60,
                                     public_basis="construction", owner_units=mode)
                inp = PackageInputs(geoms=dg, area_m2=dl["TBMJ"].to_numpy(), parcel_ids=dl["BSM"].tolist(),
                                    current_raw=dl["DLBM"].tolist(), plan_geoms=gg, plan_codes=gh["GHDLBM"].tolist(),
                                    qsxz=dl["QSXZ"].tolist(), owner_unit=dl["QSDWDM"].tolist(),
                                    controls=[ControlInput("永久基本农田", yg), ControlInput("生态保护红线", sg)])
                run = run_packages(inp, rules, fin, seed=1)
                st = run.result.stats
                reasons = st["reasons"]
                proven = sum(reasons.get(k, 0) for k in PROVEN)
                unproven = reasons.get("unplaced", 0)
                optimum = reasons.get("optimal_out", 0)
                failing = int((run.result.packages["status"] != "pass").sum()) if len(run.result.packages) else 0
                if failing:
                    print(f"  {variant} s{seed} ({mode}): {failing} packages fail a constraint")
                    ok = False
                figures[mode] = (st, proven, unproven, run, optimum)
            st, proven, unproven, run, optimum = figures["report"]
            e = max(st["eligible"], 1)
            keep_st, _, keep_unproven, _, keep_optimum = figures["keep"]
            top = run.binding.iloc[0]["label"] if run.binding is not None and len(run.binding) else "—"
            rows.append((variant, seed, st["eligible"], st["packaged"], proven, unproven, 100.0 * unproven / e,
                         100.0 * keep_unproven / max(keep_st["eligible"], 1), run.timings.get("delineation", 0.0), dt_e2e, ref))
            keep_opt = f"{rows[-1][7]:.1f} ({100.0 * keep_optimum / max(keep_st['eligible'], 1):.1f})"
            print(f"  {variant + ' s' + str(seed):16s} {st['eligible']:8d} {st['packaged']:8d} {proven:7d} {optimum:7d} {unproven:8d} "
                  f"{100.0 * unproven / e:7.1f} {keep_opt:>25s} {rows[-1][8]:8.1f} {dt_e2e:12.1f} {ref:6.2f}  {top}")
            if HAVE_MILP and exact_instances and seed == seeds[0]:
                pt = run.parcels
                c = shapely.centroid(dg)
                xy = np.column_stack([shapely.get_x(c), shapely.get_y(c)])
                rng = np.random.default_rng(seed)
                gaps = []
                for _ in range(exact_instances):
                    c0 = xy[rng.choice(np.flatnonzero(pt.eligible))]  # a piece with parcels to package
                    idx = np.sort(np.argsort(((xy - c0) ** 2).sum(1))[:500])
                    rules = PackageRules(min_area_ha=20, max_area_ha=100, public_min_pct=20, public_max_pct=60,
                                         public_basis="construction")
                    r = exact_packing(_subset_table(pt, idx), build_adjacency(dg[idx]), rules, seed=1, time_limit=20)
                    gaps.append(f"engine {r['engine']} / best packing {r['best']} / bound {r['upper']} of {r['eligible']}")
                print("      500-parcel pieces (parcels packaged): " + "; ".join(gaps))
    worst = max(r[6] for r in rows)
    print(f"  unproven share: worst {worst:.1f} % (target ≤ 5 %), median {float(np.median([r[6] for r in rows])):.1f} %; "
          f"ownership kept whole: worst {max(r[7] for r in rows):.1f} % (target ≤ 10 %); engine {min(r[8] for r in rows):.1f}–"
          f"{max(r[8] for r in rows):.1f} s, end to end {min(r[9] for r in rows):.1f}–{max(r[9] for r in rows):.1f} s (target ≤ 5 s); "
          f"ref loop {min(r[10] for r in rows):.2f}–{max(r[10] for r in rows):.2f} s")
    return ok


def _machine_ref() -> float:
    """Seconds of a fixed pure-Python loop (3·10⁶ additions, ~0.07 s on this 2-core VM when it is quiet): printed
    beside timings so that a row measured during one of the VM's slow spells (±30 % within minutes) shows as such."""
    t = time.perf_counter()
    s = 0
    for i in range(3_000_000):
        s += i
    return time.perf_counter() - t


def _alone_feasible(run, rules, adj):
    """How many of the parcels the engine left 'unplaced' could form a package on their own with
    every other parcel free (greedy growth with path search, not a proof either way)."""
    import numpy as np

    from core.packages.engine import _Engine

    eng = _Engine(run.parcels, adj, rules, 1, None, None)
    eng.build_atoms()
    eng.run()
    eng.owner[:] = [-1] * eng.m
    eng.pk = []
    atoms = sorted(set(eng.atom[np.flatnonzero(run.result.reason == "unplaced")].tolist()))
    ok = 0
    for a in atoms:
        members = eng.grow(a, None)
        if members:
            ok += 1
            for x in members:
                eng.owner[x] = -1
            eng.pk.pop()
    return ok, len(atoms)


def _subset_table(pt, idx):
    """The ParcelTable rows ``idx`` (for evaluating reference regions on the eligible parcels)."""
    from dataclasses import fields, replace

    arrays = {f.name: getattr(pt, f.name)[idx] for f in fields(pt) if f.name != "missing_prices"}
    return replace(pt, **arrays)


def change_bench(out: Path, n: int, native_subset: int) -> bool:
    """变化图斑分析: the county's DLTB against its 2024 vintage (tools.sample_vintage), end to end with the three
    control lines and the workbook; beside it QGIS's own chain on a subset of the earlier parcels × every
    later parcel, with the from → to areas compared."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from tools.sample_vintage import make_vintage

    gpkg = _county(out / f"county_{n}.gpkg", n)
    later = out / f"county_{n}_2024.gpkg"
    if not later.exists():
        make_vintage(gpkg, later)
    print(f"\n== 变化图斑分析 change detection: {n} parcels (三调) vs their 2024 vintage, YJJBNT/STBHHX/CZKFBJ ==")

    def run(subset="", **kw):
        params = {"BEFORE_LAYER": _layer(gpkg, "DLTB", subset), "AFTER_LAYER": _layer(later, "DLTB"),
                  "PBF_LAYER": _layer(gpkg, "YJJBNT"), "EPRL_LAYER": _layer(gpkg, "STBHHX"), "UDB_LAYER": _layer(gpkg, "CZKFBJ"),
                  "CHANGES": "TEMPORARY_OUTPUT", "SUSPECTS": "TEMPORARY_OUTPUT"}
        params.update(kw)
        t = time.time()
        res = processing.run("guotukit:changedetect", params, feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
        return time.time() - t, res

    xlsx = out / "change_bench.xlsx"
    dt, res = min((run(OUTPUT_XLSX=str(xlsx)) for _ in range(2)), key=lambda r: r[0])
    print(f"  end to end (both vintages read, overlay, categories, suspected problems, layers, xlsx; best of 2) "
          f"{dt:6.1f} s  (target ≤ 30 s)  peak RSS {_peak_mb():.0f} MB")
    print(f"    {int(res['CHANGE_COUNT'])} change pieces, {int(res['SUSPECT_COUNT'])} suspected-problem parts; "
          f"耕地流出 {res['CROPLAND_OUT_HA']:.4f} ha, 流入 {res['CROPLAND_IN_HA']:.4f} ha, 新增建设用地 {res['NEW_CONSTRUCTION_HA']:.4f} ha")
    step = max(1, n // native_subset) if native_subset else 1
    subset = f"fid % {step} = 0" if step > 1 else ""
    dt_g, res = run(subset, AREA_BASIS=2, CHECK_OVERLAPS=False, PBF_LAYER=None, EPRL_LAYER=None, UDB_LAYER=None,
                    SUSPECTS=None, MATRIX="TEMPORARY_OUTPUT")
    g_pairs = {(f["BGQ_DLBM"], f["BGH_DLBM"]): f["AREA_M2"] for f in res["MATRIX"].getFeatures()}
    dt_n, dt_inter, n_raw = run_native_transition(gpkg, subset, overlay=_layer(later, "DLTB"), overlay_field="DLBM")
    n_pairs = {}
    for (a, b), v in n_raw.items():   # the matrix compares K/A codes as their base class
        key = (a.rstrip("KA"), b.rstrip("KA"))
        n_pairs[key] = n_pairs.get(key, 0.0) + (v or 0.0)
    keys = set(g_pairs) | set(n_pairs)
    worst = max(abs(g_pairs.get(k, 0.0) - n_pairs.get(k, 0.0)) for k in keys) if keys else 0.0
    print(f"  {n // step} earlier parcels × all later parcels, planar, from → to areas by code pair:")
    print(f"    GuotuKit changedetect (layers + matrix)                    {dt_g:7.1f} s")
    print(f"    native:intersection + area + statisticsbycategories        {dt_n:7.1f} s  (intersection {dt_inter:.1f} s)  "
          f"ratio {dt_n / max(dt_g, 1e-9):.1f}×")
    print(f"    code pairs {len(g_pairs)} vs {len(n_pairs)}; largest pair difference {worst:.3f} m²")
    return worst < 1.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parcels", type=int, default=200000)
    ap.add_argument("--native-subset", type=int, default=10000)
    ap.add_argument("--out", default=str(ROOT / "bench_out"))
    ap.add_argument("--only", choices=("structure", "compliance", "packages", "variants", "changes"), default=None)
    ap.add_argument("--variant-parcels", type=int, default=20000, help="parcels per county of the 资产包 county family")
    ap.add_argument("--no-maxp", action="store_true", help="skip the spopt/pygeoda comparison (installs a bench venv)")
    ap.add_argument("--structure-native-subset", type=int, default=0,
                    help="DLTB parcels for the native comparison of the transition (0 = all)")
    args = ap.parse_args(argv)
    if args.only is None:
        # every section in a process of its own, as a planner's run or a qgis_process call is: in one process
        # the sections before leave a 3-4 GB heap whose garbage collections then land in the later ratios
        # (measured: 合规性检查 1.33× alone, 1.53× after the 资产包 sections)
        import subprocess

        rc = 0
        for section in ("packages", "variants", "changes", "structure", "compliance"):
            rc |= subprocess.call([sys.executable, "-m", "tools.bench", *(argv if argv is not None else sys.argv[1:]),
                                   "--only", section], cwd=str(ROOT))
        return rc
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _app, _prov = _qgis()
    ok_packages = True
    if args.only in (None, "packages"):
        ok_packages = packages_bench(out, with_maxp=not args.no_maxp)
        if args.only == "packages":
            return 0 if ok_packages else 1
    if args.only in (None, "variants"):
        ok_packages &= variants_bench(out, n=args.variant_parcels)
        if args.only == "variants":
            return 0 if ok_packages else 1
    if args.only in (None, "changes"):
        ok_changes = change_bench(out, args.parcels, args.native_subset)
        if args.only == "changes":
            return 0 if ok_changes else 1
    ok_structure = True
    if args.only in (None, "structure"):
        ok_structure = structure_bench(out, args.parcels, args.structure_native_subset)
        if args.only == "structure":
            return 0 if ok_structure else 1
    gpkg = _county(out / f"county_{args.parcels}.gpkg", args.parcels)
    step = max(1, args.parcels // max(args.native_subset, 1))
    subset = f"fid % {step} = 0"  # spread over the whole county, so every control line is hit

    print(f"\n== 合规性检查 compliance check: {args.parcels} DLTB parcels vs YJJBNT/STBHHX/CZKFBJ ==")
    g_sub, g_tot, _ = run_guotukit(gpkg, subset, basis=1)
    n_sub, n_tot = run_native(gpkg, subset)
    print(f"subset of {args.native_subset} parcels (planar areas, reading included):")
    print(f"  GuotuKit compliancecheck           {g_sub:8.2f} s")
    print(f"  native:calculatevectoroverlaps     {n_sub:8.2f} s   ratio native/GuotuKit = {n_sub / max(g_sub, 1e-9):.1f}×")
    print(f"  {'role':6s} {'GuotuKit m²':>16s} {'native m²':>16s} {'diff %':>8s}")
    ok = True
    for role in ("pbf", "eprl", "udb"):
        a, b = g_tot[role], n_tot[role]
        d = 0.0 if max(a, b) == 0 else abs(a - b) / max(a, b) * 100
        ok &= d < 0.01
        print(f"  {role:6s} {a:16.2f} {b:16.2f} {d:8.4f}")
    print(f"  per-role totals agree within 0.01 %: {'yes' if ok else 'NO'}")

    # the ratio's two sides, taken in turn, best of RATIO_ROUNDS each
    xlsx = out / "compliance_bench.xlsx"
    (g_all, all_tot, res), (g_full, full_tot, _) = _interleaved(
        lambda: run_guotukit(gpkg, "", basis=0), lambda: run_guotukit(gpkg, "", basis=0, base=True, xlsx=str(xlsx)))
    print(f"all {args.parcels} parcels (ellipsoidal basis, reading included, best of {RATIO_ROUNDS}): {g_all:.1f} s, "
          f"peak RSS {_peak_mb():.0f} MB; verdicts 通过 {int(res['PASS_COUNT'])} / 不通过 {int(res['FAIL_COUNT'])} / "
          f"需论证 {int(res['REVIEW_COUNT'])}; occupied ha: " + ", ".join(f"{k} {v / 10000:.2f}" for k, v in all_tot.items()))
    same = all(abs(full_tot[k] - all_tot[k]) < 0.01 * max(1.0, len(all_tot)) for k in all_tot)
    print(f"full job (BASE_PARCELS + Excel report, detail sheets bounded, CSV beside; best of {RATIO_ROUNDS}): {g_full:.1f} s = "
          f"{g_full / max(g_all, 1e-9):.2f}× the run without them; workbook {xlsx.stat().st_size / 1e6:.1f} MB; "
          f"same occupied areas: {'yes' if same else 'NO'}")
    return 0 if (ok and ok_structure and ok_packages) else 1


if __name__ == "__main__":
    sys.exit(main())
