"""Gate traffic: visitors walking through a security gate, with the ground truth to score the gate.

Theory of operation
-------------------
A *visitor* arrives at a time, walks at a speed (slow / normal / fast) in a direction
(out / in), and carries tags: items that were not checked out (``secured``: the gate
must alarm), items on loan, patron cards, items from libraries outside the network
(``foreign``), equipment, and non-library tags (``blank``). Each tag is carried in an
orientation (spine vertical, horizontal, flat, in a bag).

While the visitor is between the pedestals (``field_depth_m / speed`` seconds) their
tags are placed in the reader's :class:`~simulators.rf.RFField` with the read
probability of their (orientation, speed) condition: on every request the tag answers
only with that probability. The field is the one a simulated reader serves, so the
gate under test sees the traffic through its real driver and transport. The beam-pair
people counter, if given, sees the visitor cross the gate plane halfway through.

Tags are real ISO 28560-2 images (``iso28560.encode``) on simulated ICODE SLIX chips,
with the AFI and EAS state each kind has in the field: secured items AFI 0x07 and EAS
set; items on loan AFI 0xC2, EAS reset; cards and foreign items sometimes carry a
secured AFI (badly programmed cards, another network's secured items) so that only
the gate's policy keeps it silent. ``untrusted_afi`` flips the AFI/EAS of that share
of network items, to exercise database mode.

The simulator keeps the ground truth (which tag was in the field when, and whether the
gate should alarm for it) and scores what the gate reported: detection rate per
condition, false alarms per kind, and latency from first presence to the alarm output.
Plans are deterministic for a seed; playback is in real time (the gate polls in real
time), or step by step with ``advance_to`` for tests.
"""

from __future__ import annotations

import bisect
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import iso28560
from iso28560.model import AFI_ON_LOAN, AFI_SECURED, TagData
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

ORIENTATIONS = ("spine_vertical", "horizontal", "flat", "bag")
SPEEDS: Mapping[str, float] = {"slow": 0.6, "normal": 1.2, "fast": 2.0}  # metres per second
KINDS = ("secured", "on_loan", "patron_card", "foreign", "equipment", "blank")
ALARMING_KINDS = frozenset({"secured"})

# Read probability per request by orientation and speed (a coupling model, not vendor figures):
# HF gate antennas couple best with a tag whose plane faces them; flat items and bags are worst.
IDEAL: Mapping[tuple[str, str], float] = {(o, s): 1.0 for o in ORIENTATIONS for s in SPEEDS}
_ORIENTATION_FACTOR = {"spine_vertical": 0.9, "horizontal": 0.7, "flat": 0.35, "bag": 0.5}
_SPEED_FACTOR = {"slow": 1.0, "normal": 0.9, "fast": 0.75}
REALISTIC: Mapping[tuple[str, str], float] = {
    (o, s): round(_ORIENTATION_FACTOR[o] * _SPEED_FACTOR[s], 3) for o in ORIENTATIONS for s in SPEEDS
}


@dataclass(frozen=True)
class TrafficProfile:
    """What the traffic looks like. Kind weights are per carried tag; ``tags_per_visitor`` is (min, max)."""

    visitors_per_minute: float = 20.0
    min_spacing_s: float = 1.5
    field_depth_m: float = 1.2
    tags_per_visitor: tuple[int, int] = (0, 3)
    kinds: Mapping[str, float] = field(
        default_factory=lambda: {
            "secured": 0.15,
            "on_loan": 0.45,
            "patron_card": 0.2,
            "foreign": 0.08,
            "equipment": 0.04,
            "blank": 0.08,
        }
    )
    orientations: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(ORIENTATIONS, 1.0))
    speeds: Mapping[str, float] = field(default_factory=lambda: {"slow": 1.0, "normal": 3.0, "fast": 1.0})
    out_share: float = 0.6
    read_probability: Mapping[tuple[str, str], float] = field(default_factory=lambda: dict(IDEAL))
    network: tuple[str, ...] = ("FR-751131015",)
    foreign_owner: str = "FR-133331001"
    secured_card_share: float = 0.5  # cards carrying the secured AFI by mistake
    secured_foreign_share: float = 0.5  # foreign items secured in their own library
    untrusted_afi: float = 0.0  # network items whose AFI/EAS contradict their loan state
    antenna: int = 1
    # Network items to draw from (e.g. a simulated SIGB's), so the gate's SIP2 look-ups find them.
    catalog: tuple[CatalogItem, ...] = ()


@dataclass(frozen=True)
class CatalogItem:
    item_id: str
    owner: str
    on_loan: bool
    title: str | None = None


def catalog_from_library(library: object, branches: Mapping[str, str]) -> tuple[CatalogItem, ...]:
    """Catalog of a simulated SIGB (``SimulatedSIGB.library``); ``branches`` maps branch code to ISIL."""
    items = getattr(library, "items", {})
    return tuple(
        CatalogItem(
            item.barcode, branches.get(item.home_branch, ""), item.checked_out_to is not None, item.title
        )
        for item in items.values()
    )


@dataclass(frozen=True)
class CarriedTag:
    uid: bytes
    kind: str
    orientation: str
    item_id: str | None
    afi: int
    eas: bool
    memory: bytes

    @property
    def should_alarm(self) -> bool:
        return self.kind in ALARMING_KINDS


@dataclass(frozen=True)
class Visitor:
    index: int
    arrival: float  # seconds after the start of playback
    speed: str
    direction: str
    carried: tuple[CarriedTag, ...]
    field_time: float

    @property
    def leaves(self) -> float:
        return self.arrival + self.field_time


@dataclass
class Presence:
    """Ground truth for one tag's pass: when it was in the field (playback clock)."""

    tag: CarriedTag
    visitor: Visitor
    entered: float | None = None
    left: float | None = None

    @property
    def condition(self) -> tuple[str, str]:
        return self.tag.orientation, self.visitor.speed


class TrafficPlanner:
    """Deterministic visitor plans for a seed."""

    def __init__(self, profile: TrafficProfile | None = None, seed: int = 0) -> None:
        self.profile = profile or TrafficProfile()
        self.rng = random.Random(seed)
        self._serial = seed * 1_000_000
        self._unused = {
            loaned: [c for c in self.profile.catalog if c.on_loan == loaned] for loaned in (False, True)
        }
        for pool in self._unused.values():
            self.rng.shuffle(pool)

    def visitors(self, count: int, start: float = 0.5) -> list[Visitor]:
        p, at, plan = self.profile, start, []
        for index in range(count):
            speed = self._pick(p.speeds)
            n = self.rng.randint(*p.tags_per_visitor)
            carried = tuple(self.tag(self._pick(p.kinds), self._pick(p.orientations)) for _ in range(n))
            direction = "out" if self.rng.random() < p.out_share else "in"
            plan.append(
                Visitor(index, round(at, 3), speed, direction, carried, p.field_depth_m / SPEEDS[speed])
            )
            at += max(p.min_spacing_s, self.rng.expovariate(p.visitors_per_minute / 60.0))
        return plan

    def walk_test(
        self,
        items: Sequence[CarriedTag],
        orientation: str,
        speed: str,
        passes: int,
        start: float = 0.5,
        spacing: float = 2.5,
    ) -> list[Visitor]:
        """``passes`` walks carrying the test items in one orientation at one speed."""
        depth = self.profile.field_depth_m
        carried = tuple(
            CarriedTag(t.uid, t.kind, orientation, t.item_id, t.afi, t.eas, t.memory) for t in items
        )
        return [
            Visitor(
                i, start + i * (spacing + depth / SPEEDS[speed]), speed, "out", carried, depth / SPEEDS[speed]
            )
            for i in range(passes)
        ]

    def tag(self, kind: str, orientation: str = "spine_vertical") -> CarriedTag:
        """One tag of ``kind`` with a fresh UID and a real memory image."""
        if kind not in KINDS:
            raise ValueError(f"unknown tag kind {kind!r}: use one of {', '.join(KINDS)}")
        self._serial += 1
        uid = make_uid(self._serial)
        p, serial = self.profile, self._serial
        item_id, owner, usage = f"3{serial:013d}", p.network[serial % len(p.network)], 0x10
        afi, eas = AFI_SECURED, True
        if kind == "on_loan":
            afi, eas = AFI_ON_LOAN, False
        elif kind == "patron_card":
            item_id, usage = f"2{serial:013d}", 0x81
            afi = AFI_SECURED if self.rng.random() < p.secured_card_share else AFI_ON_LOAN
            eas = False
        elif kind == "foreign":
            owner = p.foreign_owner
            secured = self.rng.random() < p.secured_foreign_share
            afi, eas = (AFI_SECURED, True) if secured else (AFI_ON_LOAN, False)
        elif kind == "equipment":
            usage = 0x91
        if kind in ("secured", "on_loan") and self._unused[kind == "on_loan"]:
            entry = self._unused[kind == "on_loan"].pop()
            item_id, owner = entry.item_id, entry.owner or owner
        if kind in ("secured", "on_loan") and self._unused[kind == "on_loan"]:
            entry = self._unused[kind == "on_loan"].pop()
            item_id, owner = entry.item_id, entry.owner or owner
        if kind in ("secured", "on_loan") and self.rng.random() < p.untrusted_afi:
            afi, eas = (AFI_ON_LOAN, False) if afi == AFI_SECURED else (AFI_SECURED, True)
        if kind == "blank":
            return CarriedTag(uid, kind, orientation, None, 0x00, False, b"")
        memory = iso28560.encode(
            TagData(primary_item_identifier=item_id, owner_institution=owner, type_of_usage=usage)
        ).memory
        return CarriedTag(uid, kind, orientation, item_id, afi, eas, memory)

    def _pick(self, weights: Mapping[str, float]) -> str:
        names = list(weights)
        return self.rng.choices(names, weights=[weights[n] for n in names])[0]


@dataclass
class ConditionScore:
    expected: int = 0
    detected: int = 0

    @property
    def rate(self) -> float | None:
        return self.detected / self.expected if self.expected else None


@dataclass
class TrafficReport:
    expected: int
    detected: int
    false_alarms: dict[str, int]
    latencies: list[float]
    by_condition: dict[tuple[str, str], ConditionScore]
    missed: list[Presence]
    visitors: int
    tags: int

    @property
    def detection_rate(self) -> float | None:
        return self.detected / self.expected if self.expected else None

    @property
    def total_false_alarms(self) -> int:
        return sum(self.false_alarms.values())

    def latency_percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=1000, method="inclusive")[min(998, int(q * 1000) - 1)]


class GateTraffic:
    """Plays visitors into an RF field (and a people counter) and scores the gate against the ground truth."""

    def __init__(
        self,
        rf_field: RFField,
        visitors: Iterable[Visitor],
        *,
        profile: TrafficProfile | None = None,
        counter: object | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.field, self.profile, self.counter, self.clock = (
            rf_field,
            profile or TrafficProfile(),
            counter,
            clock,
        )
        self.visitors = sorted(visitors, key=lambda v: v.arrival)
        self.presences: list[Presence] = [Presence(t, v) for v in self.visitors for t in v.carried]
        self._events = self._timeline()
        self._next = 0
        self.origin: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()

    def _timeline(self) -> list[tuple[float, int, str, object]]:
        events: list[tuple[float, int, str, object]] = []
        for presence in self.presences:
            v = presence.visitor
            events.append((v.arrival, 1, "enter", presence))
            events.append((v.leaves, 0, "leave", presence))
        for v in self.visitors:
            events.append((v.arrival + v.field_time / 2, 2, "cross", v))
        events.sort(key=lambda e: (e[0], e[1]))
        return events

    @property
    def duration(self) -> float:
        return max((e[0] for e in self._events), default=0.0)

    # -- playback -------------------------------------------------------------------------------------

    def advance_to(self, t: float) -> None:
        """Apply every event up to ``t`` seconds after the origin (set on the first call)."""
        if self.origin is None:
            self.origin = self.clock() - t if t > 0 else self.clock()
        while self._next < len(self._events) and self._events[self._next][0] <= t:
            at, _, kind, subject = self._events[self._next]
            self._next += 1
            self._apply(at, kind, subject)

    def _apply(self, at: float, kind: str, subject: object) -> None:
        now = self.clock()
        if kind == "enter":
            presence = subject  # type: ignore[assignment]
            tag = presence.tag
            chip = SlixTag(tag.uid, tag.memory, afi=tag.afi, eas=tag.eas)
            probability = self.profile.read_probability.get(presence.condition, 1.0)
            self.field.place(chip, read_probability=probability, antenna=self.profile.antenna)
            presence.entered = now
        elif kind == "leave":
            self.field.remove(subject.tag.uid)  # type: ignore[attr-defined]
            subject.left = now  # type: ignore[attr-defined]
        elif kind == "cross" and self.counter is not None:
            self.counter.walk(subject.direction, at=now)  # type: ignore[attr-defined]

    def play(self) -> None:
        """Real-time playback in the calling thread (until done or ``stop``)."""
        self.origin = self.clock()
        times = [e[0] for e in self._events]
        while self._next < len(self._events) and not self._stop.is_set():
            due = times[self._next]
            wait = self.origin + due - self.clock()
            if wait > 0 and self._stop.wait(wait):
                break
            self.advance_to(due)
        self.finished.set()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.play, name="gate-traffic", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.field.clear()

    # -- scoring --------------------------------------------------------------------------------------

    def score(
        self,
        alarms: Iterable[tuple[float, bytes | None]],
        activations: Sequence[float] = (),
        grace: float = 2.0,
    ) -> TrafficReport:
        """Compare the gate's alarms ``(time, uid)`` and output activations with the ground truth.

        An alarm for a tag counts as a detection when it falls between the tag's entry and
        ``grace`` seconds after it left; any other alarm is false, charged to the kind of
        the tag it names (``unknown`` for a tag never played, ``unattributed`` for an EAS
        alarm with no UID while no alarming tag was present). Latency, per passage with
        alarming tags: first output activation after the first alarming tag entered.
        """
        by_uid: dict[bytes, list[Presence]] = {}
        for presence in self.presences:
            by_uid.setdefault(presence.tag.uid, []).append(presence)
        detected: set[int] = set()
        false_alarms: dict[str, int] = {}
        alarms = sorted(alarms, key=lambda a: a[0])
        for at, uid in alarms:
            if uid is None:
                if not self._alarming_present(at, grace):
                    false_alarms["unattributed"] = false_alarms.get("unattributed", 0) + 1
                continue
            matches = [p for p in by_uid.get(bytes(uid), []) if self._within(p, at, grace)]
            if not matches:
                kinds = {p.tag.kind for p in by_uid.get(bytes(uid), [])} or {"unknown"}
                kind = sorted(kinds)[0]
                false_alarms[kind] = false_alarms.get(kind, 0) + 1
            for presence in matches:
                if presence.tag.should_alarm:
                    detected.add(id(presence))
                else:
                    false_alarms[presence.tag.kind] = false_alarms.get(presence.tag.kind, 0) + 1
        if any(uid is None for _, uid in alarms):  # EAS without attribution: credit present alarming tags
            for presence in self.presences:
                if presence.tag.should_alarm and any(
                    uid is None and self._within(presence, at, grace) for at, uid in alarms
                ):
                    detected.add(id(presence))
        return self._report(detected, false_alarms, sorted(activations))

    def _report(
        self, detected: set[int], false_alarms: dict[str, int], activations: list[float]
    ) -> TrafficReport:
        by_condition: dict[tuple[str, str], ConditionScore] = {}
        expected, missed = 0, []
        for presence in self.presences:
            if not presence.tag.should_alarm or presence.entered is None:
                continue
            expected += 1
            score = by_condition.setdefault(presence.condition, ConditionScore())
            score.expected += 1
            if id(presence) in detected:
                score.detected += 1
            else:
                missed.append(presence)
        return TrafficReport(
            expected=expected,
            detected=expected - len(missed),
            false_alarms=false_alarms,
            latencies=self._latencies(activations),
            by_condition=by_condition,
            missed=missed,
            visitors=len(self.visitors),
            tags=len(self.presences),
        )

    def _latencies(self, activations: list[float]) -> list[float]:
        return [latency for _, latency in self.latencies_by_visitor(activations)]

    def latencies_by_visitor(self, activations: list[float]) -> list[tuple[Visitor, float]]:
        """For each visitor carrying an alarming tag: first output activation after its first entry."""
        latencies = []
        for visitor in self.visitors:
            entries = [
                p.entered
                for p in self.presences
                if p.visitor is visitor and p.tag.should_alarm and p.entered is not None
            ]
            if not entries:
                continue
            first = min(entries)
            i = bisect.bisect_left(activations, first)
            left = max(p.left or first for p in self.presences if p.visitor is visitor)
            if i < len(activations) and activations[i] <= left + 1.0:
                latencies.append((visitor, activations[i] - first))
        return latencies

    @staticmethod
    def _within(presence: Presence, at: float, grace: float) -> bool:
        if presence.entered is None:
            return False
        left = presence.left if presence.left is not None else float("inf")
        return presence.entered <= at <= left + grace

    def _alarming_present(self, at: float, grace: float) -> bool:
        return any(p.tag.should_alarm and self._within(p, at, grace) for p in self.presences)
