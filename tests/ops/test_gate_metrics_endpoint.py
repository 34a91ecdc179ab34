"""The gate's /metrics and /health over HTTP, and its event journal, from a gate built by ``build_gate``
with a FEIG driver on the reader simulator, a simulated counter and a simulated light."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from drivers.counters.simulated import SimulatedBeamCounter
from drivers.outputs.simulated import SimulatedOutput
from gate.config import config_from_mapping
from gate.service import build_gate
from iso28560 import TagData, encode
from offline_queue import EventJournal
from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid


def samples(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = requests.get(f"{base}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def metric(values: dict, name: str, **labels: str) -> float:
    return values.get((name, tuple(sorted({"gate": "sortie", **labels}.items()))), 0.0)


@pytest.fixture
def gate(tmp_path: Path):
    table = {
        "gate": {"name": "sortie", "mode": "afi"},
        "policy": {"network_institutions": ["FR-66*"]},
        "reader": [{"name": "pedestals", "driver": "feig", "port": "simulated", "reconnect_s": 60}],
        "counter": {"driver": "simulated"},
        "log": {"path": str(tmp_path / "gate.sqlite")},
        "metrics": {"port": 0},
        "journal": {"events": str(tmp_path / "events.db"), "station_id": "FR-660010101-G1"},
    }
    field = RFField()
    reader = simulated_reader(field, protocol="feig", transport="url")
    counter = SimulatedBeamCounter()
    built = build_gate(
        config_from_mapping(table),
        readers={"pedestals": lambda: reader},
        outputs=[SimulatedOutput("beacon")],
        counter=counter,
        lookup=None,
    )
    built.controller.start()
    yield built, field, reader, counter, tmp_path
    built.close()
    reader.close()


def test_gate_metrics_follow_alarms_people_and_reader_health(gate) -> None:
    built, field, reader, counter, tmp_path = gate
    host, port = built.endpoint.address
    base = f"http://{host}:{port}"
    before = samples(base)
    assert metric(before, "borne_gate_reader_up", reader="pedestals") == 1.0
    assert metric(before, "borne_gate_alarms_total", reason="secured") == 0.0
    assert requests.get(f"{base}/health", timeout=5).json()["status"] == "ok"

    image = encode(TagData("30660000000336", owner_institution="FR-660010101"))
    field.place(SlixTag(make_uid(0x77), image.memory, afi=0x07, dsfid=image.dsfid))
    counter.walk("out")
    counter.walk("in")
    for _ in range(3):
        built.controller.cycle()
    after = samples(base)
    assert metric(after, "borne_gate_alarms_total", reason="secured") == 1.0
    assert metric(after, "borne_gate_people_total", direction="in") == 1.0
    assert metric(after, "borne_gate_people_total", direction="out") == 1.0
    assert metric(after, "borne_gate_poll_cycles_total") == 3.0

    reader.simulator.unplug()
    for _ in range(4):
        built.controller.cycle()
    down = requests.get(f"{base}/health", timeout=5)
    assert down.status_code == 503 and down.json()["problems"] == ["reader pedestals"]
    assert metric(samples(base), "borne_gate_reader_up", reader="pedestals") == 0.0

    built.journal.flush()
    with EventJournal(tmp_path / "events.db", station_id="reader", readonly=True) as journal:
        assert journal.query("SELECT cause, afi FROM gate_alarms") == [{"cause": "secured-item", "afi": 7}]
        counts = journal.query("SELECT entering, leaving FROM people_counts")
        assert counts == [{"entering": 1, "leaving": 1}]


def test_unknown_metrics_key_is_refused() -> None:
    from gate.config import ConfigError

    with pytest.raises(ConfigError, match=r"metrics\.prot is not a known key"):
        config_from_mapping({"metrics": {"prot": 1}, "policy": {"network_institutions": ["FR-*"]}})
