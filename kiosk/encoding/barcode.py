"""Checking a scanned item barcode against the network's barcode format before anything touches a tag.

A keyboard-wedge scanner types the barcode followed by Enter; stray whitespace
is removed, then the whole code must match ``[encoding] barcode_pattern`` and,
when configured, carry a valid check digit (Luhn / mod 10, the scheme of the
sample network's 14-digit barcodes). A patron card scanned by mistake usually
fails one of the two, which is the point: it must never end up on an item tag.
"""

from __future__ import annotations

import re

from kiosk.i18n import Message, _

from .settings import BarcodeFormat


class BarcodeRejected(ValueError):
    """The scanned text is not an item barcode of this network; ``message`` is for the staff screen."""

    def __init__(self, code: str, message: Message) -> None:
        self.code = code
        self.message = message
        super().__init__(message.render("en"))


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check: every second digit from the right is doubled."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def check_barcode(text: str, fmt: BarcodeFormat) -> str:
    """The barcode without surrounding whitespace, or :class:`BarcodeRejected` saying what is wrong."""
    barcode = text.strip()
    if not barcode:
        raise BarcodeRejected("barcode-empty", _("Nothing was scanned: scan the item's barcode."))
    if not re.fullmatch(fmt.pattern, barcode):
        raise BarcodeRejected("barcode-format", _(
            "{barcode} is not an item barcode of this network (expected form: {pattern}). "
            "Scan the item's barcode, not a patron card or an ISBN.", barcode=barcode, pattern=fmt.pattern))
    if fmt.check_digit == "luhn" and not luhn_valid(barcode):
        raise BarcodeRejected("barcode-check-digit", _(
            "{barcode}: wrong check digit. Scan it again or type it carefully.", barcode=barcode))
    return barcode
