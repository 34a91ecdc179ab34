"""ICODE SLIX/SLIX2 tag model: ISO 15693 and NXP commands in air byte order, faults."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.tags import (
    EAS_SEQUENCE,
    PASSWORD_EAS_AFI,
    SlixTag,
    TagError,
    afi_matches,
    iso15693_crc,
    make_uid,
    set_password_request,
    uid_chip,
    with_air_crc,
)

UID = bytes.fromhex("E004015012345678")
AIR_UID = UID[::-1]
ADDRESSED = 0x22  # high data rate + address flag
ADDRESSED_OPTION = 0x62


def request(command: int, *params: int | bytes, flags: int = ADDRESSED, nxp: bool = False) -> bytes:
    body = b"".join(p if isinstance(p, bytes) else bytes([p]) for p in params)
    return bytes([flags, command]) + (b"\x04" if nxp else b"") + (AIR_UID if flags & 0x20 else b"") + body


@pytest.fixture
def tag() -> SlixTag:
    return SlixTag(UID, bytes(range(16)), afi=0x07, dsfid=0x06)


def test_uid_structure_and_chip_bits() -> None:
    assert make_uid(0x123456789, "slix").hex().upper() == "E004012123456789"
    assert uid_chip(make_uid(1, "slix")) == "slix"
    assert uid_chip(make_uid(1, "slix2")) == "slix2"
    assert uid_chip(make_uid(1, "sli")) == "sli"
    assert uid_chip(UID) == "slix2"  # 0x50: bits 37:36 = 01
    assert uid_chip(bytes.fromhex("E007000012345678")) == "unknown"


def test_constructor_validates() -> None:
    with pytest.raises(TagError, match="E0"):
        SlixTag(b"\x01" * 8)
    with pytest.raises(TagError, match="does not fit"):
        SlixTag(UID, bytes(29 * 4))
    assert SlixTag(UID, bytes(79 * 4), variant="slix2").block_count == 79
    with pytest.raises(TagError, match="variant"):
        SlixTag(UID, variant="icode")


def test_inventory_answers_with_dsfid_and_air_uid(tag: SlixTag) -> None:
    assert tag.handle(bytes([0x26, 0x01, 0x00])) == b"\x00\x06" + AIR_UID


def test_inventory_afi_mask_and_uid_mask(tag: SlixTag) -> None:
    assert tag.handle(bytes([0x36, 0x01, 0x07, 0x00])) is not None  # AFI 07 matches
    assert tag.handle(bytes([0x36, 0x01, 0xC2, 0x00])) is None  # on-loan AFI does not
    assert tag.handle(bytes([0x36, 0x01, 0x00, 0x00])) is not None  # AFI 0 selects all
    # mask on the UID's least significant bits (first on air): 0x78 low nibble is 8
    assert tag.handle(bytes([0x06, 0x01, 4, 0x08])) is not None
    assert tag.handle(bytes([0x06, 0x01, 4, 0x07])) is None
    assert tag.handle(bytes([0x06, 0x01, 12, 0x78, 0x06])) is not None
    assert tag.handle(bytes([0x06, 0x01, 12, 0x78, 0x05])) is None


def test_afi_wildcards() -> None:
    assert afi_matches(0x00, 0xC2)
    assert afi_matches(0xC0, 0xC2)
    assert not afi_matches(0x02, 0xC2)  # 0Y is the proprietary sub-family Y only
    assert not afi_matches(0x07, 0xC7) and afi_matches(0x02, 0x02)
    assert not afi_matches(0x07, 0xC2)
    assert afi_matches(0x07, 0x07)


def test_read_single_and_multiple_with_security_status(tag: SlixTag) -> None:
    assert tag.handle(request(0x20, 1)) == b"\x00" + bytes([4, 5, 6, 7])
    assert tag.handle(request(0x23, 0, 1)) == b"\x00" + bytes(range(8))
    tag.locked[1] = True
    assert tag.handle(request(0x23, 0, 1, flags=ADDRESSED_OPTION)) == \
        b"\x00" + b"\x00" + bytes(range(4)) + b"\x01" + bytes(range(4, 8))
    assert tag.handle(request(0x2C, 0, 2)) == b"\x00\x00\x01\x00"


def test_read_beyond_memory_is_block_unavailable(tag: SlixTag) -> None:
    assert tag.handle(request(0x20, 28)) == b"\x01\x10"
    assert tag.handle(request(0x23, 20, 7)) == b"\x00" + bytes(32)
    assert tag.handle(request(0x23, 20, 8)) == b"\x01\x10"


def test_write_lock_and_locked_error(tag: SlixTag) -> None:
    assert tag.handle(request(0x21, 2, b"ABCD")) == b"\x00"
    assert bytes(tag.memory[8:12]) == b"ABCD"
    assert tag.handle(request(0x22, 2)) == b"\x00"
    assert tag.handle(request(0x21, 2, b"WXYZ")) == b"\x01\x12"
    assert tag.handle(request(0x22, 2)) == b"\x01\x11"
    assert tag.handle(request(0x21, 2, b"AB")) == b"\x01\x02"


def test_afi_dsfid_write_and_lock(tag: SlixTag) -> None:
    assert tag.handle(request(0x27, 0xC2)) == b"\x00"
    assert tag.afi == 0xC2
    assert tag.handle(request(0x28)) == b"\x00"
    assert tag.handle(request(0x27, 0x07)) == b"\x01\x12"
    assert tag.handle(request(0x29, 0x3E)) == b"\x00"
    assert tag.handle(request(0x2A)) == b"\x00"
    assert tag.handle(request(0x29, 0x06)) == b"\x01\x12"
    assert (tag.afi, tag.dsfid) == (0xC2, 0x3E)


def test_system_information(tag: SlixTag) -> None:
    assert tag.handle(request(0x2B)) == b"\x00\x0F" + AIR_UID + bytes([0x06, 0x07, 27, 3, 0x01])
    slix2 = SlixTag(UID, variant="slix2")
    assert slix2.handle(request(0x2B))[-3] == 78


def test_addressing_quiet_and_select(tag: SlixTag) -> None:
    other = bytes([0x22, 0x20]) + bytes(8) + b"\x00"
    assert tag.handle(other) is None  # addressed to someone else
    assert tag.handle(bytes([0x02, 0x20, 0x00])) is not None  # non-addressed
    assert tag.handle(request(0x02)) is None  # stay quiet: no answer
    assert tag.state == "quiet"
    assert tag.handle(bytes([0x02, 0x20, 0x00])) is None
    assert tag.handle(bytes([0x26, 0x01, 0x00])) is None
    assert tag.handle(request(0x20, 0)) is not None  # addressed still works
    assert tag.handle(request(0x25)) == b"\x00"
    assert tag.handle(bytes([0x12, 0x20, 0x00])) is not None  # select flag
    tag.power_off()
    assert tag.state == "ready"


def test_unknown_command_and_foreign_manufacturer(tag: SlixTag) -> None:
    assert tag.handle(request(0x24, 0, 0, b"1234")) == b"\x01\x01"  # SLIX has no Write Multiple
    assert tag.handle(bytes([0x22, 0xA2, 0x07]) + AIR_UID) is None  # TI custom command
    assert tag.handle(b"\x22") is None


def test_eas_set_reset_alarm_lock(tag: SlixTag) -> None:
    assert tag.handle(bytes([0x02, 0xA5, 0x04])) == b"\x00" + EAS_SEQUENCE
    assert tag.handle(request(0xA3, nxp=True)) == b"\x00"
    assert tag.eas is False
    assert tag.handle(bytes([0x02, 0xA5, 0x04])) is None
    assert tag.handle(request(0xA2, nxp=True)) == b"\x00"
    assert tag.handle(request(0xA4, nxp=True)) == b"\x00"
    assert tag.handle(request(0xA3, nxp=True)) == b"\x01\x12"
    assert tag.eas is True


def _authenticate(tag: SlixTag, password: int) -> bytes | None:
    answer = tag.handle(request(0xB2, nxp=True))
    assert answer is not None and answer[0] == 0
    return tag.handle(request(0xB3, set_password_request(answer[1:3], password), nxp=True))


def test_password_xor_protect_afi_and_eas(tag: SlixTag) -> None:
    tag.passwords[PASSWORD_EAS_AFI] = 0x0BADCAFE
    assert _authenticate(tag, 0x0BADCAFE) == b"\x00"
    assert tag.handle(request(0xA6, nxp=True, flags=ADDRESSED_OPTION)) == b"\x00"  # AFI
    assert tag.handle(request(0xA6, nxp=True)) == b"\x00"  # EAS
    assert tag.afi_protected and tag.eas_protected
    assert tag.handle(request(0x27, 0xC2)) == b"\x00"  # still authenticated
    tag.power_off()  # new session: protection needs the password again
    assert tag.handle(request(0x27, 0x07)) == b"\x01\x0f"
    assert tag.handle(request(0xA3, nxp=True)) == b"\x01\x0f"
    assert _authenticate(tag, 0x0BADCAFE) == b"\x00"
    assert tag.handle(request(0x27, 0x07)) == b"\x00"


def test_wrong_password_mutes_until_power_off(tag: SlixTag) -> None:
    assert _authenticate(tag, 0x12345678) is None
    assert tag.muted
    assert tag.handle(bytes([0x26, 0x01, 0x00])) is None
    tag.power_off()
    assert tag.handle(bytes([0x26, 0x01, 0x00])) is not None


def test_set_password_needs_fresh_random(tag: SlixTag) -> None:
    assert tag.handle(request(0xB3, set_password_request(b"\x00\x00", 0), nxp=True)) == b"\x01\x0f"


def test_write_and_lock_password(tag: SlixTag) -> None:
    assert _authenticate(tag, 0) == b"\x00"
    new_password = (0x11223344).to_bytes(4, "little")
    assert tag.handle(request(0xB4, PASSWORD_EAS_AFI, new_password, nxp=True)) == b"\x00"
    assert tag.passwords[PASSWORD_EAS_AFI] == 0x11223344
    assert tag.handle(request(0xB5, PASSWORD_EAS_AFI, nxp=True)) == b"\x00"
    assert tag.handle(request(0xB4, PASSWORD_EAS_AFI, bytes(4), nxp=True)) == b"\x01\x12"


def test_deterministic_write_failure_keeps_content(tag: SlixTag) -> None:
    tag.faults.fail_writes = 1
    assert tag.handle(request(0x21, 0, b"ABCD")) == b"\x01\x13"
    assert bytes(tag.memory[:4]) == bytes(range(4))
    assert tag.handle(request(0x21, 0, b"ABCD")) == b"\x00"


def test_weak_write_acknowledged_but_not_retained(tag: SlixTag) -> None:
    tag.faults.weak_writes = 1
    assert tag.handle(request(0x27, 0xC2)) == b"\x00"
    assert tag.afi == 0x07


def test_tearing_writes_part_of_block_and_leaves(tag: SlixTag) -> None:
    left: list[tuple[SlixTag, float | None]] = []
    tag.leave_hook = lambda t, after: left.append((t, after))
    tag.faults.tear_writes = 1
    tag.faults.tear_keep_bytes = 2
    assert tag.handle(request(0x21, 0, b"ABCD")) is None
    assert bytes(tag.memory[:4]) == b"AB\x02\x03"
    assert left == [(tag, None)]


def test_probabilistic_failures_are_reproducible() -> None:
    outcomes = []
    for _ in range(2):
        tag = SlixTag(UID, seed=7)
        tag.faults.write_failure_probability = 0.5
        outcomes.append([tag.handle(request(0x21, 0, b"ABCD")) for _ in range(20)])
    assert outcomes[0] == outcomes[1]
    assert {b"\x00", b"\x01\x13"} == set(outcomes[0])


def test_air_crc_x25_check_value() -> None:
    assert iso15693_crc(b"123456789") == 0x906E
    assert with_air_crc(b"\x26\x01\x00")[-2:] == iso15693_crc(b"\x26\x01\x00").to_bytes(2, "little")


@given(st.binary(max_size=40))
def test_any_request_never_crashes(frame: bytes) -> None:
    tag = SlixTag(UID, bytes(range(16)))
    answer = tag.handle(frame)
    assert answer is None or answer[0] in (0, 1)


def test_fuzz_random_requests_keep_invariants() -> None:
    rng = random.Random(1)
    tag = SlixTag(UID, variant="slix2")
    for _ in range(20_000):
        flags = rng.choice([0x02, 0x22, 0x62, 0x12, 0x26, 0x36])
        command = rng.choice([0x01, 0x02, 0x20, 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x2B, 0x2C, 0xA2, 0xA5,
                              0xB2, 0xB3, rng.randrange(256)])
        frame = bytes([flags, command]) + (b"\x04" if command >= 0xA0 else b"") + (
            AIR_UID if flags & 0x20 and rng.random() < 0.9 else b"") + rng.randbytes(rng.randrange(6))
        answer = tag.handle(frame)
        assert answer is None or answer[0] in (0, 1)
        if tag.muted:
            tag.power_off()
        assert len(tag.memory) == 79 * 4
