"""Receipts: the text of a finished session, and printing it on an ESC/POS thermal printer (no Qt).

A receipt carries partial identifiers only: the card as the station masks it (last 4 digits) and
each item as its last 4 characters next to its title, so a receipt left on the counter gives nobody
a usable card or item number. ``receipt.mode`` chooses none, print, or on screen (the summary screen
shows the same lines).

Printing goes through python-escpos (code page selection, cut). The printer is named by
``receipt.printer``: a device file (``/dev/usb/lp0``), ``tcp://host[:port]`` (port 9100 by default),
``usb:VVVV:PPPP`` (hex vendor and product ids), ``serial:/dev/ttyS0[:baudrate]``, or ``dummy`` (keeps
the bytes in memory: demos and tests). Thermal printers have no Arabic shaping, so receipts of a
right-to-left session are printed in the station's default language.
"""

from __future__ import annotations

import logging
import textwrap
from typing import Any

from kiosk.circulation.models import ItemStatus
from kiosk.i18n import DEFAULT_LANGUAGE, Message, _
from ui.kiosk.language import format_date, render, right_to_left
from ui.kiosk.viewmodel import Summary, SummaryLine

log = logging.getLogger(__name__)

WIDTH = 32  # characters per line on 58 mm paper with font A
RULE = "-" * WIDTH


class ReceiptError(Exception):
    """The receipt printer is misconfigured or did not take the receipt."""


def receipt_language(summary: Summary, default: str = DEFAULT_LANGUAGE) -> str:
    return default if right_to_left(summary.language) else summary.language


def receipt_lines(summary: Summary, library_name: str, language: str | None = None) -> list[str]:
    """The receipt as lines of at most :data:`WIDTH` characters; the heading (library, date, card) ends at
    the first :data:`RULE`."""
    lang = language or receipt_language(summary)

    def t(message: Message) -> str:
        return render(message, lang)

    heading = _("Loans") if summary.kind == "borrow" else _("Returns")
    stamp = f"{format_date(summary.ended_at, lang)} {summary.ended_at:%H:%M}"
    lines = [library_name, f"{t(heading)} — {stamp}"]
    if summary.card_masked:
        lines.append(t(_("Card {card}", card="…" + summary.card_masked[-4:])))
    lines.append(RULE)
    for line in summary.lines:
        lines.extend(_item_lines(line, lang))
    lines.append(RULE)
    lines.append(t(_done_message(summary)))
    if summary.problems:
        lines.append(t(_("{count} to show to staff", count=summary.problems)))
    lines.append(t(_("Thank you for your visit!")))
    return [wrapped for line in lines for wrapped in (textwrap.wrap(line, WIDTH) or [""])]


def _done_message(summary: Summary) -> Message:
    if summary.kind == "borrow":
        return _("Borrowed: {count}", count=summary.count(ItemStatus.BORROWED, ItemStatus.RENEWED))
    return _("Returned: {count}", count=summary.count(ItemStatus.RETURNED))


def _item_lines(line: SummaryLine, lang: str) -> list[str]:
    title = line.title or render(_("Untitled item"), lang)
    status = render(STATUS_WORDS.get(line.status, _("Not done")), lang)
    detail = f"  {line.item_hint}  {status}"
    if line.due_date is not None and line.status in (ItemStatus.BORROWED, ItemStatus.RENEWED):
        detail += " — " + render(_("due {date}", date=format_date(line.due_date, lang)), lang)
    return [title, detail]


STATUS_WORDS: dict[ItemStatus, Message] = {
    ItemStatus.BORROWED: _("borrowed"),
    ItemStatus.RENEWED: _("renewed"),
    ItemStatus.RETURNED: _("returned"),
    ItemStatus.REFUSED: _("refused"),
    ItemStatus.SEE_STAFF: _("see staff"),
}


class EscPosReceiptPrinter:
    """Prints receipt lines through python-escpos; the printer is opened on first use."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._printer: Any = None

    def _open(self) -> Any:
        if self._printer is None:
            self._printer = open_escpos(self.spec)
        return self._printer

    def print_lines(self, lines: list[str]) -> None:
        try:
            printer = self._open()
            rule = lines.index(RULE) if RULE in lines else 1
            printer.set(align="center", bold=True)
            printer.text("\n".join(lines[:rule]) + "\n")  # the heading: library, date, card
            printer.set_with_default()
            printer.text("\n".join(lines[rule:]) + "\n")
            printer.cut()
        except ReceiptError:
            raise
        except Exception as exc:  # escpos raises its own errors and OSError; the kiosk only reports
            self.close()
            raise ReceiptError(f"receipt printer {self.spec!r}: {exc}") from exc

    @property
    def output(self) -> bytes:
        """Bytes sent so far, for the ``dummy`` printer."""
        return bytes(getattr(self._printer, "output", b"") or b"")

    def close(self) -> None:
        if self._printer is not None:
            try:
                self._printer.close()
            except Exception:
                log.debug("closing the receipt printer failed", exc_info=True)
            self._printer = None


def open_escpos(spec: str) -> Any:
    """An escpos printer object for ``receipt.printer`` (see the module docstring)."""
    from escpos import printer as escpos

    if spec == "dummy":
        return escpos.Dummy()
    if spec.startswith("tcp://"):
        host, _sep, port = spec.removeprefix("tcp://").partition(":")
        return escpos.Network(host, port=int(port or 9100), timeout=5)
    if spec.startswith("usb:"):
        try:
            vendor, product = (int(part, 16) for part in spec.removeprefix("usb:").split(":"))
        except ValueError:
            raise ReceiptError(f"receipt.printer {spec!r}: expected usb:VVVV:PPPP (hex ids)") from None
        return escpos.Usb(vendor, product)
    if spec.startswith("serial:"):
        device, _sep, baudrate = spec.removeprefix("serial:").partition(":")
        return escpos.Serial(devfile=device, baudrate=int(baudrate or 9600))
    if not spec:
        raise ReceiptError('receipt.printer is empty: name a device such as "/dev/usb/lp0"')
    return escpos.File(spec)
