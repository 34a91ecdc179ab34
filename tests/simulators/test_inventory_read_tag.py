"""NXP (FAST) INVENTORY READ in the simulators: the tag model, its air time, the RF field's slots.

Requests are written out as air bytes by hand (``flags A0|A1 04 [AFI] mask-length mask
first blocks-1``; flags 0x04 inventory, 0x02 high rate, 0x10 AFI, 0x20 one slot, 0x40
option) so the tag model is checked independently of ``drivers.iso15693``. Air-time
figures are recomputed here from the ISO/IEC 15693-2 constants (fc = 13.56 MHz, reader
1-out-of-4, tag high data rate on one subcarrier) rather than read from the module.
"""

from __future__ import annotations

import pytest

from simulators import airtime
from simulators.rf import RFField
from simulators.tags import FAST_COMMANDS, SlixTag, make_uid

UID = bytes.fromhex("E004015012345678")
AIR_UID = UID[::-1]  # 78 56 34 12 50 01 04 E0
MEMORY = bytes(range(28 * 4))


def block(n: int, count: int = 1) -> bytes:
    return MEMORY[4 * n:4 * (n + count)]


def frame(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)


@pytest.fixture
def tag() -> SlixTag:
    return SlixTag(UID, MEMORY, afi=0x07)


# -- the tag ----------------------------------------------------------------------------------------

def test_one_slot_answer_is_flags_uid_and_blocks(tag: SlixTag) -> None:
    assert tag.handle(frame("66 A1 04 00 00 01")) == b"\x00" + AIR_UID + block(0, 2)
    assert tag.handle(frame("66 A0 04 00 03 00")) == b"\x00" + AIR_UID + block(3)  # INVENTORY READ, not FAST
    assert frozenset({0xA1}) == FAST_COMMANDS


def test_option_flag_off_answers_data_only(tag: SlixTag) -> None:
    assert tag.handle(frame("26 A1 04 00 02 00")) == b"\x00" + block(2)
    assert tag.handle(frame("06 A1 04 00 02 01")) == b"\x00" + block(2, 2)  # 16 slots, no option


def test_afi_selection(tag: SlixTag) -> None:
    assert tag.handle(frame("76 A1 04 07 00 00 00")) == b"\x00" + AIR_UID + block(0)
    assert tag.handle(frame("76 A1 04 00 00 00 00")) == b"\x00" + AIR_UID + block(0)  # AFI 00: every tag
    assert tag.handle(frame("76 A1 04 C2 00 00 00")) is None
    loaned = SlixTag(UID, MEMORY, afi=0xC2)
    assert loaned.handle(frame("76 A1 04 C2 00 00 00")) is not None
    assert loaned.handle(frame("76 A1 04 C0 00 00 00")) is not None  # sub-family 0: the whole family C
    assert loaned.handle(frame("76 A1 04 D0 00 00 00")) is None
    assert loaned.handle(frame("76 A1 04 07 00 00 00")) is None


def test_mask_selection_and_uid_rest(tag: SlixTag) -> None:
    assert tag.handle(frame("66 A1 04 08 78 00 00")) == b"\x00" + AIR_UID[1:] + block(0)
    assert tag.handle(frame("66 A1 04 08 79 00 00")) is None
    # 12 bits: 78 and the low nibble 6 of 56; the tag returns from 56 on (UID bits, not zero padding)
    assert tag.handle(frame("66 A1 04 0C 78 06 00 00")) == b"\x00" + AIR_UID[1:] + block(0)
    assert tag.handle(frame("66 A1 04 0C 78 07 00 00")) is None
    assert tag.handle(frame("66 A1 04 10 78 56 00 00")) == b"\x00" + AIR_UID[2:] + block(0)
    assert tag.handle(frame("66 A1 04 40 78 56 34 12 50 01 04 E0 00 00")) == b"\x00" + block(0)


def test_sixteen_slot_answer_leaves_out_mask_and_slot_bytes(tag: SlixTag) -> None:
    assert tag.handle(frame("46 A1 04 00 00 00")) == b"\x00" + AIR_UID + block(0)  # 4 bits: no whole byte
    assert tag.handle(frame("46 A1 04 04 08 00 00")) == b"\x00" + AIR_UID[1:] + block(0)  # 4 + 4 = 8
    assert tag.handle(frame("46 A1 04 04 07 00 00")) is None
    assert tag.handle(frame("46 A1 04 3C 78 56 34 12 50 01 04 00 00 00")) == b"\x00" + block(0)  # 60 + 4


def test_quiet_tag_stays_silent_until_power_off(tag: SlixTag) -> None:
    assert tag.handle(frame("22 02") + AIR_UID) is None  # addressed STAY QUIET
    assert tag.state == "quiet"
    assert tag.handle(frame("66 A1 04 00 00 00")) is None
    assert tag.handle(frame("46 A0 04 00 00 00")) is None
    tag.power_off()
    assert tag.handle(frame("66 A1 04 00 00 00")) is not None


def test_range_past_the_memory_is_truncated(tag: SlixTag) -> None:
    # 8 blocks wanted from block 26 of 28
    assert tag.handle(frame("66 A1 04 00 1A 07")) == b"\x00" + AIR_UID + block(26, 2)
    assert tag.handle(frame("66 A1 04 00 1B 00")) == b"\x00" + AIR_UID + block(27)


def test_first_block_beyond_memory_is_silent(tag: SlixTag) -> None:
    assert tag.handle(frame("66 A1 04 00 1C 00")) is None
    assert tag.handle(frame("66 A1 04 00 FF 00")) is None
    slix2 = SlixTag(make_uid(1, "slix2"), variant="slix2")
    assert slix2.handle(frame("26 A1 04 00 4E 00")) == b"\x00" + bytes(4)  # block 78, the last of 79
    assert slix2.handle(frame("26 A1 04 00 4F 00")) is None


def test_other_manufacturer_and_malformed_requests_are_silent(tag: SlixTag) -> None:
    assert tag.handle(frame("66 A1 05 00 00 00")) is None
    assert tag.handle(frame("66 A1 04 00 00")) is None  # no block count
    assert tag.handle(frame("66 A1 04 08 78 00")) is None  # mask eats the first block
    assert tag.handle(frame("66 A1 04")) is None
    assert tag.handle(frame("66 A1")) is None
    assert tag.handle(frame("66 A1 04 41 00 00 00 00 00 00 00 00 00 00 00")) is None  # mask of 65 bits
    assert tag.handle(frame("76 A1 04")) is None  # AFI flag, no AFI


# -- air time from the ISO constants ----------------------------------------------------------------

FC = 13.56e6
READER_BYTE = 4 * 1024 / FC  # 1-out-of-4: 2 bits per 1024/fc symbol, 302.08 µs a byte
READER_SOF, READER_EOF = 1024 / FC, 512 / FC
TAG_BIT = 512 / FC  # high data rate, one subcarrier: 26.48 kbit/s
TAG_SOF = TAG_EOF = 2048 / FC
T1, T2 = 4352 / FC, 4192 / FC
T3 = T1 + TAG_SOF


def reader_frame(payload: int) -> float:
    return READER_SOF + (payload + 2) * READER_BYTE + READER_EOF


def tag_frame(payload: int, fast: bool) -> float:
    return (TAG_SOF + (payload + 2) * 8 * TAG_BIT + TAG_EOF) / (2 if fast else 1)


def test_one_slot_fast_inventory_read_of_8_blocks() -> None:
    # request 76 A1 04 07 00 00 07 (7 bytes), answer flags + UID + 32 bytes (41 bytes)
    expected = reader_frame(7) + T1 + tag_frame(41, fast=True) + T2
    assert expected == pytest.approx(10.108e-3, abs=1e-6)
    assert airtime.inventory_read_time(8) == pytest.approx(expected, rel=1e-12)
    slow = reader_frame(7) + T1 + tag_frame(41, fast=False) + T2
    assert slow == pytest.approx(16.753e-3, abs=1e-6)
    assert airtime.inventory_read_time(8, fast=False) == pytest.approx(slow, rel=1e-12)


def test_silent_inventory_read_costs_the_request_and_t3() -> None:
    expected = reader_frame(7) + T3
    assert expected == pytest.approx(3.304e-3, abs=1e-6)
    assert airtime.inventory_read_time(8, answered=False) == pytest.approx(expected, rel=1e-12)
    assert airtime.inventory_read_time(8, answered=False, afi=False) == pytest.approx(reader_frame(6) + T3)


def test_fast_answer_takes_exactly_half() -> None:
    for payload in (0, 10, 41, 300):
        assert airtime.response_time(payload, fast=True) * 2 == pytest.approx(airtime.response_time(payload))
        assert airtime.response_time(payload) == pytest.approx(tag_frame(payload, fast=False))
    with_fast = airtime.transaction_time(7, 41, fast=True)
    assert airtime.transaction_time(7, 41) - with_fast == pytest.approx(tag_frame(41, fast=False) / 2)


def test_inventory_read_sizes() -> None:
    assert airtime.inventory_read_request_bytes() == 7
    assert airtime.inventory_read_request_bytes(afi=False) == 6
    masked = frame("66 A1 04 0C 78 06 00 00")
    assert airtime.inventory_read_request_bytes(afi=False, mask_bits=12) == len(masked)
    assert airtime.inventory_read_answer_bytes(8) == 41
    assert airtime.inventory_read_answer_bytes(8, uid_bytes=7) == 40


def test_slotted_round_time() -> None:
    busy = T1 + tag_frame(41, fast=True) + T2 + READER_EOF
    silent = T3 + READER_EOF
    expected = reader_frame(6) + 2 * busy + 14 * silent
    assert airtime.slotted_round_time(6, 41, 2, fast=True) == pytest.approx(expected, rel=1e-12)
    assert airtime.slotted_round_time(6, 41, 0) == pytest.approx(reader_frame(6) + 16 * silent, rel=1e-12)


# -- the RF field -----------------------------------------------------------------------------------

def test_transact_times_fast_answers_at_the_fast_rate() -> None:
    field = RFField()
    field.place(SlixTag(UID, MEMORY))
    reply = field.transact(frame("76 A1 04 07 00 00 07"))
    assert reply.response == b"\x00" + AIR_UID + block(0, 8)
    assert field.air_time == pytest.approx(reader_frame(7) + T1 + tag_frame(41, fast=True) + T2, rel=1e-12)
    before = field.air_time
    field.transact(frame("76 A0 04 07 00 00 07"))
    assert field.air_time - before == pytest.approx(reader_frame(7) + T1 + tag_frame(41, fast=False) + T2)
    before = field.air_time
    assert field.transact(frame("76 A1 04 C2 00 00 07")).silent
    assert field.air_time - before == pytest.approx(reader_frame(7) + T3)


def test_transact_slots_groups_answers_by_the_uid_nibble_after_the_mask() -> None:
    field = RFField()
    three = field.place(SlixTag(make_uid(0x123), MEMORY))  # air LSB 0x23: slot 3
    five = field.place(SlixTag(make_uid(0x125), MEMORY))  # slot 5
    also_five = field.place(SlixTag(make_uid(0x455), MEMORY))  # slot 5 too
    field.place(SlixTag(make_uid(0x127), MEMORY, afi=0xC2))  # not secured: silent
    replies = field.transact_slots(frame("56 A1 04 07 00 00 01"))
    assert list(replies) == [3, 5]
    assert replies[3].response == b"\x00" + three.uid_air + block(0, 2)
    assert not replies[3].collision
    assert replies[5].collision and replies[5].response is None
    assert set(replies[5].responses) == {b"\x00" + t.uid_air + block(0, 2) for t in (five, also_five)}
    assert field.stats.collisions == 1
    busy = T1 + tag_frame(17, fast=True) + T2 + READER_EOF
    expected = reader_frame(7) + 2 * busy + 14 * (T3 + READER_EOF)
    assert field.air_time == pytest.approx(expected, rel=1e-12)


def test_transact_slots_with_a_mask_uses_the_next_nibble() -> None:
    field = RFField()
    field.place(SlixTag(make_uid(0x1A8), MEMORY))  # air LSB 0xA8: mask 8 matches, slot A
    field.place(SlixTag(make_uid(0x138), MEMORY))  # 0x38: slot 3
    field.place(SlixTag(make_uid(0x139), MEMORY))  # 0x39: outside the mask
    replies = field.transact_slots(frame("46 A0 04 04 08 00 00"))
    assert list(replies) == [0x3, 0xA]
    assert replies[0xA].response == b"\x00" + make_uid(0x1A8)[::-1][1:] + block(0)


def test_transact_slots_silence_antennas_and_slow_rate() -> None:
    field = RFField()
    assert field.transact_slots(frame("46 A1 04 00 00 00")) == {}
    assert field.air_time == pytest.approx(reader_frame(6) + 16 * (T3 + READER_EOF), rel=1e-12)
    field.place(SlixTag(make_uid(0x1), MEMORY), antenna=1)
    field.place(SlixTag(make_uid(0x2), MEMORY), antenna=2)
    assert list(field.transact_slots(frame("46 A1 04 00 00 00"), antennas=[2])) == [2]
    before = field.air_time
    assert list(field.transact_slots(frame("46 A0 04 00 00 00"))) == [1, 2]
    busy = T1 + tag_frame(13, fast=False) + T2 + READER_EOF
    assert field.air_time - before == pytest.approx(reader_frame(6) + 2 * busy + 14 * (T3 + READER_EOF))
