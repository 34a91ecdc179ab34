from __future__ import annotations

import pytest

from gate.events import Reason, Verdict
from gate.walktest import WalkCondition, WalkTest, WalkTestPlan

from .helpers import decoded, sighting

ALARM, SILENT = Verdict(True, Reason.SECURED), Verdict(False, Reason.ON_LOAN)


def test_plan_validation_and_order() -> None:
    plan = WalkTestPlan(("A",), passes=2, orientations=("flat", "bag"), speeds=("slow",))
    assert list(plan.steps()) == [
        (WalkCondition("flat", "slow"), 1),
        (WalkCondition("flat", "slow"), 2),
        (WalkCondition("bag", "slow"), 1),
        (WalkCondition("bag", "slow"), 2),
    ]
    with pytest.raises(ValueError, match="at least one test item"):
        WalkTestPlan(())
    with pytest.raises(ValueError, match="unknown orientation 'upside'"):
        WalkTestPlan(("A",), orientations=("upside",))
    with pytest.raises(ValueError, match="at least one pass"):
        WalkTestPlan(("A",), passes=0)


def test_detections_count_only_inside_a_pass_and_only_alarms() -> None:
    item = decoded("30660000000013")
    walk = WalkTest(
        WalkTestPlan(
            ("30660000000013", "E004015012340002"), passes=2, orientations=("flat",), speeds=("fast",)
        )
    )
    flat_fast = WalkCondition("flat", "fast")
    walk.observe(sighting(tag=item), ALARM)  # before any pass: ignored
    walk.start_pass(flat_fast, 1)
    walk.observe(sighting(tag=item), ALARM)
    walk.observe(sighting(uid=2, tag=decoded("other")), SILENT)  # read but would not alarm: a miss
    walk.observe(sighting(uid=9, tag=decoded("stranger")), ALARM)  # not a test item
    first = walk.end_pass()
    assert first.detected == {"30660000000013"} and first.missed == {"E004015012340002"}
    walk.start_pass(flat_fast, 2)
    walk.observe(sighting(tag=item), ALARM)
    walk.observe(sighting(uid=2, tag=decoded("other")), ALARM)  # matched by UID
    walk.end_pass()
    (row,) = walk.by_condition()
    assert (row.passes, row.expected, row.detected) == (2, 4, 3) and walk.overall() == 0.75
    assert walk.report().splitlines()[1] == "flat            fast          2       3/4   75.0%"
    with pytest.raises(RuntimeError):
        walk.end_pass()
