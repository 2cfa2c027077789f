"""用地结构调整表 (land-use structure adjustment table) as an approval-ready .xlsx workbook.

Sheets, in order (DESIGN §6):

1. 用地结构调整表 — the official layout: 序号, 用地用海类型 (indented by level), 代码, then
   规划基期年 / 规划目标年 (面积, 比重) and 规划期内面积增减 (面积, 增减率) under merged headers, 备注.
   Leaf rows hold numbers; 小计 rows (城乡建设用地 = 城镇用地 + 村庄用地), the 合计 row and the
   “其中” memo rows are ``=SUM()`` formulas over the rows they add up, and 增减 of those rows is
   ``=目标年 − 基期``.  The leaves were rounded and balanced (尾差调平) by :func:`core.structure.build_table`,
   so what the formulas show equals the computed figures.  Pseudo rows (未识别 / 未能归入模板)
   are leaves with a highlight fill.
2. 转换矩阵 — base row × target row areas, a row 合计 column (= the 基期 figure of sheet 1), a
   合计 row, and the target-basis area of each target row (only with a transition).
3. 分区统计 — one block per region with the columns of sheet 1 (only with region tables).
4. 资金测算 — the finance view (算大账): by role, by class, balance, unpriced classes (only with
   a finance view); a red warning when the unit prices are the shipped example values.
5. 待细分与未识别 — codes that need attention and features left out.
6. 数据说明 — provenance.

Areas arrive in m² (frames) or as rounded Decimals (tables); m² are converted here with
ROUND_HALF_UP at the table's number of decimals, never with ``round``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Tuple

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ..excel import (
    BOLD_FONT,
    FONT_BODY,
    HIGHLIGHT_FILL,
    NOTE_FONT,
    SIZE_BODY,
    TITLE_FONT,
    UNIT_FONT,
    VERDICT_FILLS,
    Column,
    TableLayout,
    Total,
    add_provenance_sheet,
    add_table_sheet,
    append_table,
    apply_print_setup,
    choose_landscape,
    clean_text,
    display_width,
    fit_row_heights,
    fixed_format,
    footer_text,
    new_workbook,
    notes_text,
    put_value,
    safe_sheet_name,
    save_atomic,
    solid_fill,
    style_cell,
)
from ..rounding import UNIT_LABELS
from .ledger import (
    BASIS_ROW,
    TOTAL_ROW,
    UNCOVERED,
    UNKNOWN_ROW,
    UNMATCHED_ROW,
    FinanceLedger,
    StructureTable,
    TableRow,
    Transition,
    rounding_sentence,
)

if TYPE_CHECKING:  # pragma: no cover - pandas is imported by the caller
    import pandas as pd

SHEET_TABLE = "用地结构调整表"
SHEET_TRANSITION = "转换矩阵"
SHEET_REGIONS = "分区统计"
SHEET_FINANCE = "资金测算"
SHEET_DETAILS = "待细分与未识别"
SHEET_PROVENANCE = "数据说明"
SHEETS = (SHEET_TABLE, SHEET_TRANSITION, SHEET_REGIONS, SHEET_FINANCE, SHEET_DETAILS, SHEET_PROVENANCE)

EXAMPLE_WARNING = "单价为示例值，须替换为本地基准地价与补偿标准后方可使用"
NO_DETAILS_TEXT = "无待细分、未识别或未能归入模板的地类"
NO_SKIPPED_TEXT = "无（全部要素均已计入）"
NO_TRANSITION_TEXT = "两个图层没有相互重叠的图斑，无法计算转换矩阵"
ALL_PRICED_TEXT = "全部地类均已定价"

PSEUDO_KINDS = ("unknown", "unmatched")
LEAF_KINDS = ("leaf",) + PSEUDO_KINDS
AGGREGATE_KINDS = ("group", "total", "memo")
DIAGONAL_FILL = solid_fill("E2EFDA")
WARNING_FONT = Font(name=FONT_BODY, size=SIZE_BODY + 1, bold=True, color="C00000")
INDENT_PER_LEVEL = 2   # Alignment(indent=...) steps per template level
MATRIX_COLUMNS_PER_PAGE = 16   # target columns per printed page width of the transition matrix
_SUM_KEYS = ("base", "base_pct", "target", "target_pct")
_FLAG_FILLS = {"未识别": VERDICT_FILLS["fail"], "空值": VERDICT_FILLS["fail"],
               "待细分": VERDICT_FILLS["review"], "未能归入模板": VERDICT_FILLS["review"]}
_PSEUDO_LABELS = {UNKNOWN_ROW: "未识别地类", UNMATCHED_ROW: "未能归入模板的地类"}


@dataclass
class StructureReportData:
    """Everything the structure workbook shows (tables in their unit; frames in m²)."""

    title: str                      # e.g. "示例县国土空间功能结构调整表"
    region_name: str                # e.g. "示例县"
    base_year: str                  # e.g. "2020" -> "规划基期年（2020年）"
    target_year: str                # e.g. "2035"
    table: StructureTable           # the whole area
    region_tables: List[StructureTable] = field(default_factory=list)   # one per region (table.region)
    transition: Optional[Transition] = None
    finance: Optional[FinanceLedger] = None
    details: Optional[pd.DataFrame] = None   # ledger.detail_areas(code_detail(base) + code_detail(target))
    skipped: Optional[pd.DataFrame] = None   # label, fid, raw, reason (features left out)
    provenance: List[Tuple[str, str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)   # printed under the main table
    organisation: str = ""          # 编制单位 for the footer
    report_date: Optional[date] = None


# --------------------------------------------------------------------------- small helpers
def _num(value) -> Optional[float]:
    """A Decimal/number as a float for a cell; None stays None (blank cell)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


def _is_nan(value) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False


def _fixed_text(value: float, decimals: int) -> str:
    return f"{value:.{int(decimals)}f}"


_NO_YEAR = ("", "基期", "目标", "现状", "规划", "近期", "远期")


def _year_only(year) -> str:
    """'2020' / '2020年' -> '2020年'; '' for no year or a placeholder such as '基期' / '目标年'
    (“规划基期年（基期年）” would read oddly); any other text as given."""
    y = clean_text(year).strip()
    if y.endswith("年"):
        y = y[:-1].strip()
    if y in _NO_YEAR:
        return ""
    return f"{y}年" if y.isdigit() else y


def _year_text(prefix: str, year) -> str:
    y = _year_only(year)
    return f"{prefix}（{y}）" if y else prefix


def _unit_label(table: StructureTable) -> str:
    return UNIT_LABELS.get(table.unit, table.unit)


def _heading(data: StructureReportData, name: str) -> str:
    return f"{clean_text(data.region_name)}{name}"


def _cell_refs(letter: str, rows: Iterable[int]) -> List[str]:
    """['D5:D7', 'D9']: the cells of ``rows`` in one column, consecutive rows as ranges."""
    rows = sorted(set(rows))
    out: List[str] = []
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        out.append(f"{letter}{rows[i]}" if i == j else f"{letter}{rows[i]}:{letter}{rows[j]}")
        i = j + 1
    return out


def sum_formula(letter: str, rows: Iterable[int], decimals: Optional[int] = None) -> Optional[str]:
    """``=SUM(D5:D7,D9)`` over ``rows`` of column ``letter`` (``=ROUND(SUM(…),d)`` with ``decimals``:
    the sum of printed figures, free of binary float noise such as −7.99E−14); None for no rows."""
    refs = _cell_refs(letter, rows)
    if not refs:
        return None
    inner = f"SUM({','.join(refs)})"
    return f"=ROUND({inner},{int(decimals)})" if decimals is not None else f"={inner}"


def _line(ws, row: int, ncols: int, text: str, font, horizontal: str = "left", wrap: bool = True):
    """A merged text line across columns 1..ncols (title, unit line, notes, warnings)."""
    cell = ws.cell(row=row, column=1)
    cell.value = clean_text(text)
    if cell.data_type == "f":
        cell.data_type = "s"
    align = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
    for c in range(1, max(ncols, 1) + 1):
        x = ws.cell(row=row, column=c)
        x.font = font
        x.alignment = align
    if ncols > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    return cell


def _start_sheet(wb, name: str, heading: str, ncols: int):
    ws = wb.create_sheet(safe_sheet_name(name, wb.sheetnames))
    _line(ws, 1, ncols, heading, TITLE_FONT, horizontal="center")
    ws.row_dimensions[1].height = 30
    return ws


def _finish_sheet(ws, ncols: int, *, notes=None, footer: bool = True, organisation: str = "",
                  report_date=None, header_rows: Optional[Tuple[int, int]] = None,
                  freeze_cell: Optional[str] = None, landscape: Optional[bool] = None) -> Dict[str, int]:
    """Notes row, footer line and print setup of a sheet built table by table."""
    out: Dict[str, int] = {}
    r = ws.max_row + 1
    text = notes_text(notes)
    if text:
        _line(ws, r, ncols, text, NOTE_FONT)
        fit_row_heights(ws, r, r)
        out["notes_row"] = r
        r += 1
    if footer:
        _line(ws, r, ncols, footer_text(organisation, report_date), NOTE_FONT, wrap=False)
        ws.row_dimensions[r].height = 24
        out["footer_row"] = r
    if landscape is None:
        width = sum(float(ws.column_dimensions[get_column_letter(c)].width or 8.43) for c in range(1, ncols + 1))
        landscape = choose_landscape(ncols, width)
    apply_print_setup(ws, landscape=landscape, header_rows=header_rows, freeze_cell=freeze_cell)
    return out


# --------------------------------------------------------------------------- sheet 1 / 3: the table
def structure_columns(data: StructureReportData, table: StructureTable) -> List[Column]:
    fa, fp = fixed_format(table.decimals), fixed_format(table.pct_decimals)
    base = _year_text("规划基期年", data.base_year)
    target = _year_text("规划目标年", data.target_year)
    change = "规划期内面积增减"
    return [
        Column("seq", "序号", "code"),
        Column("label", "用地用海类型", "text", max_width=34),
        Column("code", "代码", "code", wrap=True, max_width=40),
        Column("base", "面积", "ha", group=base, fmt=fa),
        Column("base_pct", "比重（%）", "pct", group=base, fmt=fp),
        Column("target", "面积", "ha", group=target, fmt=fa),
        Column("target_pct", "比重（%）", "pct", group=target, fmt=fp),
        Column("change", "面积", "ha", group=change, fmt=fa),
        Column("change_pct", "增减率（%）", "pct", group=change, fmt=fp),
        Column("note", "备注", "text", max_width=30),
    ]


def _structure_row(tr: TableRow) -> dict:
    internal = tr.kind in PSEUDO_KINDS or tr.kind in ("total", "memo", "basis")
    return {
        "seq": "" if internal else tr.row_id,
        "label": tr.label,
        "code": tr.code_text if tr.kind == "leaf" else "",
        "base": _num(tr.base),
        "base_pct": _num(tr.base_pct),
        "target": _num(tr.target),
        "target_pct": _num(tr.target_pct),
        "change": _num(tr.change),
        "change_pct": _num(tr.change_pct),
        "note": tr.note,
    }


def _structure_widths(data: StructureReportData, tables: Sequence[StructureTable]) -> Dict[str, float]:
    """Fixed widths: the label column fits the indented labels; each pair of number columns is wide
    enough for its group header (“规划基期年（2020年）”) on one line."""
    out = {"label": max(_label_width(t) for t in tables)}
    pair = max(display_width(_year_text("规划基期年", data.base_year)),
               display_width(_year_text("规划目标年", data.target_year)), display_width("规划期内面积增减"))
    number = max(10.0, math.ceil((pair + 3) / 2))
    for key in ("base", "base_pct", "target", "target_pct", "change", "change_pct"):
        out[key] = float(number)
    return out


def _label_width(table: StructureTable) -> float:
    need = display_width("用地用海类型")
    for tr in table.rows:
        need = max(need, display_width(tr.label) + INDENT_PER_LEVEL * tr.depth * 2)
    return float(min(need + 2, 36))


def structure_formulas(table: StructureTable, first_row: int, letters: Dict[str, str]) -> Dict[Tuple[int, str], str]:
    """{(sheet row, column key): formula} for the aggregate rows of ``table`` written from ``first_row``.

    小计 rows sum their displayed children, 合计 sums the top-level rows (every leaf exactly once),
    memo rows (“其中”) sum the rows they name; 增减 of these rows is 目标年 − 基期.  Cells whose
    value is blank (比重 of an empty table) get no formula.
    """
    pos = {tr.row_id: first_row + i for i, tr in enumerate(table.rows)}
    child_of = set()
    for tr in table.rows:
        if tr.kind == "group":
            child_of.update(c for c in tr.children if c in pos)
    roots = [pos[tr.row_id] for tr in table.rows
             if tr.kind in LEAF_KINDS + ("group",) and tr.row_id not in child_of]
    out: Dict[Tuple[int, str], str] = {}
    for tr in table.rows:
        if tr.kind not in AGGREGATE_KINDS:
            continue
        r = pos[tr.row_id]
        if tr.kind == "group":
            rows = [pos[c] for c in tr.children if c in pos]
        elif tr.kind == "total":
            rows = roots
        else:
            rows = [pos[s] for s in tr.sum_of if s in pos]
        values = {"base": tr.base, "base_pct": tr.base_pct, "target": tr.target, "target_pct": tr.target_pct}
        for key in _SUM_KEYS:
            if values[key] is None:
                continue
            places = table.pct_decimals if key.endswith("_pct") else table.decimals
            out[(r, key)] = sum_formula(letters[key], rows, places) or "=0"
        out[(r, "change")] = f"=ROUND({letters['target']}{r}-{letters['base']}{r},{table.decimals})"
    if BASIS_ROW in pos and TOTAL_ROW in pos:   # 其中：面积口径差异 = the 合计's change
        out[(pos[BASIS_ROW], "change")] = f"={letters['change']}{pos[TOTAL_ROW]}"
    return out


def _decorate_structure(ws, layout: TableLayout, table: StructureTable) -> None:
    letters = {c.key: layout.letter(c.key) for c in layout.columns}
    for (r, key), formula in structure_formulas(table, layout.first_row, letters).items():
        ws.cell(row=r, column=layout.col(key)).value = formula
    label_col = layout.col("label")
    for i, tr in enumerate(table.rows):
        r = layout.first_row + i
        if tr.depth:
            ws.cell(row=r, column=label_col).alignment = Alignment(
                horizontal="left", vertical="center", wrap_text=True, indent=INDENT_PER_LEVEL * tr.depth)
        if tr.kind in ("group", "total"):
            for c in range(layout.first_col, layout.last_col + 1):
                ws.cell(row=r, column=c).font = BOLD_FONT
        if tr.kind in PSEUDO_KINDS:
            for c in range(layout.first_col, layout.last_col + 1):
                ws.cell(row=r, column=c).fill = HIGHLIGHT_FILL


def _provenance_value(data: StructureReportData, *names: str) -> str:
    for item in data.provenance or []:
        key, value = (item.get("item"), item.get("content")) if isinstance(item, dict) else (item[0], item[1])
        if any(n in clean_text(key) for n in names):
            if isinstance(value, (list, tuple)):
                return "；".join(clean_text(v) for v in value)
            return clean_text(value)
    return ""


rounding_note = rounding_sentence


def _table_notes(data: StructureReportData, table: StructureTable) -> List[str]:
    notes = [clean_text(n) for n in (data.notes or []) if clean_text(n)]
    for n in table.notes or []:
        if clean_text(n) and clean_text(n) not in notes:
            notes.append(clean_text(n))
    if table.base_total_m2 <= 0 and table.target_total_m2 <= 0:
        notes.append("两个图层均没有可计入的面积，表中各行均为 0（见“待细分与未识别”表中未计入的要素）。")
    notes.append(rounding_note(table))
    notes.append("小计行、合计行与“其中”行为 Excel 公式（所含各行之和）；规划期内面积增减 = 目标年面积 − 基期面积；"
                 "增减率 = 面积增减 ÷ 基期面积 × 100，按未取整的面积计算，基期面积为 0 时不计算。")
    if any(tr.kind in PSEUDO_KINDS for tr in table.rows):
        notes.append("底色行为代码未识别或未能归入模板的地类，计入合计，明细见“待细分与未识别”表。")
    basis = _provenance_value(data, "面积口径")
    if basis:
        notes.append(f"面积口径：{basis}。" if not basis.endswith("。") else f"面积口径：{basis}")
    return notes


def _table_sheet(wb, data: StructureReportData) -> TableLayout:
    table = data.table
    columns = structure_columns(data, table)
    rows = [_structure_row(tr) for tr in table.rows]
    layout = add_table_sheet(
        wb, SHEET_TABLE, heading=clean_text(data.title), unit_line=f"单位：{_unit_label(table)}、%",
        columns=columns, rows=rows, notes=_table_notes(data, table), organisation=data.organisation,
        report_date=data.report_date, freeze_cols=2, col_widths=_structure_widths(data, [table]))
    _decorate_structure(layout.ws, layout, table)
    return layout


def _regions_sheet(wb, data: StructureReportData) -> List[TableLayout]:
    first = data.region_tables[0]
    columns = structure_columns(data, first)
    ncols = len(columns)
    ws = _start_sheet(wb, SHEET_REGIONS, f"{clean_text(data.title)}（分区统计）", ncols)
    _line(ws, 2, ncols, f"单位：{_unit_label(first)}、%", UNIT_FONT, horizontal="right", wrap=False)
    widths = _structure_widths(data, data.region_tables)
    layouts = []
    notes: List[str] = []
    for i, table in enumerate(data.region_tables):
        name = clean_text(table.region) or "（未命名分区）"
        rows = [_structure_row(tr) for tr in table.rows]
        top = ws.max_row + 1
        layout = append_table(ws, structure_columns(data, table), rows, caption=name, gap=0 if i == 0 else 1,
                              col_widths=widths)
        _decorate_structure(ws, layout, table)
        if i:  # every region starts on a new page (row break above its caption)
            ws.row_breaks.append(Break(id=top))
        layouts.append(layout)
        notes.extend(f"{name}：{n}" for n in table.notes or [])
    notes.append("各分区分别按平方米求和、取整并调平尾差，分区之和与全域数值可能相差末位尾数；"
                 "小计行、合计行与“其中”行为 Excel 公式。")
    notes.append(rounding_note(first, count=False))
    _finish_sheet(ws, ncols, notes=notes, organisation=data.organisation, report_date=data.report_date,
                  landscape=True)
    return layouts


# --------------------------------------------------------------------------- sheet 2: transition
def _transition_headers(tr: Transition) -> Dict[str, str]:
    labels = {c: clean_text(tr.labels.get(c, c)) for c in tr.col_ids}
    seen: Dict[str, int] = {}
    for v in labels.values():
        seen[v] = seen.get(v, 0) + 1
    return {c: (f"{c} {v}" if seen[v] > 1 and c != UNCOVERED else v) for c, v in labels.items()}


def _transition_sheet(wb, data: StructureReportData):
    tr = data.transition
    unit = _unit_label(data.table)
    fa = fixed_format(tr.decimals)
    group = _year_text("规划目标年", data.target_year)
    heads = _transition_headers(tr)
    columns = [Column("seq", "行号", "code"), Column("label", "基期\\目标年", "text", max_width=24)]
    keys = {}
    cell_fmt = f"{fa};-{fa};"   # a zero cell shows blank: the matrix reads like a table of moves
    for i, c in enumerate(tr.col_ids):
        keys[c] = f"c{i}"
        columns.append(Column(f"c{i}", heads[c], "ha", group=None if c == UNCOVERED else group, fmt=cell_fmt))
    columns.append(Column("total", "合计", "ha", fmt=fa, total="sum"))
    for col in columns[2:-1]:
        col.total = "sum"
    ncols = len(columns)

    rows = []
    for r in tr.row_ids:
        row = {"seq": "" if r in (UNKNOWN_ROW, UNMATCHED_ROW) else r, "label": tr.labels.get(r, r)}
        for c in tr.col_ids:
            row[keys[c]] = _num(tr.matrix.get((r, c), Decimal(0)))
        row["total"] = _num(tr.base_rounded[r])
        rows.append(row)

    years = f"（{_year_only(data.base_year) or '基期'}→{_year_only(data.target_year) or '目标年'}）"
    ws = _start_sheet(wb, SHEET_TRANSITION, _heading(data, "用地转换矩阵" + years), ncols)
    _line(ws, 2, ncols, f"单位：{unit}", UNIT_FONT, horizontal="right", wrap=False)
    layout = append_table(ws, columns, rows, gap=0, total=Total("合计") if rows else None,
                          empty_text=NO_TRANSITION_TEXT)
    last_target = layout.letter(keys[tr.col_ids[-1]]) if tr.col_ids else None
    first_target = layout.letter(keys[tr.col_ids[0]]) if tr.col_ids else None
    for i, r in enumerate(tr.row_ids):
        sheet_row = layout.first_row + i
        layout.cell(i, "total").value = f"=ROUND(SUM({first_target}{sheet_row}:{last_target}{sheet_row}),{tr.decimals})"
        if r in keys:
            layout.cell(i, keys[r]).fill = DIAGONAL_FILL
        if r in (UNKNOWN_ROW, UNMATCHED_ROW):
            layout.cell(i, "label").fill = HIGHLIGHT_FILL

    d = tr.decimals
    if layout.total_row:
        for c in range(layout.first_col + 2, layout.last_col + 1):
            cell = ws.cell(row=layout.total_row, column=c)
            cell.number_format = fa
            if isinstance(cell.value, str) and cell.value.startswith("=SUM("):
                cell.value = f"=ROUND({cell.value[1:]},{d})"   # a sum of printed cells, no float noise
    target_row = diff_row = None
    if rows:
        # below 合计 (base basis): the structure table's target figure of each column and the difference,
        # so that a difference of area basis or extent is never read as a change of use
        target_row, diff_row = layout.total_row + 1, layout.total_row + 2
        covered = [c for c in tr.col_ids if c != UNCOVERED]
        for sheet_row, label in ((target_row, _year_text("规划目标年", data.target_year) + "面积"),
                                 (diff_row, "差额（目标年面积 − 合计）")):
            for i, col in enumerate(columns):
                cell = ws.cell(row=sheet_row, column=layout.first_col + i)
                style_cell(cell, col)
                if i >= 2:
                    cell.number_format = fa
            cell = ws.cell(row=sheet_row, column=1)
            cell.value = label
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.merge_cells(start_row=sheet_row, start_column=1, end_row=sheet_row, end_column=2)
            for c in covered:
                letter = layout.letter(keys[c])
                cell = ws.cell(row=sheet_row, column=layout.col(keys[c]))
                if sheet_row == target_row:
                    put_value(cell, _num(tr.target_figures[c]), columns[layout.col(keys[c]) - layout.first_col])
                else:
                    cell.value = f"=ROUND({letter}{target_row}-{letter}{layout.total_row},{d})"
            t = ws.cell(row=sheet_row, column=layout.col("total"))
            t.value = (f"=ROUND(SUM({first_target}{sheet_row}:{layout.letter(keys[covered[-1]])}{sheet_row}),{d})"
                       if covered else 0)
            fit_row_heights(ws, sheet_row, sheet_row)
    notes = list(tr.notes)
    _finish_sheet(ws, ncols, notes=notes, organisation=data.organisation, report_date=data.report_date,
                  header_rows=(layout.header_top, layout.header_bottom),
                  freeze_cell=f"C{layout.first_row}", landscape=True)
    if len(tr.col_ids) > MATRIX_COLUMNS_PER_PAGE:   # too wide for one legible page: several pages wide,
        ws.page_setup.fitToWidth = math.ceil(len(tr.col_ids) / MATRIX_COLUMNS_PER_PAGE)
        ws.print_title_cols = "A:B"                  # each with the base-row labels
        ws.cell(row=layout.header_top, column=3).alignment = Alignment(horizontal="left", vertical="center")
    return layout, target_row, diff_row


# --------------------------------------------------------------------------- sheet 4: finance
def _frame_records(frame) -> List[dict]:
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


def _finance_sheet(wb, data: StructureReportData):
    fv = data.finance
    d = data.table.decimals
    unit = _unit_label(data.table)
    fa, fm = fixed_format(d), fixed_format(2, thousands=True)
    ncols = 14
    ws = _start_sheet(wb, SHEET_FINANCE, _heading(data, "用地资金测算表（算大账）"), ncols)
    r = 2
    warning_row = None
    if fv.example:
        _line(ws, r, ncols, f"注意：{EXAMPLE_WARNING}。", WARNING_FONT, wrap=True)
        ws.row_dimensions[r].height = 24
        warning_row = r
        r += 1
    _line(ws, r, ncols, f"测算方法：{clean_text(fv.method)}", NOTE_FONT)
    ws.row_dimensions[r].height = 30
    r += 1
    _line(ws, r, ncols, f"单价表：{clean_text(fv.table_label)}", NOTE_FONT)
    r += 1
    _line(ws, r, ncols, f"单位：面积 {unit}；金额 万元；单价 万元/{unit}", UNIT_FONT, horizontal="right", wrap=False)

    role_cols = [
        Column("role_zh", "功能", "text", max_width=14),
        Column("nature", "性质", "code"),
        Column("base", "基期面积", "ha", fmt=fa, total="sum"),
        Column("target", "目标年面积", "ha", fmt=fa, total="sum"),
        Column("change", "增减", "ha", fmt=fa, total="sum"),
        Column("cost", "成本（万元）", "general", fmt=fm, total="sum", align="right"),
        Column("revenue", "收益（万元）", "general", fmt=fm, total="sum", align="right"),
    ]

    class_cols = [
        Column("classes", "代码", "code", wrap=True, max_width=14),
        Column("label", "用地类型", "text", max_width=18),
        Column("role_zh", "功能", "code"),
        Column("nature", "性质", "code"),
        Column("table_rows", f"{SHEET_TABLE}行号", "code", wrap=True, max_width=12),
        Column("unit_cost", f"成本单价（万元/{unit}）", "general", fmt=fm, align="right"),
        Column("unit_revenue", f"收益单价（万元/{unit}）", "general", fmt=fm, align="right"),
        Column("base", "基期面积", "ha", fmt=fa, total="sum"),
        Column("target", "目标年面积", "ha", fmt=fa, total="sum"),
        Column("change", "增减", "ha", fmt=fa, total="sum"),
        Column("cost_area", "计成本面积", "ha", fmt=fa, total="sum"),
        Column("revenue_area", "计收益面积", "ha", fmt=fa, total="sum"),
        Column("cost", "成本（万元）", "general", fmt=fm, total="sum", align="right"),
        Column("revenue", "收益（万元）", "general", fmt=fm, total="sum", align="right"),
    ]
    def printed(row: dict) -> dict:
        return {k: (_num(v) if isinstance(v, Decimal) else v) for k, v in row.items()}

    class_rows = [printed(r) for r in fv.class_rows]
    role_rows = [printed(r) for r in fv.role_rows]
    role_layout = append_table(ws, role_cols, role_rows, caption="一、按功能汇总", gap=1,
                               total=Total("合计") if role_rows else None, empty_text="（无）")
    class_layout = append_table(ws, class_cols, class_rows, caption="二、按地类测算", gap=1,
                                total=Total("合计") if class_rows else None, empty_text="（无）")

    balance = fv.balance
    sum_cols = [Column("item", "项目", "text", max_width=28),
                Column("amount", "金额（万元）", "general", fmt=fm, align="right")]
    if class_layout.total_row:
        cost_ref = class_layout.ref("cost", class_layout.total_row)
        rev_ref = class_layout.ref("revenue", class_layout.total_row)
        amounts = [f"={cost_ref}", f"={rev_ref}"]
    else:
        amounts = [0.0, 0.0]
    sum_rows = [{"item": "成本合计", "amount": amounts[0]}, {"item": "收益合计", "amount": amounts[1]},
                {"item": "资金平衡（收益−成本）", "amount": None}]
    summary = append_table(ws, sum_cols, sum_rows, caption="三、资金平衡", gap=1)
    c1, c2 = summary.ref("amount", summary.first_row), summary.ref("amount", summary.first_row + 1)
    bal = summary.cell(2, "amount")
    bal.value = f"=ROUND({c2}-{c1},2)"
    fill = VERDICT_FILLS["pass"] if balance >= 0 else VERDICT_FILLS["fail"]
    for key in ("item", "amount"):
        cell = summary.cell(2, key)
        cell.fill = fill
        cell.font = BOLD_FONT

    unpriced_rows = [printed(r) for r in fv.unpriced_rows]
    if unpriced_rows:
        un_cols = [Column("code", "代码", "code"), Column("name", "用地类型", "text", max_width=18),
                   Column("side", "时点", "code"), Column("area", "面积", "ha", fmt=fa)]
        append_table(ws, un_cols, unpriced_rows, caption="四、未定价地类（不计成本与收益）", gap=1)
    else:
        r = ws.max_row + 2
        _line(ws, r, ncols, f"四、未定价地类：{ALL_PRICED_TEXT}", BOLD_FONT, wrap=False)
        ws.row_dimensions[r].height = 22

    notes = [
        "成本 = 表中计成本面积 × 表中成本单价，收益 = 表中计收益面积 × 表中收益单价（均按所列数值相乘后四舍五入到 0.01 万元，"
        "可逐行复核）；按功能汇总的金额为按地类测算中同一功能各行金额之和；资金平衡 = 收益合计 − 成本合计（Excel 公式），"
        "不小于 0 时绿色、小于 0 时红色。",
        f"基期面积、目标年面积取自“{SHEET_TABLE}”各行的数值（“{SHEET_TABLE}行号”列为该地类面积所在的行）：结构表的一行含几个"
        f"单价地类时，在该行数值内按最大余数法分配，因此只对应一行、且该行只含本地类的，两表数值相同；计成本面积、计收益面积由平方米换算为{unit}后四舍五入保留 {d} 位小数，每列按最大余数法"
        "调平尾差；合计行为所列各行之和（Excel 公式）；增减 = 目标年面积 − 基期面积。",
        f"未定价地类不计入上表：按地类测算的面积合计加上未定价地类的面积，等于“{SHEET_TABLE}”的合计。",
    ]
    if fv.example:
        notes.insert(0, EXAMPLE_WARNING + "。")
    _finish_sheet(ws, ncols, notes=notes, organisation=data.organisation, report_date=data.report_date,
                  landscape=True)
    return {"role": role_layout, "class": class_layout, "summary": summary, "warning_row": warning_row,
            "balance": float(balance)}


# --------------------------------------------------------------------------- sheet 5: details
def _row_labels(data: StructureReportData) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for t in [data.table] + list(data.region_tables or []):
        for tr in t.rows:
            if tr.kind in LEAF_KINDS and tr.row_id not in out:
                out[tr.row_id] = tr.label
    return out


def _row_text(row_id, labels: Dict[str, str]) -> str:
    rid = clean_text(row_id)
    if not rid:
        return ""
    if rid in (UNKNOWN_ROW, UNMATCHED_ROW):
        return labels.get(rid, _PSEUDO_LABELS[rid])
    label = labels.get(rid)
    return f"{rid} {label}" if label else rid


def _details_sheet(wb, data: StructureReportData):
    d = data.table.decimals
    unit = _unit_label(data.table)
    labels = _row_labels(data)
    columns = [
        Column("seq", "序号", "seq"),
        Column("label", "图层", "text", max_width=16),
        Column("raw", "原代码", "code"),
        Column("source_code", "规范代码", "code"),
        Column("code", "代码", "code", group="转换为"),
        Column("name", "名称", "text", group="转换为", max_width=18),
        Column("flag", "标记", "code"),
        Column("row", "计入行", "text", max_width=24),
        Column("parcels", "图斑数", "int"),
        Column("area", f"面积（{unit}）", "ha", fmt=fixed_format(d)),
        Column("m2", "面积（平方米）", "m2"),
    ]
    rows = []
    for n, rec in enumerate(_frame_records(data.details), 1):
        raw = clean_text(rec.get("raw"))
        rows.append({"seq": n, "label": rec.get("label"), "raw": raw if raw.strip() else "（空）",
                     "source_code": rec.get("source_code"), "code": rec.get("code"), "name": rec.get("name"),
                     "flag": rec.get("flag"), "row": _row_text(rec.get("row"), labels),
                     "parcels": _num(rec.get("parcels")), "area": _num(rec.get("area")),
                     "m2": _num(rec.get("m2"))})
    notes = [
        "待细分：原代码对应多个用地用海2023代码，已按默认对应关系转换，须核实后细分；未识别：代码不在其分类表中；"
        "空值：代码为空；未能归入模板：代码有效，但结构表模板没有与之对应的行（如只有一级代码）。",
        f"未识别、空值与未能归入模板的地类计入“{SHEET_TABLE}”的底色行，待细分的地类按转换后的代码计入相应行；"
        f"面积按平方米求和后换算为{unit}，四舍五入保留 {d} 位小数。",
    ]
    layout = add_table_sheet(
        wb, SHEET_DETAILS, heading=_heading(data, "待细分与未识别地类明细表"), unit_line=f"单位：{unit}、平方米",
        columns=columns, rows=rows, notes=notes, footer=False, empty_text=NO_DETAILS_TEXT, freeze_cols=2)
    for i, row in enumerate(rows):
        fill = _FLAG_FILLS.get(clean_text(row["flag"]))
        if fill is not None:
            layout.cell(i, "flag").fill = fill

    sk_cols = [Column("seq", "序号", "seq"), Column("label", "图层", "text", max_width=16),
               Column("fid", "要素编号", "code"), Column("raw", "原代码", "code"),
               Column("reason", "原因", "text", max_width=40)]
    sk_rows = [{"seq": n, "label": rec.get("label"), "fid": rec.get("fid"), "raw": rec.get("raw"),
                "reason": rec.get("reason")} for n, rec in enumerate(_frame_records(data.skipped), 1)]
    skipped = append_table(layout.ws, sk_cols, sk_rows, caption="未计入的要素", empty_text=NO_SKIPPED_TEXT)
    return layout, skipped


# --------------------------------------------------------------------------- sheet 6: provenance
_SHEET_TEXT = {
    SHEET_TABLE: "用地结构调整表（小计、合计为公式）",
    SHEET_TRANSITION: "基期—目标年用地转换矩阵",
    SHEET_REGIONS: "各分区用地结构调整表",
    SHEET_FINANCE: "资金测算（算大账）",
    SHEET_DETAILS: "待细分、未识别地类与未计入的要素",
    SHEET_PROVENANCE: "本表",
}


def _provenance_sheet(wb, data: StructureReportData, sheets: Sequence[str]):
    items: list = []
    for item in data.provenance or []:
        items.append(item if isinstance(item, dict) else tuple(item))
    names = {clean_text(i.get("item", i.get("项目")) if isinstance(i, dict) else i[0]) for i in items}
    if not any("取舍" in n for n in names):   # the caller's own rounding item (取舍规则 / 单位与取舍) wins
        items.append(("取舍规则", rounding_note(data.table)))
    items.append(("工作表", [f"{s}：{_SHEET_TEXT.get(s, '')}" for s in sheets]))
    return add_provenance_sheet(wb, items, title=SHEET_PROVENANCE, heading="数据说明")


# --------------------------------------------------------------------------- entry points
def sheet_names(data: StructureReportData) -> List[str]:
    """The sheets :func:`write_structure_xlsx` writes for ``data``, in order."""
    out = [SHEET_TABLE]
    if data.transition is not None:
        out.append(SHEET_TRANSITION)
    if data.region_tables:
        out.append(SHEET_REGIONS)
    if data.finance is not None:
        out.append(SHEET_FINANCE)
    out += [SHEET_DETAILS, SHEET_PROVENANCE]
    return out


def build_structure_workbook(data: StructureReportData):
    """The workbook of :func:`write_structure_xlsx`, not saved."""
    wb = new_workbook()
    _table_sheet(wb, data)
    if data.transition is not None:
        _transition_sheet(wb, data)
    if data.region_tables:
        _regions_sheet(wb, data)
    if data.finance is not None:
        _finance_sheet(wb, data)
    _details_sheet(wb, data)
    _provenance_sheet(wb, data, sheet_names(data))
    return wb


def write_structure_xlsx(data: StructureReportData, path) -> Path:
    """Write the structure workbook to ``path`` atomically (:func:`core.excel.save_atomic`)."""
    return save_atomic(build_structure_workbook(data), path)


__all__ = [
    "ALL_PRICED_TEXT", "EXAMPLE_WARNING", "NO_DETAILS_TEXT", "NO_SKIPPED_TEXT", "NO_TRANSITION_TEXT",
    "SHEETS", "SHEET_DETAILS", "SHEET_FINANCE", "SHEET_PROVENANCE", "SHEET_REGIONS", "SHEET_TABLE",
    "SHEET_TRANSITION", "StructureReportData", "build_structure_workbook",
    "rounding_note", "sheet_names", "structure_columns", "structure_formulas", "sum_formula",
    "write_structure_xlsx",
]
