"""The text of a table cell, without openpyxl.

The ledgers (what every report and layer prints) need only this; keeping it apart from
:mod:`core.excel` means a run that writes no workbook never imports openpyxl (~0.2 s on a
QGIS process's first run, e.g. every ``qgis_process`` call).
"""
from __future__ import annotations

import math
import re

#: characters a worksheet cannot hold (the same set as openpyxl's ``ILLEGAL_CHARACTERS_RE``)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def clean_text(value) -> str:
    """Cell text: '' for None/NaN, integral floats without '.0', control characters removed."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    text = str(value)
    if not isinstance(value, str) and is_missing(value):
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def is_missing(value) -> bool:
    """None, NaN (float or numpy), pandas NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:  # numpy NaN
        return bool(value != value)
    except (TypeError, ValueError):
        return False
