"""合规性检查 form: pick the layers, run guotukit:compliancecheck on the main thread, browse the
verdicts (double-click zooms the map to the conflict) and export the approval-ready Excel report.

The algorithm has FlagNoThreading (openpyxl must stay on the main thread), so it runs synchronously
through ``processing.run``; the progress slot pumps the event loop so Cancel stays clickable.
"""
from __future__ import annotations

import os
import re
import time
import traceback

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsCoordinateTransform,
    QgsCsException,
    QgsExpression,
    QgsFeatureRequest,
    QgsFieldProxyModel,
    QgsFillSymbol,
    QgsMapLayerProxyModel,
    QgsMessageLog,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsRendererCategory,
    QgsSettings,
)
from qgis.gui import QgsDoubleSpinBox, QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, QUrl, QVariant
from qgis.PyQt.QtGui import QColor, QDesktopServices
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..plugin.deps import missing_dependencies, missing_message
from ..plugin.i18n import tr
from ..processing_provider.algorithms.compliance_check import BASES, POLICY_LABELS, PROJECT_TYPES, SYSTEM_LABELS
from ..processing_provider.qgis_io import AREA_BASIS_LABELS

ALG_ID = "guotukit:compliancecheck"
# control layers: names matched against the whole layer name or its end ("county — YJJBNT"), any case
LAYER_NAMES = {
    "pbf": ("YJJBNT", "YJJBNTBHTB", "永久基本农田"),
    "eprl": ("STBHHX", "生态保护红线"),
    "udb": ("CZKFBJ", "城镇开发边界"),
    "dltb": ("DLTB", "地类图斑"),
}
SUBJECT_NAMES = ("GHYD", "XMFW", "项目", "规划")  # anywhere in the name, in this order of preference
ID_FIELDS, CODE_FIELDS = ("XMDM", "BSM"), ("GHDLBM", "DLBM", "YDYHDM")
ROLE_NAMES = {"PBF": "永久基本农田", "EPRL": "生态保护红线", "UDB": "城镇开发边界"}
ROW_COLOURS = {"不通过": QColor(248, 200, 200), "需论证": QColor(255, 222, 150), "通过": QColor(206, 236, 200)}
MAP_COLOURS = {"不通过": "220,40,40,150", "需论证": "245,160,0,150", "通过": "60,160,60,110"}
NUMBER = Qt.ItemDataRole.UserRole  # numeric value of a cell (sorting); subject id in column 0


def name_matches(layer_name: str, key: str) -> bool:
    """``key`` is the layer name or ends it after a non-alphanumeric character (GeoPackage "county — YJJBNT")."""
    n, k = layer_name.strip().lower(), key.lower()
    return n == k or (n.endswith(k) and not re.match(r"[0-9a-z]", n[-len(k) - 1]))


def _field_like(layer, names) -> str:
    fields = {f.name().upper(): f.name() for f in layer.fields()} if layer is not None else {}
    return next((fields[n] for n in names if n in fields), "")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, QVariant) and value.isNull()) else str(value)


class _Cell(QTableWidgetItem):
    """Sorts numerically when a number is attached."""

    def __lt__(self, other):
        a, b = self.data(NUMBER), other.data(NUMBER)
        if isinstance(a, float) and isinstance(b, float):
            return a < b
        return super().__lt__(other)


class ComplianceDialog(QDialog):
    def __init__(self, iface=None, parent=None, canvas=None):
        super().__init__(parent if parent is not None or iface is None else iface.mainWindow())
        self.iface, self.canvas = iface, canvas
        self.feedback = None
        self.last_error = ""
        self.show_message = QMessageBox.warning  # replaceable (tests): errors must never block there
        self._last_params = None
        self._conflicts = self._summary = None
        self._running = False
        self.setWindowTitle(tr("Compliance check (合规性检查)"))
        self._build()
        self.preselect()
        self.resize(1240, 760)

    # ---------------------------------------------------------------- widgets
    def _layer_combo(self, optional: bool) -> QgsMapLayerComboBox:
        combo = QgsMapLayerComboBox(self)
        combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        combo.setAllowEmptyLayer(optional)
        return combo

    def _build(self):
        self.subject_combo = self._layer_combo(False)
        self.id_field, self.code_field, self.area_field = QgsFieldComboBox(self), QgsFieldComboBox(self), QgsFieldComboBox(self)
        for combo in (self.id_field, self.code_field, self.area_field):
            combo.setAllowEmptyFieldName(True)
        self.area_field.setFilters(QgsFieldProxyModel.Filter.Numeric)
        self.subject_combo.layerChanged.connect(self._subject_changed)
        self.system = QComboBox(self)
        self.system.addItems([tr(x) for x in SYSTEM_LABELS])
        self.project_type = QComboBox(self)
        self.project_type.addItems(PROJECT_TYPES)
        self.pbf_combo, self.eprl_combo, self.udb_combo, self.dltb_combo = (self._layer_combo(True) for _ in range(4))

        self.profile = QgsFileWidget(self)
        self.profile.setFilter(tr("Rule profiles (*.csv *.xlsx)"))
        self.profile.lineEdit().setPlaceholderText(tr("Built-in national default (全国默认)"))
        self.tolerance = QgsDoubleSpinBox(self)
        self.tolerance.setRange(0.0, 1e6)
        self.tolerance.setDecimals(2)
        self.tolerance.setValue(1.0)
        self.tolerance.setClearValue(1.0)
        self.tolerance.setSuffix(" m²")
        self.area_basis = QComboBox(self)
        self.area_basis.addItems([tr(AREA_BASIS_LABELS[b]) for b in BASES])
        self.area_basis.currentIndexChanged.connect(lambda i: self.area_field.setEnabled(BASES[i] == "attribute"))
        self.area_field.setEnabled(False)
        self.invalid = QComboBox(self)
        self.invalid.addItems([tr(x) for x in POLICY_LABELS])
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(tr("Project or plan name"))
        self.add_layers = QCheckBox(tr("Add the result layers to the project"), self)

        def group(title, rows):
            box, form = QGroupBox(title, self), QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for label, widget in rows:
                form.addRow(*((label, widget) if label else (widget,)))
            box.setLayout(form)
            return box

        subjects = group(tr("Subjects"), [(tr("Subject layer"), self.subject_combo), (tr("Id field"), self.id_field),
                                          (tr("Land-use code field"), self.code_field), (tr("Classification"), self.system),
                                          (tr("Project type"), self.project_type)])
        controls = group(tr("Control lines"), [(ROLE_NAMES["PBF"], self.pbf_combo), (ROLE_NAMES["EPRL"], self.eprl_combo),
                                               (ROLE_NAMES["UDB"], self.udb_combo), (tr("Current land use (DLTB)"), self.dltb_combo)])
        options = group(tr("Options"), [(tr("Rule profile"), self.profile), (tr("Report title"), self.title), ("", self.add_layers)])
        options2 = group(tr("Areas and geometry"), [(tr("Sliver tolerance"), self.tolerance), (tr("Area basis"), self.area_basis),
                                                    (tr("Area field (m²)"), self.area_field), (tr("Invalid geometries"), self.invalid)])
        self._inputs = (subjects, controls, options, options2)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.run_button = QPushButton(tr("Run check"), self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)

        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setToolTip(tr("Double-click a row to zoom the map to its conflicts."))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.zoom_to_row(row))
        self.status = QLabel(tr("Choose the layers and run the check."), self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = buttons.addButton(tr("Export Excel report…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_clicked)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        top, middle, run_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        top.addWidget(subjects, 1)
        top.addWidget(controls, 1)
        middle.addWidget(options, 1)
        middle.addWidget(options2, 1)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        for part in (top, middle, run_row):
            layout.addLayout(part)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    # ---------------------------------------------------------------- layers
    def preselect(self):
        """Pick layers and fields by their usual names (YJJBNT, STBHHX, CZKFBJ, DLTB, GHYD ...)."""
        layers = [self.subject_combo.layer(i) for i in range(self.subject_combo.count())]
        layers = [lyr for lyr in layers if lyr is not None]
        used = set()
        for key, names in LAYER_NAMES.items():
            hit = next((lyr for n in names for lyr in layers if name_matches(lyr.name(), n)), None)
            getattr(self, f"{key}_combo").setLayer(hit)
            if hit is not None:
                used.add(hit.id())
        subject = next((lyr for n in SUBJECT_NAMES for lyr in layers if n.lower() in lyr.name().lower() and lyr.id() not in used), None)
        if subject is not None:
            self.subject_combo.setLayer(subject)
        self._subject_changed(self.subject_combo.currentLayer())

    def set_layers(self, **layers):
        """set_layers(subject=..., pbf=..., eprl=..., udb=..., dltb=...); None empties an optional one."""
        for key, layer in layers.items():
            getattr(self, f"{key}_combo").setLayer(layer)

    def _subject_changed(self, layer):
        for combo, names in ((self.id_field, ID_FIELDS), (self.code_field, CODE_FIELDS), (self.area_field, ())):
            combo.setLayer(layer)
            combo.setField(_field_like(layer, names))

    def parameters(self):
        """The algorithm's parameters from the form (layers by id), or None after telling the user why."""
        subject = self.subject_combo.currentLayer()
        if subject is None:
            self._fail(tr("Choose the subject layer (plan or project parcels)."))
            return None

        def layer_id(combo):
            return combo.currentLayer().id() if combo.currentLayer() is not None else None

        return {"SUBJECT_LAYER": subject.id(), "SUBJECT_ID_FIELD": self.id_field.currentField() or None,
                "SUBJECT_CODE_FIELD": self.code_field.currentField() or None, "SUBJECT_SYSTEM": self.system.currentIndex(),
                "PROJECT_TYPE": self.project_type.currentIndex(), "PBF_LAYER": layer_id(self.pbf_combo),
                "EPRL_LAYER": layer_id(self.eprl_combo), "UDB_LAYER": layer_id(self.udb_combo),
                "BASE_PARCELS": layer_id(self.dltb_combo), "RULE_PROFILE": self.profile.filePath().strip() or None,
                "SLIVER_TOLERANCE": self.tolerance.value(), "AREA_BASIS": self.area_basis.currentIndex(),
                "AREA_FIELD": self.area_field.currentField() or None, "INVALID_GEOMETRY": self.invalid.currentIndex(),
                "TITLE": self.title.text().strip(), "CONFLICTS": "memory:", "SUMMARY": "memory:"}

    # ---------------------------------------------------------------- running
    def _execute(self, params):
        """processing.run on the main thread; the results, or None on error or cancel (message shown)."""
        missing = missing_dependencies()
        if missing:
            self._fail(missing_message(missing))
            return None
        import processing

        self.feedback = QgsProcessingFeedback()
        self.feedback.progressChanged.connect(self._on_progress)
        self._busy(True)
        try:
            results = processing.run(ALG_ID, params, feedback=self.feedback)
        except QgsProcessingException as exc:
            self._fail(str(exc))
            return None
        except Exception as exc:  # a bug: the traceback goes to the log, the user gets one sentence
            QgsMessageLog.logMessage(traceback.format_exc(), "GuotuKit", Qgis.MessageLevel.Critical)
            self._fail(tr("The compliance check failed: {0}").format(exc))
            return None
        finally:
            self._busy(False)
        if "CONFLICTS" not in results:  # the algorithm returns nothing when cancelled
            self.progress.setValue(0)
            self._say(tr("Cancelled: nothing was written."))
            return None
        self.progress.setValue(100)
        return results

    def run(self):
        """Check with the form's settings and show the verdicts; the results dict, or None."""
        params = self.parameters()
        if params is None:
            return None
        self._last_params = self._conflicts = self._summary = None
        self._show_table(None)
        t0 = time.time()
        results = self._execute(params)
        if results is None:
            return None
        self._last_params = params
        self._conflicts, self._summary = results["CONFLICTS"], results["SUMMARY"]
        self._show_table(self._summary)
        text = tr("通过 {0} / 不通过 {1} / 需论证 {2} — {3} conflict pieces, {4:.1f} s").format(
            results["PASS_COUNT"], results["FAIL_COUNT"], results["REVIEW_COUNT"], results["CONFLICT_COUNT"], time.time() - t0)
        if results.get("SKIPPED_COUNT"):
            text += " " + tr("({0} invalid features skipped)").format(results["SKIPPED_COUNT"])
        self._say(text)
        self.export_button.setEnabled(True)
        if self.add_layers.isChecked():
            self._add_result_layers()
        return results

    def cancel(self):
        if self.feedback is not None and self._running:
            self.feedback.cancel()
            self._say(tr("Cancelling…"))

    def _on_progress(self, value):
        self.progress.setValue(int(value))
        QApplication.processEvents()  # keeps Cancel clickable during the synchronous run

    def _busy(self, running: bool):
        self._running = running
        for widget in self._inputs + (self.run_button, self.close_button):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running and self._last_params is not None)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setValue(0)
            self._say(tr("Checking…"))

    def reject(self):  # Esc / Close / window close: cancel a running check instead of closing under it
        if self._running:
            self.cancel()
        else:
            super().reject()

    def closeEvent(self, event):
        if self._running:
            self.cancel()
            event.ignore()
        else:
            super().closeEvent(event)

    def _say(self, text: str, error: bool = False):
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)

    def _fail(self, text: str):
        self.last_error = text
        self._say(text, error=True)
        self.show_message(self, tr("Compliance check"), text)

    # ---------------------------------------------------------------- results
    def _show_table(self, layer):
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        if layer is None:
            return
        roles = [n[:-3] for n in layer.fields().names() if n.endswith("_ST")]
        headers = [tr("Id"), tr("Land use"), tr("Area (ha)")]
        for role in roles:
            name = ROLE_NAMES.get(role, role)
            headers += [f"{name}\n{tr('occupied (ha)')}", f"{name}\n{tr('status')}"]
        headers += [tr("Verdict"), tr("Reasons")]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(layer.featureCount())
        for row, f in enumerate(layer.getFeatures()):
            cells = [_text(f["SUBJ_ID"]), " ".join(x for x in (_text(f["CODE"]), _text(f["CODE_NAME"])) if x), f["AREA_HA"]]
            for role in roles:
                cells += [f[f"{role}_HA"], _text(f[f"{role}_ST"])]
            verdict, reasons = _text(f["VERDICT"]), _text(f["REASONS"])
            cells += [verdict, reasons]
            colour = ROW_COLOURS.get(verdict)
            for col, value in enumerate(cells):
                if isinstance(value, (int, float)):
                    item = _Cell(f"{value:.4f}")
                    item.setData(NUMBER, float(value))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                else:
                    item = _Cell(_text(value))
                if colour is not None:
                    item.setBackground(colour)
                    item.setForeground(QColor(Qt.GlobalColor.black))
                if col == len(cells) - 2:  # the verdict
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if col == len(cells) - 1:
                    item.setToolTip(reasons)
                self.table.setItem(row, col, item)
            self.table.item(row, 0).setData(NUMBER, cells[0])
        self.table.resizeColumnsToContents()
        last = len(headers) - 1  # the reasons take what is left (full text in the tooltip)
        room = self.table.viewport().width() - sum(self.table.columnWidth(c) for c in range(last))
        self.table.setColumnWidth(last, max(80, min(room, self.table.columnWidth(last))))
        self.table.setSortingEnabled(True)

    def zoom_to_row(self, row: int):
        item = self.table.item(row, 0)
        if item is not None:
            self.zoom_to_subject(item.data(NUMBER))

    def zoom_to_subject(self, subject_id: str):
        """Zoom the canvas to the subject's conflict pieces (slivers aside), or to the subject without conflicts."""
        canvas = self.iface.mapCanvas() if self.iface is not None else self.canvas
        if canvas is None or self._summary is None:
            return
        expr = QgsExpression.createFieldEqualityExpression("SUBJ_ID", subject_id)
        for layer, where in ((self._conflicts, f'{expr} AND "SLIVER" = 0'), (self._summary, expr)):
            geoms = [f.geometry() for f in layer.getFeatures(QgsFeatureRequest().setFilterExpression(where)) if f.hasGeometry()]
            if geoms:
                break
        else:
            return
        rect = geoms[0].boundingBox()
        for g in geoms[1:]:
            rect.combineExtentWith(g.boundingBox())
        try:
            rect = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance()).transformBoundingBox(rect)
        except QgsCsException:
            return
        rect.scale(1.4)  # a margin of context around the pieces
        canvas.setExtent(rect)
        canvas.refresh()
        canvas.flashGeometries(geoms, layer.crs())

    def _add_result_layers(self):
        suffix = f" {self.title.text().strip()}".rstrip()
        verdicts = self._summary.materialize(QgsFeatureRequest())
        verdicts.setName(tr("Compliance verdicts") + suffix)
        verdicts.setRenderer(QgsCategorizedSymbolRenderer("VERDICT", [
            QgsRendererCategory(v, QgsFillSymbol.createSimple({"color": c, "outline_color": "60,60,60"}), v) for v, c in MAP_COLOURS.items()]))
        conflicts = self._conflicts.materialize(QgsFeatureRequest())
        conflicts.setName(tr("Compliance conflicts") + suffix)
        conflicts.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "255,0,0,90", "outline_color": "200,0,0", "outline_width": "0.4"}))
        QgsProject.instance().addMapLayers([verdicts, conflicts])

    # ---------------------------------------------------------------- export
    def _export_clicked(self):
        settings = QgsSettings()
        name = re.sub(r'[\\/:*?"<>|]', "_", self.title.text().strip() or tr("Compliance check"))
        start = os.path.join(str(settings.value("GuotuKit/exportDir", os.path.expanduser("~"))), f"{name}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the Excel report"), start, tr("Excel workbook (*.xlsx)"))
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        settings.setValue("GuotuKit/exportDir", os.path.dirname(path))
        self.export_to(path, ask_open=True)

    def export_to(self, path: str, ask_open: bool = False):
        """Run the check again with the last run's parameters and write the workbook; the path, or None."""
        params = dict(self._last_params or self.parameters() or {})
        if not params:
            return None
        params["OUTPUT_XLSX"] = path
        results = self._execute(params)
        if results is None or not results.get("OUTPUT_XLSX"):
            return None
        self._say(tr("Excel report written: {0}").format(path))
        if ask_open:
            answer = QMessageBox.question(self, tr("Compliance check"), f"{tr('The report was written to:')}\n{path}\n\n{tr('Open it now?')}")
            if answer == QMessageBox.StandardButton.Yes:
                QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        return path
