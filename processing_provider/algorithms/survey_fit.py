"""guotukit:surveyfit — 报批套合分析: a project's 勘测定界 against the latest 年度变更调查."""
from __future__ import annotations

import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QVariant

from ...plugin.i18n import tr
from .. import qgis_io
from ..worker import beside_event_loop
from .base import GuotuKitAlgorithm
from .change_detect import BASES, SYSTEM_LABELS, SYSTEMS, read_vintage
from .compliance_check import POLICIES, POLICY_LABELS

DENOMINATORS = ("fitted", "declared")
DENOMINATOR_LABELS = ("套合面积 (the survey side)", "勘测定界面积 (the declared side)")
COMBINES = ("or", "and", "total")
COMBINE_LABELS = ("总面积 or every class within the tolerance (as the source reads)", "总面积 and every class",
                  "总面积 only")


class SurveyFitAlgorithm(GuotuKitAlgorithm):
    REPORT_NAME = "报批套合分析"
    REPORT_NAME_PARAMS = ("TITLE",)
    PROJECT = "PROJECT_LAYER"
    DECLARED = "DECLARED_TABLE"
    DLTB = "DLTB_LAYER"
    CODE = "CODE_FIELD"
    SYSTEM = "SYSTEM"
    AREA_BASIS = "AREA_BASIS"
    AREA = "AREA_FIELD"
    KCXS = "KCXS_FIELD"
    TOLERANCE = "TOLERANCE_PCT"
    DENOMINATOR = "DENOMINATOR"
    COMBINE = "COMBINE"
    TITLE = "TITLE"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    OUTPUT = "OUTPUT"
    OUTPUT_XLSX = "OUTPUT_XLSX"

    GROUP = "monitoring"
    GROUP_NAME = "Monitoring and evaluation"
    ICON_FILE = "monitoring.svg"

    def name(self):
        return "surveyfit"

    def displayName(self):
        return tr("Survey fit of a project (报批套合分析)")

    def tags(self):
        return ["报批", "套合", "勘测定界", "变更调查", "地类认定", "survey", "fit"]

    def summary_help(self):
        return tr(
            "报批套合分析: intersects a project's 勘测定界 parcels with the latest 年度变更调查 DLTB and tables the area by "
            "农用地 / 耕地 (水田, 水浇地, 旱地) / 建设用地 / 未利用地 on both sides, the difference, the difference rate and whether it "
            "is within the tolerance (1 % by default), as the table 报批 files carry. The declared side comes from a small table "
            "(the 勘测定界表); its 总面积 defaults to the coordinate area of the project polygons."
        )

    def initAlgorithm(self, config=None):
        poly = [QgsProcessing.TypeVectorPolygon]
        num = QgsProcessingParameterField.Numeric
        self.add_param(QgsProcessingParameterFeatureSource(self.PROJECT, tr("Project boundary (勘测定界)"), poly),
                       "The project's 勘测定界 parcels (one or several polygons; overlapping parts count once).")
        self.add_param(QgsProcessingParameterFile(self.DECLARED, tr("Declared areas (勘测定界表, CSV or xlsx)"), optional=True,
                                                  fileFilter="Tables (*.csv *.xlsx)"),
                       "Rows item (总面积, 农用地, 耕地, 水田, 水浇地, 旱地, 建设用地, 未利用地), area, unit (公顷 default, 平方米 or 亩). "
                       "Not given: the 总面积 is the coordinate area of the project polygons and the classes are shown without a comparison.")
        self.add_param(QgsProcessingParameterFeatureSource(self.DLTB, tr("Latest land survey (DLTB)"), poly),
                       "The latest 年度变更调查 DLTB, as the 报批 rules require (三调 as the basis, the latest 变更调查 as the figure).")
        self.add_param(QgsProcessingParameterField(self.CODE, tr("Land-use code field"), "DLBM", self.DLTB, optional=True),
                       "Land-use code (DLBM), kept as text.")
        self.add_param(QgsProcessingParameterEnum(self.SYSTEM, tr("Classification"), [tr(x) for x in SYSTEM_LABELS], defaultValue=0),
                       "Classification of the codes (三调 or 用地用海); 农用地/建设用地/未利用地 come from its table.")
        self.add_param(QgsProcessingParameterEnum(self.AREA_BASIS, tr("Area basis"), [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES], defaultValue=0),
                       "attribute: the survey's area field (TBMJ), shared by planar proportion; ellipsoidal or planar: computed.")
        self.add_param(QgsProcessingParameterField(self.AREA, tr("Area field (m², with 田坎)"), "TBMJ", self.DLTB, num, optional=True),
                       "Area of each survey parcel in m² including 田坎 (TBMJ), for the attribute basis.")
        self.add_param(QgsProcessingParameterField(self.KCXS, tr("田坎 coefficient field"), "KCXS", self.DLTB, num, optional=True),
                       "田坎系数 (KCXS): 耕地 is net of it and the 田坎 counts as 农用地. Used when the layer has the field.", advanced=True)
        self.add_param(QgsProcessingParameterNumber(self.TOLERANCE, tr("Tolerance (%)"), QgsProcessingParameterNumber.Double, 1.0, minValue=0.0),
                       "Largest difference rate that passes (1 % in the provinces' review rules [S]).")
        self.add_param(QgsProcessingParameterEnum(self.DENOMINATOR, tr("Difference rate of"), [tr(x) for x in DENOMINATOR_LABELS], defaultValue=0),
                       "Which side the difference is divided by; the source does not say [R].", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.COMBINE, tr("Pass when"), [tr(x) for x in COMBINE_LABELS], defaultValue=0),
                       "The rule reads “总面积差异在1%以内或各地类面积差异在1%以内” [S]: 或 by default; stricter readings on request.", advanced=True)
        self.add_param(QgsProcessingParameterString(self.TITLE, tr("Project name"), defaultValue="", optional=True),
                       "Project name for the table's title, e.g. 某某项目.")
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them and log.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Fit table"), QgsProcessing.TypeVector),
                       "One row per item: declared and fitted area (公顷), difference, rate and whether it is within the tolerance.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Workbook: 报批套合分析表 and 数据说明.")
        self.addOutput(QgsProcessingOutputString("VERDICT", tr("Verdict")))

    def output_help(self):
        return {"VERDICT": tr("通过 or 不通过, with the rule applied.")}

    def checkParameterValues(self, parameters, context):
        if BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)] == "attribute" and \
                not self.parameterAsString(parameters, self.AREA, context):
            return False, tr("The area basis is 'attribute field' but no area field is chosen (e.g. TBMJ).")
        return super().checkParameterValues(parameters, context)

    def run_algorithm(self, parameters, context, feedback):
        from ...core.monitoring import MonitoringDataError, Vintage
        from ...core.monitoring.ledger import fit_rows
        from ...core.monitoring.surveyfit import fit_project, load_declared
        from ...core.overlay import Cancelled

        t0 = time.time()
        log: list = []
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        dpath = self.parameterAsFile(parameters, self.DECLARED, context)
        try:
            declared = load_declared(dpath) if dpath else {}
        except MonitoringDataError as exc:
            raise QgsProcessingException(str(exc)) from exc

        def apply_policy(data):
            return qgis_io.apply_geometry_policy(data, policy, feedback, log)

        psrc = qgis_io.open_source(self, parameters, self.PROJECT, context, log, feedback)
        if psrc is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.PROJECT))
        pname = qgis_io.layer_name(parameters, self.PROJECT, context, psrc)
        qgis_io.require_features(psrc, pname)
        dsrc = qgis_io.open_source(self, parameters, self.DLTB, context, log, feedback)
        if dsrc is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.DLTB))
        dname = qgis_io.layer_name(parameters, self.DLTB, context, dsrc)
        qgis_io.require_features(dsrc, dname)
        work_crs = qgis_io.working_crs_for(psrc, context)   # the project's CRS: its coordinate area is what it declares
        project = qgis_io.read_layer(psrc, [], work_crs, context, feedback, name=pname,
                                     path=qgis_io.source_path(parameters, self.PROJECT, context), progress_span=(0, 10))
        apply_policy(project)
        got = read_vintage(self, parameters, context, feedback, log, work_crs, apply_policy, self.DLTB, dsrc, dname, self.CODE,
                           self.AREA if basis == "attribute" else None, self.KCXS, None, basis, (10, 40), "变更调查")
        if got is None:
            return {}
        data, code, area, kcxs, _czcs, _zzsx, how = got
        system = SYSTEMS[self.parameterAsEnum(parameters, self.SYSTEM, context)]
        dltb = Vintage(dname, data.geoms, data.columns[code], system, area, [str(f) for f in data.fids], kcxs)
        try:
            result = beside_event_loop(lambda progress, cancelled: fit_project(project.geoms, dltb, progress=progress,
                                                                               cancelled=cancelled), feedback, (40, 90))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        tol = self.parameterAsDouble(parameters, self.TOLERANCE, context)
        rows, verdict, text = fit_rows(result, declared, tolerance_pct=tol,
                                       denominator=DENOMINATORS[self.parameterAsEnum(parameters, self.DENOMINATOR, context)],
                                       combine=COMBINES[self.parameterAsEnum(parameters, self.COMBINE, context)])
        for n in result.notes:
            feedback.pushWarning(n)
        if not declared:
            feedback.pushInfo(tr("No declared areas: the 总面积 is the coordinate area of the project polygons."))
        results = {self.OUTPUT: self._write_table(parameters, context, rows), "VERDICT": text}
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx:
            from ...core.monitoring.report import write_fit_xlsx

            items = qgis_io.provenance_head("guotukit:surveyfit 报批套合分析", (("勘测定界", project), ("变更调查", data)))
            items += [("勘测定界面积表", dpath or "未提供：总面积取勘测定界图形的平面坐标面积"),
                      ("工作坐标系", qgis_io.crs_description(work_crs)), ("变更调查面积口径", how),
                      ("套合碎块数", f"{result.pieces} 个（其中小于 1 平方米 {result.small_pieces} 个）"),
                      ("取舍规则", "公顷保留 4 位、差异率保留 2 位小数，四舍五入；差值与差异率按表中所列数字计算")]
            items += [("处理记录", x) for x in log] + [("说明", n) for n in result.notes]
            title = self.parameterAsString(parameters, self.TITLE, context) or ""
            try:
                beside_event_loop(lambda progress, cancelled: write_fit_xlsx(
                    rows, text, xlsx, title=f"{title}报批套合分析表", tolerance_pct=tol, provenance=items))
            except (OSError, ValueError) as exc:
                raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(xlsx, exc)) from exc
            results[self.OUTPUT_XLSX] = xlsx
        feedback.pushInfo(tr("Survey fit: {0} ({1:.1f} s).").format(text, time.time() - t0))
        return results

    def _write_table(self, parameters, context, rows):
        spec = [("XM", QVariant.String), ("KCDJ_HA", QVariant.Double), ("TH_HA", QVariant.Double), ("CZ_HA", QVariant.Double),
                ("CYL", QVariant.Double), ("HG", QVariant.String), ("PM_HA", QVariant.Double)]
        sink, dest, fields = self.make_sink(parameters, context, self.OUTPUT, spec)

        def num(v):
            return None if v is None else float(v)

        for r in rows:
            f = QgsFeature(fields)
            f.setAttributes([r["item"], num(r["declared"]), num(r["fitted"]), num(r["diff"]), num(r["rate"]), r["ok"] or "",
                             num(r["planar"])])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest
