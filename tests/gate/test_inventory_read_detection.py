"""The gate identifies secured tags in the poll that hears them (NXP FAST INVENTORY READ via FEIG [0xBF]).

Real FEIG driver and reader simulator over a pyserial URL transport; the tag memory
comes from ``TrafficPlanner`` (real ISO 28560-2 images).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from drivers.base import InventoryReader, InventoryReadResult
from drivers.errors import ReaderTimeout, Unsupported
from gate.buffered import BufferedInventory
from gate.config import ConfigError, PolicyConfig, parse_config
from gate.events import Reason
from gate.identify import TagIdentifier
from gate.item_states import ItemStateService
from gate.modes import AfiDetector, DatabaseDetector
from gate.policy import DetectionPolicy
from iso28560.model import AFI_PROFILES, AFI_SECURED
from simulators.gate_traffic import CarriedTag, TrafficPlanner, TrafficProfile
from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.tags import SlixTag

from .conftest import BASE, DictLookup

NETWORK = ("FR-66*",)
PROFILE = TrafficProfile(network=("FR-660010101",), foreign_owner="FR-133331001", secured_card_share=1.0,
                         secured_foreign_share=1.0)


def detector(**policy: object) -> tuple[AfiDetector, DetectionPolicy]:
    config = PolicyConfig(network_institutions=NETWORK, **policy)  # type: ignore[arg-type]
    rules = DetectionPolicy(config, AFI_PROFILES["iso28560"], "afi")
    return AfiDetector(rules, TagIdentifier()), rules


def place(field: RFField, tag: CarriedTag) -> None:
    field.place(SlixTag(tag.uid, tag.memory, afi=tag.afi))


@contextmanager
def feig(field: RFField, **options: object) -> Iterator[object]:
    with simulated_reader(field, protocol="feig", transport="url", **options) as reader:
        yield reader


class CountingReader:
    """The FEIG driver, with a count of the commands the detector sent (wraps, does not replace)."""

    def __init__(self, reader: object) -> None:
        self.reader, self.calls = reader, []

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self.reader, name)
        if callable(attribute):
            def counted(*args: object, **kwargs: object) -> object:
                self.calls.append(name)
                return attribute(*args, **kwargs)
            return counted
        return attribute

    def inventory_read(self, *args: object, **kwargs: object) -> InventoryReadResult:
        self.calls.append("inventory_read" + ("" if kwargs.get("one_slot", True) else "/16"))
        return self.reader.inventory_read(*args, **kwargs)  # type: ignore[attr-defined]


def test_a_lone_secured_item_is_identified_by_the_poll_itself() -> None:
    planner, field = TrafficPlanner(PROFILE, seed=1), RFField()
    item = planner.tag("secured")
    place(field, item)
    afi, rules = detector()
    with feig(field) as driver:
        reader = CountingReader(driver)
        (seen,) = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert reader.calls == ["inventory_read"]  # no inventory, no memory read
    assert seen.uid == item.uid and seen.afi == AFI_SECURED and seen.identified
    assert seen.decoded.primary_item_identifier == item.item_id
    assert rules.decide(seen).alarm and afi.identifier.reads == 0


@pytest.mark.parametrize("kind, reason", [("patron_card", Reason.PATRON_CARD), ("foreign", Reason.FOREIGN),
                                          ("equipment", Reason.EQUIPMENT)])
def test_secured_cards_foreign_items_and_equipment_are_ignored_from_the_same_exchange(kind, reason) -> None:
    field = RFField()
    tag = TrafficPlanner(PROFILE, seed=2).tag(kind)
    assert tag.afi == AFI_SECURED  # answers the AFI-masked poll like a secured item
    place(field, tag)
    afi, rules = detector()
    with feig(field) as driver:
        reader = CountingReader(driver)
        (seen,) = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    verdict = rules.decide(seen)
    assert not verdict.alarm and verdict.reason == reason
    assert reader.calls == ["inventory_read"]


def test_several_secured_tags_collide_then_one_16_slot_round_reads_them_all() -> None:
    planner, field = TrafficPlanner(PROFILE, seed=3), RFField()
    tags = [planner.tag("secured"), planner.tag("patron_card"), planner.tag("secured")]
    for tag in tags:
        place(field, tag)
    place(field, planner.tag("on_loan"))  # AFI 0xC2: not part of the AFI-masked rounds
    afi, rules = detector()
    with feig(field) as driver:
        reader = CountingReader(driver)
        seen = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert reader.calls == ["inventory_read", "inventory_read/16"]
    assert sorted(s.uid for s in seen) == sorted(t.uid for t in tags)
    assert [rules.decide(s).alarm for s in seen].count(True) == 2
    assert afi.identifier.reads == 0


def test_tags_still_colliding_after_the_16_slot_round_go_through_inventory_and_read() -> None:
    field = RFField()
    planner = TrafficPlanner(PROFILE, seed=4)
    first = planner.tag("secured")
    # Same last UID byte as ``first``: same slot of the 16-slot round.
    twin = CarriedTag(first.uid[:6] + bytes([first.uid[6] ^ 0x01, first.uid[7]]), "secured", "spine_vertical",
                      "30000099000777", AFI_SECURED, True, planner.tag("secured").memory)
    place(field, first)
    place(field, twin)
    afi, _ = detector()
    with feig(field) as driver:
        reader = CountingReader(driver)
        seen = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert reader.calls[:3] == ["inventory_read", "inventory_read/16", "inventory"]
    assert sorted(s.uid for s in seen) == sorted([first.uid, twin.uid])
    assert all(s.identified for s in seen) and afi.identifier.reads == 2


def test_content_longer_than_the_blocks_read_is_completed_by_a_read() -> None:
    field = RFField()
    tag = TrafficPlanner(PROFILE, seed=5).tag("secured")
    field.place(SlixTag(tag.uid, tag.memory, afi=AFI_SECURED))
    afi, _ = detector(identify_blocks=2)  # 8 bytes cannot hold this content
    afi.identifier.blocks = 2
    with feig(field) as driver:
        reader = CountingReader(driver)
        (seen,) = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert seen.decoded.primary_item_identifier == tag.item_id
    assert "read_blocks" in reader.calls


def test_known_tags_are_not_decoded_twice() -> None:
    field = RFField()
    tag = TrafficPlanner(PROFILE, seed=6).tag("secured")
    place(field, tag)
    afi, _ = detector()
    with feig(field) as reader:
        list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
        list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert afi.identifier.hits == 1 and afi.identifier.reads == 0


def test_switched_off_or_not_needed_the_gate_uses_inventory_then_read() -> None:
    field = RFField()
    place(field, TrafficPlanner(PROFILE, seed=7).tag("secured"))
    for policy in ({"inventory_read": False}, {"identify": False}):
        afi, _ = detector(**policy)
        with feig(field) as driver:
            reader = CountingReader(driver)
            list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
        assert "inventory_read" not in reader.calls and reader.calls[0] == "inventory"


def test_an_antenna_selection_keeps_the_antenna_aware_inventory() -> None:
    field = RFField()
    place(field, TrafficPlanner(PROFILE, seed=8).tag("secured"))
    afi, _ = detector()
    with feig(field, antennas=2) as driver:
        driver.antennas = 2
        reader = CountingReader(driver)
        (seen,) = list(afi.poll("gate", reader, 1))  # type: ignore[arg-type]
    assert reader.calls[0] == "inventory" and seen.identified


class RefusingReader(CountingReader):
    """A FEIG reader whose firmware predates the transparent command (answers status 0x80)."""

    def inventory_read(self, *args: object, **kwargs: object) -> InventoryReadResult:
        self.calls.append("inventory_read")
        raise Unsupported("inventory read: unknown command", status=0x80)


def test_a_reader_refusing_the_command_is_polled_the_classic_way_from_then_on(caplog) -> None:
    field = RFField()
    tag = TrafficPlanner(PROFILE, seed=9).tag("secured")
    place(field, tag)
    afi, _ = detector()
    with feig(field) as driver, caplog.at_level(logging.WARNING, logger="gate.modes"):
        reader = RefusingReader(driver)
        first = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
        second = list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
    assert [s.uid for s in first] == [s.uid for s in second] == [tag.uid]
    assert reader.calls.count("inventory_read") == 1
    assert len([r for r in caplog.records if "cannot inventory-read" in r.message]) == 1


class SilentToTransparent(CountingReader):
    """A reader that says nothing to [0xBF] (as FEIG readers do to a frame they cannot take)."""

    def __init__(self, reader: object, worked_first: bool = False) -> None:
        super().__init__(reader)
        self.worked_first = worked_first

    def inventory_read(self, *args: object, **kwargs: object) -> InventoryReadResult:
        if self.worked_first:
            self.worked_first = False
            return super().inventory_read(*args, **kwargs)
        self.calls.append("inventory_read")
        raise ReaderTimeout("inventory read: no answer from the reader")


def test_a_reader_that_never_answered_the_command_falls_back_instead_of_going_down() -> None:
    field = RFField()
    tag = TrafficPlanner(PROFILE, seed=12).tag("secured")
    place(field, tag)
    afi, _ = detector()
    with feig(field) as driver:
        reader = SilentToTransparent(driver)
        assert [s.uid for s in afi.poll("gate", reader, None)] == [tag.uid]  # type: ignore[arg-type]
        assert [s.uid for s in afi.poll("gate", reader, None)] == [tag.uid]  # type: ignore[arg-type]
    assert reader.calls.count("inventory_read") == 1


def test_once_the_command_worked_a_timeout_is_the_readers_health() -> None:
    field = RFField()
    place(field, TrafficPlanner(PROFILE, seed=13).tag("secured"))
    afi, _ = detector()
    with feig(field) as driver:
        reader = SilentToTransparent(driver, worked_first=True)
        list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
        with pytest.raises(ReaderTimeout):
            list(afi.poll("gate", reader, None))  # type: ignore[arg-type]


def test_buffered_read_mode_does_not_offer_inventory_read() -> None:
    with feig(RFField(), mode="buffered", scan_period=0.01) as reader:
        assert isinstance(reader, InventoryReader)
        assert not isinstance(BufferedInventory(reader), InventoryReader)  # type: ignore[arg-type]


def test_database_mode_reads_every_tag_with_its_memory() -> None:
    planner, field = TrafficPlanner(PROFILE, seed=10), RFField()
    secured, on_loan = planner.tag("secured"), planner.tag("on_loan")
    place(field, secured)
    place(field, on_loan)
    lookup = DictLookup({secured.item_id: (False, "A"), on_loan.item_id: (True, "B")})
    states = ItemStateService(lookup)
    rules = DetectionPolicy(PolicyConfig(network_institutions=NETWORK), AFI_PROFILES["iso28560"], "database")
    db = DatabaseDetector(rules, TagIdentifier(), states)
    try:
        with feig(field) as driver:
            reader = CountingReader(driver)
            seen = list(db.poll("gate", reader, None))  # type: ignore[arg-type]
        assert reader.calls == ["inventory_read", "inventory_read/16"]  # two tags: collide, then 16 slots
        identifiers = sorted(s.decoded.primary_item_identifier for s in seen)
        assert identifiers == sorted([secured.item_id, on_loan.item_id])
        assert db.identifier.reads == 0
    finally:
        states.stop()


def test_inventory_read_is_a_policy_key() -> None:
    assert parse_config(BASE.format(mode="afi")).policy.inventory_read is True
    config = parse_config(BASE.format(mode="afi").replace("[policy]", "[policy]\ninventory_read = false"))
    assert config.policy.inventory_read is False
    with pytest.raises(ConfigError, match=r"policy\.inventory_read"):
        parse_config(BASE.format(mode="afi").replace("[policy]", '[policy]\ninventory_read = "yes"'))


def test_eas_mode_gets_identities_from_the_inventory_read_and_asks_only_network_tags() -> None:
    from gate.modes import EasDetector

    planner, field = TrafficPlanner(PROFILE, seed=11), RFField()
    item, foreign, loan = planner.tag("secured"), planner.tag("foreign"), planner.tag("on_loan")
    for tag in (item, foreign, loan):
        field.place(SlixTag(tag.uid, tag.memory, afi=tag.afi, eas=tag.eas))
    assert item.eas and foreign.eas and not loan.eas
    rules = DetectionPolicy(PolicyConfig(network_institutions=NETWORK), AFI_PROFILES["iso28560"], "eas")
    eas = EasDetector(rules, TagIdentifier())
    with feig(field) as driver:
        reader = CountingReader(driver)
        seen = list(eas.poll("gate", reader, None))  # type: ignore[arg-type]
    assert [s.uid for s in seen] == [item.uid] and rules.decide(seen[0]).alarm
    assert reader.calls[:3] == ["eas_alarm", "inventory_read", "inventory_read/16"]
    assert reader.calls.count("eas_alarm") == 3  # the poll, then the item and the loan: not the foreign tag
    assert "read_blocks" not in reader.calls and eas.identifier.reads == 0


def test_on_collision_alarm_raises_the_alarm_before_reading_the_colliding_tags() -> None:
    from gate.passages import AlarmPipeline

    planner, field = TrafficPlanner(PROFILE, seed=14), RFField()
    item, card = planner.tag("secured"), planner.tag("patron_card")
    place(field, item)
    place(field, card)
    afi, rules = detector(on_collision="alarm")
    pipeline = AlarmPipeline(rules, debounce_s=10, passage_gap_s=1)
    with feig(field) as driver:
        reader = CountingReader(driver)
        poll = afi.poll("gate", reader, None)  # type: ignore[arg-type]
        first = next(poll)
        assert reader.calls == ["inventory_read"]  # decided before the 16-slot round
        rest = list(poll)
    assert first.uid is None and rules.decide(first) == (True, Reason.SEVERAL_SECURED)
    assert reader.calls == ["inventory_read", "inventory_read/16"]
    alarms = [a for s in [first, *rest] if (a := pipeline.feed(s)) is not None]
    assert [a.sighting.uid for a in alarms] == [None, item.uid]  # then the item, named, in the same passage
    assert len({a.passage_id for a in alarms}) == 1 and alarms[1].reason == Reason.SECURED


def test_on_collision_alarm_is_the_false_alarm_the_default_avoids() -> None:
    planner, field = TrafficPlanner(PROFILE, seed=15), RFField()
    for kind in ("patron_card", "foreign"):  # both answer the secured AFI; neither should alarm
        place(field, planner.tag(kind))
    for on_collision, expected in (("identify", []), ("alarm", [Reason.SEVERAL_SECURED])):
        afi, rules = detector(on_collision=on_collision)
        with feig(field) as reader:
            verdicts = [rules.decide(s) for s in afi.poll("gate", reader, None)]  # type: ignore[arg-type]
        assert [v.reason for v in verdicts if v.alarm] == expected


def test_on_collision_is_a_checked_policy_key() -> None:
    config = parse_config(BASE.format(mode="afi").replace("[policy]", '[policy]\non_collision = "alarm"'))
    assert config.policy.on_collision == "alarm"
    assert parse_config(BASE.format(mode="afi")).policy.on_collision == "identify"
    with pytest.raises(ConfigError, match=r"policy\.on_collision"):
        parse_config(BASE.format(mode="afi").replace("[policy]", '[policy]\non_collision = "beep"'))


def test_a_group_lingering_between_the_pedestals_is_announced_once() -> None:
    planner, field = TrafficPlanner(PROFILE, seed=16), RFField()
    for kind in ("secured", "secured"):
        place(field, planner.tag(kind))
    afi, _ = detector(on_collision="alarm")
    with feig(field) as reader:
        polls = [[s.uid for s in afi.poll("gate", reader, None)] for _ in range(3)]  # type: ignore[arg-type]
        field.clear()
        list(afi.poll("gate", reader, None))  # type: ignore[arg-type]
        for kind in ("secured", "equipment"):  # the next group
            place(field, planner.tag(kind))
        after = [s.uid for s in afi.poll("gate", reader, None)]  # type: ignore[arg-type]
    assert [p.count(None) for p in polls] == [1, 0, 0] and after.count(None) == 1


def test_each_group_announcement_is_its_own_alarm_not_debounced_by_the_last_one() -> None:
    from gate.events import Sighting
    from gate.passages import AlarmPipeline

    _, rules = detector(on_collision="alarm")
    pipeline = AlarmPipeline(rules, debounce_s=10, passage_gap_s=1)
    first, second = (
        Sighting(time=t, uid=None, reader="gate", afi=AFI_SECURED, identified=False) for t in (0, 3)
    )
    alarms = [pipeline.feed(first), pipeline.tick(2.0), pipeline.feed(second)]
    assert alarms[0] is not None and alarms[2] is not None and alarms[0].passage_id != alarms[2].passage_id
