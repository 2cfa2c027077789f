"""guotukit:structuretable — 用地结构调整表 (base-year vs target-year structure, transition, finance)."""
from __future__ import annotations

import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...plugin.i18n import tr
from .. import qgis_io
from ..worker import beside_event_loop
from .base import GuotuKitAlgorithm
from .compliance_check import POLICIES, POLICY_LABELS, multi_wkbs, wkb_geometry

BASE_SYSTEMS = ("sandiao", "ydyh2023", "ydyh2020")
BASE_SYSTEM_LABELS = ("三调工作分类", "用地用海2023", "用地用海2020 (trial)")
TARGET_SYSTEMS = ("ydyh2023", "ydyh2020")
TARGET_SYSTEM_LABELS = ("用地用海2023", "用地用海2020 (trial)")
BASES = ("attribute", "ellipsoidal", "planar")
UNITS = ("ha", "mu", "km2")
UNIT_LABELS = ("公顷 (ha)", "亩 (mu)", "平方千米 (km²)")
TARGET_CODE_FIELDS = ("GHDLBM", "GHYTDM", "YDYHDM", "GHDL", "DLBM")
CZCS_FIELDS = ("CZCSXM", "CZCSLX", "CZCS")
REGION_FIELDS = ("XZQMC", "XZMC", "QYMC", "NAME")
GROSS_AREA_FIELDS = ("TBMJ",)  # a field that already includes 田坎


def template_choices():
    from ...core.structure.compute import list_templates

    try:
        return list_templates()
    except Exception:  # noqa: BLE001 - a broken data folder must not break the toolbox
        return []


class StructureTableAlgorithm(GuotuKitAlgorithm):
    REPORT_NAME = "用地结构调整表"
    REPORT_NAME_PARAMS = ("REGION_NAME",)
    BASE_LAYER = "BASE_LAYER"
    BASE_CODE_FIELD = "BASE_CODE_FIELD"
    BASE_SYSTEM = "BASE_SYSTEM"
    TARGET_LAYER = "TARGET_LAYER"
    TARGET_CODE_FIELD = "TARGET_CODE_FIELD"
    TARGET_SYSTEM = "TARGET_SYSTEM"
    AREA_BASIS = "AREA_BASIS"
    BASE_AREA_FIELD = "BASE_AREA_FIELD"
    DEDUCTION_FIELD = "DEDUCTION_FIELD"
    TARGET_AREA_FIELD = "TARGET_AREA_FIELD"
    BASE_CZCS_FIELD = "BASE_CZCS_FIELD"
    TARGET_CZCS_FIELD = "TARGET_CZCS_FIELD"
    REGION_LAYER = "REGION_LAYER"
    REGION_FIELD = "REGION_FIELD"
    TEMPLATE = "TEMPLATE"
    TEMPLATE_FILE = "TEMPLATE_FILE"
    MAPPING_TABLE = "MAPPING_TABLE"
    UNIT = "UNIT"
    DECIMALS = "DECIMALS"
    PCT_DECIMALS = "PCT_DECIMALS"
    BASE_YEAR = "BASE_YEAR"
    TARGET_YEAR = "TARGET_YEAR"
    REGION_NAME = "REGION_NAME"
    WITH_TRANSITION = "WITH_TRANSITION"
    WITH_FINANCE = "WITH_FINANCE"
    FINANCE_TABLE = "FINANCE_TABLE"
    TOTAL_TOLERANCE = "TOTAL_TOLERANCE"
    CHECK_OVERLAPS = "CHECK_OVERLAPS"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    TABLE = "TABLE"
    TRANSITION = "TRANSITION"
    TRANSITION_PIECES = "TRANSITION_PIECES"
    OUTPUT_XLSX = "OUTPUT_XLSX"

    GROUP = "structure"
    GROUP_NAME = "Land-use structure"
    ICON_FILE = "structure.svg"

    def name(self):
        return "structuretable"

    def displayName(self):
        return tr("Land-use structure adjustment table")

    def tags(self):
        return ["用地结构调整表", "功能结构调整表", "转换矩阵", "三调", "用地用海", "规划", "structure", "transition", "资金测算"]


    def summary_help(self):
        return tr(
            "Builds the 用地结构调整表: base-year (三调/变更调查, converted to 用地用海2023 through the crosswalk) and "
            "target-year (plan) area per template row, with shares, change and change rate; 城乡建设用地 is split into "
            "城镇用地 and 村庄用地 by the 城镇村 field or the documented class rule. Areas are summed in m², converted, "
            "rounded half-up and balanced so that rows add up to the total. Optional: one table per region, the "
            "from→to transition matrix (an overlay of the two layers), the finance view (cost, revenue, balance) and "
            "an approval-ready Excel workbook. Table layouts are data files: a province's variant is another template."
        )

    def initAlgorithm(self, config=None):
        poly = [QgsProcessing.TypeVectorPolygon]
        self.add_param(QgsProcessingParameterFeatureSource(self.BASE_LAYER, tr("Base-year layer (DLTB)"), poly),
                       "Base-year land use: 三调 or 年度变更调查 DLTB, or a base layer already in 用地用海 codes.")
        self.add_param(QgsProcessingParameterField(self.BASE_CODE_FIELD, tr("Base land-use code field"), "DLBM", self.BASE_LAYER, optional=True),
                       "Land-use code of the base layer (DLBM). Codes are kept as text; 101 is read as 0101.")
        self.add_param(QgsProcessingParameterEnum(self.BASE_SYSTEM, tr("Base classification"), [tr(x) for x in BASE_SYSTEM_LABELS], defaultValue=0),
                       "Classification of the base codes; 三调 and 2020 codes are converted to 用地用海2023 (1:n codes go to the default target and are listed as 待细分).")
        self.add_param(QgsProcessingParameterFeatureSource(self.TARGET_LAYER, tr("Target-year layer (plan)"), poly),
                       "Planned land use of the target year (规划用地, e.g. GHYD).")
        self.add_param(QgsProcessingParameterField(self.TARGET_CODE_FIELD, tr("Target land-use code field"), None, self.TARGET_LAYER, optional=True),
                       "Planned land-use code (e.g. GHDLBM, GHYTDM). Detected automatically when the layer has one of the standard names.")
        self.add_param(QgsProcessingParameterEnum(self.TARGET_SYSTEM, tr("Target classification"), [tr(x) for x in TARGET_SYSTEM_LABELS], defaultValue=0),
                       "Classification of the target codes; 2020 codes are upgraded to 2023.")
        self.add_param(QgsProcessingParameterEnum(self.AREA_BASIS, tr("Area basis"), [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES], defaultValue=0),
                       "attribute: the base area field (TBDLMJ) with 田坎 from the deduction field, the official 三调 figures; "
                       "ellipsoidal: CGCS2000 ellipsoidal area of the geometry (the TBMJ method); planar: area in the projected CRS.")
        self.add_param(QgsProcessingParameterField(self.BASE_AREA_FIELD, tr("Base area field (m²)"), "TBDLMJ", self.BASE_LAYER, QgsProcessingParameterField.Numeric, optional=True),
                       "Area of the land class in m² for the attribute basis: TBDLMJ (net of 田坎). A field named TBMJ is taken as the gross area including 田坎.")
        self.add_param(QgsProcessingParameterField(self.DEDUCTION_FIELD, tr("Deduction field (田坎, m²)"), "KCMJ", self.BASE_LAYER, QgsProcessingParameterField.Numeric, optional=True),
                       "Deducted area in m² (KCMJ); it is reported as 田坎 (2303, in 其他土地) instead of the parcel's class. Leave empty for none.")
        self.add_param(QgsProcessingParameterField(self.TARGET_AREA_FIELD, tr("Target area field (m²)"), None, self.TARGET_LAYER, QgsProcessingParameterField.Numeric, optional=True),
                       "Area field of the plan in m² for the attribute basis. Not given: the plan's areas are computed on the ellipsoid, and the report says so.")
        self.add_param(QgsProcessingParameterField(self.BASE_CZCS_FIELD, tr("Base 城镇村 field"), "CZCSXM", self.BASE_LAYER, optional=True),
                       "城镇村属性码 of the base (CZCSXM: 201/202 城镇, 203 村庄, with A). Splits 城乡建设用地 into 城镇用地 and 村庄用地.")
        self.add_param(QgsProcessingParameterField(self.TARGET_CZCS_FIELD, tr("Target 城镇村 field"), None, self.TARGET_LAYER, optional=True),
                       "城镇/村庄 of each plan parcel (CZCSXM codes or the words 城镇/村庄). Not given: the class rule of data/structure_templates/czcs_class_rule.csv (0703/0704 村庄, other 城乡建设类 城镇).")
        self.add_param(QgsProcessingParameterFeatureSource(self.REGION_LAYER, tr("Region layer (e.g. townships)"), poly, optional=True),
                       "Optional regions (乡镇, 行政村 ...): one table per region plus the total, parcels split by the region boundaries.")
        self.add_param(QgsProcessingParameterField(self.REGION_FIELD, tr("Region name field"), None, self.REGION_LAYER, optional=True),
                       "Name of each region (e.g. XZQMC). Detected automatically when the layer has XZQMC.")
        names = [n for n, _ in template_choices()] or [tr("(no template found)")]
        self.add_param(QgsProcessingParameterEnum(self.TEMPLATE, tr("Table template"), names, defaultValue=0),
                       "Table layout shipped in data/structure_templates: the county 国土空间功能结构调整表 (default) or the 用地用海 level-1/level-2 detail table.")
        self.add_param(QgsProcessingParameterFile(self.TEMPLATE_FILE, tr("Template file (CSV or xlsx)"), optional=True, fileFilter="Templates (*.csv *.xlsx)"),
                       "A template file of your own (e.g. a province's layout); overrides the choice above. Copy a shipped template to start.", advanced=True)
        self.add_param(QgsProcessingParameterFile(self.MAPPING_TABLE, tr("Code mapping table (CSV)"), optional=True, fileFilter="CSV (*.csv)"),
                       "Optional CSV source_code,target_code[,target_name,type,note] that overrides crosswalk rows for the base layer (e.g. local 待细分 decisions).", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.UNIT, tr("Area unit"), [tr(x) for x in UNIT_LABELS], defaultValue=0),
                       "Unit of the table: 公顷 (default), 亩 (1 公顷 = 15 亩) or 平方千米.")
        self.add_param(QgsProcessingParameterNumber(self.DECIMALS, tr("Decimals"), QgsProcessingParameterNumber.Integer, 2, minValue=0, maxValue=6),
                       "Decimal places of the areas (rounded half up, remainders balanced so that the rows add up).")
        self.add_param(QgsProcessingParameterNumber(self.PCT_DECIMALS, tr("Decimals of shares (%)"), QgsProcessingParameterNumber.Integer, 2, minValue=0, maxValue=4),
                       "Decimal places of the shares and change rates.", advanced=True)
        self.add_param(QgsProcessingParameterString(self.BASE_YEAR, tr("Base year"), defaultValue="2020", optional=True),
                       "Label of the base year in the headers (规划基期年).")
        self.add_param(QgsProcessingParameterString(self.TARGET_YEAR, tr("Target year"), defaultValue="2035", optional=True),
                       "Label of the target year in the headers (规划目标年).")
        self.add_param(QgsProcessingParameterString(self.REGION_NAME, tr("Region name"), defaultValue="", optional=True),
                       "Name of the planning area for the title, e.g. 某某县.")
        self.add_param(QgsProcessingParameterBoolean(self.WITH_TRANSITION, tr("Compute the transition matrix"), defaultValue=True),
                       "Overlay the two layers to get the from→to matrix (转换矩阵). Takes longer than the table alone.")
        self.add_param(QgsProcessingParameterBoolean(self.WITH_FINANCE, tr("Add the finance view (资金测算)"), defaultValue=False),
                       "Cost of the land that changes use, revenue of what it becomes, and the balance, from the finance table.")
        self.add_param(QgsProcessingParameterFile(self.FINANCE_TABLE, tr("Finance table (CSV or xlsx)"), optional=True, fileFilter="Tables (*.csv *.xlsx)"),
                       "Unit values per 用地用海 class (万元/公顷). Not given: data/finance/finance_example.csv, whose values are EXAMPLES to replace with local prices.")
        self.add_param(QgsProcessingParameterNumber(self.TOTAL_TOLERANCE, tr("Total difference tolerance (%)"), QgsProcessingParameterNumber.Double, 0.01, minValue=0.0),
                       "Base and target totals should be equal (the same territory); a larger difference is reported as a warning.", advanced=True)
        self.add_param(QgsProcessingParameterBoolean(self.CHECK_OVERLAPS, tr("Check for overlapping parcels"), defaultValue=True),
                       "Find parcels that overlap inside each layer (they count twice) and report the overlap area. Needs the geometries.", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them (make valid) and log.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.TABLE, tr("Structure table"), QgsProcessing.TypeVector),
                       "One row per template row (and per region when regions are given): base and target area and share, change and change rate.")
        self.add_param(QgsProcessingParameterFeatureSink(self.TRANSITION, tr("Transition matrix"), QgsProcessing.TypeVector, optional=True),
                       "Long table base row × target row with the area (rounded rows add up to the base figures) and the exact m².")
        self.add_param(QgsProcessingParameterFeatureSink(self.TRANSITION_PIECES, tr("Transition pieces"), QgsProcessing.TypeVectorPolygon, optional=True, createByDefault=False),
                       "The overlay pieces (base parcel ∩ plan parcel) with both codes and rows and the apportioned area.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Approval-ready workbook: 用地结构调整表, 转换矩阵, 分区统计, 资金测算, 待细分与未识别, 数据说明.")
        for key, label in (("BASE_TOTAL", "Base total"), ("TARGET_TOTAL", "Target total"), ("SPLIT_COUNT", "Parcels 待细分"),
                           ("UNKNOWN_COUNT", "Parcels with unknown or blank codes"), ("SKIPPED_COUNT", "Features left out"),
                           ("OVERLAP_COUNT", "Overlapping parcel pairs")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))

    def output_help(self):
        return {"BASE_TOTAL": tr("Rounded base-year total in the chosen unit."),
                "TARGET_TOTAL": tr("Rounded target-year total in the chosen unit."),
                "SPLIT_COUNT": tr("Base and target parcels whose code maps 1:n (待细分)."),
                "UNKNOWN_COUNT": tr("Parcels whose code is blank or not in its classification (kept in the total, row 未识别地类)."),
                "SKIPPED_COUNT": tr("Features left out: null or negative area, invalid geometry skipped by policy."),
                "OVERLAP_COUNT": tr("Pairs of overlapping parcels found inside the two layers (-1: not checked).")}

    # ------------------------------------------------------------------------------------------
    def _template_path(self, parameters, context):
        path = self.parameterAsFile(parameters, self.TEMPLATE_FILE, context)
        if path:
            return path
        choices = template_choices()
        if not choices:
            raise QgsProcessingException(tr("No table template was found in data/structure_templates. Reinstall the plugin or give a template file."))
        i = self.parameterAsEnum(parameters, self.TEMPLATE, context)
        return str(choices[min(max(i, 0), len(choices) - 1)][1])

    def checkParameterValues(self, parameters, context):
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        if basis == "attribute" and not self.parameterAsString(parameters, self.BASE_AREA_FIELD, context):
            return False, tr("The area basis is 'attribute field' but no base area field (e.g. TBDLMJ) is chosen.")
        return super().checkParameterValues(parameters, context)

    def run_algorithm(self, parameters, context, feedback):
        import numpy as np

        from ...core.finance import FinanceTable, FinanceTableError
        from ...core.overlay import Cancelled
        from ...core.structure import compute as st
        from ...core.structure.run import Basis, LayerInput, run_structure

        t0 = time.time()
        log = []
        base_src = qgis_io.open_source(self, parameters, self.BASE_LAYER, context, log, feedback)
        if base_src is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.BASE_LAYER))
        target_src = qgis_io.open_source(self, parameters, self.TARGET_LAYER, context, log, feedback)
        if target_src is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.TARGET_LAYER))
        base_name = qgis_io.layer_name(parameters, self.BASE_LAYER, context, base_src)
        target_name = qgis_io.layer_name(parameters, self.TARGET_LAYER, context, target_src)
        qgis_io.require_features(base_src, base_name)
        qgis_io.require_features(target_src, target_name)

        def field(key, src, candidates=()):
            value = self.parameterAsString(parameters, key, context)
            # not given at all: look for the standard names; given as "" (e.g. by the form): none
            if not value and candidates and parameters.get(key) is None:
                value = next((f for f in candidates if src.fields().lookupField(f) >= 0), "")
            return value

        bcode = field(self.BASE_CODE_FIELD, base_src, ("DLBM",))
        if not bcode:
            raise QgsProcessingException(tr("Layer «{0}» has no DLBM field. Choose the base land-use code field.").format(base_name))
        tcode = field(self.TARGET_CODE_FIELD, target_src, TARGET_CODE_FIELDS)
        if not tcode:
            raise QgsProcessingException(tr(
                "Layer «{0}» has none of the usual plan code fields ({1}). Choose the target land-use code field."
            ).format(target_name, ", ".join(TARGET_CODE_FIELDS)))
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        barea = self.parameterAsString(parameters, self.BASE_AREA_FIELD, context) if basis == "attribute" else ""
        tarea = self.parameterAsString(parameters, self.TARGET_AREA_FIELD, context) if basis == "attribute" else ""
        ded = self.parameterAsString(parameters, self.DEDUCTION_FIELD, context)
        if ded and base_src.fields().lookupField(ded) < 0 and ded == "KCMJ" and parameters.get(self.DEDUCTION_FIELD) in (None, ""):
            ded = ""
        bczcs = self.parameterAsString(parameters, self.BASE_CZCS_FIELD, context)
        if bczcs and base_src.fields().lookupField(bczcs) < 0 and not parameters.get(self.BASE_CZCS_FIELD):
            bczcs = ""  # the default CZCSXM is only used when the layer has it
        tczcs = field(self.TARGET_CZCS_FIELD, target_src, CZCS_FIELDS)
        for f, src, lname, label in ((bcode, base_src, base_name, tr("base code field")), (tcode, target_src, target_name, tr("target code field")),
                                     (barea, base_src, base_name, tr("base area field")), (tarea, target_src, target_name, tr("target area field")),
                                     (ded, base_src, base_name, tr("deduction field")), (bczcs, base_src, base_name, tr("base 城镇村 field")),
                                     (tczcs, target_src, target_name, tr("target 城镇村 field"))):
            if f:
                qgis_io.require_field(src, f, label, lname)

        bsystem = BASE_SYSTEMS[self.parameterAsEnum(parameters, self.BASE_SYSTEM, context)]
        tsystem = TARGET_SYSTEMS[self.parameterAsEnum(parameters, self.TARGET_SYSTEM, context)]
        unit = UNITS[self.parameterAsEnum(parameters, self.UNIT, context)]
        decimals = self.parameterAsInt(parameters, self.DECIMALS, context)
        pct_decimals = self.parameterAsInt(parameters, self.PCT_DECIMALS, context)
        with_transition = self.parameterAsBool(parameters, self.WITH_TRANSITION, context)
        want_pieces = bool(parameters.get(self.TRANSITION_PIECES))
        if want_pieces and not with_transition:
            with_transition = True
            feedback.pushInfo(tr("Transition pieces were asked for: the transition overlay is computed."))
        check_overlaps = self.parameterAsBool(parameters, self.CHECK_OVERLAPS, context)
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        tolerance = self.parameterAsDouble(parameters, self.TOTAL_TOLERANCE, context)
        mapping = self.parameterAsFile(parameters, self.MAPPING_TABLE, context) or None

        template_path = self._template_path(parameters, context)
        try:
            template = st.StructureTemplate.load(template_path)
        except st.TemplateError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finance = None
        if self.parameterAsBool(parameters, self.WITH_FINANCE, context) or self.parameterAsFile(parameters, self.FINANCE_TABLE, context):
            fpath = self.parameterAsFile(parameters, self.FINANCE_TABLE, context)
            try:
                finance = FinanceTable.load(fpath) if fpath else FinanceTable.example_table()
            except FinanceTableError as exc:
                raise QgsProcessingException(str(exc)) from exc
            if finance.example:
                feedback.pushWarning(tr("The finance table {0} holds EXAMPLE values: replace them with local benchmark prices before using the figures.").format(finance.label))

        region_src = qgis_io.open_source(self, parameters, self.REGION_LAYER, context, log, feedback) if parameters.get(self.REGION_LAYER) else None
        rfield = ""
        region_layer = qgis_io.layer_name(parameters, self.REGION_LAYER, context, region_src) if region_src else ""
        if region_src is not None:
            rfield = field(self.REGION_FIELD, region_src, REGION_FIELDS)
            if not rfield:
                raise QgsProcessingException(tr("Choose the region name field of layer «{0}» (e.g. XZQMC).").format(region_layer))
            qgis_io.require_field(region_src, rfield, tr("region name field"), region_layer)
            qgis_io.require_features(region_src, region_layer)

        need_geom = basis != "attribute" or not tarea or with_transition or region_src is not None or check_overlaps
        work_crs = qgis_io.working_crs_for(base_src, context)
        if basis == "planar":
            for src in (base_src, target_src):
                if src.sourceCrs().isGeographic():
                    raise QgsProcessingException(tr(
                        "Planar areas cannot be computed in the geographic CRS {0} of layer «{1}»: degrees are not metres. "
                        "Choose the ellipsoidal basis or reproject the layer to a projected CRS (e.g. CGCS2000 3-degree Gauss-Krüger)."
                    ).format(qgis_io.crs_description(src.sourceCrs()), base_name if src is base_src else target_name))
        if need_geom:
            feedback.pushInfo(tr("Working CRS: {0}").format(qgis_io.crs_description(work_crs)))

        def read(src, fields, key, span):
            path = qgis_io.source_path(parameters, key, context)
            name = qgis_io.layer_name(parameters, key, context, src)
            if need_geom:
                return qgis_io.read_layer(src, fields, work_crs, context, feedback, name=name, path=path,
                                          progress_span=span)
            fids, cols = qgis_io.read_columns(src, fields, feedback, span)
            return qgis_io.LayerData(name, fids, cols, None, qgis_io.crs_description(src.sourceCrs()), 0, False, path)

        def apply_policy(data):
            if data.geoms is None:
                return {}
            rep = qgis_io.apply_geometry_policy(data, policy, feedback, log)
            out = {i: ("图形为空或 NULL" if i in rep["empty_list"] else "图形无效（按设置跳过）") for i in rep["skipped"]}
            for i in data.outside:
                out[i] = "坐标超出坐标系适用范围"
            return out

        bdata = read(base_src, [bcode, barea, ded, bczcs], self.BASE_LAYER, (0, 10))
        if feedback.isCanceled():
            return {}
        tdata = read(target_src, [tcode, tarea, tczcs], self.TARGET_LAYER, (10, 20))
        if feedback.isCanceled():
            return {}
        b_excluded, t_excluded = apply_policy(bdata), apply_policy(tdata)
        if tdata.reprojected:
            log.append(f"目标年图层由 {tdata.crs_desc} 重投影到工作坐标系 {qgis_io.crs_description(work_crs)}")
            feedback.pushInfo(tr("Layer «{0}» was reprojected from {1} to the working CRS.").format(target_name, tdata.crs_desc))

        def numbers(data, field_name, excluded):
            """Area column through the gate; the unusable values are left out of every figure."""
            parsed = qgis_io.area_field(data, field_name, feedback, log)
            for i in parsed.bad:
                excluded.setdefault(int(i), f"面积字段 {field_name} 不可用")
            return parsed.values

        deductions = numbers(bdata, ded, b_excluded) if ded else None
        if deductions is not None:
            deductions = np.nan_to_num(deductions, nan=0.0)
        if basis == "attribute":
            b_area = numbers(bdata, barea, b_excluded)
            if deductions is not None and barea.upper() not in GROSS_AREA_FIELDS:
                b_area = st.gross_from_net(b_area, deductions)
            b_how = qgis_io.area_method_zh(work_crs, basis, barea) + (f"，田坎 = {ded}" if ded else "")
            if tarea:
                t_area, t_how = numbers(tdata, tarea, t_excluded), qgis_io.area_method_zh(work_crs, basis, tarea)
            else:
                t_area, _ = qgis_io.areas_m2(tdata.geoms, work_crs, "ellipsoidal", context.transformContext())
                t_how = "无面积字段，按" + qgis_io.area_method_zh(work_crs, "ellipsoidal")
                feedback.pushInfo(tr("The plan has no area field: its areas are computed on the ellipsoid."))
        else:
            b_area, _ = qgis_io.areas_m2(bdata.geoms, work_crs, basis, context.transformContext())
            t_area, _ = qgis_io.areas_m2(tdata.geoms, work_crs, basis, context.transformContext())
            b_how = t_how = qgis_io.area_method_zh(work_crs, basis)
            b_area = np.where(qgis_io.missing_geometry(bdata.geoms), np.nan, b_area)
            t_area = np.where(qgis_io.missing_geometry(tdata.geoms), np.nan, t_area)
        basis_zh = {"attribute": "属性面积", "ellipsoidal": "椭球面积", "planar": "平面面积"}
        t_kind = basis if (basis != "attribute" or tarea) else "ellipsoidal"
        bases = (Basis(basis, basis_zh[basis] + (f"（{barea}）" if basis == "attribute" else "")),
                 Basis(t_kind, basis_zh[t_kind] + (f"（{tarea}）" if t_kind == "attribute" else "")))

        regions = names = None
        rdata = None
        if region_src is not None:
            rdata = read(region_src, [rfield], self.REGION_LAYER, (20, 22))
            apply_policy(rdata)
            regions = rdata.geoms
            names = [str(v) if v not in (None, "") else f"#{fid}" for v, fid in zip(rdata.columns[rfield], rdata.fids)]

        base_in = LayerInput("基期", bdata.columns[bcode], bsystem, b_area, bdata.fids, bdata.geoms, deductions,
                             bdata.columns[bczcs] if bczcs else None, bczcs, mapping, b_excluded)
        target_in = LayerInput("目标年", tdata.columns[tcode], tsystem, t_area, tdata.fids, tdata.geoms, None,
                               tdata.columns[tczcs] if tczcs else None, tczcs, None, t_excluded)
        feedback.pushInfo(tr("Read {0} base and {1} target parcels in {2:.1f} s.").format(len(bdata), len(tdata), time.time() - t0))
        try:
            run = beside_event_loop(lambda progress, cancelled: run_structure(
                base_in, target_in, template, unit=unit, decimals=decimals, pct_decimals=pct_decimals,
                region_geoms=regions, region_names=names, want_transition=with_transition,
                want_pieces=want_pieces, finance=finance, check_overlaps=check_overlaps and need_geom,
                total_tolerance_pct=tolerance, bases=bases, progress=progress, cancelled=cancelled), feedback, (22, 90))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        except ValueError as exc:  # a mapping table that does not load, for instance
            raise QgsProcessingException(str(exc)) from exc
        for note in run.notes:
            feedback.pushWarning(note)

        results = {self.TABLE: self._write_table(parameters, context, run)}
        if with_transition and run.transition is not None and parameters.get(self.TRANSITION):
            results[self.TRANSITION] = self._write_transition(parameters, context, run)
        if want_pieces and run.pieces is not None:
            results[self.TRANSITION_PIECES] = self._write_pieces(parameters, context, run, bdata, tdata, work_crs)
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx:
            inputs = [("基期图层", bdata), ("目标年图层", tdata)] + ([("分区图层", rdata)] if rdata is not None else [])
            prov = self._provenance(run, inputs, work_crs if need_geom else None, basis, b_how, t_how, template, unit,
                                    decimals, pct_decimals, finance, policy, log, tolerance, bsystem, tsystem, mapping,
                                    rfield, with_transition, check_overlaps and need_geom)
            self._write_xlsx(parameters, context, xlsx, run, prov)
            results[self.OUTPUT_XLSX] = xlsx
        flags = run.details
        n_split = int(flags.loc[flags["flag"] == "待细分", "parcels"].sum()) if len(flags) else 0
        n_unknown = int(flags.loc[flags["flag"].isin(["未识别", "空值"]), "parcels"].sum()) if len(flags) else 0
        overlap_pairs = -1
        if run.overlaps:
            overlap_pairs = sum(v[0] for v in run.overlaps.values() if v is not None)
        results.update({"BASE_TOTAL": float(run.table.total.base), "TARGET_TOTAL": float(run.table.total.target),
                        "SPLIT_COUNT": n_split, "UNKNOWN_COUNT": n_unknown, "SKIPPED_COUNT": int(len(run.skipped)),
                        "OVERLAP_COUNT": overlap_pairs})
        feedback.pushInfo(tr("Base total {0}, target total {1} {2} ({3:.1f} s).").format(
            run.table.total.base, run.table.total.target, UNIT_LABELS[UNITS.index(unit)], time.time() - t0))
        return results

    # ------------------------------------------------------------------------------------------
    def _write_table(self, parameters, context, run):
        spec = [("REGION", QVariant.String), ("ROW_ID", QVariant.String), ("LABEL", QVariant.String), ("KIND", QVariant.String),
                ("DEPTH", QVariant.Int), ("CODES", QVariant.String), ("BASE_AREA", QVariant.Double), ("BASE_PCT", QVariant.Double),
                ("TARGET_AREA", QVariant.Double), ("TARGET_PCT", QVariant.Double), ("CHANGE", QVariant.Double),
                ("CHANGE_PCT", QVariant.Double), ("BASE_M2", QVariant.Double), ("TARGET_M2", QVariant.Double), ("UNIT", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.TABLE, spec)
        from ...core.rounding import UNIT_LABELS as UL

        for table in [run.table] + list(run.region_tables):
            region = table.region or "合计"
            for r in table.rows:
                f = QgsFeature(fields)
                f.setAttributes([region, r.row_id, r.label, r.kind, int(r.depth), r.code_text, _num(r.base), _num(r.base_pct),
                                 _num(r.target), _num(r.target_pct), _num(r.change), _num(r.change_pct),
                                 float(r.base_m2), float(r.target_m2), UL[table.unit]])
                sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_transition(self, parameters, context, run):
        tr_ = run.transition
        spec = [("BASE_ROW", QVariant.String), ("BASE_LABEL", QVariant.String), ("TARGET_ROW", QVariant.String),
                ("TARGET_LABEL", QVariant.String), ("AREA", QVariant.Double), ("AREA_M2", QVariant.Double),
                ("TARGET_M2", QVariant.Double), ("CHANGED", QVariant.Int)]
        sink, dest, fields = self.make_sink(parameters, context, self.TRANSITION, spec)
        exact = {(a, b): (m, t) for a, b, m, t in zip(tr_.pairs["base_row"], tr_.pairs["target_row"], tr_.pairs["area_m2"], tr_.pairs["target_m2"])}
        for rid in tr_.row_ids:
            for cid in tr_.col_ids:
                m2, t2 = exact.get((rid, cid), (0.0, 0.0))
                value = tr_.matrix[(rid, cid)]
                if m2 == 0 and value == 0:
                    continue
                f = QgsFeature(fields)
                f.setAttributes([rid, tr_.labels.get(rid, rid), "" if cid == "_uncovered" else cid, tr_.labels.get(cid, cid),
                                 float(value), float(m2), float(t2), int(rid != cid)])
                sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_pieces(self, parameters, context, run, bdata, tdata, crs):

        spec = [("BASE_FID", QVariant.LongLong), ("BASE_CODE", QVariant.String), ("BASE_2023", QVariant.String),
                ("BASE_ROW", QVariant.String), ("TARGET_FID", QVariant.LongLong), ("TARGET_CODE", QVariant.String),
                ("TARGET_ROW", QVariant.String), ("AREA_M2", QVariant.Double), ("PLANAR_M2", QVariant.Double), ("CHANGED", QVariant.Int)]
        sink, dest, fields = self.make_sink(parameters, context, self.TRANSITION_PIECES, spec, QgsWkbTypes.MultiPolygon, crs)
        p = run.pieces
        bf = run.base.frame
        bf = bf[bf["kind"] == "class"].drop_duplicates("parcel").set_index("parcel")
        tf = run.target.frame
        tf = tf[tf["kind"] == "class"].drop_duplicates("parcel").set_index("parcel")
        bi, ti = p["base_parcel"].to_numpy(), p["target_parcel"].to_numpy()
        b_raw = [_text(v) for v in bf["raw"].reindex(bi).to_numpy()]
        b_code = [_text(v) for v in bf["code"].reindex(bi).to_numpy()]
        b_row = [_text(v) for v in bf["row"].reindex(bi).to_numpy()]
        t_raw = [_text(v) for v in tf["raw"].reindex(ti).to_numpy()]
        t_row = [_text(v) for v in tf["row"].reindex(ti).to_numpy()]
        b_area = run.base.frame.groupby("parcel")["area_m2"].sum().reindex(bi).fillna(0.0).to_numpy()
        m2 = (b_area * p["base_share"].to_numpy()).tolist()
        planar = p["area"].to_numpy().tolist()
        b_fid = [int(bdata.fids[i]) for i in bi]
        t_fid = [int(tdata.fids[i]) for i in ti]
        wkbs = multi_wkbs(p["geometry"].to_numpy()) if len(p) else []
        for i in range(len(p)):
            if feedback_cancelled(context):
                break
            f = QgsFeature(fields)
            if wkbs[i] is not None:
                f.setGeometry(wkb_geometry(wkbs[i]))
            f.setAttributes([b_fid[i], b_raw[i], b_code[i], b_row[i], t_fid[i], t_raw[i], t_row[i],
                             m2[i], planar[i], int(b_row[i] != t_row[i])])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _provenance(self, run, inputs, work_crs, basis, b_how, t_how, template, unit, decimals, pct_decimals, finance,
                    policy, log, tolerance, bsystem, tsystem, mapping, rfield, with_transition, checked_overlaps):
        from ...core.registry import SYSTEM_LABELS
        from ...core.rounding import UNIT_LABELS as UL

        items = qgis_io.provenance_head("guotukit:structuretable 用地结构调整表", inputs)
        if work_crs is not None:
            items.append(("工作坐标系", qgis_io.crs_description(work_crs)))
        items += [("基期分类", f"{SYSTEM_LABELS[bsystem]} → 用地用海2023" + (f"（自定义对照表 {mapping}）" if mapping else "（内置衔接表，1:n 取默认目标并标记待细分）")),
                  ("目标年分类", f"{SYSTEM_LABELS[tsystem]}" + (" → 用地用海2023" if tsystem != "ydyh2023" else "")),
                  ("面积口径", {"attribute": "属性面积（图层字段值）", "ellipsoidal": "椭球面积（CGCS2000）",
                               "planar": "平面面积（投影坐标系）"}[basis] + f"：基期 {b_how}；目标年 {t_how}"),
                  ("城镇村划分（基期）", run.base.czcs_source), ("城镇村划分（目标年）", run.target.czcs_source),
                  ("表格模板", f"{template.label}｜{template.path}"),
                  ("单位与取舍", f"{UL[unit]}；先以平方米求和，再换算单位，四舍五入（ROUND_HALF_UP）保留 {decimals} 位小数，比重保留 {pct_decimals} 位；"
                                 f"尾差按最大余数法调平，本表调平 {run.table.balanced_cells} 处"),
                  ("合计差异容差", f"{tolerance}%")]
        if rfield:
            items.append(("分区", f"按分区图层字段 {rfield} 切分图斑，面积按图斑落在各分区内的比例分摊；各分区合计经调平后等于全域合计"))
        items.append(("转换矩阵", "基期图层与目标年图层叠加，碎片按其占基期图斑图形面积的比例分摊基期面积；各行之和等于结构表基期面积"
                      if with_transition else "未计算"))
        if checked_overlaps:
            for label, v in run.overlaps.items():
                if v is not None:
                    items.append((f"图斑重叠检查（{label}）", f"{v[0]} 对重叠图斑，重叠面积 {v[1]:.2f} 平方米（平面）"))
        else:
            items.append(("图斑重叠检查", "未检查"))
        if finance is not None:
            items.append(("资金测算单价表", f"{finance.label}｜{finance.path}"))
        items += [("无效图形处理", {"fail": "报错停止", "skip": "跳过并计数", "repair": "修复并记录"}[policy]),
                  ("Z/M 值", "面积计算时忽略 Z/M 值；曲线已按 QGIS 默认容差分段")]
        items += [("处理记录", x) for x in log]
        items += [("说明", n) for n in run.notes]
        return items

    def _write_xlsx(self, parameters, context, path, run, provenance):
        import pandas as pd

        from ...core.structure.report import StructureReportData, write_structure_xlsx

        region_name = self.parameterAsString(parameters, self.REGION_NAME, context) or ""
        base_year = self.parameterAsString(parameters, self.BASE_YEAR, context) or "基期"
        target_year = self.parameterAsString(parameters, self.TARGET_YEAR, context) or "目标"
        title = f"{region_name}国土空间功能结构调整表" if region_name else "国土空间功能结构调整表"
        data = StructureReportData(title=title, region_name=region_name, base_year=base_year, target_year=target_year,
                                   table=run.table, region_tables=list(run.region_tables), transition=run.transition,
                                   finance=run.finance_ledger, details=run.details,
                                   skipped=run.skipped if len(run.skipped) else pd.DataFrame(columns=["label", "fid", "raw", "reason"]),
                                   provenance=provenance, notes=list(run.notes))
        try:
            beside_event_loop(lambda progress, cancelled: write_structure_xlsx(data, path))
        except (OSError, ValueError) as exc:
            raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(path, exc)) from exc


def feedback_cancelled(context) -> bool:
    fb = context.feedback() if hasattr(context, "feedback") else None
    return bool(fb is not None and fb.isCanceled())


def _num(value):
    return None if value is None else float(value)


def _text(value):
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)
