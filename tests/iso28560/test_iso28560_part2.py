"""ISO 28560-2 (ISO/IEC 15962 no-directory) encoding and decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iso28560_strategies import part2_data

from iso28560 import DSFID_PART2, CapacityError, EncodeError, TagData, decode, encode
from iso28560.isil import isil_compact

# GB/T 35660.2-2017 (Chinese adoption of ISO 28560-2) complete example, as published in
# DigitalPlatform/dp2 UnitTestRFID/TestChip.cs (Test_chip_example_from, Test_chip_layout_2):
# PII 123456789012 (locked), set 12/3, shelf QA268.L55, owner US-InU-Mu (locked), 9 blocks.
GB_EXAMPLE = bytes.fromhex(
    "91 00 05 1c be 99 1a 14 02 01 d0 14 02 04 b3 46 07 44 1c b6"
    " e2 e3 35 d6 83 02 07 ac c0 9e ba a0 6f 6b 00 00"
)
GB_DATA = TagData("123456789012", owner_institution="US-InU-Mu", parts_in_item=12, part_number=3,
                  shelf_location="QA268.L55")
# Same, plus a locked title "test" (dp2 TestChip.cs Test_chip_layout_3, 11 blocks, map "ww.....wwww").
GB_TITLE_EXAMPLE = bytes.fromhex(
    "91 00 05 1c be 99 1a 14 02 02 d0 02 14 02 04 b3 c6 02 07 44 1c b6 e2 e3"
    " 35 d6 00 00 03 07 ac c0 9e ba a0 6f 6b 7f 02 04 74 65 73 74"
)


def test_decode_published_example() -> None:
    """dp2 TestChip.cs Test_chip_example_from: the four elements come back as published."""
    tag = decode(GB_EXAMPLE)
    assert tag.format == "iso28560-2"
    assert tag.data == GB_DATA
    assert dict(tag.elements) == {
        "primary_item_identifier": "123456789012", "content_parameter": (3, 4, 6),
        "set_information": "1203", "shelf_location": "QA268.L55", "owner_institution": "US-InU-Mu",
    }
    assert tag.warnings == ()


def test_encode_published_example_byte_for_byte() -> None:
    """dp2 Test_chip_layout_2: same bytes, block map "ww....www" = lock blocks 0, 1, 6, 7, 8."""
    encoded = encode(GB_DATA, memory=36, lock=["pii", "owner"])
    assert encoded.memory == GB_EXAMPLE
    assert encoded.lock_blocks == (0, 1, 6, 7, 8)
    assert (encoded.format, encoded.dsfid, encoded.block_size) == ("iso28560-2", DSFID_PART2, 4)


def test_encode_published_example_with_locked_title() -> None:
    """dp2 Test_chip_layout_3: unlocked shelf padded so the locked owner+title run starts a block."""
    data = TagData("123456789012", owner_institution="US-InU-Mu", parts_in_item=12, part_number=3,
                   shelf_location="QA268.L55", title="test")
    encoded = encode(data, memory=44, lock=["pii", "owner", "title"])
    assert encoded.memory == GB_TITLE_EXAMPLE
    assert encoded.lock_blocks == (0, 1, 7, 8, 9, 10)
    assert decode(GB_TITLE_EXAMPLE).data == data


def test_content_parameter_with_trailing_zero_bytes() -> None:
    """dp2 Test_chip_complex_layout_2: a 5-byte content parameter D0 00 00 00 00 is accepted."""
    memory = bytes.fromhex("9100051cbe991a14 0205d000000000 140204b3 4607441cb6e2e335d6"
                           " 830207acc09ebaa06f6b0000")
    tag = decode(memory)
    assert tag.data == GB_DATA
    assert dict(tag.elements)["content_parameter"] == (3, 4, 6)


@pytest.mark.parametrize(
    ("hex_memory", "pii"),
    [
        # dp2 TestRfid.cs test_logicChip_1/2/5 ("zhiyan" vendor tags): 6-bit PII with offset 2.
        ("C102071100B0C30C30CA00000203A80008830203D6593F0000250110370210405F080599A713063F", "DPB000002"),
        ("C102071100B0C30C30D600000203A80008830203D6593F0000250110370210405F080599A713063F", "DPB000005"),
        ("C102071100B0C30C30C600000203A80008830203D6593F0000250110370210405F080599A713063F", "DPB000001"),
    ],
)
def test_vendor_tags_with_numeric_type_of_usage_and_oid_extension(hex_memory: str, pii: str) -> None:
    tag = decode(bytes.fromhex(hex_memory))
    assert tag.format == "iso28560-2"
    assert tag.primary_item_identifier == pii
    assert tag.owner_institution == "ZYLS"  # ISIL compaction D6 59 3F
    assert tag.type_of_usage == 0x10  # written as numeric (BCD) "10": 25 01 10
    assert tag.data.onix_media_format == "BA"  # 5-bit
    assert tag.data.alternative_owner_institution == "Lib01"  # OID 23 via extension byte 08, 7-bit
    assert dict(tag.elements)["content_parameter"] == (3, 5, 7, 23)
    assert tag.warnings == ()


def test_vendor_tag_with_octet_type_of_usage_and_empty_owner() -> None:
    """dp2 TestRfid.cs test_logicChip_7 ("ganchuang"): offset 2 after the PII, owner of length 0."""
    memory = bytes.fromhex("91020312D68700000201B80300650110660100670100" + "00" * 40)
    tag = decode(memory)
    assert tag.primary_item_identifier == "1234567"
    assert tag.type_of_usage == 0x10  # octet string 65 01 10
    assert tag.owner_institution is None
    assert dict(tag.elements)["owner_institution"] == ""


def test_integer_pii_then_terminator() -> None:
    """dp2 TestRfid.cs test_logicChip_3 ("jiangxi jingyuan"): 11 03 0A A8 AE then zeros."""
    tag = decode(bytes.fromhex("11030AA8AE" + "00" * 35))
    assert tag.primary_item_identifier == "698542"
    assert tag.elements == (("primary_item_identifier", "698542"),)


def test_decoding_stops_at_the_zero_precursor() -> None:
    memory = encode(TagData("12345678")).memory + b"\x00" + b"\xde\xad\xbe\xef"
    tag = decode(memory, DSFID_PART2)
    assert tag.elements == (("primary_item_identifier", "12345678"),)
    assert tag.warnings == ()


def _french_owner_bits() -> str:
    """FR-751131010 with the ISIL code tables: F R in upper, latch digit (11110), then "-" as 1010
    and the 9 digits in the 4-bit set (55 bits, the shortest spelling), one 1-bit of fill."""
    upper = "".join(f"{ord(c) - 64:05b}" for c in "FR") + "11110"
    return upper + "1010" + "".join(f"{int(d):04b}" for d in "751131010") + "1"


def test_typical_french_tag_bytes() -> None:
    data = TagData("1234567890123", owner_institution="FR-751131010", type_of_usage=0x10)
    owner = int(_french_owner_bits(), 2).to_bytes(7, "big")
    assert isil_compact("FR-751131010") == owner
    expected = (bytes([0x11, 6]) + (1234567890123).to_bytes(6, "big")  # integer PII
                + bytes([0x02, 1, 0b11100000])  # content parameter: OIDs 3, 4, 5
                + bytes([0x03, 7]) + owner  # ISIL compaction
                + bytes([0x14, 1, 11])  # set "11" as integer
                + bytes([0x05, 1, 0x10]))  # type of usage, one byte
    encoded = encode(data, include_set=True)
    assert encoded.memory == expected + bytes(-len(expected) % 4)
    assert decode(encoded.memory).data == data


def test_set_information_written_only_for_sets_by_default() -> None:
    single = encode(TagData("12345678")).memory
    assert decode(single).elements == (("primary_item_identifier", "12345678"),)
    part = decode(encode(TagData("12345678", parts_in_item=3, part_number=2)).memory)
    assert dict(part.elements)["set_information"] == "32"
    assert (part.data.parts_in_item, part.data.part_number) == (3, 2)
    big = decode(encode(TagData("12345678", parts_in_item=120, part_number=7)).memory)
    assert dict(big.elements)["set_information"] == "120007"


def test_oid_extension_for_unnamed_and_high_oids() -> None:
    data = TagData("1234", local_data_c="X", extra=(("oid_40", b"\x01\x02"),))
    tag = decode(encode(data).memory, DSFID_PART2)
    assert tag.data.local_data_c == "X"
    assert ("oid_40", b"\x01\x02") in tag.data.extra
    memory = encode(data).memory
    assert bytes([0x6F, 40 - 15, 2, 1, 2]) in memory  # octet, OID 15 + 25 = 40


def test_lock_alignment_on_slix() -> None:
    data = TagData("1234567890123", owner_institution="FR-751131010", type_of_usage=0x10,
                   shelf_location="R DUP")
    encoded = encode(data, lock=["pii", "owner"])
    by_name = {span.name: span for span in encoded.layout}
    for name in ("primary_item_identifier", "owner_institution"):
        span = by_name[name]
        assert span.locked and span.start % 4 == 0 and span.end % 4 == 0
    owner_blocks = range(by_name["owner_institution"].start // 4, len(encoded.memory) // 4)
    assert encoded.lock_blocks == (0, 1, *owner_blocks)
    assert decode(encoded.memory).data == data


def test_capacity_error_names_the_overflowing_element() -> None:
    data = TagData("1234567890123", owner_institution="FR-751131010", title="Le Petit Prince " * 8)
    with pytest.raises(CapacityError) as info:
        encode(data, memory="slix")
    assert info.value.element == "title"
    assert "112" in str(info.value)
    assert len(encode(data, memory="slix2").memory) <= 316


@pytest.mark.parametrize(
    ("data", "element", "fragment"),
    [
        (TagData("12 34"), "primary_item_identifier", "' ' at position 2"),
        (TagData(""), "primary_item_identifier", "empty"),
        (TagData("1234", parts_in_item=0, part_number=0), "set_information", "at least 1"),
        (TagData("1234", parts_in_item=2, part_number=3), "set_information", "above"),
        (TagData("1234", parts_in_item=1000, part_number=1), "set_information", "at most 999"),
        (TagData("1234", type_of_usage=0x100), "type_of_usage", "one-byte"),
        (TagData("1234", owner_institution="FR751131010"), "owner_institution", "hyphen"),
        (TagData("1234", ill_borrowing_institution="FR-a b"), "ill_borrowing_institution", "' '"),
        (TagData("1234", title="x" * 300), "title", "at most 255"),
        (TagData("1234", extra=(("nonsense", b"1"),)), "nonsense", "oid_"),
    ],
)
def test_encoder_errors_name_the_element(data: TagData, element: str, fragment: str) -> None:
    with pytest.raises(EncodeError) as info:
        encode(data, memory="slix2")
    assert info.value.element == element
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "element"),
    [({"lock": ["colour"]}, "lock"), ({"lock": ["title"]}, "lock"), ({"memory": "tiny"}, "memory"),
     ({"memory": 2}, "memory"), ({"format": "iso28560-9"}, "format")],
)
def test_encode_argument_errors(kwargs: dict, element: str) -> None:
    with pytest.raises(EncodeError) as info:
        encode(TagData("1234"), **kwargs)
    assert info.value.element == element


def test_faults_after_a_valid_pii_are_warnings() -> None:
    good = encode(TagData("1234567890123", owner_institution="FR-751131010")).memory
    truncated = decode(good[:12], DSFID_PART2)
    assert truncated.primary_item_identifier == "1234567890123"
    assert any(w.startswith("truncated") for w in truncated.warnings)
    duplicated = decode(good.rstrip(b"\x00") + bytes([0x11, 1, 5]), DSFID_PART2)
    assert any(w.startswith("duplicate-element") for w in duplicated.warnings)
    bad_numeric = decode(bytes([0x11, 1, 5, 0x26, 1, 0xAB]), DSFID_PART2)
    assert any(w.startswith("undecodable-element: shelf_location") for w in bad_numeric.warnings)
    assert ("shelf_location", b"\xab") in bad_numeric.data.extra


def test_content_parameter_mismatch_is_reported() -> None:
    memory = bytes([0x11, 1, 5, 0x02, 1, 0b01000000, 0x03, 1, 0x08])  # lists set info, has owner
    tag = decode(memory, DSFID_PART2)
    assert any(w.startswith("content-parameter-mismatch") for w in tag.warnings)


@given(part2_data(), st.booleans())
def test_round_trip(data: TagData, include_set: bool) -> None:
    encoded = encode(data, memory=4096, include_set=include_set)
    assert len(encoded.memory) % 4 == 0
    tag = decode(encoded.memory, DSFID_PART2)
    assert tag.format == "iso28560-2"
    assert tag.data == data
    assert not [w for w in tag.warnings if not w.startswith("content-parameter")]


@given(part2_data(), st.sets(st.sampled_from(["pii", "owner", "usage", "title", "shelf", "set"])))
def test_locked_elements_own_whole_blocks(data: TagData, wanted: set[str]) -> None:
    encoded = encode(data, memory=4096, include_set=True)
    names = {span.name for span in encoded.layout}
    alias = {"pii": "primary_item_identifier", "owner": "owner_institution", "usage": "type_of_usage",
             "title": "title", "shelf": "shelf_location", "set": "set_information"}
    lock = [name for name in wanted if alias[name] in names]
    encoded = encode(data, memory=4096, include_set=True, lock=lock)
    locked_bytes = {b for s in encoded.layout if s.locked for b in range(s.start, s.end)}
    assert {b // 4 for b in locked_bytes} == set(encoded.lock_blocks)
    for span in encoded.layout:
        touched = set(range(span.start // 4, (span.end - 1) // 4 + 1))
        assert span.locked == bool(touched & set(encoded.lock_blocks))
        if span.locked:
            assert span.start % 4 == 0 or (span.start - 1) in locked_bytes
    assert decode(encoded.memory, DSFID_PART2).data == data
