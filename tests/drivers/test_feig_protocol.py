"""FEIG ISO-host frames: published frames and CRCs, parser robustness, command encoders/decoders."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import (
    AddressError,
    BlockLocked,
    Collision,
    InvalidRequest,
    NoTag,
    ProtocolError,
    ReaderError,
    WriteFailed,
)
from drivers.feig import protocol as p

UID = bytes.fromhex("E004015012345678")


def frame(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.replace(" ", ""))


def test_crc_check_value() -> None:
    assert p.crc16(b"123456789") == 0x6F91


@pytest.mark.parametrize(("request_", "expected"), [
    (p.software_version(), "05 FF 65 E5 CB"),
    (p.rf_reset(), "05 FF 69 89 01"),
    (p.inventory(), "07 FF B0 01 00 1C 56"),
    (p.read_blocks(UID, 0, 8, security=False), "11 FF B0 23 01 E0 04 01 50 12 34 56 78 00 08 C8 A4"),
    (p.write_afi(UID, 0x07), "10 FF B0 27 01 E0 04 01 50 12 34 56 78 07 B9 9E"),
    (p.system_info(UID), "0F FF B0 2B 01 E0 04 01 50 12 34 56 78 73 D6"),
    (p.nxp(p.NXP_SET_EAS, UID), "10 FF B1 04 A2 01 E0 04 01 50 12 34 56 78 9E CE"),
    (p.nxp(p.NXP_EAS_ALARM, None), "08 FF B1 04 A5 00 73 13"),
])
def test_published_request_frames(request_: p.Request, expected: str) -> None:
    assert request_.encode() == frame(expected)


def test_published_replies_parse() -> None:
    parser = p.FrameParser("response")
    one_tag = frame("11 00 B0 00 01 03 00 E0 04 01 50 12 34 56 78 BA 40")
    no_tag = frame("06 00 B0 01 5C 63")
    events = parser.feed(one_tag + no_tag)
    assert [type(e) for e in events] == [p.Response, p.Response]
    assert p.parse_inventory(events[0]) == [p.InventoryEntry(UID, 0x00, 0x03)]
    assert events[1].status == p.STATUS_NO_TRANSPONDER and p.parse_inventory(events[1]) == []
    assert events[0].encode() == one_tag and events[1].encode() == no_tag


def test_request_parser_reads_published_frames() -> None:
    parser = p.FrameParser("request")
    (request,) = parser.feed(frame("07 FF B0 01 00 1C 56"))
    assert request == p.Request(0xB0, b"\x01\x00", 0xFF)


def test_advanced_frame_roundtrip_and_automatic_switch() -> None:
    request = p.Request(0x65, advanced=True)
    encoded = request.encode()
    assert encoded[:3] == bytes([0x02, 0x00, 0x07]) and len(encoded) == 7
    assert p.crc16(encoded[:-2]) == int.from_bytes(encoded[-2:], "little")
    assert p.FrameParser("request").feed(encoded) == [request]
    long_reply = p.Response(0xB0, 0x00, bytes(300))
    encoded = long_reply.encode()
    assert encoded[0] == p.STX and int.from_bytes(encoded[1:3], "big") == len(encoded) == 308
    (parsed,) = p.FrameParser().feed(encoded)
    assert parsed.data == bytes(300) and parsed.advanced


def test_byte_at_a_time_emits_only_at_the_end() -> None:
    data = frame("11 00 B0 00 01 03 00 E0 04 01 50 12 34 56 78 BA 40")
    parser = p.FrameParser()
    for byte in data[:-1]:
        assert parser.feed(bytes([byte])) == []
    assert len(parser.feed(data[-1:])) == 1
    assert parser.pending == 0


def test_garbage_and_corruption_are_discarded_then_resynchronised() -> None:
    good = p.Response(0x65, 0x00, bytes.fromhex("0302 00 50 41 0008")).encode()
    corrupted = bytearray(good)
    corrupted[5] ^= 0xFF
    parser = p.FrameParser()
    events = parser.feed(b"\x00\x01\x03" + good)
    assert events == [p.Discarded(b"\x00\x01\x03", "not a frame start (length out of range)"),
                      p.FrameParser().feed(good)[0]]
    # A corrupted frame may leave a plausible length byte waiting for bytes that never come
    # (FEIG frames have no start marker): the host resets after its timeout, as the driver does.
    events = parser.feed(bytes(corrupted) + good)
    assert all(isinstance(e, p.Discarded) for e in events) and events
    parser.reset()
    assert parser.feed(good) == p.FrameParser().feed(good)


def test_reset_drops_incomplete_frame() -> None:
    parser = p.FrameParser()
    assert parser.feed(b"\xFF\x00") == []  # a length byte announcing 255 bytes
    assert parser.pending == 2
    assert parser.reset() == b"\xFF\x00"
    assert parser.feed(frame("06 00 B0 01 5C 63"))[0].status == 1


@given(st.binary(max_size=600))
def test_parser_never_raises(data: bytes) -> None:
    for kind in ("response", "request"):
        events = p.FrameParser(kind).feed(data)
        assert all(isinstance(e, p.Request | p.Response | p.Discarded) for e in events)


@given(st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300)), max_size=4),
       st.lists(st.integers(1, 40), max_size=10))
def test_split_anywhere_gives_the_same_frames(frames: list, cuts: list[int]) -> None:
    stream = b"".join(p.Response(cmd, status, data).encode() for cmd, status, data in frames)
    expected = p.FrameParser().feed(stream)
    parser, events, position = p.FrameParser(), [], 0
    for cut in [*cuts, len(stream)]:
        events += parser.feed(stream[position:position + cut])
        position += cut
    events += parser.feed(stream[position:])
    assert events == expected
    assert [e for e in expected if isinstance(e, p.Response)] == [p.Response(c, s, d, advanced=len(d) > 249)
                                                                   for c, s, d in frames]


@given(st.binary(max_size=30).map(lambda b: bytes(x % 5 for x in b if x % 5 != 2)),
       st.integers(0, 255), st.binary(max_size=40))
def test_frame_after_noise_is_found(noise: bytes, command: int, data: bytes) -> None:
    response = p.Response(command, 0x00, data)
    events = p.FrameParser().feed(noise + response.encode())
    assert events[-1] == response


def test_fuzz_random_streams() -> None:
    rng = random.Random(5)
    parser = p.FrameParser()
    found = 0
    for _ in range(20_000):
        if rng.random() < 0.3:
            data = rng.randbytes(rng.randrange(20))
            chunk = p.Response(rng.randrange(256), rng.randrange(256), data).encode()
            if rng.random() < 0.2:
                chunk = bytes(b ^ (0xFF if i == len(chunk) // 2 else 0) for i, b in enumerate(chunk))
        else:
            chunk = rng.randbytes(rng.randrange(8))
        found += sum(isinstance(e, p.Response) for e in parser.feed(chunk))
        if parser.pending > 300:
            parser.reset()
    assert found > 1000


@pytest.mark.parametrize(("status", "data", "error", "detail"), [
    (0x01, b"", NoTag, None),
    (0x02, b"", Collision, None),
    (0x03, b"", WriteFailed, None),
    (0x04, b"", AddressError, None),
    (0x81, b"", ProtocolError, None),
    (0x83, b"", ReaderError, None),
    (0x95, b"\x12", BlockLocked, 0x12),
    (0x95, b"\x11", BlockLocked, 0x11),
    (0x95, b"\x10", AddressError, 0x10),
    (0x95, b"\x13", WriteFailed, 0x13),
    (0x95, b"\x01", ReaderError, 0x01),
    (0x95, b"", ReaderError, None),
])
def test_status_mapping_keeps_codes(status: int, data: bytes, error: type, detail: int | None) -> None:
    exc = p.status_error(p.Response(0xB0, status, data), "write blocks")
    assert type(exc) is error
    assert (exc.status, exc.detail) == (status, detail)
    assert str(exc).startswith("write blocks: ")
    assert f"reader status 0x{status:02X}" in str(exc)


def test_ok_and_more_data_are_not_errors() -> None:
    assert p.status_error(p.Response(0xB0, 0x00), "x") is None
    assert p.status_error(p.Response(0xB0, 0x94), "x") is None


def test_block_byte_order_is_reversed_per_block_on_the_wire() -> None:
    memory = bytes.fromhex("11223344 55667788")
    request = p.write_blocks(UID, 2, memory)
    assert request.data[-8:] == bytes.fromhex("44332211 88776655")
    on_wire = bytes([2, 4, 0x00]) + bytes.fromhex("44332211") + b"\x01" + bytes.fromhex("88776655")
    reply = p.Response(0xB0, 0, on_wire)
    blocks = p.parse_blocks(reply)
    assert blocks.data == memory and blocks.locked == (False, True)
    assert p.parse_blocks(reply, p.BLOCKS_MEMORY).data == bytes.fromhex("44332211 88776655")
    assert p.write_blocks(UID, 2, memory, block_order=p.BLOCKS_MEMORY).data[-8:] == memory


def test_system_info_parses_mem_size_msb_first() -> None:
    reply = p.Response(0xB0, 0, bytes([0x06]) + UID + bytes([0x07, 0x03, 0x1B, 0x01]))
    info = p.parse_system_info(reply)
    assert (info.uid, info.dsfid, info.afi, info.block_size, info.block_count, info.ic_reference) == (
        UID, 0x06, 0x07, 4, 28, 0x01)


def test_inventory_variants() -> None:
    assert p.inventory(more=True).data == b"\x01\x80"
    assert p.inventory(afi=0x07).data == b"\x01\x01\x07"
    assert p.inventory(afi=0x07, antennas=0x02).data == b"\x01\x11\x07\x02"
    reply = p.Response(0xB0, 0x94, bytes([1, 0x00, 0x03, 0x06, 8]) + UID + bytes([1, 2, 0, 0x40, 0, 0, 0, 0]))
    (entry,) = p.parse_inventory(reply, with_antennas=True)
    assert (entry.uid, entry.dsfid, entry.antenna) == (UID, 0x06, 2)
    with pytest.raises(ProtocolError, match="2 data sets announced"):
        p.parse_inventory(p.Response(0xB0, 0, bytes([2, 3, 0]) + UID))


def test_invalid_requests_are_refused_clearly() -> None:
    with pytest.raises(InvalidRequest, match="8 bytes, got 4"):
        p.read_blocks(UID[:4], 0, 1)
    with pytest.raises(InvalidRequest, match="whole 4-byte blocks"):
        p.write_blocks(UID, 0, b"abc")
    with pytest.raises(InvalidRequest, match="AFI must be a byte"):
        p.write_afi(UID, 256)
    with pytest.raises(InvalidRequest, match=r"1\.\.255"):
        p.read_blocks(UID, 0, 0)
    with pytest.raises(InvalidRequest):
        p.Request(0x1FF)


def test_truncated_replies_raise_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="too short"):
        p.parse_system_info(p.Response(0xB0, 0, b"\x00"))
    with pytest.raises(ProtocolError, match="announced"):
        p.parse_blocks(p.Response(0xB0, 0, bytes([2, 4, 0, 1, 2, 3, 4])))


def test_software_version() -> None:
    version = p.parse_software_version(p.Response(0x65, 0, bytes.fromhex("0302 05 50 41 0008")))
    assert version.firmware == "3.02.05" and version.sw_type == 0x41 and version.tr_types == 0x0008


def test_buffered_read_records_roundtrip() -> None:
    tr_data = p.TR_DATA_IDD | p.TR_DATA_DB | p.TR_DATA_TIMER | p.TR_DATA_ANT
    records = [p.BufferRecord(UID, 3, b"ABCDEFGH", 1234, 2), p.BufferRecord(UID[::-1], 3, b"12345678", 99, 1)]
    body = bytes([tr_data]) + len(records).to_bytes(2, "big") + b"".join(
        p.encode_buffer_record(r, tr_data) for r in records)
    assert p.parse_read_buffer(p.Response(0x22, 0, body)) == records
    assert p.parse_read_buffer(p.Response(0x22, 0x92)) == []
    assert p.read_buffer(5).encode()[:5] == frame("07 FF 22 00 05")
    info = p.parse_buffer_info(p.Response(0x31, 0, bytes.fromhex("0100 0000 0003")))
    assert (info.size, info.start, info.length) == (256, 0, 3)


@given(st.binary(max_size=120))
def test_reply_decoders_raise_only_reader_errors(data: bytes) -> None:
    response = p.Response(0xB0, 0x00, data)
    for decode in (p.parse_inventory, p.parse_blocks, p.parse_system_info, p.parse_software_version,
                   p.parse_read_buffer, p.parse_buffer_info, lambda r: p.parse_inventory(r, True)):
        try:
            decode(response)
        except ReaderError:
            pass
