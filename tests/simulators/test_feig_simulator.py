"""FEIG reader simulator at the byte level, the simulator registry and the simulated_reader harness."""

from __future__ import annotations

import os
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.feig import protocol as p
from drivers.transport import SerialSettings
from simulators.readers import SimulatorError, protocols, register_device, simulated_reader, simulator_class
from simulators.readers.feig import FeigReaderSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag

UID = bytes.fromhex("E004015012345678")


def exchange(simulator: FeigReaderSimulator, request: p.Request | bytes) -> p.Response | None:
    raw = request.encode() if isinstance(request, p.Request) else request
    events = p.FrameParser().feed(simulator.receive(raw))
    assert len(events) <= 1
    return events[0] if events else None


@pytest.fixture
def simulator() -> FeigReaderSimulator:
    field = RFField()
    field.place(SlixTag(UID, b"ABCDEFGH"))
    return FeigReaderSimulator(field)


def test_published_exchange(simulator: FeigReaderSimulator) -> None:
    reply = simulator.receive(bytes.fromhex("07FFB001001C56"))
    assert reply == bytes.fromhex("1100B000010306E004015012345678") + p.crc16(
        bytes.fromhex("1100B000010306E004015012345678")).to_bytes(2, "little")
    simulator.field.clear()
    assert simulator.receive(bytes.fromhex("07FFB001001C56")) == bytes.fromhex("0600B0015C63")


def test_silent_on_bad_crc_and_other_addresses(simulator: FeigReaderSimulator) -> None:
    assert simulator.receive(bytes.fromhex("07FFB001001C57")) == b""
    time.sleep(simulator.frame_gap * 1.5)  # the 0xFF inside now waits as a length byte until the line idles
    assert simulator.receive(p.Request(0xB0, b"\x01\x00", com_adr=0x05).encode()) == b""
    assert exchange(simulator, p.Request(0xB0, b"\x01\x00", com_adr=0x00)).status == 0


def test_partial_frame_dropped_after_idle_gap(simulator: FeigReaderSimulator) -> None:
    frame = p.inventory().encode()
    assert simulator.receive(frame[:3]) == b""
    time.sleep(simulator.frame_gap * 1.5)
    assert p.FrameParser().feed(simulator.receive(frame))[0].status == 0


def test_status_codes(simulator: FeigReaderSimulator) -> None:
    assert exchange(simulator, p.Request(0x99)).status == p.STATUS_UNKNOWN_COMMAND
    assert exchange(simulator, p.Request(0xB0, b"\x23\x01" + UID)).status == p.STATUS_LENGTH_ERROR
    assert exchange(simulator, p.Request(0xB0, b"\x77")).status == p.STATUS_UNKNOWN_COMMAND
    assert exchange(simulator, p.Request(0xB1, b"\x07\xA2\x01" + UID)).status == p.STATUS_WRONG_TYPE
    assert exchange(simulator, p.read_blocks(UID, 0, 33)).status == 0x11
    reply = exchange(simulator, p.read_blocks(UID, 30, 1))
    assert (reply.status, reply.data) == (0x95, b"\x10")
    assert exchange(simulator, p.Request(p.CMD_READ_BUFFER, b"\x00\x01")).status == p.STATUS_NOT_AVAILABLE


def test_rf_off_silences_tags(simulator: FeigReaderSimulator) -> None:
    assert exchange(simulator, p.rf_onoff(False)).status == 0
    assert exchange(simulator, p.inventory()).status == p.STATUS_NO_TRANSPONDER
    assert exchange(simulator, p.rf_onoff(True)).status == 0
    assert exchange(simulator, p.inventory()).status == 0


def test_nxp_password_commands_pass_through(simulator: FeigReaderSimulator) -> None:
    tag = simulator.field.get(UID)
    reply = exchange(simulator, p.nxp(p.NXP_GET_RANDOM, UID))
    assert reply.status == 0 and len(reply.data) == 2
    xored = bytes(b ^ reply.data[i % 2] for i, b in enumerate(bytes(4)))
    assert exchange(simulator, p.nxp(p.NXP_SET_PASSWORD, UID, b"\x10" + xored)).status == 0
    assert exchange(simulator, p.nxp(p.NXP_PASSWORD_PROTECT, UID, option=True)).status == 0
    assert tag.afi_protected and not tag.eas_protected


def test_faults_drop_and_corrupt(simulator: FeigReaderSimulator) -> None:
    simulator.drop_responses = 1
    assert simulator.receive(p.inventory().encode()) == b""
    simulator.corrupt_responses = 1
    events = p.FrameParser().feed(simulator.receive(p.inventory().encode()))
    assert not any(isinstance(e, p.Response) for e in events)
    simulator.silent = True
    assert simulator.receive(p.write_afi(UID, 0xC2).encode()) == b""
    assert simulator.field.get(UID).afi == 0x07  # a hung reader executes nothing


@given(st.integers(0, 255), st.binary(max_size=40))
def test_any_well_framed_request_gets_a_well_framed_answer(command: int, data: bytes) -> None:
    field = RFField()
    field.place(SlixTag(UID, variant="slix2"))
    simulator = FeigReaderSimulator(field)
    reply = exchange(simulator, p.Request(command, data))
    assert reply is not None and reply.command == command


def test_fuzz_iso_host_requests() -> None:
    rng = random.Random(9)
    field = RFField()
    for n in range(3):
        field.place(SlixTag(bytes([0xE0, 0x04, 0x01, 0x20, 0, 0, 0, n])))
    simulator = FeigReaderSimulator(field)
    statuses = set()
    for _ in range(3000):
        sub = rng.choice([0x01, 0x22, 0x23, 0x24, 0x27, 0x28, 0x29, 0x2B, 0x2C, 0x25, 0x26, 0x02])
        mode = rng.choice([0x00, 0x01, 0x02, 0x08, 0x09, 0x80, 0x11])
        body = bytes([sub, mode]) + (bytes([0xE0, 0x04, 0x01, 0x20, 0, 0, 0, rng.randrange(4)])
                                     if mode & 1 else b"") + rng.randbytes(rng.randrange(8))
        reply = exchange(simulator, p.Request(0xB0, body))
        statuses.add(reply.status)
        if simulator.field.get(bytes([0xE0, 0x04, 0x01, 0x20, 0, 0, 0, 0])) is None:
            break
    assert {0x00, 0x01, 0x95} <= statuses


def test_fuzz_transparent_requests() -> None:
    """[0xBF] with random modes, answer lengths and inventory-read-shaped air frames: a framed answer."""
    rng = random.Random(15693)
    field = RFField()
    for n in range(3):
        uid = bytes([0xE0, 0x04, 0x01, 0x20, 0, 0, 0, n])
        field.place(SlixTag(uid, bytes(range(32)), afi=rng.choice([7, 0xC2])))
    simulator = FeigReaderSimulator(field)
    statuses = set()
    for _ in range(3000):
        mode = rng.choice([0x01, 0x02, 0x03, 0x04, 0x05, 0x44, 0x41, 0x00, 0x0F, 0x46])
        bits = rng.choice([0, 7, 8, 16, 41 * 8, 43 * 8, rng.randrange(0x10000)])
        flags = rng.choice([0x26, 0x36, 0x76, 0x66, 0x06, 0x46, 0x02, 0x22])
        command = rng.choice([0xA0, 0xA1, 0x01, 0x23, 0xA5, rng.randrange(256)])
        air = bytes([flags, command]) + rng.randbytes(rng.randrange(12))
        body = bytes([mode]) + bits.to_bytes(2, "big") + rng.randbytes(rng.choice([0, 2, 4])) + air
        reply = exchange(simulator, p.Request(p.CMD_TRANSPARENT, body[:rng.randrange(len(body) + 1)]))
        assert reply is not None and reply.command == p.CMD_TRANSPARENT
        statuses.add(reply.status)
    assert {0x01, 0x02, 0x11, 0x81} <= statuses  # silence, garbled, bad mode, bad length


def test_registry() -> None:
    assert simulator_class("feig") is FeigReaderSimulator
    assert {"feig", "3m", "trf7970a"} <= set(protocols())
    with pytest.raises(SimulatorError, match="no reader simulator registered for protocol 'acme'"):
        simulator_class("acme")
    with pytest.raises(SimulatorError, match="unknown option"):
        FeigReaderSimulator(colour="blue")
    with pytest.raises(SimulatorError, match="unknown transport 'carrier-pigeon'"):
        FeigReaderSimulator().serve("carrier-pigeon")


def test_register_device_wraps_a_device_model() -> None:
    class EchoDevice:
        def __init__(self, field: RFField, greeting: bytes = b"hi") -> None:
            self.field, self.greeting = field, greeting

        def receive(self, data: bytes) -> bytes:
            return self.greeting + data

    cls = register_device("echo-test", "feig", EchoDevice, SerialSettings(9600, 8, "N", 1))
    simulator = simulator_class("echo-test")(greeting=b">")
    assert isinstance(simulator, cls) and simulator.receive(b"x") == b">x"
    simulator.silent = True
    assert simulator.receive(b"x") == b""


def test_simulated_reader_closes_both_ends() -> None:
    field = RFField()
    with simulated_reader(field, transport="pty") as reader:
        simulator = reader.simulator
        (endpoint,) = simulator.endpoints
        assert os.path.realpath(endpoint.port).startswith("/dev/pts/")
    assert reader.closed and simulator.endpoints == [] and not os.path.exists(endpoint.port)


def test_simulated_reader_with_airtime_paces_answers() -> None:
    field = RFField()
    field.place(SlixTag(UID))
    with simulated_reader(field, airtime=True) as reader:
        started = time.perf_counter()
        reader.read_blocks(UID, 0, 8)
        elapsed = time.perf_counter() - started
    assert field.air_time > 0.015 and elapsed >= field.air_time
