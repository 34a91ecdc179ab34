"""The offline queue: durable store-and-forward of checkouts and checkins made while the SIGB is unreachable.

Durability: the file is in WAL mode with ``synchronous=FULL``, and :meth:`OfflineQueue.enqueue` commits its
own transaction, so when it returns the row is in the write-ahead log *and* the log is fsync'ed: the station
may act on the tag. A process crash or a power cut after that cannot lose the transaction.

Privacy (RGPD): the only patron datum stored is the identifier a checkout needs to be replayed (never a PIN,
never a name). It is erased in the same database transaction that records the SIGB's acceptance, or when a
rejection has been shown to staff (:meth:`OfflineQueue.mark_reported`). ``secure_delete`` zeroes the freed
bytes in the file and :meth:`OfflineQueue.purge` truncates the write-ahead log, which may still hold old page
images. The SIGB's screen message of a rejection can name the patron, so it is erased with the identifier.

Thread safety: one connection per queue object, guarded by a re-entrant lock, so the kiosk's worker and UI
threads can share an instance; other processes open their own (WAL lets readers run beside the writer).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import db as dbmod
from .errors import IllegalTransition, InvalidTransaction, OfflineRefused, QueueError, UnknownTransaction
from .model import (
    Claim,
    Outcome,
    PurgeResult,
    QueuedTransaction,
    QueueStats,
    TxnKind,
    TxnState,
)
from .queue_schema import QUEUE_SCHEMA

if TYPE_CHECKING:
    from .journal import EventJournal
    from .replay import Reconciler, ReplayReport, Sender

_BAD_ID_CHARS = re.compile(r"[\x00-\x1f\x7f|]")
MAX_ID_LENGTH = 64


def _check_identifier(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidTransaction(f"{field} must be a non-empty string, got {type(value).__name__}")
    if len(value) > MAX_ID_LENGTH or _BAD_ID_CHARS.search(value):
        raise InvalidTransaction(
            f"{field} must be at most {MAX_ID_LENGTH} characters without control characters or '|' "
            "(it is sent in a SIP2 field)")
    return value


class OfflineQueue(dbmod.SQLiteFile):
    """A durable, ordered queue of offline circulation transactions in the SQLite file ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, station_id: str | None = None,
                 busy_timeout: float = 5.0, clock: dbmod.Clock = dbmod.utc_now) -> None:
        self.station_id = _check_identifier(station_id or socket.gethostname(), "station_id")
        self._clock = clock
        # FULL: an enqueued transaction survives a power cut the moment enqueue() returns.
        super().__init__(path, QUEUE_SCHEMA, synchronous="FULL", busy_timeout=busy_timeout)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._read():
            return dbmod.rows(self.db, sql, list(params))

    # -- enqueue ---------------------------------------------------------------------------------------------

    def enqueue(self, kind: TxnKind | str, item_id: str, patron_id: str | None = None, *,
                when: datetime | None = None, due_date: datetime | None = None,
                return_date: datetime | None = None, tag_secured: bool | None = None,
                station_id: str | None = None) -> int:
        """Queue one offline transaction and return its id once it is durably on disk.

        ``when`` is the original transaction time (default: now); ``due_date`` is for checkouts,
        ``return_date`` for checkins (default: ``when``). ``tag_secured`` is the security state the station
        leaves the tag in (False after an offline checkout, True after a checkin); the staff report compares
        it with the SIGB. Renewals raise :class:`OfflineRefused`: the SIGB must check holds and limits
        itself. Inside a caller's :meth:`atomic` block the row is durable when that block commits.
        """
        row = self._new_row(kind, item_id, patron_id, when, due_date, return_date, tag_secured, station_id)
        with self.atomic() as db:
            return dbmod.insert(db, "transactions", row)

    def _new_row(self, kind: TxnKind | str, item_id: str, patron_id: str | None, when: datetime | None,
                 due_date: datetime | None, return_date: datetime | None, tag_secured: bool | None,
                 station_id: str | None) -> dict[str, Any]:
        kind = _check_kind(kind)
        _check_identifier(item_id, "item_id")
        _check_patron(kind, patron_id)
        _check_dates(kind, when, due_date, return_date)
        if tag_secured is not None and not isinstance(tag_secured, bool):
            raise InvalidTransaction("tag_secured must be True, False or None")
        now = self._clock()
        when = when or now
        if kind is TxnKind.CHECKIN:
            return_date = return_date or when
        return {
            "kind": kind.value, "item_id": item_id, "patron_id": patron_id,
            "station_id": _check_identifier(station_id or self.station_id, "station_id"),
            "transaction_at": dbmod.to_text(when),
            "due_date": None if due_date is None else dbmod.to_text(due_date),
            "return_date": None if return_date is None else dbmod.to_text(return_date),
            "tag_secured": tag_secured, "state": TxnState.PENDING.value, "attempts": 0,
            "enqueued_at": dbmod.to_text(now),
        }

    # -- reading ---------------------------------------------------------------------------------------------

    def get(self, txn_id: int) -> QueuedTransaction:
        found = self._rows("SELECT * FROM transactions WHERE id = ?", [txn_id])
        if not found:
            raise UnknownTransaction(f"{self.path}: no offline transaction #{txn_id}")
        return QueuedTransaction.from_row(found[0])

    def transactions(self, states: Iterable[TxnState | str] | None = None, *,
                     limit: int | None = None) -> list[QueuedTransaction]:
        """Transactions in replay order, optionally only those in ``states``."""
        sql, params = "SELECT * FROM transactions", []
        if states is not None:
            wanted = [TxnState(s).value for s in states]
            sql += f" WHERE state IN ({_marks(wanted)})"
            params.extend(wanted)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [QueuedTransaction.from_row(r) for r in self._rows(sql, params)]

    def pending_for_item(self, item_id: str) -> list[QueuedTransaction]:
        """Unsettled transactions of ``item_id``: online actions on it wait for their replay."""
        rows = self._rows("SELECT * FROM transactions WHERE item_id = ? AND state IN ('pending', 'sent') "
                          "ORDER BY id", [item_id])
        return [QueuedTransaction.from_row(r) for r in rows]

    def pending_checkouts(self, patron_id: str) -> int:
        """Offline checkouts of ``patron_id`` not yet accepted by the SIGB: the offline per-patron limit."""
        rows = self._rows("SELECT count(*) AS n FROM transactions WHERE kind = 'checkout' AND patron_id = ? "
                          "AND state IN ('pending', 'sent')", [patron_id])
        return int(rows[0]["n"])

    def stats(self) -> QueueStats:
        rows = self._rows("""
            SELECT
              sum(state = 'pending') AS pending, sum(state = 'sent') AS sent,
              sum(state = 'accepted') AS accepted, sum(state = 'rejected') AS rejected,
              sum(state = 'rejected' AND reported_at IS NULL) AS unreported,
              min(CASE WHEN state IN ('pending', 'sent') THEN transaction_at END) AS oldest
            FROM transactions""")[0]
        return QueueStats(pending=rows["pending"] or 0, sent=rows["sent"] or 0,
                          accepted=rows["accepted"] or 0, rejected=rows["rejected"] or 0,
                          unreported_rejections=rows["unreported"] or 0,
                          oldest_unsettled=dbmod.from_text(rows["oldest"]))

    # -- state machine (used by the replayer; public so that other drivers of the queue can be written) ------

    def claim(self, limit: int) -> list[Claim]:
        """Durably mark the next unsettled transactions (at most ``limit``, in order) ``sent``; return them.

        A claim never holds two transactions for the same item: it stops before the second one. Then, whatever
        a crash interrupts, each item has at most one transaction of uncertain fate, and asking the SIGB about
        the item's state (reconciliation) tells exactly whether that transaction took effect. Transactions
        already ``sent`` come back with ``resumed=True``: an earlier replay may have delivered them.
        """
        with self.atomic() as db:
            rows = _distinct_items(dbmod.rows(db, "SELECT * FROM transactions WHERE state IN "
                                                  "('pending', 'sent') ORDER BY id LIMIT ?", [limit]))
            fresh = [r["id"] for r in rows if r["state"] == TxnState.PENDING]
            if fresh:
                db.execute(f"UPDATE transactions SET state = 'sent', attempts = attempts + 1, sent_at = ? "
                           f"WHERE id IN ({_marks(fresh)})", [dbmod.to_text(self._clock()), *fresh])
                ids = [r["id"] for r in rows]
                rows = dbmod.rows(db, f"SELECT * FROM transactions WHERE id IN ({_marks(ids)}) ORDER BY id",
                                  ids)
        resumed = {r["id"] for r in rows} - set(fresh)
        return [Claim(QueuedTransaction.from_row(r), r["id"] in resumed) for r in rows]

    def release(self, txn_ids: Iterable[int]) -> None:
        """Put claimed transactions that never reached the sender back to ``pending`` (undo their attempt)."""
        ids = list(txn_ids)
        if not ids:
            return
        with self.atomic() as db:
            cursor = db.execute("UPDATE transactions SET state = 'pending', attempts = max(attempts - 1, 0), "
                                f"sent_at = NULL WHERE state = 'sent' AND id IN ({_marks(ids)})", ids)
            if cursor.rowcount != len(ids):
                self._raise_illegal(ids, TxnState.PENDING)

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Write what the SIGB said about ``sent`` transactions, in one durable transaction.

        Acceptance erases the patron identifier in the same write. ``Outcome.state == SENT`` only adds
        attempts.
        """
        if not outcomes:
            return
        now = dbmod.to_text(self._clock())
        with self.atomic() as db:
            for outcome in outcomes:
                cursor = db.execute(*_outcome_update(outcome, now))
                if cursor.rowcount != 1:
                    self._raise_illegal([outcome.txn_id], outcome.state)

    def mark_sent(self, txn_id: int) -> QueuedTransaction:
        """Claim one specific transaction; it must be the oldest unsettled one (order is never broken)."""
        with self.atomic():
            claims = self.claim(1)
            if not claims or claims[0].txn.id != txn_id:
                current = self.get(txn_id).state
                raise IllegalTransition(
                    f"offline transaction #{txn_id} ({current}) cannot be sent now: only the oldest "
                    "unsettled transaction can, because transactions are replayed in their original order")
            return claims[0].txn

    def mark_accepted(self, txn_id: int, *, reconciled: bool = False) -> None:
        self.record_outcomes([Outcome(txn_id, TxnState.ACCEPTED, reconciled=reconciled)])

    def mark_rejected(self, txn_id: int, reason: str, screen_message: str | None = None, *,
                      sigb_charged: bool | None = None) -> None:
        self.record_outcomes([Outcome(txn_id, TxnState.REJECTED, reason=reason, screen_message=screen_message,
                                      sigb_charged=sigb_charged)])

    def _raise_illegal(self, ids: Sequence[int], target: TxnState,
                       required: TxnState = TxnState.SENT) -> None:
        for txn_id in ids:
            current = self.get(txn_id).state
            if current is not required:
                raise IllegalTransition(
                    f"offline transaction #{txn_id} is {current}: only a {required} transaction can become "
                    f"{target} (pending → sent → accepted | rejected)")
        raise IllegalTransition(f"offline transactions {list(ids)} changed state concurrently")

    # -- staff report and privacy ----------------------------------------------------------------------------

    def staff_report(self) -> list[QueuedTransaction]:
        """Rejections not yet shown to staff, oldest first (with patron id and SIGB screen message)."""
        rows = self._rows("SELECT * FROM transactions WHERE state = 'rejected' AND reported_at IS NULL "
                          "ORDER BY id")
        return [QueuedTransaction.from_row(r) for r in rows]

    def mark_reported(self, txn_ids: Iterable[int]) -> int:
        """Staff have seen these rejections: erase their patron identifier and screen message."""
        ids = list(txn_ids)
        if not ids:
            return 0
        with self.atomic() as db:
            cursor = db.execute(
                "UPDATE transactions SET reported_at = ?, patron_id = NULL, screen_message = NULL "
                f"WHERE state = 'rejected' AND id IN ({_marks(ids)})",
                [dbmod.to_text(self._clock()), *ids])
            if cursor.rowcount != len(ids):
                self._raise_illegal(ids, TxnState.REJECTED, required=TxnState.REJECTED)
            return cursor.rowcount

    def purge(self, *, older_than: timedelta | None = None) -> PurgeResult:
        """Erase any leftover patron data of settled rows, optionally delete settled rows older than
        ``older_than``, and truncate the write-ahead log so no old page image keeps an erased identifier."""
        with self.atomic() as db:
            anonymized = db.execute(
                "UPDATE transactions SET patron_id = NULL, screen_message = NULL WHERE "
                "(state = 'accepted' OR reported_at IS NOT NULL) "
                "AND (patron_id IS NOT NULL OR screen_message IS NOT NULL)").rowcount
            deleted = 0
            if older_than is not None:
                cutoff = dbmod.to_text(self._clock() - older_than)
                deleted = db.execute(
                    "DELETE FROM transactions WHERE (state = 'accepted' OR reported_at IS NOT NULL) "
                    "AND settled_at < ?", [cutoff]).rowcount
        return PurgeResult(anonymized=anonymized, deleted=deleted, wal_truncated=self.checkpoint())

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database and truncate it; False if a reader kept it busy."""
        with self._read():
            busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return busy == 0

    # -- replay ----------------------------------------------------------------------------------------------

    def replay(self, sender: Sender, reconcile: Reconciler, *, journal: EventJournal | None = None,
               **options: Any) -> ReplayReport:
        """Deliver queued transactions to the SIGB in order; see :class:`offline_queue.replay.Replayer`."""
        from .replay import Replayer

        return Replayer(self, sender, reconcile, journal=journal, **options).run()


def _distinct_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The longest prefix of ``rows`` in which no item appears twice."""
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row["item_id"] in seen:
            return rows[:index]
        seen.add(row["item_id"])
    return rows


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _check_kind(kind: TxnKind | str) -> TxnKind:
    try:
        kind = TxnKind(kind)
    except ValueError:
        raise InvalidTransaction(f"unknown transaction kind {kind!r}: use 'checkout' or 'checkin'") from None
    if kind is TxnKind.RENEW:
        raise OfflineRefused("renewals are not accepted offline: the SIGB must check holds and limits. "
                             "Ask the patron to renew once the service is back.", reason="renew-offline")
    return kind


def _check_patron(kind: TxnKind, patron_id: str | None) -> None:
    if kind is TxnKind.CHECKOUT:
        _check_identifier(patron_id, "patron_id")
    elif patron_id is not None:
        raise InvalidTransaction("a checkin takes no patron_id: the SIGB does not need it, so it is not "
                                 "stored")


def _check_dates(kind: TxnKind, when: datetime | None, due_date: datetime | None,
                 return_date: datetime | None) -> None:
    for name, value in (("when", when), ("due_date", due_date), ("return_date", return_date)):
        if value is not None and not isinstance(value, datetime):
            raise InvalidTransaction(f"{name} must be a datetime, got {type(value).__name__}")
    if due_date is not None and kind is not TxnKind.CHECKOUT:
        raise InvalidTransaction("due_date is only for checkouts")
    if return_date is not None and kind is not TxnKind.CHECKIN:
        raise InvalidTransaction("return_date is only for checkins")


_OUTCOME_SQL = {
    TxnState.SENT: "UPDATE transactions SET attempts = attempts + :extra WHERE id = :id AND state = 'sent'",
    TxnState.ACCEPTED:
        "UPDATE transactions SET state = 'accepted', attempts = attempts + :extra, settled_at = :now, "
        "reconciled = :reconciled, patron_id = NULL, screen_message = NULL WHERE id = :id AND state = 'sent'",
    # The tag disagrees with the SIGB when it is secured on a charged item, or unsecured on one that is not.
    TxnState.REJECTED:
        "UPDATE transactions SET state = 'rejected', attempts = attempts + :extra, settled_at = :now, "
        "reason = :reason, screen_message = :screen_message, reconciled = :reconciled, "
        "sigb_charged = :charged, "
        "tag_mismatch = CASE WHEN tag_secured IS NULL OR :charged IS NULL THEN NULL "
        "ELSE tag_secured = :charged END WHERE id = :id AND state = 'sent'",
}


def _outcome_update(outcome: Outcome, now: str) -> tuple[str, dict[str, Any]]:
    if outcome.state not in _OUTCOME_SQL:
        raise QueueError(f"an outcome cannot move a transaction to {outcome.state}")
    charged = None if outcome.sigb_charged is None else int(outcome.sigb_charged)
    return _OUTCOME_SQL[outcome.state], {
        "extra": outcome.extra_attempts, "now": now, "reconciled": int(outcome.reconciled),
        "id": outcome.txn_id, "reason": outcome.reason, "screen_message": outcome.screen_message,
        "charged": charged}

