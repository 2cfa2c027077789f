"""Printed rows held by column: a county's 200 000 report rows without a dict per row.

A ledger prints a detail table once; the workbook shows its first rows, a CSV beside it every row, and
the summaries add its printed figures.  :class:`PrintedRows` keeps each column as one list (text
already cleaned, figures already rounded, ``None`` for a blank cell), so that

* the sheet asks for the first ``k`` rows as dicts (:meth:`PrintedRows.rows`),
* the CSV writer streams the columns (``core.excel.write_csv``),
* a 合计 is the exact sum of the printed figures (:meth:`PrintedRows.total`), the same value as adding
  the printed cells one by one with Decimal — computed on integers, not per row.

``text_column`` cleans a column once per distinct value; ``natural_ranks`` orders identifiers as a
person reads them (图斑2 before 图斑10) once per distinct value.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
import pandas as pd

from .cells import ILLEGAL_CHARACTERS_RE, clean_text


def text_column(values: Iterable) -> List[str]:
    """Cell text of every value (``clean_text`` then stripped; '' for None/NaN), cleaned once per
    distinct value."""
    arr = pd.Series(values if isinstance(values, (pd.Series, np.ndarray, list)) else list(values), dtype=object)
    if not len(arr):
        return []
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    uniques = uniques.tolist()
    if all(u.__class__ is str for u in uniques) and not ILLEGAL_CHARACTERS_RE.search("".join(uniques)):
        cleaned = [u.strip() for u in uniques]     # plain text: nothing to remove (one search for the column)
    else:
        cleaned = [clean_text(v).strip() for v in uniques]
    return np.array(cleaned + [""], dtype=object)[codes].tolist()     # the sentinel −1 picks the trailing ''


def _natural_key(text: str):
    if text.isdigit():
        return [(0, int(text), text)]
    return [(0, int(t), t) if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def natural_ranks(texts: Sequence[str]) -> np.ndarray:
    """Rank of each text in natural order (equal texts share a rank): one sort of the distinct values.
    Identifiers made only of digits (标识码 BSM) are ranked by their number, then their text ("007"
    after "7"), in one NumPy sort."""
    codes, uniques = pd.factorize(pd.Series(list(texts), dtype=object))
    uniques = [str(u) for u in uniques.tolist()]
    if uniques and all(u.isdigit() and u.isascii() and len(u) <= 18 for u in uniques):
        order = np.lexsort((np.array(uniques), np.array([int(u) for u in uniques], dtype=np.int64)))
    else:
        order = sorted(range(len(uniques)), key=lambda k: _natural_key(uniques[k]))
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(uniques), dtype=np.int64)
    return rank[codes] if len(codes) else np.empty(0, dtype=np.int64)


def _scaled_ints(values: Sequence, places: int) -> np.ndarray:
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    x = x[~np.isnan(x)]
    return np.rint(x * 10.0 ** places).astype(np.int64)


def sum_exact(values: Sequence, places: int) -> Decimal:
    """The exact sum of figures printed with at most ``places`` decimals (None skipped), as Decimal with
    ``places`` decimals: each figure is an integer number of 10^-places, so the sum is one integer sum."""
    total = int(_scaled_ints(values, places).sum(dtype=np.int64)) if len(values) else 0
    return Decimal(total).scaleb(-places)


class PrintedRows:
    """A printed table by column.  ``cols``: {key: list of cell values}; ``places``: {key: decimals} for
    the figure columns, used by :meth:`total`."""

    def __init__(self, cols: Dict[str, list], n: int, places: Optional[Dict[str, int]] = None):
        self.cols = cols
        self.n = int(n)
        self.places = dict(places or {})

    def __len__(self) -> int:
        return self.n

    def __bool__(self) -> bool:
        return self.n > 0

    def column(self, key: str) -> list:
        col = self.cols.get(key)
        return col if col is not None else [None] * self.n

    def rows(self, limit: Optional[int] = None) -> List[dict]:
        """The first ``limit`` rows (all when None) as dicts, for a sheet."""
        k = self.n if limit is None else max(0, min(int(limit), self.n))
        keys = list(self.cols)
        cols = [self.cols[key][:k] for key in keys]
        return [dict(zip(keys, vals)) for vals in zip(*cols)] if keys else [{} for _ in range(k)]

    def take(self, index) -> PrintedRows:
        idx = np.asarray(index, dtype=np.int64)
        out = {}
        for key, col in self.cols.items():
            arr = np.empty(len(col), dtype=object)
            arr[:] = col
            out[key] = arr[idx].tolist()
        return PrintedRows(out, len(idx), self.places)

    def head(self, limit: int) -> PrintedRows:
        k = max(0, min(int(limit), self.n))
        return PrintedRows({key: col[:k] for key, col in self.cols.items()}, k, self.places)

    def where(self, mask) -> PrintedRows:
        return self.take(np.nonzero(np.asarray(mask, dtype=bool))[0])

    def total(self, key: str, places: Optional[int] = None) -> Decimal:
        """Exact sum of the printed figures of ``key`` (blank cells skipped)."""
        p = self.places.get(key, 4) if places is None else places
        return sum_exact(self.column(key), p)

    def set(self, key: str, values: Sequence, places: Optional[int] = None) -> None:
        self.cols[key] = list(values)
        if places is not None:
            self.places[key] = places


__all__ = ["PrintedRows", "natural_ranks", "sum_exact", "text_column"]
