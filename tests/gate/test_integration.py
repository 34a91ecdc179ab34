"""The gate against the other helpers' real components: FEIG driver + reader simulator, SIP2 client + SIGB."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

pytest.importorskip("simulators.readers", reason="FEIG reader simulator not in this checkout")
pytest.importorskip("sip2.client", reason="SIP2 client not in this checkout")

import drivers
from drivers.outputs.simulated import SimulatedOutput
from gate.buffered import BufferedInventory
from gate.config import Sip2Config
from gate.events import Reason
from gate.identify import TagIdentifier
from gate.lookup import LookupFailed, Sip2ItemLookup
from gate.readers import DOWN, OK
from gate.service import build_gate
from gate.store import GateDatabase
from simulators.gate_traffic import TrafficPlanner, TrafficProfile, catalog_from_library
from simulators.readers import simulated_reader, simulator_class
from simulators.rf import RFField
from simulators.sigb import SimulatedSIGB, load_sample_dataset
from simulators.tags import SlixTag

from .conftest import gate_config
from .test_end_to_end import FAST, run_traffic


def feig(field: RFField, **options: object):
    return simulated_reader(field, protocol="feig", transport="url", **options)


def test_afi_traffic_through_the_feig_driver_and_simulator() -> None:
    report, _ = run_traffic("afi", visitors=10, make_reader=feig)
    assert report.expected >= 3 and report.detection_rate == 1.0
    assert report.total_false_alarms == 0, report.false_alarms


def test_buffered_read_mode_secured_traffic() -> None:
    """The FEIG simulator's buffered mode has no AFI filter and no data blocks: secured items only."""
    identifier = TagIdentifier()
    profile = replace(FAST, kinds={"secured": 1.0})

    def buffered(field: RFField):
        return BufferedInventory(feig(field, mode="buffered", scan_period=0.01, valid_time=5.0), identifier)

    report, gate = run_traffic("afi", visitors=8, profile=profile, make_reader=buffered)
    assert report.expected >= 8 and report.detection_rate == 1.0
    assert report.total_false_alarms == 0, report.false_alarms
    assert {r.reason for r in gate.records} == {"unidentified"}  # no data blocks: fail secure


def test_reader_unplugged_and_replugged() -> None:
    field = RFField()
    simulator = simulator_class("feig")(field)
    port = simulator.serve("url").port
    opened: list = []

    def factory():
        opened.append(drivers.open_reader("feig", port))
        return opened[-1]

    light = SimulatedOutput("light")
    gate = build_gate(
        gate_config("afi"),
        readers={"pedestals": factory},
        outputs=[light],
        counter=None,
        lookup=None,
        store=GateDatabase(":memory:"),
    )
    alarms = []
    gate.controller.on_alarm.append(lambda alarm, record: alarms.append(alarm))
    slot = gate.controller.slots[0]
    slot.reconnect_s = 0.05
    try:
        gate.controller.start()
        simulator.unplug()
        gate.controller.cycle()
        assert slot.state == DOWN and "disconnected" in (slot.error or "")
        time.sleep(0.2)
        assert slot.state == DOWN  # still unplugged: reconnection keeps failing
        simulator.replug()
        deadline = time.monotonic() + 3
        while slot.state != OK and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slot.state == OK and len(opened) >= 2
        item = TrafficPlanner(seed=3).tag("secured")
        field.place(SlixTag(item.uid, item.memory, afi=item.afi))
        gate.controller.cycle()
        assert [a.sighting.uid for a in alarms] == [item.uid] and light.active
    finally:
        gate.close()
        simulator.close()


@pytest.fixture(scope="module")
def sigb():
    dataset = load_sample_dataset()
    with SimulatedSIGB(dataset) as server:
        host, port = server.address
        account = dataset.accounts[0]
        server.sip2 = Sip2Config(
            host=host,
            port=port,
            username=account.username,
            password=account.password,
            institution_id=dataset.institution_id,
        )
        server.branches = {b.code: b.isil for b in dataset.branches}
        yield server


def test_sip2_lookup_reads_circulation_state_and_title(sigb) -> None:
    lookup = Sip2ItemLookup(sigb.sip2)
    try:
        available = next(i for i in sigb.library.items.values() if not i.checked_out_to)
        loaned = next(i for i in sigb.library.items.values() if i.checked_out_to)
        state = lookup.item_state(available.barcode)
        assert (state.charged, state.title) == (False, available.title)
        assert lookup.item_state(loaned.barcode).charged
        with pytest.raises(LookupFailed, match="does not know item"):
            lookup.item_state("99999999999999")
    finally:
        lookup.close()


def test_sip2_lookup_failure_is_a_lookup_error() -> None:
    from sip2.client import ClientConfig, SIP2Client

    config = Sip2Config(host="127.0.0.1", port=1, timeout=0.5)
    lookup = Sip2ItemLookup(
        config, lambda: SIP2Client(ClientConfig(host=config.host, port=config.port, retries=0, timeout=0.5))
    )
    with pytest.raises(LookupFailed, match="failed"):
        lookup.item_state("30660000000013")


def test_database_mode_with_the_simulated_sigb(sigb) -> None:
    catalog = catalog_from_library(sigb.library, sigb.branches)
    planner = TrafficPlanner(TrafficProfile(catalog=catalog, untrusted_afi=1.0), seed=4)
    available, loaned = planner.tag("secured"), planner.tag("on_loan")  # both with the opposite AFI
    assert (available.afi, loaned.afi) == (0xC2, 0x07)
    field = RFField()
    light = SimulatedOutput("light")
    config = gate_config("database")
    config = replace(config, sip2=sigb.sip2, policy=replace(config.policy, network_institutions=("FR-66*",)))
    gate = build_gate(
        config,
        readers={"pedestals": lambda: feig(field)},
        outputs=[light],
        counter=None,
        store=GateDatabase(":memory:"),
    )
    alarms = []
    gate.controller.on_alarm.append(lambda alarm, record: alarms.append((alarm, record)))
    try:
        gate.controller.start()
        for tag in (available, loaned):
            field.place(SlixTag(tag.uid, tag.memory, afi=tag.afi, eas=tag.eas))
        deadline = time.monotonic() + 5
        while not alarms and time.monotonic() < deadline:
            gate.controller.cycle()
            time.sleep(0.02)
        for _ in range(5):
            gate.controller.cycle()
        assert [a.sighting.item_id for a, _ in alarms] == [available.item_id]
        assert alarms[0][0].reason == Reason.NOT_CHECKED_OUT
        row = alarms[0][1].id
        while gate.log.get(row).title is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gate.log.get(row).title == sigb.library.items[available.item_id].title
        cached = gate.store.query("SELECT item_id, charged FROM circulation ORDER BY charged")
        assert [(r["item_id"], r["charged"]) for r in cached] == [(available.item_id, 0), (loaned.item_id, 1)]
    finally:
        gate.close()
