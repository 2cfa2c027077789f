"""guotukit:planindicators — 规划实施监测指标: the plan's indicators against their targets."""
from __future__ import annotations

import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
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
from .compliance_check import POLICIES, POLICY_LABELS, read_control_lines


class PlanIndicatorsAlgorithm(GuotuKitAlgorithm):
    REPORT_NAME = "规划实施监测指标"
    REPORT_NAME_PARAMS = ("REGION_NAME",)
    CURRENT = "CURRENT_LAYER"
    CODE = "CODE_FIELD"
    SYSTEM = "SYSTEM"
    AREA_BASIS = "AREA_BASIS"
    AREA = "AREA_FIELD"
    KCXS = "KCXS_FIELD"
    CZCS = "CZCS_FIELD"
    YEAR = "YEAR"
    PREVIOUS = "PREVIOUS_LAYER"
    PREVIOUS_YEAR = "PREVIOUS_YEAR"
    PBF_LAYER = "PBF_LAYER"
    EPRL_LAYER = "EPRL_LAYER"
    UDB_LAYER = "UDB_LAYER"
    TARGETS = "TARGETS"
    INDICATORS = "INDICATORS"
    POP_TOWN = "POPULATION_TOWN"
    POP_TOTAL = "POPULATION_TOTAL"
    REGION_NAME = "REGION_NAME"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    OUTPUT = "OUTPUT"
    OUTPUT_XLSX = "OUTPUT_XLSX"

    GROUP = "monitoring"
    GROUP_NAME = "Monitoring and evaluation"
    ICON_FILE = "monitoring.svg"

    def name(self):
        return "planindicators"

    def displayName(self):
        return tr("Plan implementation indicators")

    def tags(self):
        return ["规划实施监测", "指标", "体检评估", "耕地保有量", "永久基本农田", "城乡建设用地", "monitoring", "indicators"]

    def summary_help(self):
        return tr(
            "规划实施监测指标: computes the plan's indicators (耕地保有量, 永久基本农田保护面积, 生态保护红线面积, 建设用地总规模, "
            "城乡建设用地规模, 城镇开发边界内城乡建设用地比例, per-capita indicators from the population …) from the current DLTB "
            "and the control lines, and judges each against the planner's target table: 达标 / 预警 / 未达标, with the change "
            "since a previous vintage when one is given. Indicator definitions (data/monitoring/indicators.csv) and the "
            "warning rules (status_rules.csv) are data with evidence marks: a province edits a row, not the code."
        )

    def initAlgorithm(self, config=None):
        poly = [QgsProcessing.TypeVectorPolygon]
        num = QgsProcessingParameterField.Numeric
        self.add_param(QgsProcessingParameterFeatureSource(self.CURRENT, tr("Current land use (DLTB)"), poly),
                       "The latest 年度变更调查 DLTB: the current value of every indicator comes from it.")
        self.add_param(QgsProcessingParameterField(self.CODE, tr("Land-use code field"), "DLBM", self.CURRENT, optional=True),
                       "Land-use code (DLBM), kept as text.")
        self.add_param(QgsProcessingParameterEnum(self.SYSTEM, tr("Classification"), [tr(x) for x in SYSTEM_LABELS], defaultValue=0),
                       "Classification of the codes (三调 or 用地用海).")
        self.add_param(QgsProcessingParameterEnum(self.AREA_BASIS, tr("Area basis"), [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES], defaultValue=0),
                       "attribute: the area field (TBMJ, with 田坎), the official survey figures; ellipsoidal or planar: computed.")
        self.add_param(QgsProcessingParameterField(self.AREA, tr("Area field (m², with 田坎)"), "TBMJ", self.CURRENT, num, optional=True),
                       "Area of each parcel in m² including 田坎 (TBMJ), for the attribute basis.")
        self.add_param(QgsProcessingParameterField(self.KCXS, tr("田坎 coefficient field"), "KCXS", self.CURRENT, num, optional=True),
                       "田坎系数 (KCXS): indicators marked net=1 (耕地保有量) are net of it. Used when the layer has the field.", advanced=True)
        self.add_param(QgsProcessingParameterField(self.CZCS, tr("城镇村 field"), "CZCSXM", self.CURRENT, optional=True),
                       "城镇村属性码 (CZCSXM: 201/202 城镇, 203 村庄, with A): needed for 城乡建设用地 and the per-capita indicators.")
        self.add_param(QgsProcessingParameterString(self.YEAR, tr("Current year"), defaultValue="", optional=True),
                       "Label of the current vintage in the table, e.g. 2024.")
        self.add_param(QgsProcessingParameterFeatureSource(self.PREVIOUS, tr("Previous vintage (DLTB)"), poly, optional=True),
                       "Optional: the previous year's DLTB with the same fields; the table then shows the change since it.")
        self.add_param(QgsProcessingParameterString(self.PREVIOUS_YEAR, tr("Previous year"), defaultValue="", optional=True),
                       "Label of the previous vintage, e.g. 2023.")
        self.add_param(QgsProcessingParameterFeatureSource(self.PBF_LAYER, tr("永久基本农田 layer"), poly, optional=True),
                       "Permanent basic farmland (YJJBNT): its dissolved area, and the cropland inside it.")
        self.add_param(QgsProcessingParameterFeatureSource(self.EPRL_LAYER, tr("生态保护红线 layer"), poly, optional=True),
                       "Ecological protection red line (STBHHX): its area, and the construction land inside it.")
        self.add_param(QgsProcessingParameterFeatureSource(self.UDB_LAYER, tr("城镇开发边界 layer"), poly, optional=True),
                       "Urban development boundary (CZKFBJ): its area, and the share of 城乡建设用地 inside it.")
        self.add_param(QgsProcessingParameterFile(self.TARGETS, tr("Target table (CSV or xlsx)"), optional=True, fileFilter="Tables (*.csv *.xlsx)"),
                       "The plan's 规划指标表: indicator (id or name), target (a number, or lo~hi for an interval), attribute "
                       "(约束性/预期性), warn (optional). data/monitoring/targets_example.csv shows the columns. Not given: values only (无目标).")
        self.add_param(QgsProcessingParameterFile(self.INDICATORS, tr("Indicator definitions (CSV or xlsx)"), optional=True,
                                                  fileFilter="Tables (*.csv *.xlsx)"),
                       "Definitions of the indicators (a formula per row). Not given: data/monitoring/indicators.csv.", advanced=True)
        self.add_param(QgsProcessingParameterNumber(self.POP_TOWN, tr("Urban resident population (persons)"), QgsProcessingParameterNumber.Double,
                                                    0.0, minValue=0.0, optional=True),
                       "城镇常住人口, for 人均城镇建设用地面积; 0: not computed (无法计算).")
        self.add_param(QgsProcessingParameterNumber(self.POP_TOTAL, tr("Resident population (persons)"), QgsProcessingParameterNumber.Double,
                                                    0.0, minValue=0.0, optional=True),
                       "常住人口, for indicators per resident defined in the indicator table; 0: not given.")
        self.add_param(QgsProcessingParameterString(self.REGION_NAME, tr("Region name"), defaultValue="", optional=True),
                       "Name of the county or area for the report title, e.g. 某某县.")
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them and log.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Indicator table"), QgsProcessing.TypeVector),
                       "One row per indicator: unit, attribute, target, current value (and previous, change), status and the rule applied.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Workbook: 规划实施监测指标 (coloured by status) and 数据说明.")
        for key, label in (("MET_COUNT", "Indicators 达标"), ("WARN_COUNT", "Indicators 预警"), ("MISSED_COUNT", "Indicators 未达标")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))

    def output_help(self):
        return {"MET_COUNT": tr("Indicators whose status is 达标."), "WARN_COUNT": tr("Indicators whose status is 预警."),
                "MISSED_COUNT": tr("Indicators whose status is 未达标.")}

    def checkParameterValues(self, parameters, context):
        if BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)] == "attribute" and \
                not self.parameterAsString(parameters, self.AREA, context):
            return False, tr("The area basis is 'attribute field' but no area field is chosen (e.g. TBMJ).")
        return super().checkParameterValues(parameters, context)

    def run_algorithm(self, parameters, context, feedback):
        from ...core.monitoring import MonitoringDataError
        from ...core.monitoring.indicators import (
            INDICATORS_FILE,
            IndicatorInput,
            compute_indicators,
            load_indicators,
            load_status_defaults,
            load_targets,
        )
        from ...core.monitoring.ledger import indicator_rows
        from ...core.overlay import Cancelled

        t0 = time.time()
        log: list = []
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        try:
            ind_path = self.parameterAsFile(parameters, self.INDICATORS, context) or str(INDICATORS_FILE)
            indicators = load_indicators(ind_path)
            tpath = self.parameterAsFile(parameters, self.TARGETS, context)
            targets = load_targets(tpath, indicators) if tpath else {}
            defaults = load_status_defaults()
        except MonitoringDataError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if not tpath:
            feedback.pushWarning(tr("No target table: the indicators are computed, their status is 无目标."))

        src = qgis_io.open_source(self, parameters, self.CURRENT, context, log, feedback)
        if src is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.CURRENT))
        name = qgis_io.layer_name(parameters, self.CURRENT, context, src)
        qgis_io.require_features(src, name)
        work_crs = qgis_io.working_crs_for(src, context)
        system = SYSTEMS[self.parameterAsEnum(parameters, self.SYSTEM, context)]

        def apply_policy(data):
            return qgis_io.apply_geometry_policy(data, policy, feedback, log)

        def vintage(key, src_, name_, span, word):
            got = read_vintage(self, parameters, context, feedback, log, work_crs, apply_policy, key, src_, name_,
                               self.CODE, self.AREA if basis == "attribute" else None, self.KCXS, self.CZCS, basis, span, word)
            if got is None:
                return None
            data, code, area, kcxs, czcs, _zzsx, how = got
            if czcs is None:
                log.append(f"{word}图层「{name_}」没有城镇村属性码字段：城乡建设用地与人均指标无法计算")
            return data, IndicatorInput(word, data.geoms, data.columns[code], system, area, kcxs, czcs), how

        cur = vintage(self.CURRENT, src, name, (0, 30), "现状")
        if cur is None:
            return {}
        prev = None
        if parameters.get(self.PREVIOUS):
            psrc = qgis_io.open_source(self, parameters, self.PREVIOUS, context, log, feedback)
            pname = qgis_io.layer_name(parameters, self.PREVIOUS, context, psrc)
            qgis_io.require_features(psrc, pname)
            prev = vintage(self.PREVIOUS, psrc, pname, (30, 50), "上一期")
            if prev is None:
                return {}
        controls, unchecked, ctl_inputs = read_control_lines(
            self, parameters, context, feedback, log, work_crs, apply_policy,
            (("pbf", self.PBF_LAYER, None), ("eprl", self.EPRL_LAYER, None), ("udb", self.UDB_LAYER, None)))
        population = {"城镇常住人口": self.parameterAsDouble(parameters, self.POP_TOWN, context),
                      "常住人口": self.parameterAsDouble(parameters, self.POP_TOTAL, context)}
        try:
            result = beside_event_loop(lambda progress, cancelled: compute_indicators(
                cur[1], indicators, controls={c.role: c.geoms for c in controls}, population=population,
                previous=prev[1] if prev else None, progress=progress, cancelled=cancelled), feedback, (50, 95))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        rows = indicator_rows(result, targets, defaults)
        for note in result.notes:
            feedback.pushWarning(note)
        results = {self.OUTPUT: self._write_table(parameters, context, rows)}
        year = (self.parameterAsString(parameters, self.YEAR, context) or "").strip()
        pyear = (self.parameterAsString(parameters, self.PREVIOUS_YEAR, context) or "").strip()
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx:
            from ...core.monitoring.report import write_indicators_xlsx

            inputs = [("现状图层", cur[0])] + ([("上一期图层", prev[0])] if prev else []) + ctl_inputs
            items = qgis_io.provenance_head("guotukit:planindicators 规划实施监测指标", inputs)
            items += [("工作坐标系", qgis_io.crs_description(work_crs)), ("面积口径", cur[2] + "；控制线面积为工作坐标系平面面积（融合后）"),
                      ("指标定义", ind_path), ("规划目标表", tpath or "未提供（状态为“无目标”）"),
                      ("达标判定参数", "；".join(f"{k} = {v:g}" for k, v in defaults.items()) + "（data/monitoring/status_rules.csv）"),
                      ("人口", "；".join(f"{k} {v:g} 人" for k, v in population.items() if v) or "未输入"),
                      ("未检查的控制线", "；".join(f"{k}：{v}" for k, v in unchecked.items()) or "无"),
                      ("取舍规则", "公顷保留 4 位、百分比与人均指标保留 2 位小数，四舍五入；状态按表中所列数值判定")]
            items += [("处理记录", x) for x in log] + [("说明", n) for n in result.notes]
            region = self.parameterAsString(parameters, self.REGION_NAME, context) or ""
            try:
                beside_event_loop(lambda progress, cancelled: write_indicators_xlsx(
                    rows, xlsx, title=f"{region}规划实施监测指标表", current_label=(f"{year}年现状" if year else "现状值"),
                    previous_label=(f"{pyear}年" if pyear else "上一期") if prev else "", provenance=items))
            except (OSError, ValueError) as exc:
                raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(xlsx, exc)) from exc
            results[self.OUTPUT_XLSX] = xlsx
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("达标", "预警", "未达标")}
        results.update({"MET_COUNT": counts["达标"], "WARN_COUNT": counts["预警"], "MISSED_COUNT": counts["未达标"]})
        feedback.pushInfo(tr("{0} indicators: 达标 {1}, 预警 {2}, 未达标 {3} ({4:.1f} s).").format(
            len(rows), counts["达标"], counts["预警"], counts["未达标"], time.time() - t0))
        return results

    def _write_table(self, parameters, context, rows):
        spec = [("ZBBH", QVariant.String), ("ZBMC", QVariant.String), ("DW", QVariant.String), ("SX", QVariant.String),
                ("FX", QVariant.String), ("MBZ", QVariant.String), ("XZZ", QVariant.Double), ("SYQ", QVariant.Double),
                ("BH", QVariant.Double), ("ZT", QVariant.String), ("YJ", QVariant.String), ("GS", QVariant.String),
                ("ZJDJ", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.OUTPUT, spec)
        for r in rows:
            f = QgsFeature(fields)
            f.setAttributes([r["id"], r["name"], r["unit"], r["attribute"], r["direction"],
                             "" if r["target"] is None else str(r["target"]),
                             None if r["value"] is None else float(r["value"]), None if r["previous"] is None else float(r["previous"]),
                             None if r["change"] is None else float(r["change"]), r["status"], r["rule"], r["formula"], r["evidence"]])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest
