"""The 变化图斑分析 workbook: layout only — every figure comes from :mod:`.ledger`.

Sheets: 变化汇总 (categories and the 三大类 flow), 变化流向矩阵 (level-1 classes), 耕地流向与进出平衡,
疑似问题图斑 (per-flag subtotals, then the parts largest first), 数据说明.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..excel import Column, add_provenance_sheet, add_table_sheet, append_table, new_workbook, save_atomic
from .ledger import ChangeLedger, Matrix

SHEET_SUMMARY = "变化汇总"
SHEET_MATRIX = "变化流向矩阵"
SHEET_CROPLAND = "耕地流向与进出平衡"
SHEET_SUSPECTS = "疑似问题图斑"
SHEET_PROVENANCE = "数据说明"
SHEETS = (SHEET_SUMMARY, SHEET_MATRIX, SHEET_CROPLAND, SHEET_SUSPECTS, SHEET_PROVENANCE)
UNIT = "单位：公顷"
ROUNDING = ("面积在平方米上求和，换算为公顷后四舍五入保留 4 位小数；流向矩阵各格按最大余数法调平尾差，使各格之和等于总面积的"
            "取整值，行、列合计为本表所列数字之和。")


@dataclass
class ChangeReportData:
    title: str
    ledger: ChangeLedger
    before_label: str
    after_label: str
    provenance: list = field(default_factory=list)
    detail_limit: int = 1000


def _matrix_rows(m: Matrix) -> tuple:
    cols = [Column("from", "前期地类", "text", width=16)]
    cols += [Column(f"c{j}", name, "ha", group="后期地类") for j, name in enumerate(m.cols)]
    cols.append(Column("total", "合计", "ha"))
    rows = []
    for name, cells, tot in zip(m.rows, m.cells, m.row_totals):
        row = {"from": name, "total": tot}
        row.update({f"c{j}": v for j, v in enumerate(cells)})
        rows.append(row)
    last = {"from": "合计", "total": m.total}
    last.update({f"c{j}": v for j, v in enumerate(m.col_totals)})
    rows.append(last)
    return cols, rows


def write_change_xlsx(data: ChangeReportData, path) -> None:
    L = data.ledger
    wb = new_workbook()
    title = data.title or "变化图斑分析"
    sum_cols = [Column("item", "项目", "text", width=22), Column("pieces", "碎块数", "int"),
                Column("area", "面积", "ha"), Column("crop", "其中耕地（不含田坎）", "ha"), Column("note", "说明", "text", width=40)]
    add_table_sheet(wb, SHEET_SUMMARY, heading=f"{title}：变化汇总（{data.before_label} → {data.after_label}）",
                    columns=sum_cols, rows=L.summary, unit_line=UNIT,
                    notes=["变化类别可以重叠（例如耕地转为建设用地既是耕地流出，也是新增建设用地），各类别分别汇总，不能相加。",
                           "碎块面积按前期图斑面积（所选口径）以平面面积比例分摊；田坎随所在图斑（碎块整体从前期地类流向后期地类），"
                           "“其中耕地”按 面积 ×（1 − 田坎系数）计。", ROUNDING] + L.notes[:3],
                    footer=False)
    ws = wb[SHEET_SUMMARY]
    cols, rows = _matrix_rows(L.three)
    append_table(ws, cols, rows, caption=L.three.caption + "（公顷）", gap=2)

    cols, rows = _matrix_rows(L.level1)
    add_table_sheet(wb, SHEET_MATRIX, heading=f"{title}：一级类流向矩阵", columns=cols, rows=rows, unit_line=UNIT,
                    notes=["行为前期一级类，列为后期一级类；对角线为一级类未变（可能含二级类变化）。", ROUNDING],
                    empty_text="两期图层没有相互重叠的图斑", freeze_cols=1, footer=False)

    t = L.cropland_totals
    crop_cols = [Column("direction", "方向", "code", width=8), Column("rule", "规则", "code", width=8),
                 Column("what", "流向", "text", width=30), Column("ledger", "台账", "text", width=22),
                 Column("pieces", "碎块数", "int"), Column("area", "耕地面积", "ha"), Column("evidence", "依据等级", "code", width=8)]
    rows = list(L.cropland)
    rows += [{"direction": "合计", "what": "耕地流出合计", "area": t["out"]},
             {"direction": "合计", "what": "耕地流入合计", "area": t["in"]},
             {"direction": "合计", "what": "耕地净变化（流入 − 流出）", "area": t["net"]},
             {"direction": "进出平衡", "what": "耕地转为其他农用地及农业设施建设用地（流出）", "area": t["balance_out"]},
             {"direction": "进出平衡", "what": "其他农用地转为耕地（流入）", "area": t["balance_in"]},
             {"direction": "进出平衡", "what": "差额（流入 − 流出）", "area": t["balance_net"]}]
    if "internal" in t:
        rows.append({"direction": "内部", "what": "耕地内部变化（水田、水浇地、旱地之间，不计入流出流入）", "area": t["internal"]})
    add_table_sheet(wb, SHEET_CROPLAND, heading=f"{title}：耕地流向与进出平衡", columns=crop_cols, rows=rows, unit_line=UNIT,
                    notes=["耕地面积不含田坎：流出按前期图斑、流入按后期图斑的田坎系数扣除。各方向的规则行按最大余数法调平到该方向合计；"
                           "净变化与差额为本表所列合计之差。",
                           "进出平衡（自然资发〔2021〕166号）：耕地转为林地、草地、园地等其他农用地及农业设施建设用地的，应补足同等数量、质量的耕地；"
                           "国家安排的生态退耕、自然灾害损毁、河湖水面自然扩大为法定例外，须人工标注（C08）。2025 年起并入“大占补”口径"
                           "（自然资发〔2024〕204号）[S]。规则与台账归属见 data/monitoring/change_rules.csv，可编辑。"],
                    footer=False)

    flag_cols = [Column("flag", "规则", "code", width=10), Column("line", "控制线", "text", width=14),
                 Column("verdict", "结论", "code", width=10), Column("message", "疑似问题", "text", width=46),
                 Column("pieces", "变化图斑数", "int"), Column("area", "面积", "ha")]
    add_table_sheet(wb, SHEET_SUSPECTS, heading=f"{title}：疑似问题图斑", columns=flag_cols, rows=L.flags, unit_line=UNIT,
                    empty_text="未发现疑似问题图斑",
                    notes=["疑似问题按规则方案（项目类型“现状变化”）判定：新增建设用地、耕地流出碎块与永久基本农田、生态保护红线、"
                           "城镇开发边界叠加。这是线索，不是违法认定：须套合农转用、供地、设施农用地备案等用地管理信息后人工核实。",
                           "同一变化图斑可命中多条规则，各规则分别小计，不相加。"],
                    footer=False)
    ws = wb[SHEET_SUSPECTS]
    limit = max(int(data.detail_limit), 0)
    shown = L.suspects[:limit] if limit else []
    list_cols = [Column("seq", "序号", "seq", width=6), Column("change_id", "变化图斑编号", "code", width=12),
                 Column("flag", "规则", "code", width=10), Column("line", "控制线", "text", width=12),
                 Column("control_id", "控制线要素", "code", width=12), Column("before", "前期地类", "text", width=16),
                 Column("after", "后期地类", "text", width=16), Column("area", "面积", "ha")]
    caption = "疑似问题图斑清单（按面积从大到小）"
    if len(L.suspects) > len(shown):
        caption += f"：前 {len(shown)} 条，共 {len(L.suspects)} 条，全部见疑似问题图斑图层"
    append_table(ws, list_cols, [dict(r, seq=i + 1) for i, r in enumerate(shown)], caption=caption, gap=2,
                 empty_text="（无）")
    add_provenance_sheet(wb, list(data.provenance) + [("说明", n) for n in L.notes], title=SHEET_PROVENANCE)
    save_atomic(wb, path)


__all__ = ["ChangeReportData", "SHEETS", "write_change_xlsx", "write_fit_xlsx", "write_indicators_xlsx"]


# ------------------------------------------------------------------------------------------- indicators
SHEET_INDICATORS = "规划实施监测指标"
STATUS_FILLS = {"达标": "pass", "预警": "review", "未达标": "fail"}


def write_indicators_xlsx(rows, path, *, title: str = "", current_label: str = "现状", previous_label: str = "",
                          provenance=(), notes=()) -> None:
    """One approval table (指标, 单位, 属性, 目标, 现状, [上一期, 变化], 状态, 判定) coloured by 状态, and 数据说明."""
    from ..excel import VERDICT_FILLS

    wb = new_workbook()
    cols = [Column("id", "编号", "code", width=6), Column("name", "指标", "text", width=26), Column("unit", "单位", "code", width=10),
            Column("attribute", "属性", "code", width=8), Column("direction", "方向", "code", width=6),
            Column("target", "规划目标", "general", width=12, align="right")]
    cols.append(Column("value", current_label, "general", width=14, align="right"))
    if previous_label:
        cols += [Column("previous", previous_label, "general", width=14, align="right"),
                 Column("change", "变化", "general", width=12, align="right")]
    cols += [Column("status", "状态", "code", width=8), Column("rule", "判定依据", "text", width=30),
             Column("evidence", "依据等级", "code", width=8)]
    shown = [dict(r) for r in rows]
    layout = add_table_sheet(wb, SHEET_INDICATORS, heading=title or "规划实施监测指标表", columns=cols, rows=shown,
                             notes=["状态按本表所列（四舍五入后）的现状值与目标值判定：下限指标 现状 ≥ 目标 为达标，低于目标但差距在预警幅度内为预警；"
                                    "上限指标 现状 / 目标 低于预警比值为达标，介于预警比值与 1 之间为预警，超过目标为未达标。预警幅度与比值见"
                                    " data/monitoring/status_rules.csv（未核实 [R]），目标表的 warn 列可逐项覆盖。",
                                    "指标定义（公式、口径）见 data/monitoring/indicators.csv，可编辑；“依据等级”为该定义的证据标记（V 已核实 / S 单一来源 / R 未核实）。"]
                             + list(notes), footer=True)
    keys = [c.key for c in cols]
    status_col = layout.first_col + keys.index("status")
    for i, r in enumerate(rows):
        fill = VERDICT_FILLS.get(STATUS_FILLS.get(r["status"], ""))
        if fill is not None:
            layout.ws.cell(layout.first_row + i, status_col).fill = fill
        for key in ("value", "previous", "change"):   # each figure shows the places the ledger printed it with
            if key in keys and hasattr(r.get(key), "as_tuple"):
                places = max(0, -r[key].as_tuple().exponent)
                fmt = "0" + ("." + "0" * places if places else "")
                layout.ws.cell(layout.first_row + i, layout.first_col + keys.index(key)).number_format = \
                    ("+" + fmt + ";-" + fmt + ";0") if key == "change" else fmt
    add_provenance_sheet(wb, list(provenance), title=SHEET_PROVENANCE)
    save_atomic(wb, path)



# ------------------------------------------------------------------------------------------- 报批套合
SHEET_FIT = "报批套合分析表"


def write_fit_xlsx(rows, verdict_text: str, path, *, title: str = "", tolerance_pct: float = 1.0, provenance=(), notes=()) -> None:
    """The table 报批 files carry: 项目, 勘测定界面积, 变更调查套合面积, 差值, 差异率, within tolerance, the pieces' planar
    area (to explain a systematic difference), and an empty 差异原因说明 for the planner."""
    from ..excel import VERDICT_FILLS

    wb = new_workbook()
    cols = [Column("item", "项目", "text", width=14), Column("declared", "勘测定界面积", "ha"),
            Column("fitted", "变更调查套合面积", "ha"), Column("diff", "差值", "ha"), Column("rate", "差异率（%）", "pct"),
            Column("ok", f"≤{tolerance_pct:g}%", "code", width=8), Column("planar", "套合碎块平面面积", "ha"),
            Column("reason", "差异原因说明", "text", width=24)]
    layout = add_table_sheet(wb, SHEET_FIT, heading=title or "报批套合分析表", columns=cols, rows=list(rows), unit_line=UNIT,
                             notes=[f"结论：{verdict_text}",
                                    "套合面积：勘测定界范围与最新年度变更调查地类图斑叠加，碎块面积按所在图斑面积（所选口径）以平面面积比例分摊；"
                                    "耕地扣除田坎（田坎系数），田坎计入农用地。差值 = 勘测定界面积 − 套合面积（按本表所列数字）。",
                                    "勘测定界面积通常为平面坐标解析面积，变更调查面积为椭球面积，两者有系统差：“套合碎块平面面积”列供判断差异原因。",
                                    "1% 规则与“或”字见 monitoring.md §5（[S]，原文有歧义，判定方式为参数）。"] + list(notes),
                             footer=True)
    ok_col = layout.first_col + [c.key for c in cols].index("ok")
    for i, r in enumerate(rows):
        fill = VERDICT_FILLS.get({"是": "pass", "否": "fail"}.get(r.get("ok") or "", ""))
        if fill is not None:
            layout.ws.cell(layout.first_row + i, ok_col).fill = fill
    add_provenance_sheet(wb, list(provenance), title=SHEET_PROVENANCE)
    save_atomic(wb, path)
