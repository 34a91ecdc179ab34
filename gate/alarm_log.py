"""Alarm log: one row per item that made the gate alarm, kept for staff and the pilot report.

Each row holds the time, tag UID, item identifier, reason, reader/antenna, the
passage it belongs to, its direction once the people counter told it, its title
once the background SIP2 lookup found it, and when staff acknowledged it. Rows older
than the retention period are purged. No patron data: a gate does not know, and
must not record, who carried the item.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from .events import Alarm
from .store import GateDatabase, utc_text

COLUMNS = (
    "id",
    "time",
    "uid",
    "item_id",
    "title",
    "direction",
    "reason",
    "reader",
    "antenna",
    "passage",
    "acknowledged_at",
)


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    id: int
    time: str
    uid: str | None
    item_id: str | None
    title: str | None
    direction: str | None
    reason: str
    reader: str | None
    antenna: int | None
    passage: int | None
    acknowledged_at: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class AlarmLog:
    def __init__(self, store: GateDatabase) -> None:
        self.store = store

    def record(self, alarm: Alarm, wall: datetime, passage_row: int | None = None) -> int:
        """Insert one alarm; ``passage_row`` is the row id of the passage's first alarm (None: this one)."""
        s = alarm.sighting
        with self.store.transaction() as db:
            table = db["alarms"]
            table.insert(
                {
                    "time": utc_text(wall),
                    "uid": s.uid_hex,
                    "item_id": s.item_id,
                    "title": alarm.title,
                    "reason": str(alarm.reason),
                    "reader": s.reader,
                    "antenna": s.antenna,
                    "passage": passage_row,
                }
            )
            row_id = int(table.last_pk)
            if passage_row is None:
                db.execute("UPDATE alarms SET passage = ? WHERE id = ?", [row_id, row_id])
        return row_id

    def set_title(self, row_id: int, title: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE alarms SET title = ? WHERE id = ?", [title, row_id])

    def set_direction(self, passage_row: int, direction: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE alarms SET direction = ? WHERE passage = ?", [direction, passage_row])

    def acknowledge(self, row_id: int, wall: datetime | None = None) -> bool:
        """Mark the alarm and the rest of its passage acknowledged; False if there is no such alarm."""
        when = utc_text(wall or datetime.now(UTC))
        with self.store.transaction() as db:
            cursor = db.execute(
                "UPDATE alarms SET acknowledged_at = ? WHERE acknowledged_at IS NULL AND passage ="
                " (SELECT passage FROM alarms WHERE id = ?)",
                [when, row_id],
            )
            return cursor.rowcount > 0

    def get(self, row_id: int) -> AlarmRecord | None:
        rows = self.store.query(f"SELECT {', '.join(COLUMNS)} FROM alarms WHERE id = ?", [row_id])
        return AlarmRecord(**rows[0]) if rows else None

    def recent(self, limit: int = 50) -> list[AlarmRecord]:
        rows = self.store.query(f"SELECT {', '.join(COLUMNS)} FROM alarms ORDER BY id DESC LIMIT ?", [limit])
        return [AlarmRecord(**row) for row in rows]

    def unacknowledged(self) -> int:
        return self.store.query("SELECT count(*) AS n FROM alarms WHERE acknowledged_at IS NULL")[0]["n"]

    def count_since(self, since: datetime) -> int:
        return self.store.query("SELECT count(*) AS n FROM alarms WHERE time >= ?", [utc_text(since)])[0]["n"]

    def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many."""
        cutoff = utc_text((now or datetime.now(UTC)) - timedelta(days=retention_days))
        with self.store.transaction() as db:
            return db.execute("DELETE FROM alarms WHERE time < ?", [cutoff]).rowcount

    def export_csv(self, out: TextIO) -> int:
        rows = self.store.query(f"SELECT {', '.join(COLUMNS)} FROM alarms ORDER BY id")
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)
        return len(rows)
