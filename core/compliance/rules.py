"""Compliance check (合规性检查) against 三区三线 and other control lines: the rule-profile engine.

A *rule profile* (规则方案) is a table a planner can edit in Excel/WPS (CSV or the first sheet of
an .xlsx) with one rule per row::

    rule_id, role, zone, position, classes, project_types, verdict, message,
    legal_basis, evidence, note

* ``role``: ``pbf`` 永久基本农田 / ``eprl`` 生态保护红线 / ``udb`` 城镇开发边界 (Chinese names and
  the layer codes YJJBNT/STBHHX/CZKFBJ are accepted too) or any other role name given to an extra
  control layer (历史文化保护线, 洪涝风险控制线 ...).
* ``zone``: ``*`` or ``;``-separated zone values of the control feature (eprl ZRBHDFQ 核心保护区 /
  一般控制区, udb GHFQMC 城镇集中建设区 / 城镇弹性发展区 / 特别用途区).  A zone matches when the
  feature's value equals it or contains it.  Empty = ``*``.
* ``position``: ``inside`` (default) or ``outside`` (for udb: building outside the boundary).
* ``classes``: ``*`` or ``;``-separated 用地用海2023 patterns: ``0701`` (the code and everything
  below it), ``07*`` (same, written explicitly), ``1201-1205`` (codes of the same level in the
  range, and their sub-codes), ``!0601`` (negation) and ``未知`` (a subject without a valid code).
  A subject's code matches a pattern when the code or one of its ancestors equals it.  With only
  negations the positive side is "everything".  ``*`` matches everything, 未知 included.
* ``project_types``: ``*`` or ``;``-separated names (一般建设项目, 国家重大项目, 线性基础设施 ...).
* ``verdict``: pass / fail / review (通过 / 不通过 / 需论证).
* ``evidence``: V / S / R (or combinations such as ``S/R``), copied from the research report.

Rows whose rule_id starts with ``#`` are comments; ``# profile: 全国默认, version: 2025-draft``
sets the profile's name and version.  Rules are tried in file order and the first match wins.

:func:`judge` applies a profile to an overlay result (one row per subject × role × zone ×
position) and returns per-row verdicts and one verdict per subject.  Only the standard library
is needed to load a profile; pandas/numpy are imported by :func:`judge`, openpyxl only for .xlsx.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from .. import DATA_DIR, tables
from ..registry import clean_code, get_registry
from ..tables import cell_text_raw as _cell_text

VERDICTS = ("pass", "review", "fail")
VERDICT_ZH = {"pass": "通过", "review": "需论证", "fail": "不通过", "not_checked": "未检查"}
ROLE_ZH = {"pbf": "永久基本农田", "eprl": "生态保护红线", "udb": "城镇开发边界"}
STANDARD_ROLES = ("pbf", "eprl", "udb")
POSITIONS = ("inside", "outside")
POSITION_ZH = {"inside": "内", "outside": "外"}
STATUS_NOT_OCCUPIED = "不涉及"   # no overlap with the line (“占用” is for what the rules judged 不通过)
STATUS_NOT_CHECKED = VERDICT_ZH["not_checked"]

GENERAL_PROJECT = "一般建设项目"
#: project types used by the national default profile (a profile may define others)
PROJECT_TYPES = ("一般建设项目", "国家重大项目", "线性基础设施", "生态保护修复", "农业设施", "军事国防", "规划方案")
PLAN_PROJECT = "规划方案"
# [R] how a subject layer is recognised as a plan (国土空间规划 用地用海 layer) rather than project parcels
_PLAN_LAYER_WORDS = ("GHYD", "GHDL", "规划用地", "规划地类", "用地规划", "国土空间规划", "总体规划", "详细规划", "规划")
_PLAN_FIELDS = ("GHDLBM", "GHDLMC", "GHYDDM", "GHYDMC", "YDYHFLDM", "GHYT")


def project_type_for(layer_name: str, field_names=()) -> str:
    """规划方案 for a plan layer (its name or its fields say 规划: GHYD, GHDLBM …), else 一般建设项目 — the
    default a form and the algorithm's 自动 choice use (PBF-10 vs PBF-09 in the national profile)."""
    name = str(layer_name or "").upper()
    fields = {str(f).upper() for f in field_names or ()}
    if any(w.upper() in name for w in _PLAN_LAYER_WORDS) or fields & set(_PLAN_FIELDS):
        return PLAN_PROJECT
    return GENERAL_PROJECT
UNKNOWN_CLASS = "未知"
CLASSIFICATION = "ydyh2023"

COLUMNS = ("rule_id", "role", "zone", "position", "classes", "project_types", "verdict", "message",
           "legal_basis", "evidence", "note")
REQUIRED_COLUMNS = ("rule_id", "role", "classes", "project_types", "verdict", "message")
OCCUPANCY_COLUMNS = ("subject", "role", "zone", "position", "code", "area_m2")
DEFAULT_PROFILE = DATA_DIR / "rule_profiles" / "national_default.csv"

_RANK = {"pass": 0, "review": 1, "fail": 2}

_HEADER_ALIASES = {
    "rule_id": ("rule_id", "ruleid", "id", "规则编号", "编号"),
    "role": ("role", "控制线", "控制线类型", "角色"),
    "zone": ("zone", "zones", "分区", "管控分区"),
    "position": ("position", "位置", "内外"),
    "classes": ("classes", "class", "地类", "用地用海分类", "规划地类"),
    "project_types": ("project_types", "project_type", "项目类型"),
    "verdict": ("verdict", "结论", "判定"),
    "message": ("message", "说明", "提示", "判定说明"),
    "legal_basis": ("legal_basis", "依据", "法律依据", "政策依据"),
    "evidence": ("evidence", "证据", "证据等级"),
    "note": ("note", "notes", "备注"),
}
_HEADER_LOOKUP = {alias.lower(): col for col, aliases in _HEADER_ALIASES.items() for alias in aliases}

_ROLE_ALIASES = {}
for _canon, _names in (
    ("pbf", ("pbf", "永久基本农田", "永农", "基本农田", "yjjbnt", "yjjbnttb", "yjjbntbhtb")),
    ("eprl", ("eprl", "生态保护红线", "生态红线", "stbhhx")),
    ("udb", ("udb", "城镇开发边界", "开发边界", "czkfbj")),
):
    for _n in _names:
        _ROLE_ALIASES[_n] = _canon

_VERDICT_ALIASES = {"pass": "pass", "通过": "pass", "fail": "fail", "不通过": "fail",
                    "review": "review", "需论证": "review"}
_POSITION_ALIASES = {"inside": "inside", "in": "inside", "内": "inside", "边界内": "inside",
                     "outside": "outside", "out": "outside", "外": "outside", "边界外": "outside"}
_UNKNOWN_WORDS = ("未知", "UNKNOWN")

_BLANKS = " \t\r\n\v\f\u3000\u00a0\ufeff\u200b"
_LIST_SPLIT = re.compile(r"[;,、]+")          # after NFKC: ；→;  ，→,
_CLASS_SPLIT = re.compile(r"[;,、\s]+")
_RANGE_DASH = re.compile(r"\s*[-~\u2013\u2014\u2212]\s*")
_EVIDENCE_SPLIT = re.compile(r"[/+,;、\s]+")
_META_NAME = re.compile(r"(?:profile|name|方案名称|方案|名称)\s*[:：=]\s*([^,;，；]+)", re.I)
_META_VERSION = re.compile(r"(?:version|版本)\s*[:：=]\s*([^,;，；（(]+)", re.I)


class RuleProfileError(tables.TableError):
    """A rule profile that cannot be read; ``errors`` lists every problem found (one per line)."""

    def __init__(self, message: str, errors: Optional[List[str]] = None):
        super().__init__(message)
        self.errors = list(errors) if errors else [message]


# --------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class Rule:
    rule_id: str
    role: str
    zones: Tuple[str, ...] = ("*",)
    position: str = "inside"
    classes: Tuple[str, ...] = ("*",)
    project_types: Tuple[str, ...] = ("*",)
    verdict: str = "review"
    message: str = ""
    legal_basis: str = ""
    evidence: str = ""
    note: str = ""
    line: int = 0

    def matches(self, role: str, zone: str, position: str, code, project_type: str) -> bool:
        """True if this rule applies (arguments are normalised as in :meth:`RuleProfile.match`)."""
        return _rule_matches(self, _norm_role(role), _norm_zone(zone), _norm_position_value(position),
                             _ancestors(_code_key(code)), _norm_text(project_type))


@dataclass
class RuleProfile:
    name: str
    version: str = ""
    path: Optional[str] = None
    rules: list = field(default_factory=list)

    @classmethod
    def load(cls, path) -> RuleProfile:
        """Read a profile from CSV (UTF-8 with/without BOM, GBK fallback) or .xlsx (first sheet)."""
        p = Path(path)
        records = _read_records(p)
        return _parse_profile(p, records)

    @classmethod
    def default(cls) -> RuleProfile:
        """The national default profile shipped in data/rule_profiles/national_default.csv."""
        return cls.load(DEFAULT_PROFILE)

    @property
    def label(self) -> str:
        """"name (version)" for reports and provenance sheets."""
        return f"{self.name} ({self.version})" if self.version else self.name

    def project_types(self) -> list:
        """Ordered unique project types named by the rules; 一般建设项目 always first."""
        out = [GENERAL_PROJECT]
        for rule in self.rules:
            for pt in rule.project_types:
                if pt != "*" and pt not in out:
                    out.append(pt)
        return out

    def roles(self) -> list:
        """Roles named by the rules: pbf, eprl, udb first (if used), then others in file order."""
        seen = []
        for rule in self.rules:
            if rule.role not in seen:
                seen.append(rule.role)
        return [r for r in STANDARD_ROLES if r in seen] + [r for r in seen if r not in STANDARD_ROLES]

    def match(self, role, zone, position, code, project_type) -> Optional[Rule]:
        """The first rule (in file order) that applies, or None.

        ``code`` is a 用地用海2023 code (normalised by the registry: ``701`` -> ``0701``); None,
        blank or a code not in the table counts as the pseudo-class 未知.
        """
        return self._match_normalised(_norm_role(role), _norm_zone(zone), _norm_position_value(position),
                                      _code_key(code), _norm_text(project_type))

    def _match_normalised(self, role: str, zone: str, position: str, code_key: str,
                          project_type: str) -> Optional[Rule]:
        anc = _ancestors(code_key)
        for rule in self.rules:
            if _rule_matches(rule, role, zone, position, anc, project_type):
                return rule
        return None

    def to_rows(self) -> List[Dict[str, object]]:
        """The rules as plain dicts (for a report's rule sheet), in file order."""
        out = []
        for r in self.rules:
            out.append({
                "rule_id": r.rule_id, "role": r.role, "zone": ";".join(r.zones), "position": r.position,
                "classes": ";".join(r.classes), "project_types": ";".join(r.project_types),
                "verdict": r.verdict, "message": r.message, "legal_basis": r.legal_basis,
                "evidence": r.evidence, "note": r.note, "line": r.line,
            })
        return out


# --------------------------------------------------------------------------- normalisation
def _text(value) -> str:
    """Cell value -> NFKC text without surrounding blanks ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip(_BLANKS)


def _norm_text(value) -> str:
    return _text(value)


def _norm_role(value) -> str:
    text = _text(value)
    return _ROLE_ALIASES.get(text.lower(), text)


def role_of_layer(*names) -> str:
    """The control-line role a layer stands for, from its name(s): an exact alias first
    (``YJJBNT``, ``生态保护红线`` …), then an alias inside the name (``样例县 YJJBNT``,
    ``county — 永久基本农田``); else the first name as it is (a profile's own role)."""
    texts = [_text(n) for n in names if _text(n)]
    for t in texts:
        if t.lower() in _ROLE_ALIASES:
            return _ROLE_ALIASES[t.lower()]
    for t in texts:
        low = t.lower()
        for alias in sorted(_ROLE_ALIASES, key=len, reverse=True):
            if len(alias) > 2 and alias in low:
                return _ROLE_ALIASES[alias]
    return texts[0] if texts else ""


def _norm_zone(value) -> str:
    return re.sub(r"\s+", "", _text(value))


def _norm_position_value(value) -> str:
    text = _text(value)
    if not text:
        return "inside"
    return _POSITION_ALIASES.get(text.lower(), text)


def _code_key(raw) -> str:
    """Cleaned code text used as a matching key ('' for a blank)."""
    try:
        code = clean_code(raw)
    except Exception:  # noqa: BLE001 - an odd value is simply unknown
        return _text(raw)
    return code or ""


# --------------------------------------------------------------------------- code index
class _CodeIndex:
    def __init__(self):
        cls = get_registry().classification(CLASSIFICATION)
        self.cls = cls
        self.ancestors: Dict[str, FrozenSet[str]] = {}
        self.by_level: Dict[int, List[str]] = {}
        for lc in cls:
            chain = [lc.code]
            parent = lc.parent
            while parent is not None:
                chain.append(parent)
                parent = cls.get(parent).parent
            self.ancestors[lc.code] = frozenset(chain)
            self.by_level.setdefault(lc.level, []).append(lc.code)

    def code(self, text: str) -> Optional[str]:
        """Table code for a pattern/code text, or None if it is not a valid 2023 code."""
        if not text or not text.isdigit():
            return None
        code = self.cls.normalize(text)
        return code if code in self.ancestors else None


_INDEX: Optional[_CodeIndex] = None


def _index() -> _CodeIndex:
    global _INDEX
    if _INDEX is None:
        _INDEX = _CodeIndex()
    return _INDEX


def _ancestors(code_key: str) -> Optional[FrozenSet[str]]:
    """Set of the code and its ancestors; None for an unknown/blank code (pseudo-class 未知)."""
    if not code_key:
        return None
    idx = _index()
    code = idx.code(code_key)
    return idx.ancestors[code] if code is not None else None


def describe_code(code_key: str) -> str:
    """'0701 城镇住宅用地', or '未知（…）' for a blank/unknown code."""
    if not code_key:
        return "未知（无地类代码）"
    idx = _index()
    code = idx.code(code_key)
    if code is None:
        return f"未知（代码 {code_key} 不在用地用海2023表中）"
    return f"{code} {idx.cls.name(code)}"


# --------------------------------------------------------------------------- class patterns
class _PatternError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh = zh
        self.en = en


_ALLOWED_PATTERNS_ZH = "允许：* 、用地用海2023代码（如 0701）、前缀通配（07*）、同级范围（1201-1205）、取反（!0601）、未知"
_ALLOWED_PATTERNS_EN = "allowed: *, a 2023 code (0701), prefix wildcard (07*), same-level range (1201-1205), negation (!0601), 未知"


def _split_classes(cell: str) -> List[str]:
    text = _RANGE_DASH.sub("-", _text(cell))
    return [t for t in _CLASS_SPLIT.split(text) if t]


def _parse_pattern(token: str) -> str:
    """Canonical text of one class pattern; raises _PatternError if invalid."""
    idx = _index()
    neg = token.startswith("!")
    body = token[1:].strip() if neg else token
    prefix = "!" if neg else ""
    if body == "*":
        if neg:
            raise _PatternError(f"“{token}” 无效：不能对 * 取反", f"'{token}' is invalid: '*' cannot be negated")
        return "*"
    if body.upper() in _UNKNOWN_WORDS:
        return prefix + UNKNOWN_CLASS
    if body.endswith("*"):
        code = idx.code(body[:-1])
        if code is None:
            raise _PatternError(f"“{token}” 中的 {body[:-1]} 不是用地用海2023代码",
                                f"'{token}': {body[:-1]!r} is not a 用地用海2023 code")
        return prefix + code + "*"
    if "-" in body:
        lo_text, hi_text = body.split("-", 1)
        lo, hi = idx.code(lo_text), idx.code(hi_text)
        for raw, code in ((lo_text, lo), (hi_text, hi)):
            if code is None:
                raise _PatternError(f"范围 “{token}” 中的 {raw or '（空）'} 不是用地用海2023代码",
                                    f"range '{token}': {raw!r} is not a 用地用海2023 code")
        if len(lo) != len(hi):
            raise _PatternError(f"范围 “{token}” 的两端不是同一级代码", f"range '{token}' mixes code levels")
        if lo > hi:
            raise _PatternError(f"范围 “{token}” 的起点大于终点", f"range '{token}' runs backwards")
        return f"{prefix}{lo}-{hi}"
    code = idx.code(body)
    if code is None:
        raise _PatternError(f"“{token}” 不是用地用海2023代码", f"'{token}' is not a 用地用海2023 code")
    return prefix + code


@dataclass(frozen=True)
class _ClassMatcher:
    any_positive: bool
    positive: FrozenSet[str]
    positive_unknown: bool
    negative: FrozenSet[str]
    negative_unknown: bool

    def matches(self, anc: Optional[FrozenSet[str]]) -> bool:
        if anc is None:
            return (self.any_positive or self.positive_unknown) and not self.negative_unknown
        if not (self.any_positive or not anc.isdisjoint(self.positive)):
            return False
        return anc.isdisjoint(self.negative)


@lru_cache(maxsize=4096)
def _compile_classes(patterns: Tuple[str, ...]) -> _ClassMatcher:
    idx = _index()
    any_pos = False
    pos_unknown = neg_unknown = False
    pos: set = set()
    neg: set = set()
    has_positive = False
    for raw in patterns:
        token = _parse_pattern(_text(raw))
        neg_token = token.startswith("!")
        body = token[1:] if neg_token else token
        if not neg_token:
            has_positive = True
        if body == "*":
            any_pos = True
            continue
        if body == UNKNOWN_CLASS:
            if neg_token:
                neg_unknown = True
            else:
                pos_unknown = True
            continue
        if body.endswith("*"):
            codes = {body[:-1]}
        elif "-" in body:
            lo, hi = body.split("-", 1)
            codes = {c for c in idx.by_level[len(lo) // 2] if lo <= c <= hi}
        else:
            codes = {body}
        (neg if neg_token else pos).update(codes)
    if not has_positive:
        any_pos = True  # only negations: "everything except ..."
    return _ClassMatcher(any_pos, frozenset(pos), pos_unknown, frozenset(neg), neg_unknown)


def _rule_matches(rule: Rule, role: str, zone: str, position: str, anc, project_type: str) -> bool:
    if rule.role != role or rule.position != position:
        return False
    if "*" not in rule.zones and not any(z == zone or (zone and z in zone) for z in rule.zones):
        return False
    if "*" not in rule.project_types and project_type not in rule.project_types:
        return False
    return _compile_classes(tuple(rule.classes)).matches(anc)


# --------------------------------------------------------------------------- reading files
PROFILE_WHAT = ("规则方案", "rule profile")


def _fail(path: Path, zh: str, en: str) -> RuleProfileError:
    return RuleProfileError(f"{path.name}：{zh} / {path.name}: {en}")


def _read_records(path: Path, what: Tuple[str, str] = PROFILE_WHAT) -> List[Tuple[int, List[str]]]:
    try:
        return tables.read_table_records(path, what)
    except tables.TableError as exc:
        raise RuleProfileError(str(exc)) from None


def _where(path: Path, line: int, column: str, zh: str, en: str) -> str:
    return f"{path.name} 第{line}行 {column} 列：{zh} / line {line}, column {column}: {en}"


def _parse_rule(path: Path, line: int, row: Dict[str, str], seen_ids: Dict[str, int]
                ) -> Tuple[Optional[Rule], List[str]]:
    """One profile row -> (Rule, []) or (None, [error, ...]); records the id in ``seen_ids``."""

    def get(col: str) -> str:
        return row.get(col, "")

    rule_id = _text(get("rule_id"))
    row_errors: List[str] = []

    def err(col: str, zh: str, en: str) -> None:
        row_errors.append(_where(path, line, col, zh, en))

    if not rule_id:
        err("rule_id", "规则编号为空", "rule_id is empty")
    elif rule_id in seen_ids:
        err("rule_id", f"规则编号 “{rule_id}” 与第{seen_ids[rule_id]}行重复",
            f"duplicate rule_id '{rule_id}' (first used on line {seen_ids[rule_id]})")
    else:
        seen_ids[rule_id] = line

    role = _norm_role(get("role"))
    if not role:
        err("role", "控制线为空（填 pbf / eprl / udb 或其他控制线名称）",
            "role is empty (use pbf, eprl, udb or the name of another control line)")
    elif role not in STANDARD_ROLES and role.isascii():
        # another control line is named in words (历史文化保护线 …); a Latin token is a typo of a standard role
        err("role", f"“{role}” 不是已知的控制线；可填 pbf（永久基本农田）、eprl（生态保护红线）、udb（城镇开发边界）"
                    "或其他控制线的中文名称（如 历史文化保护线）",
            f"'{role}' is not a known role; use pbf, eprl, udb or the Chinese name of another control line")

    zones = tuple(z for z in (_norm_zone(t) for t in _LIST_SPLIT.split(_text(get("zone")))) if z)
    if not zones or "*" in zones:
        zones = ("*",)

    position_raw = _text(get("position"))
    position = _norm_position_value(position_raw)
    if position not in POSITIONS:
        err("position", f"“{position_raw}” 不是 inside/outside（内/外）之一",
            f"'{position_raw}' is not one of inside, outside")

    classes: Tuple[str, ...] = ()
    classes_raw = get("classes")
    tokens = _split_classes(classes_raw)
    if not tokens:
        err("classes", "地类为空（填 * 表示全部地类）", "classes is empty (use * for all classes)")
    else:
        parsed = []
        for tok in tokens:
            try:
                parsed.append(_parse_pattern(tok))
            except _PatternError as exc:
                err("classes", f"{exc.zh}；{_ALLOWED_PATTERNS_ZH}", f"{exc.en}; {_ALLOWED_PATTERNS_EN}")
        classes = ("*",) if parsed == ["*"] else tuple(dict.fromkeys(parsed))

    pts = tuple(dict.fromkeys(p for p in (_text(t) for t in _LIST_SPLIT.split(_text(get("project_types")))) if p))
    if not pts:
        err("project_types", "项目类型为空（填 * 表示全部项目类型）",
            "project_types is empty (use * for all project types)")
    elif "*" in pts:
        pts = ("*",)

    verdict_raw = _text(get("verdict"))
    verdict = _VERDICT_ALIASES.get(verdict_raw.lower())
    if verdict is None:
        err("verdict", f"“{verdict_raw}” 不是 pass/fail/review（通过/不通过/需论证）之一",
            f"'{verdict_raw}' is not one of pass, fail, review")

    evidence = _text(get("evidence")).upper()
    if evidence:
        bad = [t for t in _EVIDENCE_SPLIT.split(evidence) if t and t not in ("V", "S", "R")]
        if bad:
            err("evidence", f"“{get('evidence')}” 不是证据等级 V/S/R（可组合，如 S/R）",
                f"'{get('evidence')}' is not an evidence mark V, S or R (combinations like S/R allowed)")

    if row_errors:
        return None, row_errors
    rule = Rule(rule_id=rule_id, role=role, zones=zones, position=position, classes=classes,
                project_types=pts, verdict=verdict, message=get("message"),
                legal_basis=get("legal_basis"), evidence=evidence, note=get("note"), line=line)
    return rule, []


def _parse_profile(path: Path, records: List[Tuple[int, List[str]]]) -> RuleProfile:
    name = path.stem
    version = ""
    header: Optional[Dict[str, int]] = None
    errors: List[str] = []
    rules: List[Rule] = []
    seen_ids: Dict[str, int] = {}

    def meta(cells: List[str]) -> None:
        nonlocal name, version
        joined = ",".join(c for c in cells if c)
        m = _META_NAME.search(joined)
        if m:
            name = m.group(1).strip(_BLANKS)
        m = _META_VERSION.search(joined)
        if m:
            version = m.group(1).strip(_BLANKS)

    for line, raw_cells in records:
        # only strip here: message / legal_basis / note keep their full-width punctuation (，；（）);
        # the structural columns are NFKC-normalised where they are read
        cells = [_cell_text(c).strip(_BLANKS) for c in raw_cells]
        if not any(cells):
            continue
        first = next(c for c in cells if c)
        if header is None:
            if first.startswith("#"):
                meta(cells)
                continue
            header = {}
            for i, cell in enumerate(cells):
                col = _HEADER_LOOKUP.get(_text(cell).lower())
                if col is not None and col not in header:
                    header[col] = i
            unknown = [c for c in cells if c and _HEADER_LOOKUP.get(_text(c).lower()) is None]
            if unknown:
                allowed = ", ".join(_HEADER_ALIASES)
                raise RuleProfileError(
                    f"{path.name} 第{line}行（表头）有无法识别的列：{'、'.join(unknown)}；可用的列为 {allowed}（或其中文名） / "
                    f"line {line} (header) has unknown column(s): {', '.join(unknown)}; allowed: {allowed}")
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise RuleProfileError(
                    f"{path.name} 第{line}行（表头）缺少必需的列：{', '.join(missing)}；"
                    f"必需列为 {', '.join(REQUIRED_COLUMNS)}，可选列 zone, position, legal_basis, evidence, note / "
                    f"line {line} (header) is missing required column(s): {', '.join(missing)}")
            continue

        row = {col: (cells[i] if i < len(cells) else "") for col, i in header.items()}
        rule_id = _text(row.get("rule_id", ""))
        if rule_id.startswith("#") or (not rule_id and first.startswith("#")):
            meta(cells)
            continue
        rule, row_errors = _parse_rule(path, line, row, seen_ids)
        if row_errors:
            errors.extend(row_errors)
        else:
            rules.append(rule)

    if header is None:
        raise _fail(path, "没有表头行（需要 rule_id, role, classes, project_types, verdict, message 等列）",
                    "has no header row")
    if errors:
        shown = errors[:30]
        more = f"\n……另有 {len(errors) - 30} 处错误 / {len(errors) - 30} more" if len(errors) > 30 else ""
        raise RuleProfileError("\n".join(shown) + more, errors)
    return RuleProfile(name=name, version=version, path=str(path), rules=rules)


# --------------------------------------------------------------------------- judging
def _pandas():
    try:
        import pandas  # lazy: loading a profile must work without pandas
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("合规性检查需要 pandas (the compliance check requires pandas).") from exc
    return pandas


def role_label(role: str) -> str:
    return ROLE_ZH.get(role, role)


def _no_match_message(role: str, zone: str, position: str, code_key: str, project_type: str) -> str:
    where = role_label(role)
    if role == "udb" or position == "outside":
        where += POSITION_ZH.get(position, position)
    if zone:
        where += f"（{zone}）"
    return (f"没有适用于该地类/项目类型的规则，需人工论证：{where}，地类 {describe_code(code_key)}，"
            f"项目类型 {project_type} (no rule matches role {role}, zone {zone or '-'}, position {position}, "
            f"class {code_key or UNKNOWN_CLASS}, project type {project_type})")


def _normalised_column(pd, np, series, func):
    """Apply ``func`` to each distinct value of ``series`` (NaN/None -> None) and expand."""
    values = series.astype(object).where(series.notna(), None)
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = func(None)
    return mapped[codes], codes


def judge(occupancy, profile: RuleProfile, project_type: str, roles_checked: dict, subject_ids):
    """Verdicts for an overlay result.

    ``occupancy``: DataFrame with columns subject, role, zone, position, code, area_m2 (one row per
    subject × role × zone × position with a counted area > 0).  ``roles_checked``: {role: True if the
    layer was given and non-empty}.  ``subject_ids``: every subject (those without occupancy too).

    Returns ``(rows, subjects)``: the occupancy rows with rule_id, verdict, message, legal_basis,
    evidence; and one row per subject with verdict, verdict_zh, reasons, rule_ids and
    ``status_<role>`` (通过/不通过/需论证/未检查/不涉及).  Rules are matched once per distinct
    (role, zone, position, code) combination.
    """
    pd = _pandas()
    import numpy as np

    pt = _norm_text(project_type)
    known = profile.project_types()
    if not pt:
        raise ValueError(f"未指定项目类型 (no project type given); 可选 / allowed: {'、'.join(known)}")
    if pt not in known:
        raise ValueError(f"项目类型 “{project_type}” 不在规则方案 {profile.label} 中；可选：{'、'.join(known)} "
                         f"(project type {project_type!r} is not used by the profile)")

    checked: Dict[str, bool] = {}
    for role, flag in (roles_checked or {}).items():
        key = _norm_role(role)
        checked[key] = bool(checked.get(key, False) or bool(flag))

    if occupancy is None:
        occupancy = pd.DataFrame({c: [] for c in OCCUPANCY_COLUMNS})
    missing = [c for c in OCCUPANCY_COLUMNS if c not in occupancy.columns]
    if missing:
        raise ValueError(f"占用表缺少列 {missing} (occupancy is missing columns {missing}); "
                         f"需要 / required: {', '.join(OCCUPANCY_COLUMNS)}")
    rows = occupancy.reset_index(drop=True).copy()
    n = len(rows)

    # ---- match rules once per distinct (role, zone, position, code)
    role_v, role_c = _normalised_column(pd, np, rows["role"], _norm_role)
    zone_v, zone_c = _normalised_column(pd, np, rows["zone"], _norm_zone)
    pos_v, pos_c = _normalised_column(pd, np, rows["position"], _norm_position_value)
    code_v, code_c = _normalised_column(pd, np, rows["code"], _code_key)
    key = np.zeros(n, dtype=np.int64)
    for c in (role_c, zone_c, pos_c, code_c):
        c = c.astype(np.int64) + 1
        key = key * (int(c.max()) + 1) + c if n else key
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = len(uniq)
    c_rule = np.empty(m, dtype=object)
    c_verdict = np.empty(m, dtype=object)
    c_message = np.empty(m, dtype=object)
    c_basis = np.empty(m, dtype=object)
    c_evidence = np.empty(m, dtype=object)
    c_order = np.empty(m, dtype=np.int64)
    rule_pos = {id(r): i for i, r in enumerate(profile.rules)}
    for j, i in enumerate(first):
        role, zone, pos, code = role_v[i], zone_v[i], pos_v[i], code_v[i]
        rule = profile._match_normalised(role, zone, pos, code, pt)
        if rule is None:
            c_rule[j], c_verdict[j] = "", "review"
            c_message[j] = _no_match_message(role, zone, pos, code, pt)
            c_basis[j], c_evidence[j] = "", ""
            c_order[j] = len(profile.rules)
        else:
            c_rule[j], c_verdict[j] = rule.rule_id, rule.verdict
            c_message[j] = rule.message or (f"{role_label(role)}{POSITION_ZH.get(pos, '')}："
                                            f"{VERDICT_ZH[rule.verdict]}（规则 {rule.rule_id}）")
            c_basis[j], c_evidence[j] = rule.legal_basis, rule.evidence
            c_order[j] = rule_pos[id(rule)]

    rows["role"] = role_v
    rows["zone"] = zone_v
    rows["position"] = pos_v
    rows["rule_id"] = c_rule[inverse]
    rows["verdict"] = c_verdict[inverse]
    rows["message"] = c_message[inverse]
    rows["legal_basis"] = c_basis[inverse]
    rows["evidence"] = c_evidence[inverse]

    # ---- subjects
    if not hasattr(subject_ids, "__len__"):
        subject_ids = list(subject_ids)
    ids = pd.Index(pd.unique(pd.Series(subject_ids).to_numpy()))
    spos = ids.get_indexer(rows["subject"]) if n else np.zeros(0, dtype=np.int64)
    if (spos < 0).any():  # subjects missing from subject_ids are added, never dropped
        extra = pd.Index(rows["subject"].to_numpy()[spos < 0]).drop_duplicates()
        ids = ids.append(extra)
        spos = ids.get_indexer(rows["subject"])
    ns = len(ids)
    c_rank = np.array([_RANK[v] for v in c_verdict], dtype=np.int8)
    rank = c_rank[inverse] if n else np.zeros(0, dtype=np.int8)

    row_worst = np.full(ns, -1, dtype=np.int8)
    np.maximum.at(row_worst, spos, rank)

    present: List[str] = list(pd.unique(role_v)) if n else []
    roles_order = list(checked) + [r for r in present if r not in checked]
    effective = {r: (checked.get(r, False) or r in present) for r in roles_order}
    unchecked = [r for r in roles_order if not effective[r]]
    # a role without data is 未检查 in its own status column and named in every subject's reasons; the
    # verdict covers the roles that were checked (a plan checked against 永久基本农田 only, clear of it, is
    # 通过 for that check — never 需论证 for data nobody gave, never silently 通过 for the unchecked role)
    unchecked_reasons = [f"{role_label(r)}未检查（未提供图层），本结论不含该控制线" for r in unchecked]

    overall = row_worst.clip(0, None)
    verdict_names = np.array(["pass", "review", "fail"], dtype=object)
    zh_names = np.array([VERDICT_ZH[v] for v in verdict_names], dtype=object)
    status_names = np.array([STATUS_NOT_OCCUPIED, VERDICT_ZH["pass"], VERDICT_ZH["review"], VERDICT_ZH["fail"]],
                            dtype=object)

    # reasons / rule ids: distinct (subject, combination) pairs, fail first, then profile order
    pair = np.unique(spos.astype(np.int64) * max(m, 1) + inverse) if n else np.zeros(0, dtype=np.int64)
    p_subj = pair // max(m, 1)
    p_combo = pair % max(m, 1)
    msg_ids, _ = pd.factorize(pd.Series(c_message, dtype=object)) if m else (np.zeros(0, dtype=np.int64), None)
    rid_ids, _ = pd.factorize(pd.Series(c_rule, dtype=object)) if m else (np.zeros(0, dtype=np.int64), None)
    order = np.lexsort((c_order[p_combo], -c_rank[p_combo].astype(np.int64), p_subj)) if n else p_subj
    p_subj, p_combo = p_subj[order], p_combo[order]

    reasons = [""] * ns
    keep = ~((c_rank[p_combo] == 0) & (row_worst[p_subj] > 0))  # pass messages only if nothing worse
    _, first_msg = np.unique(p_subj * max(m, 1) + msg_ids[p_combo], return_index=True)
    msg_mask = np.zeros(len(p_subj), dtype=bool)
    msg_mask[first_msg] = True
    msg_mask &= keep
    for s, c in zip(p_subj[msg_mask].tolist(), p_combo[msg_mask].tolist()):
        reasons[s] = f"{reasons[s]}；{c_message[c]}" if reasons[s] else c_message[c]
    if unchecked_reasons:
        tail = "；".join(unchecked_reasons)
        reasons = [f"{r}；{tail}" if r else tail for r in reasons]

    rule_ids = [""] * ns
    _, first_rid = np.unique(p_subj * max(m, 1) + rid_ids[p_combo], return_index=True)
    rid_mask = np.zeros(len(p_subj), dtype=bool)
    rid_mask[first_rid] = True
    for s, c in zip(p_subj[rid_mask].tolist(), p_combo[rid_mask].tolist()):
        rid = c_rule[c]
        if rid:
            rule_ids[s] = f"{rule_ids[s]};{rid}" if rule_ids[s] else rid

    data = {
        "subject": ids.to_numpy(),
        "verdict": verdict_names[overall],
        "verdict_zh": zh_names[overall],
        "reasons": np.array(reasons, dtype=object),
        "rule_ids": np.array(rule_ids, dtype=object),
    }
    role_arr = np.asarray(role_v, dtype=object)
    for r in roles_order:
        if not effective[r]:
            data[f"status_{r}"] = np.full(ns, STATUS_NOT_CHECKED, dtype=object)
            continue
        worst = np.full(ns, -1, dtype=np.int8)
        mask = role_arr == r
        np.maximum.at(worst, spos[mask], rank[mask])
        data[f"status_{r}"] = status_names[worst + 1]
    subjects = pd.DataFrame(data)
    return rows, subjects


__all__ = [
    "PLAN_PROJECT", "project_type_for",
    "COLUMNS", "DEFAULT_PROFILE", "GENERAL_PROJECT", "OCCUPANCY_COLUMNS", "POSITIONS", "PROJECT_TYPES",
    "REQUIRED_COLUMNS", "ROLE_ZH", "STANDARD_ROLES", "STATUS_NOT_CHECKED", "STATUS_NOT_OCCUPIED",
    "UNKNOWN_CLASS", "VERDICTS", "VERDICT_ZH", "Rule", "RuleProfile", "RuleProfileError",
    "describe_code", "judge", "role_label",
]


# public names of the class-pattern machinery, shared with the structure-table templates
ClassPatternError = _PatternError
code_ancestors = _ancestors
split_class_patterns = _split_classes


def class_matcher(patterns) -> _ClassMatcher:
    """Compiled matcher of 用地用海2023 class patterns (``matcher.matches(code_ancestors(code))``)."""
    return _compile_classes(tuple(patterns))


def cell_text(value) -> str:
    """A table cell as clean text (NFKC, blanks stripped)."""
    return _text(value)


plain_text = tables.plain_text
read_table_records = tables.read_table_records   # raises tables.TableError (a ValueError)
