"""Crash tests: a real child process is killed with SIGKILL and the queue is reopened afterwards.

SIGKILL models a process crash; a power cut additionally relies on ``synchronous=FULL`` (checked below), which
makes SQLite fsync the write-ahead log at every commit.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from oq_helpers import FileSIGB, expected_state, fill_valid_history

from offline_queue import EventJournal, OfflineQueue, Replayer, TxnState

CHILD = Path(__file__).with_name("oq_child.py")


def _child(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(CHILD), *map(str, args)], stdout=subprocess.PIPE, text=True)


def test_queue_is_fsynced_at_every_commit_and_journal_is_not(tmp_path: Path) -> None:
    with OfflineQueue(tmp_path / "q.db") as queue, EventJournal(tmp_path / "j.db") as journal:
        assert queue.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert queue.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert journal.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_enqueue_survives_sigkill_right_after_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    child = _child("enqueue", path, 100_000)
    assert child.stdout is not None
    reported = [int(child.stdout.readline()) for _ in range(25)]
    child.send_signal(signal.SIGKILL)  # the 25th id was printed right after enqueue() returned
    child.wait()
    assert child.returncode == -signal.SIGKILL
    with OfflineQueue(path) as queue:
        stored = {txn.id: txn for txn in queue.transactions()}
    assert set(reported) <= set(stored)
    assert reported == sorted(reported) == list(range(1, 26))
    for txn_id in reported:
        assert stored[txn_id].state is TxnState.PENDING
        assert stored[txn_id].patron_id == f"PAT{txn_id - 1:05d}X"


def _check_recovered(queue_path: Path, sigb_path: Path, expected: dict[str, str | None], total: int) -> None:
    """Finish the replay in this process, then check: all accepted, each applied once, in order."""
    sigb = FileSIGB(sigb_path)
    with OfflineQueue(queue_path) as queue:
        report = Replayer(queue, sigb.send, sigb.reconcile, batch_size=8).run()
        assert report.drained
        txns = queue.transactions()
    applied = sigb.applied()
    applied_ids = [txn_id for txn_id, _, _ in applied]
    assert len(applied_ids) == len(set(applied_ids)), "a transaction was applied twice"
    assert applied_ids == sorted(applied_ids) == list(range(1, total + 1)), "lost or reordered"
    assert all(t.state is TxnState.ACCEPTED and t.patron_id is None for t in txns)
    assert {item: sigb.charged_to(item) for item in expected} == expected
    sigb.close()


def _prepare(tmp_path: Path, total: int) -> tuple[Path, Path, dict[str, str | None]]:
    queue_path, sigb_path = tmp_path / "q.db", tmp_path / "sigb.db"
    with OfflineQueue(queue_path, station_id="K1") as queue:
        fill_valid_history(queue, total, items=12)
        expected = expected_state(queue)
    FileSIGB(sigb_path).close()
    return queue_path, sigb_path, expected


@pytest.mark.parametrize("kill_at", [1, 7, 8, 9, 23])
def test_replay_killed_between_sigb_apply_and_reply_is_reconciled(tmp_path: Path, kill_at: int) -> None:
    total = 40
    queue_path, sigb_path, expected = _prepare(tmp_path, total)
    child = _child("replay", queue_path, sigb_path, 8, kill_at)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with OfflineQueue(queue_path) as queue:
        sent = queue.transactions([TxnState.SENT])
        accepted = queue.transactions([TxnState.ACCEPTED])
    # The transaction the SIGB applied last is 'sent' (its reply never came back), never lost or accepted.
    assert kill_at in {t.id for t in sent}
    assert all(t.id < kill_at for t in accepted)
    _check_recovered(queue_path, sigb_path, expected, total)


def test_replay_killed_at_random_times_never_duplicates_or_loses(tmp_path: Path) -> None:
    rng = random.Random(20250301)
    interrupted = 0
    for run in range(4):
        total = 300
        run_dir = tmp_path / str(run)
        run_dir.mkdir()
        queue_path, sigb_path, expected = _prepare(run_dir, total)
        for _ in range(2):  # kill twice, so recovery from an already-recovered state is exercised too
            child = _child("slow-replay", queue_path, sigb_path, 16)
            assert child.stdout is not None
            child.stdout.readline()  # "ready": the queue is open
            time.sleep(rng.uniform(0.0, 0.12))
            child.send_signal(signal.SIGKILL)
            child.wait()
            with OfflineQueue(queue_path) as queue:
                stats = queue.stats()
            interrupted += 0 < stats.accepted < total
        _check_recovered(queue_path, sigb_path, expected, total)
    assert interrupted >= 2, "the kills should land in the middle of replays"
