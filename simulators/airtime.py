"""ISO 15693 air-time floors: how long an exchange takes on the air, whatever the host does.

Theory of operation
-------------------
All figures derive from the carrier frequency fc = 13.56 MHz and the ISO/IEC 15693-2
coding used by library readers (reader → tag 1-out-of-4 pulse position, tag → reader
high data rate on one subcarrier):

- reader → tag: a byte is 4 pairs of bits of 1024/fc (75.52 µs) = 302.08 µs, plus SOF
  75.52 µs and EOF 37.76 µs;
- tag → reader: a bit is 512/fc = 37.76 µs, SOF and EOF 2048/fc = 151.04 µs each; the NXP
  FAST commands (FAST INVENTORY READ) answer at twice that rate, every tag timing halved;
- every frame carries a 2-byte CRC (counted here, callers pass payload sizes);
- t1 = 4352/fc (tag waits before answering), t2 = 4192/fc (reader waits before the next
  request), t3 = t1 + tag SOF (reader gives up on a silent slot).

A transaction is ``request + t1 + response + t2`` (+ programming time for writes: the
tag answers once its EEPROM is programmed, ISO allows up to 20 ms). An inventory is the
ISO 15693-3 16-slot anticollision: every slot costs ``t3`` when silent and
``t1 + response + t2`` when one or more tags answer, plus the EOF that closes it;
collided slots are polled again with a mask 4 bits longer. This reproduces the
reference figures (inventory request 1.62 ms / response 3.93 ms, empty round 9.8 ms,
5/10/20 tags 39/82/183 ms mean, read of 8 blocks 15.9 ms, write AFI 5.9 ms, EAS alarm
13.1 ms). The FEIG/3M/TRF reader simulators sleep for these durations when the air-time
model is on, and ``benchmarks/`` divide measured times by them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from functools import lru_cache

FC_HZ = 13.56e6

READER_BYTE_S = 4 * 1024 / FC_HZ  # 1-out-of-4: one byte = four 2-bit symbols
READER_SOF_S = 1024 / FC_HZ
READER_EOF_S = 512 / FC_HZ
TAG_BIT_S = 512 / FC_HZ  # high data rate, single subcarrier (26.48 kbit/s)
TAG_SOF_S = 2048 / FC_HZ
TAG_EOF_S = 2048 / FC_HZ
FAST_FACTOR = 2  # NXP FAST commands answer at twice the high data rate (52.97 kbit/s)
T1_S = 4352 / FC_HZ
T2_S = 4192 / FC_HZ
T3_S = T1_S + TAG_SOF_S
CRC_BYTES = 2

#: Typical EEPROM programming time of an ICODE SLIX block/AFI/EAS write (ISO allows 20 ms).
PROGRAMMING_S = 0.005
MAX_PROGRAMMING_S = 0.020
SLOTS = 16
UID_BITS = 64


def request_time(payload_bytes: int) -> float:
    """Duration of a reader → tag frame carrying ``payload_bytes`` (flags…params, CRC added)."""
    return READER_SOF_S + (payload_bytes + CRC_BYTES) * READER_BYTE_S + READER_EOF_S


def response_time(payload_bytes: int, fast: bool = False) -> float:
    """Duration of a tag → reader frame carrying ``payload_bytes`` (flags…data, CRC added)."""
    duration = TAG_SOF_S + (payload_bytes + CRC_BYTES) * 8 * TAG_BIT_S + TAG_EOF_S
    return duration / FAST_FACTOR if fast else duration


def transaction_time(request_bytes: int, response_bytes: int | None, programming: float = 0.0,
                     fast: bool = False) -> float:
    """One request and its answer (``None``: nobody answered, the reader waits t3 or the write timeout)."""
    if response_bytes is None:
        wait = MAX_PROGRAMMING_S if programming else T3_S
        return request_time(request_bytes) + wait
    return request_time(request_bytes) + T1_S + programming + response_time(response_bytes, fast) + T2_S


def inventory_request_bytes(mask_bits: int = 0, afi: bool = False) -> int:
    """flags + command + [AFI] + mask length + mask value."""
    return 3 + (1 if afi else 0) + (mask_bits + 7) // 8


INVENTORY_RESPONSE_BYTES = 10  # flags, DSFID, UID(8)


def slot_time(answered: bool) -> float:
    """One anticollision slot, including the EOF that closes it."""
    busy = T1_S + response_time(INVENTORY_RESPONSE_BYTES) + T2_S
    return (busy if answered else T3_S) + READER_EOF_S


def round_time(mask_bits: int, answered_slots: int, afi: bool = False, slots: int = SLOTS) -> float:
    """One inventory request and its slots, ``answered_slots`` of which heard at least one tag."""
    if slots == 1:
        return transaction_time(inventory_request_bytes(mask_bits, afi),
                                INVENTORY_RESPONSE_BYTES if answered_slots else None)
    silent = slots - answered_slots
    return (request_time(inventory_request_bytes(mask_bits, afi))
            + answered_slots * slot_time(True) + silent * slot_time(False))


def anticollision_time(uids: Iterable[int], afi: bool = False) -> float:
    """Exact 16-slot anticollision time for these UIDs (as integers, LSB = first bit on air)."""
    pending = [(0, 0, list(uids))]
    total = 0.0
    while pending:
        mask_bits, _mask, members = pending.pop()
        by_slot: dict[int, list[int]] = {}
        for uid in members:
            by_slot.setdefault((uid >> mask_bits) & 0xF, []).append(uid)
        total += round_time(mask_bits, len(by_slot), afi)
        for slot, group in by_slot.items():
            if len(group) > 1 and mask_bits + 4 <= UID_BITS - 4:
                pending.append((mask_bits + 4, _mask | (slot << mask_bits), group))
    return total


@lru_cache(maxsize=64)
def _inventory_samples(n_tags: int, samples: int = 2000) -> tuple[float, ...]:
    rng = random.Random(15693 + n_tags)
    return tuple(sorted(anticollision_time([rng.getrandbits(48) for _ in range(n_tags)])
                        for _ in range(samples)))


def inventory_time(n_tags: int, uids: Sequence[bytes] | None = None,
                   percentile: float | None = None) -> float:
    """Floor of a 16-slot inventory finding ``n_tags`` tags.

    With ``uids`` (MSB-first ``bytes`` as printed) the exact time for those tags; otherwise
    the mean over random serial numbers (or the given percentile, e.g. 0.95).
    """
    if uids is not None:
        return anticollision_time(int.from_bytes(uid, "big") for uid in uids)
    if n_tags == 0:
        return round_time(0, 0)
    samples = _inventory_samples(n_tags)
    if percentile is not None:
        return samples[min(len(samples) - 1, int(percentile * len(samples)))]
    return sum(samples) / len(samples)


def single_slot_poll_time(afi: bool = True, answered: bool = True) -> float:
    """One-slot inventory (a gate asking 'is any secured item there?')."""
    return round_time(0, 1 if answered else 0, afi=afi, slots=1)


def inventory_read_request_bytes(afi: bool = True, mask_bits: int = 0) -> int:
    """NXP (FAST) INVENTORY READ: flags, command, manufacturer, [AFI], mask length, mask, block, count."""
    return 3 + (1 if afi else 0) + 1 + (mask_bits + 7) // 8 + 2


def inventory_read_answer_bytes(n_blocks: int, uid_bytes: int = 8, block_size: int = 4) -> int:
    return 1 + uid_bytes + n_blocks * block_size


def inventory_read_time(n_blocks: int, answered: bool = True, fast: bool = True, afi: bool = True) -> float:
    """One-slot NXP (FAST) INVENTORY READ: the UID and ``n_blocks`` of one tag in a single exchange."""
    answer = inventory_read_answer_bytes(n_blocks) if answered else None
    return transaction_time(inventory_read_request_bytes(afi), answer, fast=fast)


def slotted_round_time(request_bytes: int, answer_bytes: int, answered_slots: int, fast: bool = False,
                       slots: int = SLOTS) -> float:
    """A 16-slot round of any inventory-type request whose answers are ``answer_bytes`` long."""
    busy = T1_S + response_time(answer_bytes, fast) + T2_S + READER_EOF_S
    silent = T3_S + READER_EOF_S
    return request_time(request_bytes) + answered_slots * busy + (slots - answered_slots) * silent


def read_blocks_time(n_blocks: int, block_size: int = 4, security_status: bool = False) -> float:
    """Addressed Read Multiple Blocks (Read Single Block when ``n_blocks == 1``)."""
    request = 2 + 8 + (1 if n_blocks == 1 else 2)
    response = 1 + n_blocks * (block_size + (1 if security_status else 0))
    return transaction_time(request, response)


def write_block_time(block_size: int = 4, programming: float = PROGRAMMING_S) -> float:
    """Addressed Write Single Block, including EEPROM programming."""
    return transaction_time(2 + 8 + 1 + block_size, 1, programming)


def write_blocks_time(n_blocks: int, block_size: int = 4, programming: float = PROGRAMMING_S) -> float:
    """ICODE SLIX has no Write Multiple Blocks: readers issue one Write Single Block per block."""
    return n_blocks * write_block_time(block_size, programming)


def write_afi_time(programming: float = PROGRAMMING_S) -> float:
    """Addressed Write AFI (same length as Write DSFID)."""
    return transaction_time(2 + 8 + 1, 1, programming)


def lock_time(programming: float = PROGRAMMING_S) -> float:
    """Addressed Lock Block / Lock AFI (the parameter byte is the block number when present)."""
    return transaction_time(2 + 8 + 1, 1, programming)


def eas_set_time(programming: float = PROGRAMMING_S) -> float:
    """Addressed NXP Set/Reset EAS (flags, command, manufacturer code, UID)."""
    return transaction_time(3 + 8, 1, programming)


def eas_alarm_time(answered: bool = True) -> float:
    """Non-addressed NXP EAS Alarm: the answer carries the 256-bit EAS sequence."""
    return transaction_time(3, 1 + 32 if answered else None)


def system_info_time() -> float:
    """Addressed Get System Information (answer: info flags, UID, DSFID, AFI, memory size, IC ref)."""
    return transaction_time(2 + 8, 1 + 1 + 8 + 1 + 1 + 2 + 1)


def checkout_time(n_items: int, programming: float = PROGRAMMING_S) -> float:
    """Floor of a self-checkout of ``n_items``: inventory, read 8 blocks and write AFI for each."""
    return inventory_time(n_items) + n_items * (read_blocks_time(8) + write_afi_time(programming))
