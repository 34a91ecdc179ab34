"""Quirk profiles: how the simulated SIGB puts its answers on the wire, mimicking real SIGBs.

A profile fixes the terminator, character set, Unicode normalisation of the text
it sends, whether it uses error detection, how it writes due dates and what it
does with a malformed frame. The circulation rules do not change between profiles.

==================== ========== ========= ====== ========= ========= =======================
profile              terminator charset   text   AY/AZ     due date  malformed frame
==================== ========== ========= ====== ========= ========= =======================
default              CR         utf-8     NFC    echoed    SIP       answered with 96
koha                 CRLF       utf-8     NFC    echoed    ISO       answered with 96
cp850                CR         cp850     NFC    echoed    SIP       answered with 96
nfd                  CR         utf-8     NFD    echoed    SIP       answered with 96
strict               CR         utf-8     NFC    echoed    SIP       connection closed
no-error-detection   CR         utf-8     NFC    never     SIP       answered with 96
==================== ========== ========= ====== ========= ========= =======================

"Echoed" means a response carries ``AY<n>AZ<checksum>`` exactly when its request
did (what Koha and Evergreen do). The cp850 profile transliterates the few
French characters cp850 lacks (``œ`` → ``oe``, ``€`` → ``EUR``) and replaces any
other with ``?``, like a SIGB exporting to a legacy code page.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from simulators.sigb.errors import SigbSimError
from sip2.dates import format_sip_date
from sip2.messages import Message


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str
    terminator: str = "\r"
    encoding: str = "utf-8"
    normalization: str = "NFC"
    error_detection: bool = True
    close_on_malformed: bool = False
    due_date_style: str = "sip"  # "sip": YYYYMMDDZZZZHHMMSS; "iso": YYYY-MM-DD HH:MM:SS

    def format_due_date(self, due: datetime | None) -> str:
        if due is None:
            return ""
        if self.due_date_style == "iso":
            return due.strftime("%Y-%m-%d %H:%M:%S")
        return format_sip_date(due)

    def prepare(self, message: Message) -> Message:
        """``message`` with its text fields as this SIGB would write them (normalisation, code page)."""
        transforms: list[Callable[[str], str]] = []
        if self.normalization != "NFC":
            transforms.append(lambda text: unicodedata.normalize(self.normalization, text))
        if self.encoding != "utf-8":
            transforms.append(transliterate)
        if not transforms:
            return message

        def convert(text: str) -> str:
            for transform in transforms:
                text = transform(text)
            return text
        return _map_text(message, convert)


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("default", "CR terminator, UTF-8, error detection echoed, SIP-format due dates"),
    Profile("koha", "like Koha: CRLF terminator, UTF-8, due dates as 'YYYY-MM-DD HH:MM:SS'",
            terminator="\r\n", due_date_style="iso"),
    Profile("cp850", "a legacy SIGB writing and reading cp850 (DOS Latin-1)", encoding="cp850"),
    Profile("nfd", "accents sent decomposed (Unicode NFD), like Evergreen", normalization="NFD"),
    Profile("strict", "closes the connection on a malformed frame or a bad checksum",
            close_on_malformed=True),
    Profile("no-error-detection", "never sends AY/AZ and ignores checksums it receives",
            error_detection=False),
)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise SigbSimError(f"unknown SIGB profile {name!r}; choose one of: {', '.join(PROFILES)}") from None


_TRANSLITERATIONS = str.maketrans({
    "œ": "oe", "Œ": "OE", "€": "EUR", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
    "–": "-", "—": "-", "\u202f": " ", "\u2009": " ",
})


def transliterate(text: str) -> str:
    """Replace the French typographic characters missing from cp850 by their usual ASCII spelling."""
    return text.translate(_TRANSLITERATIONS)


def _map_text(message: Message, convert: Callable[[str], str]) -> Message:
    changes = {}
    for f in dataclasses.fields(message):
        if "code" not in f.metadata:  # fixed fields are ASCII codes and dates
            continue
        value = getattr(message, f.name)
        if isinstance(value, str) and value:
            changes[f.name] = convert(value)
        elif isinstance(value, tuple) and value:
            changes[f.name] = tuple(convert(v) for v in value)
    return dataclasses.replace(message, **changes) if changes else message
