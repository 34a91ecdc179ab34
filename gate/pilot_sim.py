"""Simulated visitors through a real gate, for ``borne pilot simulate``: the gate service on simulated time.

The gate's reader is a real FEIG driver talking to a reader simulator that serves the gate's RF field; the
visitors come from :mod:`simulators.gate_traffic` (real ISO 28560 tags carried in various orientations,
patron cards, foreign and blank tags, a share of tags whose AFI contradicts their loan state) and cross a
simulated beam-pair counter. Instead of running the poll thread, :class:`GateSim` calls the controller's
``cycle()`` every simulated poll interval while a visitor is in the field, then lets the passage close.

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
from collections.abc import Callable
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
# What visitors carry at a library exit (per tag): mostly loans and cards, a few forgotten checkouts.
PILOT_KINDS = {
    "secured": 0.03,
    "on_loan": 0.5,
    "patron_card": 0.25,
    "foreign": 0.06,
    "equipment": 0.03,
    "blank": 0.13,
}
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
        self.station_id = f"{branch.isil}-G1"
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
        """The day's visitors, each at a time of the opening hours."""
        from simulators.gate_traffic import TrafficPlanner

        profile = self.profile()
        visitors = TrafficPlanner(profile, seed=self.seed * 7919 + day * 101).visitors(
            self.ctx.plan.visitors_per_day
        )
        times = self.ctx.opening_times(day, len(visitors))
        return [(t, 2, lambda v=v: self.visitor(v, profile)) for t, v in zip(times, visitors, strict=True)]

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
            kinds=dict(PILOT_KINDS),
            read_probability=dict(read_probability or IDEAL),
            untrusted_afi=0.03,
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
            secured = tag.afi == AFI_SECURED
            if tag.kind in ("secured", "on_loan") and secured:
                self.truth.alarms += 1
                self.truth.alarms_by_direction[visitor.direction] += 1
                if tag.kind == "on_loan":
                    self.truth.false_alarms += 1
                    self.truth.false_by_cause[FALSE_CAUSES["on_loan"]] += 1
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
