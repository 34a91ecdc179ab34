"""Durable SQLite journal: offline store-and-forward of transactions and the anonymous event journal.

- :class:`OfflineQueue` (``store.py``): checkouts and checkins made while the SIGB is unreachable, committed
  durably (WAL, ``synchronous=FULL``) before the station touches the tag, replayed later in original order.
- :class:`Replayer` (``replay.py``): replay through two callables the kiosk adapts to SIP2 (``sender``,
  ``reconcile``); a transaction that may have reached the SIGB is reconciled, never blindly resent.
- :class:`EventJournal` (``journal.py``): anonymous evidence for the pilot report (no patron data accepted).
- Errors: the :class:`~offline_queue.errors.QueueError` family, with messages that name the file and the fix.

This package imports nothing of ours but sqlite-utils and the standard library: it must not depend on SIP2,
drivers or the kiosk.
"""

from .errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    IllegalTransition,
    InvalidEvent,
    InvalidTransaction,
    JournalError,
    OfflineRefused,
    PatronDataRefused,
    QueueError,
    ReplayInProgress,
    SchemaError,
    SchemaTooNew,
    StorageError,
    UnknownTransaction,
    WrongDatabase,
)
from .journal import Direction, EncodingOutcome, EventJournal, TransactionKind, TransactionOutcome
from .model import Claim, Outcome, PurgeResult, QueuedTransaction, QueueStats, TxnKind, TxnState
from .privacy import redact
from .replay import (
    Reconciler,
    ReconcileResult,
    ReconcileStatus,
    Replayer,
    ReplayReport,
    Sender,
    SendResult,
    SendStatus,
    StopReason,
)
from .store import OfflineQueue

__all__ = [
    "Claim", "DatabaseCorrupt", "DatabaseLocked", "DatabaseReadOnly", "Direction", "DiskFull",
    "EncodingOutcome", "EventJournal", "IllegalTransition", "InvalidEvent", "InvalidTransaction",
    "JournalError", "OfflineQueue", "OfflineRefused", "Outcome", "PatronDataRefused", "PurgeResult",
    "QueueError", "QueueStats", "QueuedTransaction", "ReconcileResult", "ReconcileStatus", "Reconciler",
    "ReplayInProgress", "ReplayReport", "Replayer", "SchemaError", "SchemaTooNew", "SendResult", "SendStatus",
    "Sender", "StopReason", "StorageError", "TransactionKind", "TransactionOutcome", "TxnKind", "TxnState",
    "UnknownTransaction", "WrongDatabase", "redact",
]
