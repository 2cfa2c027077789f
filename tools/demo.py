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
VINTAGE = ROOT / "data" / "sample" / "county_2024.gpkg"   # the 2024 变更调查 of the sample (tools/sample_vintage.py)


def demo_runs(out: Path, sample: Path = SAMPLE, vintage: Path = VINTAGE) -> dict:
    """The demo's algorithm runs: {name: (algorithm id, parameters, [output files])}.  The independent
    reader tests (tests/qgis/test_demo_workbooks.py) run exactly these."""
    g = str(sample)
    return {
        "convert": ("guotukit:convertlandusecodes", {
            "INPUT": f"{g}|layername=DLTB", "CODE_FIELD": "DLBM", "NAME_FIELD": "DLMC", "SOURCE_SYSTEM": 0,
            "TARGET_SYSTEM": 0, "AREA_BASIS": 2, "AREA_FIELD": "TBDLMJ",
            "OUTPUT": str(out / "dltb_ydyh2023.gpkg"), "SUMMARY": str(out / "dltb_code_summary.csv")},
            [out / "dltb_ydyh2023.gpkg", out / "dltb_code_summary.csv"]),
        # 合规性检查: the plan (GHYD) against 三区三线, broken down by current land class (DLTB)
        "compliance": ("guotukit:compliancecheck", {
            "SUBJECT_LAYER": f"{g}|layername=GHYD", "SUBJECT_CODE_FIELD": "GHDLBM", "SUBJECT_SYSTEM": 0,
            "PROJECT_TYPE": 6,  # 规划方案
            "PBF_LAYER": f"{g}|layername=YJJBNT", "EPRL_LAYER": f"{g}|layername=STBHHX",
            "UDB_LAYER": f"{g}|layername=CZKFBJ", "BASE_PARCELS": f"{g}|layername=DLTB",
            "TITLE": "样例县国土空间总体规划", "CONFLICTS": str(out / "compliance_conflicts.gpkg"),
            "SUMMARY": str(out / "compliance_verdicts.gpkg"), "OUTPUT_XLSX": str(out / "合规性检查.xlsx")},
            [out / "compliance_conflicts.gpkg", out / "compliance_verdicts.gpkg", out / "合规性检查.xlsx",
             out / "合规性检查_审查结论.csv", out / "合规性检查_冲突明细.csv"]),
        # 用地结构调整表: DLTB (三调, TBDLMJ + KCMJ as 田坎) vs the plan, per township, with the
        # transition matrix and the finance view (example prices)
        "structure": ("guotukit:structuretable", {
            "BASE_LAYER": f"{g}|layername=DLTB", "TARGET_LAYER": f"{g}|layername=GHYD",
            "REGION_LAYER": f"{g}|layername=XZQ", "REGION_NAME": "样例县", "WITH_FINANCE": True,
            "TABLE": str(out / "structure_table.csv"), "TRANSITION": str(out / "structure_transition.csv"),
            "OUTPUT_XLSX": str(out / "用地结构调整表.xlsx")},
            [out / "structure_table.csv", out / "structure_transition.csv", out / "用地结构调整表.xlsx"]),
        # 资产包划定: the sample's parcels are large (median ≈ 26 ha), so packages of 100–1 000 ha
        "packages": ("guotukit:assetpackages", {
            "PARCELS": f"{g}|layername=DLTB", "PLAN_LAYER": f"{g}|layername=GHYD",
            "EXCLUDE_LAYERS": [f"{g}|layername=YJJBNT", f"{g}|layername=STBHHX"],
            "CONDITION_LAYERS": [f"{g}|layername=CZKFBJ"], "MIN_AREA": 100, "MAX_AREA": 1000,
            "REGION_NAME": "样例县", "PACKAGES": str(out / "asset_packages.gpkg"),
            "ASSIGNMENT": str(out / "asset_assignment.gpkg"), "OUTPUT_XLSX": str(out / "资产包划定.xlsx")},
            [out / "asset_packages.gpkg", out / "asset_assignment.gpkg", out / "资产包划定.xlsx"]),
        # 变化图斑分析: the 三调 DLTB against the sample's 2024 变更调查, with the three control lines
        "changes": ("guotukit:changedetect", {
            "BEFORE_LAYER": f"{g}|layername=DLTB", "BEFORE_YEAR": "2019（三调）",
            "AFTER_LAYER": f"{vintage}|layername=DLTB", "AFTER_YEAR": "2024（变更调查）",
            "PBF_LAYER": f"{g}|layername=YJJBNT", "EPRL_LAYER": f"{g}|layername=STBHHX",
            "UDB_LAYER": f"{g}|layername=CZKFBJ", "REGION_NAME": "样例县",
            "CHANGES": str(out / "change_pieces.gpkg"), "SUSPECTS": str(out / "change_suspects.gpkg"),
            "MATRIX": str(out / "change_matrix.csv"), "OUTPUT_XLSX": str(out / "变化图斑分析.xlsx")},
            [out / "change_pieces.gpkg", out / "change_suspects.gpkg", out / "change_matrix.csv", out / "变化图斑分析.xlsx"]),
        # 规划实施监测指标: the 2024 vintage against the example targets, with the change since 三调
        "indicators": ("guotukit:planindicators", {
            "CURRENT_LAYER": f"{vintage}|layername=DLTB", "YEAR": "2024", "PREVIOUS_LAYER": f"{g}|layername=DLTB",
            "PREVIOUS_YEAR": "2019", "PBF_LAYER": f"{g}|layername=YJJBNT", "EPRL_LAYER": f"{g}|layername=STBHHX",
            "UDB_LAYER": f"{g}|layername=CZKFBJ", "TARGETS": str(ROOT / "data" / "monitoring" / "targets_example.csv"),
            "POPULATION_TOWN": 650000, "REGION_NAME": "样例县", "OUTPUT": str(out / "plan_indicators.csv"),
            "OUTPUT_XLSX": str(out / "规划实施监测指标.xlsx")},
            [out / "plan_indicators.csv", out / "规划实施监测指标.xlsx"]),
        # 报批套合分析: the sample project's 勘测定界 against the 2024 变更调查, with its declared areas
        "surveyfit": ("guotukit:surveyfit", {
            "PROJECT_LAYER": f"{vintage}|layername=KCDJ", "DECLARED_TABLE": str(ROOT / "data" / "sample" / "project_kcdj.csv"),
            "DLTB_LAYER": f"{vintage}|layername=DLTB", "TITLE": "样例县城东安置区建设项目",
            "OUTPUT": str(out / "survey_fit.csv"), "OUTPUT_XLSX": str(out / "报批套合分析.xlsx")},
            [out / "survey_fit.csv", out / "报批套合分析.xlsx"]),
    }


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
    runs = demo_runs(out)
    summaries = {
        "convert": lambda res: (f"转换地类编码 convertlandusecodes: {int(res.get('FEATURE_COUNT', 0))} parcels, "
                                f"{int(res.get('SPLIT_COUNT', 0))} 待细分, {int(res.get('UNKNOWN_COUNT', 0))} 未识别, "
                                f"{int(res.get('BLANK_COUNT', 0))} 空值"),
        "compliance": lambda res: (f"合规性检查 compliancecheck: {int(res.get('PASS_COUNT', 0))} 通过, "
                                   f"{int(res.get('FAIL_COUNT', 0))} 不通过, {int(res.get('REVIEW_COUNT', 0))} 需论证, "
                                   f"{int(res.get('CONFLICT_COUNT', 0))} conflict pieces"),
        "structure": lambda res: (f"用地结构调整表 structuretable: base {res.get('BASE_TOTAL')} ha, target "
                                  f"{res.get('TARGET_TOTAL')} ha, {int(float(res.get('SPLIT_COUNT', 0)))} 待细分 parcels"),
        "packages": lambda res: (f"资产包划定 assetpackages: {int(float(res.get('PACKAGE_COUNT', 0)))} packages, "
                                 f"{int(float(res.get('FAILED_COUNT', 0)))} failing, "
                                 f"{float(res.get('LEFT_OUT_PCT', 0)):.1f} % of eligible parcels left out"),
        "changes": lambda res: (f"变化图斑分析 changedetect: {int(float(res.get('CHANGE_COUNT', 0)))} change pieces, "
                                f"{int(float(res.get('SUSPECT_COUNT', 0)))} suspected-problem parts; 耕地流出 "
                                f"{res.get('CROPLAND_OUT_HA')} ha, 流入 {res.get('CROPLAND_IN_HA')} ha"),
        "indicators": lambda res: (f"规划实施监测指标 planindicators: 达标 {int(float(res.get('MET_COUNT', 0)))}, "
                                   f"预警 {int(float(res.get('WARN_COUNT', 0)))}, 未达标 {int(float(res.get('MISSED_COUNT', 0)))}"),
        "surveyfit": lambda res: f"报批套合分析 surveyfit: {res.get('VERDICT', '')}",
    }
    for name in runs:
        alg, params, outputs = runs[name]
        for p in outputs:
            if p.exists():
                p.unlink()
        t0 = time.time()
        r = qp.run(alg, params)
        print(f"{summaries[name](r.get('results', {}))} ({time.time() - t0:.1f} s)")
        written += outputs

    qp.close()
    print("wrote:")
    for p in written:
        size = p.stat().st_size if p.exists() else 0
        print(f"  {p}  ({size / 1024:.0f} KiB)")
    missing = [p for p in written if not p.exists()]
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
