"""Translatable patron-facing text: gettext-style ``_()`` markers that render late, per session language.

Workflows run before anyone knows which language the next screen will use,
and the language switches per patron, so ``_("Item borrowed")`` does not
translate on the spot: it returns a :class:`Message` (message id + parameters)
that the view renders with :meth:`Message.render` in the current session
language. Text coming from the SIGB (screen messages, titles) is wrapped with
:func:`verbatim` and is never translated or altered.

Message ids are English. Catalogs are gettext ``.po`` files:
``kiosk/locale/<language>.po`` for the circulation core and
``kiosk/locale/<language>/<part>.po`` for other parts (UI, encoding station),
merged per language (French is the default language; English is the source
text, so it needs no catalog). A missing translation falls back to the
English text rather than failing in front of a patron; each package's tests
check with :func:`missing_translations` that its marked strings have French
entries. Other layers (the Qt UI) may add
catalogs for more languages, e.g. Arabic, with :func:`register_catalog`.
"""

from __future__ import annotations

import ast
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "fr"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")

# Language code → its own name, for language pickers (flags are not languages).
LANGUAGE_NAMES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "ar": "العربية",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "nl": "Nederlands",
}
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})


@dataclass(frozen=True, slots=True)
class Message:
    """Text for a patron, rendered in a language only when shown.

    ``params`` are ``str.format`` fields filled after translation;
    ``verbatim`` messages (SIGB text) are shown exactly as given.
    """

    msgid: str
    params: tuple[tuple[str, object], ...] = ()
    verbatim: bool = False

    def render(self, language: str | None = None) -> str:
        text = self.msgid if self.verbatim else translate(self.msgid, language)
        if not self.params:
            return text
        values = {k: v.render(language) if isinstance(v, Message) else v for k, v in self.params}
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            log.error("translation of %r does not match its parameters", self.msgid)
            return self.msgid.format(**values)

    def __str__(self) -> str:
        return self.render()


def _(msgid: str, **params: object) -> Message:
    """Mark ``msgid`` for translation; parameters are substituted after translating."""
    return Message(msgid, tuple(sorted(params.items())))


def verbatim(text: str) -> Message:
    """Text to show as given (SIGB screen messages, titles, reasons)."""
    return Message(text, verbatim=True)


_catalogs: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


def parse_po(text: str) -> dict[str, str]:
    """``msgid → msgstr`` from a gettext .po file (no plurals or contexts: we do not use them)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = None
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if current.get("msgid") and current.get("msgstr"):
                entries[current["msgid"]] = current["msgstr"]
            if not line:
                current, key = {}, None
            continue
        if line.startswith(("msgid ", "msgstr ")):
            key, _sep, line = line.partition(" ")
            current[key] = ""
        if key is None or not line.startswith('"'):
            raise ValueError(f"unexpected line in .po file: {raw!r}")
        current[key] += ast.literal_eval(line)
    return entries


def register_catalog(language: str, entries: Mapping[str, str]) -> None:
    """Add (or extend) the translations for a language."""
    with _lock:
        _catalogs.setdefault(language, {}).update(entries)


def catalog_files(language: str) -> list[Path]:
    """``kiosk/locale/<language>.po`` and every ``kiosk/locale/<language>/*.po`` (one per station part)."""
    files = [LOCALE_DIR / f"{language}.po", *sorted((LOCALE_DIR / language).glob("*.po"))]
    return [path for path in files if path.is_file()]


def catalog(language: str) -> Mapping[str, str]:
    """Translations for ``language``, loaded from its catalog files on first use."""
    with _lock:
        if language not in _catalogs:
            entries: dict[str, str] = {}
            for path in catalog_files(language):
                entries.update(parse_po(path.read_text(encoding="utf-8")))
            _catalogs[language] = entries
        return _catalogs[language]


def missing_translations(msgids: Iterable[str], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Message ids without a translation in ``language`` (for each package's own catalog test)."""
    entries = catalog(language)
    return [msgid for msgid in msgids if msgid not in entries]


def translate(msgid: str, language: str | None = None) -> str:
    language = language or DEFAULT_LANGUAGE
    if language == SOURCE_LANGUAGE:
        return msgid
    return catalog(language).get(msgid, msgid)


def gettext_for(language: str):
    """A ``gettext``-like function for one language (for views that translate their own labels)."""
    return lambda msgid: translate(msgid, language)


def is_right_to_left(language: str) -> bool:
    return language.split("_")[0] in RIGHT_TO_LEFT
