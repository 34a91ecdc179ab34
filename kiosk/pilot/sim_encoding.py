"""Simulated conversion work at a real encoding desk (:class:`kiosk.encoding.station.EncodingStation`).

Two operators (pseudonyms ``op-1`` and ``op-2``) convert part of the collection each day: scan the barcode,
put a blank tag on the pad, let the desk write and verify it. About one tag in fifteen is faulty (every write
fails): the desk reports the failure, the operator puts a fresh tag instead, which succeeds. Staff handling
time between items is simulated (the journal's timestamps are simulated time); the time of each write is
the real time the desk took through the reader driver and simulator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from .truth import EncodingTruth

OPERATORS = ("op-1", "op-2")
HANDLING_S = (4.0, 9.0)  # staff time between two items (take the book, scan, stick the tag)
FAULTY_SHARE = 1 / 15


def encoding_available() -> bool:
    try:
        import kiosk.encoding.station  # noqa: F401
    except ImportError:
        return False
    return True


class EncodingSim:
    def __init__(self, ctx: Any, branch: Any, *, truth: EncodingTruth) -> None:
        from kiosk.config import parse_config
        from kiosk.encoding import settings as _settings  # noqa: F401  (registers [encoding])
        from kiosk.encoding.demo import demo_config_table
        from kiosk.encoding.station import EncodingStation
        from offline_queue import EventJournal
        from simulators.readers import simulated_reader
        from simulators.rf import RFField

        net, clock = ctx.net, ctx.clock
        self.ctx, self.net, self.clock, self.truth, self.tz = ctx, net, clock, truth, ctx.tz
        self.station_id = f"{branch.isil}-E1"
        self.workdir = ctx.workdir / self.station_id
        self.workdir.mkdir(parents=True, exist_ok=True)
        table = demo_config_table(net.sigb.address, self.workdir, net.sigb.dataset)
        table["station"] = {"id": self.station_id, "library_name": branch.name}
        table["network"]["branch_isil"] = branch.isil
        table["encoding"].update(
            barcode_pattern="[0-9]{14}", barcode_check_digit="none", operator=OPERATORS[0]
        )
        self.config = parse_config(table, self.workdir)
        self.field = RFField(seed=net.rng.randrange(1 << 30))
        self.reader = simulated_reader(self.field, protocol="feig", transport="url")
        self.journal_path = self.config.journal.events
        self.journal = EventJournal(self.journal_path, station_id=self.station_id, clock=clock.utc)
        self.desk = EncodingStation(self.config, self.reader, journal=self.journal, operator=OPERATORS[0])
        self._queue = sorted(net.library.items)
        self.rng = random.Random(net.rng.randrange(1 << 30))

    def before_opening(self, day: int) -> None:
        """Nothing to prepare: the desk is ready."""

    def day_events(self, day: int) -> list[tuple[datetime, int, Callable[[], None]]]:
        """One work session per operator (morning, afternoon), ``encoding_per_day`` items in all."""
        per_day = self.ctx.plan.encoding_per_day
        start = datetime.combine(self.ctx.plan.start + timedelta(days=day), time(9, 0), self.tz)
        share = [per_day // 2 + per_day % 2, per_day // 2]
        return [
            (start + timedelta(hours=5 * i), 4, lambda op=op, n=n: self.session(op, n))
            for i, (op, n) in enumerate(zip(OPERATORS, share, strict=True))
            if n
        ]

    def session(self, operator: str, count: int) -> None:
        self.desk.set_operator(operator)
        for _ in range(count):
            if not self._queue:
                return
            self._encode(operator, self._queue.pop(0))

    def _encode(self, operator: str, barcode: str) -> None:
        day = self.clock.utc().astimezone(self.tz).date().isoformat()
        self.clock.advance(self.rng.uniform(*HANDLING_S))
        self.desk.scan(barcode)
        tag = self.net.tags.blank()
        tag.afi, tag.eas = 0x00, False
        faulty = self.rng.random() < FAULTY_SHARE
        if faulty:
            tag.faults.fail_writes = 1_000
            self._write(tag)
            self.truth.encoded(operator, day, ok=False)
            self.clock.advance(self.rng.uniform(*HANDLING_S))  # take another tag
            tag = self.net.tags.blank()
            tag.afi, tag.eas = 0x00, False
        self._write(tag)
        result = self.desk.last_result
        if result is None or not result.ok:
            raise RuntimeError(f"{self.station_id}: encoding {barcode} failed: {result}")
        self.truth.encoded(operator, day, ok=True)

    def _write(self, tag: Any) -> None:
        self.field.place(tag)
        self.desk.poll()
        self.clock.advance(1.0)
        self.field.remove(tag.uid)
        self.desk.poll()

    def end_of_day(self) -> None:
        """The journal is written as the desk works: nothing to flush."""

    def close(self) -> None:
        self.desk.close()
