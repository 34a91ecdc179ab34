"""Patron identification (SIP2 63 patron information) and session end (SIP2 35).

Online, the SIGB decides: unknown card (BL = N), wrong PIN (CQ = N), and the
14 patron status flags; its screen messages are shown as given. Charge
privileges denied means the patron may see the account but not borrow;
renewal privileges denied hides renewals. The list of charged items is kept
(in memory) so that an item already on the account is renewed, not refused.

Offline, the offline policy decides (card-number format, local block list);
the PIN cannot be checked and renewals are not offered.
"""

from __future__ import annotations

import logging

from kiosk.circulation import offline, refusals
from kiosk.circulation.context import PatronContext, Services
from kiosk.circulation.journal import ItemTimer
from kiosk.circulation.models import PatronSession, SessionState
from kiosk.circulation.sigb import SigbUnavailable
from kiosk.i18n import Message, _, verbatim

log = logging.getLogger(__name__)

UNKNOWN_CARD = _("This card is not recognised. Please check it or see staff.")
WRONG_PIN = _("Wrong PIN. Please try again.")
OFFLINE_NOTICE = _("The library system is temporarily unavailable: only some services are offered.")

# Patron status flags (sip2.messages.PatronStatusFlags) shown as blocks, with the code the UI may use.
BLOCK_FLAGS = (
    "charge_privileges_denied",
    "renewal_privileges_denied",
    "card_reported_lost",
    "too_many_items_charged",
    "too_many_items_overdue",
    "too_many_renewals",
    "too_many_items_lost",
    "excessive_outstanding_fines",
    "excessive_outstanding_fees",
    "recall_overdue",
    "too_many_items_billed",
)


def identify(svc: Services, session: PatronSession, card: str, pin: str | None) -> PatronContext | None:
    """Identify a patron; updates ``session`` and returns the in-memory context, or None when refused.

    The journal's login row is timed from this call to the verdict (the SIGB's, or the offline policy's
    after a failed attempt online: the patron waited for both)."""
    timer = svc.journal.timer(svc.sigb, None)
    card = card.strip()
    if not svc.offline:
        try:
            return _identify_online(svc, session, card, pin, timer)
        except SigbUnavailable as exc:
            svc.go_offline(str(exc))
    return _identify_offline(svc, session, card, pin, timer)


def _identify_online(
    svc: Services, session: PatronSession, card: str, pin: str | None, timer: ItemTimer
) -> PatronContext | None:
    info = svc.sigb.read("patron_information", card, pin or None, summary="charged_items")
    timer = svc.journal.stop(timer, svc.sigb, None)  # the verdict is in
    messages = tuple(verbatim(m) for m in getattr(info, "screen_messages", ()) if m)
    if getattr(info, "valid_patron", None) is False or not (info.valid_patron or info.personal_name):
        _refuse(svc, session, UNKNOWN_CARD, messages, "unknown-card", timer)
        return None
    if pin is not None and getattr(info, "valid_pin", None) is False:
        _refuse(svc, session, WRONG_PIN, messages, "wrong-pin", timer)
        return None
    flags = getattr(info, "status", None)
    blocks = tuple(name for name in BLOCK_FLAGS if flags is not None and getattr(flags, name, False))
    can_borrow = "charge_privileges_denied" not in blocks
    can_renew = "renewal_privileges_denied" not in blocks
    session.update(
        state=SessionState.ACTIVE,
        valid=True,
        patron_name=getattr(info, "personal_name", None) or None,
        messages=messages,
        blocks=blocks,
        can_borrow=can_borrow,
        can_renew=can_renew,
        offline=False,
        error=None,
    )
    reason = None
    if not can_borrow:
        patterns = svc.config.circulation.refusal_codes
        reason = refusals.classify("login", info, flags=blocks, patterns=patterns)
    svc.journal.transaction(
        "login", "ok" if can_borrow else "refused", reason=reason, timer=timer, sigb=svc.sigb
    )
    charged = {str(i).strip() for i in getattr(info, "charged_items", ()) or ()}
    return PatronContext(card, pin, offline=False, charged_items=charged, status_flags=blocks)


def _identify_offline(
    svc: Services, session: PatronSession, card: str, pin: str | None, timer: ItemTimer
) -> PatronContext | None:
    refusal = offline.identify_offline(svc, card)
    timer = svc.journal.stop(timer, svc.sigb, None)
    if refusal is not None:
        _refuse(svc, session, refusal, (), "offline-policy", timer, offline=True)
        return None
    can_borrow = svc.config.offline.checkouts_allowed
    session.update(
        state=SessionState.ACTIVE,
        valid=True,
        patron_name=None,
        messages=(OFFLINE_NOTICE,),
        blocks=(),
        can_borrow=can_borrow,
        can_renew=False,
        offline=True,
        error=None,
    )
    svc.journal.transaction("login", "ok", timer=timer, sigb=svc.sigb, offline=True)
    return PatronContext(card, pin, offline=True)


def _refuse(
    svc: Services,
    session: PatronSession,
    error: Message,
    messages: tuple[Message, ...],
    reason: str,
    timer: ItemTimer,
    offline: bool = False,
) -> None:
    session.update(valid=False, error=error, messages=messages, offline=offline)
    svc.journal.transaction("login", "refused", reason=reason, timer=timer, sigb=svc.sigb, offline=offline)


def end(svc: Services, patron: PatronContext | None) -> None:
    """SIP2 end session (best effort: the patron leaves whatever the SIGB answers), then forget the PIN."""
    if patron is None:
        return
    if not svc.offline and not patron.offline:
        try:
            svc.sigb.read("end_session", patron.patron_id, patron.pin)
        except SigbUnavailable as exc:
            log.info("end session not acknowledged: %s", exc)
    patron.forget()
