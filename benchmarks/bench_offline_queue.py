"""Speed of the offline queue: durable enqueues per second and replay of a 10,000-transaction queue.

A station enqueues one transaction per item while offline and must not make the patron wait for the disk; when
the SIGB comes back, a day's queue must be replayed quickly (target issue 5: >= 500 transactions/s against a
fast SIGB). Both are measured in a temporary directory on the same disk, against baselines measured in the
same process:

- enqueue: ``OfflineQueue.enqueue`` (one fsync'ed commit each, as the station needs) vs. a plain ``sqlite3``
  INSERT + COMMIT loop with the same pragmas (WAL, ``synchronous=FULL``): the floor for a durable insert.
- replay: ``Replayer.run`` with an in-process sender/reconciler (a dict of loans, microseconds per call),
  vs. the same durable INSERT loop: how many times faster than a commit per transaction the batched replay
  is. Also a worst case where every transaction concerns the same item, so each claim can hold only one
  transaction.

The rates depend on the disk's fsync time; the script prints it. Run: ``python
benchmarks/bench_offline_queue.py [--transactions 10000]``; exit status 1 if the replay target is missed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from offline_queue import OfflineQueue, QueuedTransaction, ReconcileResult, Replayer, SendResult

REPLAY_TARGET = 500.0  # transactions per second


class FastSIGB:
    """Loan state in a dict: the fastest possible SIGB, so the queue itself is what gets measured."""

    def __init__(self) -> None:
        self.loans: dict[str, str] = {}

    def send(self, txn: QueuedTransaction) -> SendResult:
        if txn.kind == "checkout":
            self.loans[txn.item_id] = txn.patron_id or ""
        elif self.loans.pop(txn.item_id, None) is None:
            return SendResult.rejected("not-checked-out")
        return SendResult.accepted()

    def reconcile(self, txn: QueuedTransaction) -> ReconcileResult:
        holder = self.loans.get(txn.item_id)
        applied = holder == txn.patron_id if txn.kind == "checkout" else holder is None
        answer = ReconcileResult.applied if applied else ReconcileResult.not_applied
        return answer(charged=holder is not None)


def plain_insert_rate(path: Path, count: int) -> float:
    """Durable INSERT + COMMIT per row with raw sqlite3, same pragmas as the queue."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT, item_id TEXT, patron_id TEXT, at TEXT)")
    start = time.perf_counter()
    for k in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (kind, item_id, patron_id, at) VALUES ('checkout', ?, ?, ?)",
                     [f"3000{k:09d}", f"2300{k:010d}", datetime.now(UTC).isoformat()])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def fill(queue: OfflineQueue, count: int, items: int, seed: int = 5) -> float:
    """Enqueue a realistic offline day (checkouts and returns over ``items`` items); return enqueues/s."""
    rng = random.Random(seed)
    holders: dict[str, str | None] = {f"3000{i:09d}": None for i in range(items)}
    names = sorted(holders)
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    start = time.perf_counter()
    for k in range(count):
        item = rng.choice(names)
        moment = when + timedelta(seconds=k)
        if holders[item] is None:
            holders[item] = f"2300{rng.randrange(10**10):010d}"
            queue.enqueue("checkout", item, holders[item], when=moment, due_date=moment + timedelta(days=21),
                          tag_secured=False)
        else:
            holders[item] = None
            queue.enqueue("checkin", item, when=moment, tag_secured=True)
    return count / (time.perf_counter() - start)


def replay_rate(queue: OfflineQueue, count: int) -> tuple[float, int]:
    """Replay the whole queue against :class:`FastSIGB`; return transactions/s and the number of claims."""
    sigb, claims = FastSIGB(), 0
    original_claim = queue.claim

    def counting_claim(limit: int):  # type: ignore[no-untyped-def]
        nonlocal claims
        claims += 1
        return original_claim(limit)

    queue.claim = counting_claim  # type: ignore[method-assign]
    start = time.perf_counter()
    report = Replayer(queue, sigb.send, sigb.reconcile).run()
    elapsed = time.perf_counter() - start
    settled = report.accepted + report.rejected
    if settled != count or not report.drained:
        raise SystemExit(f"replay settled {settled} of {count} transactions: {report}")
    return count / elapsed, claims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=4_000, help="distinct items in the offline day")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-oq-", dir=Path.cwd()) as tmp:
        directory = Path(tmp)
        baseline = plain_insert_rate(directory / "baseline.db", 2_000)
        print(f"baseline  plain sqlite3 INSERT+COMMIT (WAL, synchronous=FULL): {baseline:9.0f} /s "
              f"(fsync ~{1000 / baseline:.2f} ms)")
        with OfflineQueue(directory / "queue.db", station_id="BENCH") as queue:
            enqueue = fill(queue, args.transactions, args.items)
            print(f"enqueue   OfflineQueue.enqueue, durable on return:          {enqueue:9.0f} /s "
                  f"({enqueue / baseline:.2f} x baseline)")
            rate, claims = replay_rate(queue, args.transactions)
            print(f"replay    {args.transactions} transactions over {args.items} items:      {rate:9.0f} /s "
                  f"({rate / baseline:.1f} x baseline, {rate / REPLAY_TARGET:.1f} x target "
                  f"{REPLAY_TARGET:.0f}/s, {claims} claims)")
        worst = min(args.transactions, 1_000)
        with OfflineQueue(directory / "worst.db", station_id="BENCH") as queue:
            fill(queue, worst, 1)
            worst_rate, worst_claims = replay_rate(queue, worst)
            print(f"replay    worst case, {worst} transactions of one item:      {worst_rate:9.0f} /s "
                  f"({worst_rate / baseline:.2f} x baseline, {worst_claims} claims)")
    if rate < REPLAY_TARGET:
        print(f"FAIL: replay below the {REPLAY_TARGET:.0f} transactions/s target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
