"""Test helpers for the offline queue: a file-backed stand-in SIGB that survives a killed replayer.

``FileSIGB`` keeps item loan state in its own SQLite file and commits each applied transaction before
answering, like a real SIGB does, so a replayer killed with SIGKILL after "the SIGB applied it" leaves
exactly the state a real station would face. ``reconcile`` looks only at item state (what SIP2 item
information can tell); the ``applied`` log additionally records which queued transaction was applied, as
ground truth for the checkers.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from offline_queue import OfflineQueue, QueuedTransaction, ReconcileResult, SendResult


class FileSIGB:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS items (item_id TEXT PRIMARY KEY, charged_to TEXT)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS applied (seq INTEGER PRIMARY KEY, txn_id INTEGER, "
                          "kind TEXT, item_id TEXT)")

    def close(self) -> None:
        self.conn.close()

    def charged_to(self, item_id: str) -> str | None:
        row = self.conn.execute("SELECT charged_to FROM items WHERE item_id = ?", [item_id]).fetchone()
        return None if row is None else row[0]

    def send(self, txn: QueuedTransaction) -> SendResult:
        current = self.charged_to(txn.item_id)
        if txn.kind == "checkout" and current not in (None, txn.patron_id):
            return SendResult.rejected("charged-to-another-patron", "Item charged to another patron")
        if txn.kind == "checkin" and current is None:
            return SendResult.rejected("not-checked-out", "Item not checked out")
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT OR REPLACE INTO items VALUES (?, ?)",
                          [txn.item_id, txn.patron_id if txn.kind == "checkout" else None])
        self.conn.execute("INSERT INTO applied (txn_id, kind, item_id) VALUES (?, ?, ?)",
                          [txn.id, txn.kind.value, txn.item_id])
        self.conn.execute("COMMIT")
        return SendResult.accepted()

    def reconcile(self, txn: QueuedTransaction) -> ReconcileResult:
        current = self.charged_to(txn.item_id)
        applied = current == txn.patron_id if txn.kind == "checkout" else current is None
        answer = ReconcileResult.applied if applied else ReconcileResult.not_applied
        return answer(charged=current is not None)

    def applied(self) -> list[tuple[int, str, str]]:
        return self.conn.execute("SELECT txn_id, kind, item_id FROM applied ORDER BY seq").fetchall()


@dataclass
class Scripted:
    """A sender/reconciler pair answering from scripts, recording every call (for in-process tests)."""

    sends: dict[int, list[SendResult]] = field(default_factory=dict)
    checks: dict[int, list[ReconcileResult]] = field(default_factory=dict)
    sent: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)

    def send(self, txn: QueuedTransaction) -> SendResult:
        self.sent.append(txn.id)
        script = self.sends.get(txn.id)
        return script.pop(0) if script else SendResult.accepted()

    def reconcile(self, txn: QueuedTransaction) -> ReconcileResult:
        self.reconciled.append(txn.id)
        script = self.checks.get(txn.id)
        return script.pop(0) if script else ReconcileResult.not_applied(charged=False)


def fill_valid_history(queue: OfflineQueue, n: int, *, items: int = 40, seed: int = 1) -> list[int]:
    """``n`` transactions that a SIGB accepts when applied in order: per item, checkout then checkin, ..."""
    rng = random.Random(seed)
    out_to: dict[str, str | None] = {f"3000{i:06d}": None for i in range(items)}
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    ids = []
    for k in range(n):
        item = rng.choice(sorted(out_to))
        when = start + timedelta(seconds=k)
        if out_to[item] is None:
            patron = f"PAT{rng.randrange(10**4):04d}X"
            ids.append(queue.enqueue("checkout", item, patron, when=when, due_date=when + timedelta(days=21),
                                     tag_secured=False))
            out_to[item] = patron
        else:
            ids.append(queue.enqueue("checkin", item, when=when, tag_secured=True))
            out_to[item] = None
    return ids


def expected_state(queue: OfflineQueue) -> dict[str, str | None]:
    """Item → patron after applying every queued transaction in order (the crash-free result)."""
    state: dict[str, str | None] = {}
    for txn in queue.transactions():
        state[txn.item_id] = txn.patron_id if txn.kind == "checkout" else None
    return state
