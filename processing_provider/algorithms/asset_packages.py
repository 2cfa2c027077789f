"""guotukit:assetpackages (划定资产包) and guotukit:validatepackages (校核资产包)."""
from __future__ import annotations

import os
import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...plugin.i18n import tr
from .. import gate, qgis_io
from ..worker import beside_event_loop
from .base import GuotuKitAlgorithm
from .compliance_check import POLICIES, POLICY_LABELS, ZONE_FIELDS, multi_wkbs, wkb_geometry

ZONE_FIELD_NAMES = tuple(f for names in ZONE_FIELDS.values() for f in names)

CURRENT_SYSTEMS = ("sandiao", "ydyh2023", "ydyh2020")
CURRENT_SYSTEM_LABELS = ("三调工作分类", "用地用海2023", "用地用海2020 (trial)")
PLANNED_SYSTEMS = ("ydyh2023", "ydyh2020")
PLANNED_SYSTEM_LABELS = ("用地用海2023", "用地用海2020 (trial)")
PLANNED_FIELDS = ("GHDLBM", "GHYTDM", "YDYHDM", "GHDL")
PUBLIC_BASES = ("construction", "total")
PUBLIC_BASIS_LABELS = ("Share of construction land (公益性 + 经营性)", "Share of the whole package area")
OWNER_RULES = ("report", "keep")
OWNER_RULE_LABELS = ("Split allowed, reported per package", "Keep each ownership unit whole")
ID_FIELDS = ("BSM", "TBBH")
LAYER_DEFAULTS = {"CURRENT_CODE_FIELD": "DLBM", "OWNERSHIP_FIELD": "QSXZ", "OWNER_UNIT_FIELD": "QSDWDM",
                  "OWNER_NAME_FIELD": "QSDWMC", "AREA_FIELD": "TBMJ"}


class _PackagesBase(GuotuKitAlgorithm):
    PARCELS = "PARCELS"
    ID_FIELD = "ID_FIELD"
    CURRENT_CODE_FIELD = "CURRENT_CODE_FIELD"
    CURRENT_SYSTEM = "CURRENT_SYSTEM"
    PLANNED_CODE_FIELD = "PLANNED_CODE_FIELD"
    PLANNED_SYSTEM = "PLANNED_SYSTEM"
    PLAN_LAYER = "PLAN_LAYER"
    PLAN_CODE_FIELD = "PLAN_CODE_FIELD"
    OWNERSHIP_FIELD = "OWNERSHIP_FIELD"
    OWNER_UNIT_FIELD = "OWNER_UNIT_FIELD"
    OWNER_NAME_FIELD = "OWNER_NAME_FIELD"
    AREA_FIELD = "AREA_FIELD"
    UNIT_LAYER = "UNIT_LAYER"
    UNIT_FIELD = "UNIT_FIELD"
    EXCLUDE_LAYERS = "EXCLUDE_LAYERS"
    EXCLUDE_SHARE = "EXCLUDE_SHARE"
    EXCLUDE_FIELD = "EXCLUDE_FIELD"
    ALLOW_BY_PROFILE = "ALLOW_BY_PROFILE"
    RULE_PROFILE = "RULE_PROFILE"
    CONDITION_LAYERS = "CONDITION_LAYERS"
    FINANCE_TABLE = "FINANCE_TABLE"
    MIN_AREA = "MIN_AREA"
    MAX_AREA = "MAX_AREA"
    PUBLIC_SHARE_MIN = "PUBLIC_SHARE_MIN"
    PUBLIC_SHARE_MAX = "PUBLIC_SHARE_MAX"
    PUBLIC_BASIS = "PUBLIC_BASIS"
    BALANCE_MIN = "BALANCE_MIN"
    RATIO_MIN = "RATIO_MIN"
    GAP_TOLERANCE = "GAP_TOLERANCE"
    OWNER_UNITS = "OWNER_UNITS"
    REGION_NAME = "REGION_NAME"
    CHECK_OVERLAPS = "CHECK_OVERLAPS"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    PACKAGES = "PACKAGES"
    ASSIGNMENT = "ASSIGNMENT"
    OUTPUT_XLSX = "OUTPUT_XLSX"
    DETAIL_ROWS = "DETAIL_ROWS"

    GROUP = "packages"
    GROUP_NAME = "Asset packages"
    ICON_FILE = "packages.svg"
    MODE = "delineate"


    # ------------------------------------------------------------------ parameters
    def _parcel_params(self):
        poly = [QgsProcessing.TypeVectorPolygon]
        self.add_param(QgsProcessingParameterFeatureSource(self.PARCELS, tr("Parcels (DLTB)"), poly),
                       "The land parcels packages are made of (地类图斑 DLTB or 清查图斑); a parcel is never split.")
        self.add_param(QgsProcessingParameterField(self.ID_FIELD, tr("Parcel identifier field"), None, self.PARCELS, optional=True),
                       "Identifier shown in the lists (BSM or TBBH; detected automatically). Not given: the feature id.", advanced=True)
        self.add_param(QgsProcessingParameterField(self.CURRENT_CODE_FIELD, tr("Current land-use code field"), "DLBM", self.PARCELS, optional=True),
                       "Current land use (DLBM). It prices the cost of preparing the land. Codes are text; 101 is read as 0101.")
        self.add_param(QgsProcessingParameterEnum(self.CURRENT_SYSTEM, tr("Current classification"), [tr(x) for x in CURRENT_SYSTEM_LABELS], defaultValue=0),
                       "Classification of the current codes; 三调 and 2020 codes are converted to 用地用海2023 (1:n codes to the default target).")
        self.add_param(QgsProcessingParameterField(self.PLANNED_CODE_FIELD, tr("Planned land-use code field"), None, self.PARCELS, optional=True),
                       "Planned land use of each parcel (用地用海 code, e.g. GHDLBM). It prices the revenue and says whether the land is 公益性 or 经营性. "
                       "Not given: taken from the plan layer below.")
        self.add_param(QgsProcessingParameterEnum(self.PLANNED_SYSTEM, tr("Planned classification"), [tr(x) for x in PLANNED_SYSTEM_LABELS], defaultValue=0),
                       "Classification of the planned codes; 2020 codes are upgraded to 2023.")
        self.add_param(QgsProcessingParameterFeatureSource(self.PLAN_LAYER, tr("Plan layer (when parcels carry no planned code)"), poly, optional=True),
                       "A 规划用地 layer: each parcel takes the planned class that covers the largest share of it.")
        self.add_param(QgsProcessingParameterField(self.PLAN_CODE_FIELD, tr("Plan layer code field"), None, self.PLAN_LAYER, optional=True),
                       "Planned code field of the plan layer (GHDLBM, GHYTDM …; detected automatically).")
        self.add_param(QgsProcessingParameterField(self.OWNERSHIP_FIELD, tr("Ownership field (QSXZ)"), "QSXZ", self.PARCELS, optional=True),
                       "权属性质: 10/20 国有, 30/31/32/33/40 集体. Gives the state and collective area of each package; state and collective land may mix.")
        self.add_param(QgsProcessingParameterField(self.OWNER_UNIT_FIELD, tr("Ownership unit field (QSDWDM)"), "QSDWDM", self.PARCELS, optional=True),
                       "权属单位代码: a unit is kept in one package or its split is reported (see the ownership rule).")
        self.add_param(QgsProcessingParameterField(self.OWNER_NAME_FIELD, tr("Ownership unit name field (QSDWMC)"), "QSDWMC", self.PARCELS, optional=True),
                       "权属单位名称, shown in the 资产清单.", advanced=True)
        self.add_param(QgsProcessingParameterField(self.AREA_FIELD, tr("Area field (m²)"), "TBMJ", self.PARCELS, QgsProcessingParameterField.Numeric, optional=True),
                       "Parcel area in m² (TBMJ, the gross 图斑面积). Not given or missing from the layer: CGCS2000 ellipsoidal area of the geometry.")
        self.add_param(QgsProcessingParameterFeatureSource(self.UNIT_LAYER, tr("Unit layer (walls)"), poly, optional=True),
                       "Optional units a package must not cross (行政村, 详规单元): parcels of different units are never neighbours. "
                       "A parcel belongs to the unit that covers most of it.")
        self.add_param(QgsProcessingParameterField(self.UNIT_FIELD, tr("Unit identifier field"), None, self.UNIT_LAYER, optional=True),
                       "Identifier or name of each unit (e.g. ZLDWDM, XZQDM). Not given: the feature id.")
        self.add_param(QgsProcessingParameterMultipleLayers(self.EXCLUDE_LAYERS, tr("Exclusion layers (e.g. 永久基本农田, 生态保护红线)"), QgsProcessing.TypeVectorPolygon, optional=True),
                       "Parcels lying inside these layers by at least the share below never enter a package; every package's overlap with them is listed in its 条件清单.")
        self.add_param(QgsProcessingParameterNumber(self.EXCLUDE_SHARE, tr("Exclusion share (%)"), QgsProcessingParameterNumber.Double, 50.0, minValue=0.0, maxValue=100.0),
                       "A parcel at least this share inside an exclusion layer is excluded (a parcel is never split). 0: any overlap excludes.", advanced=True)
        self.add_param(QgsProcessingParameterField(self.EXCLUDE_FIELD, tr("Exclusion field"), None, self.PARCELS, optional=True),
                       "A parcel field that marks parcels to leave out (any value but empty, 0, 否, N, false).")
        self.add_param(QgsProcessingParameterBoolean(self.ALLOW_BY_PROFILE, tr("Let the rule profile admit excluded parcels"), False),
                       "When ticked, a parcel inside an exclusion layer still takes part if the rule profile passes its planned class there "
                       "for project type 规划方案 (e.g. forest staying forest in 生态保护红线 一般控制区). The layer's role comes from its name "
                       "(永久基本农田/YJJBNT, 生态保护红线/STBHHX, 城镇开发边界/CZKFBJ or a role the profile names); zones from ZRBHDFQ/GHFQMC "
                       "when the layer has them. Every admission is counted in the report.", advanced=True)
        self.add_param(QgsProcessingParameterFile(self.RULE_PROFILE, tr("Rule profile (CSV or xlsx)"), optional=True, fileFilter="Rule profiles (*.csv *.xlsx)"),
                       "The rule profile used to admit excluded parcels. Not given: the national default profile (a draft; see data/rule_profiles).", advanced=True)
        self.add_param(QgsProcessingParameterMultipleLayers(self.CONDITION_LAYERS, tr("Condition layers (listed only)"), QgsProcessing.TypeVectorPolygon, optional=True),
                       "Other control layers (城镇开发边界, 地质灾害 …) whose overlap with each package is listed in the 条件清单 without excluding anything.", advanced=True)
        self.add_param(QgsProcessingParameterFile(self.FINANCE_TABLE, tr("Finance table (CSV or xlsx)"), optional=True, fileFilter="Tables (*.csv *.xlsx)"),
                       "Cost of preparing land by current class and revenue of planned land by class (万元/公顷), with 公益性/经营性. "
                       "Not given: data/finance/finance_example.csv, whose values are EXAMPLES to replace with local prices.")

    def _rule_params(self):
        self.add_param(QgsProcessingParameterNumber(self.MIN_AREA, tr("Minimum package area (ha)"), QgsProcessingParameterNumber.Double, 20.0, minValue=0.0001),
                       "Smallest package (公顷).")
        self.add_param(QgsProcessingParameterNumber(self.MAX_AREA, tr("Maximum package area (ha)"), QgsProcessingParameterNumber.Double, 200.0, minValue=0.0001),
                       "Largest package (公顷).")
        self.add_param(QgsProcessingParameterNumber(self.PUBLIC_SHARE_MIN, tr("Public share minimum (%)"), QgsProcessingParameterNumber.Double, 20.0, minValue=0.0, maxValue=100.0),
                       "Lowest share of 公益性 land in a package (丰歉搭配).")
        self.add_param(QgsProcessingParameterNumber(self.PUBLIC_SHARE_MAX, tr("Public share maximum (%)"), QgsProcessingParameterNumber.Double, 60.0, minValue=0.0, maxValue=100.0),
                       "Highest share of 公益性 land in a package.")
        self.add_param(QgsProcessingParameterEnum(self.PUBLIC_BASIS, tr("Public share of"), [tr(x) for x in PUBLIC_BASIS_LABELS], defaultValue=0),
                       "Denominator of the public share: the package's construction land (公益性 + 经营性; a package without any is a 资源类 "
                       "package and the share does not apply), or its whole area (as in 成片开发 公益性用地比例).")
        self.add_param(QgsProcessingParameterNumber(self.BALANCE_MIN, tr("Minimum balance (万元)"), QgsProcessingParameterNumber.Double, 0.0),
                       "Revenue − cost of every package must reach this figure (万元). 0: each package at least breaks even.")
        self.add_param(QgsProcessingParameterNumber(self.RATIO_MIN, tr("Minimum revenue/cost ratio"), QgsProcessingParameterNumber.Double, 0.0, minValue=0.0),
                       "Revenue / cost of every package must reach this ratio; 0 = not checked.", advanced=True)
        self.add_param(QgsProcessingParameterNumber(self.GAP_TOLERANCE, tr("Gap tolerance (m)"), QgsProcessingParameterNumber.Double, 0.0, minValue=0.0),
                       "Parcels closer than this are neighbours even without a shared edge (roads or ditches missing from the data). 0: shared edges only.")
        self.add_param(QgsProcessingParameterEnum(self.OWNER_UNITS, tr("Ownership units"), [tr(x) for x in OWNER_RULE_LABELS], defaultValue=0),
                       "Keep: the contiguous parcels of one ownership unit (QSDWDM) always go to the same package. Split allowed: "
                       "units may be divided, and each package reports how many of its units are split.")

    def _tail_params(self):
        self.add_param(QgsProcessingParameterString(self.REGION_NAME, tr("Region name"), defaultValue="", optional=True),
                       "Name of the area for the report title, e.g. 某某县.")
        self.add_param(QgsProcessingParameterBoolean(self.CHECK_OVERLAPS, tr("Check for overlapping parcels"), defaultValue=True),
                       "Find parcels that overlap each other (their overlap would count twice) and report them.", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them (make valid) and log.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.PACKAGES, tr("Packages"), QgsProcessing.TypeVectorPolygon),
                       "One dissolved polygon per package with its area, public and profitable land, state and collective land, ownership "
                       "units, cost, revenue, balance, compactness and a pass flag per constraint.")
        self.add_param(QgsProcessingParameterFeatureSink(self.ASSIGNMENT, tr("Parcel assignment"), QgsProcessing.TypeVectorPolygon),
                       "Every parcel with its package id, or the reason it is not in a package.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Workbook: 资产包汇总, 资金平衡, 六项清单 (one list, a block of rows per package), 未纳入图斑, 数据说明.")
        self.add_param(QgsProcessingParameterNumber(self.DETAIL_ROWS, tr("Rows listed on 未纳入图斑"), QgsProcessingParameterNumber.Integer,
                                                    1000, minValue=0),
                       "未纳入图斑 lists at most this many parcels (by reason); every one is in a CSV beside the workbook "
                       "(<name>_未纳入图斑.csv) and in the parcel assignment layer. 0 lists every parcel.", advanced=True)
        for key, label in (("PACKAGE_COUNT", "Packages"), ("FAILED_COUNT", "Packages failing a constraint"),
                           ("LEFT_OUT_COUNT", "Eligible parcels not in a package"), ("LEFT_OUT_PCT", "Eligible parcels not in a package (%)"),
                           ("SKIPPED_COUNT", "Parcels that cannot take part")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))
        self.addOutput(QgsProcessingOutputString("BINDING", tr("What binds")))

    def output_help(self):
        return {"PACKAGE_COUNT": tr("Number of packages."),
                "FAILED_COUNT": tr("Packages that break at least one hard constraint (always 0 for delineated packages; locked and hand-drawn ones may fail)."),
                "LEFT_OUT_COUNT": tr("Parcels that could take part but are in no package (each with its reason in the assignment layer)."),
                "LEFT_OUT_PCT": tr("The same as a share of the parcels that could take part."),
                "SKIPPED_COUNT": tr("Parcels that cannot take part: excluded, unknown class or price, missing area or geometry."),
                "BINDING": tr("The constraint that keeps the most parcels out, with figures, and what each relaxation gains when tested.")}

    # ------------------------------------------------------------------ checks
    def checkParameterValues(self, parameters, context):
        mn = self.parameterAsDouble(parameters, self.MIN_AREA, context)
        mx = self.parameterAsDouble(parameters, self.MAX_AREA, context)
        if mx < mn:
            return False, tr("The maximum package area ({0} ha) is smaller than the minimum ({1} ha).").format(mx, mn)
        lo = self.parameterAsDouble(parameters, self.PUBLIC_SHARE_MIN, context)
        hi = self.parameterAsDouble(parameters, self.PUBLIC_SHARE_MAX, context)
        if hi < lo:
            return False, tr("The public share maximum ({0} %) is below the minimum ({1} %).").format(hi, lo)
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx and not os.path.isdir(os.path.dirname(os.path.abspath(xlsx))):
            return False, tr("The folder of the Excel report {0} does not exist. Choose an existing folder.").format(xlsx)
        return super().checkParameterValues(parameters, context)

    def _rules(self, parameters, context):
        from ...core.packages import PackageRules

        return PackageRules(
            min_area_ha=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            max_area_ha=self.parameterAsDouble(parameters, self.MAX_AREA, context),
            public_min_pct=self.parameterAsDouble(parameters, self.PUBLIC_SHARE_MIN, context),
            public_max_pct=self.parameterAsDouble(parameters, self.PUBLIC_SHARE_MAX, context),
            public_basis=PUBLIC_BASES[self.parameterAsEnum(parameters, self.PUBLIC_BASIS, context)],
            balance_min=self.parameterAsDouble(parameters, self.BALANCE_MIN, context),
            ratio_min=self.parameterAsDouble(parameters, self.RATIO_MIN, context),
            owner_units=OWNER_RULES[self.parameterAsEnum(parameters, self.OWNER_UNITS, context)],
            gap_tolerance=self.parameterAsDouble(parameters, self.GAP_TOLERANCE, context),
        )

    def _field(self, parameters, key, context, src, candidates=()):
        """The chosen field; a default that the layer lacks (or nothing chosen) falls back to the
        first standard name the layer has; "" when none."""
        value = self.parameterAsString(parameters, key, context)
        explicit = parameters.get(key) not in (None, "")
        if value and src.fields().lookupField(value) >= 0:
            return value
        if value and explicit and value != LAYER_DEFAULTS.get(key):
            return value  # require_field will say it is missing
        if not explicit or value == LAYER_DEFAULTS.get(key):
            return next((f for f in candidates if src.fields().lookupField(f) >= 0), "")
        return ""

    # ------------------------------------------------------------------ run
    def run_algorithm(self, parameters, context, feedback):
        import numpy as np

        from ...core.finance import FinanceTable, FinanceTableError
        from ...core.packages import PackageRulesError
        from ...core.packages.compute import Cancelled, ControlInput, PackageInputs, run_packages

        t0 = time.time()
        log = []
        src = qgis_io.open_source(self, parameters, self.PARCELS, context, log, feedback)
        if src is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.PARCELS))
        name = qgis_io.layer_name(parameters, self.PARCELS, context, src)
        qgis_io.require_features(src, name)
        try:
            rules = self._rules(parameters, context)
            rules.check()
        except PackageRulesError as exc:
            raise QgsProcessingException(str(exc)) from exc

        cur_f = self._field(parameters, self.CURRENT_CODE_FIELD, context, src, ("DLBM",))
        if not cur_f:
            raise QgsProcessingException(tr("Layer «{0}» has no DLBM field. Choose the current land-use code field.").format(name))
        pla_f = self._field(parameters, self.PLANNED_CODE_FIELD, context, src, PLANNED_FIELDS)
        own_f = self._field(parameters, self.OWNERSHIP_FIELD, context, src, ("QSXZ",))
        unit_f = self._field(parameters, self.OWNER_UNIT_FIELD, context, src, ("QSDWDM",))
        oname_f = self._field(parameters, self.OWNER_NAME_FIELD, context, src, ("QSDWMC",))
        area_f = self._field(parameters, self.AREA_FIELD, context, src, ("TBMJ",))
        id_f = self._field(parameters, self.ID_FIELD, context, src, ID_FIELDS)
        ex_f = self.parameterAsString(parameters, self.EXCLUDE_FIELD, context)
        extra = self._extra_fields(parameters, context, src)
        for f, label in ((cur_f, tr("current land-use code field")), (pla_f, tr("planned land-use code field")),
                         (own_f, tr("ownership field")), (unit_f, tr("ownership unit field")), (oname_f, tr("ownership unit name field")),
                         (area_f, tr("area field")), (id_f, tr("parcel identifier field")), (ex_f, tr("exclusion field"))) + tuple(extra):
            if f:
                qgis_io.require_field(src, f, label, name)
        if rules.owner_units == "keep" and not unit_f:
            raise QgsProcessingException(tr("Ownership units are to be kept whole, but layer «{0}» has no ownership unit field. "
                                            "Choose the QSDWDM field or allow splits.").format(name))

        plan_src = self.parameterAsSource(parameters, self.PLAN_LAYER, context) if parameters.get(self.PLAN_LAYER) else None
        plan_name = qgis_io.layer_name(parameters, self.PLAN_LAYER, context, plan_src) if plan_src else ""
        plan_f = ""
        if not pla_f:
            if plan_src is None:
                raise QgsProcessingException(tr(
                    "Layer «{0}» has none of the usual planned code fields ({1}) and no plan layer is given. "
                    "Choose the planned land-use code field, or a plan layer (规划用地) to take the planned class from."
                ).format(name, ", ".join(PLANNED_FIELDS)))
            plan_f = self._field(parameters, self.PLAN_CODE_FIELD, context, plan_src, PLANNED_FIELDS + ("DLBM",))
            if not plan_f:
                raise QgsProcessingException(tr("Choose the planned code field of the plan layer «{0}».").format(plan_name))
            qgis_io.require_field(plan_src, plan_f, tr("plan layer code field"), plan_name)

        fpath = self.parameterAsFile(parameters, self.FINANCE_TABLE, context)
        try:
            finance = FinanceTable.load(fpath) if fpath else FinanceTable.example_table()
        except FinanceTableError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if finance.example:
            feedback.pushWarning(tr("The finance table {0} holds EXAMPLE values: replace them with local benchmark prices before using the figures.").format(finance.label))

        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        work_crs = qgis_io.working_crs_for(src, context)
        feedback.pushInfo(tr("Working CRS: {0}").format(qgis_io.crs_description(work_crs)))
        wanted = [cur_f, pla_f, own_f, unit_f, oname_f, area_f, id_f, ex_f] + [f for f, _ in extra]
        data = qgis_io.read_layer(src, list(dict.fromkeys(f for f in wanted if f)),
                                  work_crs, context, feedback, name=name,
                                  path=qgis_io.source_path(parameters, self.PARCELS, context), progress_span=(0, 10))
        if feedback.isCanceled():
            return {}
        rep = qgis_io.apply_geometry_policy(data, policy, feedback, log)
        if data.reprojected:
            log.append(f"图斑图层由 {data.crs_desc} 重投影到工作坐标系 {qgis_io.crs_description(work_crs)}")
        bad = {i: "no_geometry" for i in rep["skipped"]}
        for i in np.flatnonzero(qgis_io.missing_geometry(data.geoms)):
            bad.setdefault(int(i), "no_geometry")
        if area_f:
            parsed = qgis_io.area_field(data, area_f, feedback, log)
            area = parsed.values
            for i in parsed.bad:
                bad.setdefault(int(i), "no_area")
            how = qgis_io.area_method_zh(work_crs, "attribute", area_f)
        else:
            area, _ = qgis_io.areas_m2(data.geoms, work_crs, "ellipsoidal", context.transformContext())
            how = qgis_io.area_method_zh(work_crs, "ellipsoidal")
            feedback.pushInfo(tr("No area field: parcel areas are computed on the ellipsoid."))
        inputs = [("图斑图层", data)]

        def read_other(key, lyr=None, fields=(), span=(10, 12)):
            if lyr is None:
                s = self.parameterAsSource(parameters, key, context)
                lname = qgis_io.layer_name(parameters, key, context, s)
                d = qgis_io.read_layer(s, list(fields), work_crs, context, feedback, name=lname,
                                       path=qgis_io.source_path(parameters, key, context), progress_span=span)
            else:
                # through a feature source (as parameterAsSource does): never the project layer itself off its thread
                d = qgis_io.read_layer(QgsProcessingFeatureSource(lyr, context), list(fields), work_crs, context, feedback,
                                       name=gate.display_name(lyr), path=gate.safe_source(lyr.source()), progress_span=span)
            if len(d):
                qgis_io.apply_geometry_policy(d, policy, feedback, log)
            return d

        plan = None
        if plan_src is not None and not pla_f:
            plan = read_other(self.PLAN_LAYER, fields=[plan_f])
            inputs.append(("规划图层", plan))
        walls = None
        wall_f = ""
        if parameters.get(self.UNIT_LAYER):
            usrc = self.parameterAsSource(parameters, self.UNIT_LAYER, context)
            wall_f = self.parameterAsString(parameters, self.UNIT_FIELD, context)
            if wall_f:
                qgis_io.require_field(usrc, wall_f, tr("unit identifier field"), qgis_io.layer_name(parameters, self.UNIT_LAYER, context, usrc))
            walls = read_other(self.UNIT_LAYER, fields=[wall_f] if wall_f else [])
            inputs.append(("单元图层（边界）", walls))
        profile = None
        if self.parameterAsBool(parameters, self.ALLOW_BY_PROFILE, context):
            from ...core.compliance import RuleProfile, RuleProfileError

            profile_path = self.parameterAsFile(parameters, self.RULE_PROFILE, context)
            try:
                profile = RuleProfile.load(profile_path) if profile_path else RuleProfile.default()
            except RuleProfileError as exc:
                raise QgsProcessingException(str(exc)) from exc
        controls = []
        for key, exclude in ((self.EXCLUDE_LAYERS, True), (self.CONDITION_LAYERS, False)):
            for lyr in self.parameterAsLayerList(parameters, key, context) or []:
                lname = gate.display_name(lyr)  # «YJJBNT（county.gpkg）», never the file name every layer shares
                zfield = ""
                if exclude and profile is not None:
                    zfield = next((f for f in ZONE_FIELD_NAMES if lyr.fields().lookupField(f) >= 0), "")
                d = read_other(key, lyr, fields=[zfield] if zfield else [])
                if not len(d) or qgis_io.missing_geometry(d.geoms).all():
                    what = "排除图层" if exclude else "条件图层"
                    msg = (f"{what}「{lname}」为空或没有可用的面图形，未排除任何图斑" if exclude
                           else f"{what}「{lname}」为空或没有可用的面图形，该条件未检查")
                    log.append(msg)
                    feedback.reportError(msg + tr(" (layer «{0}» is empty: nothing was excluded or checked by it)").format(lname), False)
                    inputs.append((what, d))
                    continue
                from ...core.compliance import ROLE_ZH, role_of_layer

                sub = lyr.source().split("layername=")[-1].split("|")[0] if "layername=" in lyr.source() else ""
                known = role_of_layer(lname, sub, os.path.splitext(os.path.basename(lyr.source().split("|")[0]))[0])
                role = known if exclude and profile is not None else ""
                if role:
                    feedback.pushInfo(tr("Exclusion layer {0}: rule-profile role {1}.").format(lname, role))
                # an exclusion reason names the control line (永久基本农田 …) and its layer
                label = f"{ROLE_ZH[known]}（{lname}）" if known in ROLE_ZH else lname
                controls.append(ControlInput(label, d.geoms, exclude, role=role, zones=d.columns[zfield] if zfield else None))
                inputs.append(("排除图层" if exclude else "条件图层", d))
        if feedback.isCanceled():
            return {}
        feedback.pushInfo(tr("Read {0} parcels in {1:.1f} s.").format(len(data), time.time() - t0))

        ids = data.columns[id_f] if id_f else [str(f) for f in data.fids]
        inp = PackageInputs(
            geoms=data.geoms, area_m2=area, parcel_ids=[str(v) if v not in (None, "") else f"#{fid}" for v, fid in zip(ids, data.fids)],
            current_raw=data.columns[cur_f], current_system=CURRENT_SYSTEMS[self.parameterAsEnum(parameters, self.CURRENT_SYSTEM, context)],
            planned_raw=data.columns[pla_f] if pla_f else None,
            planned_system=PLANNED_SYSTEMS[self.parameterAsEnum(parameters, self.PLANNED_SYSTEM, context)],
            plan_geoms=plan.geoms if plan is not None else None, plan_codes=plan.columns[plan_f] if plan is not None else None,
            qsxz=data.columns[own_f] if own_f else None, owner_unit=data.columns[unit_f] if unit_f else None,
            owner_name=data.columns[oname_f] if oname_f else None,
            exclude_values=data.columns[ex_f] if ex_f else None, exclude_field=ex_f, controls=controls,
            exclude_share_pct=self.parameterAsDouble(parameters, self.EXCLUDE_SHARE, context),
            wall_geoms=walls.geoms if walls is not None else None,
            wall_ids=(walls.columns[wall_f] if wall_f else [str(f) for f in walls.fids]) if walls is not None else None,
            bad=bad, rule_profile=profile,
        )
        self._mode_inputs(parameters, context, inp, data, feedback, inputs)
        try:
            seed, overlaps = self._seed(parameters, context), self.parameterAsBool(parameters, self.CHECK_OVERLAPS, context)
            run = beside_event_loop(lambda progress, cancelled: run_packages(
                inp, rules, finance, mode=self.MODE, seed=seed, check_overlaps=overlaps, progress=progress, cancelled=cancelled),
                feedback, (12, 90))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        res = run.result
        said = []
        if run.binding is not None and len(run.binding):
            top = run.binding.iloc[0]
            said.append(tr("The constraint that keeps the most parcels out: {0} ({1} parcels, {2} of them proven unplaceable).").format(
                top["label"], int(top["parcels"]), int(top["proven"])))
            feedback.pushInfo(said[-1])
            if self.MODE == "delineate" and self.parameterAsBool(parameters, self.WHAT_IF, context):
                from ...core.packages.whatif import what_if
                try:
                    run.what_if = beside_event_loop(lambda progress, cancelled: what_if(
                        run.parcels, run.adjacency, rules, res, seed=seed, progress=progress, cancelled=cancelled),
                        feedback, (90, 98))
                except Cancelled:
                    feedback.pushWarning(tr("Cancelled: nothing was written."))
                    return {}
                for r in run.what_if.itertuples():
                    if r.constraint:
                        said.append(tr("What-if {0}: {1} → {2} parcels packaged ({3:+d}).").format(
                            r.label, r.change, int(r.packaged), int(r.gained)))
                        feedback.pushInfo(said[-1])
        feedback.pushInfo(tr("Timings: {0}").format(", ".join(f"{k} {v:.2f} s" for k, v in run.timings.items())))
        for note in run.notes:
            feedback.pushWarning(note)
        for d in res.diagnosis:
            feedback.reportError(d, False)
        # the package outlines (a GEOS union, GIL released) are dissolved in a thread while this one writes
        # the parcel layer and works out the printed figures
        from concurrent.futures import ThreadPoolExecutor

        from ...core.packages import package_geometries

        pool = ThreadPoolExecutor(1, thread_name_prefix="guotukit-outlines")
        try:
            outlines = pool.submit(package_geometries, data.geoms, res.labels) if len(res.packages) else None
            results = {self.ASSIGNMENT: self._write_assignment(parameters, context, data, run, work_crs)}
            results[self.PACKAGES], ledger = self._write_packages(parameters, context, data, run, work_crs, rules, finance,
                                                                  outlines)
        finally:
            pool.shutdown(wait=True)
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx:
            self._write_xlsx(parameters, context, xlsx, run, rules, finance, inputs, how, work_crs, log, policy, ledger)
            results[self.OUTPUT_XLSX] = xlsx
        pk = res.packages
        n_fail = int((pk["status"] == "fail").sum()) if len(pk) else 0
        results.update({"PACKAGE_COUNT": int(len(pk)), "FAILED_COUNT": n_fail,
                        "LEFT_OUT_COUNT": int(res.stats.get("left_out", 0)), "LEFT_OUT_PCT": float(res.stats.get("left_out_pct", 0.0)),
                        "SKIPPED_COUNT": int((run.parcels.reason != "").sum()), "BINDING": "\n".join(said)})
        feedback.pushInfo(tr("{0} packages ({1} failing a constraint); {2} eligible parcels not in a package ({3:.1f} %); {4:.1f} s.").format(
            len(pk), n_fail, results["LEFT_OUT_COUNT"], results["LEFT_OUT_PCT"], time.time() - t0))
        return results

    # hooks for the two modes
    def _extra_fields(self, parameters, context, src):
        return []

    def _mode_inputs(self, parameters, context, inp, data, feedback, inputs):
        return None

    def _seed(self, parameters, context):
        return 0

    # ------------------------------------------------------------------ outputs
    def _write_packages(self, parameters, context, data, run, crs, rules, finance, outlines=None):
        """The package layer and the run's ledger of printed figures (the workbook reuses it);
        ``outlines``: a future of package_geometries() when it runs beside (else here)."""

        from ...core.packages import CHECKS, package_geometries
        from ...core.packages.ledger import PackageReportData, package_ledger

        # the printed figures (one ledger for the layer and every sheet) beside the exact area
        ledger = package_ledger(PackageReportData(
            packages=run.result.packages, parcels=run.frame, rules=rules, finance_label=finance.label,
            finance_example=finance.example, diagnosis=[], stats={}, conditions=run.conditions, provenance=[], title=""))
        printed = ledger.summaries
        spec = [("PKG_ID", QVariant.String), ("KIND", QVariant.String), ("N_PARCELS", QVariant.Int),
                ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double),
                ("PUBLIC_HA", QVariant.Double), ("PUBLIC_PCT", QVariant.Double), ("PROFIT_HA", QVariant.Double),
                ("PROFIT_PCT", QVariant.Double), ("STATE_HA", QVariant.Double), ("COLLECT_HA", QVariant.Double),
                ("OWN_UNITS", QVariant.Int), ("SPLIT_UNIT", QVariant.Int), ("OWN_LIST", QVariant.String),
                ("COST", QVariant.Double), ("REVENUE", QVariant.Double), ("BALANCE", QVariant.Double), ("RATIO", QVariant.Double),
                ("COMPACT", QVariant.Double), ("PARTS", QVariant.Int)]
        spec += [(f"OK_{k.upper()[:7]}", QVariant.Int) for k in CHECKS] + [("STATUS", QVariant.String), ("FAILED", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.PACKAGES, spec, QgsWkbTypes.MultiPolygon, crs)
        pk = run.result.packages
        if not len(pk):
            return dest, ledger
        ids, geoms = outlines.result() if outlines is not None else package_geometries(data.geoms, run.result.labels)
        gmap = dict(zip(ids.tolist(), multi_wkbs(geoms))) if len(ids) else {}
        features = []
        for r in pk.itertuples(index=False):
            f = QgsFeature(fields)
            w = gmap.get(r.package)
            if w is not None:
                f.setGeometry(wkb_geometry(w))
            p = printed[r.package]

            def number(v):
                return float(v) if isinstance(v, (int, float)) else None   # 不适用 / — stay NULL

            f.setAttributes([r.package, r.kind, int(r.n_parcels), float(r.area_m2), p["area"], number(p["public"]),
                             number(p["public_pct"]), number(p["profitable"]), number(p["profitable_pct"]),
                             number(p["state"]), number(p["collective"]),
                             int(r.owner_units), int(r.split_units), r.owner_unit_list[:254], p["cost"], p["revenue"],
                             p["balance"], number(p["ratio"]), float(r.compactness), int(r.parts)]
                            + [int(getattr(r, f"ok_{k}")) for k in CHECKS] + [r.status, r.failed])
            features.append(f)
        sink.addFeatures(features, QgsFeatureSink.FastInsert)
        return dest, ledger

    def _write_assignment(self, parameters, context, data, run, crs):
        import numpy as np

        from ...core.packages.compute import reason_text

        spec = [("PARCEL_ID", QVariant.String), ("PKG_ID", QVariant.String), ("CUR_CODE", QVariant.String), ("PLAN_CODE", QVariant.String),
                ("NATURE", QVariant.String), ("AREA_M2", QVariant.Double), ("OWNERSHIP", QVariant.String), ("OWNER_UNIT", QVariant.String),
                ("COST", QVariant.Double), ("REVENUE", QVariant.Double), ("REASON", QVariant.String), ("DETAIL", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.ASSIGNMENT, spec, QgsWkbTypes.MultiPolygon, crs)
        fr = run.frame
        wkbs = multi_wkbs(data.geoms)
        own_zh = {"state": "国有", "collective": "集体", "": ""}
        # whole columns as Python lists (a county is ~10⁵ rows: no per-row frame access); each reason's text
        # looked up once
        text = [fr[c].tolist() for c in ("parcel_id", "package", "current", "planned", "nature")]
        area, cost, revenue = (np.asarray(fr[c], dtype=float).tolist() for c in ("area_m2", "cost", "revenue"))
        own = [own_zh.get(x, "") for x in fr["ownership"].tolist()]
        reasons = fr["reason"].tolist()
        said = {key: (reason_text(key) if key else "") for key in set(reasons)}
        units, details = fr["owner_unit"].tolist(), fr["detail"].tolist()
        features = []
        for i, (pid, pkg, cur, pla, nature) in enumerate(zip(*text)):
            f = QgsFeature(fields)
            if wkbs[i] is not None:
                f.setGeometry(wkb_geometry(wkbs[i]))
            f.setAttributes([pid, pkg, cur, pla, nature, area[i], own[i], units[i], cost[i], revenue[i], said[reasons[i]],
                             details[i]])
            features.append(f)
        sink.addFeatures(features, QgsFeatureSink.FastInsert)
        return dest

    def _write_xlsx(self, parameters, context, path, run, rules, finance, inputs, how, work_crs, log, policy, ledger=None):
        from ...core.finance import change_rule_zh
        from ...core.packages.report import PackageReportData, write_packages_xlsx

        items = qgis_io.provenance_head(f"guotukit:{self.name()} {self.TITLE_ZH}", inputs)
        items += [("工作坐标系", qgis_io.crs_description(work_crs)), ("面积口径", how),
                  ("现状地类", "转换为用地用海2023（三调 1:n 地类取默认目标）"), ("规划地类", run.planned_source),
                  ("资金测算单价表", f"{finance.label}｜{finance.path}"),
                  ("成本与收益", "用途改变的图斑：成本 = 面积 × 现状地类单价，收益 = 面积 × 规划地类单价；用途不变的图斑不计"),
                  ("用途改变的判定", change_rule_zh(getattr(finance, "change_level", None))),
                  ("公益性/经营性", "按规划地类在资金测算表中的性质")]
        items += [(f"约束：{k}", v) for k, v in rules.describe()]
        if self.MODE == "delineate":
            items.append(("随机种子", str(run.result.seed)))
            items.append(("划定方法", "按邻接图（共边相邻）约束优先的种子生长，再以局部搜索吸收剩余图斑、调整边界、提高紧凑度；"
                                      "每一步都保持全部硬约束；同一种子结果相同"))
        if run.overlaps is not None:
            items.append(("图斑重叠检查", f"{run.overlaps[0]} 对重叠图斑，重叠面积 {run.overlaps[1]:.2f} 平方米（平面）"))
        items += [("无效图形处理", {"fail": "报错停止", "skip": "跳过并计数", "repair": "修复并记录"}[policy])]
        items += [("处理记录", x) for x in log] + [("说明", n) for n in run.notes]
        region = self.parameterAsString(parameters, self.REGION_NAME, context) or ""
        data = PackageReportData(packages=run.result.packages, parcels=run.frame, rules=rules, finance_label=finance.label,
                                 finance_example=finance.example, diagnosis=list(run.result.diagnosis), stats=dict(run.result.stats),
                                 conditions=run.conditions,
                                 provenance=items, title=self.TITLE_ZH + ("成果" if self.MODE == "delineate" else "结果"),
                                 region_name=region, detail_limit=self.parameterAsInt(parameters, self.DETAIL_ROWS, context),
                                 binding=run.binding, what_if=run.what_if)
        try:
            beside_event_loop(lambda progress, cancelled: write_packages_xlsx(data, path, ledger))
        except (OSError, ValueError) as exc:
            raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(path, exc)) from exc


class AssetPackagesAlgorithm(_PackagesBase):
    LOCKED_FIELD = "LOCKED_FIELD"
    SEED = "SEED"
    WHAT_IF = "WHAT_IF"
    MODE = "delineate"
    TITLE_ZH = "资产包划定"
    REPORT_NAME = TITLE_ZH
    REPORT_NAME_PARAMS = ("REGION_NAME",)

    def name(self):
        return "assetpackages"

    def displayName(self):
        return tr("Delineate asset packages")

    def tags(self):
        return ["资产包", "配置单元", "资金平衡", "六项清单", "丰歉搭配", "asset package", "allocation unit", "regionalisation"]

    def summary_help(self):
        return tr(
            "Groups whole parcels into asset packages (资产包 / 配置单元) that are contiguous, keep ownership clear, mix 公益性 and "
            "经营性 land within the public-share band, lie within the area limits and reach the financial balance (revenue of the "
            "planned land − cost of preparing the current land, from the finance table). Excluded parcels (a field or control "
            "layers such as 永久基本农田) never enter a package. Every package meets every hard constraint; parcels left out carry "
            "the reason, and when the constraints cannot be met the log says which one binds and by how much. Deterministic for a seed."
        )

    def initAlgorithm(self, config=None):
        self._parcel_params()
        self._rule_params()
        self.add_param(QgsProcessingParameterField(self.LOCKED_FIELD, tr("Locked package field"), None, self.PARCELS, optional=True),
                       "Existing package ids on the parcels: parcels with an id keep it and their packages are kept as they are (and checked).")
        self.add_param(QgsProcessingParameterNumber(self.SEED, tr("Random seed"), QgsProcessingParameterNumber.Integer, 1, minValue=0),
                       "The same seed gives the same packages; another seed gives another valid layout to compare.", advanced=True)
        self.add_param(QgsProcessingParameterBoolean(self.WHAT_IF, tr("Test relaxing the binding constraints"), defaultValue=False),
                       "Delineate again with one constraint relaxed at a time — the ones that keep the most parcels out: a balance "
                       "floor of −X 万元 (X the 75th percentile of the left-out parcels' deficits), the public share band widened by "
                       "10 points, the maximum area × 1.5 or the minimum area × 0.5 — and report what each gains (log and the "
                       "未纳入图斑 sheet). Takes one more delineation per relaxation (at most four).")
        self._tail_params()

    def _extra_fields(self, parameters, context, src):
        f = self.parameterAsString(parameters, self.LOCKED_FIELD, context)
        return [(f, tr("locked package field"))] if f else []

    def _mode_inputs(self, parameters, context, inp, data, feedback, inputs):
        f = self.parameterAsString(parameters, self.LOCKED_FIELD, context)
        if f:
            inp.locked = data.columns[f]

    def _seed(self, parameters, context):
        return self.parameterAsInt(parameters, self.SEED, context)


class ValidatePackagesAlgorithm(_PackagesBase):
    PACKAGE_FIELD = "PACKAGE_FIELD"
    PACKAGE_LAYER = "PACKAGE_LAYER"
    PACKAGE_ID_FIELD = "PACKAGE_ID_FIELD"
    MODE = "validate"
    TITLE_ZH = "资产包校核"
    REPORT_NAME = TITLE_ZH
    REPORT_NAME_PARAMS = ("REGION_NAME",)
    ICON_FILE = "packages_check.svg"

    def name(self):
        return "validatepackages"

    def displayName(self):
        return tr("Validate asset packages")

    def tags(self):
        return ["资产包", "校核", "配置单元", "资金平衡", "asset package", "validate"]

    def summary_help(self):
        return tr(
            "Checks packages drawn or edited by hand — a package id field on the parcels, or package polygons (a parcel belongs to "
            "the polygon covering most of it) — against every constraint of 划定资产包: contiguity, area, public share, balance, "
            "revenue/cost ratio, ownership units, excluded parcels and unit walls, with each figure and pass/fail, so a planner "
            "can adjust boundaries in QGIS and check again."
        )

    def initAlgorithm(self, config=None):
        self._parcel_params()
        self.add_param(QgsProcessingParameterField(self.PACKAGE_FIELD, tr("Package id field on the parcels"), None, self.PARCELS, optional=True),
                       "Package id of each parcel (empty: not in a package).")
        self.add_param(QgsProcessingParameterFeatureSource(self.PACKAGE_LAYER, tr("Package polygons"), [QgsProcessing.TypeVectorPolygon], optional=True),
                       "Hand-drawn package polygons, used when no package id field is chosen: a parcel belongs to the polygon that covers at least half of it.")
        self.add_param(QgsProcessingParameterField(self.PACKAGE_ID_FIELD, tr("Package polygon id field"), None, self.PACKAGE_LAYER, optional=True),
                       "Id of each package polygon. Not given: the feature id.")
        self._rule_params()
        self._tail_params()

    def checkParameterValues(self, parameters, context):
        if not parameters.get(self.PACKAGE_FIELD) and not parameters.get(self.PACKAGE_LAYER):
            return False, tr("Choose the package id field on the parcels or a layer of package polygons.")
        return super().checkParameterValues(parameters, context)

    def _extra_fields(self, parameters, context, src):
        f = self.parameterAsString(parameters, self.PACKAGE_FIELD, context)
        return [(f, tr("package id field"))] if f else []

    def _mode_inputs(self, parameters, context, inp, data, feedback, inputs):
        f = self.parameterAsString(parameters, self.PACKAGE_FIELD, context)
        if f:
            inp.package_ids = data.columns[f]
            return
        psrc = self.parameterAsSource(parameters, self.PACKAGE_LAYER, context)
        pname = qgis_io.layer_name(parameters, self.PACKAGE_LAYER, context, psrc)
        qgis_io.require_features(psrc, pname)
        idf = self.parameterAsString(parameters, self.PACKAGE_ID_FIELD, context)
        if idf:
            qgis_io.require_field(psrc, idf, tr("package polygon id field"), pname)
        work_crs = qgis_io.working_crs_for(self.parameterAsSource(parameters, self.PARCELS, context), context)
        d = qgis_io.read_layer(psrc, [idf] if idf else [], work_crs, context, feedback, name=pname,
                               path=qgis_io.source_path(parameters, self.PACKAGE_LAYER, context))
        inputs.append(("资产包图层", d))
        inp.package_geoms = d.geoms
        inp.package_geom_ids = d.columns[idf] if idf else [str(x) for x in d.fids]
