"""Shared behaviour of every GuotuKit algorithm.

Thin adapters only: parameters in, ``qgis_io`` to turn layers into frames and
shapely arrays, ``core`` for the work, sinks and reports out.
"""
from __future__ import annotations

import os

from qgis.core import QgsProcessingAlgorithm, QgsProcessingParameterDefinition
from qgis.PyQt.QtGui import QIcon

from ...plugin.deps import missing_dependencies, missing_message
from ...plugin.i18n import tr

ICON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "resources", "icons")


class GuotuKitAlgorithm(QgsProcessingAlgorithm):
    """Base class: translation, icons, parameter help, dependency check."""

    GROUP = "classification"
    GROUP_NAME = "Classification"
    ICON_FILE = "guotukit.svg"

    # --- identity -------------------------------------------------------------
    def tr(self, text: str) -> str:  # noqa: D401 - QGIS naming
        return tr(text)

    def createInstance(self):
        return type(self)()

    def groupId(self) -> str:
        return self.GROUP

    def group(self) -> str:
        return tr(self.GROUP_NAME)

    def icon(self):
        return QIcon(os.path.join(ICON_DIR, self.ICON_FILE))

    def svgIconPath(self) -> str:
        return os.path.join(ICON_DIR, self.ICON_FILE)

    # --- dependencies -----------------------------------------------------------
    def canExecute(self):
        missing = missing_dependencies()
        if missing:
            return False, missing_message(missing)
        return True, ""

    # --- parameters with help -----------------------------------------------------
    def add_param(self, param: QgsProcessingParameterDefinition, help_text: str, advanced: bool = False):
        """Add a parameter with its help text (shown in the dialog and in shortHelpString)."""
        text = tr(help_text)
        if hasattr(param, "setHelp"):
            param.setHelp(text)
        if advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(param)
        return param

    def make_sink(self, parameters, context, key, spec, wkb_type=None, crs=None):
        """A feature sink with the fields ``spec`` = [(name, QVariant type)]; (sink, dest, fields)."""
        from qgis.core import QgsCoordinateReferenceSystem, QgsField, QgsFields, QgsProcessingException, QgsWkbTypes

        fields = QgsFields()
        for n, t in spec:
            fields.append(QgsField(n, t))
        sink, dest = self.parameterAsSink(parameters, key, context, fields,
                                          QgsWkbTypes.NoGeometry if wkb_type is None else wkb_type,
                                          crs or QgsCoordinateReferenceSystem())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        return sink, dest, fields

    def summary_help(self) -> str:
        """One-paragraph description shown above the parameter list."""
        return ""

    def output_help(self) -> dict:
        """Help text per output name (outputs have no setHelp in QGIS 3.22)."""
        return {}

    def shortHelpString(self) -> str:
        params = "".join(
            f"<li><b>{p.description()}</b> (<code>{p.name()}</code>): {p.help() if hasattr(p, 'help') else ''}</li>"
            for p in self.parameterDefinitions()
        )
        out_help = self.output_help()
        outputs = "".join(
            f"<li><b>{o.description()}</b> (<code>{o.name()}</code>): {out_help.get(o.name(), '')}</li>"
            for o in self.outputDefinitions()
        )
        return (
            f"<p>{self.summary_help()}</p>"
            f"<h3>{tr('Parameters')}</h3><ul>{params}</ul>"
            f"<h3>{tr('Outputs')}</h3><ul>{outputs}</ul>"
        )
