"""People counting: crossings from the counter device summed per local hour, exported as CSV.

Only totals per hour and direction are kept (anonymous by construction). Hours are
local time because that is how opening hours and the pilot report read them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from .store import GateDatabase

IN, OUT = "in", "out"


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: str  # 'YYYY-MM-DD HH:00', local time
    entries: int
    exits: int


def hour_label(wall: datetime) -> str:
    return wall.astimezone().strftime("%Y-%m-%d %H:00")


class PeopleCounts:
    def __init__(self, store: GateDatabase) -> None:
        self.store = store

    def add(self, direction: str, wall: datetime) -> None:
        if direction not in (IN, OUT):
            raise ValueError(f"direction must be 'in' or 'out', got {direction!r}")
        column = "entries" if direction == IN else "exits"
        with self.store.transaction() as db:
            db.execute(
                f"INSERT INTO counts (hour, {column}) VALUES (?, 1) "
                f"ON CONFLICT(hour) DO UPDATE SET {column} = {column} + 1",
                [hour_label(wall)],
            )

    def hourly(self, first_day: str | None = None, last_day: str | None = None) -> list[HourCount]:
        """Counts per hour, days given as 'YYYY-MM-DD' (inclusive), all hours when omitted."""
        low, high = (first_day or "0000-00-00"), (last_day or "9999-99-99") + " 99"
        rows = self.store.query(
            "SELECT hour, entries, exits FROM counts WHERE hour >= ? AND hour <= ? ORDER BY hour", [low, high]
        )
        return [HourCount(**row) for row in rows]

    def totals(self, day: str) -> tuple[int, int]:
        counts = self.hourly(day, day)
        return sum(c.entries for c in counts), sum(c.exits for c in counts)

    def export_csv(self, out: TextIO, first_day: str | None = None, last_day: str | None = None) -> int:
        counts = self.hourly(first_day, last_day)
        writer = csv.writer(out)
        writer.writerow(("hour", "in", "out"))
        writer.writerows((c.hour, c.entries, c.exits) for c in counts)
        return len(counts)
