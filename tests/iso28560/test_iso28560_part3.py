"""ISO 28560-3 fixed-length basic block, extension blocks and vendor deviations."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from iso28560_strategies import isils

from iso28560 import DSFID_PART3, CapacityError, EncodeError, TagData, decode, encode
from iso28560.part3 import basic_crc, reverse_blocks

# GallusMax/libdanrfid DDMDataTest / CRCTest: barcode 11223344, ISIL DE + 705, CRC 0x3E51 (51 3E).
DANISH = bytes.fromhex("11010131313232333334340000000000000000513e4445373035000000000000")


def _with_crc(image: bytes | bytearray) -> bytes:
    image = bytearray(image)
    crc = basic_crc(bytes(image), 34 if len(image) >= 34 else 32)
    image[19], image[20] = crc & 0xFF, crc >> 8
    return bytes(image)


def test_decode_libdanrfid_vector() -> None:
    tag = decode(DANISH)
    assert tag.format == "iso28560-3"
    assert tag.crc_ok is True
    assert tag.primary_item_identifier == "11223344"
    assert tag.owner_institution == "DE-705"
    assert (tag.data.parts_in_item, tag.data.part_number, tag.type_of_usage) == (1, 1, 0x10)
    assert tag.warnings == ()


def test_encode_reproduces_libdanrfid_vector_in_32_byte_form() -> None:
    data = TagData("11223344", owner_institution="DE-705", type_of_usage=0x11)
    encoded = encode(data, format="iso28560-3", basic_block=32)
    assert encoded.memory == DANISH
    assert (encoded.dsfid, encoded.lock_blocks) == (DSFID_PART3, ())


def test_34_byte_form_and_crc_position() -> None:
    data = TagData("1234567890123", owner_institution="FR-751131010", type_of_usage=0x10)
    memory = encode(data, format="iso28560-3").memory
    assert len(memory) == 36
    assert memory[0] == 0x11 and memory[3:19] == b"1234567890123\x00\x00\x00"
    assert memory[21:34] == b"FR751131010\x00\x00"
    assert memory[19] | memory[20] << 8 == basic_crc(memory, 34)
    assert decode(memory).data == data


def test_bytes_reversed_in_each_block() -> None:
    """FKI encoders (libdanrfid DDMfindings "revertierte Blöcke"): found through the CRC."""
    tag = decode(reverse_blocks(DANISH))
    assert tag.primary_item_identifier == "11223344" and tag.crc_ok
    assert [w.split(":")[0] for w in tag.warnings] == ["bytes-reversed-per-block"]


def test_nibbles_swapped() -> None:
    """Bibliotheca writes 0x21 for "version 1, not for circulation" (libdanrfid DDMData)."""
    tag = decode(_with_crc(b"\x21" + DANISH[1:]))
    assert tag.format == "iso28560-3"
    assert tag.type_of_usage == 0x20
    assert [w.split(":")[0] for w in tag.warnings] == ["nibbles-swapped"]


def test_part_number_above_parts_read_as_swapped() -> None:
    image = _with_crc(DANISH[:1] + bytes([1, 3]) + DANISH[3:])
    tag = decode(image)
    assert (tag.data.parts_in_item, tag.data.part_number) == (3, 1)
    assert [w.split(":")[0] for w in tag.warnings] == ["part-number-above-parts", "parts-swapped"]


def test_crc_missing_and_wrong() -> None:
    """libdanrfid DDMDataTest.testIsValid: the same block without CRC is "not valid" but readable."""
    missing = decode(DANISH[:19] + b"\x00\x00" + DANISH[21:])
    assert missing.format == "iso28560-3" and missing.crc_ok is False
    assert missing.primary_item_identifier == "11223344"
    assert [w.split(":")[0] for w in missing.warnings] == ["crc-missing"]
    wrong = decode(DANISH[:19] + b"\x12\x34" + DANISH[21:])
    assert wrong.crc_ok is False
    assert wrong.warnings == ("crc-wrong: stored 0x3412, computed 0x3E51",)


def test_country_repeated_in_library_id() -> None:
    """libdanrfid DDMfindings: "DK in ISIL wiederholt"; a repeated "DK-" is removed, bare "DK" kept."""
    kept = decode(_with_crc(DANISH[:21] + b"DKDK710100" + bytes(3)))
    assert kept.owner_institution == "DK-DK710100"
    assert [w.split(":")[0] for w in kept.warnings] == ["country-repeated-in-isil"]
    stripped = decode(_with_crc(DANISH[:21] + b"DKDK-710100" + bytes(2)))
    assert stripped.owner_institution == "DK-710100"
    assert [w.split(":")[0] for w in stripped.warnings] == ["country-repeated-in-isil"]


def test_extension_blocks() -> None:
    data = TagData("12345", owner_institution="DK-710100", type_of_usage=0x10, title="Kongens Fald",
                   extra=(("part3_extension_2", b"\x01\x02\x03"),))
    memory = encode(data, format="iso28560-3").memory
    title_block = bytes([16, 4, 0]) + b"\x00" + b"Kongens Fald"
    assert memory[34] == 16 and memory[35:37] == b"\x04\x00"
    checksum = 0
    for byte in memory[34:50]:
        checksum ^= byte
    assert checksum == 0 and memory[38:50] == title_block[4:]
    tag = decode(memory)
    assert tag.data == data
    assert tag.extensions == ((4, b"Kongens Fald"), (2, b"\x01\x02\x03"))


def test_extension_filler_and_damage() -> None:
    base = bytearray(encode(TagData("12345", title="T"), format="iso28560-3").memory)
    base[34:34] = b"\x01\x01"  # two filler bytes before the title block
    tag = decode(bytes(base), DSFID_PART3)
    assert tag.data.title == "T" and tag.warnings == ()
    base[39] ^= 0xFF  # damage the title payload
    assert any(w.startswith("extension-checksum") for w in decode(bytes(base), DSFID_PART3).warnings)
    short = bytes(base[:36]) + b"\x09\x04\x00"
    assert any(w.startswith("extension-truncated") for w in decode(short, DSFID_PART3).warnings)


@pytest.mark.parametrize(
    ("data", "kwargs", "element", "fragment"),
    [
        (TagData("12345678901234567"), {}, "primary_item_identifier", "at most 16"),
        (TagData("1234", owner_institution="ZDB-1"), {}, "owner_institution", "2-letter country"),
        (TagData("1", owner_institution="FR-1234567890"), {"basic_block": 32}, "owner_institution", "9"),
        (TagData("1234", shelf_location="R DUP"), {}, "shelf_location", "iso28560-2"),
        (TagData("1234", parts_in_item=300, part_number=1), {}, "set_information", "at most 255"),
        (TagData("1234", title="T"), {"basic_block": 32}, "title", "34-byte"),
        (TagData("1234"), {"basic_block": 40}, "basic_block", "32 or 34"),
        (TagData("1234"), {"lock": ["pii"]}, "lock", "CRC"),
        (TagData("1234", title="x" * 200), {}, "title", "tag holds 112"),
    ],
)
def test_encoder_errors(data: TagData, kwargs: dict, element: str, fragment: str) -> None:
    with pytest.raises(EncodeError) as info:
        encode(data, format="iso28560-3", **kwargs)
    assert info.value.element == element
    assert fragment in str(info.value)
    if "tag holds" in fragment:
        assert isinstance(info.value, CapacityError)


@given(
    pii=st.text("".join(chr(c) for c in range(0x21, 0x7F)), min_size=1, max_size=16),
    owner=st.none() | isils(country_only=True),
    usage=st.none() | st.integers(0, 255),
    parts=st.integers(1, 255),
    data=st.data(),
    title=st.none() | st.text(min_size=1, max_size=60).filter(lambda t: not t.endswith("\x00")),
    form=st.sampled_from([32, 34]),
)
def test_round_trip(pii: str, owner: str | None, usage: int | None, parts: int, data: st.DataObject,
                    title: str | None, form: int) -> None:
    part = data.draw(st.integers(1, parts))
    assume(form == 34 or title is None)
    if owner:
        country, library = owner.split("-", 1)
        assume(not library.startswith(country))
        assume(form == 34 or len(library) <= 9)
    tag_data = TagData(pii, owner_institution=owner, parts_in_item=parts, part_number=part,
                       type_of_usage=usage, title=title)
    memory = encode(tag_data, format="iso28560-3", basic_block=form, memory="slix2").memory
    tag = decode(memory)
    assert tag.format == "iso28560-3" and tag.crc_ok
    expected_usage = 0x10 if usage is None else usage & 0xF0
    assert tag.data == TagData(pii, owner_institution=owner, parts_in_item=parts, part_number=part,
                               type_of_usage=expected_usage, title=title)
    assert tag.warnings == ()


def test_rfidgeek_writer_layout_is_read_as_swapped_set() -> None:
    """scriptotek/pyrfidgeek write_danish_model_tag: byte 0 = 0x11, byte 1 = part number, byte 2 =
    number of parts (the reverse of ISO 28560-3), ISIL country at 21-22, library from 23, CRC over
    bytes 0-18 and 21-31 plus two 0x00, stored LSB first. Part 2 of 3 must come back as part 2 of 3."""
    image = bytearray(32)
    image[0:3] = bytes([0x11, 2, 3])
    image[3:11] = b"03010822"
    image[21:23] = b"NO"
    image[23:30] = b"0030100"
    crc = basic_crc(bytes(image), 32)
    image[19:21] = bytes([crc & 0xFF, crc >> 8])
    tag = decode(bytes(image))
    assert tag.crc_ok and tag.owner_institution == "NO-0030100"
    assert (tag.data.parts_in_item, tag.data.part_number) == (3, 2)
    assert "parts-swapped" in [w.split(":")[0] for w in tag.warnings]
