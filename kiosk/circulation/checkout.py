"""Borrowing one item (all parts of a set at once): SIGB first, tag second, undo when the tag refuses.

Order of operations (each step is written to the intent log before it starts):

1. ``charging``: SIP2 checkout. A refusal ends here with the SIGB's own words.
   A lost reply is reconciled with item information (charged to this patron?)
   and, only if the SIGB shows it did *not* apply it, the checkout is sent
   once more. If the SIGB cannot even say, the tag is left secured and the
   intent stays open: recovery checks the item back in later if it turns out
   charged, because the patron was told it was not borrowed.
2. ``charged``: the SIGB confirmed the loan; every part's tag is unsecured
   (AFI on-loan, EAS off) and verified by reading the AFI back.
3. If a tag cannot be unsecured after the configured attempts (``undoing``):
   the parts are secured again and the item is checked back in over SIP2, the
   patron is asked to see staff, and a staff alert is raised. If a part cannot
   be secured again either, the loan is kept (a charged item with an on-loan
   tag is consistent; undoing it could leave an unsecured item on the shelf)
   and staff are alerted.

An item already on the patron's account is renewed instead (``circulation.
on_own_loan = "renew"``) or refused with a clear message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from kiosk.circulation import offline
from kiosk.circulation.context import PatronContext, Services
from kiosk.circulation.items import ItemGroup
from kiosk.circulation.models import Instruction, ItemRow, ItemStatus
from kiosk.circulation.reconcile import charged_to
from kiosk.circulation.sigb import SigbOutcomeUnknown, SigbUnavailable
from kiosk.i18n import Message, _, verbatim

log = logging.getLogger(__name__)

SEE_STAFF_UNSECURE = _(
    "This item could not be prepared for loan. It has not been borrowed: please see staff."
)
NOT_BORROWED_NO_ANSWER = _(
    "The library system did not answer: this item has not been borrowed. Please try again or see staff."
)


@dataclass(frozen=True, slots=True)
class Charge:
    """A checkout the SIGB confirmed (from its reply or from reconciliation)."""

    title: str | None
    due_date: datetime | None
    messages: tuple[str, ...]


def sigb_messages(response: object) -> Message | None:
    texts = [t for t in getattr(response, "screen_messages", ()) or () if t]
    return verbatim(" ".join(texts)) if texts else None


def borrow(svc: Services, patron: PatronContext, group: ItemGroup, row: ItemRow) -> None:
    row.update(status=ItemStatus.PROCESSING)
    if svc.offline or patron.offline:
        offline.borrow_offline(svc, patron, group, row)
        return
    if group.item_id in patron.charged_items and group.item_id not in patron.borrowed_here:
        _own_loan(svc, patron, group, row)
        return
    intent = svc.intents.open("checkout", group.item_id, group.uids, "charging", patron.patron_id)
    charge = _charge(svc, patron, group, row, intent)
    if charge is None:
        return
    svc.intents.advance(intent, "charged")
    unsecure_charged(svc, patron, group, row, intent, charge)


def _charge(
    svc: Services, patron: PatronContext, group: ItemGroup, row: ItemRow, intent: int
) -> Charge | None:
    """SIP2 checkout with reconciliation; returns the confirmed charge or None (row already updated)."""
    for _attempt in range(2):
        try:
            response = svc.sigb.change("checkout", patron.patron_id, group.item_id, pin=patron.pin)
        except SigbUnavailable as exc:
            svc.intents.close(intent)  # nothing was sent: nothing to reconcile
            svc.go_offline(str(exc))
            if svc.offline:
                offline.borrow_offline(svc, patron, group, row)
            else:
                row.update(status=ItemStatus.REFUSED, message=NOT_BORROWED_NO_ANSWER)
            return None
        except SigbOutcomeUnknown:
            svc.journal.event("outcome-unknown", operation="checkout")
            try:
                state = charged_to(svc, group.item_id, patron.patron_id, patron.pin)
            except SigbUnavailable as exc:
                # the intent stays open at "charging": recovery undoes a charge that did happen
                svc.go_offline(str(exc))
                row.update(status=ItemStatus.REFUSED, message=NOT_BORROWED_NO_ANSWER)
                return None
            if state.to_patron:
                return Charge(
                    state.title, state.due_date if isinstance(state.due_date, datetime) else None, ()
                )
            continue  # confirmed not applied: one reconciled resend
        if not getattr(response, "ok", False):
            svc.intents.close(intent)
            reason = sigb_messages(response)
            row.update(
                instruction=Instruction.NONE,
                status=ItemStatus.REFUSED,
                reason=reason,
                title=getattr(response, "title", None) or None,
                message=reason or _("The library system refused this loan."),
            )
            return None
        return Charge(
            getattr(response, "title", None) or None,
            getattr(response, "due_date", None),
            tuple(getattr(response, "screen_messages", ()) or ()),
        )
    svc.intents.close(intent)
    row.update(status=ItemStatus.REFUSED, message=NOT_BORROWED_NO_ANSWER)
    return None


def unsecure_charged(
    svc: Services, patron: PatronContext, group: ItemGroup, row: ItemRow, intent: int, charge: Charge
) -> None:
    """Stage 2/3: unsecure every part of a confirmed loan, or undo the loan."""
    results = [svc.security.unsecure(uid) for uid in group.uids]
    if all(r.ok for r in results):
        svc.intents.close(intent)
        patron.borrowed_here.add(group.item_id)
        patron.charged_items.add(group.item_id)
        row.update(
            status=ItemStatus.BORROWED,
            title=charge.title,
            due_date=charge.due_date,
            instruction=Instruction.TAKE,
            message=_("Borrowed."),
            reason=verbatim(" ".join(charge.messages)) if charge.messages else None,
        )
        return
    error = "; ".join(r.error or "" for r in results if not r.ok)
    log.warning("item %s: tag could not be unsecured (%s): checking it back in", group.item_id, error)
    svc.intents.advance(intent, "undoing")
    undo_charge(svc, group, intent, reason=f"tag could not be unsecured: {error}")
    row.update(
        status=ItemStatus.SEE_STAFF,
        title=charge.title,
        message=SEE_STAFF_UNSECURE,
        instruction=Instruction.SEE_STAFF,
        needs_staff=True,
    )


def undo_charge(svc: Services, group: ItemGroup, intent: int, reason: str) -> bool:
    """Secure every part again, then check the item back in; alert staff in every case. True when undone."""
    secured = [svc.security.secure(uid) for uid in group.uids]
    if not all(r.ok for r in secured):
        svc.alert(
            group.item_id,
            group.uids,
            "unsecure_failed_tag_unknown",
            f"{reason}; a part could not be secured again, so the loan was kept: check the tags",
        )
        svc.intents.close(intent)
        return False
    answered = False
    try:
        response = svc.sigb.change("checkin", group.item_id, return_date=svc.return_date())
        answered = True
        undone = bool(getattr(response, "ok", False)) or not charged_state_now(svc, group.item_id)
    except SigbOutcomeUnknown:
        try:
            undone = not charged_state_now(svc, group.item_id)
        except SigbUnavailable as exc:
            svc.go_offline(str(exc))
            undone = False
    except SigbUnavailable as exc:
        svc.go_offline(str(exc))
        undone = False
    if undone:
        svc.alert(group.item_id, group.uids, "unsecure_failed", f"{reason}; checked back in")
        svc.intents.close(intent)
    elif answered:  # the SIGB refused the check-in back: charged with a secured tag, staff must look
        svc.alert(group.item_id, group.uids, "checkin_failed", f"{reason}; the check-in back was refused")
        svc.intents.close(intent)
    else:
        # the intent stays open at "undoing": recovery completes the check-in when the SIGB answers
        svc.alert(
            group.item_id,
            group.uids,
            "unsecure_failed_still_charged",
            f"{reason}; the check-in back did not go through yet (tag secured)",
        )
    return undone


def charged_state_now(svc: Services, item_id: str) -> bool:
    info = svc.sigb.read("item_information", item_id)
    return getattr(info, "circulation_status", None) == 4 or bool(getattr(info, "patron_id", None))


def _own_loan(svc: Services, patron: PatronContext, group: ItemGroup, row: ItemRow) -> None:
    """The item is already on this patron's account: renew it (policy) and make sure its tag is on loan."""
    if svc.config.circulation.on_own_loan == "refuse":
        row.update(
            status=ItemStatus.REFUSED,
            message=_("This item is already on your account."),
            instruction=Instruction.TAKE,
        )
        return
    try:
        response = svc.sigb.change("renew", patron.patron_id, group.item_id, pin=patron.pin)
    except (SigbUnavailable, SigbOutcomeUnknown) as exc:
        if isinstance(exc, SigbUnavailable):
            svc.go_offline(str(exc))
        row.update(
            status=ItemStatus.REFUSED,
            instruction=Instruction.TAKE,
            message=_("This item is already on your account; it could not be renewed now."),
        )
        return
    title = getattr(response, "title", None) or None
    if not getattr(response, "ok", False):
        reason = sigb_messages(response)
        row.update(
            status=ItemStatus.REFUSED,
            title=title,
            reason=reason,
            instruction=Instruction.TAKE,
            message=_("This item is already on your account and could not be renewed."),
        )
        return
    # the SIGB confirmed the loan: a tag still secured would alarm at the gate
    results = [svc.security.unsecure(uid) for uid in group.uids]
    if all(r.ok for r in results):
        row.update(
            status=ItemStatus.RENEWED,
            title=title,
            due_date=getattr(response, "due_date", None),
            instruction=Instruction.TAKE,
            message=_("Already on your account: renewed."),
        )
        return
    svc.alert(
        group.item_id,
        group.uids,
        "unsecure_failed_on_loan",
        "renewed item whose tag could not be unsecured (charged, tag secured)",
    )
    row.update(
        status=ItemStatus.SEE_STAFF,
        title=title,
        due_date=getattr(response, "due_date", None),
        needs_staff=True,
        instruction=Instruction.SEE_STAFF,
        message=_("Renewed, but the item could not be prepared for loan: please see staff."),
    )
