"""``make demo``: run GuotuKit's algorithms on the embedded sample county through qgis_process.

Writes every output into ./out/ and prints what it wrote. Each later issue adds its
job here (structure table, compliance check, asset packages) with its Excel report.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .qgis_process import ROOT, QgisProcess

SAMPLE = ROOT / "data" / "sample" / "county.gpkg"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not SAMPLE.exists():
        print(f"sample county missing: {SAMPLE} (make sample)", file=sys.stderr)
        return 1

    qp = QgisProcess()
    res = qp.enable_plugin()
    if res.returncode != 0:
        print(res.stdout, res.stderr, file=sys.stderr)
        return 1
    written = []

    t0 = time.time()
    dltb = f"{SAMPLE}|layername=DLTB"
    target = out / "dltb_ydyh2023.gpkg"
    summary = out / "dltb_code_summary.csv"
    for p in (target, summary):
        if p.exists():
            p.unlink()
    r = qp.run(
        "guotukit:convertlandusecodes",
        {
            "INPUT": dltb,
            "CODE_FIELD": "DLBM",
            "NAME_FIELD": "DLMC",
            "SOURCE_SYSTEM": 0,
            "TARGET_SYSTEM": 0,
            "AREA_BASIS": 2,
            "AREA_FIELD": "TBDLMJ",
            "OUTPUT": str(target),
            "SUMMARY": str(summary),
        },
    )
    res = r.get("results", {})
    print(
        f"转换地类编码 convertlandusecodes: {int(res.get('FEATURE_COUNT', 0))} parcels, "
        f"{int(res.get('SPLIT_COUNT', 0))} 待细分, {int(res.get('UNKNOWN_COUNT', 0))} 未识别, "
        f"{int(res.get('BLANK_COUNT', 0))} 空值 ({time.time() - t0:.1f} s)"
    )
    written += [target, summary]

    # 合规性检查: the plan (GHYD) against 三区三线, broken down by current land class (DLTB)
    t0 = time.time()
    conflicts, verdicts, xlsx = out / "compliance_conflicts.gpkg", out / "compliance_verdicts.gpkg", out / "合规性检查.xlsx"
    for p in (conflicts, verdicts, xlsx):
        if p.exists():
            p.unlink()
    r = qp.run(
        "guotukit:compliancecheck",
        {
            "SUBJECT_LAYER": f"{SAMPLE}|layername=GHYD",
            "SUBJECT_CODE_FIELD": "GHDLBM",
            "SUBJECT_SYSTEM": 0,
            "PROJECT_TYPE": 6,  # 规划方案
            "PBF_LAYER": f"{SAMPLE}|layername=YJJBNT",
            "EPRL_LAYER": f"{SAMPLE}|layername=STBHHX",
            "UDB_LAYER": f"{SAMPLE}|layername=CZKFBJ",
            "BASE_PARCELS": f"{SAMPLE}|layername=DLTB",
            "TITLE": "样例县国土空间总体规划",
            "CONFLICTS": str(conflicts),
            "SUMMARY": str(verdicts),
            "OUTPUT_XLSX": str(xlsx),
        },
    )
    res = r.get("results", {})
    print(
        f"合规性检查 compliancecheck: {int(res.get('PASS_COUNT', 0))} 通过, {int(res.get('FAIL_COUNT', 0))} 不通过, "
        f"{int(res.get('REVIEW_COUNT', 0))} 需论证, {int(res.get('CONFLICT_COUNT', 0))} conflict pieces ({time.time() - t0:.1f} s)"
    )
    written += [conflicts, verdicts, xlsx]

    # 用地结构调整表: DLTB (三调, TBDLMJ + KCMJ as 田坎) vs the plan, per township, with the
    # transition matrix and the finance view (example prices)
    t0 = time.time()
    table, trans, sxlsx = out / "structure_table.csv", out / "structure_transition.csv", out / "用地结构调整表.xlsx"
    for p in (table, trans, sxlsx):
        if p.exists():
            p.unlink()
    r = qp.run(
        "guotukit:structuretable",
        {
            "BASE_LAYER": f"{SAMPLE}|layername=DLTB",
            "TARGET_LAYER": f"{SAMPLE}|layername=GHYD",
            "REGION_LAYER": f"{SAMPLE}|layername=XZQ",
            "REGION_NAME": "样例县",
            "WITH_FINANCE": True,
            "TABLE": str(table),
            "TRANSITION": str(trans),
            "OUTPUT_XLSX": str(sxlsx),
        },
    )
    res = r.get("results", {})
    print(
        f"用地结构调整表 structuretable: base {res.get('BASE_TOTAL')} ha, target {res.get('TARGET_TOTAL')} ha, "
        f"{int(float(res.get('SPLIT_COUNT', 0)))} 待细分 parcels ({time.time() - t0:.1f} s)"
    )
    written += [table, trans, sxlsx]

    # 资产包划定: the sample's parcels are large (median ≈ 26 ha), so packages of 100–1 000 ha
    t0 = time.time()
    pk, asg, pxlsx = out / "asset_packages.gpkg", out / "asset_assignment.gpkg", out / "资产包划定.xlsx"
    for p in (pk, asg, pxlsx):
        if p.exists():
            p.unlink()
    r = qp.run(
        "guotukit:assetpackages",
        {
            "PARCELS": f"{SAMPLE}|layername=DLTB",
            "PLAN_LAYER": f"{SAMPLE}|layername=GHYD",
            "EXCLUDE_LAYERS": [f"{SAMPLE}|layername=YJJBNT", f"{SAMPLE}|layername=STBHHX"],
            "CONDITION_LAYERS": [f"{SAMPLE}|layername=CZKFBJ"],
            "MIN_AREA": 100,
            "MAX_AREA": 1000,
            "REGION_NAME": "样例县",
            "PACKAGES": str(pk),
            "ASSIGNMENT": str(asg),
            "OUTPUT_XLSX": str(pxlsx),
        },
    )
    res = r.get("results", {})
    print(
        f"资产包划定 assetpackages: {int(float(res.get('PACKAGE_COUNT', 0)))} packages, "
        f"{int(float(res.get('FAILED_COUNT', 0)))} failing, {float(res.get('LEFT_OUT_PCT', 0)):.1f} % of eligible parcels "
        f"left out ({time.time() - t0:.1f} s)"
    )
    written += [pk, asg, pxlsx]

    qp.close()
    print("wrote:")
    for p in written:
        size = p.stat().st_size if p.exists() else 0
        print(f"  {p}  ({size / 1024:.0f} KiB)")
    missing = [p for p in written if not p.exists()]
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
