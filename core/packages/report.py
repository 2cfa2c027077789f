"""资产包划定成果 / 资产包校核结果 (asset packages) as an approval-ready .xlsx workbook.

Sheets, in order (DESIGN §6):

1. 资产包汇总 — one row per package: 编号 (a link to its block on 六项清单), 类型 (建设类/资源类), 图斑数, 面积, 公益性 /
   经营性用地 面积 and 比例, 国有 / 集体, 权属单位数, 拆分的权属单位, 成本, 收益, 资金平衡, 收益成本比,
   紧凑度, one ✓/✗ column per hard constraint (merged header 约束检查; — when the rule profile does not
   check it), 结论 (通过 / 不通过, coloured) and 未通过项; a 合计 row of ``=SUM()`` formulas; notes with
   the rules, the diagnosis, the figures of the run and the money rule.
2. 资金平衡 — per package the cost by current class and the revenue by planned class of the parcels
   whose use changes (代码, 名称, 面积, 单价, 金额), 成本小计 / 收益小计 (``=SUM()``) and 资金平衡
   (= 收益小计 − 成本小计); grand totals (``=SUMIF()`` over the 小计 rows) at the end.
3. 六项清单 — one list (at most ``inventory_limit`` packages): per package a shaded 概况 row, then its rows
   of the 资源清单, 资产清单, 资金清单, 需求清单, 政策清单 and 条件清单, filterable by 资产包 or 清单 and
   printed as one table with its header on every page; template cells for the planner to fill have a
   light yellow fill.
4. 未纳入图斑 — counts by reason, then one row per parcel not in a package.
5. 数据说明 — provenance, the rules and the unit-price table.

Areas arrive in m² and are converted here: 公顷 = ROUND_HALF_UP(m² / 10 000, ``area_decimals``);
money (万元) is rounded half-up to ``money_decimals``, percentages to 2 decimals, never with ``round``.
Rows that make up a whole (the classes of a package, its 国有/集体 split, the amounts of its 资金平衡
block) are balanced by largest remainder (尾差调平) so that they add up to the rounded whole.

Everything per package is computed with one ``groupby`` over the parcel frame, never by filtering
the whole frame per package, so 1 000 packages over 100 000 parcels write in seconds.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from ..excel import (
    BOLD_FONT,
    FONT_BODY,
    NOTE_FONT,
    SIZE_BODY,
    TITLE_FONT,
    UNIT_FONT,
    VERDICT_FILLS,
    Column,
    TableLayout,
    Total,
    _merged_line,
    add_provenance_sheet,
    append_table,
    apply_print_setup,
    choose_landscape,
    clean_text,
    detail_csv_path,
    fit_number_columns,
    fit_row_heights,
    fixed_format,
    footer_text,
    new_workbook,
    safe_sheet_name,
    save_atomic,
    set_widths,
    solid_fill,
    write_csv,
    write_table,
)
from .ledger import (  # noqa: F401  (PackageReportData is this module's public input)
    _COST,
    _REVENUE,
    CHECK_FAIL,
    CHECK_PASS,
    CHECK_SKIPPED,
    CHECKS,
    NOT_APPLICABLE,
    REASONS,
    PackageLedger,
    PackageReportData,
    _balanced,
    _class_rows,
    _dec,
    _ha_exact,
    _Prepared,
    _shares,
    _sorted_codes,
    _text,
    ha_value,
    ledger_for,
    money_value,
    pct_value,
)

SHEET_SUMMARY = "资产包汇总"
SHEET_BALANCE = "资金平衡"
SHEET_INVENTORY = "六项清单"
SHEET_LEFT_OUT = "未纳入图斑"
SHEET_PROVENANCE = "数据说明"
SHEETS = (SHEET_SUMMARY, SHEET_BALANCE, SHEET_INVENTORY, SHEET_LEFT_OUT, SHEET_PROVENANCE)

EXAMPLE_WARNING = "单价为示例值，须替换为本地基准地价与补偿标准后方可使用"
MONEY_RULE = ("成本 = 用途改变图斑面积 × 现状地类单价；收益 = 用途改变图斑面积 × 规划地类单价；"
              "用途未变的图斑不计成本收益；每行金额 = 表中所列面积 × 所列单价（四舍五入到 0.01 万元），"
              "各资产包的成本、收益为其各行金额之和，资产包汇总、资金平衡与六项清单所列为同一数值")
NO_PACKAGES_TEXT = "未形成任何资产包"
ALL_PACKAGED_TEXT = "全部可参与图斑均已纳入资产包"
NO_CONDITIONS_TEXT = "未提供控制线图层"
TEMPLATE_NOTE = "浅黄色单元格为模板，由规划编制人员填写"

TEMPLATE_FILL = solid_fill("FFF2CC")
WARNING_FONT = Font(name=FONT_BODY, size=SIZE_BODY + 1, bold=True, color="C00000")
LINK_FONT = Font(name=FONT_BODY, size=SIZE_BODY, color="0563C1", underline="single")
FAIL_FONT = Font(name=FONT_BODY, size=SIZE_BODY, color="C00000", bold=True)
RED_FONT = Font(name=FONT_BODY, size=SIZE_BODY, color="C00000")
CHECK_WIDTH = 4.5

_STAT_LABELS = {
    "parcels": "图斑总数", "eligible": "可参与划定的图斑", "packaged": "纳入资产包的图斑",
    "left_out": "未纳入的图斑", "left_out_pct": "未纳入比例", "packages": "资产包",
}


# --------------------------------------------------------------------------- numbers


def _fixed(value: Optional[float], decimals: int) -> str:
    return "—" if value is None else f"{value:,.{int(decimals)}f}"


# --------------------------------------------------------------------------- frames


# --------------------------------------------------------------------------- sheet helpers
def _heading(data: PackageReportData, name: str) -> str:
    return f"{_text(data.region_name)}{name}"


def _line(ws, row: int, ncols: int, text: str, font=NOTE_FONT, horizontal: str = "left", wrap: bool = True,
          height: Optional[float] = None):
    cell = _merged_line(ws, row, 1, max(ncols, 1), clean_text(text), font=font, horizontal=horizontal, wrap=wrap)
    if height:
        ws.row_dimensions[row].height = height
    return cell


def _start_sheet(wb, name: str, heading: str, ncols: int):
    ws = wb.create_sheet(safe_sheet_name(name, wb.sheetnames))
    # append_table only grows widths, and a column openpyxl creates is already 13 wide: start narrow
    set_widths(ws, {c: 1.0 for c in range(1, ncols + 1)})
    _line(ws, 1, ncols, heading, TITLE_FONT, horizontal="center", height=30)
    return ws


def _notes(ws, row: int, ncols: int, items: Sequence[str]) -> int:
    """“注：” then one merged row per note (numbered); returns the next free row."""
    items = [clean_text(i) for i in items if clean_text(i)]
    if not items:
        return row
    first = row
    for i, text in enumerate(items, 1):
        prefix = "注：" if i == 1 else "　　"
        body = f"{i}. {text}" if len(items) > 1 else text
        _line(ws, row, ncols, prefix + body)
        row += 1
    fit_row_heights(ws, first, row - 1)
    return row


def _footer(ws, row: int, ncols: int, data: PackageReportData) -> int:
    _line(ws, row, ncols, footer_text(data.organisation, data.report_date), wrap=False, height=24)
    return row + 1


def _warning(ws, row: int, ncols: int) -> int:
    _line(ws, row, ncols, f"注意：{EXAMPLE_WARNING}。", WARNING_FONT, height=24)
    return row + 1


def _finish(ws, ncols: int, *, landscape: Optional[bool] = None, header_rows=None, freeze_cell=None) -> None:
    if landscape is None:
        width = sum(float(ws.column_dimensions[get_column_letter(c)].width or 8.43) for c in range(1, ncols + 1))
        landscape = choose_landscape(ncols, width)
    apply_print_setup(ws, landscape=landscape, header_rows=header_rows, freeze_cell=freeze_cell)


def _stats_text(data: PackageReportData, prep: _Prepared) -> str:
    """“图斑总数 …；可参与划定的图斑 …；…” from ``data.stats`` (derived from the frames when missing)."""
    stats = dict(data.stats or {})
    parcels = prep.parcels
    stats.setdefault("parcels", len(parcels))
    stats.setdefault("packaged", int((parcels["package"] != "").sum()))
    stats.setdefault("packages", len(prep.records))
    parts = []
    for key in ("parcels", "eligible", "packaged", "left_out"):
        if key in stats:
            value = _dec(stats[key])
            text = f"{int(value):,} 个" if value is not None else _text(stats[key])
            if key == "left_out" and "left_out_pct" in stats:
                pct = pct_value(stats["left_out_pct"])
                if pct is not None:
                    text += f"（{pct:.2f}%）"
            parts.append(f"{_STAT_LABELS[key]} {text}")
    n_pass = sum(1 for r in prep.records if _text(r.get("status")).lower() == "pass")
    n = _dec(stats["packages"])
    count = f"{int(n):,} 个" if n is not None else _text(stats["packages"])
    if prep.records:
        count += f"（通过 {n_pass} 个，不通过 {len(prep.records) - n_pass} 个）"
    parts.append(f"形成资产包 {count}")
    for key, value in stats.items():   # further figures the caller labelled in Chinese (English keys stay out)
        if key in _STAT_LABELS or str(key).isascii():
            continue
        parts.append(f"{_text(key)} {_text(value)}")
    return "划定情况：" + "；".join(parts) + "。"


def _rules_text(rules) -> str:
    try:
        items = rules.describe()
    except AttributeError:
        items = []
    return "约束条件：" + "；".join(f"{_text(k)} {_text(v)}" for k, v in items) + "。" if items else ""


def _rounding_text(data: PackageReportData) -> str:
    return (f"面积先以平方米求和，再换算为公顷（1 公顷 = 10 000 平方米），按四舍五入（ROUND_HALF_UP）保留 "
            f"{data.area_decimals} 位小数；金额（万元）保留 {data.money_decimals} 位小数，比例保留 2 位小数。"
            "构成同一整体的各项（资产包内各地类、各权属单位的面积与占比，公益性与经营性用地，国有与集体，"
            "资金平衡表中的各项金额）按最大余数法调平尾差，使各项之和等于整体的取整数值；合计行、小计行为 Excel 公式。")


# --------------------------------------------------------------------------- sheet 1: 资产包汇总
PUBLIC_GROUP = {True: "公益性建设用地", False: "公益性用地"}
PROFITABLE_GROUP = {True: "经营性建设用地", False: "经营性用地"}


def _summary_columns(data: PackageReportData) -> List[Column]:
    fa, fm = fixed_format(data.area_decimals), fixed_format(data.money_decimals, thousands=True)
    construction = getattr(data.rules, "public_basis", "total") == "construction"

    def share(key: str) -> str:
        base = "({public}+{profitable})" if construction else "{area}"
        return f"=IF({base}=0,0,ROUND({{{key}}}/{base}*100,2))"

    money = "资金测算（万元）"
    cols = [
        Column("package", "编号", "code"),
        Column("kind", "类型", "code", width=7),
        Column("n_parcels", "图斑数", "int", total="sum"),
        Column("area", "面积", "ha", fmt=fa, total="sum"),
        Column("public", "面积", "ha", group=PUBLIC_GROUP[construction], fmt=fa, total="sum"),
        Column("public_pct", "比例（%）", "pct", group=PUBLIC_GROUP[construction], total=share("public")),
        Column("profitable", "面积", "ha", group=PROFITABLE_GROUP[construction], fmt=fa, total="sum"),
        Column("profitable_pct", "比例（%）", "pct", group=PROFITABLE_GROUP[construction], total=share("profitable")),
    ] + ([Column("public_all", "公益性用地（全部）", "ha", fmt=fa, total="sum")] if construction else []) + [
        Column("state", "国有", "ha", group="权属性质", fmt=fa, total="sum"),
        Column("collective", "集体", "ha", group="权属性质", fmt=fa, total="sum"),
        Column("owner_units", "权属单位数", "int", width=7),
        Column("split_units", "拆分的权属单位", "int", width=8),
        Column("cost", "成本", "general", group=money, fmt=fm, total="sum", align="right"),
        Column("revenue", "收益", "general", group=money, fmt=fm, total="sum", align="right"),
        Column("balance", "资金平衡", "general", group=money, fmt=fm, total="sum", align="right"),
        Column("ratio", "收益成本比", "general", group=money, fmt="0.00", align="right",
               total='=IF({cost}=0,"—",ROUND({revenue}/{cost},2))'),
        Column("compactness", "紧凑度", "general", fmt="0.00", align="right", width=7),
    ]
    for key, (label, _) in CHECKS.items():
        cols.append(Column(f"ok_{key}", label, "code", group="约束检查", width=CHECK_WIDTH))
    cols += [Column("verdict", "结论", "code", width=8), Column("failed", "未通过项", "text", max_width=22)]
    return cols


def _summary_sheet(wb, data: PackageReportData, prep: _Prepared, rows: List[dict]) -> TableLayout:
    columns = _summary_columns(data)
    ncols = len(columns)
    ws = _start_sheet(wb, SHEET_SUMMARY, _heading(data, clean_text(data.title) + "汇总表"), ncols)
    r = 2
    if data.finance_example:
        r = _warning(ws, r, ncols)
    _line(ws, r, ncols, "单位：公顷、万元、%", UNIT_FONT, horizontal="right", wrap=False)
    layout = append_table(ws, columns, rows, gap=0, total=Total("合计") if rows else None,
                          empty_text=f"{NO_PACKAGES_TEXT}（原因见下方说明）", stream=True)
    # the check headers read top to bottom in narrow columns (竖排), as on printed Chinese forms
    check_keys = [f"ok_{k}" for k in CHECKS]
    tallest = max(len(CHECKS[k][0]) for k in CHECKS)
    for key in check_keys:
        cell = ws.cell(row=layout.header_bottom, column=layout.col(key))
        cell.alignment = Alignment(horizontal="center", vertical="center", textRotation=255, wrap_text=True)
    ws.row_dimensions[layout.header_bottom].height = max(ws.row_dimensions[layout.header_bottom].height or 0,
                                                        tallest * 13.5 + 8)
    for i, row in enumerate(rows):
        fill = VERDICT_FILLS.get(row["_status"])
        if fill is not None:
            layout.restyle(i, "verdict", row["_status"], fill=fill)
        for key in check_keys:
            if row[key] == CHECK_FAIL:
                layout.restyle(i, key, "fail", font=FAIL_FONT, fill=VERDICT_FILLS["fail"])
        if row["balance"] < 0:
            layout.restyle(i, "balance", "deficit", font=RED_FONT)

    r = layout.end_row + 1
    notes = []
    if data.finance_example:
        notes.append(EXAMPLE_WARNING + "。")
    if not rows:
        notes.append(f"{NO_PACKAGES_TEXT}。" + ("".join(_text(s) for s in data.diagnosis) if data.diagnosis
                                                 else "未能给出约束诊断，请检查输入图层与约束条件。"))
    notes.append(_rules_text(data.rules))
    if rows and data.diagnosis:
        notes.append("约束诊断：" + "".join(_text(s) for s in data.diagnosis))
    notes.append(_stats_text(data, prep))
    notes.append(MONEY_RULE + "；资金平衡 = 收益 − 成本，收益成本比 = 收益 ÷ 成本（成本为 0 时记“—”）。")
    public_basis = ("公益性与经营性建设用地面积之和（表中两列面积之和；另列全部公益性用地面积，含河湖、林地等非建设用地）"
                    if getattr(data.rules, "public_basis", "total") == "construction" else "资产包面积")
    notes.append(f"公益性、经营性用地比例为表中所列面积占{public_basis}的百分比（按所列数值计算，可逐行复核）；"
                 f"没有建设用地的资源类资产包比例记“{NOT_APPLICABLE}”，公益性比例检查记“{CHECK_SKIPPED}”；"
                 "紧凑度为 Polsby–Popper 指数（4π × 面积 ÷ 周长²，1 为圆形）。")
    notes.append(f"约束检查：{CHECK_PASS} 满足，{CHECK_FAIL} 不满足，{CHECK_SKIPPED} 本规则方案不检查；"
                 f"编号链接到“{SHEET_INVENTORY}”中该资产包的清单。")
    limit = max(int(data.inventory_limit or 0), 0)
    if len(rows) > limit:
        notes.append(f"“{SHEET_INVENTORY}”只列出前 {limit} 个资产包，其余 {len(rows) - limit} 个资产包的指标见本表。")
    notes.append(_rounding_text(data))
    r = _notes(ws, r, ncols, notes)
    _footer(ws, r, ncols, data)
    _finish(ws, ncols, landscape=True, header_rows=(layout.header_top, layout.header_bottom),
            freeze_cell=f"B{layout.first_row}")
    return layout


# --------------------------------------------------------------------------- sheet 2: 资金平衡
_COST_SUB, _REVENUE_SUB, _BALANCE = "成本小计", "收益小计", "资金平衡"
_GRAND = ("成本合计", "收益合计", "资金平衡合计")


def _balance_sheet(wb, data: PackageReportData, prep: _Prepared, summaries: Dict[str, dict],
                   lines: Dict[str, Dict[str, List[dict]]]) -> TableLayout:
    fa, fm = fixed_format(data.area_decimals), fixed_format(data.money_decimals, thousands=True)
    columns = [
        Column("package", "资产包编号", "code"),
        Column("item", "项目", "code"),
        Column("code", "地类代码", "code"),
        Column("name", "地类名称", "text", max_width=22),
        Column("area", "面积（公顷）", "ha", fmt=fa),
        Column("price", "单价（万元/公顷）", "general", fmt=fm, align="right"),
        Column("amount", "金额（万元）", "general", fmt=fm, align="right"),
    ]
    ncols = len(columns)
    ws = _start_sheet(wb, SHEET_BALANCE, _heading(data, "资产包资金平衡表"), ncols)
    r = 2
    if data.finance_example:
        r = _warning(ws, r, ncols)
    _line(ws, r, ncols, "单位：公顷、万元、万元/公顷", UNIT_FONT, horizontal="right", wrap=False)
    top = r + 1                    # header row (one level)
    first = top + 1                # first data row
    letters = {c.key: get_column_letter(i + 1) for i, c in enumerate(columns)}
    A, G = letters["area"], letters["amount"]
    rows: List[dict] = []
    kinds: List[str] = []

    def add(row: dict, kind: str) -> int:
        rows.append(row)
        kinds.append(kind)
        return first + len(rows) - 1

    for rec in prep.records:
        p = rec["package"]
        sub_rows = {}
        for side, sub_label in ((_COST, _COST_SUB), (_REVENUE, _REVENUE_SUB)):
            start = first + len(rows)
            for row in lines[p][side]:
                add(dict(row, package=p, item=side), "detail")
            end = first + len(rows) - 1
            if end >= start:
                sub = {"area": f"=SUM({A}{start}:{A}{end})", "amount": f"=SUM({G}{start}:{G}{end})"}
            else:
                sub = {"area": 0.0, "amount": 0.0, "name": "（无用途改变的图斑）"}
            sub_rows[side] = add(dict(sub, package=p, item=sub_label), "subtotal")
        add({"package": p, "item": _BALANCE,
             "amount": f"=ROUND({G}{sub_rows[_REVENUE]}-{G}{sub_rows[_COST]},{data.money_decimals})"}, "balance")
    if rows:
        last = first + len(rows) - 1
        item_col = letters["item"]

        def sumif(label: str, col: str) -> str:
            return f'=SUMIF({item_col}{first}:{item_col}{last},"{label}",{col}{first}:{col}{last})'

        c = add({"package": "合计", "item": _GRAND[0], "area": sumif(_COST_SUB, A), "amount": sumif(_COST_SUB, G)},
                "grand")
        v = add({"package": "合计", "item": _GRAND[1], "area": sumif(_REVENUE_SUB, A),
                 "amount": sumif(_REVENUE_SUB, G)}, "grand")
        add({"package": "合计", "item": _GRAND[2], "amount": f"=ROUND({G}{v}-{G}{c},{data.money_decimals})"}, "grand")

    layout = append_table(ws, columns, rows, gap=0, empty_text=NO_PACKAGES_TEXT,
                          col_widths={"item": 12.0, "area": 12.0, "amount": 14.0, "price": 12.0}, stream=True)
    assert layout.header_top == top and (not rows or layout.first_row == first)
    totals = {}
    for i, kind in enumerate(kinds):
        if kind == "detail":
            continue
        rec = rows[i]
        for c_ in columns:
            layout.restyle(i, c_.key, "bold", font=BOLD_FONT)
        if kind in ("balance", "grand") and rec["item"] in (_BALANCE, _GRAND[2]):
            totals[first + i] = rec["package"]
    # 资金平衡 rows: green when ≥ 0, red when < 0 (figures from the package rows, as the formulas show)
    balance_of = {p: _dec(x["revenue"]) - _dec(x["cost"]) for p, x in summaries.items()}
    grand = sum(balance_of.values(), Decimal(0))
    for row_no, pkg in totals.items():
        verdict = "pass" if (grand if pkg == "合计" else balance_of.get(pkg, Decimal(0))) >= 0 else "fail"
        for key in ("item", "amount"):
            layout.restyle(row_no - layout.first_row, key, verdict, fill=VERDICT_FILLS[verdict])

    r = layout.end_row + 1
    notes = []
    if data.finance_example:
        notes.append(EXAMPLE_WARNING + "。")
    notes += [
        MONEY_RULE + "。成本按现状地类、收益按规划地类分列；单价单位为万元/公顷。",
        "成本小计、收益小计为 Excel 公式（所列各行之和）；资金平衡 = 收益小计 − 成本小计；合计行为全部资产包"
        "小计之和（SUMIF 公式）。资金平衡不小于 0 时绿色、小于 0 时红色。",
        "金额按未取整的平方米面积计算，并在资产包内按最大余数法调平尾差，使小计等于该资产包成本（收益）的取整数值，"
        f"与“{SHEET_SUMMARY}”一致；因此金额可能与表中取整面积 × 单价相差末位尾数。",
    ]
    if data.finance_label:
        notes.append(f"单价表：{_text(data.finance_label)}。")
    r = _notes(ws, r, ncols, notes)
    _footer(ws, r, ncols, data)
    _finish(ws, ncols, landscape=False, header_rows=(layout.header_top, layout.header_bottom),
            freeze_cell=f"C{layout.first_row}")
    return layout


# --------------------------------------------------------------------------- sheet 3: 六项清单
#: 六项清单's columns: one list, a block of rows per package (filter by 资产包 or by 清单)
INVENTORY_LISTS = ("资源清单", "资产清单", "资金清单", "需求清单", "政策清单", "条件清单")
BLOCK_FILL = solid_fill("DDEBF7")


def _inventory_columns(data: PackageReportData) -> List[Column]:
    fa, fm = fixed_format(data.area_decimals), fixed_format(data.money_decimals, thousands=True)
    return [Column("pkg", "资产包", "code", width=10), Column("list", "清单", "code", width=10),
            Column("part", "分项", "code", width=17), Column("code", "代码", "code", width=21),
            Column("name", "名称 / 项目", "text", width=32, max_width=36),
            Column("area", "面积（公顷）", "ha", fmt=fa, width=13), Column("pct", "占比（%）", "pct", width=9),
            Column("amount", "金额（万元）", "general", fmt=fm, align="right", width=13),
            Column("note", "说明", "text", width=32, max_width=36)]


def _block_rows(rec: dict, data: PackageReportData, prep: _Prepared, summary: dict) -> Tuple[List[dict], dict]:
    """One package's rows of the list, and where its cells to mark are (row offsets by purpose)."""
    d = data.area_decimals
    p = rec["package"]
    rows: List[dict] = []
    marks: Dict[str, list] = {"template": [], "split": [], "balance": [], "head": [0]}
    verdict = summary["verdict"] + (f"（未通过：{summary['failed']}）" if summary["failed"] else "")
    rows.append({"pkg": p, "list": "资产包", "part": "概况", "name": f"图斑 {summary['n_parcels'] or 0} 个；结论：{verdict}",
                 "area": summary["area"], "pct": None, "amount": summary["balance"],
                 "note": "面积：资产包面积；金额：资金平衡"})

    def add(lst, part, **kw):
        rows.append({"pkg": p, "list": lst, "part": part, **kw})
        return len(rows) - 1

    # 一、资源清单
    for row in _class_rows(_sorted_codes(prep.current.get(p)), d):
        add("资源清单", "现状地类", code=row["code"], name=row["name"], area=row["area"], pct=row["pct"])
    for row in _class_rows(_sorted_codes(prep.planned.get(p)), d, with_nature=True):
        add("资源清单", "规划地类", code=row["code"], name=row["name"], area=row["area"], pct=row["pct"],
            note=row.get("nature", ""))
    # 二、资产清单
    area_exact = _ha_exact(rec.get("area_m2"))
    state, coll = _ha_exact(rec.get("state_m2")), _ha_exact(rec.get("collective_m2"))
    parts = [("国有", state), ("集体", coll)]
    if area_exact - state - coll > Decimal("1e-8"):
        parts.append(("权属不详", area_exact - state - coll))
    areas = _balanced([v for _, v in parts], d, total=area_exact)
    shares = _shares([v for _, v in parts], area_exact)
    for (label, _), a, s in zip(parts, areas, shares):
        add("资产清单", "权属性质", name=label, area=a, pct=s)
    units = _sorted_codes(prep.owners.get(p), key="owner_unit")
    unit_exact = [_ha_exact(u["area_m2"]) for u in units]
    for u, a in zip(units, _balanced(unit_exact, d, total=sum(unit_exact, Decimal(0)))):
        s, c = float(u["state_m2"]), float(u["collective_m2"])
        kind = "国有、集体" if s > 0 and c > 0 else "国有" if s > 0 else "集体" if c > 0 else "权属不详"
        code = u["owner_unit"]
        split = bool(code) and code in prep.split_units
        i = add("资产清单", "权属单位", code=code or "（未填）", name=_text(u["owner_name"]) or ("" if code else "无权属单位代码"),
                area=a, note=kind + ("；跨资产包" if split else ""))
        if split:
            marks["split"].append(i)
    # 三、资金清单
    ratio = summary["ratio"]
    add("资金清单", "资金测算", name="成本", amount=summary["cost"], note="用途改变图斑 × 现状地类单价")
    add("资金清单", "资金测算", name="收益", amount=summary["revenue"], note="用途改变图斑 × 规划地类单价")
    marks["balance"].append(add("资金清单", "资金测算", name="资金平衡", amount=summary["balance"],
                                note="收益 − 成本；收益成本比 " + ("—" if ratio is None else _text(ratio) if isinstance(ratio, str)
                                                                  else f"{ratio:.2f}")))
    marks["template"].append((add("资金清单", "资金来源（待填写）"), ("name", "amount", "note")))
    # 四、五：templates (what goes where: the sheet's notes)
    marks["template"].append((add("需求清单", "项目（待填写）"), ("name", "area", "note")))
    marks["template"].append((add("政策清单", "政策（待填写）"), ("code", "name", "note")))
    # 六、条件清单
    if prep.conditions is None:
        marks["template"].append((add("条件清单", f"控制线（{NO_CONDITIONS_TEXT}，待填写）"), ("name", "area", "pct")))
    else:
        found = prep.conditions.get(p, [])
        for x in found:
            add("条件清单", "控制线", name=_text(x.get("layer")), area=ha_value(x.get("area_m2"), d),
                pct=pct_value(x.get("share_pct")))
        if not found:
            add("条件清单", "控制线", name="不涉及所提供的控制线图层")
    return rows, marks


def _inventory_sheet(wb, data: PackageReportData, prep: _Prepared, summaries: Dict[str, dict]):
    """六项清单 as one list: a header, then for each package a shaded 概况 row and its rows of the six lists
    (资源、资产、资金、需求、政策、条件) — filterable by 资产包 or by 清单, printed as one continuous table
    with the header repeated on every page (not a page per package)."""
    cols = _inventory_columns(data)
    ncols = len(cols)
    ws = _start_sheet(wb, SHEET_INVENTORY, _heading(data, "资产包六项清单"), ncols)
    set_widths(ws, {i + 1: c.width for i, c in enumerate(cols)})   # before the notes: their heights follow the widths
    limit = max(int(data.inventory_limit or 0), 0)
    shown = prep.records[:limit]
    notes = [f"每个资产包一组行（底色行为该资产包概况），依次为资源、资产、资金、需求、政策、条件六项清单；"
             f"可按“资产包”或“清单”列筛选；{TEMPLATE_NOTE}。",
             "面积单位为公顷，金额单位为万元；同一资产包的现状地类、规划地类、权属性质各行面积与占比按最大余数法调平尾差，"
             "各自之和等于概况行的资产包面积；资金平衡 = 收益 − 成本（公式）；“跨资产包”指该权属单位的图斑分属多个资产包。",
             "待填写的行（可在同一资产包下插入行）：资金来源——名称填来源（财政资金、专项债券、社会资本、其他），金额填金额；"
             "需求清单——名称填项目名称，面积填规模，说明填用地类型、实施时序与责任主体；"
             "政策清单——代码填文号，名称填政策名称，说明填适用条款与内容。"]
    if len(prep.records) > limit:
        notes.append(f"共 {len(prep.records)} 个资产包，本表只列出按编号排列的前 {limit} 个，"
                     f"其余 {len(prep.records) - limit} 个资产包的主要指标见“{SHEET_SUMMARY}”。")
    row = 2
    for text in notes:
        _line(ws, row, ncols, text)
        row += 1
    fit_row_heights(ws, 2, row - 1)
    top = row + 1
    rows: List[dict] = []
    starts: List[Tuple[str, int, dict]] = []
    for rec in shown:
        block, marks = _block_rows(rec, data, prep, summaries[rec["package"]])
        starts.append((rec["package"], len(rows), marks))
        rows.extend(block)
    layout = write_table(ws, top, cols, rows, empty_text=NO_PACKAGES_TEXT, stream=True)
    set_widths(ws, {i + 1: c.width for i, c in enumerate(cols)})
    links: Dict[str, int] = {}
    for pkg, first, marks in starts:
        links[pkg] = layout.first_row + first
        for key in ("pkg", "list", "part", "code", "name", "area", "pct", "amount", "note"):
            layout.restyle(first, key, "head", fill=BLOCK_FILL, font=BOLD_FONT)
        for i in marks["split"]:
            layout.restyle(first + i, "note", "split", fill=VERDICT_FILLS["review"])
        for i in marks["balance"]:
            cost, revenue = layout.ref("amount", layout.first_row + first + i - 2), layout.ref("amount", layout.first_row + first + i - 1)
            cell = layout.cell(first + i, "amount")
            cell.value = f"=ROUND({revenue}-{cost},{data.money_decimals})"
            ok = summaries[pkg]["balance"] >= 0
            layout.restyle(first + i, "amount", ("balance", ok), fill=VERDICT_FILLS["pass" if ok else "fail"])
        for i, keys in marks["template"]:
            for key in keys:
                layout.restyle(first + i, key, "template", fill=TEMPLATE_FILL)
    fit_row_heights(ws, layout.first_row, max(layout.last_row, layout.first_row))
    r = layout.end_row + 2
    _footer(ws, r, ncols, data)
    if rows:
        ws.auto_filter.ref = f"A{layout.header_top}:{get_column_letter(ncols)}{layout.last_row}"
    _finish(ws, ncols, landscape=True, header_rows=(layout.header_top, layout.header_bottom),
            freeze_cell=f"C{layout.first_row}")
    return ws, links


# --------------------------------------------------------------------------- sheet 4: 未纳入图斑
def _left_out_sheet(wb, data: PackageReportData, prep: _Prepared, path=None):
    d = data.area_decimals
    fa = fixed_format(d)
    parcels = prep.parcels
    out = parcels[parcels["package"] == ""]
    order = {k: i for i, k in enumerate(REASONS)}
    if len(out):
        rank = out["reason"].map(lambda k: order.get(k, len(order))).to_numpy()
        out = out.iloc[np.argsort(rank, kind="stable")]
    columns = [
        Column("seq", "序号", "seq"),
        Column("parcel_id", "图斑标识", "code"),
        Column("current", "代码", "code", group="现状地类"),
        Column("current_name", "名称", "text", group="现状地类", max_width=18),
        Column("planned", "代码", "code", group="规划地类"),
        Column("planned_name", "名称", "text", group="规划地类", max_width=18),
        Column("area", "面积（公顷）", "ha", fmt=fa),
        Column("reason", "原因", "text", max_width=26),
        Column("detail", "说明", "text", max_width=40),
    ]
    ncols = len(columns)
    ws = _start_sheet(wb, SHEET_LEFT_OUT, _heading(data, "未纳入资产包图斑明细表"), ncols)
    _line(ws, 2, ncols, "单位：公顷", UNIT_FONT, horizontal="right", wrap=False)

    def reason_text(key: str) -> str:
        return REASONS[key][0] if key in REASONS else (key or "未说明原因")

    # counts by reason: 原因 spans the columns left of 面积 so that the widths stay those of the list below
    span = columns.index(next(c for c in columns if c.key == "area")) - 1   # 原因 A.., 图斑数, 面积 under 面积
    count_cols = ([Column("reason", "原因", "text")] + [Column(f"_{i}", "", "text") for i in range(1, span)]
                  + [Column("n", "图斑数", "int", total="sum"), Column("area", "面积（公顷）", "ha", fmt=fa, total="sum")])
    count_rows = []
    if len(out):
        g = out.groupby("reason", sort=False).agg(n=("area_m2", "size"), area_m2=("area_m2", "sum")).reset_index()
        g = g.iloc[np.argsort(g["reason"].map(lambda k: order.get(k, len(order))).to_numpy(), kind="stable")]
        exact = [_ha_exact(v) for v in g["area_m2"].tolist()]
        for key, n, a in zip(g["reason"].tolist(), g["n"].tolist(), _balanced(exact, d)):
            count_rows.append({"reason": reason_text(key), "n": int(n), "area": a})
    _line(ws, 3, ncols, "一、按原因统计", BOLD_FONT, wrap=False, height=22)
    counts = write_table(ws, 4, count_cols, count_rows, total=Total("合计") if count_rows else None,
                         empty_text=ALL_PACKAGED_TEXT)
    if count_rows:
        for r in range(counts.header_top, counts.last_row + 1):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=span)
        for r in range(counts.first_row, counts.last_row + 1):
            ws.cell(row=r, column=1).alignment = Alignment(horizontal="left", vertical="center", wrap_text=False)

    numerals = iter("二三四五")
    if data.binding is not None and len(data.binding):
        _binding_tables(ws, data, next(numerals), next(numerals) if data.what_if is not None else "")

    rows = []
    for n, (pid, cur, cur_name, plan, plan_name, area, reason, detail) in enumerate(zip(
            out["parcel_id"].tolist(), out["current"].tolist(), out["current_name"].tolist(), out["planned"].tolist(),
            out["planned_name"].tolist(), out["area_m2"].tolist(), out["reason"].tolist(), out["detail"].tolist()), 1):
        rows.append({"seq": n, "parcel_id": pid, "current": cur, "current_name": cur_name, "planned": plan,
                     "planned_name": plan_name, "area": ha_value(area, d), "reason": reason_text(reason),
                     "detail": detail})
    # a county: the sheet lists the first rows (by reason), the CSV beside the workbook and the assignment
    # layer every one
    limit = max(int(data.detail_limit or 0), 0)
    listed = rows if not limit or len(rows) <= limit else rows[:limit]
    csv_file = None
    if len(listed) < len(rows) and path is not None:
        csv_file = write_csv(detail_csv_path(path, SHEET_LEFT_OUT), columns, rows)
    caption = f"{next(numerals)}、未纳入图斑明细"
    if len(listed) < len(rows):
        caption += (f"（共 {len(rows)} 个，本表列出前 {len(listed)} 个；全部见同一文件夹中的"
                     f"“{csv_file.name if csv_file else SHEET_LEFT_OUT + '.csv'}”和图斑分配图层）")
    detail = append_table(ws, columns, listed, caption=caption, gap=1, empty_text=ALL_PACKAGED_TEXT, stream=True)
    detail.csv = csv_file
    fit_number_columns(ws, counts, count_rows)   # the counts' 合计 is wider than any parcel's area
    r = detail.end_row + 1
    notes = ["资产包由完整图斑组成（图斑不拆分）；排除图斑、地类或单价缺失的图斑不参与划定；"
             "其余图斑因所在连通片过小、单个图斑超过最大面积或纳入后无法满足约束而未纳入。",
             "面积由平方米换算为公顷，四舍五入保留 "
             f"{d} 位小数；按原因统计的面积按最大余数法调平尾差，合计等于全部未纳入图斑面积之和的取整数值。"]
    if data.binding is not None and len(data.binding):
        notes.insert(1, "约束分析中“已证明无法纳入”指无论其他资产包如何划定都无法纳入（所在连通片过小、单个图斑超过最大面积、"
                        "最大面积范围内无法实现资金平衡、穷举全部连片组合均不可行），或按公益性比例区间计算的面积界：所在连通片的经营性"
                        "（或公益性）用地超过全部资产包可容纳的上限，任何划定都至少有相应面积、相应个数的图斑无法纳入，"
                        "按面积从大到小计入未纳入图斑；“未能证明”的图斑按最后一次纳入尝试所违反的约束归类。")
    r = _notes(ws, r, ncols, notes)
    _footer(ws, r, ncols, data)
    _finish(ws, ncols, header_rows=(detail.header_top, detail.header_bottom))
    return counts, detail


def _binding_tables(ws, data: PackageReportData, n1: str, n2: str) -> None:
    """What keeps parcels out (per constraint) and, when asked, what relaxing each would gain."""
    bind = data.binding
    if bind is None or not len(bind):
        return
    d = data.area_decimals
    cols = [Column("label", "约束", "text", max_width=24), Column("n", "未纳入图斑数", "int", total="sum"),
            Column("area", "面积（公顷）", "ha", fmt=fixed_format(d), total="sum"),
            Column("proven", "其中已证明无法纳入", "int", total="sum"), Column("open", "其中未能证明", "int", total="sum")]
    exact = [_ha_exact(v) for v in bind["area_m2"].tolist()]
    rows = [{"label": lab, "n": int(n), "area": a, "proven": int(p), "open": int(n) - int(p)}
            for lab, n, a, p in zip(bind["label"].tolist(), bind["parcels"].tolist(), _balanced(exact, d),
                                    bind["proven"].tolist())]
    top = rows[0]
    append_table(ws, cols, rows, caption=f"{n1}、约束分析：可参与划定但未纳入的图斑按所受约束统计（最多者：{top['label']} {top['n']} 个）",
                 gap=1, total=Total("合计"))
    wi = data.what_if
    if wi is None:
        return
    cols = [Column("label", "放宽的约束", "text", max_width=16), Column("change", "调整内容", "text", max_width=44),
            Column("packages", "资产包数", "int"), Column("packaged", "纳入图斑数", "int"),
            Column("left_out", "未纳入图斑数", "int"), Column("unproven", "其中未能证明", "int"),
            Column("gained", "较现方案增加", "int")]
    rows = [{"label": r.label, "change": r.change, "packages": int(r.packages), "packaged": int(r.packaged),
             "left_out": int(r.left_out), "unproven": int(r.left_out_unproven), "gained": int(r.gained)}
            for r in wi.itertuples()]
    append_table(ws, cols, rows, caption=f"{n2}、放宽约束测算（每次只放宽一项约束、其余不变，按同一随机种子重新划定）", gap=1)


# --------------------------------------------------------------------------- sheet 5: 数据说明
_SHEET_TEXT = {
    SHEET_SUMMARY: "每个资产包的面积、用地构成、权属、资金测算与约束检查结论（合计为公式）",
    SHEET_BALANCE: "每个资产包按地类的成本、收益与资金平衡（小计、合计为公式）",
    SHEET_INVENTORY: "每个资产包的资源、资产、资金、需求、政策、条件六项清单（浅黄色单元格待填写）",
    SHEET_LEFT_OUT: "未纳入资产包的图斑及原因",
    SHEET_PROVENANCE: "本表",
}


def _provenance_sheet(wb, data: PackageReportData):
    items: list = [item if isinstance(item, dict) else tuple(item) for item in (data.provenance or [])]
    names = {_text(i.get("item", i.get("项目")) if isinstance(i, dict) else i[0]) for i in items}
    try:
        rules = [f"{_text(k)}：{_text(v)}" for k, v in data.rules.describe()]
    except AttributeError:
        rules = []
    if rules and "约束条件" not in names:
        items.append(("约束条件", rules))
    label = _text(data.finance_label) or "（未说明）"
    if data.finance_example and "示例值" not in label:
        label += f"（{EXAMPLE_WARNING}）"
    if "单价表" not in names:
        items.append(("单价表", label))
    items.append(("资金测算规则", MONEY_RULE + "。"))
    if not any("取舍" in n for n in names):
        items.append(("取舍规则", _rounding_text(data)))
    items.append(("工作表", [f"{s}：{_SHEET_TEXT[s]}" for s in SHEETS]))
    return add_provenance_sheet(wb, items, title=SHEET_PROVENANCE, heading="数据说明")


# --------------------------------------------------------------------------- entry points
def build_packages_workbook(data: PackageReportData, path=None, ledger: Optional[PackageLedger] = None):
    """The workbook of :func:`write_packages_xlsx`, not saved; with ``path`` (where it will be saved) a detail
    list longer than ``data.detail_limit`` goes in full to a CSV beside it. ``ledger``: the run's
    :func:`~.ledger.package_ledger` when the caller has it (the PACKAGES layer's), used when it was made
    from this data."""
    led = ledger_for(data, ledger)
    prep, lines, rows, summaries = led.prep, led.lines, led.rows, led.summaries
    wb = new_workbook()
    summary = _summary_sheet(wb, data, prep, rows)
    _balance_sheet(wb, data, prep, summaries, lines)
    ws_inv, links = _inventory_sheet(wb, data, prep, summaries)
    _left_out_sheet(wb, data, prep, path)
    _provenance_sheet(wb, data)
    # 编号 -> its block on 六项清单
    target = ws_inv.title
    for i, rec in enumerate(prep.records):
        row = links.get(rec["package"])
        if row is None:
            continue
        cell = summary.cell(i, "package")
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{target}'!A{row}",
                                   tooltip=f"{rec['package']} 六项清单")
        cell.font = LINK_FONT
    return wb


def write_packages_xlsx(data: PackageReportData, path, ledger: Optional[PackageLedger] = None) -> Path:
    """Write the asset-package workbook to ``path`` atomically (:func:`core.excel.save_atomic`)."""
    return save_atomic(build_packages_workbook(data, path, ledger), path)


__all__ = [
    "ALL_PACKAGED_TEXT", "EXAMPLE_WARNING", "MONEY_RULE", "NO_CONDITIONS_TEXT", "NO_PACKAGES_TEXT", "SHEETS",
    "SHEET_BALANCE", "SHEET_INVENTORY", "SHEET_LEFT_OUT", "SHEET_PROVENANCE", "SHEET_SUMMARY", "TEMPLATE_FILL",
    "TEMPLATE_NOTE", "PackageReportData", "build_packages_workbook", "ha_value", "money_value", "pct_value",
    "write_packages_xlsx",
]
