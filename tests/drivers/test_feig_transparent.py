"""FEIG [0xBF] ISO 15693 transparent command: frame bytes, and NXP (FAST) INVENTORY READ through it.

Frame layout (FEIG manual H60301-3e-ID-B §8.6): ``MODE RSP-LENGTH(2, bits of one answer
with its CRC, MSB first) 00 00 [EOF-PULSE-DELAY(2, 590 ns units) for modes 3 and 4 |
302 µs grids(2) for mode 5] REQUEST-DATA``; MODE bit 6 (0x40, HDR_RL) receives at
53 kbit/s. The FEIG frame CRC comes from ``protocol.crc16`` (checked against published
frames in test_feig_protocol.py); the payload bytes are written out here by hand.
The driver runs against the FEIG simulator over a pyserial URL transport.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from drivers.base import InventoryRead, InventoryReader, InventoryReadResult
from drivers.errors import InvalidRequest, ReaderError, Unsupported
from drivers.feig import protocol as p
from drivers.feig.reader import FeigReader
from drivers.iso15693 import InventoryReadRequest, crc, split_slot_answers
from simulators import airtime
from simulators.readers import simulated_reader
from simulators.readers.feig import FeigReaderSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

UID = bytes.fromhex("E004015012345678")
MEMORY = bytes(range(28 * 4))
DRIVER = {"timeout": 0.3, "retries": 1}
SECURED_POLL = bytes.fromhex("76 A1 04 07 00 00 07")  # one slot, AFI 07, blocks 0..7, option


def framed(hex_text: str) -> bytes:
    """A FEIG frame from its bytes before the CRC (CRC-16/MCRF4XX appended LSB first)."""
    body = bytes.fromhex(hex_text)
    return body + p.crc16(body).to_bytes(2, "little")


# -- frames -----------------------------------------------------------------------------------------

def test_inventory_mode_with_fast_return_and_slot_delay() -> None:
    # 41-byte answer + CRC = 344 bits = 01 58; 10 ms / 590 ns = 16949 = 42 35
    frame = p.transparent(p.TRANSPARENT_INVENTORY, 41, SECURED_POLL, fast_return=True, delay=0.01)
    assert frame.encode() == framed("13 FF BF 44 01 58 00 00 42 35 76 A1 04 07 00 00 07")


def test_inventory_mode_without_fast_return() -> None:
    frame = p.transparent(p.TRANSPARENT_INVENTORY, 41, SECURED_POLL)
    assert frame.encode() == framed("13 FF BF 04 01 58 00 00 00 00 76 A1 04 07 00 00 07")


def test_read_and_write_modes_carry_no_delay_word() -> None:
    # 3-byte answer + CRC = 40 bits = 00 28
    assert p.transparent(p.TRANSPARENT_READ, 3, bytes.fromhex("02 20 00")).encode() == framed(
        "0D FF BF 01 00 28 00 00 02 20 00")
    assert p.transparent(p.TRANSPARENT_WRITE, 1, bytes.fromhex("02 2B"), fast_return=True).encode() == framed(
        "0C FF BF 42 00 18 00 00 02 2B")


def test_write_option_and_grid_modes_carry_their_delay_word() -> None:
    request = bytes.fromhex("42 21 00 01 02 03 04")
    assert p.transparent(p.TRANSPARENT_WRITE_OPTION, 1, request, delay=1.0).encode() == framed(
        "13 FF BF 03 00 18 00 00 FF FF 42 21 00 01 02 03 04")  # 1 s is beyond the field: capped
    assert p.transparent(p.TRANSPARENT_WRITE_GRID, 1, request, delay=0.0151).encode() == framed(
        "13 FF BF 05 00 18 00 00 00 32 42 21 00 01 02 03 04")  # 15.1 ms / 302 µs = 50 grids


def test_rsp_length_is_in_bits_msb_first() -> None:
    for answer_bytes, expected in ((0, "00 10"), (31, "01 08"), (1033, "20 58"), (8189, "FF F8")):
        frame = p.transparent(p.TRANSPARENT_READ, answer_bytes, b"\x02\x2B")
        assert frame.data[1:3] == bytes.fromhex(expected)


@pytest.mark.parametrize("mode, answer_bytes, air_request, message", [
    (0, 41, SECURED_POLL, "transparent mode must be 1..5, got 0"),
    (6, 41, SECURED_POLL, "transparent mode must be 1..5, got 6"),
    (0x44, 41, SECURED_POLL, "transparent mode must be 1..5, got 68"),
    (4, 41, b"", "empty request"),
    (4, 8190, SECURED_POLL, "bad answer length 8190"),
    (4, -1, SECURED_POLL, "bad answer length -1"),
    (4, -2, SECURED_POLL, "bad answer length -2"),
    (4, -41, SECURED_POLL, "bad answer length -41"),
])
def test_invalid_transparent_requests(mode: int, answer_bytes: int, air_request: bytes, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        p.transparent(mode, answer_bytes, air_request)


@pytest.mark.parametrize("delay", [-0.001, float("nan")])
def test_invalid_delay(delay: float) -> None:
    with pytest.raises(InvalidRequest, match="delay"):
        p.transparent(p.TRANSPARENT_INVENTORY, 41, SECURED_POLL, delay=delay)


def test_refusal_statuses_map_to_unsupported() -> None:
    for status in (p.STATUS_UNKNOWN_COMMAND, p.STATUS_NOT_AVAILABLE):
        error = p.status_error(p.Response(p.CMD_TRANSPARENT, status), "inventory read")
        assert isinstance(error, Unsupported) and isinstance(error, ReaderError)
        assert error.status == status


# -- the driver against the simulator ---------------------------------------------------------------

@pytest.fixture
def field() -> RFField:
    return RFField()


@pytest.fixture
def reader(field: RFField) -> Iterator[FeigReader]:
    with simulated_reader(field, protocol="feig", transport="url", driver_options=dict(DRIVER)) as reader:
        yield reader


def test_reader_offers_the_capability(reader: FeigReader) -> None:
    assert isinstance(reader, InventoryReader)


def test_lone_tag(field: RFField, reader: FeigReader) -> None:
    field.place(SlixTag(UID, MEMORY))
    result = reader.inventory_read(0, 8)
    assert result == InventoryReadResult((InventoryRead(UID, 0, MEMORY[:32], reader.antenna),), 0)
    assert reader.inventory_read(5, 2) == InventoryReadResult((InventoryRead(UID, 5, MEMORY[20:28], None),))


def test_no_tag(reader: FeigReader) -> None:
    assert reader.inventory_read(0, 8) == InventoryReadResult((), 0)
    assert reader.inventory_read(0, 8, one_slot=False) == InventoryReadResult((), 0)


def test_two_tags_in_one_slot_collide(field: RFField, reader: FeigReader) -> None:
    field.place(SlixTag(make_uid(0x123), MEMORY))
    field.place(SlixTag(make_uid(0x456), MEMORY))
    assert reader.inventory_read(0, 8) == InventoryReadResult((), 1)


def test_sixteen_slots_read_both_tags(field: RFField, reader: FeigReader) -> None:
    first = field.place(SlixTag(make_uid(0x123), MEMORY))
    second = field.place(SlixTag(make_uid(0x456), bytes(reversed(MEMORY))))
    result = reader.inventory_read(0, 8, one_slot=False)
    assert result.collisions == 0
    assert {(t.uid, t.first_block, t.data) for t in result.tags} == {
        (first.uid, 0, MEMORY[:32]), (second.uid, 0, bytes(reversed(MEMORY))[:32])}


def test_sixteen_slots_count_a_shared_slot(field: RFField, reader: FeigReader) -> None:
    lone = field.place(SlixTag(make_uid(0x121), MEMORY))  # slot 1
    field.place(SlixTag(make_uid(0x125), MEMORY))  # slot 5
    field.place(SlixTag(make_uid(0x455), MEMORY))  # slot 5
    result = reader.inventory_read(0, 4, one_slot=False)
    assert [t.uid for t in result.tags] == [lone.uid] and result.collisions == 1


def test_inventory_read_without_fast(field: RFField, reader: FeigReader) -> None:
    field.place(SlixTag(UID, MEMORY))
    assert reader.inventory_read(1, 3, fast=False).tags == (InventoryRead(UID, 1, MEMORY[4:16], None),)
    assert [t.uid for t in reader.inventory_read(1, 3, fast=False, one_slot=False).tags] == [UID]


def test_afi_filtering(field: RFField, reader: FeigReader) -> None:
    field.place(SlixTag(UID, MEMORY, afi=0x07))
    field.place(SlixTag(make_uid(0x777), MEMORY, afi=0xC2))
    assert [t.uid for t in reader.inventory_read(0, 8, afi=0x07).tags] == [UID]
    assert [t.uid for t in reader.inventory_read(0, 8, afi=0xC2).tags] == [make_uid(0x777)]
    assert reader.inventory_read(0, 8, afi=0x95) == InventoryReadResult()
    assert reader.inventory_read(0, 8).collisions == 1


def test_bad_block_range_is_refused_before_sending(reader: FeigReader) -> None:
    sent = reader.simulator.requests_seen
    with pytest.raises(ValueError, match="cannot read 0 blocks"):
        reader.inventory_read(0, 0)
    assert reader.simulator.requests_seen == sent


def test_buffered_mode_refuses(field: RFField) -> None:
    field.place(SlixTag(UID, MEMORY))
    with (simulated_reader(field, mode="buffered", scan_period=0.01, driver_options=dict(DRIVER)) as reader,
          pytest.raises(Unsupported) as refused):
        reader.inventory_read(0, 8)
    assert refused.value.status == p.STATUS_NOT_AVAILABLE


def test_answer_timing_follows_the_air_time_model(field: RFField) -> None:
    field.place(SlixTag(UID, MEMORY))
    floor = airtime.inventory_read_time(8)
    with simulated_reader(field, airtime=True, driver_options=dict(DRIVER)) as reader:
        reader.inventory_read(0, 8, afi=0x07)  # warm up the link
        elapsed = []
        for _ in range(3):
            before, started = field.air_time, time.perf_counter()
            assert [t.uid for t in reader.inventory_read(0, 8, afi=0x07).tags] == [UID]
            elapsed.append(time.perf_counter() - started)
            assert field.air_time - before == pytest.approx(floor, rel=1e-9)
    assert floor <= min(elapsed) < 3 * floor


# -- the simulator byte by byte ---------------------------------------------------------------------

def exchange(simulator: FeigReaderSimulator, frame: bytes) -> p.Response:
    (event,) = p.FrameParser().feed(simulator.receive(frame))
    assert isinstance(event, p.Response)
    return event


@pytest.fixture
def simulator(field: RFField) -> FeigReaderSimulator:
    field.place(SlixTag(UID, MEMORY))
    return FeigReaderSimulator(field)


def test_raw_fast_inventory_read(simulator: FeigReaderSimulator) -> None:
    reply = exchange(simulator, framed("13 FF BF 44 01 58 00 00 00 00 76 A1 04 07 00 00 07"))
    assert reply.status == p.STATUS_OK
    air = b"\x00" + UID[::-1] + MEMORY[:32]
    assert reply.data == air + crc(air).to_bytes(2, "little")  # the tag's frame, air CRC included


def test_raw_answer_at_the_wrong_rate_is_a_crc_error(simulator: FeigReaderSimulator) -> None:
    # FAST INVENTORY READ without HDR_RL: the reader samples a 53 kbit/s answer at 26 kbit/s
    assert exchange(simulator, framed("13 FF BF 04 01 58 00 00 00 00 76 A1 04 07 00 00 07")).status == 0x02
    # INVENTORY READ (normal rate) with HDR_RL
    assert exchange(simulator, framed("13 FF BF 44 01 58 00 00 00 00 76 A0 04 07 00 00 07")).status == 0x02
    assert exchange(simulator, framed("13 FF BF 04 01 58 00 00 00 00 76 A0 04 07 00 00 07")).status == 0x00


def test_raw_answer_of_the_wrong_length_is_a_crc_error(simulator: FeigReaderSimulator) -> None:
    # RSP-LENGTH 42 + 2 bytes (01 60) for a 41-byte answer
    assert exchange(simulator, framed("13 FF BF 44 01 60 00 00 00 00 76 A1 04 07 00 00 07")).status == 0x02


def test_raw_silence_is_no_transponder(simulator: FeigReaderSimulator) -> None:
    # AFI C2: the secured tag stays silent
    reply = exchange(simulator, framed("13 FF BF 44 01 58 00 00 00 00 76 A1 04 C2 00 00 07"))
    assert (reply.status, reply.data) == (p.STATUS_NO_TRANSPONDER, b"")
    # 16-slot round (flags 56) with nobody answering
    reply = exchange(simulator, framed("13 FF BF 44 01 58 00 00 30 00 56 A1 04 C2 00 00 07"))
    assert reply.status == p.STATUS_NO_TRANSPONDER


def test_raw_rf_off_and_buffered_mode(field: RFField, simulator: FeigReaderSimulator) -> None:
    poll = framed("13 FF BF 44 01 58 00 00 00 00 76 A1 04 07 00 00 07")
    assert exchange(simulator, p.rf_onoff(False).encode()).status == 0
    assert exchange(simulator, poll).status == p.STATUS_NO_TRANSPONDER
    buffered = FeigReaderSimulator(field, mode="buffered", scan_period=0.01)
    try:
        assert exchange(buffered, poll).status == p.STATUS_NOT_AVAILABLE
    finally:
        buffered.close()


def test_raw_malformed_transparent_frames(simulator: FeigReaderSimulator) -> None:
    for data in ("", "44 01 58 00", "44 01 58 00 00 00 00 76", "01 01 5C 00 00 02 2B"):  # the last: 348 bits
        request = p.Request(p.CMD_TRANSPARENT, bytes.fromhex(data))
        assert exchange(simulator, request.encode()).status == p.STATUS_LENGTH_ERROR, data


def test_raw_sixteen_slot_records_with_a_garbled_slot(field: RFField, simulator: FeigReaderSimulator) -> None:
    field.place(SlixTag(make_uid(0x125), MEMORY))  # slot 5
    field.place(SlixTag(make_uid(0x455), MEMORY))  # slot 5 too; UID above (…78) is in slot 8
    request = InventoryReadRequest(0, 2, one_slot=False)
    frame = p.transparent(p.TRANSPARENT_INVENTORY, request.answer_bytes, request.encode(), fast_return=True,
                          delay=0.005)
    reply = exchange(simulator, frame.encode())
    assert reply.status == p.STATUS_CRC_ERROR
    assert len(reply.data) == 2 * (request.answer_bytes + 2)  # one record per answering slot
    answers, garbled = split_slot_answers(request, reply.data)
    assert [a.uid for a in answers] == [UID] and garbled == 1
