"""The patron's account (loans with due dates, holds ready for pickup) and renewals.

Loans come from patron information with the charged-items summary, then one
item information request per loan for its title and due date (SIP2 lists
only identifiers). Holds ready for pickup come from the hold-items summary.
Renewals are SIP2 29 per item, or 65 renew all; they are not offered offline.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.circulation import refusals
from kiosk.circulation.checkout import sigb_messages
from kiosk.circulation.context import PatronContext, Services
from kiosk.circulation.models import Account, HoldReady, Loan, RenewResult
from kiosk.circulation.sigb import SigbOutcomeUnknown, SigbUnavailable
from kiosk.i18n import _

UNAVAILABLE = _("Your account cannot be shown while the library system is unavailable.")
NO_RENEWALS_OFFLINE = _("Renewals are not available while the library system is unavailable.")


def load(svc: Services, patron: PatronContext, account: Account) -> None:
    if svc.offline or patron.offline:
        account.update(loading=False, error=UNAVAILABLE)
        return
    account.update(loading=True, error=None)
    try:
        charged = svc.sigb.read("patron_information", patron.patron_id, patron.pin, summary="charged_items")
        holds = svc.sigb.read("patron_information", patron.patron_id, patron.pin, summary="hold_items")
        now = svc.wall_clock()
        loans = tuple(_loan(svc, item_id, now) for item_id in charged.charged_items)
        ready = tuple(
            HoldReady(item_id, _title(svc, item_id))
            for item_id in holds.hold_items
            if _on_hold_shelf(svc, item_id)
        )
    except SigbUnavailable as exc:
        svc.go_offline(str(exc))
        account.update(loading=False, error=UNAVAILABLE)
        return
    patron.charged_items = {loan.item_id for loan in loans}
    account.update(loading=False, loans=tuple(sorted(loans, key=_due_key)), holds_ready=ready)


def _loan(svc: Services, item_id: str, now: datetime) -> Loan:
    info = svc.sigb.read("item_information", item_id)
    due = getattr(info, "due_date", None)
    return Loan(item_id, getattr(info, "title", None) or None, due, bool(due and due < now))


def _title(svc: Services, item_id: str) -> str | None:
    return getattr(svc.sigb.read("item_information", item_id), "title", None) or None


def _on_hold_shelf(svc: Services, item_id: str) -> bool:
    """SIP2 hold items list all holds; only those waiting on the shelf (status 08) are ready."""
    return getattr(svc.sigb.read("item_information", item_id), "circulation_status", None) == 8


def _due_key(loan: Loan) -> tuple[bool, datetime]:
    return (loan.due_date is None, loan.due_date or datetime.max)


def renew(
    svc: Services, patron: PatronContext, account: Account, item_ids: list[str]
) -> tuple[RenewResult, ...]:
    """Renew the selected loans one by one; results land in ``account.renew_results``."""
    if svc.offline or patron.offline:
        results = tuple(RenewResult(i, False, None, NO_RENEWALS_OFFLINE) for i in item_ids)
        account.update(renew_results=results)
        return results
    results = []
    for item_id in item_ids:
        timer = svc.journal.timer(svc.sigb, svc.security)
        try:
            response = svc.sigb.change("renew", patron.patron_id, item_id, pin=patron.pin)
        except SigbUnavailable as exc:
            svc.go_offline(str(exc))
            results.append(RenewResult(item_id, False, None, NO_RENEWALS_OFFLINE))
            continue
        except SigbOutcomeUnknown:
            results.append(
                RenewResult(
                    item_id, False, None, _("The renewal could not be confirmed: check your account again.")
                )
            )
            continue
        ok = bool(getattr(response, "ok", False)) and getattr(response, "renewal_ok", True) is not False
        message = sigb_messages(response) or (_("Renewed.") if ok else _("Not renewed."))
        results.append(RenewResult(item_id, ok, getattr(response, "due_date", None), message))
        reason = None if ok else _refusal(svc, patron, response)
        svc.journal.transaction("renew", "ok" if ok else "refused", reason=reason, timer=timer, sigb=svc.sigb)
    account.update(renew_results=tuple(results))
    load(svc, patron, account)
    return tuple(results)


def renew_all(svc: Services, patron: PatronContext, account: Account) -> tuple[RenewResult, ...]:
    if svc.offline or patron.offline:
        account.update(renew_results=())
        account.update(error=NO_RENEWALS_OFFLINE)
        return ()
    timer = svc.journal.timer(svc.sigb, svc.security)
    try:
        response = svc.sigb.change("renew_all", patron.patron_id, patron.pin)
    except (SigbUnavailable, SigbOutcomeUnknown) as exc:
        if isinstance(exc, SigbUnavailable):
            svc.go_offline(str(exc))
        account.update(error=_("The renewals could not be confirmed: check your account again."))
        load(svc, patron, account)
        return ()
    timer = svc.journal.stop(timer, svc.sigb, svc.security)
    renewed = tuple(getattr(response, "renewed_items", ()))
    unrenewed = tuple(getattr(response, "unrenewed_items", ()))
    code = _refusal(svc, patron, response)  # SIP2 65 gives one message for all: one reason for all
    share = len(renewed) + len(unrenewed)  # one request for all: each item gets its share of the time
    for ok in [True] * len(renewed) + [False] * len(unrenewed):
        svc.journal.transaction(
            "renew",
            "ok" if ok else "refused",
            reason=None if ok else code,
            timer=timer,
            sigb=svc.sigb,
            share=share,
        )
    load(svc, patron, account)
    due = {loan.item_id: loan.due_date for loan in account.loans}
    reason = sigb_messages(response)
    results = tuple(
        [RenewResult(i, True, due.get(i), _("Renewed.")) for i in renewed]
        + [RenewResult(i, False, due.get(i), reason or _("Not renewed.")) for i in unrenewed]
    )
    account.update(renew_results=results)
    return results


def _refusal(svc: Services, patron: PatronContext, response: object) -> str:
    patterns = svc.config.circulation.refusal_codes
    return refusals.classify("renew", response, flags=patron.status_flags, patterns=patterns)
