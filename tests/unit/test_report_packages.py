"""The asset-package workbook (core.packages.report on core.excel), read back with openpyxl and
recalculated by LibreOffice (no QGIS).

Hand-made case (rules: 1–5 公顷, 公益性 20–60 %, balance ≥ 0, ratio not checked, ownership splits reported):

ZCB001 (pass)                                    m²        cost 万元   revenue 万元
  P01 0101 水田 -> 0701 城镇住宅 (经营性), 甲村   12 345     123.45      370.35   (100 / 300 万元/公顷)
  P02 0301 乔木林地 -> 0801 机关团体 (公益性), 甲村 5 000.5  25.0025     0        (50 / 0)
  P03 1207 -> 1207 unchanged (公益性), 国有单位     3 000      0           0
  area 20 345.5 m² = 2.03455 -> 2.0346 公顷 half-up (float round() gives 2.0345);
  公益性 8 000.5 -> 0.8001, 经营性 1.2345; 国有 0.3000, 集体 17 345.5 -> 1.7346;
  cost 148.4525 -> 148.45, revenue 370.35, balance 221.90; P02's 0.50005 公顷 -> 0.5001.
ZCB002 (fail: 公益性比例 0 %)
  P04 0101 -> 0701, 甲村 15 000 (cost 150, revenue 450); P05 0201 unchanged, 乙村 4 999.95 -> 0.5000
  area 19 999.95 -> 2.0000; balance 300.00; 甲村 lies in both packages: split.
Left out: P06 0103 800 m² (small_component), P07 0101 -> 0702 1 200.5 m² = 0.12005 -> 0.1201 (excluded).
Totals: 面积 4.0346, 成本 298.45, 收益 820.35, 资金平衡 521.90.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.packages import CHECKS, PackageRules
from core.packages import report as rp
from core.packages.report import PackageReportData, build_packages_workbook, write_packages_xlsx

from .xlsx_tools import fill_rgb, soffice_convert

DATE = dt.date(2025, 6, 1)
SHEETS = ["资产包汇总", "资金平衡", "六项清单", "未纳入图斑", "数据说明"]
RULES = PackageRules(min_area_ha=1, max_area_ha=5, public_min_pct=20, public_max_pct=60)


def _parcel(pid, package, cur, cur_name, plan, plan_name, nature, area, ownership, unit, unit_name, cost_price=0.0,
            revenue_price=0.0, cost=0.0, revenue=0.0, reason="", detail=""):
    return dict(parcel_id=pid, package=package, current=cur, current_name=cur_name, planned=plan,
                planned_name=plan_name, nature=nature, area_m2=area, ownership=ownership, owner_unit=unit,
                owner_name=unit_name, changed=cur != plan, cost_price=cost_price, revenue_price=revenue_price,
                cost=cost, revenue=revenue, reason=reason, detail=detail)


PARCELS = pd.DataFrame([
    _parcel("P01", "ZCB001", "0101", "水田", "0701", "城镇住宅用地", "经营性", 12345.0, "collective", "441501001",
            "甲村", 100.0, 300.0, 123.45, 370.35),
    _parcel("P02", "ZCB001", "0301", "乔木林地", "0801", "机关团体用地", "公益性", 5000.5, "collective", "441501001",
            "甲村", 50.0, 0.0, 25.0025, 0.0),
    _parcel("P03", "ZCB001", "1207", "城镇村道路用地", "1207", "城镇村道路用地", "公益性", 3000.0, "state",
            "441501900", "某镇人民政府"),
    _parcel("P04", "ZCB002", "0101", "水田", "0701", "城镇住宅用地", "经营性", 15000.0, "collective", "441501001",
            "甲村", 100.0, 300.0, 150.0, 450.0),
    _parcel("P05", "ZCB002", "0201", "果园", "0201", "果园", "", 4999.95, "collective", "441501002", "乙村"),
    _parcel("P06", "", "0103", "旱地", "0103", "旱地", "", 800.0, "collective", "441501002", "乙村",
            reason="small_component", detail="所在连通片面积 0.08 公顷，小于最小面积 1 公顷"),
    _parcel("P07", "", "0101", "水田", "0702", "农村宅基地", "经营性", 1200.5, "collective", "441501003", "丙村",
            reason="excluded", detail="永久基本农田 100%"),
])


def _package(pid, **kw):
    row = dict(package=pid, kind="建设类", owner_units=0, owner_unit_list="", split_units=0, ratio=float("nan"), perimeter=600.0,
               compactness=0.6, parts=1, excluded_parcels=0, unpriced_parcels=0, wall_units=1, changed_m2=0.0)
    row.update({f"ok_{k}": True for k in CHECKS})
    row.update(status="pass", failed="")
    row.update(kw)
    return row


PACKAGES = pd.DataFrame([
    # input order is not the report order
    _package("ZCB002", n_parcels=2, area_m2=19999.95, public_m2=0.0, profitable_m2=15000.0, other_m2=4999.95,
             public_pct=0.0, profitable_pct=75.000188, state_m2=0.0, collective_m2=19999.95, owner_units=2,
             owner_unit_list="441501001、441501002", split_units=1, cost=150.0, revenue=450.0, balance=300.0,
             ratio=3.0, compactness=0.41234, changed_m2=15000.0, ok_public=False, status="fail", failed="公益性比例"),
    _package("ZCB001", n_parcels=3, area_m2=20345.5, public_m2=8000.5, profitable_m2=12345.0, other_m2=0.0,
             public_pct=39.323192, profitable_pct=60.676808, state_m2=3000.0, collective_m2=17345.5, owner_units=2,
             owner_unit_list="441501001、441501900", split_units=1, cost=148.4525, revenue=370.35, balance=221.8975,
             ratio=2.494737, compactness=0.625, changed_m2=17345.5),
])

CONDITIONS = pd.DataFrame([{"package": "ZCB001", "layer": "永久基本农田", "area_m2": 1000.0, "share_pct": 4.915093}])


def make_data(**overrides) -> PackageReportData:
    kw = dict(
        packages=PACKAGES, parcels=PARCELS, rules=RULES, finance_label="示例单价表 (2025)", finance_example=True,
        diagnosis=["全域公益性比例为 37.5%，在 20–60% 区间内。"],
        stats={"parcels": 7, "eligible": 6, "packaged": 5, "left_out": 1, "left_out_pct": 16.666667, "packages": 2},
        conditions=CONDITIONS, provenance=[("插件版本", "0.1.0"), ("面积口径", "椭球面积（CGCS2000）")],
        region_name="示例县", organisation="示例规划院", report_date=DATE)
    kw.update(overrides)
    return PackageReportData(**kw)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("packages") / "资产包.xlsx"
    assert write_packages_xlsx(make_data(), path) == path
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
        if h(ws[f"{col}{r}"].value) == text:
            return r
    raise AssertionError(f"{text!r} not found in column {col}")


def texts(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))


def headers(ws, top: int, bottom: int) -> dict:
    """{'leaf' or 'group/leaf': column letter} of a header block (group cells merged across)."""
    ranges = list(ws.merged_cells.ranges)
    out = {}
    for col in range(1, ws.max_column + 1):
        parts = []
        for r in range(top, bottom + 1):
            rng = next((g for g in ranges if g.min_row <= r <= g.max_row and g.min_col <= col <= g.max_col), None)
            value = ws.cell(r, col).value if rng is None else (
                ws.cell(rng.min_row, rng.min_col).value if rng.min_row == r else None)
            if value:
                parts.append(h(value))
        if parts:
            out["/".join(parts)] = get_column_letter(col)
    return out


# --------------------------------------------------------------------------- structure
def test_sheets_in_order(wb):
    assert wb.sheetnames == SHEETS
    assert build_packages_workbook(make_data()).sheetnames == SHEETS   # the same workbook, not saved


def test_the_case_is_what_the_docstring_says():
    assert round(20345.5 / 10000, 4) == 2.0345      # what a float round() would print: wrong
    assert rp.ha_value(20345.5, 4) == 2.0346 and rp.ha_value(12345, 4) == 1.2345
    assert rp.ha_value(1200.5, 4) == 0.1201 and rp.money_value(148.4525, 2) == 148.45
    assert PARCELS.groupby("package")["area_m2"].sum().to_dict() == {"": 2000.5, "ZCB001": 20345.5,
                                                                     "ZCB002": 19999.95}


# --------------------------------------------------------------------------- 资产包汇总
SUMMARY_TOP = 4   # title, example warning, unit line, then the two header rows


@pytest.fixture(scope="module")
def summary(wb):
    ws = wb["资产包汇总"]
    return ws, headers(ws, SUMMARY_TOP, SUMMARY_TOP + 1)


def test_summary_title_warning_unit_and_headers(summary):
    ws, cols = summary
    assert ws["A1"].value == "示例县资产包划定成果汇总表"
    assert rp.EXAMPLE_WARNING in ws["A2"].value and ws["A2"].font.color.rgb.endswith("C00000") and ws["A2"].font.b
    assert ws["A3"].value == "单位：公顷、万元、%"
    expected = ["编号", "类型", "图斑数", "面积", "公益性用地/面积", "公益性用地/比例（%）", "经营性用地/面积",
                "经营性用地/比例（%）", "权属性质/国有", "权属性质/集体", "权属单位数", "拆分的权属单位",
                "资金测算（万元）/成本", "资金测算（万元）/收益", "资金测算（万元）/资金平衡", "资金测算（万元）/收益成本比",
                "紧凑度"] + [f"约束检查/{v[0]}" for v in CHECKS.values()] + ["结论", "未通过项"]
    assert list(cols) == expected
    assert ws.print_title_rows == "$4:$5" and ws.freeze_panes == "B6"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth == 1


def test_summary_rows_sorted_ids_text_areas_half_up(summary):
    ws, cols = summary
    assert [ws["A6"].value, ws["A7"].value] == ["ZCB001", "ZCB002"]
    assert [ws["B6"].value, ws["B7"].value] == ["建设类", "建设类"]
    assert ws["A6"].data_type == "s" and ws["A6"].number_format == "@"
    row = {k: ws[f"{c}6"].value for k, c in cols.items()}
    assert row["图斑数"] == 3 and row["面积"] == 2.0346                 # 2.03455 half-up
    assert row["公益性用地/面积"] == 0.8001 and row["经营性用地/面积"] == 1.2345
    assert row["公益性用地/比例（%）"] == 39.32 and row["经营性用地/比例（%）"] == 60.68
    assert row["权属性质/国有"] == 0.3 and row["权属性质/集体"] == 1.7346
    assert row["权属单位数"] == 2 and row["拆分的权属单位"] == 1
    assert row["资金测算（万元）/成本"] == 148.46 and row["资金测算（万元）/收益"] == 370.35  # Σ printed lines
    assert row["资金测算（万元）/资金平衡"] == pytest.approx(221.89)
    assert row["资金测算（万元）/收益成本比"] == 2.49 and row["紧凑度"] == 0.63   # 0.625 half-up
    assert ws[f"{cols['面积']}6"].number_format == "0.0000"
    assert ws[f"{cols['资金测算（万元）/成本']}6"].number_format == "#,##0.00"
    second = {k: ws[f"{c}7"].value for k, c in cols.items()}
    assert second["面积"] == 2.0 and second["经营性用地/比例（%）"] == 75.0


def test_summary_checks_verdicts_and_fills(summary):
    ws, cols = summary
    checks = {v[0]: cols[f"约束检查/{v[0]}"] for v in CHECKS.values()}
    first = {k: ws[f"{c}6"].value for k, c in checks.items()}
    second = {k: ws[f"{c}7"].value for k, c in checks.items()}
    # ratio not checked (ratio_min 0) and ownership splits only reported: —
    assert first["收益成本比"] == "—" and first["权属单位不拆分"] == "—"
    assert all(v == "✓" for k, v in first.items() if k not in ("收益成本比", "权属单位不拆分"))
    assert second["公益性比例"] == "✗" and second["面积规模"] == "✓"
    assert fill_rgb(ws[f"{checks['公益性比例']}7"]) == "FFC7CE"
    v = cols["结论"]
    assert ws[f"{v}6"].value == "通过" and fill_rgb(ws[f"{v}6"]) == "C6EFCE"
    assert ws[f"{v}7"].value == "不通过" and fill_rgb(ws[f"{v}7"]) == "FFC7CE"
    assert ws[f"{cols['未通过项']}7"].value == "公益性比例" and ws[f"{cols['未通过项']}6"].value is None
    assert ws[f"{checks['空间连续']}5"].alignment.textRotation == 255


def test_summary_total_row_formulas(summary, recalculated):
    ws, cols = summary
    assert ws["A8"].value == "合计"
    for head in ("图斑数", "面积", "公益性用地/面积", "权属性质/集体", "资金测算（万元）/成本", "资金测算（万元）/资金平衡"):
        c = cols[head]
        # a sum of printed figures, rounded to the column's places (no float noise); counts stay =SUM
        assert ws[f"{c}8"].value in (f"=SUM({c}6:{c}7)", f"=ROUND(SUM({c}6:{c}7),2)", f"=ROUND(SUM({c}6:{c}7),4)"), head
    assert ws[f"{cols['权属单位数']}8"].value is None   # a unit split between packages would count twice
    rec = {k: recalculated["资产包汇总"][f"{c}8"].value for k, c in cols.items()}
    assert rec["图斑数"] == 5 and rec["面积"] == pytest.approx(4.0346)
    assert rec["资金测算（万元）/成本"] == pytest.approx(298.46) and rec["资金测算（万元）/收益"] == pytest.approx(820.35)
    assert rec["资金测算（万元）/资金平衡"] == pytest.approx(521.89)
    assert rec["公益性用地/比例（%）"] == pytest.approx(19.83)     # 0.8001 / 4.0346
    assert rec["资金测算（万元）/收益成本比"] == pytest.approx(2.75)


def test_summary_id_links_to_its_inventory_block(summary, wb):
    ws, _ = summary
    inv = wb["六项清单"]
    for r in (6, 7):
        link = ws[f"A{r}"].hyperlink
        assert link is not None and link.location.startswith("'六项清单'!A")
        target = int(link.location.split("!A")[1])
        assert inv[f"A{target}"].value == ws[f"A{r}"].value and inv[f"C{target}"].value == "概况"


def test_summary_notes_rules_diagnosis_stats_money_rule(summary):
    ws, _ = summary
    notes = texts(ws)
    assert "面积规模 1 – 5 公顷" in notes and "公益性比例 20 – 60 %" in notes
    assert "约束诊断：全域公益性比例为 37.5%" in notes
    assert "可参与划定的图斑 6 个" in notes and "未纳入的图斑 1 个（16.67%）" in notes
    assert "形成资产包 2 个（通过 1 个，不通过 1 个）" in notes
    assert rp.MONEY_RULE in notes and "ROUND_HALF_UP" in notes
    assert "编制单位：示例规划院　　日期：2025-06-01" in notes


# --------------------------------------------------------------------------- 资金平衡
def test_balance_sheet_rows_subtotals_and_balance(wb, recalculated):
    ws = wb["资金平衡"]
    assert ws["A1"].value == "示例县资产包资金平衡表" and rp.EXAMPLE_WARNING in ws["A2"].value
    assert [h(ws.cell(4, c).value) for c in range(1, 8)] == ["资产包编号", "项目", "地类代码", "地类名称",
                                                          "面积（公顷）", "单价（万元/公顷）", "金额（万元）"]
    rows = [[ws.cell(r, c).value for c in range(1, 8)] for r in range(5, 20)]
    assert rows[0] == ["ZCB001", "成本", "0101", "水田", 1.2345, 100.0, 123.45]
    assert rows[1] == ["ZCB001", "成本", "0301", "乔木林地", 0.5001, 50.0, 25.01]   # 0.50005 half-up; 0.5001 × 50
    assert rows[2][:2] == ["ZCB001", "成本小计"] and rows[2][4] == "=SUM(E5:E6)" and rows[2][6] == "=SUM(G5:G6)"
    assert rows[3] == ["ZCB001", "收益", "0701", "城镇住宅用地", 1.2345, 300.0, 370.35]
    assert rows[4] == ["ZCB001", "收益", "0801", "机关团体用地", 0.5001, 0.0, 0.0]
    assert rows[5][1] == "收益小计" and rows[6][1] == "资金平衡" and rows[6][6] == "=ROUND(G10-G7,2)"
    assert rows[7][:3] == ["ZCB002", "成本", "0101"]       # P05 is unchanged: no money, no row
    assert [r[1] for r in rows[7:13]] == ["成本", "成本小计", "收益", "收益小计", "资金平衡", "成本合计"]
    assert ws["C5"].data_type == "s"
    assert rows[12][6] == '=SUMIF(B5:B16,"成本小计",G5:G16)' and rows[14][6] == "=ROUND(G18-G17,2)"
    rec = recalculated["资金平衡"]
    got = {(rec[f"A{r}"].value, rec[f"B{r}"].value): rec[f"G{r}"].value for r in range(5, 20)}
    assert got[("ZCB001", "成本小计")] == pytest.approx(148.46) and got[("ZCB001", "资金平衡")] == pytest.approx(221.89)
    assert got[("ZCB002", "资金平衡")] == pytest.approx(300.0)
    assert got[("合计", "成本合计")] == pytest.approx(298.46) and got[("合计", "收益合计")] == pytest.approx(820.35)
    assert got[("合计", "资金平衡合计")] == pytest.approx(521.89)
    assert fill_rgb(ws["G11"]) == "C6EFCE" and ws["B7"].font.b


def test_every_amount_is_printed_area_times_printed_price_and_one_value_everywhere(tmp_path):
    # three changed parcels of 0.1 ha at 3.33… 万元/ha: each line 0.1000 × 3.33 = 0.33; the package cost is
    # the sum of its printed lines, 0.99, on 资金平衡, 资产包汇总 and 六项清单 alike (never 1.00 somewhere)
    third = 1 / 3
    parcels = pd.DataFrame([
        _parcel(f"Q{i}", "ZCB001", code, "x", "0701", "城镇住宅用地", "经营性", 1000.0, "state", "U1", "单位",
                third * 10, 0.0, third, 0.0) for i, code in enumerate(("0101", "0102", "0103"))])
    packages = pd.DataFrame([_package("ZCB001", n_parcels=3, area_m2=3000.0, public_m2=0.0, profitable_m2=3000.0,
                                      state_m2=3000.0, collective_m2=0.0, cost=1.0, revenue=0.0, balance=-1.0)])
    path = write_packages_xlsx(make_data(packages=packages, parcels=parcels, conditions=None), tmp_path / "b.xlsx")
    wb = load_workbook(path)
    ws = wb["资金平衡"]
    lines = [[ws[f"{c}{r}"].value for c in "EFG"] for r in range(5, 8)]
    assert lines == [[0.1, 3.33, 0.33]] * 3 and ws["B8"].value == "成本小计"
    assert fill_rgb(ws[f"G{find_row(ws, 'B', '资金平衡')}"]) == "FFC7CE"     # revenue 0 - cost < 0
    summary = wb["资产包汇总"]
    cols = headers(summary, SUMMARY_TOP, SUMMARY_TOP + 1)
    assert summary[f"{cols['资金测算（万元）/成本']}{SUMMARY_TOP + 2}"].value == 0.99


# --------------------------------------------------------------------------- 六项清单
INV_HEAD = ["资产包", "清单", "分项", "代码", "名称 / 项目", "面积（公顷）", "占比（%）", "金额（万元）", "说明"]


def _inventory(ws):
    """(header row, {package: [row values…]}) of the one list on 六项清单."""
    top = find_row(ws, "A", "资产包")
    blocks: dict = {}
    for r in range(top + 1, ws.max_row + 1):
        values = [ws.cell(r, c).value for c in range(1, 10)]
        if values[1] is None:
            break
        blocks.setdefault(values[0], []).append((r, values))
    return top, blocks


def _part(block, lst, part):
    return [v for _, v in block if v[1] == lst and v[2] == part]


def test_inventory_is_one_list_a_block_per_package(wb):
    ws = wb["六项清单"]
    assert ws["A1"].value == "示例县资产包六项清单" and rp.TEMPLATE_NOTE in texts(ws)
    top, blocks = _inventory(ws)
    assert [h(ws.cell(top, c).value) for c in range(1, 10)] == INV_HEAD
    assert list(blocks) == ["ZCB001", "ZCB002"]
    for pkg, block in blocks.items():
        assert block[0][1][1:3] == ["资产包", "概况"] and fill_rgb(ws.cell(block[0][0], 1)) == "DDEBF7"
        assert [v[1] for _, v in block][1:] == sorted([v[1] for _, v in block][1:], key=list(rp.INVENTORY_LISTS).index)
        assert {v[1] for _, v in block[1:]} == set(rp.INVENTORY_LISTS), pkg      # all six lists, every package
    # printed as one table: no page per package, header repeated, filterable, landscape A4
    assert list(ws.row_breaks.brk) == []
    assert ws.print_title_rows == f"${top}:${top}" and ws.auto_filter.ref.startswith(f"A{top}:I")
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"


def test_inventory_resources_assets_and_money(wb, recalculated):
    ws = wb["六项清单"]
    _, blocks = _inventory(ws)
    b1 = blocks["ZCB001"]
    head = b1[0][1]
    assert head[5] == 2.0346 and head[7] == 221.89 and "结论：通过" in head[4]
    cur = [v[3:7] for v in _part(b1, "资源清单", "现状地类")]
    # shares 60.68 + 24.58 + 14.75 = 100.01: balancing takes the unit off the share rounding raised most
    # (14.7449… → 14.75; largest remainder), not off the largest share (尾差调平)
    assert cur == [["0101", "水田", 1.2345, 60.68], ["0301", "乔木林地", 0.5001, 24.58],
                   ["1207", "城镇村道路用地", 0.3, 14.74]]
    assert sum(Decimal(str(v[2])) for v in cur) == Decimal("2.0346")          # = the 概况 area
    assert ws.cell(b1[1][0], 4).data_type == "s"                               # codes stay text
    plan = [v[3:7] + [v[8]] for v in _part(b1, "资源清单", "规划地类")]
    assert plan[0] == ["0701", "城镇住宅用地", 1.2345, 60.68, "经营性"] and plan[2] == ["1207", "城镇村道路用地", 0.3, 14.74, "公益性"]
    own = [[v[4], v[5], v[6]] for v in _part(b1, "资产清单", "权属性质")]
    assert own == [["国有", 0.3, 14.75], ["集体", 1.7346, 85.25]]
    units = [[v[3], v[4], v[5], v[8]] for v in _part(b1, "资产清单", "权属单位")]
    assert units[0][:3] == ["441501001", "甲村", 1.7346] and units[0][3].startswith("集体；跨资产包")
    assert units[1] == ["441501900", "某镇人民政府", 0.3, "国有"]
    split_row = next(r for r, v in b1 if v[3] == "441501001")
    assert fill_rgb(ws[f"I{split_row}"]) == "FFEB9C"
    money = [(r, v) for r, v in b1 if v[2] == "资金测算"]
    assert [v[4] for _, v in money] == ["成本", "收益", "资金平衡"] and money[0][1][7] == 148.46
    r_cost, r_rev, r_bal = (r for r, _ in money)
    assert ws[f"H{r_bal}"].value == f"=ROUND(H{r_rev}-H{r_cost},2)" and "收益成本比 2.49" in money[2][1][8]
    assert recalculated["六项清单"][f"H{r_bal}"].value == pytest.approx(221.89) == head[7]


def test_inventory_templates_are_marked_and_blank(wb):
    ws = wb["六项清单"]
    _, blocks = _inventory(ws)
    for pkg in ("ZCB001", "ZCB002"):
        rows = {v[2]: r for r, v in blocks[pkg]}
        for part, cols in (("资金来源（待填写）", "EHI"), ("项目（待填写）", "EFI"), ("政策（待填写）", "DEI")):
            r = rows[part]
            for c in cols:
                assert ws[f"{c}{r}"].value is None and fill_rgb(ws[f"{c}{r}"]) == "FFF2CC", (pkg, part, c)
            assert ws[f"A{r}"].border.left.style == "thin"
    assert "需求清单——名称填项目名称" in texts(ws)


def test_inventory_conditions(wb, tmp_path):
    _, blocks = _inventory(wb["六项清单"])
    assert [v[4:7] for v in _part(blocks["ZCB001"], "条件清单", "控制线")] == [["永久基本农田", 0.1, 4.92]]
    assert [v[4] for v in _part(blocks["ZCB002"], "条件清单", "控制线")] == ["不涉及所提供的控制线图层"]
    # no control layers given: say so and leave a row to fill in
    path = write_packages_xlsx(make_data(conditions=None), tmp_path / "c.xlsx")
    ws = load_workbook(path)["六项清单"]
    _, blocks = _inventory(ws)
    r, v = next((r, v) for r, v in blocks["ZCB001"] if v[1] == "条件清单")
    assert rp.NO_CONDITIONS_TEXT in v[2] and fill_rgb(ws[f"E{r}"]) == "FFF2CC" and v[4] is None


def test_inventory_limit_is_noted(tmp_path):
    path = write_packages_xlsx(make_data(inventory_limit=1), tmp_path / "l.xlsx")
    wb = load_workbook(path)
    inv = wb["六项清单"]
    _, blocks = _inventory(inv)
    assert list(blocks) == ["ZCB001"]
    assert "共 2 个资产包，本表只列出按编号排列的前 1 个，其余 1 个资产包的主要指标见“资产包汇总”" in texts(inv)
    ws = wb["资产包汇总"]
    assert "只列出前 1 个资产包，其余 1 个" in texts(ws)
    assert ws["A6"].hyperlink is not None and ws["A7"].hyperlink is None and ws["A7"].value == "ZCB002"


def test_missing_folder_fails_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="不存在"):
        write_packages_xlsx(make_data(), tmp_path / "missing" / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_libreoffice_converts_to_pdf_the_inventory_on_one_page(written, tmp_path):
    src = tmp_path / "report.xlsx"
    shutil.copy(written, src)
    data = soffice_convert(src, "pdf", tmp_path).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    # 汇总, 资金平衡, 六项清单 (two packages, one page: no page per package), 未纳入, 数据说明
    assert data.startswith(b"%PDF") and 5 <= pages <= 6


# --------------------------------------------------------------------------- scale
def test_a_thousand_packages(tmp_path):
    """1 000 packages over 20 000 parcels: every package in the summary, the inventory capped at 100
    blocks, and written in seconds (the groupby-once design; 1 000 × 100 000 takes ~15–25 s)."""
    rng = np.random.default_rng(7)
    n, k = 20000, 1000
    pkg = np.array([f"ZCB{i:04d}" for i in rng.integers(1, k + 1, n)], dtype=object)
    pkg[rng.random(n) < 0.1] = ""
    cur = rng.choice(["0101", "0103", "0201", "0301", "0702", "1207"], n)
    plan = np.where(rng.random(n) < 0.5, cur, rng.choice(["0701", "0801", "1207", "1401"], n))
    area = rng.uniform(100, 5000, n).round(2)
    changed = cur != plan
    parcels = pd.DataFrame({
        "parcel_id": [f"{i:010d}" for i in range(n)], "package": pkg, "current": cur, "current_name": "名称",
        "planned": plan, "planned_name": "名称", "nature": np.where(plan == "0701", "经营性", "公益性"),
        "area_m2": area, "ownership": rng.choice(["state", "collective"], n),
        "owner_unit": [f"4415010{i:02d}" for i in rng.integers(0, 90, n)], "owner_name": "某村", "changed": changed,
        "cost_price": np.where(changed, 100.0, 0.0), "revenue_price": np.where(changed, 250.0, 0.0),
        "cost": np.where(changed, area / 1e4 * 100, 0.0), "revenue": np.where(changed, area / 1e4 * 250, 0.0),
        "reason": np.where(pkg == "", "unplaced", ""), "detail": ""})
    g = parcels[parcels["package"] != ""].groupby("package")
    packages = pd.DataFrame({"package": list(g.groups), "n_parcels": g.size().to_numpy(),
                             "area_m2": g["area_m2"].sum().to_numpy(), "public_m2": 0.0, "profitable_m2": 0.0,
                             "state_m2": 0.0, "collective_m2": 0.0, "cost": g["cost"].sum().to_numpy(),
                             "revenue": g["revenue"].sum().to_numpy(), "status": "pass"})
    assert len(packages) == k
    data = PackageReportData(packages=packages, parcels=parcels, rules=RULES, inventory_limit=100)
    write_packages_xlsx(data, tmp_path / "big.xlsx")   # its speed is make bench's, not a test's
    wb = load_workbook(tmp_path / "big.xlsx")
    ws = wb["资产包汇总"]   # real prices: no warning line, the data start on row 5
    assert ws["A5"].value == "ZCB0001" and ws.cell(5 + k - 1, 1).value == "ZCB1000" and ws.cell(5 + k, 1).value == "合计"
    assert ws.cell(5 + 99, 1).hyperlink is not None and ws.cell(5 + 100, 1).hyperlink is None
    _, blocks = _inventory(wb["六项清单"])
    assert len(blocks) == 100 and list(blocks)[-1] == "ZCB0100"
    left = wb["未纳入图斑"]
    assert left["F5"].value == int((pkg == "").sum())


def test_shares_on_construction_land_are_shown_on_their_own_basis(tmp_path):
    """Issue 12: with the share on construction land, the 公益性/经营性 areas printed are the construction
    land the share is of (the whole 公益性 area in its own column), the share is recomputable from the row,
    and a 资源类 package reads 不适用 — never ✓ beside 0.00 %."""
    from dataclasses import replace

    rules = replace(RULES, public_basis="construction")
    packages = pd.DataFrame([
        # 55.32 ha 公益性 of which only 10 ha is construction land (the rest a river): 10 / (10 + 30)
        _package("ZCB001", n_parcels=3, area_m2=853200.0, public_m2=553200.0, profitable_m2=300000.0,
                 public_basis_m2=100000.0, profitable_basis_m2=300000.0, public_pct=25.0, profitable_pct=75.0,
                 state_m2=853200.0, collective_m2=0.0, cost=0.0, revenue=0.0, kind="建设类"),
        _package("ZCB002", n_parcels=1, area_m2=500000.0, public_m2=0.0, profitable_m2=0.0, public_basis_m2=0.0,
                 profitable_basis_m2=0.0, public_pct=0.0, profitable_pct=0.0, state_m2=500000.0, collective_m2=0.0,
                 cost=0.0, revenue=0.0, kind="资源类"),
    ])
    parcels = pd.DataFrame([_parcel("Q1", "ZCB001", "0701", "x", "0701", "x", "经营性", 853200.0, "state", "U", "单位"),
                            _parcel("Q2", "ZCB002", "0301", "x", "0301", "x", "", 500000.0, "state", "U2", "单位")])
    path = write_packages_xlsx(make_data(packages=packages, parcels=parcels, rules=rules, conditions=None),
                               tmp_path / "s.xlsx")
    ws = load_workbook(path)["资产包汇总"]
    cols = headers(ws, SUMMARY_TOP, SUMMARY_TOP + 1)
    first = {k: ws[f"{c}{SUMMARY_TOP + 2}"].value for k, c in cols.items()}
    second = {k: ws[f"{c}{SUMMARY_TOP + 3}"].value for k, c in cols.items()}
    assert first["公益性建设用地/面积"] == 10.0 and first["经营性建设用地/面积"] == 30.0
    assert first["公益性用地（全部）"] == 55.32
    assert first["公益性建设用地/比例（%）"] == 25.0 == round(10.0 / (10.0 + 30.0) * 100, 2)
    assert second["公益性建设用地/比例（%）"] == "不适用" and second["约束检查/公益性比例"] != "✓"


def test_left_out_list_is_bounded_with_every_parcel_in_a_csv_beside(tmp_path):
    """A county leaves thousands of parcels out: 未纳入图斑 lists the first ``detail_limit`` (by reason) and says
    where the rest are; the CSV beside the workbook holds every one, figures as on the sheet."""
    import csv

    full = load_workbook(write_packages_xlsx(make_data(), tmp_path / "full.xlsx"))["未纳入图斑"]
    start = find_row(full, "A", "序号", 6)
    every = [[full.cell(r, c).value for c in range(1, 10)] for r in range(start + 2, full.max_row + 1)
             if isinstance(full.cell(r, 1).value, int)]
    assert len(every) >= 2 and not (tmp_path / "full_未纳入图斑.csv").exists()
    path = write_packages_xlsx(make_data(detail_limit=1), tmp_path / "b.xlsx")
    ws = load_workbook(path)["未纳入图斑"]
    listed = [r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int) and r > start]
    assert len(listed) == 1
    assert f"共 {len(every)} 个，本表列出前 1 个" in texts(ws) and "b_未纳入图斑.csv" in texts(ws)
    with open(tmp_path / "b_未纳入图斑.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["序号", "图斑标识", "现状地类/代码"] and len(rows) == len(every) + 1
    assert [r[1] for r in rows[1:]] == [str(e[1]) for e in every]
    assert [float(r[6]) for r in rows[1:]] == [e[6] for e in every]


def test_a_run_without_a_detail_csv_removes_the_old_one(tmp_path):
    """Staged outputs: a workbook replaced by a run that needs no CSV takes its old detail CSVs away (never a
    stale list beside a new workbook)."""
    from core.gate import StagedOutputs

    final = tmp_path / "资产包划定.xlsx"
    final.write_bytes(b"old")
    (tmp_path / "资产包划定_未纳入图斑.csv").write_text("old", encoding="utf-8")
    (tmp_path / "其他_未纳入图斑.csv").write_text("keep", encoding="utf-8")
    staged = StagedOutputs()
    tmp = staged.stage(str(final))
    write_packages_xlsx(make_data(), tmp)
    staged.commit()
    assert final.read_bytes()[:2] == b"PK" and not (tmp_path / "资产包划定_未纳入图斑.csv").exists()
    assert (tmp_path / "其他_未纳入图斑.csv").exists()



def _cells(tmp_path, data, ledger=None):
    """Every value the saved workbook shows (streamed rows are only in the file), 数据说明 aside."""
    import openpyxl

    path = tmp_path / f"w{len(list(tmp_path.iterdir()))}.xlsx"
    write_packages_xlsx(data, path, ledger)
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None and ws.title != "数据说明"}


def test_the_layers_ledger_is_the_workbooks_and_never_another_runs(tmp_path):
    from core.packages.ledger import ledger_for, package_ledger

    data = make_data()
    led = package_ledger(data)
    # the PACKAGES layer's ledger (same packages, parcels, rules, conditions) is the workbook's: one value
    assert ledger_for(data, led) is led
    plain = _cells(tmp_path, data)
    assert _cells(tmp_path, data, led) == plain
    # a ledger of other figures (P01 twice as large) is not taken for this run's
    bigger = PARCELS.assign(area_m2=np.where(PARCELS["parcel_id"] == "P01", 24690.0, PARCELS["area_m2"]))
    other = package_ledger(make_data(parcels=bigger))
    assert ledger_for(data, other) is not other
    assert _cells(tmp_path, data, other) == plain
    assert _cells(tmp_path, make_data(parcels=bigger)) != plain
    # nor one made with other decimals
    assert ledger_for(make_data(area_decimals=2), led) is not led
