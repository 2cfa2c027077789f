"""Decimal rounding and unit conversion for official area figures.

Rules (reference/domain_standards.md §4.4):
* sum in m², convert, then round with ROUND_HALF_UP — never Python's ``round``
  (banker's rounding: ``round(0.125, 2) == 0.12``);
* where rounded rows must add up to a rounded total, distribute the remainder one unit of the last
  decimal at a time to the rows that rounding moved farthest from their exact value (尾差调平 by
  largest remainder; ties go to the larger row, then to the earlier one).

*Changed* from the reference's "按大值分配尾差" (give the unit to the largest row): that rule can
push a row that rounding had already raised (3 795.9999 → 3 796.00) one more unit (3 796.01), so the
same 耕地 printed 3 796.00 in one table and 3 796.01 in another.  With the largest remainder every
printed figure is its exact value rounded down or up at the last decimal — never further — and it
differs from its plain ROUND_HALF_UP only when its exact value lies near the half-way point.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, List, Sequence

M2_PER_UNIT = {
    "m2": Decimal(1),
    "ha": Decimal(10000),
    "mu": Decimal(10000) / Decimal(15),
    "km2": Decimal(1000000),
}
UNIT_LABELS = {"m2": "平方米", "ha": "公顷", "mu": "亩", "km2": "平方千米"}


def to_decimal(value) -> Decimal:
    """Exact decimal of a float as it prints (``str``), so 0.125 stays 0.125."""
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal(0)
    return Decimal(str(value))


def round_half_up(value, decimals: int = 2) -> Decimal:
    """Round half away from zero to ``decimals`` places (Decimal result)."""
    q = Decimal(1).scaleb(-int(decimals))
    return to_decimal(value).quantize(q, rounding=ROUND_HALF_UP)


def rhu(value, decimals: int = 2) -> float:
    """``round_half_up`` as a float, for fields and frames."""
    return float(round_half_up(value, decimals))


def convert_area(value_m2, unit: str) -> Decimal:
    """Convert an area in m² to ``unit`` (m2, ha, mu, km2) exactly, before rounding."""
    try:
        factor = M2_PER_UNIT[unit]
    except KeyError:
        raise ValueError(f"unknown area unit {unit!r}; use one of {sorted(M2_PER_UNIT)}") from None
    return to_decimal(value_m2) / factor


def balance_remainders(values: Sequence, decimals: int = 2, total=None) -> List[Decimal]:
    """Round ``values`` so that they add up to the rounded total (尾差调平, largest remainder).

    Each value is rounded half-up; the difference between the rounded total (``total`` if given,
    else the exact sum) and the sum of rounded values is distributed one unit of the last place at
    a time, in the direction of the difference, to the values whose rounding lost the most in that
    direction (ties: larger absolute value first, then input order — deterministic).  When the
    difference is at most the number of values, every result stays within one unit of its exact
    value (it is the exact value rounded down or up).  Values that are exactly zero stay zero.
    """
    exact = [to_decimal(v) for v in values]
    rounded = [round_half_up(v, decimals) for v in exact]
    target = round_half_up(sum(exact, Decimal(0)) if total is None else total, decimals)
    unit = Decimal(1).scaleb(-int(decimals))
    diff = target - sum(rounded, Decimal(0))
    steps = int((diff / unit).to_integral_value(rounding=ROUND_HALF_UP))
    if steps == 0 or not rounded:
        return rounded
    sign = 1 if steps > 0 else -1
    # what rounding took away in the direction we must move: exact - rounded (moving up) or
    # rounded - exact (moving down); the largest loss gets the first unit back.  A value that is
    # exactly zero stays zero (no "-0.0001" 地类不详 beside a total that was imposed).
    eligible = [i for i in range(len(exact)) if exact[i] != 0] or list(range(len(exact)))
    order = sorted(eligible, key=lambda i: (-(sign * (exact[i] - rounded[i])), -abs(exact[i]), i))
    n = len(order)
    base, extra = divmod(abs(steps), n)
    for rank, i in enumerate(order):
        k = base + (1 if rank < extra else 0)
        if k:
            rounded[i] += sign * k * unit
    return rounded


def balance_array(exact, rounded, decimals: int, total):
    """:func:`balance_remainders` for a column of many rows, vectorised: ``exact`` the values (floats,
    in the printed unit), ``rounded`` each value already rounded half-up (floats, e.g. :func:`rhu_array`),
    ``total`` the Decimal the printed values must add up to.  The same rule: the difference goes one
    unit of the last place at a time to the rows whose rounding lost the most in its direction (ties:
    larger absolute value, then input order); rows that are exactly zero stay zero.  Returns floats."""
    import numpy as np

    x = np.asarray(exact, dtype=float)
    scale = 10 ** int(decimals)
    units = np.rint(np.asarray(rounded, dtype=float) * scale).astype(np.int64)
    target = int(round_half_up(total, decimals).scaleb(int(decimals)))
    steps = target - int(units.sum(dtype=np.int64))
    if steps == 0 or not len(units):
        return units / scale
    sign = 1 if steps > 0 else -1
    eligible = np.nonzero(x != 0)[0]
    if not len(eligible):
        eligible = np.arange(len(units))
    loss = sign * (x[eligible] * scale - units[eligible])
    order = eligible[np.lexsort((eligible, -np.abs(x[eligible]), -loss))]
    base, extra = divmod(abs(steps), len(order))
    if 0 < extra < len(order):
        # who gets the extra units is decided at one loss; rows whose float loss lies within rounding error
        # of it are ranked again on their exact Decimal loss, so the result is balance_remainders' exactly
        lo = sign * (x[order] * scale - units[order])
        cut = lo[extra - 1]
        tol = 64 * np.finfo(float).eps * (1.0 + float(np.abs(x).max()) * scale)
        near = np.nonzero(np.abs(lo - cut) <= tol)[0]
        if len(near) > 1:
            unit = Decimal(1).scaleb(-int(decimals))
            rows = order[near]
            exact_loss = [sign * (to_decimal(float(x[i])) - int(units[i]) * unit) for i in rows.tolist()]
            again = sorted(range(len(rows)), key=lambda k: (-exact_loss[k], -abs(to_decimal(float(x[rows[k]]))),
                                                             int(rows[k])))
            order[near] = rows[again]
    add = np.full(len(order), base, dtype=np.int64)
    add[:extra] += 1
    units[order] += sign * add
    return units / scale


def sum_decimal(values: Iterable) -> Decimal:
    return sum((to_decimal(v) for v in values), Decimal(0))


def rhu_array(values, decimals: int = 2):
    """Vectorised ``rhu`` for a numpy array: half away from zero, exactly like the Decimal path.

    Values whose scaled fraction is within 1e-6 of .5 (possible ties) go through Decimal on their
    shortest repr, so 0.125 → 0.13 as in :func:`round_half_up`; all others are unambiguous.
    """
    import numpy as np

    x = np.asarray(values, dtype=float)
    scale = 10.0 ** int(decimals)
    scaled = np.abs(x) * scale
    base = np.floor(scaled)
    frac = scaled - base
    out = np.sign(x) * (base + (frac >= 0.5)) / scale
    near = np.nonzero(np.abs(frac - 0.5) < 1e-6)[0]
    for i in near:
        out[i] = rhu(float(x[i]), decimals)
    bad = ~np.isfinite(x)
    out[bad] = x[bad]
    return out


# the one sentence every report uses for the balancing rule (see balance_remainders)
BALANCE_RULE_ZH = ("尾差调平按最大余数法：四舍五入后，末位差额逐个单位调给舍入误差最大的数"
                   "（误差相同时先调较大的数），每个数只取其准确值在末位向下或向上取整的值")
