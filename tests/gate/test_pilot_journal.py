"""The gate's pilot journal: alarms carry the direction of the crossing that accompanied their passage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.counters.simulated import SimulatedBeamCounter
from drivers.outputs.simulated import SimulatedOutput
from gate.pilot_journal import GateJournal
from gate.service import build_gate
from gate.store import GateDatabase
from iso28560 import TagData, encode
from iso28560.model import AFI_SECURED
from offline_queue import EventJournal
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

from .conftest import gate_config
from .field_reader import FieldReader


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(seconds=self.now)


class Rig:
    """A gate on an RF field with a beam counter, on a hand-moved clock, journaling to an event journal."""

    def __init__(self, path: Path, *, counter: bool = True) -> None:
        self.clock = Clock()
        self.field = RFField(seed=3)
        self.counter = SimulatedBeamCounter(clock=self.clock) if counter else None
        self.gate = build_gate(
            gate_config(),
            readers={"field": lambda: FieldReader(self.field)},
            outputs=[SimulatedOutput("light")],
            counter=self.counter,
            lookup=None,
            store=GateDatabase(":memory:"),
            clock=self.clock,
        )
        self.controller = self.gate.controller
        self.controller.wall = self.clock.wall
        self.journal = EventJournal(path, station_id="FR-751131015-G1", clock=self.clock.wall)
        self.bridge = GateJournal(self.journal).attach(self.controller)
        self.records: list[Any] = []
        self.controller.on_alarm.append(lambda alarm, record: self.records.append(record))
        self.controller.start()
        self._serial = 0x4000

    def secured_item(self) -> SlixTag:
        self._serial += 1
        image = encode(TagData(f"3000100{self._serial:07d}", owner_institution="FR-751131015"))
        return SlixTag(make_uid(self._serial), image.memory, afi=AFI_SECURED, dsfid=image.dsfid)

    def walk(self, direction: str | None, tags: int = 1, *, wait_after: float = 1.0) -> None:
        """Someone walks through with ``tags`` secured items (crossing the counter unless None)."""
        carried = [self.secured_item() for _ in range(tags)]
        for tag in carried:
            self.field.place(tag)
        self.step(0.3)
        if direction is not None and self.counter is not None:
            self.counter.walk(direction, at=self.clock())
        self.step(0.3)
        for tag in carried:
            self.field.remove(tag.uid)
        self.step(wait_after)

    def step(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.05)):
            self.controller.cycle()
            self.clock.now += 0.05

    def rows(self) -> list[dict[str, Any]]:
        return self.journal.query("SELECT direction, false_alarm, cause, at FROM gate_alarms ORDER BY id")

    def close(self) -> None:
        self.bridge.close()
        self.gate.close()
        self.journal.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path / "events.db")
    yield made
    made.close()


def test_alarms_take_the_direction_of_their_crossing(rig: Rig) -> None:
    rig.walk("out", tags=2)
    rig.walk("in")
    rows = rig.rows()
    assert [r["direction"] for r in rows] == ["out", "out", "in"]
    assert all(r["cause"] == "secured-item" for r in rows)


def test_an_alarm_is_written_with_its_own_time_once_the_passage_closes(rig: Rig) -> None:
    rig.walk("out", wait_after=0.2)  # the passage (gap 0.5 s) is still open
    assert rig.rows() == [] and len(rig.records) == 1
    rig.step(1.0)
    [row] = rig.rows()
    assert row["direction"] == "out"
    alarm_time = datetime.fromisoformat(row["at"])
    assert alarm_time < rig.clock.wall() - timedelta(seconds=0.9)


def test_no_crossing_near_the_passage_means_unknown(rig: Rig) -> None:
    rig.walk(None)
    assert [r["direction"] for r in rig.rows()] == ["unknown"]


def test_verdicts_before_and_after_the_write_both_land(rig: Rig) -> None:
    rig.walk("out", wait_after=0.2)
    early = rig.records[-1].id
    assert rig.bridge.verdict(early, false_alarm=True, cause="on-loan-still-secured")
    rig.step(1.0)
    rig.walk("in")
    assert rig.bridge.verdict(rig.records[-1].id, false_alarm=False)
    assert not rig.bridge.verdict(9999, false_alarm=True)
    rows = rig.rows()
    assert [(r["direction"], r["false_alarm"], r["cause"]) for r in rows] == [
        ("out", 1, "on-loan-still-secured"),
        ("in", 0, "secured-item"),
    ]


def test_alarms_still_held_at_close_are_kept_with_an_unknown_direction(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "events.db")
    rig.walk("out", wait_after=0.1)
    rig.bridge.close()
    assert [r["direction"] for r in rig.rows()] == ["unknown"]
    rig.gate.close()
    rig.journal.close()


def test_without_a_counter_every_alarm_is_unknown(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "events.db", counter=False)
    try:
        rig.walk("out")
        assert [r["direction"] for r in rig.rows()] == ["unknown"]
    finally:
        rig.close()


def test_an_hour_change_mid_passage_keeps_the_direction(rig: Rig) -> None:
    rig.clock.now = 3599.8  # the alarm just before 10:00, the crossing just after
    rig.walk("out")
    assert [r["direction"] for r in rig.rows()] == ["out"]
    assert rig.journal.query("SELECT leaving FROM people_counts") == []  # the 10:00 hour is still open
    rig.bridge.flush()
    assert rig.journal.query("SELECT leaving FROM people_counts") == [{"leaving": 1}]
