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
    return f"«{label or name}»"


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
    fields = source.fields()
    idx = [fields.lookupField(f) for f in field_names]
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes(
        [i for i in idx if i >= 0]
    )
    fids: List[int] = []
    cols: Dict[str, list] = {f: [] for f in field_names}
    total = max(source.featureCount(), 1)
    lo, hi = progress_span
    for n, feat in enumerate(source.getFeatures(request)):
        if feedback is not None and feedback.isCanceled():
            break
        fids.append(feat.id())
        attrs = feat.attributes()
        for f, i in zip(field_names, idx):
            cols[f].append(_py(attrs[i]) if i >= 0 else None)
        if feedback is not None and n % 5000 == 0:
            feedback.setProgress(lo + (hi - lo) * n / total)
    return fids, cols


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
