"""The 用地结构调整表 form on the sample county: pre-selection, run and preview (the numbers of the algorithm),
styles, export, cancel, bad input, menu hook."""
from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import NULL, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QVariant
from qgis.PyQt.QtWidgets import QApplication

from .conftest import make_layer, square

ALG = "guotukit:structuretable"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "county.gpkg"
X0, Y0 = 39500000, 3880000
NUMBER = Qt.ItemDataRole.UserRole  # the unrounded value of a numeric cell


def _source(name):
    return f"{SAMPLE}|layername={name}"


@pytest.fixture()
def layers(guotukit_provider):
    made = {}
    for key, name in (("base", "DLTB"), ("target", "GHYD"), ("region", "XZQ")):
        layer = QgsVectorLayer(_source(name), name, "ogr")
        assert layer.isValid(), name
        made[key] = layer
    QgsProject.instance().addMapLayers(list(made.values()))
    yield made
    QgsProject.instance().removeMapLayers([lyr.id() for lyr in made.values()])


def _dialog(qtbot):
    from guotukit.forms.structure_dialog import StructureDialog

    dlg = StructureDialog()
    dlg.shown = []
    dlg.show_message = lambda *args: dlg.shown.append(args[-1])  # never a blocking message box
    qtbot.addWidget(dlg)
    return dlg


@pytest.fixture()
def dialog(layers, qtbot):
    return _dialog(qtbot)


def _grid(dlg):
    """{label without indentation: [cell texts]} of the preview."""
    t = dlg.table
    return {t.item(r, 1).text().strip("\u3000"): [t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())}


def _row(dlg, label):
    return next(r for r in range(dlg.table.rowCount()) if dlg.table.item(r, 1).text().strip("\u3000") == label)


def test_preselects_layers_and_fields(dialog, layers):
    assert dialog.base_combo.currentLayer() is layers["base"]
    assert dialog.target_combo.currentLayer() is layers["target"]
    assert dialog.region_combo.currentLayer() is layers["region"]
    assert dialog.base_code_field.currentField() == "DLBM"
    assert dialog.base_area_field.currentField() == "TBDLMJ"
    assert dialog.deduction_field.currentField() == "KCMJ"
    assert dialog.base_czcs_field.currentField() == "CZCSXM"
    assert dialog.target_code_field.currentField() == "GHDLBM"
    assert dialog.target_czcs_field.currentField() == "CZCSLX"
    assert dialog.target_area_field.currentField() == ""  # optional, empty by default
    assert dialog.region_field.currentField() == "XZQMC"
    # the algorithm's defaults
    assert (dialog.base_system.currentIndex(), dialog.target_system.currentIndex(), dialog.area_basis.currentIndex()) == (0, 0, 0)
    assert (dialog.unit.currentIndex(), dialog.decimals.value(), dialog.template.currentIndex()) == (0, 2, 0)
    assert (dialog.base_year.text(), dialog.target_year.text()) == ("2020", "2035")
    assert dialog.with_transition.isChecked() and not dialog.with_finance.isChecked()
    assert not dialog.finance_table.isEnabled() and not dialog.export_button.isEnabled()


def test_matches_names_inside_longer_layer_names(guotukit_provider, qtbot):
    base = make_layer("Polygon", "EPSG:4527", [("DLBM", QVariant.String)], [], "2020年 DLTB")
    plan = make_layer("Polygon", "EPSG:4527", [("YDYHDM", QVariant.String), ("CZCSXM", QVariant.String)], [], "某县国土空间规划用地")
    QgsProject.instance().addMapLayers([plan, base])
    try:
        dlg = _dialog(qtbot)
        assert dlg.base_combo.currentLayer() is base and dlg.target_combo.currentLayer() is plan
        assert dlg.region_combo.currentLayer() is None  # no XZQ: none
        assert dlg.target_code_field.currentField() == "YDYHDM" and dlg.target_czcs_field.currentField() == "CZCSXM"
        assert dlg.base_area_field.currentField() == "" and dlg.deduction_field.currentField() == ""
    finally:
        QgsProject.instance().removeMapLayers([base.id(), plan.id()])


def test_run_previews_the_numbers_of_the_algorithm(dialog, run_alg):
    dialog.show()
    res = dialog.run()
    assert res is not None and dialog.last_error == "" and not dialog.shown, dialog.last_error
    grid = _grid(dialog)
    assert "耕地" in grid and "合计" in grid and "城镇用地" in grid
    total = _row(dialog, "合计")
    base_total = dialog.table.item(total, 2)
    # the same parameters through processing.run, as qgis_process would run them (the algorithm's defaults)
    ref, _, _ = run_alg(ALG, {"BASE_LAYER": _source("DLTB"), "TARGET_LAYER": _source("GHYD"), "REGION_LAYER": _source("XZQ"),
                              "REGION_FIELD": "XZQMC", "TABLE": "memory:"})
    assert base_total.data(NUMBER) == ref["BASE_TOTAL"] == res["BASE_TOTAL"]
    assert base_total.text() == f"{ref['BASE_TOTAL']:.2f}"
    assert dialog.table.item(total, 4).text() == f"{ref['TARGET_TOTAL']:.2f}"
    expected = {f["LABEL"]: f for f in ref["TABLE"].getFeatures() if f["REGION"] == "合计"}
    assert set(grid) == set(expected)
    for label, f in expected.items():
        row = _row(dialog, label)
        for col, key in ((2, "BASE_AREA"), (3, "BASE_PCT"), (4, "TARGET_AREA"), (5, "TARGET_PCT"), (6, "CHANGE"), (7, "CHANGE_PCT")):
            value = dialog.table.item(row, col).data(NUMBER)
            assert value == (None if f[key] is None or f[key] == NULL else f[key]), (label, key)
    # layout of the preview: 行号, indentation by DEPTH, bold groups and total
    assert grid["耕地"][0] == "1" and grid["城镇用地"][0] == "7.1" and grid["合计"][0] == ""
    assert dialog.table.item(_row(dialog, "城镇用地"), 1).text().startswith("\u3000\u3000")
    assert not dialog.table.item(_row(dialog, "耕地"), 1).text().startswith("\u3000")
    assert dialog.table.item(total, 2).font().bold() and dialog.table.item(_row(dialog, "城乡建设用地"), 1).font().bold()
    assert not dialog.table.item(_row(dialog, "耕地"), 2).font().bold()
    assert "2020" in dialog.table.horizontalHeaderItem(2).text() and "2035" in dialog.table.horizontalHeaderItem(4).text()
    # one table per township: the chooser shows them, 合计 first
    regions = [dialog.preview_region.itemText(i) for i in range(dialog.preview_region.count())]
    assert regions[0] == "合计" and len(regions) == 9 and dialog.preview_region.isVisible()
    dialog.preview_region.setCurrentIndex(1)
    town = float(dialog.table.item(_row(dialog, "合计"), 2).data(NUMBER))
    assert 0 < town < ref["BASE_TOTAL"]
    dialog.preview_region.setCurrentIndex(0)
    assert dialog.export_button.isEnabled() and f"{ref['BASE_TOTAL']:.2f}" in dialog.status.text()
    dialog.resize(1320, 940)  # the size on a desktop screen (the offscreen one is 800 × 600)
    QApplication.processEvents()  # the layout after the run
    dialog.grab().save("/tmp/structure_dialog.png")


def test_unit_decimals_and_pseudo_rows(guotukit_provider, qtbot):
    """亩 with 3 decimals; an unknown code gets the highlighted 未识别地类 row; the finance example is warned about."""
    fields = [("DLBM", QVariant.String), ("TBDLMJ", QVariant.Double), ("KCMJ", QVariant.Double)]
    base = make_layer("Polygon", "EPSG:4527", fields, [(square(X0, Y0, 100), ["0101", 10000.0, 0.0]),
                                                       (square(X0 + 100, Y0, 100), ["9999", 10000.0, 0.0])], "DLTB")
    plan = make_layer("Polygon", "EPSG:4527", [("GHDLBM", QVariant.String)], [(square(X0, Y0, 100), ["0101"]),
                                                                            (square(X0 + 100, Y0, 100), ["0701"])], "GHYD")
    QgsProject.instance().addMapLayers([base, plan])
    try:
        dlg = _dialog(qtbot)
        dlg.unit.setCurrentIndex(1)
        dlg.decimals.setValue(3)
        dlg.with_finance.setChecked(True)
        res = dlg.run()
        assert res is not None, dlg.last_error
        grid = _grid(dlg)
        assert grid["合计"][2] == "30.000" and grid["耕地"][2] == "15.000"  # 2 ha = 30 亩
        assert "亩" in dlg.table.horizontalHeaderItem(2).text() or "mu" in dlg.table.horizontalHeaderItem(2).text()
        pseudo = next(r for r in range(dlg.table.rowCount()) if "未识别" in dlg.table.item(r, 1).text())
        assert dlg.table.item(pseudo, 2).text() == "15.000"
        assert dlg.table.item(pseudo, 1).background().color().getRgb()[:3] == (255, 222, 150)
        assert dlg.table.item(_row(dlg, "耕地"), 1).background().style() == Qt.BrushStyle.NoBrush  # no brush: not highlighted
        assert any("EXAMPLE" in w or "示例" in w for w in dlg.warnings)
        assert dlg.warning_area.isVisibleTo(dlg) and dlg.warnings[0] in dlg.warning_label.text()
        assert not dlg.preview_region.isVisibleTo(dlg)  # no regions: nothing to choose
    finally:
        QgsProject.instance().removeMapLayers([base.id(), plan.id()])


def test_export_writes_the_workbook(dialog, tmp_path):
    import openpyxl

    assert dialog.run() is not None
    xlsx = tmp_path / "结构表.xlsx"
    assert dialog.export_to(str(xlsx), ask_open=False) == str(xlsx)
    assert xlsx.exists() and str(xlsx) in dialog.status.text()
    wb = openpyxl.load_workbook(xlsx)
    assert "用地结构调整表" in wb.sheetnames


def test_cancel_while_running_returns_none_and_writes_nothing(dialog, tmp_path):
    clicks = []

    def press_cancel(value):  # the first real progress report: the user presses Cancel
        if value > 0 and not clicks:
            clicks.append(value)
            dialog.cancel_button.click()

    dialog.progress.valueChanged.connect(press_cancel)
    assert dialog.run() is None
    assert clicks and dialog.table.rowCount() == 0 and not dialog.shown and dialog.last_error == ""
    assert not dialog.export_button.isEnabled() and dialog.run_button.isEnabled() and dialog.base_combo.isEnabled()
    clicks.clear()
    xlsx = tmp_path / "r.xlsx"
    assert dialog.export_to(str(xlsx)) is None
    assert clicks and not list(tmp_path.iterdir())
    # usable again
    dialog.progress.valueChanged.disconnect(press_cancel)
    assert dialog.run() is not None and dialog.table.rowCount() > 10 and dialog.export_button.isEnabled()


def test_no_layers_is_a_message_not_a_traceback(guotukit_provider, qtbot):
    dlg = _dialog(qtbot)
    dlg.set_layers(base=None, target=None)  # as in an empty project (other tests' layers aside)
    assert dlg.run() is None
    assert "DLTB" in dlg.last_error and "Traceback" not in dlg.last_error
    assert dlg.shown == [dlg.last_error] and dlg.last_error in dlg.status.text()
    assert dlg.export_to("/tmp/never.xlsx") is None and not Path("/tmp/never.xlsx").exists()


def test_missing_target_layer(dialog, layers):
    dialog.set_layers(target=None)
    assert dialog.run() is None
    assert "GHYD" in dialog.last_error and dialog.table.rowCount() == 0
    dialog.set_layers(target=layers["base"])
    assert dialog.run() is None and dialog.shown[-1] == dialog.last_error  # the same layer twice


def test_algorithm_error_is_shown(dialog):
    dialog.base_area_field.setField("")  # attribute basis without the area field: the algorithm refuses
    assert dialog.run() is None
    assert "TBDLMJ" in dialog.last_error and "Traceback" not in dialog.last_error
    assert dialog.shown == [dialog.last_error] and not dialog.export_button.isEnabled()
    dialog.base_area_field.setField("TBDLMJ")
    dialog.template_file.setFilePath(str(SAMPLE))  # not a template
    assert dialog.run() is None and dialog.last_error and dialog.table.rowCount() == 0


def test_missing_dependency_is_shown(dialog, monkeypatch):
    import guotukit.forms.common as common

    monkeypatch.setattr(common, "missing_dependencies", lambda: ["openpyxl>=3.0"])
    assert dialog.run() is None
    assert "openpyxl" in dialog.last_error


def test_menu_entry_opens_the_form(layers, qgis_iface, qtbot):
    import guotukit
    from guotukit.forms.structure_dialog import StructureDialog

    plugin = guotukit.classFactory(qgis_iface)
    plugin.open_algorithm(ALG)
    dlg = plugin._dialogs[ALG]
    try:
        assert isinstance(dlg, StructureDialog) and not dlg.isModal()
        dock = plugin._docks[ALG]   # docked beside the map canvas, not a window over it
        assert dock.widget() is dlg and not dlg.isWindow() and dlg.isVisibleTo(dock)
        assert dlg.base_combo.currentLayer() is layers["base"]
        plugin.open_algorithm(ALG)
        assert plugin._dialogs[ALG] is dlg
    finally:
        plugin.unload()
    assert plugin._dialogs == {}
