"""The whole gate (poll thread, policy, outputs, log) against simulated traffic in real time."""

from __future__ import annotations

import time

import pytest

from gate.service import build_gate
from gate.store import GateDatabase
from simulators.gate_traffic import GateTraffic, TrafficPlanner, TrafficProfile, TrafficReport
from simulators.rf import RFField

from .conftest import DictLookup, gate_config
from .field_reader import FieldReader

FAST = TrafficProfile(
    min_spacing_s=0.45,
    visitors_per_minute=600,
    field_depth_m=0.5,
    tags_per_visitor=(1, 3),
    network=("FR-751131015",),
    speeds={"normal": 1.0, "fast": 1.0},
    kinds={
        "secured": 0.3,
        "on_loan": 0.3,
        "patron_card": 0.15,
        "foreign": 0.1,
        "equipment": 0.05,
        "blank": 0.1,
    },
)


def run_traffic(
    mode: str, visitors: int = 14, profile: TrafficProfile = FAST, seed: int = 11, make_reader=FieldReader
) -> tuple[TrafficReport, object]:
    field = RFField(seed=seed)
    planner = TrafficPlanner(profile, seed=seed)
    plan = planner.visitors(visitors, start=0.2)
    lookup = None
    if mode == "database":
        states = {t.item_id: (t.kind == "on_loan", None) for v in plan for t in v.carried if t.item_id}
        lookup = DictLookup(states)
    from drivers.outputs.simulated import SimulatedOutput

    light = SimulatedOutput("light")
    gate = build_gate(
        gate_config(mode),
        readers={"field": lambda: make_reader(field)},
        outputs=[light],
        counter=None,
        lookup=lookup,
        store=GateDatabase(":memory:"),
    )
    alarms: list[tuple[float, bytes | None]] = []
    records: list = []
    gate.controller.on_alarm.append(lambda alarm, record: records.append(record))
    gate.controller.on_alarm.append(
        lambda alarm, record: alarms.append((alarm.sighting.time, alarm.sighting.uid))
    )
    traffic = GateTraffic(field, plan, profile=profile)
    gate.controller.run_in_thread()
    try:
        traffic.start()
        assert traffic.finished.wait(60)
        time.sleep(0.3)
    finally:
        traffic.stop()
        gate.close()
    gate.records = records
    return traffic.score(alarms, light.activations), gate


@pytest.mark.parametrize("mode", ["afi", "eas", "database"])
def test_every_secured_item_alarms_and_nothing_else(mode: str) -> None:
    report, gate = run_traffic(mode)
    assert report.expected >= 3
    assert report.detection_rate == 1.0, [p.tag for p in report.missed]
    assert report.total_false_alarms == 0, report.false_alarms
    assert len(report.latencies) >= 3
    assert max(report.latencies) < 0.25  # sanity bound only: benchmarks/bench_gate.py measures latency
    assert gate.controller.stats.overruns <= gate.controller.stats.cycles // 4
