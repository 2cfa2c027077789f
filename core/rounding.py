"""Decimal rounding and unit conversion for official area figures.

Rules (reference/domain_standards.md §4.4):
* sum in m², convert, then round with ROUND_HALF_UP — never Python's ``round``
  (banker's rounding: ``round(0.125, 2) == 0.12``);
* where rounded rows must add up to a rounded total, distribute the remainder
  largest-first (尾差调平), one unit of the last decimal at a time.
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
    """Round ``values`` so that they add up to the rounded total (尾差调平).

    Each value is rounded half-up; the difference between the rounded total
    (``total`` if given, else the exact sum) and the sum of rounded values is
    distributed one unit of the last place at a time to the largest values first,
    in the direction of the difference. Ties keep input order (stable), so the
    result is deterministic.
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
    order = sorted(range(len(exact)), key=lambda i: (-abs(exact[i]), i))
    n = len(order)
    base, extra = divmod(abs(steps), n)
    for rank, i in enumerate(order):
        k = base + (1 if rank < extra else 0)
        if k:
            rounded[i] += sign * k * unit
    return rounded


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
