"""The input gate: one place every algorithm passes its layers and outputs through.

Before any computation (``checkParameterValues``, which the toolbox, batch mode, models,
``processing.run`` and ``qgis_process`` all call, and again at the start of the run):

* every polygon input (single layers and layer lists) must be polygons, carry a CRS, and lie
  within its CRS's area of use — otherwise one sentence naming the parameter, the layer, its
  extent and CRS, and what to do;
* every output must be writable (one sentence naming the folder).

While reading (``qgis_io.read_layer``): features outside the CRS's area of use are counted,
listed and left out of every figure; a shapefile without ``.cpg`` whose text is not UTF-8 is read
as GB18030 and the log says so.  Outputs are staged (``core.gate.StagedOutputs``) by
``GuotuKitAlgorithm.processAlgorithm``.  The decisions themselves live in ``core.gate``.
"""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessing,
    QgsProcessingFeatureSource,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProject,
    QgsProperty,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..core import gate as core_gate
from ..plugin.i18n import tr

POLYGON_TYPES = (QgsProcessing.TypeVectorPolygon,)
_MARGIN_LON, _MARGIN_LAT = 1.5, 1.0


# --------------------------------------------------------------------------- names and sources
def safe_source(text) -> str:
    """A layer source for reports, logs and messages: no user name, no password."""
    try:
        from qgis.core import QgsDataSourceUri

        text = QgsDataSourceUri.removePassword(str(text or ""))
    except Exception:  # noqa: BLE001 - the regex below still removes them
        text = str(text or "")
    return core_gate.redact(text)


def _param_label(alg, key: str) -> str:
    d = alg.parameterDefinition(key)
    return f"{d.description() if d else key}（{key}）"


def _layers_of(alg, parameters, key, context) -> List[QgsVectorLayer]:
    value = parameters.get(key)
    if value in (None, "", []):
        return []
    d = alg.parameterDefinition(key)
    if isinstance(d, QgsProcessingParameterMultipleLayers):
        return [lyr for lyr in (alg.parameterAsLayerList(parameters, key, context) or []) if isinstance(lyr, QgsVectorLayer)]
    lyr = alg.parameterAsVectorLayer(parameters, key, context)
    return [lyr] if lyr is not None else []


def _wants_polygons(d) -> bool:
    if isinstance(d, QgsProcessingParameterFeatureSource):
        return any(t in POLYGON_TYPES for t in d.dataTypes())
    if isinstance(d, QgsProcessingParameterMultipleLayers):
        return d.layerType() in POLYGON_TYPES
    return False


# --------------------------------------------------------------------------- CRS plausibility
def plausible_window(crs: QgsCoordinateReferenceSystem, transform_context=None) -> Optional[Tuple[float, float, float, float]]:
    """The CRS's area of use (with a margin of 1.5° of longitude and 1° of latitude) in the CRS's
    own coordinates, or None when the CRS does not publish one (a custom CRS)."""
    if not crs.isValid():
        return None
    b = crs.bounds()
    if b.isEmpty() or b.width() <= 0:
        return None
    geo = QgsRectangle(max(b.xMinimum() - _MARGIN_LON, -180.0), max(b.yMinimum() - _MARGIN_LAT, -90.0),
                       min(b.xMaximum() + _MARGIN_LON, 180.0), min(b.yMaximum() + _MARGIN_LAT, 90.0))
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    if crs.isGeographic():
        return (geo.xMinimum(), geo.yMinimum(), geo.xMaximum(), geo.yMaximum())
    try:
        ct = QgsCoordinateTransform(wgs84, crs, transform_context or QgsProject.instance().transformContext())
        r = ct.transformBoundingBox(geo)
    except Exception:  # noqa: BLE001 - a CRS whose area cannot be projected: nothing to decide
        return None
    if r.isEmpty() or not all(map(_finite, (r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum()))):
        return None
    return (r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum())


def _finite(v) -> bool:
    return v == v and abs(v) != float("inf")


def _crs_text(crs) -> str:
    return f"{crs.authid() or '自定义'} {crs.description()}".strip()


# --------------------------------------------------------------------------- layer checks
def display_name(layer: QgsVectorLayer) -> str:
    """The name a user knows a layer by: its project name, or the ``layername=`` of a GeoPackage
    path (QGIS names a layer loaded from a path after the file, the same for all its layers)."""
    import re

    src = layer.source() or ""
    path = src.split("|")[0]
    m = re.search(r"layername=([^|]+)", src)
    stem = os.path.splitext(os.path.basename(path))[0]
    if m and layer.name() in (stem, ""):
        return f"{m.group(1)}（{os.path.basename(path)}）"
    return layer.name() or os.path.basename(path)


def layer_problem(layer: QgsVectorLayer, label: str, polygons: bool = True, transform_context=None) -> Optional[str]:
    """One sentence (中文 / English) when ``layer`` cannot be used as a polygon input, else None.
    Cheap: geometry type, CRS and extent only (no feature is read)."""
    name = display_name(layer)
    if polygons:
        gtype = QgsWkbTypes.geometryType(layer.wkbType())
        if gtype in (QgsWkbTypes.PointGeometry, QgsWkbTypes.LineGeometry, QgsWkbTypes.NullGeometry):
            zh, en = {QgsWkbTypes.PointGeometry: ("点", "point"), QgsWkbTypes.LineGeometry: ("线", "line"),
                      QgsWkbTypes.NullGeometry: ("无图形", "non-spatial")}[gtype]
            return (f"{label}：图层「{name}」是{zh}图层（{QgsWkbTypes.displayString(layer.wkbType())}），此处需要面图层，请改选面图层 / "
                    f"{label}: layer «{name}» is a {en} layer; this parameter needs a polygon layer.")
    crs = layer.crs()
    if not crs.isValid():
        return (f"{label}：图层「{name}」没有坐标系（坐标系未定义，如缺少 .prj 文件），无法量算面积。请在 QGIS 中设置图层坐标系"
                "（图层属性 ▸ 源 ▸ 指定坐标系，如 CGCS2000 3 度带 EPSG:4527），或在 shapefile 旁补上 .prj 文件后重新运行 / "
                f"{label}: layer «{name}» has no CRS (no .prj), so its areas cannot be measured. Set the layer's CRS in QGIS "
                "(Layer Properties ▸ Source ▸ Assigned CRS) or add the .prj file beside the shapefile, then run again.")
    if layer.featureCount() == 0:
        return None
    window = plausible_window(crs, transform_context)
    ext = layer.extent()
    if window is None or ext.isEmpty():
        return None
    e = (ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum())
    w = window
    if e[2] < w[0] or e[0] > w[2] or e[3] < w[1] or e[1] > w[3]:
        return outside_sentence(label, name, e, crs, w)
    return None


def outside_sentence(label: str, name: str, extent, crs, window) -> str:
    hint = core_gate.coordinate_hint(extent, window)
    head = f"{label}：" if label else ""
    return (f"{head}图层「{name}」的坐标范围（{core_gate.extent_text(extent)}）不在其坐标系 {_crs_text(crs)} 的适用范围"
            f"（{core_gate.window_text(window)}）内：{hint}。请检查图层坐标系（图层属性 ▸ 源）和坐标后重新运行 / "
            f"layer «{name}»: its extent lies outside the area of use of its CRS {crs.authid()}; check the layer's CRS and coordinates.")


def check_inputs(alg, parameters, context) -> Optional[str]:
    """The first problem of any polygon input of ``alg`` (single or list), or None."""
    tctx = context.transformContext() if context is not None else None
    for d in alg.parameterDefinitions():
        if not _wants_polygons(d):
            continue
        try:
            layers = _layers_of(alg, parameters, d.name(), context)
        except Exception:  # noqa: BLE001 - QGIS reports an unloadable layer itself
            continue
        for lyr in layers:
            msg = layer_problem(lyr, _param_label(alg, d.name()), True, tctx)
            if msg:
                return msg
    return None


# --------------------------------------------------------------------------- outputs
def _destination_value(value):
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        prop = value.sink
        return prop.staticValue() if isinstance(prop, QgsProperty) else prop
    return value


def file_destination(alg, parameters, d, context) -> str:
    """The plain file path an output parameter writes to, or '' (not requested, a temporary or
    memory output, a database)."""
    raw = _destination_value(parameters.get(d.name()))
    if raw in (None, "") or not isinstance(raw, str):
        return ""
    text = raw.strip()
    if text in ("TEMPORARY_OUTPUT", "memory:") or text.startswith(("memory:", "postgres:", "postgis:", "ogr:", "spatialite:",
                                                                     "dbname=", "PG:")) or "|" in text:
        return ""
    if isinstance(d, QgsProcessingParameterFileDestination):
        path = alg.parameterAsFileOutput(parameters, d.name(), context)
    else:
        path = text
    return os.path.abspath(path) if path else ""


def check_outputs(alg, parameters, context) -> Optional[str]:
    for d in alg.destinationParameterDefinitions():
        path = file_destination(alg, parameters, d, context)
        if not path:
            continue
        problem = core_gate.output_problem(path)
        if problem:
            return f"{_param_label(alg, d.name())}：{problem[0]} / {d.name()}: {problem[1]}"
    return None


def stage_outputs(alg, parameters, context):
    """(parameters pointing every file output at a temporary name, StagedOutputs)."""
    staged = core_gate.StagedOutputs()
    params = dict(parameters)
    for d in alg.destinationParameterDefinitions():
        path = file_destination(alg, parameters, d, context)
        if not path:
            continue
        tmp = staged.stage(path)
        value = parameters.get(d.name())
        if isinstance(value, QgsProcessingOutputLayerDefinition):
            new = QgsProcessingOutputLayerDefinition(value)
            new.sink = QgsProperty.fromValue(tmp)
            params[d.name()] = new
        else:
            params[d.name()] = tmp
    return params, staged


def finalise_paths(results: dict, staged, context) -> dict:
    """Results and the layers to load on completion, pointed from the temporary names to the final ones."""
    mapping = staged.temp_to_final()

    def fix(v):
        if isinstance(v, str):
            for t, f in mapping.items():
                if t in v:
                    v = v.replace(t, f)
        return v

    out = {k: fix(v) for k, v in results.items()}
    try:
        loads = context.layersToLoadOnCompletion()
        if any(isinstance(k, str) and any(t in k for t in mapping) for k in loads):
            context.setLayersToLoadOnCompletion({fix(k): v for k, v in loads.items()})
    except Exception:  # noqa: BLE001 - nothing to load (qgis_process)
        pass
    return out


# --------------------------------------------------------------------------- reading
def shapefile_encoding(layer_source: str) -> Tuple[str, str]:
    """('', '') for anything but a shapefile without .cpg; else (encoding, sample) from its .dbf."""
    path = (layer_source or "").split("|")[0]
    if not path.lower().endswith(".shp") or not os.path.isfile(path):
        return "", ""
    stem = path[:-4]
    if any(os.path.exists(stem + e) for e in (".cpg", ".CPG")):
        return "", ""
    dbf = next((stem + e for e in (".dbf", ".DBF") if os.path.exists(stem + e)), "")
    if not dbf:
        return "", ""
    return core_gate.dbf_text_encoding(dbf)


def reencoded_source(source, layer: Optional[QgsVectorLayer], context, name: str, notes: list):
    """``source``, or a source over a copy of ``layer`` read as GB18030/UTF-8 when the layer is a
    shapefile without .cpg whose text is not valid in the encoding QGIS would use.  Raises
    QgsProcessingException when the encoding cannot be decided."""
    from qgis.core import QgsProcessingException

    if layer is None or layer.providerType() != "ogr":
        return source, None
    enc, sample = shapefile_encoding(layer.source())
    if enc in ("", "ascii"):
        return source, None
    if enc == "unknown":
        raise QgsProcessingException(tr(
            "Layer «{0}» is a shapefile without a .cpg file and its text is neither UTF-8 nor GB18030, so its codes and "
            "names cannot be read reliably. Add a .cpg file holding the encoding (e.g. GBK) beside the .shp, or save the "
            "layer as GeoPackage, then run again.").format(name))
    copy = QgsVectorLayer(layer.source(), layer.name(), "ogr")
    copy.setProviderEncoding("GB18030" if enc == "gb18030" else "UTF-8")
    if layer.subsetString():
        copy.setSubsetString(layer.subsetString())
    label = "GB18030（GBK）" if enc == "gb18030" else "UTF-8"
    notes.append(f"图层「{name}」为无 .cpg 的 shapefile，按 {label} 编码读取文字字段（如：{sample}）；"
                 "建议在 .shp 旁加 .cpg 文件注明编码")
    return QgsProcessingFeatureSource(copy, context, True), copy


__all__ = [
    "check_inputs", "check_outputs", "file_destination", "finalise_paths", "layer_problem",
    "plausible_window", "reencoded_source", "safe_source", "shapefile_encoding", "stage_outputs",
]
