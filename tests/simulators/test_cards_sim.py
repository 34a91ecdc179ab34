"""Card simulators: ISO 14443-A state machine, nfcpy datagrams, PN532 frames, and the CLI."""

from __future__ import annotations

import argparse
import io
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.cards import cli
from simulators.cards.iso14443 import NAK, CardState, Iso14443Card, ntag213_memory
from simulators.cards.pn532 import ACK, SYNTAX_ERROR, FrameParser, Pn532, build_frame
from simulators.cards.udp import UdpCardSimulator, build_datagram, parse_datagram

UID = bytes.fromhex("04497622D93881")  # nfcpy documentation example


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data)


def test_anticollision_of_a_double_size_uid() -> None:
    card = Iso14443Card.ntag213(UID)
    assert card.handle(b"\x26") == b"\x44\x00"
    cl1 = bytes([0x88, 0x04, 0x49, 0x76])
    assert card.handle(b"\x93\x20") == cl1 + bytes([xor(cl1)])
    assert card.handle(b"\x93\x70" + cl1 + bytes([xor(cl1)])) == b"\x04"  # cascade bit: more UID to come
    cl2 = UID[3:]
    assert card.handle(b"\x95\x20") == cl2 + bytes([xor(cl2)])
    assert card.handle(b"\x95\x70" + cl2 + bytes([xor(cl2)])) == b"\x00"
    assert card.state is CardState.ACTIVE


def test_ntag213_memory_layout_and_read() -> None:
    memory = ntag213_memory(UID, b"HELLO")
    assert memory[3] == 0x88 ^ 0x04 ^ 0x49 ^ 0x76  # BCC0 includes the cascade tag
    assert memory[8] == 0x22 ^ 0xD9 ^ 0x38 ^ 0x81  # BCC1
    card = Iso14443Card(uid=UID, memory=memory, state=CardState.ACTIVE)
    assert card.handle(b"\x30\x04")[:5] == b"HELLO"
    assert card.handle(b"\x30\x2c")[4:8] == memory[0:4]  # READ wraps around the last page
    assert card.handle(b"\x60") == bytes.fromhex("0004040201000F03")


def test_unsupported_command_naks_and_mutes_then_halt_ignores_reqa() -> None:
    card = Iso14443Card(uid=UID, state=CardState.ACTIVE)
    assert card.handle(b"\x1a\x00") == NAK and card.state is CardState.IDLE
    card.state = CardState.ACTIVE
    assert card.handle(b"\x50\x00") is None and card.state is CardState.HALT
    assert card.handle(b"\x26") is None  # REQA does not wake a halted card
    assert card.handle(b"\x52") == b"\x44\x00"  # WUPA does


@given(st.lists(st.binary(max_size=12), max_size=30))
def test_card_never_crashes_on_arbitrary_frames(frames: list[bytes]) -> None:
    card = Iso14443Card.ntag213(UID)
    for frame in frames:
        answer = card.handle(frame)
        assert answer is None or isinstance(answer, bytes)


def test_nfcpy_datagram_format() -> None:
    # nfcpy's udp driver sends b"%s %s" % (brty, hexlify(data)): REQA is b"106A 26".
    assert parse_datagram(b"106A 26") == ("106A", b"\x26")
    assert build_datagram("106A", b"\x44\x00") == b"106A 4400"
    assert parse_datagram(b"RFOFF") is None
    assert parse_datagram(b"106A zz") is None


def test_udp_server_is_silent_without_a_card_and_answers_with_one() -> None:
    sim = UdpCardSimulator()
    try:
        assert sim.handle(b"106A 26") is None
        sim.place(Iso14443Card.ntag213(UID))
        assert sim.handle(b"106A 26") == b"106A 4400"
        assert sim.handle(b"212F 0600ffff0100") is None  # FeliCa polling: not this card
        sim.silent = True
        assert sim.handle(b"106A 26") is None
    finally:
        sim.stop()


@given(st.binary(max_size=64))
def test_udp_handler_never_crashes(datagram: bytes) -> None:
    sim = UdpCardSimulator()
    try:
        sim.place(Iso14443Card.ntag213(UID))
        sim.handle(datagram)
    finally:
        sim.stop()


# --- PN532 ------------------------------------------------------------------------------------

def test_pn532_frames_match_the_user_manual() -> None:
    # UM0701-02: GetFirmwareVersion is 00 00 FF 02 FE D4 02 2A 00.
    assert build_frame(b"\x02", tfi=0xD4) == bytes.fromhex("0000FF02FED4022A00")
    # libnfc 1.8 wakes a PN532 with 55 55 00… then sends SAMConfiguration(normal mode):
    # 00 00 ff 03 fd d4 14 01 17 00 (captured from libnfc's debug log).
    wakeup = bytes.fromhex("5555") + bytes(14)
    assert FrameParser().feed(wakeup + bytes.fromhex("0000ff03fdd414011700")) == [b"\x14\x01"]
    assert bytes.fromhex("0000FF00FF00") == ACK


def test_pn532_parser_handles_split_frames_and_garbage() -> None:
    frame = build_frame(b"\x4a\x01\x00", tfi=0xD4)
    parser = FrameParser()
    out = []
    for byte in b"\x13\x37" + frame + frame[:3]:
        out += parser.feed(bytes([byte]))
    assert out == [b"\x4a\x01\x00"]
    bad = bytearray(frame)
    bad[-2] ^= 0xFF  # wrong DCS
    assert FrameParser().feed(bytes(bad)) == []


@given(st.binary(max_size=200))
def test_pn532_parser_and_chip_never_crash(data: bytes) -> None:
    chip = Pn532()
    chip.card = Iso14443Card.ntag213(UID)
    for command in FrameParser().feed(data):
        chip.handle(command)


def test_pn532_lists_the_card_and_relays_reads() -> None:
    chip = Pn532()
    assert chip.handle(b"\x02") == b"\x03\x32\x01\x06\x07"
    assert chip.handle(b"\x4a\x01\x00") == b"\x4b\x00"  # no card
    chip.card = Iso14443Card.ntag213(UID, b"ABCD")
    assert chip.handle(b"\x4a\x01\x00") == b"\x4b\x01\x01\x00\x44\x00\x07" + UID
    assert chip.handle(b"\x40\x01\x30\x04")[:6] == b"\x41\x00ABCD"
    assert chip.handle(b"\xee") is None and SYNTAX_ERROR.startswith(b"\x00\x00\xff")


# --- CLI --------------------------------------------------------------------------------------

def test_sim_card_cli_places_and_removes_cards(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(pn532=False, udp=0, uid="04112233445566", text="X", empty=False)
    assert cli.run_card(args, io.StringIO("remove\nplace 04A1B2C3D4E580 HI\nbogus\nquit\n")) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Card simulator listening: nfcpy path udp:127.0.0.1:")
    assert "commands: place UID [TEXT] | remove | quit" in err


def test_sim_card_cli_rejects_bad_uids() -> None:
    from kiosk.cli import main

    assert main(["sim", "card", "--udp", "0", "--uid", "0102"]) == 1


def test_sim_scanner_cli_sends_typed_lines(capsys: pytest.CaptureFixture[str]) -> None:
    import serial

    received = []

    class Console(io.StringIO):
        def __iter__(self):  # the operator types two codes; we read what the scanner port got
            device = capsys.readouterr().out.split(" on ")[1].split(":")[0]
            port = serial.serial_for_url(device, timeout=1)
            yield "3210987654321\n"
            yield "  \n"
            yield "42\n"
            received.append(port.read(17))
            port.close()

    assert cli.run_scanner(argparse.Namespace(terminator="cr"), Console()) == 0
    assert received == [b"3210987654321\r42\r"]
