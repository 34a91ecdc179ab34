"""The gate's evidence for the pilot report, written to the anonymous event journal (``offline_queue``).

The gate keeps its own alarm log (titles, acknowledgements, retention) for staff; the pilot report reads
event journals, so :class:`GateJournal` copies what the report needs into one, through the controller's
public hooks (``on_alarm``, ``on_crossing``), without changing the poll loop:

- each alarm → ``gate_alarms`` with a cause code (``secured-item``, ``eas``, ``not-checked-out``…), the tag's
  AFI and EAS state, and the direction of the person who carried it: the controller closes a passage (its
  alarms) ``passage_gap_s`` after the last sighting and takes its direction from the people-counter
  crossing nearest in time (``direction_window``), so an alarm is held until its passage closes
  (``on_passage``) and written then, with its own time; ``unknown`` when no crossing accompanied the
  passage (no counter, or nobody crossed) or the gate stops first. Staff (or the traffic simulator, which
  knows the truth) later say whether it was a false alarm and why, with :meth:`GateJournal.verdict` —
  before or after the row is written;
- people-counter crossings → ``people_counts``, one row per hour (flushed when the hour changes and on
  :meth:`GateJournal.close`);
- walk-test passes → ``walk_tests``, one row per test item and pass (:meth:`GateJournal.walk_test_pass`);
  alarms raised while a walk test runs are test alarms and are not journaled as visitor alarms.

No item identifier, title or UID is written (the journal's circulation tables never hold them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .alarm_log import AlarmRecord
from .controller import GateController
from .events import Alarm, Passage, Reason

log = logging.getLogger(__name__)

CAUSES = {
    Reason.SECURED: "secured-item",
    Reason.EAS: "eas",
    Reason.NOT_CHECKED_OUT: "not-checked-out",
    Reason.UNKNOWN_STATUS: "status-unknown",
    Reason.UNIDENTIFIED: "unidentified",
    Reason.SEVERAL_SECURED: "several-secured",
}
# Walking speeds of the walk-test protocol, in metres per second (the journal stores speeds, not names).
WALK_SPEEDS = {"slow": 0.6, "normal": 1.2, "fast": 2.0}


@dataclass
class _HeldAlarm:
    """An alarm waiting for its passage's direction (and maybe already given a verdict)."""

    record_id: int
    cause: str
    afi: int | None
    eas: bool | None
    at: datetime
    verdict: tuple[bool, str | None] | None = None


class GateJournal:
    """Journals one gate's alarms, hourly counts and walk tests; never lets a journal error reach the loop."""

    def __init__(self, journal: Any, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.journal = journal
        self.wall = wall
        self.walk_test_active = False
        self.failures = 0
        self._attached = False  # to a controller: alarms wait for their passage's direction
        self._lock = threading.RLock()  # a verdict never finds an alarm between "held" and "written"
        self._alarm_ids: dict[int, int] = {}  # alarm log row -> journal row
        self._held: dict[int, list[_HeldAlarm]] = {}  # passage id -> alarms waiting for its direction
        self._hour = self._hour_of(wall())
        self._counts = {"in": 0, "out": 0}

    def attach(self, controller: GateController) -> GateJournal:
        """Hook into a built controller (``on_alarm``, ``on_crossing``, ``on_passage``)."""
        controller.on_alarm.append(self.alarm)
        controller.on_crossing.append(self.crossing)
        controller.on_passage.append(self.passage_closed)
        self._attached = True
        self.wall = controller.wall
        self._hour = self._hour_of(self.wall())
        return self

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.journal, method)(*args, **kwargs)
        except Exception as exc:  # evidence must never stop a gate
            self.failures += 1
            log.error("event journal: %s failed: %s", method, exc)
            return None

    # -- alarms -----------------------------------------------------------------------------------------

    def alarm(self, alarm: Alarm, record: AlarmRecord) -> None:
        """``GateController.on_alarm`` hook: held until the passage closes (written at once if unattached)."""
        if self.walk_test_active:
            return
        now = self.wall()
        self._roll(now)
        s = alarm.sighting
        held = _HeldAlarm(record.id, CAUSES.get(alarm.reason, "unknown"), s.afi, s.eas, now)
        if not self._attached:
            self._write(held, None)
            return
        with self._lock:
            self._held.setdefault(alarm.passage_id, []).append(held)

    def passage_closed(self, passage: Passage) -> None:
        """``GateController.on_passage`` hook: the passage's alarms are written with its direction."""
        with self._lock:
            for alarm in self._held.pop(passage.id, []):
                self._write(alarm, passage.direction)

    def _write(self, alarm: _HeldAlarm, direction: str | None) -> None:
        row = self._call(
            "record_alarm",
            alarm.cause,
            direction=direction if direction in ("in", "out") else "unknown",
            afi=alarm.afi,
            eas=alarm.eas,
            at=alarm.at,
        )
        if row is None:
            return
        with self._lock:
            self._alarm_ids[alarm.record_id] = row
        if alarm.verdict is not None:
            false_alarm, cause = alarm.verdict
            self._call("set_alarm_verdict", row, false_alarm=false_alarm, cause=cause)

    def verdict(self, alarm_row: int, *, false_alarm: bool, cause: str | None = None) -> bool:
        """Staff's verdict on an alarm of the gate's log (row id): false or not, and the true cause."""
        with self._lock:
            journal_row = self._alarm_ids.get(alarm_row)
            if journal_row is None:
                held = next((a for h in self._held.values() for a in h if a.record_id == alarm_row), None)
                if held is None:
                    return False
                held.verdict = (false_alarm, cause)  # applied when the alarm is written
                return True
        self._call("set_alarm_verdict", journal_row, false_alarm=false_alarm, cause=cause)
        return True

    # -- people counts ----------------------------------------------------------------------------------

    def crossing(self, direction: str) -> None:
        """``GateController.on_crossing`` hook (one person crossed the counter)."""
        self._roll(self.wall())
        if direction in self._counts:
            self._counts[direction] += 1

    @staticmethod
    def _hour_of(moment: datetime) -> datetime:
        return moment.replace(minute=0, second=0, microsecond=0)

    def _roll(self, now: datetime) -> None:
        if self._hour_of(now) != self._hour:
            self._flush_counts(now)

    def flush(self, now: datetime | None = None) -> None:
        """Make everything durable now: alarms still held (their passage open: direction unknown) and the
        counts of the hour in progress (a new period starts)."""
        with self._lock:
            held, self._held = [a for h in self._held.values() for a in h], {}
            for alarm in held:
                self._write(alarm, None)
        self._flush_counts(now or self.wall())

    def _flush_counts(self, now: datetime) -> None:
        """Journal the counts of the hour in progress (or ended) and start a new period."""
        start, self._hour = self._hour, self._hour_of(now)
        counts, self._counts = self._counts, {"in": 0, "out": 0}
        if counts["in"] or counts["out"]:
            end = min(now, start + timedelta(hours=1))
            self._call(
                "record_people_count",
                entering=counts["in"],
                leaving=counts["out"],
                period_start=start,
                period_end=max(end, start),
            )

    # -- walk tests -------------------------------------------------------------------------------------

    def walk_test_pass(self, result: Any, *, tag_type: str | None = None) -> int:
        """Journal a ``gate.walktest.PassResult``: one row per test item; returns rows written."""
        speed = WALK_SPEEDS.get(result.condition.speed)
        if speed is None:
            raise ValueError(f"unknown walk-test speed {result.condition.speed!r}")
        written = 0
        for item in sorted(result.expected):
            if (
                self._call(
                    "record_walk_test",
                    orientation=result.condition.orientation,
                    speed_m_s=speed,
                    detected=item in result.detected,
                    tag_type=tag_type,
                    at=self.wall(),
                )
                is not None
            ):
                written += 1
        return written

    def close(self) -> None:
        self.flush()
