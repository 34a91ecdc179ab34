"""Card UID → patron identifier conventions, config validation, and the presence debouncer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.cards import CardPresence, CardRead
from drivers.cards.mapping import CardConfigError, CardDataError, IdentifierMapping
from drivers.errors import ReaderError

# The UID nfcpy's documentation shows for a Type 2 card: "106A sdd_res=04497622D93881".
NFCPY_DOC_UID = bytes.fromhex("04497622D93881")
MIFARE_4B = bytes.fromhex("DEADBEEF")


@pytest.mark.parametrize(("mode", "expected"), [
    ("hex", "04497622D93881"),
    ("reversed-hex", "8138D922764904"),
    ("decimal", str(0x04497622D93881)),
    ("reversed-decimal", str(0x8138D922764904)),
])
def test_uid_conventions(mode: str, expected: str) -> None:
    assert IdentifierMapping(mode=mode).identifier(NFCPY_DOC_UID) == expected


def test_four_byte_uid_as_keyboard_readers_print_it() -> None:
    # Desktop readers in keyboard mode type the little-endian integer of a 4-byte UID, zero-padded to 10.
    mapping = IdentifierMapping(mode="reversed-decimal", width=10)
    assert mapping.identifier(MIFARE_4B) == "4022250974"
    assert IdentifierMapping(mode="decimal", width=12).identifier(bytes.fromhex("00000001")) == "000000000001"


def test_lowercase_and_prefix() -> None:
    mapping = IdentifierMapping(mode="hex", uppercase=False, prefix="C")
    assert mapping.identifier(MIFARE_4B) == "Cdeadbeef"


def test_block_mode_ascii_with_offset_inside_a_page() -> None:
    mapping = IdentifierMapping(mode="block", block=4, offset=2, length=8)
    assert mapping.data_range() == (4, 3)  # bytes 18..25 span pages 4, 5 and 6
    data = b"\x00\x0029900012\xff\xff"
    assert mapping.identifier(MIFARE_4B, data) == "29900012"


def test_block_mode_strips_padding_and_rejects_binary() -> None:
    mapping = IdentifierMapping(mode="block", length=8)
    assert mapping.identifier(b"x", b"  A123\x00\x00") == "A123"
    with pytest.raises(CardDataError, match="blank"):
        mapping.identifier(b"x", b"\x00" * 8)
    with pytest.raises(CardDataError, match="not ASCII"):
        mapping.identifier(b"x", b"AB\x01CD\x00\x00\x00")
    with pytest.raises(CardDataError, match="too short"):
        mapping.identifier(b"x", b"AB")
    with pytest.raises(CardDataError, match="not read"):
        mapping.identifier(b"x")


def test_block_mode_hex_and_decimal() -> None:
    hex_mapping = IdentifierMapping(mode="block", length=3, encoding="hex")
    assert hex_mapping.identifier(b"", b"\x01\xab\xff") == "01ABFF"
    assert IdentifierMapping(mode="block", length=2, encoding="decimal", width=6).identifier(
        b"", b"\x01\x00") == "000256"


def test_from_config_accepts_a_toml_table() -> None:
    mapping = IdentifierMapping.from_config({"mode": "reversed-decimal", "width": 10})
    assert mapping == IdentifierMapping(mode="reversed-decimal", width=10)


@pytest.mark.parametrize(("table", "message"), [
    ({"mode": "octal"}, r"cards\.mapping\.mode: 'octal' is not one of"),
    ({"mode": 3}, r"cards\.mapping\.mode: expected str"),
    ({"width": True}, r"cards\.mapping\.width: expected int"),
    ({"width": 99}, r"cards\.mapping\.width: 99 must be"),
    ({"colour": "red"}, r"cards\.mapping\.colour: unknown setting"),
    ({"encoding": "utf-16"}, r"cards\.mapping\.encoding"),
])
def test_from_config_errors_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(CardConfigError, match=message):
        IdentifierMapping.from_config(table)


def test_config_error_is_a_user_facing_reader_error() -> None:
    assert issubclass(CardConfigError, ReaderError)
    assert issubclass(CardDataError, ReaderError)


@given(st.sampled_from(["hex", "reversed-hex", "decimal", "reversed-decimal", "block"]),
       st.binary(max_size=12), st.binary(max_size=40), st.sampled_from(["ascii", "hex", "decimal"]))
def test_identifier_raises_only_card_data_errors(mode: str, uid: bytes, data: bytes, encoding: str) -> None:
    mapping = IdentifierMapping(mode=mode, length=8, encoding=encoding)
    try:
        result = mapping.identifier(uid, data)
    except CardDataError:
        return
    assert isinstance(result, str) and result


def test_card_read_repr_masks_the_identifier() -> None:
    read = CardRead("29900012345678", MIFARE_4B, "iso14443a", "test")
    assert "29900012345678" not in repr(read)
    assert "…5678" in repr(read)
    assert read.uid_hex == "DEADBEEF"


def test_presence_reports_each_presentation_once() -> None:
    presence = CardPresence(absent_after=1.0)
    card = CardRead("1", MIFARE_4B, "iso14443a")
    other = CardRead("2", NFCPY_DOC_UID, "iso14443a")
    assert presence.update(card, 0.0) is card
    assert presence.update(card, 0.2) is None  # still lying there
    assert presence.update(None, 0.5) is None  # one missed poll is not a removal
    assert presence.update(card, 0.6) is None
    assert presence.update(other, 0.7) is other  # swapped card
    assert presence.update(None, 2.0) is None and presence.present is None
    assert presence.update(other, 2.1) is other  # presented again after leaving
