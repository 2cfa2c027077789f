"""用地结构调整表 (structure_table): base-year vs target-year area per template row, the
transition matrix between them, and the finance view ("算大账").

Data flow (all areas in m² until the very end)::

    codes (三调 / 用地用海2020 / 2023) --crosswalk--> 用地用海2023 code + flag (待细分/未识别/空值)
    + 城镇村 group (CZCSXM field, or the class rule for a plan without such a field)
    --template--> leaf row of the table
    records (one per parcel, plus one 田坎 record per parcel with a deduction) x region shares
    --sum m²--> convert unit (Decimal) --> ROUND_HALF_UP --> remainders balanced largest-first

Templates (``data/structure_templates/*.csv``) are data: a province's layout is another file.
Each row has ``row_id, parent, label, classes, czcs, show, sum_of, note, evidence``; a row with
classes is a *leaf* (parcels are assigned to it), a row without classes but with children is a
*group* (subtotal = Σ children), a row with ``sum_of`` is a *memo* row shown after 合计
("其中：建设用地总规模").  The same row_id may appear on several lines: each further line adds
a matching rule to that row.  Rules are tried in file order; the first match wins.

Two pseudo-rows keep every square metre in the total: ``X1`` 未识别地类 (blank code or a code
not in its classification) and ``X2`` 未能归入模板的地类 (a valid code no rule matches, e.g. a
level-1 code "12" the template splits by level-2 codes).  They are shown only when non-zero and
listed with their raw codes in the 待细分与未识别 table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from . import DATA_DIR
from .compliance import (
    ClassPatternError,
    RuleProfileError,
    cell_text,
    class_matcher,
    code_ancestors,
    plain_text,
    read_table_records,
    split_class_patterns,
)
from .finance import CHANGE_RULE_ZH, use_changed
from .registry import SYSTEM_LABELS, clean_code, get_registry, parse_system
from .rounding import M2_PER_UNIT, UNIT_LABELS, balance_remainders, round_half_up, to_decimal

TEMPLATE_DIR = DATA_DIR / "structure_templates"
DEFAULT_TEMPLATE = TEMPLATE_DIR / "county_function_structure.csv"
CZCS_RULE_FILE = TEMPLATE_DIR / "czcs_class_rule.csv"
CLASSIFICATION = "ydyh2023"
CZCS_GROUPS = ("town", "village", "other")
CZCS_ZH = {"town": "城镇", "village": "村庄", "other": "城镇村以外"}
UNKNOWN_ROW = "X1"
UNMATCHED_ROW = "X2"
TOTAL_ROW = "T"
OUTSIDE_REGION = "（不在任何分区内）"
TIANKAN_CODE = "2303"  # 田坎 in 用地用海2023 (三调 1203)
UNITS = tuple(M2_PER_UNIT)
FLAG_OK = ""
FLAG_SPLIT = "待细分"
FLAG_UNKNOWN = "未识别"
FLAG_BLANK = "空值"

_TEMPLATE_HEADERS = ("row_id", "parent", "label", "classes", "czcs", "show", "sum_of", "note", "evidence")
_HEADER_ALIASES = {"行号": "row_id", "序号": "row_id", "上级": "parent", "行名": "label", "用地用海类型": "label",
                   "代码": "classes", "计入代码": "classes", "城镇村": "czcs", "显示": "show", "合计行": "sum_of",
                   "备注": "note", "证据": "evidence"}
_CZCS_ALIASES = {"": "", "*": "", "any": "", "不限": "", "town": "town", "城镇": "town", "village": "village",
                 "村庄": "village", "other": "other", "城镇村以外": "other", "外": "other"}
_META_NAME = re.compile(r"(?:template|name|模板)\s*[:：=]\s*([^,;，；]+)", re.I)
_META_VERSION = re.compile(r"(?:version|版本)\s*[:：=]\s*([^,;，；]+)", re.I)
_META_CLASS = re.compile(r"(?:classification|分类)\s*[:：=]\s*([^,;，；\s]+)", re.I)


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file, line and column."""


class StructureError(ValueError):
    """Input the structure table cannot be computed from; the message says what to do."""


# --------------------------------------------------------------------------- template
@dataclass
class TemplateRow:
    row_id: str
    label: str
    parent: str = ""
    show: str = "always"  # always | nonzero
    sum_of: Tuple[str, ...] = ()
    note: str = ""
    evidence: str = ""
    rules: List[Tuple[Tuple[str, ...], str, int]] = field(default_factory=list)  # (patterns, czcs, file line)
    children: List[str] = field(default_factory=list)
    depth: int = 0
    hidden: set = field(default_factory=set)  # lines of rules not shown in the code column (show=hidden)

    @property
    def kind(self) -> str:
        if self.sum_of:
            return "memo"
        if self.rules:
            return "leaf"
        return "group"

    @property
    def code_text(self) -> str:
        """The classes of a leaf as a reviewer reads them: '07、08、1001（城镇）'."""
        parts = []
        for patterns, czcs, line in self.rules:
            if line in self.hidden:
                continue
            text = "、".join(patterns)
            parts.append(f"{text}（{CZCS_ZH[czcs]}）" if czcs else text)
        return "；".join(parts)


class StructureTemplate:
    def __init__(self, rows: List[TemplateRow], name: str, version: str, classification: str,
                 path: Optional[Path] = None):
        self.rows = rows
        self.name = name
        self.version = version
        self.classification = classification
        self.path = path
        self.by_id = {r.row_id: r for r in rows}
        # every rule of every row, in file order (a later line of a row comes after the rows above it)
        rules = sorted((line, r.row_id, patterns, czcs) for r in rows for patterns, czcs, line in r.rules)
        self._rules: List[Tuple[str, object, str]] = [(rid, class_matcher(p), z) for _, rid, p, z in rules]
        self._cache: Dict[Tuple[str, str], str] = {}

    @property
    def label(self) -> str:
        return f"{self.name} ({self.version})" if self.version else self.name

    @classmethod
    def load(cls, path) -> StructureTemplate:
        p = Path(path)
        try:
            records = read_table_records(p, ("结构表模板", "structure-table template"))
        except RuleProfileError as exc:
            raise TemplateError(str(exc)) from None
        return _parse_template(p, records)

    @classmethod
    def default(cls) -> StructureTemplate:
        return cls.load(DEFAULT_TEMPLATE)

    @property
    def leaves(self) -> List[str]:
        return [r.row_id for r in self.rows if r.kind == "leaf"]

    def uses_czcs(self) -> bool:
        return any(czcs for _, _, czcs in self._rules)

    def row_for(self, code: Optional[str], czcs: str) -> str:
        """Leaf row id of a 用地用海2023 ``code`` with 城镇村 group ``czcs``; X1/X2 when none."""
        key = (code or "", czcs or "")
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        anc = code_ancestors(code or "")
        if anc is None:
            row = UNKNOWN_ROW
        else:
            row = UNMATCHED_ROW
            for row_id, matcher, rule_czcs in self._rules:
                if rule_czcs and rule_czcs != (czcs or "other"):
                    continue
                if matcher.matches(anc):
                    row = row_id
                    break
        self._cache[key] = row
        return row

    def classify(self, codes, czcs) -> np.ndarray:
        """Vectorised :meth:`row_for` (object array of row ids)."""
        if len(codes) == 0:
            return np.empty(0, dtype=object)
        c = pd.Series(codes, dtype=object).fillna("").astype(str)
        z = pd.Series(czcs, dtype=object).fillna("").astype(str)
        keys, uniq = pd.factorize(pd.MultiIndex.from_arrays([c, z]))
        rows = np.array([self.row_for(a, b) for a, b in uniq], dtype=object)
        return rows[keys] if len(keys) else np.empty(0, dtype=object)

    def display_rows(self) -> List[TemplateRow]:
        """Rows in display order: the template's own order (parents before children)."""
        return list(self.rows)


def _parse_template(path: Path, records) -> StructureTemplate:
    name, version, classification = path.stem, "", CLASSIFICATION
    header: Optional[List[str]] = None
    rows: Dict[str, TemplateRow] = {}
    order: List[str] = []
    errors: List[str] = []

    def err(line, col, zh, en):
        errors.append(f"{path.name} 第{line}行 {col} 列：{zh} / line {line}, column {col}: {en}")

    for line, raw_cells in records:
        cells = [cell_text(c) for c in raw_cells]
        plain = [plain_text(c) for c in raw_cells]  # labels and notes keep their full-width punctuation
        if not any(cells):
            continue
        if cells[0].startswith("#"):
            text = ",".join(plain)
            if header is None:
                m = _META_NAME.search(text)
                if m:
                    name = m.group(1).strip()
                v = _META_VERSION.search(text)
                if v:
                    version = v.group(1).strip()
                c = _META_CLASS.search(text)
                if c:
                    classification = c.group(1).strip()
            continue
        if header is None:
            header = [_HEADER_ALIASES.get(c, c.lower()) for c in cells]
            unknown = [c for c, h in zip(cells, header) if c and h not in _TEMPLATE_HEADERS]
            if unknown:
                raise TemplateError(f"{path.name} 第{line}行（表头）有无法识别的列：{'、'.join(unknown)}；可用的列为 "
                                    f"{', '.join(_TEMPLATE_HEADERS)}（或其中文名） / line {line} (header): unknown "
                                    f"column(s) {', '.join(unknown)}; allowed: {', '.join(_TEMPLATE_HEADERS)}")
            missing = [c for c in ("row_id", "label", "classes") if c not in header]
            if missing:
                raise TemplateError(f"{path.name} 第{line}行：缺少列 {', '.join(missing)}（需要 "
                                    f"{', '.join(_TEMPLATE_HEADERS)}） / missing column(s) {', '.join(missing)}")
            continue
        row = {header[i]: cells[i] if i < len(cells) else "" for i in range(len(header))}
        for col in ("label", "note"):
            if col in header and header.index(col) < len(plain):
                row[col] = plain[header.index(col)]
        row_id = row.get("row_id", "")
        if not row_id:
            err(line, "row_id", "行号为空", "row_id is empty")
            continue
        if row_id in (UNKNOWN_ROW, UNMATCHED_ROW, TOTAL_ROW):
            err(line, "row_id", f"行号 {row_id} 为保留行号", f"row_id {row_id} is reserved")
            continue
        czcs = _CZCS_ALIASES.get(row.get("czcs", "").lower())
        if czcs is None:
            err(line, "czcs", f"“{row.get('czcs')}” 不是 town/village/other（城镇/村庄/城镇村以外）",
                f"'{row.get('czcs')}' is not town/village/other")
            continue
        patterns = tuple(split_class_patterns(row.get("classes", "")))
        if patterns:
            try:
                class_matcher(patterns)
            except ClassPatternError as exc:
                err(line, "classes", exc.zh, exc.en)
                continue
        if row_id in rows:  # another rule for an existing row
            if not patterns:
                err(line, "classes", f"行 {row_id} 重复出现但没有代码", f"row {row_id} repeated without classes")
            else:
                rows[row_id].rules.append((patterns, czcs, line))
                if (row.get("show", "") or "").lower() == "hidden":
                    rows[row_id].hidden.add(line)
            continue
        label = row.get("label", "")
        if not label:
            err(line, "label", "行名为空", "label is empty")
            continue
        show = (row.get("show", "") or "always").lower()
        if show not in ("always", "nonzero"):
            err(line, "show", f"“{show}” 不是 always/nonzero", f"'{show}' is not always/nonzero")
            continue
        sum_of = tuple(t for t in re.split(r"[;,、\s]+", row.get("sum_of", "")) if t)
        if sum_of and patterns:
            err(line, "sum_of", "备注合计行不能同时有代码", "a sum_of row cannot have classes")
            continue
        tr = TemplateRow(row_id, label, row.get("parent", ""), show, sum_of, row.get("note", ""),
                         row.get("evidence", ""))
        if patterns:
            tr.rules.append((patterns, czcs, line))
        rows[row_id] = tr
        order.append(row_id)
    if errors:
        raise TemplateError("结构表模板有误 / the template has errors:\n" + "\n".join(errors[:20]))
    if header is None or not rows:
        raise TemplateError(f"{path.name}：模板没有任何行 / the template has no rows")
    for row_id in order:
        r = rows[row_id]
        if r.parent:
            if r.parent not in rows:
                errors.append(f"{path.name}：行 {row_id} 的上级 {r.parent} 不存在 / parent {r.parent} of row "
                              f"{row_id} does not exist")
                continue
            rows[r.parent].children.append(row_id)
        for ref in r.sum_of:
            if ref not in rows:
                errors.append(f"{path.name}：行 {row_id} 的 sum_of 引用了不存在的行 {ref} / sum_of of row "
                              f"{row_id} names a missing row {ref}")
    for row_id in order:
        r = rows[row_id]
        if r.kind == "group" and not r.children:
            errors.append(f"{path.name}：行 {row_id}（{r.label}）既没有代码也没有下级行 / row {row_id} has "
                          f"neither classes nor child rows")
        if r.rules and r.children:
            errors.append(f"{path.name}：行 {row_id}（{r.label}）有下级行，不能再有代码 / row {row_id} has "
                          f"child rows and cannot have classes")
        depth, p, seen = 0, r.parent, {row_id}
        while p:
            if p in seen:
                errors.append(f"{path.name}：行 {row_id} 的上级关系成环 / parent cycle at row {row_id}")
                break
            seen.add(p)
            depth += 1
            p = rows[p].parent if p in rows else ""
        r.depth = depth
    if errors:
        raise TemplateError("结构表模板有误 / the template has errors:\n" + "\n".join(errors[:20]))
    if parse_system(classification) != CLASSIFICATION:
        raise TemplateError(f"{path.name}：模板须按用地用海2023代码编写（classification: ydyh2023），"
                            f"而不是 {classification} / templates are written in 用地用海2023 codes")
    # children directly after their parent, in file order
    ordered: List[TemplateRow] = []

    def visit(rid):
        ordered.append(rows[rid])
        for c in rows[rid].children:
            visit(c)

    for rid in order:
        if not rows[rid].parent:
            visit(rid)
    return StructureTemplate(ordered, name, version, CLASSIFICATION, path)


def list_templates() -> List[Tuple[str, Path]]:
    """(name, path) of the templates shipped in data/structure_templates (default first)."""
    out = []
    for p in sorted(TEMPLATE_DIR.glob("*.csv")):
        if p == CZCS_RULE_FILE:
            continue
        try:
            t = StructureTemplate.load(p)
        except TemplateError:
            continue
        out.append((t.name, p))
    out.sort(key=lambda item: item[1] != DEFAULT_TEMPLATE)
    return out


# --------------------------------------------------------------------------- 城镇村
class CzcsClassRule:
    """城镇/村庄 by class for a layer without a 城镇村 field (data/structure_templates/czcs_class_rule.csv)."""

    def __init__(self, rules: List[Tuple[Tuple[str, ...], str, str]], path: Path):
        self.rules = rules
        self.path = path

    @classmethod
    def load(cls, path=CZCS_RULE_FILE) -> CzcsClassRule:
        p = Path(path)
        records = read_table_records(p, ("城镇村划分规则表", "town/village rule table"))
        header = None
        rules = []
        for line, cells in records:
            cells = [cell_text(c) for c in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if header is None:
                header = [c.lower() for c in cells]
                continue
            row = dict(zip(header, cells))
            patterns = tuple(split_class_patterns(row.get("classes", "")))
            czcs = _CZCS_ALIASES.get(row.get("czcs", "").lower())
            if not patterns or not czcs:
                raise TemplateError(f"{p.name} 第{line}行：需要 classes 与 czcs（town/village/other） / "
                                    f"line {line}: classes and czcs are required")
            try:
                class_matcher(patterns)
            except ClassPatternError as exc:
                raise TemplateError(f"{p.name} 第{line}行 classes 列：{exc.zh} / {exc.en}") from None
            rules.append((patterns, czcs, row.get("note", "")))
        return cls(rules, p)

    def group(self, code: Optional[str]) -> str:
        anc = code_ancestors(code or "")
        if anc is None:
            return "other"
        for patterns, czcs, _ in self.rules:
            if class_matcher(patterns).matches(anc):
                return czcs
        return "other"

    def describe(self) -> str:
        return "；".join(f"{'、'.join(p)} → {CZCS_ZH[z]}" for p, z, _ in self.rules)


_CZCS_NAMES = {"城镇": "town", "城市": "town", "建制镇": "town", "镇": "town", "town": "town",
               "村庄": "village", "村": "village", "village": "village",
               "其他": "other", "城镇村以外": "other", "other": "other"}


def czcs_groups(values) -> np.ndarray:
    """城镇村 group per value: CZCSXM codes (201/202/203 ± A, 204, 205) or names (城镇/村庄 …).
    Blank or unrecognised values are 'other' (outside 城镇村)."""
    reg = get_registry()
    keys, uniq = pd.factorize(pd.Series(values, dtype=object))  # each distinct value is parsed once
    out = []
    for u in uniq:
        text = "" if u is None else str(u).strip()
        g = reg.czcs_group(text) if text else None
        if g is None:
            g = _CZCS_NAMES.get(text.lower(), None)
        out.append(g or "other")
    arr = np.array(out + ["other"], dtype=object)
    return arr[keys] if len(keys) else np.empty(0, dtype=object)


# --------------------------------------------------------------------------- layer records
@dataclass
class LayerRecords:
    """One side of the table (base or target) as records ready to sum.

    ``frame`` columns: ``parcel`` (row index in the input), ``raw`` (code as given), ``source_code``
    (normalised in its own system), ``code`` (用地用海2023), ``name``, ``flag`` (''/待细分/未识别/空值),
    ``czcs``, ``row`` (template leaf or X1/X2), ``kind`` ('class' or 'tiankan'), ``area_m2``,
    ``region`` (filled by :func:`apportion_regions`).
    ``skipped``: parcels left out (index, raw code, reason) — e.g. no area on the attribute basis.
    """

    label: str
    system: str
    frame: pd.DataFrame
    skipped: pd.DataFrame
    n_parcels: int
    czcs_source: str  # "field CZCSXM" / "class rule" / "not used"
    notes: List[str] = field(default_factory=list)

    @property
    def total_m2(self) -> float:
        return float(self.frame["area_m2"].sum())


def prepare_layer(label: str, codes, system: str, areas_m2, template: StructureTemplate, *,
                  deductions_m2=None, czcs_values=None, czcs_field: str = "",
                  czcs_rule: Optional[CzcsClassRule] = None, overrides=None,
                  excluded: Optional[Dict[int, str]] = None) -> LayerRecords:
    """Records of one layer: code conversion to 用地用海2023, 城镇村 group, template row.

    ``areas_m2``: the parcel areas on the chosen basis (NaN = missing; such parcels, and negative
    areas, are skipped and listed).  ``deductions_m2`` (KCMJ): when given, the parcel's class gets
    ``area − deduction`` and a separate 田坎 (2303) record gets the deduction (capped to the area).
    On the attribute basis with TBDLMJ the area is already net of KCMJ: pass the gross area
    (TBDLMJ + KCMJ) — see :func:`gross_from_net`.  ``excluded``: {index: reason} of parcels to
    leave out (e.g. invalid geometries skipped by policy); they are listed with that reason.
    """
    system = parse_system(system)
    n = len(areas_m2)
    reg = get_registry()
    cw = reg.crosswalk(system, CLASSIFICATION, overrides)
    mapped = cw.map_many(list(codes))
    area = np.asarray(areas_m2, dtype=float)
    bad_area = ~np.isfinite(area)
    negative = np.isfinite(area) & (area < 0)
    ded = np.zeros(n) if deductions_m2 is None else np.asarray(deductions_m2, dtype=float)
    ded = np.where(np.isfinite(ded) & (ded > 0), ded, 0.0)

    if czcs_values is not None:
        czcs = czcs_groups(czcs_values)
        czcs_source = f"字段 {czcs_field}" if czcs_field else "字段"
    elif template.uses_czcs():
        rule = czcs_rule or CzcsClassRule.load()
        codes2023 = mapped["target_code"].to_numpy(dtype=object)
        uniq = {c: rule.group(c) for c in pd.unique(pd.Series(codes2023, dtype=object).fillna(""))}
        czcs = np.array([uniq[c if c is not None else ""] for c in codes2023], dtype=object)
        czcs_source = f"按地类判定（{rule.describe()}）"
    else:
        czcs = np.full(n, "other", dtype=object)
        czcs_source = "未使用"

    flag = mapped["flag"].to_numpy(dtype=object)
    rows = template.classify(mapped["target_code"].to_numpy(dtype=object), czcs)
    reason = np.where(negative, "面积为负数", "面积为空或不是数字").astype(object)
    keep = ~(bad_area | negative)
    for i, why in (excluded or {}).items():
        keep[i] = False
        reason[i] = why
    skipped = pd.DataFrame({
        "parcel": np.nonzero(~keep)[0],
        "raw": mapped["raw"].to_numpy(dtype=object)[~keep],
        "reason": reason[~keep],
    })
    idx = np.nonzero(keep)[0]
    class_area = np.maximum(area[idx] - np.minimum(ded[idx], area[idx]), 0.0)
    frame = pd.DataFrame({
        "parcel": idx,
        "raw": mapped["raw"].to_numpy(dtype=object)[idx],
        "source_code": mapped["source_code"].to_numpy(dtype=object)[idx],
        "code": mapped["target_code"].to_numpy(dtype=object)[idx],
        "name": mapped["target_name"].to_numpy(dtype=object)[idx],
        "flag": flag[idx],
        "czcs": czcs[idx],
        "row": rows[idx],
        "kind": "class",
        "area_m2": class_area,
    })
    frame["parcel_code"] = frame["code"]
    frame["parcel_row"] = frame["row"]
    has_tk = idx[ded[idx] > 0]
    if len(has_tk):
        tk_row = template.row_for(TIANKAN_CODE, "other")
        tk = pd.DataFrame({
            "parcel": has_tk,
            "raw": mapped["raw"].to_numpy(dtype=object)[has_tk],
            "source_code": mapped["source_code"].to_numpy(dtype=object)[has_tk],
            "code": TIANKAN_CODE,
            "name": reg.classification(CLASSIFICATION).name(TIANKAN_CODE),
            "flag": FLAG_OK,
            "czcs": czcs[has_tk],
            "row": tk_row,
            "kind": "tiankan",
            "area_m2": np.minimum(ded[has_tk], area[has_tk]),
            # 田坎 belongs to its parcel: it changes use only when the parcel's class does
            "parcel_code": mapped["target_code"].to_numpy(dtype=object)[has_tk],
            "parcel_row": rows[has_tk],
        })
        frame = pd.concat([frame, tk], ignore_index=True)
    frame["region"] = ""
    notes = []
    if len(skipped):
        notes.append(f"{label}：{len(skipped)} 个图斑未计入（面积为空、非数字、为负数或图形无效，见 待细分与未识别 表）")
    return LayerRecords(label, system, frame, skipped, n, czcs_source, notes)


def gross_from_net(net_m2, deductions_m2) -> np.ndarray:
    """TBMJ from TBDLMJ + KCMJ (missing KCMJ = 0); NaN stays NaN."""
    net = np.asarray(net_m2, dtype=float)
    ded = np.asarray(deductions_m2, dtype=float)
    return net + np.where(np.isfinite(ded) & (ded > 0), ded, 0.0)


def apportion_regions(records: LayerRecords, shares: Optional[pd.DataFrame]) -> LayerRecords:
    """Split records by region: ``shares`` has columns parcel, region, share (share of the
    parcel's geometry inside the region; shares of a parcel add up to ≤ 1).  What is left of a
    parcel outside every region goes to :data:`OUTSIDE_REGION`.  Areas are apportioned by share,
    so Σ over regions = the parcel's area exactly (up to floating point)."""
    if shares is None:
        return records
    f = records.frame.drop(columns=["region"])
    s = shares[["parcel", "region", "share"]].copy()
    s["share"] = s["share"].clip(lower=0.0, upper=1.0)
    tot = s.groupby("parcel")["share"].sum()
    over = tot[tot > 1.0]
    if len(over):  # overlapping regions: scale down so nothing is counted twice
        s = s.merge((1.0 / over).rename("scale"), left_on="parcel", right_index=True, how="left")
        s["share"] = s["share"] * s["scale"].fillna(1.0)
        s = s.drop(columns=["scale"])
        tot = s.groupby("parcel")["share"].sum()
    rest = 1.0 - tot.reindex(f["parcel"].unique(), fill_value=0.0)
    rest = rest[rest > 1e-9]
    outside = pd.DataFrame({"parcel": rest.index.to_numpy(), "region": OUTSIDE_REGION, "share": rest.to_numpy()})
    s = pd.concat([s, outside], ignore_index=True)
    out = f.merge(s, on="parcel", how="inner")
    out["area_m2"] = out["area_m2"] * out["share"]
    out = out.drop(columns=["share"])
    return LayerRecords(records.label, records.system, out, records.skipped, records.n_parcels,
                        records.czcs_source, list(records.notes))


# --------------------------------------------------------------------------- the table
@dataclass
class TableRow:
    row_id: str
    label: str
    kind: str  # leaf | group | memo | total | unknown | unmatched
    depth: int
    code_text: str
    base_m2: float
    target_m2: float
    base: Decimal
    base_pct: Optional[Decimal]
    target: Decimal
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

    @property
    def total(self) -> TableRow:
        return next(r for r in self.rows if r.kind == "total")

    def row(self, row_id: str) -> TableRow:
        return next(r for r in self.rows if r.row_id == row_id)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rows])


def _pseudo_label(row_id: str) -> str:
    return "未识别地类（代码为空或不在分类表中）" if row_id == UNKNOWN_ROW else "未能归入模板的地类"


def _round_column(leaf_m2: Dict[str, float], unit: str, decimals: int, total: Optional[Decimal] = None
                  ) -> Tuple[Dict[str, Decimal], Decimal, int]:
    ids = list(leaf_m2)
    exact = [to_decimal(leaf_m2[i]) / M2_PER_UNIT[unit] for i in ids]
    total = round_half_up(sum(exact, Decimal(0)), decimals) if total is None else total
    plain = [round_half_up(v, decimals) for v in exact]
    balanced = balance_remainders(exact, decimals, total)
    nudged = sum(1 for a, b in zip(plain, balanced) if a != b)
    return dict(zip(ids, balanced)), total, nudged


def _round_shares(leaf_m2: Dict[str, float], total_m2: float, decimals: int) -> Tuple[Dict[str, Optional[Decimal]], int]:
    ids = list(leaf_m2)
    if total_m2 <= 0:
        return {i: None for i in ids}, 0
    exact = [to_decimal(leaf_m2[i]) * 100 / to_decimal(total_m2) for i in ids]
    plain = [round_half_up(v, decimals) for v in exact]
    balanced = balance_remainders(exact, decimals, Decimal(100))
    return dict(zip(ids, balanced)), sum(1 for a, b in zip(plain, balanced) if a != b)


def build_table(base: LayerRecords, target: LayerRecords, template: StructureTemplate, *, unit: str = "ha",
                decimals: int = 2, pct_decimals: int = 2, region: Optional[str] = None,
                total_tolerance_pct: float = 0.01, base_total: Optional[Decimal] = None,
                target_total: Optional[Decimal] = None) -> StructureTable:
    """The structure table of one region (``region=None``: all records).

    Leaf areas are summed in m², converted to ``unit`` exactly, rounded half-up and balanced
    largest-first so that the leaves add up to the rounded total; groups and memo rows are sums
    of rounded leaves; shares are balanced to 100.00; change = target − base of the rounded
    figures, so every printed row adds up.  ``base_total``/``target_total`` impose the rounded
    totals (used for regions, whose totals are balanced so that they add up to the whole area).
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
    b_r, b_tot, n1 = _round_column(b_leaf, unit, decimals, base_total)
    t_r, t_tot, n2 = _round_column(t_leaf, unit, decimals, target_total)
    b_p, n3 = _round_shares(b_leaf, b_total_m2, pct_decimals)
    t_p, n4 = _round_shares(t_leaf, t_total_m2, pct_decimals)

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
    if b_total_m2 > 0 and abs(diff) / b_total_m2 * 100 > total_tolerance_pct:
        notes.append(
            f"基期合计 {b_tot} 与目标年合计 {t_tot} {UNIT_LABELS[unit]}不一致，相差 "
            f"{round_half_up(to_decimal(diff) / M2_PER_UNIT[unit], decimals)} {UNIT_LABELS[unit]}"
            f"（{round_half_up(to_decimal(diff) * 100 / to_decimal(b_total_m2), 4)}%，容差 {total_tolerance_pct}%）："
            "两图层的范围不同，请核对规划图层是否覆盖全域")
    return StructureTable(region or "", unit, decimals, pct_decimals, rows, b_total_m2, t_total_m2,
                          n1 + n2 + n3 + n4, notes)


def region_totals(records: LayerRecords, regions: List[str], unit: str, decimals: int) -> Dict[str, Decimal]:
    """Rounded region totals balanced so that they add up to the rounded total of all records."""
    sums = records.frame.groupby("region")["area_m2"].sum()
    exact = [to_decimal(float(sums.get(r, 0.0))) / M2_PER_UNIT[unit] for r in regions]
    whole = to_decimal(records.total_m2) / M2_PER_UNIT[unit]
    return dict(zip(regions, balance_remainders(exact, decimals, whole)))


def regions_of(base: LayerRecords, target: LayerRecords, min_m2: float = 0.0) -> List[str]:
    """Region names in order (the 'outside' pseudo-region last, and only when it holds more
    than ``min_m2`` on either side)."""
    names = set(base.frame["region"].unique()) | set(target.frame["region"].unique())
    names.discard("")
    if OUTSIDE_REGION in names:
        out = max(float(f.loc[f["region"] == OUTSIDE_REGION, "area_m2"].sum()) for f in (base.frame, target.frame))
        if out <= min_m2:
            names.discard(OUTSIDE_REGION)
    ordered = sorted(n for n in names if n != OUTSIDE_REGION)
    if OUTSIDE_REGION in names:
        ordered.append(OUTSIDE_REGION)
    return ordered


# --------------------------------------------------------------------------- code detail
def code_detail(records: LayerRecords) -> pd.DataFrame:
    """Area per raw code that needs attention (待细分 / 未识别 / 空值 / X2), for the report:
    columns label, raw, source_code, code, name, flag, row, parcels, area_m2."""
    f = records.frame
    attention = (f["flag"] != FLAG_OK) | f["row"].isin([UNKNOWN_ROW, UNMATCHED_ROW])
    f = f[attention & (f["kind"] == "class")]
    if f.empty:
        return pd.DataFrame(columns=["label", "raw", "source_code", "code", "name", "flag", "row", "parcels",
                                     "area_m2"])
    key = f["source_code"].fillna(f["raw"].map(lambda v: "" if v is None else str(v)))
    g = f.assign(key=key).groupby(["key", "flag", "row"], dropna=False).agg(
        raw=("raw", "first"), source_code=("source_code", "first"), code=("code", "first"),
        name=("name", "first"), parcels=("parcel", "nunique"), area_m2=("area_m2", "sum")).reset_index()
    g["label"] = records.label
    g.loc[g["row"] == UNMATCHED_ROW, "flag"] = g.loc[g["row"] == UNMATCHED_ROW, "flag"].where(
        g["flag"] != FLAG_OK, "未能归入模板")
    return g.sort_values("area_m2", ascending=False)[["label", "raw", "source_code", "code", "name", "flag", "row",
                                                       "parcels", "area_m2"]].reset_index(drop=True)


# --------------------------------------------------------------------------- transition
@dataclass
class Transition:
    """Base row × target row areas.  ``pairs``: long table (base_row, target_row, area_m2 on the
    base basis, target_m2 on the target basis).  ``matrix``: rounded, rows balanced to the
    table's rounded base figures; the column :data:`UNCOVERED` holds the base area no target
    parcel covers."""

    pairs: pd.DataFrame
    row_ids: List[str]
    col_ids: List[str]
    labels: Dict[str, str]
    matrix: Dict[Tuple[str, str], Decimal]
    base_rounded: Dict[str, Decimal]
    target_cover_m2: Dict[str, float]  # per target row: area on the target basis covered by base parcels
    target_uncovered_m2: float  # target area (target basis) outside every base parcel
    unit: str
    decimals: int
    changed_m2: float  # base area whose use changes (template row of its parcel ≠ target row)


UNCOVERED = "_uncovered"
UNCOVERED_LABEL = "规划图层未覆盖"


def transition(base: LayerRecords, target: LayerRecords, pieces: pd.DataFrame, table: StructureTable,
               template: StructureTemplate) -> Transition:
    """From→to areas.  ``pieces``: (base_parcel, target_parcel, base_share, target_share) with
    the piece's share of the base parcel's and of the target parcel's geometry.  Every base
    record (the class and the 田坎 part) is apportioned by ``base_share``; what no target parcel
    covers goes to the column :data:`UNCOVERED`, so each row adds up to the base figure exactly.
    """
    unit, decimals = table.unit, table.decimals
    bf = base.frame[["parcel", "row", "parcel_row", "area_m2"]]
    if (base.frame["region"] != "").any():  # regions split records: transition on whole parcels
        bf = bf.groupby(["parcel", "row", "parcel_row"], as_index=False)["area_m2"].sum()
    tf = target.frame[target.frame["kind"] == "class"][["parcel", "row", "area_m2"]]
    if (target.frame["region"] != "").any():
        tf = tf.groupby(["parcel", "row"], as_index=False)["area_m2"].sum()
    t_row = pd.Series(tf["row"].to_numpy(), index=tf["parcel"].to_numpy())
    t_area = pd.Series(tf["area_m2"].to_numpy(), index=tf["parcel"].to_numpy())
    t_area = t_area.groupby(level=0).sum()
    t_row = t_row[~t_row.index.duplicated()]
    p = pieces.rename(columns={"base_parcel": "parcel"})
    p = p[p["target_parcel"].isin(t_row.index)]
    joined = bf.merge(p, on="parcel", how="inner")
    joined["target_row"] = t_row.reindex(joined["target_parcel"].to_numpy()).to_numpy()
    # overlapping target parcels would cover a base parcel more than once: scale its pieces so
    # that they never add up to more than the parcel (the overlap itself is reported separately)
    share_sum = p.groupby("parcel")["base_share"].sum()
    scale = (1.0 / share_sum.clip(lower=1.0)).reindex(joined["parcel"].to_numpy()).to_numpy()
    joined["base_share"] = joined["base_share"].to_numpy() * scale
    joined["piece_m2"] = joined["area_m2"] * joined["base_share"]
    covered = joined.groupby(["parcel", "row"])["base_share"].sum().rename("covered")
    rest = bf.merge(covered, left_on=["parcel", "row"], right_index=True, how="left")
    rest["covered"] = rest["covered"].fillna(0.0).clip(upper=1.0)
    rest["piece_m2"] = rest["area_m2"] * (1.0 - rest["covered"])
    rest = rest[rest["piece_m2"] > 0]
    # target-basis measure of each piece (only class records of the base count once per piece)
    first_rec = joined.drop_duplicates(["parcel", "target_parcel"])
    tgt_piece = first_rec.assign(target_m2=t_area.reindex(first_rec["target_parcel"].to_numpy()).to_numpy()
                                 * first_rec["target_share"].to_numpy())
    target_cover = tgt_piece.groupby("target_row")["target_m2"].sum().to_dict()
    t_cov_by_parcel = tgt_piece.groupby("target_parcel")["target_share"].sum().clip(upper=1.0)
    target_uncovered = float((t_area * (1.0 - t_cov_by_parcel.reindex(t_area.index, fill_value=0.0))).sum())

    pairs = pd.concat([
        joined.groupby(["row", "target_row"], as_index=False)["piece_m2"].sum(),
        rest.assign(target_row=UNCOVERED).groupby(["row", "target_row"], as_index=False)["piece_m2"].sum(),
    ], ignore_index=True).groupby(["row", "target_row"], as_index=False)["piece_m2"].sum()
    pairs = pairs.rename(columns={"row": "base_row", "piece_m2": "area_m2"})
    tgt_m2 = tgt_piece.groupby(["row", "target_row"])["target_m2"].sum()
    pairs["target_m2"] = [float(tgt_m2.get((a, b), 0.0)) for a, b in zip(pairs["base_row"], pairs["target_row"])]

    leaf_rows = [r for r in table.rows if r.kind in ("leaf", "unknown", "unmatched")]
    row_ids = [r.row_id for r in leaf_rows if r.base_m2 > 0 or r.target_m2 > 0]
    labels = {r.row_id: r.label for r in leaf_rows}
    labels[UNCOVERED] = UNCOVERED_LABEL
    col_ids = list(row_ids)
    extra_cols = [c for c in pairs["target_row"].unique() if c not in col_ids and c != UNCOVERED]
    col_ids += sorted(extra_cols)
    extra_rows = [c for c in pairs["base_row"].unique() if c not in row_ids]
    row_ids += sorted(extra_rows)
    if (pairs["target_row"] == UNCOVERED).any():
        col_ids.append(UNCOVERED)
    base_rounded = {r.row_id: r.base for r in leaf_rows}
    lookup = {(a, b): v for a, b, v in zip(pairs["base_row"], pairs["target_row"], pairs["area_m2"])}
    if UNCOVERED in col_ids:  # keep the column only when it shows something after rounding
        unc = pairs.loc[pairs["target_row"] == UNCOVERED, "area_m2"].sum()
        if round_half_up(to_decimal(float(unc)) / M2_PER_UNIT[unit], decimals) == 0:
            col_ids.remove(UNCOVERED)
    matrix: Dict[Tuple[str, str], Decimal] = {}
    for rid in row_ids:
        cells = [to_decimal(lookup.get((rid, c), 0.0)) / M2_PER_UNIT[unit] for c in col_ids]
        total = base_rounded.get(rid)
        rounded = balance_remainders(cells, decimals, total if total is not None else None)
        for c, v in zip(col_ids, rounded):
            matrix[(rid, c)] = v
    # changed use: the piece's target row differs from its parcel's row (田坎 follows its parcel)
    changed = float(joined.loc[joined["parcel_row"] != joined["target_row"], "piece_m2"].sum())
    return Transition(pairs, row_ids, col_ids, labels, matrix, base_rounded, target_cover, target_uncovered,
                      unit, decimals, changed)


# --------------------------------------------------------------------------- finance view
@dataclass
class FinanceView:
    """算大账: area change by role and class group, cost of the land that changes, revenue of the
    land it becomes, balance = revenue − cost (万元).  ``method`` says how changed land was found."""

    method: str
    by_role: pd.DataFrame  # role, role_zh, nature, base_m2, target_m2, change_m2
    by_class: pd.DataFrame  # entry label, role, nature, unit cost/revenue, base_m2, target_m2, cost_m2, revenue_m2, cost, revenue
    unpriced: pd.DataFrame  # code, name, side, area_m2 — classes the finance table does not cover
    cost: float
    revenue: float
    table_label: str
    example: bool

    @property
    def balance(self) -> float:
        return self.revenue - self.cost


def finance_view(base: LayerRecords, target: LayerRecords, finance, pieces: Optional[pd.DataFrame] = None
                 ) -> FinanceView:
    """Cost = Σ (area of current land that changes use) × cost of its current class;
    revenue = Σ (area of planned land that changes use) × revenue of its planned class.

    With ``pieces`` (the transition overlay) "changes use" is exact: a piece whose 用地用海2023
    code differs between base and target.  Without it the net change per class is used: a class
    that shrinks costs its decrease, a class that grows earns its increase.
    """
    def entry_of(code):
        e = finance.lookup(code)
        return e

    bf = base.frame
    tf = target.frame[target.frame["kind"] == "class"]
    b_code = bf.groupby("code", dropna=False)["area_m2"].sum()
    t_code = tf.groupby("code", dropna=False)["area_m2"].sum()
    codes = sorted(set(c for c in b_code.index if isinstance(c, str)) | set(c for c in t_code.index if isinstance(c, str)))
    entries = {c: entry_of(c) for c in codes}

    cost_m2: Dict[int, float] = {}
    rev_m2: Dict[int, float] = {}
    if pieces is not None:
        method = ("按叠加图斑逐块判定：用途改变的部分计成本（按现状地类单价）与收益（按规划地类单价）；"
                  + CHANGE_RULE_ZH)
        tcode = pd.Series(tf["code"].to_numpy(), index=tf["parcel"].to_numpy())
        tcode = tcode[~tcode.index.duplicated()]
        p = pieces.rename(columns={"base_parcel": "parcel"})
        j = bf[["parcel", "parcel_code", "area_m2"]].rename(columns={"parcel_code": "code"}).merge(
            p, on="parcel", how="inner")  # 田坎 is priced and judged as its parcel's class
        j["tcode"] = tcode.reindex(j["target_parcel"].to_numpy()).to_numpy()
        share_sum = p.groupby("parcel")["base_share"].sum().clip(lower=1.0)  # overlapping plan parcels
        j["m2"] = j["area_m2"] * j["base_share"] / share_sum.reindex(j["parcel"].to_numpy()).to_numpy()
        j = j[use_changed(j["code"].fillna("").tolist(), j["tcode"].fillna("").tolist()) & j["code"].notna().to_numpy()
              & j["tcode"].notna().to_numpy()]
        for c, v in j.groupby("code")["m2"].sum().items():
            e = entries.get(c)
            if e is not None:
                cost_m2[id(e)] = cost_m2.get(id(e), 0.0) + v
        for c, v in j.groupby("tcode")["m2"].sum().items():
            e = entries.get(c) or entry_of(c)
            if e is not None:
                rev_m2[id(e)] = rev_m2.get(id(e), 0.0) + v
    else:
        method = "按地类净变化估算：面积减少的现状地类计成本，面积增加的规划地类计收益（无叠加分析时的近似）"
        for c in codes:
            e = entries[c]
            if e is None:
                continue
            d = float(t_code.get(c, 0.0)) - float(b_code.get(c, 0.0))
            if d < 0:
                cost_m2[id(e)] = cost_m2.get(id(e), 0.0) - d
            elif d > 0:
                rev_m2[id(e)] = rev_m2.get(id(e), 0.0) + d

    rows = []
    for e in finance.entries:
        bm = sum(float(b_code.get(c, 0.0)) for c in codes if entries[c] is e)
        tm = sum(float(t_code.get(c, 0.0)) for c in codes if entries[c] is e)
        cm, rm = cost_m2.get(id(e), 0.0), rev_m2.get(id(e), 0.0)
        if bm == 0 and tm == 0 and cm == 0 and rm == 0:
            continue
        rows.append({"classes": "、".join(e.classes), "label": e.label, "role": e.role, "role_zh": e.role_zh,
                     "nature": e.nature, "unit_cost": e.cost, "unit_revenue": e.revenue, "base_m2": bm,
                     "target_m2": tm, "change_m2": tm - bm, "cost_m2": cm, "revenue_m2": rm,
                     "cost": cm / 10000.0 * e.cost, "revenue": rm / 10000.0 * e.revenue})
    by_class = pd.DataFrame(rows, columns=["classes", "label", "role", "role_zh", "nature", "unit_cost",
                                           "unit_revenue", "base_m2", "target_m2", "change_m2", "cost_m2",
                                           "revenue_m2", "cost", "revenue"])
    from .finance import ROLE_ZH, ROLES

    role_rows = []
    for role in ROLES:
        sub = by_class[by_class["role"] == role]
        for nature in sorted(sub["nature"].unique()):
            s = sub[sub["nature"] == nature]
            role_rows.append({"role": role, "role_zh": ROLE_ZH[role], "nature": nature,
                              "base_m2": float(s["base_m2"].sum()), "target_m2": float(s["target_m2"].sum()),
                              "change_m2": float(s["change_m2"].sum()), "cost": float(s["cost"].sum()),
                              "revenue": float(s["revenue"].sum())})
    by_role = pd.DataFrame(role_rows, columns=["role", "role_zh", "nature", "base_m2", "target_m2", "change_m2",
                                               "cost", "revenue"])
    un = []
    for side, series in (("基期", b_code), ("目标年", t_code)):
        for c, v in series.items():
            if isinstance(c, str) and entries.get(c) is None and v > 0:
                un.append({"code": c, "side": side, "area_m2": float(v)})
            elif not isinstance(c, str) and v > 0:
                un.append({"code": "（未识别）", "side": side, "area_m2": float(v)})
    unpriced = pd.DataFrame(un, columns=["code", "side", "area_m2"])
    if len(unpriced):
        cls = get_registry().classification(CLASSIFICATION)
        unpriced.insert(1, "name", [cls.name(c) or "" for c in unpriced["code"]])
    else:
        unpriced.insert(1, "name", [])
    return FinanceView(method, by_role, by_class, unpriced, float(by_class["cost"].sum()),
                       float(by_class["revenue"].sum()), finance.label, bool(finance.example))


def system_label(system: str) -> str:
    return SYSTEM_LABELS[parse_system(system)]


def clean(value) -> Optional[str]:
    return clean_code(value)
