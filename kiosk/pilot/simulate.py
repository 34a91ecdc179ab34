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
after it, carrying their card, the items they return or the loans they made (:meth:`Simulation._journey`).

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

from simulators.tags import SlixTag

from .sim_kiosk import UNKNOWN_CARD, KioskSim, Network, Stack
from .simclock import SimClock
from .truth import GroundTruth

STATION_SIMULATORS: tuple[str, ...] = ("gate.pilot_sim",)
STACK_SIZES = {1: 0.3, 2: 0.25, 3: 0.2, 4: 0.12, 5: 0.08, 6: 0.05}
OUTAGE = (time(15, 0), time(15, 40))
FORGETS_REFUSED = 0.15  # a patron leaves with an item the kiosk refused (the gate should alarm)
BROWSING_MINUTES = (2.0, 20.0)  # time in the library after the kiosk, before walking out
ODD_KINDS = {"foreign-tag": "foreign", "blank-tag": "blank", "patron-card": "patron_card"}  # gate's words


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
Carried = tuple[
    SlixTag, str, str | None
]  # a physical tag, its kind at the gate (simulators.gate_traffic), item


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
                events.append((moment, 1, lambda k=kiosk: self._session(k)))
        return events

    def _outage_events(self, day: int) -> list[Event]:
        if day != self.plan.outage_day:
            return []
        down, up = (self._at(day, t) for t in OUTAGE)
        events: list[Event] = [(down, 0, lambda: setattr(self.sigb.faults, "down", True))]
        for index, kiosk in enumerate(self.kiosks):
            events.append(
                (down + timedelta(minutes=5 + index), 1, lambda k=kiosk: self._borrow(k, outage=True))
            )
            events.append((down + timedelta(minutes=15 + index), 1, lambda k=kiosk: self._give_back(k)))
        if self.kiosks:
            events.append((down + timedelta(minutes=25), 1, lambda: self._unknown_card(self.kiosks[0])))
        events.append((up, 0, lambda: setattr(self.sigb.faults, "down", False)))
        for kiosk in self.kiosks:  # the idle poll loop notices the SIGB back within retry_online_seconds
            events.append((up + timedelta(seconds=31), 3, kiosk.idle))
        return events

    # -- patrons --------------------------------------------------------------------------------------------

    def _session(self, kiosk: KioskSim) -> None:
        roll = self.rng.random()
        good = self.net.good_patrons()
        if roll < 0.05 and good:
            card = self.rng.choice(good)
            self._card_only(kiosk, card, lambda: kiosk.wrong_pin(card))
        elif roll < 0.10 and (blocked := self.net.blocked_patrons()):
            card = self.rng.choice(blocked)
            pin, reason = self.net.library.patrons[card].pin, self.net.block_reason(card)
            self._card_only(kiosk, card, lambda: kiosk.blocked(card, pin, reason))
        elif roll < 0.18:
            self._renewal_visit(kiosk)
        elif (roll < 0.6 or not good) and self.net.returnable(1):
            self._give_back(kiosk)
        elif good:
            self._borrow(kiosk)

    # -- people walking in and out ------------------------------------------------------------------------

    def _card(self, card: str) -> list[Carried]:
        return [(self.net.card_tag(card), "patron_card", None)]

    def _card_only(self, kiosk: KioskSim, card: str, use: Callable[[], None]) -> None:
        """A patron who only uses their card at the kiosk walks in and out with it."""

        def act() -> list[Carried]:
            use()
            return self._card(card)

        self._journey(kiosk, self._card(card), act)

    def _journey(self, kiosk: KioskSim, carried_in: list[Carried], act: Callable[[], list[Carried]]) -> None:
        """Walk in through the library's gate with ``carried_in``, use the kiosk (``act`` returns what the
        patron then carries), browse a little and walk out. Items carried out stay set aside until then."""
        gate = self.exits.get(kiosk.isil)
        if gate is not None:
            gate.walk("in", [(tag, kind) for tag, kind, _ in carried_in])
        carried_out = act()
        if gate is None:
            return
        held = [b for _, _, b in carried_out if b is not None and b not in self.net.busy]
        self.net.busy.update(held)
        day = (self.clock.utc().astimezone(self.tz).date() - self.plan.start).days
        leave = min(
            self.clock.utc() + timedelta(minutes=self.rng.uniform(*BROWSING_MINUTES)),
            self.closing(day) + timedelta(minutes=10),
        )

        def walk_out() -> None:
            gate.walk("out", [(tag, kind) for tag, kind, _ in carried_out])
            self.net.busy.difference_update(held)

        self.schedule(leave, 2, walk_out)

    def _leaving_with(self, card: str, stack: Stack) -> list[Carried]:
        """The card, the loans of the stack (every part), and now and then a refused item taken anyway."""
        out = self._card(card)
        for barcode, parts, total in stack.items:
            tags = self.net.item_tags(barcode, total)
            if parts == total:
                out += [(tag, "on_loan", barcode) for tag in tags]
            elif self.rng.random() < FORGETS_REFUSED:
                out += [(tag, "secured", barcode) for tag in tags[:parts]]
        for barcode, _reason in stack.refused:
            if self.rng.random() < FORGETS_REFUSED:
                out.append((self.net.item_tags(barcode)[0], "secured", barcode))
        return out

    # -- kiosk sessions -------------------------------------------------------------------------------------

    def _borrow(self, kiosk: KioskSim, *, outage: bool = False) -> None:
        good = self.net.good_patrons()
        if not good:
            return
        regulars = [c for c in good if c in set(self.net.loans.values())]
        card = self.rng.choice(regulars if regulars and self.rng.random() < 0.5 else good)
        size = min(self._stack_size(), 4 if outage else 6)
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in self.net.available(size)])
        self._extras(stack, card, borrow=True, outage=outage)
        renew: list[str] = []
        if not outage and self.rng.random() < 0.4:
            renew = self._to_renew(card)
        self._borrow_stack(kiosk, card, stack, renew)

    def _borrow_stack(self, kiosk: KioskSim, card: str, stack: Stack, renew: list[str]) -> None:
        self._mark(stack, True)

        def act() -> list[Carried]:
            try:
                kiosk.borrow(card, self.net.library.patrons[card].pin, stack, renew=renew)
            finally:
                self._mark(stack, False)
            return self._leaving_with(card, stack)

        self._journey(kiosk, self._card(card), act)

    def _to_renew(self, card: str) -> list[str]:
        """Up to three of the patron's loans, as a patron picks them on the account screen."""
        loans = self.net.loans_of(card)
        return self.rng.sample(loans, min(len(loans), self.rng.randint(1, 3)))

    def _renewal_visit(
        self, kiosk: KioskSim, card: str | None = None, renew: list[str] | None = None
    ) -> None:
        """A patron with loans comes only to renew some of them."""
        if card is None:
            holders = [
                c for c in self.net.good_patrons() + self.net.renewal_blocked() if self.net.loans_of(c)
            ]
            if not holders:
                return
            card = self.rng.choice(holders)
        renew = renew if renew is not None else self._to_renew(card)
        if renew:
            pin = self.net.library.patrons[card].pin
            self._card_only(kiosk, card, lambda: kiosk.renew_only(card, pin, renew))

    def _first_day_cases(self, day: int) -> list[Event]:
        """On the first day, at the first kiosk, each refusal a pilot must show at least once: at the pad
        (half a set, an item excluded from loan, one reserved for someone else), and renewals (the
        dataset's renewal-blocked account, a loan renewed as often as allowed, a loan someone reserved)."""
        if day != 0 or not self.kiosks:
            return []
        events: list[Event] = [
            (self._at(day, time(10, 15)), 1, lambda: self._refusals_at_the_pad(self.kiosks[0]))
        ]
        moment = self._at(day, time(10, 30))
        for reason in ("patron-blocked", "renewal-limit", "on-hold-for-another"):
            found = self.net.refused_renewal(reason)
            if found is not None:
                card, barcode = found
                action = lambda c=card, b=barcode: self._renewal_visit(self.kiosks[0], c, [b])  # noqa: E731
                events.append((moment, 1, action))
                moment += timedelta(minutes=20)
        return events

    def _refusals_at_the_pad(self, kiosk: KioskSim) -> None:
        good = self.net.good_patrons()
        if not good:
            return
        card = self.rng.choice(good)
        stack = Stack(items=[(b, 1, 1) for b in self.net.available(1)])
        stack.items += [(b, 1, 2) for b in self.net.available(1, untagged=True)]  # one part of two
        held, excluded = self.net.on_hold_for_other(card), self.net.not_for_loan()
        stack.refused += [(held, "on-hold-for-another")] if held else []
        stack.refused += [(excluded, "item-not-for-loan")] if excluded else []
        self._borrow_stack(kiosk, card, stack, [])

    def _unknown_card(self, kiosk: KioskSim) -> None:
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in self.net.available(1)])

        def act() -> list[Carried]:
            kiosk.borrow(UNKNOWN_CARD, "1234", stack)
            return self._leaving_with(UNKNOWN_CARD, stack)

        self._journey(kiosk, self._card(UNKNOWN_CARD), act)

    def _give_back(self, kiosk: KioskSim) -> None:
        barcodes = self.net.returnable(self.rng.randint(1, 4))
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in barcodes])
        self._extras(stack, None, borrow=False, outage=False)
        if not stack.items and not stack.odd:
            return
        carried = [(tag, "on_loan", b) for b, _, total in stack.items for tag in self.net.item_tags(b, total)]
        carried += [(tag, ODD_KINDS[reason], None) for tag, reason in stack.odd]
        self._mark(stack, True)

        def act() -> list[Carried]:
            try:
                kiosk.give_back(stack)
            finally:
                self._mark(stack, False)
            return []  # the odd tags are left with staff, as the kiosk asked

        self._journey(kiosk, carried, act)

    def _stack_size(self) -> int:
        sizes = list(STACK_SIZES)
        return self.rng.choices(sizes, weights=[STACK_SIZES[s] for s in sizes])[0]

    def _extras(self, stack: Stack, card: str | None, *, borrow: bool, outage: bool) -> None:
        rng, net = self.rng, self.net
        taken = {b for b, _, _ in stack.items}
        for parts, chance in ((2, 0.08), (1, 0.05)):  # a two-part set: complete, or one part forgotten
            extra = net.available(1, untagged=True) if borrow and rng.random() < chance else []
            if extra and extra[0] not in taken:
                stack.items.append((extra[0], parts, 2))
                taken.add(extra[0])
        if borrow and card and not outage and rng.random() < 0.1:
            held = net.on_hold_for_other(card)
            if held is not None:
                stack.refused.append((held, "on-hold-for-another"))
        if borrow and card and not outage and rng.random() < 0.04:
            excluded = net.not_for_loan()
            if excluded is not None and excluded not in taken:
                stack.refused.append((excluded, "item-not-for-loan"))
        if rng.random() < 0.05:
            stack.odd.append((net.tags.foreign(f"3999{rng.randrange(10**9):09d}"), "foreign-tag"))
        if rng.random() < 0.04:
            stack.odd.append((net.tags.blank(), "blank-tag"))
        if borrow and rng.random() < 0.03:
            stack.odd.append((net.tags.patron_card(rng.choice(net.good_patrons())), "patron-card"))
        stack.worn = {b for b, _, _ in stack.items if rng.random() < 0.1}

    def _mark(self, stack: Stack, busy: bool) -> None:
        for barcode in [b for b, _, _ in stack.items] + [b for b, _ in stack.refused]:
            (self.net.busy.add if busy else self.net.busy.discard)(barcode)

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
