"""Issue 12 — the three workbooks of ``make demo``, read by an independent reader.

The demo's own algorithm runs (tools.demo.demo_runs) write the workbooks; LibreOffice recalculates every
formula; this reader then knows nothing of the writer: it finds tables by their printed labels, recomputes
every 合计 from the printed rows with Decimal, and compares every figure that is printed twice — across
sheets, and sheet vs the CSV / layer the same run wrote.  A reviewer with a calculator does the same.
"""
from __future__ import annotations

import csv
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.unit.xlsx_tools import soffice_convert
from tools.demo import demo_runs

D = Decimal


def dec(value) -> Decimal:
    return D(str(value)) if value is not None and value != "" else D(0)


def q(value: Decimal, places: int) -> Decimal:
    return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def text(value) -> str:
    return "" if value is None else str(value).replace("\n", "")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, guotukit_provider):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    out = tmp_path_factory.mktemp("demo")
    runs = demo_runs(out)
    for name in ("compliance", "structure", "packages"):
        alg, params, outputs = runs[name]
        processing.run(alg, params, feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
        assert all(p.exists() for p in outputs), name
    books = {}
    for name, file in (("compliance", "合规性检查.xlsx"), ("structure", "用地结构调整表.xlsx"),
                       ("packages", "资产包划定.xlsx")):
        src = out / file
        books[name] = (load_workbook(src), load_workbook(soffice_convert(src, "xlsx", tmp_path_factory.mktemp(name)),
                                                         data_only=True))
    return out, books


def find(ws, label: str, col: int = 1, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if text(ws.cell(r, col).value).startswith(label):
            return r
    raise AssertionError(f"{label!r} not in column {col} of {ws.title}")


def total_row(ws, start: int) -> int:
    """The 合计 row of a table, or its 本表所列合计 when the sheet lists only the first rows."""
    for r in range(start, ws.max_row + 1):
        if text(ws.cell(r, 1).value) in ("合计", "本表所列合计"):
            return r
    raise AssertionError(f"no 合计 in {ws.title}")


def read_csv(path: Path) -> list:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def header_map(ws, row: int, below: int = 0) -> dict:
    """{header (group/header): column} from one or two header rows (merged group cells carry forward)."""
    out, group = {}, ""
    for c in range(1, ws.max_column + 1):
        top = text(ws.cell(row, c).value)
        sub = text(ws.cell(row + 1, c).value) if below else ""
        if top:
            group = top
        key = f"{group}/{sub}" if sub else (top or group)
        out.setdefault(key, c)
    return out


# --------------------------------------------------------------------------- every workbook
@pytest.mark.parametrize("name", ["compliance", "structure", "packages"])
def test_no_hash_marks_and_no_negative_zero(demo, name):
    """Every printed number fits its column (Excel shows ### otherwise) and none prints as -0.00."""
    _, books = demo
    formulas, values = books[name]
    for ws in values.worksheets:
        merged = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
                  for c in range(rng.min_col, rng.max_col + 1) if rng.max_col > rng.min_col}
        fws = formulas[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, bool) or not isinstance(v, (int, float)) or (cell.row, cell.column) in merged:
                    continue
                fmt = fws.cell(cell.row, cell.column).number_format or "General"
                first = fmt.split(";")[0]
                m = re.search(r"\.(0+)", first)
                places = len(m.group(1)) if m else 0
                shown = format(v, f"{',' if ',' in first else ''}.{places}f") if "0" in first else repr(v)
                assert not (v < 0 and set(shown) <= set("-0.,")), (ws.title, cell.coordinate, v)
                width = fws.column_dimensions[get_column_letter(cell.column)].width or 8.43
                bold = 1 if fws.cell(cell.row, cell.column).font.b else 0
                assert len(shown) + bold <= width, (ws.title, cell.coordinate, shown, width)


# --------------------------------------------------------------------------- 用地结构调整表
def _structure_rows(ws, first: int):
    """{seq or label: (base, target)} of a structure block from ``first`` to its 合计 and memo rows."""
    rows, r = {}, first
    while r <= ws.max_row:
        label, seq = text(ws.cell(r, 2).value), text(ws.cell(r, 1).value)
        if not label or label.startswith("注"):
            break
        rows[seq or label] = (dec(ws.cell(r, 4).value), dec(ws.cell(r, 6).value), dec(ws.cell(r, 8).value), label,
                              text(ws.cell(r, 3).value))
        r += 1
    return rows


def test_structure_totals_and_every_figure_printed_twice(demo):
    out, books = demo
    _, wb = books["structure"]
    ws = wb["用地结构调整表"]
    rows = _structure_rows(ws, 5)
    total = rows["合计"]
    top = [v for k, v in rows.items() if re.fullmatch(r"\d+", k) or v[3].startswith("未")]
    assert sum(v[0] for v in top) == total[0] and sum(v[1] for v in top) == total[1]
    assert rows["7"][0] == rows["7.1"][0] + rows["7.2"][0] and rows["7"][1] == rows["7.1"][1] + rows["7.2"][1]
    for k, v in rows.items():  # 增减 = 目标年 − 基期 of the printed figures
        if not v[3].startswith("其中：面积口径"):
            assert v[2] == v[1] - v[0], k

    # the CSV the same run wrote (TABLE output) carries the same figures
    with open(out / "structure_table.csv", encoding="utf-8") as f:
        csv_rows = [r for r in csv.DictReader(f) if r["REGION"] == "合计"]
    by_id = {r["ROW_ID"]: r for r in csv_rows}
    for k, v in rows.items():
        if re.fullmatch(r"[\d.]+", k):
            assert (dec(by_id[k]["BASE_AREA"]), dec(by_id[k]["TARGET_AREA"])) == (v[0], v[1]), k

    # 转换矩阵: row totals are the table's base figures; the 目标年 line is the table's target figures;
    # 合计 + 差额 = 目标年; the changed area in the note is the sum of the printed off-diagonal cells
    tm = wb["转换矩阵"]
    heads = {text(tm.cell(4, c).value): c for c in range(3, tm.max_column)}
    last = tm.max_column
    while not text(tm.cell(3, last).value):
        last -= 1
    label_of = {v[3]: k for k, v in rows.items()}
    r = 5
    matrix = {}
    while text(tm.cell(r, 1).value) and not text(tm.cell(r, 1).value).startswith("合计"):
        seq, label = text(tm.cell(r, 1).value), text(tm.cell(r, 2).value)
        cells = {h: dec(tm.cell(r, c).value) for h, c in heads.items()}
        matrix[label] = cells
        assert sum(cells.values()) == dec(tm.cell(r, last).value) == rows[seq][0], label
        r += 1
    total_r = r
    target_r, diff_r = find(tm, "规划目标年", 1, total_r), find(tm, "差额", 1, total_r)
    for h, c in heads.items():
        col_sum = sum(m.get(h, D(0)) for m in matrix.values())
        assert dec(tm.cell(total_r, c).value) == col_sum, h
        if h in label_of:
            assert dec(tm.cell(target_r, c).value) == rows[label_of[h]][1], h
            assert dec(tm.cell(diff_r, c).value) == rows[label_of[h]][1] - col_sum, h
    off = sum(v for a, cells in matrix.items() for b, v in cells.items() if a != b and b != "规划图层未覆盖")
    note = text(tm.cell(diff_r + 1, 1).value)
    assert f"之和 {off:.2f} 公顷" in note

    # 资金测算: a class priced on its own table row prints that row's figures; amounts = area × price;
    # every money total is the sum of the printed amounts
    fs = wb["资金测算"]
    h = find(fs, "代码", 1, find(fs, "二、按地类测算"))
    cols = header_map(fs, h)
    ref = cols["用地结构调整表行号"]
    lines = []
    r = h + 1
    while text(fs.cell(r, 1).value) and text(fs.cell(r, 1).value) != "合计":
        lines.append(r)
        r += 1
    refs = {x: [t for t in text(fs.cell(x, ref).value).split("、") if t] for x in lines}
    users = {}
    for x, rr in refs.items():
        for t in rr:
            users.setdefault(t, []).append(x)
    # a class printed on one table row that holds no other class prints that row's figures; a table row
    # split among classes prints the sum of their figures (a class may also draw on other rows)
    n_same = 0
    for x in lines:
        if len(refs[x]) == 1 and len(users[refs[x][0]]) == 1:
            row = rows[refs[x][0]]
            assert (dec(fs.cell(x, cols["基期面积"]).value), dec(fs.cell(x, cols["目标年面积"]).value)) == (row[0], row[1])
            n_same += 1
    r, costs, revenues = h + 1, D(0), D(0)
    while text(fs.cell(r, 1).value) and text(fs.cell(r, 1).value) != "合计":
        cost = dec(fs.cell(r, cols["成本（万元）"]).value)
        assert cost == q(dec(fs.cell(r, cols["计成本面积"]).value) * dec(fs.cell(r, cols["成本单价（万元/公顷）"]).value), 2)
        costs += cost
        revenues += dec(fs.cell(r, cols["收益（万元）"]).value)
        r += 1
    assert n_same >= 5   # 耕地, 园地, 林地, 草地, 湿地, … are printed on both sheets
    assert dec(fs.cell(r, cols["成本（万元）"]).value) == costs and dec(fs.cell(r, cols["收益（万元）"]).value) == revenues
    s = find(fs, "三、资金平衡")
    assert dec(fs.cell(s + 2, 2).value) == costs and dec(fs.cell(s + 4, 2).value) == revenues - costs

    # 分区统计: the regions' 合计 add up to the county's
    rs = wb["分区统计"]
    regions = [r for r in range(1, rs.max_row + 1) if text(rs.cell(r, 2).value) == "合计"]
    assert len(regions) >= 2
    assert sum(dec(rs.cell(r, 4).value) for r in regions) == total[0]
    assert sum(dec(rs.cell(r, 6).value) for r in regions) == total[1]


# --------------------------------------------------------------------------- 合规性检查
def test_compliance_totals_and_every_figure_printed_twice(demo):
    """The sample has 2 400 subjects and 6 000 conflict pieces: the detail sheets list the first 1 000 rows
    and the CSVs beside the workbook hold every row; totals of listed rows are recomputed from the sheet,
    totals of everything from the CSV — and the approval sheets agree with the CSV to the last digit."""
    out, books = demo
    _, wb = books["compliance"]
    ws = wb["审查结论"]
    cols = header_map(ws, 3, below=1)
    total_r = total_row(ws, 5)
    data = range(5, total_r)
    lines = [k.split("/")[0] for k in cols if k.endswith("/涉及面积（公顷）")]
    assert lines == ["永久基本农田", "生态保护红线", "城镇开发边界"]
    for key in ["面积（公顷）"] + [f"{ln}/涉及面积（公顷）" for ln in lines] + [f"{ln}/涉及面积（亩）" for ln in lines]:
        c = cols[key]
        assert dec(ws.cell(total_r, c).value) == sum(dec(ws.cell(r, c).value) for r in data), key
    everyone = read_csv(out / "合规性检查_审查结论.csv")
    assert len(everyone) == 2400 and text(ws.cell(total_r, 1).value) == "本表所列合计"
    for ln in lines:   # a line's 亩 total is its 公顷 total × 15, in the listed rows and in all of them
        ha, mu = cols[f"{ln}/涉及面积（公顷）"], cols[f"{ln}/涉及面积（亩）"]
        assert dec(ws.cell(total_r, mu).value) == q(dec(ws.cell(total_r, ha).value) * 15, 2), ln
        whole_ha = sum(dec(x[f"{ln}/涉及面积（公顷）"]) for x in everyone)
        assert sum(dec(x[f"{ln}/涉及面积（亩）"]) for x in everyone) == q(whole_ha * 15, 2), ln
    for r, row in zip(data, everyone):   # the listed rows are the CSV's first rows, figure for figure
        assert row["图斑/项目编号"] == text(ws.cell(r, cols["图斑/项目编号"]).value)
        assert dec(row["面积（公顷）"]) == dec(ws.cell(r, cols["面积（公顷）"]).value)
        assert dec(row["永久基本农田/涉及面积（公顷）"]) == dec(ws.cell(r, cols["永久基本农田/涉及面积（公顷）"]).value)

    # 审查结论汇总 = every subject counted and summed (from the CSV)
    ov = wb["审查结论汇总"]
    head = find(ov, "结论", 1, 3)
    for i, verdict in enumerate(("通过", "不通过", "需论证")):
        mine = [x for x in everyone if x["结论"] == verdict]
        assert ov.cell(head + 1 + i, 1).value == verdict
        assert int(ov.cell(head + 1 + i, 2).value) == len(mine)
        assert dec(ov.cell(head + 1 + i, 3).value) == sum(dec(x["面积（公顷）"]) for x in mine)
    lh = find(ov, "控制线", 1, head + 4)
    line_total = {}
    for i, ln in enumerate(lines):
        r = lh + 1 + i
        key = f"{ln}/涉及面积（公顷）"
        line_total[ln] = sum(dec(x[key]) for x in everyone)
        assert ov.cell(r, 1).value == ln
        assert dec(ov.cell(r, 4).value) == line_total[ln], ln
        assert dec(ov.cell(r, 5).value) == sum(dec(x[key]) for x in everyone if x[f"{ln}/状态"] == "不通过")
    assert not any(text(ov.cell(r, 1).value) == "合计" for r in range(lh, lh + 5))  # lines are never added

    # 控制线内地类: each line's 合计 is the sum of every subject's printed figure, and its parts add up to it
    lu = wb["控制线内地类"]
    lc = header_map(lu, 3, below=1)
    for i, ln in enumerate(lines):
        r = 5 + i
        assert lu.cell(r, 2).value == ln
        total = dec(lu.cell(r, lc["合计"]).value)
        assert total == line_total[ln], ln
        agr = dec(lu.cell(r, lc["农用地/小计"]).value)
        assert agr == sum(dec(lu.cell(r, lc[f"农用地/{k}"]).value) for k in ("耕地", "园地", "林地", "草地", "其他农用地"))
        unknown = dec(lu.cell(r, lc["地类不详"]).value) if "地类不详" in lc else D(0)
        assert agr + dec(lu.cell(r, lc["建设用地"]).value) + dec(lu.cell(r, lc["未利用地"]).value) + unknown == total
        assert all(dec(lu.cell(r, c).value) >= 0 for k, c in lc.items() if k not in ("序号", "控制线", "备注"))
        assert dec(lu.cell(r, lc["权属性质/国有"]).value) + dec(lu.cell(r, lc["权属性质/集体"]).value) == total

    # 冲突明细: no 0.00 rows, no slivers, no total across lines; subtotals of the listed rows (formulas) and of
    # every piece (the CSV)
    cf = wb["冲突明细"]
    cc = header_map(cf, 3)
    sub = find(cf, "各控制线小计")
    rows = [r for r in range(4, sub) if isinstance(cf.cell(r, 1).value, (int, float))]
    pieces = read_csv(out / "合规性检查_冲突明细.csv")
    assert len(rows) == 1000 < len(pieces)
    assert all(dec(x["面积（平方米）"]) > 0 and x["结论"] != "碎片" for x in pieces)
    assert not any(text(cf.cell(r, 1).value).startswith("合计") for r in range(4, cf.max_row + 1))
    r = sub + 3   # caption, two header rows (本表所列 / 全部)
    while text(cf.cell(r, 1).value) and not text(cf.cell(r, 1).value).startswith("注"):
        ln = cf.cell(r, 1).value
        mine = [x for x in rows if cf.cell(x, cc["控制线"]).value == ln]
        theirs = [x for x in pieces if x["控制线"] == ln]
        assert int(cf.cell(r, 2).value) == len(mine) and int(cf.cell(r, 6).value) == len(theirs)
        for j, key in ((3, "面积（平方米）"), (4, "面积（公顷）"), (5, "面积（亩）")):
            assert dec(cf.cell(r, j).value) == sum(dec(cf.cell(x, cc[key]).value) for x in mine), (ln, key)
            assert dec(cf.cell(r, j + 4).value) == sum(dec(x[key]) for x in theirs), (ln, key)
        # one area in three units: the 公顷 and 亩 of the listed pieces of the line, and of all of them, add up
        # to their m² converted
        for m2_col in (3, 7):
            m2_sum = dec(cf.cell(r, m2_col).value)
            assert dec(cf.cell(r, m2_col + 1).value) == q(m2_sum / 10000, 4), (ln, m2_col)
            assert dec(cf.cell(r, m2_col + 2).value) == q(m2_sum * 15 / 10000, 2), (ln, m2_col)
        r += 1
    # the conflict layer's 公顷/亩 are the CSV's, piece by piece (same line, feature, subject and m²)
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(out / "compliance_conflicts.gpkg"), "c", "ogr")
    printed = {(x["图斑/项目编号"], x["控制线"], x["控制线要素编号"], x["面积（平方米）"]): (dec(x["面积（公顷）"]), dec(x["面积（亩）"]))
               for x in pieces}
    matched = 0
    for f in layer.getFeatures():
        key = (str(f["SUBJ_ID"]), str(f["ROLE_ZH"]), str(f["CTRL_ID"]), format(q(dec(f["AREA_M2"]), 2), "f"))
        if key in printed:
            assert (dec(f["AREA_HA"]), dec(f["AREA_MU"])) == printed[key], key
            matched += 1
    assert matched >= 0.95 * len(pieces)


# --------------------------------------------------------------------------- 资产包划定
def test_packages_totals_and_every_figure_printed_twice(demo):
    _, books = demo
    _, wb = books["packages"]
    ws = wb["资产包汇总"]
    cols = header_map(ws, 4, below=1)
    total_r = find(ws, "合计", 1, 6)
    data = [r for r in range(6, total_r) if text(ws.cell(r, 1).value).startswith("ZCB")]
    for key in ("面积", "公益性建设用地/面积", "经营性建设用地/面积", "权属性质/国有", "权属性质/集体",
                "资金测算（万元）/成本", "资金测算（万元）/收益"):
        c = cols[key]
        assert dec(ws.cell(total_r, c).value) == sum(dec(ws.cell(r, c).value) for r in data), key
    pub_all = cols["公益性用地（全部）"]
    for r in data:
        pub, prof = dec(ws.cell(r, cols["公益性建设用地/面积"]).value), dec(ws.cell(r, cols["经营性建设用地/面积"]).value)
        share = ws.cell(r, cols["公益性建设用地/比例（%）"]).value
        if pub + prof > 0:   # shares recomputable from the printed areas beside them
            assert dec(share) == q(pub / (pub + prof) * 100, 2), ws.cell(r, 1).value
        else:
            assert share == "不适用" and ws.cell(r, cols["约束检查/公益性比例"]).value != "✓"
        assert dec(ws.cell(r, pub_all).value) >= pub   # 全部公益性用地 contains the construction part
        cost, rev = dec(ws.cell(r, cols["资金测算（万元）/成本"]).value), dec(ws.cell(r, cols["资金测算（万元）/收益"]).value)
        assert dec(ws.cell(r, cols["资金测算（万元）/资金平衡"]).value) == rev - cost

    # 资金平衡: each line's amount = printed area × printed price; each package's subtotals are its summary figures
    fb = wb["资金平衡"]
    fc = header_map(fb, find(fb, "资产包编号"))
    summary = {ws.cell(r, 1).value: r for r in data}
    checked = 0
    for r in range(find(fb, "资产包编号") + 1, fb.max_row + 1):
        pk, item = text(fb.cell(r, 1).value), text(fb.cell(r, 2).value)
        if pk in summary and item in ("成本小计", "收益小计"):
            key = "资金测算（万元）/成本" if item == "成本小计" else "资金测算（万元）/收益"
            assert dec(fb.cell(r, fc["金额（万元）"]).value) == dec(ws.cell(summary[pk], cols[key]).value), (pk, item)
            checked += 1
        elif pk in summary and fb.cell(r, fc["面积（公顷）"]).value is not None and fb.cell(r, fc["单价（万元/公顷）"]).value is not None:
            amount = q(dec(fb.cell(r, fc["面积（公顷）"]).value) * dec(fb.cell(r, fc["单价（万元/公顷）"]).value), 2)
            assert dec(fb.cell(r, fc["金额（万元）"]).value) == amount, (pk, item)
    assert checked >= 2


def _layer_rows(path: Path, key: str) -> dict:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), "t", "ogr")
    assert layer.isValid(), path
    return {str(f[key]): {n: f[n] for n in layer.fields().names()} for f in layer.getFeatures()}


def test_layers_carry_the_printed_figures_beside_exact_ones(demo):
    """Sheet vs layer: the verdict layer's 公顷 fields and the package layer's areas and money are the
    figures the workbooks print; the exact m² sit beside them."""
    out, books = demo
    _, wb = books["compliance"]
    ws = wb["审查结论"]
    cols = header_map(ws, 3, below=1)
    layer = _layer_rows(out / "compliance_verdicts.gpkg", "SUBJ_ID")
    total_r = total_row(ws, 5)
    for r in range(5, total_r):
        f = layer[text(ws.cell(r, cols["图斑/项目编号"]).value)]
        assert dec(f["AREA_HA"]) == dec(ws.cell(r, cols["面积（公顷）"]).value)
        assert dec(f["PBF_HA"]) == dec(ws.cell(r, cols["永久基本农田/涉及面积（公顷）"]).value)
        assert q(dec(f["AREA_M2"]) / 10000, 4) == dec(f["AREA_HA"])
    _, wb = books["packages"]
    ws = wb["资产包汇总"]
    cols = header_map(ws, 4, below=1)
    layer = _layer_rows(out / "asset_packages.gpkg", "PKG_ID")
    total_r = find(ws, "合计", 1, 6)
    for r in range(6, total_r):
        f = layer[text(ws.cell(r, 1).value)]
        assert dec(f["AREA_HA"]) == dec(ws.cell(r, cols["面积"]).value)
        assert q(dec(f["AREA_M2"]) / 10000, 4) == dec(f["AREA_HA"])
        assert dec(f["PUBLIC_HA"]) == dec(ws.cell(r, cols["公益性建设用地/面积"]).value)
        assert dec(f["COST"]) == dec(ws.cell(r, cols["资金测算（万元）/成本"]).value)
        assert dec(f["REVENUE"]) == dec(ws.cell(r, cols["资金测算（万元）/收益"]).value)


@pytest.mark.parametrize("name", ["compliance", "structure", "packages"])
def test_provenance_names_layers_and_roles_in_chinese(demo, name):
    """数据说明 lists every input layer by its own name with its file path, feature count and CRS; control
    lines by their Chinese names, never pbf / eprl / udb."""
    _, books = demo
    ws = books[name][1]["数据说明"]
    items = {text(ws.cell(r, 1).value): text(ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)}
    inputs = {k: v for k, v in items.items() if k.startswith("输入图层：")}
    assert inputs
    for k, v in inputs.items():
        assert not re.search(r"\b(pbf|eprl|udb)\b", k), k
        layer, path, count, crs = v.split("｜")[:4]
        assert "layername=" in path and "个要素" in count and "EPSG:" in crs, v
        assert path.split("layername=")[1] in layer, v   # named by its layer, not the file it shares
