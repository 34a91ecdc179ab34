"""OfflineQueue: enqueue validation, reading, ordering, the state machine and the staff report."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from offline_queue import (
    IllegalTransition,
    InvalidTransaction,
    OfflineQueue,
    OfflineRefused,
    TxnKind,
    TxnState,
    UnknownTransaction,
)
from offline_queue.model import TRANSITIONS

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def queue(tmp_path: Path) -> OfflineQueue:
    with OfflineQueue(tmp_path / "queue.db", station_id="FR-75-K1", clock=lambda: T0) as q:
        yield q


def test_enqueue_stores_every_field_and_returns_increasing_ids(queue: OfflineQueue) -> None:
    due = T0 + timedelta(days=21)
    first = queue.enqueue("checkout", "30001000001", "23000000001", when=T0, due_date=due, tag_secured=False)
    second = queue.enqueue(TxnKind.CHECKIN, "30001000002", when=T0 + timedelta(minutes=1), tag_secured=True,
                           station_id="FR-75-K2")
    assert (first, second) == (1, 2)
    out = queue.get(first)
    assert (out.kind, out.item_id, out.patron_id, out.station_id) == (
        "checkout", "30001000001", "23000000001", "FR-75-K1")
    assert (out.when, out.due_date, out.return_date, out.tag_secured) == (T0, due, None, False)
    assert (out.state, out.attempts, out.enqueued_at, out.sent_at, out.settled_at) == (
        TxnState.PENDING, 0, T0, None, None)
    back = queue.get(second)
    assert back.return_date == back.when == T0 + timedelta(minutes=1)  # return date defaults to the txn time
    assert (back.patron_id, back.station_id, back.tag_secured) == (None, "FR-75-K2", True)


def test_times_are_stored_in_utc_and_naive_times_are_local(queue: OfflineQueue) -> None:
    paris = timezone(timedelta(hours=1))
    txn = queue.get(queue.enqueue("checkin", "I1", when=datetime(2025, 3, 1, 10, 30, tzinfo=paris)))
    assert txn.when == T0 and txn.when.utcoffset() == timedelta(0)
    naive = datetime(2025, 3, 1, 10, 30)
    assert queue.get(queue.enqueue("checkin", "I2", when=naive)).when == naive.astimezone(UTC)


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (("lend", "I1", "P1"), {}, "unknown transaction kind"),
    (("checkout", "I1"), {}, "patron_id must be a non-empty string"),
    (("checkout", "I1", "  "), {}, "patron_id must be a non-empty string"),
    (("checkin", "I1", "P1"), {}, "a checkin takes no patron_id"),
    (("checkout", "", "P1"), {}, "item_id must be a non-empty string"),
    (("checkout", "I|1", "P1"), {}, "without control characters or '|'"),
    (("checkout", "I\r1", "P1"), {}, "without control characters or '|'"),
    (("checkout", "I" * 65, "P1"), {}, "at most 64 characters"),
    (("checkin", "I1"), {"due_date": T0}, "due_date is only for checkouts"),
    (("checkout", "I1", "P1"), {"return_date": T0}, "return_date is only for checkins"),
    (("checkin", "I1"), {"when": "2025-03-01"}, "when must be a datetime"),
    (("checkin", "I1"), {"tag_secured": 1}, "tag_secured must be True, False or None"),
])
def test_enqueue_refuses_what_cannot_be_replayed(queue: OfflineQueue, args: tuple, kwargs: dict,
                                                 message: str) -> None:
    with pytest.raises(InvalidTransaction, match=message.replace("|", r"\|")):
        queue.enqueue(*args, **kwargs)
    assert queue.transactions() == []


def test_renewals_are_refused_offline_with_a_reason_and_nothing_is_stored(queue: OfflineQueue) -> None:
    with pytest.raises(OfflineRefused, match="renewals are not accepted offline") as caught:
        queue.enqueue("renew", "I1", "P1")
    assert caught.value.reason == "renew-offline"
    assert queue.stats().depth == 0


def test_reading_helpers(queue: OfflineQueue) -> None:
    queue.enqueue("checkout", "I1", "P1", when=T0 + timedelta(minutes=2))
    queue.enqueue("checkout", "I2", "P1", when=T0 + timedelta(minutes=1))
    queue.enqueue("checkin", "I1", when=T0 + timedelta(minutes=3))
    queue.enqueue("checkout", "I3", "P2")
    assert [t.id for t in queue.transactions()] == [1, 2, 3, 4]  # enqueue order, not transaction time
    assert [t.id for t in queue.pending_for_item("I1")] == [1, 3]
    assert queue.pending_checkouts("P1") == 2 and queue.pending_checkouts("P9") == 0
    stats = queue.stats()
    assert (stats.pending, stats.sent, stats.depth, stats.oldest_unsettled) == (4, 0, 4, T0)
    queue.mark_sent(1)
    queue.mark_accepted(1)
    assert queue.pending_checkouts("P1") == 1
    assert [t.id for t in queue.transactions([TxnState.ACCEPTED])] == [1]
    assert [t.id for t in queue.transactions(limit=2)] == [1, 2]
    with pytest.raises(UnknownTransaction, match="#99"):
        queue.get(99)


def test_mark_sent_only_accepts_the_oldest_unsettled_transaction(queue: OfflineQueue) -> None:
    queue.enqueue("checkin", "I1")
    queue.enqueue("checkin", "I2")
    with pytest.raises(IllegalTransition, match="original order"):
        queue.mark_sent(2)
    assert queue.get(2).state is TxnState.PENDING
    sent = queue.mark_sent(1)
    assert (sent.state, sent.attempts, sent.sent_at) == (TxnState.SENT, 1, T0)


def test_illegal_transitions_are_refused(queue: OfflineQueue) -> None:
    queue.enqueue("checkout", "I1", "P1")
    with pytest.raises(IllegalTransition, match="#1 is pending: only a sent transaction can become accepted"):
        queue.mark_accepted(1)
    queue.mark_sent(1)
    queue.mark_rejected(1, "patron-blocked", "Blocked")
    with pytest.raises(IllegalTransition, match="#1 is rejected"):
        queue.mark_accepted(1)
    with pytest.raises(IllegalTransition, match="#1 is rejected"):
        queue.release([1])
    with pytest.raises(UnknownTransaction):
        queue.mark_accepted(42)


def test_claim_never_holds_two_transactions_for_the_same_item(queue: OfflineQueue) -> None:
    for item in ("A", "B", "C", "A", "D"):
        queue.enqueue("checkin", item)
    assert [c.txn.id for c in queue.claim(10)] == [1, 2, 3]
    assert [t.id for t in queue.transactions([TxnState.PENDING])] == [4, 5]
    queue.record_outcomes([])
    queue.release([2, 3])
    claims = queue.claim(10)  # 1 is still sent (resumed); 2 and 3 come back fresh; 4 repeats item A
    assert [(c.txn.id, c.resumed) for c in claims] == [(1, True), (2, False), (3, False)]
    assert queue.get(2).attempts == 1  # release undid the first attempt, the new claim counted one


def _row_in(queue: OfflineQueue, state: TxnState, item: str) -> int:
    """A checkin in ``state``, reached through legal raw updates."""
    txn_id = queue.enqueue("checkin", item)
    if state is not TxnState.PENDING:
        queue.db.execute("UPDATE transactions SET state = 'sent' WHERE id = ?", [txn_id])
    if state in (TxnState.ACCEPTED, TxnState.REJECTED):
        queue.db.execute("UPDATE transactions SET state = ? WHERE id = ?", [state.value, txn_id])
    return txn_id


@pytest.mark.parametrize("source", list(TxnState))
@pytest.mark.parametrize("target", list(TxnState))
def test_database_trigger_enforces_the_state_machine(queue: OfflineQueue, source: TxnState,
                                                     target: TxnState) -> None:
    txn_id = _row_in(queue, source, "I1")
    assert queue.get(txn_id).state is source
    allowed = target is source or target in TRANSITIONS[source]
    if allowed:
        queue.db.execute("UPDATE transactions SET state = ? WHERE id = ?", [target.value, txn_id])
        assert queue.get(txn_id).state is target
    else:
        with pytest.raises(sqlite3.IntegrityError, match="illegal offline transaction state change"):
            queue.db.execute("UPDATE transactions SET state = ? WHERE id = ?", [target.value, txn_id])


@pytest.mark.parametrize(("kind", "tag_secured", "charged", "mismatch"), [
    ("checkout", False, False, True),  # unsecured tag, SIGB did not charge it: the item can leave undetected
    ("checkout", False, True, False),  # charged to someone (e.g. already this patron): consistent
    ("checkin", True, True, True),  # secured on the shelf but the SIGB still shows it on loan
    ("checkin", True, False, False),
    ("checkin", None, False, None),  # tag state unknown at enqueue
    ("checkout", False, None, None),  # SIGB could not be asked
])
def test_staff_report_says_whether_the_tag_disagrees_with_the_sigb(
        queue: OfflineQueue, kind: str, tag_secured: bool | None, charged: bool | None,
        mismatch: bool | None) -> None:
    txn_id = queue.enqueue(kind, "I1", "P1" if kind == "checkout" else None, tag_secured=tag_secured)
    queue.mark_sent(txn_id)
    queue.mark_rejected(txn_id, "sigb-refused", "Document en retard", sigb_charged=charged)
    (rejected,) = queue.staff_report()
    assert (rejected.id, rejected.reason, rejected.screen_message) == (txn_id, "sigb-refused",
                                                                       "Document en retard")
    assert (rejected.sigb_charged, rejected.tag_mismatch, rejected.settled_at) == (charged, mismatch, T0)
    assert queue.stats().unreported_rejections == 1
    assert queue.mark_reported([txn_id]) == 1
    assert queue.staff_report() == []
    reported = queue.get(txn_id)
    assert (reported.patron_id, reported.screen_message, reported.reason) == (None, None, "sigb-refused")
    assert reported.tag_mismatch is mismatch and reported.reported_at == T0


def test_only_rejections_can_be_reported(queue: OfflineQueue) -> None:
    queue.enqueue("checkin", "I1")
    with pytest.raises(IllegalTransition, match="only a rejected transaction"):
        queue.mark_reported([1])


def test_two_connections_and_many_threads_share_one_ordered_queue(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with OfflineQueue(path, station_id="K1") as one, OfflineQueue(path, station_id="K2") as two:
        errors: list[BaseException] = []

        def worker(q: OfflineQueue, prefix: str) -> None:
            try:
                for n in range(25):
                    q.enqueue("checkin", f"{prefix}{n}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(q, f"{q.station_id}-{k}-"))
                   for q in (one, two) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        txns = two.transactions()
        assert [t.id for t in txns] == list(range(1, 151))
        for prefix in {t.item_id.rsplit("-", 1)[0] for t in txns}:  # each writer's own order is kept
            mine = [int(t.item_id.rsplit("-", 1)[1]) for t in txns if t.item_id.startswith(prefix + "-")]
            assert mine == list(range(25))
