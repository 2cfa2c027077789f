"""用地结构调整表 (structure_table): base-year vs target-year area per template row, the
transition matrix between them, and the finance view ("算大账").

Data flow (all areas in m² until the very end)::

    codes (三调 / 用地用海2020 / 2023) --crosswalk--> 用地用海2023 code + flag (待细分/未识别/空值)
    + 城镇村 group (CZCSXM field, or the class rule for a plan without such a field)
    --template--> leaf row of the table
    records (one per parcel, plus one 田坎 record per parcel with a deduction) x region shares
    --sum m²--> exact figures here; rounding, balancing and printed notes in ledger.py

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
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .. import DATA_DIR
from ..compliance import (
    ClassPatternError,
    cell_text,
    class_matcher,
    code_ancestors,
    split_class_patterns,
)
from ..finance import change_rule_zh, use_changed
from ..registry import SYSTEM_LABELS, clean_code, get_registry, parse_system
from ..rounding import M2_PER_UNIT
from ..tables import TableError, plain_text, read_table_records

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
        except TableError as exc:
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
        try:
            records = read_table_records(p, ("城镇村划分规则表", "town/village rule table"))
        except TableError as exc:
            raise TemplateError(str(exc)) from None
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


def code_details(*layers: LayerRecords) -> pd.DataFrame:
    """:func:`code_detail` of several layers in one frame.  Empty parts are left out of the concatenation:
    an empty part's object columns would otherwise decide the dtypes (pandas deprecates excluding them),
    turning area_m2 into objects."""
    parts = [code_detail(r) for r in layers]
    return pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)


# --------------------------------------------------------------------------- transition
@dataclass
class TransitionPairs:
    """Base row × target row areas, exact.  ``pairs``: long table (base_row, target_row, area_m2 on
    the base basis, target_m2 on the target basis); the target row :data:`UNCOVERED` holds the base
    area no target parcel covers.  Rounding and layout are the ledger's (ledger.transition)."""

    pairs: pd.DataFrame
    target_cover_m2: Dict[str, float]  # per target row: area on the target basis covered by base parcels
    target_uncovered_m2: float  # target area (target basis) outside every base parcel
    # off-diagonal base area that is no change of use: 田坎 (row 其他土地) of a parcel whose class the plan keeps
    tiankan_kept_m2: float = 0.0


UNCOVERED = "_uncovered"
UNCOVERED_LABEL = "规划图层未覆盖"


def _sum_by(key: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Float sums of ``weights`` per integer ``key`` in 0..n-1 (also for no keys at all)."""
    return np.bincount(key, weights=weights, minlength=n).astype(float, copy=False)


def _first_per(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per key 0..n-1, the value of its first record (−1 where it has none)."""
    out = np.full(n, -1, dtype=np.int64)
    out[index[::-1]] = np.asarray(values)[::-1]  # the last write wins: reversed, the first record does
    return out


def _join_many(rec_parcel: np.ndarray, piece_parcel: np.ndarray, n: int):
    """The inner join records × pieces on the parcel index (each record meets every piece of its
    parcel), as two index arrays (record, piece) — records in their order, pieces in theirs."""
    count = np.bincount(piece_parcel, minlength=n)
    order = np.argsort(piece_parcel, kind="stable")
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    per_rec = count[rec_parcel]
    rec = np.repeat(np.arange(len(rec_parcel)), per_rec)
    first = np.cumsum(per_rec) - per_rec
    pos = np.repeat(start[rec_parcel] - first, per_rec) + np.arange(len(rec))
    return rec, order[pos]


def transition_pairs(base: LayerRecords, target: LayerRecords, pieces: pd.DataFrame) -> TransitionPairs:
    """From→to areas.  ``pieces``: (base_parcel, target_parcel, base_share, target_share) with
    the piece's share of the base parcel's and of the target parcel's geometry.  Every base
    record (the class and the 田坎 part) is apportioned by ``base_share``; what no target parcel
    covers goes to the column :data:`UNCOVERED`, so each row adds up to the base figure exactly.

    Plain integer arrays throughout (a county has ~10⁶ pieces and ~30 rows): rows become codes,
    the join of records and pieces is two index arrays, every sum a ``bincount``.
    """
    bf = base.frame[["parcel", "row", "parcel_row", "area_m2"]]
    if (base.frame["region"] != "").any():  # regions split records: transition on whole parcels
        bf = bf.groupby(["parcel", "row", "parcel_row"], as_index=False, sort=False)["area_m2"].sum()
    tf = target.frame[target.frame["kind"] == "class"][["parcel", "row", "area_m2"]]
    labels = pd.Index(pd.unique(np.concatenate([bf["row"].to_numpy(dtype=object), bf["parcel_row"].to_numpy(dtype=object),
                                                tf["row"].to_numpy(dtype=object), np.array([UNCOVERED], dtype=object)])))
    n_lab = len(labels)
    uncovered = int(labels.get_loc(UNCOVERED))
    r_parcel = bf["parcel"].to_numpy(dtype=np.int64)
    r_row = labels.get_indexer(bf["row"].to_numpy(dtype=object))
    r_prow = labels.get_indexer(bf["parcel_row"].to_numpy(dtype=object))
    r_area = bf["area_m2"].to_numpy(dtype=float)

    pp = pieces["base_parcel"].to_numpy(dtype=np.int64)
    pt = pieces["target_parcel"].to_numpy(dtype=np.int64)
    n_b = int(max(r_parcel.max(initial=-1), pp.max(initial=-1))) + 1
    n_t = int(max(tf["parcel"].max() if len(tf) else -1, pt.max(initial=-1))) + 1
    t_parcel = tf["parcel"].to_numpy(dtype=np.int64)
    t_area = _sum_by(t_parcel, tf["area_m2"].to_numpy(dtype=float), n_t)
    t_row = _first_per(t_parcel, labels.get_indexer(tf["row"].to_numpy(dtype=object)), n_t)
    b_row = _first_per(r_parcel, r_prow, n_b)  # the parcel's class row (田坎 records carry it too)
    keep = (t_row[pt] >= 0) & (b_row[pp] >= 0)  # pieces of target parcels that have a class and base parcels kept
    pp, pt = pp[keep], pt[keep]
    bs = pieces["base_share"].to_numpy(dtype=float)[keep]
    ts = pieces["target_share"].to_numpy(dtype=float)[keep]
    # overlapping target parcels would cover a base parcel more than once: scale its pieces so
    # that they never add up to more than the parcel (the overlap itself is reported separately)
    share_sum = _sum_by(pp, bs, n_b)
    bs = bs / np.maximum(share_sum, 1.0)[pp]
    covered = np.minimum(_sum_by(pp, bs, n_b), 1.0)

    rec, piece = _join_many(r_parcel, pp, n_b)
    j_row, j_trow = r_row[rec], t_row[pt[piece]]
    j_m2 = r_area[rec] * bs[piece]
    cells = n_lab * n_lab
    key = j_row * n_lab + j_trow
    area = _sum_by(key, j_m2, cells)
    present = np.bincount(key, minlength=cells) > 0
    # what no target parcel covers, record by record
    rest = r_area * (1.0 - covered[r_parcel])
    has_rest = rest > 0
    key_u = r_row[has_rest] * n_lab + uncovered
    area += _sum_by(key_u, rest[has_rest], cells)
    present[key_u] = True
    # target-basis measure of each piece, under its base parcel's class row
    t_m2 = t_area[pt] * ts
    tkey = b_row[pp] * n_lab + t_row[pt]
    target_m2 = _sum_by(tkey, t_m2, cells)
    by_trow = _sum_by(t_row[pt], t_m2, n_lab)
    seen_trow = np.bincount(t_row[pt], minlength=n_lab) > 0
    target_cover = {labels[k]: float(by_trow[k]) for k in np.nonzero(seen_trow)[0]}
    t_cov = np.minimum(_sum_by(pt, ts, n_t), 1.0)
    has_class = t_row >= 0
    target_uncovered = float((t_area[has_class] * (1.0 - t_cov[has_class])).sum())

    k = np.nonzero(present)[0]
    pairs = pd.DataFrame({"base_row": labels[k // n_lab].to_numpy(dtype=object),
                          "target_row": labels[k % n_lab].to_numpy(dtype=object),
                          "area_m2": area[k], "target_m2": target_m2[k]})
    kept = (j_row != j_trow) & (r_prow[rec] == j_trow)
    return TransitionPairs(pairs, target_cover, target_uncovered, float(j_m2[kept].sum()))


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
    # side ('base'/'target'), row (template leaf row), code, area_m2, entry (by_class position or -1 for
    # an unpriced code): the pieces from which the ledger builds the printed areas, so that a class
    # printed here and in the structure table is the same figure
    atoms: Optional[pd.DataFrame] = None

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
    t_code = target.frame.groupby("code", dropna=False)["area_m2"].sum()  # every record, like the table
    codes = sorted(set(c for c in b_code.index if isinstance(c, str)) | set(c for c in t_code.index if isinstance(c, str)))
    entries = {c: entry_of(c) for c in codes}

    cost_m2: Dict[int, float] = {}
    rev_m2: Dict[int, float] = {}
    if pieces is not None:
        method = ("按叠加图斑逐块判定：用途改变的部分计成本（按现状地类单价）与收益（按规划地类单价）；"
                  + change_rule_zh(getattr(finance, "change_level", None)))
        # the join of base records and pieces as index arrays, codes as integers: a county has ~10⁶
        # pieces and ~10³ distinct (current, planned) code pairs, each judged once
        b_parcel = bf["parcel"].to_numpy(dtype=np.int64)
        b_codes = bf["parcel_code"].to_numpy(dtype=object)  # 田坎 is priced and judged as its parcel's class
        t_codes = tf["code"].to_numpy(dtype=object)
        code_id, uniq_codes = pd.factorize(np.concatenate([b_codes, t_codes]))  # None/NaN → -1
        b_code_id, t_code_id = code_id[:len(b_codes)], code_id[len(b_codes):]
        pp = pieces["base_parcel"].to_numpy(dtype=np.int64)
        pt = pieces["target_parcel"].to_numpy(dtype=np.int64)
        bs = pieces["base_share"].to_numpy(dtype=float)
        t_parcel = tf["parcel"].to_numpy(dtype=np.int64)
        n_b = int(max(b_parcel.max(initial=-1), pp.max(initial=-1))) + 1
        n_t = int(max(t_parcel.max(initial=-1), pt.max(initial=-1))) + 1
        t_code_of = _first_per(t_parcel, t_code_id, n_t)  # first class record of a target parcel
        share_sum = np.maximum(_sum_by(pp, bs, n_b), 1.0)  # overlapping plan parcels
        rec, piece = _join_many(b_parcel, pp, n_b)
        m2 = bf["area_m2"].to_numpy(dtype=float)[rec] * bs[piece] / share_sum[pp[piece]]
        cur, plan = b_code_id[rec], t_code_of[pt[piece]]
        ok = (cur >= 0) & (plan >= 0)
        k = len(uniq_codes)
        pair, pair_of = np.unique(cur[ok] * k + plan[ok], return_inverse=True)
        pair_m2 = _sum_by(pair_of, m2[ok], len(pair))
        cur_p, plan_p = pair // k, pair % k
        changed = np.asarray(use_changed([uniq_codes[i] for i in cur_p], [uniq_codes[i] for i in plan_p],
                                         getattr(finance, "change_level", None)), dtype=bool)
        for by, dest in ((cur_p, cost_m2), (plan_p, rev_m2)):  # cost by current class, revenue by planned
            sums = _sum_by(by[changed], pair_m2[changed], k)
            for i in np.nonzero(np.bincount(by[changed], minlength=k))[0]:
                c = uniq_codes[i]
                e = entries[c] if c in entries else entry_of(c)
                if e is not None:
                    dest[id(e)] = dest.get(id(e), 0.0) + float(sums[i])
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
    kept: Dict[int, int] = {}  # id(entry) -> its position in by_class
    for e in finance.entries:
        bm = sum(float(b_code.get(c, 0.0)) for c in codes if entries[c] is e)
        tm = sum(float(t_code.get(c, 0.0)) for c in codes if entries[c] is e)
        cm, rm = cost_m2.get(id(e), 0.0), rev_m2.get(id(e), 0.0)
        if bm == 0 and tm == 0 and cm == 0 and rm == 0:
            continue
        kept[id(e)] = len(rows)
        rows.append({"classes": "、".join(e.classes), "label": e.label, "role": e.role, "role_zh": e.role_zh,
                     "nature": e.nature, "unit_cost": e.cost, "unit_revenue": e.revenue, "base_m2": bm,
                     "target_m2": tm, "change_m2": tm - bm, "cost_m2": cm, "revenue_m2": rm,
                     "cost": cm / 10000.0 * e.cost, "revenue": rm / 10000.0 * e.revenue})
    by_class = pd.DataFrame(rows, columns=["classes", "label", "role", "role_zh", "nature", "unit_cost",
                                           "unit_revenue", "base_m2", "target_m2", "change_m2", "cost_m2",
                                           "revenue_m2", "cost", "revenue"])
    from ..finance import ROLE_ZH, ROLES

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
    sides = []
    for side, frame in (("base", bf), ("target", target.frame)):
        g = frame.groupby(["row", "code"], dropna=False)["area_m2"].sum().reset_index()
        g.insert(0, "side", side)
        sides.append(g)
    atoms = pd.concat(sides, ignore_index=True)
    atoms["code"] = atoms["code"].where(atoms["code"].map(lambda c: isinstance(c, str)), None)
    atoms["entry"] = [kept.get(id(entries.get(c)), -1) if isinstance(c, str) and entries.get(c) is not None else -1
                      for c in atoms["code"]]
    return FinanceView(method, by_role, by_class, unpriced, float(by_class["cost"].sum()),
                       float(by_class["revenue"].sum()), finance.label, bool(finance.example), atoms)


def system_label(system: str) -> str:
    return SYSTEM_LABELS[parse_system(system)]


def clean(value) -> Optional[str]:
    return clean_code(value)
