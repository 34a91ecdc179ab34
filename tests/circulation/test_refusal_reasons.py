"""Refusal reason codes: SIGB answers (Koha's wire wording, the simulated French SIGB) → journal codes.

The classifier reads decoded SIP2 responses; the station tests check that what lands in the journal is the
code, never the SIGB's text.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.circulation.refusals import REASON_CODES, classify, code_from_messages
from kiosk.config import ConfigError, parse_config
from kiosk.demo import Demo
from simulators.sigb import messages as sigb_text
from sip2 import decode

from .conftest import login, settle

PREFIX = {"checkout": b"120NUN", "renew": b"301NUN", "checkin": b"100YNN"}  # Koha renew: ok=1, renewal_ok=N


def koha(kind: str, message: str, extra: bytes = b"") -> object:
    """A Koha-style response frame with ``message`` in AF, decoded by the real codec."""
    fields = b"AOCPL|AB39999000001234|AQCPL|" if kind == "checkin" else b"AOCPL|AA2066|AB3999|AJ|AH|"
    frame = PREFIX[kind] + b"20250612    101500" + fields + extra + b"AF" + message.encode() + b"|\r"
    return decode(frame, verify_checksum=False)


@pytest.mark.parametrize(
    ("kind", "message", "code"),
    [
        ("checkout", "Item is on hold for another patron.", "on-hold-for-another"),
        ("checkout", "Item is reserved for another patron upon return.", "on-hold-for-another"),
        (
            "checkout",
            "Item already checked out to another patron.  Please return item for check-in.",
            "on-loan-to-another",
        ),
        ("checkout", "Outstanding Fines block issue", "fines"),
        ("checkout", "Issue failed : TOO_MANY", "too-many-items"),
        ("checkout", "Issue failed : NOT_FOR_LOAN", "item-not-for-loan"),
        ("checkout", "Issue failed : UNKNOWN_BARCODE", "item-unknown"),
        ("checkout", "Issue failed : USERBLOCKEDOVERDUE", "overdue"),
        ("checkout", "Issue failed : DEBARRED", "patron-blocked"),
        ("checkout", "Invalid Item", "item-unknown"),
        ("checkout", "Invalid Patron", "unknown-card"),
        ("checkout", "Item has been recalled for another patron", "on-hold-for-another"),
        ("renew", "Item has reached maximum renewals", "renewal-limit"),
        ("renew", "Item unavailable due to outstanding holds", "on-hold-for-another"),
        ("renew", "Item renewal is not allowed", "item-not-for-loan"),
        ("checkin", "Item not checked out", "not-on-loan"),
        ("checkout", "Printer jammed, see you tomorrow", "other"),
    ],
)
def test_koha_wording_becomes_a_code(kind: str, message: str, code: str) -> None:
    assert classify(kind, koha(kind, message)) == code


@pytest.mark.parametrize(
    ("kind", "message", "code"),
    [
        ("checkout", sigb_text.ON_HOLD_FOR_OTHER, "on-hold-for-another"),
        ("checkout", sigb_text.NOT_FOR_LOAN, "item-not-for-loan"),
        ("checkout", sigb_text.WITHDRAWN, "item-not-for-loan"),
        ("checkout", sigb_text.LOST_ITEM, "item-not-for-loan"),
        ("checkout", sigb_text.ON_LOAN_TO_OTHER, "on-loan-to-another"),
        ("checkout", sigb_text.ALREADY_YOURS, "already-on-account"),
        ("checkout", sigb_text.UNKNOWN_ITEM, "item-unknown"),
        ("checkout", sigb_text.UNKNOWN_PATRON, "unknown-card"),
        ("checkout", sigb_text.LOAN_LIMIT.format(limit=15), "too-many-items"),
        ("checkout", sigb_text.MEDIA_LIMIT.format(limit=4), "too-many-items"),
        ("checkout", sigb_text.EXCESSIVE_FINES.format(amount="12,40 €"), "fines"),
        ("checkout", sigb_text.TOO_MANY_OVERDUE.format(count=3), "overdue"),
        ("checkout", sigb_text.ACCOUNT_SUSPENDED, "patron-blocked"),
        ("checkout", sigb_text.CARD_LOST, "patron-blocked"),
        ("checkout", sigb_text.CARD_EXPIRED.format(date="01/02/2026"), "patron-blocked"),
        ("renew", sigb_text.MAX_RENEWALS.format(limit=2), "renewal-limit"),
        ("renew", sigb_text.RENEWAL_ON_HOLD, "on-hold-for-another"),
        ("renew", sigb_text.RENEWALS_DENIED, "patron-blocked"),
        ("renew", sigb_text.NOT_YOUR_LOAN, "not-on-loan"),
        ("renew", sigb_text.OVERDUE_NO_RENEWAL, "overdue"),
        ("checkin", sigb_text.NOT_CHECKED_OUT, "not-on-loan"),
    ],
)
def test_french_wording_becomes_a_code(kind: str, message: str, code: str) -> None:
    assert classify(kind, koha(kind, message)) == code


def test_patron_flags_say_why_when_the_message_only_says_blocked() -> None:
    blocked = koha("checkout", "Patron Blocked")
    assert classify("checkout", blocked) == "patron-blocked"
    assert classify("checkout", blocked, flags=("excessive_outstanding_fines",)) == "fines"
    assert classify("checkout", blocked, flags=("charge_privileges_denied",)) == "patron-blocked"
    silent = koha("checkout", "")
    assert classify("checkout", silent, flags=("too_many_items_charged",)) == "too-many-items"
    assert classify("renew", koha("renew", ""), flags=("too_many_renewals",)) == "renewal-limit"
    assert classify("checkout", silent, flags=("too_many_renewals",)) == "other"  # a renewal flag
    # a specific message wins over the session's flags: this item is on hold, whatever the account says
    held = koha("checkout", "Item is on hold for another patron.")
    assert classify("checkout", held, flags=("excessive_outstanding_fines",)) == "on-hold-for-another"


def test_a_refused_login_is_explained_by_the_account_flags_first() -> None:
    info = koha("checkout", "Bonjour Anne. Vous avez 2,50 € de pénalités.")  # a small fine, not the cause
    assert (
        classify("login", info, flags=("charge_privileges_denied", "card_reported_lost")) == "patron-blocked"
    )
    assert classify("login", info, flags=("charge_privileges_denied", "too_many_items_overdue")) == "overdue"
    assert classify("login", info, flags=("charge_privileges_denied",)) == "fines"
    assert classify("login", koha("checkout", "Bonjour Anne."), flags=()) == "patron-blocked"


def test_typed_fields_and_missing_answers() -> None:
    rental = koha("checkout", "", extra=b"BT06|BV2.50|")
    assert classify("checkout", rental) == "fee-required"
    assert classify("checkout", None, offline=True) == "offline-policy"
    assert classify("checkout", None, sigb_reachable=False) == "sigb-unavailable"
    assert classify("checkout", None, flags=("charge_privileges_denied",)) == "patron-blocked"
    assert classify("checkin", None) == "other"


def test_site_patterns_come_first_and_are_validated() -> None:
    table = {"circulation": {"refusal_codes": {"quarantaine": "quarantine", "r[ée]serv": "hold-custom"}}}
    config = parse_config({**table, "sigb": {"password": "x"}})
    patterns = config.circulation.refusal_codes
    assert patterns == (("quarantaine", "quarantine"), ("r[ée]serv", "hold-custom"))
    assert (
        classify("checkout", koha("checkout", "Exemplaire en QUARANTAINE"), patterns=patterns) == "quarantine"
    )
    assert classify("checkout", koha("checkout", sigb_text.ON_HOLD_FOR_OTHER), patterns=patterns) == (
        "hold-custom"
    )
    with pytest.raises(ConfigError, match=r'circulation\.refusal_codes\."\(unclosed": not a valid regular'):
        parse_config({"circulation": {"refusal_codes": {"(unclosed": "x"}}})
    with pytest.raises(ConfigError, match=r"lowercase slug.*'Réservé par Marie'"):
        parse_config({"circulation": {"refusal_codes": {"held": "Réservé par Marie"}}})
    with pytest.raises(ConfigError, match="expected a string"):
        parse_config({"circulation": {"refusal_codes": {"held": 3}}})


@given(st.lists(st.text(max_size=80), max_size=4), st.sampled_from(["checkout", "renew", "checkin", "login"]))
def test_the_code_is_never_the_sigb_text(messages: list[str], kind: str) -> None:
    """Whatever the SIGB says, the journal gets a code of the closed vocabulary."""
    response = koha("checkout", "")
    object.__setattr__(response, "screen_messages", tuple(messages))
    assert classify(kind, response, flags=("charge_privileges_denied",)) in REASON_CODES
    assert code_from_messages(messages) in (*REASON_CODES, None)


# -- at the kiosk: what the journal receives ------------------------------------------------------------


def _journal_reasons(demo: Demo) -> list[tuple[str, str]]:
    with sqlite3.connect(demo.config.journal.events) as db:
        return db.execute(
            "SELECT kind, reason FROM transactions WHERE outcome = 'refused' ORDER BY id"
        ).fetchall()


def test_the_station_journals_why_the_sigb_refused(demo: Demo) -> None:
    login(demo)
    reserved, excluded = demo.item("item_reserved_for_other"), demo.item("item_not_for_loan")
    demo.place(reserved, excluded)
    settle(demo)
    results = demo.station.renew([demo.dataset.scenarios["item_max_renewals"]]).result()
    assert not results[0].ok
    demo.station.finish().result()
    card = demo.patron("patron_renewals_denied")
    assert demo.station.identify(card, demo.pin(card)).result()
    assert not demo.station.renew([demo.dataset.scenarios["item_on_loan_renewals_denied"]]).result()[0].ok
    demo.station.finish().result()
    fines = demo.patron("patron_fines")
    demo.station.identify(fines, demo.pin(fines)).result()  # may see the account, may not borrow
    assert not demo.station.session.can_borrow
    reasons = _journal_reasons(demo)
    assert sorted(reasons[:2]) == [("checkout", "item-not-for-loan"), ("checkout", "on-hold-for-another")]
    assert reasons[2:] == [("renew", "renewal-limit"), ("renew", "patron-blocked"), ("login", "fines")]
    raw = demo.config.journal.events.read_bytes() + b"".join(
        p.read_bytes() for p in demo.config.journal.events.parent.glob("events.db-wal")
    )
    for text in (sigb_text.ON_HOLD_FOR_OTHER, sigb_text.NOT_FOR_LOAN, "pénalités", "prolongations"):
        assert text.encode() not in raw
