"""Simulated visitors through a real gate, for ``borne pilot simulate``: the gate service on simulated time.

The gate's reader is a real FEIG driver talking to a reader simulator that serves the gate's RF field;
people cross a simulated beam-pair counter carrying real ISO 28560 tags in various orientations
(:mod:`simulators.gate_traffic`). Everyone comes in and, later, goes out:

- kiosk users walk through from the kiosk simulation (:meth:`GateSim.walk`) with the very tags the kiosk
  handled: their card, items to return coming in, their new loans (on loan: no alarm) going out, now and
  then an item the kiosk refused taken anyway (secured: a true alarm);
- the other visitors (:meth:`GateSim.day_events`: ``visitors_per_day`` minus the kiosk sessions) come in
  and leave after a stay, with cards, lending-desk loans coming back and going out (a share of them with
  an AFI that contradicts their loan state: false alarms, or misses), foreign and non-library tags, and a
  rare reading-room item forgotten in a bag.

Instead of running the poll thread, :class:`GateSim` calls the controller's ``cycle()`` every simulated
poll interval while a person is in the field, then lets the passage close.

The journal side is :class:`gate.pilot_journal.GateJournal`, as a site would run it. The simulator also
plays the staff who check each alarm: from the ground truth it tells the journal which alarms were false
and why (an item on loan whose tag stayed secured).

Walk tests: each pass of each test item either couples with the antennas or not, drawn from a per-condition
probability before the pass (the ground truth); the tag is then placed so that it answers every request or
none, and the gate must find exactly the coupled ones.

Plug-in interface of ``kiosk.pilot.simulate`` (which may not import ``gate``: it loads this module by name,
like the ``borne`` command loads ``gate.cli``): :func:`build` takes the simulation context (clock, SIGB,
dice, folders, the truth to fill) and returns one :class:`GateSim` per library. The clock and the truth are
duck-typed: ``clock.monotonic()``, ``clock.utc()``, ``clock.advance(s)``; the truth has the counters of
``kiosk.pilot.truth.GateTruth``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from iso28560.model import AFI_SECURED


def gate_table(name: str, network_isils: list[str], log_path: Path) -> dict[str, Any]:
    """The configuration of a pilot gate: AFI mode, one FEIG reader, a beam-pair counter, one light."""
    return {
        "gate": {"name": name, "mode": "afi", "poll_interval_ms": 50, "debounce_s": 10, "passage_gap_s": 1.0},
        "policy": {"network_institutions": list(network_isils)},
        "reader": [{"name": "pedestals", "driver": "feig", "port": "simulated"}],
        "output": [{"name": "beacon", "role": "light", "driver": "simulated", "duration_s": 1.0}],
        "counter": {"driver": "simulated"},
        "log": {"path": str(log_path)},
    }


# Probability that a test item couples with the gate antennas in one pass (a model, not vendor figures).
COUPLING = {"spine_vertical": 0.99, "horizontal": 0.95, "flat": 0.8, "bag": 0.9}
SPEED_FACTOR = {"slow": 1.0, "normal": 0.97, "fast": 0.9}
# What the visitors who do not use the kiosk carry (per tag), and how many tags, coming in and going out:
# cards, loans of the lending desk coming back in and going out (a share of them still secured: the desk
# forgot, or the tag's AFI is wrong), now and then a reading-room item forgotten in a bag (a true alarm).
IN_KINDS = {"on_loan": 0.35, "patron_card": 0.5, "foreign": 0.05, "blank": 0.1}
OUT_KINDS = {
    "on_loan": 0.45,
    "patron_card": 0.4,
    "secured": 0.006,
    "foreign": 0.04,
    "equipment": 0.02,
    "blank": 0.08,
}
TAGS_IN, TAGS_OUT = (0, 2), (0, 3)
UNTRUSTED_AFI = 0.015  # network items whose AFI contradicts their loan state
STAY_MINUTES = (5.0, 90.0)  # how long a visitor stays inside
FALSE_CAUSES = {
    "on_loan": "on-loan-still-secured",
    "patron_card": "patron-card",
    "foreign": "foreign-tag",
    "equipment": "equipment",
    "blank": "blank-tag",
}


class GateSim:
    def __init__(
        self,
        branch: Any,
        network_isils: list[str],
        clock: Any,
        workdir: Path,
        *,
        seed: int,
        truth: Any,
        catalog: tuple[Any, ...] = (),
        ctx: Any = None,
    ) -> None:
        from drivers.counters.simulated import SimulatedBeamCounter
        from drivers.outputs.simulated import SimulatedOutput
        from offline_queue import EventJournal
        from simulators.readers import simulated_reader
        from simulators.rf import RFField

        from .config import config_from_mapping
        from .pilot_journal import GateJournal
        from .service import build_gate

        self.clock, self.truth, self.seed = clock, truth, seed
        self.isil = branch.isil
        self.station_id = f"{branch.isil}-G1"
        self.rng = random.Random(seed)  # orientations and speeds of the people walking through
        self.workdir = workdir / self.station_id
        self.workdir.mkdir(parents=True, exist_ok=True)
        table = gate_table(f"{branch.name} — sortie", network_isils, self.workdir / "gate.sqlite")
        self.config = config_from_mapping(table, source="<pilot>")
        self.field = RFField(seed=seed)
        self.reader = simulated_reader(self.field, protocol="feig", transport="url")
        self.counter = SimulatedBeamCounter(clock=clock.monotonic)
        self.output = SimulatedOutput("beacon", "light", clock=clock.monotonic)
        self.gate = build_gate(
            self.config,
            readers={"pedestals": lambda: self.reader},
            outputs=[self.output],
            counter=self.counter,
            lookup=None,
            clock=clock.monotonic,
        )
        self.controller = self.gate.controller
        self.controller.wall = clock.utc
        self.journal_path = self.workdir / "events.db"
        self.journal = EventJournal(self.journal_path, station_id=self.station_id, clock=clock.utc)
        self.bridge = GateJournal(self.journal).attach(self.controller)
        self._alarms: list[tuple[bytes | None, int]] = []
        self.controller.on_alarm.append(
            lambda alarm, record: self._alarms.append((alarm.sighting.uid, record.id))
        )
        self.controller.start()
        self.catalog = catalog
        self.network = tuple(network_isils)
        self.ctx = ctx

    # -- the simulation's calendar (see build) ----------------------------------------------------------

    def before_opening(self, day: int) -> None:
        """The walk-test protocol, on the pilot's first morning."""
        if day == 0 and self.ctx is not None:
            self.walk_test(self.ctx.rng, passes=self.ctx.plan.walk_passes)

    def day_events(self, day: int) -> list[tuple[datetime, int, Callable[[], None]]]:
        """The day's visitors who do not use the kiosk (kiosk users walk through from the kiosk's side,
        :meth:`walk`): each comes in at a time of the opening hours and leaves after a stay."""
        from datetime import timedelta

        from simulators.gate_traffic import TrafficPlanner

        plan, profile = self.ctx.plan, self.profile()
        planner = TrafficPlanner(profile, seed=self.seed * 7919 + day * 101)
        count = max(0, plan.visitors_per_day - plan.sessions_per_day)
        last_exit = self.ctx.closing(day) + timedelta(minutes=10)
        events: list[tuple[datetime, int, Callable[[], None]]] = []
        for arrival in self.ctx.opening_times(day, count):
            stay = timedelta(minutes=planner.rng.uniform(*STAY_MINUTES))
            coming, going = (self._planned(planner, d) for d in ("in", "out"))
            events.append((arrival, 2, lambda v=coming: self.visitor(v, profile)))
            events.append((min(arrival + stay, last_exit), 2, lambda v=going: self.visitor(v, profile)))
        return events

    def _planned(self, planner: Any, direction: str) -> Any:
        kinds, counts = (IN_KINDS, TAGS_IN) if direction == "in" else (OUT_KINDS, TAGS_OUT)
        carried = [
            planner.tag(self._pick(kinds), self._pick(planner.profile.orientations))
            for _ in range(planner.rng.randint(*counts))
        ]
        return self._person(direction, carried)

    def walk(self, direction: str, carried: Sequence[tuple[Any, str]]) -> None:
        """A kiosk user walks through with these physical tags (``simulators.tags.SlixTag``, in the state
        the kiosk left them) and what each is (a kind of ``simulators.gate_traffic``: on_loan, secured…)."""
        from simulators.gate_traffic import ORIENTATIONS, CarriedTag

        tags = [
            CarriedTag(
                chip.uid, kind, self.rng.choice(ORIENTATIONS), None, chip.afi, chip.eas, bytes(chip.memory)
            )
            for chip, kind in carried
        ]
        self.visitor(self._person(direction, tags), self.profile())

    def _person(self, direction: str, carried: Sequence[Any]) -> Any:
        from simulators.gate_traffic import SPEEDS, Visitor

        speed = self._pick(self.profile().speeds)
        field_time = self.profile().field_depth_m / SPEEDS[speed]
        return Visitor(0, 0.0, speed, direction, tuple(carried), field_time)

    def _pick(self, weights: Any) -> str:
        names = list(weights)
        return self.rng.choices(names, weights=[weights[n] for n in names])[0]

    def _cycle_for(self, seconds: float) -> None:
        step = self.config.poll_interval_s
        for _ in range(max(1, round(seconds / step))):
            self.controller.cycle()
            self.clock.advance(step)

    def profile(self, read_probability: dict[tuple[str, str], float] | None = None) -> Any:
        from simulators.gate_traffic import IDEAL, TrafficProfile

        return TrafficProfile(
            catalog=self.catalog,
            network=self.network,
            read_probability=dict(read_probability or IDEAL),
            untrusted_afi=UNTRUSTED_AFI,
        )

    # -- visitors -------------------------------------------------------------------------------------------

    def visitor(self, visitor: Any, profile: Any) -> None:
        """One person walks through; the simulator then plays staff checking each alarm."""
        from simulators.gate_traffic import GateTraffic

        self._expect(visitor)
        traffic = GateTraffic(
            self.field,
            [replace(visitor, arrival=0.0)],
            profile=profile,
            counter=self.counter,
            clock=self.clock.monotonic,
        )
        traffic.advance_to(0.0)
        elapsed, step = 0.0, self.config.poll_interval_s
        while elapsed <= visitor.field_time + step:
            self.controller.cycle()
            self.clock.advance(step)
            elapsed += step
            traffic.advance_to(elapsed)
        self.clock.advance(self.config.passage_gap_s + 0.1)
        self.controller.cycle()  # the passage closes, the outputs go off
        self._verdicts({t.uid: t.kind for t in visitor.carried})

    def _expect(self, visitor: Any) -> None:
        if visitor.direction == "in":
            self.truth.entering += 1
        else:
            self.truth.leaving += 1
        for tag in visitor.carried:
            self.truth.carried[f"{visitor.direction}:{tag.kind}"] += 1
            secured = tag.afi == AFI_SECURED
            # a network item with the secured AFI alarms, and so does a library tag never programmed but
            # left secured (a kiosk user's "blank tag" item); cards and other networks' items never do
            if tag.kind in ("secured", "on_loan", "blank") and secured:
                self.truth.alarms += 1
                self.truth.alarms_by_direction[visitor.direction] += 1
                if tag.kind != "secured":
                    self.truth.false_alarms += 1
                    self.truth.false_by_cause[FALSE_CAUSES[tag.kind]] += 1
            elif tag.kind == "secured":
                self.truth.missed += 1

    def _verdicts(self, kinds: dict[bytes, str]) -> None:
        for uid, row in self._alarms:
            kind = kinds.get(bytes(uid)) if uid is not None else None
            false_alarm = kind != "secured"
            self.bridge.verdict(
                row,
                false_alarm=false_alarm,
                cause=FALSE_CAUSES.get(kind or "", "unknown") if false_alarm else None,
            )
        self._alarms.clear()

    # -- walk tests -----------------------------------------------------------------------------------------

    def walk_test(self, rng: random.Random, *, items: int = 2, passes: int = 2) -> None:
        """The pilot's walk-test protocol: every orientation and speed, ``passes`` times, ``items`` items."""
        from simulators.gate_traffic import SPEEDS, TrafficPlanner
        from simulators.tags import SlixTag

        from .pilot_journal import WALK_SPEEDS
        from .walktest import WalkTest, WalkTestPlan

        planner = TrafficPlanner(self.profile(), seed=self.seed + 7)
        test_items = [planner.tag("secured") for _ in range(items)]
        plan = WalkTestPlan(tuple(t.item_id or "" for t in test_items), passes=passes)
        walk = WalkTest(plan)
        self.controller.on_sighting.append(walk.observe)
        self.bridge.walk_test_active = True
        try:
            for condition, number in plan.steps():
                walk.start_pass(condition, number)
                chance = COUPLING[condition.orientation] * SPEED_FACTOR[condition.speed]
                for tag in test_items:
                    coupled = rng.random() < chance
                    self.truth.walk_pass(condition.orientation, WALK_SPEEDS[condition.speed], coupled)
                    chip = SlixTag(tag.uid, tag.memory, afi=tag.afi, eas=tag.eas)
                    self.field.place(chip, read_probability=1.0 if coupled else 0.0)
                self._cycle_for(self.profile().field_depth_m / SPEEDS[condition.speed])
                for tag in test_items:
                    self.field.remove(tag.uid)
                self._cycle_for(0.2)
                self.bridge.walk_test_pass(walk.end_pass(), tag_type="slix")
                self.clock.advance(3.0)  # staff walk back
        finally:
            self.bridge.walk_test_active = False
            self.controller.on_sighting.remove(walk.observe)
            self._alarms.clear()
        self.clock.advance(self.config.debounce_s)

    def end_of_day(self) -> None:
        self.bridge.flush()

    def close(self) -> None:
        self.bridge.close()
        self.gate.close()
        self.journal.close()
        self.reader.close()


def build(ctx: Any) -> list[GateSim]:
    """One exit gate per simulated library (see the module docstring for ``ctx``)."""
    from simulators.gate_traffic import catalog_from_library

    library = ctx.sigb.library
    catalog = catalog_from_library(library, {b.code: b.isil for b in ctx.sigb.dataset.branches})
    return [
        GateSim(
            branch,
            ctx.network_isils,
            ctx.clock,
            ctx.workdir,
            seed=ctx.plan.seed * 1000 + index,
            truth=ctx.truth_for("gate", f"{branch.isil}-G1"),
            catalog=catalog,
            ctx=ctx,
        )
        for index, branch in enumerate(ctx.branches)
    ]
