"""Classification registry: code tables, code normalisation and crosswalks.

Three land classification systems are known (``SYSTEMS``):

* ``sandiao``  – 三调工作分类 (TD/T 1055-2019 appendix A, with the 00 湿地 group and
  the K / A suffixed codes used in DLTB.DLBM);
* ``ydyh2020`` – 用地用海分类 2020 试行版;
* ``ydyh2023`` – 用地用海分类 2023 版.

The tables live in ``data/classification/*.csv`` (see the README there).  Codes are
always text: ``0101`` and ``101`` are different strings, and :meth:`Classification.normalize`
is the single place where raw field values (numbers, full-width digits, lower-case
suffixes, stray blanks) are turned into table codes.

Crosswalks (:class:`Crosswalk`) never raise on bad input values: unknown codes come
back flagged ``未识别`` and blanks flagged ``空值``, so callers can report them.

This module imports only the standard library; pandas is imported lazily by
:meth:`Crosswalk.map_many` and when overrides are given as a DataFrame.
"""
from __future__ import annotations

import csv
import io
import math
import numbers
import re
import unicodedata
import warnings
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from . import DATA_DIR

SYSTEMS = ("sandiao", "ydyh2020", "ydyh2023")
SYSTEM_LABELS = {"sandiao": "三调工作分类", "ydyh2020": "用地用海2020(试行)", "ydyh2023": "用地用海2023"}

SANDALEI = ("农用地", "建设用地", "未利用地", "海洋")

MAPPING_TYPES = ("1:1", "1:n", "?", "identity", "unknown", "blank")
FLAGS = {"1:1": "", "identity": "", "1:n": "待细分", "?": "待细分", "unknown": "未识别", "blank": "空值"}
OVERRIDE_TYPES = ("1:1", "1:n", "?")
# how bad a mapping type is, for chained crosswalks ("?" > "1:n" > "1:1")
_SEVERITY = {"identity": 0, "1:1": 0, "1:n": 1, "?": 2, "unknown": 3, "blank": 4}

_FILES = {"sandiao": "sandiao.csv", "ydyh2020": "ydyh2020.csv", "ydyh2023": "ydyh2023.csv"}
_CROSSWALK_FILE = "crosswalk_sandiao_ydyh2023.csv"
_QSXZ_FILE = "qsxz.csv"
_CZCS_FILE = "czcsxm.csv"

_BLANK_WORDS = {"NAN", "NONE", "NULL", "<NULL>", "NAT", "<NA>"}
_STRIP_CHARS = " \t\r\n\v\f\u3000\u00a0\ufeff\u200b"
_INT_FLOAT_RE = re.compile(r"^([+-]?\d+)\.0*$")


# --------------------------------------------------------------------------- helpers
def _pandas():
    try:
        import pandas  # lazy on purpose: some QGIS installs lack pandas
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "此功能需要 pandas，但当前 Python 环境中没有安装 pandas "
            "(pandas is required for this function but is not installed in this Python)."
        ) from exc
    return pandas


def clean_code(raw) -> Optional[str]:
    """Turn a raw field value into a cleaned code string, or None for blanks.

    None / NaN / NULL / "" / whitespace -> None; integral numbers (101, 101.0, "101.0")
    -> "101"; NFKC (full-width -> ASCII), surrounding blanks (incl. full-width spaces)
    stripped, letters upper-cased.  No table lookup and no zero padding here.
    """
    if raw is None:
        return None
    is_null = getattr(raw, "isNull", None)  # QVariant NULL from PyQGIS, without importing Qt
    if callable(is_null):
        try:
            if is_null():
                return None
        except Exception:  # noqa: BLE001 - anything odd is simply not a null
            pass
    if type(raw).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(raw, bytes):
        for enc in ("utf-8", "gb18030"):
            try:
                raw = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raw = raw.decode("latin-1")
    if isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, numbers.Integral):
        text = str(int(raw))
    elif isinstance(raw, (numbers.Real, Decimal)):
        try:
            value = float(raw)
        except (TypeError, ValueError, OverflowError):
            value = None
        if value is not None and math.isnan(value):
            return None
        if value is not None and math.isfinite(value) and value == int(value):
            text = str(int(value))
        else:
            text = str(raw)
    else:
        text = str(raw)
    text = unicodedata.normalize("NFKC", text).strip(_STRIP_CHARS)
    if not text:
        return None
    text = text.upper()
    if text in _BLANK_WORDS:
        return None
    m = _INT_FLOAT_RE.match(text)
    if m:
        text = m.group(1)
    return text


def _clean_name(name) -> Optional[str]:
    if name is None:
        return None
    text = unicodedata.normalize("NFKC", str(name)).strip(_STRIP_CHARS)
    return text or None


def _read_csv_text(text: str) -> Tuple[List[str], List[Tuple[int, Dict[str, str]]]]:
    """Parse CSV text -> (header, [(line_number, row_dict)]) with stripped keys and values."""
    reader = csv.reader(io.StringIO(text))
    header: Optional[List[str]] = None
    rows: List[Tuple[int, Dict[str, str]]] = []
    for record in reader:
        if header is None:
            if not any(cell.strip() for cell in record):
                continue
            header = [cell.strip(_STRIP_CHARS).lower() for cell in record]
            continue
        if not any(cell.strip(_STRIP_CHARS) for cell in record):
            continue
        row = {}
        for i, key in enumerate(header):
            row[key] = record[i].strip(_STRIP_CHARS) if i < len(record) else ""
        rows.append((reader.line_num, row))
    return header or [], rows


def _read_table(path: Path) -> List[Dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"分类数据文件不存在 (classification data file missing): {path}")
    text = path.read_text(encoding="utf-8-sig")
    return [row for _, row in _read_csv_text(text)[1]]


def _decode_bytes(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gbk")  # GBK fallback (common for files saved by Excel on zh-CN Windows)


# --------------------------------------------------------------------------- classes
@dataclass(frozen=True)
class LandClass:
    system: str
    code: str
    name: str
    level: int
    parent: Optional[str]
    level1_code: str
    sandalei: Optional[str]  # 农用地/建设用地/未利用地/海洋 or None


class Classification:
    """One code table, in table order."""

    def __init__(self, system: str, rows: Iterable[Dict[str, str]]):
        self.system = system
        self.label = SYSTEM_LABELS.get(system, system)
        self._classes: Dict[str, LandClass] = {}
        self._order: List[str] = []
        self._base: Dict[str, str] = {}
        self._suffix: Dict[str, str] = {}
        self._notes: Dict[str, str] = {}
        self._by_name: Dict[str, str] = {}
        for row in rows:
            code = row.get("code", "").strip()
            if not code:
                continue
            if code in self._classes:
                raise ValueError(f"{self.label}: 代码 {code} 重复 (duplicate code)")
            level = int(row["level"])
            level1 = row.get("level1_code") or code[:2]
            parent = row.get("parent") or None
            if parent is None and level > 1 and system == "sandiao":
                parent = level1
            sandalei = row.get("sandalei") or None
            lc = LandClass(system, code, row["name"], level, parent, level1, sandalei)
            self._classes[code] = lc
            self._order.append(code)
            self._base[code] = row.get("base_code") or code
            self._suffix[code] = row.get("suffix_kind") or ""
            self._notes[code] = row.get("note") or ""
            key = _clean_name(row["name"])
            if key and key not in self._by_name:
                self._by_name[key] = code
        for lc in self._classes.values():
            if lc.parent is not None and lc.parent not in self._classes:
                raise ValueError(f"{self.label}: {lc.code} 的上级 {lc.parent} 不在表中 (parent missing)")
            if lc.level1_code not in self._classes:
                raise ValueError(f"{self.label}: {lc.code} 的一级类 {lc.level1_code} 不在表中")

    # -- container protocol
    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, code) -> bool:
        c = self.normalize(code)
        return c is not None and c in self._classes

    def __iter__(self):
        return (self._classes[c] for c in self._order)

    def __repr__(self) -> str:
        return f"<Classification {self.system} ({len(self)} codes)>"

    # -- lookups
    def normalize(self, raw) -> Optional[str]:
        """Cleaned table code for ``raw``; the cleaned text itself if not in the table."""
        code = clean_code(raw)
        if code is None:
            return None
        if code in self._classes:
            return code
        padded = "0" + code
        if padded in self._classes:
            return padded
        return code

    def get(self, code) -> Optional[LandClass]:
        c = self.normalize(code)
        return self._classes.get(c) if c is not None else None

    def by_name(self, name) -> Optional[LandClass]:
        key = _clean_name(name)
        code = self._by_name.get(key) if key else None
        return self._classes[code] if code else None

    def name(self, code) -> Optional[str]:
        lc = self.get(code)
        return lc.name if lc else None

    def note(self, code) -> str:
        c = self.normalize(code)
        return self._notes.get(c, "") if c else ""

    def base_code(self, code) -> Optional[str]:
        """For sandiao K/A codes the base code (0201K -> 0201); else the code itself."""
        c = self.normalize(code)
        return self._base.get(c) if c is not None else None

    def suffix_kind(self, code) -> str:
        c = self.normalize(code)
        return self._suffix.get(c, "") if c else ""

    def rollup(self, code, level: int) -> Optional[str]:
        """Ancestor code at ``level`` (1 or 2); the code itself if already at/above it."""
        if level not in (1, 2, 3):
            raise ValueError(f"level must be 1, 2 or 3, got {level!r}")
        lc = self.get(code)
        if lc is None:
            return None
        base = self._base.get(lc.code, lc.code)
        if base != lc.code and base in self._classes:
            lc = self._classes[base]
        if level == 1:
            return lc.level1_code
        while lc.level > level and lc.parent is not None:
            lc = self._classes[lc.parent]
        return lc.code

    def codes(self, level: Optional[int] = None) -> list:
        if level is None:
            return list(self._order)
        return [c for c in self._order if self._classes[c].level == level]

    def children(self, code) -> list:
        c = self.normalize(code)
        return [x for x in self._order if self._classes[x].parent == c]

    def descendants(self, code) -> list:
        out: List[str] = []
        stack = self.children(code)
        while stack:
            c = stack.pop(0)
            out.append(c)
            stack[0:0] = self.children(c)
        return out

    def count_by_level(self) -> dict:
        counts: Dict[int, int] = {}
        for c in self._order:
            lvl = self._classes[c].level
            counts[lvl] = counts.get(lvl, 0) + 1
        return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- crosswalks
@dataclass(frozen=True)
class Mapping:
    source_code: Optional[str]
    raw: object
    target_code: Optional[str]
    target_name: Optional[str]
    level1_code: Optional[str]
    level1_name: Optional[str]
    type: str
    flag: str
    note: str


MAPPING_COLUMNS = tuple(f.name for f in fields(Mapping))


@dataclass(frozen=True)
class _Entry:
    target_code: Optional[str]
    target_name: Optional[str]
    type: str
    note: str


def _worse(a: str, b: str) -> str:
    return a if _SEVERITY.get(a, 3) >= _SEVERITY.get(b, 3) else b


def _join(*parts: str) -> str:
    return "；".join(p for p in parts if p)


class Crosswalk:
    """Maps codes of ``source`` to ``target``.  Build it with :meth:`Registry.crosswalk`."""

    def __init__(self, source: str, target: str, source_cls: Classification, target_cls: Classification,
                 table: Dict[str, _Entry]):
        self.source = source
        self.target = target
        self.source_classification = source_cls
        self.target_classification = target_cls
        self._table = table
        self._cache: Dict[str, Mapping] = {}

    def __repr__(self) -> str:
        return f"<Crosswalk {self.source} -> {self.target} ({len(self._table)} codes)>"

    def entries(self) -> Dict[str, Tuple[Optional[str], str, str]]:
        """{source_code: (target_code, type, note)} for every code the crosswalk knows."""
        return {k: (e.target_code, e.type, e.note) for k, e in self._table.items()}

    def _unknown_note(self, code: str) -> str:
        src = self.source_classification
        if len(code) > 1 and code[-1] in "KA" and code[:-1] in src._classes:
            return f"代码不在{src.label}中（疑似 {code[:-1]} 加后缀 {code[-1]}）"
        return f"代码不在{src.label}中"

    def _template(self, code: str) -> Mapping:
        m = self._cache.get(code)
        if m is not None:
            return m
        entry = self._table.get(code)
        tgt = self.target_classification
        if entry is None:
            m = Mapping(code, None, None, None, None, None, "unknown", FLAGS["unknown"], self._unknown_note(code))
        elif entry.target_code is None:
            m = Mapping(code, None, None, None, None, None, entry.type, FLAGS.get(entry.type, "未识别"), entry.note)
        else:
            lc = tgt._classes.get(entry.target_code)
            l1 = lc.level1_code if lc else None
            l1_name = tgt._classes[l1].name if l1 in tgt._classes else None
            name = entry.target_name or (lc.name if lc else None)
            m = Mapping(code, None, entry.target_code, name, l1, l1_name, entry.type,
                        FLAGS.get(entry.type, ""), entry.note)
        self._cache[code] = m
        return m

    def map(self, raw) -> Mapping:
        """Map one raw value.  Never raises on bad values."""
        try:
            code = self.source_classification.normalize(raw)
        except Exception as exc:  # noqa: BLE001 - bad values are reported, not raised
            return Mapping(None, raw, None, None, None, None, "unknown", FLAGS["unknown"], f"无法解析的值：{exc}")
        if code is None:
            return Mapping(None, raw, None, None, None, None, "blank", FLAGS["blank"], "")
        return replace(self._template(code), raw=raw)

    def map_many(self, values):
        """Map many values; returns a DataFrame with one row per value (columns = Mapping fields).

        Unique values are mapped once and expanded.  A pandas Series keeps its index.
        """
        pd = _pandas()
        import numpy as np

        if isinstance(values, pd.Series):
            series = values.astype(object)
        else:
            if not isinstance(values, (list, tuple)):
                values = list(values)
            series = pd.Series(values, dtype=object)
        raw = series.to_numpy(dtype=object)
        try:
            with warnings.catch_warnings():  # pandas 1.5 warns about numeric inference on mixed objects
                warnings.simplefilter("ignore", FutureWarning)
                codes, uniques = pd.factorize(series, sort=False)
        except TypeError:  # unhashable values: slow but safe path
            rows = [self.map(v) for v in raw]
            return pd.DataFrame([tuple(getattr(m, c) for c in MAPPING_COLUMNS) for m in rows],
                                columns=list(MAPPING_COLUMNS), index=series.index, dtype=object)
        n = len(uniques)
        columns = {c: np.empty(n + 1, dtype=object) for c in MAPPING_COLUMNS if c != "raw"}
        mapped = [self.map(u) for u in uniques]
        mapped.append(Mapping(None, None, None, None, None, None, "blank", FLAGS["blank"], ""))  # NA slot (-1)
        for name, arr in columns.items():
            arr[:] = [getattr(m, name) for m in mapped]
        data = {}
        for name in MAPPING_COLUMNS:
            data[name] = raw if name == "raw" else columns[name][codes]
        # object columns: codes stay text and a missing one stays None (pandas 3 would infer its "str"
        # dtype and turn None into NaN)
        return pd.DataFrame(data, index=series.index, columns=list(MAPPING_COLUMNS), dtype=object)


# --------------------------------------------------------------------------- registry
class Registry:
    """Loads the classification tables from ``data_dir`` (lazily, cached)."""

    def __init__(self, data_dir: Optional[Path] = None):
        self.data_dir = Path(data_dir) if data_dir is not None else DATA_DIR / "classification"
        self._classifications: Dict[str, Classification] = {}
        self._crosswalks: Dict[Tuple[str, str], Crosswalk] = {}
        self._upgrade: Optional[Dict[str, Tuple[str, str, str]]] = None
        self._qsxz: Optional[Dict[str, Dict[str, str]]] = None
        self._czcs: Optional[Dict[str, Dict[str, str]]] = None

    def __repr__(self) -> str:
        return f"<Registry {self.data_dir}>"

    # -- tables
    def classification(self, system: str) -> Classification:
        system = parse_system(system)
        cls = self._classifications.get(system)
        if cls is None:
            cls = Classification(system, _read_table(self.data_dir / _FILES[system]))
            self._classifications[system] = cls
        return cls

    def _upgrade_rows(self) -> Dict[str, Tuple[str, str, str]]:
        """2020 code -> (2023 code, evidence, note) from ydyh2020.csv."""
        if self._upgrade is None:
            self._upgrade = {}
            for row in _read_table(self.data_dir / _FILES["ydyh2020"]):
                self._upgrade[row["code"]] = (row["code_2023"], row.get("evidence", ""), row.get("note", ""))
        return self._upgrade

    def _lookup_table(self, filename: str) -> Dict[str, Dict[str, str]]:
        return {row["code"].upper(): row for row in _read_table(self.data_dir / filename)}

    # -- crosswalk tables
    def _identity_table(self, cls: Classification) -> Dict[str, _Entry]:
        return {c: _Entry(c, cls._classes[c].name, "identity", "") for c in cls.codes()}

    def _sandiao_2023_table(self) -> Tuple[Dict[str, _Entry], List[str]]:
        sd = self.classification("sandiao")
        y23 = self.classification("ydyh2023")
        table: Dict[str, _Entry] = {}
        path = self.data_dir / _CROSSWALK_FILE
        for row in _read_table(path):
            src = row["source_code"]
            tgt = row["target_code"]
            if src not in sd._classes:
                raise ValueError(f"{path.name}: 三调代码 {src} 不在 sandiao.csv 中")
            if tgt not in y23._classes:
                raise ValueError(f"{path.name}: 目标代码 {tgt} 不在 ydyh2023.csv 中")
            if row["type"] not in OVERRIDE_TYPES:
                raise ValueError(f"{path.name}: {src} 的对应类型 {row['type']!r} 无效，应为 {OVERRIDE_TYPES}")
            table[src] = _Entry(tgt, row.get("target_name") or y23._classes[tgt].name, row["type"],
                                row.get("note", ""))
        fallback: List[str] = []
        for code in sd.codes():
            if code in table:
                continue
            lc = sd._classes[code]
            base = sd._base.get(code, code)
            if base != code:
                fallback.append(code)  # K/A code without its own row: filled from the base below
            elif lc.level == 1:
                table[code] = _Entry(None, None, "unknown", "三调一级类不是图斑地类")
            else:
                table[code] = _Entry(None, None, "unknown", "衔接表缺少该地类，请在映射表中补充")
        self._fill_fallback(table, fallback, sd)
        return table, fallback

    @staticmethod
    def _fill_fallback(table: Dict[str, _Entry], fallback: List[str], sd: Classification) -> None:
        for code in fallback:
            base = sd._base[code]
            be = table.get(base)
            if be is None or be.target_code is None:
                table[code] = _Entry(None, None, "unknown", f"基础地类 {base} 无对应")
            else:
                table[code] = replace(be, note=_join(f"按基础地类 {base} 转换", be.note))

    def _upgrade_table(self) -> Dict[str, _Entry]:
        y20 = self.classification("ydyh2020")
        y23 = self.classification("ydyh2023")
        table: Dict[str, _Entry] = {}
        for code, (c23, evidence, note) in self._upgrade_rows().items():
            if c23 not in y23._classes:
                raise ValueError(f"ydyh2020.csv: {code} 的升级目标 {c23} 不在 ydyh2023.csv 中")
            kind = "?" if evidence.strip().upper().startswith("R") else "1:1"
            if not note and y20._classes[code].name != y23._classes[c23].name:
                note = "改名" if code == c23 else "改码"
            table[code] = _Entry(c23, y23._classes[c23].name, kind, note)
        return table

    def _downgrade_table(self) -> Dict[str, _Entry]:
        y20 = self.classification("ydyh2020")
        y23 = self.classification("ydyh2023")
        sources: Dict[str, List[str]] = {}
        for code in y20.codes():
            c23 = self._upgrade_rows()[code][0]
            sources.setdefault(c23, []).append(code)
        table: Dict[str, _Entry] = {}
        for code in y23.codes():
            lc = y23._classes[code]
            cands = list(sources.get(code, []))
            via_children = False
            if not cands:
                for d in y23.descendants(code):
                    cands.extend(sources.get(d, []))
                via_children = bool(cands)
            if not cands:
                table[code] = _Entry(None, None, "unknown", "2020试行版无对应地类")
                continue
            if len(cands) == 1 and not via_children:
                c20 = cands[0]
                n20 = y20._classes[c20].name
                if c20 != code:
                    note = f"改码：2020为{c20}{n20}"
                elif n20 != lc.name:
                    note = f"改名：2020为“{n20}”"
                else:
                    note = ""
                table[code] = _Entry(c20, n20, "1:1", note)
                continue
            # several 2020 codes: prefer the same name at the same level (1311 水工设施用地 -> 2020
            # 1312, not 1311 干渠), then the same code string, then the first in table order.
            same_name = [c for c in cands if y20._classes[c].name == lc.name and y20._classes[c].level == lc.level]
            if same_name:
                default = same_name[0]
            elif code in cands:
                default = code
            else:
                default = cands[0]
            listed = "/".join(f"{c}{y20._classes[c].name}" for c in cands)
            how = "由下级类合并" if via_children else "多个2020地类并入"
            note = f"{how}（{listed}），默认取{default}，待细分"
            table[code] = _Entry(default, y20._classes[default].name, "1:n", note)
        return table

    def _chain_table(self, first: Dict[str, _Entry], second: Dict[str, _Entry], mid: Classification) -> Dict[str, _Entry]:
        table: Dict[str, _Entry] = {}
        for code, e1 in first.items():
            if e1.target_code is None:
                table[code] = e1
                continue
            via = f"经{mid.label} {e1.target_code}{mid._classes[e1.target_code].name}"
            e2 = second.get(e1.target_code)
            if e2 is None or e2.target_code is None:
                table[code] = _Entry(None, None, "unknown", _join(via, e2.note if e2 else "无对应"))
                continue
            table[code] = _Entry(e2.target_code, e2.target_name, _worse(e1.type, e2.type),
                                 _join(via, e1.note, e2.note))
        return table

    def _base_table(self, source: str, target: str) -> Tuple[Dict[str, _Entry], List[str]]:
        if source == target:
            return self._identity_table(self.classification(source)), []
        if source == "sandiao" and target == "ydyh2023":
            return self._sandiao_2023_table()
        if source == "ydyh2020" and target == "ydyh2023":
            return self._upgrade_table(), []
        if source == "ydyh2023" and target == "ydyh2020":
            return self._downgrade_table(), []
        if source == "sandiao" and target == "ydyh2020":
            first, fallback = self._sandiao_2023_table()
            chained = self._chain_table(first, self._downgrade_table(), self.classification("ydyh2023"))
            return chained, fallback
        raise ValueError(
            f"不支持从 {SYSTEM_LABELS[source]} 转换到 {SYSTEM_LABELS[target]} "
            f"(unsupported crosswalk {source} -> {target}); "
            "支持：sandiao→ydyh2023/ydyh2020，ydyh2020→ydyh2023，ydyh2023→ydyh2020，以及同一体系"
        )

    def crosswalk(self, source: str, target: str = "ydyh2023", overrides=None) -> Crosswalk:
        """Crosswalk ``source`` → ``target``, optionally with a user mapping table.

        ``overrides``: CSV path (UTF-8 / UTF-8-BOM, GBK fallback) or DataFrame with columns
        ``source_code,target_code`` and optional ``target_name,type,note``.  Rows replace or
        add entries; a target code that is not in the target table raises ValueError naming
        the line.
        """
        source = parse_system(source)
        target = parse_system(target)
        if overrides is None:
            cw = self._crosswalks.get((source, target))
            if cw is None:
                table, _ = self._base_table(source, target)
                cw = Crosswalk(source, target, self.classification(source), self.classification(target), table)
                self._crosswalks[(source, target)] = cw
            return cw
        table, fallback = self._base_table(source, target)
        table = dict(table)
        src_cls = self.classification(source)
        tgt_cls = self.classification(target)
        user = _load_overrides(overrides, src_cls, tgt_cls)
        table.update(user)
        if source == "sandiao" and fallback:
            # K/A codes without their own row follow their (possibly overridden) base code
            for code in fallback:
                if code not in user:
                    table.pop(code, None)
            self._fill_fallback(table, [c for c in fallback if c not in user], src_cls)
        return Crosswalk(source, target, src_cls, tgt_cls, table)

    # -- attribute value tables
    def ownership(self, qsxz) -> Optional[str]:
        """"state" / "collective" for a QSXZ value (first digit 1/2 vs 3/4); None if unknown."""
        code = clean_code(qsxz)
        if code is None:
            return None
        if self._qsxz is None:
            self._qsxz = self._lookup_table(_QSXZ_FILE)
        row = self._qsxz.get(code)
        if row is not None and row.get("ownership"):
            return row["ownership"]
        if code[0] in "12" and code.isdigit():
            return "state"
        if code[0] in "34" and code.isdigit():
            return "collective"
        for row in self._qsxz.values():  # a name or 国有/集体 typed in instead of the code
            if code in (row.get("name", "").upper(), row.get("ownership_zh", "")):
                return row.get("ownership") or None
        return None

    def czcs_group(self, czcsxm) -> Optional[str]:
        """"town" (201/202 ± A), "village" (203 ± A), "other" (204/205) or None."""
        code = clean_code(czcsxm)
        if code is None:
            return None
        if self._czcs is None:
            self._czcs = self._lookup_table(_CZCS_FILE)
        row = self._czcs.get(code)
        if row is None:
            for r in self._czcs.values():
                if r.get("name", "").upper() == code:
                    row = r
                    break
        return (row.get("group") or None) if row else None


_OVERRIDE_COLUMNS = ("source_code", "target_code", "target_name", "type", "note")


def _read_user_table(path: Path) -> Tuple[List[str], List[Tuple[int, Dict[str, str]]]]:
    """A user's mapping table (CSV in UTF-8/GBK, or .xlsx) through the one strict table reader: an
    unclosed quote, a wrong delimiter or an unknown column stops with the file, line and allowed values."""
    from .tables import TableError, read_table_records

    try:
        records = read_table_records(path, ("映射表", "mapping table"))
    except TableError as exc:
        raise ValueError(str(exc)) from None
    header: Optional[List[str]] = None
    rows: List[Tuple[int, Dict[str, str]]] = []
    for line, cells in records:
        cells = ["" if c is None else str(c).strip(_STRIP_CHARS) for c in cells]
        if not any(cells):
            continue
        if header is None:
            header = [c.lower() for c in cells]
            unknown = [c for c in header if c and c not in _OVERRIDE_COLUMNS]
            if unknown:
                raise ValueError(f"映射表 {path.name} 第{line}行（表头）有无法识别的列：{'、'.join(unknown)}；"
                                 f"可用的列为 {', '.join(_OVERRIDE_COLUMNS)} / line {line} (header): unknown column(s) "
                                 f"{', '.join(unknown)}; allowed: {', '.join(_OVERRIDE_COLUMNS)}")
            continue
        rows.append((line, {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(header) if k}))
    return header or [], rows


def _load_overrides(overrides, src_cls: Classification, tgt_cls: Classification) -> Dict[str, _Entry]:
    """Parse a user mapping table into crosswalk entries (raises ValueError with the line)."""
    if isinstance(overrides, (str, Path)):
        path = Path(overrides)
        if not path.is_file():
            raise ValueError(f"映射表文件不存在 (override file not found): {path}")
        header, rows = _read_user_table(path)
        where_fmt = f"映射表 {path.name} 第 {{n}} 行 (line {{n}})"
    elif hasattr(overrides, "columns") and hasattr(overrides, "itertuples"):
        header = [str(c).strip().lower() for c in overrides.columns]
        rows = []
        for pos, values in enumerate(overrides.itertuples(index=False, name=None)):
            rows.append((pos + 1, {h: v for h, v in zip(header, values)}))
        where_fmt = "映射表第 {n} 行 (row {n})"
    else:
        raise ValueError(f"overrides 应为 CSV 路径或 DataFrame，得到 {type(overrides).__name__}")
    missing = [c for c in ("source_code", "target_code") if c not in header]
    if missing:
        raise ValueError(f"映射表缺少列 {missing}（需要 source_code,target_code；可选 target_name,type,note）；"
                         f"现有列：{header}")
    out: Dict[str, _Entry] = {}
    for n, row in rows:
        where = where_fmt.format(n=n)
        raw_src = row.get("source_code")
        raw_tgt = row.get("target_code")
        src = src_cls.normalize(raw_src)
        if src is None:
            if tgt_cls.normalize(raw_tgt) is None:
                continue  # an empty row
            raise ValueError(f"{where}：source_code 为空 (empty source_code)")
        tgt = tgt_cls.normalize(raw_tgt)
        if tgt is None or tgt not in tgt_cls._classes:
            raise ValueError(f"{where}：目标代码 {raw_tgt!r} 不在{tgt_cls.label}中 "
                             f"(target code {raw_tgt!r} is not in {tgt_cls.system})")
        kind = clean_code(row.get("type")) or "1:1"
        kind = kind.replace("：", ":").replace("N", "n")
        if kind not in OVERRIDE_TYPES:
            raise ValueError(f"{where}：type {row.get('type')!r} 无效，应为 {'/'.join(OVERRIDE_TYPES)}")
        name = _clean_name(row.get("target_name")) if _not_blank(row.get("target_name")) else None
        note = _clean_name(row.get("note")) if _not_blank(row.get("note")) else None
        entry = _Entry(tgt, name or tgt_cls._classes[tgt].name, kind, note or "用户映射表")
        previous = out.get(src)
        if previous is not None and previous.target_code != tgt:
            raise ValueError(f"{where}：source_code {src} 重复且目标不同 ({previous.target_code} / {tgt})")
        out[src] = entry
    return out


def _not_blank(value) -> bool:
    return clean_code(value) is not None


# --------------------------------------------------------------------------- module API
_DEFAULT: Optional[Registry] = None


def get_registry() -> Registry:
    """The default registry (package data), created once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry()
    return _DEFAULT


def _label_key(label) -> str:
    text = unicodedata.normalize("NFKC", str(label)).strip().lower()
    return re.sub(r"[\s_\-()\[\]《》<>·.,，。:：/]+", "", text)


def _build_aliases() -> Dict[str, str]:
    aliases: Dict[str, str] = {}
    for name in ("sandiao", "sd", "三调", "三调工作分类", "三调分类", "三调地类", "国土三调",
                 "第三次全国国土调查", "第三次全国国土调查工作分类", "三调dlbm"):
        aliases[_label_key(name)] = "sandiao"
    prefixes = ("", "ydyh", "用地用海", "用地用海分类", "用地用海分类指南", "国土空间用地用海分类",
                "国土空间调查规划用途管制用地用海分类指南")
    for system, years, extra in (
        ("ydyh2020", ("2020", "20"), ("试行", "试行版", "版")),
        ("ydyh2023", ("2023", "23"), ("版", "正式版")),
    ):
        for p in prefixes:
            for y in years:
                if not p and y in ("20", "23"):
                    continue  # a bare "20"/"23" is too ambiguous
                for e in ("",) + extra:
                    aliases[_label_key(p + y + e)] = system
                    aliases[_label_key(p + e + y)] = system
    for p in prefixes[2:]:
        aliases[_label_key(p + "试行版")] = "ydyh2020"
        aliases[_label_key(p + "试行")] = "ydyh2020"
        aliases[_label_key(p + "正式版")] = "ydyh2023"
    for system, label in SYSTEM_LABELS.items():
        aliases[_label_key(label)] = system
        aliases[_label_key(system)] = system
    return aliases


_ALIASES = _build_aliases()


def parse_system(label) -> str:
    """Canonical system id for a user label ("三调", "用地用海2023", "2020", ...)."""
    if isinstance(label, str) and label in SYSTEMS:
        return label
    key = _label_key(label) if label is not None else ""
    system = _ALIASES.get(key)
    if system is None:
        raise ValueError(
            f"无法识别的分类体系 {label!r} (unknown classification system). 可用值 / accepted: "
            "sandiao | 三调 | 三调工作分类; ydyh2020 | 用地用海2020 | 用地用海2020(试行) | 2020; "
            "ydyh2023 | 用地用海2023 | 2023. "
            "不带年份的“用地用海”不被接受：2020 与 2023 版有 8 个代码含义不同，请写明版本。"
        )
    return system
