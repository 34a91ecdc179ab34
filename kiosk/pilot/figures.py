"""The pilot's figures, computed from journal rows: per station and for the whole network.

Every figure is a plain count, ratio or distribution over rows of :mod:`offline_queue.journal_schema`, so a
reader can check any number of the report with one SQL query. Definitions (also printed in the report):

- *success rate* of a kind: ``ok`` rows / all rows of that kind (refusals and errors count as failures);
- *item latency*: ``duration_ms`` of successful checkout / checkin / renew rows done online (offline rows
  measure the durable queue, not the SIGB);
- *identification time*: ``duration_ms`` of successful login rows done online (card and PIN taken to the
  SIGB's patron answer);
- *stack size*: distinct tags the pad read during the stack (``stacks.tags_seen``), including odd tags;
- *stack reads*: for stacks where the patron declared a count (pilot mode), tags read vs items declared;
- *read attempts per tag*: ``reads`` of a transaction divided by the tags it covered (set parts present);
- *incomplete set*: a multi-part item with fewer parts present than expected;
- *offline period*: ``ended_at - started_at``; a period still open is listed, not measured;
- *alarms per 1,000 visitors*: gate alarms (in both directions) × 1000 / people counted *entering*: every
  visitor crosses the counter twice (in, then out), so entries count each visitor once; a *false alarm* is
  one staff marked so (``false_alarm = 1``), unverified alarms are counted apart;
- *alarm direction*: the direction of the people-counter crossing nearest in time to the alarm's passage
  (within the gate's direction window), ``unknown`` when no crossing accompanied it;
- *walk test detection rate*: detected passes / passes, per orientation and speed;
- *conversion throughput*: successful encodings per operator and local day; *items per hour* = successful
  encodings / (time between the first and the last encoding of that operator that day + one median encoding
  time), i.e. the pace while the operator was at the desk.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .sources import JournalData

ITEM_KINDS = ("checkout", "checkin", "renew")
KINDS = ("checkout", "checkin", "renew", "login")
STACK_SIZE_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 10_000))


@dataclass(frozen=True)
class Distribution:
    """Summary of a sample of numbers (milliseconds, seconds, counts)."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Distribution:
        return cls(tuple(sorted(float(v) for v in values if v is not None)))

    @property
    def count(self) -> int:
        return len(self.values)

    def quantile(self, q: float) -> float | None:
        """Nearest-rank quantile (a value that occurred), None when empty."""
        if not self.values:
            return None
        rank = max(1, math.ceil(q * len(self.values)))
        return self.values[rank - 1]

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def maximum(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def total(self) -> float:
        return sum(self.values)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class StackReads:
    stacks: int = 0  # stacks with a declared count
    exact: int = 0
    fewer: int = 0  # fewer tags read than items declared: something was missed (or a set shares a tag)
    more: int = 0
    tags_read: int = 0
    items_declared: int = 0


@dataclass
class Circulation:
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> outcome -> count
    failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (kind, outcome, reason)
    refusals: Counter[str] = field(default_factory=Counter)  # reason of refused rows, all kinds
    offline_transactions: int = 0
    item_latency: dict[str, Distribution] = field(default_factory=dict)  # kind -> ms
    sigb_latency: Distribution = Distribution(())
    login_latency: Distribution = Distribution(())  # successful online identifications, ms
    latency_by_stack_size: dict[str, Distribution] = field(default_factory=dict)  # bucket -> item ms
    stack_duration_by_size: dict[str, Distribution] = field(default_factory=dict)  # bucket -> stack s
    stacks: int = 0
    stack_reads: StackReads = field(default_factory=StackReads)
    reads_per_tag: Counter[int] = field(default_factory=Counter)  # attempts -> tags
    sets_complete: int = 0
    sets_incomplete: int = 0
    incomplete_by_policy: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)

    def total(self, kind: str) -> int:
        return sum(self.by_kind.get(kind, Counter()).values())

    def success_rate(self, kind: str) -> float | None:
        return ratio(self.by_kind.get(kind, Counter())["ok"], self.total(kind))

    @property
    def items(self) -> int:
        return sum(self.total(k) for k in ITEM_KINDS)

    @property
    def items_ok(self) -> int:
        return sum(self.by_kind.get(k, Counter())["ok"] for k in ITEM_KINDS)

    @property
    def mean_reads_per_tag(self) -> float | None:
        tags = sum(self.reads_per_tag.values())
        return ratio(sum(n * c for n, c in self.reads_per_tag.items()), tags)


@dataclass
class OfflinePeriod:
    station_id: str
    started_at: datetime
    ended_at: datetime | None
    cause: str
    transactions_queued: int | None

    @property
    def seconds(self) -> float | None:
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()


@dataclass
class Offline:
    periods: list[OfflinePeriod] = field(default_factory=list)
    replay: Counter[str] = field(default_factory=Counter)  # accepted / rejected
    replay_by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    reconciled: int = 0
    tag_mismatches: int = 0
    replay_delay: Distribution = Distribution(())  # seconds from the transaction to its settlement

    @property
    def durations(self) -> Distribution:
        return Distribution.of(p.seconds for p in self.periods)

    @property
    def still_open(self) -> int:
        return sum(p.ended_at is None for p in self.periods)

    @property
    def queued(self) -> int:
        return sum(p.transactions_queued or 0 for p in self.periods)

    @property
    def acceptance(self) -> float | None:
        return ratio(self.replay["accepted"], sum(self.replay.values()))


@dataclass
class Gate:
    entering: int = 0
    leaving: int = 0
    alarms: int = 0
    by_cause: Counter[str] = field(default_factory=Counter)
    by_direction: Counter[str] = field(default_factory=Counter)  # in / out / unknown
    false_by_direction: Counter[str] = field(default_factory=Counter)
    verified: int = 0
    false_alarms: int = 0
    false_by_cause: Counter[str] = field(default_factory=Counter)

    @property
    def per_thousand_visitors(self) -> float | None:
        return None if not self.entering else self.alarms * 1000.0 / self.entering

    @property
    def false_per_thousand_visitors(self) -> float | None:
        return None if not self.entering else self.false_alarms * 1000.0 / self.entering

    @property
    def false_share(self) -> float | None:
        return ratio(self.false_alarms, self.verified)


@dataclass
class WalkTests:
    by_condition: dict[tuple[str, float], tuple[int, int]] = field(default_factory=dict)  # passes, detected

    @property
    def passes(self) -> int:
        return sum(p for p, _ in self.by_condition.values())

    @property
    def detected(self) -> int:
        return sum(d for _, d in self.by_condition.values())

    @property
    def rate(self) -> float | None:
        return ratio(self.detected, self.passes)

    def rate_of(self, condition: tuple[str, float]) -> float | None:
        passes, detected = self.by_condition[condition]
        return ratio(detected, passes)

    def rates_by(self, index: int) -> dict[Any, float | None]:
        """Detection rate per orientation (index 0) or per speed (index 1)."""
        groups: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
        for condition, (passes, detected) in self.by_condition.items():
            groups[condition[index]][0] += passes
            groups[condition[index]][1] += detected
        return {key: ratio(d, p) for key, (p, d) in sorted(groups.items())}


@dataclass
class OperatorDay:
    operator: str
    day: str
    ok: int = 0
    failed: int = 0
    first: datetime | None = None
    last: datetime | None = None
    durations_ms: list[float] = field(default_factory=list)

    @property
    def items_per_hour(self) -> float | None:
        if not self.ok or self.first is None or self.last is None:
            return None
        median_s = (statistics.median(self.durations_ms) if self.durations_ms else 0.0) / 1000.0
        hours = ((self.last - self.first).total_seconds() + median_s) / 3600.0
        return self.ok / hours if hours > 0 else None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.durations_ms) if self.durations_ms else None


@dataclass
class Encoding:
    per_operator_day: list[OperatorDay] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return sum(o.ok for o in self.per_operator_day)

    @property
    def failed(self) -> int:
        return sum(o.failed for o in self.per_operator_day)

    @property
    def mean_items_per_hour(self) -> float | None:
        rates = [r for o in self.per_operator_day if (r := o.items_per_hour) is not None]
        return statistics.fmean(rates) if rates else None


@dataclass
class Figures:
    """Everything the report shows for one scope (a station, or all of them)."""

    scope: str
    first: datetime | None
    last: datetime | None
    circulation: Circulation
    offline: Offline
    gate: Gate
    walk: WalkTests
    encoding: Encoding

    @property
    def roles(self) -> list[str]:
        roles = []
        if self.circulation.items or self.circulation.total("login") or self.offline.periods:
            roles.append("kiosk")
        if self.gate.alarms or self.gate.entering or self.gate.leaving or self.walk.passes:
            roles.append("gate")
        if self.encoding.ok or self.encoding.failed:
            roles.append("encoding")
        return roles


@dataclass
class PilotFigures:
    overall: Figures
    stations: list[Figures]
    sources: list[str]
    migrated: list[str]
    timezone: str


def compute(data: JournalData, tz: tzinfo, tz_name: str) -> PilotFigures:
    """Figures for every station and for the network."""
    stations = [scope_figures(data, station, tz) for station in data.stations]
    return PilotFigures(
        overall=scope_figures(data, None, tz),
        stations=stations,
        sources=list(data.sources),
        migrated=list(data.migrated),
        timezone=tz_name,
    )


def scope_figures(data: JournalData, station: str | None, tz: tzinfo) -> Figures:
    moments = [
        _time(r.get("at") or r.get("started_at") or r.get("period_start"))
        for rows in (data.rows(t, station) for t in data.tables)
        for r in rows
    ]
    moments = [m for m in moments if m is not None]
    return Figures(
        scope=station or "overall",
        first=min(moments) if moments else None,
        last=max(moments) if moments else None,
        circulation=circulation(data, station),
        offline=offline(data, station),
        gate=gate(data, station),
        walk=walk_tests(data.rows("walk_tests", station)),
        encoding=encoding(data.rows("encodings", station), tz),
    )


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def stack_bucket(size: int) -> str:
    for low, high in STACK_SIZE_BUCKETS:
        if low <= size <= high:
            return str(low) if low == high else (f"{low}-{high}" if high < 10_000 else f"{low}+")
    return "0"


def bucket_labels() -> list[str]:
    return [stack_bucket(low) for low, _ in STACK_SIZE_BUCKETS]


def circulation(data: JournalData, station: str | None) -> Circulation:
    c = Circulation()
    transactions = data.rows("transactions", station)
    for row in transactions:
        kind, outcome, reason = row["kind"], row["outcome"], row["reason"] or "unspecified"
        c.by_kind.setdefault(kind, Counter())[outcome] += 1
        if outcome != "ok":
            c.failures[(kind, outcome, reason)] += 1
        if outcome == "refused":
            c.refusals[reason] += 1
        c.offline_transactions += row["offline"]
        _reads(c, row)
        _sets(c, row)
    timed = [r for r in transactions if r["kind"] in ITEM_KINDS and r["outcome"] == "ok" and not r["offline"]]
    c.item_latency = {
        k: Distribution.of(r["duration_ms"] for r in timed if r["kind"] == k) for k in ITEM_KINDS
    }
    c.sigb_latency = Distribution.of(r["sigb_ms"] for r in timed)
    logins = [r for r in transactions if r["kind"] == "login" and r["outcome"] == "ok" and not r["offline"]]
    c.login_latency = Distribution.of(r["duration_ms"] for r in logins)
    _stacks(c, data.rows("stacks", station), timed)
    for row in data.rows("events", station):
        if row["event_type"] == "incomplete-set":
            c.incomplete_by_policy[_event_field(row, "policy") or "unknown"] += 1
    c.errors = Counter((r["component"], r["error"]) for r in data.rows("errors", station))
    return c


def _reads(c: Circulation, row: dict[str, Any]) -> None:
    if row["reads"] is None:
        return
    tags = row["set_parts_present"] or 1
    per_tag = max(1, round(row["reads"] / tags))
    c.reads_per_tag[per_tag] += tags


def _sets(c: Circulation, row: dict[str, Any]) -> None:
    if row["set_parts"] is None or row["kind"] not in ITEM_KINDS:
        return
    if (row["set_parts_present"] or 0) < row["set_parts"]:
        c.sets_incomplete += 1
    else:
        c.sets_complete += 1


def _stacks(c: Circulation, stacks: Sequence[dict[str, Any]], timed: Sequence[dict[str, Any]]) -> None:
    closed = [s for s in stacks if s["tags_seen"]]
    c.stacks = len(closed)
    size_of = {(s["station_id"], s["id"]): s["tags_seen"] for s in closed}
    by_size: dict[str, list[float]] = defaultdict(list)
    for row in timed:
        size = size_of.get((row["station_id"], row["stack_id"]))
        if size:
            by_size[stack_bucket(size)].append(row["duration_ms"])
    labels = bucket_labels()
    c.latency_by_stack_size = {b: Distribution.of(by_size[b]) for b in labels if by_size.get(b)}
    durations: dict[str, list[float]] = defaultdict(list)
    for s in closed:
        if s["duration_ms"] is not None:
            durations[stack_bucket(s["tags_seen"])].append(s["duration_ms"] / 1000.0)
    c.stack_duration_by_size = {b: Distribution.of(durations[b]) for b in labels if durations.get(b)}
    r = c.stack_reads
    for s in stacks:
        if s["items_declared"] is None or s["tags_seen"] is None:
            continue
        r.stacks += 1
        r.tags_read += s["tags_seen"]
        r.items_declared += s["items_declared"]
        if s["tags_seen"] == s["items_declared"]:
            r.exact += 1
        elif s["tags_seen"] < s["items_declared"]:
            r.fewer += 1
        else:
            r.more += 1


def _event_field(row: dict[str, Any], name: str) -> Any:
    import json

    try:
        return json.loads(row["fields"]).get(name)
    except (ValueError, AttributeError):
        return None


def offline(data: JournalData, station: str | None) -> Offline:
    o = Offline()
    for row in data.rows("offline_periods", station):
        o.periods.append(
            OfflinePeriod(
                row["station_id"],
                datetime.fromisoformat(row["started_at"]),
                _time(row["ended_at"]),
                row["cause"],
                row["transactions_queued"],
            )
        )
    o.periods.sort(key=lambda p: p.started_at)
    replays = data.rows("replay_outcomes", station)
    for row in replays:
        o.replay[row["outcome"]] += 1
        o.replay_by_kind[(row["kind"], row["outcome"])] += 1
        if row["outcome"] == "rejected":
            o.rejected_reasons[row["reason"] or "unspecified"] += 1
        o.reconciled += row["reconciled"]
        o.tag_mismatches += row["tag_mismatch"] or 0
    o.replay_delay = Distribution.of(r["delay_s"] for r in replays)
    return o


def gate(data: JournalData, station: str | None) -> Gate:
    g = Gate()
    for row in data.rows("people_counts", station):
        g.entering += row["entering"]
        g.leaving += row["leaving"]
    for row in data.rows("gate_alarms", station):
        g.alarms += 1
        g.by_cause[row["cause"]] += 1
        g.by_direction[row["direction"]] += 1
        if row["false_alarm"] is not None:
            g.verified += 1
        if row["false_alarm"]:
            g.false_alarms += 1
            g.false_by_cause[row["cause"]] += 1
            g.false_by_direction[row["direction"]] += 1
    return g


def walk_tests(rows: Sequence[dict[str, Any]]) -> WalkTests:
    counts: dict[tuple[str, float], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[(row["orientation"], row["speed_m_s"])][0] += 1
        counts[(row["orientation"], row["speed_m_s"])][1] += row["detected"]
    return WalkTests({k: (v[0], v[1]) for k, v in sorted(counts.items())})


def encoding(rows: Sequence[dict[str, Any]], tz: tzinfo) -> Encoding:
    e = Encoding()
    days: dict[tuple[str, str], OperatorDay] = {}
    for row in rows:
        at = datetime.fromisoformat(row["at"])
        day = at.astimezone(tz).date().isoformat()
        entry = days.setdefault((row["operator"], day), OperatorDay(row["operator"], day))
        if row["format"]:
            e.formats[row["format"]] += 1
        if row["outcome"] != "ok":
            entry.failed += 1
            e.failures[row["reason"] or "unspecified"] += 1
            continue
        entry.ok += 1
        entry.durations_ms.append(row["duration_ms"])
        entry.first = at if entry.first is None or at < entry.first else entry.first
        entry.last = at if entry.last is None or at > entry.last else entry.last
    e.per_operator_day = sorted(days.values(), key=lambda o: (o.day, o.operator))
    return e
