"""QGIS tests: the plugin is imported as the package ``guotukit`` (as QGIS does), the
provider is registered once per session, and layers are built from tests/data or by hand."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# as in QGIS, where the plugin sets it when it loads: openpyxl without lxml (set before any test module
# imports openpyxl; plugin.deps.openpyxl_uses_lxml covers a QGIS where someone imported it first)
os.environ.setdefault("OPENPYXL_LXML", "False")

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / ".build" / "plugins"


def _ensure_plugin_link() -> None:
    PLUGINS.mkdir(parents=True, exist_ok=True)
    link = PLUGINS / "guotukit"
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    if str(PLUGINS) not in sys.path:
        sys.path.insert(0, str(PLUGINS))


_ensure_plugin_link()


@pytest.fixture(scope="session")
def guotukit_provider(qgis_app):
    from qgis.core import QgsApplication

    plugins_path = os.path.join(qgis_app.pkgDataPath(), "python", "plugins")
    if plugins_path not in sys.path:
        sys.path.append(plugins_path)
    from processing.core.Processing import Processing

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("guotukit")
    if provider is None:
        from guotukit.processing_provider.provider import GuotuKitProvider

        provider = GuotuKitProvider()
        assert registry.addProvider(provider)
    return provider


@pytest.fixture()
def run_alg(guotukit_provider):
    """processing.run with a fresh context and a feedback that records messages."""
    import processing
    from qgis.core import QgsProcessingContext

    def _run(alg_id, params, feedback=None):
        fb = feedback or recording_feedback()
        ctx = QgsProcessingContext()
        result = processing.run(alg_id, params, feedback=fb, context=ctx)
        return result, fb, ctx

    return _run


def recording_feedback():
    """A QgsProcessingFeedback that keeps every message the user would see (errors, warnings, infos)."""
    from qgis.core import QgsProcessingFeedback

    class RecordingFeedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.errors, self.infos, self.warnings = [], [], []

        def reportError(self, error, fatalError=False):  # noqa: N803
            self.errors.append(error)

        def pushInfo(self, info):
            self.infos.append(info)

        def pushWarning(self, warning):
            self.warnings.append(warning)

    return RecordingFeedback()


def make_layer(geom_type: str, crs: str, fields: list, rows: list, name: str = "test"):
    """Memory layer from WKT rows: fields = [(name, QVariant type)], rows = [(wkt, [values])]."""
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer(f"{geom_type}?crs={crs}", name, "memory")
    pr = layer.dataProvider()
    pr.addAttributes([QgsField(n, t) for n, t in fields])
    layer.updateFields()
    feats = []
    for wkt, values in rows:
        f = QgsFeature(layer.fields())
        if wkt:
            f.setGeometry(QgsGeometry.fromWkt(wkt))
        f.setAttributes(values)
        feats.append(f)
    pr.addFeatures(feats)
    layer.updateExtents()
    return layer


def square(x0: float, y0: float, side: float) -> str:
    return f"POLYGON(({x0} {y0},{x0 + side} {y0},{x0 + side} {y0 + side},{x0} {y0 + side},{x0} {y0}))"
