"""TRF7970A EVM protocol: published RFIDGeek command lines, firmware reply texts, ISO 15693, fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import (
    AddressError,
    BlockLocked,
    Collision,
    NoTag,
    ProtocolError,
    ReaderError,
    WriteFailed,
)
from drivers.trf7970a import protocol as p

UID = bytes.fromhex("E004015012345678")


@pytest.mark.parametrize(("built", "published"), [
    (p.encode(p.CMD_INITIALISE), "0108000304FF0000"),
    (p.register_write((0x00, 0x21), (0x01, 0x00)), "010C00030410002101000000"),
    (p.inventory(high_rate=False), "010B000304140401000000"),
    (p.request(p.iso_request(p.ISO_WRITE_SINGLE, UID, bytes.fromhex("0311223344"), high_rate=False)),
     "011700030418202178563412500104E003112233440000"),
    (p.encode(p.CMD_AGC, b"\x00"), "0109000304F0000000"),
    (p.encode(p.CMD_AM_PM, b"\xff"), "0109000304F1FF0000"),
])
def test_command_lines_match_published_examples(built: bytes, published: str) -> None:
    assert built == published.encode()


def test_high_rate_variants_and_afi_inventory() -> None:
    assert p.inventory() == b"010B000304140601000000"
    assert p.inventory(0x07) == b"010C00030414160107000000"
    assert p.masked_inventory(0, 0) == b"\x26\x01\x00"
    assert p.masked_inventory(5, 0b10110, afi=0xC2) == b"\x36\x01\xc2\x05\x16"


def test_uid_travels_in_air_order() -> None:
    assert p.iso_request(p.ISO_SYSTEM_INFO, UID) == bytes.fromhex("222B78563412500104E0")
    assert p.iso_request(p.NXP_SET_EAS, UID, nxp=True)[:3] == bytes.fromhex("22A204")


def test_command_parser_reads_what_the_firmware_reads() -> None:
    parser = p.CommandParser()
    line = p.request(bytes.fromhex("2223") + UID[::-1] + bytes.fromhex("0007"))
    events = []
    for byte in b"\r\n" + line.lower() + b"\n":  # case-insensitive, CR/LF ignored, byte at a time
        events += parser.feed(bytes([byte]))
    assert events == [p.HostCommand(p.CMD_REQUEST, bytes.fromhex("2223") + UID[::-1] + bytes.fromhex("0007"))]
    assert isinstance(p.CommandParser().feed(b"0109000305FF000000")[0], p.BadCommand)


# Texts as printed by TI's EVM firmware (host.c / iso15693.c).
INVENTORY_TWO = ("ISO 15693 Inventory request.\r\n"
                 "\r\n[78563412500104E0,4E]\r\n[0100000020 0104E0,52]\r\n").replace(" ", "")
INVENTORY_LEGACY = "ISO 15693 Inventory request.\r\n[,40]\r\n[z,52]\r\n[0123456789ABCDEF,10]\r\n"


def test_inventory_replies_current_and_legacy_firmware() -> None:
    result = p.parse_inventory_reply(INVENTORY_TWO)
    assert result.uids == (UID, bytes.fromhex("E004012000000001")) and result.collisions == 0
    assert result.rssi == (0x4E, 0x52)
    legacy = p.parse_inventory_reply(INVENTORY_LEGACY)
    assert legacy.uids == (bytes.fromhex("EFCDAB8967452301"),) and legacy.collisions == 1
    assert p.parse_inventory_reply("ISO 15693 Inventory request.\r\n\r\n").uids == ()


def test_request_replies() -> None:
    assert p.parse_request_reply("Request mode.\r\n[00]\r\n") == b"\x00"
    with pytest.raises(NoTag):
        p.parse_request_reply("Request mode.\r\n[]\r\n")
    with pytest.raises(Collision):
        p.parse_request_reply("Request mode.\r\n[z]\r\n")
    with pytest.raises(ProtocolError, match="not hex"):
        p.parse_request_reply("Request mode.\r\n[0G]\r\n")
    with pytest.raises(ProtocolError, match="one"):
        p.parse_request_reply("Request mode.\r\n")


def test_reply_completion_counts_lines() -> None:
    reply = p.ReplyReader()
    reply.feed(b"Request mode.\r\n[00")
    assert not reply.complete(p.CMD_REQUEST)
    reply.feed(b"]\r\n")
    assert reply.complete(p.CMD_REQUEST)
    reply.clear()
    reply.feed(b"TRF7970A EVM \r\n")
    assert not reply.complete(p.CMD_INITIALISE)
    reply.feed(b"\r\n")
    assert reply.complete(p.CMD_INITIALISE)


def status_after(text: str) -> str:
    reply = p.ReplyReader()
    reply.feed(text.encode("latin-1"))
    return reply.inventory_status()


def test_inventory_end_follows_the_firmware_text() -> None:
    # host.c: header + CR LF; iso15693.c: "CR LF [UID,RSSI]" per tag; host.c: one final CR LF.
    assert status_after("ISO 15693 Inventory request.\r\n") == p.INCOMPLETE
    assert status_after("ISO 15693 Inventory request.\r\n\r\n") == p.MAYBE_COMPLETE  # empty, or a record next
    assert status_after("ISO 15693 Inventory request.\r\n\r\n[78563412500104E0,4E]") == p.INCOMPLETE
    assert status_after(INVENTORY_TWO) == p.MAYBE_COMPLETE
    assert status_after(INVENTORY_TWO[:-2]) == p.INCOMPLETE  # slots still running after a record


def test_current_firmware_text_is_never_complete_early_byte_by_byte() -> None:
    reply = p.ReplyReader()
    for n in range(len(INVENTORY_TWO)):
        reply.feed(INVENTORY_TWO[n].encode())
        assert reply.inventory_status() != p.COMPLETE  # only the quiet link can close it


def test_old_firmware_reply_is_complete_after_its_sixteen_slot_records() -> None:
    slots = ["[,40]"] * 14 + ["[z,52]", "[0123456789ABCDEF,10]"]
    text = "ISO 15693 Inventory request.\r\n" + "\r\n".join(slots) + "\r\n"
    assert status_after(text) == p.COMPLETE
    assert status_after(text[:-2]) == p.INCOMPLETE
    fifteen = "ISO 15693 Inventory request.\r\n" + "\r\n".join(slots[1:]) + "\r\n"
    assert status_after(fifteen) == p.MAYBE_COMPLETE


@pytest.mark.parametrize(("code", "expected"), [
    (0x10, AddressError), (0x12, BlockLocked), (0x13, WriteFailed), (0x01, ReaderError)])
def test_iso_errors_are_typed_and_keep_the_code(code: int, expected: type) -> None:
    with pytest.raises(expected) as info:
        p.check_iso(bytes([0x01, code]), "write block 3")
    assert info.value.detail == code


def test_read_multiple_and_system_info() -> None:
    data, locked = p.parse_read_multiple(bytes.fromhex("00" + "0011223344" + "0155667788"), 2)
    assert data == bytes.fromhex("1122334455667788") and locked == (False, True)
    answer = bytes.fromhex("000F") + UID[::-1] + bytes.fromhex("06071B0301")
    info = p.parse_system_info(answer, UID)
    assert (info.dsfid, info.afi, info.block_count, info.block_size, info.ic_reference) == (6, 7, 28, 4, 1)
    assert p.parse_inventory_answer(bytes.fromhex("0006") + UID[::-1]) == (UID, 6)


def test_system_info_shorter_than_its_flags_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="shorter than its info flags"):
        p.parse_system_info(bytes.fromhex("000F") + UID[::-1] + b"\x06", UID)


@given(st.text(max_size=200))
def test_reply_parsers_never_crash(text: str) -> None:
    for parse in (p.parse_request_reply, p.parse_inventory_reply, p.parse_firmware):
        try:
            parse(text)
        except ReaderError:
            pass


@given(st.binary(max_size=60))
def test_iso_answer_parsers_never_crash(answer: bytes) -> None:
    for parse in (lambda a: p.parse_system_info(a, UID), p.parse_inventory_answer,
                  lambda a: p.parse_read_multiple(a, 2), lambda a: p.check_iso(a, "x")):
        try:
            parse(answer)
        except ReaderError:
            pass


@given(st.binary(max_size=300))
def test_command_parser_never_crashes(data: bytes) -> None:
    for event in p.CommandParser().feed(data):
        assert isinstance(event, p.HostCommand | p.BadCommand)


@given(st.integers(0, 0xFF), st.binary(max_size=60))
def test_any_command_round_trips(command: int, params: bytes) -> None:
    assert p.CommandParser().feed(p.encode(command, params)) == [p.HostCommand(command, params)]
