"""The 合规性检查 form: pre-selection, run, colours, zoom, export, cancel, errors, menu hook."""
from __future__ import annotations

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import Qt, QVariant

from .conftest import make_layer, square
from .test_compliance_check import X0, Y0, _eprl, _pbf, _udb


def _colour(dlg, row):
    return dlg.table.item(row, 0).background().color().getRgb()[:3]


@pytest.fixture()
def layers(guotukit_provider):
    subjects = make_layer("Polygon", "EPSG:4527", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)],
                          [(square(X0, Y0, 100), ["A", "0701"]), (square(X0 + 1000, Y0, 100), ["B", "0101"]),
                           (square(X0 + 2000, Y0, 100), ["C", "100101"])], "GHYD")
    made = {"subject": subjects, "pbf": _pbf(), "eprl": _eprl(), "udb": _udb()}
    QgsProject.instance().addMapLayers(list(made.values()))
    yield made
    QgsProject.instance().removeMapLayers([lyr.id() for lyr in made.values()])


@pytest.fixture()
def dialog(layers, qtbot, qgis_canvas):
    from guotukit.forms.compliance_dialog import ComplianceDialog

    dlg = ComplianceDialog(canvas=qgis_canvas)
    dlg.shown = []
    dlg.show_message = lambda *args: dlg.shown.append(args[-1])  # never a blocking message box
    qtbot.addWidget(dlg)
    dlg.area_basis.setCurrentIndex(1)  # planar: the exact areas of test_compliance_check
    before = set(QgsProject.instance().mapLayers())
    yield dlg
    # results are added to the project by default: leave the project as the test found it
    QgsProject.instance().removeMapLayers([lid for lid in QgsProject.instance().mapLayers() if lid not in before])
    root = QgsProject.instance().layerTreeRoot()
    for group in [g for g in root.children() if g.name().startswith(("Compliance check", "合规性检查"))]:
        root.removeChildNode(group)


def _row(dlg, subject_id):
    return next(r for r in range(dlg.table.rowCount()) if dlg.table.item(r, 0).text() == subject_id)


def test_preselects_layers_by_name_and_fields(dialog, layers):
    assert dialog.subject_combo.currentLayer() is layers["subject"]
    assert dialog.pbf_combo.currentLayer() is layers["pbf"]
    assert dialog.eprl_combo.currentLayer() is layers["eprl"]
    assert dialog.udb_combo.currentLayer() is layers["udb"]
    assert dialog.dltb_combo.currentLayer() is None
    assert dialog.code_field.currentField() == "GHDLBM"
    assert dialog.id_field.currentField() == "XMDM"


def test_layer_name_matching():
    from guotukit.forms.compliance_dialog import name_matches

    assert name_matches("county — YJJBNT", "YJJBNT") and name_matches("yjjbnt", "YJJBNT")
    assert name_matches("某县永久基本农田", "永久基本农田")
    assert not name_matches("XYJJBNT", "YJJBNT") and not name_matches("YJJBNT_old", "YJJBNT")


def test_run_fills_coloured_table_and_zooms(dialog, layers, qgis_canvas, qtbot):
    dialog.show()
    res = dialog.run()
    assert res is not None and dialog.last_error == ""
    assert dialog.table.rowCount() == 3
    a, b = _row(dialog, "A"), _row(dialog, "B")
    cols = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    verdict_col = next(c for c, h in enumerate(cols) if h == "Verdict" or h == "结论")
    assert dialog.table.item(a, verdict_col).text() == "不通过"
    assert dialog.table.item(b, verdict_col).text() == "通过"
    assert _colour(dialog, a) == (248, 200, 200)  # light red
    assert _colour(dialog, b) == (206, 236, 200)  # light green
    assert "0.5000" in [dialog.table.item(a, c).text() for c in range(dialog.table.columnCount())]
    assert "通过 1" in dialog.status.text() and "不通过 2" in dialog.status.text() and "需论证 0" in dialog.status.text()
    assert dialog.export_button.isEnabled()
    dialog.grab().save("/tmp/compliance_dialog.png")

    # double-click A: the canvas (in CGCS2000 geographic) shows A's conflict piece, not the whole county
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
    ct = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4527"), qgis_canvas.mapSettings().destinationCrs(), QgsProject.instance())
    full = ct.transformBoundingBox(layers["udb"].extent())
    qgis_canvas.setExtent(full)
    rect = dialog.table.visualItemRect(dialog.table.item(a, 1))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # Qt 5 wants the press first
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    piece = ct.transformBoundingBox(QgsRectangle(X0 + 50, Y0, X0 + 100, Y0 + 100))  # A ∩ 永久基本农田
    extent = qgis_canvas.extent()
    assert extent.contains(piece)
    assert extent.width() < full.width() / 20
    # and A stays highlighted: selected in the verdict layer the form added to the project
    added = QgsProject.instance().mapLayer(dialog._verdicts_layer_id)
    assert [f["SUBJ_ID"] for f in added.selectedFeatures()] == ["A"]


def test_export_writes_the_workbook(dialog, tmp_path):
    import openpyxl

    assert dialog.run() is not None
    xlsx = tmp_path / "r.xlsx"
    assert dialog.export_to(str(xlsx)) == str(xlsx)
    cells = [c.value for row in openpyxl.load_workbook(xlsx)["审查结论"].iter_rows() for c in row]
    assert "A" in cells and 0.5 in cells
    assert str(xlsx) in dialog.status.text()


def test_cancel_while_running_returns_none_and_writes_nothing(dialog, tmp_path):
    clicks = []

    def press_cancel(value):  # the first real progress report: the user presses Cancel
        if value > 0 and not clicks:
            clicks.append(value)
            dialog.cancel_button.click()

    dialog.progress.valueChanged.connect(press_cancel)
    assert dialog.run() is None
    assert clicks and dialog.table.rowCount() == 0 and not dialog.shown
    assert not dialog.export_button.isEnabled() and dialog.run_button.isEnabled()
    clicks.clear()
    xlsx = tmp_path / "r.xlsx"
    assert dialog.export_to(str(xlsx)) is None
    assert clicks and not list(tmp_path.iterdir())


def test_bad_rule_profile_shows_the_error(dialog, tmp_path):
    bad = tmp_path / "profile.csv"
    bad.write_text("rule_id,role,zone,position,classes,project_types,verdict,message,legal_basis,evidence,note\n"
                   "R1,pbf,*,inside,*,*,maybe,占用永农,土地管理法,R,\n", encoding="utf-8")
    dialog.profile.setFilePath(str(bad))
    assert dialog.run() is None
    assert "maybe" in dialog.last_error and "Traceback" not in dialog.last_error
    assert dialog.shown == [dialog.last_error] and dialog.last_error in dialog.status.text()
    assert dialog.table.rowCount() == 0 and not dialog.export_button.isEnabled()


def test_missing_dependency_is_shown(dialog, monkeypatch):
    import guotukit.forms.common as form  # the forms' shared run machinery checks the dependencies

    monkeypatch.setattr(form, "missing_dependencies", lambda: ["openpyxl>=3.0"])
    assert dialog.run() is None
    assert "openpyxl" in dialog.last_error


def test_add_result_layers(dialog):
    """On by default: the run's two layers go into one new group at the top of the layer tree."""
    assert dialog.add_layers.isChecked()
    before = set(QgsProject.instance().mapLayers())
    assert dialog.run() is not None
    added = [lyr for lid, lyr in QgsProject.instance().mapLayers().items() if lid not in before]
    try:
        assert len(added) == 2 and {lyr.featureCount() for lyr in added} >= {3}
        group = QgsProject.instance().layerTreeRoot().children()[0]
        assert {c.layerId() for c in group.children()} == {lyr.id() for lyr in added}
        assert group.name().startswith(("Compliance check", "合规性检查"))
    finally:
        QgsProject.instance().removeMapLayers([lyr.id() for lyr in added])


def test_menu_entry_opens_the_form(layers, qgis_iface, qtbot):
    import guotukit
    from guotukit.forms.compliance_dialog import ComplianceDialog

    plugin = guotukit.classFactory(qgis_iface)
    plugin.open_algorithm("guotukit:compliancecheck")
    dlg = plugin._dialogs["guotukit:compliancecheck"]
    assert isinstance(dlg, ComplianceDialog) and not dlg.isModal()
    dock = plugin._docks["guotukit:compliancecheck"]   # docked beside the map canvas, not a window over it
    assert dock.widget() is dlg and not dlg.isWindow() and dlg.isVisibleTo(dock)
    assert dlg.subject_combo.currentLayer() is layers["subject"]
    plugin.open_algorithm("guotukit:compliancecheck")  # shown again, not a second dialog
    assert plugin._dialogs["guotukit:compliancecheck"] is dlg
    plugin.unload()
    assert plugin._dialogs == {}


def test_filter_by_verdict_and_a_splitter_over_the_results(dialog):
    """The results sit below a splitter (more than one row on a laptop) and can be filtered by 结论."""
    from qgis.PyQt.QtWidgets import QSplitter

    assert isinstance(dialog.splitter, QSplitter)
    dialog.add_layers.setChecked(False)
    assert dialog.run() is not None
    col = dialog.table.columnCount() - 2
    verdicts = [dialog.table.item(r, col).text() for r in range(dialog.table.rowCount())]
    assert "不通过" in verdicts and len(set(verdicts)) > 1
    dialog.verdict_filter.setCurrentIndex(2)   # 不通过
    shown = [r for r in range(dialog.table.rowCount()) if not dialog.table.isRowHidden(r)]
    assert shown and all(dialog.table.item(r, col).text() == "不通过" for r in shown)
    assert len(shown) == verdicts.count("不通过")
    dialog.verdict_filter.setCurrentIndex(0)   # 全部
    assert not any(dialog.table.isRowHidden(r) for r in range(dialog.table.rowCount()))



def test_a_form_opened_before_the_data_picks_the_layers_when_they_are_loaded(guotukit_provider, qtbot, qgis_canvas):
    """Opened on an empty project, the form picks YJJBNT/STBHHX/CZKFBJ and the plan layer once they are added —
    not DLTB as 审查对象 and empty control lines for good; a layer the user chose is never replaced."""
    from guotukit.forms.compliance_dialog import ComplianceDialog

    dlg = ComplianceDialog(canvas=qgis_canvas)
    qtbot.addWidget(dlg)
    assert dlg.pbf_combo.currentLayer() is None
    subjects = make_layer("Polygon", "EPSG:4527", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)],
                          [(square(X0, Y0, 100), ["A", "0701"])], "GHYD")
    first = {"subject": subjects, "pbf": _pbf()}
    later = {"eprl": _eprl(), "udb": _udb()}
    try:
        QgsProject.instance().addMapLayers(list(first.values()))
        assert dlg.subject_combo.currentLayer() is subjects and dlg.pbf_combo.currentLayer() is first["pbf"]
        assert dlg.code_field.currentField() == "GHDLBM"
        dlg.subject_combo.activated.emit(0)          # the user chose the subject layer: keep the form as it is
        QgsProject.instance().addMapLayers(list(later.values()))
        assert dlg.eprl_combo.currentLayer() is None and dlg.subject_combo.currentLayer() is subjects
    finally:
        QgsProject.instance().removeMapLayers([lyr.id() for lyr in list(first.values()) + list(later.values())])


def test_the_three_jobs_keep_their_qgis_parts_on_the_main_thread():
    """Run whole as a background task, the jobs crashed QGIS 3.40 now and then: the three algorithms that write a
    workbook keep FlagNoThreading, and only their core work goes to a worker (test_worker.py)."""
    from qgis.core import QgsApplication, QgsProcessingAlgorithm

    for alg_id in ("guotukit:compliancecheck", "guotukit:structuretable", "guotukit:assetpackages"):
        alg = QgsApplication.processingRegistry().algorithmById(alg_id)
        assert alg.flags() & QgsProcessingAlgorithm.FlagNoThreading, alg_id
