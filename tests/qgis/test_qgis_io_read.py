"""Reading layers: the bulk path for plain 2D features must read exactly what the per-feature path reads —
the same geometries, the same empties counted, the same features outside the CRS window left out — and
the layers' multi-type conversion in bulk must keep every geometry."""
from __future__ import annotations

import importlib

import numpy as np
import shapely
from qgis.core import QgsProcessingContext, QgsProcessingFeatureSource
from qgis.PyQt.QtCore import QVariant

from .conftest import make_layer, square

X0, Y0 = 39500000.0, 3300000.0   # EPSG:4527 (CGCS2000 GK zone 39)


LAYERS = {   # geometry type -> rows (WKT, [NAME, V]); a memory layer holds one type
    "Polygon": [
        (square(X0, Y0, 100), ["a", 1.0]),
        ("POLYGON EMPTY", ["empty", 2.0]),
        (None, ["null", 3.0]),
        (square(Y0, X0, 100), ["swapped", 4.0]),                 # x/y swapped: outside the zone's window
        (square(X0 + 1000, Y0, 10), ["b", 8.0]),
    ],
    "MultiPolygon": [
        (f"MULTIPOLYGON((({X0 + 200} {Y0},{X0 + 300} {Y0},{X0 + 300} {Y0 + 50},{X0 + 200} {Y0})),"
         f"(({X0 + 400} {Y0},{X0 + 410} {Y0},{X0 + 410} {Y0 + 10},{X0 + 400} {Y0})))", ["multi", 5.0]),
        (None, ["null", 3.0]),
    ],
    "CurvePolygon": [
        (f"CURVEPOLYGON(CIRCULARSTRING({X0 + 500} {Y0},{X0 + 550} {Y0 + 50},{X0 + 500} {Y0 + 100},"
         f"{X0 + 450} {Y0 + 50},{X0 + 500} {Y0}))", ["curve", 6.0]),
    ],
    "PolygonZ": [
        (f"POLYGON Z(({X0} {Y0 + 500} 7,{X0 + 10} {Y0 + 500} 7,{X0 + 10} {Y0 + 510} 7,{X0} {Y0 + 500} 7))", ["z", 7.0]),
    ],
}
AREAS = {"a": 10000.0, "b": 100.0, "multi": 2550.0, "z": 50.0}
NULLS = {"Polygon": 2, "MultiPolygon": 1, "CurvePolygon": 0, "PolygonZ": 0}
OUTSIDE = {"Polygon": [3]}


def _read(qio, layer):
    ctx = QgsProcessingContext()
    return qio.read_layer(QgsProcessingFeatureSource(layer, ctx), ["NAME", "V"], layer.crs(), ctx)


def test_the_bulk_read_gives_what_the_per_feature_read_gives(guotukit_provider, monkeypatch):
    qio = importlib.import_module("guotukit.processing_provider.qgis_io")
    for kind, rows in LAYERS.items():
        layer = make_layer(kind, "EPSG:4527", [("NAME", QVariant.String), ("V", QVariant.Double)], rows, kind)
        assert layer.featureCount() == len(rows), kind
        with monkeypatch.context() as m:
            bulk = _read(qio, layer)
            m.setattr(qio, "_PLAIN_TYPES", frozenset())    # every feature through the per-feature path
            each = _read(qio, layer)
        assert bulk.fids == each.fids and bulk.columns == each.columns, kind
        assert bulk.n_null == each.n_null == NULLS[kind], kind          # empty and NULL geometries
        assert bulk.outside == each.outside == OUTSIDE.get(kind, []), kind
        names = bulk.columns["NAME"]
        for i, (g, h) in enumerate(zip(bulk.geoms, each.geoms)):
            assert (g is None) == (h is None), names[i]
            if g is not None:
                assert shapely.equals_exact(g, h, tolerance=0), names[i]
                area = float(shapely.area(g))
                if names[i] in AREAS:
                    assert round(area, 6) == AREAS[names[i]], names[i]
                else:
                    assert names[i] == "curve" and 7800 < area < 7860     # a circle of radius 50, segmentized


def test_layers_get_multi_type_geometries_with_every_part(guotukit_provider):
    cc = importlib.import_module("guotukit.processing_provider.algorithms.compliance_check")
    geoms = np.array([shapely.box(0, 0, 2, 3), None, shapely.Point(1, 1),
                      shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)]),
                      shapely.LineString([(0, 0), (1, 1)])], dtype=object)
    wkbs = cc.multi_wkbs(geoms)
    assert wkbs[1] is None
    back = [shapely.from_wkb(w) if w is not None else None for w in wkbs]
    assert [b.geom_type if b is not None else None for b in back] == \
        ["MultiPolygon", None, "MultiPoint", "MultiPolygon", "MultiLineString"]
    assert [round(b.area, 6) if b is not None else None for b in back] == [6.0, None, 0.0, 2.0, 0.0]
    assert cc.wkb_geometry(wkbs[0]).area() == 6.0
