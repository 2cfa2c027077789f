"""The 资产包 job's ledger: every figure the 资产包划定 workbook prints, rounded here once.

compute (exact m², 万元 per parcel and package) → **ledger** → report (layout only).  公顷 = ROUND_HALF_UP
(m² / 10 000, ``area_decimals``); money (万元) half-up to ``money_decimals``; shares from the printed
areas; the parts of a whole (a package's classes, its 国有/集体, 公益性/经营性 and the rest) balanced by
largest remainder to the printed whole; each 资金平衡 line's amount = printed 面积 × printed 单价 and a
package's cost and revenue the sums of its printed lines, on every sheet alike.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..cells import clean_text
from ..compliance import VERDICT_ZH
from ..printed import text_column
from ..rounding import balance_remainders, round_half_up, to_decimal
from .model import CHECKS, REASONS, PackageRules  # noqa: F401  (vocabulary the report reads from here)

_TEXT_COLUMNS = ("parcel_id", "package", "current", "current_name", "planned", "planned_name", "nature",
                 "ownership", "owner_unit", "owner_name", "reason", "detail")


_NUMBER_COLUMNS = ("area_m2", "cost_price", "revenue_price", "cost", "revenue")


CHECK_PASS, CHECK_FAIL, CHECK_SKIPPED = "✓", "✗", "—"
NOT_APPLICABLE = "不适用"   # a share whose band does not apply (资源类: no construction land)
_COST, _REVENUE = "成本", "收益"


@dataclass
class PackageReportData:
    """Everything the asset-package workbook shows (areas in m², money in 万元)."""

    packages: pd.DataFrame      # one row per package: the columns of core.packages.evaluate()
    parcels: pd.DataFrame       # one row per parcel (parcel_id, package, current, ..., reason, detail)
    rules: PackageRules         # core.packages.PackageRules; rules.describe() -> [(中文 label, text)]
    finance_label: str = ""
    finance_example: bool = False    # True: red warning on 资产包汇总 and 资金平衡
    diagnosis: List[str] = field(default_factory=list)      # why constraints bind (Chinese sentences)
    stats: Dict[str, object] = field(default_factory=dict)  # parcels, eligible, packaged, left_out, ...
    conditions: Optional[pd.DataFrame] = None  # package, layer, area_m2, share_pct (None: not given)
    provenance: List[Tuple[str, str]] = field(default_factory=list)
    title: str = "资产包划定成果"    # or "资产包校核结果"
    region_name: str = ""
    organisation: str = ""
    report_date: Optional[date] = None
    area_decimals: int = 4          # 公顷
    money_decimals: int = 2         # 万元
    inventory_limit: int = 300      # at most this many packages get a 六项清单 block
    detail_limit: int = 1000        # rows 未纳入图斑 lists (0: all); the full list goes to a CSV beside the workbook
    binding: Optional[pd.DataFrame] = None   # core.packages.whatif.binding(): left-out parcels per constraint
    what_if: Optional[pd.DataFrame] = None   # core.packages.whatif.what_if(): one relaxation per row (None: not asked)


def _dec(value) -> Optional[Decimal]:
    """A finite number as an exact Decimal (as it prints); None for None/NaN/blank/inf."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if hasattr(value, "item"):
        value = value.item()
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f):
        return None
    return to_decimal(value) if isinstance(value, (int, Decimal)) else to_decimal(f)


def _zero(value) -> Decimal:
    d = _dec(value)
    return Decimal(0) if d is None else d


def _ha_exact(area_m2) -> Decimal:
    return _zero(area_m2) / 10000


def ha_value(area_m2, decimals: int = 4) -> Optional[float]:
    """公顷 = ROUND_HALF_UP(m² / 10 000, decimals); None for a missing area."""
    d = _dec(area_m2)
    return None if d is None else float(round_half_up(d / 10000, decimals))


def money_value(value, decimals: int = 2) -> Optional[float]:
    """万元 rounded half-up; None for a missing value."""
    d = _dec(value)
    return None if d is None else float(round_half_up(d, decimals))


def pct_value(value, decimals: int = 2) -> Optional[float]:
    d = _dec(value)
    return None if d is None else float(round_half_up(d, decimals))


def _balanced(exact: Sequence[Decimal], decimals: int, total: Optional[Decimal] = None) -> List[float]:
    """Rounded half-up, remainders balanced (largest remainder) so the rows add up to the rounded total."""
    if not exact:
        return []
    return [float(v) for v in balance_remainders(list(exact), decimals, total=total)]


def _shares(parts: Sequence[Decimal], whole: Decimal) -> List[float]:
    """Percentages of ``whole`` (the sum of ``parts``), 2 decimals, balanced to add up to 100."""
    if whole == 0:
        return [0.0 for _ in parts]
    return _balanced([p * 100 / whole for p in parts], 2, total=Decimal(100))


def _natural_key(text: str):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _text(value) -> str:
    return clean_text(value).strip()


def _flag(value) -> Optional[bool]:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "yes", "是"):
            return True
        if v in ("false", "0", "no", "否"):
            return False
        return None
    return bool(value)


def _parcel_frame(parcels) -> pd.DataFrame:
    """The parcel frame with every column present: texts stripped ('' for missing), numbers as floats."""
    n = 0 if parcels is None else len(parcels)
    out = pd.DataFrame(index=range(n))
    for col in _TEXT_COLUMNS:
        if parcels is not None and col in parcels.columns:
            out[col] = text_column(parcels[col])   # cleaned once per distinct value
        else:
            out[col] = ""
    for col in _NUMBER_COLUMNS:
        if parcels is not None and col in parcels.columns:
            out[col] = pd.to_numeric(parcels[col], errors="coerce").fillna(0.0).astype(float).to_numpy()
        else:
            out[col] = 0.0
    if parcels is not None and "changed" in parcels.columns:
        codes, uniques = pd.factorize(parcels["changed"], use_na_sentinel=True)
        flags = np.array([bool(_flag(v)) for v in uniques] + [False], dtype=bool)
        out["changed"] = flags[codes]
    else:
        out["changed"] = False
    out["state_m2"] = np.where(out["ownership"] == "state", out["area_m2"], 0.0)
    out["collective_m2"] = np.where(out["ownership"] == "collective", out["area_m2"], 0.0)
    return out


def _package_records(packages) -> List[dict]:
    if packages is None or len(packages) == 0:
        return []
    records = packages.to_dict("records")
    for rec in records:
        rec["package"] = _text(rec.get("package"))
    records.sort(key=lambda r: _natural_key(r["package"]))
    return records


def _split_by_package(frame: pd.DataFrame) -> Dict[str, List[dict]]:
    """{package: its rows as records} in one pass (one ``to_dict`` for the whole frame)."""
    out: Dict[str, List[dict]] = {}
    if frame is None or len(frame) == 0:
        return out
    for rec in frame.to_dict("records"):
        out.setdefault(str(rec["package"]), []).append(rec)
    return out


@dataclass
class _Prepared:
    """Per-package aggregates of the parcel frame, each computed by one groupby."""

    parcels: pd.DataFrame
    records: List[dict]
    current: Dict[str, List[dict]]     # package -> records: code, name, area_m2
    planned: Dict[str, List[dict]]     # package -> code, name, nature, area_m2
    owners: Dict[str, List[dict]]      # package -> owner_unit, owner_name, area_m2, state_m2, collective_m2
    split_units: set
    cost: Dict[str, List[dict]]        # package -> code, name, price, area_m2, amount (changed parcels)
    revenue: Dict[str, List[dict]]
    conditions: Optional[Dict[str, List[dict]]]
    applied: Dict[str, bool]             # check key -> checked by the rule profile


def _applied_checks(rules) -> Dict[str, bool]:
    """Checks that the rule profile really applies (a check it switches off is shown as —)."""
    out = {k: True for k in CHECKS}
    if "ratio" in out and not float(getattr(rules, "ratio_min", 0.0) or 0.0) > 0:
        out["ratio"] = False
    if "owner" in out and getattr(rules, "owner_units", "report") != "keep":
        out["owner"] = False
    return out


def _prepare(data: PackageReportData) -> _Prepared:
    parcels = _parcel_frame(data.parcels)
    pk = parcels[parcels["package"] != ""]
    # names: the first non-blank one of the group ('first' skips nulls and runs in Cython, 'max' would not)
    pk = pk.assign(**{c: pk[c].where(pk[c] != "") for c in ("current_name", "planned_name", "nature", "owner_name")})
    current = pk.groupby(["package", "current"], sort=False).agg(
        name=("current_name", "first"), area_m2=("area_m2", "sum")).reset_index().rename(columns={"current": "code"})
    planned = pk.groupby(["package", "planned"], sort=False).agg(
        name=("planned_name", "first"), nature=("nature", "first"), area_m2=("area_m2", "sum")
    ).reset_index().rename(columns={"planned": "code"})
    owners = pk.groupby(["package", "owner_unit"], sort=False).agg(
        owner_name=("owner_name", "first"), area_m2=("area_m2", "sum"), state_m2=("state_m2", "sum"),
        collective_m2=("collective_m2", "sum")).reset_index()
    named = owners[owners["owner_unit"] != ""]
    per_unit = named.groupby("owner_unit")["package"].nunique()
    split_units = set(per_unit.index[per_unit > 1])
    changed = pk[pk["changed"]]
    cost = changed.groupby(["package", "current", "cost_price"], sort=False).agg(
        name=("current_name", "first"), area_m2=("area_m2", "sum"), amount=("cost", "sum")
    ).reset_index().rename(columns={"current": "code", "cost_price": "price"})
    revenue = changed.groupby(["package", "planned", "revenue_price"], sort=False).agg(
        name=("planned_name", "first"), area_m2=("area_m2", "sum"), amount=("revenue", "sum")
    ).reset_index().rename(columns={"planned": "code", "revenue_price": "price"})
    conditions = None
    if data.conditions is not None:
        cond = data.conditions.copy()
        cond["package"] = [_text(v) for v in cond["package"].tolist()] if "package" in cond.columns else ""
        conditions = _split_by_package(cond)
    return _Prepared(
        parcels=parcels, records=_package_records(data.packages), current=_split_by_package(current),
        planned=_split_by_package(planned), owners=_split_by_package(owners), split_units=split_units,
        cost=_split_by_package(cost), revenue=_split_by_package(revenue), conditions=conditions,
        applied=_applied_checks(data.rules))


def _sorted_codes(records: Optional[List[dict]], key: str = "code") -> List[dict]:
    """Records by code (natural order, blanks last), then unit price."""
    if not records:
        return []
    records = list(records)
    records.sort(key=lambda r: (r[key] == "", _natural_key(str(r[key])), float(r.get("price", 0.0) or 0.0)))
    return records


def _summary_row(rec: dict, data: PackageReportData, applied: Dict[str, bool],
                 money: Optional[Dict[str, List[dict]]] = None) -> dict:
    d, m = data.area_decimals, data.money_decimals
    area = _ha_exact(rec.get("area_m2"))
    public, profitable = _ha_exact(rec.get("public_m2")), _ha_exact(rec.get("profitable_m2"))
    state, collective = _ha_exact(rec.get("state_m2")), _ha_exact(rec.get("collective_m2"))
    area_r = round_half_up(area, d)
    construction = getattr(data.rules, "public_basis", "total") == "construction"
    if construction:  # the areas the share is of: 公益性/经营性 construction land only
        public_all = public
        public, profitable = _ha_exact(rec.get("public_basis_m2", rec.get("public_m2"))), \
            _ha_exact(rec.get("profitable_basis_m2", rec.get("profitable_m2")))
    # the parts of the package area add up to it (尾差调平); the rest (其他 / 权属不详) is not shown
    if construction:  # 公益性用地（全部） = printed 公益性建设用地 + its non-construction part: one figure when equal
        pub_r, prof_r, pub_other_r, _ = _balanced(
            [public, profitable, public_all - public, area - public_all - profitable], d, total=area)
        public_all_r = Decimal(str(pub_r)) + Decimal(str(pub_other_r))
    else:
        pub_r, prof_r, _ = _balanced([public, profitable, area - public - profitable], d, total=area)
    # shares from the printed areas, so a reviewer can recompute them from the row
    base_r = (Decimal(str(pub_r)) + Decimal(str(prof_r))) if construction else Decimal(str(float(area_r)))
    if base_r > 0:
        pub_pct = float(round_half_up(Decimal(str(pub_r)) / base_r * 100, 2))
        prof_pct = float(round_half_up(Decimal(str(prof_r)) / base_r * 100, 2))
    else:
        pub_pct = prof_pct = NOT_APPLICABLE  # 资源类: no construction land, the band does not apply
    state_r, coll_r, _ = _balanced([state, collective, area - state - collective], d, total=area)
    if money is not None:  # the sums of the printed 资金平衡 lines: one value on every sheet
        cost = sum((Decimal(str(x["amount"])) for x in money[_COST]), Decimal(0))
        revenue = sum((Decimal(str(x["amount"])) for x in money[_REVENUE]), Decimal(0))
        ratio = revenue / cost if cost > 0 else None
    else:
        cost = round_half_up(_zero(rec.get("cost")), m)
        revenue = round_half_up(_zero(rec.get("revenue")), m)
        ratio = _dec(rec.get("ratio"))
    status = _text(rec.get("status")).lower()
    row = {
        "package": rec["package"],
        "kind": _text(rec.get("kind")) or "—",  # 建设类 (has 公益性/经营性 land) or 资源类
        "n_parcels": _dec(rec.get("n_parcels")),
        "area": float(area_r),
        "public": pub_r, "public_pct": pub_pct,
        "profitable": prof_r, "profitable_pct": prof_pct,
        "state": state_r, "collective": coll_r,
        "owner_units": _dec(rec.get("owner_units")), "split_units": _dec(rec.get("split_units")),
        "cost": float(cost), "revenue": float(revenue), "balance": float(revenue - cost),
        "ratio": "—" if ratio is None else float(round_half_up(ratio, 2)),
        "compactness": pct_value(rec.get("compactness")),
        "verdict": VERDICT_ZH.get(status, _text(rec.get("status"))),
        "failed": _text(rec.get("failed")),
        "_status": status,
    }
    for key in ("n_parcels", "owner_units", "split_units"):
        row[key] = None if row[key] is None else int(row[key])
    if construction:
        row["public_all"] = float(public_all_r)
    for key in CHECKS:
        ok = _flag(rec.get(f"ok_{key}"))
        row[f"ok_{key}"] = CHECK_SKIPPED if ok is None or not applied.get(key, True) else (
            CHECK_PASS if ok else CHECK_FAIL)
    if pub_pct == NOT_APPLICABLE:  # never ✓ beside a share the band does not apply to
        row["ok_public"] = CHECK_SKIPPED
    return row


def _money_rows(records: List[dict], data: PackageReportData) -> List[dict]:
    """The printed 资金平衡 lines of one side of one package: 面积 rounded and balanced (尾差调平), 单价 as
    printed, 金额 = printed 面积 × printed 单价 rounded half-up — so every line can be recomputed."""
    d, m = data.area_decimals, data.money_decimals
    areas = _balanced([_ha_exact(x["area_m2"]) for x in records], d)
    out = []
    for x, a in zip(records, areas):
        price = money_value(x["price"], m)
        amount = round_half_up(Decimal(str(a)) * Decimal(str(price or 0.0)), m)
        out.append({"code": x["code"] or "（空）", "name": x["name"], "area": a, "price": price, "amount": float(amount)})
    return out


def _money_lines(prep: _Prepared, data: PackageReportData) -> Dict[str, Dict[str, List[dict]]]:
    """package -> {成本: lines, 收益: lines}: the one place the money of the report is rounded; the
    资产包汇总 row, the 资金平衡 block and the 六项清单 all read these."""
    return {rec["package"]: {side: _money_rows(_sorted_codes(frame.get(rec["package"])), data)
                             for side, frame in ((_COST, prep.cost), (_REVENUE, prep.revenue))}
            for rec in prep.records}


def _class_rows(records: List[dict], d: int, with_nature: bool = False) -> List[dict]:
    """Rows of a class table: areas balanced to the rounded package area, shares to 100 %."""
    exact = [_ha_exact(x["area_m2"]) for x in records]
    whole = sum(exact, Decimal(0))
    areas = _balanced(exact, d, total=whole)
    shares = _shares(exact, whole)
    out = []
    for x, a, s in zip(records, areas, shares):
        row = {"code": x["code"] or "（空）", "name": _text(x["name"]) or ("（未识别）" if x["code"] else ""),
               "area": a, "pct": s}
        if with_nature:
            row["nature"] = _text(x.get("nature")) or "—"
        out.append(row)
    return out




@dataclass
class PackageLedger:
    """Every printed figure of one run, worked out once: the PACKAGES layer and the workbook read the
    same object, so a figure shown on both is one value and the work is not done twice."""

    prep: _Prepared
    lines: Dict[str, Dict[str, List[dict]]]   # package -> {成本: lines, 收益: lines}
    rows: List[dict]                          # the 资产包汇总 rows, in package order
    summaries: Dict[str, dict]                # package -> its row
    source: tuple                             # what it was made from (see :func:`ledger_for`)


def _source(data: PackageReportData) -> tuple:
    # the objects themselves (held, so an id can never be reused by another run's frame) and the decimals
    return (data.packages, data.parcels, data.rules, data.conditions, data.area_decimals, data.money_decimals)


def _same_source(a: tuple, b: tuple) -> bool:
    return all(x is y for x, y in zip(a[:4], b[:4])) and a[4:] == b[4:]


def package_ledger(data: PackageReportData) -> PackageLedger:
    prep = _prepare(data)
    lines = _money_lines(prep, data)
    rows = [_summary_row(rec, data, prep.applied, lines[rec["package"]]) for rec in prep.records]
    return PackageLedger(prep, lines, rows, {row["package"]: row for row in rows}, _source(data))


def ledger_for(data: PackageReportData, ledger: Optional[PackageLedger] = None) -> PackageLedger:
    """``ledger`` when it was made from this data's packages, parcels, rules, conditions and
    decimals (the same objects); else a new one. Never a ledger of another run."""
    if ledger is not None and _same_source(ledger.source, _source(data)):
        return ledger
    return package_ledger(data)


def package_summaries(data: PackageReportData) -> Dict[str, dict]:
    """{package: its printed summary row} — the figures 资产包汇总, 资金平衡, 六项清单 and the PACKAGES
    layer all show (areas balanced to the printed package area, money = sums of printed lines)."""
    return package_ledger(data).summaries
