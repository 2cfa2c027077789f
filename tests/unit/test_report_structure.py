"""The structure workbook (core.report_structure on core.structure and core.excel), read back with
openpyxl and recalculated by LibreOffice (no QGIS).

Hand-made case, default template (county_function_structure.csv), 公顷 with 2 decimals:

基期 (三调, CZCSXM field)                      目标年 (用地用海2023)
p0 0101 水田 10 000 m², KCMJ 500 -> 耕地 0.95,    t0 0101 9 000 -> 耕地 0.90
   田坎 500 -> 其他土地 0.05                       t1 0701 (201) 5 000 -> 城镇用地 0.50
p1 0201 果园 3 333.3333 -> 园地 0.33               t2 0301 3 000 -> 林地 0.30
p2 0301 乔木林地 3 333.3333 -> 林地 0.33           t3 0703 (203) 2 000 -> 村庄用地 0.20
p3 0401 天然牧草地 3 333.3334 -> 草地 0.33          t4 1201 3 000 -> 区域基础设施用地 0.30
p4 0702 农村宅基地 (203) 1 500 -> 村庄用地 0.15     t5 12 (level 1 only) 1 000 -> 其他建设用地 0.10
   (三调 0702 -> 0703 is 待细分)                    t6 1701 1 200 -> 陆地水域 0.12
                                                   合计 24 200 m² = 2.42
p5 05H1 (201) 2 000 -> 城镇用地 0.20
p6 1001 铁路用地 600 -> 1201 区域基础设施用地 0.06
p7 blank 55 + p8 'XX' 45 -> 未识别 0.01
p9 0101 with no area -> left out (skipped)
合计 24 200 m² = 2.42, but the rounded rows add up to 2.41: 尾差调平 gives the unit to the largest
row whose rounding lost most: 草地 0.3333334 -> 0.34 (core.rounding.balance_remainders, largest remainder);  城乡建设用地 = 0.20 + 0.15 = 0.35; 其中：建设用地总规模 = 0.35 + 0.06 + 0 = 0.41
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from core import DATA_DIR
from core.finance import FinanceTable
from core.rounding import round_half_up
from core.structure import report as rs
from core.structure.compute import (
    UNCOVERED,
    StructureTemplate,
    apportion_regions,
    code_detail,
    code_details,
    finance_view,
    prepare_layer,
    regions_of,
)
from core.structure.ledger import build_table, detail_areas, finance_ledger, transition
from core.structure.report import StructureReportData, write_structure_xlsx

from .xlsx_tools import fill_rgb, merged, soffice_convert

DATE = dt.date(2025, 6, 1)
ALL_SHEETS = ["用地结构调整表", "转换矩阵", "分区统计", "资金测算", "待细分与未识别", "数据说明"]

BASE_CODES = ["0101", "0201", "0301", "0401", "0702", "05H1", "1001", "", "XX", "0101"]
BASE_AREAS = [10000.0, 3333.3333, 3333.3333, 3333.3334, 1500.0, 2000.0, 600.0, 55.0, 45.0, float("nan")]
BASE_KCMJ = [500.0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
BASE_CZCS = ["", "", "", "", "203", "201", "", "", "", ""]
TARGET_CODES = ["0101", "0701", "0301", "0703", "1201", "12", "1701"]
TARGET_AREAS = [9000.0, 5000.0, 3000.0, 2000.0, 3000.0, 1000.0, 1200.0]
TARGET_CZCS = ["", "201", "", "203", "", "", ""]
PIECES = pd.DataFrame({
    "base_parcel":   [0, 0, 1, 2, 3, 4, 5, 6],
    "target_parcel": [0, 1, 2, 1, 4, 3, 1, 5],
    "base_share":    [0.9, 0.1, 0.9, 0.9, 0.9, 1.0, 0.5, 1.0],
    "target_share":  [1.0, 0.2, 1.0, 0.6, 1.0, 0.75, 0.2, 0.6],
})
BASE_REGIONS = pd.DataFrame({"parcel": [0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
                             "region": ["甲镇", "乙乡", "甲镇", "甲镇", "甲镇", "甲镇", "乙乡", "乙乡", "乙乡", "乙乡"],
                             "share": [0.6, 0.4, 1, 1, 1, 1, 1, 1, 1, 1]})
TARGET_REGIONS = pd.DataFrame({"parcel": [0, 0, 1, 2, 3, 4, 5, 6],
                               "region": ["甲镇", "乙乡", "甲镇", "甲镇", "甲镇", "乙乡", "乙乡", "乙乡"],
                               "share": [0.6, 0.4, 1, 1, 1, 1, 1, 1]})


def make_case(regions: bool = True):
    t = StructureTemplate.default()
    base = prepare_layer("基期（三调）", BASE_CODES, "sandiao", BASE_AREAS, t, deductions_m2=BASE_KCMJ,
                         czcs_values=BASE_CZCS, czcs_field="CZCSXM")
    target = prepare_layer("目标年（规划）", TARGET_CODES, "ydyh2023", TARGET_AREAS, t,
                           czcs_values=TARGET_CZCS, czcs_field="CZCSXM")
    if regions:
        base = apportion_regions(base, BASE_REGIONS)
        target = apportion_regions(target, TARGET_REGIONS)
    return t, base, target


def make_data(**overrides) -> StructureReportData:
    t, base, target = make_case()
    table = build_table(base, target, t)
    region_tables = [build_table(base, target, t, region=r) for r in regions_of(base, target)]
    tr = transition(base, target, PIECES, table, t)
    fin = finance_ledger(finance_view(base, target, FinanceTable.example_table(), PIECES), table)
    details = detail_areas(code_details(base, target), table)
    skipped = base.skipped.rename(columns={"parcel": "fid"}).assign(label=base.label)
    kw = dict(
        title="示例县国土空间功能结构调整表", region_name="示例县", base_year="2020", target_year="2035",
        table=table, region_tables=region_tables, transition=tr, finance=fin, details=details,
        skipped=skipped[["label", "fid", "raw", "reason"]],
        provenance=[("插件版本", "0.1.0"), ("面积口径", "图斑属性面积（TBMJ，含田坎）"),
                    ("结构表模板", t.label), ("输入图层", ["基期：dltb.gpkg（10 个要素）", "目标年：ghyd.gpkg（7 个要素）"])],
        notes=["本表为示例数据。"], organisation="示例规划院", report_date=DATE)
    kw.update(overrides)
    return StructureReportData(**kw)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def written(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("structure") / "用地结构调整表.xlsx"
    out = write_structure_xlsx(data, path)
    assert out == path
    return path


@pytest.fixture(scope="module")
def wb(written):
    return load_workbook(written)




@pytest.fixture(scope="module")
def recalculated(written, tmp_path_factory):
    """The workbook after LibreOffice opened it, recalculated every formula and saved it again."""
    tmp = tmp_path_factory.mktemp("lo")
    src = tmp / "report.xlsx"
    shutil.copy(written, src)
    return load_workbook(soffice_convert(src, "xlsx", tmp), data_only=True)






def h(value):
    return value.replace("\n", "") if isinstance(value, str) else value


def find_row(ws, col: str, text: str, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if ws[f"{col}{r}"].value == text:
            return r
    raise AssertionError(f"{text!r} not found in column {col}")


_REF = re.compile(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?")


def evaluate(ws, value):
    """Value of a cell as Excel computes it, for the formulas this writer uses: =SUM(refs), =A1-B1, =A1."""
    if not (isinstance(value, str) and value.startswith("=")):
        return Decimal(str(value)) if value is not None else Decimal(0)
    expr = value[1:]

    def cells(ref):
        m = _REF.fullmatch(ref)
        c1, r1 = column_index_from_string(m.group(1)), int(m.group(2))
        c2 = column_index_from_string(m.group(3)) if m.group(3) else c1
        r2 = int(m.group(4)) if m.group(4) else r1
        return [evaluate(ws, ws.cell(r, c).value) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    m = re.fullmatch(r"ROUND\((.*),(\d+)\)", expr)
    if m:  # ROUND_HALF_UP like Excel's ROUND
        return round_half_up(evaluate(ws, "=" + m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"SUM\((.*)\)", expr)
    if m:
        return sum((x for ref in m.group(1).split(",") for x in cells(ref)), Decimal(0))
    m = re.fullmatch(r"([A-Z]+\d+)-([A-Z]+\d+)", expr)
    if m:
        return cells(m.group(1))[0] - cells(m.group(2))[0]
    if _REF.fullmatch(expr):
        return cells(expr)[0]
    if re.fullmatch(r"-?\d+(\.\d+)?", expr):
        return Decimal(expr)
    raise AssertionError(f"unexpected formula {value}")


def as_dec(value, decimals: int = 2) -> Decimal:
    return Decimal(str(round(float(value), decimals)))


MAIN_KEYS = {"base": "D", "base_pct": "E", "target": "F", "target_pct": "G", "change": "H", "change_pct": "I"}


def main_rows(ws, table, first_row: int = 5):
    """{row_id: sheet row} of a structure block written from ``first_row``."""
    return {tr.row_id: first_row + i for i, tr in enumerate(table.rows)}


# --------------------------------------------------------------------------- sheets
def test_sheet_order_and_presence(wb, tmp_path, data):
    assert wb.sheetnames == ALL_SHEETS
    assert rs.sheet_names(data) == ALL_SHEETS
    minimal = make_data(transition=None, region_tables=[], finance=None)
    path = write_structure_xlsx(minimal, tmp_path / "min.xlsx")
    assert load_workbook(path).sheetnames == ["用地结构调整表", "待细分与未识别", "数据说明"]
    only_fin = make_data(transition=None, region_tables=[])
    assert load_workbook(write_structure_xlsx(only_fin, tmp_path / "f.xlsx")).sheetnames == \
        ["用地结构调整表", "资金测算", "待细分与未识别", "数据说明"]


def test_the_case_is_what_the_docstring_says(data):
    t = data.table
    v = {r.row_id: (r.base, r.target) for r in t.rows}
    assert v["1"] == (Decimal("0.95"), Decimal("0.90"))  # exact 0.95: rounding took nothing, it keeps 0.95
    # 园地, 林地 0.3333333 stay 0.33; 草地 0.3333334 lost most to rounding and takes the balancing unit
    assert v["2"][0] == v["3"][0] == Decimal("0.33") and v["4"][0] == Decimal("0.34")
    assert v["7.1"] == (Decimal("0.20"), Decimal("0.50")) and v["7.2"] == (Decimal("0.15"), Decimal("0.20"))
    assert v["7"] == (Decimal("0.35"), Decimal("0.70")) and v["M1"] == (Decimal("0.41"), Decimal("1.10"))
    assert v["11"][0] == Decimal("0.05") and v["X1"][0] == Decimal("0.01") and v["T"] == (Decimal("2.42"),) * 2
    assert t.balanced_cells >= 1  # the formulas must add up balanced figures, not plain rounded ones


# --------------------------------------------------------------------------- 用地结构调整表
def test_main_title_unit_line_and_merged_headers(wb):
    ws = wb["用地结构调整表"]
    assert ws["A1"].value == "示例县国土空间功能结构调整表"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16 and ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == "单位：公顷、%"
    assert ws.max_column == 10
    m = merged(ws)
    assert {"A1:J1", "A2:J2", "A3:A4", "B3:B4", "C3:C4", "J3:J4", "D3:E3", "F3:G3", "H3:I3"} <= m
    assert [ws["A3"].value, ws["B3"].value, ws["C3"].value, ws["J3"].value] == ["序号", "用地用海类型", "代码", "备注"]
    assert ws["D3"].value == "规划基期年（2020年）" and ws["F3"].value == "规划目标年（2035年）"
    assert ws["H3"].value == "规划期内面积增减"
    assert [h(ws.cell(4, c).value) for c in range(4, 10)] == ["面积", "比重（%）", "面积", "比重（%）", "面积",
                                                               "增减率（%）"]
    assert ws["A3"].font.name == "黑体" and ws["B5"].font.name == "宋体"


def test_main_codes_text_numbers_numbers_with_fixed_formats(wb, data):
    ws = wb["用地结构调整表"]
    pos = main_rows(ws, data.table)
    r1, r71 = pos["1"], pos["7.1"]
    assert ws[f"A{r1}"].value == "1" and ws[f"A{r71}"].value == "7.1"
    assert ws[f"C{r1}"].value == "01" and ws[f"C{r1}"].data_type == "s" and ws[f"C{r1}"].number_format == "@"
    assert ws[f"A{r71}"].data_type == "s" and ws[f"C{r71}"].value.startswith("07、08、09")
    assert ws[f"C{r71}"].value.endswith("（城镇）")
    assert ws[f"B{r71}"].value == "城镇用地" and ws[f"B{r71}"].alignment.indent >= 1   # level 2 is indented
    assert not ws[f"B{r1}"].alignment.indent
    assert ws[f"D{r1}"].value == 0.95 and ws[f"D{r1}"].data_type == "n"
    assert ws[f"F{r1}"].value == 0.9 and ws[f"H{r1}"].value == pytest.approx(-0.05)
    assert ws[f"D{pos['4']}"].value == 0.34  # the balanced figure, not 0.33
    for key, col in MAIN_KEYS.items():
        for rid in ("1", "7", "T"):
            assert ws[f"{col}{pos[rid]}"].number_format == "0.00", (key, rid)
    # 增减率 from the unrounded areas; blank where the base is 0 (陆地水域 grows from nothing)
    assert ws[f"I{r1}"].value == float(data.table.row("1").change_pct)
    assert ws[f"I{pos['10']}"].value is None and ws[f"F{pos['10']}"].value == 0.12


def test_main_group_total_and_memo_rows_are_formulas_over_the_right_rows(wb, data):
    ws = wb["用地结构调整表"]
    pos = main_rows(ws, data.table)
    r7, r71, r72, rt, rm = pos["7"], pos["7.1"], pos["7.2"], pos["T"], pos["M1"]
    assert (r71, r72) == (r7 + 1, r7 + 2)
    for col in "DEFG":
        assert ws[f"{col}{r7}"].value == f"=ROUND(SUM({col}{r71}:{col}{r72}),2)"
    assert ws[f"H{r7}"].value == f"=ROUND(F{r7}-D{r7},2)" and ws[f"H{rt}"].value == f"=ROUND(F{rt}-D{rt},2)"
    # 合计: every top-level row once (城乡建设用地 but not its children), X1 included, memo rows excluded
    roots = [pos[r.row_id] for r in data.table.rows if r.depth == 0 and r.kind not in ("total", "memo")]
    refs = ws[f"D{rt}"].value[len("=ROUND(SUM("):-len("),2)")].split(",")
    covered = set()
    for ref in refs:
        a, _, b = ref.partition(":")
        lo, hi = int(a[1:]), int((b or a)[1:])
        covered |= set(range(lo, hi + 1))
    assert covered == set(roots) and r71 not in covered and pos["X1"] in covered and rm not in covered
    assert ws[f"B{rt}"].value == "合计" and ws[f"A{rt}"].value is None
    # 其中：建设用地总规模 = 城乡建设用地 + 区域基础设施用地 + 其他建设用地
    assert ws[f"D{rm}"].value == f"=ROUND(SUM(D{r7},D{pos['8']}:D{pos['9']}),2)"
    assert rm == rt + 1 and ws[f"B{rm}"].value.startswith("其中")
    # leaves are numbers
    assert not str(ws[f"D{r71}"].value).startswith("=")
    # bold subtotal and total rows, shaded pseudo row
    assert ws[f"B{r7}"].font.b and ws[f"D{rt}"].font.b and not ws[f"B{r71}"].font.b
    assert fill_rgb(ws[f"B{pos['X1']}"]) == "DDEBF7" and fill_rgb(ws[f"D{pos['X1']}"]) == "DDEBF7"
    assert ws[f"B{pos['X1']}"].value.startswith("未识别地类") and ws[f"A{pos['X1']}"].value is None


def test_main_formulas_evaluate_to_the_table_values(wb, data):
    ws = wb["用地结构调整表"]
    pos = main_rows(ws, data.table)
    for tr in data.table.rows:
        r = pos[tr.row_id]
        for key, value in (("base", tr.base), ("base_pct", tr.base_pct), ("target", tr.target),
                           ("target_pct", tr.target_pct), ("change", tr.change)):
            assert evaluate(ws, ws[f"{MAIN_KEYS[key]}{r}"].value) == value, (tr.row_id, key)


def test_libreoffice_recalculates_the_same_values(recalculated, data):
    ws = recalculated["用地结构调整表"]
    pos = main_rows(ws, data.table)
    for tr in data.table.rows:
        r = pos[tr.row_id]
        for key, value in (("base", tr.base), ("base_pct", tr.base_pct), ("target", tr.target),
                           ("target_pct", tr.target_pct), ("change", tr.change), ("change_pct", tr.change_pct)):
            got = ws[f"{MAIN_KEYS[key]}{r}"].value
            if value is None:
                assert got is None, (tr.row_id, key)
            else:
                assert as_dec(got) == value, (tr.row_id, key, got)
    assert as_dec(ws[f"D{pos['T']}"].value) == Decimal("2.42") and as_dec(ws[f"E{pos['T']}"].value) == 100


def test_main_notes_footer_and_print_setup(wb, data):
    ws = wb["用地结构调整表"]
    rm = main_rows(ws, data.table)["M1"]
    notes = ws[f"A{rm + 1}"].value
    assert notes.startswith("注：1. 本表为示例数据。") and f"A{rm + 1}:J{rm + 1}" in merged(ws)
    assert "ROUND_HALF_UP" in notes and f"本表调平 {data.table.balanced_cells} 处" in notes and "最大余数法" in notes
    assert "面积口径：图斑属性面积（TBMJ，含田坎）" in notes and "待细分与未识别" in notes
    assert ws.row_dimensions[rm + 1].height > 40
    assert ws[f"A{rm + 2}"].value == "编制单位：示例规划院　　日期：2025-06-01"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$4" and ws.freeze_panes == "C5"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.column_dimensions["B"].width >= 12 and ws.column_dimensions["C"].width <= 40


def test_totals_that_differ_are_noted(tmp_path):
    t, base, _ = make_case(regions=False)
    target = prepare_layer("目标年", ["0101"], "ydyh2023", [20000.0], t)
    table = build_table(base, target, t)
    assert table.notes  # the core says the two totals differ
    path = write_structure_xlsx(make_data(table=table, region_tables=[], transition=None, notes=[]), tmp_path / "d.xlsx")
    ws = load_workbook(path)["用地结构调整表"]
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "不一致" in texts and texts.count(table.notes[0]) == 1


# --------------------------------------------------------------------------- 转换矩阵
def test_transition_layout_and_row_totals(wb, data, recalculated):
    tr = data.transition
    ws = wb["转换矩阵"]
    ncols = 2 + len(tr.col_ids) + 1
    last = get_column_letter(ncols)
    assert ws["A1"].value == "示例县用地转换矩阵（2020年→2035年）" and ws["A2"].value == "单位：公顷"
    assert ws["B3"].value == "基期\\目标年" and "B3:B4" in merged(ws)
    # the target rows under 规划目标年; 规划图层未覆盖 (no target row) and 合计 beside it
    assert tr.col_ids[-1] == UNCOVERED
    unc = get_column_letter(ncols - 1)
    assert ws["C3"].value == "规划目标年（2035年）" and f"C3:{get_column_letter(ncols - 2)}3" in merged(ws)
    assert ws[f"{unc}3"].value == "规划图层未覆盖" and f"{unc}3:{unc}4" in merged(ws)
    assert ws[f"{last}3"].value == "合计" and f"{last}3:{last}4" in merged(ws)
    heads = [h(ws.cell(4, c).value) for c in range(3, ncols - 1)]
    assert heads == [tr.labels[c] for c in tr.col_ids[:-1]]
    # zero cells show blank inside the matrix, totals always show a number
    assert ws["C5"].number_format == "0.00;-0.00;" and ws[f"{last}5"].number_format == "0.00"
    rec = recalculated["转换矩阵"]
    base_of = {r.row_id: r.base for r in data.table.rows}
    for i, rid in enumerate(tr.row_ids):
        r = 5 + i
        assert ws[f"B{r}"].value == tr.labels[rid]
        assert ws[f"{last}{r}"].value == f"=ROUND(SUM(C{r}:{get_column_letter(ncols - 1)}{r}),2)"
        for j, cid in enumerate(tr.col_ids):
            cell = ws.cell(r, 3 + j)
            assert Decimal(str(cell.value)) == tr.matrix[(rid, cid)]
            assert (fill_rgb(cell) == "E2EFDA") == (rid == cid), (rid, cid)
        # each row adds up to the 基期 figure of the main table
        assert evaluate(ws, ws[f"{last}{r}"].value) == tr.base_rounded[rid] == base_of[rid]
        assert as_dec(rec[f"{last}{r}"].value) == base_of[rid]
    total = 5 + len(tr.row_ids)
    assert ws[f"A{total}"].value == "合计" and ws[f"C{total}"].value == f"=ROUND(SUM(C5:C{total - 1}),2)"
    assert ws[f"C{total}"].number_format == "0.00"
    assert as_dec(rec[f"{last}{total}"].value) == data.table.total.base
    # 耕地 0.95: 90 % stays 耕地 (diagonal), 10 % to 城镇用地 (t1); nothing uncovered
    r1 = 5 + tr.row_ids.index("1")
    row = {cid: ws.cell(r1, 3 + j).value for j, cid in enumerate(tr.col_ids)}
    assert sum(Decimal(str(v)) for v in row.values()) == Decimal("0.95") and row["1"] > row["7.1"] > 0


def test_transition_target_figures_difference_row_and_notes(wb, data, recalculated):
    """Under 合计 (the base basis): the structure table's target figure of each column, then the difference
    as a formula — what a reviewer sees when area bases or extents differ, never a change of use."""
    tr = data.transition
    ws = wb["转换矩阵"]
    rec = recalculated["转换矩阵"]
    total = 5 + len(tr.row_ids)
    target_row, diff_row = total + 1, total + 2
    assert ws[f"A{target_row}"].value == "规划目标年（2035年）面积" and f"A{target_row}:B{target_row}" in merged(ws)
    assert ws[f"A{diff_row}"].value.startswith("差额") and f"A{diff_row}:B{diff_row}" in merged(ws)
    target_of = {r.row_id: r.target for r in data.table.rows}
    for j, cid in enumerate(tr.col_ids):
        letter = get_column_letter(3 + j)
        if cid == UNCOVERED:
            assert ws[f"{letter}{target_row}"].value is None and ws[f"{letter}{diff_row}"].value is None
            continue
        # the same figure as the structure table's 目标年 column, and 合计 + 差额 = that figure
        assert Decimal(str(ws[f"{letter}{target_row}"].value)) == target_of[cid] == tr.target_figures[cid]
        assert ws[f"{letter}{diff_row}"].value == f"=ROUND({letter}{target_row}-{letter}{total},2)"
        assert as_dec(rec[f"{letter}{diff_row}"].value) == tr.differences[cid]
        assert as_dec(rec[f"{letter}{total}"].value) + tr.differences[cid] == target_of[cid]
    last = get_column_letter(2 + len(tr.col_ids) + 1)
    assert as_dec(rec[f"{last}{target_row}"].value) == data.table.total.target
    notes = ws.cell(diff_row + 1, 1).value
    assert "等于“用地结构调整表”中该行的规划基期年面积" in notes and "不是用途变化" in notes
    assert f"规划图层中有 {tr.target_uncovered} 公顷 未被基期图层覆盖" in notes
    # the changed area in the note is the sum of the printed off-diagonal cells (minus kept 田坎, if any)
    cells = sum(v for (r, c), v in tr.matrix.items() if r != c and c != UNCOVERED)
    assert tr.off_diagonal == cells and f"之和 {cells} 公顷" in notes
    assert ws.freeze_panes == "C5" and ws.print_title_rows == "$3:$4"


# --------------------------------------------------------------------------- 分区统计
def test_regions_blocks_with_formulas_of_their_own(wb, data, recalculated):
    ws = wb["分区统计"]
    rec = recalculated["分区统计"]
    assert ws["A1"].value == "示例县国土空间功能结构调整表（分区统计）" and ws["A2"].value == "单位：公顷、%"
    names = [t.region for t in data.region_tables]
    assert names == ["乙乡", "甲镇"]
    start = 1
    for table in data.region_tables:
        cap = find_row(ws, "A", table.region, start)
        assert ws[f"A{cap}"].font.b and ws[f"D{cap + 1}"].value == "规划基期年（2020年）"
        pos = main_rows(ws, table, cap + 3)
        r7 = pos["7"]
        assert ws[f"D{r7}"].value == f"=ROUND(SUM(D{pos['7.1']}:D{pos['7.2']}),2)"
        for tr in table.rows:
            r = pos[tr.row_id]
            assert evaluate(ws, ws[f"D{r}"].value) == tr.base, (table.region, tr.row_id)
            assert as_dec(rec[f"F{r}"].value) == tr.target, (table.region, tr.row_id)
        start = pos["M1"] + 1
    # the regions add up to the whole area (their rounding is separate: here it happens to match)
    assert sum(t.total.base for t in data.region_tables) == data.table.total.base
    first_cap = find_row(ws, "A", "甲镇")
    assert any(b.id == first_cap - 1 for b in ws.row_breaks.brk)  # each region on a new page
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "各分区分别按平方米求和" in texts and "编制单位：示例规划院" in texts


# --------------------------------------------------------------------------- 资金测算
def test_finance_sheet_warning_tables_and_balance(wb, data, recalculated):
    fv = data.finance
    ws = wb["资金测算"]
    assert ws["A1"].value == "示例县用地资金测算表（算大账）"
    assert fv.example and rs.EXAMPLE_WARNING in ws["A2"].value
    assert ws["A2"].font.b and ws["A2"].font.color.rgb.endswith("C00000")
    assert ws["A3"].value == "测算方法：" + fv.method
    assert "示例值" in ws["A4"].value
    a = find_row(ws, "A", "一、按功能汇总")
    assert [h(ws.cell(a + 1, c).value) for c in range(1, 8)] == ["功能", "性质", "基期面积", "目标年面积", "增减",
                                                                 "成本（万元）", "收益（万元）"]
    b = find_row(ws, "A", "二、按地类测算")
    heads = [h(ws.cell(b + 1, c).value) for c in range(1, 15)]
    assert heads == ["代码", "用地类型", "功能", "性质", "用地结构调整表行号", "成本单价（万元/公顷）", "收益单价（万元/公顷）",
                     "基期面积", "目标年面积", "增减", "计成本面积", "计收益面积", "成本（万元）", "收益（万元）"]
    n = len(fv.class_rows)
    total_b = b + 2 + n
    assert ws[f"A{total_b}"].value == "合计" and ws[f"M{total_b}"].value == f"=ROUND(SUM(M{b + 2}:M{total_b - 1}),2)"
    r_gd = find_row(ws, "B", "耕地", b + 2)
    assert ws[f"A{r_gd}"].value == "01" and ws[f"A{r_gd}"].data_type == "s" and ws[f"E{r_gd}"].value == "1"
    # the same figures as the structure table's 耕地 row (one ledger): 0.95 → 0.90, −0.05
    gd_row = data.table.row("1")
    assert ws[f"H{r_gd}"].value == float(gd_row.base) == 0.95 and ws[f"I{r_gd}"].value == float(gd_row.target) == 0.9
    assert ws[f"J{r_gd}"].value == pytest.approx(-0.05)
    assert ws[f"H{r_gd}"].number_format == "0.00" and ws[f"M{r_gd}"].number_format == "#,##0.00"
    gd = next(r for r in fv.class_rows if r["label"] == "耕地")
    assert ws[f"F{r_gd}"].value == float(gd["unit_cost"]) and ws[f"M{r_gd}"].value == float(gd["cost"])
    s = find_row(ws, "A", "三、资金平衡")
    assert [ws[f"A{s + k}"].value for k in (2, 3, 4)] == ["成本合计", "收益合计", "资金平衡（收益−成本）"]
    assert ws[f"B{s + 2}"].value == f"=M{total_b}" and ws[f"B{s + 4}"].value == f"=ROUND(B{s + 3}-B{s + 2},2)"
    rec = recalculated["资金测算"]
    # money totals are sums of the printed amounts
    cost = sum(Decimal(str(ws[f"M{r}"].value)) for r in range(b + 2, total_b))
    revenue = sum(Decimal(str(ws[f"N{r}"].value)) for r in range(b + 2, total_b))
    assert cost == fv.cost_total and revenue == fv.revenue_total
    # priced areas + unpriced areas = the structure table's 合计
    areas = [Decimal(str(ws[f"H{r}"].value)) for r in range(b + 2, total_b)]
    unpriced_base = sum(r["area"] for r in fv.unpriced_rows if r["side"] == "基期")
    assert sum(areas) + unpriced_base == data.table.total.base
    assert as_dec(rec[f"B{s + 2}"].value) == cost and as_dec(rec[f"B{s + 3}"].value) == revenue
    assert as_dec(rec[f"B{s + 4}"].value) == revenue - cost
    assert fill_rgb(ws[f"B{s + 4}"]) == ("C6EFCE" if revenue >= cost else "FFC7CE")
    u = find_row(ws, "A", "四、未定价地类（不计成本与收益）")
    unpriced = {ws[f"A{r}"].value: ws[f"D{r}"].value for r in range(u + 2, u + 2 + len(fv.unpriced_rows))}
    assert unpriced["12"] == 0.1 and unpriced["（未识别）"] == 0.01   # t5 '12'; p7 + p8 55 + 45 m²


def test_finance_balance_red_when_negative_and_no_warning_for_real_prices(tmp_path, data):
    fv = data.finance
    from dataclasses import replace
    losing = replace(fv, example=False, revenue_total=Decimal(0),
                     class_rows=[dict(r, revenue=Decimal(0), unit_revenue=Decimal(0)) for r in fv.class_rows])
    path = write_structure_xlsx(make_data(finance=losing, transition=None, region_tables=[]), tmp_path / "n.xlsx")
    ws = load_workbook(path)["资金测算"]
    assert ws["A2"].value.startswith("测算方法：")  # no warning line
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert rs.EXAMPLE_WARNING not in texts
    s = find_row(ws, "A", "资金平衡（收益−成本）")
    assert fill_rgb(ws[f"B{s}"]) == "FFC7CE"


# --------------------------------------------------------------------------- 待细分与未识别
def test_details_sheet(wb, data):
    ws = wb["待细分与未识别"]
    assert ws["A1"].value == "示例县待细分与未识别地类明细表" and ws["A2"].value == "单位：公顷、平方米"
    assert ws["E3"].value == "转换为" and "E3:F3" in merged(ws) and ws["E4"].value == "代码"
    rows = {}
    for r in range(5, 5 + len(data.details)):
        rows[(ws[f"B{r}"].value, ws[f"C{r}"].value)] = [ws.cell(r, c).value for c in range(1, 12)]
    zjd = rows[("基期（三调）", "0702")]
    assert zjd[4] == "0703" and zjd[6] == "待细分" and zjd[7] == "7.2 村庄用地" and zjd[8] == 1 and zjd[9] == 0.15
    blank = rows[("基期（三调）", "（空）")]
    assert blank[6] == "空值" and blank[7].startswith("未识别地类") and blank[9] == 0.01  # 55 m²
    assert rows[("基期（三调）", "XX")][6] == "未识别"
    assert rows[("基期（三调）", "XX")][9:] == [0.0, 45.0]   # 45 m² rounds to 0.00 公顷: the m² column shows it
    # the lines of 未识别地类 add up to the structure table's row (0.01 + 0.00 = 0.01)
    assert blank[9] + rows[("基期（三调）", "XX")][9] == float(data.table.row("X1").base)
    r = 5 + list(rows).index(("基期（三调）", "0702"))
    assert ws[f"C{r}"].data_type == "s" and fill_rgb(ws[f"G{r}"]) == "FFEB9C"
    cap = find_row(ws, "A", "未计入的要素")
    assert [ws.cell(cap + 1, c).value for c in range(1, 6)] == ["序号", "图层", "要素编号", "原代码", "原因"]
    assert [ws.cell(cap + 2, c).value for c in range(2, 6)] == ["基期（三调）", "9", "0101", "面积为空或不是数字"]


def test_provenance_sheet(wb):
    ws = wb["数据说明"]
    items = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(3, ws.max_row + 1)}
    assert items["插件版本"] == "0.1.0" and items["面积口径"].startswith("图斑属性面积")
    assert "ROUND_HALF_UP" in items["取舍规则"]
    assert items["工作表"].splitlines()[0].startswith("用地结构调整表") and len(items["工作表"].splitlines()) == 6
    assert items["输入图层"].splitlines()[1].startswith("目标年")


# --------------------------------------------------------------------------- empty and failing
def test_empty_table_is_a_valid_workbook_that_says_so(tmp_path):
    t = StructureTemplate.default()
    base = prepare_layer("基期", ["0101"], "sandiao", [float("nan")], t)
    target = prepare_layer("目标年", ["0101"], "ydyh2023", [0.0], t)
    table = build_table(base, target, t)
    empty_pieces = pd.DataFrame({"base_parcel": [], "target_parcel": [], "base_share": [], "target_share": []})
    data = StructureReportData(
        title="空表", region_name="", base_year="2020", target_year="2035", table=table,
        transition=transition(base, target, empty_pieces, table, t),
        finance=finance_ledger(finance_view(base, target, FinanceTable.example_table()), table),
        details=detail_areas(code_detail(base), table), skipped=None, report_date=DATE)
    path = write_structure_xlsx(data, tmp_path / "empty.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["用地结构调整表", "转换矩阵", "资金测算", "待细分与未识别", "数据说明"]
    ws = wb["用地结构调整表"]
    pos = main_rows(ws, table)
    assert ws[f"D{pos['1']}"].value == 0 and ws[f"E{pos['1']}"].value is None   # no share of nothing
    assert ws[f"D{pos['T']}"].value.startswith("=ROUND(SUM(") and ws[f"E{pos['T']}"].value is None
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "没有可计入的面积" in texts
    assert find_row(wb["转换矩阵"], "A", rs.NO_TRANSITION_TEXT)
    d = wb["待细分与未识别"]
    assert d["A5"].value == rs.NO_DETAILS_TEXT and "A5:K5" in merged(d)
    assert rs.NO_SKIPPED_TEXT in [c.value for c in d["A"]]
    f = wb["资金测算"]
    assert rs.ALL_PRICED_TEXT in " ".join(str(c.value) for c in f["A"] if c.value)
    pdf = soffice_convert(path, "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_missing_folder_fails_and_leaves_nothing(tmp_path, data):
    with pytest.raises(FileNotFoundError, match="不存在"):
        write_structure_xlsx(data, tmp_path / "missing" / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_saving_leaves_no_partial_file(tmp_path, data, monkeypatch):
    from openpyxl.workbook.workbook import Workbook

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    target = tmp_path / "out.xlsx"
    write_structure_xlsx(make_data(region_tables=[]), target)
    before = target.read_bytes()
    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_structure_xlsx(data, target)
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


# --------------------------------------------------------------------------- LibreOffice, speed
def test_libreoffice_converts_to_pdf(written, tmp_path):
    src = tmp_path / "report.xlsx"
    shutil.copy(written, src)
    data = soffice_convert(src, "pdf", tmp_path).read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 6


def test_large_template_with_ten_regions_writes_every_row(tmp_path):
    t = StructureTemplate.load(DATA_DIR / "structure_templates"
                               / "ydyh2023_level2.csv")
    codes = [patterns[0] for r in t.rows for patterns, _, _ in r.rules[:1]]
    n = len(codes) * 10
    rng = np.random.default_rng(1)
    all_codes = codes * 10
    base = prepare_layer("基期", all_codes, "ydyh2023", rng.uniform(100, 5000, n), t)
    target = prepare_layer("目标年", all_codes[::-1], "ydyh2023", rng.uniform(100, 5000, n), t)
    # every parcel a tenth in each of 10 regions: every region shows every row of the template
    shares = pd.DataFrame({"parcel": np.repeat(np.arange(n), 10), "region": [f"分区{i:02d}" for i in range(10)] * n,
                           "share": 0.1})
    base, target = apportion_regions(base, shares), apportion_regions(target, shares)
    table = build_table(base, target, t)
    regions = [build_table(base, target, t, region=r) for r in regions_of(base, target)]
    assert len(table.rows) >= 135 and len(regions) == 10 and all(len(r.rows) == len(table.rows) for r in regions)
    data = StructureReportData(title="大表", region_name="某县", base_year="2020", target_year="2035", table=table,
                               region_tables=regions, report_date=DATE)
    write_structure_xlsx(data, tmp_path / "big.xlsx")  # its speed belongs in make bench
    ws = load_workbook(tmp_path / "big.xlsx")["分区统计"]
    assert ws.max_row > 10 * len(table.rows)


def test_year_labels(tmp_path):
    assert rs._year_text("规划基期年", "2020") == rs._year_text("规划基期年", "2020年") == "规划基期年（2020年）"
    # the algorithm's defaults when no year is given: no “规划基期年（基期年）”
    assert rs._year_text("规划基期年", "基期") == "规划基期年" and rs._year_text("规划目标年", "目标") == "规划目标年"
    assert rs._year_text("规划基期年", "") == "规划基期年"
    path = write_structure_xlsx(make_data(base_year="基期", target_year="目标", region_tables=[], finance=None),
                                tmp_path / "y.xlsx")
    wb = load_workbook(path)
    assert wb["用地结构调整表"]["D3"].value == "规划基期年" and wb["用地结构调整表"]["F3"].value == "规划目标年"
    assert wb["转换矩阵"]["A1"].value == "示例县用地转换矩阵（基期→目标年）"


def test_provenance_keeps_the_callers_rounding_item(tmp_path):
    path = write_structure_xlsx(make_data(provenance=[("单位与取舍", "公顷；ROUND_HALF_UP 2 位")], region_tables=[]),
                                tmp_path / "p.xlsx")
    ws = load_workbook(path)["数据说明"]
    items = [ws[f"A{r}"].value for r in range(3, ws.max_row + 1)]
    assert "单位与取舍" in items and "取舍规则" not in items and "工作表" in items


def test_every_amount_is_printed_area_times_printed_price(tmp_path, data):
    """Issue 12: 金额 = printed 面积 × printed 单价 on every line, and each function's amount is the sum of
    its class lines' printed amounts, so a reviewer can recompute the money sheet with a calculator."""
    from dataclasses import replace
    from decimal import ROUND_HALF_UP, Decimal

    t, base, target = make_case()
    fv = finance_view(base, target, FinanceTable.example_table(), PIECES)
    odd = fv.by_class.assign(cost_m2=fv.by_class.cost_m2 + 33.3337, revenue_m2=fv.by_class.revenue_m2 + 47.0049)
    odd = odd.assign(cost=odd.cost_m2 / 10000.0 * odd.unit_cost, revenue=odd.revenue_m2 / 10000.0 * odd.unit_revenue)
    printed = finance_ledger(replace(fv, by_class=odd), data.table)
    path = write_structure_xlsx(make_data(finance=printed, transition=None, region_tables=[]), tmp_path / "m.xlsx")
    ws = load_workbook(path)["资金测算"]
    head = find_row(ws, "A", "代码")
    cols = {ws.cell(head, c).value.replace("\n", ""): c for c in range(1, 15) if ws.cell(head, c).value}
    lines = []
    r = head + 1
    while ws.cell(r, 1).value not in (None, "合计"):
        get = {k: ws.cell(r, c).value for k, c in cols.items()}
        lines.append(get)
        r += 1
    assert lines
    price = {k for k in cols if k.startswith("成本单价")}.pop()
    rev_price = {k for k in cols if k.startswith("收益单价")}.pop()
    for ln in lines:
        for amount, area, p in (("成本（万元）", "计成本面积", price), ("收益（万元）", "计收益面积", rev_price)):
            want = (Decimal(str(ln[area] or 0)) * Decimal(str(ln[p] or 0))).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert Decimal(str(ln[amount] or 0)) == want, (ln, amount)
