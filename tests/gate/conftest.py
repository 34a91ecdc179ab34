"""Gate test fixtures: a gate built on an RF field read through a direct ISO 15693 reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from drivers.outputs.simulated import SimulatedOutput
from gate.config import GateConfig, parse_config
from gate.events import CirculationState
from gate.lookup import LookupFailed
from gate.service import Gate, build_gate
from gate.store import GateDatabase
from simulators.rf import RFField

from .field_reader import FieldReader

BASE = """
[gate]
mode = "{mode}"
poll_interval_ms = 20
debounce_s = 10
passage_gap_s = 0.5
[policy]
network_institutions = ["FR-751131015", "FR-69*"]
[[output]]
name = "light"
role = "light"
driver = "simulated"
duration_s = 0.2
[log]
path = ":memory:"
"""


def gate_config(mode: str = "afi", extra: str = "") -> GateConfig:
    sip2 = '\n[sip2]\nhost = "127.0.0.1"\nport = 6001\n' if mode == "database" else ""
    return parse_config(BASE.format(mode=mode) + sip2 + extra)


class DictLookup:
    """Item states from a dict (the SIGB's answer); unknown items fail like an unreachable SIGB."""

    def __init__(self, states: dict[str, tuple[bool, str]] | None = None) -> None:
        self.states = states or {}
        self.asked: list[str] = []
        self.down = False

    def item_state(self, item_id: str) -> CirculationState:
        self.asked.append(item_id)
        if self.down or item_id not in self.states:
            raise LookupFailed(f"no answer for {item_id}")
        charged, title = self.states[item_id]
        return CirculationState(item_id, charged, 4 if charged else 3, title, checked_at=1e12)

    def close(self) -> None:
        pass


class GateRig:
    def __init__(
        self,
        mode: str = "afi",
        lookup: DictLookup | None = None,
        extra: str = "",
        reader_factory: Callable[[GateRig], object] | None = None,
    ) -> None:
        self.field = RFField(seed=1)
        self.reader = FieldReader(self.field)
        self.light = SimulatedOutput("light")
        self.config = gate_config(mode, extra)
        self.lookup = lookup
        from drivers.counters.simulated import SimulatedBeamCounter

        self.counter = SimulatedBeamCounter()
        self.gate: Gate = build_gate(
            self.config,
            readers={"field": (lambda: reader_factory(self)) if reader_factory else (lambda: self.reader)},
            outputs=[self.light],
            counter=self.counter,
            lookup=lookup,
            store=GateDatabase(":memory:"),
        )
        self.controller = self.gate.controller
        self.alarms: list = []
        self.controller.on_alarm.append(lambda alarm, record: self.alarms.append((alarm, record)))
        self.controller.start()

    def cycles(self, n: int = 1) -> None:
        for _ in range(n):
            self.controller.cycle()


@pytest.fixture
def rig() -> Iterator[Callable[..., GateRig]]:
    made: list[GateRig] = []

    def make(*args: object, **kwargs: object) -> GateRig:
        made.append(GateRig(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for r in made:
        r.gate.close()
