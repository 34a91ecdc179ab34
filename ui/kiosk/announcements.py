"""Announcements rotated on the welcome screen, read from a folder (``station.announcements``; no Qt).

Images (``.png``, ``.jpg``, ``.jpeg``, ``.svg``) are shown as they are; text files (``.txt``) hold
one announcement each. A text may exist per language as ``name.<lang>.txt`` beside ``name.txt``;
the screen shows the variant of the patron's language, else the plain one. Files are read once at
start-up and shown in name order; a missing or unreadable folder just means no announcements.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
MAX_TEXT = 400


@dataclass(frozen=True, slots=True)
class Announcement:
    name: str
    image: Path | None = None
    texts: dict[str, str] = field(default_factory=dict)  # language ("" for any) → text

    def text(self, language: str) -> str:
        return self.texts.get(language) or self.texts.get("", "") or next(iter(self.texts.values()), "")


def load_announcements(folder: Path | None) -> tuple[Announcement, ...]:
    if folder is None or not folder.is_dir():
        return ()
    images: dict[str, Path] = {}
    texts: dict[str, dict[str, str]] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        log.warning("announcements folder %s unreadable: %s", folder, exc)
        return ()
    for path in entries:
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            images[path.stem] = path
        elif suffix == ".txt":
            name, _dot, language = path.stem.partition(".")
            try:
                text = " ".join(path.read_text(encoding="utf-8").split())[:MAX_TEXT]
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("announcement %s unreadable: %s", path.name, exc)
                continue
            if text:
                texts.setdefault(name, {})[language] = text
    names = sorted(set(images) | set(texts))
    return tuple(Announcement(name, images.get(name), texts.get(name, {})) for name in names)
