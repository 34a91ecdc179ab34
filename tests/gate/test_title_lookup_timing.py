"""The title look-up never delays the alarm: with the SIGB hanging on the item-information request, the
output is on and the alarm row written within the same cycle; the title arrives when the SIGB answers."""

from __future__ import annotations

import threading
import time

from gate.events import CirculationState

from .test_controller import PLAN_ITEM, chip


class HangingLookup:
    """Item information that does not come back until the test releases it (a SIGB stalled mid-request)."""

    def __init__(self, title: str) -> None:
        self.title, self.release, self.asked = title, threading.Event(), threading.Event()

    def item_state(self, item_id: str) -> CirculationState:
        self.asked.set()
        self.release.wait(10)
        return CirculationState(item_id, False, 3, self.title, checked_at=time.time())

    def close(self) -> None:
        self.release.set()


def test_a_hanging_sigb_does_not_delay_the_alarm(rig) -> None:
    lookup = HangingLookup("Nana")
    r = rig("afi", lookup=lookup)
    item = chip("secured")
    r.field.place(item)
    started = time.perf_counter()
    r.cycles(1)
    elapsed = time.perf_counter() - started
    assert r.light.active and len(r.alarms) == 1  # the output is on after the first cycle
    row = r.alarms[0][1]
    assert row.item_id == PLAN_ITEM(item) and row.title is None
    assert lookup.asked.wait(2)  # the look-up is in flight, still unanswered
    assert elapsed < 1.0, elapsed  # sanity bound: the cycle did not wait for the SIGB
    r.cycles(3)  # later cycles do not wait either, and the item does not alarm twice
    assert len(r.alarms) == 1 and r.gate.log.get(row.id).title is None
    lookup.release.set()
    deadline = time.monotonic() + 3
    while r.gate.log.get(row.id).title is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r.gate.log.get(row.id).title == "Nana"
