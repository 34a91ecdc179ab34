"""Finding out what the SIGB really did when a reply was lost: item information, never a blind resend.

After :class:`~kiosk.circulation.sigb.SigbOutcomeUnknown` the only safe next
step is to ask the SIGB about the item (SIP2 17/18): is it charged, and to
whom? A checkout is confirmed only when the item is charged to *this* patron
(compared through the intent log's keyed hash, so recovery after a restart
works without keeping the card number). When the item information does not
name the borrower, the patron's own list of charged items (SIP2 63 with the
charged-items summary) decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.circulation.context import Services

CIRC_CHARGED = 4


@dataclass(frozen=True, slots=True)
class ChargeState:
    """Whether the SIGB has the item on loan, and whether to the patron we care about."""

    known: bool  # the SIGB knows the item
    charged: bool
    to_patron: bool | None  # None: charged, but the SIGB did not say to whom
    due_date: object = None
    title: str | None = None
    circulation_status: int | None = None


def charge_state(svc: Services, item_id: str, patron_hash: str | None = None) -> ChargeState:
    """Ask the SIGB; raises ``SigbUnavailable`` when it cannot answer."""
    info = svc.sigb.read("item_information", item_id)
    status = getattr(info, "circulation_status", None)
    borrower = getattr(info, "patron_id", None) or None
    charged = status == CIRC_CHARGED or borrower is not None
    to_patron: bool | None = None
    if charged and borrower is not None and patron_hash is not None:
        to_patron = svc.intents.patron_hash(borrower) == patron_hash
    elif not charged:
        to_patron = False
    known = bool(getattr(info, "title", None)) or status not in (None, 1)
    return ChargeState(
        known=known,
        charged=charged,
        to_patron=to_patron,
        due_date=getattr(info, "due_date", None),
        title=getattr(info, "title", None) or None,
        circulation_status=status,
    )


def charged_to(svc: Services, item_id: str, patron_id: str, pin: str | None) -> ChargeState:
    """Charge state of ``item_id`` relative to a patron we still know (live session)."""
    state = charge_state(svc, item_id, svc.intents.patron_hash(patron_id))
    if state.charged and state.to_patron is None:
        info = svc.sigb.read("patron_information", patron_id, pin, summary="charged_items")
        charged_items = {str(i).strip() for i in getattr(info, "charged_items", ()) or ()}
        state = ChargeState(
            state.known, True, item_id in charged_items, state.due_date, state.title, state.circulation_status
        )
    return state
