"""资产包划定 form: pick the parcels (DLTB), the plan (GHYD), the exclusion layers (永久基本农田, 生态保护红线) and the
constraints, run guotukit:assetpackages, add the packages and the parcel assignment to the project, browse the packages
(selecting a row selects the package on the map and zooms to it) and export the Excel report.

Running, Cancel, error messages and the export are :class:`~.common.AlgorithmDialog`'s: the form runs the same
algorithm as the toolbox and qgis_process through ``processing.run``, so its packages are theirs (same seed, same
packages).
"""
from __future__ import annotations

import math
import time

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFillSymbol,
    QgsMapLayerProxyModel,
    QgsPalLayerSettings,
    QgsProject,
    QgsRendererCategory,
    QgsVectorLayerSimpleLabeling,
)
from qgis.gui import QgsDoubleSpinBox, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ..plugin.i18n import tr
from ..processing_provider.algorithms.asset_packages import (
    CURRENT_SYSTEM_LABELS,
    OWNER_RULE_LABELS,
    PLANNED_FIELDS,
    PLANNED_SYSTEM_LABELS,
    PUBLIC_BASIS_LABELS,
)
from .common import (
    NUMBER,
    AlgorithmDialog,
    NumberCell,
    ResultFilter,
    WarningsArea,
    field_combo,
    field_like,
    fit_to_screen,
    name_matches,
    pick_layer,
    polygon_layer_combo,
    reflow_row,
    settings_over_results,
    text,
)

ALG_ID = "guotukit:assetpackages"
# layers: the whole name or its end first ("county — DLTB"), then anywhere in the name, any case
PARCEL_LAYER_NAMES = ("DLTB", "地类图斑")
PLAN_LAYER_NAMES = ("GHYD", "规划")
EXCLUDE_LAYER_NAMES = ("YJJBNT", "YJJBNTBHTB", "永久基本农田", "STBHHX", "生态保护红线")  # whole name or its end only
# fields, first found wins
CURRENT_CODE_FIELDS, OWNERSHIP_FIELDS, OWNER_UNIT_FIELDS, AREA_FIELDS = ("DLBM",), ("QSXZ",), ("QSDWDM",), ("TBMJ",)
PLAN_CODE_FIELDS = PLANNED_FIELDS + ("DLBM",)  # the algorithm's own fallback for the plan layer
UNIT_FIELDS = ("XZQDM", "ZLDWDM", "XZQMC", "ZLDWMC")
# the table: one column per field of the PACKAGES layer, numbers shown with these decimals
COLUMN_FIELDS = ("PKG_ID", "AREA_HA", "PUBLIC_PCT", "BALANCE", "COMPACT", "STATUS", "FAILED")
COLUMN_LABELS = ("Id", "Area (ha)", "Public share (%)", "Balance (万元)", "Compactness", "Result", "Failed checks")
# the places the workbook prints (公顷 4, % 2, 万元 2): the layer holds the ledger's printed figures, so the
# table shows the same digits as 资产包汇总
DECIMALS = {"AREA_HA": 4, "PUBLIC_PCT": 2, "BALANCE": 2, "COMPACT": 3}
STATUS_LABELS = {"pass": "Pass", "fail": "Fail"}
ROW_COLOURS = {"pass": QColor(206, 236, 200), "fail": QColor(248, 200, 200)}  # light green, light red
MAP_COLOURS = {"pass": "60,160,60,110", "fail": "220,40,40,150"}


def _number(value):
    """A float, or None for NULL, empty, NaN or not a number."""
    try:
        x = None if text(value) == "" else float(value)
    except (TypeError, ValueError):
        return None
    return None if x is None or math.isnan(x) else x



class PackagesDialog(AlgorithmDialog):
    ALG_ID = ALG_ID
    RESULT_KEY = "PACKAGES"

    def __init__(self, iface=None, parent=None, canvas=None):
        super().__init__(iface, parent)
        self.canvas = canvas  # used without an iface (tests)
        self.warnings = []
        self.packages_layer_id = self.assignment_layer_id = None  # the last run's layers in the project
        self._fids = {}  # PKG_ID -> feature id in the packages layer
        self.setWindowTitle(tr("Asset package delineation"))
        self._build()
        self.preselect()
        self.watch_project_layers((self.parcels_combo, self.plan_combo, self.unit_combo))
        fit_to_screen(self)

    def form_title(self) -> str:
        return tr("Asset package delineation")

    def failure_text(self, exc) -> str:
        return tr("The package delineation failed: {0}").format(exc)

    def busy_text(self) -> str:
        return tr("Delineating the packages…")

    def export_file_name(self) -> str:
        region = self.region_name.text().strip()
        return (f"{region} " if region else "") + tr("Asset package delineation")

    # ---------------------------------------------------------------- widgets
    def _number_box(self, value, low, high, decimals=2, suffix=""):
        box = QgsDoubleSpinBox(self)
        box.setRange(low, high)
        box.setDecimals(decimals)
        box.setValue(value)
        box.setClearValue(value)
        box.setSuffix(suffix)
        return box

    def _build(self):
        # parcels and plan
        self.parcels_combo = polygon_layer_combo(self, False)
        self.current_code_field, self.planned_code_field = field_combo(self), field_combo(self)
        self.ownership_field, self.owner_unit_field = field_combo(self), field_combo(self)
        self.area_field, self.exclude_field, self.locked_field = field_combo(self, True), field_combo(self), field_combo(self)
        self.current_system, self.planned_system = QComboBox(self), QComboBox(self)
        self.current_system.addItems([tr(x) for x in CURRENT_SYSTEM_LABELS])
        self.planned_system.addItems([tr(x) for x in PLANNED_SYSTEM_LABELS])
        self.parcels_combo.layerChanged.connect(self._parcels_changed)
        self.plan_combo = polygon_layer_combo(self, True)
        self.plan_combo.setToolTip(tr("Plan layer (when parcels carry no planned code)"))
        self.plan_code_field = field_combo(self)
        self.plan_combo.layerChanged.connect(self._plan_changed)
        self.planned_code_field.fieldChanged.connect(self._planned_field_changed)
        # exclusions and units
        self.exclude_model = QgsMapLayerProxyModel(self)
        self.exclude_model.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.exclude_model.sourceLayerModel().setItemsCheckable(True)
        self.exclude_list = QListView(self)
        self.exclude_list.setModel(self.exclude_model)
        self.exclude_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lines = self.fontMetrics().lineSpacing()
        self.exclude_list.setMinimumHeight(4 * lines)
        self.exclude_list.setMaximumHeight(7 * lines)
        self.exclude_list.setToolTip(tr("Parcels inside a checked layer (by at least half of their area) never enter a package."))
        self.unit_combo = polygon_layer_combo(self, True)
        self.unit_field = field_combo(self)
        self.unit_combo.layerChanged.connect(self._unit_changed)
        # constraints
        self.min_area = self._number_box(20.0, 0.0001, 1e6, 2)   # the label carries the unit (公顷)
        self.max_area = self._number_box(200.0, 0.0001, 1e6, 2)
        self.public_min = self._number_box(20.0, 0.0, 100.0, 1)
        self.public_max = self._number_box(60.0, 0.0, 100.0, 1)
        self.public_basis = QComboBox(self)
        self.public_basis.addItems([tr(x) for x in PUBLIC_BASIS_LABELS])
        self.balance_min = self._number_box(0.0, -1e7, 1e7, 2)
        self.gap_tolerance = self._number_box(0.0, 0.0, 1000.0, 2)
        self.owner_units = QComboBox(self)
        self.owner_units.addItems([tr(x) for x in OWNER_RULE_LABELS])
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2 ** 31 - 1)
        self.seed.setValue(1)
        self.seed.setToolTip(tr("The same seed gives the same packages; another seed gives another valid layout to compare."))
        # finance and report
        self.allow_by_profile = QCheckBox(tr("Let the rule profile admit excluded parcels"), self)
        self.allow_by_profile.setToolTip(tr("A parcel inside an exclusion layer still takes part when the rule profile passes its "
                                            "planned class there (e.g. forest staying forest in 生态保护红线 一般控制区)."))
        self.rule_profile = QgsFileWidget(self)
        self.rule_profile.setFilter(tr("Rule profiles (*.csv *.xlsx)"))
        self.rule_profile.lineEdit().setPlaceholderText(tr("National default profile (draft)"))
        self.rule_profile.setEnabled(False)
        self.allow_by_profile.toggled.connect(self.rule_profile.setEnabled)
        self.finance_table = QgsFileWidget(self)
        self.finance_table.setFilter(tr("Tables (*.csv *.xlsx)"))
        self.finance_table.lineEdit().setPlaceholderText(tr("Built-in EXAMPLE unit values (replace them with local prices)"))
        self.finance_note = QLabel(tr("Empty: the shipped finance table, whose unit values are EXAMPLES, not the prices of "
                                      "any place. Choose a table of local prices before using the balances."), self)
        self.finance_note.setWordWrap(True)
        self.finance_note.setStyleSheet("QLabel { background: #fff4ce; color: #5a4200; padding: 4px; }")
        self.finance_table.fileChanged.connect(lambda path: self.finance_note.setVisible(not path.strip()))
        self.region_name = QLineEdit(self)
        self.region_name.setPlaceholderText(tr("e.g. 某某县 (in the title)"))

        def group(title, rows):
            box, form = QGroupBox(title, self), QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for label, widget in rows:
                form.addRow(*((label, widget) if label else (widget,)))
            box.setLayout(form)
            return box

        parcels = group(tr("Parcels and plan"), [
            (tr("Parcels (DLTB)"), self.parcels_combo), (tr("Current land-use code field"), self.current_code_field),
            (tr("Current classification"), self.current_system), (tr("Planned land-use code field"), self.planned_code_field),
            (tr("Planned classification"), self.planned_system),
            (tr("Plan layer (GHYD)"), self.plan_combo), (tr("Plan layer code field"), self.plan_code_field),
            (tr("Ownership field (QSXZ)"), self.ownership_field), (tr("Ownership unit field (QSDWDM)"), self.owner_unit_field),
            (tr("Area field (m²)"), self.area_field)])
        exclude_label = QLabel(tr("Exclusion layers (e.g. 永久基本农田, 生态保护红线)"), self)
        exclude_label.setWordWrap(True)
        exclusions = group(tr("Exclusions and units"), [
            ("", exclude_label), ("", self.exclude_list), (tr("Exclusion field"), self.exclude_field),
            ("", self.allow_by_profile), (tr("Rule profile (CSV or xlsx)"), self.rule_profile),
            (tr("Unit layer (walls)"), self.unit_combo), (tr("Unit identifier field"), self.unit_field),
            (tr("Locked package field"), self.locked_field)])
        rules = group(tr("Constraints"), [
            (tr("Minimum package area (ha)"), self.min_area), (tr("Maximum package area (ha)"), self.max_area),
            (tr("Public share minimum (%)"), self.public_min), (tr("Public share maximum (%)"), self.public_max),
            (tr("Public share of"), self.public_basis), (tr("Minimum balance (万元)"), self.balance_min),
            (tr("Gap tolerance (m)"), self.gap_tolerance), (tr("Ownership units"), self.owner_units),
            (tr("Random seed"), self.seed)])
        finance = group(tr("Finance and report"), [
            (tr("Finance table (CSV or xlsx)"), self.finance_table), ("", self.finance_note), (tr("Region name"), self.region_name)])
        self._inputs = (parcels, exclusions, rules, finance)

        run_row = self._make_run_controls(tr("Delineate packages"), tr("Export Excel report…"),
                                          tr("Choose the layers and the constraints, then delineate the packages."))
        self.what_if_button = self.buttons.addButton(tr("Test relaxing the binding constraints"),
                                                     QDialogButtonBox.ButtonRole.ActionRole)
        self.what_if_button.setToolTip(tr("Delineate again with one constraint relaxed at a time and report what each gains."))
        self.what_if_button.setEnabled(False)
        self.what_if_button.clicked.connect(self.test_relaxations)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setVisible(False)
        self.warning_area = WarningsArea(self)
        self.warning_label = self.warning_area.label

        self.table = QTableWidget(0, len(COLUMN_FIELDS), self)
        self.table.setHorizontalHeaderLabels([tr(x) for x in COLUMN_LABELS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setToolTip(tr("Select a row to select its package on the map and zoom to it."))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMN_FIELDS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._row_selected)

        for combo in self.findChildren(QComboBox):  # long items (basis labels, layer names) must not widen the form
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        # the settings above (scrolling on a small screen), the run and the packages below: drag the handle between
        settings, results = QWidget(self), QWidget(self)
        top = reflow_row(QHBoxLayout(settings))
        top.setContentsMargins(0, 0, 0, 0)
        right = QVBoxLayout()
        right.addWidget(rules)
        right.addWidget(finance)
        right.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(exclusions)
        middle.addStretch(1)
        top.addWidget(parcels, 1)
        top.addLayout(middle, 1)
        top.addLayout(right, 1)
        lower = QVBoxLayout(results)
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addLayout(run_row)
        lower.addWidget(self.summary)
        lower.addWidget(self.warning_area)
        self.status_filter = ResultFilter(self, self.table, lambda: COLUMN_FIELDS.index("STATUS"),
                                          [(tr("Pass") + " 通过", ("通过", "Pass")), (tr("Fail") + " 不通过", ("不通过", "Fail"))])
        lower.addLayout(self.status_filter.row(self))
        lower.addWidget(self.table, 1)
        self.table.setMinimumHeight(6 * self.table.verticalHeader().defaultSectionSize())
        self.splitter = settings_over_results(self, settings, results, self.status, self.buttons)

    # ---------------------------------------------------------------- layers and fields
    def preselect(self):
        """Pick the layers by their usual names (DLTB, GHYD or 规划; YJJBNT and STBHHX checked as exclusions) and
        their fields (DLBM, GHDLBM, QSXZ, QSDWDM, TBMJ)."""
        layers = [self.parcels_combo.layer(i) for i in range(self.parcels_combo.count())]
        layers = [lyr for lyr in layers if lyr is not None]
        parcels = pick_layer(layers, PARCEL_LAYER_NAMES)
        if parcels is not None:
            self.parcels_combo.setLayer(parcels)
        self.plan_combo.setLayer(pick_layer(layers, PLAN_LAYER_NAMES, exclude={parcels.id()} if parcels is not None else ()))
        self.unit_combo.setLayer(None)
        self.set_excluded([lyr for lyr in layers if any(name_matches(lyr.name(), n) for n in EXCLUDE_LAYER_NAMES)])
        self._parcels_changed(self.parcels_combo.currentLayer())
        self._plan_changed(self.plan_combo.currentLayer())
        self._unit_changed(self.unit_combo.currentLayer())

    def set_layers(self, **layers):
        """set_layers(parcels=..., plan=..., unit=...); None empties an optional combo."""
        self._auto_layers = False
        for key, layer in layers.items():
            getattr(self, f"{key}_combo").setLayer(layer)

    def set_excluded(self, layers):
        """Check exactly these layers in the list of exclusion layers."""
        self.exclude_model.sourceLayerModel().setLayersChecked([lyr for lyr in layers if lyr is not None])

    def excluded_layers(self):
        """The checked exclusion layers that are (still) polygon layers of the list, in the list's order."""
        checked = {lyr.id() for lyr in self.exclude_model.sourceLayerModel().layersChecked()}
        model = self.exclude_model
        rows = (model.sourceLayerModel().layerFromIndex(model.mapToSource(model.index(r, 0))) for r in range(model.rowCount()))
        return [lyr for lyr in rows if lyr is not None and lyr.id() in checked]

    @staticmethod
    def _fill(layer, combos):
        for combo, names in combos:
            combo.setLayer(layer)
            combo.setField(field_like(layer, names))

    def _parcels_changed(self, layer):
        self._fill(layer, ((self.current_code_field, CURRENT_CODE_FIELDS), (self.planned_code_field, PLANNED_FIELDS),
                           (self.ownership_field, OWNERSHIP_FIELDS), (self.owner_unit_field, OWNER_UNIT_FIELDS),
                           (self.area_field, AREA_FIELDS), (self.exclude_field, ()), (self.locked_field, ())))
        self._planned_field_changed(self.planned_code_field.currentField())

    def _plan_changed(self, layer):
        self._fill(layer, ((self.plan_code_field, PLAN_CODE_FIELDS),))
        self.plan_code_field.setEnabled(layer is not None and not self.planned_code_field.currentField())

    def _planned_field_changed(self, field):
        """A planned code on the parcels wins: the plan layer is then not used (nor passed)."""
        self.plan_combo.setEnabled(not field)
        self.plan_code_field.setEnabled(not field and self.plan_combo.currentLayer() is not None)

    def _unit_changed(self, layer):
        self._fill(layer, ((self.unit_field, UNIT_FIELDS),))
        self.unit_field.setEnabled(layer is not None)

    def parameters(self):
        """The algorithm's parameters from the form (layers by id), or None after telling the user why.

        An empty optional field is passed as "" (the algorithm then looks for its standard name)."""
        parcels = self.parcels_combo.currentLayer()
        if parcels is None:
            self._fail(tr("Choose the parcels layer (DLTB)."))
            return None
        lo, hi = self.min_area.value(), self.max_area.value()
        if hi < lo:  # the algorithm's own check, before running
            self._fail(tr("The maximum package area ({0} ha) is smaller than the minimum ({1} ha).").format(hi, lo))
            return None
        lo, hi = self.public_min.value(), self.public_max.value()
        if hi < lo:
            self._fail(tr("The public share maximum ({0} %) is below the minimum ({1} %).").format(hi, lo))
            return None
        planned = self.planned_code_field.currentField()
        plan = self.plan_combo.currentLayer() if not planned else None
        unit = self.unit_combo.currentLayer()
        return {"PARCELS": parcels.id(), "CURRENT_CODE_FIELD": self.current_code_field.currentField(),
                "CURRENT_SYSTEM": self.current_system.currentIndex(), "PLANNED_CODE_FIELD": planned,
                "PLANNED_SYSTEM": self.planned_system.currentIndex(), "PLAN_LAYER": plan.id() if plan is not None else None,
                "PLAN_CODE_FIELD": self.plan_code_field.currentField() if plan is not None else None,
                "OWNERSHIP_FIELD": self.ownership_field.currentField(), "OWNER_UNIT_FIELD": self.owner_unit_field.currentField(),
                "AREA_FIELD": self.area_field.currentField(), "UNIT_LAYER": unit.id() if unit is not None else None,
                "UNIT_FIELD": self.unit_field.currentField() if unit is not None else None,
                "EXCLUDE_LAYERS": [lyr.id() for lyr in self.excluded_layers()],
                "EXCLUDE_FIELD": self.exclude_field.currentField() or None,
                "ALLOW_BY_PROFILE": self.allow_by_profile.isChecked(),
                "RULE_PROFILE": (self.rule_profile.filePath().strip() or None) if self.allow_by_profile.isChecked() else None,
                "FINANCE_TABLE": self.finance_table.filePath().strip() or None,
                "MIN_AREA": self.min_area.value(), "MAX_AREA": self.max_area.value(),
                "PUBLIC_SHARE_MIN": self.public_min.value(), "PUBLIC_SHARE_MAX": self.public_max.value(),
                "PUBLIC_BASIS": self.public_basis.currentIndex(), "BALANCE_MIN": self.balance_min.value(),
                "GAP_TOLERANCE": self.gap_tolerance.value(), "OWNER_UNITS": self.owner_units.currentIndex(),
                "LOCKED_FIELD": self.locked_field.currentField() or None, "SEED": self.seed.value(),
                "REGION_NAME": self.region_name.text().strip(), "PACKAGES": "memory:", "ASSIGNMENT": "memory:"}

    # ---------------------------------------------------------------- running
    def run(self):
        """Delineate with the form's settings, add the two layers to the project and list the packages; the results
        dict, or None."""
        params = self.parameters()
        if params is None:
            return None
        self._last_params = self.packages_layer_id = self.assignment_layer_id = None
        self._show_packages(None)
        self._show_summary("")
        self._show_warnings([])
        t0 = time.time()
        results = self._execute(params)
        if results is None:
            return None
        self._last_params = params
        packages, assignment = results["PACKAGES"], results["ASSIGNMENT"]
        self._add_result_layers(packages, assignment, params["SEED"])
        self._show_packages(packages)
        self._show_warnings(self.feedback.warnings)
        summary = tr("{0} packages, {1} failing a constraint; {2} eligible parcels left out ({3:.1f} %) — {4:.1f} s").format(
            results["PACKAGE_COUNT"], results["FAILED_COUNT"], results["LEFT_OUT_COUNT"], results["LEFT_OUT_PCT"], time.time() - t0)
        if results.get("BINDING"):
            summary += "\n" + results["BINDING"]
        self._show_summary(summary)
        self._say(summary)
        self.export_button.setEnabled(True)
        self.what_if_button.setEnabled(True)
        return results

    def test_relaxations(self):
        """Delineate again with the last run's settings and one binding constraint relaxed at a time; the summary
        shows what each relaxation gains, and a later Excel export carries the table. The results dict, or None."""
        if not self._last_params:
            return None
        params = dict(self._last_params, WHAT_IF=True)
        results = self._execute(params)
        if results is None:
            return None
        self._last_params = params
        lines = [line for line in (results.get("BINDING") or "").split("\n") if line]
        head = self.summary.text().split("\n")[0]
        self._show_summary("\n".join([head] + lines))
        self._say(lines[-1] if lines else tr("No constraint keeps parcels out."))
        return results

    def _busy(self, running: bool):
        super()._busy(running)
        self.what_if_button.setEnabled(not running and self._last_params is not None)

    def _add_result_layers(self, packages, assignment, seed):
        packages.setName(tr("Asset packages (seed {0})").format(seed))
        packages.setRenderer(QgsCategorizedSymbolRenderer("STATUS", [
            QgsRendererCategory(code, QgsFillSymbol.createSimple({"color": colour, "outline_color": "40,40,40", "outline_width": "0.4"}),
                                tr(STATUS_LABELS[code])) for code, colour in MAP_COLOURS.items()]))
        labels = QgsPalLayerSettings()
        labels.fieldName = "PKG_ID"
        packages.setLabeling(QgsVectorLayerSimpleLabeling(labels))
        packages.setLabelsEnabled(True)
        assignment.setName(tr("Parcel assignment (seed {0})").format(seed))
        assignment.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "150,150,150", "outline_width": "0.1"}))
        # the project owns them (looked up by id); one group per run at the top of the layer tree
        project = QgsProject.instance()
        project.addMapLayers([packages, assignment], False)
        group = project.layerTreeRoot().insertGroup(0, tr("Asset packages (seed {0})").format(seed) + time.strftime(" %H:%M"))
        group.addLayer(assignment)
        group.insertLayer(0, packages)
        self.packages_layer_id, self.assignment_layer_id = packages.id(), assignment.id()

    def packages_layer(self):
        """The last run's packages layer, or None when the user removed it from the project."""
        return QgsProject.instance().mapLayer(self.packages_layer_id) if self.packages_layer_id else None

    def _show_summary(self, summary: str):
        self.summary.setText(summary)
        self.summary.setVisible(bool(summary))

    def _show_warnings(self, warnings):
        self.warnings = self.warning_area.set_warnings(warnings, self.table.width())

    # ---------------------------------------------------------------- packages
    def _show_packages(self, layer):
        """One row per package from the PACKAGES layer's attributes, coloured by its status; None empties the table."""
        self.table.setSortingEnabled(False)
        self.table.clearContents()
        self.table.setRowCount(0)
        self._fids = {}
        if layer is None:
            return
        features = list(layer.getFeatures())
        self.table.setRowCount(len(features))
        for row, f in enumerate(features):
            status = text(f["STATUS"])
            self._fids[text(f["PKG_ID"])] = f.id()
            colour = ROW_COLOURS.get(status)
            for col, key in enumerate(COLUMN_FIELDS):
                places = DECIMALS.get(key)
                if places is None:
                    value = text(f[key])
                    item = NumberCell(tr(STATUS_LABELS[value]) if key == "STATUS" and value in STATUS_LABELS else value)
                    item.setData(NUMBER, value)
                else:
                    value = _number(f[key])
                    blank = tr("not applicable") if key == "PUBLIC_PCT" else ""   # 资源类: no construction land
                    item = NumberCell(blank if value is None else f"{value:.{places}f}")
                    item.setData(NUMBER, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if colour is not None:
                    item.setBackground(colour)
                    item.setForeground(QColor(Qt.GlobalColor.black))
                if key == "FAILED" and item.text():
                    item.setToolTip(item.text())
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.status_filter.apply()
        self.table.sortItems(0, Qt.SortOrder.AscendingOrder)

    def _row_selected(self):
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) == 1:
            self.select_package(self.table.item(rows.pop(), 0).text())

    def select_package(self, package_id: str) -> bool:
        """Select the package's feature in the packages layer and zoom the map to it (when there is a map); False when
        the package or its layer is gone."""
        layer, fid = self.packages_layer(), self._fids.get(package_id)
        if layer is None or fid is None:
            return False
        layer.selectByIds([fid])
        canvas = self.iface.mapCanvas() if self.iface is not None else self.canvas
        feature = layer.getFeature(fid)
        if canvas is None or not feature.hasGeometry():
            return True
        try:
            rect = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(),
                                          QgsProject.instance()).transformBoundingBox(feature.geometry().boundingBox())
        except QgsCsException:
            return True
        rect.scale(1.3)  # a margin of context around the package
        canvas.setExtent(rect)
        canvas.refresh()
        canvas.flashGeometries([feature.geometry()], layer.crs())
        return True
