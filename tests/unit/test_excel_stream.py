"""Streamed tables (``write_table(stream=True)``): the long detail sheets are written as sheet XML at
save time instead of one openpyxl cell per value.  A reviewer must not be able to tell: every cell's
value, type, style and every row height equals what the cell-by-cell path writes."""
from decimal import Decimal

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink

from core.excel import (
    BOLD_FONT,
    VERDICT_FILLS,
    Column,
    Total,
    add_table_sheet,
    append_table,
    fit_row_heights,
    new_workbook,
    save_atomic,
    sheet_end_row,
)

COLUMNS = [
    Column("seq", "序号", "seq"),
    Column("code", "地类编码", "code"),
    Column("name", "说明（较长的文字会换行）", "text", max_width=14),
    Column("area", "面积（公顷）", "ha", total="sum"),
    Column("mu", "面积（亩）", "mu", group="折算", total="sum"),
    Column("n", "个数", "int", group="折算"),
    Column("amount", "金额（万元）", "general"),
]


def _rows():
    rows = [
        {"seq": 1, "code": "0101", "name": "水田", "area": 1.2345, "mu": 18.52, "n": 3, "amount": Decimal("12.50")},
        {"seq": 2.0, "code": 101, "name": "一段很长很长的说明文字，超过列宽就会换成好几行显示", "area": Decimal("0.0005"),
         "mu": np.float64(0.01), "n": np.int64(7), "amount": True},
        {"seq": 3, "code": None, "name": "两行\n第二行", "area": None, "mu": float("nan"), "n": None, "amount": "=1+2"},
        {"seq": 4, "code": "=not a formula", "name": "<b>&amp; 'quotes'</b>", "area": 0.1 + 0.2, "mu": 0,
         "n": 12345678, "amount": "文字"},
        {"seq": 5, "code": "  x", "name": " leading space", "area": -3.5, "mu": 1e-7, "n": 0, "amount": np.bool_(True)},
    ]
    for i in range(6, 60):   # enough rows to span the header, the body and a restyled block
        rows.append({"seq": i, "code": f"{i:04d}", "name": "说明" * (i % 9), "area": i / 7, "mu": i * 1.5,
                     "n": i, "amount": i * 0.01})
    return rows


def _build(stream: bool):
    wb = new_workbook()
    rows = _rows()
    layout = add_table_sheet(wb, "明细", heading="测试明细表", columns=COLUMNS, rows=rows, unit_line="单位：公顷",
                             total=Total("合计"), notes=["第一条注释", "第二条注释"], stream=stream)
    ws = layout.ws
    # restyle and re-value some body cells the way the reports do
    layout.cell(0, "name").fill = VERDICT_FILLS["fail"]
    layout.cell(1, "area").font = Font(name="宋体", size=14, bold=True)
    layout.cell(1, "name").font = Font(name="宋体", size=14)     # a larger font needs a taller row
    layout.cell(2, "amount").value = f"=ROUND({layout.ref('area', layout.first_row)}*2,4)"
    for i in range(10, 20):
        cell = layout.cell(i, "code")
        cell.fill = VERDICT_FILLS["pass"]
        cell.font = BOLD_FONT
    layout.cell(30, "name").value = "改写的文字"
    for i in range(20, 40, 3):   # shared restyles: a fill, then bold on some; a restyled cell given a formula
        layout.restyle(i, "area", "shade", fill=VERDICT_FILLS["review"])
        layout.restyle(i, "name", "shade", fill=VERDICT_FILLS["review"])
        if i % 2:
            layout.restyle(i, "area", "bold", font=BOLD_FONT)
    layout.cell(23, "area").value = "=1/3"
    layout.cell(41, "mu").value = 99.5
    layout.restyle(41, "mu", "shade", fill=VERDICT_FILLS["review"])
    link = layout.cell(4, "code")
    link.hyperlink = Hyperlink(ref=link.coordinate, location="'明细'!A1", tooltip="回到\"表头\" & 顶部")
    # a second table below a streamed one, on the same sheet
    append_table(ws, COLUMNS[:3], rows[:5], caption="附表", stream=stream)
    # the cell-by-cell path fits heights when asked (after the restyling); streamed rows when saved
    fit_row_heights(ws, layout.first_row, layout.last_row)
    return wb, layout


def _look(cell):
    return (cell.value, cell.data_type, cell.number_format,
            (cell.font.name, cell.font.sz, cell.font.b, cell.font.color.rgb if cell.font.color else None),
            (cell.fill.fill_type, cell.fill.fgColor.rgb),
            tuple(getattr(getattr(cell.border, side), "style", None) for side in ("left", "right", "top", "bottom")),
            (cell.alignment.horizontal, cell.alignment.vertical, bool(cell.alignment.wrap_text)),
            (cell.hyperlink.location, cell.hyperlink.tooltip) if cell.hyperlink else None)


def test_a_streamed_table_reads_as_the_cell_by_cell_one(tmp_path):
    paths = {}
    for stream in (False, True):
        wb, _ = _build(stream)
        paths[stream] = save_atomic(wb, tmp_path / f"t_{stream}.xlsx")
    plain, streamed = (load_workbook(paths[s]) for s in (False, True))
    assert plain.sheetnames == streamed.sheetnames
    for a, b in zip(plain.worksheets, streamed.worksheets):
        assert (a.max_row, a.max_column) == (b.max_row, b.max_column)
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for ca, cb in zip(row_a, row_b):
                assert _look(ca) == _look(cb), ca.coordinate
        heights_a = {r: d.height for r, d in a.row_dimensions.items() if d.height}
        heights_b = {r: d.height for r, d in b.row_dimensions.items() if d.height}
        assert heights_a == heights_b
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
        assert {k: d.width for k, d in a.column_dimensions.items()} == \
            {k: d.width for k, d in b.column_dimensions.items()}
        assert (a.freeze_panes, a.print_title_rows) == (b.freeze_panes, b.print_title_rows)


def test_streamed_rows_keep_their_values_types_and_heights(tmp_path):
    wb, layout = _build(True)
    first = layout.first_row
    path = save_atomic(wb, tmp_path / "t.xlsx")
    ws = load_workbook(path)["明细"]
    assert ws.cell(first, 2).value == "0101" and ws.cell(first, 2).data_type == "s"   # a code keeps its zero
    assert ws.cell(first + 1, 1).value == 2 and isinstance(ws.cell(first + 1, 1).value, int)
    assert ws.cell(first + 3, 2).value == "=not a formula" and ws.cell(first + 3, 2).data_type == "s"
    assert ws.cell(first + 3, 3).value == "<b>&amp; 'quotes'</b>"
    assert ws.cell(first + 4, 2).value == "  x"
    assert ws.cell(first + 2, 7).value.startswith("=ROUND(")                  # the formula set afterwards
    assert ws.cell(first + 2, 4).value is None and ws.cell(first + 2, 4).border.left.style == "thin"
    assert ws.cell(first + 30, 3).value == "改写的文字"
    assert ws.cell(first + 4, 2).hyperlink.location == "'明细'!A1"
    assert ws.cell(first + 23, 4).font.b and ws.cell(first + 23, 4).fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.cell(first + 23, 4).value == "=1/3"
    assert ws.cell(first + 41, 5).value == 99.5 and ws.cell(first + 41, 5).fill.fgColor.rgb.endswith("FFEB9C")
    assert not ws.cell(first + 20, 4).font.b and ws.cell(first + 20, 3).fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.row_dimensions[first + 1].height > 40                          # the long, larger text wraps
    assert ws.row_dimensions[first + 2].height == pytest.approx(2 * 15.0 + 4)  # two lines
    total = layout.total_row
    assert ws.cell(total, 4).value == f"=ROUND(SUM(D{first}:D{layout.last_row}),4)"
    # the appended table starts below the streamed rows and the 合计
    caption = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "附表"]
    assert caption and caption[0] > total + 1 and sheet_end_row(layout.ws) > caption[0]


def test_a_cell_written_into_streamed_rows_is_refused_and_nothing_is_left_behind(tmp_path):
    wb, layout = _build(True)
    layout.ws.cell(row=layout.first_row + 3, column=2).value = "写在旁路上"
    target = tmp_path / "t.xlsx"
    with pytest.raises(ValueError, match="streamed"):
        save_atomic(wb, target)
    assert list(tmp_path.iterdir()) == []
