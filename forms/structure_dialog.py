"""用地结构调整表 form: pick the base-year (DLTB) and plan (GHYD) layers, run guotukit:structuretable, preview the
table of the whole area (or of one region) and export the approval-ready Excel workbook.

Running, Cancel, error messages and the export are :class:`~.common.AlgorithmDialog`'s: the form runs the same
algorithm as the toolbox and qgis_process through ``processing.run``, so its numbers are theirs.
"""
from __future__ import annotations

import time

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..plugin.i18n import tr
from ..processing_provider.algorithms.structure_table import (
    BASE_SYSTEM_LABELS,
    BASES,
    REGION_FIELDS,
    TARGET_CODE_FIELDS,
    TARGET_SYSTEM_LABELS,
    UNIT_LABELS,
    template_choices,
)
from ..processing_provider.qgis_io import AREA_BASIS_LABELS
from .common import (
    NUMBER,
    AlgorithmDialog,
    WarningsArea,
    field_combo,
    field_like,
    fit_to_screen,
    pick_layer,
    polygon_layer_combo,
    reflow_row,
    settings_over_results,
    text,
)

ALG_ID = "guotukit:structuretable"
# layers: the whole name or its end first ("county — DLTB"), then anywhere in the name, any case
BASE_LAYER_NAMES = ("DLTB", "地类图斑")
TARGET_LAYER_NAMES = ("GHYD", "规划")
REGION_LAYER_NAMES = ("XZQ", "行政区")
# fields, first found wins
BASE_CODE_FIELDS = ("DLBM",)
BASE_AREA_FIELDS = ("TBDLMJ", "TBMJ")
DEDUCTION_FIELDS = ("KCMJ",)
BASE_CZCS_FIELDS = ("CZCSXM",)
TARGET_CZCS_FIELDS = ("CZCSLX", "CZCSXM", "CZCS")
UNIT_SHORT_LABELS = ("ha", "mu", "km²")  # the UNIT enum's order: 公顷, 亩, 平方千米
PCT_DECIMALS = 2  # the algorithm's default for shares and change rates
WHOLE_AREA = "合计"  # REGION of the whole area's rows in the TABLE output
INDENT = "\u3000\u3000"  # per template level, before the label
PSEUDO_KINDS = ("unknown", "unmatched")  # 未识别地类 / 未能归入模板: the codes to look at
PSEUDO_COLOUR, TOTAL_COLOUR = QColor(255, 222, 150), QColor(228, 228, 228)
AREA_COLUMNS = ("BASE_AREA", "BASE_PCT", "TARGET_AREA", "TARGET_PCT", "CHANGE", "CHANGE_PCT")


def _number(value):
    try:
        return None if text(value) == "" else float(value)
    except (TypeError, ValueError):
        return None


class StructureDialog(AlgorithmDialog):
    ALG_ID = ALG_ID
    RESULT_KEY = "TABLE"

    def __init__(self, iface=None, parent=None):
        super().__init__(iface, parent)
        self.warnings = []
        self._tables = {}  # region -> [row dicts] of the last run, 合计 first
        self._shown = None  # (base year, target year, unit label, decimals) of the last run
        self.setWindowTitle(tr("Land-use structure adjustment table"))
        self._build()
        self.preselect()
        self.watch_project_layers((self.base_combo, self.target_combo, self.region_combo))
        fit_to_screen(self)

    def form_title(self) -> str:
        return tr("Land-use structure adjustment table")

    def failure_text(self, exc) -> str:
        return tr("The structure table failed: {0}").format(exc)

    def busy_text(self) -> str:
        return tr("Computing the table…")

    def export_file_name(self) -> str:
        region = self.region_name.text().strip()
        return (f"{region} " if region else "") + tr("Land-use structure adjustment table")

    # ---------------------------------------------------------------- widgets
    def _build(self):
        # base year (三调 / 年度变更调查)
        self.base_combo = polygon_layer_combo(self, False)
        self.base_code_field, self.base_czcs_field = field_combo(self), field_combo(self)
        self.base_area_field, self.deduction_field = field_combo(self, True), field_combo(self, True)
        self.base_system = QComboBox(self)
        self.base_system.addItems([tr(x) for x in BASE_SYSTEM_LABELS])
        self.base_year = QLineEdit("2020", self)
        self.base_combo.layerChanged.connect(self._base_changed)
        # target year (the plan)
        self.target_combo = polygon_layer_combo(self, False)
        self.target_code_field, self.target_czcs_field = field_combo(self), field_combo(self)
        self.target_area_field = field_combo(self, True)
        self.target_system = QComboBox(self)
        self.target_system.addItems([tr(x) for x in TARGET_SYSTEM_LABELS])
        self.target_year = QLineEdit("2035", self)
        self.target_combo.layerChanged.connect(self._target_changed)
        # table layout and areas
        self.template = QComboBox(self)
        for name, path in template_choices():
            self.template.addItem(name)
            self.template.setItemData(self.template.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        if self.template.count() == 0:
            self.template.addItem(tr("(no template found)"))
            self.template.setEnabled(False)
        self.template_file = QgsFileWidget(self)
        self.template_file.setFilter(tr("Templates (*.csv *.xlsx)"))
        self.template_file.lineEdit().setPlaceholderText(tr("Optional: a template of your own (overrides the choice above)"))
        has_templates = self.template.isEnabled()
        self.template_file.fileChanged.connect(lambda path: self.template.setEnabled(has_templates and not path.strip()))
        self.area_basis = QComboBox(self)
        self.area_basis.addItems([tr(AREA_BASIS_LABELS[b]) for b in BASES])
        self.area_basis.currentIndexChanged.connect(self._basis_changed)
        self.unit = QComboBox(self)
        self.unit.addItems([tr(x) for x in UNIT_LABELS])
        self.decimals = QSpinBox(self)
        self.decimals.setRange(0, 6)
        self.decimals.setValue(2)
        self.region_name = QLineEdit(self)
        self.region_name.setPlaceholderText(tr("e.g. 某某县 (in the title)"))
        # regions and extras
        self.region_combo = polygon_layer_combo(self, True)
        self.region_field = field_combo(self)
        self.region_combo.layerChanged.connect(self._region_changed)
        self.with_transition = QCheckBox(tr("Compute the transition matrix"), self)
        self.with_transition.setChecked(True)
        self.with_finance = QCheckBox(tr("Add the finance view (资金测算)"), self)
        self.finance_table = QgsFileWidget(self)
        self.finance_table.setFilter(tr("Tables (*.csv *.xlsx)"))
        self.finance_table.lineEdit().setPlaceholderText(tr("Built-in EXAMPLE unit values (replace them with local prices)"))
        self.finance_table.setEnabled(False)
        self.with_finance.toggled.connect(self.finance_table.setEnabled)

        def group(title, rows):
            box, form = QGroupBox(title, self), QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for label, widget in rows:
                form.addRow(label, widget)
            box.setLayout(form)
            return box

        base = group(tr("Current land use (base year)"), [
            (tr("Base-year layer (DLTB)"), self.base_combo), (tr("Base land-use code field"), self.base_code_field),
            (tr("Base classification"), self.base_system), (tr("Base area field (m²)"), self.base_area_field),
            (tr("Deduction field (田坎, m²)"), self.deduction_field), (tr("Base 城镇村 field"), self.base_czcs_field),
            (tr("Base year"), self.base_year)])
        target = group(tr("Plan (target year)"), [
            (tr("Target-year layer (plan)"), self.target_combo), (tr("Target land-use code field"), self.target_code_field),
            (tr("Target classification"), self.target_system), (tr("Target area field (m²)"), self.target_area_field),
            (tr("Target 城镇村 field"), self.target_czcs_field), (tr("Target year"), self.target_year)])
        table = group(tr("Table layout"), [
            (tr("Table template"), self.template), (tr("Template file (CSV or xlsx)"), self.template_file),
            (tr("Area basis"), self.area_basis), (tr("Area unit"), self.unit), (tr("Decimals"), self.decimals),
            (tr("Region name"), self.region_name)])
        extras = QGroupBox(tr("Regions and extras"), self)
        # two forms side by side in a window, one under the other in a dock
        regions, more = QFormLayout(), QFormLayout()
        for form in (regions, more):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        regions.addRow(tr("Region layer (e.g. townships)"), self.region_combo)
        regions.addRow(tr("Region name field"), self.region_field)
        more.addRow(self.with_transition)
        more.addRow(self.with_finance)
        more.addRow(tr("Finance table (CSV or xlsx)"), self.finance_table)
        pair = reflow_row(QHBoxLayout(extras))
        pair.addLayout(regions, 1)
        pair.addLayout(more, 1)
        self._inputs = (base, target, table, extras)

        run_row = self._make_run_controls(tr("Compute table"), tr("Export Excel report…"),
                                          tr("Choose the layers and compute the table."))
        self.warning_area = WarningsArea(self)
        self.warning_label = self.warning_area.label

        self.preview_region = QComboBox(self)
        self.preview_region.currentTextChanged.connect(self._show_table)
        self.preview_label = QLabel(tr("Preview of the region"), self)
        preview_row = QHBoxLayout()
        preview_row.addWidget(self.preview_label)
        preview_row.addWidget(self.preview_region)
        preview_row.addStretch(1)
        self.preview_label.setVisible(False)
        self.preview_region.setVisible(False)

        self.table = QTableWidget(0, 8, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self._set_headers("2020", "2035", tr(UNIT_SHORT_LABELS[0]))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        for combo in self.findChildren(QComboBox):  # long items (template names, area bases) must not widen the form
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        # the settings above (scrolling on a small screen), the run and the preview below: drag the handle between
        settings, results = QWidget(self), QWidget(self)
        top = reflow_row(QHBoxLayout())
        for box in (base, target, table):
            top.addWidget(box, 1)
        upper = QVBoxLayout(settings)
        upper.setContentsMargins(0, 0, 0, 0)
        upper.addLayout(top)
        upper.addWidget(extras)
        lower = QVBoxLayout(results)
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addLayout(run_row)
        lower.addWidget(self.warning_area)
        lower.addLayout(preview_row)
        lower.addWidget(self.table, 1)
        self.table.setMinimumHeight(8 * self.table.verticalHeader().defaultSectionSize())
        self.splitter = settings_over_results(self, settings, results, self.status, self.buttons)

    # ---------------------------------------------------------------- layers and fields
    def preselect(self):
        """Pick the layers by their usual names (DLTB, GHYD or 规划, XZQ) and their fields (DLBM, TBDLMJ ...)."""
        layers = [self.base_combo.layer(i) for i in range(self.base_combo.count())]
        base = pick_layer(layers, BASE_LAYER_NAMES)
        target = pick_layer(layers, TARGET_LAYER_NAMES, exclude={base.id()} if base is not None else ())
        used = {lyr.id() for lyr in (base, target) if lyr is not None}
        for combo, layer in ((self.base_combo, base), (self.target_combo, target)):
            if layer is not None:
                combo.setLayer(layer)
        self.region_combo.setLayer(pick_layer(layers, REGION_LAYER_NAMES, exclude=used))
        self._base_changed(self.base_combo.currentLayer())
        self._target_changed(self.target_combo.currentLayer())
        self._region_changed(self.region_combo.currentLayer())

    def set_layers(self, **layers):
        """set_layers(base=..., target=..., region=...); None empties a combo."""
        self._auto_layers = False
        for key, layer in layers.items():
            getattr(self, f"{key}_combo").setLayer(layer)

    @staticmethod
    def _fill(layer, combos):
        for combo, names in combos:
            combo.setLayer(layer)
            combo.setField(field_like(layer, names))

    def _base_changed(self, layer):
        self._fill(layer, ((self.base_code_field, BASE_CODE_FIELDS), (self.base_area_field, BASE_AREA_FIELDS),
                           (self.deduction_field, DEDUCTION_FIELDS), (self.base_czcs_field, BASE_CZCS_FIELDS)))

    def _target_changed(self, layer):
        self._fill(layer, ((self.target_code_field, TARGET_CODE_FIELDS), (self.target_area_field, ()),
                           (self.target_czcs_field, TARGET_CZCS_FIELDS)))

    def _region_changed(self, layer):
        self._fill(layer, ((self.region_field, REGION_FIELDS),))
        self.region_field.setEnabled(layer is not None)

    def _basis_changed(self, index):
        attribute = BASES[index] == "attribute"
        self.base_area_field.setEnabled(attribute)
        self.target_area_field.setEnabled(attribute)

    def parameters(self):
        """The algorithm's parameters from the form (layers by id), or None after telling the user why.

        An empty optional field is passed as "" (none), not None (which would mean the algorithm's default)."""
        base, target = self.base_combo.currentLayer(), self.target_combo.currentLayer()
        if base is None and target is None:
            self._fail(tr("The project has no polygon layer to compare: add the base-year land-use layer (DLTB) "
                          "and the plan layer (e.g. GHYD) to the project first."))
            return None
        if base is None:
            self._fail(tr("Choose the base-year land-use layer (DLTB)."))
            return None
        if target is None:
            self._fail(tr("Choose the target-year plan layer (e.g. GHYD)."))
            return None
        if base.id() == target.id():
            self._fail(tr("The base-year and target-year layers are the same layer: choose the plan layer as the target."))
            return None
        region = self.region_combo.currentLayer()
        finance = self.with_finance.isChecked()
        return {"BASE_LAYER": base.id(), "BASE_CODE_FIELD": self.base_code_field.currentField(),
                "BASE_SYSTEM": self.base_system.currentIndex(), "TARGET_LAYER": target.id(),
                "TARGET_CODE_FIELD": self.target_code_field.currentField(), "TARGET_SYSTEM": self.target_system.currentIndex(),
                "AREA_BASIS": self.area_basis.currentIndex(), "BASE_AREA_FIELD": self.base_area_field.currentField(),
                "DEDUCTION_FIELD": self.deduction_field.currentField(), "TARGET_AREA_FIELD": self.target_area_field.currentField(),
                "BASE_CZCS_FIELD": self.base_czcs_field.currentField(), "TARGET_CZCS_FIELD": self.target_czcs_field.currentField(),
                "REGION_LAYER": region.id() if region is not None else None,
                "REGION_FIELD": self.region_field.currentField() if region is not None else None,
                "TEMPLATE": max(self.template.currentIndex(), 0), "TEMPLATE_FILE": self.template_file.filePath().strip() or None,
                "UNIT": self.unit.currentIndex(), "DECIMALS": self.decimals.value(), "PCT_DECIMALS": PCT_DECIMALS,
                "BASE_YEAR": self.base_year.text().strip(), "TARGET_YEAR": self.target_year.text().strip(),
                "REGION_NAME": self.region_name.text().strip(), "WITH_TRANSITION": self.with_transition.isChecked(),
                "WITH_FINANCE": finance, "FINANCE_TABLE": (self.finance_table.filePath().strip() or None) if finance else None,
                "TABLE": "memory:"}

    # ---------------------------------------------------------------- running
    def run(self):
        """Compute the table with the form's settings and preview it; the results dict, or None."""
        params = self.parameters()
        if params is None:
            return None
        self._last_params, self._tables = None, {}
        self._show_warnings([])
        self._show_regions()
        t0 = time.time()
        results = self._execute(params)
        if results is None:
            return None
        self._last_params = params
        decimals = params["DECIMALS"]
        self._shown = (params["BASE_YEAR"], params["TARGET_YEAR"], tr(UNIT_SHORT_LABELS[params["UNIT"]]), decimals)
        for f in results["TABLE"].getFeatures():
            self._tables.setdefault(text(f["REGION"]), []).append(
                {"ROW_ID": text(f["ROW_ID"]), "LABEL": text(f["LABEL"]), "KIND": text(f["KIND"]),
                 "DEPTH": int(_number(f["DEPTH"]) or 0), **{k: _number(f[k]) for k in AREA_COLUMNS}})
        self._show_regions()
        self._show_warnings(self.feedback.warnings)
        unit = self._shown[2]
        message = tr("Base total {0} {2}, target total {1} {2}; {3} parcels 待细分, {4} with unknown codes — {5:.1f} s").format(
            f"{results['BASE_TOTAL']:.{decimals}f}", f"{results['TARGET_TOTAL']:.{decimals}f}", unit,
            results["SPLIT_COUNT"], results["UNKNOWN_COUNT"], time.time() - t0)
        if results.get("SKIPPED_COUNT"):
            message += " " + tr("({0} features left out)").format(results["SKIPPED_COUNT"])
        self._say(message)
        self.export_button.setEnabled(True)
        return results

    def _show_warnings(self, warnings):
        self.warnings = self.warning_area.set_warnings(warnings, self.table.width())

    def resizeEvent(self, event):  # noqa: N802 - Qt name
        super().resizeEvent(event)
        if self.warnings:
            self.warning_area.fit(self.table.width())

    # ---------------------------------------------------------------- preview
    def _set_headers(self, base_year: str, target_year: str, unit: str):
        self.table.setHorizontalHeaderLabels([
            tr("Row"), tr("Land-use type"), f"{tr('Base area')}\n{base_year} ({unit})", tr("Share (%)"),
            f"{tr('Target area')}\n{target_year} ({unit})", tr("Share (%)"), f"{tr('Change')}\n({unit})",
            tr("Change rate (%)")])

    def _show_regions(self):
        """Fill the region chooser (shown when the table has regions) and show the whole area."""
        self.preview_region.blockSignals(True)
        self.preview_region.clear()
        self.preview_region.addItems(sorted(self._tables, key=lambda r: r != WHOLE_AREA))
        self.preview_region.blockSignals(False)
        several = len(self._tables) > 1
        self.preview_label.setVisible(several)
        self.preview_region.setVisible(several)
        self._show_table(WHOLE_AREA)

    def _show_table(self, region: str):
        self.table.clearContents()
        self.table.setRowCount(0)
        rows = self._tables.get(region, [])
        if not rows or self._shown is None:
            return
        base_year, target_year, unit, decimals = self._shown
        self._set_headers(base_year, target_year, unit)
        self.table.setRowCount(len(rows))
        pseudo_tip = tr("Parcels whose code is blank, unknown or outside the template: see the sheet 待细分与未识别 of the Excel report.")
        for r, row in enumerate(rows):
            kind = row["KIND"]
            row_id = row["ROW_ID"] if kind in ("leaf", "group") else ""
            cells = [row_id, INDENT * max(row["DEPTH"], 0) + row["LABEL"]] + [row[k] for k in AREA_COLUMNS]
            for col, value in enumerate(cells):
                if col < 2:
                    item = QTableWidgetItem(value)
                else:
                    places = decimals if AREA_COLUMNS[col - 2] in ("BASE_AREA", "TARGET_AREA", "CHANGE") else PCT_DECIMALS
                    item = QTableWidgetItem("" if value is None else f"{value:.{places}f}")
                    item.setData(NUMBER, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                font = item.font()
                font.setBold(kind in ("group", "total"))
                font.setItalic(kind == "memo")
                item.setFont(font)
                colour = PSEUDO_COLOUR if kind in PSEUDO_KINDS else TOTAL_COLOUR if kind == "total" else None
                if colour is not None:
                    item.setBackground(colour)
                    item.setForeground(QColor(Qt.GlobalColor.black))
                if kind in PSEUDO_KINDS:
                    item.setToolTip(pseudo_tip)
                self.table.setItem(r, col, item)
