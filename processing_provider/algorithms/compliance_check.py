"""guotukit:compliancecheck — 合规性检查 against 三区三线 and other control layers."""
from __future__ import annotations

import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
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

from ...core.compliance import ROLE_ZH
from ...plugin.i18n import tr
from .. import gate, qgis_io
from ..worker import beside_event_loop
from .base import GuotuKitAlgorithm

SYSTEMS = ("ydyh2023", "ydyh2020", "sandiao")
SYSTEM_LABELS = ("用地用海2023", "用地用海2020 (trial)", "三调工作分类")
BASES = ("ellipsoidal", "planar", "attribute")
POLICIES = ("fail", "skip", "repair")
POLICY_LABELS = ("Stop with an error", "Skip and count", "Repair (make valid) and log")
PROJECT_TYPES = ("一般建设项目", "国家重大项目", "线性基础设施", "生态保护修复", "农业设施", "军事国防", "规划方案")
AUTO_PROJECT = "自动（规划图层按规划方案，其余按一般建设项目）"
ZONE_FIELDS = {"eprl": ("ZRBHDFQ",), "udb": ("GHFQMC", "GHFQ")}


class ComplianceCheckAlgorithm(GuotuKitAlgorithm):
    REPORT_NAME = "合规性检查"
    REPORT_NAME_PARAMS = ("TITLE",)
    SUBJECT_LAYER = "SUBJECT_LAYER"
    SUBJECT_ID_FIELD = "SUBJECT_ID_FIELD"
    SUBJECT_CODE_FIELD = "SUBJECT_CODE_FIELD"
    SUBJECT_SYSTEM = "SUBJECT_SYSTEM"
    PROJECT_TYPE = "PROJECT_TYPE"
    PBF_LAYER = "PBF_LAYER"
    EPRL_LAYER = "EPRL_LAYER"
    EPRL_ZONE_FIELD = "EPRL_ZONE_FIELD"
    UDB_LAYER = "UDB_LAYER"
    UDB_ZONE_FIELD = "UDB_ZONE_FIELD"
    EXTRA_LAYERS = "EXTRA_LAYERS"
    EXTRA_ROLES = "EXTRA_ROLES"
    BASE_PARCELS = "BASE_PARCELS"
    BASE_CODE_FIELD = "BASE_CODE_FIELD"
    BASE_OWNERSHIP_FIELD = "BASE_OWNERSHIP_FIELD"
    RULE_PROFILE = "RULE_PROFILE"
    SLIVER_TOLERANCE = "SLIVER_TOLERANCE"
    AREA_BASIS = "AREA_BASIS"
    AREA_FIELD = "AREA_FIELD"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    TITLE = "TITLE"
    CONFLICTS = "CONFLICTS"
    SUMMARY = "SUMMARY"
    OUTPUT_XLSX = "OUTPUT_XLSX"
    DETAIL_ROWS = "DETAIL_ROWS"

    GROUP = "compliance"
    GROUP_NAME = "Compliance"
    ICON_FILE = "compliance.svg"

    def name(self):
        return "compliancecheck"

    def displayName(self):
        return tr("Compliance check against control lines")

    def tags(self):
        return ["三区三线", "永久基本农田", "生态保护红线", "城镇开发边界", "合规", "审查", "overlay", "compliance"]


    def summary_help(self):
        return tr(
            "Overlays a plan or project parcels on 永久基本农田, 生态保护红线, 城镇开发边界 and any other control "
            "layers, measures what every subject occupies (control features of one role are dissolved, so "
            "overlaps never double-count), breaks conflicts down by current land class and ownership when DLTB "
            "is given, and applies an editable rule profile: each subject gets 通过 / 不通过 / 需论证 with the "
            "reasons and legal basis. A control layer that is not given is reported as 未检查, never as 通过. "
            "Big control polygons are subdivided and indexed, so a whole county runs in seconds."
        )

    def initAlgorithm(self, config=None):
        poly = [QgsProcessing.TypeVectorPolygon]
        self.add_param(QgsProcessingParameterFeatureSource(self.SUBJECT_LAYER, tr("Subject layer (plan or project)"), poly),
                       "Project red lines (项目用地范围) or a planned land-use layer to check.")
        self.add_param(QgsProcessingParameterField(self.SUBJECT_ID_FIELD, tr("Subject id field"), None, self.SUBJECT_LAYER, optional=True),
                       "Field identifying each subject in the report (e.g. XMDM, BSM). Default: the feature id.")
        self.add_param(QgsProcessingParameterField(self.SUBJECT_CODE_FIELD, tr("Subject land-use code field"), None, self.SUBJECT_LAYER, optional=True),
                       "Planned land-use code of each subject (e.g. GHDLBM). Rules depend on it; without it every subject counts as class 未知.")
        self.add_param(QgsProcessingParameterEnum(self.SUBJECT_SYSTEM, tr("Subject classification"), [tr(x) for x in SYSTEM_LABELS], defaultValue=0),
                       "Classification of the subject codes; 三调 and 2020 codes are converted to 用地用海2023 first.")
        self.add_param(QgsProcessingParameterEnum(self.PROJECT_TYPE, tr("Project type"), list(PROJECT_TYPES) + [AUTO_PROJECT],
                                                  defaultValue=len(PROJECT_TYPES)),
                       "Kind of project, as named in the rule profile (一般建设项目, 国家重大项目, 线性基础设施, 生态保护修复, 农业设施, 军事国防, 规划方案). "
                       "自动 (the default): 规划方案 when the subject layer is a plan (its name or fields say GHYD/GHDLBM/规划), else 一般建设项目; the log says which.")
        self.add_param(QgsProcessingParameterFeatureSource(self.PBF_LAYER, tr("永久基本农田 layer"), poly, optional=True),
                       "Permanent basic farmland (YJJBNT / YJJBNTBHTB). Not given: reported as 未检查.")
        self.add_param(QgsProcessingParameterFeatureSource(self.EPRL_LAYER, tr("生态保护红线 layer"), poly, optional=True),
                       "Ecological protection red line (STBHHX). Not given: reported as 未检查.")
        self.add_param(QgsProcessingParameterField(self.EPRL_ZONE_FIELD, tr("Red-line zone field"), None, self.EPRL_LAYER, optional=True),
                       "Field telling 核心保护区 from 一般控制区 (e.g. ZRBHDFQ). Detected automatically when named ZRBHDFQ.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSource(self.UDB_LAYER, tr("城镇开发边界 layer"), poly, optional=True),
                       "Urban development boundary (CZKFBJ). Building outside it is checked too. Not given: 未检查.")
        self.add_param(QgsProcessingParameterField(self.UDB_ZONE_FIELD, tr("Boundary zone field"), None, self.UDB_LAYER, optional=True),
                       "Field with 城镇集中建设区 / 城镇弹性发展区 / 特别用途区 (e.g. GHFQMC). Detected automatically when named GHFQMC.", advanced=True)
        self.add_param(QgsProcessingParameterMultipleLayers(self.EXTRA_LAYERS, tr("Other control layers"), QgsProcessing.TypeVectorPolygon, optional=True),
                       "Any other control layers (历史文化保护线, 洪涝风险控制线, 自然保护地核心保护区, 地质灾害风险区 ...).")
        self.add_param(QgsProcessingParameterString(self.EXTRA_ROLES, tr("Roles of the other layers"), optional=True),
                       "Role names of the other control layers, in the same order, separated by ';' (e.g. 历史文化保护线;洪涝风险控制线). "
                       "They must match the role column of the rule profile; default: the layer names.")
        self.add_param(QgsProcessingParameterFeatureSource(self.BASE_PARCELS, tr("Current land-use parcels (DLTB)"), poly, optional=True),
                       "Optional 三调/变更调查 DLTB layer: every conflict is broken down by current class (耕地, 其中水田 ...) and ownership.")
        self.add_param(QgsProcessingParameterField(self.BASE_CODE_FIELD, tr("DLTB code field"), "DLBM", self.BASE_PARCELS, optional=True),
                       "三调 land-use code field of the DLTB layer (DLBM).")
        self.add_param(QgsProcessingParameterField(self.BASE_OWNERSHIP_FIELD, tr("DLTB ownership field"), "QSXZ", self.BASE_PARCELS, optional=True),
                       "Ownership field (QSXZ: 10/20 国有, 30–34/40 集体).")
        self.add_param(QgsProcessingParameterFile(self.RULE_PROFILE, tr("Rule profile (CSV or xlsx)"), optional=True, fileFilter="Rule profiles (*.csv *.xlsx)"),
                       "Rule profile editable in Excel/WPS; default: data/rule_profiles/national_default.csv (全国默认, draft, with evidence marks).")
        self.add_param(QgsProcessingParameterNumber(self.SLIVER_TOLERANCE, tr("Sliver tolerance (m²)"), QgsProcessingParameterNumber.Double, 1.0, minValue=0.0),
                       "Overlaps smaller than this (m²) are listed as slivers (碎片), not counted as conflicts.")
        self.add_param(QgsProcessingParameterEnum(self.AREA_BASIS, tr("Area basis"), [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES], defaultValue=0),
                       "Ellipsoidal (CGCS2000, as TBMJ), planar (projected CRS) or an attribute field of the subjects; pieces get their subject's area in proportion.")
        self.add_param(QgsProcessingParameterField(self.AREA_FIELD, tr("Subject area field (m²)"), None, self.SUBJECT_LAYER, QgsProcessingParameterField.Numeric, optional=True),
                       "Official area of each subject in m² (e.g. YDMJ), for the attribute basis.", advanced=True)
        self.add_param(QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid geometries"), [tr(x) for x in POLICY_LABELS], defaultValue=0),
                       "What to do with invalid geometries in any input: stop with an error naming them, skip and count them, or repair them (make valid) and log.")
        self.add_param(QgsProcessingParameterString(self.TITLE, tr("Report title"), defaultValue="", optional=True),
                       "Name used in the report titles, e.g. the project or plan name.", advanced=True)
        self.add_param(QgsProcessingParameterFeatureSink(self.CONFLICTS, tr("Conflicts"), QgsProcessing.TypeVectorPolygon),
                       "One polygon per subject × control feature × current class: ids, role, areas in m²/公顷/亩, current class and ownership, rule id, verdict, message.")
        self.add_param(QgsProcessingParameterFeatureSink(self.SUMMARY, tr("Subject verdicts"), QgsProcessing.TypeVectorPolygon, optional=True),
                       "Each subject with its occupied area and % per role, its verdict (通过/不通过/需论证) and the reasons.")
        self.add_param(QgsProcessingParameterFileDestination(self.OUTPUT_XLSX, tr("Excel report"), "Excel (*.xlsx)", optional=True),
                       "Approval-ready workbook: 审查结论汇总, 审查结论, 控制线内地类, 冲突明细, 适用规则, 数据说明.")
        self.add_param(QgsProcessingParameterNumber(self.DETAIL_ROWS, tr("Rows listed per detail sheet"), QgsProcessingParameterNumber.Integer,
                                                    1000, minValue=0),
                       "审查结论 and 冲突明细 list at most this many rows (不通过 first); every row is in a CSV beside the workbook "
                       "(<name>_审查结论.csv, <name>_冲突明细.csv) and in the layers. 0 lists every row (slow and hundreds of pages for a county).",
                       advanced=True)
        for key, label in (("PASS_COUNT", "Subjects 通过"), ("FAIL_COUNT", "Subjects 不通过"), ("REVIEW_COUNT", "Subjects 需论证"),
                           ("CONFLICT_COUNT", "Conflict pieces"), ("SKIPPED_COUNT", "Features skipped")):
            self.addOutput(QgsProcessingOutputNumber(key, tr(label)))

    def output_help(self):
        return {"PASS_COUNT": tr("Number of subjects with verdict 通过."), "FAIL_COUNT": tr("Number with 不通过."),
                "REVIEW_COUNT": tr("Number with 需论证."), "CONFLICT_COUNT": tr("Features in the conflicts layer."),
                "SKIPPED_COUNT": tr("Features skipped for null or invalid geometry.")}

    def checkParameterValues(self, parameters, context):
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        if basis == "attribute" and not self.parameterAsString(parameters, self.AREA_FIELD, context):
            return False, tr("The area basis is 'attribute field' but no subject area field is chosen.")
        if not any(parameters.get(k) for k in (self.PBF_LAYER, self.EPRL_LAYER, self.UDB_LAYER, self.EXTRA_LAYERS)):
            return False, tr("Choose at least one control layer (永久基本农田, 生态保护红线, 城镇开发边界 or another).")
        return super().checkParameterValues(parameters, context)

    # ------------------------------------------------------------------------------------------
    def run_algorithm(self, parameters, context, feedback):
        import numpy as np

        from ...core.compliance import RuleProfile, RuleProfileError
        from ...core.compliance import compute as cr
        from ...core.overlay import Cancelled

        t0 = time.time()
        log = []
        subject = qgis_io.open_source(self, parameters, self.SUBJECT_LAYER, context, log, feedback)
        if subject is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.SUBJECT_LAYER))
        qgis_io.require_features(subject)
        id_field = self.parameterAsString(parameters, self.SUBJECT_ID_FIELD, context)
        code_field = self.parameterAsString(parameters, self.SUBJECT_CODE_FIELD, context)
        system = SYSTEMS[self.parameterAsEnum(parameters, self.SUBJECT_SYSTEM, context)]
        pt = self.parameterAsEnum(parameters, self.PROJECT_TYPE, context)
        if pt >= len(PROJECT_TYPES):
            from ...core.compliance import project_type_for

            project_type = project_type_for(qgis_io.layer_name(parameters, self.SUBJECT_LAYER, context, subject),
                                            subject.fields().names())
            feedback.pushInfo(tr("Project type chosen from the subject layer: {0}").format(project_type))
        else:
            project_type = PROJECT_TYPES[pt]
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        area_field = self.parameterAsString(parameters, self.AREA_FIELD, context)
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]
        tol = self.parameterAsDouble(parameters, self.SLIVER_TOLERANCE, context)
        for f, label in ((id_field, tr("subject id field")), (code_field, tr("subject code field")),
                         (area_field if basis == "attribute" else "", tr("subject area field"))):
            if f:
                qgis_io.require_field(subject, f, label)

        profile_path = self.parameterAsFile(parameters, self.RULE_PROFILE, context)
        try:
            profile = RuleProfile.load(profile_path) if profile_path else RuleProfile.default()
        except RuleProfileError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if project_type not in profile.project_types():
            raise QgsProcessingException(
                tr("The rule profile {0} has no rules for project type «{1}». Its project types are: {2}.").format(
                    profile.label, project_type, "、".join(profile.project_types())))

        work_crs = qgis_io.working_crs_for(subject, context)
        if basis == "planar" and subject.sourceCrs().isGeographic():
            raise QgsProcessingException(tr(
                "Planar areas cannot be computed in the geographic CRS {0}. Choose the ellipsoidal basis or reproject the subject layer."
            ).format(qgis_io.crs_description(subject.sourceCrs())))
        feedback.pushInfo(tr("Working CRS: {0}").format(qgis_io.crs_description(work_crs)))
        skipped_total = 0

        def apply_policy(data):
            nonlocal skipped_total
            rep = qgis_io.apply_geometry_policy(data, policy, feedback, log)
            skipped_total += len(rep["skipped"])
            return rep

        # the DLTB parcels (BASE_PARCELS): checked before anything is read; when they are the subject layer
        # itself (a county's DLTB checked against its control lines), the layer is read once
        base_src, bdata, base_fields, shared = None, None, [], False
        bcode = self.parameterAsString(parameters, self.BASE_CODE_FIELD, context) or "DLBM"
        bown = self.parameterAsString(parameters, self.BASE_OWNERSHIP_FIELD, context) or "QSXZ"
        if parameters.get(self.BASE_PARCELS):
            base_src = qgis_io.open_source(self, parameters, self.BASE_PARCELS, context, log, feedback)
            if base_src is not None and base_src.featureCount() == 0:
                base_src = None
        if base_src is not None:
            qgis_io.require_field(base_src, bcode, tr("DLTB code field"))
            own_ok = base_src.fields().lookupField(bown) >= 0
            base_fields = [bcode, bown if own_ok else "", "BSM" if base_src.fields().lookupField("BSM") >= 0 else ""]
            base_name = qgis_io.layer_name(parameters, self.BASE_PARCELS, context, base_src)
            shared = qgis_io.same_layer(self, parameters, self.SUBJECT_LAYER, self.BASE_PARCELS, context)

        # subjects
        fields = [id_field, code_field, area_field if basis == "attribute" else ""]
        if shared:
            fields += [f for f in base_fields if f and f not in fields]
        subj = qgis_io.read_layer(subject, fields, work_crs, context, feedback,
                                  name=qgis_io.layer_name(parameters, self.SUBJECT_LAYER, context, subject),
                                  path=qgis_io.source_path(parameters, self.SUBJECT_LAYER, context), progress_span=(0, 10))
        if feedback.isCanceled():
            return {}
        apply_policy(subj)
        if shared:  # the same features: their own copy of the geometries (subjects may lose some below)
            bdata = qgis_io.LayerData(base_name, subj.fids, subj.columns, subj.geoms.copy(), subj.crs_desc, subj.n_null,
                                      subj.reprojected, qgis_io.source_path(parameters, self.BASE_PARCELS, context))
            bdata.outside = list(subj.outside)
            feedback.pushInfo(tr("The DLTB layer is the subject layer: read once."))
        not_checked = {i: "坐标超出坐标系适用范围，未能检查（coordinates outside the CRS's area of use: not checked）"
                       for i in subj.outside}
        ids = [str(v) if v is not None else "" for v in subj.columns[id_field]] if id_field else [str(f) for f in subj.fids]
        if basis == "attribute":
            parsed = qgis_io.area_field(subj, area_field, feedback, log)
            areas, how = parsed.values, tr("attribute field (m²)")
            for i in parsed.bad:  # never measured as 0 m² (that would read 通过「不涉及」)
                subj.geoms[i] = None
                not_checked.setdefault(i, f"面积字段 {area_field} 为空、负值或无法识别，未能检查（area field unusable: not checked）")
        else:
            areas, how = qgis_io.areas_m2(subj.geoms, work_crs, basis, context.transformContext())
        feedback.pushInfo(how)
        areas = np.nan_to_num(areas, nan=0.0)

        # control layers
        controls, unchecked, inputs = read_control_lines(
            self, parameters, context, feedback, log, work_crs, apply_policy,
            (("pbf", self.PBF_LAYER, None), ("eprl", self.EPRL_LAYER, self.EPRL_ZONE_FIELD), ("udb", self.UDB_LAYER, self.UDB_ZONE_FIELD)))
        inputs.insert(0, ("主体图层", subj))
        extra_layers = self.parameterAsLayerList(parameters, self.EXTRA_LAYERS, context) or []
        extra_roles = [r.strip() for r in (self.parameterAsString(parameters, self.EXTRA_ROLES, context) or "").replace("；", ";").split(";") if r.strip()]
        for i, lyr in enumerate(extra_layers):
            lname = gate.display_name(lyr)
            role = extra_roles[i] if i < len(extra_roles) else lname
            # read through a feature source (as parameterAsSource does): never the project layer itself off its thread
            data = qgis_io.read_layer(QgsProcessingFeatureSource(lyr, context), [], work_crs, context, feedback, name=lname,
                                      path=gate.safe_source(lyr.source()))
            if len(data):
                apply_policy(data)
            if not len(data) or qgis_io.missing_geometry(data.geoms).all():
                unchecked[role] = f"图层「{lname}」为空或没有可用的面图形，未检查"
                log.append(f"控制线图层「{lname}」为空或没有可用的面图形：{role} 未检查")
                feedback.pushWarning(tr("Control layer «{0}» is empty or has no usable polygon: {1} reported as 未检查 (not checked).").format(lname, role))
                continue
            controls.append(cr.ControlInput(role, data.geoms, [str(f) for f in data.fids], label=role,
                                            layer=f"{lname}（{len(data)} 个要素）"))
            inputs.append((role, data))

        base = None
        if base_src is not None:
            if bdata is None:
                bdata = qgis_io.read_layer(base_src, base_fields, work_crs, context, feedback, name=base_name,
                                           path=qgis_io.source_path(parameters, self.BASE_PARCELS, context))
                apply_policy(bdata)
            base = cr.BaseInput(bdata.geoms, bdata.columns[bcode], bdata.columns.get(bown, [None] * len(bdata)),
                                bdata.columns.get("BSM") or [str(f) for f in bdata.fids], same_as_subjects=shared)
            inputs.append(("现状地类图斑（DLTB）", bdata))

        t_read = time.time() - t0
        feedback.pushInfo(tr("Read {0} subjects and {1} control layers in {2:.1f} s.").format(len(subj), len(controls), t_read))
        try:
            codes = subj.columns.get(code_field) if code_field else None
            res = beside_event_loop(lambda progress, cancelled: cr.run_compliance(
                subj.geoms, ids, codes, system, areas, controls, unchecked, profile, project_type, base=base,
                sliver_tolerance=tol, progress=progress, cancelled=cancelled), feedback, (10, 90))
        except Cancelled:
            feedback.pushWarning(tr("Cancelled: nothing was written."))
            return {}
        for i, reason in not_checked.items():  # the gate's subjects: 需论证, with why, never 通过
            res.subjects.loc[res.subjects["subject"] == i, ["verdict", "verdict_zh", "reasons"]] = ["review", "需论证", reason]
        for w in res.warnings:
            feedback.pushWarning(w)
            log.append(w)
        for r in res.roles:
            if r["checked"]:
                feedback.pushInfo(tr("{0}: {1} features ({2} pieces after subdivision, largest {3} vertices); {4} subjects occupy "
                                     "{5:.4f} ha; slivers {6:.2f} m².").format(r["label"], r["features"], r.get("pieces_after_subdivision", 0),
                                                                               r.get("max_vertices", 0), r["subjects_hit"], r["occupied_m2"] / 10000, r["sliver_m2"]))
            else:
                feedback.pushWarning(tr("{0}: not checked ({1}).").format(r["label"], r["layer"]))

        results = {}
        xlsx = self.parameterAsFileOutput(parameters, self.OUTPUT_XLSX, context)
        detail_rows = self.parameterAsInt(parameters, self.DETAIL_ROWS, context)
        # one report data for the conflict layer and the workbook: a piece's 公顷/亩 are worked out once
        report = (self._report_data(res, profile, base is not None, self.parameterAsString(parameters, self.TITLE, context),
                                    detail_rows) if xlsx else None)
        conflicts_id = self._write_conflicts(parameters, context, res, work_crs, report)
        results[self.CONFLICTS] = conflicts_id
        if parameters.get(self.SUMMARY):
            results[self.SUMMARY] = self._write_summary(parameters, context, res, subj, work_crs)
        if xlsx:
            report.provenance = self._provenance(parameters, context, inputs, work_crs, basis, profile, project_type, tol,
                                                 policy, log, t0)
            self._write_xlsx(xlsx, report)
            results[self.OUTPUT_XLSX] = xlsx
        counts = res.verdict_counts()
        results.update({"PASS_COUNT": counts["pass"], "FAIL_COUNT": counts["fail"], "REVIEW_COUNT": counts["review"],
                        "CONFLICT_COUNT": int(len(res.conflicts)), "SKIPPED_COUNT": skipped_total + len(not_checked)})
        feedback.pushInfo(tr("Verdicts: {0} 通过, {1} 不通过, {2} 需论证 ({3:.1f} s).").format(
            counts["pass"], counts["fail"], counts["review"], time.time() - t0))
        return results

    # ------------------------------------------------------------------------------------------
    def _write_conflicts(self, parameters, context, res, crs, report=None):
        """The conflict layer; with a report (its ComplianceReportData) its 公顷/亩 are the report's, balanced as
        the sheet's listed rows and the rest are."""
        spec = [("SUBJ_ID", QVariant.String), ("ROLE", QVariant.String), ("ROLE_ZH", QVariant.String),
                ("CTRL_ID", QVariant.String), ("ZONE", QVariant.String), ("POSITION", QVariant.String),
                ("DLBM", QVariant.String), ("DLMC", QVariant.String), ("SDL", QVariant.String), ("QSXZ_GRP", QVariant.String),
                ("BASE_BSM", QVariant.String), ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double),
                ("AREA_MU", QVariant.Double), ("SLIVER", QVariant.Int), ("RULE_ID", QVariant.String),
                ("VERDICT", QVariant.String), ("MESSAGE", QVariant.String)]
        fields = QgsFields()
        for n, t in spec:
            fields.append(qgis_io.make_field(n, t))
        sink, dest = self.parameterAsSink(parameters, self.CONFLICTS, context, fields, QgsWkbTypes.MultiPolygon, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.CONFLICTS))
        import numpy as np
        import shapely

        c = res.conflicts
        n = len(c)
        wkbs = multi_wkbs(shapely.force_2d(c["geometry"].to_numpy())) if n else []
        area = c["area_m2"].to_numpy(dtype=float) if n else np.empty(0, dtype=float)
        # AREA_M2 is the exact figure; 公顷/亩 are the values 冲突明细 prints (balanced per control line)
        from ...core.compliance.ledger import conflict_figures, piece_areas

        m2 = area
        if report is not None and n:
            _printed_m2, ha, mu = conflict_figures(report)
        else:
            _printed_m2, ha, mu = piece_areas(area, c["role_label"].tolist() if n else [],
                                              c["sliver"].to_numpy(dtype=bool) if n else [], 4)
        pos = ["内" if p == "inside" else "外" for p in c["position"]]
        msg = [m if isinstance(m, str) else "" for m in c["message"]]
        rule = [r if isinstance(r, str) else "" for r in c["rule_id"]]
        cols = [c[k].tolist() for k in ("subject_id", "role", "role_label", "control_id", "zone")]
        cols2 = [c[k].tolist() for k in ("base_code", "base_name", "base_group", "ownership", "base_ids")]
        sliver = c["sliver"].astype(int).tolist() if n else []
        vz = c["verdict_zh"].tolist() if n else []
        for i in range(n):
            f = QgsFeature(fields)
            if wkbs[i] is not None:
                f.setGeometry(wkb_geometry(wkbs[i]))
            f.setAttributes([cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i], pos[i], cols2[0][i],
                             cols2[1][i], cols2[2][i], cols2[3][i], cols2[4][i], float(m2[i]), float(ha[i]),
                             float(mu[i]), sliver[i], rule[i], vz[i], msg[i]])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _write_summary(self, parameters, context, res, subj, crs):
        from ...core.rounding import rhu_array

        roles = [r["role"] for r in res.roles]
        fields = QgsFields()
        base_spec = [("SUBJ_ID", QVariant.String), ("CODE", QVariant.String), ("CODE_NAME", QVariant.String),
                     ("AREA_M2", QVariant.Double), ("AREA_HA", QVariant.Double)]
        for n, t in base_spec:
            fields.append(qgis_io.make_field(n, t))
        short = {}
        for role in roles:
            s = role.upper()[:6] if role.isascii() else f"R{len(short) + 1}"
            short[role] = s
            fields.append(qgis_io.make_field(f"{s}_M2", QVariant.Double))
            fields.append(qgis_io.make_field(f"{s}_HA", QVariant.Double))
            fields.append(qgis_io.make_field(f"{s}_PCT", QVariant.Double))
            fields.append(qgis_io.make_field(f"{s}_ST", QVariant.String))
        for n in ("VERDICT", "REASONS", "RULE_IDS"):
            fields.append(qgis_io.make_field(n, QVariant.String))
        wkb = multi_wkbs(subj.geoms)
        sink, dest = self.parameterAsSink(parameters, self.SUMMARY, context, fields, QgsWkbTypes.MultiPolygon, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.SUMMARY))
        s = res.subjects
        cols = [s["subject_id"].tolist(), [c or "" for c in s["code"]], s["code_name"].tolist(),
                s["area_m2"].to_numpy(dtype=float).tolist(),
                rhu_array(s["area_m2"].to_numpy(dtype=float) / 10000.0, 4).tolist()]
        for role in roles:
            cols.append(s[f"occ_{role}_m2"].to_numpy(dtype=float).tolist())
            cols.append(rhu_array(s[f"occ_{role}_m2"].to_numpy(dtype=float) / 10000.0, 4).tolist())
            cols.append(rhu_array(s[f"pct_{role}"].to_numpy(dtype=float), 2).tolist())
            cols.append(s[f"status_{role}"].tolist())
        cols.append(s["verdict_zh"].tolist())
        cols.append([r if isinstance(r, str) else "" for r in s["reasons"]])
        cols.append([r if isinstance(r, str) else "" for r in s.get("rule_ids", [""] * len(s))])
        rows = list(zip(*cols))
        for i, vals in enumerate(rows):
            f = QgsFeature(fields)
            if wkb[i] is not None:
                f.setGeometry(wkb_geometry(wkb[i]))
            f.setAttributes(list(vals))
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        return dest

    def _provenance(self, parameters, context, inputs, work_crs, basis, profile, project_type, tol, policy, log, t0):

        items = qgis_io.provenance_head("guotukit:compliancecheck 合规性检查", inputs)
        items += [("工作坐标系", qgis_io.crs_description(work_crs)), ("面积口径", f"{basis}：{qgis_io.area_method_zh(work_crs, basis, self.parameterAsString(parameters, self.AREA_FIELD, context))}"),
                  ("面积分摊", "冲突碎片按其占主体图形面积的比例分摊主体面积，各碎片之和与主体面积一致"),
                  ("取舍规则", "先以平方米求和，再换算为公顷（4 位小数）、亩（2 位小数），按四舍五入（ROUND_HALF_UP）"),
                  ("碎片容差", f"{tol} 平方米：小于容差的重叠为碎片，不计入涉及面积，不列入冲突明细表（冲突图层中标记）"),
                  ("控制线融合", "同一控制线的要素融合后计算涉及面积，重叠要素不重复计"),
                  ("无效图形处理", {"fail": "报错停止", "skip": "跳过并计数", "repair": "修复并记录"}[policy]),
                  ("规则方案", f"{profile.label}｜{profile.path or '内置'}"), ("项目类型", project_type),
                  ("Z/M 值", "面积计算时忽略 Z/M 值；曲线已按 QGIS 默认容差分段")]
        items += [("处理记录", x) for x in log]
        return items

    def _report_data(self, res, profile, has_base, title, detail_rows=1000):
        import pandas as pd

        from ...core.compliance.report import ComplianceReportData

        rules = pd.DataFrame(profile.to_rows())
        used = set(res.conflicts["rule_id"].dropna()) | set(res.rows["rule_id"].dropna())
        rules["applied"] = rules["rule_id"].isin(used)
        return ComplianceReportData(title=title or "", subjects=res.subjects, roles=res.roles, conflicts=res.conflicts,
                                    rules=rules, provenance=[], has_base=has_base, detail_limit=detail_rows)

    def _write_xlsx(self, path, data):
        from ...core.compliance.report import write_compliance_xlsx

        try:
            beside_event_loop(lambda progress, cancelled: write_compliance_xlsx(data, path))
        except (OSError, ValueError) as exc:
            raise QgsProcessingException(tr("Could not write the Excel report {0}: {1}").format(path, exc)) from exc


def read_control_lines(alg, parameters, context, feedback, log, work_crs, apply_policy, spec):
    """The standard control lines of ``spec`` = [(role, layer parameter, zone-field parameter or None)] as
    ControlInputs: a missing, empty or geometry-less layer is reported as 未检查 (unchecked) with its
    reason, never read as "no conflict".  (controls, unchecked {role: reason}, inputs [(label, data)])."""
    from ...core.compliance import compute as cr

    controls, unchecked, inputs = [], {}, []
    for role, key, zkey in spec:
        src = qgis_io.open_source(alg, parameters, key, context, log, feedback) if parameters.get(key) else None
        if src is None:
            unchecked[role] = "未提供图层"
            continue
        cname = qgis_io.layer_name(parameters, key, context, src)
        if src.featureCount() == 0:
            unchecked[role] = f"图层「{cname}」为空，未检查"
            log.append(f"{ROLE_ZH.get(role, role)}图层「{cname}」为空：该控制线未检查")
            feedback.pushWarning(tr("The {0} layer «{1}» is empty: reported as 未检查 (not checked).").format(ROLE_ZH.get(role, role), cname))
            continue
        zfield = alg.parameterAsString(parameters, zkey, context) if zkey else ""
        if zkey and not zfield:
            zfield = next((f for f in ZONE_FIELDS[role] if src.fields().lookupField(f) >= 0), "")
        data = qgis_io.read_layer(src, [zfield] if zfield else [], work_crs, context, feedback, name=cname,
                                  path=qgis_io.source_path(parameters, key, context))
        apply_policy(data)
        if qgis_io.missing_geometry(data.geoms).all():
            unchecked[role] = f"图层「{cname}」没有可用的面图形，未检查"
            log.append(f"{ROLE_ZH.get(role, role)}图层「{cname}」没有可用的面图形：该控制线未检查")
            feedback.pushWarning(tr("The {0} layer «{1}» has no usable polygon: reported as 未检查 (not checked).").format(ROLE_ZH.get(role, role), cname))
            continue
        controls.append(cr.ControlInput(role, data.geoms, [str(f) for f in data.fids],
                                        zones=data.columns.get(zfield) if zfield else None,
                                        layer=f"{cname}（{len(data)} 个要素{'，分区字段 ' + zfield if zfield else ''}）"))
        inputs.append((ROLE_ZH.get(role, role), data))
    return controls, unchecked, inputs


def multi_wkbs(geoms) -> list:
    """WKB of each geometry as a multi-type (a polygon becomes a one-part multipolygon; None stays None),
    converted for the whole array at once: a layer's features then only need ``fromWkb``."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    for single, make in ((0, shapely.multipoints), (1, shapely.multilinestrings), (3, shapely.multipolygons)):
        at = np.flatnonzero(shapely.get_type_id(geoms) == single)
        if len(at):
            out[at] = make(geoms[at], indices=np.arange(len(at)))
    return shapely.to_wkb(out).tolist() if len(out) else []


def wkb_geometry(wkb: bytes) -> QgsGeometry:
    g = QgsGeometry()
    g.fromWkb(wkb)
    return g
