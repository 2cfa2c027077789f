"""The plugin as QGIS loads it: classFactory, provider in initProcessing, menu and toolbar."""
from __future__ import annotations

import importlib

from qgis.core import QgsApplication

_KEEP = []


def test_plugin_adds_menu_toolbar_and_provider(qgis_iface):
    import guotukit

    plugin = guotukit.classFactory(qgis_iface)
    registry = QgsApplication.processingRegistry()
    had = registry.providerById("guotukit")
    if had is not None:  # registered by another test's session fixture
        registry.removeProvider(had)
    plugin.initGui()
    try:
        assert registry.providerById("guotukit") is not None
        assert registry.algorithmById("guotukit:convertlandusecodes") is not None
        menus = [a.text() for a in qgis_iface.mainWindow().menuBar().actions()]
        assert any("GuotuKit" in m for m in menus)   # 国土规划工具箱（GuotuKit） or the English fallback
        entries = {a.objectName() for a in plugin.menu.actions()}
        # every algorithm is reachable from the menu
        assert {a.id() for a in registry.providerById("guotukit").algorithms()} <= entries
        assert plugin.toolbar.actions()
    finally:
        plugin.unload()
    assert registry.providerById("guotukit") is None
    assert plugin.menu is None
    if had is not None:  # give the session back its provider: later tests run algorithms by id
        from guotukit.processing_provider.provider import GuotuKitProvider

        _KEEP.append(GuotuKitProvider())  # a Python provider must stay referenced, or its algorithms vanish
        assert registry.addProvider(_KEEP[-1])
        assert registry.algorithmById("guotukit:structuretable") is not None


def test_missing_dependency_is_reported_not_raised(monkeypatch):
    import guotukit.plugin.deps as deps

    real_import = importlib.import_module

    def fake_import(name, *a, **k):
        if name == "openpyxl":
            raise ImportError("No module named 'openpyxl'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(deps.importlib, "import_module", fake_import)
    missing = deps.missing_dependencies()
    assert missing == ["openpyxl>=3.0"]
    msg = deps.missing_message(missing)
    assert 'pip install --no-deps "openpyxl>=3.0"' in msg and "OSGeo4W" in msg   # never touches QGIS's numpy

    from guotukit.processing_provider.algorithms.convert_codes import ConvertLandUseCodesAlgorithm

    ok, why = ConvertLandUseCodesAlgorithm().canExecute()
    assert ok is False and "openpyxl" in why


def test_old_shapely_is_reported(monkeypatch):
    import types

    import guotukit.plugin.deps as deps

    real_import = importlib.import_module
    monkeypatch.setattr(
        deps.importlib,
        "import_module",
        lambda name, *a, **k: types.SimpleNamespace(__version__="1.8.5") if name == "shapely" else real_import(name),
    )
    assert deps.missing_dependencies() == ["shapely>=2.0,<3 (found 1.8.5)"]


def test_dependencies_are_checked_by_capability_not_version(monkeypatch):
    """Debian's shapely on QGIS 3.44 says __version__ = "0+unknown": it is shapely 2 all the same."""
    import guotukit.plugin.deps as deps
    import shapely

    monkeypatch.setattr(shapely, "__version__", "0+unknown")
    assert deps.missing_dependencies() == []


def test_chinese_ui_text_with_english_fallback():
    from guotukit.plugin import i18n
    from guotukit.processing_provider.algorithms.compliance_check import ComplianceCheckAlgorithm
    from guotukit.processing_provider.algorithms.convert_codes import ConvertLandUseCodesAlgorithm
    from qgis.core import QgsSettings

    settings = QgsSettings()
    try:
        settings.setValue("GuotuKit/language", "zh")
        assert ConvertLandUseCodesAlgorithm().displayName() == "转换地类编码"
        alg = ComplianceCheckAlgorithm()
        alg.initAlgorithm({})
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p.description()) for p in alg.parameterDefinitions())
        settings.setValue("GuotuKit/language", "en")
        assert ConvertLandUseCodesAlgorithm().displayName() == "Convert land-use codes"
    finally:
        settings.remove("GuotuKit/language")
        i18n.reset_cache()


def test_qt_buttons_are_chinese_too_when_guotukit_is():
    """An English QGIS with GuotuKit set to Chinese: Qt's own words (a file dialog's Cancel, Close …) come in
    Chinese as well — the plugin loads Qt's translation beside its own."""
    from guotukit.plugin import i18n
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QCoreApplication

    settings = QgsSettings()
    assert QCoreApplication.translate("QPlatformTheme", "Close") == "Close"   # nothing loaded it yet
    try:
        settings.setValue("GuotuKit/language", "zh")
        assert i18n.install_translator()
        assert QCoreApplication.translate("QPlatformTheme", "Close") == "关闭"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        for name in ("_translator", "_qt_translator"):
            t = getattr(i18n, name)
            if t is not None:
                QCoreApplication.removeTranslator(t)
                setattr(i18n, name, None)
        settings.remove("GuotuKit/language")
        i18n.reset_cache()


def test_openpyxl_runs_without_lxml_inside_qgis():
    """The Windows crash class (openpyxl + lxml in a worker thread): loading the plugin turns lxml off before
    openpyxl is imported, and openpyxl honours it (checked in a fresh interpreter, as QGIS starts)."""
    import os
    import subprocess
    import sys

    import guotukit

    plugins = os.path.dirname(os.path.dirname(os.path.abspath(guotukit.__file__)))
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    code = "import guotukit, openpyxl.xml; print(openpyxl.xml.LXML)"
    out = subprocess.run([sys.executable, "-c", code], cwd=plugins, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_about_shows_language_and_the_data_in_use():
    """About names the UI language (and the setting that changes it) and the versions of the rule profile,
    templates, unit-price table and code tables the algorithms use by default."""
    from guotukit.plugin.about import about_text

    text = about_text()
    assert "GuotuKit/language" in text
    assert "全国默认 (2025-draft" in text and "国土空间功能结构调整表（市县级） (2026-11)" in text
    assert "示例" in text and "ydyh2023.csv" in text


def test_translations_the_qt_way(tmp_path):
    """The .ts compiles with lrelease (make translations) and the .qm gives the same Chinese as the .ts."""
    import shutil
    import subprocess

    from guotukit.plugin import i18n
    from qgis.PyQt.QtCore import QTranslator

    lrelease = shutil.which("lrelease-qt5") or shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    qm = tmp_path / "guotukit_zh_CN.qm"
    out = subprocess.run([lrelease, "-silent", i18n.TS_FILE, "-qm", str(qm)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and qm.exists(), out.stderr
    translator = QTranslator()
    assert translator.load(str(qm))
    catalogue = i18n._zh_catalogue()
    assert len(catalogue) > 400
    for source in ("Close", "Compliance check", "GuotuKit planning toolkit"):
        assert translator.translate(i18n.CONTEXT, source) == catalogue[source] != source
