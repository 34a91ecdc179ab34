"""Offline store-and-forward: what the station may do without the SIGB, and in which order.

While the SIGB is unreachable (or staff forced offline mode) the offline
policy of the configuration applies: patrons are accepted on the card-number
format and the local block list, checkouts may be allowed up to a per-patron
limit, renewals never, and items whose type of usage forbids offline issue
(0x13, 0x15) or return (0x14, 0x15) are refused.

Ordering is what keeps the invariant without the SIGB:

- checkout: the transaction is queued (durably, :meth:`OfflineQueue.enqueue`
  has fsync'ed it when it returns) *before* the tag is unsecured. If the tag
  then refuses, the tag is secured again and a compensating checkin is queued
  right behind the checkout, so the replay leaves the SIGB as the tag is.
- return: the tag is secured first (the intent log records it before the
  write), then the checkin is queued: an item whose return was never queued is
  still on loan with a secured tag — the safe direction — and recovery queues
  it at the next start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from iso28560.model import forbids_offline_issue, forbids_offline_return
from kiosk.circulation.context import PatronContext, Services
from kiosk.circulation.items import ItemGroup
from kiosk.circulation.models import Instruction, ItemRow, ItemStatus
from kiosk.i18n import Message, _

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

OFFLINE_RETURNED = _(
    "Returned. It will be recorded when the library system is back: please put it in the return bin."
)
HAND_TO_STAFF = _("This item could not be returned here. Please hand it to staff.")


def identify_offline(svc: Services, card: str) -> Message | None:
    """None when the offline policy accepts this card, else the message to show."""
    policy = svc.config.offline
    if not policy.enabled or svc.queue is None:
        return _("The library system is unavailable. Please try again later or see staff.")
    if not policy.card_number_ok(card):
        return _("This card number is not valid. Please check it or see staff.")
    if card in policy.blocked_cards():
        return _("This card cannot be used right now. Please see staff.")
    return None


def refuse(row: ItemRow, message: Message) -> None:
    row.update(status=ItemStatus.REFUSED, message=message, offline=True)


def borrow_offline(svc: Services, patron: PatronContext, group: ItemGroup, row: ItemRow) -> None:
    policy = svc.config.offline
    if svc.queue is None or not policy.enabled or not policy.checkouts_allowed:
        refuse(row, _("Borrowing is not available while the library system is unavailable."))
        return
    if forbids_offline_issue(group.type_of_usage):
        refuse(row, _("This item cannot be borrowed while the library system is unavailable."))
        return
    if group.item_id in patron.charged_items:
        refuse(row, _("This item is already on your account (renewals are not available right now)."))
        return
    if svc.queue.pending_checkouts(patron.patron_id) >= policy.max_items_per_patron:
        refuse(
            row,
            _(
                "You can borrow at most {count} items while the library system is unavailable.",
                count=policy.max_items_per_patron,
            ),
        )
        return
    intent = svc.intents.open("checkout", group.item_id, group.uids, "offline_queuing", patron.patron_id)
    txn = svc.queue.enqueue(
        "checkout", group.item_id, patron.patron_id, when=svc.wall_clock().astimezone(), tag_secured=False
    )
    svc.intents.advance(intent, "offline_queued", offline_txn=txn)
    results = [svc.security.unsecure(uid) for uid in group.uids]
    if all(r.ok for r in results):
        svc.intents.close(intent)
        patron.borrowed_here.add(group.item_id)
        patron.charged_items.add(group.item_id)
        row.update(
            status=ItemStatus.BORROWED,
            offline=True,
            instruction=Instruction.TAKE,
            message=_(
                "Borrowed. The return date will appear on your account when the library system is back."
            ),
        )
        return
    error = "; ".join(r.error or "" for r in results if not r.ok)
    undo_offline_checkout(svc, group, intent, f"offline checkout: tag could not be unsecured ({error})")
    row.update(
        status=ItemStatus.SEE_STAFF,
        offline=True,
        needs_staff=True,
        instruction=Instruction.SEE_STAFF,
        message=_("This item could not be prepared for loan. It has not been borrowed: please see staff."),
    )


def undo_offline_checkout(svc: Services, group: ItemGroup, intent: int, reason: str) -> None:
    """Secure the parts again and queue a compensating checkin; alert staff either way."""
    secured = [svc.security.secure(uid) for uid in group.uids]
    if all(r.ok for r in secured):
        queue_secured_checkin(svc, group.item_id)
        svc.alert(group.item_id, group.uids, "unsecure_failed", f"{reason}; checkin queued behind it")
    else:
        svc.alert(
            group.item_id,
            group.uids,
            "unsecure_failed_tag_unknown",
            f"{reason}; a part could not be secured again, the queued loan was kept",
        )
    svc.intents.close(intent)


def return_offline(svc: Services, group: ItemGroup, row: ItemRow) -> None:
    policy = svc.config.offline
    if svc.queue is None or not policy.enabled or not policy.returns_allowed:
        refuse(row, _("Returns are not possible while the library system is unavailable. Please see staff."))
        return
    if forbids_offline_return(group.type_of_usage):
        refuse(
            row,
            _(
                "This item cannot be returned while the library system is unavailable. "
                "Please hand it to staff."
            ),
        )
        return
    intent = svc.intents.open("return", group.item_id, group.uids, "offline_securing")
    if not secure_for_return(svc, group, intent, row, offline=True):
        return
    svc.intents.advance(intent, "offline_secured")
    enqueue_return(svc, group, row, intent)


def secure_for_return(svc: Services, group: ItemGroup, intent: int, row: ItemRow, *, offline: bool) -> bool:
    """Step 1 of every return, online or offline: secure each part; False when one refused.

    Then nothing is sent or queued (an item still on loan with a secured tag is the safe mismatch):
    staff are alerted, the intent is closed and the patron is asked to hand the item to staff.
    """
    results = [svc.security.secure(uid) for uid in group.uids]
    if all(r.ok for r in results):
        return True
    error = "; ".join(r.error or "" for r in results if not r.ok)
    what, not_done = ("offline return", "not queued") if offline else ("return", "not checked in")
    detail = f"{what}: tag could not be secured ({error}); {not_done}"
    svc.alert(group.item_id, group.uids, "secure_failed", detail)
    svc.intents.close(intent)
    row.update(
        status=ItemStatus.SEE_STAFF,
        needs_staff=True,
        instruction=Instruction.SEE_STAFF,
        message=HAND_TO_STAFF,
        **({"offline": True} if offline else {}),
    )
    return False


def enqueue_return(svc: Services, group: ItemGroup, row: ItemRow, intent: int) -> bool:
    """Queue the checkin of an item whose tags are already secured; False when the policy refuses."""
    policy = svc.config.offline
    if (
        svc.queue is None
        or not policy.enabled
        or not policy.returns_allowed
        or forbids_offline_return(group.type_of_usage)
    ):
        return False
    queue_secured_checkin(svc, group.item_id)
    svc.intents.close(intent)
    returned_offline(row)
    return True


def queue_secured_checkin(svc: Services, item_id: str) -> None:
    """Queue the checkin of an item whose tags are secured: replayed in order when the SIGB is back."""
    svc.queue.enqueue("checkin", item_id, when=svc.wall_clock().astimezone(), tag_secured=True)


def returned_offline(row: ItemRow) -> None:
    """Tell the patron the (secured) item is returned and reaches the SIGB later: into the return bin."""
    row.update(
        status=ItemStatus.RETURNED, offline=True, instruction=Instruction.RETURN_BIN, message=OFFLINE_RETURNED
    )
