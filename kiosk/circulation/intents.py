"""Write-ahead record of circulation operations in flight, and the staff alert list.

A checkout or a return touches two systems that cannot share a transaction:
the SIGB (over SIP2) and the tag (over RF). Before the first of them is
touched, the operation is written here with its *stage*; every step that
succeeds advances the stage; the operation is closed when both sides agree.
If the station dies (power cut, ``kill -9``) or the SIGB stops answering
half-way, the open record says exactly what may have happened, and
:mod:`kiosk.circulation.recovery` drives both sides back to agreement at the
next start — or, when that cannot be proven, raises a staff alert. That is the
product's invariant: tag security state matches the SIGB, or staff are told.

Stages (one record per item):

- checkout: ``charging`` (request about to be sent) → ``charged`` (SIGB said
  yes, tag not yet unsecured) → closed; ``undoing`` (tag could not be unsecured,
  check-in being sent back) → closed.
- return: ``securing`` (tag write about to start) → ``secured`` (verified) →
  ``checking_in`` (request about to be sent) → closed.

Privacy: the patron is kept only as a keyed hash (HMAC with a random
per-station key stored beside the database), enough to recognise "charged to
this patron" in an item information reply and useless to anyone reading the
file. Records are deleted once closed. SQLite in WAL mode with
``synchronous=FULL``: a stage is on disk before the action it announces.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,            -- checkout | return
    item_id TEXT NOT NULL,
    uids TEXT NOT NULL,            -- JSON list of hex UIDs (all parts of a set)
    patron_hash TEXT,
    stage TEXT NOT NULL,
    offline_txn INTEGER,           -- offline queue id when the operation was queued offline
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    item_id TEXT NOT NULL,
    uids TEXT NOT NULL,
    kind TEXT NOT NULL,            -- e.g. unsecure_failed, checkin_failed, state_unverified
    detail TEXT NOT NULL,
    resolved REAL
);
"""


@dataclass(frozen=True, slots=True)
class Intent:
    id: int
    kind: str
    item_id: str
    uids: tuple[bytes, ...]
    patron_hash: str | None
    stage: str
    offline_txn: int | None
    created: float


@dataclass(frozen=True, slots=True)
class StaffAlert:
    """Something staff must look at: the item, what went wrong, and what state things were left in."""

    id: int
    created: float
    item_id: str
    uids: tuple[bytes, ...]
    kind: str
    detail: str
    resolved: float | None


def _uids(text: str) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(u) for u in json.loads(text))


class IntentLog:
    """The durable in-flight record (one SQLite file) shared by all workflows of a station."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._key = self._load_key()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _load_key(self) -> bytes:
        key_path = self.path.with_suffix(".key")
        try:
            return key_path.read_bytes()
        except FileNotFoundError:
            key = secrets.token_bytes(32)
            tmp = key_path.with_suffix(".key.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, key_path)
            return key

    def patron_hash(self, patron_id: str | None) -> str | None:
        if not patron_id:
            return None
        return hmac.new(self._key, patron_id.strip().encode(), hashlib.sha256).hexdigest()[:32]

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def open(
        self,
        kind: str,
        item_id: str,
        uids: tuple[bytes, ...],
        stage: str,
        patron_id: str | None = None,
        offline_txn: int | None = None,
    ) -> int:
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO intents (kind, item_id, uids, patron_hash, stage, offline_txn, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    item_id,
                    json.dumps([u.hex() for u in uids]),
                    self.patron_hash(patron_id),
                    stage,
                    offline_txn,
                    now,
                    now,
                ),
            )
            return int(cur.lastrowid or 0)

    def advance(self, intent_id: int, stage: str, *, offline_txn: int | None = None) -> None:
        with self._tx() as db:
            if offline_txn is None:
                db.execute(
                    "UPDATE intents SET stage = ?, updated = ? WHERE id = ?", (stage, time.time(), intent_id)
                )
            else:
                db.execute(
                    "UPDATE intents SET stage = ?, offline_txn = ?, updated = ? WHERE id = ?",
                    (stage, offline_txn, time.time(), intent_id),
                )

    def close(self, intent_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM intents WHERE id = ?", (intent_id,))

    def open_intents(self) -> list[Intent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, item_id, uids, patron_hash, stage, offline_txn, created"
                " FROM intents ORDER BY id"
            ).fetchall()
        return [Intent(r[0], r[1], r[2], _uids(r[3]), r[4], r[5], r[6], r[7]) for r in rows]

    def alert(self, item_id: str, uids: tuple[bytes, ...], kind: str, detail: str) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO staff_alerts (created, item_id, uids, kind, detail) VALUES (?, ?, ?, ?, ?)",
                (time.time(), item_id, json.dumps([u.hex() for u in uids]), kind, detail),
            )
            return int(cur.lastrowid or 0)

    def alerts(self, include_resolved: bool = False) -> list[StaffAlert]:
        query = "SELECT id, created, item_id, uids, kind, detail, resolved FROM staff_alerts"
        if not include_resolved:
            query += " WHERE resolved IS NULL"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id").fetchall()
        return [StaffAlert(r[0], r[1], r[2], _uids(r[3]), r[4], r[5], r[6]) for r in rows]

    def resolve_alert(self, alert_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE staff_alerts SET resolved = ? WHERE id = ?", (time.time(), alert_id))

    def close_db(self) -> None:
        with self._lock:
            self._db.close()
