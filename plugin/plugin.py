"""Desktop glue: GuotuKit menu and toolbar, provider registration."""
from __future__ import annotations

import importlib
import os

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QMenu, QMessageBox

from .deps import missing_dependencies, missing_message
from .i18n import install_translator, tr

PLUGIN_DIR = os.path.dirname(os.path.dirname(__file__))
ICON_DIR = os.path.join(PLUGIN_DIR, "resources", "icons")

# Menu entries: (English title, icon file, algorithm id). Later issues add forms here.
MENU_ENTRIES = [
    ("Convert land-use codes", "convert.svg", "guotukit:convertlandusecodes"),
    ("Land-use structure adjustment table", "structure.svg", "guotukit:structuretable"),
    ("Compliance check against control lines", "compliance.svg", "guotukit:compliancecheck"),
    ("Asset package delineation", "packages.svg", "guotukit:assetpackages"),
    ("Validate asset packages", "packages.svg", "guotukit:validatepackages"),
    ("Change detection between two survey vintages", "monitoring.svg", "guotukit:changedetect"),
    ("Plan implementation indicators", "monitoring.svg", "guotukit:planindicators"),
    ("Survey fit of a project (报批套合分析)", "monitoring.svg", "guotukit:surveyfit"),
]
# Algorithms with their own form (module path inside the plugin, class); the others open the Processing dialog.
DOCK_WIDTH = 460   # px: a docked form's first width (a laptop's 1366 px leave the map ~ 2/3)

FORMS = {
    "guotukit:assetpackages": "forms.packages_dialog.PackagesDialog",
    "guotukit:compliancecheck": "forms.compliance_dialog.ComplianceDialog",
    "guotukit:structuretable": "forms.structure_dialog.StructureDialog",
    "guotukit:changedetect": "forms.monitoring_dialog.MonitoringDialog",
}


class GuotuKitPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.menu = None
        self.toolbar = None
        self.actions = []
        self._dialogs = {}
        self._docks = {}

    # Called by QGIS before initGui (and on its own by qgis_process).
    def initProcessing(self):
        install_translator()   # before the provider's texts are made (qgis_process calls only this)
        if self.provider is not None:
            return
        from ..processing_provider.provider import GuotuKitProvider

        self.provider = GuotuKitProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()
        self.menu = QMenu(tr("GuotuKit planning toolkit"), self.iface.mainWindow())   # 国土规划工具箱（GuotuKit）
        self.menu.setObjectName("GuotuKitMenu")
        self.toolbar = self.iface.addToolBar("GuotuKit")
        self.toolbar.setObjectName("GuotuKitToolbar")
        for title, icon, alg_id in MENU_ENTRIES:
            action = QAction(QIcon(os.path.join(ICON_DIR, icon)), tr(title), self.iface.mainWindow())
            action.setObjectName(alg_id)
            action.triggered.connect(lambda _checked=False, a=alg_id: self.open_algorithm(a))
            self.menu.addAction(action)
            if alg_id != "guotukit:validatepackages":   # the toolbar keeps the main jobs
                self.toolbar.addAction(action)
            self.actions.append(action)
        self.menu.addSeparator()
        about = QAction(tr("About GuotuKit / check dependencies"), self.iface.mainWindow())
        about.setObjectName("guotukit:about")
        about.triggered.connect(self.show_about)
        self.menu.addAction(about)
        self.actions.append(about)
        menubar = self.iface.mainWindow().menuBar()
        right = getattr(self.iface, "firstRightStandardMenu", None)  # before Help, like core menus
        if right is not None and right() is not None:
            menubar.insertMenu(right().menuAction(), self.menu)
        else:
            menubar.addMenu(self.menu)

        missing = missing_dependencies()
        if missing:
            message = missing_message(missing)
            QgsMessageLog.logMessage(message, "GuotuKit", Qgis.Warning)
            self.iface.messageBar().pushWarning("GuotuKit", message)

    def unload(self):
        for dialog in self._dialogs.values():
            dialog.close()
            dialog.deleteLater()
        self._dialogs = {}
        for dock in self._docks.values():
            if hasattr(self.iface, "removeDockWidget"):
                self.iface.removeDockWidget(dock)
            dock.deleteLater()
        self._docks = {}
        for action in self.actions:
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
        self.actions = []
        if self.menu is not None:
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

    def open_algorithm(self, alg_id: str):
        import processing

        missing = missing_dependencies()
        if missing:
            QMessageBox.warning(self.iface.mainWindow(), "GuotuKit", missing_message(missing))
            return
        if alg_id in FORMS:
            self.open_form(alg_id)
            return
        processing.execAlgorithmDialog(alg_id, {})

    def open_form(self, alg_id: str):
        """Show the algorithm's own form (non-modal, one per algorithm, kept while the plugin lives),
        docked beside the map canvas (a QgsDockWidget that can float; Qt keeps where the user put it) —
        or as a window when the setting ``GuotuKit/dock_forms`` is false."""
        dialog = self._dialogs.get(alg_id)
        if dialog is None:
            module, cls = FORMS[alg_id].rsplit(".", 1)
            form_class = getattr(importlib.import_module(f"..{module}", __package__), cls)  # lazy, relative
            dialog = self._dialogs[alg_id] = form_class(iface=self.iface)
            if self._dock_forms():
                from qgis.gui import QgsDockWidget
                from qgis.PyQt.QtCore import Qt

                dock = QgsDockWidget(dialog.windowTitle(), self.iface.mainWindow())
                dock.setObjectName(f"GuotuKitDock_{alg_id.split(':', 1)[1]}")
                dialog.setWindowFlags(Qt.WindowType.Widget)
                dock.setWidget(dialog)
                dialog.finished.connect(lambda _result, d=dock: d.close())   # Close closes the dock
                self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
                self._docks[alg_id] = dock
                # wide enough for the settings and a few result columns; the user's own width is kept after
                width = max(DOCK_WIDTH, dialog.minimumSizeHint().width())
                try:
                    self.iface.mainWindow().resizeDocks([dock], [width], Qt.Orientation.Horizontal)
                except (AttributeError, TypeError):  # pragma: no cover - a main window without resizeDocks
                    pass
                splitter = getattr(dialog, "splitter", None)
                if splitter is not None:   # a dock is short: give the results more than the (scrolling) settings
                    splitter.setSizes([2, 3])
        dock = self._docks.get(alg_id)
        dialog.show()
        if dock is not None:
            dock.show()
            dock.raise_()
            return dialog
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _dock_forms(self) -> bool:
        from qgis.core import QgsSettings

        if not hasattr(self.iface, "addDockWidget"):
            return False
        value = QgsSettings().value("GuotuKit/dock_forms", True)
        return str(value).lower() not in ("false", "0", "no")

    def show_about(self):
        from .about import about_text

        QMessageBox.information(self.iface.mainWindow(), "GuotuKit", about_text())
