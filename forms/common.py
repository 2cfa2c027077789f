"""Shared pieces of the GuotuKit forms.

* layer and field pre-selection by their standard names (DLTB, GHYD, YJJBNT ...; DLBM, TBDLMJ ...);
* :class:`AlgorithmDialog`, the base of a form around one GuotuKit algorithm: it runs the algorithm through
  ``processing.run`` (the same code path as the toolbox and qgis_process, so the numbers are the same) on the main
  thread — the algorithms have FlagNoThreading for their QGIS parts and run their core work in a worker beside the
  event loop (DESIGN §6a), so the map and Cancel stay alive — shows errors in the form (and in
  ``last_error``) instead of a traceback, and exports the Excel report by running the algorithm again with
  ``OUTPUT_XLSX``.
"""
from __future__ import annotations

import os
import re
import traceback

from qgis.core import (
    Qgis,
    QgsFieldProxyModel,
    QgsMapLayerProxyModel,
    QgsMessageLog,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsSettings,
)
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QEvent, QObject, Qt, QUrl, QVariant
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QApplication,
    QBoxLayout,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..plugin.deps import missing_dependencies, missing_message
from ..plugin.i18n import tr


def name_matches(layer_name: str, key: str) -> bool:
    """``key`` is the layer name or ends it after a non-alphanumeric character (GeoPackage "county — YJJBNT")."""
    n, k = layer_name.strip().lower(), key.lower()
    return n == k or (n.endswith(k) and not re.match(r"[0-9a-z]", n[-len(k) - 1]))


def pick_layer(layers, names, exclude=(), contains: bool = True):
    """The first layer named after one of ``names`` (whole name or its end, see :func:`name_matches`), else — with
    ``contains`` — the first whose name contains one of them; layers whose id is in ``exclude`` are passed over."""
    layers = [lyr for lyr in layers if lyr is not None and lyr.id() not in exclude]
    tests = [lambda name, key: name_matches(name, key)]
    if contains:
        tests.append(lambda name, key: key.lower() in name.lower())
    for test in tests:
        for key in names:
            hit = next((lyr for lyr in layers if test(lyr.name(), key)), None)
            if hit is not None:
                return hit
    return None


def polygon_layer_combo(parent, optional: bool) -> QgsMapLayerComboBox:
    """A combo of the project's polygon layers; ``optional`` adds the empty choice (none)."""
    combo = QgsMapLayerComboBox(parent)
    combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
    combo.setAllowEmptyLayer(optional)
    return combo


def field_like(layer, names) -> str:
    """The layer's own spelling of the first of ``names`` it has (any case), or ""."""
    fields = {f.name().upper(): f.name() for f in layer.fields()} if layer is not None else {}
    return next((fields[n.upper()] for n in names if n.upper() in fields), "")


def text(value) -> str:
    return "" if value is None or (isinstance(value, QVariant) and value.isNull()) else str(value)


NUMBER = Qt.ItemDataRole.UserRole  # the unrounded value of a numeric table cell (sorting, tests)


class NumberCell(QTableWidgetItem):
    """A table cell that sorts numerically when a float is attached under ``NUMBER``."""

    def __lt__(self, other):
        a, b = self.data(NUMBER), other.data(NUMBER)
        if isinstance(a, float) and isinstance(b, float):
            return a < b
        return super().__lt__(other)


def field_combo(parent, numeric: bool = False) -> QgsFieldComboBox:
    """A field chooser that may be left empty (optionally numeric fields only)."""
    combo = QgsFieldComboBox(parent)
    combo.setAllowEmptyFieldName(True)
    if numeric:
        combo.setFilters(QgsFieldProxyModel.Filter.Numeric)
    return combo


def fit_to_screen(dialog, width: int = 1320, height: int = 940) -> None:
    """Resize a form to ``width`` × ``height``, or less on a laptop screen."""
    screen = QApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    dialog.resize(width if room is None else min(width, room.width() - 40),
                  height if room is None else min(height, room.height() - 60))


REFLOW = "guotukit-reflow"   # objectName of a row of setting groups that stacks when the form is narrow
REFLOW_WIDTH = 640           # px: below this the groups of such a row go one under the other (a dock)


def reflow_row(layout):
    """Mark a QHBoxLayout of setting groups: side by side in a wide window, one under the other in a dock."""
    layout.setObjectName(REFLOW)
    return layout


class _Reflow(QObject):
    """Sets the direction of the marked rows (:func:`reflow_row`) from the width of the settings."""

    def __init__(self, widget, watched):
        super().__init__(widget)
        self.widget, self.watched = widget, watched   # the width that counts: the visible one (a scroll viewport)
        watched.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt name
        if obj is self.watched and event.type() == QEvent.Type.Resize:
            self.apply(obj.width())
        return False

    def apply(self, width: int) -> None:
        wanted = QBoxLayout.Direction.LeftToRight if width >= REFLOW_WIDTH else QBoxLayout.Direction.TopToBottom
        for layout in self.widget.findChildren(QBoxLayout, REFLOW):
            if layout.direction() != wanted:
                layout.setDirection(wanted)


def settings_over_results(dialog, settings, results, status, buttons) -> QSplitter:
    """A form's layout: the settings (scrolling when the screen is short) over the results, in a
    splitter neither side collapses; then the status line and the buttons. Returns the splitter."""
    # narrow enough for a dock beside the map: combo boxes shrink (their text elides) instead of making the
    # settings scroll sideways
    for combo in settings.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(10)
    for form in settings.findChildren(QFormLayout):   # a long label puts its field on the next line, not off-screen
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    scroll = QScrollArea(dialog)
    scroll.setWidget(settings)
    dialog._reflow = _Reflow(settings, scroll.viewport())
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setMinimumHeight(120)
    splitter = QSplitter(Qt.Orientation.Vertical, dialog)
    splitter.addWidget(scroll)
    splitter.addWidget(results)
    splitter.setStretchFactor(1, 1)
    splitter.setCollapsible(0, False)
    splitter.setCollapsible(1, False)
    splitter.setSizes([settings.sizeHint().height(), 1000])
    layout = QVBoxLayout(dialog)
    layout.addWidget(splitter, 1)
    layout.addWidget(status)
    layout.addWidget(buttons)
    return splitter


class WarningsArea(QScrollArea):
    """The yellow warnings box under a form's result table: as tall as its warnings, at most
    about four lines, then it scrolls. ``label`` holds the text."""

    def __init__(self, parent):
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setStyleSheet("QLabel { background: #fff4ce; color: #5a4200; padding: 4px; }")
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.setVisible(False)

    def set_warnings(self, warnings, width: int) -> list:
        """Show the distinct non-empty ``warnings`` (fitted to ``width``); returns them."""
        shown = list(dict.fromkeys(w.strip() for w in warnings if w and w.strip()))
        self.label.setText("\n".join(f"⚠ {w}" for w in shown))
        self.setVisible(bool(shown))
        self.fit(width)
        return shown

    def fit(self, width: int) -> None:
        frame = 2 * self.frameWidth()
        needed = self.label.heightForWidth(max(width - frame, 200)) + frame
        self.setFixedHeight(min(needed, 4 * self.fontMetrics().lineSpacing() + 16))


class RecordingFeedback(QgsProcessingFeedback):
    """Feedback that keeps the algorithm's warnings and non-fatal errors for the form's message area."""

    def __init__(self):
        super().__init__()
        self.warnings = []
        self.errors = []  # every error reported; a background task reports the one that stopped it last

    def pushWarning(self, warning):  # noqa: N802 - Qt name
        self.warnings.append(warning)
        super().pushWarning(warning)

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 - Qt names
        if not fatalError:
            self.warnings.append(error)
        self.errors.append(error)
        super().reportError(error, fatalError)


class AlgorithmDialog(QDialog):
    """A non-modal form around the algorithm ``ALG_ID``; subclasses build the inputs and implement the hooks."""

    ALG_ID = ""
    RESULT_KEY = ""  # an output every finished run returns: missing when the run was cancelled

    def __init__(self, iface=None, parent=None):
        super().__init__(parent if parent is not None or iface is None else iface.mainWindow())
        self.iface = iface
        self.feedback = None
        self.last_error = ""
        self.show_message = QMessageBox.warning  # replaceable (tests): errors must never block there
        self._last_params = None
        self._running = False
        self._inputs = ()  # widgets disabled while running
        self._cancel_requested = False
        self._auto_layers = False  # re-pick layers by name when layers are added, until the user picks one

    # ---------------------------------------------------------------- layers added later
    def watch_project_layers(self, combos) -> None:
        """A form opened before the data is loaded picks its layers again (``preselect``) whenever layers are
        added to the project — until the user chooses a layer in one of ``combos`` or runs the form."""
        from qgis.core import QgsProject

        self._auto_layers = True
        for combo in combos:
            combo.activated.connect(self._stop_auto_layers)
        QgsProject.instance().layersAdded.connect(self._layers_added)

    def _stop_auto_layers(self, *_args) -> None:
        self._auto_layers = False

    def _layers_added(self, _layers) -> None:
        if not self._auto_layers or self._running:
            return
        try:
            self.preselect()
        except RuntimeError:   # the form's widgets are gone (closed with its dock): stop listening
            from qgis.core import QgsProject

            self._auto_layers = False
            try:
                QgsProject.instance().layersAdded.disconnect(self._layers_added)
            except (TypeError, RuntimeError):
                pass

    # ---------------------------------------------------------------- hooks
    def form_title(self) -> str:
        """Title of the form's message boxes."""
        raise NotImplementedError

    def parameters(self):
        """The algorithm's parameters from the form, or None after telling the user why (``_fail``)."""
        raise NotImplementedError

    def failure_text(self, exc: Exception) -> str:
        """One sentence for an unexpected exception (a bug): the traceback goes to the log."""
        raise NotImplementedError

    def busy_text(self) -> str:
        raise NotImplementedError

    def export_file_name(self) -> str:
        """Suggested file name of the Excel report, without the extension."""
        raise NotImplementedError

    # ---------------------------------------------------------------- widgets
    def _make_run_controls(self, run_text: str, export_text: str, hint: str):
        """Progress bar, Run and Cancel (returned as one row), the status label and the Export/Close buttons."""
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.run_button = QPushButton(run_text, self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel(hint, self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(export_text, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_clicked)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(tr("Close"))   # Qt's own text stays English unless QGIS loaded Qt's translations
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        return row

    # ---------------------------------------------------------------- running
    def run(self):
        raise NotImplementedError

    def _execute(self, params, alg_id: str = "", result_key: str = ""):
        """The algorithm through ``processing.run`` on the main thread (FlagNoThreading for its QGIS parts; its core
        work runs in a worker while the event loop turns: DESIGN §6a).  ``alg_id``/``result_key``: another algorithm
        of the same form (default ``ALG_ID``/``RESULT_KEY``).  The results, or None on error or cancel (message shown)."""
        missing = missing_dependencies()
        if missing:
            self._fail(missing_message(missing))
            return None
        import processing
        from qgis.core import QgsProcessingContext, QgsProject

        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        self.feedback = RecordingFeedback()
        self.feedback.progressChanged.connect(self._on_progress)
        self._cancel_requested = False
        self._busy(True)
        try:
            results = processing.run(alg_id or self.ALG_ID, params, feedback=self.feedback, context=context)
        except QgsProcessingException as exc:
            if self._cancel_requested or self.feedback.isCanceled():  # the user's own cancel is not an error
                return self._cancelled()
            self._fail(str(exc).strip())
            return None
        except Exception as exc:  # a bug: the traceback goes to the log, the user gets one sentence
            return self._bug(exc)
        finally:
            self._busy(False)
        return self._done(results, result_key or self.RESULT_KEY)

    def _done(self, results, result_key: str = ""):
        """The results of a finished run, or None when it was cancelled (a cancelled run raises in
        base.processAlgorithm; this is the defensive check)."""
        if (result_key or self.RESULT_KEY) not in results:
            return self._cancelled()
        self.progress.setValue(100)
        self._auto_layers = False   # the results are from these layers: keep them
        return results

    def _cancelled(self):
        self.progress.setValue(0)
        self._say(tr("Cancelled: nothing was written."))
        return None

    def _bug(self, exc):
        QgsMessageLog.logMessage(traceback.format_exc(), "GuotuKit", Qgis.MessageLevel.Critical)
        self._fail(self.failure_text(exc))
        return None

    def cancel(self):
        if self.feedback is not None and self._running:
            self._cancel_requested = True
            self.feedback.cancel()
            self._say(tr("Cancelling…"))

    def _on_progress(self, value):
        self.progress.setValue(int(value))
        QApplication.processEvents()  # keeps Cancel clickable during the synchronous run

    def _busy(self, running: bool):
        self._running = running
        for widget in tuple(self._inputs) + (self.run_button, self.close_button):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running and self._last_params is not None)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setValue(0)
            self._say(self.busy_text())

    def reject(self):  # Esc / Close / window close: cancel a running algorithm instead of closing under it
        if self._running:
            self.cancel()
        else:
            super().reject()

    def closeEvent(self, event):  # noqa: N802 - Qt name
        if self._running:
            self.cancel()
            event.ignore()
        else:
            super().closeEvent(event)

    def _say(self, message: str, error: bool = False):
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(message)

    def _fail(self, message: str):
        self.last_error = message
        self._say(message, error=True)
        self.show_message(self, self.form_title(), message)

    # ---------------------------------------------------------------- export
    def _export_clicked(self):
        settings = QgsSettings()
        name = re.sub(r'[\\/:*?"<>|]', "_", self.export_file_name())
        start = os.path.join(str(settings.value("GuotuKit/exportDir", os.path.expanduser("~"))), f"{name}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the Excel report"), start, tr("Excel workbook (*.xlsx)"))
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        settings.setValue("GuotuKit/exportDir", os.path.dirname(path))
        self.export_to(path, ask_open=True)

    def export_to(self, path: str, ask_open: bool = False):
        """Run the algorithm again with the last run's parameters and write the workbook; the path, or None.

        The report writers save through a temporary file and a rename, so a failed or cancelled export leaves an
        existing file untouched."""
        params = dict(self._last_params or self.parameters() or {})
        if not params:
            return None
        params["OUTPUT_XLSX"] = path
        results = self._execute(params)
        if results is None or not results.get("OUTPUT_XLSX"):
            return None
        self._say(tr("Excel report written: {0}").format(path))
        if ask_open:
            box = QMessageBox(QMessageBox.Icon.Question, self.form_title(),
                              f"{tr('The report was written to:')}\n{path}\n\n{tr('Open it now?')}", parent=self)
            yes = box.addButton(tr("Open"), QMessageBox.ButtonRole.YesRole)
            box.addButton(tr("Not now"), QMessageBox.ButtonRole.NoRole)
            box.exec()
            if box.clickedButton() is yes:
                QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        return path


class ResultFilter(QComboBox):
    """全部 / one value per choice: hides the rows of a result table whose ``column()`` text is not the
    chosen value (its texts in either language).  ``apply()`` again after the table is refilled."""

    def __init__(self, parent, table, column, choices):
        super().__init__(parent)
        self.table, self.column = table, column
        self.addItem(tr("All"), ())
        for label, texts in choices:
            self.addItem(label, tuple(texts))
        self.setToolTip(tr("Show only the rows with this result"))
        self.currentIndexChanged.connect(lambda _i: self.apply())

    def row(self, parent) -> QHBoxLayout:
        """「结论 [全部 ▾]」, left-aligned: the line above a result table."""
        line = QHBoxLayout()
        line.addWidget(QLabel(tr("Result"), parent))
        line.addWidget(self)
        line.addStretch(1)
        return line

    def apply(self) -> None:
        wanted = self.currentData() or ()
        col = self.column()
        for r in range(self.table.rowCount()):
            item = self.table.item(r, col) if col is not None and col >= 0 else None
            self.table.setRowHidden(r, bool(wanted) and (item is None or item.text() not in wanted))
