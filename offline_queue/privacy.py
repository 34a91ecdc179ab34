"""What the anonymous event journal refuses: field names that announce patron data, and values that look like
patron identifiers (card numbers, phone numbers, e-mail addresses).

The rule for values is deliberately blunt, because a refusal costs little and a leak cannot be undone: no
run of 8 or more digits (single spaces allowed between them, as in phone numbers) and nothing shaped like an
e-mail address. A network whose card numbers have a distinctive format can add it as ``patron_id_pattern``
(matched against whole values and against each word of free text) — only use a pattern that item identifiers
and event codes never match. Item identifiers of encodings and tag UIDs are typed fields exempt from the
digit rule.
"""

from __future__ import annotations

import re

from .errors import PatronDataRefused

CARD_LIKE = re.compile(r"\d(?: ?\d){7,}")
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[0-9A-Za-z]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# Names are split into words ("patronId" -> patron, id); these words refuse a field name...
FORBIDDEN_NAME_WORDS = frozenset({
    "patron", "patrons", "borrower", "borrowers", "user", "username", "userid", "member", "pin", "pins",
    "card", "cards", "cardnumber", "password", "passwd", "passphrase", "secret", "name", "names", "firstname",
    "surname", "lastname", "email", "mail", "phone", "telephone", "mobile", "address", "birth", "birthdate",
    "dob",
})
# ...and these refuse it even inside a longer word ("borrowernumber", "patronid").
FORBIDDEN_NAME_PARTS = ("patron", "borrower", "password", "passwd", "cardnumber", "email", "phone", "birth")


def forbidden_name(name: str) -> bool:
    """True if a field called ``name`` would hold patron data."""
    words = {w.lower() for w in _CAMEL.findall(name)}
    flat = re.sub(r"[^a-z]", "", name.lower())
    return bool(words & FORBIDDEN_NAME_WORDS) or any(part in flat for part in FORBIDDEN_NAME_PARTS)


def looks_like_patron_data(text: str, pattern: re.Pattern[str] | None = None) -> bool:
    """True if ``text`` contains something shaped like a card or phone number or an e-mail address."""
    if CARD_LIKE.search(text) or EMAIL_LIKE.search(text):
        return True
    if pattern is None:
        return False
    return bool(pattern.fullmatch(text)) or any(pattern.fullmatch(w) for w in _WORD.findall(text))


def redact(text: str) -> str:
    """``text`` with card-, phone- or e-mail-like parts replaced (e.g. an exception message to journal)."""
    while EMAIL_LIKE.search(text):  # one pass can leave a new match ("a@b.c@d.e")
        text = EMAIL_LIKE.sub("[address]", text)
    return CARD_LIKE.sub("[number]", text)


class PatronGuard:
    """Checks applied to every value entering the journal."""

    def __init__(self, patron_id_pattern: str | re.Pattern[str] | None = None) -> None:
        pattern = patron_id_pattern
        self.pattern = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check_name(self, name: str) -> None:
        if forbidden_name(name):
            raise PatronDataRefused(
                f"event field {name!r} is named like patron data; the journal is anonymous and never stores "
                "patron identifiers, names, cards or PINs")

    def check_text(self, field: str, value: str) -> None:
        if looks_like_patron_data(value, self.pattern):
            raise PatronDataRefused(
                f"{field}: the value looks like a patron identifier (card/phone number or e-mail address) "
                "and the journal is anonymous; journal a code instead, or pass free text through "
                "offline_queue.privacy.redact()")

    def check_identifier(self, field: str, value: str) -> None:
        """Item identifiers may be long numbers; only the network's patron pattern (if any) refuses them."""
        if self.pattern is not None and self.pattern.fullmatch(value):
            raise PatronDataRefused(f"{field}: the value matches the patron card-number pattern; refusing it")
