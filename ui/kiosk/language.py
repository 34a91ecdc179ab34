"""Languages of the kiosk screens: catalogs, language names, text direction, dates and counts (no Qt).

Every text on screen is a :class:`kiosk.i18n.Message` (``_("English source")``), rendered in the
current language at display time, so switching language re-renders everything and a Message kept
in a model never goes stale. The workflows' own catalogs live in ``kiosk/locale``; this package adds
``ui/kiosk/locale/<lang>.po`` for the screens' words (French) and for every message of both layers
(Arabic), through :func:`kiosk.i18n.register_catalog`. English is the source language.

Dates are formatted here rather than by the platform locale, so a screenshot or a receipt reads the
same on every machine; right-to-left languages get a numeric date in Western digits.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

from kiosk.i18n import LANGUAGE_NAMES, Message, _, catalog, is_right_to_left, parse_po, register_catalog

LOCALE_DIR = Path(__file__).with_name("locale")
_installed: set[str] = set()
_lock = threading.Lock()

MONTHS: dict[str, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def install(language: str) -> None:
    """Make ``language`` renderable: the workflows' catalog first, then this package's additions."""
    with _lock:
        if language in _installed:
            return
        catalog(language)  # load kiosk/locale/<language>.po before extending it
        path = LOCALE_DIR / f"{language}.po"
        if path.exists():
            register_catalog(language, parse_po(path.read_text(encoding="utf-8")))
        _installed.add(language)


def render(message: Message | str | None, language: str) -> str:
    """A message in ``language`` (plain strings are shown as given)."""
    if message is None:
        return ""
    if isinstance(message, str):
        return message
    install(language)
    return message.render(language)


def language_name(code: str) -> str:
    """The language's own name (never a flag)."""
    return LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(code.split("_")[0], code))


def right_to_left(language: str) -> bool:
    return is_right_to_left(language)


RLM = "\u200f"


def in_direction(text: str, language: str) -> str:
    """Start every line with a right-to-left mark in right-to-left languages, so a line that begins
    with a Latin title (or a symbol) still reads and aligns right to left."""
    if not right_to_left(language):
        return text
    return "\n".join(RLM + line for line in text.split("\n"))


def format_date(value: date | datetime | None, language: str) -> str:
    """``23 décembre 2026`` / ``23 December 2026``; numeric ``23/12/2026`` in right-to-left languages,
    where a month name between numbers would be reordered by the bidirectional algorithm."""
    if value is None:
        return ""
    if right_to_left(language):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    months = MONTHS.get(language.split("_")[0], MONTHS["en"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


def items_read(count: int) -> Message:
    """The running count on the borrow and return screens (one message id per form, for translators)."""
    if count == 0:
        return _("No items yet")
    if count == 1:
        return _("1 item")
    return _("{count} items", count=count)
