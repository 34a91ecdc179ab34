"""The scripted session of ``borne encode --demo``: every branch of the desk, played on the demo desk.

The same script drives the headless demo (commands called directly, one pad
poll per step, a transcript on standard output) and the windowed demo
(commands submitted to the station's worker thread, which polls the pad by
itself, with a pause between steps so the staff window can be watched).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .demo import DemoDesk
from .samples import part3_memory, three_m_memory

Say = Callable[[str], None]


class DirectActor:
    """Headless: call the station directly and poll the pad once per step."""

    def __init__(self, desk: DemoDesk) -> None:
        self.desk = desk

    def do(self, fn: Callable[..., Any], *args: Any) -> None:
        fn(*args)

    def settle(self) -> None:
        self.desk.station.poll()


class RunnerActor:
    """Windowed: submit commands to the worker thread and let it poll; pause to let people watch."""

    def __init__(self, desk: DemoDesk, runner: Any, pause: float = 1.2) -> None:
        self.desk, self.runner, self.pause = desk, runner, pause

    def do(self, fn: Callable[..., Any], *args: Any) -> None:
        self.runner.submit(fn, *args).result()
        time.sleep(self.pause / 3)

    def settle(self) -> None:
        time.sleep(self.pause)


def run_script(desk: DemoDesk, actor: Any, say: Say) -> None:
    """Play every case of the desk once; ``say`` narrates each case."""
    station = desk.station
    items = [desk.item(n) for n in range(12)]
    network_owner = desk.config.network.branch_isil

    def place(*tags: Any) -> None:
        for tag in tags:
            desk.place(tag)
        actor.settle()

    def lift(*tags: Any) -> None:
        for tag in tags:
            desk.remove(tag)
        actor.settle()

    say("1. A new acquisition on a blank tag")
    first = desk.blank_tag()
    actor.do(station.scan, items[0])
    place(first)
    lift(first)

    say("2. The same item comes back: already encoded")
    actor.do(station.scan, items[0])
    place(first)
    lift(first)

    say("3. A two-part item: the number of parts is entered once, parts are placed in order")
    actor.do(station.set_parts, 2)
    actor.do(station.scan, items[1])
    part1, part2 = desk.blank_tag(), desk.blank_tag()
    place(part1)
    place(part2)  # part 1 may stay on the pad
    lift(part1, part2)
    actor.do(station.set_parts, 1)

    say("4. An old ISO 28560-3 tag (Danish model) with this item's barcode: migrated")
    actor.do(station.scan, items[2])
    legacy = desk.blank_tag(part3_memory(items[2], network_owner, variant="with-title"), dsfid=0x3E, afi=0x07)
    place(legacy)
    lift(legacy)

    say("5. Two tags on the pad")
    actor.do(station.scan, items[3])
    one, two = desk.blank_tag(), desk.blank_tag()
    place(one, two)
    lift(two)
    lift(one)

    say("6. A tag that holds another item: the staff must confirm")
    other = desk.blank_tag()
    actor.do(station.scan, items[5])
    place(other)
    lift(other)
    actor.do(station.scan, items[4])
    place(other)
    actor.do(station.confirm)
    actor.settle()
    lift(other)

    say("7. A tag lifted during the write, then put back")
    torn = desk.blank_tag()
    torn.faults.tear_writes = 1
    actor.do(station.scan, items[6])
    place(torn)
    lift(torn)
    place(torn)
    lift(torn)

    say("8. A 3M tag of this item whose blocks are locked: refused with the reason")
    locked = desk.blank_tag(three_m_memory(items[7]), afi=0x07, locked=(0, 1, 2))
    actor.do(station.scan, items[7])
    place(locked)
    lift(locked)
    actor.do(station.cancel)

    say("9. A patron card scanned instead of an item barcode")
    actor.do(station.scan, desk.dataset.scenarios["patron_ok"])

    say("10. Migration mode: legacy tags are converted as they are placed")
    actor.do(station.start_migration)
    for memory, dsfid in ((three_m_memory(items[8]), 0x00),
                          (part3_memory(items[9], network_owner, variant="bytes-reversed"), 0x3E),
                          (part3_memory(items[10], network_owner, variant="parts-swapped", parts=2, part=1),
                           0x3E)):
        tag = desk.blank_tag(memory, dsfid=dsfid, afi=0x07)
        place(tag)
        lift(tag)
    place(first)  # already in the network profile
    lift(first)
    blank = desk.blank_tag()
    place(blank)
    lift(blank)
