from __future__ import annotations

import itertools

import pytest

import iso28560
from drivers.counters.simulated import SimulatedBeamCounter
from simulators.gate_traffic import (
    IDEAL,
    REALISTIC,
    CatalogItem,
    GateTraffic,
    TrafficPlanner,
    TrafficProfile,
)
from simulators.rf import RFField


class StepClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plans_are_deterministic_per_seed() -> None:
    a = TrafficPlanner(seed=3).visitors(30)
    b = TrafficPlanner(seed=3).visitors(30)
    c = TrafficPlanner(seed=4).visitors(30)
    assert a == b and a != c
    arrivals = [v.arrival for v in a]
    assert arrivals == sorted(arrivals) and min(y - x for x, y in itertools.pairwise(arrivals)) >= 1.5


def test_tags_have_real_iso28560_content_and_field_state() -> None:
    planner = TrafficPlanner(TrafficProfile(secured_card_share=1.0), seed=1)
    secured, loaned, card, foreign, blank = (
        planner.tag(k) for k in ("secured", "on_loan", "patron_card", "foreign", "blank")
    )
    assert (secured.afi, secured.eas, secured.should_alarm) == (0x07, True, True)
    assert (loaned.afi, loaned.eas, loaned.should_alarm) == (0xC2, False, False)
    assert card.afi == 0x07 and not card.should_alarm
    decoded = iso28560.decode(card.memory)
    assert decoded.type_of_usage == 0x81 and decoded.primary_item_identifier == card.item_id
    assert iso28560.decode(foreign.memory).owner_institution == "FR-133331001"
    assert blank.memory == b"" and blank.afi == 0
    with pytest.raises(ValueError, match="unknown tag kind"):
        planner.tag("book")


def test_catalog_items_are_used_for_network_items() -> None:
    catalog = (
        CatalogItem("30660000000013", "FR-660010101", False, "Les Misérables"),
        CatalogItem("30660000000020", "FR-660010101", True),
    )
    planner = TrafficPlanner(TrafficProfile(catalog=catalog), seed=1)
    assert planner.tag("secured").item_id == "30660000000013"
    loaned = planner.tag("on_loan")
    assert loaned.item_id == "30660000000020"
    assert iso28560.decode(loaned.memory).owner_institution == "FR-660010101"


def test_realistic_table_is_worse_for_flat_fast_items() -> None:
    assert REALISTIC[("spine_vertical", "slow")] > REALISTIC[("flat", "fast")]
    assert set(REALISTIC) == set(IDEAL)


def test_playback_places_and_removes_tags_and_walks_the_counter() -> None:
    clock, field, counter = StepClock(), RFField(), SimulatedBeamCounter()
    planner = TrafficPlanner(TrafficProfile(tags_per_visitor=(2, 2)), seed=5)
    visitors = planner.visitors(2)
    traffic = GateTraffic(field, visitors, counter=counter, clock=clock)
    first = visitors[0]
    traffic.advance_to(first.arrival)
    assert {t.uid for t in field.tags} == {t.uid for t in first.carried}
    clock.now += first.field_time
    traffic.advance_to(first.leaves)
    assert not [t for t in field.tags if t.uid in {c.uid for c in first.carried}]
    assert [c.direction for c in counter.read()] == [first.direction]


def test_scoring_detection_false_alarms_and_latency() -> None:
    clock, field = StepClock(), RFField()
    planner = TrafficPlanner(seed=2)
    secured, card = planner.tag("secured"), planner.tag("patron_card")
    from simulators.gate_traffic import Visitor

    visitors = [
        Visitor(0, 1.0, "normal", "out", (secured, card), 1.0),
        Visitor(1, 5.0, "normal", "out", (planner.tag("secured"),), 1.0),
    ]
    traffic = GateTraffic(field, visitors, clock=clock)
    for t in (1.0, 2.0, 5.0, 6.0):
        clock.now = 100.0 + t
        traffic.advance_to(t)
    alarms = [(101.03, secured.uid), (101.5, card.uid), (150.0, b"\xe0" * 8)]
    report = traffic.score(alarms, activations=[101.04])
    assert (report.expected, report.detected) == (2, 1)
    assert report.detection_rate == 0.5
    assert report.false_alarms == {"patron_card": 1, "unknown": 1}
    assert report.latencies == [pytest.approx(0.04)]
    assert report.missed[0].visitor.index == 1
    assert report.by_condition[("spine_vertical", "normal")].expected == 2


def test_real_time_playback_finishes() -> None:
    profile = TrafficProfile(min_spacing_s=0.05, visitors_per_minute=6000, field_depth_m=0.2)
    traffic = GateTraffic(RFField(), TrafficPlanner(profile, seed=1).visitors(5, start=0.01), profile=profile)
    traffic.start()
    assert traffic.finished.wait(10)
    traffic.stop()
    assert all(p.entered is not None and p.left is not None for p in traffic.presences)
