"""Schema of the offline queue file, as an ordered list of registered migrations.

Never edit a migration that has shipped: add a new one. Privacy and the state machine are enforced by the
database itself (CHECK constraints and triggers), so a bug in Python cannot store a patron identifier on an
accepted or reported row, or move a transaction backwards.
"""

from __future__ import annotations

from sqlite_utils import Database

from .db import QUEUE_APPLICATION_ID, Schema

QUEUE_SCHEMA = Schema("borne.offline_queue", QUEUE_APPLICATION_ID, "offline queue")


@QUEUE_SCHEMA.migration
def m001_transactions(db: Database) -> None:
    """The queue proper: one row per offline checkout or checkin, replayed in ``id`` order."""
    db.execute("""
        CREATE TABLE transactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids never reused, order kept after purges
            kind TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin')),
            item_id TEXT NOT NULL CHECK (length(item_id) > 0),
            patron_id TEXT,
            station_id TEXT NOT NULL,
            transaction_at TEXT NOT NULL,
            due_date TEXT,
            return_date TEXT,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sent', 'accepted', 'rejected')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            enqueued_at TEXT NOT NULL,
            sent_at TEXT,
            settled_at TEXT,
            reason TEXT,
            screen_message TEXT,
            reconciled INTEGER NOT NULL DEFAULT 0 CHECK (reconciled IN (0, 1)),
            CHECK (kind = 'checkout' OR patron_id IS NULL),
            CHECK (kind = 'checkin' OR patron_id IS NOT NULL OR state IN ('accepted', 'rejected')),
            CHECK (state <> 'accepted' OR (patron_id IS NULL AND screen_message IS NULL)),
            CHECK (kind = 'checkout' OR due_date IS NULL),
            CHECK (kind = 'checkin' OR return_date IS NULL)
        )""")
    db.execute("CREATE INDEX transactions_by_state ON transactions (state, id)")
    db.execute("""
        CREATE TRIGGER transactions_state_machine BEFORE UPDATE OF state ON transactions
        WHEN NOT (NEW.state = OLD.state
                  OR (OLD.state = 'pending' AND NEW.state = 'sent')
                  OR (OLD.state = 'sent' AND NEW.state IN ('pending', 'accepted', 'rejected')))
        BEGIN SELECT RAISE(ABORT, 'illegal offline transaction state change'); END""")


@QUEUE_SCHEMA.migration
def m002_staff_report(db: Database) -> None:
    """For the staff report of rejections: tag state at enqueue, SIGB state afterwards, reported flag."""
    for column in ("tag_secured", "sigb_charged", "tag_mismatch"):
        db.execute(f"ALTER TABLE transactions ADD COLUMN {column} INTEGER CHECK ({column} IN (0, 1))")
    db.execute("ALTER TABLE transactions ADD COLUMN reported_at TEXT")
    db.execute("""
        CREATE TRIGGER transactions_reported_are_anonymous
        BEFORE UPDATE OF reported_at, patron_id, screen_message ON transactions
        WHEN NEW.reported_at IS NOT NULL AND (NEW.patron_id IS NOT NULL OR NEW.screen_message IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'a reported transaction must not keep patron data'); END""")
    db.execute("""
        CREATE TRIGGER transactions_only_rejections_are_reported BEFORE UPDATE OF reported_at ON transactions
        WHEN NEW.reported_at IS NOT NULL AND NEW.state <> 'rejected'
        BEGIN SELECT RAISE(ABORT, 'only rejected transactions are reported to staff'); END""")
