"""Identification through the window: card on the pad, scanner burst, on-screen keypad, PIN masked,
unknown card, wrong PIN, blocked account with the SIGB's own message."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from ui.kiosk.viewmodel import Screen

from .conftest import visible_text


def current(kiosk):
    return kiosk.window.stack.currentWidget()


def test_card_on_the_pad_then_pin_on_the_keypad(kiosk) -> None:
    card = kiosk.present_card("patron_ok")
    assert kiosk.vm.screen is Screen.PIN
    pin = kiosk.demo.pin(card)
    for digit in pin:
        kiosk.click(f"key-{digit}")
    entry = current(kiosk).findChild(QLabel, "entry")
    assert entry.text() == "•" * len(pin)
    assert pin not in visible_text(kiosk.window)
    kiosk.click("key-ok")
    assert kiosk.vm.screen is Screen.BORROW
    assert "Bonjour Hélène Dupré" in visible_text(current(kiosk))  # French by default
    assert kiosk.sound.played[-1] == "success"


def test_scanner_burst_is_a_card_and_slow_typing_goes_to_the_keypad(kiosk) -> None:
    card = kiosk.demo.patron("patron_ok")
    QTest.keyClicks(kiosk.window, card)  # a keyboard-wedge scanner: one key every few ms
    QTest.keyClick(kiosk.window, Qt.Key.Key_Return)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.PIN
    for digit in kiosk.demo.pin(card):  # a person on a keyboard: the PIN screen takes the digits
        QTest.keyClick(kiosk.window, digit)
    QTest.keyClick(kiosk.window, Qt.Key.Key_Return)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.BORROW


def test_card_number_typed_on_the_keypad(kiosk) -> None:
    kiosk.click("borrow")
    assert kiosk.vm.screen is Screen.CARD
    card = kiosk.demo.patron("patron_ok")
    for digit in card:
        kiosk.click(f"key-{digit}")
    assert current(kiosk).findChild(QLabel, "entry").text() == card
    kiosk.click("key-ok")
    assert kiosk.vm.screen is Screen.PIN
    kiosk.type_on_keypad(kiosk.demo.pin(card))
    assert kiosk.vm.screen is Screen.BORROW


def test_unknown_card_and_wrong_pin_are_explained(kiosk) -> None:
    kiosk.click("borrow")
    for digit in "20669999999999":
        kiosk.click(f"key-{digit}")
    kiosk.click("key-ok")
    kiosk.type_on_keypad("1234")
    assert kiosk.vm.screen is Screen.CARD
    assert "Cette carte n'est pas reconnue" in visible_text(current(kiosk))
    assert kiosk.sound.played[-1] == "problem"
    kiosk.click("cancel")
    card = kiosk.present_card("patron_ok")
    kiosk.type_on_keypad("0000")
    assert kiosk.vm.screen is Screen.PIN
    assert "Code confidentiel incorrect" in visible_text(current(kiosk))
    kiosk.type_on_keypad(kiosk.demo.pin(card))
    assert kiosk.vm.screen is Screen.BORROW


def test_blocked_account_shows_the_sigb_message_and_borrows_nothing(kiosk) -> None:
    kiosk.log_in("patron_suspended")
    assert kiosk.vm.screen is Screen.BORROW
    text = visible_text(current(kiosk))
    assert "Compte suspendu : merci de contacter votre médiathèque." in text  # the SIGB's words
    assert "ne permet pas d'emprunter" in text
    kiosk.place("item_available")
    row = kiosk.vm.session.items[0]
    assert row.status.value == "refused"
    assert kiosk.demo.sigb.library.items[row.item_id].checked_out_to is None


def test_cancel_and_an_abandoned_keypad_return_to_welcome(kiosk) -> None:
    kiosk.click("borrow")
    kiosk.click("cancel")
    assert kiosk.vm.screen is Screen.WELCOME
    kiosk.click("borrow")
    kiosk.place("item_on_loan")  # the pad waits while the patron is at the keypad
    assert kiosk.vm.screen is Screen.CARD and kiosk.station.session.items.count == 0
    kiosk.clear_pad()
    timeouts = kiosk.station.config.timeouts
    kiosk.advance(timeouts.inactivity_seconds + timeouts.warning_seconds + 1)
    assert kiosk.vm.screen is Screen.WELCOME
