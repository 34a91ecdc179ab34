from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drivers.counters.base import Crossing
from gate.config import PolicyConfig
from gate.passages import AlarmPipeline, Debouncer, PassageTracker
from gate.policy import DetectionPolicy
from iso28560.model import AFI_PROFILES

from .helpers import AFI_ON_LOAN, NETWORK, sighting


def pipeline(debounce: float = 10.0, gap: float = 1.5) -> AlarmPipeline:
    policy = DetectionPolicy(PolicyConfig(network_institutions=NETWORK), AFI_PROFILES["iso28560"], "afi")
    return AlarmPipeline(policy, debounce, gap, direction_window_s=3.0)


def test_debouncer_one_alarm_per_window() -> None:
    d = Debouncer(10.0)
    assert d.admit("a", 0.0) and not d.admit("a", 9.99) and d.admit("a", 10.0)
    assert d.admit("b", 5.0)
    d.prune(20.0)
    assert len(d) == 0


def test_repeated_reads_of_one_item_give_one_alarm() -> None:
    p = pipeline()
    alarms = [p.feed(sighting(t * 0.05, uid=1)) for t in range(40)]
    raised = [a for a in alarms if a]
    assert len(raised) == 1 and raised[0].new_passage


def test_several_items_one_passage() -> None:
    p = pipeline()
    first = p.feed(sighting(0.0, uid=1))
    second = p.feed(sighting(0.3, uid=2))
    assert first and second and first.passage_id == second.passage_id
    assert first.new_passage and not second.new_passage
    assert p.tick(1.7) is None  # item 2 seen 1.4 s ago: still open
    closed = p.tick(1.8)
    assert closed is not None and closed.keys == [first.key, second.key]


def test_silent_items_never_reach_debounce_or_passages() -> None:
    p = pipeline()
    assert p.feed(sighting(0.0, uid=1, afi=AFI_ON_LOAN)) is None
    assert p.passages.current is None and len(p.debouncer) == 0


def test_item_alarms_again_after_window_in_a_new_passage() -> None:
    p = pipeline(debounce=10.0, gap=1.0)
    a = p.feed(sighting(0.0))
    p.tick(2.0)
    assert p.feed(sighting(5.0)) is None and p.suppressed == 1
    p.tick(7.0)
    b = p.feed(sighting(12.0))
    assert a and b and b.new_passage and b.passage_id == a.passage_id + 1


def test_parked_item_keeps_its_passage_open_and_does_not_realarm() -> None:
    p = pipeline(debounce=2.0, gap=1.0)
    raised = [p.feed(sighting(t * 0.5)) for t in range(60)]
    assert sum(1 for a in raised if a) == 1
    assert p.passages.current is not None


def test_direction_from_nearest_crossing() -> None:
    tracker = PassageTracker(gap=1.0, direction_window=3.0)
    tracker.crossing(Crossing(-10.0, "in"))
    tracker.add("x", 0.0)
    tracker.crossing(Crossing(0.4, "out"))
    tracker.crossing(Crossing(3.5, "in"))
    assert tracker.tick(1.0).direction == "out"
    tracker.add("y", 20.0)
    assert tracker.tick(21.0).direction is None  # no crossing within 3 s


@given(st.lists(st.tuples(st.floats(0, 0.5), st.integers(1, 5), st.booleans()), max_size=200))
def test_never_more_alarms_than_items_per_window(steps: list[tuple[float, int, bool]]) -> None:
    p = pipeline(debounce=1000.0, gap=1.0)
    now, raised = 0.0, []
    for delta, uid, secured in steps:
        now += delta
        alarm = p.feed(sighting(now, uid=uid, afi=0x07 if secured else AFI_ON_LOAN))
        p.tick(now)
        if alarm:
            raised.append(alarm.key)
    assert len(raised) == len(set(raised))
