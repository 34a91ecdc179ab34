"""Kiosk UI fixtures: the real demo station (simulated SIGB over SIP2/TCP, reader simulator behind the
real driver, ISO 28560 tags) with the real window, driven step by step through :class:`ScriptedKiosk`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ui.kiosk.scenario import ScriptedKiosk
from ui.kiosk.theme import touch_target_px


@pytest.fixture
def kiosk(qapp, tmp_path) -> Iterator[ScriptedKiosk]:
    with ScriptedKiosk(tmp_path) as k:
        yield k


@pytest.fixture
def target_px() -> int:
    """The minimum touch target in pixels at the fixtures' logical DPI (96)."""
    return touch_target_px(96.0)


def visible_text(widget) -> str:
    """All text shown by the visible labels and buttons under ``widget``."""
    from PySide6.QtWidgets import QLabel, QPushButton

    parts = [w.text() for w in widget.findChildren(QLabel) + widget.findChildren(QPushButton)
             if w.isVisibleTo(widget) and w.text()]
    return "\n".join(parts)
