"""合规性检查报告 (compliance report) as an approval-ready .xlsx workbook.

Sheets, in order:

1. 审查结论 — one row per subject (图斑/项目): area, per control line (role) the occupied area in
   公顷 and 亩, its share and status, the overall verdict (coloured) and reasons; fail first, then
   review, then pass; a 合计 row of ``=SUM()`` formulas.
2. 控制线内地类 — per control line, the current land use inside it (三调 三大类 and the 农用地 split
   耕地/其中水田/园地/林地/草地/其他农用地) and ownership (国有/集体), rounded rows balanced so
   that they add up (尾差调平); or a notice when no DLTB layer was given.
3. 冲突明细 — one row per conflict piece, slivers (碎片) last and marked.
4. 适用规则 — the rule profile in file order (first match wins), the rules used in this run marked.
5. 数据说明 — provenance and which control lines were checked.

Areas arrive in m² and are converted here: 公顷 = ROUND_HALF_UP(m² / 10 000, decimals_ha),
亩 = ROUND_HALF_UP(m² × 15 / 10 000, 2), % = ROUND_HALF_UP(occupied / area × 100, 2).
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Dict, List

import numpy as np

from ..excel import (
    BOLD_FONT,
    HIGHLIGHT_FILL,
    NOTE_FONT,
    TITLE_FONT,
    VERDICT_FILLS,
    Column,
    Total,
    _merged_line,
    add_provenance_sheet,
    add_table_sheet,
    append_table,
    apply_print_setup,
    detail_csv_path,
    fit_row_heights,
    fixed_format,
    footer_text,
    new_workbook,
    notes_text,
    rounding_rule_text,
    save_atomic,
    sheet_end_row,
    write_csv,
)
from ..printed import PrintedRows
from ..rounding import BALANCE_RULE_ZH
from .ledger import (  # noqa: F401  (ComplianceReportData, landuse_breakdown: public names of this module)
    VERDICT_ZH,
    ComplianceReportData,
    _plain_number,
    _records,
    _roles,
    _text,
    conflict_rows,
    ha_value,
    landuse_breakdown,
    landuse_table,
    line_subtotals,
    mu_value,
    overview,
    pct_value,
    sliver_label,
    summary_rows,
)
from .rules import POSITION_ZH, ROLE_ZH

if TYPE_CHECKING:  # pragma: no cover - pandas is imported by the caller
    pass

SHEET_OVERVIEW = "审查结论汇总"
SHEET_SUMMARY = "审查结论"
FAIL_LIST_LIMIT = 200
SHEET_LANDUSE = "控制线内地类"
SHEET_CONFLICTS = "冲突明细"
SHEET_RULES = "适用规则"
SHEET_PROVENANCE = "数据说明"

NO_BASE_TEXT = "未提供现状地类图层（DLTB），不能分解控制线内地类"
NO_CONFLICTS_TEXT = "本次检查无冲突图斑 / no conflicts"
NO_SUBJECTS_TEXT = "无检查对象 / no subjects"
NO_RULES_TEXT = "规则方案为空 / the rule profile has no rules"

NOTE_ROUNDING_LANDUSE = ("各分项先以平方米汇总，再换算为公顷、按四舍五入保留{d}位；合计等于“审查结论”表该控制线涉及面积"
                         "各行之和（同一数值），各分项按最大余数法尾差调平，使每行："
                         "耕地+园地+林地+草地+其他农用地 = 农用地小计，农用地+建设用地+未利用地{unk} = 合计，"
                         "国有+集体{own_unk} = 合计；“其中水田”是耕地的一部分，不参与相加")


# --------------------------------------------------------------------------- sheet 1
def _bounded(data: ComplianceReportData, rows: PrintedRows) -> PrintedRows:
    """The rows a detail sheet lists: all, or the first ``data.detail_limit`` (0 = no limit)."""
    limit = int(data.detail_limit or 0)
    return rows if not limit or len(rows) <= limit else rows.head(limit)


def _summary_sheet(wb, data: ComplianceReportData, roles: List[dict], path=None):
    d = data.decimals_ha
    ha_fmt = fixed_format(d)
    columns = [
        Column("seq", "序号", "seq"),
        Column("sid", "图斑/项目编号", "code"),
        Column("code", "规划地类代码", "code"),
        Column("code_name", "地类名称", "text", max_width=20),
        Column("area_ha", "面积（公顷）", "ha", fmt=ha_fmt, total="sum"),
    ]
    for i, r in enumerate(roles):
        group = r["label"] if r["checked"] else f"{r['label']}（未检查）"
        k = f"r{i}"
        if r["checked"]:
            columns += [
                Column(f"{k}_ha", "涉及面积（公顷）", "ha", group=group, fmt=ha_fmt, total="sum"),
                Column(f"{k}_mu", "涉及面积（亩）", "mu", group=group, total="sum"),
                Column(f"{k}_pct", "占比（%）", "pct", group=group,
                       total=f"=IF({{area_ha}}=0,0,ROUND({{{k}_ha}}/{{area_ha}}*100,2))"),
            ]
        else:
            columns += [
                Column(f"{k}_ha", "涉及面积（公顷）", "ha", group=group, fmt=ha_fmt),
                Column(f"{k}_mu", "涉及面积（亩）", "mu", group=group),
                Column(f"{k}_pct", "占比（%）", "pct", group=group),
            ]
        columns.append(Column(f"{k}_status", "状态", "code", group=group))
    columns += [Column("verdict_zh", "结论", "code"), Column("reasons", "原因", "text", max_width=48)]

    all_rows = summary_rows(data, roles)
    shown = _bounded(data, all_rows)
    rows = shown.rows()
    csv_file = None
    if len(rows) < len(all_rows):   # a county: the sheet lists the first rows, the CSV beside it every row
        csv_file = write_csv(detail_csv_path(path, SHEET_SUMMARY), columns, all_rows) if path else None

    sliver = (f"小于 {_plain_number(data.sliver_m2)} 平方米的碎片" if data.sliver_m2
              else "面积过小的碎片")
    notes = [
        f"涉及面积为对象位于该控制线内的面积（“涉及”只表示位置重叠，只有结论为“不通过”的才属违规占用），按控制线融合后计算，"
        f"重叠控制线不重复计；{sliver}不计入；"
        "未检查的控制线在状态列记为“未检查”，结论不含该控制线（见“审查结论汇总”）。",
        f"面积先以平方米计算，再换算为公顷（保留{d}位小数）、亩（1 公顷 = 15 亩，保留2位小数），四舍五入；"
        "各控制线的亩以其公顷合计 × 15 为准调平尾差（本表所列各行与其余各行分别调平，最大余数法），使合计的两种单位是同一面积；"
        "占比 = 涉及面积 ÷ 面积 × 100；合计行为各行数值之和（公式）。",
    ]
    if len(rows) < len(all_rows):
        whole = [f"面积 {all_rows.total('area_ha'):.{d}f} 公顷"] + [
            f"{r['label']} {all_rows.total(f'r{i}_ha'):.{d}f} 公顷"
            for i, r in enumerate(roles) if r["checked"]]
        notes.insert(0, f"共 {len(all_rows)} 个对象，本表列出前 {len(rows)} 个（不通过、需论证在前），“本表所列合计”为所列各行之和；"
                        f"全部对象见同一文件夹中的“{csv_file.name if csv_file else SHEET_SUMMARY + '.csv'}”和审查结论图层，"
                        f"全部对象合计：{'；'.join(whole)}（与“审查结论汇总”一致）。")
    layout = add_table_sheet(
        wb, SHEET_SUMMARY, heading=f"{data.title}合规性检查审查结论表", unit_line="单位：公顷、亩、%",
        columns=columns, rows=rows,
        total=(Total("合计" if len(rows) == len(all_rows) else "本表所列合计") if rows else None), notes=notes,
        organisation=data.organisation, report_date=data.report_date, empty_text=NO_SUBJECTS_TEXT,
        freeze_cols=2, stream=True)
    for i, row in enumerate(rows):
        fill = VERDICT_FILLS.get(row["_verdict"])
        if fill is not None:
            layout.restyle(i, "verdict_zh", row["_verdict"], fill=fill)
    layout.printed_rows = all_rows  # the printed figures of every subject: the overview sums these
    layout.csv = csv_file
    return layout


def _overview_sheet(wb, data: ComplianceReportData, roles: List[dict], summary) -> None:
    """审查结论汇总, the first sheet: counts per verdict, each control line's area (位于/涉及), the area of
    the subjects judged 不通过 on it, and the 不通过 list.  Every figure is a sum of figures printed on
    审查结论 (so the two sheets agree to the last digit); no total adds different control lines."""
    d = data.decimals_ha
    fa = fixed_format(d)
    rows = getattr(summary, "printed_rows", None) or PrintedRows({}, 0)
    ov = overview(rows, roles)
    n, by_verdict, total_area = len(rows), ov["by_verdict"], ov["total_area"]
    checked = [r["label"] for r in roles if r["checked"]]
    unchecked = [f"{r['label']}（{r['layer'] or '未提供图层'}）" for r in roles if not r["checked"]]
    text = (f"共检查 {n} 个对象（{total_area:.{d}f} 公顷）：通过 {by_verdict['pass'][0]} 个，不通过 {by_verdict['fail'][0]} 个，"
            f"需论证 {by_verdict['review'][0]} 个。已检查：{'、'.join(checked) or '无'}"
            + (f"；未检查：{'、'.join(unchecked)}，以下结论不含这些控制线" if unchecked else "") + "。")
    cols = [Column("verdict", "结论", "code"), Column("count", "对象数（个）", "int", total="sum"),
            Column("area", "面积（公顷）", "ha", fmt=fa, total="sum")]
    vrows = [{"verdict": VERDICT_ZH[v], "count": by_verdict[v][0], "area": float(by_verdict[v][1])}
             for v in ("pass", "fail", "review")]
    ws = wb.create_sheet(SHEET_OVERVIEW)
    width = 6  # the widest table below (the 不通过 list)
    _merged_line(ws, 1, 1, width, f"{data.title}合规性检查审查结论汇总", font=TITLE_FONT, horizontal="center")
    ws.row_dimensions[1].height = 30
    _merged_line(ws, 2, 1, width, text, font=BOLD_FONT)
    ws.row_dimensions[2].height = 48
    layout = append_table(ws, cols, vrows, caption="一、审查结论（单位：个、公顷）", gap=0, total=Total("合计"))
    for i, v in enumerate(("pass", "fail", "review")):
        fill = VERDICT_FILLS.get(v)
        if fill is not None:
            layout.cell(i, "verdict").fill = fill

    role_cols = [Column("label", "控制线", "text"), Column("state", "检查情况", "text", max_width=30),
                 Column("hit", "涉及对象（个）", "int"),
                 Column("inside", "位于控制线内面积（公顷）", "ha", fmt=fa),
                 Column("fail_area", "其中判定不通过（公顷）", "ha", fmt=fa),
                 Column("review_area", "其中需论证（公顷）", "ha", fmt=fa)]
    role_rows = ov["role_rows"]
    append_table(ws, role_cols, role_rows, caption="二、控制线检查情况（单位：个、公顷；各控制线分列，不相加）", gap=1,
                 empty_text="（无）")

    is_fail = np.array(rows.column("_verdict"), dtype=object) == "fail"
    n_fail = int(is_fail.sum())
    fail_rows = rows.where(is_fail).head(FAIL_LIST_LIMIT).rows()
    for j, row in enumerate(fail_rows, 1):
        row["seq"] = j
    fail_cols = [Column("seq", "序号", "seq"), Column("sid", "图斑/项目编号", "code"), Column("code", "规划地类代码", "code"),
                 Column("code_name", "地类名称", "text", max_width=20), Column("area_ha", "面积（公顷）", "ha", fmt=fa),
                 Column("reasons", "不通过原因", "text", max_width=48)]
    append_table(ws, fail_cols, fail_rows, caption="三、不通过清单" + (
        f"（前 {FAIL_LIST_LIMIT} 个，共 {n_fail} 个，全部见“{SHEET_SUMMARY}”）" if n_fail > FAIL_LIST_LIMIT else ""),
        gap=1, empty_text="（无不通过的对象）")
    r = sheet_end_row(ws) + 2
    _merged_line(ws, r, 1, width, "说明：“位于/涉及”指图形与控制线重叠；只有规则方案判定为“不通过”的才属违规占用。"
                 "面积为“审查结论”表各行（四舍五入取位后）之和，与该表合计一致；各控制线的面积分列，不相加。", font=NOTE_FONT)
    ws.row_dimensions[r].height = 36
    _merged_line(ws, r + 1, 1, width, footer_text(data.organisation, data.report_date), font=NOTE_FONT, wrap=False)
    apply_print_setup(ws, landscape=False)
    wb.move_sheet(ws, offset=-(len(wb.sheetnames) - 1))


def _landuse_sheet(wb, data: ComplianceReportData, roles: List[dict], summary):
    d = data.decimals_ha
    if not data.has_base:
        cols = [Column("seq", "序号", "seq"), Column("label", "控制线", "text"),
                Column("note", "说明", "text", width=60)]
        return add_table_sheet(
            wb, SHEET_LANDUSE, heading=f"{data.title}控制线内现状地类统计表", columns=cols, rows=[],
            empty_text=NO_BASE_TEXT, notes="控制线内的现状地类分解需要现状地类图斑（DLTB）图层。",
            organisation=data.organisation, report_date=data.report_date, landscape=False)

    table = landuse_table(data, roles, getattr(summary, "printed_rows", None) or PrintedRows({}, 0))
    has_unk = any(row["unk"] != 0 for row in table)
    has_own_unk = any(row["own_unk"] != 0 for row in table)
    fmt = fixed_format(d)
    agr = "农用地"
    cols = [
        Column("seq", "序号", "seq"),
        Column("label", "控制线", "text", max_width=16),
        Column("total", "合计", "ha", fmt=fmt),
        Column("agr", "小计", "ha", group=agr, fmt=fmt),
        Column("agr_01", "耕地", "ha", group=agr, fmt=fmt),
        Column("paddy", "其中水田", "ha", group=agr, fmt=fmt),
        Column("agr_02", "园地", "ha", group=agr, fmt=fmt),
        Column("agr_03", "林地", "ha", group=agr, fmt=fmt),
        Column("agr_04", "草地", "ha", group=agr, fmt=fmt),
        Column("agr_other", "其他农用地", "ha", group=agr, fmt=fmt),
        Column("con", "建设用地", "ha", fmt=fmt),
        Column("unu", "未利用地", "ha", fmt=fmt),
    ]
    if has_unk:
        cols.append(Column("unk", "地类不详", "ha", fmt=fmt))
    cols += [Column("own_state", "国有", "ha", group="权属性质", fmt=fmt),
             Column("own_coll", "集体", "ha", group="权属性质", fmt=fmt)]
    if has_own_unk:
        cols.append(Column("own_unk", "不详", "ha", group="权属性质", fmt=fmt))
    cols.append(Column("remark", "备注", "text", max_width=30))

    rows = []
    rescaled = []
    value_keys = [c.key for c in cols if c.kind == "ha"]
    for n, t in enumerate(table, 1):
        row = {"seq": n, "label": t["label"]}
        if not t["checked"]:
            row["remark"] = "未检查（未提供图层）"
        else:
            row.update({k: t[k] for k in value_keys})
            if t["total"] == 0:
                row["remark"] = "不涉及"
            if t["rescaled"]:
                rescaled.append(f"{t['label']} {t['rescaled']} 个对象")
        rows.append(row)
    notes = [
        "按冲突明细中位于控制线内的部分（不含碎片及城镇开发边界外部分）汇总；“位于控制线内”只表示位置重叠，"
        "是否违规以审查结论为准；三大类与农用地分项按三调工作分类的一级类划分，"
        "其他农用地含农村道路、坑塘水面、沟渠、设施农用地、田坎及湿地中的农用地等。",
        NOTE_ROUNDING_LANDUSE.format(d=d, unk="+地类不详" if has_unk else "",
                                     own_unk="+不详" if has_own_unk else ""),
    ]
    if rescaled:
        notes.append("控制线要素之间有重叠，冲突明细按单个要素列出的面积会重复计入；以下对象的各部分已按比例缩放到其"
                     "（控制线融合后的）涉及面积，每处只计一次：" + "；".join(rescaled) + "。")
    return add_table_sheet(
        wb, SHEET_LANDUSE, heading=f"{data.title}控制线内现状地类统计表", unit_line="单位：公顷",
        columns=cols, rows=rows, notes=notes, organisation=data.organisation,
        report_date=data.report_date, freeze_cols=2)


# --------------------------------------------------------------------------- sheet 3
def _conflict_sheet(wb, data: ComplianceReportData, roles: List[dict], subject_order: Dict[str, int], path=None):
    d = data.decimals_ha
    cols = [
        Column("seq", "序号", "seq"),
        Column("sid", "图斑/项目编号", "code"),
        Column("role_label", "控制线", "text", max_width=14),
        Column("control_id", "控制线要素编号", "code"),
        Column("zone", "分区", "text", max_width=14),
        Column("position", "内/外", "code"),
        Column("base_code", "现状地类代码", "code"),
        Column("base_name", "现状地类名称", "text", max_width=14),
        Column("base_group", "三大类", "code"),
        Column("ownership", "权属性质", "code"),
        Column("m2", "面积（平方米）", "m2", total="sum"),
        Column("ha", "面积（公顷）", "ha", fmt=fixed_format(d), total="sum"),
        Column("mu", "面积（亩）", "mu", total="sum"),
        Column("rule_id", "规则编号", "code"),
        Column("verdict_zh", "结论", "code"),
        Column("message", "说明", "text", max_width=44),
    ]
    all_rows, slivers = conflict_rows(data, roles, subject_order)
    shown = _bounded(data, all_rows)
    rows = shown.rows()
    csv_file = None
    if len(rows) < len(all_rows):
        csv_file = write_csv(detail_csv_path(path, SHEET_CONFLICTS), cols, all_rows) if path else None
    n_main, n_sliver = len(all_rows), len(slivers)
    sliver_m2 = slivers.total("m2")
    sliver_text = sliver_label(data)
    notes = ["面积为图斑与单个控制线要素相交部分的面积，平方米保留2位、公顷保留"
             f"{d}位、亩保留2位（四舍五入）；同一控制线各行的公顷、亩以该线平方米小计换算后的值为准调平尾差，"
             f"使小计的三种单位是同一面积（{BALANCE_RULE_ZH}）；控制线要素之间重叠时，同一处会在多行出现，"
             "融合后（不重复计）的涉及面积见审查结论表。",
             "“位于/涉及”只表示位置重叠；只有结论为“不通过”的才属违规占用。表中各行分属不同控制线，"
             "不设总计；各控制线的小计（COUNTIF/SUMIF 公式）列在表下，各自独立、不相加。"]
    if len(rows) < len(all_rows):
        notes.insert(0, f"共 {len(all_rows)} 处冲突，本表列出前 {len(rows)} 处（按审查结论表的对象顺序）；全部冲突见同一文件夹中的"
                        f"“{csv_file.name if csv_file else SHEET_CONFLICTS + '.csv'}”和冲突图层；表下小计分“本表所列”与“全部”两栏，"
                        "所列各行与其余各行分别调平尾差，两栏各自的三种单位都是同一面积。")
    if n_sliver:
        notes.append(f"另有 {n_sliver} 处{sliver_text}（共 {sliver_m2:.2f} 平方米），未列入本表；"
                     "冲突图层中保留并标记为碎片。")
    layout = add_table_sheet(
        wb, SHEET_CONFLICTS, heading=f"{data.title}冲突图斑明细表", unit_line="单位：平方米、公顷、亩",
        columns=cols, rows=rows, total=None, notes=None, footer=False, organisation=data.organisation,
        report_date=data.report_date, empty_text=NO_CONFLICTS_TEXT, freeze_cols=2, stream=True)
    ws = layout.ws
    for i, row in enumerate(rows):
        fill = VERDICT_FILLS.get(row["_verdict"])
        if fill is not None:
            layout.restyle(i, "verdict_zh", row["_verdict"], fill=fill)
    if rows:
        lo, hi = layout.first_row, layout.last_row
        lab = layout.letter("role_label")
        truncated = len(rows) < len(all_rows)
        listed = "本表所列" if truncated else None
        sub_cols = [Column("role_label", "控制线", "text", max_width=14), Column("n", "片数", "int", group=listed),
                    Column("m2", "面积（平方米）", "m2", group=listed),
                    Column("ha", "面积（公顷）", "ha", fmt=fixed_format(d), group=listed),
                    Column("mu", "面积（亩）", "mu", group=listed)]
        whole = {r["role_label"]: r for r in line_subtotals(all_rows)}
        mine = {r["role_label"]: r for r in line_subtotals(shown)}
        sub_rows = []
        for label, w in whole.items():
            m = mine.get(label, {"n": 0, "m2": 0.0, "ha": 0.0, "mu": 0.0})
            row = {"role_label": label, "n": m["n"], "m2": m["m2"], "ha": m["ha"], "mu": m["mu"]}
            if truncated:
                row.update({"n_all": w["n"], "m2_all": w["m2"], "ha_all": w["ha"], "mu_all": w["mu"]})
            sub_rows.append(row)
        if truncated:
            everything = "全部（含 CSV 中未列出的）"
            sub_cols += [Column("n_all", "片数", "int", group=everything),
                         Column("m2_all", "面积（平方米）", "m2", group=everything),
                         Column("ha_all", "面积（公顷）", "ha", fmt=fixed_format(d), group=everything),
                         Column("mu_all", "面积（亩）", "mu", group=everything)]
        sub = append_table(ws, sub_cols, sub_rows, caption="各控制线小计（各控制线分列，不相加）", gap=1)
        places = {"m2": 2, "ha": d, "mu": 2}
        for i in range(len(sub_rows)):
            crit = sub.ref("role_label", sub.first_row + i)
            sub.cell(i, "n").value = f"=COUNTIF({lab}{lo}:{lab}{hi},{crit})"
            for key in ("m2", "ha", "mu"):
                col = layout.letter(key)
                sub.cell(i, key).value = f"=ROUND(SUMIF({lab}{lo}:{lab}{hi},{crit},{col}{lo}:{col}{hi}),{places[key]})"
        layout.expected_totals.update({f"{r['role_label']}/{k}": Decimal(str(r[k + ('_all' if truncated else '')]))
                                       for r in sub_rows for k in ("m2", "ha", "mu")})
        layout.subtotals = sub_rows
    layout.csv = csv_file
    r = sheet_end_row(ws) + 2
    ncols = len(cols)
    _merged_line(ws, r, 1, ncols, notes_text(notes), font=NOTE_FONT)
    layout.notes_row = r
    fit_row_heights(ws, r, r)
    _merged_line(ws, r + 1, 1, ncols, footer_text(data.organisation, data.report_date), font=NOTE_FONT, wrap=False)
    ws.row_dimensions[r + 1].height = 24
    layout.footer_row = r + 1
    return layout, n_main, n_sliver


# --------------------------------------------------------------------------- sheet 4
def _all_or(text: str) -> str:
    return "全部" if text in ("", "*") else text


def _rules_sheet(wb, data: ComplianceReportData, roles: List[dict]):
    labels = {r["role"]: r["label"] for r in roles}
    cols = [
        Column("rule_id", "规则编号", "code"),
        Column("role", "控制线", "text", max_width=14),
        Column("zone", "分区", "text", max_width=16),
        Column("position", "内/外", "code"),
        Column("classes", "地类", "text", max_width=18),
        Column("project_types", "项目类型", "text", max_width=16),
        Column("verdict", "结论", "code"),
        Column("message", "说明", "text", max_width=44),
        Column("legal_basis", "依据", "text", max_width=30),
        Column("evidence", "证据等级", "code"),
        Column("applied", "本次是否适用", "code"),
    ]
    rows = []
    for rec in _records(data.rules):
        role = _text(rec.get("role"))
        verdict = _text(rec.get("verdict")).lower()
        pos = _text(rec.get("position"))
        applied = rec.get("applied")
        applied = bool(applied) if applied is not None and not (isinstance(applied, float) and math.isnan(applied)) \
            else False
        rows.append({
            "rule_id": _text(rec.get("rule_id")),
            "role": labels.get(role) or ROLE_ZH.get(role, role),
            "zone": _all_or(_text(rec.get("zone"))),
            "position": POSITION_ZH.get(pos, pos),
            "classes": _all_or(_text(rec.get("classes"))),
            "project_types": _all_or(_text(rec.get("project_types"))),
            "verdict": VERDICT_ZH.get(verdict, _text(rec.get("verdict"))),
            "message": _text(rec.get("message")),
            "legal_basis": _text(rec.get("legal_basis")),
            "evidence": _text(rec.get("evidence")),
            "applied": "是" if applied else "否",
            "_applied": applied,
        })
    n_applied = sum(1 for r in rows if r["_applied"])
    notes = [
        "规则按规则方案文件中的顺序排列，逐条匹配，先匹配者适用；本次检查用到的规则以底色标出"
        f"（{n_applied} 条）。",
        "证据等级：V 有原文核实，S 有二手资料支持，R 为推定/经验规则，需对照现行文件核实。",
    ]
    layout = add_table_sheet(
        wb, SHEET_RULES, heading=f"{data.title}合规性检查适用规则表", columns=cols, rows=rows, notes=notes,
        organisation=data.organisation, report_date=data.report_date, empty_text=NO_RULES_TEXT,
        freeze_cols=1)
    for i, row in enumerate(rows):
        if row["_applied"]:
            for c in cols:
                layout.cell(i, c.key).fill = HIGHLIGHT_FILL
    return layout


# --------------------------------------------------------------------------- sheet 5
def _provenance_sheet(wb, data: ComplianceReportData, roles: List[dict]):
    items = [tuple(item) if not isinstance(item, dict) else item for item in (data.provenance or [])]
    names = {_text(i[0]) if not isinstance(i, dict) else _text(i.get("item", i.get("项目"))) for i in items}
    if "取舍规则" not in names:
        items.append(("取舍规则", rounding_rule_text(
            data.decimals_ha, balanced="控制线内地类表的合计取审查结论表的合计，分项按最大余数法尾差调平，使分项之和等于合计")))
    layout = add_provenance_sheet(wb, items, title=SHEET_PROVENANCE, heading="数据说明")
    cols = [Column("label", "控制线", "text"), Column("layer", "图层", "text", max_width=72),
            Column("state", "检查情况", "text", max_width=30)]
    rows = [{"label": r["label"], "layer": r["layer"] or ("（未提供）" if not r["checked"] else ""),
             "state": "已检查" if r["checked"] else "未检查（不判定为通过）"} for r in roles]
    append_table(layout.ws, cols, rows, caption="控制线检查情况", empty_text="（无）")
    return layout


# --------------------------------------------------------------------------- entry point
def write_compliance_xlsx(data: ComplianceReportData, path) -> dict:
    """Write the compliance workbook to ``path`` (atomically, see :func:`core.excel.save_atomic`).

    Returns ``{"sheets": [...], "subjects": n, "conflicts": n (pieces, slivers included), "slivers": n,
    "path": str,
    "totals": {sheet: {column header: expected 合计 value}}}``.
    """
    roles = _roles(data)
    wb = new_workbook()
    summary = _summary_sheet(wb, data, roles, path)
    subject_order = {sid: i for i, sid in enumerate(summary.printed_rows.column("sid"))}

    _overview_sheet(wb, data, roles, summary)
    _landuse_sheet(wb, data, roles, summary)
    conflicts, n_main, n_sliver = _conflict_sheet(wb, data, roles, subject_order, path)
    _rules_sheet(wb, data, roles)
    _provenance_sheet(wb, data, roles)

    totals = {}
    for name, layout in ((SHEET_SUMMARY, summary), (SHEET_CONFLICTS, conflicts)):
        heads = {}
        for c in layout.columns:
            if c.key in layout.expected_totals:
                label = f"{'/'.join(c.path)}/{c.header}" if c.path else c.header
                heads[label] = float(layout.expected_totals[c.key])
        totals[name] = heads

    target = save_atomic(wb, path)
    return {
        "sheets": list(wb.sheetnames),
        "subjects": len(summary.printed_rows),
        "conflicts": n_main + n_sliver,
        "slivers": n_sliver,
        "path": str(target),
        "totals": totals,
        "csv": [str(x) for x in (summary.csv, getattr(conflicts, "csv", None)) if x],
    }


__all__ = ["ComplianceReportData", "NO_BASE_TEXT", "NO_CONFLICTS_TEXT", "SHEET_CONFLICTS", "SHEET_LANDUSE", "SHEET_OVERVIEW",
           "SHEET_PROVENANCE", "SHEET_RULES", "SHEET_SUMMARY", "ha_value", "landuse_breakdown", "mu_value",
           "pct_value", "write_compliance_xlsx"]
