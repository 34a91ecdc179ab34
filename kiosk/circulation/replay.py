"""The SIP2 side of offline replay: a sender and a reconciler for :class:`offline_queue.Replayer`.

The replayer owns ordering, durability and the pending → sent → accepted /
rejected state machine; this module only speaks SIP2 for it:

- :meth:`Sip2ReplayAdapter.send`: checkout / checkin with *no block* = Y and the
  original transaction date (and due date / return date), mapped to
  accepted, rejected (with the SIGB's screen message for the staff report, and
  a reason code from :mod:`kiosk.circulation.refusals` for the anonymous
  journal), outcome unknown (the request left, no reply) or unreachable.
- :meth:`Sip2ReplayAdapter.reconcile`: item information decides whether a
  transaction that may have reached the SIGB took effect: a checkout is
  applied when the item is charged to that patron, a checkin when the item is
  no longer charged. Strict ordering makes this sound: when transaction *k* is
  reconciled, nothing later about the item has been sent.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.circulation import refusals
from kiosk.circulation.sigb import SigbLink, SigbOutcomeUnknown, SigbUnavailable
from offline_queue import QueuedTransaction, ReconcileResult, SendResult, TxnKind

CIRC_CHARGED = 4


def _local(moment: datetime | None) -> datetime | None:
    """SIP2 dates are local wall-clock times."""
    return None if moment is None else moment.astimezone().replace(tzinfo=None)


class Sip2ReplayAdapter:
    def __init__(self, sigb: SigbLink, refusal_patterns: tuple[tuple[str, str], ...] = ()) -> None:
        self.sigb = sigb
        self.refusal_patterns = refusal_patterns  # the site's [circulation.refusal_codes]
        self.sent = 0

    def send(self, txn: QueuedTransaction) -> SendResult:
        try:
            if txn.kind is TxnKind.CHECKOUT:
                response = self.sigb.change(
                    "checkout",
                    txn.patron_id,
                    txn.item_id,
                    no_block=True,
                    transaction_date=_local(txn.when),
                    nb_due_date=_local(txn.due_date),
                )
            else:
                response = self.sigb.change(
                    "checkin",
                    txn.item_id,
                    no_block=True,
                    transaction_date=_local(txn.when),
                    return_date=_local(txn.return_date or txn.when),
                )
        except SigbUnavailable as exc:
            return SendResult.unreachable(str(exc))
        except SigbOutcomeUnknown as exc:
            return SendResult.outcome_unknown(str(exc))
        self.sent += 1
        if getattr(response, "ok", False):
            return SendResult.accepted()
        messages = " ".join(m for m in getattr(response, "screen_messages", ()) if m) or None
        reason = refusals.classify(str(txn.kind), response, patterns=self.refusal_patterns)
        return SendResult.rejected(reason, messages)

    def reconcile(self, txn: QueuedTransaction) -> ReconcileResult:
        try:
            info = self.sigb.read("item_information", txn.item_id)
        except SigbUnavailable as exc:
            return ReconcileResult.unreachable(str(exc))
        borrower = (getattr(info, "patron_id", "") or "").strip() or None
        charged = getattr(info, "circulation_status", None) == CIRC_CHARGED or borrower is not None
        if txn.kind is TxnKind.CHECKOUT:
            applied = charged and (borrower is None or borrower == (txn.patron_id or "").strip())
        else:
            applied = not charged
        return ReconcileResult.applied(charged) if applied else ReconcileResult.not_applied(charged)
