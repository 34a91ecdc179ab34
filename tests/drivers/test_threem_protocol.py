"""3M 210/810 protocol: CRC check values and frames published from captured traffic, parsing, fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import BlockLocked, NoTag, ProtocolError, ReaderError, WriteFailed
from drivers.threem import protocol as p

UID = bytes.fromhex("E004015012345678")


def frame(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.replace(" ", ""))


def test_crc_is_genibus() -> None:
    assert p.crc16_genibus(b"123456789") == 0xD64E  # CRC-16/GENIBUS catalogue check value
    assert p.crc16_genibus(frame("00 09 03 00 02 00 00 00 03")) == 0x12E6


@pytest.mark.parametrize(("built", "published"), [
    (p.inventory_request(), "D6 00 05 FE 00 05 FA 40"),
    (p.write_afi_request(UID, 0x07), "D6 00 0C 09 E0 04 01 50 12 34 56 78 07 96 76"),
    (p.eas_control_request(UID, True), "D6 00 0C 0C E0 04 01 50 12 34 56 78 01 34 C0"),
    (p.version_request(), "D5 00 05 04 00 11 8C 66"),  # Biblio-RFID 3M810 hardware-version probe
    (p.Frame(0xFE, frame("00 07")), "D6 00 05 FE 00 07 DA 02"),  # LibraryStockScanner capture
])
def test_requests_match_published_frames(built: p.Frame, published: str) -> None:
    assert built.encode() == frame(published)


# Replies captured from a 3M TTS810 (LibraryStockScanner's tests) and the Biblio-RFID probe.
NO_TAGS = "D6 00 07 FE 00 00 05 00 C9 7B"
ONE_TAG = "D6 00 0F FE 00 00 05 01 E0 04 01 00 31 23 AA 26 94 1A"
TWO_TAGS = "D6 00 17 FE 00 00 05 02 E0 04 01 00 31 23 AA 26 E0 04 01 00 01 7C 0C 38 CA DB"
VERSION = "D5 00 09 04 00 11 0A 05 00 02 72 50"


def parse_one(hex_text: str) -> p.Reply:
    events = p.FrameReader().feed(frame(hex_text))
    assert len(events) == 1 and isinstance(events[0], p.Frame)
    return p.Reply.from_frame(events[0])


def test_published_inventory_replies() -> None:
    assert p.parse_inventory(parse_one(NO_TAGS)) == []
    assert p.parse_inventory(parse_one(ONE_TAG)) == [frame("E0 04 01 00 31 23 AA 26")]
    assert p.parse_inventory(parse_one(TWO_TAGS)) == [frame("E0040100 3123AA26"), frame("E0040100 017C0C38")]


def test_published_version_reply() -> None:
    reply = parse_one(VERSION)
    assert reply.start == p.START_SETUP
    assert p.parse_version(reply) == "10.5.0.2"


def test_reply_encoding_round_trips_the_published_bytes() -> None:
    reply = p.Reply(0xFE, 0x00, frame("00 05 01 E0 04 01 00 31 23 AA 26"))
    assert reply.to_frame().encode() == frame(ONE_TAG)


def test_parser_skips_garbage_and_waits_for_split_frames() -> None:
    reader = p.FrameReader()
    stream = b"\x00\x13\xff" + frame(ONE_TAG) + frame(NO_TAGS)
    events = reader.feed(stream)
    assert [type(e) for e in events] == [p.Frame, p.Frame]
    one_at_a_time = p.FrameReader()
    emitted = [bool(one_at_a_time.feed(bytes([b]))) for b in stream]
    end_of_first = 3 + len(frame(ONE_TAG)) - 1
    assert emitted.index(True) == end_of_first and emitted.count(True) == 2
    assert reader.feed(frame(ONE_TAG)[:5]) == []  # incomplete: nothing emitted early


def test_bad_crc_is_reported_not_raised() -> None:
    corrupted = bytearray(frame(ONE_TAG))
    corrupted[8] ^= 0x01
    events = p.FrameReader().feed(bytes(corrupted) + frame(NO_TAGS))
    assert isinstance(events[0], p.BadFrame) and "CRC mismatch" in events[0].reason
    assert isinstance(events[1], p.Frame)


def test_implausible_length_resynchronises() -> None:
    events = p.FrameReader().feed(frame("D6 FF FF") + frame(NO_TAGS))
    assert len(events) == 1 and p.parse_inventory(p.Reply.from_frame(events[0])) == []


@pytest.mark.parametrize(("error", "expected"), [
    (0x06, NoTag), (0x12, BlockLocked), (0x16, WriteFailed), (0x42, ReaderError)])
def test_error_bytes_become_typed_errors_keeping_the_code(error: int, expected: type) -> None:
    with pytest.raises(expected) as info:
        p.Reply(0x09, error, b"").raise_for_error()
    assert info.value.status == error


def test_read_and_write_layouts() -> None:
    assert p.read_blocks_request(UID, 0, 8).encode()[3:14] == frame("02 E0 04 01 50 12 34 56 78 00 08")
    write = p.write_blocks_request(UID, 2, b"ABCDEFGH").encode()
    assert write[3:15] == frame("04 E0 04 01 50 12 34 56 78 02 02 00") and write[15:23] == b"ABCDEFGH"
    reply = p.Reply(0x02, 0, UID + bytes([2]) + bytes([4, 0]) + b"abcd" + bytes([5, 1]) + b"efgh")
    blocks = p.parse_read_blocks(reply, UID)
    assert [(b.number, b.locked, b.data) for b in blocks] == [(4, False, b"abcd"), (5, True, b"efgh")]


def test_replies_for_another_tag_or_truncated_are_protocol_errors() -> None:
    other = bytes.fromhex("E004015000000000")
    with pytest.raises(ProtocolError, match="not E004015012345678"):
        p.parse_tag_reply(p.Reply(0x09, 0, other), UID, "write AFI")
    with pytest.raises(ProtocolError, match="announces 2 blocks"):
        p.parse_read_blocks(p.Reply(0x02, 0, UID + b"\x02" + b"\x00" * 6), UID)
    with pytest.raises(ProtocolError, match="announces 3 tags"):
        p.parse_inventory(p.Reply(0xFE, 0, frame("00 05 03") + UID))


def test_invalid_requests_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="8-byte UID"):
        p.write_afi_request(b"\x01\x02", 7)
    with pytest.raises(ValueError, match="whole 4-byte blocks"):
        p.write_blocks_request(UID, 0, b"abc")
    with pytest.raises(ValueError, match="AFI must fit"):
        p.write_afi_request(UID, 300)


PARSERS = [p.parse_inventory, p.parse_version, p.parse_check_eas,
           lambda r: p.parse_read_blocks(r, UID), lambda r: p.parse_get_afi(r, UID),
           lambda r: p.parse_tag_info(r, UID)]


@given(st.binary(max_size=300))
def test_frame_reader_and_reply_parsers_never_crash(data: bytes) -> None:
    for event in p.FrameReader().feed(data):
        if isinstance(event, p.BadFrame):
            continue
        for parse in PARSERS:
            try:
                parse(p.Reply.from_frame(event))
            except ReaderError:  # ProtocolError and the typed errors are the only allowed outcome
                pass


@given(st.integers(0, 0xFF), st.binary(max_size=200))
def test_any_frame_round_trips(command: int, body: bytes) -> None:
    encoded = p.Frame(command, body).encode()
    assert p.FrameReader().feed(encoded) == [p.Frame(command, body)]


def test_fuzz_loop_random_streams() -> None:
    import random

    rng = random.Random(3)
    reader = p.FrameReader()
    good = frame(TWO_TAGS)
    found = 0
    for _ in range(20_000):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
        for event in reader.feed(noise + (good if rng.random() < 0.1 else b"")):
            found += isinstance(event, p.Frame) and event.command == 0xFE
    assert found > 0
