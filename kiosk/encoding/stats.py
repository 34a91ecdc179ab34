"""Live statistics of an encoding session, and the per-day, per-operator CSV export of the journal.

:class:`SessionStats` counts what the desk did since it started: tags encoded,
migrated, updated, already done, failures by kind; items per hour is the number
of items handled (everything but failures) over the time since the first one
started. The CSV export reads the event journal (``encodings`` table), so it
covers every session of every day, and groups by local day and operator
pseudonym: encoded, failed, failures by reason, mean seconds per tag, items per
hour over the span between the first and the last tag of that day.
"""

from __future__ import annotations

import csv
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

HANDLED = ("encoded", "migrated", "updated", "already_done")
MIN_SPAN_S = 60.0  # a rate over less than a minute says nothing


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """Counts and rates at one moment (what the staff window shows)."""

    encoded: int = 0
    migrated: int = 0
    updated: int = 0
    already_done: int = 0
    failed: int = 0
    refused: int = 0
    errors: tuple[tuple[str, int], ...] = ()
    items_per_hour: float = 0.0
    mean_seconds: float = 0.0
    elapsed_s: float = 0.0

    @property
    def total(self) -> int:
        """Tags handled successfully in this session (written or found already right)."""
        return self.encoded + self.migrated + self.updated + self.already_done


@dataclass
class SessionStats:
    """Counters of one session; ``record`` is called by the station for every outcome."""

    clock: Callable[[], float] = time.monotonic
    counts: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    started: float | None = None
    write_seconds: float = 0.0
    writes: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self) -> None:
        """The first item of the session starts now (items/hour counts from here)."""
        with self._lock:
            if self.started is None:
                self.started = self.clock()

    def record(self, outcome: str, kind: str | None = None, seconds: float | None = None) -> None:
        with self._lock:
            if self.started is None:
                self.started = self.clock()
            self.counts[outcome] += 1
            if kind and outcome in ("failed", "refused"):
                self.errors[kind] += 1
            if seconds is not None and outcome in ("encoded", "migrated", "updated"):
                self.write_seconds += seconds
                self.writes += 1

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            elapsed = 0.0 if self.started is None else max(0.0, self.clock() - self.started)
            handled = sum(self.counts[o] for o in HANDLED)
            rate = handled * 3600.0 / elapsed if elapsed > 0 else 0.0
            return StatsSnapshot(
                encoded=self.counts["encoded"], migrated=self.counts["migrated"],
                updated=self.counts["updated"], already_done=self.counts["already_done"],
                failed=self.counts["failed"], refused=self.counts["refused"],
                errors=tuple(sorted(self.errors.items())), items_per_hour=rate,
                mean_seconds=self.write_seconds / self.writes if self.writes else 0.0, elapsed_s=elapsed)


EXPORT_COLUMNS = ("day", "operator", "station", "encoded", "failed", "failures_by_reason", "mean_seconds",
                  "first", "last", "items_per_hour")


def export_daily_csv(journal: Any, out: TextIO, *, day: str | None = None) -> int:
    """Write one CSV row per local day, operator and station from the journal; return the row count."""
    rows = journal.query("SELECT station_id, at, operator, outcome, reason, duration_ms FROM encodings "
                         "ORDER BY at")
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        local = datetime.fromisoformat(row["at"]).astimezone()
        key = (local.date().isoformat(), row["operator"], row["station_id"])
        if day is None or key[0] == day:
            groups.setdefault(key, []).append({**row, "local": local})
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for (date, operator, station), items in sorted(groups.items()):
        writer.writerow(_summary(date, operator, station, items))
    return len(groups)


def _summary(date: str, operator: str, station: str, items: list[dict[str, Any]]) -> list[Any]:
    ok = [i for i in items if i["outcome"] == "ok"]
    failed = [i for i in items if i["outcome"] != "ok"]
    reasons = Counter(i["reason"] or "unknown" for i in failed)
    first, last = items[0]["local"], items[-1]["local"]
    span = max((last - first).total_seconds(), MIN_SPAN_S)
    mean = sum(i["duration_ms"] for i in ok) / len(ok) / 1000.0 if ok else 0.0
    return [date, operator, station, len(ok), len(failed),
            " ".join(f"{reason}:{count}" for reason, count in sorted(reasons.items())),
            f"{mean:.3f}", first.strftime("%H:%M:%S"), last.strftime("%H:%M:%S"),
            f"{len(ok) * 3600.0 / span:.0f}"]
