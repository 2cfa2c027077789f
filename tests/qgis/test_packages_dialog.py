"""The 资产包划定 form on the sample county: pre-selection, run (table = the PACKAGES layer, colours, summary,
warnings, result layers), row selection and zoom, export, cancel, bad input, menu hook."""
from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem, QgsField, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QVariant
from qgis.PyQt.QtWidgets import QApplication

ALG = "guotukit:assetpackages"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "county.gpkg"
NUMBER = Qt.ItemDataRole.UserRole  # the unrounded value of a numeric cell, the STATUS code of the result cell
COLUMNS = ("PKG_ID", "AREA_HA", "PUBLIC_PCT", "BALANCE", "COMPACT", "STATUS", "FAILED")
PLACES = {"AREA_HA": 4, "PUBLIC_PCT": 2, "BALANCE": 2, "COMPACT": 3}
LIGHT_GREEN, LIGHT_RED = (206, 236, 200), (248, 200, 200)
MIN_HA, MAX_HA = 100.0, 1000.0  # the sample's parcels are large


def _source(name):
    return f"{SAMPLE}|layername={name}"


@pytest.fixture()
def layers(guotukit_provider, qgis_canvas):
    """The sample county in the project; whatever a test adds (the result layers) is removed afterwards.

    The canvas shows the project's layers (pytest-qgis bridges them) and a zoom starts a render of the GeoPackage
    layers in worker threads: removing the layers under a running render aborts the test process (QGIS 3.22,
    offscreen), so the render is finished first."""
    project = QgsProject.instance()
    before = set(project.mapLayers())
    made = {}
    for name in ("DLTB", "GHYD", "YJJBNT", "STBHHX"):
        layer = QgsVectorLayer(_source(name), name, "ogr")
        assert layer.isValid(), name
        made[name] = layer
    project.addMapLayers(list(made.values()))
    yield made
    QApplication.processEvents()  # a scheduled refresh starts its render
    qgis_canvas.stopRendering()
    qgis_canvas.waitWhileRendering()
    project.removeMapLayers([i for i in project.mapLayers() if i not in before])


def _dialog(qtbot, **kwargs):
    from guotukit.forms.packages_dialog import PackagesDialog

    dlg = PackagesDialog(**kwargs)
    dlg.shown = []
    dlg.show_message = lambda *args: dlg.shown.append(args[-1])  # never a blocking message box
    qtbot.addWidget(dlg)
    return dlg


@pytest.fixture()
def dialog(layers, qtbot, qgis_canvas):
    dlg = _dialog(qtbot, canvas=qgis_canvas)
    dlg.min_area.setValue(MIN_HA)
    dlg.max_area.setValue(MAX_HA)
    return dlg


def _new_layers(layers):
    sample = {lyr.id() for lyr in layers.values()}
    return [lyr for i, lyr in QgsProject.instance().mapLayers().items() if i not in sample]


def _row(dlg, package_id):
    return next(r for r in range(dlg.table.rowCount()) if dlg.table.item(r, 0).text() == package_id)


def test_preselects_layers_fields_and_defaults(layers, qtbot):
    dlg = _dialog(qtbot)
    assert dlg.parcels_combo.currentLayer() is layers["DLTB"]
    assert dlg.plan_combo.currentLayer() is layers["GHYD"] and dlg.plan_combo.isEnabled()
    assert dlg.unit_combo.currentLayer() is None and not dlg.unit_field.isEnabled()
    assert {lyr.name() for lyr in dlg.excluded_layers()} == {"YJJBNT", "STBHHX"}
    fields = (dlg.current_code_field, dlg.planned_code_field, dlg.plan_code_field, dlg.ownership_field,
              dlg.owner_unit_field, dlg.area_field, dlg.exclude_field, dlg.locked_field)
    assert [c.currentField() for c in fields] == ["DLBM", "", "GHDLBM", "QSXZ", "QSDWDM", "TBMJ", "", ""]
    # the algorithm's defaults
    assert (dlg.min_area.value(), dlg.max_area.value(), dlg.public_min.value(), dlg.public_max.value()) == (20, 200, 20, 60)
    assert (dlg.balance_min.value(), dlg.gap_tolerance.value(), dlg.seed.value()) == (0, 0, 1)
    assert (dlg.public_basis.currentIndex(), dlg.owner_units.currentIndex(), dlg.current_system.currentIndex()) == (0, 0, 0)
    # the shipped finance table is an example, and the form says so while it is the one used
    assert dlg.finance_table.filePath() == "" and dlg.finance_note.isVisibleTo(dlg) and "EXAMPLE" in dlg.finance_note.text()
    dlg.finance_table.setFilePath("/some/local_prices.csv")
    assert not dlg.finance_note.isVisibleTo(dlg)
    assert not dlg.export_button.isEnabled()
    # a planned code on the parcels replaces the plan layer
    dlg.planned_code_field.setField("DLBM")
    assert not dlg.plan_combo.isEnabled() and not dlg.plan_code_field.isEnabled()
    params = dlg.parameters()
    assert params["PLANNED_CODE_FIELD"] == "DLBM" and params["PLAN_LAYER"] is None and params["PLAN_CODE_FIELD"] is None
    dlg.planned_code_field.setField("")
    assert dlg.plan_combo.isEnabled() and dlg.parameters()["PLAN_LAYER"] == layers["GHYD"].id()
    dlg.set_excluded([layers["STBHHX"]])
    assert dlg.parameters()["EXCLUDE_LAYERS"] == [layers["STBHHX"].id()]
    # excluded parcels stay out unless the planner lets the rule profile admit them
    assert not dlg.allow_by_profile.isChecked() and not dlg.rule_profile.isEnabled()
    assert dlg.parameters()["ALLOW_BY_PROFILE"] is False and dlg.parameters()["RULE_PROFILE"] is None
    dlg.allow_by_profile.setChecked(True)
    dlg.rule_profile.setFilePath("/some/profile.csv")
    assert dlg.rule_profile.isEnabled()
    assert (dlg.parameters()["ALLOW_BY_PROFILE"], dlg.parameters()["RULE_PROFILE"]) == (True, "/some/profile.csv")


def test_run_fills_the_table_from_the_packages_layer(dialog, layers, run_alg):
    dialog.show()
    res = dialog.run()
    assert res is not None and dialog.last_error == "" and not dialog.shown, dialog.last_error
    n = res["PACKAGE_COUNT"]
    assert n > 10 and res["FAILED_COUNT"] == 0 and dialog.table.rowCount() == n

    # both result layers are in the project, the packages styled by status
    added = _new_layers(layers)
    packages, assignment = dialog.packages_layer(), QgsProject.instance().mapLayer(dialog.assignment_layer_id)
    assert {lyr.id() for lyr in added} == {packages.id(), assignment.id()}
    assert packages.featureCount() == n and assignment.featureCount() == layers["DLTB"].featureCount()
    renderer = packages.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "STATUS"
    colours = {c.value(): c.symbol().color().getRgb()[:3] for c in renderer.categories()}
    assert colours["pass"][1] > colours["pass"][0] and colours["fail"][0] > colours["fail"][1]  # green / red

    # every row: the attributes of its package, pass (delineated packages always pass), light green
    features = {f["PKG_ID"]: f for f in packages.getFeatures()}
    assert {dialog.table.item(r, 0).text() for r in range(n)} == set(features)
    for r in range(n):
        f = features[dialog.table.item(r, 0).text()]
        for col, key in enumerate(COLUMNS):
            item = dialog.table.item(r, col)
            if key in PLACES and not isinstance(f[key], (int, float)):   # NULL
                assert key == "PUBLIC_PCT" and item.text() in ("不适用", "not applicable"), key  # 资源类
            elif key in PLACES:
                assert item.data(NUMBER) == f[key], key  # the attribute the workbook prints
                assert item.text() == f"{f[key]:.{PLACES[key]}f}"
            elif key != "STATUS":
                assert item.text() == (f[key] or ""), key
            assert item.background().color().getRgb()[:3] == LIGHT_GREEN
        assert dialog.table.item(r, 5).data(NUMBER) == "pass" == f["STATUS"]
        assert dialog.table.item(r, 5).text() in ("Pass", "通过") and dialog.table.item(r, 6).text() == ""

    # the summary line and the algorithm's warnings and diagnosis (reportError / pushWarning)
    summary = dialog.summary.text()
    assert dialog.summary.isVisibleTo(dialog) and dialog.status.text() == summary
    assert summary.startswith(f"{n} ") and f"{res['LEFT_OUT_COUNT']} " in summary and f"({res['LEFT_OUT_PCT']:.1f} %)" in summary
    assert dialog.warning_area.isVisibleTo(dialog)
    assert any("EXAMPLE" in w or "示例" in w for w in dialog.warnings)  # the example finance table
    assert any("约束" in w for w in dialog.warnings)  # the diagnosis of the growths that failed
    assert all(f"⚠ {w}" in dialog.warning_label.text() for w in dialog.warnings)
    assert dialog.export_button.isEnabled()
    dialog.resize(1320, 940)  # the size on a desktop screen (the offscreen one is 800 × 600)
    QApplication.processEvents()  # the layout after the run
    dialog.grab().save("/tmp/packages_dialog.png")

    # the same packages as the algorithm run on its own (qgis_process), same seed
    ref, _, _ = run_alg(ALG, {"PARCELS": _source("DLTB"), "PLAN_LAYER": _source("GHYD"), "PLAN_CODE_FIELD": "GHDLBM",
                              "EXCLUDE_LAYERS": [_source("YJJBNT"), _source("STBHHX")], "MIN_AREA": MIN_HA, "MAX_AREA": MAX_HA,
                              "PACKAGES": "memory:", "ASSIGNMENT": "memory:"})
    assert ref["PACKAGE_COUNT"] == n and ref["LEFT_OUT_COUNT"] == res["LEFT_OUT_COUNT"]
    assert {f["PKG_ID"]: round(f["AREA_HA"], 6) for f in ref["PACKAGES"].getFeatures()} == \
           {k: round(f["AREA_HA"], 6) for k, f in features.items()}


def test_a_locked_package_that_fails_is_red(dialog, layers):
    """Parcels already in a package (the locked field) keep it and are checked: a too small one fails, in red."""
    dltb = layers["DLTB"]
    dltb.addExpressionField("CASE WHEN \"fid\" <= 2 THEN 'OLD1' END", QgsField("LOCKED", QVariant.String))
    dialog.parcels_combo.setLayer(None)  # the fields again, now with LOCKED
    dialog.parcels_combo.setLayer(dltb)
    dialog.locked_field.setField("LOCKED")
    res = dialog.run()
    assert res is not None and res["FAILED_COUNT"] >= 1, dialog.last_error
    row = _row(dialog, "OLD1")
    cells = [dialog.table.item(row, c) for c in range(dialog.table.columnCount())]
    assert cells[5].data(NUMBER) == "fail" and cells[5].text() in ("Fail", "不通过") and cells[6].text()
    assert all(c.background().color().getRgb()[:3] == LIGHT_RED for c in cells)
    failing = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount()) if dialog.table.item(r, 5).data(NUMBER) == "fail"}
    assert failing == {f["PKG_ID"] for f in dialog.packages_layer().getFeatures() if f["STATUS"] == "fail"}
    assert str(res["FAILED_COUNT"]) + " " in dialog.summary.text()


def test_selecting_a_row_selects_the_package_and_zooms(dialog, qgis_canvas):
    assert dialog.run() is not None
    layer = dialog.packages_layer()
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4490"))  # geographic: the box is transformed
    full = dialog.packages_layer().extent()
    qgis_canvas.setExtent(qgis_canvas.mapSettings().layerExtentToOutputExtent(layer, full))
    whole = qgis_canvas.extent()
    package_id = sorted(dialog._fids)[3]
    dialog.table.selectRow(_row(dialog, package_id))
    selected = layer.selectedFeatures()
    assert [f["PKG_ID"] for f in selected] == [package_id]
    box = qgis_canvas.mapSettings().layerExtentToOutputExtent(layer, selected[0].geometry().boundingBox())
    extent = qgis_canvas.extent()
    assert extent.contains(box) and extent.width() < whole.width() / 2
    # sorted by another column, a row still selects its own package
    dialog.table.sortItems(3, Qt.SortOrder.DescendingOrder)
    dialog.table.selectRow(0)
    assert [f["PKG_ID"] for f in layer.selectedFeatures()] == [dialog.table.item(0, 0).text()]
    # the user removed the layer: nothing to select, no crash
    QgsProject.instance().removeMapLayer(layer.id())
    assert dialog.packages_layer() is None and dialog.select_package(package_id) is False
    dialog.table.selectRow(1)


def test_selecting_without_a_map_only_selects(layers, qtbot):
    dlg = _dialog(qtbot)  # no iface, no canvas (headless)
    dlg.min_area.setValue(MIN_HA)
    dlg.max_area.setValue(MAX_HA)
    assert dlg.run() is not None
    dlg.table.selectRow(2)
    package_id = dlg.table.item(2, 0).text()
    assert [f["PKG_ID"] for f in dlg.packages_layer().selectedFeatures()] == [package_id]


def test_export_writes_the_workbook(dialog, layers, tmp_path):
    import openpyxl

    res = dialog.run()
    assert res is not None
    xlsx = tmp_path / "资产包.xlsx"
    assert dialog.export_to(str(xlsx), ask_open=False) == str(xlsx)
    assert xlsx.exists() and str(xlsx) in dialog.status.text()
    wb = openpyxl.load_workbook(xlsx)
    assert "资产包汇总" in wb.sheetnames
    cells = {c.value for row in wb["资产包汇总"].iter_rows() for c in row}
    assert dialog.table.item(0, 0).text() in cells
    assert len(_new_layers(layers)) == 2  # the export's own run adds no layer


def test_cancel_while_running_returns_none_and_writes_nothing(dialog, layers, tmp_path):
    clicks = []

    def press_cancel(value):  # the first real progress report: the user presses Cancel
        if value > 0 and not clicks:
            clicks.append(value)
            dialog.cancel_button.click()

    dialog.progress.valueChanged.connect(press_cancel)
    assert dialog.run() is None
    assert clicks and dialog.table.rowCount() == 0 and not dialog.shown and dialog.last_error == ""
    assert _new_layers(layers) == [] and dialog.packages_layer() is None
    assert not dialog.export_button.isEnabled() and dialog.run_button.isEnabled() and dialog.parcels_combo.isEnabled()
    clicks.clear()
    xlsx = tmp_path / "r.xlsx"
    assert dialog.export_to(str(xlsx)) is None
    assert clicks and not list(tmp_path.iterdir()) and _new_layers(layers) == []
    # usable again
    dialog.progress.valueChanged.disconnect(press_cancel)
    assert dialog.run() is not None and dialog.table.rowCount() > 10 and dialog.export_button.isEnabled()


def test_max_area_below_min_is_a_message(dialog, layers):
    dialog.max_area.setValue(50)
    assert dialog.run() is None
    assert "50" in dialog.last_error and "100" in dialog.last_error and "Traceback" not in dialog.last_error
    assert dialog.shown == [dialog.last_error] and dialog.last_error in dialog.status.text()
    assert dialog.table.rowCount() == 0 and not dialog.export_button.isEnabled() and _new_layers(layers) == []
    dialog.max_area.setValue(MAX_HA)
    dialog.public_min.setValue(70)  # above the maximum of 60 %
    assert dialog.run() is None and "60" in dialog.last_error and len(dialog.shown) == 2


def test_unreadable_finance_table_is_a_message(dialog, layers, tmp_path):
    bad = tmp_path / "prices.csv"
    bad.write_text("地类,价格\n耕地,很贵\n", encoding="utf-8")  # none of the finance table's columns
    dialog.finance_table.setFilePath(str(bad))
    assert dialog.run() is None
    assert "prices.csv" in dialog.last_error and "Traceback" not in dialog.last_error
    assert dialog.shown == [dialog.last_error] and dialog.table.rowCount() == 0 and _new_layers(layers) == []
    broken = tmp_path / "prices.xlsx"
    broken.write_bytes(b"\x00not a workbook\xff" * 10)
    dialog.finance_table.setFilePath(str(broken))
    assert dialog.run() is None and dialog.last_error and "Traceback" not in dialog.last_error
    assert len(dialog.shown) == 2 and dialog.table.rowCount() == 0


def test_no_plan_is_a_message(dialog, layers):
    dialog.set_layers(plan=None)  # DLTB carries no planned code: the algorithm says what to choose
    assert dialog.run() is None
    assert "GHDLBM" in dialog.last_error and "Traceback" not in dialog.last_error and dialog.shown == [dialog.last_error]
    dialog.set_layers(parcels=None)
    assert dialog.run() is None and "DLTB" in dialog.last_error


def test_menu_entry_opens_the_form(layers, qgis_iface, qtbot):
    import guotukit
    from guotukit.forms.packages_dialog import PackagesDialog
    from guotukit.plugin.plugin import MENU_ENTRIES

    assert ALG in [alg for _title, _icon, alg in MENU_ENTRIES]
    plugin = guotukit.classFactory(qgis_iface)
    plugin.open_algorithm(ALG)
    dlg = plugin._dialogs[ALG]
    try:
        assert isinstance(dlg, PackagesDialog) and not dlg.isModal()
        dock = plugin._docks[ALG]   # docked beside the map canvas, not a window over it
        assert dock.widget() is dlg and not dlg.isWindow() and dlg.isVisibleTo(dock)
        assert dlg.parcels_combo.currentLayer() is layers["DLTB"]
        plugin.open_algorithm(ALG)
        assert plugin._dialogs[ALG] is dlg
    finally:
        plugin.unload()
    assert plugin._dialogs == {}


def test_relaxations_on_request_after_a_run_and_in_the_export(dialog, layers, tmp_path):
    assert not dialog.what_if_button.isEnabled()  # nothing to relax before a run
    res = dialog.run()
    assert res is not None and dialog.what_if_button.isEnabled()
    first = dialog.summary.text().split("\n")
    assert len(first) == 2 and res["BINDING"] == first[1]  # what binds, said after every run
    out = dialog.test_relaxations()
    assert out is not None and dialog.last_error == ""
    lines = out["BINDING"].split("\n")
    assert len(lines) >= 2 and lines[0] == first[1]
    # one line per relaxation tested, each with the parcels it packages and its gain over the run
    assert all(("What-if" in x or "放宽" in x) and ("(+" in x or "(-" in x or "(0" in x or "（" in x) for x in lines[1:])
    assert dialog.summary.text().split("\n") == [first[0]] + lines
    # the export after it carries the table
    xlsx = tmp_path / "资产包.xlsx"
    assert dialog.export_to(str(xlsx)) == str(xlsx)
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)["未纳入图斑"]
    assert any("放宽约束测算" in str(c.value) for row in ws.iter_rows() for c in row if c.value)
