"""The compliance job's ledger: every figure the 合规性检查 workbook prints, rounded here once.

compute (exact m² per subject, role and piece) → **ledger** → report (layout only).  公顷 =
ROUND_HALF_UP(m² / 10 000, decimals_ha), 亩 = ROUND_HALF_UP(m² × 15 / 10 000, 2), % = ROUND_HALF_UP(
part / whole × 100, 2).  Totals are sums of printed figures: 审查结论汇总 sums 审查结论's printed rows;
控制线内地类 takes each line's 合计 from them and balances its parts to it (largest remainder); 冲突明细's
per-line subtotals sum its printed rows; no total adds different control lines.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Dict, List, Optional

from ..excel import clean_text
from ..rounding import balance_remainders, round_half_up, to_decimal
from .rules import POSITION_ZH, ROLE_ZH, STATUS_NOT_CHECKED, VERDICT_ZH  # noqa: F401  (VERDICT_ZH for the report)

if TYPE_CHECKING:  # pragma: no cover - pandas is imported by the caller
    import pandas as pd

_VERDICT_RANK = {"fail": 0, "review": 1, "pass": 2}
_ZH_TO_VERDICT = {v: k for k, v in VERDICT_ZH.items()}

#: 三调 level-1 names -> 农用地 split columns (anything else in 农用地 is 其他农用地)
_LEVEL1_SPLIT = {"耕地": "agr_01", "种植园用地": "agr_02", "园地": "agr_02", "林地": "agr_03", "草地": "agr_04"}
_PREFIX_SPLIT = {"01": "agr_01", "02": "agr_02", "03": "agr_03", "04": "agr_04"}
_WETLAND_CODES = ("0303", "0304", "0306", "0402")   # 三调 00 湿地 although GB/T 21010 puts them in 03/04
_AGR_PARTS = ("agr_01", "agr_02", "agr_03", "agr_04", "agr_other")
_GROUPS = {"农用地": "agr", "建设用地": "con", "未利用地": "unu"}
_OWNERSHIP = {"国有": "own_state", "集体": "own_coll"}


@dataclass
class ComplianceReportData:
    """Everything the compliance workbook shows (areas in m²; see the module docstring)."""

    title: str
    subjects: pd.DataFrame
    roles: list
    conflicts: pd.DataFrame
    rules: pd.DataFrame
    provenance: list
    decimals_ha: int = 4
    has_base: bool = True
    sliver_m2: Optional[float] = None    # sliver threshold, for the notes
    organisation: str = ""               # 编制单位 (blank line when empty)
    detail_limit: int = 1000             # rows a detail sheet lists (0: all); the full detail goes to a CSV beside it
    report_date: object = None           # datetime.date for the footer (today when None)


# --------------------------------------------------------------------------- numbers
def _dec(value) -> Optional[Decimal]:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        if value != value:  # numpy NaN / pandas NA
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return to_decimal(value)


def ha_value(area_m2, decimals: int = 4) -> Optional[float]:
    """公顷 = ROUND_HALF_UP(m² / 10 000, decimals) as a float (None for a missing area)."""
    d = _dec(area_m2)
    return None if d is None else float(round_half_up(d / 10000, decimals))


def mu_value(area_m2, decimals: int = 2) -> Optional[float]:
    """亩 = ROUND_HALF_UP(m² × 15 / 10 000, decimals), computed exactly."""
    d = _dec(area_m2)
    return None if d is None else float(round_half_up(d * 15 / 10000, decimals))


def pct_value(part_m2, whole_m2, decimals: int = 2) -> Optional[float]:
    """% = ROUND_HALF_UP(part / whole × 100, decimals); 0 when the whole is 0."""
    p, w = _dec(part_m2), _dec(whole_m2)
    if p is None:
        return None
    if w is None or w == 0:
        return 0.0
    return float(round_half_up(p * 100 / w, decimals))


def _natural_key(text: str):
    return [(0, int(t), t) if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _text(value) -> str:
    return clean_text(value).strip()


def _records(frame) -> List[dict]:
    if frame is None:
        return []
    return frame.to_dict("records")


# --------------------------------------------------------------------------- roles
def _roles(data: ComplianceReportData) -> List[dict]:
    out = []
    for r in data.roles or []:
        if isinstance(r, str):
            r = {"role": r}
        role = _text(r.get("role"))
        out.append({
            "role": role,
            "label": _text(r.get("label")) or ROLE_ZH.get(role, role),
            "checked": bool(r.get("checked", True)),
            "layer": _text(r.get("layer")),
        })
    if not out and data.subjects is not None:  # fall back on the status_<role> columns
        for col in data.subjects.columns:
            if str(col).startswith("status_"):
                role = str(col)[len("status_"):]
                checked = not (data.subjects[col] == STATUS_NOT_CHECKED).all()
                out.append({"role": role, "label": ROLE_ZH.get(role, role), "checked": checked, "layer": ""})
    return out


def _verdict_key(row: dict) -> str:
    v = _text(row.get("verdict")).lower()
    if v in _VERDICT_RANK:
        return v
    return _ZH_TO_VERDICT.get(_text(row.get("verdict_zh")), v)


# --------------------------------------------------------------------------- 审查结论
def _column(frame, name, n: int) -> list:
    return frame[name].tolist() if frame is not None and name in frame.columns else [None] * n


def printed_array(x, decimals: int, exact_at) -> list:
    """A float column ``x`` (NaN = missing) rounded half-up to ``decimals`` at once: NumPy for the clear
    cases; ``exact_at(i)`` (the Decimal function of one value) wherever the scaled fraction lies within
    1e-6 of a half, so the result is exactly what the per-value function prints.  NaN gives None."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    scaled = np.abs(x) * 10.0 ** decimals
    base = np.floor(scaled)
    frac = scaled - base
    out = (np.sign(x) * (base + (frac >= 0.5)) / 10.0 ** decimals).tolist()
    missing = np.isnan(x)
    for i in np.nonzero(missing)[0]:
        out[i] = None
    for i in np.nonzero(~missing & (np.abs(frac - 0.5) < 1e-6))[0]:
        out[i] = exact_at(int(i))
    return [0.0 if v == 0 else v for v in out]   # no -0.0


def summary_rows(data: ComplianceReportData, roles: List[dict]) -> List[dict]:
    """One printed row per subject (keys sid, code, code_name, area_ha, r<i>_ha/_mu/_pct/_status,
    verdict_zh, reasons, _verdict, seq), fail first, then review, then pass.  Columns are rounded at
    once (printed_array), each exactly as ha_value / mu_value / pct_value would."""
    d = data.decimals_ha
    f = data.subjects
    n = 0 if f is None else len(f)
    ids = _column(f, "subject_id", n) if f is not None and "subject_id" in f.columns else _column(f, "subject", n)
    import numpy as np

    areas = [None if _dec(v) is None else float(v) for v in _column(f, "area_m2", n)]
    area_x = np.array([np.nan if v is None else v for v in areas], dtype=float)
    area_ha = printed_array(area_x / 10000, d, lambda i: ha_value(areas[i], d))
    cols = {}
    for i, r in enumerate(roles):
        if not r["checked"]:
            continue
        occ = [0.0 if _dec(v) is None else float(v) for v in _column(f, f"occ_{r['role']}_m2", n)]
        ox = np.array(occ, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.isnan(area_x) | (area_x == 0), 0.0, ox * 100 / area_x)
        cols[i] = (printed_array(ox / 10000, d, lambda k, occ=occ: ha_value(occ[k], d)),
                   printed_array(ox * 15 / 10000, 2, lambda k, occ=occ: mu_value(occ[k])),
                   printed_array(ratio, 2, lambda k, occ=occ: pct_value(occ[k], areas[k])))
    codes, names, reasons = _column(f, "code", n), _column(f, "code_name", n), _column(f, "reasons", n)
    verdicts, verdicts_zh = _column(f, "verdict", n), _column(f, "verdict_zh", n)
    status = {r["role"]: _column(f, f"status_{r['role']}", n) for r in roles}
    rows = []
    for j in range(n):
        row = {"sid": _text(ids[j]), "code": _text(codes[j]), "code_name": _text(names[j]), "area_ha": area_ha[j],
               "reasons": _text(reasons[j])}
        verdict = _verdict_key({"verdict": verdicts[j], "verdict_zh": verdicts_zh[j]})
        row["_verdict"] = verdict
        row["verdict_zh"] = _text(verdicts_zh[j]) or VERDICT_ZH.get(verdict, verdict)
        for i, r in enumerate(roles):
            k = f"r{i}"
            st = _text(status[r["role"]][j])
            if not r["checked"]:
                row[f"{k}_status"] = st or STATUS_NOT_CHECKED
                continue
            ha, mu, pct = cols[i]
            row[f"{k}_ha"], row[f"{k}_mu"], row[f"{k}_pct"] = ha[j], mu[j], pct[j]
            row[f"{k}_status"] = st
        rows.append(row)
    rows.sort(key=lambda x: (_VERDICT_RANK.get(x["_verdict"], 3), _natural_key(x["sid"])))
    for k, row in enumerate(rows, 1):
        row["seq"] = k
    return rows


def sum_printed(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v is not None), Decimal(0))


def _plain_number(value) -> str:
    d = _dec(value)
    if d is None:
        return ""
    text = format(d.normalize(), "f")
    return text


# --------------------------------------------------------------------------- sheet 2
def _landuse_key(rec: dict) -> str:
    """Column key of a conflict piece in the 三大类 / 农用地 split."""
    group = _GROUPS.get(_text(rec.get("base_group")))
    if group is None:
        return "unk"
    if group != "agr":
        return group
    level1 = _text(rec.get("base_level1"))
    if level1:
        return _LEVEL1_SPLIT.get(level1, "agr_other")
    code = _text(rec.get("base_code"))
    if code[:4] in _WETLAND_CODES:
        return "agr_other"
    return _PREFIX_SPLIT.get(code[:2], "agr_other")


def _is_paddy(rec: dict) -> bool:
    flag = rec.get("is_paddy")
    if flag is not None and not (isinstance(flag, float) and math.isnan(flag)):
        return bool(flag)
    return _text(rec.get("base_code"))[:4] == "0101"


def _is_sliver(rec: dict) -> bool:
    flag = rec.get("sliver")
    if flag is None or (isinstance(flag, float) and math.isnan(flag)):
        return False
    return bool(flag)


def landuse_breakdown(conflicts, roles: List[dict], decimals: int = 4, occupancy: Optional[Dict] = None,
                      totals: Optional[Dict[str, Decimal]] = None) -> List[dict]:
    """Per role: balanced 公顷 values of the non-sliver conflict pieces (see NOTE_ROUNDING_LANDUSE).

    ``occupancy``: {(subject id, role): the subject's area inside the (dissolved) line, m²}; the pieces
    of a subject are scaled to it, so control features that overlap each other are counted once, as
    on 审查结论.  ``totals``: {role: the printed 合计 of 审查结论}; each role's 合计 is that figure and
    its parts are balanced to it — one figure on both sheets.

    Returns dicts with keys total, agr, agr_01, paddy, agr_02, agr_03, agr_04, agr_other, con, unu,
    unk, own_state, own_coll, own_unk (Decimal) plus role/label/checked, the exact m² sums and
    ``rescaled`` (the number of subjects whose pieces were scaled).
    """
    kept = []
    piece_sum: Dict[tuple, float] = {}
    for rec in _records(conflicts):
        # slivers are not occupation, and neither is the part of a subject lying *outside* a
        # control line (城镇开发边界外): it is a conflict, but it occupies nothing of the line
        if _is_sliver(rec) or _text(rec.get("position")) == "outside":
            continue
        area = _dec(rec.get("area_m2"))
        if area is None:
            continue
        key = (_text(rec.get("subject_id", rec.get("subject"))), _text(rec.get("role")))
        piece_sum[key] = piece_sum.get(key, 0.0) + float(area)
        kept.append((key, rec, float(area)))
    scale: Dict[tuple, float] = {}
    if occupancy is not None:
        for key, total in piece_sum.items():
            occ = occupancy.get(key)
            if occ is not None and total > 0 and abs(total - occ) > 0.005:
                scale[key] = occ / total
    rescaled: Dict[str, int] = {}
    for key in scale:
        rescaled[key[1]] = rescaled.get(key[1], 0) + 1
    sums: Dict[str, Dict[str, List[float]]] = {}
    for key, rec, a in kept:
        role = key[1]
        a *= scale.get(key, 1.0)
        bucket = sums.setdefault(role, {})
        bucket.setdefault(_landuse_key(rec), []).append(a)
        if _is_paddy(rec):
            bucket.setdefault("paddy", []).append(a)
        bucket.setdefault(_OWNERSHIP.get(_text(rec.get("ownership")), "own_unk"), []).append(a)

    out = []
    for r in roles:
        b = sums.get(r["role"], {})
        m2 = {k: to_decimal(math.fsum(v)) for k, v in b.items()}
        ha = {k: v / 10000 for k, v in m2.items()}
        zero = Decimal(0)
        agr_parts = [ha.get(k, zero) for k in _AGR_PARTS]
        agr_exact = sum(agr_parts, zero)
        top_keys = ("agr", "con", "unu", "unk")
        top_exact = [agr_exact, ha.get("con", zero), ha.get("unu", zero), ha.get("unk", zero)]
        total_exact = sum(top_exact, zero)
        printed = (totals or {}).get(r["role"])
        total = round_half_up(total_exact, decimals) if printed is None else printed
        row = {"role": r["role"], "label": r["label"], "checked": r["checked"],
               "m2": m2, "total": total, "rescaled": rescaled.get(r["role"], 0)}
        row.update(zip(top_keys, balance_remainders(top_exact, decimals, total=total)))
        row.update(zip(_AGR_PARTS, balance_remainders(agr_parts, decimals, total=row["agr"])))
        paddy = round_half_up(ha.get("paddy", zero), decimals)
        row["paddy"] = min(paddy, row["agr_01"])   # 其中水田 never exceeds the balanced 耕地
        own_keys = ("own_state", "own_coll", "own_unk")
        own_exact = [ha.get(k, zero) for k in own_keys]
        row.update(zip(own_keys, balance_remainders(own_exact, decimals, total=total)))
        out.append(row)
    return out




# --------------------------------------------------------------------------- 审查结论汇总
def overview(rows: List[dict], roles: List[dict]) -> dict:
    """审查结论汇总's figures, all sums of 审查结论's printed rows: ``by_verdict`` {verdict: (count, 公顷)},
    ``total_area``, ``role_rows`` (per control line: objects involved, area inside, of which judged
    不通过 / 需论证 — each line on its own, never added to another)."""
    by_verdict = {}
    for v in ("pass", "fail", "review"):
        sel = [r for r in rows if r["_verdict"] == v]
        by_verdict[v] = (len(sel), sum_printed(r["area_ha"] for r in sel))
    role_rows = []
    for i, r in enumerate(roles):
        k = f"r{i}"
        if not r["checked"]:
            role_rows.append({"label": r["label"], "state": f"未检查（{r['layer'] or '未提供图层'}）"})
            continue
        vals = [(row.get(f"{k}_ha"), row.get(f"{k}_status")) for row in rows]
        role_rows.append({
            "label": r["label"], "state": "已检查",
            "hit": sum(1 for v, _ in vals if v),
            "inside": float(sum_printed(v for v, _ in vals)),
            "fail_area": float(sum_printed(v for v, st in vals if st == VERDICT_ZH["fail"])),
            "review_area": float(sum_printed(v for v, st in vals if st == VERDICT_ZH["review"])),
        })
    return {"by_verdict": by_verdict, "total_area": sum_printed(r["area_ha"] for r in rows), "role_rows": role_rows}


# --------------------------------------------------------------------------- 控制线内地类
def landuse_table(data: ComplianceReportData, roles: List[dict], rows: List[dict]) -> List[dict]:
    """landuse_breakdown of ``data`` with each line's 合计 = the sum of 审查结论's printed ``rows`` and the
    pieces of a subject scaled to its dissolved overlap."""
    totals = {r["role"]: sum_printed(row.get(f"r{i}_ha") for row in rows)
              for i, r in enumerate(roles) if r["checked"]}
    occupancy = {}
    if data.subjects is not None:
        id_col = "subject_id" if "subject_id" in data.subjects.columns else "subject"
        ids = [_text(v) for v in data.subjects[id_col].tolist()] if id_col in data.subjects.columns else []
        for r in roles:
            col = f"occ_{r['role']}_m2"
            if r["checked"] and col in data.subjects.columns:
                for sid, v in zip(ids, data.subjects[col].tolist()):
                    if _dec(v) is not None:
                        occupancy[(sid, r["role"])] = float(v)
    return landuse_breakdown(data.conflicts, roles, data.decimals_ha, occupancy=occupancy, totals=totals)


# --------------------------------------------------------------------------- 冲突明细
def sliver_label(data: ComplianceReportData) -> str:
    return (f"碎片（小于 {_plain_number(data.sliver_m2)} 平方米），不计入涉及面积" if data.sliver_m2
            else "碎片，不计入涉及面积")


def conflict_rows(data: ComplianceReportData, roles: List[dict], subject_order: Dict[str, int]):
    """(rows, slivers): the printed conflict pieces in report order (subjects as on 审查结论, then control
    line and feature), and the pieces below the sliver tolerance — counted, never listed as rows."""
    d = data.decimals_ha
    labels = {r["role"]: r["label"] for r in roles}
    role_pos = {r["role"]: i for i, r in enumerate(roles)}
    sliver_text = sliver_label(data)
    records = _records(data.conflicts)
    import numpy as np

    raw = [None if _dec(r.get("area_m2")) is None else float(r.get("area_m2")) for r in records]
    ax = np.array([np.nan if v is None else v for v in raw], dtype=float)
    m2s = printed_array(ax, 2, lambda i: float(round_half_up(_dec(raw[i]), 2)))
    has = printed_array(ax / 10000, d, lambda i: ha_value(raw[i], d))
    mus = printed_array(ax * 15 / 10000, 2, lambda i: mu_value(raw[i]))
    items = []
    for idx, rec in enumerate(records):
        sid = _text(rec.get("subject_id", rec.get("subject")))
        role = _text(rec.get("role"))
        sliver = _is_sliver(rec)
        message = _text(rec.get("message"))
        verdict_zh = _text(rec.get("verdict_zh"))
        pos = _text(rec.get("position"))
        row = {
            "sid": sid,
            "role_label": _text(rec.get("role_label")) or labels.get(role) or ROLE_ZH.get(role, role),
            "control_id": _text(rec.get("control_id")),
            "zone": _text(rec.get("zone")),
            "position": POSITION_ZH.get(pos, pos),
            "base_code": _text(rec.get("base_code")),
            "base_name": _text(rec.get("base_name")),
            "base_group": _text(rec.get("base_group")),
            "ownership": _text(rec.get("ownership")),
            "m2": m2s[idx],
            "ha": has[idx],
            "mu": mus[idx],
            "rule_id": _text(rec.get("rule_id")),
            "verdict_zh": "碎片" if sliver else verdict_zh,
            "message": f"{sliver_text}；{message}" if sliver and message else (sliver_text if sliver else message),
            "_sliver": sliver,
            "_verdict": _ZH_TO_VERDICT.get(verdict_zh, _text(rec.get("verdict")).lower()),
        }
        key = (sliver, subject_order.get(sid, len(subject_order)), _natural_key(sid),
               role_pos.get(role, len(role_pos)), _natural_key(row["control_id"]), idx)
        items.append((key, row))
    items.sort(key=lambda kv: kv[0])
    # pieces below the sliver tolerance are counted in a note, never listed as classed rows (a 0.00 row
    # with a neighbour parcel's class and a verdict reads as a finding); the layer keeps them, flagged
    slivers = [row for _, row in items if row["_sliver"]]
    rows = [row for _, row in items if not row["_sliver"]]
    for n, row in enumerate(rows, 1):
        row["seq"] = n
    return rows, slivers



def line_subtotals(rows: List[dict]) -> List[dict]:
    """Per control line (in order of appearance): pieces, m², 公顷, 亩 — sums of the printed rows."""
    seen: List[str] = []
    for row in rows:
        if row["role_label"] not in seen:
            seen.append(row["role_label"])
    out = []
    for label in seen:
        mine = [r for r in rows if r["role_label"] == label]
        out.append({"role_label": label, "n": len(mine), "m2": float(sum_printed(r["m2"] for r in mine)),
                    "ha": float(sum_printed(r["ha"] for r in mine)), "mu": float(sum_printed(r["mu"] for r in mine))})
    return out
