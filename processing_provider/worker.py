"""Pure computation beside QGIS's event loop.

The three jobs keep ``FlagNoThreading`` (DESIGN §6a): run as a ``QgsProcessingAlgRunnerTask`` they crashed
QGIS 3.40 now and then.  What must stay on the main thread is everything that touches QGIS or Qt — reading
layers, sinks, the project.  The county-size part in between (the overlay, the engine, the workbook) is
``core`` code: plain Python, shapely and openpyxl, holding no QGIS or Qt object.  :func:`beside_event_loop`
runs that part in a Python thread while the main thread keeps turning QGIS's event loop, so the map pans,
the progress bar moves and Cancel answers for the whole length of the run.

Rules that keep it safe:

* the worker receives plain values only and calls no QGIS/Qt API: progress and cancel go through a
  shared float and a ``threading.Event`` that the *main* thread moves to and from the ``QgsFeedback``;
* Python's cyclic garbage collector is paused while the worker runs (and its youngest generation,
  which holds everything made meanwhile, collected on the main thread afterwards), so that the worker never finalises a Qt wrapper that belongs to the main thread — the
  suspect named in DESIGN §6a;
* where there is no event loop to keep alive (``qgis_process``, a Processing worker thread, a plain
  script) the function runs directly, with the same progress and cancel: the results are identical.
"""
from __future__ import annotations

import gc
import threading
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

#: the longest the main thread sleeps between two turns of the event loop (seconds)
TURN = 0.03


def _event_loop_thread() -> bool:
    """True when called on the thread of a running QGIS desktop (or test) application."""
    try:
        from qgis.core import QgsApplication
        from qgis.PyQt.QtCore import QThread
    except ImportError:  # pragma: no cover - core only
        return False
    app = QgsApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return False
    try:
        platform = QgsApplication.platform()
    except (AttributeError, TypeError):  # pragma: no cover - very old QGIS
        platform = ""
    return platform != "qgis_process"


def beside_event_loop(work: Callable[[Callable[[float], None], Callable[[], bool]], T], feedback=None,
                      span: tuple = (0.0, 100.0), threaded: Optional[bool] = None) -> T:
    """``work(progress, cancelled)`` — pure core code — in a worker thread while this (main) thread turns
    the event loop; its result, or its exception re-raised here.  ``progress(f)`` with f in 0..1 moves the
    feedback's bar over ``span``; ``cancelled()`` is true once the user cancelled.  ``threaded`` forces the
    choice (tests); by default the worker is used only on a desktop application's main thread."""
    a, b = float(span[0]), float(span[1])
    if threaded is None:
        threaded = _event_loop_thread()
    if not threaded:
        def progress(f: float) -> None:
            if feedback is not None:
                feedback.setProgress(a + (b - a) * f)

        return work(progress, (feedback.isCanceled if feedback is not None else (lambda: False)))

    from qgis.PyQt.QtCore import QCoreApplication, QEventLoop

    state = {"f": None, "value": None, "error": None}
    stop = threading.Event()

    def progress(f: float) -> None:  # worker side: no Qt call, only a value the main thread forwards
        state["f"] = f

    def target() -> None:
        try:
            state["value"] = work(progress, stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            state["error"] = exc

    worker = threading.Thread(target=target, name="GuotuKit-core", daemon=True)
    collecting = gc.isenabled()
    gc.disable()
    shown = [None]

    def forward() -> None:  # main side: the worker's progress to the bar, the user's cancel to the worker
        f = state["f"]
        if feedback is not None:
            if f is not None and f != shown[0]:
                shown[0] = f
                feedback.setProgress(a + (b - a) * f)
            if feedback.isCanceled():
                stop.set()

    try:
        worker.start()
        app = QCoreApplication.instance()
        while worker.is_alive():
            worker.join(TURN)
            forward()
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, int(TURN * 1000))
    finally:
        if worker.is_alive():  # the main thread was interrupted: let the worker stop at its next check
            stop.set()
        worker.join()
        if collecting:
            gc.enable()
        # what the pause left is young (generation 0): collect that, not the whole heap — a full
        # collection of a QGIS process costs 60-90 ms, three times in a run
        gc.collect(0)
    forward()
    if state["error"] is not None:
        raise state["error"]
    return state["value"]
