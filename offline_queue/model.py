"""Typed values of the offline queue: transaction kinds and states, queued rows, outcomes, statistics.

State machine of a queued transaction (enforced in Python and by a trigger in the database)::

    pending ──claim──▶ sent ──▶ accepted
       ▲                 │  └─▶ rejected
       └──── release ────┘   (only for a claim that never reached the sender)

``sent`` means "may have reached the SIGB": a transaction in that state is reconciled (the SIGB is asked
whether it took effect) before it is ever sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .db import from_text


class TxnKind(StrEnum):
    CHECKOUT = "checkout"
    CHECKIN = "checkin"
    RENEW = "renew"  # modelled so that it can be refused explicitly: renewals are never queued offline


class TxnState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# The allowed state changes, h11-style: {from: {to, ...}}.
TRANSITIONS: dict[TxnState, frozenset[TxnState]] = {
    TxnState.PENDING: frozenset({TxnState.SENT}),
    TxnState.SENT: frozenset({TxnState.ACCEPTED, TxnState.REJECTED, TxnState.PENDING}),
    TxnState.ACCEPTED: frozenset(),
    TxnState.REJECTED: frozenset(),
}

UNSETTLED = (TxnState.PENDING, TxnState.SENT)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True, slots=True)
class QueuedTransaction:
    """One row of the queue. Times are timezone-aware (UTC); ``when`` is the original transaction time."""

    id: int
    kind: TxnKind
    item_id: str
    patron_id: str | None
    station_id: str
    when: datetime
    due_date: datetime | None
    return_date: datetime | None
    tag_secured: bool | None
    state: TxnState
    attempts: int
    enqueued_at: datetime
    sent_at: datetime | None
    settled_at: datetime | None
    reason: str | None
    screen_message: str | None
    reconciled: bool
    sigb_charged: bool | None
    tag_mismatch: bool | None
    reported_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> QueuedTransaction:
        return cls(
            id=row["id"], kind=TxnKind(row["kind"]), item_id=row["item_id"], patron_id=row["patron_id"],
            station_id=row["station_id"], when=from_text(row["transaction_at"]),  # type: ignore[arg-type]
            due_date=from_text(row["due_date"]), return_date=from_text(row["return_date"]),
            tag_secured=_bool(row["tag_secured"]), state=TxnState(row["state"]), attempts=row["attempts"],
            enqueued_at=from_text(row["enqueued_at"]),  # type: ignore[arg-type]
            sent_at=from_text(row["sent_at"]), settled_at=from_text(row["settled_at"]),
            reason=row["reason"], screen_message=row["screen_message"], reconciled=bool(row["reconciled"]),
            sigb_charged=_bool(row["sigb_charged"]), tag_mismatch=_bool(row["tag_mismatch"]),
            reported_at=from_text(row["reported_at"]),
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A transaction handed to the replayer. ``resumed``: it was already ``sent`` (by an earlier, interrupted
    replay), so its fate is unknown and it must be reconciled before any resend."""

    txn: QueuedTransaction
    resumed: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one replay step learned about a claimed transaction, written back by ``record_outcomes``.

    ``state`` is ACCEPTED, REJECTED, or SENT (still unknown: only ``extra_attempts`` is recorded).
    ``extra_attempts`` counts sends beyond the one already counted when the transaction was claimed.
    """

    txn_id: int
    state: TxnState
    extra_attempts: int = 0
    reason: str | None = None
    screen_message: str | None = None
    reconciled: bool = False
    sigb_charged: bool | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Counts for the kiosk status bar and the metrics endpoint (queue depth and age)."""

    pending: int
    sent: int
    accepted: int
    rejected: int
    unreported_rejections: int
    oldest_unsettled: datetime | None

    @property
    def depth(self) -> int:
        """Transactions still to deliver to the SIGB."""
        return self.pending + self.sent


@dataclass(frozen=True, slots=True)
class PurgeResult:
    anonymized: int  # rows whose leftover patron data was erased (normally 0: erasure happens when settled)
    deleted: int  # settled, anonymous rows older than the retention period
    wal_truncated: bool  # False when a reader kept the write-ahead log busy; old page images may remain there
