"""core.printed: the columnar rows a ledger prints (natural order, exact sums, cleaned text)."""
from decimal import Decimal

from core.printed import PrintedRows, natural_ranks, sum_exact, text_column


def test_natural_order_reads_numbers_as_a_person_does():
    texts = ["图斑10", "图斑2", "A1", "图斑2", "B"]
    ranks = natural_ranks(texts)
    assert [t for _, t in sorted(zip(ranks, texts))] == ["A1", "B", "图斑2", "图斑2", "图斑10"]
    assert ranks[1] == ranks[3]   # equal texts share a rank


def test_digit_identifiers_rank_by_number_then_text():
    texts = ["10", "9", "007", "7", "123456789012345678"]
    ranks = natural_ranks(texts)
    assert [t for _, t in sorted(zip(ranks, texts))] == ["007", "7", "9", "10", "123456789012345678"]
    # the NumPy path for digit-only identifiers orders exactly as the general one
    mixed = natural_ranks(texts + ["x"])[:-1]
    assert list(mixed) == list(ranks)


def test_sum_exact_adds_the_printed_figures_not_their_floats():
    values = [0.1, 0.1, None, 0.1]
    assert sum_exact(values, 4) == Decimal("0.3000")
    assert sum(v for v in values if v) != 0.3   # 0.30000000000000004
    assert sum_exact([], 2) == Decimal("0.00")


def test_text_column_cleans_once_and_blanks_missing():
    assert text_column(["a ", None, float("nan"), 12.0, "x\x01y", "a "]) == ["a", "", "", "12", "xy", "a"]


def test_rows_take_head_where_and_total():
    rows = PrintedRows({"k": ["a", "b", "c"], "v": [1.25, None, 2.5]}, 3, {"v": 2})
    assert rows.take([2, 0]).rows() == [{"k": "c", "v": 2.5}, {"k": "a", "v": 1.25}]
    assert rows.head(1).rows() == [{"k": "a", "v": 1.25}]
    assert rows.where([False, True, True]).column("k") == ["b", "c"]
    assert rows.total("v") == Decimal("3.75") and len(rows) == 3 and rows.column("nope") == [None] * 3
