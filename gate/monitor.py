"""The gate monitor's model: plain Python state with change events, no Qt.

It listens to the controller (``GateListener``) and keeps what the monitor window
shows: gate status, reader health, output health, today's counts, the last alarms
with their titles and acknowledgement. Views subscribe to ``changed`` (called with a
topic: ``status``, ``readers``, ``outputs``, ``counts``, ``alarms``) and read the
state back through the properties; they change things only through the model's
methods (``acknowledge``), which call the controller.

Listener methods run in the poll thread; state is guarded by a lock and events are
emitted after the lock is released. A Qt view must hop to its own thread before
touching widgets (``ui.gate_monitor`` does it with a queued signal).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

from .alarm_log import AlarmLog, AlarmRecord
from .controller import GateListener
from .counting import PeopleCounts

log = logging.getLogger(__name__)

TOPICS = ("status", "readers", "outputs", "counts", "alarms")


class Event:
    """A list of callbacks; ``emit`` calls each, logging (not raising) a failing one."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[str], None]] = []

    def connect(self, callback: Callable[[str], None]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[str], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, topic: str) -> None:
        for callback in list(self._callbacks):
            try:
                callback(topic)
            except Exception:
                log.exception("monitor subscriber failed on %s", topic)

    def __len__(self) -> int:
        return len(self._callbacks)


class GateMonitorModel(GateListener):
    def __init__(
        self,
        name: str,
        mode: str,
        log_: AlarmLog | None = None,
        counts: PeopleCounts | None = None,
        recent: int = 50,
        acknowledge: Callable[[int], bool] | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.name, self.mode, self.recent_limit = name, mode, recent
        self._log, self._counts, self._acknowledge, self._today = log_, counts, acknowledge, today
        self._lock = threading.Lock()
        self._status = "starting"
        self._readers: dict[str, tuple[str, str | None]] = {}
        self._outputs: dict[str, str | None] = {}
        self._alarms: list[AlarmRecord] = log_.recent(recent) if log_ is not None else []
        self._entries = self._exits = 0
        self._alarms_today = 0
        self.changed = Event()
        self._load_counts()

    def attach(self, log_: AlarmLog, counts: PeopleCounts, acknowledge: Callable[[int], bool]) -> None:
        """Connect to a gate's records after construction (the demo builds its gate later)."""
        self._log, self._counts, self._acknowledge = log_, counts, acknowledge
        with self._lock:
            self._alarms = log_.recent(self.recent_limit)
        self._load_counts()
        for topic in ("status", "counts", "alarms"):
            self.changed.emit(topic)

    # -- state for views ----------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._status

    @property
    def readers(self) -> dict[str, tuple[str, str | None]]:
        with self._lock:
            return dict(self._readers)

    @property
    def outputs(self) -> dict[str, str | None]:
        with self._lock:
            return dict(self._outputs)

    @property
    def alarms(self) -> list[AlarmRecord]:
        """Most recent first."""
        with self._lock:
            return list(self._alarms)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(entries today, exits today, alarms today)."""
        with self._lock:
            return self._entries, self._exits, self._alarms_today

    @property
    def unacknowledged(self) -> int:
        with self._lock:
            return sum(1 for a in self._alarms if not a.acknowledged)

    # -- actions from views -------------------------------------------------------------------------------

    def acknowledge(self, row_id: int) -> bool:
        """Staff acknowledge an alarm (and its passage); the controller silences the outputs."""
        if self._acknowledge is None or not self._acknowledge(row_id):
            return False
        if self._log is not None:
            fresh = {a.id: a for a in self._log.recent(self.recent_limit)}
            with self._lock:
                self._alarms = [fresh.get(a.id, a) for a in self._alarms]
        self.changed.emit("alarms")
        return True

    def set_status(self, status: str) -> None:
        """A short English status code ("starting", "running", "demo running", …), translated by views."""
        self._status = status
        self.changed.emit("status")

    # -- GateListener (poll thread) -----------------------------------------------------------------------

    def alarm_raised(self, record: AlarmRecord) -> None:
        with self._lock:
            self._alarms = [record, *self._alarms][: self.recent_limit]
            self._alarms_today += 1
        self.changed.emit("alarms")
        self.changed.emit("counts")

    def title_found(self, row_id: int, title: str) -> None:
        self._update(row_id, lambda a: replace(a, title=title))

    def passage_closed(self, passage_row: int, direction: str | None, items: int) -> None:
        if direction is not None:
            with self._lock:
                self._alarms = [
                    replace(a, direction=direction) if a.passage == passage_row else a for a in self._alarms
                ]
            self.changed.emit("alarms")

    def crossing(self, direction: str) -> None:
        with self._lock:
            if direction == "in":
                self._entries += 1
            else:
                self._exits += 1
        self.changed.emit("counts")

    def reader_changed(self, name: str, state: str, error: str | None) -> None:
        with self._lock:
            self._readers[name] = (state, error)
        self.changed.emit("readers")

    def outputs_changed(self, health: dict[str, str | None]) -> None:
        with self._lock:
            self._outputs = dict(health)
        self.changed.emit("outputs")

    # -- helpers ------------------------------------------------------------------------------------------

    def _update(self, row_id: int, change: Callable[[AlarmRecord], AlarmRecord]) -> None:
        with self._lock:
            self._alarms = [change(a) if a.id == row_id else a for a in self._alarms]
        self.changed.emit("alarms")

    def _load_counts(self) -> None:
        day = self._today().isoformat()
        if self._counts is not None:
            self._entries, self._exits = self._counts.totals(day)
        if self._log is not None:
            midnight = datetime.combine(self._today(), time.min).astimezone()
            self._alarms_today = self._log.count_since(midnight)
