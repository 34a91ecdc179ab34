"""RF field: anticollision, read probability, collisions, tearing, air time; floors from ISO timing."""

from __future__ import annotations

import random

import pytest

from simulators import airtime
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

UID = bytes.fromhex("E004015012345678")


def tags(n: int, seed: int = 3) -> list[SlixTag]:
    rng = random.Random(seed)
    return [SlixTag(make_uid(rng.getrandbits(36))) for _ in range(n)]


def read_request(uid: bytes, block: int = 0) -> bytes:
    return bytes([0x22, 0x20]) + uid[::-1] + bytes([block])


@pytest.mark.parametrize("n", [0, 1, 5, 20, 60])
def test_inventory_finds_every_tag(n: int) -> None:
    field = RFField()
    population = tags(n)
    for tag in population:
        field.place(tag)
    outcome = field.inventory()
    assert sorted(uid for uid, _, _ in outcome.tags) == sorted(t.uid for t in population)
    assert outcome.unresolved_collisions == 0
    assert outcome.air_time == pytest.approx(airtime.inventory_time(n, [t.uid for t in population]))


def test_forced_slot_collision_is_resolved_with_longer_mask() -> None:
    field = RFField()
    a, b = SlixTag(bytes.fromhex("E004012000000010")), SlixTag(bytes.fromhex("E004012000000020"))
    field.place(a)
    field.place(b)
    outcome = field.inventory()
    assert {uid for uid, _, _ in outcome.tags} == {a.uid, b.uid}
    assert outcome.rounds == 2  # same first slot (low nibble 0): one more round


def test_clones_with_different_dsfid_never_resolve() -> None:
    field = RFField()
    field.place(SlixTag(UID, dsfid=0x06))
    field.place(SlixTag(UID, dsfid=0x3E))
    outcome = field.inventory()
    assert outcome.tags == ()
    assert outcome.unresolved_collisions == 1


def test_addressed_command_to_clones_collides() -> None:
    field = RFField()
    field.place(SlixTag(UID, b"AAAA"))
    field.place(SlixTag(UID, b"BBBB"))
    reply = field.transact(read_request(UID))
    assert reply.collision and reply.response is None


def test_identical_answers_do_not_collide() -> None:
    field = RFField()
    for tag in tags(3):
        field.place(tag)
    reply = field.transact(bytes([0x02, 0xA5, 0x04]))
    assert len(reply.responses) == 3 and not reply.collision and reply.response is not None


def test_afi_masked_inventory_only_secured_items() -> None:
    field = RFField()
    secured, loaned = tags(2)
    loaned.afi = 0xC2
    field.place(secured)
    field.place(loaned)
    assert [uid for uid, _, _ in field.inventory(afi=0x07).tags] == [secured.uid]
    assert [uid for uid, _, _ in field.inventory(afi=0x07, slots=1).tags] == [secured.uid]


def test_one_slot_collision_falls_back_to_sixteen_slots() -> None:
    field = RFField()
    for tag in tags(4):
        field.place(tag)
    assert len(field.inventory(slots=1).tags) == 4


def test_read_probability_drops_answers_reproducibly() -> None:
    def run() -> list[int]:
        field = RFField(seed=11)
        for tag in tags(10):
            field.place(tag, read_probability=0.5)
        return [len(field.inventory().tags) for _ in range(30)]

    counts = run()
    assert counts == run()
    assert min(counts) > 0 and max(counts) < 10
    with pytest.raises(ValueError, match="read_probability"):
        RFField().place(tags(1)[0], read_probability=1.5)


def test_antennas_select_tags() -> None:
    field = RFField()
    one, two = tags(2)
    field.place(one, antenna=1)
    field.place(two, antenna=2)
    assert [uid for uid, _, ant in field.inventory(antennas=[2]).tags] == [two.uid]
    assert {ant for _, _, ant in field.inventory().tags} == {1, 2}


def test_tearing_removes_tag_and_returns_later() -> None:
    now = [100.0]
    field = RFField(clock=lambda: now[0])
    events: list[tuple[str, bytes]] = []
    field.subscribe(lambda event, tag: events.append((event, tag.uid)))
    tag = field.place(SlixTag(UID))
    tag.faults.tear_writes = 1
    tag.faults.tear_return_after = 0.5
    write = bytes([0x22, 0x21]) + UID[::-1] + b"\x00ABCD"
    assert field.transact(write).silent
    assert field.tags == []
    now[0] += 0.6
    assert field.tags == [tag]
    assert [e for e, _ in events] == ["placed", "left", "placed"]


def test_remove_power_cycle_and_muting() -> None:
    field = RFField()
    tag = field.place(SlixTag(UID))
    tag.muted = True
    field.power_cycle()
    assert not tag.muted
    assert field.remove(UID) is tag
    assert field.remove(UID) is None
    assert field.transact(read_request(UID)).silent


def test_air_time_accounting_and_real_sleep() -> None:
    slept: list[float] = []
    field = RFField(airtime=True, sleep=slept.append, programming_time=0.005)
    field.place(SlixTag(UID))
    field.transact(bytes([0x22, 0x23]) + UID[::-1] + bytes([0, 7]))
    field.transact(bytes([0x22, 0x27]) + UID[::-1] + b"\xC2")
    assert slept == pytest.approx([airtime.read_blocks_time(8), airtime.write_afi_time(0.005)])
    field.airtime = False
    field.inventory()
    assert len(slept) == 2
    assert field.air_time == pytest.approx(sum(slept) + airtime.inventory_time(1, [UID]))


def test_reference_floors() -> None:
    """The figures of shared/reference/readers.md, from ISO 15693 constants."""
    assert airtime.request_time(3) == pytest.approx(1.62e-3, abs=0.01e-3)
    assert airtime.response_time(10) == pytest.approx(3.93e-3, abs=0.01e-3)
    assert airtime.round_time(0, 0) == pytest.approx(9.8e-3, abs=0.05e-3)
    assert airtime.single_slot_poll_time(afi=False) == pytest.approx(6.2e-3, abs=0.05e-3)
    assert airtime.single_slot_poll_time(afi=True) == pytest.approx(6.5e-3, abs=0.05e-3)
    assert airtime.inventory_time(5) == pytest.approx(39e-3, abs=1e-3)
    assert airtime.inventory_time(10) == pytest.approx(82e-3, abs=1e-3)
    assert airtime.inventory_time(10, percentile=0.95) == pytest.approx(107e-3, abs=2e-3)
    assert airtime.inventory_time(20) == pytest.approx(183e-3, abs=1.5e-3)
    assert airtime.read_blocks_time(8) == pytest.approx(15.9e-3, abs=0.06e-3)
    assert airtime.read_blocks_time(28) == pytest.approx(40e-3, abs=0.1e-3)
    assert airtime.write_afi_time(0) == pytest.approx(5.9e-3, abs=0.05e-3)
    assert airtime.eas_alarm_time() == pytest.approx(13.1e-3, abs=0.05e-3)
    assert airtime.checkout_time(10) == pytest.approx(0.35, abs=0.005)
    assert airtime.checkout_time(10, programming=0.020) == pytest.approx(0.5, abs=0.005)
    # Write Single Block: 6.8 ms in the reference, which leaves out t2 (0.31 ms) counted here.
    assert airtime.write_block_time(programming=0) == pytest.approx(6.8e-3 + airtime.T2_S, abs=0.05e-3)
