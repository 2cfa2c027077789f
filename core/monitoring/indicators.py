"""规划实施监测指标 (guotukit:planindicators): the plan's indicators from the current DLTB and the control
lines, against an editable target table, with 达标 / 预警 / 未达标 and the change since a previous vintage.

Definitions are data (``data/monitoring/indicators.csv``): each row names a *formula* — a function and its
filters — so a province adds or changes an indicator by editing a row::

    area        three=建设用地 czcs=201|202|203     Σ area of the parcels passing the filters
    layer       role=pbf                           dissolved area of a control line
    inside_area role=eprl three=建设用地            Σ area of the filtered parcels inside a control line
    inside_share role=udb three=建设用地            the same as a % of the filtered area
    per_capita  three=建设用地 population=城镇常住人口  area (m²) ÷ population (persons)

Filters: ``group`` (a comparison group of change_groups.csv), ``three`` (三大类), ``codes`` (code prefixes),
``czcs`` (城镇村属性码 prefixes: 201 matches 201A), ``net=1`` (耕地 net of 田坎: area × (1 − KCXS)).
Status rules (monitoring.md §4.2, all [R]) come from ``status_rules.csv``; a target row's ``warn`` overrides.
Exact values here (m², %, m²/person); rounding, the status and the printed table in ``ledger.indicator_rows``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..overlay import ControlLayer, overlay
from .change import (
    MONITORING_DIR,
    ChangeGroups,
    MonitoringDataError,
    _class_info,
    _codes_in,
    _group_masks,
    _rows,
    by_value,
)

INDICATORS_FILE = MONITORING_DIR / "indicators.csv"
STATUS_FILE = MONITORING_DIR / "status_rules.csv"
TARGETS_EXAMPLE = MONITORING_DIR / "targets_example.csv"
FUNCTIONS = ("area", "layer", "inside_area", "inside_share", "per_capita")
KEYS = ("group", "three", "codes", "czcs", "net", "role", "population")
DIRECTIONS = ("下限", "上限", "区间")
STATUS = ("达标", "预警", "未达标", "无目标", "无法计算")
ATTRIBUTES = ("约束性", "预期性")


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name: str
    unit: str
    direction: str
    function: str
    args: Tuple[Tuple[str, Tuple[str, ...]], ...]
    formula: str
    evidence: str
    source: str
    note: str
    line: int

    def arg(self, key: str) -> Tuple[str, ...]:
        return dict(self.args).get(key, ())


def parse_formula(text: str, where: str) -> Tuple[str, Tuple[Tuple[str, Tuple[str, ...]], ...]]:
    parts = text.split()
    if not parts or parts[0] not in FUNCTIONS:
        raise MonitoringDataError(f"{where} formula 列：“{text}” 应以 {' / '.join(FUNCTIONS)} 开头 / "
                                  f"{where}, column formula: '{text}' must start with one of {', '.join(FUNCTIONS)}")
    args = []
    for token in parts[1:]:
        key, eq, value = token.partition("=")
        if not eq or key not in KEYS or not value:
            raise MonitoringDataError(f"{where} formula 列：“{token}” 不是 键=值（键：{'、'.join(KEYS)}） / "
                                      f"{where}, column formula: '{token}' is not key=value (keys: {', '.join(KEYS)})")
        args.append((key, tuple(v for v in value.split("|") if v)))
    fn = parts[0]
    keys = {k for k, _ in args}
    if fn in ("layer", "inside_area", "inside_share") and "role" not in keys:
        raise MonitoringDataError(f"{where}：{fn} 需要 role=pbf/eprl/udb / {where}: {fn} needs role=")
    if fn == "per_capita" and "population" not in keys:
        raise MonitoringDataError(f"{where}：per_capita 需要 population=人口名称 / {where}: per_capita needs population=")
    return fn, tuple(args)


def load_indicators(path=INDICATORS_FILE) -> List[Indicator]:
    path = Path(path)
    out: List[Indicator] = []
    seen = set()
    for line, row in _rows(path, ("指标定义表", "indicator table"), ("indicator_id", "name", "unit", "direction", "formula", "evidence")):
        where = f"{path.name} 第{line}行"
        if row["direction"] not in DIRECTIONS:
            raise MonitoringDataError(f"{where} direction 列：“{row['direction']}” 应为 {' / '.join(DIRECTIONS)} / "
                                      f"{path.name} line {line}, column direction: must be one of {', '.join(DIRECTIONS)}")
        if not row["indicator_id"] or row["indicator_id"] in seen or not row["name"]:
            raise MonitoringDataError(f"{where}：indicator_id 为空或重复，或 name 为空 / {path.name} line {line}: empty or repeated id, or no name")
        seen.add(row["indicator_id"])
        fn, args = parse_formula(row["formula"], where)
        out.append(Indicator(row["indicator_id"], row["name"], row["unit"], row["direction"], fn, args, row["formula"],
                             row.get("evidence", ""), row.get("source", ""), row.get("note", ""), line))
    return out


@dataclass
class Target:
    indicator: str            # id or name as the table gives it
    target: Optional[float]
    attribute: str
    warn: Optional[float]
    unit: str
    line: int
    lo: Optional[float] = None   # 区间
    hi: Optional[float] = None


def _number(text: str, where: str, column: str) -> Optional[float]:
    t = (text or "").strip().replace(",", "").replace("，", "")
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        raise MonitoringDataError(f"{where} {column} 列：“{text}” 不是数字 / {where}, column {column}: '{text}' is not a number") from None


def load_targets(path, indicators: Sequence[Indicator]) -> Dict[str, Target]:
    """{indicator_id: Target} from a planner's table (CSV or xlsx): indicator (id or name), target (a number,
    or lo–hi for an interval), attribute (约束性/预期性), warn (optional)."""
    path = Path(path)
    by_key = {i.indicator_id: i for i in indicators} | {i.name: i for i in indicators}
    out: Dict[str, Target] = {}
    for line, row in _rows(path, ("规划目标表", "target table"), ("indicator", "target")):
        where = f"{path.name} 第{line}行"
        key = row["indicator"].strip()
        ind = by_key.get(key)
        if ind is None:
            raise MonitoringDataError(f"{where} indicator 列：“{key}” 不在指标定义表中（可填编号或名称，如 A01 或 耕地保有量） / "
                                      f"{path.name} line {line}, column indicator: '{key}' is not a defined indicator")
        attr = row.get("attribute", "").strip()
        if attr and attr not in ATTRIBUTES:
            raise MonitoringDataError(f"{where} attribute 列：“{attr}” 应为 约束性 或 预期性 / {path.name} line {line}: attribute must be 约束性 or 预期性")
        text = row["target"].strip()
        lo = hi = None
        if ind.direction == "区间" and any(sep in text for sep in ("–", "~", "～")):
            a, b = [x for x in text.replace("～", "~").replace("–", "~").split("~")][:2]
            lo, hi = _number(a, where, "target"), _number(b, where, "target")
            value = None
        else:
            value = _number(text, where, "target")
        out[ind.indicator_id] = Target(key, value, attr, _number(row.get("warn", ""), where, "warn"), row.get("unit", ""), line, lo, hi)
    return out


def load_status_defaults(path=STATUS_FILE) -> Dict[str, float]:
    path = Path(path)
    out = {}
    for line, row in _rows(path, ("达标判定参数表", "status rule table"), ("direction", "param", "value")):
        out[row["param"]] = _number(row["value"], f"{path.name} 第{line}行", "value") or 0.0
    return out


@dataclass
class IndicatorInput:
    """The current land use (one vintage) in the working CRS."""

    label: str
    geoms: Sequence
    codes: Sequence
    system: str
    area_m2: np.ndarray          # gross area per parcel on the chosen basis (田坎 included)
    kcxs: Optional[np.ndarray] = None
    czcs: Optional[Sequence] = None


@dataclass
class IndicatorResult:
    rows: List[dict]             # exact values per indicator (value, previous, unit …)
    notes: List[str] = field(default_factory=list)


class _Calc:
    def __init__(self, inp: IndicatorInput, controls: Dict[str, Sequence], population: Dict[str, float],
                 groups: ChangeGroups, cancelled):
        self.inp, self.controls, self.population, self.cancelled = inp, controls, population, cancelled
        notes: List[str] = []
        system = inp.system if inp.system in ("sandiao", "ydyh2023") else "ydyh2023"
        from .change import Vintage

        v = Vintage(inp.label, inp.geoms, inp.codes, inp.system, inp.area_m2, [""] * len(inp.codes), inp.kcxs)
        self.codes, _raw = _codes_in(v, system, notes)
        _l1, _nm, self.three = _class_info(system, self.codes)
        self.masks = _group_masks(groups, system, self.codes, self.three)
        self.gross = np.nan_to_num(np.asarray(inp.area_m2, dtype=float))
        k = np.zeros(len(self.gross)) if inp.kcxs is None else np.clip(np.nan_to_num(np.asarray(inp.kcxs, dtype=float)), 0, 1)
        self.net = self.gross * (1 - k)
        czcs = [] if inp.czcs is None else ["" if c is None else str(c).strip() for c in inp.czcs]
        self.czcs = np.array(czcs if czcs else [""] * len(self.gross), dtype=object)
        self.notes = notes
        self._inside: Dict[str, np.ndarray] = {}
        self._layer: Dict[str, float] = {}

    def filtered(self, ind: Indicator) -> Optional[np.ndarray]:
        m = np.ones(len(self.gross), dtype=bool)
        groups = ind.arg("group")
        if groups:
            g = np.zeros(len(m), dtype=bool)
            for name in groups:
                if name not in self.masks:
                    return None
                g |= self.masks[name]
            m &= g
        if ind.arg("three"):
            m &= np.isin(self.three, ind.arg("three"))
        if ind.arg("codes"):
            pref = ind.arg("codes")
            m &= by_value(self.codes, lambda c: bool(c) and c.startswith(pref), dtype=bool)
        if ind.arg("czcs"):
            if not self.czcs.any():
                return None
            pref = ind.arg("czcs")
            m &= by_value(self.czcs, lambda c: c.startswith(pref), dtype=bool)
        return m

    def weights(self, ind: Indicator) -> np.ndarray:
        return self.net if ind.arg("net") == ("1",) else self.gross

    def inside(self, role: str) -> Optional[np.ndarray]:
        """Share of each parcel inside the dissolved control line (planar), or None without the layer."""
        if role not in self.controls:
            return None
        if role not in self._inside:
            layer = ControlLayer(self.controls[role], role, cancelled=self.cancelled)
            res = overlay(self.inp.geoms, layer, sliver_tolerance=0.0, want_geometry=False, cancelled=self.cancelled)
            with np.errstate(divide="ignore", invalid="ignore"):
                self._inside[role] = np.where(res.subject_area > 0, res.occupied / np.where(res.subject_area > 0, res.subject_area, 1), 0.0)
        return self._inside[role]

    def layer_area(self, role: str) -> Optional[float]:
        import shapely

        if role not in self.controls:
            return None
        if role not in self._layer:
            geoms = np.asarray(self.controls[role], dtype=object)
            geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
            self._layer[role] = float(shapely.area(shapely.union_all(geoms))) if len(geoms) else 0.0
        return self._layer[role]

    def value(self, ind: Indicator) -> Tuple[Optional[float], str]:
        """(exact value, why None)."""
        fn = ind.function
        if fn == "layer":
            role = ind.arg("role")[0]
            v = self.layer_area(role)
            return (v, "") if v is not None else (None, f"未提供{_role_zh(role)}图层")
        m = self.filtered(ind)
        if m is None:
            return None, ("现状图层没有城镇村属性码字段（CZCSXM）" if ind.arg("czcs") else "比较组未定义")
        w = self.weights(ind)
        if fn == "area":
            return float(w[m].sum()), ""
        if fn in ("inside_area", "inside_share"):
            role = ind.arg("role")[0]
            share = self.inside(role)
            if share is None:
                return None, f"未提供{_role_zh(role)}图层"
            part = float((w[m] * share[m]).sum())
            if fn == "inside_area":
                return part, ""
            whole = float(w[m].sum())
            return (100.0 * part / whole, "") if whole > 0 else (None, "分母为 0")
        if fn == "per_capita":
            name = ind.arg("population")[0]
            pop = self.population.get(name)
            if not pop:
                return None, f"未输入{name}"
            return float(w[m].sum()) / pop, ""
        return None, "未知函数"  # pragma: no cover - parse_formula refuses it


def _role_zh(role: str) -> str:
    from ..compliance.rules import ROLE_ZH

    return ROLE_ZH.get(role, role)


def compute_indicators(current: IndicatorInput, indicators: Sequence[Indicator], *, controls: Optional[Dict[str, Sequence]] = None,
                       population: Optional[Dict[str, float]] = None, previous: Optional[IndicatorInput] = None,
                       groups: Optional[ChangeGroups] = None,
                       progress: Optional[Callable[[float], None]] = None,
                       cancelled: Optional[Callable[[], bool]] = None) -> IndicatorResult:
    """Exact values of ``indicators`` for the current vintage (and the previous one when given)."""
    groups = groups or ChangeGroups.load()
    controls = controls or {}
    population = population or {}
    calc = _Calc(current, controls, population, groups, cancelled)
    prev = _Calc(previous, controls, population, groups, cancelled) if previous is not None else None
    rows = []
    for k, ind in enumerate(indicators):
        value, why = calc.value(ind)
        pv, _pw = prev.value(ind) if prev is not None else (None, "")
        rows.append({"indicator": ind, "value": value, "why": why, "previous": pv})
        if progress is not None:
            progress((k + 1) / max(len(indicators), 1))
    return IndicatorResult(rows, calc.notes + ([f"上一期：{n}" for n in prev.notes] if prev is not None else []))
