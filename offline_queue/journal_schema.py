"""Schema of the anonymous event journal, as registered migrations (never edit a shipped one: add one).

Every table has ``station_id`` and a UTC ISO 8601 time (``at``, or a start/end pair), so journals of many
stations can be concatenated and grouped by the pilot report. No column can hold a patron identifier; item
identifiers appear only in ``encodings`` (tag conversion, not circulation: an item + time pair of a loan could
be joined with the SIGB's loan history to find the borrower).

Tables (see :class:`offline_queue.journal.EventJournal` for the meaning of each column):

- ``stacks``: items put on the pad together: kind, tags seen, items the patron declared (pilot mode),
  duration.
- ``transactions``: one per item or refused tag: kind, outcome (ok/refused/error), reason code, durations
  (total, SIGB, tag), reads of the tag, offline flag, set parts (expected/present).
- ``errors``: component, error code, redacted detail.
- ``offline_periods``: start, end, cause, number of transactions queued.
- ``replay_outcomes``: per replayed offline transaction: kind, accepted/rejected, reason, attempts,
  reconciled, delay since the original transaction, tag/SIGB mismatch.
- ``gate_alarms``, ``people_counts``, ``walk_tests``: gate evidence (alarms per 1,000 visitors, false-alarm
  causes, detection rate by orientation and speed).
- ``encodings``: tag conversions: item identifier, UID, duration, operator pseudonym, outcome.
- ``events``: anything else, as a JSON object of checked fields.
"""

from __future__ import annotations

from sqlite_utils import Database

from .db import JOURNAL_APPLICATION_ID, Schema

JOURNAL_SCHEMA = Schema("borne.event_journal", JOURNAL_APPLICATION_ID, "event journal")

KINDS = "('checkout', 'checkin', 'renew', 'login')"


@JOURNAL_SCHEMA.migration
def m001_circulation(db: Database) -> None:
    db.execute(f"""
        CREATE TABLE stacks (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            kind TEXT NOT NULL CHECK (kind IN {KINDS}),
            offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
            tags_seen INTEGER CHECK (tags_seen >= 0),
            items_declared INTEGER CHECK (items_declared >= 0),
            duration_ms REAL CHECK (duration_ms >= 0)
        )""")
    db.execute(f"""
        CREATE TABLE transactions (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            stack_id INTEGER REFERENCES stacks (id),
            kind TEXT NOT NULL CHECK (kind IN {KINDS}),
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
            reason TEXT,
            offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
            duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
            sigb_ms REAL CHECK (sigb_ms >= 0),
            tag_ms REAL CHECK (tag_ms >= 0),
            reads INTEGER CHECK (reads >= 0),
            set_parts INTEGER CHECK (set_parts >= 1),
            set_parts_present INTEGER CHECK (set_parts_present >= 0)
        )""")
    db.execute("""
        CREATE TABLE errors (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            component TEXT NOT NULL,
            error TEXT NOT NULL,
            detail TEXT
        )""")
    db.execute("""
        CREATE TABLE offline_periods (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= started_at),
            cause TEXT NOT NULL,
            transactions_queued INTEGER CHECK (transactions_queued >= 0)
        )""")
    db.execute("""
        CREATE TABLE replay_outcomes (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin')),
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
            reason TEXT,
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            reconciled INTEGER NOT NULL CHECK (reconciled IN (0, 1)),
            delay_s REAL,
            tag_mismatch INTEGER CHECK (tag_mismatch IN (0, 1))
        )""")
    for table, column in (("stacks", "started_at"), ("transactions", "at"), ("errors", "at"),
                          ("offline_periods", "started_at"), ("replay_outcomes", "at")):
        db.execute(f"CREATE INDEX {table}_by_station ON {table} (station_id, {column})")


@JOURNAL_SCHEMA.migration
def m002_gates_and_encoding(db: Database) -> None:
    db.execute("""
        CREATE TABLE gate_alarms (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            cause TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'unknown')),
            afi INTEGER CHECK (afi BETWEEN 0 AND 255),
            eas INTEGER CHECK (eas IN (0, 1)),
            false_alarm INTEGER CHECK (false_alarm IN (0, 1))
        )""")
    db.execute("""
        CREATE TABLE people_counts (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL CHECK (period_end >= period_start),
            entering INTEGER NOT NULL CHECK (entering >= 0),
            leaving INTEGER NOT NULL CHECK (leaving >= 0)
        )""")
    db.execute("""
        CREATE TABLE walk_tests (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            orientation TEXT NOT NULL,
            speed_m_s REAL NOT NULL CHECK (speed_m_s > 0),
            detected INTEGER NOT NULL CHECK (detected IN (0, 1)),
            tag_type TEXT,
            height_cm REAL
        )""")
    db.execute("""
        CREATE TABLE encodings (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            item_id TEXT NOT NULL,
            uid TEXT NOT NULL,
            duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
            operator TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
            reason TEXT,
            format TEXT
        )""")
    for table in ("gate_alarms", "walk_tests", "encodings"):
        db.execute(f"CREATE INDEX {table}_by_station ON {table} (station_id, at)")
    db.execute("CREATE INDEX people_counts_by_station ON people_counts (station_id, period_start)")


@JOURNAL_SCHEMA.migration
def m003_events(db: Database) -> None:
    db.execute("""
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            event_type TEXT NOT NULL,
            fields TEXT NOT NULL CHECK (json_valid(fields) AND json_type(fields) = 'object')
        )""")
    db.execute("CREATE INDEX events_by_station ON events (station_id, event_type, at)")


@JOURNAL_SCHEMA.migration
def m004_transaction_duration_nullable(db: Database) -> None:
    """``transactions.duration_ms`` may be NULL: a row with nothing meaningful to time (a set refused after
    its wait ran out) says so instead of a made-up 0 that would drag the pilot's means down. SQLite cannot
    drop a NOT NULL in place, so the table is rebuilt (same columns and checks) inside the migration's
    transaction."""
    db.execute(f"""
        CREATE TABLE transactions_new (
            id INTEGER PRIMARY KEY,
            station_id TEXT NOT NULL,
            at TEXT NOT NULL,
            stack_id INTEGER REFERENCES stacks (id),
            kind TEXT NOT NULL CHECK (kind IN {KINDS}),
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
            reason TEXT,
            offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
            duration_ms REAL CHECK (duration_ms >= 0),
            sigb_ms REAL CHECK (sigb_ms >= 0),
            tag_ms REAL CHECK (tag_ms >= 0),
            reads INTEGER CHECK (reads >= 0),
            set_parts INTEGER CHECK (set_parts >= 1),
            set_parts_present INTEGER CHECK (set_parts_present >= 0)
        )""")
    db.execute("INSERT INTO transactions_new SELECT * FROM transactions")
    db.execute("DROP TABLE transactions")
    db.execute("ALTER TABLE transactions_new RENAME TO transactions")
    db.execute("CREATE INDEX transactions_by_station ON transactions (station_id, at)")
