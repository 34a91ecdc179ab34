"""Patron card readers: one small interface over nfcpy, libnfc (pynfc) and ISO 15693 item readers.

A card reader answers one question, "which patron is at the kiosk?": it returns
a ``CardRead`` whose ``identifier`` is what the SIGB expects in SIP2 field AA,
computed from the card by an ``IdentifierMapping``. A card lying on the reader
is seen again at every poll; ``CardPresence`` turns that stream of reads into one
"card presented" event per presentation, which is what a kiosk acts on.

Privacy: identifiers are patron data. ``CardRead.__repr__`` masks them so a
stray log line never carries a full card number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

TECHNOLOGIES = ("iso14443a", "iso14443b", "felica", "iso15693")


@dataclass(frozen=True, slots=True, repr=False)
class CardRead:
    """A card seen by a reader.

    ``uid`` is the anti-collision identifier in the order the card transmits it
    (ISO 14443 NFCID1 UID0 first; ISO 15693 shown MSB first ``E0 04 …``).
    """

    identifier: str
    uid: bytes
    technology: str
    reader: str = ""

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()

    def __repr__(self) -> str:
        return (f"CardRead(identifier={mask(self.identifier)!r}, uid=<{len(self.uid)} bytes>, "
                f"technology={self.technology!r}, reader={self.reader!r})")


def mask(identifier: str) -> str:
    """Keep the last 4 characters only (enough for staff to tell two cards apart)."""
    return "…" + identifier[-4:] if len(identifier) > 4 else "…"


@runtime_checkable
class CardReader(Protocol):
    """Every card reader backend. Methods may raise ``drivers.errors.ReaderError`` subclasses."""

    def read_card(self, timeout: float = 0.0) -> CardRead | None:
        """Poll for a card for up to ``timeout`` seconds (at least once); None if none was seen."""
        ...

    def close(self) -> None: ...


class CardPresence:
    """Turn repeated polls into one event per card presentation (pure; the caller gives the time).

    ``update(read, now)`` returns the read when a card appears, when a different
    card replaces it, or when the same card comes back after being absent for
    ``absent_after`` seconds; otherwise None. Readers miss a card now and then
    while it lies still, so a short gap does not count as a new presentation.
    """

    def __init__(self, absent_after: float = 1.0) -> None:
        self.absent_after = absent_after
        self._uid: bytes | None = None
        self._last_seen = float("-inf")

    @property
    def present(self) -> bytes | None:
        """UID of the card currently considered on the reader."""
        return self._uid

    def update(self, read: CardRead | None, now: float) -> CardRead | None:
        if read is None:
            if self._uid is not None and now - self._last_seen >= self.absent_after:
                self._uid = None
            return None
        is_new = read.uid != self._uid or now - self._last_seen >= self.absent_after
        self._uid, self._last_seen = read.uid, now
        return read if is_new else None
