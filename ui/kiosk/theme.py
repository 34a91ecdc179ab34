"""Colours, sizes and the style sheet: normal and high-contrast themes, normal and large text.

Sizes come from the screen, not from pixels picked on a developer's monitor: a touch target is at
least :data:`TOUCH_TARGET_MM` millimetres, converted to pixels (:func:`touch_target_px`) with the
screen's density (:func:`sizing_dpi`), and text sizes follow from it. The logical DPI alone is not
enough: Linux reports 96 for every screen, so a 15 mm target at 96 DPI is only 14 mm on a 21.5"
full-HD kiosk (102 DPI) and 10 mm on a 15.6" one (141 DPI); the physical density the screen reports
(EDID) is used whenever it is plausible and larger. The high-contrast theme is white and
yellow on black (contrast ratio above 15:1); status colours are always doubled by an icon and a
word, never colour alone.

Widgets carry a ``role`` property (``title``, ``primary``, ``secondary``, ``danger``, ``banner``,
``row``…) and rows a ``tone`` (``ok``, ``problem``, ``warning``, ``busy``); the style sheet styles
by property, so no widget hard-codes a colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TOUCH_TARGET_MM = 15.0
MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    accent: str
    accent_text: str
    ok: str
    problem: str
    warning: str
    border: str
    focus: str
    banner: str
    banner_text: str
    overdue: str


NORMAL = Palette(
    background="#f4f1ea", surface="#ffffff", text="#1b1b1b", muted="#4a4a4a", accent="#1f4e8c",
    accent_text="#ffffff", ok="#1d6b31", problem="#a3221b", warning="#7a4d00", border="#c9c2b3",
    focus="#e07b00", banner="#fff1c9", banner_text="#3d2b00", overdue="#fde3e1",
)
HIGH_CONTRAST = Palette(
    background="#000000", surface="#000000", text="#ffffff", muted="#ffffff", accent="#ffd400",
    accent_text="#000000", ok="#7dff8a", problem="#ff8a80", warning="#ffd400", border="#ffffff",
    focus="#00e5ff", banner="#ffd400", banner_text="#000000", overdue="#5a0000",
)


PLAUSIBLE_PHYSICAL_DPI = (50.0, 400.0)  # outside: a missing or bogus EDID size, ignored


def sizing_dpi(logical_dpi: float, physical_dpi: float | None) -> float:
    """Pixels per inch to size touch targets with: never fewer than the screen really has.

    Qt's physical DPI is in device-independent pixels, the unit of widget sizes, so a target of
    ``mm * physical_dpi / 25.4`` pixels is ``mm`` millimetres on the glass.
    """
    low, high = PLAUSIBLE_PHYSICAL_DPI
    if physical_dpi is not None and low <= physical_dpi <= high:
        return max(logical_dpi, physical_dpi)
    return logical_dpi


def touch_target_px(logical_dpi: float, mm: float = TOUCH_TARGET_MM) -> int:
    """Pixels for ``mm`` millimetres at this logical DPI (rounded up: never smaller than asked)."""
    return math.ceil(mm * logical_dpi / MM_PER_INCH)


@dataclass(frozen=True, slots=True)
class Sizes:
    target: int  # minimum touch target, px
    text: int  # body text, px
    title: int
    small: int

    @classmethod
    def for_screen(cls, logical_dpi: float, large_text: bool) -> Sizes:
        target = touch_target_px(logical_dpi)
        scale = 1.4 if large_text else 1.0
        text = round(target * 0.42 * scale)
        return cls(target=target, text=text, title=round(text * 1.6), small=round(text * 0.8))


def stylesheet(palette: Palette, sizes: Sizes) -> str:
    p, s = palette, sizes
    pad = max(8, s.target // 5)
    return f"""
QWidget {{ background: {p.background}; color: {p.text}; font-size: {s.text}px; }}
QLabel {{ background: transparent; }}
QLabel[role="title"] {{ font-size: {s.title}px; font-weight: bold; }}
QLabel[role="subtitle"] {{ font-size: {round(s.text * 1.2)}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {p.muted}; font-size: {s.small}px; }}
QLabel[role="error"] {{ color: {p.problem}; font-weight: bold; }}
QLabel[role="notice"] {{ color: {p.muted}; }}
QLabel[role="entry"] {{ background: {p.surface}; border: 3px solid {p.border}; border-radius: 8px;
    font-size: {s.title}px; padding: {pad}px; min-height: {s.target}px; }}
QLabel[role="banner"] {{ background: {p.banner}; color: {p.banner_text}; padding: {pad}px;
    font-weight: bold; }}
QLabel[role="sigb"] {{ background: {p.surface}; border-left: 6px solid {p.accent}; padding: {pad}px; }}
QLabel[role="announcement"] {{ font-size: {round(s.text * 1.1)}px; padding: {pad}px; }}
QFrame[role="panel"] {{ background: {p.surface}; border: 2px solid {p.border}; border-radius: 10px; }}
QFrame[role="overlay"] {{ background: {p.surface}; border: 4px solid {p.focus}; border-radius: 12px; }}
QFrame[role="row"] {{ background: {p.surface}; border: 2px solid {p.border}; border-radius: 8px; }}
QFrame[role="row"][tone="problem"] {{ border: 3px solid {p.problem}; }}
QFrame[role="row"][tone="warning"] {{ border: 3px solid {p.warning}; }}
QFrame[role="row"][tone="overdue"] {{ background: {p.overdue}; border: 3px solid {p.problem}; }}
QFrame[role="row"][selected="true"] {{ border: 4px solid {p.accent}; }}
QLabel[role="icon"] {{ font-size: {s.title}px; font-weight: bold; min-width: {s.target}px; }}
QLabel[tone="ok"] {{ color: {p.ok}; }}
QLabel[tone="problem"] {{ color: {p.problem}; }}
QLabel[tone="warning"] {{ color: {p.warning}; }}
QLabel[tone="busy"] {{ color: {p.muted}; }}
QPushButton {{ min-height: {s.target}px; min-width: {s.target}px; padding: 0 {pad}px;
    border-radius: 10px; border: 2px solid {p.border}; background: {p.surface}; color: {p.text};
    font-size: {s.text}px; }}
QPushButton[role="primary"] {{ background: {p.accent}; color: {p.accent_text}; border-color: {p.accent};
    font-weight: bold; font-size: {round(s.text * 1.15)}px; }}
QPushButton[role="danger"] {{ color: {p.problem}; border-color: {p.problem}; font-weight: bold; }}
QPushButton[role="key"] {{ font-size: {s.title}px; font-weight: bold; }}
QPushButton[keypad="true"] {{ min-height: {round(s.target * 1.5)}px; }}
QPushButton[wide="true"] {{ min-width: {s.target * 4}px; }}
QPushButton[role="link"] {{ border: none; background: transparent; text-decoration: underline; }}
QPushButton[role="loan"] {{ text-align: left; padding: {pad}px; }}
QPushButton[role="loan"][rtl="true"] {{ text-align: right; }}
QPushButton[role="loan"][tone="overdue"] {{ background: {p.overdue}; border: 3px solid {p.problem}; }}
QPushButton:checked {{ background: {p.accent}; color: {p.accent_text}; border-color: {p.accent}; }}
QPushButton[role="loan"]:checked, QPushButton[role="loan"][tone="overdue"]:checked {{
    background: {p.accent}; color: {p.accent_text}; border: 4px solid {p.accent}; }}
QPushButton:disabled, QPushButton[role="primary"]:disabled {{ background: {p.background}; color: {p.muted};
    border: 2px dashed {p.muted}; }}
QPushButton[role="tile"] {{ background: {p.accent}; border: 3px solid {p.accent}; border-radius: 18px;
    min-height: {round(s.target * 2.4)}px; padding: {pad}px {2 * pad}px; }}
QPushButton[role="tile"]:focus {{ border: 6px solid {p.focus}; }}
QPushButton[role="tile"]:disabled {{ background: {p.background}; border: 3px dashed {p.muted}; }}
QLabel[role="tile-title"] {{ color: {p.accent_text}; font-size: {round(s.title * 1.1)}px;
    font-weight: bold; }}
QLabel[role="tile-hint"] {{ color: {p.accent_text}; font-size: {s.text}px; }}
QLabel[role="tile-title"]:disabled, QLabel[role="tile-hint"]:disabled {{ color: {p.muted}; }}
QPushButton:focus {{ border: 4px solid {p.focus}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: {p.background}; border: none; }}
QScrollBar:vertical {{ width: {max(12, s.target // 3)}px; }}
"""
