"""Replayer: order, outcomes, reconciliation, stopping and resuming, batching, journaling."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oq_helpers import FileSIGB, Scripted, expected_state, fill_valid_history

from offline_queue import (
    EventJournal,
    OfflineQueue,
    QueuedTransaction,
    ReconcileResult,
    Replayer,
    ReplayInProgress,
    SendResult,
    StopReason,
    TxnState,
)
from offline_queue.replay import _Run, replay_lock

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def queue(tmp_path: Path) -> OfflineQueue:
    with OfflineQueue(tmp_path / "queue.db", station_id="K1") as q:
        yield q


def _fill(queue: OfflineQueue, n: int) -> list[int]:
    """``n`` checkouts of distinct items by distinct patrons."""
    return [queue.enqueue("checkout", f"I{k:03d}", f"P{k:03d}", when=T0 + timedelta(seconds=k),
                          tag_secured=False) for k in range(n)]


def test_replays_in_original_order_and_erases_patrons(queue: OfflineQueue, tmp_path: Path) -> None:
    sigb = FileSIGB(tmp_path / "sigb.db")
    fill_valid_history(queue, 200, items=7)
    expected = expected_state(queue)
    report = Replayer(queue, sigb.send, sigb.reconcile, batch_size=16).run()
    assert (report.accepted, report.rejected, report.reconciled, report.resent) == (200, 0, 0, 0)
    assert report.drained and report.stopped is None and report.remaining == 0
    assert [txn_id for txn_id, _, _ in sigb.applied()] == list(range(1, 201))
    assert {item: sigb.charged_to(item) for item in expected} == expected
    txns = queue.transactions()
    assert all(t.state is TxnState.ACCEPTED and t.patron_id is None and t.attempts == 1 for t in txns)
    assert Replayer(queue, sigb.send, sigb.reconcile).run().accepted == 0  # nothing left to do


def test_rejections_are_reported_with_the_sigb_state(queue: OfflineQueue, tmp_path: Path) -> None:
    sigb = FileSIGB(tmp_path / "sigb.db")
    queue.enqueue("checkout", "A", "P1", tag_secured=False)
    queue.enqueue("checkout", "A", "P2", tag_secured=False)  # the SIGB refuses: A is on P1's account
    queue.enqueue("checkin", "B", tag_secured=True)  # the SIGB refuses: B is not on loan
    report = queue.replay(sigb.send, sigb.reconcile)
    assert (report.accepted, report.rejected) == (1, 2)
    report_rows = {t.id: t for t in queue.staff_report()}
    assert set(report_rows) == {2, 3}
    second = report_rows[2]
    assert (second.reason, second.screen_message, second.patron_id) == (
        "charged-to-another-patron", "Item charged to another patron", "P2")  # kept until staff saw it
    assert (second.sigb_charged, second.tag_mismatch) == (True, False)
    assert (report_rows[3].sigb_charged, report_rows[3].tag_mismatch) == (False, False)


def test_unreachable_stops_and_a_later_run_resumes_without_duplicates(queue: OfflineQueue) -> None:
    _fill(queue, 10)
    script = Scripted(sends={4: [SendResult.unreachable("connection refused")]})
    report = Replayer(queue, script.send, script.reconcile, batch_size=8).run()
    assert (report.accepted, report.stopped, report.detail, report.remaining) == (
        3, StopReason.UNREACHABLE, "connection refused", 7)
    assert script.sent == [1, 2, 3, 4]
    states = {t.id: (t.state, t.attempts) for t in queue.transactions()}
    assert states[4] == (TxnState.SENT, 1)  # may have reached the SIGB: reconcile first next time
    assert all(states[k] == (TxnState.PENDING, 0) for k in range(5, 11))  # claimed, never sent: released
    script.checks[4] = [ReconcileResult.applied(charged=True)]
    report = Replayer(queue, script.send, script.reconcile, batch_size=8).run()
    assert (report.accepted, report.reconciled, report.resent) == (7, 1, 0)
    assert script.sent == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] and script.reconciled == [4]
    assert queue.get(4).reconciled and queue.get(4).attempts == 1


def test_resumed_transaction_not_applied_is_resent(queue: OfflineQueue) -> None:
    _fill(queue, 3)
    queue.claim(2)  # a previous replay died after marking 1 and 2 sent
    script = Scripted(checks={1: [ReconcileResult.applied()], 2: [ReconcileResult.not_applied()]})
    report = Replayer(queue, script.send, script.reconcile).run()
    assert (report.accepted, report.reconciled, report.resent) == (3, 1, 1)
    assert script.reconciled == [1, 2] and script.sent == [2, 3]
    assert [queue.get(k).attempts for k in (1, 2, 3)] == [1, 2, 1]


def test_resumed_transaction_with_sigb_unreachable_stops_before_sending(queue: OfflineQueue) -> None:
    _fill(queue, 2)
    queue.claim(1)
    script = Scripted(checks={1: [ReconcileResult.unreachable("timeout")]})
    report = Replayer(queue, script.send, script.reconcile).run()
    assert (report.stopped, report.detail, script.sent) == (StopReason.UNREACHABLE, "timeout", [])
    assert queue.get(1).state is TxnState.SENT and queue.get(2).state is TxnState.PENDING


def test_outcome_unknown_is_reconciled_then_resent_at_most_max_sends(queue: OfflineQueue) -> None:
    _fill(queue, 3)
    script = Scripted(
        sends={1: [SendResult.outcome_unknown()],  # reply lost, but it was applied
               2: [SendResult.outcome_unknown(), SendResult.accepted()],  # lost before reaching the SIGB
               3: [SendResult.outcome_unknown("no reply")] * 5},
        checks={1: [ReconcileResult.applied()], 2: [ReconcileResult.not_applied()]})
    report = Replayer(queue, script.send, script.reconcile, max_sends=3).run()
    assert script.sent == [1, 2, 2, 3, 3, 3]
    assert (report.accepted, report.reconciled, report.resent) == (2, 1, 3)
    assert (report.stopped, report.detail) == (StopReason.UNRESOLVED, "no reply")
    assert [(t.state, t.attempts, t.reconciled) for t in queue.transactions()] == [
        (TxnState.ACCEPTED, 1, True), (TxnState.ACCEPTED, 2, False), (TxnState.SENT, 3, False)]


def test_an_exception_from_the_sender_saves_earlier_outcomes(queue: OfflineQueue) -> None:
    _fill(queue, 6)

    def sender(txn):  # type: ignore[no-untyped-def]
        if txn.id == 3:
            raise ConnectionResetError("peer reset")
        return SendResult.accepted()

    with pytest.raises(ConnectionResetError):
        Replayer(queue, sender, Scripted().reconcile).run()
    assert [t.state for t in queue.transactions()] == [TxnState.ACCEPTED] * 2 + [TxnState.SENT] + [
        TxnState.PENDING] * 3


def test_outcomes_are_committed_at_least_every_flush_interval(queue: OfflineQueue, tmp_path: Path) -> None:
    _fill(queue, 5)
    ticks = iter(range(100))
    observer = OfflineQueue(tmp_path / "queue.db")
    seen: list[int] = []

    def sender(txn):  # type: ignore[no-untyped-def]
        seen.append(observer.stats().accepted)  # what another process would see on disk right now
        return SendResult.accepted()

    Replayer(queue, sender, Scripted().reconcile, batch_size=64, flush_interval=2,
             monotonic=lambda: next(ticks)).run()
    assert seen == [0, 0, 2, 2, 4]  # one tick per transaction: a commit every second transaction
    observer.close()


def test_transactions_enqueued_during_replay_are_replayed_in_order(queue: OfflineQueue,
                                                                   tmp_path: Path) -> None:
    _fill(queue, 3)
    station = OfflineQueue(tmp_path / "queue.db", station_id="K1")
    order: list[str] = []

    def sender(txn):  # type: ignore[no-untyped-def]
        order.append(txn.item_id)
        if txn.item_id == "I000":
            station.enqueue("checkin", "LATE")
        return SendResult.accepted()

    report = Replayer(queue, sender, Scripted().reconcile, batch_size=2).run()
    assert order == ["I000", "I001", "I002", "LATE"] and report.drained
    station.close()


def test_only_one_replayer_at_a_time(queue: OfflineQueue) -> None:
    _fill(queue, 1)
    with replay_lock(queue.path), pytest.raises(ReplayInProgress, match="another replay"):
        Replayer(queue, Scripted().send, Scripted().reconcile).run()
    assert Replayer(queue, Scripted().send, Scripted().reconcile).run().accepted == 1


def test_replay_outcomes_are_journaled_anonymously(queue: OfflineQueue, tmp_path: Path) -> None:
    clock = [T0 + timedelta(hours=2)]
    journal = EventJournal(tmp_path / "events.db", station_id="K1", clock=lambda: clock[0])
    queue.enqueue("checkout", "I1", "23000000123456", when=T0, tag_secured=False)
    queue.enqueue("checkin", "I2", when=T0, tag_secured=True)
    queue.enqueue("checkin", "I3", when=T0, tag_secured=True)
    script = Scripted(
        sends={2: [SendResult.rejected("not-checked-out", "Item 30001000002 (Mme Dupont) not on loan")],
               3: [SendResult.rejected("Rendu refusé : Mme Dupont, carte 23000000999999")]},
        checks={2: [ReconcileResult.not_applied(charged=True)]})
    Replayer(queue, script.send, script.reconcile, journal=journal).run()
    rows = journal.query("SELECT station_id, kind, outcome, reason, attempts, reconciled, delay_s, "
                         "tag_mismatch FROM replay_outcomes ORDER BY id")
    assert rows == [
        {"station_id": "K1", "kind": "checkout", "outcome": "accepted", "reason": None, "attempts": 1,
         "reconciled": 0, "delay_s": 7200.0, "tag_mismatch": None},
        {"station_id": "K1", "kind": "checkin", "outcome": "rejected", "reason": "not-checked-out",
         "attempts": 1, "reconciled": 0, "delay_s": 7200.0, "tag_mismatch": 1},
        {"station_id": "K1", "kind": "checkin", "outcome": "rejected", "reason": "other",
         "attempts": 1, "reconciled": 0, "delay_s": 7200.0, "tag_mismatch": 0}]
    journal.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("events.db*"))
    assert b"23000000" not in raw and b"Dupont" not in raw


def test_replayer_rejects_nonsense_options(queue: OfflineQueue) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Replayer(queue, Scripted().send, Scripted().reconcile, batch_size=0)


class _Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs (the replayer's error handler is disabled below)."""


@given(st.data())
@settings(max_examples=60)
def test_random_faults_and_crashes_never_duplicate_lose_or_reorder(data: st.DataObject) -> None:
    faults = ["ok", "ok", "ok", "lost-after", "lost-before", "down", "crash-after", "crash-before"]
    with tempfile.TemporaryDirectory() as tmp, OfflineQueue(Path(tmp) / "q.db", station_id="K1") as queue:
        total = data.draw(st.integers(1, 30), label="transactions")
        fill_valid_history(queue, total, items=data.draw(st.integers(1, 5), label="items"),
                           seed=data.draw(st.integers(0, 99), label="seed"))
        loans: dict[str, str | None] = {}
        applied: list[int] = []
        calls = 0

        def apply(txn: QueuedTransaction) -> None:
            loans[txn.item_id] = txn.patron_id if txn.kind == "checkout" else None
            applied.append(txn.id)

        def sender(txn: QueuedTransaction) -> SendResult:
            nonlocal calls
            calls += 1
            fault = data.draw(st.sampled_from(faults), label="fault") if calls < 60 else "ok"
            if fault in ("ok", "lost-after", "crash-after"):
                apply(txn)
            if fault.startswith("crash"):
                raise _Crash
            return {"ok": SendResult.accepted(), "down": SendResult.unreachable()}.get(
                fault, SendResult.outcome_unknown())

        def reconcile(txn: QueuedTransaction) -> ReconcileResult:
            if calls < 60 and data.draw(st.booleans(), label="sigb down during reconcile"):
                return ReconcileResult.unreachable()
            holder = loans.get(txn.item_id)
            done = holder == txn.patron_id if txn.kind == "checkout" else holder is None
            return (ReconcileResult.applied if done else ReconcileResult.not_applied)()

        for _ in range(200):
            batch = data.draw(st.integers(1, 8), label="batch")
            replayer = Replayer(queue, sender, reconcile, batch_size=batch)
            with patch.object(_Run, "_flush_after_error", lambda self, exc: None):
                try:
                    report = replayer.run()
                except _Crash:
                    continue
            if report.drained:
                break
        assert applied == list(range(1, total + 1))
        assert all(t.state is TxnState.ACCEPTED and t.patron_id is None for t in queue.transactions())
