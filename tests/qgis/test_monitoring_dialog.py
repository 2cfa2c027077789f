"""The 动态监测 form on the sample county's two vintages: layers picked by name, the suspected problems sorted by
area and filtered by rule, a row zooms the map, the indicator tab coloured by status, and both exports."""
from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsProject, QgsVectorLayer

from .test_change_detect import SAMPLE, VINTAGE

TARGETS = Path(__file__).resolve().parents[2] / "data" / "monitoring" / "targets_example.csv"


@pytest.fixture()
def layers(guotukit_provider, qgis_canvas):
    """The sample's two vintages and lines in the project.  A zoom starts a render of the GeoPackage layers in worker
    threads; removing the layers under it aborts the process (QGIS 3.22, offscreen), so it is finished first."""
    from qgis.PyQt.QtWidgets import QApplication

    made = {"before": QgsVectorLayer(f"{SAMPLE}|layername=DLTB", "DLTB", "ogr"),
            "after": QgsVectorLayer(f"{VINTAGE}|layername=DLTB", "DLTB_2024", "ogr"),
            "pbf": QgsVectorLayer(f"{SAMPLE}|layername=YJJBNT", "YJJBNT", "ogr"),
            "eprl": QgsVectorLayer(f"{SAMPLE}|layername=STBHHX", "STBHHX", "ogr"),
            "udb": QgsVectorLayer(f"{SAMPLE}|layername=CZKFBJ", "CZKFBJ", "ogr")}
    assert all(lyr.isValid() for lyr in made.values())
    QgsProject.instance().addMapLayers(list(made.values()))
    before = set(QgsProject.instance().mapLayers())
    yield made
    QApplication.processEvents()
    qgis_canvas.stopRendering()
    qgis_canvas.waitWhileRendering()
    QgsProject.instance().removeMapLayers([lid for lid in QgsProject.instance().mapLayers() if lid not in before])
    QgsProject.instance().removeMapLayers([lyr.id() for lyr in made.values()])
    root = QgsProject.instance().layerTreeRoot()
    for group in [g for g in root.children() if g.name().startswith(("Dynamic monitoring", "动态监测"))]:
        root.removeChildNode(group)


@pytest.fixture()
def dialog(layers, qtbot, qgis_canvas):
    from guotukit.forms.monitoring_dialog import MonitoringDialog

    dlg = MonitoringDialog(canvas=qgis_canvas)
    dlg.show_message = lambda *args: None
    qtbot.addWidget(dlg)
    return dlg


def test_picks_the_two_vintages_and_the_lines(dialog, layers):
    assert dialog.before_combo.currentLayer() is layers["before"]
    assert dialog.after_combo.currentLayer() is layers["after"]
    assert dialog.pbf_combo.currentLayer() is layers["pbf"] and dialog.udb_combo.currentLayer() is layers["udb"]


def test_suspects_sorted_by_area_filtered_by_rule_and_zoomed(dialog, qgis_canvas):
    results = dialog.run()
    assert results is not None and dialog.table.rowCount() == results["SUSPECT_COUNT"] > 0
    areas = [dialog.table.item(r, 6).data(0x0100) for r in range(dialog.table.rowCount())]
    assert areas == sorted(areas, reverse=True)                 # largest first
    dialog.flag_filter.setCurrentIndex(1)                       # MF01 only
    shown = [r for r in range(dialog.table.rowCount()) if not dialog.table.isRowHidden(r)]
    assert shown and all(dialog.table.item(r, 1).text() == "MF01" for r in shown)
    before = qgis_canvas.extent()
    dialog.zoom_to_row(shown[0])
    assert qgis_canvas.extent() != before
    suspects = QgsProject.instance().mapLayer(dialog._suspects_layer_id)
    assert suspects is not None and suspects.selectedFeatureCount() == 1


def test_indicator_tab_is_coloured_by_status(dialog):
    dialog.targets.setFilePath(str(TARGETS))
    dialog.population.setValue(650000)
    res = dialog.compute_indicators()
    assert res is not None
    cells = {r[1]: r for r in dialog.indicator_rows}
    assert cells["人均城镇建设用地面积"][5] in ("达标", "预警", "未达标")      # the population reached the algorithm
    shown = {dialog.indicator_table.item(r, 1).text(): dialog.indicator_table.item(r, 4).text()
             for r in range(dialog.indicator_table.rowCount())}
    assert shown["耕地保有量"].count(".") == 1 and len(shown["耕地保有量"].split(".")[1]) == 4   # 公顷 to 4 places
    from guotukit.forms.monitoring_dialog import STATUS_COLUMN as status_col

    colours = {dialog.indicator_table.item(r, status_col).text(): dialog.indicator_table.item(r, status_col).background().color().getRgb()[:3]
               for r in range(dialog.indicator_table.rowCount())}
    assert colours["达标"] == (198, 239, 206) and colours["未达标"] == (255, 199, 206)


def test_both_exports_write_workbooks(dialog, tmp_path):
    assert dialog.run() is not None
    assert dialog.export_to(str(tmp_path / "变化.xlsx")) == str(tmp_path / "变化.xlsx")
    assert (tmp_path / "变化.xlsx").stat().st_size > 0
    dialog.targets.setFilePath(str(TARGETS))
    assert dialog.compute_indicators() is not None
    assert dialog.export_indicators_to(str(tmp_path / "指标.xlsx")) == str(tmp_path / "指标.xlsx")


def test_the_same_layer_twice_gets_a_sentence(dialog, layers):
    dialog.set_layers(after=layers["before"])
    assert dialog.run() is None
    assert "same layer" in dialog.last_error or "同一" in dialog.last_error
