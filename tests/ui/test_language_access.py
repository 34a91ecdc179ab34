"""Languages (switch, mirrored Arabic, reset after each session), high contrast, large text, touch targets,
accessible names and keyboard use."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from ui.kiosk.theme import HIGH_CONTRAST, NORMAL, touch_target_px
from ui.kiosk.viewmodel import Screen

from .conftest import visible_text


def test_language_switch_mid_session_and_reset_after(kiosk) -> None:
    kiosk.click("lang-en")
    assert "Borrow · My account" in visible_text(kiosk.window)
    kiosk.log_in("patron_ok")
    kiosk.place("item_available")
    screen = kiosk.window.stack.currentWidget()
    assert "Hello Hélène Dupré" in visible_text(screen) and "Borrowed" in visible_text(screen)
    kiosk.click("lang-ar")
    assert kiosk.window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    text = visible_text(screen)
    assert "مرحبًا Hélène Dupré" in text and "تمت الإعارة" in text and "إنهاء" in text
    row = screen.list.views[0]
    def x(widget) -> int:
        return widget.mapTo(screen, widget.rect().center()).x()

    assert x(row.icon) > x(row.title)  # mirrored: the status icon is on the right
    kiosk.click("finish")
    assert kiosk.vm.language == "ar"  # the summary stays in the patron's language
    kiosk.click("lang-en")  # and can be re-read in another one, without changing the next patron's
    assert "Thank you, goodbye!" in visible_text(kiosk.window.stack.currentWidget())
    assert kiosk.station.status.language == "fr"
    kiosk.click("done")
    assert kiosk.vm.language == "fr" and kiosk.station.status.language == "fr"
    assert kiosk.window.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert "Emprunter · Mon compte" in visible_text(kiosk.window)


def test_language_buttons_show_language_names(kiosk) -> None:
    names = [kiosk.window.language_buttons[c].text() for c in ("fr", "en", "ar")]
    assert names == ["Français", "English", "العربية"]


def test_high_contrast_and_large_text_apply_and_reset(kiosk) -> None:
    normal_text = kiosk.window.sizes.text
    kiosk.click("high-contrast")
    assert HIGH_CONTRAST.background in kiosk.window.styleSheet()
    assert NORMAL.background not in kiosk.window.styleSheet()
    kiosk.click("large-text")
    assert kiosk.window.sizes.text >= normal_text * 1.3
    assert f"font-size: {kiosk.window.sizes.text}px" in kiosk.window.styleSheet()
    kiosk.log_in("patron_ok")
    assert kiosk.vm.high_contrast  # kept during the patron's session
    kiosk.click("finish")
    kiosk.click("done")
    assert not kiosk.vm.high_contrast and not kiosk.vm.large_text
    assert NORMAL.background in kiosk.window.styleSheet()


def visible_buttons(kiosk) -> list[QPushButton]:
    return [b for b in kiosk.window.findChildren(QPushButton) if b.isVisible()]


def screens_of_a_session(kiosk):
    yield Screen.WELCOME
    kiosk.click("borrow")
    yield Screen.CARD
    kiosk.click("cancel")
    card = kiosk.present_card("patron_ok")
    yield Screen.PIN
    kiosk.type_on_keypad(kiosk.demo.pin(card))
    kiosk.place("item_not_for_loan")
    yield Screen.BORROW
    kiosk.click("account")
    yield Screen.ACCOUNT
    kiosk.click("back")
    kiosk.click("finish")
    yield Screen.SUMMARY


@pytest.mark.parametrize("large", [False, True])
def test_every_control_is_named_and_big_enough(kiosk, large) -> None:
    target = touch_target_px(96.0)
    if large:
        kiosk.click("large-text")
    for screen in screens_of_a_session(kiosk):
        assert kiosk.vm.screen is screen
        buttons = visible_buttons(kiosk)
        assert buttons
        for button in buttons:
            assert button.accessibleName(), f"{screen}: {button.objectName()} has no accessible name"
            assert button.height() >= target and button.width() >= target, (screen, button.objectName())
            assert button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_keyboard_only_session(kiosk) -> None:
    """Tab to a control, Enter or Space to use it: no touch needed anywhere."""
    window = kiosk.window

    def tab_to(name: str) -> None:
        for _ in range(40):
            if QApplication.focusWidget() and QApplication.focusWidget().objectName() == name:
                return
            QTest.keyClick(window, Qt.Key.Key_Tab)
        raise AssertionError(f"{name} not reachable with Tab")

    window.activateWindow()
    tab_to("return")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.RETURN
    tab_to("finish")
    QTest.keyClick(window, Qt.Key.Key_Return)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.WELCOME
