"""The compliance workbook (core.compliance.report on core.excel), read back with openpyxl (no QGIS).

Hand-made case (areas in m²; 1 m² = 0.0001 公顷, so 公顷 with 4 decimals = whole m²):

* subject 001 (planned 0701): fail; 永久基本农田 pieces 0101 水田 1 234.5678 (集体) + 0103 旱地 500.8322 (集体)
  -> occupied 1 735.4 m² = 0.1735 公顷 = 2.60 亩, 57.85 % of 3 000 m²;
* subject 002 (planned 1202): review; 永久基本农田 piece 0201 果园 1 000.4 m² (国有), area 12 344.5 m²
  -> 1.2007 公顷 (half-up; float round() gives 1.2006);
* subject 003 (planned 0103): pass; one 生态保护红线 sliver of 10 m² (亩 0.015 -> 0.02 half-up).
* 城镇开发边界 not checked.

控制线内地类 for 永久基本农田: its 合计 is the 合计 审查结论 prints, 0.1735 + 0.1000 = 0.2735 (not the rounded
exact 2 735.8 m² = 0.2736): one figure on both sheets; the parts 耕地 0.1735 and 园地 0.1000 add up to it.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from core import excel
from core.compliance.report import ComplianceReportData, write_compliance_xlsx
from core.excel import Column, OutputLockedError, add_table_sheet, display_width, safe_sheet_name, save_atomic
from core.rounding import rhu, round_half_up

from .xlsx_tools import SOFFICE, fill_rgb, merged

SHEETS = ["审查结论汇总", "审查结论", "控制线内地类", "冲突明细", "适用规则", "数据说明"]
DATE = dt.date(2025, 6, 1)


def make_data(**overrides) -> ComplianceReportData:
    subjects = pd.DataFrame([
        # input order is not the report order: 003 (pass), 001 (fail), 002 (review)
        {"subject_id": "003", "code": "0103", "code_name": "旱地", "area_m2": 800.0,
         "occ_pbf_m2": 0.0, "status_pbf": "不涉及", "occ_eprl_m2": 0.0, "status_eprl": "不涉及",
         "status_udb": "未检查", "verdict": "pass", "verdict_zh": "通过", "reasons": ""},
        {"subject_id": "001", "code": "0701", "code_name": "城镇住宅用地", "area_m2": 3000.0,
         "occ_pbf_m2": 1735.4, "status_pbf": "不通过", "occ_eprl_m2": 0.0, "status_eprl": "不涉及",
         "status_udb": "未检查", "verdict": "fail", "verdict_zh": "不通过",
         "reasons": "永久基本农田内不得建设城镇住宅；城镇开发边界未检查（未提供图层），本结论不含该控制线"},
        {"subject_id": "002", "code": "1202", "code_name": "公路用地", "area_m2": 12006.5,
         "occ_pbf_m2": 1000.4, "status_pbf": "需论证", "occ_eprl_m2": 0.0, "status_eprl": "不涉及",
         "status_udb": "未检查", "verdict": "review", "verdict_zh": "需论证",
         "reasons": "线性基础设施占用永久基本农田，需论证并报批"},
    ])
    roles = [
        {"role": "pbf", "label": "永久基本农田", "checked": True, "layer": "YJJBNT (2 340 features)"},
        {"role": "eprl", "label": "生态保护红线", "checked": True, "layer": "STBHHX (12 features)"},
        {"role": "udb", "label": "城镇开发边界", "checked": False, "layer": ""},
    ]
    base = {"zone": "", "position": "inside", "base_group": "农用地", "sliver": False}
    conflicts = pd.DataFrame([
        dict(base, subject_id="003", role="eprl", role_label="生态保护红线", control_id="HX-1", zone="一般控制区",
             base_code="0301", base_name="乔木林地", base_level1="林地", is_paddy=False, ownership="国有",
             area_m2=10.0, sliver=True, rule_id="EPRL-09", verdict_zh="通过", message="碎片"),
        dict(base, subject_id="002", role="pbf", role_label="永久基本农田", control_id="YJ-7",
             base_code="0201", base_name="果园", base_level1="种植园用地", is_paddy=False, ownership="国有",
             area_m2=1000.4, rule_id="PBF-05", verdict_zh="需论证", message="线性基础设施占用永久基本农田，需论证"),
        dict(base, subject_id="001", role="pbf", role_label="永久基本农田", control_id="YJ-10",
             base_code="0101", base_name="水田", base_level1="耕地", is_paddy=True, ownership="集体",
             area_m2=1234.5678, rule_id="PBF-09", verdict_zh="不通过", message="永久基本农田内不得建设城镇住宅"),
        dict(base, subject_id="001", role="pbf", role_label="永久基本农田", control_id="YJ-2",
             base_code="0103", base_name="旱地", base_level1="耕地", is_paddy=False, ownership="集体",
             area_m2=500.8322, rule_id="PBF-09", verdict_zh="不通过", message="永久基本农田内不得建设城镇住宅"),
    ])
    rules = pd.DataFrame([
        {"rule_id": "PBF-02", "role": "pbf", "zone": "*", "position": "inside", "classes": "01;2303",
         "project_types": "*", "verdict": "pass", "message": "规划为耕地", "legal_basis": "自然资发〔2021〕166号",
         "evidence": "S", "note": "", "line": 3, "applied": False},
        {"rule_id": "PBF-05", "role": "pbf", "zone": "*", "position": "inside", "classes": "1202",
         "project_types": "*", "verdict": "review", "message": "线性基础设施占用永久基本农田，需论证",
         "legal_basis": "《土地管理法》第三十五条", "evidence": "R", "note": "", "line": 4, "applied": True},
        {"rule_id": "PBF-09", "role": "pbf", "zone": "*", "position": "inside", "classes": "*",
         "project_types": "*", "verdict": "fail", "message": "永久基本农田内不得建设城镇住宅",
         "legal_basis": "《土地管理法》第三十七条", "evidence": "V", "note": "", "line": 5, "applied": True},
        {"rule_id": "EPRL-01", "role": "eprl", "zone": "核心保护区", "position": "inside", "classes": "*",
         "project_types": "*", "verdict": "fail", "message": "核心保护区内禁止人为活动", "legal_basis": "",
         "evidence": "V", "note": "", "line": 6, "applied": False},
        {"rule_id": "UDB-01", "role": "udb", "zone": "*", "position": "outside", "classes": "07",
         "project_types": "*", "verdict": "fail", "message": "城镇开发边界外不得建设城镇住宅", "legal_basis": "",
         "evidence": "S", "note": "", "line": 7, "applied": False},
    ])
    provenance = [
        ("插件版本", "0.1.0"),
        ("运行时间", "2025-06-01 10:00:00"),
        ("输入图层", ["规划图斑：plan.gpkg|layername=plan（3 个要素，EPSG:4527）",
                  "现状地类图斑：dltb.gpkg|layername=DLTB（5 820 个要素，EPSG:4527）"]),
        ("工作坐标系", "EPSG:4527 CGCS2000 / 3-degree Gauss-Kruger zone 39"),
        ("分类版本", "用地用海2023；三调工作分类"),
        ("面积口径", "椭球面积（CGCS2000）"),
        ("规则方案", "全国默认 (2025-draft)，data/rule_profiles/national_default.csv"),
        ("参数", {"项目类型": "一般建设项目", "碎片阈值": "20 平方米"}),
    ]
    kw = dict(title="某某项目", subjects=subjects, roles=roles, conflicts=conflicts, rules=rules,
              provenance=provenance, decimals_ha=4, has_base=True, sliver_m2=20, report_date=DATE)
    kw.update(overrides)
    return ComplianceReportData(**kw)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "合规性检查.xlsx"
    result = write_compliance_xlsx(make_data(), path)
    return path, result


@pytest.fixture(scope="module")
def wb(written):
    return load_workbook(written[0])




def header_columns(ws, top: int, bottom: int) -> dict:
    """{'leaf' or 'group/leaf': column letter} from a header block (group cells are merged across)."""
    ranges = list(ws.merged_cells.ranges)
    out = {}
    for col in range(1, ws.max_column + 1):
        parts = []
        for r in range(top, bottom + 1):
            rng = next((g for g in ranges if g.min_row <= r <= g.max_row and g.min_col <= col <= g.max_col), None)
            if rng is None:
                value = ws.cell(r, col).value
            elif rng.min_row == r:
                value = ws.cell(rng.min_row, rng.min_col).value
            else:  # below the start of a vertically merged leaf header
                value = None
            if value:
                parts.append(h(value))
        out["/".join(parts)] = get_column_letter(col)
    return out


def h(value):
    """Header text without the line break put before a bracketed unit in a narrow column."""
    return value.replace("\n", "") if isinstance(value, str) else value




# --------------------------------------------------------------------------- structure
def test_sheet_names_order_and_result(written, wb):
    _, result = written
    assert wb.sheetnames == SHEETS
    assert result["sheets"] == SHEETS
    assert result["subjects"] == 3
    assert result["conflicts"] == 4 and result["slivers"] == 1


def test_summary_title_unit_line_and_two_level_headers(wb):
    ws = wb["审查结论"]
    assert ws["A1"].value == "某某项目合规性检查审查结论表"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16 and ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == "单位：公顷、亩、%"
    m = merged(ws)
    # 5 fixed + 3 roles x 4 + 结论 + 原因 = 19 columns -> A..S
    assert ws.max_column == 19
    assert {"A1:S1", "A2:S2"} <= m
    assert {"A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "R3:R4", "S3:S4"} <= m
    assert {"F3:I3", "J3:M3", "N3:Q3"} <= m
    assert ws["F3"].value == "永久基本农田"
    assert ws["J3"].value == "生态保护红线"
    assert ws["N3"].value == "城镇开发边界（未检查）"
    assert [h(ws.cell(4, c).value) for c in range(6, 10)] == ["涉及面积（公顷）", "涉及面积（亩）", "占比（%）", "状态"]
    assert ws["R3"].value == "结论" and ws["S3"].value == "原因"
    assert ws["B3"].value == "图斑/项目编号" and h(ws["E3"].value) == "面积（公顷）"
    assert ws["F4"].value == "涉及面积\n（公顷）"  # broken before the unit, never inside it


def test_summary_ids_and_codes_are_text_with_leading_zeros(wb):
    ws = wb["审查结论"]
    for r in (5, 6, 7):
        for c in ("B", "C"):
            cell = ws[f"{c}{r}"]
            assert cell.data_type == "s" and cell.number_format == "@", cell.coordinate
    assert [ws[f"B{r}"].value for r in (5, 6, 7)] == ["001", "002", "003"]
    assert [ws[f"C{r}"].value for r in (5, 6, 7)] == ["0701", "1202", "0103"]


def test_summary_order_values_and_fills(wb):
    ws = wb["审查结论"]
    # fail, review, pass — whatever the input order
    assert [ws[f"R{r}"].value for r in (5, 6, 7)] == ["不通过", "需论证", "通过"]
    assert [fill_rgb(ws[f"R{r}"]) for r in (5, 6, 7)] == ["FFC7CE", "FFEB9C", "C6EFCE"]
    assert [ws[f"A{r}"].value for r in (5, 6, 7)] == [1, 2, 3]
    # 001: 3 000 m², pbf 1 735.4 m²
    assert ws["E5"].value == 0.3
    assert ws["F5"].value == 0.1735 and ws["G5"].value == 2.60 and ws["H5"].value == 57.85
    assert ws["I5"].value == "不通过"
    # 002: 12 006.5 m² -> 1.2007 公顷 half-up (float rounding gives 1.2006)
    assert round(12006.5 / 10000, 4) == 1.2006
    assert ws["E6"].value == 1.2007
    assert ws["F6"].value == 0.1000 and ws["G6"].value == 1.50 and ws["H6"].value == 8.33
    # eprl checked, nothing occupied: zeros (not blanks)
    assert ws["J5"].value == 0 and ws["K5"].value == 0 and ws["L5"].value == 0 and ws["M5"].value == "不涉及"
    # udb not checked: no numbers, status 未检查
    for r in (5, 6, 7):
        assert ws[f"N{r}"].value is None and ws[f"O{r}"].value is None and ws[f"P{r}"].value is None
        assert ws[f"Q{r}"].value == "未检查"
    assert ws["S5"].value.startswith("永久基本农田内不得建设城镇住宅")
    for cell in (ws["E5"], ws["F5"], ws["G5"], ws["H5"]):
        assert cell.data_type == "n"


def test_summary_total_row_formulas(written, wb):
    ws = wb["审查结论"]
    assert ws["A8"].value == "合计" and "A8:D8" in merged(ws)
    assert ws["E8"].value == "=ROUND(SUM(E5:E7),4)"
    assert ws["F8"].value == "=ROUND(SUM(F5:F7),4)" and ws["G8"].value == "=ROUND(SUM(G5:G7),2)"
    assert ws["H8"].value == "=IF(E8=0,0,ROUND(F8/E8*100,2))"
    assert ws["J8"].value == "=ROUND(SUM(J5:J7),4)" and ws["L8"].value == "=IF(E8=0,0,ROUND(J8/E8*100,2))"
    assert ws["N8"].value is None and ws["O8"].value is None  # no total for an unchecked line
    # the values the formulas will show, recorded by the writer, equal the rows as written
    totals = written[1]["totals"]["审查结论"]
    assert totals["面积（公顷）"] == pytest.approx(sum(ws[f"E{r}"].value for r in (5, 6, 7)))
    assert totals["面积（公顷）"] == pytest.approx(0.3 + 1.2007 + 0.08)
    assert totals["永久基本农田/涉及面积（公顷）"] == pytest.approx(0.2735)
    assert totals["永久基本农田/涉及面积（亩）"] == pytest.approx(4.10)
    assert ws["A9"].value.startswith("注：") and "小于 20 平方米的碎片" in ws["A9"].value
    assert "未检查的控制线在状态列记为“未检查”，结论不含该控制线" in ws["A9"].value and "A9:S9" in merged(ws)
    assert ws["A10"].value == "编制单位：＿＿＿＿＿＿＿＿　　日期：2025-06-01"


def test_number_formats(wb):
    ws = wb["审查结论"]
    assert ws["E5"].number_format == "0.0000" and ws["F5"].number_format == "0.0000"
    assert ws["G5"].number_format == "0.00" and ws["H5"].number_format == "0.00"
    assert ws["E8"].number_format == "0.0000"
    c = wb["冲突明细"]
    assert c["K4"].number_format == "#,##0.00" and c["L4"].number_format == "0.0000" and c["M4"].number_format == "0.00"


def test_other_decimals_change_the_format(tmp_path):
    path = tmp_path / "d2.xlsx"
    write_compliance_xlsx(make_data(decimals_ha=2), path)
    ws = load_workbook(path)["审查结论"]
    assert ws["E6"].number_format == "0.00" and ws["E6"].value == 1.2 and ws["F5"].value == 0.17


# --------------------------------------------------------------------------- 控制线内地类
def test_landuse_rows_add_up_after_balancing(wb):
    ws = wb["控制线内地类"]
    assert ws["A1"].value == "某某项目控制线内现状地类统计表" and ws["A2"].value == "单位：公顷"
    cols = header_columns(ws, 3, 4)
    for key in ("合计", "农用地/小计", "农用地/耕地", "农用地/其中水田", "农用地/园地", "农用地/林地",
                "农用地/草地", "农用地/其他农用地", "建设用地", "未利用地", "权属性质/国有", "权属性质/集体"):
        assert key in cols, (key, cols)
    assert "地类不详" not in cols and "权属性质/不详" not in cols  # only when needed
    assert "C3:C4" in merged(ws) and f"{cols['农用地/小计']}3:{cols['农用地/其他农用地']}3" in merged(ws)

    assert [ws[f"B{r}"].value for r in (5, 6, 7)] == ["永久基本农田", "生态保护红线", "城镇开发边界"]

    def v(key, r=5):
        return Decimal(str(ws[f"{cols[key]}{r}"].value))

    # the rounded exact total 0.2736 is not what 审查结论 prints (0.1735 + 0.1000): the printed one is used
    assert rhu(0.17354, 4) + rhu(0.10004, 4) != rhu(0.27358, 4)
    assert v("合计") == Decimal("0.2735") and v("农用地/小计") == Decimal("0.2735")
    summary = wb["审查结论"]
    assert Decimal(str(summary["F5"].value)) + Decimal(str(summary["F6"].value)) == v("合计")
    assert v("农用地/耕地") == Decimal("0.1735")
    assert v("农用地/园地") == Decimal("0.1000")
    assert v("农用地/其中水田") == Decimal("0.1235")   # 1 234.5678 m², not balanced, ≤ 耕地
    parts = sum(v(k) for k in ("农用地/耕地", "农用地/园地", "农用地/林地", "农用地/草地", "农用地/其他农用地"))
    assert parts == v("农用地/小计")
    assert v("农用地/小计") + v("建设用地") + v("未利用地") == v("合计")
    assert v("权属性质/国有") == Decimal("0.1000") and v("权属性质/集体") == Decimal("0.1735")
    assert v("权属性质/国有") + v("权属性质/集体") == v("合计")
    # eprl: only a sliver -> nothing counted; udb: not checked -> no numbers
    assert v("合计", 6) == 0 and ws[f"{cols['备注']}6"].value == "不涉及"
    assert ws[f"{cols['合计']}7"].value is None and ws[f"{cols['备注']}7"].value.startswith("未检查")
    assert ws[f"{cols['合计']}5"].number_format == "0.0000"
    assert any("尾差调平" in (ws.cell(r, 1).value or "") for r in range(8, 12))


def test_landuse_other_agri_and_unknown_columns(tmp_path):
    data = make_data()
    extra = pd.DataFrame([
        # 0303 红树林地 is 三调 00 湿地 (其他农用地 by 三大类 农用地), not 林地
        {"subject_id": "002", "role": "pbf", "control_id": "YJ-8", "position": "inside", "base_code": "0303",
         "base_name": "红树林地", "base_group": "农用地", "base_level1": "", "is_paddy": False,
         "ownership": "", "area_m2": 300.0, "sliver": False, "rule_id": "PBF-05", "verdict_zh": "需论证"},
        {"subject_id": "002", "role": "pbf", "control_id": "YJ-8", "position": "inside", "base_code": "",
         "base_name": "", "base_group": "", "base_level1": "", "is_paddy": False,
         "ownership": "国有", "area_m2": 50.0, "sliver": False, "rule_id": "PBF-05", "verdict_zh": "需论证"},
    ])
    data.conflicts = pd.concat([data.conflicts, extra], ignore_index=True)
    path = tmp_path / "extra.xlsx"
    write_compliance_xlsx(data, path)
    ws = load_workbook(path)["控制线内地类"]
    cols = header_columns(ws, 3, 4)
    assert "地类不详" in cols and "权属性质/不详" in cols
    # subject 002's pieces now add up to 1 350.4 m² while it lies 1 000.4 m² inside the (dissolved) line, as
    # when two control features overlap: its pieces are scaled by 1 000.4 / 1 350.4, so 合计 stays 0.2735
    assert ws[f"{cols['农用地/林地']}5"].value == 0
    assert ws[f"{cols['农用地/其他农用地']}5"].value == rhu(300 * 1000.4 / 1350.4 / 10000, 4) == 0.0222
    vals = {k: Decimal(str(ws[f"{c}5"].value)) for k, c in cols.items() if k not in ("序号", "控制线", "备注")}
    assert vals["合计"] == Decimal("0.2735")
    assert vals["农用地/小计"] + vals["建设用地"] + vals["未利用地"] + vals["地类不详"] == vals["合计"]
    assert vals["权属性质/国有"] + vals["权属性质/集体"] + vals["权属性质/不详"] == vals["合计"]
    notes = " ".join(str(ws.cell(r, 1).value or "") for r in range(8, 13))
    assert "按比例缩放" in notes and "永久基本农田 1 个对象" in notes


# --------------------------------------------------------------------------- 冲突明细
def test_conflict_rows_sorted_no_slivers_and_subtotals_per_line(wb):
    ws = wb["冲突明细"]
    assert ws["A1"].value == "某某项目冲突图斑明细表"
    heads = [h(ws.cell(3, c).value) for c in range(1, 17)]
    assert heads == ["序号", "图斑/项目编号", "控制线", "控制线要素编号", "分区", "内/外", "现状地类代码",
                     "现状地类名称", "三大类", "权属性质", "面积（平方米）", "面积（公顷）", "面积（亩）", "规则编号",
                     "结论", "说明"]
    rows = [[ws.cell(r, c).value for c in range(1, 17)] for r in range(4, 7)]
    # subjects in report order (001 fail, 002 review); YJ-2 before YJ-10 (natural order); the sliver of 003
    # is not a row (no 0.00 row with a class and a verdict): the note counts it
    assert [(r[1], r[3]) for r in rows] == [("001", "YJ-2"), ("001", "YJ-10"), ("002", "YJ-7")]
    assert [r[0] for r in rows] == [1, 2, 3] and ws["B7"].value is None
    assert rows[1][6] == "0101" and ws["G5"].data_type == "s" and ws["G5"].number_format == "@"
    assert rows[1][7] == "水田" and rows[1][8] == "农用地" and rows[1][9] == "集体" and rows[1][5] == "内"
    # 1 234.5678 m² -> 0.1235 公顷, 1.85 亩
    assert rows[1][10] == 1234.57 and rows[1][11] == 0.1235 and rows[1][12] == 1.85
    assert fill_rgb(ws["O4"]) == "FFC7CE" and fill_rgb(ws["O6"]) == "FFEB9C"
    texts = [str(ws.cell(r, 1).value or "") for r in range(1, ws.max_row + 1)]
    assert not any(t.startswith("合计") for t in texts)   # rows of different control lines are never added up
    cap = texts.index("各控制线小计（各控制线分列，不相加）") + 1
    assert [h(ws.cell(cap + 1, c).value) for c in range(1, 6)] == ["控制线", "片数", "面积（平方米）", "面积（公顷）", "面积（亩）"]
    assert ws.cell(cap + 2, 1).value == "永久基本农田" and ws.cell(cap + 3, 1).value is None  # the sliver's line has no row
    assert ws.cell(cap + 2, 2).value == f"=COUNTIF(C4:C6,A{cap + 2})"
    assert ws.cell(cap + 2, 4).value == f"=ROUND(SUMIF(C4:C6,A{cap + 2},L4:L6),4)"
    notes = " ".join(texts)
    assert "另有 1 处碎片（小于 20 平方米）" in notes and "共 10.00 平方米" in notes and "不设总计" in notes



def test_a_lines_subtotal_reads_one_area_in_three_units(tmp_path):
    """Seven 1.5 m² pieces of 永久基本农田: each alone is 0.00015 ha -> 0.0002 and 0.00225 亩 -> 0.00, so the
    rows rounded one by one add up to 0.0014 ha and 0.00 亩 beside a subtotal of 10.50 m² (= 0.00105 ha ->
    0.0011, = 0.01575 亩 -> 0.02).  Balanced per line (largest remainder; equal losses go to the earlier
    row), the rows print 0.0001 ×3 + 0.0002 ×4 ha and 0.01 ×2 + 0.00 ×5 亩, and the layer's AREA_HA/AREA_MU
    get the same values from core.compliance.ledger.piece_areas."""
    from core.compliance.ledger import piece_areas

    base = make_data().conflicts.iloc[1].to_dict()
    pieces = pd.DataFrame([dict(base, control_id=f"YJ-{i}", area_m2=1.5) for i in range(1, 8)])
    path = tmp_path / "pieces.xlsx"
    write_compliance_xlsx(make_data(conflicts=pieces), path)
    ws = load_workbook(path)["冲突明细"]
    rows = [[ws.cell(r, c).value for c in (11, 12, 13)] for r in range(4, 11)]
    assert [r[0] for r in rows] == [1.5] * 7
    assert [r[1] for r in rows] == [0.0001] * 3 + [0.0002] * 4
    assert [r[2] for r in rows] == [0.01] * 2 + [0.0] * 5
    m2 = sum(Decimal(str(r[0])) for r in rows)
    assert sum(Decimal(str(r[1])) for r in rows) == round_half_up(m2 / 10000, 4) == Decimal("0.0011")
    assert sum(Decimal(str(r[2])) for r in rows) == Decimal("0.02")
    # the layer writer's call, in input order (YJ-1 … YJ-7 here as on the sheet)
    _m2, ha, mu = piece_areas(pieces["area_m2"], ["永久基本农田"] * 7, [False] * 7)
    assert ha == [r[1] for r in rows] and mu == [r[2] for r in rows]



def test_a_truncated_list_and_the_whole_each_read_one_area(tmp_path):
    """The same seven 1.5 m² pieces with a sheet listing three: the listed rows are balanced to their own
    4.50 m² (0.0005 ha, 0.01 亩) and the other four to what is left of the line's (0.0006 ha, 0.01 亩), so
    “本表所列” and “全部” each read one area in three units; the layer gets these very values."""
    from core.compliance.ledger import conflict_figures

    base = make_data().conflicts.iloc[1].to_dict()
    pieces = pd.DataFrame([dict(base, control_id=f"YJ-{i}", area_m2=1.5) for i in range(1, 8)])
    data = make_data(conflicts=pieces, detail_limit=3)
    write_compliance_xlsx(data, tmp_path / "listed.xlsx")
    ws = load_workbook(tmp_path / "listed.xlsx")["冲突明细"]
    shown = [[ws.cell(r, c).value for c in (12, 13)] for r in range(4, 7)]
    assert shown == [[0.0001, 0.01], [0.0002, 0.0], [0.0002, 0.0]]
    _m2, ha, mu = conflict_figures(data)
    assert [[h, m] for h, m in zip(ha[:3], mu[:3])] == shown
    assert ha[3:] == [0.0001, 0.0001, 0.0002, 0.0002] and mu[3:] == [0.01, 0.0, 0.0, 0.0]
    assert sum(Decimal(str(v)) for v in ha) == Decimal("0.0011") and sum(Decimal(str(v)) for v in mu) == Decimal("0.02")

def test_a_lines_mu_total_is_its_ha_total_times_15(tmp_path):
    """Seven subjects each 1.5 m² inside 永久基本农田: 0.00015 ha -> 0.0002 each, 0.00225 亩 -> 0.00 each, so
    rounded one by one the 审查结论 合计 would read 0.0014 ha beside 0.00 亩.  Balanced to 0.0014 × 15 =
    0.021 -> 0.02 亩, two rows print 0.01 (equal losses: the earlier rows in the sheet's order); the 公顷 stay
    as rounded (each 0.0002), so a subject's 公顷 is never moved by the balancing."""
    one = make_data().subjects.iloc[1].to_dict()
    subjects = pd.DataFrame([dict(one, subject_id=f"00{i}", occ_pbf_m2=1.5, area_m2=1.5) for i in range(1, 8)])
    path = tmp_path / "mu.xlsx"
    write_compliance_xlsx(make_data(subjects=subjects, conflicts=make_data().conflicts.iloc[0:0]), path)
    ws = load_workbook(path)["审查结论"]
    cols = header_columns(ws, 3, 4)
    ha = [ws[f"{cols['永久基本农田/涉及面积（公顷）']}{r}"].value for r in range(5, 12)]
    mu = [ws[f"{cols['永久基本农田/涉及面积（亩）']}{r}"].value for r in range(5, 12)]
    assert ha == [0.0002] * 7
    assert mu == [0.01, 0.01] + [0.0] * 5
    assert sum(Decimal(str(v)) for v in mu) == round_half_up(sum(Decimal(str(v)) for v in ha) * 15, 2)

def test_empty_conflicts_and_no_base_give_valid_notices(tmp_path):
    empty = make_data().conflicts.iloc[0:0]
    path = tmp_path / "empty.xlsx"
    result = write_compliance_xlsx(make_data(conflicts=empty, has_base=False), path)
    assert result["conflicts"] == 0
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    ws = wb["冲突明细"]
    assert ws["A4"].value == "本次检查无冲突图斑 / no conflicts" and "A4:P4" in merged(ws)
    assert any(str(ws.cell(r, 1).value or "").startswith("注：") for r in range(5, 8))  # no 合计 row for nothing
    lu = wb["控制线内地类"]
    texts = [lu.cell(r, 1).value for r in range(1, lu.max_row + 1)]
    assert "未提供现状地类图层（DLTB），不能分解控制线内地类" in texts


def test_no_subjects_still_valid(tmp_path):
    data = make_data(subjects=make_data().subjects.iloc[0:0], conflicts=make_data().conflicts.iloc[0:0])
    path = tmp_path / "nothing.xlsx"
    assert write_compliance_xlsx(data, path)["subjects"] == 0
    ws = load_workbook(path)["审查结论"]
    assert ws["A5"].value == "无检查对象 / no subjects"


# --------------------------------------------------------------------------- 适用规则 / 数据说明
def test_rules_sheet_in_file_order_applied_highlighted(wb):
    ws = wb["适用规则"]
    assert [ws.cell(2, c).value for c in range(1, 12)] == [
        "规则编号", "控制线", "分区", "内/外", "地类", "项目类型", "结论", "说明", "依据", "证据等级", "本次是否适用"]
    ids = [ws[f"A{r}"].value for r in range(3, 8)]
    assert ids == ["PBF-02", "PBF-05", "PBF-09", "EPRL-01", "UDB-01"]
    assert [ws[f"K{r}"].value for r in range(3, 8)] == ["否", "是", "是", "否", "否"]
    assert [bool(fill_rgb(ws[f"H{r}"])) for r in range(3, 8)] == [False, True, True, False, False]
    assert ws["B3"].value == "永久基本农田" and ws["G3"].value == "通过" and ws["G5"].value == "不通过"
    assert ws["C3"].value == "全部" and ws["D7"].value == "外" and ws["E3"].value == "01;2303"


def test_provenance_sheet(wb):
    ws = wb["数据说明"]
    assert ws["A1"].value == "数据说明" and ws["A2"].value == "项目" and ws["B2"].value == "内容"
    items = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(3, ws.max_row + 1) if ws[f"A{r}"].value}
    for key in ("插件版本", "运行时间", "输入图层", "工作坐标系", "分类版本", "面积口径", "规则方案", "参数", "取舍规则"):
        assert key in items, key
    assert "\n" in items["输入图层"] and "EPSG:4527" in items["输入图层"]
    assert items["参数"] == "项目类型：一般建设项目\n碎片阈值：20 平方米"
    assert "ROUND_HALF_UP" in items["取舍规则"] and "公顷 4 位" in items["取舍规则"]
    assert ws["B3"].data_type == "s" and ws["B3"].alignment.wrap_text
    # control-line check table below
    rows = [[ws.cell(r, c).value for c in (1, 2, 3)] for r in range(1, ws.max_row + 1)]
    start = next(i for i, r in enumerate(rows) if r[0] == "控制线检查情况")
    assert rows[start + 1] == ["控制线", "图层", "检查情况"]
    assert rows[start + 2] == ["永久基本农田", "YJJBNT (2 340 features)", "已检查"]
    assert rows[start + 4][0] == "城镇开发边界" and rows[start + 4][2].startswith("未检查")


# --------------------------------------------------------------------------- print setup
def test_print_setup_and_frozen_panes(wb):
    for name in SHEETS:
        ws = wb[name]
        assert int(ws.page_setup.paperSize) == 9, name
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, name
    s = wb["审查结论"]
    assert s.print_title_rows == "$3:$4"  # absolute: LibreOffice ignores a relative "3:4"
    assert wb["冲突明细"].print_title_rows == "$3:$3"
    assert s.page_setup.orientation == "landscape" and wb["冲突明细"].page_setup.orientation == "landscape"
    assert wb["数据说明"].page_setup.orientation == "portrait"
    assert s.freeze_panes == "C5" and wb["冲突明细"].freeze_panes == "C4" and wb["适用规则"].freeze_panes == "B3"
    # widths from content: CJK counts double; 原因 is capped and wraps
    assert s.column_dimensions["B"].width >= display_width("图斑/项目编号") / 2
    assert 20 <= s.column_dimensions["S"].width <= 48 and s["S5"].alignment.wrap_text
    assert s.row_dimensions[9].height and s.row_dimensions[9].height > 20  # the 2-line notes row


# --------------------------------------------------------------------------- excel helpers
def test_sheet_name_and_width_helpers():
    assert safe_sheet_name("a/b:c*d?[e]\\f") == "a_b_c_d__e__f"
    long = "某" * 40
    assert len(safe_sheet_name(long)) == 31
    assert safe_sheet_name("审查结论", ["审查结论"]) == "审查结论(2)"
    assert safe_sheet_name("'x'") == "x" and safe_sheet_name("") == "Sheet"
    assert display_width("永久基本农田") == 12 and display_width("YJ-10") == 5


def test_text_cells_never_become_formulas_or_numbers(tmp_path):
    wb = excel.new_workbook()
    cols = [Column("id", "编号", "code"), Column("a", "面积（公顷）", "ha", total="sum"), Column("t", "说明", "text")]
    rows = [{"id": "=1+1", "a": Decimal("1.23456"), "t": "x\x01y"}, {"id": 7.0, "a": None, "t": None}]
    layout = add_table_sheet(wb, "t/1", heading="表", columns=cols, rows=rows, total=excel.Total(), footer=False)
    path = save_atomic(wb, tmp_path / "t.xlsx")
    ws = load_workbook(path)["t_1"]
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    assert ws["A4"].value == "7" and ws["A4"].data_type == "s"
    assert ws["B3"].value == 1.23456 and ws["B4"].value is None
    assert ws["C3"].value == "xy"
    assert ws["B5"].value == "=ROUND(SUM(B3:B4),4)" and layout.expected_totals["a"] == Decimal("1.23456")
    assert ws.page_setup.orientation == "portrait"


def test_three_level_headers_merge():
    wb = excel.new_workbook()
    cols = [Column("k", "地类", "text"),
            Column("a1", "面积", "ha", group=("基期年", "2020")), Column("p1", "占比", "pct", group=("基期年", "2020")),
            Column("a2", "面积", "ha", group=("目标年", "2035")), Column("p2", "占比", "pct", group=("目标年", "2035"))]
    layout = add_table_sheet(wb, "x", heading="用地结构调整表", columns=cols, rows=[["耕地", 1, 2, 3, 4]])
    ws = layout.ws
    assert (layout.header_top, layout.header_bottom, layout.first_row) == (2, 4, 5)
    assert {"A2:A4", "B2:C2", "B3:C3", "D2:E2", "D3:E3"} <= merged(ws)
    assert ws.print_title_rows == "$2:$4"


# --------------------------------------------------------------------------- saving
def _small_wb():
    wb = Workbook()
    wb.active["A1"] = "新内容"
    return wb


def test_save_atomic_failure_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    wb = _small_wb()

    def broken_save(filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")  # a partial write, then the crash
        raise OSError("disk full")

    monkeypatch.setattr(wb, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_atomic(wb, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too

    old = _small_wb()
    old.active["A1"] = "旧内容"
    save_atomic(old, target)
    before = target.read_bytes()
    with pytest.raises(OSError, match="disk full"):
        save_atomic(wb, target)
    assert target.read_bytes() == before
    assert load_workbook(target).active["A1"].value == "旧内容"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_save_atomic_locked_target_gives_clear_message(tmp_path, monkeypatch):
    target = tmp_path / "locked.xlsx"
    save_atomic(_small_wb(), target)
    before = target.read_bytes()

    def denied(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(OutputLockedError, match="正被其他程序打开.*请关闭后重试") as info:
        save_atomic(_small_wb(), target, retries=1, retry_delay=0)
    assert str(target) in str(info.value) and isinstance(info.value, PermissionError)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["locked.xlsx"]


def test_save_atomic_replaces_and_keeps_permissions(tmp_path):
    target = tmp_path / "p.xlsx"
    save_atomic(_small_wb(), target)
    os.chmod(target, 0o644)
    save_atomic(_small_wb(), target)
    assert (target.stat().st_mode & 0o777) == 0o644
    with pytest.raises(FileNotFoundError, match="不存在"):
        save_atomic(_small_wb(), tmp_path / "missing" / "x.xlsx")


# --------------------------------------------------------------------------- LibreOffice


def test_libreoffice_converts_to_pdf(written, tmp_path):
    # make test installs libreoffice-calc-nogui; without it this check cannot be made, so it fails
    assert SOFFICE, "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui (make deps does)"
    src = tmp_path / "report.xlsx"
    shutil.copy(written[0], src)
    out = tmp_path / "pdf"
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    proc = subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=120, env=env)
    pdf = out / "report.pdf"
    assert pdf.exists(), proc.stdout + proc.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 5


def test_outside_boundary_pieces_do_not_count_as_occupying_it():
    """A subject's part outside 城镇开发边界 is a conflict, but it occupies nothing of the boundary."""
    import pandas as pd

    from core.compliance.report import landuse_breakdown

    conflicts = pd.DataFrame([
        {"role": "udb", "position": "inside", "area_m2": 20000.0, "sliver": False, "base_group": "建设用地",
         "base_level1": "住宅用地", "base_code": "0701", "ownership": "国有", "is_paddy": False},
        {"role": "udb", "position": "outside", "area_m2": 5000.0, "sliver": False, "base_group": "农用地",
         "base_level1": "耕地", "base_code": "0101", "ownership": "集体", "is_paddy": True},
    ])
    rows = landuse_breakdown(conflicts, [{"role": "udb", "label": "城镇开发边界", "checked": True}])
    assert float(rows[0]["total"]) == 2.0
    assert float(rows[0]["con"]) == 2.0 and float(rows[0]["agr"]) == 0.0


def test_overview_opens_the_workbook_and_sums_the_printed_rows(wb):
    """审查结论汇总: counts per verdict, each control line on its own (位于 / 不通过 / 需论证), the 不通过
    list; every area is the sum of what 审查结论 prints, so the two sheets agree to the last digit."""
    ws = wb["审查结论汇总"]
    text = [tuple(row) for row in ws.iter_rows(values_only=True)]
    flat = " ".join(str(c) for row in text for c in row if c is not None)
    assert "共检查 3 个对象" in flat and "通过 1 个，不通过 1 个，需论证 1 个" in flat
    assert "未检查：城镇开发边界（未提供图层），以下结论不含这些控制线" in flat
    rows = {row[0]: row for row in text if row and row[0] in ("通过", "不通过", "需论证", "永久基本农田", "生态保护红线", "城镇开发边界")}
    assert rows["通过"][1:3] == (1, 0.08) and rows["不通过"][1:3] == (1, 0.3) and rows["需论证"][1:3] == (1, 1.2007)
    # 永久基本农田: 0.1735 (001, 不通过) + 0.1000 (002, 需论证) as printed on 审查结论, never one sum of exact m²
    assert rows["永久基本农田"][1:6] == ("已检查", 2, 0.2735, 0.1735, 0.1)
    assert rows["城镇开发边界"][1].startswith("未检查") and rows["城镇开发边界"][3] is None
    assert not any(str(row[0]).startswith("合计") for row in text if row and row[0] and "控制线" in str(row[0]))
    fail = [row for row in text if row and row[1] == "001"]
    assert fail and "永久基本农田内不得建设城镇住宅" in fail[0][5]
    assert "只有规则方案判定为“不通过”的才属违规占用" in flat


def test_detail_sheets_are_bounded_and_the_full_detail_is_a_csv_beside(tmp_path):
    """A county: above the row limit the detail sheets list the first rows (不通过 first), their totals say
    "本表所列", and every row — with the same printed figures — is in a CSV next to the workbook."""
    import csv

    path = tmp_path / "合规性检查.xlsx"
    result = write_compliance_xlsx(make_data(detail_limit=1), path)
    summary_csv, conflicts_csv = path.with_name("合规性检查_审查结论.csv"), path.with_name("合规性检查_冲突明细.csv")
    assert sorted(result["csv"]) == sorted([str(summary_csv), str(conflicts_csv)])
    wb = load_workbook(path)
    ws = wb["审查结论"]
    assert ws["B5"].value == "001" and ws["A6"].value == "本表所列合计"   # one row listed: the 不通过 one
    notes = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "共 3 个对象，本表列出前 1 个" in notes and "合规性检查_审查结论.csv" in notes
    with open(summary_csv, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:5] == ["序号", "图斑/项目编号", "规划地类代码", "地类名称", "面积（公顷）"]
    assert [r[1] for r in rows[1:]] == ["001", "002", "003"]          # codes stay text, report order
    assert rows[1][5] == "0.1735" and rows[2][5] == "0.1000"            # the printed 公顷, as on the sheet
    # 审查结论汇总 still counts every subject (from the ledger, not from the listed rows)
    ov = wb["审查结论汇总"]
    assert "共检查 3 个对象" in ov["A2"].value
    cf = wb["冲突明细"]
    texts = [str(cf.cell(r, 1).value or "") for r in range(1, cf.max_row + 1)]
    assert texts[3] == "1" and texts[4] != "2"                          # one piece listed
    cap = texts.index("各控制线小计（各控制线分列，不相加）") + 1
    assert cf.cell(cap + 1, 2).value == "本表所列" and "全部" in cf.cell(cap + 1, 6).value
    assert cf.cell(cap + 3, 6).value == 3 and cf.cell(cap + 3, 7).value == 2735.8   # all three pieces, 1 735.4 + 1 000.4
    with open(conflicts_csv, encoding="utf-8-sig") as f:
        assert len(list(csv.reader(f))) == 1 + 3


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _centi(c: int) -> float:
    return c / 100   # m² with 2 decimals, ties included


@given(st.lists(st.one_of(st.integers(0, 10 ** 9).map(_centi), st.floats(0, 1e7, allow_nan=False)),
                min_size=1, max_size=60),
       st.integers(2, 4))
def test_column_rounding_prints_what_the_per_value_functions_print(values, d):
    """The county-scale summary rounds whole columns at once; every figure must equal ha_value / mu_value."""
    import numpy as np

    from core.compliance.ledger import ha_value, mu_value, printed_array

    x = np.array(values, dtype=float)
    assert printed_array(x / 10000, d, lambda i: ha_value(values[i], d)) == [ha_value(v, d) for v in values]
    assert printed_array(x * 15 / 10000, 2, lambda i: mu_value(values[i])) == [mu_value(v) for v in values]
