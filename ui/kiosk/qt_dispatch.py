"""Run callbacks on the GUI thread: the station's models emit on its worker thread, widgets live here.

:class:`GuiDispatcher` is the ``dispatch`` the view model and the screens pass to their
:class:`~ui.kiosk.viewmodel.Subscriptions`: calling it from any thread queues the callable and the
Qt event loop runs it on the thread that owns the dispatcher. Calls keep their order. Even a call
made on the GUI thread is queued, so a model callback never re-enters the station in the middle of
one of its own steps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal

log = logging.getLogger(__name__)


class GuiDispatcher(QObject):
    _queued = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = 0  # queued and not yet run (scripted runs wait for 0)
        self._lock = threading.Lock()
        self._queued.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self.pending += 1
        try:
            self._queued.emit(fn)
        except RuntimeError:  # the window is gone (shutting down): nothing left to update
            log.debug("dispatch after the GUI closed dropped")

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # a display bug must not take the kiosk down
            log.exception("GUI callback failed")
        finally:
            with self._lock:
                self.pending -= 1

    def drain(self, app: QCoreApplication, max_rounds: int = 1000) -> None:
        """Process events until every queued callback ran (for scripted runs and tests)."""
        for _ in range(max_rounds):
            app.processEvents()
            if self.pending <= 0:
                break
        app.processEvents()  # what the last callbacks posted (layout requests, repaints)
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # widgets dropped with deleteLater
