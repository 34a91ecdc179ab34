"""Bringing SIGB and tags back into agreement after a crash or a lost reply, from the intent log.

Runs when the station starts and whenever the SIGB becomes reachable again,
*before* the offline queue is replayed and before any new transaction: an
open intent means "this item may be half-way". For each one, the stage says
what may have happened; the SIGB (item information) and the tags still on the
pad (AFI read back) say what did. The rule when finishing is to go toward the
outcome the patron could have been told:

- a checkout never confirmed to the patron (``charging``) is undone if the SIGB
  did charge it;
- a confirmed checkout (``charged``) stands if every tag is already on loan,
  otherwise it is undone like any checkout whose tag refused;
- a return is completed (the patron left the item on the pad to return it).

Whenever the state of a tag cannot be read (the item left the pad) and the
SIGB's state does not settle it, a staff alert records the item: that is the
"or the mismatch is journaled for staff" half of the invariant.

Online intents wait (stay open) while the SIGB is unreachable; offline
intents only need the queue and the tags.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from kiosk.circulation.context import Services
from kiosk.circulation.intents import Intent
from kiosk.circulation.offline import queue_secured_checkin
from kiosk.circulation.reconcile import charge_state
from kiosk.circulation.sigb import SigbOutcomeUnknown, SigbUnavailable

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    resolved: int = 0
    alerts: int = 0
    waiting: int = 0
    actions: list[str] = field(default_factory=list)


class _Waiting(Exception):
    """The SIGB is needed to settle this intent and cannot answer now."""


def recover(svc: Services) -> RecoveryReport:
    """Settle every open intent that can be settled now."""
    report = RecoveryReport()
    for intent in svc.intents.open_intents():
        handler = _HANDLERS.get((intent.kind, intent.stage))
        if handler is None:
            _alert(svc, report, intent, "unknown_stage", f"open intent in unknown stage {intent.stage!r}")
            continue
        try:
            handler(svc, intent, report)
        except (_Waiting, SigbUnavailable, SigbOutcomeUnknown) as exc:
            report.waiting += 1
            log.info("recovery of %s %s waits for the SIGB: %s", intent.kind, intent.item_id, exc)
            if isinstance(exc, SigbUnavailable | SigbOutcomeUnknown):
                svc.go_offline(str(exc))
            continue
        report.resolved += 1
    if report.resolved or report.alerts:
        svc.journal.event("recovery", resolved=report.resolved, alerts=report.alerts, waiting=report.waiting)
    return report


# -- helpers ----------------------------------------------------------------------------------------


def _afis(svc: Services, intent: Intent) -> list[int | None]:
    return [svc.security.read_afi(uid) for uid in intent.uids]


def _all(afis: list[int | None], value: int) -> bool:
    return all(a == value for a in afis)


def _alert(svc: Services, report: RecoveryReport, intent: Intent, kind: str, detail: str) -> None:
    svc.alert(intent.item_id, intent.uids, kind, f"recovery of {intent.kind}/{intent.stage}: {detail}")
    svc.intents.close(intent.id)
    report.alerts += 1
    report.actions.append(f"{intent.item_id}: alert {kind}")


def _close(svc: Services, report: RecoveryReport, intent: Intent, action: str) -> None:
    svc.intents.close(intent.id)
    report.actions.append(f"{intent.item_id}: {action}")


def _secure_present(svc: Services, intent: Intent) -> bool:
    """Secure every part; True only when all of them are now verified secured."""
    return all(svc.security.secure(uid).ok for uid in intent.uids)


def _require_online(svc: Services) -> None:
    if svc.offline and not svc.sigb.probe():
        raise _Waiting("SIGB offline")


def _checkin(svc: Services, item_id: str) -> bool:
    """Check an item in, reconciling a lost reply; True when the SIGB no longer has it charged."""
    try:
        response = svc.sigb.change("checkin", item_id, return_date=svc.return_date())
    except SigbOutcomeUnknown:
        response = None  # the reply was lost: the SIGB's item state tells whether it applied
    return getattr(response, "ok", False) or not charge_state(svc, item_id).charged


# -- checkout ---------------------------------------------------------------------------------------


def _checkout_charging(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    _require_online(svc)
    state = charge_state(svc, intent.item_id, intent.patron_hash)
    if not state.charged or state.to_patron is False:
        _close(svc, report, intent, "checkout never applied")
        return
    if state.to_patron is None:
        _alert(svc, report, intent, "state_unverified", "charged, but the SIGB does not say to whom")
        return
    _undo_online(svc, intent, report, "checkout applied but never confirmed to the patron")


def _settled_by_tags(
    svc: Services, report: RecoveryReport, intent: Intent, *, completed: str, state: str
) -> bool:
    """A checkout whose tags all read on loan stands; one whose tag left the pad unread goes to staff.

    True when the tags settled the intent either way; False when they are all present, not all on loan.
    """
    afis = _afis(svc, intent)
    if _all(afis, svc.config.security.afi_on_loan):
        _close(svc, report, intent, completed)
        return True
    if None in afis:
        _alert(
            svc,
            report,
            intent,
            "state_unverified",
            f"{state}; a tag left the pad before it was verified (AFI read: {_show(afis)})",
        )
        return True
    return False


def _checkout_charged(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    if _settled_by_tags(svc, report, intent, completed="checkout completed (tags on loan)", state="charged"):
        return
    _require_online(svc)
    _undo_online(svc, intent, report, "tag not unsecured before the interruption")


def _undo_online(svc: Services, intent: Intent, report: RecoveryReport, why: str) -> None:
    if None not in _afis(svc, intent) and not _secure_present(svc, intent):
        _alert(svc, report, intent, "unsecure_failed_tag_unknown", f"{why}; a tag could not be secured")
        return
    svc.intents.advance(intent.id, "undoing")
    if _checkin(svc, intent.item_id):
        _close(svc, report, intent, f"checkout undone ({why})")
    else:
        _alert(svc, report, intent, "checkin_failed", f"{why}; the check-in back was refused")


def _checkout_undoing(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    afis = _afis(svc, intent)
    if None in afis:
        _require_online(svc)
        if charge_state(svc, intent.item_id).charged:
            _alert(svc, report, intent, "state_unverified", "undo interrupted and a tag left the pad")
            return
        _alert(svc, report, intent, "state_unverified", "checked in, but a tag left the pad unverified")
        return
    if not _secure_present(svc, intent):
        _alert(svc, report, intent, "unsecure_failed_tag_unknown", "undo: a tag could not be secured")
        return
    _require_online(svc)
    if _checkin(svc, intent.item_id):
        _close(svc, report, intent, "undo completed")
    else:
        _alert(svc, report, intent, "checkin_failed", "undo: the check-in back was refused")


def _checkout_offline_queuing(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    txn = _find_queued(svc, intent, "checkout")
    if txn is None:
        _close(svc, report, intent, "offline checkout never queued")
        return
    svc.intents.advance(intent.id, "offline_queued", offline_txn=txn)
    _checkout_offline_queued(svc, replace(intent, stage="offline_queued", offline_txn=txn), report)


def _checkout_offline_queued(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    if _settled_by_tags(
        svc,
        report,
        intent,
        completed="offline checkout completed (tags on loan)",
        state="offline checkout queued",
    ):
        return
    if not _secure_present(svc, intent):
        _alert(
            svc, report, intent, "unsecure_failed_tag_unknown", "offline checkout: a tag could not be secured"
        )
        return
    _queue_checkin_once(svc, intent)
    _close(svc, report, intent, "offline checkout cancelled by a queued checkin")


def _find_queued(svc: Services, intent: Intent, kind: str) -> int | None:
    """The queue id of a transaction for this item enqueued since the intent opened."""
    if svc.queue is None:
        return None
    since = datetime.fromtimestamp(intent.created - 1.0, UTC)
    for txn in reversed(svc.queue.transactions()):
        same = txn.item_id == intent.item_id and txn.kind == kind and txn.enqueued_at >= since
        if same and (intent.offline_txn is None or txn.id >= intent.offline_txn):
            return txn.id
    return None


def _queue_checkin_once(svc: Services, intent: Intent) -> None:
    """Queue the (secured) item's checkin, unless a run interrupted after queuing it already did."""
    if _find_queued(svc, intent, "checkin") is None:
        queue_secured_checkin(svc, intent.item_id)


# -- return -----------------------------------------------------------------------------------------


def _return_securing(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    afis = _afis(svc, intent)
    if None in afis:
        _require_online(svc)
        if not charge_state(svc, intent.item_id).charged:
            _close(svc, report, intent, "return: not on loan")
            return
        _alert(
            svc, report, intent, "state_unverified", f"return interrupted; a tag left the pad ({_show(afis)})"
        )
        return
    if not _secure_present(svc, intent):
        _alert(svc, report, intent, "secure_failed", "return: a tag could not be secured; not checked in")
        return
    svc.intents.advance(intent.id, "checking_in")
    _return_checking_in(svc, intent, report)


def _return_checking_in(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    _require_online(svc)
    if not charge_state(svc, intent.item_id).charged or _checkin(svc, intent.item_id):
        _close(svc, report, intent, "return completed")
    else:
        _alert(svc, report, intent, "checkin_failed", "return: the SIGB refused the checkin (tag secured)")


def _return_offline_securing(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    afis = _afis(svc, intent)
    if None in afis:
        _alert(
            svc,
            report,
            intent,
            "state_unverified",
            f"offline return interrupted; a tag left the pad ({_show(afis)})",
        )
        return
    if not _secure_present(svc, intent):
        _alert(svc, report, intent, "secure_failed", "offline return: a tag could not be secured; not queued")
        return
    svc.intents.advance(intent.id, "offline_secured")
    _return_offline_secured(svc, intent, report)


def _return_offline_secured(svc: Services, intent: Intent, report: RecoveryReport) -> None:
    _queue_checkin_once(svc, intent)
    _close(svc, report, intent, "offline return queued")


def _show(afis: list[int | None]) -> str:
    return ", ".join("absent" if a is None else f"0x{a:02X}" for a in afis)


_HANDLERS = {
    ("checkout", "charging"): _checkout_charging,
    ("checkout", "charged"): _checkout_charged,
    ("checkout", "undoing"): _checkout_undoing,
    ("checkout", "offline_queuing"): _checkout_offline_queuing,
    ("checkout", "offline_queued"): _checkout_offline_queued,
    ("return", "securing"): _return_securing,
    ("return", "checking_in"): _return_checking_in,
    ("return", "offline_securing"): _return_offline_securing,
    ("return", "offline_secured"): _return_offline_secured,
}
