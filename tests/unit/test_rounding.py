"""ROUND_HALF_UP and remainder balancing (尾差调平): what an approver checks by hand."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.rounding import balance_remainders, convert_area, rhu, round_half_up


def test_half_up_not_bankers():
    assert rhu(0.125, 2) == 0.13  # Python's round(0.125, 2) gives 0.12
    assert rhu(2.5, 0) == 3.0
    assert rhu(-2.5, 0) == -3.0  # away from zero, like MidpointRounding.AwayFromZero
    assert round_half_up("1.005", 2) == Decimal("1.01")


def test_units():
    assert convert_area(15000, "ha") == Decimal("1.5")
    assert rhu(convert_area(10000, "mu"), 4) == 15.0  # 1 公顷 = 15 亩
    assert convert_area(2_500_000, "km2") == Decimal("2.5")
    with pytest.raises(ValueError, match="acre"):
        convert_area(1, "acre")


def test_balancing_known_case():
    # three thirds of 1.00: rounding each gives 0.33 ×3 = 0.99; equal remainders and values: the first gets 0.01
    vals = [Decimal(1) / 3] * 3
    got = balance_remainders(vals, 2, total=1)
    assert got == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]


def test_balancing_gives_to_largest_remainder():
    got = balance_remainders([0.005, 10.004, 5.004], 2)  # exact sum 15.013 → 15.01; rounded rows 0.01+10.00+5.00 = 15.01
    assert sum(got) == Decimal("15.01")
    # sum 6.012 → 6.01, rows round to 6.00: the row that lost most (2.0045 lost 0.0045) gets 0.01
    got = balance_remainders([1.004, 2.0045, 3.004], 2)
    assert got == [Decimal("1.00"), Decimal("2.01"), Decimal("3.00")]
    # equal remainders: the larger row
    got = balance_remainders([1.004, 2.004, 3.004], 2)
    assert got == [Decimal("1.00"), Decimal("2.00"), Decimal("3.01")]


def test_balancing_never_pushes_a_row_past_its_ceiling():
    # the reviewer's case: 耕地 37 959 998.72 m² = 3 795.999872 ha rounds to 3 796.00; the rows must shed
    # 0.01 or gain 0.01, but 耕地 is never moved beyond the two values next to its exact figure, and
    # with a remainder this far from the half-way point it keeps 3 796.00 whatever the other rows are
    for others in ([12.344, 7.004], [12.346, 7.006], [0.004, 0.004, 0.004], [5.0049]):
        vals = [Decimal("3795.999872")] + [Decimal(str(v)) for v in others]
        got = balance_remainders(vals, 2)
        assert got[0] == Decimal("3796.00"), (others, got)
        assert sum(got) == round_half_up(sum(vals), 2)


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=40), st.integers(0, 4))
def test_balanced_rows_add_up_to_rounded_total(values, decimals):
    got = balance_remainders(values, decimals)
    total = round_half_up(sum(Decimal(str(v)) for v in values), decimals)
    assert sum(got) == total
    unit = Decimal(1).scaleb(-decimals)
    for g, v in zip(got, values):  # every row is its exact value rounded down or up, never further
        assert abs(g - Decimal(str(v))) < unit


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=50), st.integers(0, 6))
def test_rhu_array_equals_decimal_path(values, decimals):
    import numpy as np

    from core.rounding import rhu_array

    got = rhu_array(np.array(values), decimals)
    assert list(got) == [rhu(v, decimals) for v in values]


def test_rhu_array_ties():
    import numpy as np

    from core.rounding import rhu_array

    assert list(rhu_array(np.array([0.125, 2.5, -2.5, 1.005, 0.0]), 2)) == [0.13, 2.5, -2.5, 1.01, 0.0]
    assert list(rhu_array(np.array([2.5, -2.5]), 0)) == [3.0, -3.0]


def test_balancing_leaves_zeros_alone():
    # an imposed total three units below the parts' sum: only the non-zero parts give them up
    got = balance_remainders([Decimal("1.00004"), Decimal(0), Decimal("2.00004"), Decimal("3.00004")], 4,
                             total=Decimal("5.9998"))
    assert got[1] == 0 and sum(got) == Decimal("5.9998") and all(g >= 0 for g in got)


@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=1, max_size=60), st.integers(1, 4),
       st.integers(-30, 30))
def test_balance_array_is_balance_remainders_for_a_column(values, decimals, shift):
    """the vectorised balancer (冲突明细's 公顷/亩 per control line) gives every row exactly what the
    Decimal one gives, for any total within reach — including totals the rows must move several units to"""
    import numpy as np

    from core.rounding import balance_array, rhu_array

    unit = Decimal(1).scaleb(-decimals)
    total = round_half_up(sum(Decimal(str(v)) for v in values), decimals) + shift * unit
    if total < 0:
        total = Decimal(0)
    got = balance_array(np.array(values), rhu_array(np.array(values), decimals), decimals, total)
    assert [Decimal(str(g)).quantize(unit) for g in got] == balance_remainders(values, decimals, total=total)


def test_balance_array_keeps_zero_rows_and_lands_on_the_total():
    import numpy as np

    from core.rounding import balance_array, rhu_array

    vals = np.array([0.0, 0.33333, 0.33333, 0.33334, 0.0])
    got = balance_array(vals, rhu_array(vals, 2), 2, Decimal("1.00"))
    assert list(got) == [0.0, 0.33, 0.33, 0.34, 0.0]
