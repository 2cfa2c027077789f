"""guotukit:changedetect — 变化图斑分析: two DLTB vintages → change pieces, flow matrix, suspected problems."""
from __future__ import annotations

import time

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
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
from .compliance_check import POLICIES, POLICY_LABELS, multi_wkbs, read_control_lines, wkb_geometry

SYSTEMS = ("sandiao", "ydyh2023", "ydyh2020")
SYSTEM_LABELS = ("三调工作分类", "用地用海2023", "用地用海2020 (trial)")
BASES = ("attribute", "ellipsoidal", "planar")


class ChangeDetectAlgorithm(GuotuKitAlgorithm):
    REPORT_NAME = "变化图斑分析"
    REPORT_NAME_PARAMS = ("REGION_NAME",)
    BEFORE = "BEFORE_LAYER"
    BEFORE_CODE = "BEFORE_CODE_FIELD"
    BEFORE_SYSTEM = "BEFORE_SYSTEM"
    BEFORE_AREA = "BEFORE_AREA_FIELD"
    BEFORE_KCXS = "BEFORE_KCXS_FIELD"
    BEFORE_ZZSX = "BEFORE_ZZSX_FIELD"
    BEFORE_YEAR = "BEFORE_YEAR"
    AFTER = "AFTER_LAYER"
    AFTER_CODE = "AFTER_CODE_FIELD"
    AFTER_SYSTEM = "AFTER_SYSTEM"
    AFTER_AREA = "AFTER_AREA_FIELD"
    AFTER_KCXS = "AFTER_KCXS_FIELD"
    AFTER_ZZSX = "AFTER_ZZSX_FIELD"
    AFTER_YEAR = "AFTER_YEAR"
    AREA_BASIS = "AREA_BASIS"
    PBF_LAYER = "PBF_LAYER"
    EPRL_LAYER = "EPRL_LAYER"
    UDB_LAYER = "UDB_LAYER"
    LEGAL_LAYERS = "LEGAL_LAYERS"
    LEGAL_KINDS = "LEGAL_KINDS"
    RULE_PROFILE = "RULE_PROFILE"
    CHANGE_RULES = "CHANGE_RULES"
    MIN_PIECE = "MIN_PIECE_M2"
    REGION_NAME = "REGION_NAME"
    CHECK_OVERLAPS = "CHECK_OVERLAPS"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    DETAIL_ROWS = "DETAIL_ROWS"
    CHANGES = "CHANGES"
    SUSPECTS = "SUSPECTS"
    MATRIX = "MATRIX"
    OUTPUT_XLSX = "OUTPUT_XLSX"

    GROUP = "monitoring"
    GROUP_NAME = "Monitoring and evaluation"
    ICON_FILE = "monitoring.svg"

    def name(self):
        return "changedetect"

    def displayName(self):
        return tr("Change detection between two survey vintages")

    def tags(self):
        return ["变化图斑", "变更调查", "三调", "耕地流出", "进出平衡", "新增建设用地", "疑似问题", "卫片", "monitoring", "change"]

    def summary_help(self):
        return tr(
            "变化图斑分析: overlays two DLTB vintages (三调 and a 年度变更调查, or any two years; the same or different "
            "classifications) into change pieces, each with its from → to class (level 1 and 2, 三大类) and area on the 三调 "
            "rules (the earlier parcel's area shared by planar proportion; 田坎 follows its parcel; 耕地 net of 田坎). Change "
            "categories (耕地流出/流入, 新增建设用地, 建设用地减少 …) come from an editable rule table, the suspected problems from "
            "a rule profile with the project type 现状变化 against 永久基本农田, 生态保护红线 and 城镇开发边界. Land only one vintage "
            "covers is reported, never dropped. Outputs: change layer, suspected-problem layer, flow matrix and an Excel workbook."
        )

    def initAlgorithm(self, config=None):
        poly = [QgsProcessing.TypeVectorPolygon]
        num = QgsProcessingParameterField.Numeric
        sides = (
            (self.BEFORE, self.BEFORE_CODE, self.BEFORE_SYSTEM, self.BEFORE_AREA, self.BEFORE_KCXS, self.BEFORE_YEAR, "2019",
             (tr("Earlier vintage (DLTB)"), tr("Earlier land-use code field"), tr("Earlier classification"),
              tr("Earlier area field (m², with 田坎)"), tr("Earlier 田坎 coefficient field"), tr("Earlier year"),
              tr("Earlier planting attribute field")), self.BEFORE_ZZSX,
             tr("Land-use parcels of the earlier vintage (e.g. 三调 2019 or last year's 变更调查 DLTB).")),
            (self.AFTER, self.AFTER_CODE, self.AFTER_SYSTEM, self.AFTER_AREA, self.AFTER_KCXS, self.AFTER_YEAR, "2024",
             (tr("Later vintage (DLTB)"), tr("Later land-use code field"), tr("Later classification"),
              tr("Later area field (m², with 田坎)"), tr("Later 田坎 coefficient field"), tr("Later year"),
              tr("Later planting attribute field")), self.AFTER_ZZSX,
             tr("Land-use parcels of the later vintage (e.g. this year's 年度变更调查 DLTB).")))
        for layer, code, system, area, kcxs, year, default_year, labels, zzsx, what in sides:
            self.add_param(QgsProcessingParameterFeatureSource(layer, labels[0], poly), what)
            self.add_param(QgsProcessingParameterField(code, labels[1], "DLBM", layer, optional=True),
                           "Land-use code (DLBM), kept as text; 101 is read as 0101; K/A suffixes are compared as their base class.")
            self.add_param(QgsProcessingParameterEnum(system, labels[2], [tr(x) for x in SYSTEM_LABELS], defaultValue=0),
                           "Classification of the codes. Two vintages in the same classification (三调 or 用地用海2023) are compared in it; "
                           "otherwise both are converted to 用地用海2023 through the crosswalk.")
            self.add_param(QgsProcessingParameterField(area, labels[3], "TBMJ", layer, num, optional=True),
                           "Area of each parcel in m² including 田坎 (TBMJ), for the attribute basis.")
            self.add_param(QgsProcessingParameterField(kcxs, labels[4], "KCXS", layer, num, optional=True),
                           "田坎系数 (KCXS, 0–1): 耕地 figures are net of it. Used when the layer has the field.", advanced=True)
            self.add_param(QgsProcessingParameterString(year, labels[5], defaultValue=default_year, optional=True),
                           "Label of the vintage in the report (e.g. 2019（三调）).")
            self.add_param(QgsProcessingParameterField(zzsx, labels[6], "ZZSXDM", layer, optional=True),
                           "种植属性代码 (ZZSXDM: LS, FLS, LYFL, WG …). When both vintages have it, cropland that stays cropland "
                           "but turns from grain to non-grain or unfarmed is reported (rule C14). Used when the layer has the field.",
                           advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.AREA_BASIS, tr("Area basis"), [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES], defaultValue=0),
                       "attribute: the area fields (TBMJ), the official survey figures; ellipsoidal: CGCS2000 ellipsoidal area of the "
                       "geometry; planar: area in the projected CRS. Each piece takes its earlier parcel's area in proportion to its planar share.")
        self.add_param(QgsProcessingParameterFeatureSource(self.PBF_LAYER, tr("永久基本农田 layer"), poly, optional=True),
                       "Permanent basic farmland (YJJBNT): new construction and farmland turned to orchard, forest, grass, ponds or "
                       "farm facilities inside it are suspected problems.")
        self.add_param(QgsProcessingParameterFeatureSource(self.EPRL_LAYER, tr("生态保护红线 layer"), poly, optional=True),
                       "Ecological protection red line (STBHHX): new construction inside it is a suspected problem.")
        self.add_param(QgsProcessingParameterFeatureSource(self.UDB_LAYER, tr("城镇开发边界 layer"), poly, optional=True),
                       "Urban development boundary (CZKFBJ): new 城镇类 construction outside it is to be checked.")
        self.add_param(QgsProcessingParameterMultipleLayers(self.LEGAL_LAYERS, tr("Legal basis layers (用地管理信息)"),
                                                            QgsProcessing.TypeVectorPolygon, optional=True),
                       "Land-management records that make a change lawful: 农转用, 征收, 供地, 增减挂钩, 设施农用地备案, 临时用地, "
                       "进出平衡方案流出地块 … What they cover is not listed as a suspected problem; the report counts it.")
        self.add_param(QgsProcessingParameterString(self.LEGAL_KINDS, tr("Kinds of the legal basis layers"), optional=True),
                       "One label per legal basis layer, separated by ; (e.g. 农转用;设施农用地备案). Empty: the layer names.", advanced=True)
        self.add_param(QgsProcessingParameterFile(self.RULE_PROFILE, tr("Suspected-problem rule profile (CSV or xlsx)"), optional=True,
                                                  fileFilter="Tables (*.csv *.xlsx)"),
                       "Rules with the project type 现状变化. Not given: data/rule_profiles/change_monitoring.csv (F01–F04). "
                       "A province's rules are a file of the same columns.", advanced=True)
        self.add_param(QgsProcessingParameterFile(self.CHANGE_RULES, tr("Change category rules (CSV or xlsx)"), optional=True,
                                                  fileFilter="Tables (*.csv *.xlsx)"),
                       "from_group → to_group → category (耕地流出, 新增建设用地 …) with its ledger. Not given: "
                       "data/monitoring/change_rules.csv (C01–C13).", advanced=True)
        self.add_param(QgsProcessingParameterNumber(self.MIN_PIECE, tr("Smallest change piece listed (m²)"), QgsProcessingParameterNumber.Double,
                                                    1.0, minValue=0.0),
                       "Changed pieces smaller than this (boundary slivers between vintages) stay in the totals and the matrix but are "
                       "not listed as change pieces or suspected problems; the report counts them.")
        self.add_param(QgsProcessingParameterString(self.REGION_NAME, tr("Region name"), defaultValue="", optional=True),
                       "Name of the county or area for the report title, e.g. 某某县.")
        self.add_param(QgsProcessingParameterBoolean(self.CHECK_OVERLAPS, tr("Check for overlapping parcels"), defaultValue=True),
                       "Find parcels that overlap inside each vintage (their change would count twice) and report them.", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them and log.", advanced=True)
        self.add_param(QgsProcessingParameterNumber(self.DETAIL_ROWS, tr("Rows of the suspected-problem list in the workbook"),
                                                    QgsProcessingParameterNumber.Integer, 1000, minValue=0),
                       "Longer lists are cut in the workbook (the sheet says so); every part is in the suspected-problem layer.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.CHANGES, tr("Change pieces"), QgsProcessing.TypeVectorPolygon),
                       "One polygon per changed piece (earlier parcel ∩ later parcel): both codes and names, level 1, 三大类, area, "
                       "耕地 areas net of 田坎, categories and rule ids.")
        self.add_param(QgsProcessingParameterFeatureSink(self.SUSPECTS, tr("Suspected problems"), QgsProcessing.TypeVectorPolygon, optional=True),
                       "The parts of change pieces that a rule of the profile flags (inside 永久基本农田 or 生态保护红线, outside 城镇开发边界), "
                       "with the rule, its message and the control feature.")
        self.add_param(QgsProcessingParameterFeatureSink(self.MATRIX, tr("Flow matrix"), QgsProcessing.TypeVector, optional=True),
                       "Long table earlier class × later class (level 2) with the area in m² and 公顷.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Workbook: 变化汇总, 变化流向矩阵, 耕地流向与进出平衡, 疑似问题图斑, 数据说明.")
        for key, label in (("CHANGE_COUNT", "Change pieces listed"), ("SUSPECT_COUNT", "Suspected-problem parts"),
                           ("CROPLAND_OUT_HA", "耕地流出 (ha, net of 田坎)"), ("CROPLAND_IN_HA", "耕地流入 (ha, net of 田坎)"),
                           ("NEW_CONSTRUCTION_HA", "新增建设用地 (ha)"), ("UNCOVERED_HA", "Area only one vintage covers (ha)")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))

    def output_help(self):
        return {"CHANGE_COUNT": tr("Changed pieces in the change layer."),
                "SUSPECT_COUNT": tr("Parts in the suspected-problem layer."),
                "CROPLAND_OUT_HA": tr("Printed 耕地流出合计 of the workbook."), "CROPLAND_IN_HA": tr("Printed 耕地流入合计 of the workbook."),
                "NEW_CONSTRUCTION_HA": tr("Printed area of the category 新增建设用地."),
                "UNCOVERED_HA": tr("Land of either vintage that the other does not cover (not compared).")}

    def checkParameterValues(self, parameters, context):
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        if basis == "attribute":
            for key, label in ((self.BEFORE_AREA, "earlier"), (self.AFTER_AREA, "later")):
                if not self.parameterAsString(parameters, key, context):
                    return False, tr("The area basis is 'attribute field' but the {0} vintage has no area field chosen (e.g. TBMJ).").format(
                        tr("earlier") if label == "earlier" else tr("later"))
        return super().checkParameterValues(parameters, context)

    # ------------------------------------------------------------------------------------------
    def run_algorithm(self, parameters, context, feedback):
        from ...core.compliance import RuleProfile, RuleProfileError
        from ...core.monitoring import ChangeGroups, ChangeRules, MonitoringDataError, Vintage, run_changes
        from ...core.monitoring.change import PROFILE_FILE
        from ...core.monitoring.ledger import build_ledger
        from ...core.overlay import Cancelled

        t0 = time.time()
        log: list = []
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        try:
            groups = ChangeGroups.load()
            rules_path = self.parameterAsFile(parameters, self.CHANGE_RULES, context)
            rules = ChangeRules.load(rules_path, groups=groups) if rules_path else ChangeRules.load(groups=groups)
            profile_path = self.parameterAsFile(parameters, self.RULE_PROFILE, context) or str(PROFILE_FILE)
            profile = RuleProfile.load(profile_path)
        except (MonitoringDataError, RuleProfileError) as exc:
            raise QgsProcessingException(str(exc)) from exc

        sources = {}
        for key in (self.BEFORE, self.AFTER):
            src = qgis_io.open_source(self, parameters, key, context, log, feedback)
            if src is None:
                raise QgsProcessingException(self.invalidSourceError(parameters, key))
            name = qgis_io.layer_name(parameters, key, context, src)
            qgis_io.require_features(src, name)
            sources[key] = (src, name)
        work_crs = qgis_io.working_crs_for(sources[self.BEFORE][0], context)
        feedback.pushInfo(tr("Working CRS: {0}").format(qgis_io.crs_description(work_crs)))
        skipped = [0]

        def apply_policy(data):
            rep = qgis_io.apply_geometry_policy(data, policy, feedback, log)
            skipped[0] += len(rep["skipped"])
            return rep

        vintages, inputs, hows, labels = [], [], [], []
        for key, code_key, sys_key, area_key, k_key, z_key, year_key, span, word in (
                (self.BEFORE, self.BEFORE_CODE, self.BEFORE_SYSTEM, self.BEFORE_AREA, self.BEFORE_KCXS, self.BEFORE_ZZSX,
                 self.BEFORE_YEAR, (0, 10), "前期"),
                (self.AFTER, self.AFTER_CODE, self.AFTER_SYSTEM, self.AFTER_AREA, self.AFTER_KCXS, self.AFTER_ZZSX,
                 self.AFTER_YEAR, (10, 20), "后期")):
            src, name = sources[key]
            got = read_vintage(self, parameters, context, feedback, log, work_crs, apply_policy, key, src, name,
                               code_key, area_key if basis == "attribute" else None, k_key, None, basis, span, word, z_key)
            if got is None:
                return {}
            data, code, area, kcxs, _czcs, zzsx, how = got
            kcxs_f = self.parameterAsString(parameters, k_key, context) if kcxs is not None else ""
            year = (self.parameterAsString(parameters, year_key, context) or "").strip()
            label = (f"{year}年" if year.isdigit() else year) if year else word
            system = SYSTEMS[self.parameterAsEnum(parameters, sys_key, context)]
            labels.append(label)
            vintages.append(Vintage(label, data.geoms, data.columns[code], system, area,
                                    [str(f) for f in data.fids], kcxs, zzsx))
            inputs.append((f"{word}图层", data))
            hows.append(f"{label}：{how}" + (f"，田坎系数 {kcxs_f}" if kcxs_f else "，无田坎系数（耕地按图斑面积计）"))
        controls, unchecked, ctl_inputs = read_control_lines(
            self, parameters, context, feedback, log, work_crs, apply_policy,
            (("pbf", self.PBF_LAYER, None), ("eprl", self.EPRL_LAYER, None), ("udb", self.UDB_LAYER, None)))
        inputs += ctl_inputs
        legal = []
        kinds = [k.strip() for k in (self.parameterAsString(parameters, self.LEGAL_KINDS, context) or "").replace("；", ";").split(";") if k.strip()]
        for i, lyr in enumerate(self.parameterAsLayerList(parameters, self.LEGAL_LAYERS, context) or []):
            lname = gate.display_name(lyr)
            data = qgis_io.read_layer(QgsProcessingFeatureSource(lyr, context), [], work_crs, context, feedback, name=lname,
                                      path=gate.safe_source(lyr.source()))
            if len(data):
                apply_policy(data)
            legal.append((kinds[i] if i < len(kinds) else lname, data.geoms))
            inputs.append((f"合法依据：{kinds[i] if i < len(kinds) else lname}", data))
        feedback.pushInfo(tr("Read {0} and {1} parcels in {2:.1f} s.").format(len(vintages[0].ids), len(vintages[1].ids), time.time() - t0))
        min_piece = self.parameterAsDouble(parameters, self.MIN_PIECE, context)
        check = self.parameterAsBool(parameters, self.CHECK_OVERLAPS, context)
        try:
            run = beside_event_loop(lambda progress, cancelled: run_changes(
                vintages[0], vintages[1], groups=groups, rules=rules, controls=controls, unchecked_roles=unchecked,
                profile=profile, min_piece_m2=min_piece, check_overlaps=check, legal=legal, progress=progress, cancelled=cancelled),
                feedback, (22, 88))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        ledger = build_ledger(run)
        for note in ledger.notes:
            feedback.pushWarning(note)
        results = {self.CHANGES: self._write_changes(parameters, context, run, ledger, work_crs)}
        if parameters.get(self.SUSPECTS):
            results[self.SUSPECTS] = self._write_suspects(parameters, context, run, ledger, work_crs)
        if parameters.get(self.MATRIX):
            results[self.MATRIX] = self._write_matrix(parameters, context, run)
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        if xlsx:
            self._write_xlsx(parameters, context, xlsx, run, ledger, inputs, hows, labels, work_crs, profile, rules, unchecked, policy, log)
            results[self.OUTPUT_XLSX] = xlsx
        summary = {r["item"]: r for r in ledger.summary}
        t = ledger.cropland_totals
        new_c = summary.get("新增建设用地", {}).get("area")
        results.update({"CHANGE_COUNT": int(len(run.changes)), "SUSPECT_COUNT": int(len(run.suspects)),
                        "CROPLAND_OUT_HA": float(t["out"]), "CROPLAND_IN_HA": float(t["in"]),
                        "NEW_CONSTRUCTION_HA": float(new_c) if new_c is not None else 0.0,
                        "UNCOVERED_HA": float(sum(r["area"] for r in ledger.summary if r["item"].endswith(("未被前期覆盖", "未被后期覆盖"))))})
        feedback.pushInfo(tr("{0} change pieces, {1} suspected-problem parts; 耕地 out {2} ha, in {3} ha ({4:.1f} s).").format(
            len(run.changes), len(run.suspects), t["out"], t["in"], time.time() - t0))
        return results

    # ------------------------------------------------------------------------------------------
    def _write_changes(self, parameters, context, run, ledger, crs):

        spec = [("BH", QVariant.String), ("BGQ_BSM", QVariant.String), ("BGQ_DLBM", QVariant.String), ("BGQ_DLMC", QVariant.String),
                ("BGQ_YJL", QVariant.String), ("BGQ_SDL", QVariant.String), ("BGH_BSM", QVariant.String), ("BGH_DLBM", QVariant.String),
                ("BGH_DLMC", QVariant.String), ("BGH_YJL", QVariant.String), ("BGH_SDL", QVariant.String),
                ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double), ("GD_OUT_M2", QVariant.Double), ("GD_IN_M2", QVariant.Double),
                ("CATEGORY", QVariant.String), ("RULES", QVariant.String), ("SUSPECT", QVariant.String),
                ("BGQ_ZZSX", QVariant.String), ("BGH_ZZSX", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.CHANGES, spec, QgsWkbTypes.MultiPolygon, crs)
        c = run.changes
        flagged = run.suspects.groupby("change_id")["flag"].agg(lambda x: ";".join(dict.fromkeys(x))).to_dict() if len(run.suspects) else {}
        wkbs = multi_wkbs(c["geometry"].to_numpy()) if len(c) else []
        for i, r in enumerate(c.itertuples()):
            f = QgsFeature(fields)
            if wkbs[i] is not None:
                f.setGeometry(wkb_geometry(wkbs[i]))
            out_m2 = float(r.net_before_m2) if r.crop_before and not r.crop_after else 0.0
            in_m2 = float(r.net_after_m2) if r.crop_after and not r.crop_before else 0.0
            f.setAttributes([r.change_id, r.before_id, r.before_raw, r.before_name, r.before_l1, r.before_three,
                             r.after_id, r.after_raw, r.after_name, r.after_l1, r.after_three,
                             float(r.area_m2), float(ledger.changes_ha[i]), out_m2, in_m2, r.categories, r.rule_ids,
                             flagged.get(r.change_id, ""), r.zzsx_before, r.zzsx_after])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_suspects(self, parameters, context, run, ledger, crs):

        spec = [("BH", QVariant.String), ("FLAG", QVariant.String), ("JIELUN", QVariant.String), ("KZX", QVariant.String),
                ("KZX_ID", QVariant.String), ("BGQ_DL", QVariant.String), ("BGH_DL", QVariant.String),
                ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double), ("MESSAGE", QVariant.String),
                ("LEGAL_M2", QVariant.Double), ("LEGAL", QVariant.String)]
        sink, dest, fields = self.make_sink(parameters, context, self.SUSPECTS, spec, QgsWkbTypes.MultiPolygon, crs)
        s = run.suspects
        legal_m2 = s["legal_m2"].to_numpy() if "legal_m2" in s else [0.0] * len(s)
        legal_kind = s["legal_kinds"].tolist() if "legal_kinds" in s else [""] * len(s)
        wkbs = multi_wkbs(s["geometry"].to_numpy()) if len(s) else []
        for i, (r, printed) in enumerate(zip(s.itertuples(), ledger.suspects)):
            f = QgsFeature(fields)
            if wkbs[i] is not None:
                f.setGeometry(wkb_geometry(wkbs[i]))
            f.setAttributes([r.change_id, r.flag, printed["verdict"], printed["line"], printed["control_id"], printed["before"],
                             printed["after"], float(r.area_m2), float(printed["area"]), r.message, float(legal_m2[i]), legal_kind[i]])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_matrix(self, parameters, context, run):
        from ...core.monitoring.ledger import ha

        spec = [("BGQ_DLBM", QVariant.String), ("BGQ_DLMC", QVariant.String), ("BGH_DLBM", QVariant.String),
                ("BGH_DLMC", QVariant.String), ("CHANGED", QVariant.Int), ("PIECES", QVariant.Int),
                ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double)]
        sink, dest, fields = self.make_sink(parameters, context, self.MATRIX, spec)
        p = run.pieces
        agg = p.groupby(["before_code", "before_name", "after_code", "after_name"], sort=True).agg(
            n=("area_m2", "size"), m2=("area_m2", "sum")).reset_index()
        for r in agg.itertuples():
            f = QgsFeature(fields)
            f.setAttributes([r.before_code, r.before_name, r.after_code, r.after_name, int(r.before_code != r.after_code),
                             int(r.n), float(r.m2), float(ha(r.m2))])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_xlsx(self, parameters, context, path, run, ledger, inputs, hows, labels, work_crs, profile, rules, unchecked, policy, log):
        from ...core.monitoring.report import ChangeReportData, write_change_xlsx
        from ...core.registry import SYSTEM_LABELS as SL

        items = qgis_io.provenance_head("guotukit:changedetect 变化图斑分析", inputs)
        items += [("工作坐标系", qgis_io.crs_description(work_crs)), ("面积口径", hows),
                  ("比较分类", f"{SL.get(run.system, run.system)}（二级类比较；三调 K/A 后缀按基础地类）"),
                  ("碎块面积", "前期图斑面积 × 碎块平面面积 / 前期图斑平面面积；田坎随所在图斑；耕地面积 = 碎块面积 ×（1 − 田坎系数）"),
                  ("变化类别规则", f"{rules.path}（{len(rules.rules)} 条，可编辑）"),
                  ("疑似问题规则方案", f"{profile.label}｜{profile.path}｜项目类型 现状变化"),
                  ("未检查的控制线", "；".join(f"{k}：{v}" for k, v in unchecked.items()) or "无"),
                  ("最小列出碎块", f"{run.min_piece_m2:g} 平方米"),
                  ("无效图形处理", {"fail": "报错停止", "skip": "跳过并计数", "repair": "修复并记录"}[policy])]
        items += [("处理记录", x) for x in log]
        region = self.parameterAsString(parameters, self.REGION_NAME, context) or ""
        data = ChangeReportData(title=f"{region}变化图斑分析" if region else "变化图斑分析", ledger=ledger,
                                before_label=labels[0], after_label=labels[1], provenance=items,
                                detail_limit=self.parameterAsInt(parameters, self.DETAIL_ROWS, context))
        try:
            beside_event_loop(lambda progress, cancelled: write_change_xlsx(data, path))
        except (OSError, ValueError) as exc:
            raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(path, exc)) from exc


def read_vintage(alg, parameters, context, feedback, log, work_crs, apply_policy, key, src, name, code_key, area_key,
                 kcxs_key, czcs_key, basis, span, word, zzsx_key=None):
    """One DLTB vintage through the input gate: (data, code field, area m² per parcel on ``basis`` — 0 where the
    geometry is missing or the area field unusable, which the log counts —, KCXS or None, CZCSXM or None, how the
    areas were made), or None when cancelled.  An optional KCXS/CZCSXM field is used when the layer has it."""
    code = alg.parameterAsString(parameters, code_key, context) or "DLBM"
    qgis_io.require_field(src, code, tr("land-use code field"), name)
    area_f = alg.parameterAsString(parameters, area_key, context) if area_key else ""
    if area_f:
        qgis_io.require_field(src, area_f, tr("area field"), name)
    optional = []
    for k in (kcxs_key, czcs_key, zzsx_key):
        f = (alg.parameterAsString(parameters, k, context) or "") if k else ""
        if f and src.fields().lookupField(f) < 0:
            if parameters.get(k):
                qgis_io.require_field(src, f, tr("field"), name)
            f = ""
        optional.append(f)
    kcxs_f, czcs_f, zzsx_f = optional
    data = qgis_io.read_layer(src, [f for f in (code, area_f, kcxs_f, czcs_f, zzsx_f) if f], work_crs, context, feedback, name=name,
                              path=qgis_io.source_path(parameters, key, context), progress_span=span)
    if feedback.isCanceled():
        return None
    apply_policy(data)
    if data.reprojected:
        log.append(f"{word}图层由 {data.crs_desc} 重投影到工作坐标系 {qgis_io.crs_description(work_crs)}")
    if area_f:
        parsed = qgis_io.area_field(data, area_f, feedback, log)
        area = parsed.values
        for i in parsed.bad:        # never measured as 0 m²: the parcel is left out and counted
            data.geoms[i] = None
        how = qgis_io.area_method_zh(work_crs, basis, area_f)
    else:
        area, _ = qgis_io.areas_m2(data.geoms, work_crs, basis, context.transformContext())
        how = qgis_io.area_method_zh(work_crs, basis)
    area = np.nan_to_num(np.where(qgis_io.missing_geometry(data.geoms), 0.0, area), nan=0.0)
    kcxs = None
    if kcxs_f:
        kcxs = np.nan_to_num(qgis_io.numbers(data.columns[kcxs_f]), nan=0.0)
        if (kcxs > 1).any():   # given in percent
            kcxs = np.where(kcxs > 1, kcxs / 100.0, kcxs)
    czcs = data.columns[czcs_f] if czcs_f else None
    zzsx = data.columns[zzsx_f] if zzsx_f else None
    return data, code, area, kcxs, czcs, zzsx, how
