"""``make bench``: GuotuKit against the reference tools, measured in the same run.

Compliance check (issue 3): on a county-size synthetic county (default 200 000 DLTB parcels,
生态保护红线 with >10⁵ vertices), GuotuKit's ``guotukit:compliancecheck`` on all parcels, and on a
subset both GuotuKit and QGIS's own Overlap analysis (``native:calculatevectoroverlaps``) with the
per-role totals of the two side by side. Timings include reading the layers.

    python -m tools.bench [--parcels 200000] [--native-subset 5000] [--out bench_out]
"""
from __future__ import annotations

import argparse
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


def _county(path: Path, n: int) -> Path:
    if path.exists():
        return path
    from tools.sample_county import generate_county

    t = time.time()
    info = generate_county(str(path), n_parcels=n)
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


def run_guotukit(gpkg: Path, subset: str, basis: int):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    params = {
        "SUBJECT_LAYER": _layer(gpkg, "DLTB", subset), "SUBJECT_ID_FIELD": "BSM", "SUBJECT_CODE_FIELD": "DLBM",
        "SUBJECT_SYSTEM": 2, "PROJECT_TYPE": 0, "PBF_LAYER": _layer(gpkg, "YJJBNT"),
        "EPRL_LAYER": _layer(gpkg, "STBHHX"), "UDB_LAYER": _layer(gpkg, "CZKFBJ"), "AREA_BASIS": basis,
        "CONFLICTS": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT",
    }
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parcels", type=int, default=200000)
    ap.add_argument("--native-subset", type=int, default=10000)
    ap.add_argument("--out", default=str(ROOT / "bench_out"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = _county(out / f"county_{args.parcels}.gpkg", args.parcels)
    _app, _prov = _qgis()
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

    g_all, all_tot, res = run_guotukit(gpkg, "", basis=0)
    print(f"all {args.parcels} parcels (ellipsoidal basis, reading included): {g_all:.1f} s, "
          f"peak RSS {_peak_mb():.0f} MB; verdicts 通过 {int(res['PASS_COUNT'])} / 不通过 {int(res['FAIL_COUNT'])} / "
          f"需论证 {int(res['REVIEW_COUNT'])}; occupied ha: " + ", ".join(f"{k} {v / 10000:.2f}" for k, v in all_tot.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
