"""The gate service: a poll loop with a steady cycle, from reader answers to alarm outputs and records.

Each cycle (``poll_interval_s``, 50 ms by default):

1. every reader that is up, every configured antenna: the mode's detector yields
   sightings; each is judged by the policy and fed to the debounce/passage pipeline;
   an alarm switches the outputs *first*, then is written to the log, then its
   title is asked for in the background;
2. people-counter crossings are counted and offered to the open passage;
3. a passage quiet for ``passage_gap_s`` is closed and its direction recorded;
4. outputs whose duration has passed are switched off.

Cycles start on a fixed grid (``start + k × interval``), not "interval after the
previous one ended", so the polling rate does not drift with the work done; a cycle
that overruns skips the missed slots and is counted. The loop's own CPU time is
measured with ``time.thread_time`` for the benchmark's CPU share.

A reader that fails is handed to its ``ReaderSlot`` (reconnects in the background)
and the other readers keep polling. An output that fails is reported and retried on
the next alarm. Nothing in the loop waits for the SIGB.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drivers.counters.base import PeopleCounter
from drivers.errors import ReaderError

from .alarm_log import AlarmLog, AlarmRecord
from .config import GateConfig
from .counting import PeopleCounts
from .events import Alarm, Passage, Sighting, Verdict
from .item_states import ItemStateService
from .modes import Detector
from .passages import AlarmPipeline
from .readers import ReaderSlot
from .signal import AlarmSignal
from .store import utc_text

log = logging.getLogger(__name__)

PURGE_EVERY_S = 24 * 3600.0


class GateListener:
    """What the gate tells its observers (the monitor model); called from the poll thread."""

    def alarm_raised(self, record: AlarmRecord) -> None: ...
    def title_found(self, row_id: int, title: str) -> None: ...
    def passage_closed(self, passage_row: int, direction: str | None, items: int) -> None: ...
    def crossing(self, direction: str) -> None: ...
    def reader_changed(self, name: str, state: str, error: str | None) -> None: ...
    def outputs_changed(self, health: dict[str, str | None]) -> None: ...


@dataclass
class GateStats:
    cycles: int = 0
    overruns: int = 0
    alarms: int = 0
    passages: int = 0
    crossings: int = 0
    cpu_s: float = 0.0  # poll thread CPU time spent inside cycles
    busy_s: float = 0.0  # wall time spent inside cycles
    started: float = 0.0
    verdicts: collections.Counter = field(default_factory=collections.Counter)

    def cpu_share(self, now: float) -> float:
        """Fraction of one core used by the poll loop since it started."""
        elapsed = now - self.started
        return self.cpu_s / elapsed if elapsed > 0 else 0.0


class GateController:
    def __init__(
        self,
        config: GateConfig,
        slots: Sequence[ReaderSlot],
        detector: Detector,
        pipeline: AlarmPipeline,
        signal: AlarmSignal,
        log_: AlarmLog,
        counts: PeopleCounts,
        *,
        counter: PeopleCounter | None = None,
        states: ItemStateService | None = None,
        listener: GateListener | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config, self.slots, self.detector, self.pipeline = config, list(slots), detector, pipeline
        self.signal, self.log, self.counts, self.counter, self.states = signal, log_, counts, counter, states
        self.listener = listener or GateListener()
        self.clock, self.wall = clock, wall
        self.stats = GateStats()
        self.on_alarm: list[Callable[[Alarm, AlarmRecord], None]] = []  # hooks for tests, walk tests, demo
        self.on_sighting: list[Callable[[Sighting, Verdict], None]] = []
        self.on_crossing: list[Callable[[str], None]] = []  # people counter: "in" / "out" (journal, metrics)
        self.on_passage: list[Callable[[Passage], None]] = []  # a passage closed, direction known (journal)
        self._passage_rows: dict[int, int] = {}
        self._output_health: dict[str, str | None] = dict(signal.health)
        self._last_purge = -PURGE_EVERY_S
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # cycle vs acknowledge from the UI thread
        self.set_listener(self.listener)

    def set_listener(self, listener: GateListener) -> None:
        """Who hears about alarms, titles, passages, counts and device health (before ``start``)."""
        self.listener = listener
        for slot in self.slots:
            slot.on_change = listener.reader_changed

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Open readers (retrying in the background) and start the look-up worker; not the loop."""
        for slot in self.slots:
            slot.start()
        if self.states is not None:
            self.states.start()
        self.stats.started = self.clock()

    def run(self, stop: threading.Event | None = None) -> None:
        """Poll until ``stop`` (or ``self.stop()``) is set, on a fixed time grid."""
        stop = stop or self._stop
        interval = self.config.poll_interval_s
        next_at = self.clock()
        while not stop.is_set() and not self._stop.is_set():
            self.cycle()
            next_at += interval
            now = self.clock()
            if next_at < now:
                self.stats.overruns += 1
                next_at = now
            stop.wait(next_at - now)

    def run_in_thread(self) -> threading.Thread:
        self.start()
        self._thread = threading.Thread(target=self.run, name="gate-poll", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        for slot in self.slots:
            slot.close()
        if self.states is not None:
            self.states.stop()
        self.signal.close()
        if self.counter is not None:
            self.counter.close()

    # -- one cycle ----------------------------------------------------------------------------------------

    def cycle(self) -> None:
        started, cpu = self.clock(), time.thread_time()
        with self._lock:
            for slot in self.slots:
                self._poll_slot(slot)
            self._count()
            now = self.clock()
            closed = self.pipeline.tick(now)
            if closed is not None:
                self._close_passage(closed)
            self.signal.tick(now)
            self._report_outputs()
            self._housekeeping(now)
        self.stats.cycles += 1
        self.stats.cpu_s += time.thread_time() - cpu
        self.stats.busy_s += self.clock() - started

    def _poll_slot(self, slot: ReaderSlot) -> None:
        reader = slot.reader
        if reader is None:
            return
        try:
            for antenna in slot.antennas or (None,):
                for sighting in self.detector.poll(slot.name, reader, antenna):
                    self.handle(sighting)
        except ReaderError as exc:
            slot.failed(exc)
            return
        slot.succeeded()

    def handle(self, sighting: Sighting) -> Alarm | None:
        """Judge one sighting; raise the alarm if the pipeline says so."""
        verdict = self.pipeline.judge(sighting)
        self.stats.verdicts[verdict.reason] += 1
        for hook in self.on_sighting:
            hook(sighting, verdict)
        alarm = self.pipeline.feed(sighting, verdict)
        if alarm is None:
            return None
        self.signal.trigger(self.clock())  # outputs first: everything else can wait
        self.stats.alarms += 1
        record = self._record(alarm)
        for hook in self.on_alarm:
            hook(alarm, record)
        self.listener.alarm_raised(record)
        return alarm

    def _record(self, alarm: Alarm) -> AlarmRecord:
        s, wall = alarm.sighting, self.wall()
        title = s.decoded.data.title if s.decoded is not None and s.decoded.data is not None else None
        passage_row = self._passage_rows.get(alarm.passage_id)
        row_id = self.log.record(alarm, wall, passage_row)
        if passage_row is None:
            self._passage_rows[alarm.passage_id] = passage_row = row_id
        if title:
            self.log.set_title(row_id, title)
        elif s.item_id and self.states is not None:
            self.states.want_title(s.item_id, lambda found, row=row_id: self._title_found(row, found))
        return AlarmRecord(
            id=row_id,
            time=utc_text(wall),
            uid=s.uid_hex,
            item_id=s.item_id,
            title=title,
            direction=None,
            reason=str(alarm.reason),
            reader=s.reader,
            antenna=s.antenna,
            passage=passage_row,
            acknowledged_at=None,
        )

    def _title_found(self, row_id: int, title: str) -> None:
        self.log.set_title(row_id, title)
        self.listener.title_found(row_id, title)

    def _close_passage(self, passage: Passage) -> None:
        self.stats.passages += 1
        for hook in self.on_passage:
            hook(passage)
        row = self._passage_rows.pop(passage.id, None)
        if row is None:
            return
        if passage.direction is not None:
            self.log.set_direction(row, passage.direction)
        self.listener.passage_closed(row, passage.direction, len(passage.keys))

    def _count(self) -> None:
        if self.counter is None:
            return
        for crossing in self.counter.read():
            self.stats.crossings += 1
            self.pipeline.crossing(crossing)
            self.counts.add(crossing.direction, self.wall())
            self.listener.crossing(crossing.direction)
            for hook in self.on_crossing:
                hook(crossing.direction)

    def _report_outputs(self) -> None:
        if self.signal.health != self._output_health:
            self._output_health = dict(self.signal.health)
            self.listener.outputs_changed(dict(self._output_health))

    def _housekeeping(self, now: float) -> None:
        if now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            purged = self.log.purge(self.config.log.retention_days, self.wall())
            if purged:
                log.info(
                    "alarm log: %d rows older than %d days purged", purged, self.config.log.retention_days
                )

    # -- staff actions ------------------------------------------------------------------------------------

    def acknowledge(self, row_id: int) -> bool:
        """Staff saw the alarm: silence the outputs and mark the passage acknowledged."""
        with self._lock:
            self.signal.silence()
            return self.log.acknowledge(row_id, self.wall())
