"""Why the SIGB said no: a refused checkout, renewal, checkin or login as a short, privacy-safe reason code.

The pilot report counts refusals by reason, but the SIGB's own words cannot go into the journal: a screen
message may name the patron ("Bonjour Marie", "you owe 12,40 €"), and every SIGB phrases its reasons
differently. The station therefore journals a *code* from a small closed vocabulary (:data:`REASON_CODES`,
plus the codes a site configures), decided from what it knows when the refusal happens:

1. the screen messages of the typed SIP2 response, matched against regular expressions: first the site's
   ``[circulation.refusal_codes]`` (TOML: pattern → code, tried in file order), then :data:`DEFAULT_PATTERNS`
   (Koha's SIP2 wording in English, including its ``Issue failed : <KEY>`` keys, and French wording). The
   text is only *matched*, never kept;
2. typed fields: a checkout or renewal refused with a fee to acknowledge (``BV`` fee amount) is
   ``fee-required``;
3. the patron status flags of the session (SIP2 63/64, read at identification): card lost, fines, overdue
   items, too many items, too many renewals, charge or renewal privileges denied — used when the message
   says nothing more specific than "blocked", or nothing at all. A refused *login* (an account that may
   not borrow) is the other way round: the flags describe the account, so a specific flag comes first,
   then the messages, then ``patron-blocked``;
4. no SIGB answer for this item: the offline policy refused it (``offline-policy``), or the SIGB could not be
   reached (``sigb-unavailable``);
5. otherwise ``other``.

A configured code must be a lowercase slug (``[a-z][a-z0-9-]*``, at most 40 characters), so configuration
cannot smuggle free text into the journal either.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

CODE_PATTERN = r"[a-z][a-z0-9-]{0,39}"

REASON_CODES = (
    "unknown-card",  # the SIGB does not know the patron (an offline loan replayed, for instance)
    "patron-blocked",  # account suspended, card lost or expired, privileges denied
    "fines",  # unpaid fines or fees above the limit
    "overdue",  # the patron has overdue items, or this item is overdue (renewal)
    "too-many-items",  # loan limit reached (overall or for this type of document)
    "item-not-for-loan",  # excluded from loan, withdrawn, lost, missing, restricted type
    "item-unknown",  # the SIGB does not know the barcode
    "on-hold-for-another",  # reserved for (or waiting for) another patron
    "on-loan-to-another",  # already checked out to someone else
    "already-on-account",  # already borrowed by this patron
    "renewal-limit",  # maximum number of renewals reached
    "not-on-loan",  # a return or renewal of an item that is not on loan (to this patron)
    "fee-required",  # a rental fee must be accepted first
    "offline-policy",  # refused by the station's offline rules (no SIGB answer)
    "sigb-unavailable",  # no SIGB answer for this item
    "other",
)

# (pattern, code), first match wins: specific reasons before the generic "blocked". Case-insensitive.
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    # Koha: "Invalid Patron", "Invalid Patron Barcode"; French: "carte inconnue", "lecteur inconnu"
    (r"invalid patron|unknown (patron|borrower)|(carte|lecteur|emprunteur) inconnue?", "unknown-card"),
    # Koha: "Invalid Item", "Issue failed : UNKNOWN_BARCODE"; French SIGBs: "document/exemplaire inconnu"
    (
        r"invalid item|unknown_barcode|unknown (item|barcode)|(document|exemplaire|code-barres) inconnu",
        "item-unknown",
    ),
    # Koha renew: "Item has reached maximum (consecutive) renewals", NO_MORE_RENEWALS
    (
        r"maximum (consecutive )?renewals|no_more_renewals|too many renewals|too_unseen"
        r"|maximum de (prolongations|renouvellements)|prolongations? maximum",
        "renewal-limit",
    ),
    # Koha: "Item is on hold for another patron.", "reserved for another patron", "outstanding holds",
    # "recalled for another patron"; French: "réservé par/pour un autre lecteur"
    (
        r"(on hold|reserved|recalled) for another|outstanding holds|reserve_waiting"
        r"|r[ée]serv[ée]e? (par|pour) un autre|r[ée]servation (d'|pour )un autre",
        "on-hold-for-another",
    ),
    (
        r"already (checked out|issued) to (another|other)|issued_to_another|checked out to another"
        r"|d[ée]j[àa] en pr[êe]t|pr[êe]t[ée] (depuis )?[àa] un autre",
        "on-loan-to-another",
    ),
    (r"already checked out to you|d[ée]j[àa] emprunt[ée]", "already-on-account"),
    (
        r"not checked out|not on loan|notissued|non emprunt[ée]|pas emprunt[ée]|n'est pas en pr[êe]t",
        "not-on-loan",
    ),
    # Koha: "Issue failed : TOO_MANY"; French: "nombre maximum de prêts"
    (
        r"too_many|too many (items|checkouts|loans)|maximum (number of )?(loans|checkouts)"
        r"|maximum de pr[êe]ts|limite de pr[êe]ts",
        "too-many-items",
    ),
    # Koha: "Outstanding Fines block issue", DEBT, "You owe"; French: pénalités, amendes, somme due
    (r"\bfines?\b|\bfees?\b|\bdebt|\byou owe|p[ée]nalit[ée]s|amendes?|sommes? due|impay[ée]", "fines"),
    (r"overdue|userblockedoverdue|en retard", "overdue"),
    (
        r"not for loan|not_for_loan|item renewal is not allowed|cannot be (issued|checked out)"
        r"|must be checked out at a circulation desk|withdrawn|wthdrawn|item_lost|restricted"
        r"|exclu du pr[êe]t|retir[ée]|signal[ée] (perdu|manquant)|non empruntable",
        "item-not-for-loan",
    ),
    (
        r"blocked|debarred|\bgna\b|card_lost|expired|suspend|bloqu[ée]|perdue|expir[ée]|radi[ée]",
        "patron-blocked",
    ),
)

# Patron status flags (sip2.messages.PatronStatusFlags names) → code, most specific first, per kind.
_FLAGS_ANY = (
    ("card_reported_lost", "patron-blocked"),
    ("excessive_outstanding_fines", "fines"),
    ("excessive_outstanding_fees", "fines"),
    ("too_many_items_overdue", "overdue"),
    ("recall_overdue", "overdue"),
)
FLAG_CODES: dict[str, tuple[tuple[str, str], ...]] = {
    "checkout": (
        *_FLAGS_ANY,
        ("too_many_items_charged", "too-many-items"),
        ("charge_privileges_denied", "patron-blocked"),
    ),
    "login": (
        *_FLAGS_ANY,
        ("too_many_items_charged", "too-many-items"),
        ("charge_privileges_denied", "patron-blocked"),
    ),
    "renew": (
        *_FLAGS_ANY,
        ("too_many_renewals", "renewal-limit"),
        ("renewal_privileges_denied", "patron-blocked"),
    ),
    "checkin": (),
}


def pattern_problem(pattern: str, code: object) -> str | None:
    """What is wrong with a configured (pattern, code) pair, or None when it can be used."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"not a valid regular expression ({exc})"
    if not isinstance(code, str) or not re.fullmatch(CODE_PATTERN, code):
        return (
            "the reason code must be a short lowercase slug such as 'fines' or 'item-not-for-loan' "
            f"(letters, digits, '-', at most 40 characters), got {code!r}"
        )
    return None


@functools.lru_cache(maxsize=16)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), code) for p, code in (*patterns, *DEFAULT_PATTERNS))


def _texts(response: Any) -> list[str]:
    return [t for t in getattr(response, "screen_messages", ()) or () if isinstance(t, str) and t]


def code_from_messages(messages: Sequence[str], patterns: tuple[tuple[str, str], ...] = ()) -> str | None:
    """The code of the first pattern (configured, then default) matching any message, or None."""
    for regex, code in _compiled(patterns):
        if any(regex.search(text) for text in messages):
            return code
    return None


def code_from_flags(kind: str, flags: Iterable[str]) -> str | None:
    present = set(flags)
    return next((code for flag, code in FLAG_CODES.get(kind, ()) if flag in present), None)


def _fee_required(response: Any) -> bool:
    amount = str(getattr(response, "fee_amount", "") or "").strip().replace(",", ".")
    try:
        return float(amount) > 0
    except ValueError:
        return False


def answer_since(sigb: Any, mark: int) -> Any:
    """The SIGB's answer to the last state-changing request, if one was made after ``sigb.changes`` was
    ``mark`` (the response that decided the item in hand); None otherwise."""
    if getattr(sigb, "changes", mark) == mark:
        return None
    return getattr(sigb, "last_change", None)


def classify(
    kind: str,
    response: Any = None,
    *,
    flags: Iterable[str] = (),
    patterns: tuple[tuple[str, str], ...] = (),
    offline: bool = False,
    sigb_reachable: bool = True,
) -> str:
    """Reason code of a refused ``kind`` (checkout / renew / checkin / login).

    ``response``: the SIGB's typed answer for this item (None when there was none); ``flags``: names of the
    patron status flags set at identification; ``patterns``: the site's validated (pattern, code) pairs;
    ``offline``: the refusal came from the offline policy; ``sigb_reachable``: False when the SIGB link
    failed while handling the item.
    """
    if kind == "login":  # the flags describe the account itself: the most specific one says why
        specific = [f for f in flags if f != "charge_privileges_denied"]
        return (
            code_from_flags(kind, specific)
            or code_from_messages(_texts(response), patterns)
            or "patron-blocked"
        )
    if response is None:
        if offline:
            return "offline-policy"
        if not sigb_reachable:
            return "sigb-unavailable"
        return code_from_flags(kind, flags) or "other"
    code = code_from_messages(_texts(response), patterns)
    if code is not None and code != "patron-blocked":
        return code
    if kind in ("checkout", "renew") and _fee_required(response):
        return "fee-required"
    return code_from_flags(kind, flags) or code or "other"
