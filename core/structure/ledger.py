"""The structure job's ledger: the one place where its figures are rounded.

compute (exact m², 万元) → **ledger** → report / layers / dialog.  Every figure the 用地结构调整表
workbook, the TABLE and TRANSITION layers and the dialog show is taken from the objects built here,
so a figure printed in two places is one value:

* the structure table (:func:`build_table`): leaves rounded half-up and balanced to the rounded
  total (core.rounding.balance_remainders, largest remainder); groups, 合计 and memo rows are sums of
  printed leaves; shares balanced to 100; change = printed target − printed base;
* the transition matrix (:func:`transition`): each row balanced to the table's printed base figure;
  the 合计 row is the sum of the printed cells (base basis), shown beside the table's printed target
  figure and their difference (area basis, plan area outside the base layer, rounding) — never
  presented as a change of use; the changed area in the note is the sum of the printed off-diagonal cells;
* the finance view (:func:`finance_ledger`): each class's base/target area is built from the same
  printed table rows (a table row split among finance classes is balanced to its printed figure),
  so 耕地 in 资金测算 is 耕地 in the structure table; 金额 = printed 面积 × printed 单价; money and area
  totals are sums of printed lines;
* the 待细分与未识别 list (:func:`detail_areas`): the 未识别/未能归入模板 lines add up to the table's row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

import pandas as pd

from ..rounding import BALANCE_RULE_ZH, M2_PER_UNIT, UNIT_LABELS, balance_remainders, round_half_up, to_decimal
from .compute import (  # noqa: F401  (re-exported for the report, which reads only the ledger)
    OUTSIDE_REGION,
    TOTAL_ROW,
    UNCOVERED,
    UNCOVERED_LABEL,
    UNITS,
    UNKNOWN_ROW,
    UNMATCHED_ROW,
    FinanceView,
    LayerRecords,
    StructureError,
    StructureTemplate,
    transition_pairs,
)

BASIS_ROW = "B"   # the memo line "其中：面积口径差异" (shown only when the two layers' area bases differ)


@dataclass(frozen=True)
class Basis:
    """A layer's area basis: ``kind`` attribute / ellipsoidal / planar, ``label`` as printed."""

    kind: str
    label: str


def basis_differs(bases) -> bool:
    return bases is not None and bases[0].kind != bases[1].kind


# a difference of area bases (attribute TBDLMJ / ellipsoidal / Gauss-Krüger planar in its zone) stays within
# a few 0.1 %: totals further apart than this cover different land, whatever their bases
BASIS_PLAUSIBLE_PCT = 1.0


def range_note(bases: Tuple[Basis, Basis], change: Decimal, pct: Decimal, unit: str) -> str:
    return (f"基期面积按{bases[0].label}、目标年面积按{bases[1].label}量算，两者口径不同；但合计相差 {change} "
            f"{UNIT_LABELS[unit]}（{pct}%），远超面积口径可能造成的差异（通常不超过 0.3%）：主要是两图层覆盖的范围不同，"
            "请核对规划图层是否覆盖全域。“其中：范围与口径差异”行列出这一差额，它不是用途变化。")


def basis_note(bases: Tuple[Basis, Basis], change: Decimal, unit: str) -> str:
    return (f"基期面积按{bases[0].label}、目标年面积按{bases[1].label}量算，两者口径不同：合计的增减 "
            f"{change} {UNIT_LABELS[unit]}（“其中：面积口径差异”行）是两种面积口径之差，不是用途变化；"
            "各行的增减也含有口径差异。需要严格比较时，请两个图层用同一面积口径。")


# --------------------------------------------------------------------------- the table
@dataclass
class TableRow:
    row_id: str
    label: str
    kind: str  # leaf | group | memo | total | unknown | unmatched | basis
    depth: int
    code_text: str
    base_m2: float
    target_m2: float
    base: Optional[Decimal]
    base_pct: Optional[Decimal]
    target: Optional[Decimal]
    target_pct: Optional[Decimal]
    change: Decimal
    change_pct: Optional[Decimal]
    note: str = ""
    children: Tuple[str, ...] = ()
    sum_of: Tuple[str, ...] = ()


@dataclass
class StructureTable:
    region: str
    unit: str
    decimals: int
    pct_decimals: int
    rows: List[TableRow]  # display order, 合计 (kind 'total') then memo rows last
    base_total_m2: float
    target_total_m2: float
    balanced_cells: int  # rounded cells nudged by one unit of the last decimal (尾差调平)
    notes: List[str]
    bases: Optional[Tuple[Basis, Basis]] = None
    nudges: List[str] = field(default_factory=list)   # the area figures balancing moved, as printed in the note

    @property
    def total(self) -> TableRow:
        return next(r for r in self.rows if r.kind == "total")

    def row(self, row_id: str) -> TableRow:
        return next(r for r in self.rows if r.row_id == row_id)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rows])


def _pseudo_label(row_id: str) -> str:
    return "未识别地类（代码为空或不在分类表中）" if row_id == UNKNOWN_ROW else "未能归入模板的地类"


def _round_tree(exact_leaf: Dict[str, Decimal], template: StructureTemplate, leaves: List[str], decimals: int,
                total: Decimal, moved: Optional[List[Tuple[str, Decimal, Decimal]]] = None
                ) -> Tuple[Dict[str, Decimal], int]:
    """Printed leaf figures, rounded top-down: the top-level rows (classes and 小计 groups) are balanced to
    ``total``, then each group's children to the group's printed figure, and so on down.  A class shown at
    the top level is balanced among the top-level rows only — so 耕地 prints the same whether a template
    splits it into 0101/0102/0103 or not.  Returns ({leaf: printed}, cells nudged by balancing); ``moved``
    collects (row, plain ROUND_HALF_UP, printed) of every row balancing moved."""
    rows = {r.row_id: r for r in template.display_rows()}
    under: Dict[str, List[str]] = {}

    def leaves_of(rid: str) -> List[str]:
        if rid not in under:
            r = rows.get(rid)
            under[rid] = [rid] if r is None or r.kind == "leaf" else [x for c in r.children for x in leaves_of(c)]
        return under[rid]

    def exact(rid: str) -> Decimal:
        return sum((exact_leaf.get(x, Decimal(0)) for x in leaves_of(rid)), Decimal(0))

    roots = [r.row_id for r in template.display_rows() if r.depth == 0 and r.kind in ("leaf", "group")]
    roots += [x for x in leaves if x not in rows]   # 未识别 / 未能归入模板
    out: Dict[str, Decimal] = {}
    nudged = 0

    def assign(ids: List[str], target: Decimal) -> None:
        nonlocal nudged
        ex = [exact(i) for i in ids]
        printed = balance_remainders(ex, decimals, target)
        for i, e, v in zip(ids, ex, printed):
            if round_half_up(e, decimals) != v:
                nudged += 1
                if moved is not None:
                    moved.append((i, round_half_up(e, decimals), v))
        for i, v in zip(ids, printed):
            out[i] = v
            r = rows.get(i)
            if r is not None and r.kind == "group":
                assign(list(r.children), v)

    assign(roots, total)
    missing = [x for x in leaves if x not in out]
    if missing:  # a leaf no root reaches would be lost from the 合计: never silently
        raise StructureError(f"模板结构有误：{missing} 不在任何顶层行之下 / template rows {missing} are under no top-level row")
    return {x: out[x] for x in leaves}, nudged


def build_table(base: LayerRecords, target: LayerRecords, template: StructureTemplate, *, unit: str = "ha",
                decimals: int = 2, pct_decimals: int = 2, region: Optional[str] = None,
                total_tolerance_pct: float = 0.01, base_total: Optional[Decimal] = None,
                target_total: Optional[Decimal] = None, bases: Optional[Tuple[Basis, Basis]] = None
                ) -> StructureTable:
    """The structure table of one region (``region=None``: all records).

    Leaf areas are summed in m², converted to ``unit`` exactly, rounded half-up and balanced
    largest-first so that the leaves add up to the rounded total; groups and memo rows are sums
    of rounded leaves; shares are balanced to 100.00; change = target − base of the rounded
    figures, so every printed row adds up.  ``base_total``/``target_total`` impose the rounded
    totals (used for regions, whose totals are balanced so that they add up to the whole area).
    ``bases``: the area basis of each layer; when they differ, the 合计's change is shown on a memo
    line of its own (面积口径差异) and a note says it is not a change of use.
    """
    if unit not in M2_PER_UNIT:
        raise StructureError(f"未知面积单位 {unit!r} / unknown unit; use one of {UNITS}")
    bf, tf = base.frame, target.frame
    if region is not None:
        bf, tf = bf[bf["region"] == region], tf[tf["region"] == region]
    b_sum = bf.groupby("row")["area_m2"].sum().to_dict()
    t_sum = tf.groupby("row")["area_m2"].sum().to_dict()
    leaves = list(template.leaves)
    for pseudo in (UNKNOWN_ROW, UNMATCHED_ROW):
        if b_sum.get(pseudo, 0) > 0 or t_sum.get(pseudo, 0) > 0:
            leaves.append(pseudo)
    b_leaf = {i: float(b_sum.get(i, 0.0)) for i in leaves}
    t_leaf = {i: float(t_sum.get(i, 0.0)) for i in leaves}
    b_total_m2, t_total_m2 = sum(b_leaf.values()), sum(t_leaf.values())
    div = M2_PER_UNIT[unit]
    b_ex = {i: to_decimal(v) / div for i, v in b_leaf.items()}
    t_ex = {i: to_decimal(v) / div for i, v in t_leaf.items()}
    b_tot = round_half_up(sum(b_ex.values(), Decimal(0)), decimals) if base_total is None else base_total
    t_tot = round_half_up(sum(t_ex.values(), Decimal(0)), decimals) if target_total is None else target_total
    b_moved: List[Tuple[str, Decimal, Decimal]] = []
    t_moved: List[Tuple[str, Decimal, Decimal]] = []
    b_r, n1 = _round_tree(b_ex, template, leaves, decimals, b_tot, b_moved)
    t_r, n2 = _round_tree(t_ex, template, leaves, decimals, t_tot, t_moved)

    def shares(leaf_m2: Dict[str, float], whole: float) -> Tuple[Dict[str, Optional[Decimal]], int]:
        if whole <= 0:
            return {i: None for i in leaves}, 0
        ex = {i: to_decimal(v) * 100 / to_decimal(whole) for i, v in leaf_m2.items()}
        return _round_tree(ex, template, leaves, pct_decimals, Decimal(100))

    b_p, n3 = shares(b_leaf, b_total_m2)
    t_p, n4 = shares(t_leaf, t_total_m2)

    def rollup(ids, values):
        out = Decimal(0)
        for i in ids:
            out += values.get(i) or Decimal(0)
        return out

    def leaves_under(row_id) -> List[str]:
        r = template.by_id[row_id]
        if r.kind == "leaf":
            return [row_id]
        if r.kind == "memo":
            return [x for ref in r.sum_of for x in leaves_under(ref)]
        return [x for c in r.children for x in leaves_under(c)]

    def make(row_id, label, kind, depth, code_text, ids, note="", children=(), sum_of=()):
        bm = sum(b_leaf.get(i, 0.0) for i in ids)
        tm = sum(t_leaf.get(i, 0.0) for i in ids)
        b, t = rollup(ids, b_r), rollup(ids, t_r)
        bp = rollup(ids, b_p) if b_total_m2 > 0 else None
        tp = rollup(ids, t_p) if t_total_m2 > 0 else None
        change = t - b
        change_pct = None
        if bm > 0:
            change_pct = round_half_up((to_decimal(tm) - to_decimal(bm)) * 100 / to_decimal(bm), pct_decimals)
            if change_pct == 0:
                change_pct = abs(change_pct)  # no "-0.00"
        return TableRow(row_id, label, kind, depth, code_text, bm, tm, b, bp, t, tp, change, change_pct, note,
                        tuple(children), tuple(sum_of))

    rows: List[TableRow] = []
    memo: List[TableRow] = []
    for r in template.display_rows():
        ids = leaves_under(r.row_id)
        tr = make(r.row_id, r.label, r.kind, r.depth, r.code_text if r.kind == "leaf" else "", ids, r.note,
                  r.children, r.sum_of)
        if r.show == "nonzero" and tr.base_m2 == 0 and tr.target_m2 == 0:
            continue
        (memo if r.kind == "memo" else rows).append(tr)
    for pseudo in (UNKNOWN_ROW, UNMATCHED_ROW):
        if pseudo in leaves:
            kind = "unknown" if pseudo == UNKNOWN_ROW else "unmatched"
            rows.append(make(pseudo, _pseudo_label(pseudo), kind, 0, "", [pseudo],
                             "详见 待细分与未识别 表"))
    total = make(TOTAL_ROW, "合计", "total", 0, "", leaves, "国土总面积")
    total.base, total.target = b_tot, t_tot
    total.change = t_tot - b_tot
    rows.append(total)
    rows.extend(memo)

    notes: List[str] = []
    diff = t_total_m2 - b_total_m2
    if bases is not None and bases[0].kind != bases[1].kind:
        pct = abs(diff) / b_total_m2 * 100 if b_total_m2 > 0 else 0.0
        if pct > BASIS_PLAUSIBLE_PCT:  # not a basis difference: the layers cover different land
            diff_row = TableRow(BASIS_ROW, "其中：范围与口径差异", "basis", 0, "", 0.0, 0.0, None, None, None, None,
                                total.change, None, "目标年合计 − 基期合计，主要来自两图层覆盖范围不同（见注），不是用途变化")
            notes.append(range_note(bases, total.change, round_half_up(to_decimal(pct), 2), unit))
        else:
            diff_row = TableRow(BASIS_ROW, "其中：面积口径差异", "basis", 0, "", 0.0, 0.0, None, None, None, None,
                                total.change, None, "目标年合计 − 基期合计，两图层面积口径不同所致，不是用途变化")
            notes.append(basis_note(bases, total.change, unit))
        rows.append(diff_row)
    if b_total_m2 > 0 and abs(diff) / b_total_m2 * 100 > total_tolerance_pct and not basis_differs(bases):
        notes.append(
            f"基期合计 {b_tot} 与目标年合计 {t_tot} {UNIT_LABELS[unit]}不一致，相差 "
            f"{round_half_up(to_decimal(diff) / M2_PER_UNIT[unit], decimals)} {UNIT_LABELS[unit]}"
            f"（{round_half_up(to_decimal(diff) * 100 / to_decimal(b_total_m2), 4)}%，容差 {total_tolerance_pct}%）："
            "两图层的范围不同，请核对规划图层是否覆盖全域")
    label = {r.row_id: r.label for r in rows}
    nudges = [f"{label.get(i, i)}{side} {v}（四舍五入为 {plain}）"
              for side, moved in (("基期", b_moved), ("目标年", t_moved)) for i, plain, v in moved]
    return StructureTable(region or "", unit, decimals, pct_decimals, rows, b_total_m2, t_total_m2,
                          n1 + n2 + n3 + n4, notes, bases, nudges)


def region_totals(records: LayerRecords, regions: List[str], unit: str, decimals: int) -> Dict[str, Decimal]:
    """Rounded region totals balanced so that they add up to the rounded total of all records."""
    sums = records.frame.groupby("region")["area_m2"].sum()
    exact = [to_decimal(float(sums.get(r, 0.0))) / M2_PER_UNIT[unit] for r in regions]
    whole = to_decimal(records.total_m2) / M2_PER_UNIT[unit]
    return dict(zip(regions, balance_remainders(exact, decimals, whole)))


# --------------------------------------------------------------------------- transition matrix
@dataclass
class Transition:
    """The printed transition matrix.  ``matrix``: rounded cells, each row balanced to the table's
    printed base figure (``base_rounded``); ``col_totals``: sums of the printed cells (base basis);
    ``target_figures``: the table's printed target figure of each column's row (None for the
    :data:`UNCOVERED` column); ``differences``: target figure − column total; ``off_diagonal``: sum
    of the printed off-diagonal cells outside :data:`UNCOVERED`; ``changed`` = ``off_diagonal`` −
    ``tiankan_kept`` (田坎 whose parcel keeps its class is no change of use).  ``pairs``: exact m²."""

    pairs: pd.DataFrame
    row_ids: List[str]
    col_ids: List[str]
    labels: Dict[str, str]
    matrix: Dict[Tuple[str, str], Decimal]
    base_rounded: Dict[str, Decimal]
    col_totals: Dict[str, Decimal]
    target_figures: Dict[str, Optional[Decimal]]
    differences: Dict[str, Optional[Decimal]]
    total_base: Decimal
    total_target: Decimal
    changed: Decimal
    off_diagonal: Decimal
    tiankan_kept: Decimal
    uncovered_base: Decimal
    target_uncovered: Decimal
    unit: str
    decimals: int
    notes: List[str] = field(default_factory=list)

    @property
    def total_difference(self) -> Decimal:
        return sum((v for v in self.differences.values() if v is not None), Decimal(0))


def transition(base: LayerRecords, target: LayerRecords, pieces: pd.DataFrame, table: StructureTable,
               template: StructureTemplate = None, bases: Optional[Tuple[Basis, Basis]] = None) -> Transition:
    """From→to matrix of ``table`` (rows and columns: its leaf rows) from the overlay ``pieces``."""
    exact = transition_pairs(base, target, pieces)
    pairs = exact.pairs
    unit, decimals = table.unit, table.decimals
    leaf_rows = [r for r in table.rows if r.kind in ("leaf", "unknown", "unmatched")]
    row_ids = [r.row_id for r in leaf_rows if r.base_m2 > 0 or r.target_m2 > 0]
    labels = {r.row_id: r.label for r in leaf_rows}
    labels[UNCOVERED] = UNCOVERED_LABEL
    col_ids = list(row_ids)
    col_ids += sorted(c for c in pairs["target_row"].unique() if c not in col_ids and c != UNCOVERED)
    row_ids += sorted(c for c in pairs["base_row"].unique() if c not in row_ids)
    if (pairs["target_row"] == UNCOVERED).any():
        col_ids.append(UNCOVERED)
    base_rounded = {r.row_id: r.base for r in leaf_rows}
    target_rounded = {r.row_id: r.target for r in leaf_rows}
    lookup = {(a, b): v for a, b, v in zip(pairs["base_row"], pairs["target_row"], pairs["area_m2"])}
    if UNCOVERED in col_ids:  # keep the column only when it shows something after rounding
        unc = pairs.loc[pairs["target_row"] == UNCOVERED, "area_m2"].sum()
        if round_half_up(to_decimal(float(unc)) / M2_PER_UNIT[unit], decimals) == 0:
            col_ids.remove(UNCOVERED)
    matrix: Dict[Tuple[str, str], Decimal] = {}
    for rid in row_ids:
        cells = [to_decimal(lookup.get((rid, c), 0.0)) / M2_PER_UNIT[unit] for c in col_ids]
        for c, v in zip(col_ids, balance_remainders(cells, decimals, base_rounded.get(rid))):
            matrix[(rid, c)] = v
    base_rounded = {rid: sum((matrix[(rid, c)] for c in col_ids), Decimal(0)) for rid in row_ids}
    col_totals = {c: sum((matrix[(r, c)] for r in row_ids), Decimal(0)) for c in col_ids}
    target_figures: Dict[str, Optional[Decimal]] = {}
    differences: Dict[str, Optional[Decimal]] = {}
    for c in col_ids:
        if c == UNCOVERED:
            target_figures[c] = differences[c] = None
        else:
            target_figures[c] = target_rounded.get(c) or Decimal(0)
            differences[c] = target_figures[c] - col_totals[c]
    off_diagonal = sum((v for (r, c), v in matrix.items() if r != c and c != UNCOVERED), Decimal(0))
    tiankan_kept = min(round_half_up(to_decimal(exact.tiankan_kept_m2) / M2_PER_UNIT[unit], decimals), off_diagonal)
    changed = off_diagonal - tiankan_kept
    uncovered_base = col_totals.get(UNCOVERED, Decimal(0))
    ul = UNIT_LABELS[unit]
    target_uncovered = round_half_up(to_decimal(exact.target_uncovered_m2) / M2_PER_UNIT[unit], decimals)
    total_base = sum(base_rounded.values(), Decimal(0))
    total_target = sum((v for v in target_figures.values() if v is not None), Decimal(0))
    t = Transition(pairs, row_ids, col_ids, labels, matrix, base_rounded, col_totals, target_figures, differences,
                   total_base, total_target, changed, off_diagonal, tiankan_kept, uncovered_base, target_uncovered,
                   unit, decimals)
    sheet = "用地结构调整表"
    first = f"各行合计等于“{sheet}”中该行的规划基期年面积，每行的尾差按最大余数法调平"
    if UNCOVERED in col_ids:
        first += f"；“{UNCOVERED_LABEL}”列为基期图斑中没有规划图斑覆盖的部分，共 {uncovered_base} {ul}"
    t.notes.append(first + "。")
    second = f"对角线（底色）为用地类型未变化的面积；其余各格（不含“{UNCOVERED_LABEL}”列）之和 {off_diagonal} {ul}"
    if tiankan_kept:
        second += (f"，其中 {tiankan_kept} {ul} 为田坎（基期计入其他土地行）随所在图斑保持原地类，不属于用途改变；"
                   f"用地类型发生变化的面积为 {changed} {ul}。")
    else:
        second += "，即用地类型发生变化的面积。"
    t.notes.append(second)
    why = []
    if basis_differs(bases):
        why.append(f"两图层的面积口径不同（基期{bases[0].label}，目标年{bases[1].label}）")
    why.append(f"规划图层中有 {target_uncovered} {ul} 未被基期图层覆盖")
    why.append("各格按行调平尾差")
    t.notes.append(f"“合计”行为各列之和，按基期面积口径计；“规划目标年面积”行为“{sheet}”中的目标年面积；"
                   f"两者之差列在“差额”行（合计 {t.total_difference} {ul}），来自" + "、".join(why)
                   + "，不是用途变化。")
    return t


# --------------------------------------------------------------------------- finance view
@dataclass
class FinanceLedger:
    """The printed 资金测算: ``class_rows`` and ``role_rows`` (dicts of printed values), the
    unpriced classes, and the money totals — every total a sum of printed lines."""

    method: str
    table_label: str
    example: bool
    unit: str
    decimals: int
    class_rows: List[dict]
    role_rows: List[dict]
    unpriced_rows: List[dict]
    cost_total: Decimal
    revenue_total: Decimal

    @property
    def balance(self) -> Decimal:
        return self.revenue_total - self.cost_total


def _split_rows(atoms: pd.DataFrame, side: str, printed: Dict[str, Decimal], unit: str, decimals: int,
                rows_of: Optional[Dict[object, set]] = None) -> Dict[object, Decimal]:
    """Printed area per finance key (entry position, or ('un', code)) for one side: each table row's
    printed figure is split among its keys, balanced to that figure.  ``rows_of`` collects the table
    rows each key draws from."""
    out: Dict[object, Decimal] = {}
    sub = atoms[atoms["side"] == side]
    for row, g in sub.groupby("row", sort=False):
        keys = [int(e) if e >= 0 else ("un", c if isinstance(c, str) and c else "（未识别）")
                for e, c in zip(g["entry"], g["code"])]   # a missing code is None, or NaN under pandas 3
        exact = [to_decimal(float(v)) / M2_PER_UNIT[unit] for v in g["area_m2"]]
        merged: Dict[object, Decimal] = {}
        for k, v in zip(keys, exact):
            merged[k] = merged.get(k, Decimal(0)) + v
        total = printed.get(row)
        for k, v in zip(merged, balance_remainders(list(merged.values()), decimals, total)):
            out[k] = out.get(k, Decimal(0)) + v
            if rows_of is not None and v != 0:
                rows_of.setdefault(k, set()).add(row)
    return out


def finance_ledger(fv: FinanceView, table: StructureTable) -> FinanceLedger:
    """Round the exact finance view ``fv`` on the printed figures of ``table`` (the whole area)."""
    from ..finance import ROLE_ZH, ROLES  # noqa: F401  (role order)

    unit, d = table.unit, table.decimals
    leaf = {r.row_id: r for r in table.rows if r.kind in ("leaf", "unknown", "unmatched")}
    base_p = {k: r.base for k, r in leaf.items()}
    target_p = {k: r.target for k, r in leaf.items()}
    atoms = fv.atoms if fv.atoms is not None else pd.DataFrame(columns=["side", "row", "code", "area_m2", "entry"])
    rows_of: Dict[object, set] = {}
    base = _split_rows(atoms, "base", base_p, unit, d, rows_of)
    target = _split_rows(atoms, "target", target_p, unit, d, rows_of)
    order = {r.row_id: i for i, r in enumerate(table.rows)}
    seq = {r.row_id: (r.label if r.kind in ("unknown", "unmatched") else r.row_id) for r in table.rows}
    recs = fv.by_class.to_dict("records") if len(fv.by_class) else []
    div = M2_PER_UNIT[unit]
    cost_area = balance_remainders([to_decimal(float(r["cost_m2"])) / div for r in recs], d)
    rev_area = balance_remainders([to_decimal(float(r["revenue_m2"])) / div for r in recs], d)
    per_unit = M2_PER_UNIT[unit] / M2_PER_UNIT["ha"]   # unit prices are per 公顷
    rows: List[dict] = []
    for i, rec in enumerate(recs):
        b, t = base.get(i, Decimal(0)), target.get(i, Decimal(0))
        unit_cost = round_half_up(to_decimal(float(rec.get("unit_cost") or 0.0)) * per_unit, 2)
        unit_rev = round_half_up(to_decimal(float(rec.get("unit_revenue") or 0.0)) * per_unit, 2)
        rows.append({"classes": rec.get("classes"), "label": rec.get("label"), "role": rec.get("role"),
                     "role_zh": rec.get("role_zh"), "nature": rec.get("nature") or "—",
                     "unit_cost": unit_cost, "unit_revenue": unit_rev, "base": b, "target": t, "change": t - b,
                     # the structure-table rows this class's areas are printed in (a reviewer's cross-reference)
                     "table_rows": "、".join(seq.get(x, x) for x in sorted(rows_of.get(i, ()),
                                                                          key=lambda x: order.get(x, 1 << 30))),
                     "cost_area": cost_area[i], "revenue_area": rev_area[i],
                     # 金额 = printed 面积 × printed 单价, half-up to 0.01 万元: recomputable from the row
                     "cost": round_half_up(cost_area[i] * unit_cost, 2),
                     "revenue": round_half_up(rev_area[i] * unit_rev, 2)})
    role_rows: List[dict] = []
    for rec in (fv.by_role.to_dict("records") if len(fv.by_role) else []):
        mine = [r for r in rows if r["role"] == rec["role"] and r["nature"] == (rec.get("nature") or "—")]
        out = {"role_zh": rec.get("role_zh"), "nature": rec.get("nature") or "—"}
        for key in ("base", "target", "change", "cost", "revenue"):
            out[key] = sum((r[key] for r in mine), Decimal(0))
        role_rows.append(out)
    unpriced: List[dict] = []
    names = {}
    if len(fv.unpriced):
        names = dict(zip(fv.unpriced["code"], fv.unpriced["name"]))
    for side_zh, values in (("基期", base), ("目标年", target)):
        for k, v in values.items():
            if isinstance(k, tuple) and v != 0:
                unpriced.append({"code": k[1], "name": names.get(k[1], ""), "side": side_zh, "area": v})
    cost_total = sum((r["cost"] for r in rows), Decimal(0))
    rev_total = sum((r["revenue"] for r in rows), Decimal(0))
    return FinanceLedger(fv.method, fv.table_label, fv.example, unit, d, rows, role_rows, unpriced,
                         cost_total, rev_total)


# --------------------------------------------------------------------------- 待细分与未识别
def detail_areas(details: pd.DataFrame, table: StructureTable) -> pd.DataFrame:
    """``details`` with the printed ``area`` (table unit): the lines of an 未识别 / 未能归入模板 row of
    one layer are balanced to that row's printed figure in ``table``; other lines are rounded."""
    out = details.copy()
    if not len(out):
        out["area"] = []
        out["m2"] = []
        return out
    unit, d = table.unit, table.decimals
    out["area"] = [round_half_up(to_decimal(float(v)) / M2_PER_UNIT[unit], d) for v in out["area_m2"]]
    out["m2"] = [round_half_up(to_decimal(float(v)), 2) for v in out["area_m2"]]
    printed = {}
    for r in table.rows:
        if r.kind in ("unknown", "unmatched"):
            printed[("基期", r.row_id)] = r.base
            printed[("目标年", r.row_id)] = r.target
    for (label, row), idx in out.groupby(["label", "row"]).groups.items():
        total = printed.get((label, row))
        if total is None:
            continue
        exact = [to_decimal(float(v)) / M2_PER_UNIT[unit] for v in out.loc[idx, "area_m2"]]
        out.loc[idx, "area"] = balance_remainders(exact, d, total)
    return out


def rounding_sentence(table: StructureTable, count: bool = True) -> str:
    """The rounding sentence under a structure table (with the number of balanced cells when ``count``)."""
    unit = UNIT_LABELS[table.unit]
    nudged = f"（本表调平 {table.balanced_cells} 处）" if count else ""
    moved = ""
    if count and table.nudges:
        shown = table.nudges[:12]
        moved = ("；调平的面积：" + "、".join(shown)
                 + (f" 等 {len(table.nudges)} 处" if len(table.nudges) > len(shown) else ""))
    return (f"面积按平方米求和后换算为{unit}，四舍五入（ROUND_HALF_UP）保留 {table.decimals} 位小数，比重保留 "
            f"{table.pct_decimals} 位小数；先调平顶层各行使之等于合计，再调平各小计的下级行；{BALANCE_RULE_ZH}{nudged}{moved}；"
            "各行之和等于合计，比重之和为 100。")
