"""The SQLite layer: atomic() semantics, migrations, and the staff-facing storage errors."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils import Database

from offline_queue import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    EventJournal,
    OfflineQueue,
    QueueError,
    ReconcileResult,
    SchemaTooNew,
    SendResult,
    TxnState,
    WrongDatabase,
)
from offline_queue.db import atomic, connect
from offline_queue.journal_schema import JOURNAL_SCHEMA
from offline_queue.queue_schema import QUEUE_SCHEMA


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = connect(tmp_path / "t.db", what="test", synchronous="FULL", busy_timeout=1.0)
    database.execute("CREATE TABLE t (v INTEGER)")
    yield database
    database.close()


def _values(db: Database) -> list[int]:
    return [r["v"] for r in db.query("SELECT v FROM t ORDER BY rowid")]


# -- atomic() ------------------------------------------------------------------------------------------------

def test_atomic_commits_and_rolls_back_on_any_exception(db: Database) -> None:
    with atomic(db):
        db["t"].insert({"v": 1})
    with pytest.raises(KeyboardInterrupt), atomic(db):
        db["t"].insert({"v": 2})
        raise KeyboardInterrupt
    assert _values(db) == [1] and not db.conn.in_transaction


def test_nested_atomic_blocks_are_savepoints(db: Database) -> None:
    with atomic(db):
        db["t"].insert({"v": 1})
        with pytest.raises(ValueError), atomic(db):
            db["t"].insert({"v": 2})
            with atomic(db):
                db["t"].insert({"v": 3})
            raise ValueError("inner")
        with atomic(db):
            db["t"].insert({"v": 4})
    assert _values(db) == [1, 4]


def test_outer_failure_undoes_released_savepoints(db: Database) -> None:
    with pytest.raises(RuntimeError), atomic(db):
        with atomic(db):
            db["t"].insert({"v": 1})
        raise RuntimeError("outer")
    assert _values(db) == []


def test_cleanup_failure_never_hides_the_original_error(db: Database) -> None:
    with pytest.raises(ValueError, match="the original") as caught, atomic(db):
        db["t"].insert({"v": 1})
        db.conn.close()  # now the ROLLBACK itself fails
        raise ValueError("the original")
    assert any("while rolling back" in note for note in caught.value.__notes__)


def test_error_that_already_ended_the_transaction_propagates_unchanged(db: Database) -> None:
    db.execute("CREATE TRIGGER boom BEFORE INSERT ON t WHEN NEW.v = 13 "
               "BEGIN SELECT RAISE(ROLLBACK, 'thirteen'); END")
    with pytest.raises(sqlite3.IntegrityError, match="thirteen"), atomic(db):
        db["t"].insert({"v": 1})
        with atomic(db):  # the savepoint is gone with the whole transaction: no "no such savepoint"
            db.execute("INSERT INTO t VALUES (13)")
    assert _values(db) == [] and not db.conn.in_transaction


def test_atomic_takes_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with OfflineQueue(path, busy_timeout=0.05) as one, OfflineQueue(path, busy_timeout=0.05) as two:
        with one.atomic():
            with pytest.raises(DatabaseLocked, match=r"q\.db: the offline queue is locked by another"):
                two.enqueue("checkin", "I1")
            one.enqueue("checkin", "I2")
        assert [t.item_id for t in two.transactions()] == ["I2"]


# -- migrations ----------------------------------------------------------------------------------------------

def test_fresh_files_record_their_migrations(tmp_path: Path) -> None:
    with OfflineQueue(tmp_path / "q.db") as queue:
        assert queue.migrations == ["m001_transactions", "m002_staff_report"]
        assert queue.db.execute("PRAGMA user_version").fetchone()[0] == 2
        rows = list(queue.db.query("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"))
        assert rows == [{"migration_set": "borne.offline_queue", "name": "m001_transactions"},
                        {"migration_set": "borne.offline_queue", "name": "m002_staff_report"}]
    with EventJournal(tmp_path / "j.db") as journal:
        assert journal.migrations == [
            "m001_circulation", "m002_gates_and_encoding", "m003_events", "m004_transaction_duration_nullable"
        ]


def _old_queue(path: Path) -> None:
    """A queue file as the first release wrote it (schema m001 only), with one row in each life stage."""
    db = connect(path, what="test", synchronous="FULL", busy_timeout=1.0)
    with atomic(db):
        QUEUE_SCHEMA.migrations.apply(db, stop_before="m002_staff_report")
    rows = [("checkout", "I1", "P1", "pending", 0), ("checkin", "I2", None, "sent", 1),
            ("checkout", "I3", None, "accepted", 1)]
    for kind, item, patron, state, attempts in rows:
        db.execute("INSERT INTO transactions (kind, item_id, patron_id, station_id, transaction_at, state, "
                   "attempts, enqueued_at) VALUES (?, ?, ?, 'K0', '2024-12-01T10:00:00+00:00', ?, ?, "
                   "'2024-12-01T10:00:00+00:00')", [kind, item, patron, state, attempts])
    db.close()


def test_an_older_queue_is_migrated_in_place_and_can_be_replayed(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    _old_queue(path)
    with OfflineQueue(path, station_id="K1") as queue:
        assert queue.migrations == ["m001_transactions", "m002_staff_report"]
        old = queue.transactions()
        assert [(t.item_id, t.state, t.patron_id, t.tag_secured, t.reported_at) for t in old] == [
            ("I1", TxnState.PENDING, "P1", None, None), ("I2", TxnState.SENT, None, None, None),
            ("I3", TxnState.ACCEPTED, None, None, None)]
        queue.enqueue("checkin", "I4", tag_secured=True)
        report = queue.replay(lambda txn: SendResult.accepted(), lambda txn: ReconcileResult.applied())
        assert (report.accepted, report.reconciled) == (3, 1)  # I2 was "sent" by the old version
    with OfflineQueue(path) as again:  # reopening applies nothing twice
        assert again.migrations == ["m001_transactions", "m002_staff_report"]


def test_an_older_journal_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    db = connect(path, what="test", synchronous="NORMAL", busy_timeout=1.0)
    with atomic(db):
        JOURNAL_SCHEMA.migrations.apply(db, stop_before="m002_gates_and_encoding")
    db.execute("INSERT INTO errors (station_id, at, component, error) VALUES ('K0', '2024-12-01', 'reader', "
               "'ReaderTimeout')")
    db.execute("INSERT INTO transactions (station_id, at, kind, outcome, duration_ms) VALUES ('K0', "
               "'2024-12-01', 'checkout', 'ok', 812.5)")
    db.close()
    with EventJournal(path, station_id="K1") as journal:
        assert journal.migrations[-1] == "m004_transaction_duration_nullable"
        assert journal.query("SELECT station_id, error FROM errors") == [{"station_id": "K0",
                                                                         "error": "ReaderTimeout"}]
        journal.record_transaction("checkout", "refused", duration_ms=None, reason="incomplete-set")
        assert journal.query("SELECT station_id, duration_ms FROM transactions ORDER BY id") == [
            {"station_id": "K0", "duration_ms": 812.5}, {"station_id": "K1", "duration_ms": None}]
        journal.record_alarm("secured-item")


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    """Processes opening one fresh file at once all succeed (SQLite refuses the switch to WAL with an
    immediate SQLITE_BUSY while another connection holds a lock: it must wait like any lock) and migrate it
    once. Several rounds: the race only shows in a few percent of single rounds."""
    for round_ in range(20):
        path, errors, opened = tmp_path / f"q{round_}.db", [], []

        def opener(path: Path = path, errors: list = errors, opened: list = opened) -> None:
            try:
                with OfflineQueue(path) as queue:
                    opened.append(queue.migrations)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=opener) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(opened) == 6
        with OfflineQueue(path) as queue:
            assert queue.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == 2


def test_a_file_from_a_newer_borne_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with OfflineQueue(path) as queue:
        queue.db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                         "VALUES ('borne.offline_queue', 'm099_future', '2030-01-01')")
    with pytest.raises(SchemaTooNew, match=r"newer version of Borne \(unknown migrations: m099_future\)"):
        OfflineQueue(path)


def test_journal_and_queue_files_are_not_mistaken_for_each_other(tmp_path: Path) -> None:
    EventJournal(tmp_path / "j.db").close()
    OfflineQueue(tmp_path / "q.db").close()
    with pytest.raises(WrongDatabase, match=r"j\.db is an event journal, not an offline queue"):
        OfflineQueue(tmp_path / "j.db")
    with pytest.raises(WrongDatabase, match=r"q\.db is an offline queue, not an event journal"):
        EventJournal(tmp_path / "q.db")


# -- storage errors ------------------------------------------------------------------------------------------

def test_corrupt_file_names_the_file_and_the_recovery(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    path.write_bytes(b"this is not an sqlite database at all" * 200)
    with pytest.raises(DatabaseCorrupt, match=r"queue\.db: the offline queue is corrupt.*\.recover") as exc:
        OfflineQueue(path)
    assert exc.value.path == path


def test_missing_directory_says_which_directory(tmp_path: Path) -> None:
    with pytest.raises(DatabaseReadOnly, match=r"Check that the directory .*/absent exists"):
        OfflineQueue(tmp_path / "absent" / "queue.db")


def test_read_only_journal_refuses_writes_with_a_clear_error(tmp_path: Path) -> None:
    EventJournal(tmp_path / "j.db", station_id="K1").close()
    with EventJournal(tmp_path / "j.db", station_id="K1", readonly=True) as journal:
        assert journal.query("SELECT count(*) AS n FROM transactions") == [{"n": 0}]
        with pytest.raises(DatabaseReadOnly, match="the event journal is read-only"):
            journal.record_error("reader", "ReaderGone")


def test_full_disk_is_reported_and_nothing_half_written(tmp_path: Path) -> None:
    with OfflineQueue(tmp_path / "q.db") as queue:
        pages = queue.db.execute("PRAGMA page_count").fetchone()[0]
        queue.db.execute(f"PRAGMA max_page_count = {pages + 2}")  # a "disk" with two free pages
        with pytest.raises(DiskFull, match="the disk is full"):
            for n in range(10_000):
                queue.enqueue("checkin", f"ITEM-{n:05d}-" + "x" * 40)
        stored = queue.transactions()
        assert [t.item_id for t in stored] == [f"ITEM-{n:05d}-" + "x" * 40 for n in range(len(stored))]


def test_every_storage_error_is_a_queue_error() -> None:
    for cls in (DatabaseCorrupt, DatabaseLocked, DatabaseReadOnly, DiskFull, SchemaTooNew, WrongDatabase):
        assert issubclass(cls, QueueError)
