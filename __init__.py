"""GuotuKit QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from .plugin.plugin import GuotuKitPlugin

    return GuotuKitPlugin(iface)
