"""ISO 15693 air frames built by the host: CRC, NXP (FAST) INVENTORY READ requests and answers.

Expected request bytes are written out by hand from the ISO 15693-3 request flags
(bit 2 high data rate 0x02, bit 3 inventory 0x04, bit 5 AFI 0x10, bit 6 one slot 0x20,
bit 7 option 0x40) and the NXP layout ``flags A0|A1 04 [AFI] mask-length mask first
blocks-1`` (mask LSB first). Answers are checked against hand-built frames and against
the tag model of the simulators (``SlixTag.handle``), which implements the chip side.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers import iso15693
from drivers.iso15693 import FrameError, InventoryReadRequest, parse_answer, split_slot_answers, strip_crc
from simulators.tags import SlixTag, make_uid

UID = bytes.fromhex("E004015012345678")  # label order; on the air 78 56 34 12 50 01 04 E0
UID_AIR_HEX = "78 56 34 12 50 01 04 E0"
DATA = bytes.fromhex("11223344 55667788")  # blocks 0 and 1


def ok(hex_text: str) -> bytes:
    """A tag answer without CRC: flags 00, then the bytes given."""
    return b"\x00" + bytes.fromhex(hex_text)


# -- CRC --------------------------------------------------------------------------------------------

def test_crc_is_x25_with_the_catalogue_check_value() -> None:
    assert iso15693.crc(b"123456789") == 0x906E  # CRC-16/X-25 check value (CRC catalogue)
    assert iso15693.crc(b"") == 0x0000


def test_crc_travels_lsb_first() -> None:
    assert iso15693.with_crc(b"123456789") == b"123456789" + bytes([0x6E, 0x90])
    # The ISO 15693 inventory request found in reader application notes: 26 01 00, CRC F6 0A.
    assert iso15693.with_crc(bytes.fromhex("260100")) == bytes.fromhex("260100F60A")


def test_strip_crc_returns_the_body() -> None:
    assert strip_crc(bytes.fromhex("260100F60A")) == bytes.fromhex("260100")
    assert strip_crc(iso15693.with_crc(b"\x00")) == b"\x00"


@pytest.mark.parametrize("frame, message", [
    (b"", "answer of 0 bytes is too short to carry a CRC"),
    (b"\xF6\x0A", "answer of 2 bytes is too short to carry a CRC"),
    (bytes.fromhex("260100F60B"), "CRC 0BF6 does not match 0AF6"),
    (bytes.fromhex("270100F60A"), "does not match"),
])
def test_strip_crc_errors(frame: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        strip_crc(frame)


def test_frame_error_is_a_value_error() -> None:
    assert issubclass(FrameError, ValueError)


# -- requests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("request_, expected", [
    # 0x02 | 0x04 | 0x10 | 0x20 | 0x40 = 0x76; A1 04, AFI 07, mask length 00, block 00, 8 blocks → 07
    (InventoryReadRequest(0, 8, afi=0x07), "76 A1 04 07 00 00 07"),
    # one slot, no AFI: 0x02 | 0x04 | 0x20 | 0x40 = 0x66
    (InventoryReadRequest(0, 8), "66 A1 04 00 00 07"),
    # 16 slots, no AFI, INVENTORY READ (not FAST): 0x02 | 0x04 | 0x40 = 0x46
    (InventoryReadRequest(0, 8, fast=False, one_slot=False), "46 A0 04 00 00 07"),
    # 16 slots with AFI C2: 0x56
    (InventoryReadRequest(2, 1, afi=0xC2, one_slot=False), "56 A1 04 C2 00 02 00"),
    # mask of 12 bits 0xABC travels LSB first in 2 bytes: BC 0A
    (InventoryReadRequest(3, 2, mask_bits=12, mask=0xABC), "66 A1 04 0C BC 0A 03 01"),
    # mask of 4 bits in a 16-slot round with AFI 07: one mask byte 08
    (InventoryReadRequest(0, 4, afi=0x07, one_slot=False, mask_bits=4, mask=0x8), "56 A1 04 07 04 08 00 03"),
    # full 64-bit mask (one slot), 256 blocks from block 0 → count byte FF
    (InventoryReadRequest(0, 256, mask_bits=64, mask=0xE004015012345678),
     "66 A1 04 40 78 56 34 12 50 01 04 E0 00 FF"),
])
def test_request_encoding(request_: InventoryReadRequest, expected: str) -> None:
    assert request_.encode() == bytes.fromhex(expected)


def test_request_command_and_sizes() -> None:
    assert InventoryReadRequest(0, 1).command == 0xA1
    assert InventoryReadRequest(0, 1, fast=False).command == 0xA0
    # (known bits, UID bytes returned, answer bytes) for 8 blocks
    cases = {
        InventoryReadRequest(0, 8): (0, 8, 41),
        InventoryReadRequest(0, 8, mask_bits=8, mask=1): (8, 7, 40),
        InventoryReadRequest(0, 8, mask_bits=12, mask=1): (12, 7, 40),
        InventoryReadRequest(0, 8, mask_bits=16, mask=1): (16, 6, 39),
        InventoryReadRequest(0, 8, one_slot=False): (4, 8, 41),
        InventoryReadRequest(0, 8, one_slot=False, mask_bits=4): (8, 7, 40),
        InventoryReadRequest(0, 8, one_slot=False, mask_bits=60): (64, 0, 33),
        InventoryReadRequest(0, 8, mask_bits=64): (64, 0, 33),
    }
    for request, expected in cases.items():
        assert (request.known_bits, request.uid_bytes, request.answer_bytes) == expected, request


@pytest.mark.parametrize("kwargs, message", [
    (dict(first_block=256, blocks=1), "first block must be 0..255, got 256"),
    (dict(first_block=-1, blocks=1), "first block must be 0..255, got -1"),
    (dict(first_block=0, blocks=0), "cannot read 0 blocks from block 0"),
    (dict(first_block=0, blocks=257), "cannot read 257 blocks from block 0"),
    (dict(first_block=250, blocks=7), "cannot read 7 blocks from block 250"),
    (dict(first_block=0, blocks=1, afi=0x100), "AFI must be a byte \\(0..255\\), got 256"),
    (dict(first_block=0, blocks=1, afi=-1), "AFI must be a byte"),
    (dict(first_block=0, blocks=1, mask_bits=65), "mask length must be 0..64 bits, got 65"),
    (dict(first_block=0, blocks=1, mask_bits=61, one_slot=False), "mask length must be 0..60 bits, got 61"),
    (dict(first_block=0, blocks=1, mask_bits=-1), "mask length must be 0..64 bits, got -1"),
    (dict(first_block=0, blocks=1, mask_bits=4, mask=0x10), "mask 0x10 does not fit in 4 bits"),
    (dict(first_block=0, blocks=1, mask=1), "mask 0x1 does not fit in 0 bits"),
    (dict(first_block=0, blocks=1, mask_bits=8, mask=-1), "mask -0x1 does not fit in 8 bits"),
])
def test_request_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InventoryReadRequest(**kwargs)


def test_request_range_limits_accepted() -> None:
    assert InventoryReadRequest(255, 1).encode()[-2:] == bytes([0xFF, 0x00])
    assert InventoryReadRequest(0, 256).encode()[-2:] == bytes([0x00, 0xFF])


# -- answers built by hand --------------------------------------------------------------------------

def test_one_slot_without_mask_returns_the_whole_uid() -> None:
    request = InventoryReadRequest(0, 2)
    answer = parse_answer(request, ok(UID_AIR_HEX) + DATA)
    assert (answer.uid, answer.data) == (UID, DATA)


def test_one_slot_mask_of_8_bits() -> None:
    request = InventoryReadRequest(0, 2, mask_bits=8, mask=0x78)
    answer = parse_answer(request, ok("56 34 12 50 01 04 E0") + DATA)
    assert (answer.uid, answer.data) == (UID, DATA)


def test_one_slot_mask_of_12_bits_gets_uid_bits_instead_of_padding() -> None:
    # Mask 0x678: the first UID byte (78) and the low nibble of the second (6); the tag returns
    # from the second byte on, its high nibble (5) included: 56 34 12 50 01 04 E0.
    request = InventoryReadRequest(0, 2, mask_bits=12, mask=0x678)
    answer = parse_answer(request, ok("56 34 12 50 01 04 E0") + DATA)
    assert (answer.uid, answer.data) == (UID, DATA)


def test_sixteen_slots_without_mask_returns_the_whole_uid() -> None:
    request = InventoryReadRequest(0, 2, one_slot=False)
    answer = parse_answer(request, ok(UID_AIR_HEX) + DATA)
    assert (answer.uid, answer.data) == (UID, DATA)
    assert parse_answer(request, ok(UID_AIR_HEX) + DATA, slot=8) == answer  # the answer carries the slot bits


def test_sixteen_slots_mask_of_4_bits_needs_the_slot() -> None:
    # Mask 8 (low nibble of 78), slot 7 (its high nibble): the tag returns from the second byte on.
    request = InventoryReadRequest(0, 2, one_slot=False, mask_bits=4, mask=0x8)
    frame = ok("56 34 12 50 01 04 E0") + DATA
    assert parse_answer(request, frame, slot=7).uid == UID
    assert parse_answer(request, frame, slot=3).uid == bytes.fromhex("E004015012345638")
    with pytest.raises(FrameError, match="slot number of this 16-slot answer is needed"):
        parse_answer(request, frame)


def test_sixteen_slots_mask_of_8_bits_carries_the_slot_itself() -> None:
    request = InventoryReadRequest(0, 2, one_slot=False, mask_bits=8, mask=0x78)
    frame = ok("56 34 12 50 01 04 E0") + DATA  # slot 6 is the low nibble of the returned 56
    assert parse_answer(request, frame).uid == UID
    assert parse_answer(request, frame, slot=6).uid == UID


def test_full_mask_answer_has_no_uid_bytes() -> None:
    request = InventoryReadRequest(4, 1, mask_bits=64, mask=int.from_bytes(UID, "big"))
    answer = parse_answer(request, ok("CAFEBABE"))
    assert (answer.uid, answer.data) == (UID, bytes.fromhex("CAFEBABE"))


def test_option_flag_answer_data_follows_the_uid_rest() -> None:
    request = InventoryReadRequest(5, 1)
    answer = parse_answer(request, ok(UID_AIR_HEX + " DEADBEEF"))
    assert answer.data == bytes.fromhex("DEADBEEF")


@pytest.mark.parametrize("frame, message", [
    (ok(UID_AIR_HEX) + DATA[:7],
     "answer of 16 bytes, expected 17 \\(flags, 8 UID bytes, 2 blocks of 4 bytes\\)"),
    (ok(UID_AIR_HEX) + DATA + b"\x00", "answer of 18 bytes, expected 17"),
    (b"", "answer of 0 bytes, expected 17"),
    (b"\x01" + bytes.fromhex(UID_AIR_HEX) + DATA, "carries the error flag \\(flags 01\\)"),
])
def test_parse_answer_errors(frame: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        parse_answer(InventoryReadRequest(0, 2), frame)


# -- 16-slot records --------------------------------------------------------------------------------

def test_split_slot_answers_keeps_clean_records_and_counts_garbled_ones() -> None:
    request = InventoryReadRequest(0, 2, one_slot=False)
    other = make_uid(0x5)
    first = iso15693.with_crc(ok(UID_AIR_HEX) + DATA)
    second = iso15693.with_crc(b"\x00" + other[::-1] + b"ABCDEFGH")
    garbled = bytes(a | b for a, b in zip(first, second, strict=True))
    answers, bad = split_slot_answers(request, first + garbled + second)
    assert [(a.uid, a.data) for a in answers] == [(UID, DATA), (other, b"ABCDEFGH")]
    assert bad == 1
    assert split_slot_answers(request, b"") == ([], 0)


def test_split_slot_answers_counts_error_flag_records_as_garbled() -> None:
    request = InventoryReadRequest(0, 1, one_slot=False)
    record = iso15693.with_crc(b"\x01" + bytes.fromhex(UID_AIR_HEX) + b"ABCD")
    assert split_slot_answers(request, record) == ([], 1)


def test_split_slot_answers_needs_records_that_carry_their_slot() -> None:
    with pytest.raises(ValueError, match="do not carry their slot number"):
        split_slot_answers(InventoryReadRequest(0, 2, one_slot=False, mask_bits=4, mask=0x8), b"")


def test_split_slot_answers_rejects_partial_records() -> None:
    request = InventoryReadRequest(0, 2, one_slot=False)
    with pytest.raises(FrameError, match="18 bytes of slot answers is not a whole number of 19-byte answers"):
        split_slot_answers(request, bytes(18))


# -- against the tag model --------------------------------------------------------------------------

TagCase = tuple[SlixTag, InventoryReadRequest, int]  # tag, request matching it, the tag's slot


@st.composite
def tag_and_request(draw: st.DrawFn) -> TagCase:
    uid = make_uid(draw(st.integers(0, (1 << 36) - 1)), draw(st.sampled_from(["slix", "slix2"])))
    tag = SlixTag(uid, draw(st.binary(min_size=0, max_size=28 * 4)))
    one_slot = draw(st.booleans())
    mask_bits = draw(st.integers(0, 64 if one_slot else 60))
    air = int.from_bytes(tag.uid_air, "little")
    first = draw(st.integers(0, tag.block_count - 1))
    blocks = draw(st.integers(1, tag.block_count - first))
    afi = draw(st.sampled_from([None, 0x00, tag.afi]))
    request = InventoryReadRequest(first, blocks, afi, fast=draw(st.booleans()), one_slot=one_slot,
                                   mask_bits=mask_bits, mask=air & ((1 << mask_bits) - 1))
    return tag, request, (air >> mask_bits) & 0xF


@given(tag_and_request())
def test_parse_answer_rebuilds_the_uid_the_tag_model_sends(case: TagCase) -> None:
    tag, request, slot = case
    frame = tag.handle(request.encode())
    assert frame is not None
    slot_given = None if request.one_slot else slot
    answer = parse_answer(request, strip_crc(iso15693.with_crc(frame)), slot=slot_given)
    assert answer.uid == tag.uid
    first = request.first_block * 4
    assert answer.data == bytes(tag.memory[first:first + request.blocks * 4])


@given(st.integers(0, (1 << 36) - 1), st.integers(1, 64))
def test_tag_model_is_silent_when_the_mask_differs(serial: int, mask_bits: int) -> None:
    tag = SlixTag(make_uid(serial))
    air = int.from_bytes(tag.uid_air, "little")
    wrong = (air ^ (1 << (mask_bits - 1))) & ((1 << mask_bits) - 1)  # last mask bit flipped
    assert tag.handle(InventoryReadRequest(0, 1, mask_bits=mask_bits, mask=wrong).encode()) is None


# -- decoders never raise anything but FrameError on arbitrary bytes -------------------------------

REQUESTS = [
    InventoryReadRequest(0, 1),
    InventoryReadRequest(0, 8, afi=0x07),
    InventoryReadRequest(0, 2, one_slot=False),
    InventoryReadRequest(0, 2, one_slot=False, mask_bits=4, mask=3),
    InventoryReadRequest(1, 1, mask_bits=12, mask=0xABC),
    InventoryReadRequest(0, 1, mask_bits=64, mask=1),
    InventoryReadRequest(0, 1, one_slot=False, mask_bits=60, mask=5),
]


def decode_everything(request: InventoryReadRequest, data: bytes, slot: int | None) -> None:
    decoders = [lambda: parse_answer(request, data, slot), lambda: strip_crc(data)]
    if request.one_slot or request.mask_bits % 8 < 4:  # the records carry their slot bits
        decoders.append(lambda: split_slot_answers(request, data))
    for decode in decoders:
        try:
            decode()
        except FrameError:
            pass


@given(st.sampled_from(REQUESTS), st.binary(max_size=120), st.none() | st.integers(0, 15))
def test_decoders_raise_only_frame_error(request: InventoryReadRequest, data: bytes,
                                         slot: int | None) -> None:
    decode_everything(request, data, slot)


@given(st.sampled_from(REQUESTS), st.binary(max_size=40))
def test_decoders_on_answers_of_the_right_length(request: InventoryReadRequest, data: bytes) -> None:
    size = request.answer_bytes
    sized = (data * (size // len(data) + 1))[:size] if data else bytes(size)
    decode_everything(request, sized, None)
    decode_everything(request, iso15693.with_crc(sized) * 2, None)


def test_decoders_fuzz_loop() -> None:
    rng = random.Random(15693)
    for _ in range(20_000):
        request = rng.choice(REQUESTS)
        size = rng.choice([request.answer_bytes, request.answer_bytes + 2, 2 * (request.answer_bytes + 2),
                           rng.randrange(0, 100)])
        data = rng.randbytes(size)
        if rng.random() < 0.5 and data:
            data = iso15693.with_crc(data[:-2]) if len(data) >= 2 else data
        decode_everything(request, data, rng.choice([None, rng.randrange(16)]))
