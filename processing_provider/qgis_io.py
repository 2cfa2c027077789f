"""QGIS layers <-> core data: attributes to pandas, geometry to shapely via WKB,
areas on an explicit basis. The only module of the provider that knows both worlds.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsDistanceArea,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsWkbTypes,
)

from ..plugin.i18n import tr

AREA_BASES = ("ellipsoidal", "planar", "attribute")
AREA_BASIS_LABELS = {
    "ellipsoidal": "Ellipsoidal (CGCS2000, as TBMJ)",
    "planar": "Planar (projected CRS)",
    "attribute": "Attribute field",
}


def layer_label(source, name: str = "") -> str:
    label = ""
    try:
        label = source.sourceName()
    except Exception:
        pass
    return f"«{name or label}»"


def layer_name(parameters: dict, key: str, context, source) -> str:
    """The name a user knows a layer by: the project layer's name, or the ``layername=`` of a
    GeoPackage path (``sourceName()`` gives the file name, the same for every layer of a gpkg)."""
    import re

    value = parameters.get(key)
    try:
        from qgis.core import QgsProcessingFeatureSourceDefinition, QgsVectorLayer

        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            value = value.source.staticValue()
        if isinstance(value, QgsVectorLayer):
            return value.name()
    except Exception:  # noqa: BLE001 - fall back to the source's own name
        pass
    m = re.search(r"layername=([^|]+)", str(value or ""))
    return m.group(1) if m else source.sourceName()


def require_field(source: QgsProcessingFeatureSource, field: str, param_label: str, layer_name: str = "") -> int:
    """Index of ``field`` in ``source`` or a QgsProcessingException that says what to do."""
    if not field:
        raise QgsProcessingException(tr("No field was chosen for {0}.").format(param_label))
    idx = source.fields().lookupField(field)
    if idx < 0:
        names = ", ".join(source.fields().names()[:30])
        raise QgsProcessingException(
            tr("Layer {0} has no field «{1}» ({2}). Its fields are: {3}. Choose an existing field.").format(
                layer_label(source, layer_name), field, param_label, names
            )
        )
    return idx


def require_features(source: QgsProcessingFeatureSource, layer_name: str = "") -> int:
    n = source.featureCount()
    if n == 0:
        raise QgsProcessingException(
            tr("Layer {0} is empty: it has no features. Choose a layer with data.").format(layer_label(source, layer_name))
        )
    return n


def read_columns(
    source: QgsProcessingFeatureSource,
    field_names: Sequence[str],
    feedback=None,
    progress_span: Tuple[float, float] = (0.0, 100.0),
) -> Tuple[List[int], Dict[str, list]]:
    """Read only ``field_names`` (no geometry). Values keep their Python types (text stays text)."""
    fids, cols, _ = _read(source, field_names, feedback, progress_span, geometry=None)
    return fids, cols


def _read(source, field_names, feedback, progress_span, geometry):
    """One pass over ``source``: feature ids, the named columns, and ``geometry(feat)`` per feature
    (``geometry=None``: no geometry is fetched at all)."""
    fields = source.fields()
    idx = [fields.lookupField(f) if f else -1 for f in field_names]
    request = QgsFeatureRequest().setSubsetOfAttributes([i for i in idx if i >= 0])
    if geometry is None:
        request.setFlags(QgsFeatureRequest.NoGeometry)
    fids: List[int] = []
    cols: Dict[str, list] = {f: [] for f in field_names if f}
    geoms: list = []
    total = max(source.featureCount(), 1)
    lo, hi = progress_span
    for n, feat in enumerate(source.getFeatures(request)):
        if feedback is not None and feedback.isCanceled():
            break
        fids.append(feat.id())
        attrs = feat.attributes()
        for f, i in zip(field_names, idx):
            if f:
                cols[f].append(_py(attrs[i]) if i >= 0 else None)
        if geometry is not None:
            geoms.append(geometry(feat))
        if feedback is not None and n % 5000 == 0:
            feedback.setProgress(lo + (hi - lo) * n / total)
    return fids, cols, geoms


def _py(value):
    """QVariant NULL -> None; everything else unchanged."""
    try:
        if value is None or (hasattr(value, "isNull") and value.isNull()):
            return None
    except TypeError:
        pass
    return value


def geometry_to_wkb(geom: QgsGeometry) -> Optional[bytes]:
    """WKB of a 2D linear geometry (curves segmentized, Z/M dropped), or None when empty."""
    if geom is None or geom.isNull() or geom.isEmpty():
        return None
    if QgsWkbTypes.isCurvedType(geom.wkbType()):
        geom = QgsGeometry(geom.constGet().segmentize())
    if QgsWkbTypes.hasZ(geom.wkbType()) or QgsWkbTypes.hasM(geom.wkbType()):
        geom = QgsGeometry(geom.constGet().clone())
        geom.get().dropZValue()
        geom.get().dropMValue()
    return bytes(geom.asWkb())


#: WKB types whose bytes shapely reads as they are (2D, no curves)
_PLAIN_TYPES = frozenset((QgsWkbTypes.Point, QgsWkbTypes.LineString, QgsWkbTypes.Polygon, QgsWkbTypes.MultiPoint,
                          QgsWkbTypes.MultiLineString, QgsWkbTypes.MultiPolygon))
_NO_BOX = (float("nan"),) * 4


def to_shapely(wkbs: Sequence[Optional[bytes]]):
    """Bulk WKB -> shapely 2 array (None stays None)."""
    import numpy as np
    import shapely

    arr = np.array(list(wkbs), dtype=object)
    return shapely.from_wkb(arr, on_invalid="warn")


def crs_description(crs: QgsCoordinateReferenceSystem) -> str:
    return f"{crs.authid() or 'custom'} {crs.description()}".strip()


def _gk_params_for(crs: QgsCoordinateReferenceSystem):
    """Gauss-Krüger parameters of a CGCS2000 TM CRS (EPSG code or custom proj string), else None."""
    from ..core import geodesy

    authid = crs.authid() or ""
    if authid.upper().startswith("EPSG:"):
        try:
            params = geodesy.gk_params(int(authid.split(":")[1]))
        except ValueError:
            params = None
        if params is not None:
            return params
    proj = crs.toProj() if hasattr(crs, "toProj") else crs.toProj4()
    tokens = dict(t.lstrip("+").split("=", 1) for t in proj.split() if "=" in t)
    ellps_ok = tokens.get("ellps") in ("GRS80",) or "CGCS2000" in crs.description() or crs.ellipsoidAcronym() in (
        "EPSG:1024",
        "EPSG:7019",
        "GRS80",
    )
    if tokens.get("proj") == "tmerc" and ellps_ok and float(tokens.get("k", tokens.get("k_0", "1"))) == 1.0:
        try:
            return geodesy.gk_params_from_values(float(tokens.get("lon_0", 0)), float(tokens.get("x_0", 0)))
        except (TypeError, ValueError):
            return None
    return None


def areas_m2(
    geoms,
    crs: QgsCoordinateReferenceSystem,
    basis: str,
    transform_context=None,
) -> Tuple[object, str]:
    """Areas in m² of a shapely array on ``basis`` ('ellipsoidal' or 'planar'), and a sentence
    saying how they were computed (for the provenance sheet and the log)."""
    import numpy as np

    from ..core import geodesy

    if basis == "planar":
        if crs.isGeographic():
            raise QgsProcessingException(
                tr(
                    "Planar areas cannot be computed in the geographic CRS {0}: degrees are not metres. "
                    "Reproject the layer to a projected CRS (e.g. CGCS2000 3-degree Gauss-Krüger) or choose the ellipsoidal basis."
                ).format(crs_description(crs))
            )
        return geodesy.planar_area(geoms), tr("planar area in {0}").format(crs_description(crs))
    params = None if crs.isGeographic() else _gk_params_for(crs)
    if params is not None:
        return (
            geodesy.ellipsoidal_area(geoms, params),
            tr("ellipsoidal area on CGCS2000 from Gauss-Krüger coordinates ({0}), the 三调 TBMJ method").format(
                crs_description(crs)
            ),
        )
    # Any other CRS: QGIS's own ellipsoidal measure on the CRS's ellipsoid.
    import shapely

    da = QgsDistanceArea()
    if transform_context is not None:
        da.setSourceCrs(crs, transform_context)
    else:
        from qgis.core import QgsProject

        da.setSourceCrs(crs, QgsProject.instance().transformContext())
    ellipsoid = crs.ellipsoidAcronym() or "EPSG:7019"
    da.setEllipsoid(ellipsoid)
    out = np.zeros(len(geoms), dtype=float)
    wkbs = shapely.to_wkb(geoms)
    for i, w in enumerate(wkbs):
        if w is None:
            continue
        g = QgsGeometry()
        g.fromWkb(w)
        out[i] = da.measureArea(g)
    return out, tr("ellipsoidal area by QGIS on ellipsoid {0} ({1})").format(ellipsoid, crs_description(crs))


class LayerData:
    """Attributes (dict of lists), feature ids and shapely geometries of one layer in the working CRS."""

    def __init__(self, name, fids, columns, geoms, crs_desc, n_null, n_reprojected, path=""):
        self.name = name
        self.fids = fids
        self.columns = columns
        self.geoms = geoms
        self.crs_desc = crs_desc
        self.n_null = n_null
        self.reprojected = n_reprojected
        self.path = path
        self.outside: List[int] = []

    def __len__(self):
        return len(self.fids)


def source_path(parameters: dict, name: str, context) -> str:
    """The layer's data source for reports and logs: a file path, or a database URI without its
    user name and password (never a QGIS internal layer id)."""
    from .gate import safe_source

    return safe_source(_raw_source(parameters, name, context))


def _raw_source(parameters: dict, name: str, context) -> str:
    value = parameters.get(name)
    try:
        from qgis.core import QgsProcessingFeatureSourceDefinition, QgsVectorLayer

        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            value = value.source.staticValue()
        if isinstance(value, QgsVectorLayer):
            return value.source()
        if isinstance(value, str) and context is not None and context.project() is not None:
            lyr = context.project().mapLayer(value)  # a layer id from the desktop
            if lyr is not None:
                return lyr.source()
    except Exception:
        pass
    return str(value or "")


def same_layer(alg, parameters: dict, key_a: str, key_b: str, context) -> bool:
    """Whether two parameters name the same features: the same data source with the same filter, and
    neither limited to selected features.  Such a layer is read once (a county's DLTB given as both the
    审查对象 and the 现状地类图斑 costs one read, not two)."""
    from qgis.core import QgsProcessingFeatureSourceDefinition

    va, vb = parameters.get(key_a), parameters.get(key_b)
    if va in (None, "") or vb in (None, ""):
        return False
    for v in (va, vb):
        if isinstance(v, QgsProcessingFeatureSourceDefinition) and v.selectedFeaturesOnly:
            return False
    try:
        la = alg.parameterAsVectorLayer(parameters, key_a, context)
        lb = alg.parameterAsVectorLayer(parameters, key_b, context)
    except Exception:  # noqa: BLE001 - not layer-backed: read both
        return False
    if la is None or lb is None:
        return False
    return (la.source(), la.subsetString(), la.providerType()) == (lb.source(), lb.subsetString(), lb.providerType())


def working_crs_for(source: QgsProcessingFeatureSource, context) -> QgsCoordinateReferenceSystem:
    """The subject layer's CRS if projected; for a geographic CRS the CGCS2000 3° GK zone (with prefix)
    of the layer's centre, so that areas are never computed in degrees."""
    from ..core.geodesy import suggest_gk_epsg

    crs = source.sourceCrs()
    if crs.isValid() and not crs.isGeographic():
        return crs
    extent = source.sourceExtent()
    lon = extent.center().x() if not extent.isEmpty() else 117.0
    if crs.isValid() and crs.authid() not in ("EPSG:4490", "EPSG:4326", ""):
        from qgis.core import QgsCoordinateTransform

        ct = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4490"), context.transformContext())
        lon = ct.transform(extent.center()).x()
    try:
        return QgsCoordinateReferenceSystem(f"EPSG:{suggest_gk_epsg(lon)}")
    except ValueError:   # a geographic layer whose centre lies outside China's 3° zones: a sentence, not a traceback
        raise QgsProcessingException(tr(
            "Layer «{0}» is in the geographic CRS {1} and its centre (longitude {2:.3f}) lies outside the CGCS2000 "
            "3° Gauss-Krüger zones of China (75°–135° E), so no projected CRS can be chosen for its areas. Check the "
            "layer's CRS (Layer Properties ▸ Source) or reproject it to a CGCS2000 zone (e.g. EPSG:4527), then run again."
        ).format(source.sourceName(), crs_description(crs) if crs.isValid() else "—", lon)) from None


def open_source(alg, parameters: dict, key: str, context, notes: Optional[list] = None, feedback=None):
    """``alg.parameterAsSource`` through the input gate's encoding check: a shapefile without .cpg
    whose text is GB18030 is read as GB18030 (and ``notes`` says so), never as mojibake."""
    from . import gate

    src = alg.parameterAsSource(parameters, key, context)
    if src is None or parameters.get(key) in (None, ""):
        return src
    try:
        layer = alg.parameterAsVectorLayer(parameters, key, context)
    except Exception:  # noqa: BLE001 - not a layer-backed source
        layer = None
    if layer is None:
        return src
    said: list = []
    fixed, keep = gate.reencoded_source(src, layer, context, layer_name(parameters, key, context, src), said)
    if notes is not None:
        notes.extend(said)
    if feedback is not None:
        for line in said:
            feedback.pushWarning(line)
    if keep is not None:
        _KEEP_ALIVE.append(keep)
        del _KEEP_ALIVE[:-8]
    return fixed


_KEEP_ALIVE: list = []  # re-encoded copies must outlive the sources built on them


def read_layer(
    source,
    field_names: Sequence[str],
    target_crs: QgsCoordinateReferenceSystem,
    context,
    feedback=None,
    name: str = "",
    path: str = "",
    progress_span: Tuple[float, float] = (0.0, 100.0),
) -> LayerData:
    """Read attributes + geometry, reprojected to ``target_crs`` (curves segmentized, Z/M dropped).
    Null/empty geometries are kept as None and counted.  Features whose coordinates lie outside the
    area of use of the layer's CRS (x/y swapped, zone prefix missing …) are the input gate's: they
    become None, are listed in ``data.outside`` and left out of every figure; a layer with no
    feature inside is refused with its extent and CRS."""
    import numpy as np
    from qgis.core import QgsCoordinateTransform

    from ..core import gate as core_gate
    from . import gate

    crs = source.sourceCrs()
    transform = None
    if crs.isValid() and target_crs.isValid() and crs != target_crs:
        transform = QgsCoordinateTransform(crs, target_crs, context.transformContext())
    window = gate.plausible_window(crs, context.transformContext())
    n_null = 0
    boxes = []
    outside: List[int] = []

    # the common case — a plain 2D polygon/line/point in the working CRS — takes only its WKB here; its box,
    # the window test and emptiness are then worked out for the whole layer at once (~2x faster a feature)
    plain = set() if transform is not None else _PLAIN_TYPES
    late: List[int] = []   # positions whose box is still to be taken from the geometry

    def geometry(feat):
        nonlocal n_null
        geom = feat.geometry()
        if geom.wkbType() in plain:
            late.append(len(boxes))
            boxes.append(_NO_BOX)
            return bytes(geom.asWkb())
        if geom is None or geom.isNull() or geom.isEmpty():
            n_null += 1
            boxes.append((np.nan, np.nan, np.nan, np.nan))
            return None
        bb = geom.boundingBox()
        box = (bb.xMinimum(), bb.yMinimum(), bb.xMaximum(), bb.yMaximum())
        boxes.append(box)
        if not core_gate.inside_window(box, window):  # never transformed, never measured
            outside.append(len(boxes) - 1)
            return None
        if transform is not None:
            geom = QgsGeometry(geom)
            try:
                geom.transform(transform)
            except Exception:  # noqa: BLE001 - a point the transform cannot take: outside too
                outside.append(len(boxes) - 1)
                return None
        return geometry_to_wkb(geom)

    from ..core.gcpause import paused_gc

    with paused_gc():   # ~10⁶ objects without cycles: no walk of the whole heap in between (core/gcpause.py)
        fids, cols, wkbs = _read(source, field_names, feedback, progress_span, geometry)
        geoms = to_shapely(wkbs)
    bounds = np.array(boxes, dtype=float).reshape(-1, 4)
    if late:
        import shapely

        at = np.asarray(late, dtype=np.int64)
        empty = shapely.is_empty(geoms[at]) | shapely.is_missing(geoms[at])
        got = shapely.bounds(geoms[at])
        got[empty] = np.nan
        bounds[at] = got
        n_null += int(empty.sum())
        finite = np.isfinite(got).all(axis=1)
        inside = finite
        if window is not None:
            inside = finite & (window[0] <= got[:, 0]) & (got[:, 2] <= window[2]) & (window[1] <= got[:, 1]) & \
                (got[:, 3] <= window[3])
        drop = at[empty | ~inside]
        geoms[drop] = None
        outside = sorted(outside + [int(i) for i in at[~empty & ~inside]])
    label = name or source.sourceName()
    if outside:
        present = int((~np.isnan(bounds).all(axis=1)).sum())
        if len(outside) >= present:
            ok = ~np.isnan(bounds).all(axis=1)
            b = bounds[ok]
            ext = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
            if window is not None:
                raise QgsProcessingException(gate.outside_sentence("", label, ext, crs, window))
            raise QgsProcessingException(tr("No feature of layer «{0}» could be transformed from its CRS {1}. Check the layer's CRS.").format(
                label, crs_description(crs)))
    data = LayerData(label, fids, cols, geoms, crs_description(crs), n_null, transform is not None, path)
    data.outside = [int(i) for i in outside]
    if outside and feedback is not None:
        feedback.reportError(tr(
            "Layer «{0}»: {1} features lie outside the area of use of its CRS {2} (x/y swapped or a wrong zone?) and are "
            "left out of every figure (feature ids {3}).").format(label, len(outside), crs_description(crs),
                                                                 [fids[i] for i in outside[:20]]), False)
    return data


def outside_note(data: LayerData) -> str:
    """The 数据说明 line for features the gate left out, or ''."""
    out = getattr(data, "outside", [])
    if not out:
        return ""
    ids = "、".join(str(data.fids[i]) for i in out[:20]) + (" 等" if len(out) > 20 else "")
    return f"图层「{data.name}」有 {len(out)} 个要素坐标超出坐标系 {data.crs_desc} 的适用范围（x/y 对调或带号有误？），未计入任何统计：要素号 {ids}"


def area_field(data: LayerData, field: str, feedback, log: list):
    """An area field through the input gate (``core.gate.parse_areas``): text parsed where unambiguous;
    blank, negative or unreadable values reported with their feature ids (log and feedback) and NaN in
    ``result.values`` — the caller leaves those features out of every figure."""
    from ..core.gate import parse_areas

    parsed = parse_areas(data.columns[field])
    note = parsed.describe_zh(data.name, field, data.fids)
    if note:
        feedback.reportError(note, False)
        log.append(note)
    return parsed


def apply_geometry_policy(data: LayerData, policy: str, feedback, log: list) -> dict:
    """Apply the invalid-geometry policy (fail / skip / repair) to ``data.geoms`` in place, tell the
    user what happened, and return the report of ``core.overlay.check_geometries``.

    Empty and NULL geometries follow the same policy (they cannot be measured, nor repaired): 'fail'
    stops naming them; 'skip' and 'repair' leave them out of every figure, listed in
    ``report["skipped"]`` and ``report["empty_list"]``.  Features the gate already left out for their
    coordinates (``data.outside``) are not counted again."""
    import numpy as np

    from ..core.overlay import InvalidGeometryError, check_geometries

    if outside_note(data):  # the gate's coordinate check, reported with the geometry policy's findings
        log.append(outside_note(data))
    outside = set(getattr(data, "outside", []))
    empty = [int(i) for i in np.flatnonzero(missing_geometry(data.geoms)) if int(i) not in outside] if len(data.geoms) else []
    if empty and policy == "fail":
        raise QgsProcessingException(tr(
            "Layer «{0}» has {1} features with an empty or NULL geometry (feature ids {2}): they cannot be measured. "
            "Delete or fix them, or choose the 'skip' policy to leave them out of every figure."
        ).format(data.name, len(empty), [data.fids[i] for i in empty[:10]]))
    try:
        geoms, rep = check_geometries(data.geoms, policy)
    except InvalidGeometryError as exc:
        fids = [data.fids[i] for i in exc.indices[:10]]
        raise QgsProcessingException(tr(
            "Layer «{0}» has invalid geometries (feature ids {1}): {2}. Fix them (Vector ▸ Geometry ▸ Fix geometries) "
            "or choose the 'skip' or 'repair' policy."
        ).format(data.name, fids, exc)) from exc
    if rep["skipped"]:
        feedback.reportError(tr("Layer «{0}»: {1} invalid features skipped (ids {2}).").format(
            data.name, len(rep["skipped"]), [data.fids[i] for i in rep["skipped"][:20]]), False)
        log.append(f"图层「{data.name}」：{len(rep['skipped'])} 个图形无效的要素按设置跳过，未计入任何统计（要素号 "
                   f"{'、'.join(str(data.fids[i]) for i in rep['skipped'][:20])}）")
    if rep["repaired"]:
        feedback.pushWarning(tr("Layer «{0}»: {1} invalid features repaired (ids {2}).").format(
            data.name, len(rep["repaired"]), [data.fids[i] for i in rep["repaired"][:20]]))
        log.append(f"{data.name}：修复无效图形 {len(rep['repaired'])} 个")
    if empty:
        feedback.reportError(tr("Layer «{0}»: {1} features have an empty or NULL geometry; they are left out of every "
                                "figure (ids {2}).").format(data.name, len(empty), [data.fids[i] for i in empty[:20]]), False)
        log.append(f"图层「{data.name}」：{len(empty)} 个要素图形为空或 NULL，未计入任何统计（要素号 "
                   f"{'、'.join(str(data.fids[i]) for i in empty[:20])}）")
    rep["skipped"] = sorted(set(rep["skipped"]) | set(empty))
    rep["empty_list"] = empty
    data.geoms = geoms
    return rep


def missing_geometry(geoms):
    """True where a shapely geometry is None or empty."""
    import shapely

    return shapely.is_missing(geoms) | shapely.is_empty(geoms)


def numbers(values):
    """A column of numbers as floats (NaN for null or non-numeric values; negatives kept)."""
    import numpy as np
    import pandas as pd

    return pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float) \
        if len(values) else np.empty(0, dtype=float)


def area_method_zh(crs: QgsCoordinateReferenceSystem, basis: str, field: str = "") -> str:
    """How areas were computed, in Chinese whatever the UI language: reports are Chinese documents
    (the log keeps the translated sentence of :func:`areas_m2`)."""
    if basis == "attribute":
        return f"属性字段 {field}（平方米）"
    if basis == "planar":
        return f"平面面积，坐标系 {crs_description(crs)}"
    if not crs.isGeographic() and _gk_params_for(crs) is not None:
        return f"CGCS2000 椭球面积（由高斯-克吕格坐标计算，三调 TBMJ 方法），坐标系 {crs_description(crs)}"
    return f"QGIS 椭球量算（椭球 {crs.ellipsoidAcronym() or 'EPSG:7019'}），坐标系 {crs_description(crs)}"


# --------------------------------------------------------------------------- fields
def make_field(name: str, qvariant_type, length: int = 0):
    """A QgsField of ``qvariant_type`` (QVariant.String/Int/LongLong/Double): built with QMetaType where the
    running QGIS offers it (3.38+, where the QVariant constructor is deprecated), with QVariant before."""
    from qgis.core import Qgis, QgsField
    from qgis.PyQt.QtCore import QMetaType, QVariant

    if Qgis.QGIS_VERSION_INT >= 33800:
        meta = {QVariant.String: QMetaType.Type.QString, QVariant.Int: QMetaType.Type.Int,
                QVariant.LongLong: QMetaType.Type.LongLong, QVariant.Double: QMetaType.Type.Double,
                QVariant.Bool: QMetaType.Type.Bool}.get(qvariant_type)
        if meta is not None:
            return QgsField(name, meta, len=length)
    return QgsField(name, qvariant_type, len=length)


def provenance_head(algorithm: str, inputs) -> list:
    """The first lines of every workbook's 数据说明: plugin version, run time, the algorithm, and each input layer
    (name｜path｜features｜CRS, reprojected or not).  ``inputs``: [(label, LayerData)]."""
    import time

    from ..plugin.about import plugin_version

    items = [("插件版本", f"GuotuKit {plugin_version()}"), ("运行时间", time.strftime("%Y-%m-%d %H:%M:%S")), ("算法", algorithm)]
    for label, d in inputs:
        items.append((f"输入图层：{label}", f"{d.name}｜{d.path}｜{len(d)} 个要素｜{d.crs_desc}" + ("｜已重投影" if d.reprojected else "")))
    return items
