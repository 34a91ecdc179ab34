"""``borne pilot simulate``: a pilot of K libraries over N days, in seconds, with the real workflows.

Each simulated library has a kiosk (:mod:`.sim_kiosk`) and an exit gate (``gate.pilot_sim``); the first one
also has a tag-encoding desk when the encoding workflow is installed (:mod:`.sim_encoding`). All of them
share one simulated SIGB (the sample network's), one tag factory and one :class:`~.simclock.SimClock`.

``kiosk`` may not import ``gate`` (they are sibling layers), so station simulators of other packages are
plug-ins named in :data:`STATION_SIMULATORS` and loaded by name, as the ``borne`` command loads its
subcommands: each module has ``build(ctx: SimulationContext) -> list`` of simulators offering
``station_id``, ``journal_path``, ``before_opening(day)``, ``day_events(day)`` (``(time, order, action)``
tuples), ``end_of_day()`` and ``close()``; an exit gate also has ``isil`` and ``walk(direction, carried)``:
every kiosk user walks in through their library's gate just before the session and out a few minutes
after it, carrying their card, the items they return or the loans they made (:mod:`.sim_patrons`).

A day: the gates' walk test (first day only, before opening), then the day's events in time order (a
queue: a session schedules its patron's walk out) — kiosk sessions (borrow, return, renewals, wrong PIN,
blocked account, odd tags, incomplete sets; on the first day one of each refusal at the pad and at
renewal), visitors in and out through the gates, conversion work — and, on the outage day, the SIGB
going down for 40 minutes: kiosks used meanwhile go offline, queue their transactions, and replay them
when it is back (one loan made offline with a card the SIGB does not know is rejected on replay, as it
would be). Everything that decides an outcome is drawn from seeded random generators, so a seed gives the
same pilot again.

Output: one event journal per station (``<station>/events.db``) and ``ground-truth.json`` (counts only).
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from .sim_kiosk import KioskSim, Network
from .sim_patrons import Patrons
from .simclock import SimClock
from .truth import GroundTruth

STATION_SIMULATORS: tuple[str, ...] = ("gate.pilot_sim",)
OUTAGE = (time(15, 0), time(15, 40))


@dataclass(frozen=True)
class SimulationPlan:
    days: int = 5
    stations: int = 2
    seed: int = 1
    sessions_per_day: int = 24
    visitors_per_day: int = 80  # people coming in (and going out) per library, kiosk users included
    start: date = date(2026, 3, 2)
    timezone: str = "Europe/Paris"
    opening: tuple[time, time] = (time(10, 0), time(18, 0))
    walk_passes: int = 2
    encoding_per_day: int = 30

    @property
    def outage_day(self) -> int:
        return 1 if self.days > 1 else 0


Event = tuple[datetime, int, Callable[[], None]]


class Simulation:
    def __init__(self, plan: SimulationPlan, out: Path, progress: TextIO | None = None) -> None:
        from simulators.sigb import SimulatedSIGB

        self.plan, self.out, self.progress = plan, out, progress
        self.tz = ZoneInfo(plan.timezone)
        self.rng = random.Random(plan.seed)
        self.clock = SimClock(self._at(0, time(8, 0)))
        self.sigb = SimulatedSIGB(clock=self.clock.local).start()
        self.net = Network(self.sigb, self.clock, self.rng)
        self.truth = GroundTruth(plan.days, plan.seed)
        dataset = self.sigb.dataset
        branches = dataset.branches[: plan.stations]
        if len(branches) < plan.stations:
            raise ValueError(f"the sample network has {len(dataset.branches)} libraries")
        self.branches = branches
        self.network_isils = sorted({b.isil for b in dataset.branches})
        self.workdir = out / "stations"
        self.kiosks: list[KioskSim] = []
        for index, branch in enumerate(branches):
            truth = self.truth_for("kiosk", f"{branch.isil}-K1")
            self.kiosks.append(KioskSim(self.net, branch, self.workdir, index=index, truth=truth))
        self.others: list[Any] = []
        for name in STATION_SIMULATORS:
            self.others += self._plugin(name)
        self.encoder = self._encoder(branches[0], self.workdir)
        if self.encoder is not None:
            self.others.append(self.encoder)
        # each library's exit gate, for the kiosk users walking in and out (plug-ins with isil and walk)
        self.exits = {s.isil: s for s in self.others if hasattr(s, "walk") and hasattr(s, "isil")}
        self._queue: list[tuple[datetime, int, int, Callable[[], None]]] = []
        self.patrons = Patrons(self)
        self._order = itertools.count()

    def _plugin(self, name: str) -> list[Any]:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                self.truth.notes.append(f"{name} not installed: its stations are not simulated")
                return []
            raise
        return list(module.build(self))

    def truth_for(self, role: str, station_id: str) -> Any:
        """The ground truth a station simulator fills (``role``: kiosk, gate or encoding)."""
        from .truth import EncodingTruth, GateTruth, KioskTruth

        tables: dict[str, tuple[dict[str, Any], Callable[[], Any]]] = {
            "kiosk": (self.truth.kiosks, KioskTruth),
            "gate": (self.truth.gates, GateTruth),
            "encoding": (self.truth.encoders, EncodingTruth),
        }
        table, factory = tables[role]
        return table.setdefault(station_id, factory())

    def _encoder(self, branch: Any, stations: Path) -> Any:
        if not self.plan.encoding_per_day:
            return None
        from .sim_encoding import EncodingSim, encoding_available

        if not encoding_available():
            self.truth.notes.append("encoding workflow not installed: no conversion simulated")
            return None
        truth = self.truth_for("encoding", f"{branch.isil}-E1")
        return EncodingSim(self, branch, truth=truth)

    def _at(self, day: int, moment: time) -> datetime:
        return datetime.combine(self.plan.start + timedelta(days=day), moment, self.tz)

    def _say(self, text: str) -> None:
        if self.progress is not None:
            print(text, file=self.progress, flush=True)

    # -- the pilot ------------------------------------------------------------------------------------------

    def run(self) -> GroundTruth:
        try:
            for day in range(self.plan.days):
                self._day(day)
        finally:
            self.close()
        paths = [s.journal_path for s in [*self.kiosks, *self.others]]
        self.truth.journals = [str(Path(p).relative_to(self.out)) for p in paths]
        self.truth.write(self.out / "ground-truth.json")
        return self.truth

    def _day(self, day: int) -> None:
        self.clock.advance_to(self._at(day, time(8, 30)))
        for station in self.others:
            station.before_opening(day)
        events = self._kiosk_events(day) + self._outage_events(day) + self._first_day_cases(day)
        for station in self.others:
            events += station.day_events(day)
        for event in events:
            self.schedule(*event)
        while self._queue:  # actions may schedule more (a patron walking out later)
            when, _order, _seq, action = heapq.heappop(self._queue)
            self.clock.advance_to(when)
            action()
        self.clock.advance_to(self._at(day, time(19, 0)))
        for kiosk in self.kiosks:
            kiosk.idle()
        for station in self.others:
            station.end_of_day()
        self._say(f"day {day + 1}/{self.plan.days} simulated ({self.clock.utc():%Y-%m-%d})")

    def schedule(self, when: datetime, order: int, action: Callable[[], None]) -> None:
        """Run ``action`` at ``when`` (``order`` breaks ties: 0 SIGB, 1 kiosk, 2 gate, 3 idle polls)."""
        heapq.heappush(self._queue, (when, order, next(self._order), action))

    def closing(self, day: int) -> datetime:
        return self._at(day, self.plan.opening[1])

    def opening_times(self, day: int, count: int) -> list[datetime]:
        """``count`` random moments of the day's opening hours (not around the outage), in order."""
        opening, closing = (self._at(day, t) for t in self.plan.opening)
        outage = [self._at(day, t) for t in OUTAGE] if day == self.plan.outage_day else None
        span = (closing - opening).total_seconds()
        times = []
        while len(times) < count:
            moment = opening + timedelta(seconds=self.rng.uniform(0, span))
            if outage and outage[0] - timedelta(minutes=5) <= moment <= outage[1] + timedelta(minutes=5):
                continue
            times.append(moment)
        return sorted(times)

    def _kiosk_events(self, day: int) -> list[Event]:
        events: list[Event] = []
        for kiosk in self.kiosks:
            for moment in self.opening_times(day, self.plan.sessions_per_day):
                events.append((moment, 1, lambda k=kiosk: self.patrons.session(k)))
        return events

    def _outage_events(self, day: int) -> list[Event]:
        if day != self.plan.outage_day:
            return []
        down, up = (self._at(day, t) for t in OUTAGE)
        events: list[Event] = [(down, 0, lambda: setattr(self.sigb.faults, "down", True))]
        for index, kiosk in enumerate(self.kiosks):
            events.append(
                (down + timedelta(minutes=5 + index), 1, lambda k=kiosk: self.patrons.borrow(k, outage=True))
            )
            events.append(
                (down + timedelta(minutes=15 + index), 1, lambda k=kiosk: self.patrons.give_back(k))
            )
        if self.kiosks:
            events.append(
                (down + timedelta(minutes=25), 1, lambda: self.patrons.unknown_card(self.kiosks[0]))
            )
        events.append((up, 0, lambda: setattr(self.sigb.faults, "down", False)))
        for kiosk in self.kiosks:  # the idle poll loop notices the SIGB back within retry_online_seconds
            events.append((up + timedelta(seconds=31), 3, kiosk.idle))
        return events

    def _first_day_cases(self, day: int) -> list[Event]:
        """On the first day, at the first kiosk, each refusal a pilot must show at least once: at the pad
        (half a set, an item excluded from loan, one reserved for someone else), and renewals (the
        dataset's renewal-blocked account, a loan renewed as often as allowed, a loan someone reserved)."""
        if day != 0 or not self.kiosks:
            return []
        events: list[Event] = [
            (self._at(day, time(10, 15)), 1, lambda: self.patrons.refusals_at_the_pad(self.kiosks[0]))
        ]
        moment = self._at(day, time(10, 30))
        for reason in ("patron-blocked", "renewal-limit", "on-hold-for-another"):
            found = self.net.refused_renewal(reason)
            if found is not None:
                card, barcode = found
                action = lambda c=card, b=barcode: self.patrons.renewal_visit(self.kiosks[0], c, [b])  # noqa: E731
                events.append((moment, 1, action))
                moment += timedelta(minutes=20)
        return events

    def close(self) -> None:
        for station in [*self.kiosks, *self.others]:
            try:
                station.close()
            except Exception as exc:  # keep closing the others
                self._say(f"closing {getattr(station, 'station_id', station)} failed: {exc}")
        self.sigb.stop()


def simulate_pilot(plan: SimulationPlan, out: Path, progress: TextIO | None = None) -> GroundTruth:
    """Run the simulated pilot into ``out`` (journals + ground-truth.json) and return the ground truth."""
    out.mkdir(parents=True, exist_ok=True)
    return Simulation(plan, out, progress).run()
