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
    def flags(self):
        """FlagNoThreading for the algorithms that write a workbook (the three jobs): run whole as a background
        task they crashed QGIS 3.40 now and then (DESIGN §6a).  Their QGIS parts (layers, sinks) stay on the
        main thread; the core work runs in a worker beside the event loop (``worker.beside_event_loop``)."""
        flags = super().flags()
        if self.parameterDefinition("OUTPUT_XLSX") is not None:
            flags |= QgsProcessingAlgorithm.FlagNoThreading
        return flags

    def canExecute(self):
        missing = missing_dependencies()
        if missing:
            return False, missing_message(missing)
        return True, ""

    # --- the input gate and staged outputs --------------------------------------------
    def checkParameterValues(self, parameters, context):
        """Every polygon input and every output passes the input gate before anything runs."""
        from .. import gate

        ok, msg = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, msg
        problem = gate.check_inputs(self, parameters, context) or gate.check_outputs(self, parameters, context)
        if problem:
            return False, problem
        return True, ""

    def prepareAlgorithm(self, parameters, context, feedback):
        """The input gate again, on the main thread (QGIS calls this before the worker thread runs
        :meth:`processAlgorithm`): a Model Designer child runs without checkParameterValues, and the
        gate reads the layers' extent and feature count, which only their own thread may do."""
        from qgis.core import QgsProcessingException

        from .. import gate

        problem = gate.check_inputs(self, parameters, context) or gate.check_outputs(self, parameters, context)
        if problem:
            raise QgsProcessingException(problem)
        return True

    def processAlgorithm(self, parameters, context, feedback):
        """Runs :meth:`run_algorithm` with every file output staged in a temporary folder; the
        outputs are moved into place only when the whole run succeeded.  A failed or cancelled run
        leaves nothing new and never returns success.  It reads layers only through feature sources and
        changes no project, so that it could run in a worker thread (see :meth:`flags`)."""
        import gc
        import traceback

        from qgis.core import QgsProcessingException

        from .. import gate

        params, staged = gate.stage_outputs(self, self._named_temporary_reports(parameters, context), context)
        try:
            results = self.run_algorithm(params, context, feedback)
            if feedback is not None and feedback.isCanceled() or not results:
                raise QgsProcessingException(tr("Cancelled: nothing was written (取消：未写出任何结果)."))
        except BaseException as exc:
            if exc.__traceback__ is not None:  # the frames hold the open sinks: close them first
                traceback.clear_frames(exc.__traceback__)
            gc.collect()
            staged.rollback()
            raise
        gc.collect()  # every sink closed before its file moves
        try:
            staged.commit()
        except OSError as exc:
            staged.rollback()
            raise QgsProcessingException(tr("Could not move the results into place: {0}. Nothing was replaced.").format(exc)) from exc
        return gate.finalise_paths(results, staged, context)

    # a report left as a temporary output gets a name a planner recognises, unique per run
    # (Excel refuses to open two files called OUTPUT_XLSX.xlsx at once)
    REPORT_NAME = ""             # e.g. 合规性检查
    REPORT_NAME_PARAMS = ()      # parameters whose text joins the name, e.g. ("TITLE",) or ("REGION_NAME",)

    def report_stem(self, parameters, context) -> str:
        import re

        parts = [self.REPORT_NAME or self.name()]
        for key in self.REPORT_NAME_PARAMS:
            value = self.parameterAsString(parameters, key, context) if key in parameters else ""
            if value and value.strip():
                parts.append(value.strip())
        stem = "_".join(parts)
        return re.sub(r'[\\/:*?"<>|\s]+', "_", stem)[:80]

    def _named_temporary_reports(self, parameters, context) -> dict:
        import os
        import time

        from qgis.core import QgsProcessingParameterFileDestination, QgsProcessingUtils

        out = dict(parameters)
        for d in self.destinationParameterDefinitions():
            if not isinstance(d, QgsProcessingParameterFileDestination):
                continue
            value = parameters.get(d.name())
            if not (isinstance(value, str) and value.strip() == "TEMPORARY_OUTPUT"):
                continue
            ext = (d.defaultFileExtension() or "xlsx").lstrip(".")
            folder = QgsProcessingUtils.tempFolder()
            base = f"{self.report_stem(parameters, context)}_{time.strftime('%Y%m%d_%H%M%S')}"
            path, n = os.path.join(folder, f"{base}.{ext}"), 1
            while os.path.exists(path):
                n += 1
                path = os.path.join(folder, f"{base}_{n}.{ext}")
            out[d.name()] = path
        return out

    def run_algorithm(self, parameters, context, feedback):  # pragma: no cover - every algorithm overrides it
        raise NotImplementedError

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
        from qgis.core import QgsCoordinateReferenceSystem, QgsFields, QgsProcessingException, QgsWkbTypes

        from .. import qgis_io

        fields = QgsFields()
        for n, t in spec:
            fields.append(qgis_io.make_field(n, t))
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
