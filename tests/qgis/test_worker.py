"""The jobs' core work runs beside QGIS's event loop: the map and the form stay alive during a county run."""
from __future__ import annotations

import gc
import threading
import time

import pytest
from qgis.core import QgsProcessingFeedback
from qgis.PyQt.QtCore import QTimer


class Ticker:
    """A main-thread timer: it only ticks while the main thread turns the event loop."""

    def __init__(self):
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        self.ticks += 1

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()


def _busy(seconds, cancelled=lambda: False):
    """Pure-Python work that holds the GIL in short slices, as the engine does."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += sum(range(2000))
        if cancelled():
            return None
    return n


def test_core_work_runs_in_a_worker_while_the_event_loop_turns(qgis_app):
    from guotukit.processing_provider.worker import beside_event_loop

    seen = {}
    feedback = QgsProcessingFeedback()

    def work(progress, cancelled):
        seen["thread"] = threading.current_thread()
        seen["gc"] = gc.isenabled()
        progress(0.5)
        _busy(0.5)
        progress(1.0)
        return 42

    with Ticker() as ticker:
        assert beside_event_loop(work, feedback, (10, 90), threaded=True) == 42
    assert seen["thread"] is not threading.main_thread()
    assert ticker.ticks >= 10          # ~50 possible: the timer on the main thread kept firing during the work
    assert feedback.progress() == pytest.approx(90)
    assert seen["gc"] is False and gc.isenabled()   # collection paused during the work, back on afterwards


def test_without_an_event_loop_to_keep_alive_it_runs_directly(qgis_app):
    from guotukit.processing_provider.worker import beside_event_loop

    seen = {}
    feedback = QgsProcessingFeedback()

    def work(progress, cancelled):
        seen["thread"] = threading.current_thread()
        progress(0.25)
        return "same"

    assert beside_event_loop(work, feedback, (0, 40), threaded=False) == "same"
    assert seen["thread"] is threading.main_thread()
    assert feedback.progress() == pytest.approx(10)


def test_cancel_on_the_main_thread_reaches_the_worker(qgis_app):
    from guotukit.core.packages.compute import Cancelled
    from guotukit.processing_provider.worker import beside_event_loop

    feedback = QgsProcessingFeedback()

    def work(progress, cancelled):
        if _busy(10, cancelled) is None:
            raise Cancelled()
        return "finished"

    QTimer.singleShot(100, feedback.cancel)   # the user's click, delivered by the event loop
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        beside_event_loop(work, feedback, threaded=True)
    assert time.perf_counter() - t0 < 5


def test_an_error_in_the_worker_is_raised_on_the_main_thread(qgis_app):
    from guotukit.processing_provider.worker import beside_event_loop

    def work(progress, cancelled):
        raise ValueError("图层「DLTB」缺少字段 DLBM")

    with pytest.raises(ValueError, match="DLBM"):
        beside_event_loop(work, None, threaded=True)
    assert gc.isenabled()


def test_a_form_run_keeps_the_map_alive(monkeypatch, qgis_app, qtbot, qgis_canvas, guotukit_provider):
    """The compliance form: its core step runs in the worker, and the main thread's timer fires meanwhile."""
    from guotukit.core.compliance import compute as cr
    from guotukit.forms.compliance_dialog import ComplianceDialog
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QVariant

    from .conftest import make_layer, square
    from .test_compliance_check import X0, Y0, _eprl, _pbf, _udb

    original = cr.run_compliance
    seen = {}

    def slow_run(*args, **kwargs):
        seen["thread"] = threading.current_thread()
        seen["before"] = ticker.ticks
        _busy(0.4)
        seen["after"] = ticker.ticks
        return original(*args, **kwargs)

    monkeypatch.setattr(cr, "run_compliance", slow_run)
    subjects = make_layer("Polygon", "EPSG:4527", [("XMDM", QVariant.String), ("GHDLBM", QVariant.String)],
                          [(square(X0, Y0, 100), ["A", "0701"])], "GHYD")
    made = [subjects, _pbf(), _eprl(), _udb()]
    QgsProject.instance().addMapLayers(made)
    before = set(QgsProject.instance().mapLayers())
    try:
        dlg = ComplianceDialog(canvas=qgis_canvas)
        dlg.show_message = lambda *args: None
        dlg.add_layers.setChecked(False)
        qtbot.addWidget(dlg)
        with Ticker() as ticker:
            results = dlg.run()
        assert results is not None and results["PASS_COUNT"] + results["FAIL_COUNT"] + results["REVIEW_COUNT"] == 1
        assert seen["thread"].name == "GuotuKit-core"
        assert seen["after"] - seen["before"] >= 5
    finally:
        QgsProject.instance().removeMapLayers([lid for lid in QgsProject.instance().mapLayers() if lid not in before])
        QgsProject.instance().removeMapLayers([lyr.id() for lyr in made])
