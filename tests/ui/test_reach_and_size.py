"""Every screen, every control: reachable with Tab, named, and at least 15 mm on the glass.

The walk visits all the kiosk's screens (welcome, card keypad, PIN, borrow with the inactivity warning,
account, summary, return, staff PIN, staff) and checks on each that Tab reaches every visible, enabled
button (a keyboard or switch user can do everything a finger can) and that each has an accessible name
and a touch target of at least 15 mm at the density the window sizes itself with. Sizes follow the
screen's physical density when it reports one larger than the logical 96 DPI.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QScreen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from ui.kiosk.demo_config import DEMO_STAFF_PIN
from ui.kiosk.scenario import ScriptedKiosk
from ui.kiosk.theme import sizing_dpi, touch_target_px
from ui.kiosk.viewmodel import Screen


def visible_buttons(kiosk: ScriptedKiosk) -> list[QPushButton]:
    return [b for b in kiosk.window.findChildren(QPushButton) if b.isVisible() and b.isEnabled()]


def reached_by_tab(kiosk: ScriptedKiosk) -> set[str]:
    """Object names of the buttons that get the focus while Tab goes round the window twice."""
    window = kiosk.window
    window.activateWindow()
    window.setFocus()
    names: set[str] = set()
    for _ in range(2 * len(window.findChildren(QPushButton)) + 5):
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if isinstance(focused, QPushButton):
            names.add(focused.objectName() or focused.accessibleName())
    return names


def every_screen(kiosk: ScriptedKiosk):
    """Drive one session through every screen, yielding a label for each stop."""
    yield "welcome"
    kiosk.click("borrow")
    yield "card keypad"
    kiosk.click("cancel")
    card = kiosk.present_card("patron_ok")
    yield "pin"
    kiosk.type_on_keypad(kiosk.demo.pin(card))
    kiosk.place("item_not_for_loan")
    yield "borrow"
    kiosk.advance(kiosk.station.config.timeouts.inactivity_seconds + 2)
    yield "borrow with the inactivity warning"
    kiosk.click("more-time")
    kiosk.click("account")
    yield "account"
    kiosk.click("back")
    kiosk.click("finish")
    yield "summary"
    kiosk.click("done")
    kiosk.place("item_on_loan")
    yield "return"
    kiosk.click("finish")
    kiosk.clear_pad()
    kiosk.click("done")
    for _ in range(5):
        QTest.mouseClick(kiosk.window.library, Qt.MouseButton.LeftButton)
    kiosk.pump()
    yield "staff pin"
    kiosk.type_on_keypad(DEMO_STAFF_PIN)
    yield "staff"


def test_the_walk_visits_every_screen(qapp, tmp_path) -> None:
    seen = set()
    with ScriptedKiosk(tmp_path) as kiosk:
        for _stop in every_screen(kiosk):
            seen.add(kiosk.vm.screen)
    assert seen == set(Screen)


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_every_button_of_every_screen_is_reachable_named_and_big_enough(qapp, tmp_path, large) -> None:
    target = touch_target_px(96.0)
    with ScriptedKiosk(tmp_path) as kiosk:
        if large:
            kiosk.click("large-text")
        for stop in every_screen(kiosk):
            buttons = visible_buttons(kiosk)
            assert buttons, stop
            reached = reached_by_tab(kiosk)
            names = {b.objectName(): b.objectName() or b.accessibleName() for b in buttons}
            missing = [name for name, key in names.items() if key not in reached]
            assert missing == [], f"{stop}: not reachable with Tab: {missing}"
            for b in buttons:
                assert b.accessibleName(), f"{stop}: {b.objectName()} has no accessible name"
                assert min(b.width(), b.height()) >= target, (stop, b.objectName(), b.width(), b.height())


def test_density_used_for_sizes() -> None:
    assert sizing_dpi(96.0, 141.0) == 141.0  # 15.6" full HD: the physical density wins
    assert sizing_dpi(96.0, 69.0) == 96.0  # 32" full HD: never smaller than the logical size
    assert sizing_dpi(96.0, 0.0) == 96.0 and sizing_dpi(96.0, 2000.0) == 96.0  # missing or bogus EDID
    assert sizing_dpi(96.0, None) == 96.0


def test_targets_follow_the_screens_physical_density(qapp, tmp_path, monkeypatch) -> None:
    """A 15.6" full-HD screen (141 DPI) reporting the usual logical 96 DPI: targets are sized for 141."""
    monkeypatch.setattr(QScreen, "physicalDotsPerInch", lambda self: 141.0)
    monkeypatch.setattr(QScreen, "logicalDotsPerInch", lambda self: 96.0)
    with ScriptedKiosk(tmp_path) as kiosk:
        kiosk.window._logical_dpi = None  # as a real station: no density given, the screen's is used
        kiosk.window._apply_theme()
        kiosk.pump()
        target = touch_target_px(141.0)
        assert kiosk.window.sizes.target == target
        for b in visible_buttons(kiosk):
            assert min(b.width(), b.height()) >= target, (b.objectName(), b.width(), b.height())
