"""Card reader backends end to end: nfcpy over its UDP driver, pynfc/libnfc over a simulated PN532."""

from __future__ import annotations

import ctypes

import pytest

from drivers.cards import IdentifierMapping, open_card_reader
from drivers.cards.mapping import CardConfigError, CardDataError
from drivers.cards.nfcpy_backend import NfcpyCardReader
from drivers.errors import ReaderGone
from simulators.cards.iso14443 import Iso14443Card
from simulators.cards.pn532 import Pn532PtySimulator
from simulators.cards.udp import UdpCardSimulator

NTAG_UID = bytes.fromhex("04497622D93881")
CLASSIC_UID = bytes.fromhex("DEADBEEF")
TRIPLE_UID = bytes.fromhex("04112233445566778899")


@pytest.fixture
def udp_pad():
    with UdpCardSimulator() as sim:
        yield sim


@pytest.fixture
def pn532_pad():
    with Pn532PtySimulator() as sim:
        yield sim


# --- nfcpy ------------------------------------------------------------------------------------

def test_nfcpy_reads_a_seven_byte_uid(udp_pad: UdpCardSimulator) -> None:
    udp_pad.place(Iso14443Card.ntag213(NTAG_UID))
    reader = open_card_reader(udp_pad.path)
    try:
        card = reader.read_card()
    finally:
        reader.close()
    assert card is not None
    assert (card.uid, card.identifier, card.technology) == (NTAG_UID, "04497622D93881", "iso14443a")
    assert card.reader == f"nfcpy:{udp_pad.path}"


@pytest.mark.parametrize("uid", [CLASSIC_UID, TRIPLE_UID])
def test_nfcpy_walks_every_cascade_level(udp_pad: UdpCardSimulator, uid: bytes) -> None:
    udp_pad.place(Iso14443Card(uid=uid, atqa=b"\x04\x00", sak=0x08, version=None))
    reader = open_card_reader("nfcpy:" + udp_pad.path, IdentifierMapping(mode="reversed-hex"))
    try:
        card = reader.read_card()
    finally:
        reader.close()
    assert card is not None and card.uid == uid
    assert card.identifier == uid[::-1].hex().upper()


def test_nfcpy_reads_the_identifier_from_card_memory(udp_pad: UdpCardSimulator) -> None:
    udp_pad.place(Iso14443Card.ntag213(NTAG_UID, b"PATRON 0012345678\x00"))
    mapping = IdentifierMapping(mode="block", block=4, offset=7, length=10)
    reader = NfcpyCardReader(udp_pad.path, mapping)
    try:
        assert reader.read_card().identifier == "0012345678"
    finally:
        reader.close()


def test_nfcpy_card_refusing_read_is_a_card_data_error(udp_pad: UdpCardSimulator) -> None:
    udp_pad.place(Iso14443Card(uid=CLASSIC_UID, sak=0x08, version=None))  # no Type 2 memory
    reader = NfcpyCardReader(udp_pad.path, IdentifierMapping(mode="block"))
    try:
        with pytest.raises(CardDataError, match="refused READ of page 4"):
            reader.read_card()
    finally:
        reader.close()


def test_nfcpy_empty_pad_returns_none_after_the_timeout(udp_pad: UdpCardSimulator) -> None:
    reader = NfcpyCardReader(udp_pad.path)
    try:
        assert reader.read_card() is None  # nfcpy's UDP driver waits 1 s for SENS_RES
        udp_pad.place(Iso14443Card.ntag213(NTAG_UID))
        assert reader.read_card().uid == NTAG_UID
    finally:
        reader.close()
    assert udp_pad.frames_seen > 1


def test_nfcpy_unknown_device_is_reader_gone() -> None:
    with pytest.raises(ReaderGone, match="no NFC reader at 'tty:nonexistent:pn532'"):
        NfcpyCardReader("tty:nonexistent:pn532")


def test_unknown_spec_names_the_accepted_forms() -> None:
    with pytest.raises(CardConfigError, match="pynfc:<libnfc connstring>"):
        open_card_reader("bluetooth:00:11")


# --- pynfc / libnfc ---------------------------------------------------------------------------

def test_libnfc_version_comes_from_the_shared_library() -> None:
    from drivers.cards.pynfc_backend import libnfc_version

    assert libnfc_version().startswith("1.")


def test_uid_from_a_real_libnfc_target_structure() -> None:
    from drivers.cards.pynfc_backend import load_bindings, uid_from_target

    bindings = load_bindings()
    target = bindings.nfc_target()
    target.nti.nai.szUidLen = 7
    ctypes.memmove(target.nti.nai.abtUid, NTAG_UID, 7)
    assert uid_from_target(target) == NTAG_UID
    target.nti.nai.szUidLen = 5
    with pytest.raises(CardDataError, match="5 bytes"):
        uid_from_target(target)


def test_pynfc_reads_cards_through_libnfc_and_a_pn532(pn532_pad: Pn532PtySimulator) -> None:
    pn532_pad.place(Iso14443Card.ntag213(NTAG_UID, b"0012345678\x00"))
    reader = open_card_reader("pynfc:" + pn532_pad.connstring)
    try:
        assert reader.device_name  # libnfc's name for the opened device
        card = reader.read_card()
        assert (card.uid, card.identifier, card.reader) == (NTAG_UID, "04497622D93881",
                                                            f"pynfc:{pn532_pad.connstring}")
        reader.mapping = IdentifierMapping(mode="block", length=10)
        assert reader.read_card().identifier == "0012345678"
        pn532_pad.place(Iso14443Card(uid=CLASSIC_UID, atqa=b"\x04\x00", sak=0x08, version=None))
        reader.mapping = IdentifierMapping(mode="reversed-decimal", width=10)
        assert reader.read_card().identifier == "4022250974"
        pn532_pad.remove()
        assert reader.read_card(timeout=0.2) is None
    finally:
        reader.close()
    # libnfc really drove the chip: SAMConfiguration, firmware query, auto-poll, data exchange.
    assert {0x14, 0x02, 0x60, 0x40} <= set(pn532_pad.chip.commands)


def test_pynfc_unopenable_device_is_reader_gone() -> None:
    from drivers.cards.pynfc_backend import PynfcCardReader

    with pytest.raises(ReaderGone, match="libnfc could not open 'pn532_uart:/dev/nonexistent'"):
        PynfcCardReader("pn532_uart:/dev/nonexistent")
