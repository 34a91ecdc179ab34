"""Returning one item: tag first, SIGB second, then tell the patron what to do with it.

Order (each step is in the intent log before it starts):

1. ``securing``: every part's tag is secured (EAS on, AFI secured) and verified.
   If that fails, nothing is sent to the SIGB — an item still on loan with a
   secured tag is the safe kind of mismatch — and staff are alerted.
2. ``checking_in``: SIP2 checkin. A lost reply is reconciled with item
   information: not charged any more means done; still charged means the
   checkin is sent again (a checkin is safe to repeat once we know it did not
   apply). A refusal leaves the item secured and raises a staff alert.

The checkin reply routes the item (3M extensions): CV 01 hold here, CV 02
hold at another branch and CV 04 send to another branch (CT destination, the
network's shuttle), CL sort bin; otherwise it goes back to the shelf.
"""

from __future__ import annotations

import logging

from kiosk.circulation import offline
from kiosk.circulation.checkout import sigb_messages
from kiosk.circulation.context import Services
from kiosk.circulation.items import ItemGroup
from kiosk.circulation.models import Instruction, ItemRow, ItemStatus
from kiosk.circulation.offline import HAND_TO_STAFF
from kiosk.circulation.reconcile import charge_state
from kiosk.circulation.sigb import SigbOutcomeUnknown, SigbUnavailable
from kiosk.i18n import Message, _

log = logging.getLogger(__name__)

NOT_ON_LOAN = _("This item was not on loan.")

_INSTRUCTION_MESSAGES: dict[Instruction, Message] = {
    Instruction.SHELVE: _("Returned. Thank you!"),
    Instruction.HOLD_HERE: _("Returned. Reserved for another reader: please put it in the holds bin."),
    Instruction.HOLD_ELSEWHERE: _("Returned. Reserved at {destination}: please put it in the shuttle bin."),
    Instruction.TRANSIT: _("Returned. It goes back to {destination}: please put it in the shuttle bin."),
    Instruction.SORT_BIN: _("Returned. Please put it in bin {sort_bin}."),
    Instruction.SEE_STAFF: _("Returned. Please hand it to staff."),
}


def routing(
    alert_type: str | None, destination: str | None, sort_bin: str | None, branch_codes: tuple[str, ...] = ()
) -> Instruction:
    """What the checkin reply says to do with the item."""
    alert = (alert_type or "").strip()
    if alert == "01":
        return Instruction.HOLD_HERE
    if alert == "02" and destination:
        return Instruction.HOLD_ELSEWHERE
    if alert == "04" and destination:
        return Instruction.TRANSIT
    if alert in ("02", "03", "04", "99", "98"):
        return Instruction.SEE_STAFF
    if sort_bin:
        return Instruction.SORT_BIN
    if destination and destination not in branch_codes:
        return Instruction.TRANSIT
    return Instruction.SHELVE


def instruction_message(instruction: Instruction, destination: str | None, sort_bin: str | None) -> Message:
    template = _INSTRUCTION_MESSAGES.get(instruction, _INSTRUCTION_MESSAGES[Instruction.SHELVE])
    return _(template.msgid, destination=destination or "?", sort_bin=sort_bin or "?")


def give_back(svc: Services, group: ItemGroup, row: ItemRow) -> None:
    row.update(status=ItemStatus.PROCESSING)
    if svc.offline or _queued_offline(svc, group.item_id):
        offline.return_offline(svc, group, row)
        return
    intent = svc.intents.open("return", group.item_id, group.uids, "securing")
    if not offline.secure_for_return(svc, group, intent, row, offline=False):
        return
    svc.intents.advance(intent, "checking_in")
    check_in(svc, group, row, intent)


def _queued_offline(svc: Services, item_id: str) -> bool:
    """Offline transactions for this item not yet replayed: keep the order by queueing this one too."""
    return svc.queue is not None and bool(svc.queue.pending_for_item(item_id))


def check_in(svc: Services, group: ItemGroup, row: ItemRow, intent: int) -> None:
    """Stage 2: the tags are secured; tell the SIGB."""
    for _attempt in range(2):
        try:
            response = svc.sigb.change("checkin", group.item_id, return_date=svc.return_date())
        except SigbUnavailable as exc:
            svc.go_offline(str(exc))
            if svc.offline and offline.enqueue_return(svc, group, row, intent):
                return
            _checkin_failed(svc, group, row, intent, f"SIGB unavailable: {exc}")
            return
        except SigbOutcomeUnknown:
            svc.journal.event("outcome-unknown", operation="checkin")
            try:
                state = charge_state(svc, group.item_id)
            except SigbUnavailable as exc:
                # the intent stays open at "checking_in": recovery finishes the return
                svc.go_offline(str(exc))
                offline.returned_offline(row)
                return
            if not state.charged:
                _returned(
                    svc,
                    group,
                    row,
                    intent,
                    None,
                    reconciled_status=state.circulation_status,
                    title=state.title,
                )
                return
            continue  # still charged: the checkin did not apply, send it again
        if not getattr(response, "ok", False):
            if _not_on_loan(svc, group.item_id):  # e.g. "not checked out": secured and not charged agree
                _refused_not_on_loan(svc, row, intent, response)
                return
            _checkin_failed(svc, group, row, intent, "checkin refused", response)
            return
        _returned(svc, group, row, intent, response)
        return
    _checkin_failed(svc, group, row, intent, "checkin not applied after two attempts")


def _refused_not_on_loan(svc: Services, row: ItemRow, intent: int, response: object) -> None:
    """The SIGB refused a checkin of an item it does not have on loan: nothing disagrees, nothing to alert."""
    svc.intents.close(intent)
    instruction = routing(
        getattr(response, "alert_type", None),
        getattr(response, "destination", None) or None,
        getattr(response, "sort_bin", None) or None,
    )
    message = HAND_TO_STAFF if instruction is Instruction.SEE_STAFF else NOT_ON_LOAN
    row.update(
        status=ItemStatus.REFUSED,
        reason=sigb_messages(response),
        message=message,
        instruction=instruction,
        title=getattr(response, "title", None) or None,
        sort_bin=getattr(response, "sort_bin", None) or None,
    )


def _not_on_loan(svc: Services, item_id: str) -> bool:
    try:
        return not charge_state(svc, item_id).charged
    except SigbUnavailable:
        return False


def _returned(
    svc: Services,
    group: ItemGroup,
    row: ItemRow,
    intent: int,
    response: object,
    reconciled_status: int | None = None,
    title: str | None = None,
) -> None:
    svc.intents.close(intent)
    if response is not None:
        destination = getattr(response, "destination", None) or None
        sort_bin = getattr(response, "sort_bin", None) or None
        instruction = routing(getattr(response, "alert_type", None), destination, sort_bin)
        title = getattr(response, "title", None) or None
    else:  # reconciled from item information: no routing fields, only the status
        destination = sort_bin = None
        instruction = {8: Instruction.HOLD_HERE, 10: Instruction.SEE_STAFF}.get(
            reconciled_status or 0, Instruction.SHELVE
        )
    row.update(
        status=ItemStatus.RETURNED,
        title=title,
        instruction=instruction,
        destination=destination,
        sort_bin=sort_bin,
        message=instruction_message(instruction, destination, sort_bin),
        reason=sigb_messages(response) if response is not None else None,
    )


def _checkin_failed(
    svc: Services, group: ItemGroup, row: ItemRow, intent: int, detail: str, response: object = None
) -> None:
    reason = sigb_messages(response) if response is not None else None
    svc.alert(
        group.item_id,
        group.uids,
        "checkin_failed",
        f"return: {detail}{f' ({reason.msgid})' if reason else ''}; the tag stays secured",
    )
    svc.intents.close(intent)
    row.update(
        status=ItemStatus.REFUSED if response is not None else ItemStatus.SEE_STAFF,
        reason=reason,
        title=getattr(response, "title", None) or None,
        message=HAND_TO_STAFF,
        instruction=Instruction.SEE_STAFF,
        needs_staff=True,
    )
