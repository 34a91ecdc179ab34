"""Format detection: decode() recognises every model, and never raises on arbitrary bytes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iso28560 import DSFID_PART2, DSFID_PART3, DecodedTag, TagData, decode, encode
from iso28560.part3 import reverse_blocks

FORMATS = {"iso28560-2", "iso28560-3", "3m-rfid501", "blank", "unknown"}

# dpavlin/Biblio-RFID t/05-RFID501.t: two 3M "RFID 501" tags, 8 blocks each.
THREE_M_1 = (b"\x04\x11\x00\x00" + b"2009" + b"0101" + b"0123" + bytes(4)
             + b"\xff" * 4 + b"\x7f\xff\xff\xff" + bytes(4))
THREE_M_2 = b"\x04\x11\x00\x01" + b"1302" + b"0037" + b"67\x00\x00" + bytes(16)
DANISH = bytes.fromhex("11010131313232333334340000000000000000513e4445373035000000000000")
GB_EXAMPLE = bytes.fromhex("9100051cbe991a140201d0140204b34607441cb6e2e335d6830207acc09ebaa06f6b0000")


def test_3m_rfid501_items() -> None:
    first = decode(THREE_M_1)
    assert first.format == "3m-rfid501"
    assert first.primary_item_identifier == "200901010123"
    elements = dict(first.elements)
    assert (elements["3m_item_type"], elements["3m_branch"], elements["3m_library"]) == (0, 0xFFF, 0xFFFFF)
    assert elements["3m_custom"] == 0x7FFFFFFF
    second = decode(THREE_M_2)
    assert second.primary_item_identifier == "1302003767"
    assert dict(second.elements)["3m_item_type_label"] == "book"
    assert (second.data.parts_in_item, second.data.part_number) == (1, 1)


@pytest.mark.parametrize(
    ("memory", "fragment"),
    [(bytes(112), "0x00"), (b"\xff" * 112, "0xFF"), (b"\x55" * 24 + bytes(4), "3M manufacturing blank")],
)
def test_blank(memory: bytes, fragment: str) -> None:
    tag = decode(memory)
    assert tag.format == "blank" and tag.data is None
    assert fragment in tag.reason


def test_unknown_says_why() -> None:
    tag = decode(b"Hello, world! This is not a tag.")
    assert tag.format == "unknown" and tag.data is None
    assert tag.raw == b"Hello, world! This is not a tag."
    assert "truncated" in tag.reason
    assert decode(b"").reason == "empty memory image: nothing was read"
    assert decode("91 00").reason == "not a byte string: str"  # type: ignore[arg-type]


def test_each_model_is_recognised_without_hint() -> None:
    assert decode(GB_EXAMPLE).format == "iso28560-2"
    assert decode(DANISH).format == "iso28560-3"
    assert decode(reverse_blocks(DANISH)).format == "iso28560-3"
    assert decode(THREE_M_1).format == "3m-rfid501"
    french = TagData("1234567890123", owner_institution="FR-751131010", type_of_usage=0x10)
    for fmt in ("iso28560-2", "iso28560-3"):
        memory = encode(french, format=fmt).memory
        padded = memory + bytes(112 - len(memory))
        assert decode(padded).format == fmt
        assert decode(padded).primary_item_identifier == "1234567890123"


def test_dsfid_hint_and_mismatch() -> None:
    assert decode(GB_EXAMPLE, DSFID_PART2).warnings == ()
    tag = decode(DANISH, DSFID_PART2)
    assert tag.format == "iso28560-3"
    assert tag.warnings[-1].startswith("dsfid-mismatch: DSFID 0x06 announces iso28560-2")
    assert decode(DANISH, DSFID_PART3).warnings == ()
    assert decode(bytes(32), DSFID_PART2).warnings == ()  # blank tags carry no data to contradict


def test_part3_without_crc_is_still_part3_not_part2() -> None:
    """0x11 is also a part-2 precursor; the plausible basic block wins over a broken part-2 parse."""
    tag = decode(DANISH[:19] + b"\x00\x00" + DANISH[21:])
    assert tag.format == "iso28560-3"
    assert tag.primary_item_identifier == "11223344"


@given(st.binary(max_size=140), st.none() | st.integers(0, 255))
def test_arbitrary_bytes_never_raise(memory: bytes, dsfid: int | None) -> None:
    _check(decode(memory, dsfid), memory)


def _check(tag: DecodedTag, memory: bytes) -> None:
    assert isinstance(tag, DecodedTag)
    assert tag.format in FORMATS
    assert tag.raw == memory
    assert (tag.data is None) == (tag.format in ("blank", "unknown"))
    assert not (tag.reason or "").startswith("internal error")
    if tag.format == "iso28560-3":
        assert isinstance(tag.crc_ok, bool)


def _seeds() -> list[bytes]:
    french = TagData("1234567890123", owner_institution="FR-751131010", type_of_usage=0x10, title="Titre")
    return [
        GB_EXAMPLE, DANISH, reverse_blocks(DANISH), THREE_M_1, THREE_M_2,
        encode(french, include_set=True, lock=["pii", "owner"]).memory,
        encode(french, format="iso28560-3").memory,
        bytes.fromhex("C102071100B0C30C30CA00000203A80008830203D6593F0000250110370210405F080599A713063F"),
        bytes.fromhex("7f0204746573747f0b0141"),
    ]


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    image = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        position = rng.randrange(len(image) + 1)
        if choice < 0.4 and image:
            image[min(position, len(image) - 1)] = rng.choice((0x00, 0x0F, 0x80, 0xFF, rng.randrange(256)))
        elif choice < 0.6:
            del image[position:]
        elif choice < 0.8:
            image[position:position] = rng.randbytes(rng.randint(1, 6))
        elif image:
            image[position:position] = image[:rng.randint(1, len(image))]
    return bytes(image)


@pytest.mark.slow
def test_fuzz_100000_random_and_mutated_images() -> None:
    rng = random.Random(28560)
    seeds = _seeds()
    dsfids = (None, DSFID_PART2, DSFID_PART3, 0x00)
    seen = set()
    for index in range(100_000):
        if index % 4 == 0:
            memory = rng.randbytes(rng.randrange(130))
        else:
            memory = _mutate(rng, seeds[index % len(seeds)])
        tag = decode(memory, dsfids[index % 4])
        _check(tag, memory)
        seen.add(tag.format)
    assert seen == FORMATS  # the mutations reach every branch of the detector
