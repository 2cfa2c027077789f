"""guotukit:convertlandusecodes — 转换地类编码."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...plugin.i18n import tr
from .. import qgis_io
from .base import GuotuKitAlgorithm

SOURCE_SYSTEMS = ("sandiao", "ydyh2020", "ydyh2023")
SOURCE_LABELS = ("三调工作分类 (3rd national land survey)", "用地用海2020 (trial)", "用地用海2023")
TARGET_SYSTEMS = ("ydyh2023", "ydyh2020")
TARGET_LABELS = ("用地用海2023", "用地用海2020 (trial)")
BASES = ("ellipsoidal", "planar", "attribute")
POLICIES = ("fail", "skip", "repair")
POLICY_LABELS = ("Stop with an error", "Skip and count", "Repair (make valid) and log")

# Output fields added to every feature (pinyin abbreviations, ≤ 10 characters for shapefiles).
OUT_FIELDS = OrderedDict(
    [
        ("ZH_DM", "target code"),
        ("ZH_MC", "target name"),
        ("ZH_YJDM", "target level-1 code"),
        ("ZH_YJMC", "target level-1 name"),
        ("ZH_LX", "mapping type (1:1, 1:n, ?, identity, unknown, blank)"),
        ("ZH_BZ", "flag: 待细分 (needs subdivision), 未识别 (unknown code), 空值 (blank)"),
    ]
)
SUMMARY_FIELDS = (
    ("YDM", QVariant.String),  # source code (normalised, or the raw text when unknown)
    ("YMC", QVariant.String),  # source name
    ("TBSL", QVariant.Int),  # feature count
    ("MJ_PFM", QVariant.Double),  # area m²
    ("MJ_GQ", QVariant.Double),  # area ha, 4 decimals
    ("ZH_DM", QVariant.String),
    ("ZH_MC", QVariant.String),
    ("ZH_LX", QVariant.String),
    ("ZH_BZ", QVariant.String),
    ("SM", QVariant.String),  # note
)


class ConvertLandUseCodesAlgorithm(GuotuKitAlgorithm):
    INPUT = "INPUT"
    CODE_FIELD = "CODE_FIELD"
    NAME_FIELD = "NAME_FIELD"
    SOURCE_SYSTEM = "SOURCE_SYSTEM"
    TARGET_SYSTEM = "TARGET_SYSTEM"
    MAPPING_TABLE = "MAPPING_TABLE"
    AREA_BASIS = "AREA_BASIS"
    AREA_FIELD = "AREA_FIELD"
    INVALID_GEOMETRY = "INVALID_GEOMETRY"
    OUTPUT = "OUTPUT"
    SUMMARY = "SUMMARY"

    GROUP = "classification"
    GROUP_NAME = "Classification"
    ICON_FILE = "convert.svg"

    def name(self) -> str:
        return "convertlandusecodes"

    def displayName(self) -> str:
        return tr("Convert land-use codes")

    def tags(self):
        return ["三调", "用地用海", "DLBM", "crosswalk", "code", "转换", "地类", "land use", "classification"]

    def summary_help(self) -> str:
        return tr(
            "Converts the land-use code of every feature from one classification to another: "
            "三调工作分类 → 用地用海2023 through the crosswalk (1:1 rows convert; 1:n rows take the default "
            "target and are flagged 待细分), 用地用海2020 → 2023 through the upgrade map, and back to 2020. "
            "Codes are normalised as text (101 → 0101, 0201k → 0201K). Unknown and blank codes are kept, "
            "flagged 未识别 / 空值, counted and listed in the summary — never dropped."
        )

    def initAlgorithm(self, config=None):
        self.add_param(
            QgsProcessingParameterFeatureSource(
                self.INPUT, tr("Input layer"), [QgsProcessing.TypeVectorPolygon]
            ),
            "Polygon layer whose features carry a land-use code, e.g. DLTB (地类图斑) or a planned land-use layer.",
        )
        self.add_param(
            QgsProcessingParameterField(self.CODE_FIELD, tr("Code field"), "DLBM", self.INPUT),
            "Field with the land-use code (e.g. DLBM, GHDLBM). Text or numeric; numbers lose leading zeros, "
            "which are restored (101 → 0101).",
        )
        self.add_param(
            QgsProcessingParameterField(self.NAME_FIELD, tr("Name field"), None, self.INPUT, optional=True),
            "Optional field with the class name (e.g. DLMC). Used to recognise features whose code is blank, "
            "and to count features whose name disagrees with their code.",
        )
        self.add_param(
            QgsProcessingParameterEnum(
                self.SOURCE_SYSTEM, tr("Source classification"), [tr(x) for x in SOURCE_LABELS], defaultValue=0
            ),
            "Classification the codes are in. Say it explicitly: eight codes (0204, 0602, 060102, 1311, 1312, "
            "2202, 2302, 2303) mean different classes in 用地用海2020 and 2023.",
        )
        self.add_param(
            QgsProcessingParameterEnum(
                self.TARGET_SYSTEM, tr("Target classification"), [tr(x) for x in TARGET_LABELS], defaultValue=0
            ),
            "Classification to convert to (用地用海2023 by default).",
        )
        self.add_param(
            QgsProcessingParameterFile(
                self.MAPPING_TABLE,
                tr("Mapping table (CSV)"),
                extension="csv",
                optional=True,
            ),
            "Optional CSV (UTF-8 or GBK) with columns source_code,target_code[,target_name,type,note] whose rows "
            "override or extend the built-in crosswalk, e.g. a county's rule for 0204 → 0204 油料园地.",
        )
        self.add_param(
            QgsProcessingParameterEnum(
                self.AREA_BASIS,
                tr("Area basis for the summary"),
                [tr(qgis_io.AREA_BASIS_LABELS[b]) for b in BASES],
                defaultValue=0,
            ),
            "How the summary measures area: ellipsoidal (CGCS2000 ellipsoid, the 三调 TBMJ method), planar "
            "(projected CRS only), or the value of the area field.",
            advanced=True,
        )
        self.add_param(
            QgsProcessingParameterField(
                self.AREA_FIELD,
                tr("Area field (m²)"),
                None,
                self.INPUT,
                QgsProcessingParameterField.Numeric,
                optional=True,
            ),
            "Area field in m² (e.g. TBMJ or TBDLMJ), used when the area basis is 'attribute field'.",
            advanced=True,
        )
        self.add_param(
            QgsProcessingParameterEnum(self.INVALID_GEOMETRY, tr("Invalid, empty or NULL geometries"),
                                       [tr(x) for x in POLICY_LABELS], defaultValue=0),
            "What to do with features whose geometry is invalid (e.g. a self-intersecting bowtie), empty or NULL: stop "
            "with an error naming them, skip them (not written, out of every count and area, listed in the log), or "
            "repair them (make valid) and log. Features whose coordinates lie outside the CRS's area of use are always "
            "left out and listed.",
        )
        self.add_param(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Converted layer"), QgsProcessing.TypeVectorPolygon),
            "The input features with ZH_DM (target code), ZH_MC (target name), ZH_YJDM/ZH_YJMC (level-1 code "
            "and name), ZH_LX (mapping type) and ZH_BZ (flag 待细分 / 未识别 / 空值) added.",
        )
        self.add_param(
            QgsProcessingParameterFeatureSink(
                self.SUMMARY, tr("Conversion summary"), QgsProcessing.TypeVector, optional=True
            ),
            "Table with one row per source code: YDM code, YMC name, TBSL feature count, MJ_PFM area m², "
            "MJ_GQ area ha, target code/name, type, flag and note.",
        )
        self.addOutput(QgsProcessingOutputNumber("FEATURE_COUNT", tr("Features converted")))
        self.addOutput(QgsProcessingOutputNumber("SPLIT_COUNT", tr("Features flagged 待细分")))
        self.addOutput(QgsProcessingOutputNumber("UNKNOWN_COUNT", tr("Features with unknown codes")))
        self.addOutput(QgsProcessingOutputNumber("BLANK_COUNT", tr("Features with blank codes")))
        self.addOutput(QgsProcessingOutputNumber("SKIPPED_COUNT", tr("Features left out")))
        self.addOutput(QgsProcessingOutputNumber("OVERLAP_COUNT", tr("Pairs of overlapping features")))

    def output_help(self):
        return {
            "FEATURE_COUNT": tr("Number of features written."),
            "SPLIT_COUNT": tr("Features whose code maps 1:n or is disputed (待细分)."),
            "UNKNOWN_COUNT": tr("Features whose code is not in the source classification (未识别)."),
            "BLANK_COUNT": tr("Features with no code (空值)."),
            "SKIPPED_COUNT": tr("Features left out of the output and every figure: invalid/empty/NULL geometry under "
                                "the 'skip' policy, coordinates outside the CRS's area of use, or an unusable area value."),
            "OVERLAP_COUNT": tr("Pairs of features whose interiors overlap (their shared area is counted twice in the summary)."),
        }

    def checkParameterValues(self, parameters, context):
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        if basis == "attribute" and not self.parameterAsString(parameters, self.AREA_FIELD, context):
            return False, tr("The area basis is 'attribute field' but no area field is chosen. Choose e.g. TBMJ.")
        return super().checkParameterValues(parameters, context)

    def run_algorithm(self, parameters, context, feedback):
        import numpy as np

        from ...core.overlay import self_overlaps
        from ...core.registry import get_registry

        multi = QgsProcessingMultiStepFeedback(3, feedback)
        log: list = []
        source = qgis_io.open_source(self, parameters, self.INPUT, context, log, feedback)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        lname = qgis_io.layer_name(parameters, self.INPUT, context, source)
        code_field = self.parameterAsString(parameters, self.CODE_FIELD, context)
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context)
        src_sys = SOURCE_SYSTEMS[self.parameterAsEnum(parameters, self.SOURCE_SYSTEM, context)]
        tgt_sys = TARGET_SYSTEMS[self.parameterAsEnum(parameters, self.TARGET_SYSTEM, context)]
        mapping_path = self.parameterAsFile(parameters, self.MAPPING_TABLE, context)
        basis = BASES[self.parameterAsEnum(parameters, self.AREA_BASIS, context)]
        area_field = self.parameterAsString(parameters, self.AREA_FIELD, context)
        policy = POLICIES[self.parameterAsEnum(parameters, self.INVALID_GEOMETRY, context)]

        qgis_io.require_field(source, code_field, tr("code field"), lname)
        if name_field:
            qgis_io.require_field(source, name_field, tr("name field"), lname)
        if basis == "attribute":
            qgis_io.require_field(source, area_field, tr("area field"), lname)
        n_total = qgis_io.require_features(source, lname)
        if basis == "planar" and source.sourceCrs().isGeographic():
            raise QgsProcessingException(
                tr(
                    "Planar areas cannot be computed in the geographic CRS {0}. Choose the ellipsoidal basis "
                    "or reproject the layer."
                ).format(qgis_io.crs_description(source.sourceCrs()))
            )

        registry = get_registry()
        try:
            crosswalk = registry.crosswalk(src_sys, tgt_sys, overrides=mapping_path or None)
        except (ValueError, OSError) as exc:
            raise QgsProcessingException(tr("Mapping table {0}: {1}").format(mapping_path, exc)) from exc
        feedback.pushInfo(
            tr("Converting {0} features from {1} to {2}.").format(n_total, src_sys, tgt_sys)
        )

        # Pass 1: codes, names, area field and geometry (in the layer's own CRS) through the input gate.
        read = [code_field] + ([name_field] if name_field else []) + ([area_field] if basis == "attribute" else [])
        data = qgis_io.read_layer(source, read, source.sourceCrs(), context, multi, name=lname,
                                  path=qgis_io.source_path(parameters, self.INPUT, context))
        if feedback.isCanceled():
            return {}
        fids, cols = data.fids, data.columns
        n = len(fids)
        leave_out = {int(i): "坐标超出坐标系适用范围" for i in data.outside}
        rep = qgis_io.apply_geometry_policy(data, policy, feedback, log)
        for i in rep["skipped"]:
            leave_out[int(i)] = "图形为空或 NULL" if i in rep["empty_list"] else "图形无效（按设置跳过）"
        repaired = set(int(i) for i in rep["repaired"])
        areas_attr = None
        if basis == "attribute":
            parsed = qgis_io.area_field(data, area_field, feedback, log)
            for i in parsed.bad:
                leave_out.setdefault(int(i), f"面积字段 {area_field} 不可用")
            areas_attr = parsed.values
        keep = np.ones(n, dtype=bool)
        keep[list(leave_out)] = False
        if leave_out:
            listing = ", ".join(f"{fids[i]}（{why}）" for i, why in sorted(leave_out.items())[:20])
            msg = tr("Layer «{0}»: {1} features are left out of the output and of every count and area: {2}").format(
                lname, len(leave_out), listing)
            feedback.reportError(msg, False)
        if not keep.any():
            raise QgsProcessingException(tr("Layer «{0}»: no feature is left to convert ({1} left out). Fix the geometries "
                                            "or the area field and run again.").format(lname, len(leave_out)))

        mapped = crosswalk.map_many(cols[code_field])
        src_class = registry.classification(src_sys)
        name_mismatch = 0
        by_name = 0
        if name_field:
            names = cols[name_field]
            for i, row in enumerate(mapped.itertuples(index=False)):
                nm = names[i]
                nm = str(nm).strip() if nm is not None else ""
                if row.type == "blank" and nm:
                    cls = src_class.by_name(nm)
                    if cls is not None:
                        values = asdict(crosswalk.map(cls.code))
                        values["raw"] = cols[code_field][i]
                        values["note"] = tr("code blank; recognised by name «{0}»").format(nm)
                        for key, val in values.items():
                            mapped.at[i, key] = val
                        by_name += 1
                        continue
                if nm and row.source_code is not None and row.type not in ("unknown", "blank"):
                    cls = src_class.get(row.source_code)
                    if cls is not None and cls.name != nm:
                        name_mismatch += 1
        multi.setCurrentStep(1)

        # Pass 2: write the kept features with the new fields.
        in_fields = source.fields()
        clash = [f for f in OUT_FIELDS if in_fields.lookupField(f) >= 0]
        if clash:
            feedback.pushWarning(
                tr("The input already has fields {0}; they are replaced by the new values.").format(", ".join(clash))
            )
        keep_idx = [i for i, f in enumerate(in_fields) if f.name() not in OUT_FIELDS]
        out_fields = QgsFields()
        for i in keep_idx:
            out_fields.append(in_fields.at(i))
        for fname in OUT_FIELDS:
            out_fields.append(qgis_io.make_field(fname, QVariant.String, 60 if fname.endswith("MC") else 20))
        (sink, dest_id) = self.parameterAsSink(
            parameters, self.OUTPUT, context, out_fields, source.wkbType(), source.sourceCrs()
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))

        row_of = {fid: i for i, fid in enumerate(fids)}
        targets = mapped[["target_code", "target_name", "level1_code", "level1_name", "type", "flag"]].values.tolist()
        written = 0
        for k, feat in enumerate(source.getFeatures(QgsFeatureRequest())):
            if feedback.isCanceled():
                return {}
            i = row_of.get(feat.id())
            if i is None or not keep[i]:  # left out, or appeared between the passes (a live layer)
                continue
            out = QgsFeature(out_fields)
            if i in repaired:
                g = QgsGeometry()
                g.fromWkb(shapely_wkb(data.geoms[i]))
                out.setGeometry(g)
            else:
                out.setGeometry(feat.geometry())
            attrs = feat.attributes()
            out.setAttributes([attrs[j] for j in keep_idx] + list(targets[i]))
            sink.addFeature(out, QgsFeatureSink.FastInsert)
            written += 1
            if k % 2000 == 0:
                multi.setProgress(100.0 * k / max(n_total, 1))
        multi.setCurrentStep(2)

        # Areas, overlaps and summary (kept features only).
        if basis == "attribute":
            areas, how = np.nan_to_num(areas_attr, nan=0.0), tr("attribute field {0} (m²)").format(area_field)
        else:
            areas, how = qgis_io.areas_m2(data.geoms, source.sourceCrs(), basis, context.transformContext())
        feedback.pushInfo(tr("Areas: {0}.").format(how))
        overlaps = self_overlaps(np.where(keep, data.geoms, None), cancelled=feedback.isCanceled)
        if len(overlaps):
            feedback.reportError(tr(
                "Layer «{0}»: {1} pairs of features overlap, sharing {2:.2f} m² (planar); that area is counted twice in the "
                "summary. Fix the topology (e.g. Vector ▸ Geometry ▸ Check validity / topology checker), then run again.").format(
                lname, len(overlaps), float(overlaps["area"].sum())), False)
        kept = np.flatnonzero(keep)
        mapped_k = mapped.iloc[kept].reset_index(drop=True)
        summary = _summarise(mapped_k, np.asarray(areas, dtype=float)[kept], src_class)
        results = {self.OUTPUT: dest_id}
        if parameters.get(self.SUMMARY) is not None:
            s_fields = QgsFields()
            for fname, ftype in SUMMARY_FIELDS:
                s_fields.append(qgis_io.make_field(fname, ftype))
            (s_sink, s_id) = self.parameterAsSink(
                parameters, self.SUMMARY, context, s_fields, QgsWkbTypes.NoGeometry
            )
            if s_sink is None:
                raise QgsProcessingException(self.invalidSinkError(parameters, self.SUMMARY))
            for rec in summary:
                f = QgsFeature(s_fields)
                f.setAttributes([rec[name] for name, _ in SUMMARY_FIELDS])
                s_sink.addFeature(f, QgsFeatureSink.FastInsert)
            results[self.SUMMARY] = s_id

        counts = mapped_k["flag"].value_counts().to_dict()
        split = int(counts.get("待细分", 0))
        unknown = int(counts.get("未识别", 0))
        blank = int(counts.get("空值", 0))
        feedback.pushInfo(
            tr("{0} features: {1} converted directly, {2} flagged 待细分, {3} unknown codes, {4} blank codes.").format(
                written, written - split - unknown - blank, split, unknown, blank
            )
        )
        if unknown or blank:
            bad = [r for r in summary if r["ZH_BZ"] in ("未识别", "空值")]
            listing = "; ".join(f"«{r['YDM']}» × {r['TBSL']} ({r['MJ_GQ']:.4f} ha)" for r in bad[:20])
            feedback.reportError(
                tr("Codes not found in {0}: {1}. They are kept in the output with ZH_BZ set.").format(src_sys, listing),
                False,
            )
        if by_name:
            feedback.pushInfo(tr("{0} features with a blank code were recognised by their name.").format(by_name))
        if name_mismatch:
            feedback.pushWarning(
                tr("{0} features have a name that disagrees with their code; the code was used.").format(name_mismatch)
            )
        results.update(
            {"FEATURE_COUNT": written, "SPLIT_COUNT": split, "UNKNOWN_COUNT": unknown, "BLANK_COUNT": blank,
             "SKIPPED_COUNT": len(leave_out), "OVERLAP_COUNT": int(len(overlaps))}
        )
        return results


def shapely_wkb(geom) -> bytes:
    import shapely

    return shapely.to_wkb(geom)


def _summarise(mapped, areas, src_class):
    """One record per source code (normalised; raw text for unknown/blank), sorted by code."""
    from ...core.rounding import convert_area, rhu

    frame = mapped.copy()
    frame["_area"] = areas
    frame["_key"] = [
        sc if t not in ("unknown", "blank") else ("" if raw is None else str(raw))
        for sc, t, raw in zip(frame["source_code"], frame["type"], frame["raw"])
    ]
    records = []
    for key, grp in frame.groupby("_key", sort=True, dropna=False):
        first = grp.iloc[0]
        cls = src_class.get(key) if first["type"] not in ("unknown", "blank") else None
        area = float(grp["_area"].sum())
        records.append(
            {
                "YDM": key,
                "YMC": cls.name if cls else "",
                "TBSL": int(len(grp)),
                "MJ_PFM": rhu(area, 2),
                "MJ_GQ": rhu(convert_area(area, "ha"), 4),
                "ZH_DM": first["target_code"] or "",
                "ZH_MC": first["target_name"] or "",
                "ZH_LX": first["type"],
                "ZH_BZ": first["flag"],
                "SM": first["note"] or "",
            }
        )
    return records
