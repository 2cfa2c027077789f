"""Finance table (资金测算单价表): per 用地用海2023 class, its role in the land budget and unit values.

The table is data a planner edits (CSV or the first sheet of an .xlsx), one row per class pattern::

    classes, label, role, nature, cost_wan_per_ha, revenue_wan_per_ha, note

* ``classes``: 用地用海2023 patterns as in rule profiles (``0701``, ``07*``, ``1201-1206``,
  ``!0703``); rows are tried in file order and the first match wins, so specific codes go first.
* ``role``: ``service`` 服务 / ``revenue`` 收益 / ``financing`` 融资 / ``none`` (non-construction).
* ``nature``: 公益性 / 经营性 / blank.
* ``cost_wan_per_ha``: cost of acquiring and preparing land whose *current* use is this class;
  ``revenue_wan_per_ha``: revenue of land *planned* for this class; both in 万元/公顷, ≥ 0.

Comment lines ``# finance: name, version: v, example: yes`` set the name, version and whether the
values are examples (the shipped table is, and every report says so); ``# change_level: 2`` (or
``用途改变层级: 二级类``) sets the level at which a use counts as changed (see :func:`use_changed`):
not given, a parent/child pair (0701→070102) is the same use; 1/2/3 compare the codes cut to
their 一级/二级/三级 class, so with 1 a 0701→0702 is no change either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import DATA_DIR
from .compliance import (
    ClassPatternError,
    cell_text,
    class_matcher,
    code_ancestors,
    split_class_patterns,
)
from .registry import clean_code
from .tables import TableError, plain_text, read_table_records

EXAMPLE_TABLE = DATA_DIR / "finance" / "finance_example.csv"
ROLES = ("service", "revenue", "financing", "none")
ROLE_ZH = {"service": "服务", "revenue": "收益", "financing": "融资", "none": "非建设用地"}
NATURES = ("公益性", "经营性", "")
_ROLE_ALIASES = {
    "service": "service", "服务": "service", "服务型": "service",
    "revenue": "revenue", "收益": "revenue", "收益型": "revenue",
    "financing": "financing", "融资": "financing", "融资型": "financing",
    "none": "none", "": "none", "-": "none", "无": "none", "非建设用地": "none",
}
_NATURE_ALIASES = {"公益性": "公益性", "公益": "公益性", "public": "公益性",
                   "经营性": "经营性", "经营": "经营性", "profitable": "经营性", "": ""}
_HEADERS = {
    "classes": ("classes", "代码", "用地用海代码", "地类代码"),
    "label": ("label", "名称", "用地类型", "地类名称"),
    "role": ("role", "功能", "角色", "功能角色"),
    "nature": ("nature", "性质", "公益性/经营性"),
    "cost_wan_per_ha": ("cost_wan_per_ha", "cost", "成本", "成本（万元/公顷）", "征收整理成本"),
    "revenue_wan_per_ha": ("revenue_wan_per_ha", "revenue", "收益", "收益（万元/公顷）", "出让收益"),
    "note": ("note", "备注", "说明"),
}
_HEADER_LOOKUP = {alias.lower(): col for col, aliases in _HEADERS.items() for alias in aliases}
_META = re.compile(r"(finance|name|名称)\s*[:：=]\s*([^,;，；]+)", re.I)
_META_VERSION = re.compile(r"(?:version|版本)\s*[:：=]\s*([^,;，；]+)", re.I)
_META_EXAMPLE = re.compile(r"(?:example|示例)\s*[:：=]\s*(yes|true|1|是)", re.I)
_META_LEVEL = re.compile(r"(?:change_level|用途改变层级)\s*[:：=]\s*([^,;，；\s]+)", re.I)
_LEVELS = {"1": 1, "一级": 1, "一级类": 1, "2": 2, "二级": 2, "二级类": 2, "3": 3, "三级": 3, "三级类": 3,
           "上下级": None, "ancestry": None, "default": None}


class FinanceTableError(ValueError):
    """A finance table that cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class FinanceEntry:
    line: int
    classes: Tuple[str, ...]
    label: str
    role: str
    nature: str
    cost: float  # 万元/公顷
    revenue: float  # 万元/公顷
    note: str

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)


class FinanceTable:
    def __init__(self, entries: List[FinanceEntry], name: str, version: str, example: bool, path: Optional[Path],
                 change_level: Optional[int] = None):
        self.entries = entries
        self.change_level = change_level   # None: parent/child is no change; 1/2/3: compare at that class level
        self.name = name
        self.version = version
        self.example = example
        self.path = path
        self._cache: Dict[str, Optional[FinanceEntry]] = {}

    @classmethod
    def load(cls, path) -> FinanceTable:
        p = Path(path)
        try:
            records = read_table_records(p, ("资金测算表", "finance table"))
        except TableError as exc:
            raise FinanceTableError(str(exc)) from None
        return _parse(p, records)

    @classmethod
    def example_table(cls) -> FinanceTable:
        return cls.load(EXAMPLE_TABLE)

    @property
    def label(self) -> str:
        text = f"{self.name} ({self.version})" if self.version else self.name
        return text + ("【示例值，须替换为本地基准价格】" if self.example else "")

    def lookup(self, code) -> Optional[FinanceEntry]:
        """The first entry whose classes match the 用地用海2023 ``code``; None when none does."""
        key = clean_code(code) or ""
        if key in self._cache:
            return self._cache[key]
        anc = code_ancestors(key)
        found = None
        if anc is not None:
            for e in self.entries:
                if class_matcher(e.classes).matches(anc):
                    found = e
                    break
        self._cache[key] = found
        return found


def _number(text: str) -> Optional[float]:
    t = text.replace(",", "").replace("，", "")
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if v == v else None


def _parse(path: Path, records) -> FinanceTable:
    name, version, example, level = path.stem, "", False, None
    header: Optional[List[str]] = None
    entries: List[FinanceEntry] = []
    errors: List[str] = []
    for line, raw_cells in records:
        cells = [cell_text(c) for c in raw_cells]
        plain = [plain_text(c) for c in raw_cells]
        if not any(cells):
            continue
        if cells[0].startswith("#"):
            text = ",".join(plain)
            m = _META.search(text)
            if m and header is None and m.group(1).lower() in ("finance", "name", "名称"):
                name = m.group(2).strip()
            v = _META_VERSION.search(text)
            if v:
                version = v.group(1).strip()
            if _META_EXAMPLE.search(text):
                example = True
            lv = _META_LEVEL.search(text)
            if lv:
                if lv.group(1) not in _LEVELS:
                    errors.append(f"第{line}行：用途改变层级“{lv.group(1)}”无效，可用 1、2、3（一级类、二级类、三级类）或 上下级 / "
                                  f"line {line}: change_level '{lv.group(1)}' is not valid; use 1, 2, 3 or 上下级")
                else:
                    level = _LEVELS[lv.group(1)]
            continue
        if header is None:
            header = [_HEADER_LOOKUP.get(c.lower(), c.lower()) for c in cells]
            unknown = [c for c in cells if c and c.lower() not in _HEADER_LOOKUP]
            if unknown:
                raise FinanceTableError(
                    f"资金测算表 {path.name} 第{line}行（表头）有无法识别的列：{'、'.join(unknown)}；可用的列为 "
                    f"{', '.join(_HEADERS)}（或其中文名） / finance table {path.name}, line {line} (header): unknown "
                    f"column(s) {', '.join(unknown)}; allowed: {', '.join(_HEADERS)}")
            missing = [c for c in ("classes", "cost_wan_per_ha", "revenue_wan_per_ha") if c not in header]
            if missing:
                raise FinanceTableError(
                    f"资金测算表 {path.name} 第{line}行：缺少列 {', '.join(missing)}（需要 classes, role, nature, "
                    f"cost_wan_per_ha, revenue_wan_per_ha） / finance table {path.name}, line {line}: "
                    f"missing column(s) {', '.join(missing)}")
            continue
        row = {header[i]: cells[i] if i < len(cells) else "" for i in range(len(header))}
        for col in ("label", "note"):
            if col in header and header.index(col) < len(plain):
                row[col] = plain[header.index(col)]
        n_errors = len(errors)

        def err(col, zh, en, line=line):
            errors.append(f"{path.name} 第{line}行 {col} 列：{zh} / line {line}, column {col}: {en}")

        classes = tuple(split_class_patterns(row.get("classes", "")))
        if not classes:
            err("classes", "代码为空", "no class pattern")
        else:
            try:
                class_matcher(classes)
            except ClassPatternError as exc:
                err("classes", exc.zh, exc.en)
        role = _ROLE_ALIASES.get(row.get("role", "").lower())
        if role is None:
            err("role", f"“{row.get('role')}” 不是 service/revenue/financing/none（服务/收益/融资）",
                f"'{row.get('role')}' is not service/revenue/financing/none")
        nature = _NATURE_ALIASES.get(row.get("nature", "").lower())
        if nature is None:
            err("nature", f"“{row.get('nature')}” 不是 公益性/经营性", f"'{row.get('nature')}' is not 公益性/经营性")
        values = []
        for col in ("cost_wan_per_ha", "revenue_wan_per_ha"):
            raw = row.get(col, "")
            v = _number(raw)
            if v is None:
                err(col, f"“{raw}” 不是数字（空值请填 0）", f"'{raw}' is not a number (write 0 for none)")
            elif v < 0:
                err(col, f"单价 {raw} 为负数", f"unit value {raw} is negative")
            values.append(v or 0.0)
        if len(errors) == n_errors:
            entries.append(FinanceEntry(line, classes, row.get("label", ""), role or "none", nature or "",
                                        values[0], values[1], row.get("note", "")))
    if errors:
        raise FinanceTableError("资金测算表有误 / the finance table has errors:\n" + "\n".join(errors[:20]))
    if header is None or not entries:
        raise FinanceTableError(f"资金测算表 {path.name}：没有任何单价行 / the finance table {path.name} has no rows")
    return FinanceTable(entries, name, version, example, path, level)


# --------------------------------------------------------------------------- change of use
CHANGE_RULE_ZH = ("用途改变：现状与规划的用地用海2023代码不同且不是上下级关系"
                  "（如 0701→070102、09→0901、08→0804 视为用途未变，不计成本与收益）")
_LEVEL_ZH = {1: "一级类", 2: "二级类", 3: "三级类"}


def change_rule_zh(level: Optional[int] = None) -> str:
    """The sentence every report prints for the change-of-use rule at ``level``."""
    if level is None:
        return CHANGE_RULE_ZH
    example = {1: "0701→0702、1001→1002", 2: "070101→070102", 3: "同一三级类的细分"}[level]
    return (f"用途改变：现状与规划的用地用海2023代码截取到{_LEVEL_ZH[level]}（{2 * level} 位）后不同"
            f"（资金测算表设定；如 {example} 视为用途未变，不计成本与收益）")


def use_changed(current, planned, level: Optional[int] = None):
    """True where the use changes.  ``level`` None: the 用地用海2023 codes differ and neither is the
    other's ancestor (a parent/child pair such as 0701→070102 refines the same use; it is not a change);
    1/2/3: the codes cut to that class level (2/4/6 characters) differ.  A missing code on either side
    counts as a change when the other is given (it is priced as unknown)."""
    import numpy as np

    out = np.empty(len(current), dtype=bool)
    n = None if level is None else 2 * int(level)
    for i, (a, b) in enumerate(zip(current, planned)):
        a = a or ""
        b = b or ""
        if a == b:
            out[i] = False
        elif a and b:
            out[i] = (a[:n] != b[:n]) if n else not (a.startswith(b) or b.startswith(a))
        else:
            out[i] = True
    return out

