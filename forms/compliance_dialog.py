"""合规性检查 form: pick the layers, run guotukit:compliancecheck on the main thread, browse the
verdicts (double-click zooms the map to the conflict) and export the approval-ready Excel report.

Running, Cancel, error messages and the export are :class:`~.common.AlgorithmDialog`'s.
"""
from __future__ import annotations

import time

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateTransform,
    QgsCsException,
    QgsExpression,
    QgsFeatureRequest,
    QgsFieldProxyModel,
    QgsFillSymbol,
    QgsProject,
    QgsRendererCategory,
)
from qgis.gui import QgsDoubleSpinBox, QgsFieldComboBox, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ..plugin.i18n import tr
from ..processing_provider.algorithms.compliance_check import BASES, POLICY_LABELS, PROJECT_TYPES, SYSTEM_LABELS
from ..processing_provider.qgis_io import AREA_BASIS_LABELS
from .common import (
    NUMBER,
    AlgorithmDialog,
    NumberCell,
    ResultFilter,
    field_like,
    fit_to_screen,
    name_matches,
    polygon_layer_combo,
    reflow_row,
    settings_over_results,
)
from .common import text as _text

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



class ComplianceDialog(AlgorithmDialog):
    ALG_ID = ALG_ID
    RESULT_KEY = "CONFLICTS"

    def __init__(self, iface=None, parent=None, canvas=None):
        super().__init__(iface, parent)
        self.canvas = canvas
        self._conflicts = self._summary = None
        self._verdicts_layer_id = None   # the verdict layer this form added to the project (its selection = the row)
        self.setWindowTitle(tr("Compliance check (合规性检查)"))
        self._build()
        self.preselect()
        self.watch_project_layers((self.subject_combo, self.pbf_combo, self.eprl_combo, self.udb_combo, self.dltb_combo))
        fit_to_screen(self, 1240, 860)

    def form_title(self) -> str:
        return tr("Compliance check")

    def failure_text(self, exc) -> str:
        return tr("The compliance check failed: {0}").format(exc)

    def busy_text(self) -> str:
        return tr("Checking…")

    def export_file_name(self) -> str:
        return self.title.text().strip() or tr("Compliance check")

    # ---------------------------------------------------------------- widgets
    def _build(self):
        self.subject_combo = polygon_layer_combo(self, False)
        self.id_field, self.code_field, self.area_field = QgsFieldComboBox(self), QgsFieldComboBox(self), QgsFieldComboBox(self)
        for combo in (self.id_field, self.code_field, self.area_field):
            combo.setAllowEmptyFieldName(True)
        self.area_field.setFilters(QgsFieldProxyModel.Filter.Numeric)
        self.subject_combo.layerChanged.connect(self._subject_changed)
        self.system = QComboBox(self)
        self.system.addItems([tr(x) for x in SYSTEM_LABELS])
        self.project_type = QComboBox(self)
        self.project_type.addItems(PROJECT_TYPES)
        self.pbf_combo, self.eprl_combo, self.udb_combo, self.dltb_combo = (polygon_layer_combo(self, True) for _ in range(4))

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
        self.add_layers.setChecked(True)   # results beside the map by default (one group per run)

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

        run_row = self._make_run_controls(tr("Run check"), tr("Export Excel report…"), tr("Choose the layers and run the check."))
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setToolTip(tr("Double-click a row to zoom the map to its conflicts."))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.zoom_to_row(row))

        top, middle = reflow_row(QHBoxLayout()), reflow_row(QHBoxLayout())
        top.addWidget(subjects, 1)
        top.addWidget(controls, 1)
        middle.addWidget(options, 1)
        middle.addWidget(options2, 1)
        settings = QWidget(self)
        s_layout = QVBoxLayout(settings)
        s_layout.setContentsMargins(0, 0, 0, 0)
        for part in (top, middle, run_row):
            s_layout.addLayout(part)
        # results: a filter by 结论, then the table — below a splitter, so a laptop shows more than one row
        self.verdict_filter = ResultFilter(self, self.table, lambda: self.table.columnCount() - 2,
                                           [(tr("Pass") + " 通过", ("通过",)), (tr("Fail") + " 不通过", ("不通过",)),
                                            (tr("Needs review") + " 需论证", ("需论证",))])
        results = QWidget(self)
        r_layout = QVBoxLayout(results)
        r_layout.setContentsMargins(0, 0, 0, 0)
        r_layout.addLayout(self.verdict_filter.row(self))
        r_layout.addWidget(self.table, 1)
        self.splitter = settings_over_results(self, settings, results, self.status, self.buttons)

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
        self._auto_layers = False
        for key, layer in layers.items():
            getattr(self, f"{key}_combo").setLayer(layer)

    def _subject_changed(self, layer):
        for combo, names in ((self.id_field, ID_FIELDS), (self.code_field, CODE_FIELDS), (self.area_field, ())):
            combo.setLayer(layer)
            combo.setField(field_like(layer, names))
        if layer is not None:   # a plan layer (GHYD …) is checked as 规划方案 (PBF-10), project parcels as 一般建设项目
            from ..core.compliance import project_type_for

            self.project_type.setCurrentText(project_type_for(layer.name(), layer.fields().names()))

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
                    item = NumberCell(f"{value:.4f}")
                    item.setData(NUMBER, float(value))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                else:
                    item = NumberCell(_text(value))
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
        self.verdict_filter.apply()

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
        added = QgsProject.instance().mapLayer(self._verdicts_layer_id) if self._verdicts_layer_id else None
        if added is not None:   # the subject stays highlighted (selected) in the verdict layer on the map
            added.selectByExpression(expr)

    def _add_result_layers(self):
        suffix = f" {self.title.text().strip()}".rstrip()
        verdicts = self._summary.materialize(QgsFeatureRequest())
        verdicts.setName(tr("Compliance verdicts") + suffix)
        verdicts.setRenderer(QgsCategorizedSymbolRenderer("VERDICT", [
            QgsRendererCategory(v, QgsFillSymbol.createSimple({"color": c, "outline_color": "60,60,60"}), v) for v, c in MAP_COLOURS.items()]))
        conflicts = self._conflicts.materialize(QgsFeatureRequest())
        conflicts.setName(tr("Compliance conflicts") + suffix)
        conflicts.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "255,0,0,90", "outline_color": "200,0,0", "outline_width": "0.4"}))
        # one group per run at the top of the layer tree, verdicts above their conflicts
        project = QgsProject.instance()
        project.addMapLayers([verdicts, conflicts], False)
        group = project.layerTreeRoot().insertGroup(0, tr("Compliance check") + suffix + time.strftime(" %H:%M"))
        group.addLayer(conflicts)
        group.insertLayer(0, verdicts)
        self._verdicts_layer_id = verdicts.id()
