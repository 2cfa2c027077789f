"""UI text: Chinese for a Chinese QGIS, English otherwise.

Source strings are English (the QGIS convention), translated the QGIS way: the Qt Linguist source
``resources/i18n/guotukit_zh_CN.ts`` (context ``GuotuKit``; edit it with Qt Linguist) is compiled by
``make translations`` (``lrelease``) into ``guotukit_zh_CN.qm``, which :func:`install_translator` loads into
Qt when the UI language is Chinese.  ``tr()`` asks Qt first, then — in a checkout without the compiled
.qm — reads the .ts itself.  The language follows QGIS's locale; the setting ``GuotuKit/language``
(``auto``/``zh``/``en``) overrides it.
"""
from __future__ import annotations

import os
from functools import lru_cache

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale

CONTEXT = "GuotuKit"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "i18n")
TS_FILE = os.path.join(I18N_DIR, "guotukit_zh_CN.ts")
QM_FILE = os.path.join(I18N_DIR, "guotukit_zh_CN.qm")
_translator = None


@lru_cache(maxsize=1)
def _zh_catalogue() -> dict:
    """source → translation from the .ts (used when no compiled .qm is loaded)."""
    import xml.etree.ElementTree as ET

    table = {}
    try:
        root = ET.parse(TS_FILE).getroot()
    except (OSError, ET.ParseError):
        return table
    for ctx in root.iter("context"):
        if (ctx.findtext("name") or "") != CONTEXT:
            continue
        for msg in ctx.iter("message"):
            src, tr_node = msg.findtext("source"), msg.find("translation")
            if src and tr_node is not None and tr_node.text and tr_node.get("type") not in ("unfinished", "obsolete"):
                table[src] = tr_node.text
    return table


def install_translator() -> bool:
    """Load the compiled guotukit_zh_CN.qm into Qt when the UI is Chinese (once); False when there is none."""
    global _translator
    if _translator is not None or ui_language() != "zh" or not os.path.isfile(QM_FILE):
        return _translator is not None
    from qgis.PyQt.QtCore import QTranslator

    translator = QTranslator()
    if translator.load(QM_FILE):
        QCoreApplication.installTranslator(translator)
        _translator = translator
        _install_qt_translator()
    return _translator is not None


_qt_translator = None


def _install_qt_translator() -> bool:
    """Qt's own Chinese (Close, Cancel, Open … in dialog button boxes and file dialogs) when QGIS has not
    loaded it — an English QGIS with GuotuKit set to Chinese: qtbase_zh_CN.qm from QGIS's i18n folder or
    Qt's translations folder."""
    global _qt_translator
    from qgis.PyQt.QtCore import QLibraryInfo, QTranslator

    if _qt_translator is not None or QCoreApplication.translate("QPlatformTheme", "Close") != "Close":
        return True
    folders = []
    try:
        from qgis.core import QgsApplication

        folders.append(QgsApplication.i18nPath())
    except Exception:  # noqa: BLE001 - no QGIS application (a test)
        pass
    try:
        folders.append(QLibraryInfo.location(QLibraryInfo.TranslationsPath))            # Qt 5
    except AttributeError:
        folders.append(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))   # Qt 6
    for folder in folders:
        for name in ("qtbase_zh_CN", "qt_zh_CN"):
            translator = QTranslator()
            if folder and translator.load(name, folder):
                QCoreApplication.installTranslator(translator)
                _qt_translator = translator
                return True
    return False


def ui_language() -> str:
    choice = str(QgsSettings().value("GuotuKit/language", "auto") or "auto").lower()
    if choice in ("zh", "en"):
        return choice
    loc = QgsSettings().value("locale/userLocale", "") or QLocale.system().name()
    return "zh" if str(loc).lower().startswith("zh") else "en"


def tr(text: str) -> str:
    if ui_language() != "zh":
        return text
    translated = QCoreApplication.translate(CONTEXT, text)   # the compiled .qm, when loaded
    if translated != text:
        return translated
    return _zh_catalogue().get(text, text)                    # a checkout without the .qm


def reset_cache() -> None:
    _zh_catalogue.cache_clear()
