"""RGPD: patron identifiers stay in the queue only while needed and leave no trace in its files."""

from __future__ import annotations

import inspect
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from oq_helpers import Scripted

from offline_queue import OfflineQueue, ReconcileResult, Replayer, SendResult, TxnState
from offline_queue.privacy import forbidden_name

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _raw(path: Path) -> bytes:
    """Every byte SQLite keeps for ``path``: the database, its write-ahead log and shared memory index."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_accepted_patron_ids_leave_no_trace_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with OfflineQueue(path) as queue:
        for k in range(30):
            queue.enqueue("checkout", f"I{k:03d}", f"CARDQ{k:03d}Z", tag_secured=False)
        queue.enqueue("checkout", "LAST", "CARDKEEPZ", tag_secured=False)
        assert b"CARDQ007Z" in _raw(path)  # the search below would find them
        script = Scripted(sends={31: [SendResult.unreachable()]})
        Replayer(queue, script.send, script.reconcile).run()  # ends with a WAL checkpoint
        assert queue.get(31).patron_id == "CARDKEEPZ"  # still needed: not yet accepted
        assert all(t.patron_id is None for t in queue.transactions([TxnState.ACCEPTED]))
    raw = _raw(path)
    assert all(f"CARDQ{k:03d}Z".encode() not in raw for k in range(30))
    assert b"CARDKEEPZ" in raw


def test_rejected_patron_ids_and_messages_are_kept_until_staff_saw_them(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with OfflineQueue(path, clock=lambda: T0) as queue:
        queue.enqueue("checkout", "I1", "CARDREJ01", tag_secured=False)
        script = Scripted(sends={1: [SendResult.rejected("patron-blocked", "Mme DUPONTEL: carte bloquée")]},
                          checks={1: [ReconcileResult.not_applied(charged=False)]})
        Replayer(queue, script.send, script.reconcile).run()
        (row,) = queue.staff_report()
        assert (row.patron_id, row.screen_message, row.tag_mismatch) == ("CARDREJ01",
                                                                         "Mme DUPONTEL: carte bloquée", True)
        queue.mark_reported([row.id])
        result = queue.purge()
        assert (result.anonymized, result.deleted, result.wal_truncated) == (0, 0, True)
        assert (path.parent / "queue.db-wal").stat().st_size == 0
    raw = _raw(path)
    assert b"CARDREJ01" not in raw and b"DUPONTEL" not in raw
    assert b"patron-blocked" in raw  # the reason code stays, for statistics


def test_purge_deletes_old_settled_rows_and_keeps_everything_still_needed(tmp_path: Path) -> None:
    now = [T0]
    with OfflineQueue(tmp_path / "queue.db", clock=lambda: now[0]) as queue:
        for item in ("OLD-OK", "OLD-REJECTED-REPORTED", "OLD-REJECTED-UNREPORTED", "RECENT-OK", "PENDING"):
            queue.enqueue("checkin", item)
        script = Scripted(sends={2: [SendResult.rejected("x")], 3: [SendResult.rejected("x")],
                                 4: [SendResult.unreachable(), SendResult.accepted()],
                                 5: [SendResult.unreachable()]})
        Replayer(queue, script.send, script.reconcile).run()  # 1..3 settled at T0, stops at 4
        queue.mark_reported([2])
        now[0] = T0 + timedelta(days=40)
        Replayer(queue, script.send, script.reconcile).run()  # 4 settled 40 days later, stops at 5
        assert queue.get(5).state is TxnState.SENT
        result = queue.purge(older_than=timedelta(days=30))
        assert result.deleted == 2
        remaining = [t.item_id for t in queue.transactions()]
        assert remaining == ["OLD-REJECTED-UNREPORTED", "RECENT-OK", "PENDING"]
        assert queue.enqueue("checkin", "NEXT") == 6  # ids are never reused after deletions


def test_the_database_itself_refuses_patron_data_on_settled_rows(tmp_path: Path) -> None:
    with OfflineQueue(tmp_path / "queue.db") as queue:
        queue.enqueue("checkout", "I1", "P1")
        queue.enqueue("checkout", "I2", "P2")
        queue.mark_sent(1)
        queue.mark_accepted(1)
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            queue.db.execute("UPDATE transactions SET patron_id = 'P1' WHERE id = 1")
        queue.mark_sent(2)
        queue.mark_rejected(2, "x", "message")
        queue.mark_reported([2])
        with pytest.raises(sqlite3.IntegrityError, match="must not keep patron data"):
            queue.db.execute("UPDATE transactions SET screen_message = 'again' WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            queue.db.execute("INSERT INTO transactions (kind, item_id, patron_id, station_id, "
                             "transaction_at, enqueued_at) VALUES ('checkin', 'I3', 'P3', 'K', 't', 't')")


def test_nothing_but_the_patron_identifier_is_stored_and_never_a_pin(tmp_path: Path) -> None:
    parameters = set(inspect.signature(OfflineQueue.enqueue).parameters)
    assert not {p for p in parameters if forbidden_name(p)} - {"patron_id"}
    with OfflineQueue(tmp_path / "queue.db") as queue:
        columns = {c.name for c in queue.db["transactions"].columns}
    assert {c for c in columns if forbidden_name(c)} == {"patron_id"}
    assert columns == {
        "id", "kind", "item_id", "patron_id", "station_id", "transaction_at", "due_date", "return_date",
        "state", "attempts", "enqueued_at", "sent_at", "settled_at", "reason", "screen_message", "reconciled",
        "tag_secured", "sigb_charged", "tag_mismatch", "reported_at"}
