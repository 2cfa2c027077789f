"""Approval-ready Excel output (报批/审查用表格) with openpyxl: the shared layout helpers.

Every report writer (合规性检查, 用地结构调整表, 资产包 ...) builds its sheets with these functions
so that all workbooks look the same to a reviewer (DESIGN §6):

* a title row merged across the table (宋体 16pt bold), a unit line (单位：公顷、亩、%), one or
  more levels of merged column headers, class codes and ids stored as text (``'0101'`` keeps its
  leading zero), numbers stored as numbers with fixed display formats (公顷 ``0.0000``, 亩 and %
  ``0.00``, 平方米 ``#,##0.00``), thin borders, 合计 rows as ``=SUM()`` formulas, a notes row and the
  编制单位/日期 footer line;
* print-ready pages: A4, orientation by table width, fit to one page wide, repeated header rows,
  "第 &P 页，共 &N 页" page numbers, frozen panes below the header, column widths from the content
  (CJK characters count double);
* a provenance sheet (数据说明) and a notice for empty results;
* :func:`save_atomic`: write to a temporary file beside the target and rename it, so a failed run
  never leaves a half-written workbook, with a clear message when the target is open in Excel/WPS.

Tables are described by :class:`Column` objects; a column's ``group`` (a text or a tuple of texts)
puts it under merged group headers, so a two-level header is just ``group="永久基本农田"`` on the
columns that belong together.  openpyxl does not compute formulas: :class:`TableLayout` records the
values the 合计 formulas are expected to show (``expected_totals``) for tests and callers.
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from .cells import ILLEGAL_CHARACTERS_RE, clean_text  # noqa: F401  (re-exported: the reports import it from here)
from .cells import is_missing as _is_missing
from .rounding import to_decimal

# --------------------------------------------------------------------------- look
FONT_BODY = "宋体"
FONT_HEADER = "黑体"
FONT_TITLE = "宋体"
SIZE_BODY = 10.5   # 五号
SIZE_TITLE = 16    # 三号

TITLE_FONT = Font(name=FONT_TITLE, size=SIZE_TITLE, bold=True)
UNIT_FONT = Font(name=FONT_BODY, size=SIZE_BODY)
HEADER_FONT = Font(name=FONT_HEADER, size=SIZE_BODY)
BODY_FONT = Font(name=FONT_BODY, size=SIZE_BODY)
BOLD_FONT = Font(name=FONT_BODY, size=SIZE_BODY, bold=True)
NOTE_FONT = Font(name=FONT_BODY, size=SIZE_BODY)
MUTED_FONT = Font(name=FONT_BODY, size=SIZE_BODY, color="595959")

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
NO_BORDER = Border()
HEADER_FILL = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")


def solid_fill(rgb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


#: soft fills for verdicts (Excel's "bad / neutral / good" colours)
VERDICT_FILLS = {
    "fail": solid_fill("FFC7CE"),
    "review": solid_fill("FFEB9C"),
    "pass": solid_fill("C6EFCE"),
}
HIGHLIGHT_FILL = solid_fill("DDEBF7")

#: display formats by column kind
NUMBER_FORMATS = {
    "ha": "0.0000",
    "mu": "0.00",
    "pct": "0.00",
    "m2": "#,##0.00",
    "km2": "0.000000",
    "int": "#,##0",
    "seq": "0",
    "text": "@",
    "code": "@",
    "general": "General",
}
TEXT_KINDS = ("text", "code")
NUMERIC_KINDS = ("ha", "mu", "pct", "m2", "km2", "int", "seq")

A4 = 9  # openpyxl / Excel paperSize code
PAGE_FOOTER = "第 &P 页，共 &N 页"
FOOTER_BLANK = "＿＿＿＿＿＿＿＿"

MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

LANDSCAPE_MIN_COLUMNS = 9   # more than 8 columns -> landscape
LANDSCAPE_MIN_WIDTH = 100   # or a table wider than this (Excel width units)


def fixed_format(decimals: int, thousands: bool = False) -> str:
    """A fixed display format: ``fixed_format(4) == '0.0000'``, ``fixed_format(2, True) == '#,##0.00'``."""
    base = "#,##0" if thousands else "0"
    return base + ("." + "0" * int(decimals) if int(decimals) > 0 else "")


# --------------------------------------------------------------------------- text helpers
def display_width(text) -> int:
    """Width of ``text`` in half-width character cells: CJK/full-width characters count double."""
    if text is None:
        return 0
    width = 0
    for ch in str(text):
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1
    return width


def safe_sheet_name(name, existing: Iterable[str] = ()) -> str:
    """A valid, unique sheet name: no ``[]:*?/\\``, no leading/trailing apostrophe, ≤ 31 characters."""
    text = _BAD_SHEET_CHARS.sub("_", str(name if name is not None else "")).strip().strip("'").strip()
    text = text or "Sheet"
    taken = {s.lower() for s in existing}
    candidate = text[:MAX_SHEET_NAME]
    n = 2
    while candidate.lower() in taken:
        suffix = f"({n})"
        candidate = text[:MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    return candidate


def rounding_rule_text(decimals_ha: int = 4, decimals_mu: int = 2, decimals_pct: int = 2,
                       balanced: Optional[str] = None) -> str:
    """The 取舍规则 sentence for provenance sheets and notes."""
    text = (f"先以平方米求和，再换算单位（1 公顷 = 10 000 平方米 = 15 亩），按四舍五入（ROUND_HALF_UP）"
            f"保留：公顷 {decimals_ha} 位、亩 {decimals_mu} 位、百分比 {decimals_pct} 位小数；"
            f"合计行为各行数值之和（Excel 公式）")
    if balanced:
        text += f"；{balanced}"
    return text + "。"


# --------------------------------------------------------------------------- table model
@dataclass
class Column:
    """One table column.

    ``kind``: ``text`` (left, wraps when long), ``code`` (text, centred: codes and ids), ``seq``
    (序号), ``int``, ``ha``, ``mu``, ``pct``, ``m2``, ``km2`` or ``general``.  ``group``: header
    text(s) above this column's own header (consecutive columns with the same group share one
    merged cell).  ``total``: ``"sum"`` for a ``=SUM()`` in the 合计 row, or a formula template
    whose ``{key}`` placeholders become the 合计 row's cells of those columns, e.g.
    ``"=IF({area}=0,0,ROUND({occ}/{area}*100,2))"``.
    """

    key: str
    header: str
    kind: str = "text"
    group: Union[None, str, Tuple[str, ...]] = None
    width: Optional[float] = None
    total: Optional[str] = None
    wrap: Optional[bool] = None
    fmt: Optional[str] = None
    align: Optional[str] = None
    max_width: float = 40

    @property
    def path(self) -> Tuple[str, ...]:
        if self.group is None or self.group == "":
            return ()
        if isinstance(self.group, str):
            return (self.group,)
        return tuple(self.group)

    @property
    def number_format(self) -> str:
        return self.fmt or NUMBER_FORMATS.get(self.kind, "General")

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def horizontal(self) -> str:
        if self.align:
            return self.align
        if self.kind in ("code", "seq"):
            return "center"
        if self.kind in NUMERIC_KINDS:
            return "right"
        return "left"


@dataclass
class Total:
    """The 合计 row: ``label`` written (merged) over the columns before the first one with a total."""

    label: str = "合计"
    rows: Optional[Tuple[int, int]] = None   # 0-based data row range (inclusive) to sum; default all


@dataclass
class TableLayout:
    """Where a table landed on its sheet (1-based rows/columns)."""

    ws: object
    columns: List[Column]
    first_col: int
    header_top: int
    header_bottom: int
    first_row: int            # first data row
    last_row: int             # last data row (first_row - 1 when there are no rows)
    total_row: Optional[int] = None
    notes_row: Optional[int] = None
    footer_row: Optional[int] = None
    title_row: Optional[int] = None
    unit_row: Optional[int] = None
    empty_row: Optional[int] = None
    expected_totals: Dict[str, Decimal] = field(default_factory=dict)
    stream: Optional[_Stream] = None   # data rows kept as values and written at save (write_table(stream=True))
    _styles: Dict[tuple, object] = field(default_factory=dict, repr=False)     # restyle(): shared styles
    _restyled: Dict[Tuple[int, int], tuple] = field(default_factory=dict, repr=False)

    @property
    def ncols(self) -> int:
        return len(self.columns)

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.columns) - 1

    @property
    def end_row(self) -> int:
        """Last row used by the table (total / empty notice included, notes excluded)."""
        return max(r for r in (self.header_bottom, self.last_row, self.total_row, self.empty_row) if r)

    def col(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return self.first_col + i
        raise KeyError(key)

    def letter(self, key: str) -> str:
        return get_column_letter(self.col(key))

    def ref(self, key: str, row: int) -> str:
        return f"{self.letter(key)}{row}"

    def cell(self, index: int, key: str):
        """The cell of data row ``index`` (0-based) in column ``key`` (of a streamed table: a cell that
        replaces the streamed one when the workbook is saved, so a fill or a formula set on it lands)."""
        if self.stream is not None:
            return self.stream.cell(self.first_row + index, self.col(key))
        return self.ws.cell(row=self.first_row + index, column=self.col(key))

    def restyle(self, index: int, key: str, name, **attrs) -> None:
        """Set ``attrs`` (``fill=``, ``font=`` ...) on data row ``index``'s cell in column ``key``.  ``name``
        names the change: cells with the same column, the same earlier changes and the same ``name`` share
        one style, made once (setting a font or fill on each cell hashes the style objects: ~30 µs a cell).
        A streamed table keeps only the style, so its rows stay streamed."""
        if self.stream is not None:
            self.stream.restyle(self.first_row + index, self.col(key), name, attrs)
            return
        cell = self.ws.cell(row=self.first_row + index, column=self.col(key))
        history = self._restyled.get((cell.row, cell.column), ())
        chain = (cell.column,) + history + (name,)
        style = self._styles.get(chain)
        if style is None:
            for attr, value in attrs.items():
                setattr(cell, attr, value)
            self._styles[chain] = cell._style
        else:
            cell._style = copy(style)
        self._restyled[(cell.row, cell.column)] = history + (name,)

    def data_range(self, key: str) -> str:
        return f"{self.ref(key, self.first_row)}:{self.ref(key, self.last_row)}"


# --------------------------------------------------------------------------- workbook
def new_workbook() -> Workbook:
    """An empty workbook (no default sheet) that recalculates its formulas when opened."""
    wb = Workbook()
    wb.remove(wb.active)
    try:
        wb.calculation.fullCalcOnLoad = True
    except AttributeError:  # pragma: no cover - very old openpyxl
        pass
    wb.properties.creator = "GuotuKit"
    return wb


def _style_box(ws, r1: int, c1: int, r2: int, c2: int, *, font=None, fill=None, alignment=None,
               border=BORDER) -> None:
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            cell = ws.cell(row=r, column=c)
            if border is not None:
                cell.border = border
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if alignment is not None:
                cell.alignment = alignment


def _merge(ws, r1: int, c1: int, r2: int, c2: int) -> None:
    if r1 != r2 or c1 != c2:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _set_text(cell, text: str) -> None:
    cell.value = text
    if cell.data_type == "f":  # a text starting with '=' is still text
        cell.data_type = "s"


def style_cell(cell, column: Column) -> None:
    """Body style of ``column``: 宋体, thin border, alignment, display format ('@' for text kinds)."""
    cell.font = BODY_FONT
    cell.border = BORDER
    wrap = column.wrap if column.wrap is not None else column.kind == "text"
    cell.alignment = Alignment(horizontal=column.horizontal, vertical="center", wrap_text=wrap)
    cell.number_format = "@" if column.is_text else column.number_format


def stored_value(value, column: Column):
    """What a cell of ``column`` stores for ``value`` — None (nothing), ``("s", text)``, ``("n", number)`` or
    ``("f", formula)``: text kinds as text, numbers as numbers, a stray text visible as text.  The one rule
    for cells (:func:`put_value`) and for streamed rows."""
    if column.is_text:
        text = clean_text(value)
        return ("s", text) if text != "" else None
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, (int, float)):
        return "n", (int(value) if column.kind in ("seq", "int") and float(value).is_integer() else value)
    if hasattr(value, "item"):  # numpy scalar
        return "n", value.item()
    if isinstance(value, str) and value.startswith("="):
        return "f", value  # a formula given on purpose
    return "s", clean_text(value)


def put_value(cell, value, column: Column) -> None:
    """Only the value, as :func:`stored_value` says."""
    got = stored_value(value, column)
    if got is None:
        return
    kind, stored = got
    if kind == "s":
        _set_text(cell, stored)
    else:
        cell.value = stored


def write_value(cell, value, column: Column) -> None:
    """Write ``value`` as ``column`` says: text kinds as text ('@'), numbers as numbers."""
    style_cell(cell, column)
    put_value(cell, value, column)


def _formatted_width(value, column: Column) -> int:
    if _is_missing(value):
        return 0
    if column.is_text or isinstance(value, str):
        return max((display_width(line) for line in clean_text(value).split("\n")), default=0)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return display_width(value)
    fmt = column.number_format
    first = fmt.split(";")[0]
    decimals = format_decimals(fmt) or 0
    text = format(number, f"{',' if ',' in first else ''}.{decimals}f")
    return len(text)


def _content_width(values, column: Column) -> int:
    """The widest :func:`_formatted_width` of ``values``: of the finite numbers only the largest and the
    smallest can be widest (a fixed format's text grows with |x|), and each distinct text is measured once."""
    best = 0
    lo = hi = None
    seen = set()
    for v in values:
        cls = v.__class__
        if (cls is float or cls is int) and not column.is_text:
            if v != v:
                continue
            if cls is int or math.isfinite(v):
                if lo is None or v < lo:
                    lo = v
                if hi is None or v > hi:
                    hi = v
                continue
        elif cls is str:
            if v in seen:
                continue
            seen.add(v)
        best = max(best, _formatted_width(v, column))
    for v in (lo, hi):
        if v is not None:
            best = max(best, _formatted_width(v, column))
    return best


def _header_levels(columns: Sequence[Column]) -> int:
    return max((len(c.path) for c in columns), default=0) + 1


def write_table(ws, top: int, columns: Sequence[Column], rows: Sequence, *, first_col: int = 1,
                total: Optional[Total] = None, empty_text: Optional[str] = None,
                header_fill: Optional[PatternFill] = HEADER_FILL, stream: bool = False) -> TableLayout:
    """Write header rows (merged groups), data rows and an optional 合计 row starting at row ``top``.

    ``rows``: dicts keyed by column key, or sequences in column order.  With no rows and an
    ``empty_text`` the text is written in one merged row under the header.

    ``stream=True`` (long detail tables): the data rows are kept as values and written straight into
    the sheet's XML by :func:`save_atomic` (no openpyxl cell per value: 3-5x faster on 10⁴-10⁵ cells),
    with the same styles, values and row heights.  Restyle them through ``layout.restyle()`` (shared
    styles) or ``layout.cell()`` (a real cell: a formula, an internal link); a ``ws.cell()`` inside the
    streamed rows is refused at save.
    """
    columns = list(columns)
    depth = _header_levels(columns)
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ncols = len(columns)
    last_col = first_col + ncols - 1
    _style_box(ws, top, first_col, top + depth - 1, last_col, font=HEADER_FONT, fill=header_fill,
               alignment=header_align)
    for level in range(depth):
        r = top + level
        i = 0
        while i < ncols:
            path = columns[i].path
            if level < len(path):
                j = i
                while j + 1 < ncols and columns[j + 1].path[:level + 1] == path[:level + 1]:
                    j += 1
                ws.cell(row=r, column=first_col + i, value=path[level])
                _merge(ws, r, first_col + i, r, first_col + j)
                i = j + 1
                continue
            if level == len(path):
                ws.cell(row=r, column=first_col + i, value=columns[i].header)
                _merge(ws, r, first_col + i, top + depth - 1, first_col + i)
            i += 1
    header_bottom = top + depth - 1
    first_row = header_bottom + 1

    r = first_row
    templates: list = [None] * ncols   # styling one cell per column and copying it is ~10x faster
    block = None
    if stream and len(rows):
        block = _Stream(ws, first_row, first_col, columns, rows)
        r = block.last_row + 1
        rows = ()
    for row in rows:
        for i, col in enumerate(columns):
            if isinstance(row, dict):
                value = row.get(col.key)
            else:
                value = row[i] if i < len(row) else None
            cell = ws.cell(row=r, column=first_col + i)
            if templates[i] is None:
                style_cell(cell, col)
                templates[i] = cell
            else:
                cell._style = copy(templates[i]._style)
            put_value(cell, value, col)
        r += 1
    last_row = r - 1
    layout = TableLayout(ws=ws, columns=columns, first_col=first_col, header_top=top,
                         header_bottom=header_bottom, first_row=first_row, last_row=last_row, stream=block)
    if block is not None:
        rows = block.rows

    if last_row < first_row and empty_text:
        add_empty_notice(ws, empty_text, row=first_row, first_col=first_col, last_col=last_col)
        layout.empty_row = first_row
        r = first_row + 1

    if total is not None:
        _write_total(ws, layout, total, r, rows)
    return layout


def format_decimals(number_format: str) -> Optional[int]:
    """Decimal places a fixed number format shows (``0.00`` / ``#,##0.00;-#,##0.00;`` → 2, ``0`` → 0);
    None for General and text formats."""
    first = (number_format or "").split(";")[0]
    if not first or first in ("General", "@") or "0" not in first:
        return None
    m = re.search(r"\.(0+)", first)
    return len(m.group(1)) if m else None   # whole numbers (counts) add up exactly


def sum_of(refs: str, number_format: str) -> str:
    """``=ROUND(SUM(refs),d)`` for a column printed with ``d`` decimals (a sum of printed figures is
    exact at ``d`` places; without ROUND binary floats leave −7.99E−14 where 0 is meant), else ``=SUM(refs)``."""
    places = format_decimals(number_format)
    return f"=ROUND(SUM({refs}),{places})" if places is not None else f"=SUM({refs})"


def _write_total(ws, layout: TableLayout, total: Total, r: int, rows: Sequence) -> None:
    columns = layout.columns
    first = next((i for i, c in enumerate(columns) if c.total), len(columns))
    label_end = max(first - 1, 0)
    lo, hi = layout.first_row, layout.last_row
    if total.rows is not None:
        lo, hi = layout.first_row + total.rows[0], layout.first_row + total.rows[1]
    refs = {c.key: f"{get_column_letter(layout.first_col + i)}{r}" for i, c in enumerate(columns)}
    for i, col in enumerate(columns):
        cell = ws.cell(row=r, column=layout.first_col + i)
        cell.border = BORDER
        cell.font = BOLD_FONT
        cell.alignment = Alignment(horizontal=col.horizontal, vertical="center")
        if not col.total:
            continue
        cell.number_format = col.number_format
        letter = get_column_letter(layout.first_col + i)
        if col.total == "sum":
            cell.value = sum_of(f"{letter}{lo}:{letter}{hi}", col.number_format) if hi >= lo else 0
            expected = Decimal(0)
            for k in range(lo - layout.first_row, hi - layout.first_row + 1):
                row = rows[k]
                value = row.get(col.key) if isinstance(row, dict) else (row[i] if i < len(row) else None)
                if not _is_missing(value) and not isinstance(value, str):
                    expected += to_decimal(float(value) if isinstance(value, Decimal) else value)
            layout.expected_totals[col.key] = expected
        else:
            cell.value = _PLACEHOLDER.sub(lambda m: refs.get(m.group(1), m.group(0)), col.total)
    layout.total_row = r
    if first == 0:  # the first column carries a total itself: no room for the label
        return
    label_cell = ws.cell(row=r, column=layout.first_col)
    _set_text(label_cell, total.label)
    label_cell.alignment = Alignment(horizontal="center", vertical="center")
    _merge(ws, r, layout.first_col, r, layout.first_col + label_end)


def add_empty_notice(ws, text: str, row: Optional[int] = None, first_col: int = 1,
                     last_col: Optional[int] = None):
    """A merged, centred notice such as “本次检查无冲突图斑 / no conflicts” (for empty results)."""
    if row is None:
        end = sheet_end_row(ws)
        row = (end + 1) if end > 1 or ws.cell(1, 1).value is not None else 1
    if last_col is None:
        last_col = max(ws.max_column, first_col)
    cell = ws.cell(row=row, column=first_col)
    _set_text(cell, text)
    _style_box(ws, row, first_col, row, last_col, font=BOLD_FONT,
               alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    _merge(ws, row, first_col, row, last_col)
    ws.row_dimensions[row].height = 30
    return cell


def _merged_line(ws, row: int, first_col: int, last_col: int, text: str, *, font, horizontal="left",
                 wrap=True, border=NO_BORDER):
    cell = ws.cell(row=row, column=first_col)
    _set_text(cell, text)
    _style_box(ws, row, first_col, row, last_col, font=font, border=border,
               alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap))
    _merge(ws, row, first_col, row, last_col)
    return cell


def notes_text(notes) -> str:
    """'注：…' from a text or a list of texts (numbered when more than one)."""
    if notes is None:
        return ""
    if isinstance(notes, str):
        items = [notes]
    else:
        items = [n for n in notes if n]
    if not items:
        return ""
    if len(items) == 1:
        return "注：" + items[0]
    return "注：" + "\n".join(f"{i}. {t}" for i, t in enumerate(items, 1))


def footer_text(organisation: str = "", report_date=None) -> str:
    """“编制单位：＿＿＿＿　　日期：YYYY-MM-DD”."""
    if report_date is None:
        report_date = _dt.date.today()
    if isinstance(report_date, _dt.datetime):
        report_date = report_date.date()
    date_text = report_date.isoformat() if hasattr(report_date, "isoformat") else str(report_date)
    return f"编制单位：{organisation or FOOTER_BLANK}　　日期：{date_text}"


# --------------------------------------------------------------------------- widths / heights / print
def _column_widths(layout: TableLayout, rows: Sequence, col_widths: Optional[Dict[str, float]] = None
                   ) -> Dict[int, float]:
    out = {}
    for i, col in enumerate(layout.columns):
        if col_widths and col.key in col_widths:
            out[layout.first_col + i] = float(col_widths[col.key])
            continue
        if col.width is not None:
            out[layout.first_col + i] = float(col.width)
            continue
        content = _content_width((row.get(col.key) if isinstance(row, dict) else (row[i] if i < len(row) else None)
                                  for row in rows), col)
        if col.key in layout.expected_totals:   # the 合计 is bold: one more character
            content = max(content, _formatted_width(float(layout.expected_totals[col.key]), col) + 1)
        # headers wrap: a unit in brackets goes on its own line, other long headers need about half
        head_need = max(display_width(part) for part in _header_parts(col.header))
        if head_need > 10:
            head_need = max(10, math.ceil(head_need / 2))
        width = max(content, head_need, 4) + 2
        wrap = col.wrap if col.wrap is not None else col.kind == "text"
        if wrap:
            width = min(width, col.max_width)
        out[layout.first_col + i] = float(width)
    return out


def _header_parts(header: str) -> List[str]:
    """'占用面积（公顷）' -> ['占用面积', '（公顷）']: where a header breaks when its column is narrow."""
    text = str(header)
    for bracket in ("（", "("):
        i = text.find(bracket)
        if i > 0:
            return [text[:i], text[i:]]
    return [text]


def break_headers(ws, layout: TableLayout) -> None:
    """Put a leaf header's bracketed unit on a second line when the header is wider than its column,
    so that it never wraps in the middle of the unit (“占用面积（公顷” / “）”)."""
    row_of = {}
    for i, col in enumerate(layout.columns):
        row_of[i] = layout.header_top + len(col.path)
    for i, col in enumerate(layout.columns):
        parts = _header_parts(col.header)
        if len(parts) < 2:
            continue
        cell = ws.cell(row=row_of[i], column=layout.first_col + i)
        if display_width(col.header) > _col_width(ws, layout.first_col + i) - 1 and cell.value == col.header:
            cell.value = "\n".join(parts)


def fit_number_columns(ws, layout: TableLayout, rows: Sequence) -> None:
    """Grow the numeric columns of ``layout`` to fit its values and 合计 (no "###" when a later table on
    the same sheet set narrower widths)."""
    widths = _column_widths(layout, rows)
    numeric = {layout.first_col + i for i, c in enumerate(layout.columns) if c.kind in NUMERIC_KINDS}
    set_widths(ws, {c: w for c, w in widths.items() if c in numeric}, grow_only=True)


def set_widths(ws, widths: Dict[int, float], grow_only: bool = False) -> None:
    for c, w in widths.items():
        dim = ws.column_dimensions[get_column_letter(c)]
        if grow_only and dim.customWidth and dim.width and dim.width >= w:
            continue
        dim.width = w


def _col_width(ws, c: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(c))
    if dim is not None and dim.customWidth and dim.width:
        return float(dim.width)
    return 8.43


def _merge_spans(ws) -> Dict[Tuple[int, int], Tuple[float, int]]:
    """(top row, first column) of each merged range -> (its width, its number of rows)."""
    spans = {}
    for rng in ws.merged_cells.ranges:
        width = sum(_col_width(ws, c) for c in range(rng.min_col, rng.max_col + 1))
        spans[(rng.min_row, rng.min_col)] = (width, rng.max_row - rng.min_row + 1)
    return spans


def _text_height(text: str, width: float, nrows: int, scale: float, wrap: bool,
                 widths: Optional[Dict[str, int]] = None) -> float:
    """Points a row needs for ``text`` in a cell ``width`` wide spanning ``nrows`` rows (font ``scale``
    × 五号): one line per '\n' part, a wrapped part as many lines as its width needs.  ``widths``: a cache
    of display widths by text (streamed rows repeat their texts)."""
    if wrap:
        capacity = max((width - 1.0) / scale, 1.0)
        lines = 0
        for part in text.split("\n"):
            w = widths.get(part) if widths is not None else None
            if w is None:
                w = display_width(part)
                if widths is not None:
                    widths[part] = w
            lines += max(1, math.ceil(w / capacity))
    else:
        lines = text.count("\n") + 1
    return (lines * (13.5 * scale + 1.5) + 4) / nrows


def _row_height(need: float, min_height: Optional[float] = None) -> Optional[float]:
    """The explicit height a row gets (None: the default height fits)."""
    if min_height:
        need = max(need, min_height)
    if need > 15.5 or min_height:
        return round(need, 1)  # ok: a row height in points, not an area
    return None


def _cell_look(cell) -> Tuple[float, bool]:
    """(font size / 五号, wraps) of a cell."""
    size = (cell.font.sz if cell.font is not None and cell.font.sz else SIZE_BODY)
    return float(size) / SIZE_BODY, bool(cell.alignment is not None and cell.alignment.wrap_text)


def fit_row_heights(ws, first_row: int, last_row: int, min_height: Optional[float] = None) -> None:
    """Explicit heights for rows with wrapped text (Excel never auto-fits merged cells; WPS and
    LibreOffice differ), estimated from the text width against the column (or merged range) width.
    Streamed rows (``write_table(stream=True)``) are skipped: their heights are fitted when saved."""
    spans = _merge_spans(ws)
    max_col = ws.max_column  # once: it scans every cell
    col_width: Dict[int, float] = {}
    looks: Dict[tuple, Tuple[float, bool]] = {}   # (font id, alignment id) -> (scale, wraps): a cell's font and
    # alignment are looked up through the workbook's style tables, which costs more than the rest of the loop

    def look(cell) -> Tuple[float, bool]:
        style = getattr(cell, "_style", None)
        key = (style.fontId, style.alignmentId) if style is not None else None
        got = looks.get(key) if key is not None else None
        if got is None:
            got = _cell_look(cell)
            if key is not None:
                looks[key] = got
        return got

    for lo, hi in _unstreamed(ws, first_row, last_row):
        for r, cells in enumerate(ws.iter_rows(min_row=lo, max_row=hi, min_col=1, max_col=max_col), start=lo):
            need = 0.0
            for cell in cells:
                if not isinstance(cell.value, str) or cell.data_type == "f":
                    continue
                c = cell.column
                span = spans.get((r, c))
                if span is None:
                    w0 = col_width.get(c)
                    if w0 is None:
                        w0 = col_width[c] = _col_width(ws, c)
                    span = (w0, 1)
                scale, wrap = look(cell)
                need = max(need, _text_height(cell.value, span[0], span[1], scale, wrap))
            height = _row_height(need, min_height)
            if height is not None:
                ws.row_dimensions[r].height = height


def apply_print_setup(ws, *, landscape: bool, header_rows: Optional[Tuple[int, int]] = None,
                      freeze_cell: Optional[str] = None) -> None:
    """A4, orientation, fit to one page wide (any number of pages tall), repeated header rows,
    page numbers in the footer, centred horizontally, frozen panes."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.font = FONT_BODY
    ws.oddFooter.center.size = 9
    if header_rows:
        # absolute, as Excel writes it: LibreOffice ignores a relative "3:4"
        ws.print_title_rows = f"${header_rows[0]}:${header_rows[1]}"
    if freeze_cell:
        ws.freeze_panes = freeze_cell


def choose_landscape(ncols: int, total_width: float) -> bool:
    return ncols >= LANDSCAPE_MIN_COLUMNS or total_width > LANDSCAPE_MIN_WIDTH


# --------------------------------------------------------------------------- sheets
def add_table_sheet(wb, title: str, *, heading: str, columns: Sequence[Column], rows: Sequence,
                    unit_line: Optional[str] = None, total: Optional[Total] = None, notes=None,
                    footer: Union[bool, str] = True, organisation: str = "", report_date=None,
                    empty_text: Optional[str] = None, landscape: Optional[bool] = None,
                    freeze: bool = True, freeze_cols: int = 0,
                    col_widths: Optional[Dict[str, float]] = None, stream: bool = False) -> TableLayout:
    """A complete approval table on a new sheet ``title``.

    Row 1: ``heading`` (merged, 16pt bold, centred); row 2: ``unit_line`` (right-aligned) if given;
    then the header rows, the data rows, the optional 合计 row (``total`` + ``Column.total``),
    a notes row (``notes``: text or list) and the footer line (``footer=True`` for
    “编制单位：＿＿＿＿　　日期：…”, a text for your own, False for none).  The sheet is set up for
    printing (:func:`apply_print_setup`); ``landscape=None`` chooses by table width.
    """
    ws = wb.create_sheet(safe_sheet_name(title, wb.sheetnames))
    columns = list(columns)
    rows = list(rows)
    ncols = len(columns)
    r = 1
    _merged_line(ws, r, 1, ncols, heading, font=TITLE_FONT, horizontal="center", wrap=True)
    ws.row_dimensions[r].height = 30
    title_row = r
    r += 1
    unit_row = None
    if unit_line:
        _merged_line(ws, r, 1, ncols, unit_line, font=UNIT_FONT, horizontal="right", wrap=False)
        unit_row = r
        r += 1
    layout = write_table(ws, r, columns, rows, total=total, empty_text=empty_text, stream=stream)
    layout.title_row, layout.unit_row = title_row, unit_row
    r = layout.end_row + 1

    text = notes_text(notes)
    if text:
        _merged_line(ws, r, 1, ncols, text, font=NOTE_FONT)
        layout.notes_row = r
        r += 1
    if footer:
        ftext = footer if isinstance(footer, str) else footer_text(organisation, report_date)
        _merged_line(ws, r, 1, ncols, ftext, font=NOTE_FONT, horizontal="left", wrap=False)
        ws.row_dimensions[r].height = 24
        layout.footer_row = r

    widths = _column_widths(layout, rows, col_widths)
    set_widths(ws, widths)
    break_headers(ws, layout)
    fit_row_heights(ws, layout.header_top, layout.end_row)
    if layout.notes_row:
        fit_row_heights(ws, layout.notes_row, layout.notes_row)
    if landscape is None:
        landscape = choose_landscape(ncols, sum(widths.values()))
    freeze_cell = f"{get_column_letter(freeze_cols + 1)}{layout.first_row}" if freeze else None
    apply_print_setup(ws, landscape=landscape, header_rows=(layout.header_top, layout.header_bottom),
                      freeze_cell=freeze_cell)
    return layout


def _widen_title(ws, last_col: int) -> None:
    """Re-centre the merged title row (row 1) over a wider table added below."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == 1 and rng.max_row == 1 and rng.min_col == 1 and rng.max_col < last_col:
            ws.unmerge_cells(str(rng))
            title = ws.cell(row=1, column=1)
            for c in range(2, last_col + 1):
                ws.cell(row=1, column=c).border = NO_BORDER
            title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            _merge(ws, 1, 1, 1, last_col)
            return


def append_table(ws, columns: Sequence[Column], rows: Sequence, *, caption: Optional[str] = None,
                 gap: int = 1, total: Optional[Total] = None, empty_text: Optional[str] = None,
                 col_widths: Optional[Dict[str, float]] = None, stream: bool = False) -> TableLayout:
    """A further table below what is on ``ws`` (after ``gap`` blank rows), with an optional bold caption."""
    columns = list(columns)
    rows = list(rows)
    r = sheet_end_row(ws) + 1 + gap
    if caption:
        _merged_line(ws, r, 1, len(columns), caption, font=BOLD_FONT, wrap=False)
        ws.row_dimensions[r].height = 22
        r += 1
    layout = write_table(ws, r, columns, rows, total=total, empty_text=empty_text, stream=stream)
    _widen_title(ws, layout.last_col)
    set_widths(ws, _column_widths(layout, rows, col_widths), grow_only=True)
    break_headers(ws, layout)
    fit_row_heights(ws, layout.header_top, layout.end_row)
    return layout


def _provenance_text(value) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{clean_text(k)}：{_provenance_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "\n".join(_provenance_text(v) for v in value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, _dt.datetime) \
            else value.isoformat()
    return clean_text(value)


PROVENANCE_COLUMNS = (
    Column("item", "项目", "text", width=18, wrap=True),
    Column("content", "内容", "text", width=64, wrap=True),
)


def add_provenance_sheet(wb, items: Iterable, *, title: str = "数据说明",
                         heading: Optional[str] = None, footer: Union[bool, str] = False,
                         organisation: str = "", report_date=None) -> TableLayout:
    """Sheet “数据说明”: two columns 项目/内容, one row per ``(项目, 内容)`` item.

    ``内容`` may be a text, a number, a date, a list (one line each) or a dict (“键：值” lines); every
    value is written as text.  Typical items: 插件版本, 运行时间, 输入图层 (path, layer, feature count,
    CRS), 工作坐标系, 分类版本, 面积口径, 取舍规则 (:func:`rounding_rule_text`), 规则方案, 参数.
    """
    rows = []
    for item in items:
        if isinstance(item, dict):
            key, value = item.get("item", item.get("项目", "")), item.get("content", item.get("内容", ""))
        else:
            key, value = item
        rows.append({"item": clean_text(key), "content": _provenance_text(value)})
    return add_table_sheet(wb, title, heading=heading or title, columns=PROVENANCE_COLUMNS, rows=rows,
                           footer=footer, organisation=organisation, report_date=report_date,
                           empty_text="（无）", landscape=False, freeze=False)


# --------------------------------------------------------------------------- streamed rows
_STREAMS = "_guotukit_streams"   # attribute of a worksheet: its streamed tables, in row order


def _streams(ws) -> List[_Stream]:
    return getattr(ws, _STREAMS, None) or []


def _unstreamed(ws, first_row: int, last_row: int) -> List[Tuple[int, int]]:
    """[first_row, last_row] without the rows of ``ws``'s streamed tables, as (lo, hi) ranges."""
    out = []
    lo = first_row
    for block in sorted(_streams(ws), key=lambda b: b.first_row):
        if block.last_row < lo or block.first_row > last_row:
            continue
        if block.first_row > lo:
            out.append((lo, block.first_row - 1))
        lo = block.last_row + 1
    if lo <= last_row:
        out.append((lo, last_row))
    return out


def sheet_end_row(ws) -> int:
    """The last row used on ``ws``, streamed tables included (``ws.max_row`` does not see them)."""
    return max([ws.max_row] + [b.last_row for b in _streams(ws)])


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _attr(value) -> str:
    return str(value).translate(_XML_ESCAPES).replace('"', "&quot;")


def _text_body(sid: int, text: str) -> str:
    """A text cell's XML after its ``<c r="…"``."""
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return f' s="{sid}" t="inlineStr"><is><t{space}>{text.translate(_XML_ESCAPES)}</t></is></c>'


def _text_xml(ref: str, sid: int, text: str) -> str:
    return f'<c r="{ref}"' + _text_body(sid, text)


def _number_text(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:.16g}"   # as openpyxl writes numbers


class _Stream:
    """The data rows of one table, kept as values until the workbook is saved (:func:`save_atomic`),
    then written as sheet XML with the column's body style, the value as :func:`put_value` would store
    it and the row height :func:`fit_row_heights` would give.  A cell asked for through
    :meth:`cell` (to restyle it or to put a formula in it) is a real openpyxl cell that replaces the
    streamed one."""

    def __init__(self, ws, first_row: int, first_col: int, columns: Sequence[Column], rows: Sequence):
        self.ws = ws
        self.first_row = first_row
        self.first_col = first_col
        self.columns = list(columns)
        self.rows = list(rows)
        self.templates = []
        for i, col in enumerate(self.columns):
            cell = Cell(ws, row=first_row, column=first_col + i)
            style_cell(cell, col)
            self.templates.append(cell)
        self.overrides: Dict[Tuple[int, int], object] = {}
        self.links: List[str] = []    # <hyperlink> elements of the overriding cells (rows_xml)
        self.styles: Dict[tuple, object] = {}                 # restyle(): (column, changes...) -> template cell
        self.restyled: Dict[Tuple[int, int], tuple] = {}     # (row, column) -> its changes
        blocks = _streams(ws)
        if any(b.first_row <= self.last_row and self.first_row <= b.last_row for b in blocks):
            raise ValueError(f"streamed rows {self.first_row}-{self.last_row} overlap another streamed table")
        setattr(ws, _STREAMS, blocks + [self])

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1

    def _value(self, index: int, k: int):
        row = self.rows[index]
        if isinstance(row, dict):
            return row.get(self.columns[k].key)
        return row[k] if k < len(row) else None

    def cell(self, row: int, column: int):
        if not (self.first_row <= row <= self.last_row
                and self.first_col <= column < self.first_col + len(self.columns)):
            return self.ws.cell(row=row, column=column)
        got = self.overrides.get((row, column))
        if got is None:
            k = column - self.first_col
            got = Cell(self.ws, row=row, column=column)
            history = self.restyled.get((row, column))
            got._style = copy((self.styles[(k,) + history] if history else self.templates[k])._style)
            put_value(got, self._value(row - self.first_row, k), self.columns[k])
            self.overrides[(row, column)] = got
        return got

    def restyle(self, row: int, column: int, name, attrs: Dict[str, object]) -> None:
        """:meth:`TableLayout.restyle` for streamed rows: only the cell's style is kept."""
        k = column - self.first_col
        history = self.restyled.get((row, column), ())
        chain = (k,) + history + (name,)
        template = self.styles.get(chain)
        if template is None:
            base = self.styles[(k,) + history] if history else self.templates[k]
            template = Cell(self.ws, row=row, column=column)
            template._style = copy(base._style)
            for attr, value in attrs.items():
                setattr(template, attr, value)
            self.styles[chain] = template
        self.restyled[(row, column)] = history + (name,)
        got = self.overrides.get((row, column))
        if got is not None:
            got._style = copy(template._style)

    def _value_xml(self, ref: str, sid: int, value, column: Column) -> Tuple[str, Optional[str]]:
        """(the cell's XML, its text when it shows one), stored as :func:`stored_value` says."""
        got = stored_value(value, column)
        if got is None:
            return f'<c r="{ref}" s="{sid}"/>', None
        kind, stored = got
        if kind == "f":
            return f'<c r="{ref}" s="{sid}"><f>{stored[1:].translate(_XML_ESCAPES)}</f><v></v></c>', None
        if kind == "n" and isinstance(stored, bool):
            return f'<c r="{ref}" s="{sid}" t="b"><v>{int(stored)}</v></c>', None
        if kind == "n" and isinstance(stored, (int, float)):
            if isinstance(stored, float) and not math.isfinite(stored):
                return f'<c r="{ref}" s="{sid}"><v></v></c>', None
            return f'<c r="{ref}" s="{sid}"><v>{_number_text(stored)}</v></c>', None
        text = stored if kind == "s" else clean_text(stored)
        return _text_xml(ref, sid, text), text

    def _cell_xml(self, ref: str, cell) -> Tuple[str, Optional[str]]:
        if cell.comment is not None:
            raise ValueError(f"{ref}: a comment on a streamed row is not supported")
        link = cell.hyperlink
        if link is not None:
            if link.target or not link.location:
                raise ValueError(f"{ref}: only links within the workbook are supported on a streamed row")
            attrs = "".join(f' {name}="{_attr(value)}"' for name, value in
                            (("ref", ref), ("location", link.location), ("tooltip", link.tooltip),
                             ("display", link.display)) if value)
            self.links.append(f"<hyperlink{attrs}/>")
        sid = cell.style_id
        value = cell.value
        if value is None:
            return f'<c r="{ref}" s="{sid}"/>', None
        if cell.data_type == "f":
            return f'<c r="{ref}" s="{sid}"><f>{str(value)[1:].translate(_XML_ESCAPES)}</f><v></v></c>', None
        if cell.data_type == "b":
            return f'<c r="{ref}" s="{sid}" t="b"><v>{int(bool(value))}</v></c>', None
        if cell.data_type == "n" and isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                return f'<c r="{ref}" s="{sid}"><v></v></c>', None
            return f'<c r="{ref}" s="{sid}"><v>{_number_text(value)}</v></c>', None
        text = clean_text(value)
        return _text_xml(ref, sid, text), text

    def rows_xml(self, spans: Dict[Tuple[int, int], Tuple[float, int]]) -> Dict[int, str]:
        """Row number -> ``<row>`` XML.  Registers the styles it uses with the workbook: call before
        the workbook is written.  Plain texts and floats take a short path; anything else goes through
        :meth:`_value_xml` (``put_value``'s rules)."""
        ws = self.ws
        n = len(self.columns)
        keys = [c.key for c in self.columns]
        letters = [get_column_letter(self.first_col + k) for k in range(n)]
        widths = [_col_width(ws, self.first_col + k) for k in range(n)]
        sids = [t.style_id for t in self.templates]
        looks = [_cell_look(t) for t in self.templates]
        is_text = [c.is_text for c in self.columns]
        plain_float = [not c.is_text and c.kind not in ("seq", "int") for c in self.columns]
        wide: Dict[str, int] = {}                                   # display widths, by text
        bodies: Dict[tuple, tuple] = {}                             # (style, text) -> (XML after r=, clean text)
        over_rows: Dict[int, Dict[int, object]] = {}
        for (r, c), cell in self.overrides.items():
            over_rows.setdefault(r, {})[c - self.first_col] = cell
        restyles = {chain: (t.style_id, _cell_look(t)) for chain, t in self.styles.items()}
        restyled_rows: Dict[int, Dict[int, tuple]] = {}
        for (r, c), history in self.restyled.items():
            k = c - self.first_col
            restyled_rows.setdefault(r, {})[k] = restyles[(k,) + history]
        spanned = {c - self.first_col for (r, c) in spans if self.first_row <= r <= self.last_row}
        illegal = ILLEGAL_CHARACTERS_RE
        out = {}
        self.links = []
        for index, row in enumerate(self.rows):
            r = self.first_row + index
            if row.__class__ is dict:
                values = [row.get(key) for key in keys]
            else:
                values = [row[k] if k < len(row) else None for k in range(n)]
            overs = over_rows.get(r)
            restyled = restyled_rows.get(r)
            parts = []
            need = 0.0
            for k in range(n):
                v = values[k]
                ref = f"{letters[k]}{r}"
                sid, look = sids[k], looks[k]
                if restyled is not None and k in restyled:
                    sid, look = restyled[k]
                if overs is not None and k in overs:
                    cell = overs[k]
                    xml, text = self._cell_xml(ref, cell)
                    look = _cell_look(cell) if text else look
                elif is_text[k] and v.__class__ is str:
                    got = bodies.get((sid, v))    # list names, classes, reasons repeat: their XML is made once
                    if got is None:
                        text = illegal.sub("", v) if v else v
                        got = bodies[(sid, v)] = (_text_body(sid, text) if text else f' s="{sid}"/>', text)
                    body, text = got
                    xml = f'<c r="{ref}"{body}'
                elif plain_float[k] and v.__class__ is float and math.isfinite(v):
                    parts.append(f'<c r="{ref}" s="{sid}"><v>{v:.16g}</v></c>')
                    continue
                else:
                    xml, text = self._value_xml(ref, sid, v, self.columns[k])
                parts.append(xml)
                if not text:
                    continue
                width, nrows = (spans.get((r, self.first_col + k), (widths[k], 1)) if k in spanned
                                else (widths[k], 1))
                need = max(need, _text_height(text, width, nrows, look[0], look[1], wide))
            height = _row_height(need)
            head = f'<row r="{r}" ht="{height:g}" customHeight="1">' if height is not None else f'<row r="{r}">'
            out[r] = head + "".join(parts) + "</row>"
        return out


_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW_START = re.compile(r'<row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"\s*/>')
_OOXML_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_members(zin: zipfile.ZipFile) -> Dict[str, str]:
    """Sheet title -> its XML part in a saved workbook (from xl/workbook.xml and its relationships)."""
    book = ElementTree.fromstring(zin.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    target = {rel.get("Id"): rel.get("Target") for rel in rels}
    out = {}
    for sheet in book.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"):
        path = target.get(sheet.get(_OOXML_REL), "")
        out[sheet.get("name")] = path.lstrip("/") if path.startswith("/") else "xl/" + path
    return out


def _splice_rows(xml: str, rows: Dict[int, str], last_col: int) -> str:
    """``xml`` (a worksheet part) with ``rows`` merged into its sheetData in row order."""
    m = _SHEET_DATA.search(xml)
    if m is None:
        raise ValueError("no sheetData in a written worksheet")
    body = m.group(1) or ""
    starts = [(int(x.group(1)), x.start()) for x in _ROW_START.finditer(body)]
    merged: Dict[int, str] = {}
    for i, (r, pos) in enumerate(starts):
        chunk = body[pos:starts[i + 1][1] if i + 1 < len(starts) else len(body)]
        if r in rows:
            if "<c " in chunk:
                raise ValueError(f"row {r} has cells written over a streamed table")
            continue   # an empty row (a height set on a streamed row): the streamed row has its own
        merged[r] = chunk
    merged.update(rows)
    new_body = "".join(merged[r] for r in sorted(merged))
    out = xml[:m.start()] + f"<sheetData>{new_body}</sheetData>" + xml[m.end():]
    last_row = max(merged) if merged else 1

    def dimension(d) -> str:
        col = max(last_col, _column_index(d.group(1)) if d.group(1) else 1)
        row = max(last_row, int(d.group(2)) if d.group(2) else 1)
        return f'<dimension ref="A1:{get_column_letter(col)}{row}"/>'
    return _DIMENSION.sub(dimension, out, count=1)


#: what follows <hyperlinks> in a worksheet part (ECMA-376 CT_Worksheet order)
_AFTER_LINKS = re.compile(r"<(printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|customProperties|"
                          r"cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|legacyDrawingHF|picture|oleObjects|"
                          r"controls|webPublishItems|tableParts|extLst)\b|</worksheet>")


def _splice_links(xml: str, links: List[str]) -> str:
    """``xml`` with the streamed rows' internal links added to its <hyperlinks> (made where it belongs)."""
    if not links:
        return xml
    body = "".join(links)
    end = xml.find("</hyperlinks>")
    if end >= 0:
        return xml[:end] + body + xml[end:]
    m = _AFTER_LINKS.search(xml)
    return xml[:m.start()] + f"<hyperlinks>{body}</hyperlinks>" + xml[m.start():]


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _save_workbook(wb, path) -> None:
    """``wb.save(path)``; a workbook with streamed tables is written by openpyxl to memory, then its
    streamed rows are put into the sheets' XML on the way to ``path``."""
    rows_of: Dict[str, Tuple[Dict[int, str], int]] = {}
    for ws in wb.worksheets:
        blocks = _streams(ws)
        if blocks:
            spans = _merge_spans(ws)
            rows: Dict[int, str] = {}
            links: List[str] = []
            for block in blocks:
                rows.update(block.rows_xml(spans))
                links += block.links
            rows_of[ws.title] = (rows, max(b.first_col + len(b.columns) - 1 for b in blocks), links)
    if not rows_of:
        wb.save(str(path))
        return
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(str(path), "w", zipfile.ZIP_DEFLATED) as zout:
        member_of = {member: title for title, member in _sheet_members(zin).items()}
        for info in zin.infolist():
            data = zin.read(info.filename)
            title = member_of.get(info.filename)
            if title in rows_of:
                rows, last_col, links = rows_of[title]
                data = _splice_links(_splice_rows(data.decode("utf-8"), rows, last_col), links).encode("utf-8")
            zout.writestr(info, data)


# --------------------------------------------------------------------------- saving
class OutputLockedError(PermissionError):
    """The output file cannot be replaced, usually because Excel/WPS has it open."""


def _locked_message(path: Path) -> str:
    return (f"文件 {path} 正被其他程序打开（如 Excel/WPS），请关闭后重试 / "
            f"the file {path} is open in another program (Excel, WPS ...): close it and retry")


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def save_atomic(wb, path, *, retries: int = 3, retry_delay: float = 0.3) -> Path:
    """Save ``wb`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A failure while writing leaves an existing ``path`` untouched and removes the temporary file.
    If the target is locked (PermissionError, e.g. open in Excel/WPS on Windows) the replace is
    retried briefly, then :class:`OutputLockedError` says to close the file and retry.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"输出路径 {target} 是文件夹，请给出 .xlsx 文件名 / {target} is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"输出文件夹 {folder} 不存在 / the output folder {folder} does not exist")
    if os.name == "nt" and target.exists():  # a file open in Excel/WPS cannot even be opened for writing
        try:
            with open(target, "r+b"):
                pass
        except PermissionError as exc:
            raise OutputLockedError(_locked_message(target)) from exc
    mode = (target.stat().st_mode & 0o777) if target.exists() else _default_mode()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=str(folder))
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _save_workbook(wb, tmp)
        try:
            os.chmod(tmp, mode)
        except OSError:  # pragma: no cover - e.g. some network shares
            pass
        for attempt in range(retries + 1):
            try:
                os.replace(str(tmp), str(target))
                break
            except PermissionError as exc:
                if attempt >= retries:
                    raise OutputLockedError(_locked_message(target)) from exc
                time.sleep(retry_delay)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover
            pass
        raise
    return target


__all__ = [
    "A4", "BODY_FONT", "BOLD_FONT", "BORDER", "Column", "FONT_BODY", "FONT_HEADER", "FONT_TITLE",
    "HEADER_FILL", "HIGHLIGHT_FILL", "MUTED_FONT", "NUMBER_FORMATS", "OutputLockedError", "PAGE_FOOTER",
    "TableLayout", "Total", "VERDICT_FILLS", "add_empty_notice", "add_provenance_sheet", "add_table_sheet",
    "append_table", "apply_print_setup", "break_headers", "choose_landscape", "clean_text", "display_width", "fit_row_heights",
    "fixed_format", "footer_text", "new_workbook", "notes_text", "put_value", "rounding_rule_text",
    "safe_sheet_name", "save_atomic", "set_widths", "sheet_end_row", "solid_fill", "style_cell", "write_table", "write_value",
]


def detail_csv_path(xlsx_path, sheet: str) -> Path:
    """The CSV beside a workbook that holds a bounded sheet's full detail: 合规性检查_审查结论.csv."""
    p = Path(xlsx_path)
    return p.with_name(f"{p.stem}_{sheet}.csv")


def _csv_cells(values, places) -> list:
    """One column's CSV text: '' for blank, figures with the sheet's decimals, anything else as str."""
    if places is None:
        return ["" if v is None else v if v.__class__ is str else ("" if isinstance(v, float) and v != v else str(v))
                for v in values]
    fmt = f"{{:.{places}f}}".format
    return ["" if v is None else (fmt(v) if v == v else "") if v.__class__ is float else str(v) for v in values]


def write_csv(path, columns: Sequence[Column], rows) -> Path:
    """All ``rows`` as a CSV Excel/WPS open directly (UTF-8 with BOM), headers as on the sheet ("group/header"),
    values as printed (codes stay text); written to a temporary file and renamed, never half-written.
    ``rows``: dicts, or a table by column (``core.printed.PrintedRows``, anything with ``column(key)``),
    which is written a column at a time."""
    import csv

    target = Path(path)
    spec = [(c.key, format_decimals(c.number_format) if c.kind in NUMERIC_KINDS else None) for c in columns]
    if hasattr(rows, "column"):
        body = zip(*[_csv_cells(rows.column(key), places) for key, places in spec]) if spec else iter(())
    else:
        body = ([cell for key, places in spec for cell in _csv_cells([row.get(key)], places)] for row in rows)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=str(target.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["/".join(c.path + (c.header.replace("\n", ""),)) for c in columns])
            w.writerows(body)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return target
