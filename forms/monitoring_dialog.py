"""动态监测 form: two vintages → the suspected problems (sorted by area, filter by rule, double-click zooms
the map) and, with a target table, the plan's indicators coloured by status; export of both workbooks.

Runs guotukit:changedetect (and guotukit:planindicators for the indicator tab) through
:class:`~.common.AlgorithmDialog`: the same code path as the toolbox and qgis_process.
"""
from __future__ import annotations

import time

from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsExpression,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsProject,
)
from qgis.gui import QgsDoubleSpinBox, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..plugin.i18n import tr
from .common import (
    NUMBER,
    AlgorithmDialog,
    NumberCell,
    ResultFilter,
    fit_to_screen,
    name_matches,
    polygon_layer_combo,
    reflow_row,
    settings_over_results,
)
from .common import text as _text

ALG_ID = "guotukit:changedetect"
INDICATORS_ID = "guotukit:planindicators"
LAYER_NAMES = {"pbf": ("YJJBNT", "永久基本农田"), "eprl": ("STBHHX", "生态保护红线"), "udb": ("CZKFBJ", "城镇开发边界")}
FLAGS = (("MF01", "MF01 新增建设占用永农"), ("MF02", "MF02 新增建设位于生态红线"), ("MF03", "MF03 开发边界外新增城镇建设"),
         ("MF04", "MF04 永农转为园林草坑塘设施"))
STATUS_COLOURS = {"达标": QColor(198, 239, 206), "预警": QColor(255, 235, 156), "未达标": QColor(255, 199, 206)}
SUSPECT_COLOUR = QColor(255, 222, 210)
STATUS_COLUMN = 5   # of the indicator table: beside the current value, visible without scrolling


class MonitoringDialog(AlgorithmDialog):
    ALG_ID = ALG_ID
    RESULT_KEY = "CHANGES"

    def __init__(self, iface=None, parent=None, canvas=None):
        super().__init__(iface, parent)
        self.canvas = canvas
        self._changes = self._suspects = None
        self._suspects_layer_id = None
        self.indicator_rows = []
        self.setWindowTitle(tr("Dynamic monitoring (动态监测)"))
        self._build()
        self.preselect()
        self.watch_project_layers((self.before_combo, self.after_combo, self.pbf_combo, self.eprl_combo, self.udb_combo))
        fit_to_screen(self, 1240, 860)

    def form_title(self) -> str:
        return tr("Dynamic monitoring")

    def failure_text(self, exc) -> str:
        return tr("The change detection failed: {0}").format(exc)

    def busy_text(self) -> str:
        return tr("Comparing the vintages…")

    def export_file_name(self) -> str:
        return (self.region.text().strip() or "") + tr("Change detection")

    # ---------------------------------------------------------------- widgets
    def _build(self):
        self.before_combo, self.after_combo = polygon_layer_combo(self, False), polygon_layer_combo(self, False)
        self.pbf_combo, self.eprl_combo, self.udb_combo = (polygon_layer_combo(self, True) for _ in range(3))
        self.before_year, self.after_year, self.region = QLineEdit("2019", self), QLineEdit("2024", self), QLineEdit(self)
        self.region.setPlaceholderText(tr("County or area name"))
        self.targets = QgsFileWidget(self)
        self.targets.setFilter(tr("Target tables (*.csv *.xlsx)"))
        self.targets.lineEdit().setPlaceholderText(tr("The plan's target table (规划指标表)"))
        self.population = QgsDoubleSpinBox(self)
        self.population.setRange(0.0, 1e9)
        self.population.setDecimals(0)
        self.population.setSpecialValueText(tr("not given"))
        self.population.setToolTip(tr("城镇常住人口 (persons), for 人均城镇建设用地面积"))
        self.add_layers = QCheckBox(tr("Add the result layers to the project"), self)
        self.add_layers.setChecked(True)

        def group(title, rows):
            box, form = QGroupBox(title, self), QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for label, widget in rows:
                form.addRow(*((label, widget) if label else (widget,)))
            box.setLayout(form)
            return box

        vintages = group(tr("Vintages"), [(tr("Earlier vintage (DLTB)"), self.before_combo), (tr("Earlier year"), self.before_year),
                                          (tr("Later vintage (DLTB)"), self.after_combo), (tr("Later year"), self.after_year)])
        controls = group(tr("Control lines"), [("永久基本农田", self.pbf_combo), ("生态保护红线", self.eprl_combo),
                                               ("城镇开发边界", self.udb_combo)])
        options = group(tr("Options"), [(tr("Region name"), self.region), (tr("Target table (CSV or xlsx)"), self.targets),
                                        (tr("Urban resident population (persons)"), self.population), ("", self.add_layers)])
        run_row = self._make_run_controls(tr("Compare"), tr("Export Excel report…"), tr("Choose the two vintages and compare them."))

        self.table = self._table(tr("Double-click a row to zoom the map to the suspected problem."))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.zoom_to_row(row))
        self.flag_filter = ResultFilter(self, self.table, lambda: 1, [(label, (flag,)) for flag, label in FLAGS])
        self.indicator_table = self._table(tr("The plan's indicators: green 达标, amber 预警, red 未达标."))
        self.indicator_button = QPushButton(tr("Compute the indicators"), self)
        self.indicator_button.setToolTip(tr("The later vintage's indicators against the target table, with the change since the earlier one."))
        self.indicator_button.clicked.connect(self.compute_indicators)
        self.indicator_export = QPushButton(tr("Export indicator report…"), self)
        self.indicator_export.setEnabled(False)
        self.indicator_export.clicked.connect(self._export_indicators)
        self._inputs = (vintages, controls, options, self.indicator_button)

        top = reflow_row(QHBoxLayout())
        for box in (vintages, controls, options):
            top.addWidget(box, 1)
        settings = QWidget(self)
        s_layout = QVBoxLayout(settings)
        s_layout.setContentsMargins(0, 0, 0, 0)
        s_layout.addLayout(top)
        s_layout.addLayout(run_row)
        self.tabs = QTabWidget(self)
        page = QWidget(self)
        p_layout = QVBoxLayout(page)
        p_layout.setContentsMargins(0, 0, 0, 0)
        p_layout.addLayout(self.flag_filter.row(self))
        p_layout.addWidget(self.table, 1)
        self.tabs.addTab(page, tr("Suspected problems (疑似问题图斑)"))
        page2 = QWidget(self)
        i_layout = QVBoxLayout(page2)
        i_layout.setContentsMargins(0, 0, 0, 0)
        line = QHBoxLayout()
        line.addWidget(self.indicator_button)
        line.addWidget(self.indicator_export)
        line.addStretch(1)
        i_layout.addLayout(line)
        i_layout.addWidget(self.indicator_table, 1)
        self.tabs.addTab(page2, tr("Indicators (规划实施监测指标)"))
        self.splitter = settings_over_results(self, settings, self.tabs, self.status, self.buttons)

    def _table(self, tip: str) -> QTableWidget:
        t = QTableWidget(0, 0, self)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setStretchLastSection(True)
        t.setWordWrap(False)
        t.setToolTip(tip)
        return t

    # ---------------------------------------------------------------- layers
    def preselect(self):
        """The earlier DLTB is the layer called DLTB (or 地类图斑) without a later year in its name; the later one
        the other DLTB-like layer; the control lines by their usual names."""
        layers = [self.before_combo.layer(i) for i in range(self.before_combo.count())]
        layers = [lyr for lyr in layers if lyr is not None]
        dltb = [lyr for lyr in layers if "DLTB" in lyr.name().upper() or "地类图斑" in lyr.name()]
        if dltb:
            self.before_combo.setLayer(dltb[0])
            self.after_combo.setLayer(dltb[-1] if len(dltb) > 1 else None)
        for key, names in LAYER_NAMES.items():
            hit = next((lyr for n in names for lyr in layers if name_matches(lyr.name(), n)), None)
            getattr(self, f"{key}_combo").setLayer(hit)

    def set_layers(self, **layers):
        """set_layers(before=..., after=..., pbf=..., eprl=..., udb=...); None empties an optional one."""
        self._auto_layers = False
        for key, layer in layers.items():
            getattr(self, f"{key}_combo").setLayer(layer)

    def _common(self):
        before, after = self.before_combo.currentLayer(), self.after_combo.currentLayer()
        if before is None or after is None:
            self._fail(tr("Choose the earlier and the later vintage (DLTB)."))
            return None
        if before.id() == after.id():
            self._fail(tr("The earlier and the later vintage are the same layer: choose two vintages."))
            return None

        def layer_id(combo):
            return combo.currentLayer().id() if combo.currentLayer() is not None else None

        return before, after, {"PBF_LAYER": layer_id(self.pbf_combo), "EPRL_LAYER": layer_id(self.eprl_combo),
                               "UDB_LAYER": layer_id(self.udb_combo), "REGION_NAME": self.region.text().strip()}

    def parameters(self):
        common = self._common()
        if common is None:
            return None
        before, after, params = common
        params.update({"BEFORE_LAYER": before.id(), "AFTER_LAYER": after.id(), "BEFORE_YEAR": self.before_year.text().strip(),
                       "AFTER_YEAR": self.after_year.text().strip(), "CHANGES": "memory:", "SUSPECTS": "memory:"})
        return params

    # ---------------------------------------------------------------- running
    def run(self):
        params = self.parameters()
        if params is None:
            return None
        self._last_params = self._changes = self._suspects = None
        self._show_suspects(None)
        t0 = time.time()
        results = self._execute(params)
        if results is None:
            return None
        self._last_params = params
        self._changes, self._suspects = results["CHANGES"], results["SUSPECTS"]
        self._show_suspects(self._suspects)
        self._say(tr("{0} change pieces, {1} suspected-problem parts; 耕地 out {2} ha, in {3} ha — {4:.1f} s").format(
            results["CHANGE_COUNT"], results["SUSPECT_COUNT"], results["CROPLAND_OUT_HA"], results["CROPLAND_IN_HA"], time.time() - t0))
        self.export_button.setEnabled(True)
        if self.add_layers.isChecked():
            self._add_result_layers()
        return results

    def _show_suspects(self, layer):
        t = self.table
        t.setSortingEnabled(False)
        t.clear()
        t.setRowCount(0)
        headers = [tr("Change piece"), tr("Rule"), tr("Verdict"), tr("Control line"), tr("Earlier class"), tr("Later class"),
                   tr("Area (ha)"), tr("Message")]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        if layer is None:
            return
        feats = sorted(layer.getFeatures(), key=lambda f: -(f["AREA_M2"] or 0.0))   # largest first
        t.setRowCount(len(feats))
        for row, f in enumerate(feats):
            cells = [_text(f["BH"]), _text(f["FLAG"]), _text(f["JIELUN"]), _text(f["KZX"]), _text(f["BGQ_DL"]), _text(f["BGH_DL"]),
                     f["AREA_HA"], _text(f["MESSAGE"])]
            for col, value in enumerate(cells):
                if isinstance(value, (int, float)):
                    item = NumberCell(f"{value:.4f}")
                    item.setData(NUMBER, float(value))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                else:
                    item = NumberCell(value)
                item.setBackground(SUSPECT_COLOUR)
                item.setForeground(QColor(Qt.GlobalColor.black))
                t.setItem(row, col, item)
            t.item(row, 0).setData(NUMBER, cells[0])
            t.item(row, len(cells) - 1).setToolTip(cells[-1])
        t.resizeColumnsToContents()
        t.setSortingEnabled(True)
        self.flag_filter.apply()

    def zoom_to_row(self, row: int):
        item = self.table.item(row, 0)
        flag = self.table.item(row, 1)
        if item is not None:
            self.zoom_to_piece(item.data(NUMBER), flag.text() if flag is not None else "")

    def zoom_to_piece(self, change_id: str, flag: str = ""):
        canvas = self.iface.mapCanvas() if self.iface is not None else self.canvas
        if canvas is None or self._suspects is None:
            return
        expr = QgsExpression.createFieldEqualityExpression("BH", change_id)
        if flag:
            expr += " AND " + QgsExpression.createFieldEqualityExpression("FLAG", flag)
        geoms = [f.geometry() for f in self._suspects.getFeatures(QgsFeatureRequest().setFilterExpression(expr)) if f.hasGeometry()]
        if not geoms:
            return
        rect = geoms[0].boundingBox()
        for g in geoms[1:]:
            rect.combineExtentWith(g.boundingBox())
        try:
            rect = QgsCoordinateTransform(self._suspects.crs(), canvas.mapSettings().destinationCrs(),
                                          QgsProject.instance()).transformBoundingBox(rect)
        except QgsCsException:
            return
        rect.scale(3.0)   # a change piece is small: show its surroundings
        canvas.setExtent(rect)
        canvas.refresh()
        canvas.flashGeometries(geoms, self._suspects.crs())
        added = QgsProject.instance().mapLayer(self._suspects_layer_id) if self._suspects_layer_id else None
        if added is not None:
            added.selectByExpression(expr)

    def _add_result_layers(self):
        suffix = f" {self.region.text().strip()}".rstrip()
        changes = self._changes.materialize(QgsFeatureRequest())
        changes.setName(tr("Change pieces") + suffix)
        changes.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "70,130,180,90", "outline_color": "30,60,120"}))
        suspects = self._suspects.materialize(QgsFeatureRequest())
        suspects.setName(tr("Suspected problems") + suffix)
        suspects.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "230,40,40,140", "outline_color": "160,0,0",
                                                                   "outline_width": "0.5"}))
        project = QgsProject.instance()
        project.addMapLayers([changes, suspects], False)
        group = project.layerTreeRoot().insertGroup(0, tr("Dynamic monitoring") + suffix + time.strftime(" %H:%M"))
        group.addLayer(changes)
        group.insertLayer(0, suspects)
        self._suspects_layer_id = suspects.id()

    # ---------------------------------------------------------------- indicators
    def _indicator_params(self):
        common = self._common()
        if common is None:
            return None
        before, after, params = common
        params.update({"CURRENT_LAYER": after.id(), "YEAR": self.after_year.text().strip(), "PREVIOUS_LAYER": before.id(),
                       "PREVIOUS_YEAR": self.before_year.text().strip(), "TARGETS": self.targets.filePath().strip() or None,
                       "POPULATION_TOWN": self.population.value(),
                       "OUTPUT": "memory:"})
        return params

    def compute_indicators(self):
        """The indicator table of the later vintage (the change since the earlier one), coloured by status."""
        params = self._indicator_params()
        if params is None:
            return None
        results = self._execute(params, INDICATORS_ID, "OUTPUT")
        if results is None:
            return None
        self._indicator_params_used = params
        self._show_indicators(results["OUTPUT"])
        self.indicator_export.setEnabled(True)
        self.tabs.setCurrentIndex(1)
        self._say(tr("Indicators: 达标 {0}, 预警 {1}, 未达标 {2}.").format(results["MET_COUNT"], results["WARN_COUNT"], results["MISSED_COUNT"]))
        return results

    def _show_indicators(self, layer):
        t = self.indicator_table
        t.setSortingEnabled(False)
        t.clear()
        headers = [tr("Id"), tr("Indicator"), tr("Unit"), tr("Target"), tr("Current"), tr("Status"), tr("Previous"),
                   tr("Change"), tr("Attribute"), tr("Rule applied")]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        feats = list(layer.getFeatures())
        t.setRowCount(len(feats))
        self.indicator_rows = []
        for row, f in enumerate(feats):
            unit = _text(f["DW"])
            places = {"公顷": 4, "%": 2, "平方米/人": 2}.get(unit, 4)   # as the workbook prints them
            cells = [_text(f["ZBBH"]), _text(f["ZBMC"]), unit, _text(f["MBZ"]), f["XZZ"], _text(f["ZT"]), f["SYQ"], f["BH"],
                     _text(f["SX"]), _text(f["YJ"])]
            self.indicator_rows.append(cells)
            colour = STATUS_COLOURS.get(cells[STATUS_COLUMN])
            for col, value in enumerate(cells):
                if isinstance(value, (int, float)):
                    item = NumberCell(f"{value:+.{places}f}" if col == 7 else f"{value:.{places}f}")
                    item.setData(NUMBER, float(value))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                else:
                    item = NumberCell(_text(value))
                if colour is not None and col == STATUS_COLUMN:
                    item.setBackground(colour)
                    item.setForeground(QColor(Qt.GlobalColor.black))
                t.setItem(row, col, item)
        t.resizeColumnsToContents()

    def _export_indicators(self):
        from qgis.PyQt.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, tr("Save the Excel report"), tr("Plan implementation indicators") + ".xlsx",
                                              tr("Excel workbook (*.xlsx)"))
        if path:
            self.export_indicators_to(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export_indicators_to(self, path: str):
        params = dict(getattr(self, "_indicator_params_used", None) or self._indicator_params() or {})
        if not params:
            return None
        params["OUTPUT_XLSX"] = path
        results = self._execute(params, INDICATORS_ID, "OUTPUT")
        if results is None:
            return None
        self._say(tr("Excel report written: {0}").format(path))
        return path
