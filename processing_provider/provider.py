"""The GuotuKit Processing provider (id ``guotukit``)."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..plugin.i18n import tr
from .algorithms import algorithm_classes

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "icons", "guotukit.svg")


class GuotuKitProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "guotukit"

    def name(self) -> str:
        return "GuotuKit"

    def longName(self) -> str:
        return tr("GuotuKit — territorial planning and asset allocation toolkit")

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self) -> str:
        return ICON

    def loadAlgorithms(self) -> None:
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
