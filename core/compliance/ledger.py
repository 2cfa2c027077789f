"""The compliance job's ledger: every figure the 合规性检查 workbook prints, rounded here once.

compute (exact m² per subject, role and piece) → **ledger** → report (layout only).  公顷 =
ROUND_HALF_UP(m² / 10 000, decimals_ha), 亩 = ROUND_HALF_UP(m² × 15 / 10 000, 2), % = ROUND_HALF_UP(
part / whole × 100, 2).  Totals are sums of printed figures: 审查结论汇总 sums 审查结论's printed rows;
控制线内地类 takes each line's 合计 from them and balances its parts to it (largest remainder); 冲突明细's
per-line subtotals sum its printed rows, whose 公顷 and 亩 are balanced per line to the m² subtotal converted
(piece_areas); no total adds different control lines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from ..cells import clean_text
from ..printed import PrintedRows, natural_ranks, sum_exact, text_column
from ..rounding import balance_array, balance_remainders, round_half_up, to_decimal
from .rules import POSITION_ZH, ROLE_ZH, STATUS_NOT_CHECKED, VERDICT_ZH  # noqa: F401  (VERDICT_ZH for the report)

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
    # figures worked out once per data (审查结论's rows, the conflict pieces'): the conflict layer and the
    # workbook of one run use the same — and a county's are not computed twice
    memo: dict = field(default_factory=dict, repr=False, compare=False)


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


# --------------------------------------------------------------------------- 审查结论
def printed_array(x, decimals: int, exact_at) -> list:
    """A float column ``x`` (NaN = missing) rounded half-up to ``decimals`` at once: NumPy for the clear
    cases; ``exact_at(i)`` (the Decimal function of one value) wherever the scaled fraction lies within
    1e-6 of a half, so the result is exactly what the per-value function prints.  NaN gives None."""
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


def _floats(frame, name, n: int) -> np.ndarray:
    """A numeric column as floats, NaN where blank or not a number."""
    if frame is None or name not in frame.columns:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _texts(frame, name, n: int) -> List[str]:
    return text_column(frame[name]) if frame is not None and name in frame.columns else [""] * n


def _verdict_keys(verdicts: List[str], verdicts_zh: List[str]) -> List[str]:
    """pass/fail/review of each row, from the verdict column or else its Chinese label."""
    out = []
    for v, z in zip(verdicts, verdicts_zh):
        v = v.lower()
        out.append(v if v in _VERDICT_RANK else _ZH_TO_VERDICT.get(z, v))
    return out


def _roles_key(roles: List[dict]) -> tuple:
    return tuple((r["role"], r["label"], r["checked"]) for r in roles)


def summary_rows(data: ComplianceReportData, roles: List[dict]) -> PrintedRows:
    """One printed row per subject (columns sid, code, code_name, area_ha, r<i>_ha/_mu/_pct/_status,
    verdict_zh, reasons, _verdict, seq), fail first, then review, then pass, then by 编号 in natural
    order.  Figures are rounded a column at a time (printed_array), each exactly as ha_value /
    mu_value / pct_value would round it.  Worked out once per ``data`` (callers do not change the rows)."""
    key = ("summary", _roles_key(roles), data.detail_limit)
    if key not in data.memo:
        data.memo[key] = _summary_rows(data, roles)
    return data.memo[key]


def _summary_rows(data: ComplianceReportData, roles: List[dict]) -> PrintedRows:
    d = data.decimals_ha
    f = data.subjects
    n = 0 if f is None else len(f)
    id_col = "subject_id" if f is not None and "subject_id" in f.columns else "subject"
    area_x = _floats(f, "area_m2", n)
    areas = [None if np.isnan(v) else v for v in area_x.tolist()]
    cols: Dict[str, list] = {"sid": _texts(f, id_col, n), "code": _texts(f, "code", n),
                             "code_name": _texts(f, "code_name", n),
                             "area_ha": printed_array(area_x / 10000, d, lambda i: ha_value(areas[i], d))}
    places = {"area_ha": d}
    for i, r in enumerate(roles):
        k = f"r{i}"
        status = _texts(f, f"status_{r['role']}", n)
        if not r["checked"]:
            cols[f"{k}_status"] = [st or STATUS_NOT_CHECKED for st in status]
            continue
        ox = np.nan_to_num(_floats(f, f"occ_{r['role']}_m2", n), nan=0.0)
        occ = ox.tolist()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.isnan(area_x) | (area_x == 0), 0.0, ox * 100 / area_x)
        cols[f"{k}_ha"] = printed_array(ox / 10000, d, lambda j, occ=occ: ha_value(occ[j], d))
        cols[f"{k}_mu"] = printed_array(ox * 15 / 10000, 2, lambda j, occ=occ: mu_value(occ[j]))
        cols[f"{k}_pct"] = printed_array(ratio, 2, lambda j, occ=occ: pct_value(occ[j], areas[j]))
        cols[f"{k}_status"] = status
        places.update({f"{k}_ha": d, f"{k}_mu": 2, f"{k}_pct": 2})
    verdict_zh = _texts(f, "verdict_zh", n)
    verdict = _verdict_keys(_texts(f, "verdict", n), verdict_zh)
    cols["verdict_zh"] = [z or VERDICT_ZH.get(v, v) for v, z in zip(verdict, verdict_zh)]
    cols["reasons"] = _texts(f, "reasons", n)
    cols["_verdict"] = verdict
    rank = np.array([_VERDICT_RANK.get(v, 3) for v in verdict], dtype=np.int64)
    order = np.lexsort((np.arange(n), natural_ranks(cols["sid"]), rank)) if n else np.empty(0, dtype=np.int64)
    rows = PrintedRows(cols, n, places).take(order)
    rows.set("seq", range(1, n + 1))
    # 亩 and 公顷 of a line's total are one area: each line's 亩 are balanced to its printed 公顷 total × 15
    # (largest remainder), for the rows the sheet lists and, apart, for the rest (the CSV's), so 本表所列合计
    # and the whole agree both.  公顷 stay plainly rounded: a subject wholly inside a line prints its own area.
    limit = int(data.detail_limit or 0)
    cut = n if not limit or limit >= n else limit
    listed = np.arange(n) < cut
    for i, r in enumerate(roles):
        if not r["checked"]:
            continue
        k = f"r{i}"
        exact_mu = np.nan_to_num(_floats(f, f"occ_{r['role']}_m2", n), nan=0.0)[order] * 15 / 10000
        ha = rows.column(f"{k}_ha")
        rows.set(f"{k}_mu", _balance_listed(exact_mu, rows.column(f"{k}_mu"), 2, np.arange(n), listed,
                                            round_half_up(sum_exact(ha, d) * 15, 2),
                                            round_half_up(sum_exact(ha[:cut], d) * 15, 2)))
    return rows


def _balance_listed(exact, printed: list, decimals: int, rows: np.ndarray, listed: np.ndarray, whole: Decimal,
                    part: Decimal) -> list:
    """``printed`` with the values at ``rows`` balanced (largest remainder): those ``listed`` to ``part``, the
    others to ``whole − part`` — so a sheet that lists only the first rows reads one area in its subtotal
    and in the whole.  ``exact``: the exact values (floats, by position)."""
    out = list(printed)
    for group, target in ((rows[listed[rows]], part), (rows[~listed[rows]], whole - part)):
        if len(group):
            values = balance_array(exact[group], [printed[j] for j in group.tolist()], decimals, target)
            for j, v in zip(group.tolist(), values.tolist()):
                out[j] = v + 0.0
    return out


def _plain_number(value) -> str:
    d = _dec(value)
    if d is None:
        return ""
    text = format(d.normalize(), "f")
    return text


# --------------------------------------------------------------------------- sheet 2
def _flags(frame, name, n: int) -> np.ndarray:
    """A yes/no column: missing counts as no."""
    if frame is None or name not in frame.columns:
        return np.zeros(n, dtype=bool)
    s = frame[name]
    return s.where(s.notna(), False).astype(bool).to_numpy()


def _by_unique(texts: List[str], fn) -> list:
    """``fn`` of each text, computed once per distinct text."""
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return mapped[codes].tolist()


def _landuse_key_of(group: str, level1: str, code: str) -> str:
    """Column key of a conflict piece in the 三大类 / 农用地 split."""
    g = _GROUPS.get(group)
    if g is None:
        return "unk"
    if g != "agr":
        return g
    if level1:
        return _LEVEL1_SPLIT.get(level1, "agr_other")
    if code[:4] in _WETLAND_CODES:
        return "agr_other"
    return _PREFIX_SPLIT.get(code[:2], "agr_other")


def landuse_breakdown(conflicts, roles: List[dict], decimals: int = 4, occupancy=None,
                      totals: Optional[Dict[str, Decimal]] = None) -> List[dict]:
    """Per role: balanced 公顷 values of the non-sliver conflict pieces (see NOTE_ROUNDING_LANDUSE).

    ``occupancy``: the subject's area inside the (dissolved) line, m² — a frame with columns sid, role,
    occ or a dict {(subject id, role): m²}; the pieces of a subject are scaled to it, so control
    features that overlap each other are counted once, as on 审查结论.  ``totals``: {role: the printed
    合计 of 审查结论}; each role's 合计 is that figure and its parts are balanced to it — one figure on
    both sheets.

    Returns dicts with keys total, agr, agr_01, paddy, agr_02, agr_03, agr_04, agr_other, con, unu,
    unk, own_state, own_coll, own_unk (Decimal) plus role/label/checked, the exact m² sums and
    ``rescaled`` (the number of subjects whose pieces were scaled).
    """
    c = conflicts
    n = 0 if c is None else len(c)
    sums: Dict[str, Dict[str, float]] = {}
    rescaled: Dict[str, int] = {}
    if n:
        area = _floats(c, "area_m2", n)
        # slivers are not occupation, and neither is the part of a subject lying *outside* a
        # control line (城镇开发边界外): it is a conflict, but it occupies nothing of the line
        keep = ~_flags(c, "sliver", n) & (np.array(_texts(c, "position", n), dtype=object) != "outside") & ~np.isnan(area)
        idx = np.nonzero(keep)[0]
        sub = c.iloc[idx]
        m = len(idx)
        occ = occupancy
        if isinstance(occ, dict):
            occ = pd.DataFrame([(k[0], k[1], v) for k, v in occ.items()], columns=["sid", "role", "occ"])
        if occ is not None and "subject" in occ.columns and "subject" in sub.columns:
            sid = sub["subject"].to_numpy()       # the subject's row: an integer key, faster than its 编号
            occ = occ.rename(columns={"subject": "sid"})
        else:
            sid = _texts(sub, "subject_id" if "subject_id" in c.columns else "subject", m)
        frame = pd.DataFrame({"sid": sid, "role": _texts(sub, "role", m), "a": area[idx]})
        if occ is not None and m:
            psum = frame.groupby(["sid", "role"], sort=False)["a"].sum().rename("psum").reset_index()
            psum = psum.merge(occ, on=["sid", "role"], how="left")
            o, t = psum["occ"].to_numpy(dtype=float), psum["psum"].to_numpy(dtype=float)
            scaled = ~np.isnan(o) & (t > 0) & (np.abs(t - np.nan_to_num(o)) > 0.005)
            psum["scale"] = np.where(scaled, np.divide(o, t, out=np.ones(len(t)), where=t > 0), 1.0)
            for role, k in psum.loc[scaled, "role"].value_counts().items():
                rescaled[role] = int(k)
            frame = frame.merge(psum[["sid", "role", "scale"]], on=["sid", "role"], how="left")
            frame["a"] = frame["a"].to_numpy() * frame["scale"].to_numpy(dtype=float)
        group, level1, code = _texts(sub, "base_group", m), _texts(sub, "base_level1", m), _texts(sub, "base_code", m)
        frame["key"] = _by_unique([f"{g}\x1f{l1}\x1f{cd[:4]}" for g, l1, cd in zip(group, level1, code)],
                                  lambda u: _landuse_key_of(*u.split("\x1f")))
        if "is_paddy" in sub.columns:
            flag = sub["is_paddy"]
            given = flag.notna().to_numpy()
            paddy = np.where(given, flag.where(flag.notna(), False).astype(bool).to_numpy(),
                             np.array([cd[:4] == "0101" for cd in code], dtype=bool))
        else:
            paddy = np.array([cd[:4] == "0101" for cd in code], dtype=bool)
        frame["own"] = _by_unique(_texts(sub, "ownership", m), lambda u: _OWNERSHIP.get(u, "own_unk"))
        for key_col, part in (("key", frame), ("own", frame), (None, frame[paddy])):
            if not len(part):
                continue
            keys = part[key_col] if key_col else pd.Series("paddy", index=part.index)
            for (role, k), vals in part["a"].groupby([part["role"], keys], sort=False):
                sums.setdefault(role, {})[k] = math.fsum(vals.tolist())

    out = []
    for r in roles:
        b = sums.get(r["role"], {})
        m2 = {k: to_decimal(v) for k, v in b.items()}
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
def _pick(values: list, mask: np.ndarray) -> list:
    return [v for v, keep in zip(values, mask.tolist()) if keep]


def overview(rows: PrintedRows, roles: List[dict]) -> dict:
    """审查结论汇总's figures, all sums of 审查结论's printed rows: ``by_verdict`` {verdict: (count, 公顷)},
    ``total_area``, ``role_rows`` (per control line: objects involved, area inside, of which judged
    不通过 / 需论证 — each line on its own, never added to another)."""
    verdict = np.array(rows.column("_verdict"), dtype=object)
    area = rows.column("area_ha")
    d = rows.places.get("area_ha", 4)
    by_verdict = {}
    for v in ("pass", "fail", "review"):
        sel = verdict == v
        by_verdict[v] = (int(sel.sum()), sum_exact(_pick(area, sel), d))
    role_rows = []
    for i, r in enumerate(roles):
        k = f"r{i}"
        if not r["checked"]:
            role_rows.append({"label": r["label"], "state": f"未检查（{r['layer'] or '未提供图层'}）"})
            continue
        ha = rows.column(f"{k}_ha")
        status = np.array(rows.column(f"{k}_status"), dtype=object)
        p = rows.places.get(f"{k}_ha", d)
        role_rows.append({
            "label": r["label"], "state": "已检查",
            "hit": sum(1 for v in ha if v),
            "inside": float(sum_exact(ha, p)),
            "fail_area": float(sum_exact(_pick(ha, status == VERDICT_ZH["fail"]), p)),
            "review_area": float(sum_exact(_pick(ha, status == VERDICT_ZH["review"]), p)),
        })
    return {"by_verdict": by_verdict, "total_area": sum_exact(area, d), "role_rows": role_rows}


# --------------------------------------------------------------------------- 控制线内地类
def landuse_table(data: ComplianceReportData, roles: List[dict], rows: PrintedRows) -> List[dict]:
    """landuse_breakdown of ``data`` with each line's 合计 = the sum of 审查结论's printed ``rows`` and the
    pieces of a subject scaled to its dissolved overlap."""
    totals = {r["role"]: rows.total(f"r{i}_ha") for i, r in enumerate(roles) if r["checked"]}
    occupancy = None
    f, c = data.subjects, data.conflicts
    if f is not None:
        # the subject's row number where both tables carry it (unique even when 编号 repeat), else its 编号
        key = "subject" if "subject" in f.columns and c is not None and "subject" in c.columns else "sid"
        id_col = "subject_id" if "subject_id" in f.columns else "subject"
        if id_col in f.columns:
            sids = f["subject"].to_numpy() if key == "subject" else np.array(_texts(f, id_col, len(f)), dtype=object)
            parts = []
            for r in roles:
                col = f"occ_{r['role']}_m2"
                if r["checked"] and col in f.columns:
                    occ = _floats(f, col, len(f))
                    ok = ~np.isnan(occ)
                    parts.append(pd.DataFrame({key: sids[ok], "role": r["role"], "occ": occ[ok]}))
            if parts:
                # one figure per subject and line (the last, as a dict would keep it)
                occupancy = pd.concat(parts, ignore_index=True).drop_duplicates([key, "role"], keep="last")
    return landuse_breakdown(data.conflicts, roles, data.decimals_ha, occupancy=occupancy, totals=totals)


# --------------------------------------------------------------------------- 冲突明细
def sliver_label(data: ComplianceReportData) -> str:
    return (f"碎片（小于 {_plain_number(data.sliver_m2)} 平方米），不计入涉及面积" if data.sliver_m2
            else "碎片，不计入涉及面积")


def piece_areas(area_m2, lines, sliver, decimals_ha: int = 4, listed=None):
    """(m², 公顷, 亩) of each conflict piece as 冲突明细 and the conflict layer print them, in input order.

    m² = ROUND_HALF_UP(m², 2).  Per control line (``lines``: its label for each piece; pieces below the
    sliver tolerance, ``sliver``, are not listed and stay plainly rounded), 公顷 and 亩 are balanced
    (core.rounding.balance_array, largest remainder) to the line's m² subtotal converted: so the
    subtotal line reads one area in three units — 214 025 593.38 m² beside 21 402.5593 ha, not the
    21 402.5598 that 5 000 separately rounded rows add up to — and each piece stays within one unit of
    the last place of its exact figure.  ``listed`` (the rows a truncated sheet lists): those of a line are
    balanced to their own m² subtotal converted and the rest to what is left of the line's, so the sheet's
    “本表所列” and “全部” subtotals each read one area."""
    ax = np.asarray(area_m2, dtype=float)
    raw = [None if np.isnan(v) else v for v in ax.tolist()]
    d = decimals_ha
    m2 = printed_array(ax, 2, lambda i: float(round_half_up(_dec(raw[i]), 2)))
    ha = printed_array(ax / 10000, d, lambda i: ha_value(raw[i], d))
    mu = printed_array(ax * 15 / 10000, 2, lambda i: mu_value(raw[i]))
    rows = ~np.asarray(sliver, dtype=bool) & ~np.isnan(ax)
    shown = rows if listed is None else rows & np.asarray(listed, dtype=bool)
    keys = np.array(["" if v is None else str(v) for v in lines], dtype=object)
    for key in dict.fromkeys(keys[rows].tolist()):
        line = np.nonzero(rows & (keys == key))[0]
        whole_m2 = sum_exact([m2[j] for j in line.tolist()], 2)
        part_m2 = sum_exact([m2[j] for j in line[shown[line]].tolist()], 2)
        ha = _balance_listed(ax / 10000, ha, d, line, shown, round_half_up(whole_m2 / 10000, d),
                             round_half_up(part_m2 / 10000, d))
        mu = _balance_listed(ax * 15 / 10000, mu, 2, line, shown, round_half_up(whole_m2 * 15 / 10000, 2),
                             round_half_up(part_m2 * 15 / 10000, 2))
    return m2, ha, mu


def _conflict_order(data: ComplianceReportData, roles: List[dict], subject_order: Dict[str, int]):
    """(role labels, sliver flags, report order, listed mask) of the conflict pieces: the report order is
    subjects as on 审查结论, then control line and feature, slivers last; ``listed`` marks the pieces the
    sheet lists (the first ``detail_limit`` pieces that are not slivers; all when there is no limit)."""
    c = data.conflicts
    n = 0 if c is None else len(c)
    labels = {r["role"]: r["label"] for r in roles}
    role_pos = {r["role"]: i for i, r in enumerate(roles)}
    sid = _texts(c, "subject_id" if c is not None and "subject_id" in c.columns else "subject", n)
    role = _texts(c, "role", n)
    sliver = _flags(c, "sliver", n)
    role_label = [lab or labels.get(ro) or ROLE_ZH.get(ro, ro) for lab, ro in zip(_texts(c, "role_label", n), role)]
    sorder = np.array([subject_order.get(s, len(subject_order)) for s in sid], dtype=np.int64)
    rpos = np.array([role_pos.get(ro, len(role_pos)) for ro in role], dtype=np.int64)
    # a subject not on 审查结论 (none, normally) comes last, in natural order of its 编号
    unknown = sorder == len(subject_order)
    sid_rank = np.zeros(n, dtype=np.int64)
    if unknown.any():
        sid_rank[unknown] = natural_ranks(_pick(sid, unknown))
    order = (np.lexsort((np.arange(n), natural_ranks(_texts(c, "control_id", n)), rpos, sid_rank, sorder, sliver))
             if n else np.empty(0, dtype=np.int64))
    listed = ~sliver.copy()
    limit = int(data.detail_limit or 0)
    if limit:
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        listed &= rank < limit   # slivers sort last, so the first `limit` in order are the first rows
    return role_label, sliver, order, listed, sid


def _subject_order(data: ComplianceReportData, roles: List[dict]) -> Dict[str, int]:
    return {sid: i for i, sid in enumerate(summary_rows(data, roles).column("sid"))}


def _conflict_printed(data: ComplianceReportData, roles: List[dict], subject_order: Dict[str, int]):
    """(role labels, slivers, order, listed, subject ids, (m², 公顷, 亩)) of the conflict pieces, once per data."""
    key = ("conflicts", _roles_key(roles), data.detail_limit)
    if key not in data.memo:
        role_label, sliver, order, listed, sid = _conflict_order(data, roles, subject_order)
        figures = piece_areas(_floats(data.conflicts, "area_m2", len(sliver)), role_label, sliver, data.decimals_ha,
                              listed)
        data.memo[key] = (role_label, sliver, order, listed, sid, figures)
    return data.memo[key]


def conflict_figures(data: ComplianceReportData):
    """(m², 公顷, 亩) of each conflict piece in input order, exactly as 冲突明细 prints it — for the conflict
    layer, so a piece reads the same on the sheet, in the CSV and in the layer."""
    roles = _roles(data)
    return _conflict_printed(data, roles, _subject_order(data, roles))[5]


def conflict_rows(data: ComplianceReportData, roles: List[dict], subject_order: Dict[str, int]):
    """(rows, slivers): the printed conflict pieces in report order (subjects as on 审查结论, then control
    line and feature), and the pieces below the sliver tolerance — counted, never listed as rows."""
    d = data.decimals_ha
    c = data.conflicts
    n = 0 if c is None else len(c)
    sliver_text = sliver_label(data)
    role_label, sliver, order, listed, sid, (m2, ha, mu) = _conflict_printed(data, roles, subject_order)
    message, verdict_zh, pos = _texts(c, "message", n), _texts(c, "verdict_zh", n), _texts(c, "position", n)
    verdict = _texts(c, "verdict", n)
    cols = {
        "sid": sid,
        "role_label": role_label,
        "control_id": _texts(c, "control_id", n),
        "zone": _texts(c, "zone", n),
        "position": [POSITION_ZH.get(p, p) for p in pos],
        "base_code": _texts(c, "base_code", n),
        "base_name": _texts(c, "base_name", n),
        "base_group": _texts(c, "base_group", n),
        "ownership": _texts(c, "ownership", n),
        "m2": m2, "ha": ha, "mu": mu,
        "rule_id": _texts(c, "rule_id", n),
        "verdict_zh": ["碎片" if s else z for s, z in zip(sliver.tolist(), verdict_zh)],
        "message": [(f"{sliver_text}；{msg}" if msg else sliver_text) if s else msg
                    for s, msg in zip(sliver.tolist(), message)],
        "_sliver": sliver.tolist(),
        "_verdict": [_ZH_TO_VERDICT.get(z, v.lower()) for z, v in zip(verdict_zh, verdict)],
    }
    table = PrintedRows(cols, n, {"m2": 2, "ha": d, "mu": 2}).take(order)
    # pieces below the sliver tolerance are counted in a note, never listed as classed rows (a 0.00 row
    # with a neighbour parcel's class and a verdict reads as a finding); the layer keeps them, flagged
    is_sliver = np.array(table.column("_sliver"), dtype=bool)
    rows, slivers = table.where(~is_sliver), table.where(is_sliver)
    rows.set("seq", range(1, len(rows) + 1))
    return rows, slivers


def line_subtotals(rows: PrintedRows) -> List[dict]:
    """Per control line (in order of appearance): pieces, m², 公顷, 亩 — sums of the printed rows."""
    labels = rows.column("role_label")
    seen = list(dict.fromkeys(labels))
    lab = np.array(labels, dtype=object)
    out = []
    for label in seen:
        mine = lab == label
        item = {"role_label": label, "n": int(mine.sum())}
        for k in ("m2", "ha", "mu"):
            item[k] = float(sum_exact(_pick(rows.column(k), mine), rows.places.get(k, 2)))
        out.append(item)
    return out
