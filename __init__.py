"""GuotuKit QGIS plugin entry point."""
import os

# openpyxl with lxml crashes QGIS on Windows when it runs in a Processing worker thread that also reads a
# vector layer (qgis/QGIS#55807, #58205): use openpyxl's own XML writer.  Set before openpyxl is first
# imported (the user may still force lxml by setting the variable themselves).
os.environ.setdefault("OPENPYXL_LXML", "False")


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from .plugin.plugin import GuotuKitPlugin

    return GuotuKitPlugin(iface)
