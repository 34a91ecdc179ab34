"""The gate's SQLite file: alarm log, hourly people counts and the circulation cache.

One connection shared by the poll loop and the background workers (title lookups,
cache refresh), serialised by a lock; every write is one ``atomic()`` transaction.
WAL journaling keeps an alarm's insert from waiting on a reader. Schema changes are
numbered migrations recorded in ``_migrations``, applied once, in order.

Nothing about patrons is stored here: alarms carry the tag UID, the item identifier
and the title; counts are anonymous; the cache holds item circulation states only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_alarms",
        """
        CREATE TABLE alarms (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,          -- UTC, ISO 8601 with milliseconds and Z
            uid TEXT,                    -- tag UID, hex MSB first
            item_id TEXT,                -- primary item identifier from the tag
            title TEXT,                  -- filled later by a SIP2 lookup
            direction TEXT,              -- in / out / NULL when unknown
            reason TEXT NOT NULL,
            reader TEXT,
            antenna INTEGER,
            passage INTEGER,             -- id of the first alarm of the same passage
            acknowledged_at TEXT
        );
        CREATE INDEX alarms_time ON alarms(time);
    """,
    ),
    (
        "0002_counts",
        """
        CREATE TABLE counts (
            hour TEXT PRIMARY KEY,       -- local time, 'YYYY-MM-DD HH:00'
            entries INTEGER NOT NULL DEFAULT 0,
            exits INTEGER NOT NULL DEFAULT 0
        );
    """,
    ),
    (
        "0003_circulation",
        """
        CREATE TABLE circulation (
            item_id TEXT PRIMARY KEY,
            charged INTEGER NOT NULL,
            circulation_status INTEGER,
            title TEXT,
            checked_at REAL NOT NULL     -- epoch seconds of the SIP2 answer
        );
    """,
    ),
)


def utc_text(moment: datetime) -> str:
    """Sortable UTC text: 2026-11-25T03:05:59.123Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class GateDatabase:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.db = sqlite_utils.Database(self.conn)
        self.lock = threading.RLock()
        if self.path != ":memory:":
            self.db.enable_wal()
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        with self.transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
            for name, sql in MIGRATIONS:
                if name not in done:
                    for statement in filter(str.strip, sql.split(";")):
                        db.execute(statement)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, utc_text(datetime.now(UTC))])

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        with self.lock, self.db.atomic():
            yield self.db

    def query(self, sql: str, params: tuple | list = ()) -> list[dict]:
        with self.lock:
            return list(self.db.query(sql, params))

    def close(self) -> None:
        with self.lock:
            self.conn.close()
