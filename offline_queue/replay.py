"""Replay of the offline queue to the SIGB, in original order, without ever double-applying a transaction.

The replayer knows nothing of SIP2: it talks to the SIGB through two callables that the kiosk adapts to its
SIP2 client (checkout/checkin with *no block* and the original dates; item information):

- ``sender(txn) -> SendResult``: deliver one transaction. ``accepted`` / ``rejected(reason)`` when the SIGB
  answered; ``outcome_unknown`` when the request left but no reply came (it may or may not have taken effect);
  ``unreachable`` when the SIGB could not be reached.
- ``reconcile(txn) -> ReconcileResult``: ask the SIGB (item information) whether ``txn`` has taken effect:
  ``applied``, ``not_applied`` (safe to send), or ``unreachable``. ``charged`` optionally reports whether the
  SIGB now shows the item on loan; the staff report uses it to say whether a rejected item's tag disagrees.

Durability semantics (what a crash can and cannot do):

1. A transaction is handed to the sender only after its ``sent`` mark is durable. Claims are made
   ``batch_size`` at a time in one fsync'ed transaction, so a crash can leave up to ``batch_size``
   transactions ``sent`` that never left the station; the next replay reconciles each of them (one
   item-information request) before resending, so this costs requests, never correctness.
2. Outcomes are written in batches: at the end of each claimed batch (together with the next claim, one
   commit) and at least every ``flush_interval`` seconds. A crash loses at most the outcomes since the last
   commit; those transactions are still ``sent``, so they are reconciled, never blindly resent. Outcomes are
   therefore *recovered* from the SIGB rather than lost.
3. ``unreachable`` and unresolved ``outcome_unknown`` stop the run with the transaction left ``sent`` (order
   is global, so later transactions wait). Claimed transactions that never reached the sender are returned
   to ``pending``. The run can simply be started again later.
4. Reconciliation by item state is exact because a claim never holds two transactions for the same item
   (:meth:`OfflineQueue.claim` cuts the batch before a repeated item) and every earlier transaction of that
   item settled before the claim: whatever a crash interrupted, each item has at most one transaction of
   uncertain fate. (Only after a crash, a checkin of an item the SIGB already showed as returned reconciles
   as applied without being sent: the SIGB is in the intended state either way.)

Adapting a SIP2 client (done in ``kiosk``; this package must not import ``sip2``):

- sender: checkout → ``checkout(patron_id, item_id, no_block=True, transaction_date=txn.when,
  nb_due_date=txn.due_date)``; checkin → ``checkin(item_id, no_block=True, transaction_date=txn.when,
  return_date=txn.return_date)``. ``ok`` → ``accepted()``; not ok → ``rejected(code, screen_message)``;
  ``OutcomeUnknown`` / timeout after sending → ``outcome_unknown()``; cannot connect → ``unreachable()``.
- reconcile: reconnect first (a late reply on the old connection must not be mistaken), then
  ``item_information(item_id)``: a checkout is applied when the item is charged (circulation status 04) to
  ``txn.patron_id``; a checkin when it is not charged; ``charged`` = status 04. No answer → ``unreachable()``.

Replay outcomes are journaled (anonymously) after the queue commit, so the journal sees each outcome at most
once. Only one replayer may work on a queue file at a time (an ``flock`` beside the file, released if the
process dies).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReplayInProgress, StorageError
from .model import Claim, Outcome, QueuedTransaction, TxnState

if TYPE_CHECKING:
    from .journal import EventJournal
    from .store import OfflineQueue

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OUTCOME_UNKNOWN = "outcome-unknown"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the SIGB said to one replayed transaction.

    ``reason`` (rejections) is a short code such as ``item-not-checked-out``: it stays in the queue after the
    patron data is erased and is journaled (anything that is not a code is journaled as ``other``).
    ``screen_message`` is the SIGB's text for staff; it can name the patron, so it is erased with the patron
    identifier once staff have seen the report.
    """

    status: SendStatus
    reason: str | None = None
    screen_message: str | None = None

    @classmethod
    def accepted(cls) -> SendResult:
        return cls(SendStatus.ACCEPTED)

    @classmethod
    def rejected(cls, reason: str, screen_message: str | None = None) -> SendResult:
        return cls(SendStatus.REJECTED, reason or "rejected", screen_message)

    @classmethod
    def outcome_unknown(cls, detail: str | None = None) -> SendResult:
        return cls(SendStatus.OUTCOME_UNKNOWN, detail)

    @classmethod
    def unreachable(cls, detail: str | None = None) -> SendResult:
        return cls(SendStatus.UNREACHABLE, detail)


class ReconcileStatus(StrEnum):
    APPLIED = "applied"
    NOT_APPLIED = "not-applied"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """Whether a transaction has taken effect in the SIGB, and (if known) whether the item is now on loan."""

    status: ReconcileStatus
    charged: bool | None = None
    detail: str | None = None

    @classmethod
    def applied(cls, charged: bool | None = None) -> ReconcileResult:
        return cls(ReconcileStatus.APPLIED, charged)

    @classmethod
    def not_applied(cls, charged: bool | None = None) -> ReconcileResult:
        return cls(ReconcileStatus.NOT_APPLIED, charged)

    @classmethod
    def unreachable(cls, detail: str | None = None) -> ReconcileResult:
        return cls(ReconcileStatus.UNREACHABLE, None, detail)


Sender = Callable[[QueuedTransaction], SendResult]
Reconciler = Callable[[QueuedTransaction], ReconcileResult]


class StopReason(StrEnum):
    UNREACHABLE = "unreachable"  # the SIGB could not be reached (send or reconcile)
    UNRESOLVED = "unresolved"  # outcome stayed unknown after max_sends attempts


@dataclass(frozen=True, slots=True)
class ReplayReport:
    accepted: int  # including those found already applied by reconciliation
    rejected: int
    reconciled: int  # accepted because the SIGB showed them applied (never resent)
    resent: int  # sends after a reconciliation said "not applied"
    stopped: StopReason | None  # None: the queue was drained
    detail: str | None  # why it stopped, from the sender or reconciler
    remaining: int  # transactions still pending or sent
    elapsed_s: float

    @property
    def drained(self) -> bool:
        return self.stopped is None and self.remaining == 0


class Replayer:
    """Deliver a queue to the SIGB: :meth:`run` returns once it is empty or the SIGB stops answering."""

    def __init__(self, queue: OfflineQueue, sender: Sender, reconcile: Reconciler, *, batch_size: int = 64,
                 flush_interval: float = 1.0, max_sends: int = 3, check_rejections: bool = True,
                 journal: EventJournal | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if batch_size < 1 or max_sends < 1 or flush_interval < 0:
            raise ValueError("batch_size and max_sends must be >= 1 and flush_interval >= 0")
        self.queue, self.sender, self.reconcile = queue, sender, reconcile
        self.batch_size, self.flush_interval, self.max_sends = batch_size, flush_interval, max_sends
        self.check_rejections, self.journal, self.monotonic = check_rejections, journal, monotonic

    def run(self) -> ReplayReport:
        with replay_lock(self.queue.path):
            return _Run(self).execute()


@contextmanager
def replay_lock(queue_path: Path) -> Iterator[None]:
    lock_path = queue_path.with_name(queue_path.name + ".replay-lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"{lock_path}: cannot create the replay lock file ({exc.strerror}); make the "
                           "directory writable by the station's user.", lock_path) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReplayInProgress(f"{queue_path}: another replay of this offline queue is running (lock "
                                   f"{lock_path.name}); wait for it to finish.") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class _Step:
    """Result of delivering one transaction."""

    outcome: Outcome
    stop: StopReason | None = None
    detail: str | None = None
    resent: int = 0


class _Run:
    """One execution of :meth:`Replayer.run`: buffers outcomes and commits them per the rules above."""

    def __init__(self, replayer: Replayer) -> None:
        self.r = replayer
        self.queue = replayer.queue
        self.buffer: list[tuple[QueuedTransaction, Outcome]] = []
        self.unsent: list[int] = []  # claimed from pending in this batch, not yet handed to the sender
        self.counts = {"accepted": 0, "rejected": 0, "reconciled": 0, "resent": 0}
        self.started = self.last_flush = replayer.monotonic()

    def execute(self) -> ReplayReport:
        stop: _Step | None = None
        try:
            claims = self._claim(self.queue.claim(self.r.batch_size))
            while claims and stop is None:
                stop = self._deliver_batch(claims)
                claims = [] if stop else self._flush(claim_next=True)
            self._flush(release=True)
        except BaseException as exc:
            self._flush_after_error(exc)
            raise
        self.queue.checkpoint()  # drop old page images (with erased patron ids) from the write-ahead log
        return self._report(stop)

    def _claim(self, claims: list[Claim]) -> list[Claim]:
        self.unsent = [c.txn.id for c in claims if not c.resumed]
        return claims

    def _deliver_batch(self, claims: list[Claim]) -> _Step | None:
        for claim in claims:
            if not claim.resumed:
                self.unsent.remove(claim.txn.id)
            step = self._deliver(claim)
            self.buffer.append((claim.txn, step.outcome))
            self.counts["resent"] += step.resent
            if step.stop is not None:
                return step
            self._count(step.outcome)
            if self.r.monotonic() - self.last_flush >= self.r.flush_interval:
                self._flush()
        return None

    def _deliver(self, claim: Claim) -> _Step:
        """Settle one claimed transaction, or say why the run must stop with it still ``sent``."""
        txn = claim.txn
        if claim.resumed:  # an interrupted replay may have delivered it: ask before anything else
            check = self.r.reconcile(txn)
            if check.status is ReconcileStatus.APPLIED:
                return _Step(Outcome(txn.id, TxnState.ACCEPTED, reconciled=True))
            if check.status is ReconcileStatus.UNREACHABLE:
                return _Step(Outcome(txn.id, TxnState.SENT), StopReason.UNREACHABLE, check.detail)
        return self._send(txn, first_send_counted=not claim.resumed)

    def _send(self, txn: QueuedTransaction, *, first_send_counted: bool) -> _Step:
        """Send, and after a lost reply reconcile before resending (at most ``max_sends`` sends)."""
        sends = 0
        while True:
            result = self.r.sender(txn)
            sends += 1
            extra = sends - 1 if first_send_counted else sends  # the claim counted the first send
            resent = sends - 1 if first_send_counted else sends
            if result.status is SendStatus.ACCEPTED:
                return _Step(Outcome(txn.id, TxnState.ACCEPTED, extra), resent=resent)
            if result.status is SendStatus.REJECTED:
                return _Step(self._rejection(txn, result, extra), resent=resent)
            still_sent = Outcome(txn.id, TxnState.SENT, extra)
            if result.status is SendStatus.UNREACHABLE:
                return _Step(still_sent, StopReason.UNREACHABLE, result.reason, resent)
            check = self.r.reconcile(txn)  # outcome unknown
            if check.status is ReconcileStatus.APPLIED:
                return _Step(Outcome(txn.id, TxnState.ACCEPTED, extra, reconciled=True), resent=resent)
            if check.status is ReconcileStatus.UNREACHABLE:
                return _Step(still_sent, StopReason.UNREACHABLE, check.detail, resent)
            if sends >= self.r.max_sends:
                detail = result.reason or f"no reply after {sends} sends"
                return _Step(still_sent, StopReason.UNRESOLVED, detail, resent)

    def _rejection(self, txn: QueuedTransaction, result: SendResult, extra: int) -> Outcome:
        charged = None
        if self.r.check_rejections:
            check = self.r.reconcile(txn)
            charged = None if check.status is ReconcileStatus.UNREACHABLE else check.charged
        return Outcome(txn.id, TxnState.REJECTED, extra, reason=result.reason,
                       screen_message=result.screen_message, sigb_charged=charged)

    def _count(self, outcome: Outcome) -> None:
        if outcome.state is TxnState.ACCEPTED:
            self.counts["accepted"] += 1
            self.counts["reconciled"] += outcome.reconciled
        elif outcome.state is TxnState.REJECTED:
            self.counts["rejected"] += 1

    def _flush(self, *, claim_next: bool = False, release: bool = False) -> list[Claim]:
        """In one durable transaction: commit buffered outcomes, optionally put never-sent claims back to
        pending (when the run ends), optionally claim the next batch."""
        buffered, unsent = self.buffer, self.unsent if release else []
        claims: list[Claim] = []
        if not (buffered or unsent or claim_next):
            return claims
        with self.queue.atomic():
            self.queue.record_outcomes([outcome for _, outcome in buffered])
            self.queue.release(unsent)
            if claim_next:
                claims = self.queue.claim(self.r.batch_size)
        self.buffer, self.last_flush = [], self.r.monotonic()
        if release:
            self.unsent = []
        self._journal(buffered)
        return self._claim(claims) if claim_next else claims

    def _flush_after_error(self, exc: BaseException) -> None:
        """Save what was learned before ``exc``; the transaction being delivered stays ``sent``."""
        try:
            self._flush(release=True)
        except Exception as cleanup_exc:
            log.error("could not save replay outcomes after %r: %r", exc, cleanup_exc)
            exc.add_note(f"replay outcomes since the last commit were not saved ({cleanup_exc}); "
                         "those transactions stay 'sent' and will be reconciled")

    def _journal(self, buffered: list[tuple[QueuedTransaction, Outcome]]) -> None:
        settled = [(txn, o) for txn, o in buffered if o.state is not TxnState.SENT]
        if self.r.journal is None or not settled:
            return
        try:
            self.r.journal.record_replay_outcomes(settled)
        except Exception:  # the journal is statistics: never let it break delivery
            log.exception("could not journal %d replay outcomes", len(settled))

    def _report(self, stop: _Step | None) -> ReplayReport:
        return ReplayReport(
            accepted=self.counts["accepted"], rejected=self.counts["rejected"],
            reconciled=self.counts["reconciled"], resent=self.counts["resent"],
            stopped=None if stop is None else stop.stop, detail=None if stop is None else stop.detail,
            remaining=self.queue.stats().depth, elapsed_s=self.r.monotonic() - self.started)
