"""UI text: Chinese for a Chinese QGIS, English otherwise.

Source strings are English (the QGIS convention). ``tr()`` first asks Qt's
translator (so a compiled .qm can override), then the Chinese catalogue in
``resources/i18n/zh_CN.tsv`` when the UI language is Chinese. The language
follows QGIS's locale; the setting ``GuotuKit/language`` (``auto``/``zh``/``en``)
overrides it.
"""
from __future__ import annotations

import csv
import os
from functools import lru_cache

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale

CONTEXT = "GuotuKit"
_CATALOGUE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "i18n", "zh_CN.tsv")


@lru_cache(maxsize=1)
def _zh_catalogue() -> dict:
    table = {}
    try:
        with open(_CATALOGUE, encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if len(row) >= 2 and row[0] and not row[0].startswith("#"):
                    table[row[0]] = row[1]
    except OSError:
        pass
    return table


def ui_language() -> str:
    choice = str(QgsSettings().value("GuotuKit/language", "auto") or "auto").lower()
    if choice in ("zh", "en"):
        return choice
    loc = QgsSettings().value("locale/userLocale", "") or QLocale.system().name()
    return "zh" if str(loc).lower().startswith("zh") else "en"


def tr(text: str) -> str:
    translated = QCoreApplication.translate(CONTEXT, text)
    if translated != text:
        return translated
    if ui_language() == "zh":
        return _zh_catalogue().get(text, text)
    return text


def reset_cache() -> None:
    _zh_catalogue.cache_clear()
