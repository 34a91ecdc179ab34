"""Staff mode (hidden gesture + PIN, status, sync, rejected replays, alerts, diagnostics, quit) and receipts
(ESC/POS through python-escpos's Dummy printer, partial identifiers only)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from kiosk.circulation.models import ItemStatus
from ui.kiosk.demo_config import DEMO_STAFF_PIN
from ui.kiosk.receipt import EscPosReceiptPrinter, ReceiptError, open_escpos, receipt_lines
from ui.kiosk.scenario import FAILING_TAG_ITEM, ScriptedKiosk
from ui.kiosk.viewmodel import Screen

UNKNOWN_CARD = "20669999999999"  # matches the offline card pattern, unknown to the SIGB


def enter_staff(kiosk, pin: str = DEMO_STAFF_PIN) -> None:
    for _ in range(5):
        QTest.mouseClick(kiosk.window.library, Qt.MouseButton.LeftButton)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.STAFF_PIN
    kiosk.type_on_keypad(pin)


def staff_value(kiosk, key: str) -> str:
    return kiosk.window.findChild(QLabel, f"staff-{key}").text()


def test_hidden_gesture_and_staff_pin(kiosk) -> None:
    for _ in range(4):  # four taps are not the gesture
        QTest.mouseClick(kiosk.window.library, Qt.MouseButton.LeftButton)
    kiosk.pump()
    assert kiosk.vm.screen is Screen.WELCOME
    enter_staff(kiosk, "1111")
    assert kiosk.vm.screen is Screen.STAFF_PIN
    assert "Code du personnel incorrect" in kiosk.vm.notice.render("fr")
    kiosk.type_on_keypad(DEMO_STAFF_PIN)
    assert kiosk.vm.screen is Screen.STAFF
    assert staff_value(kiosk, "sigb") == "en ligne" and staff_value(kiosk, "reader") == "en service"
    assert staff_value(kiosk, "card_reader") == "non configuré"
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    QTest.keyClick(kiosk.window, Qt.Key.Key_S, ctrl_alt)  # no effect outside the welcome screen
    kiosk.click("staff-leave")
    assert kiosk.vm.screen is Screen.WELCOME and kiosk.station.status.mode.value == "idle"


def test_force_offline_sync_and_the_rejected_replay_report(kiosk) -> None:
    enter_staff(kiosk)
    kiosk.click("staff-offline")
    assert kiosk.station.status.offline_forced
    assert staff_value(kiosk, "sigb") == "hors ligne (forcé par le personnel)"
    kiosk.click("staff-leave")
    kiosk.vm.card_presented(UNKNOWN_CARD, "scanner")
    kiosk.pump()
    assert kiosk.vm.screen is Screen.BORROW  # offline: accepted on the card-number format
    kiosk.place("item_available")
    kiosk.click("finish")
    kiosk.clear_pad()
    kiosk.click("done")
    enter_staff(kiosk)
    assert staff_value(kiosk, "queue") == "1 à envoyer, 0 rejetée(s)"
    kiosk.click("staff-online")  # leave forced offline: the queue is replayed at once
    assert not kiosk.station.status.offline
    assert staff_value(kiosk, "queue") == "0 à envoyer, 1 rejetée(s)"
    kiosk.click("staff-report")
    report = kiosk.window.findChild(QLabel, "staff-panel").text()
    assert re.search(r"30660000000336 — checkout — .+ — tag state", report)
    kiosk.click("staff-seen")
    assert kiosk.station.status.queue_rejected == 0
    assert "Aucune transaction rejetée" in kiosk.window.findChild(QLabel, "staff-panel").text()
    kiosk.click("staff-sync")
    assert "Synchronisé" in kiosk.window.findChild(QLabel, "staff-panel").text()


def test_alerts_diagnostics_and_quit(kiosk) -> None:
    kiosk.log_in("patron_ok")
    kiosk.break_tag(FAILING_TAG_ITEM)
    kiosk.place(FAILING_TAG_ITEM)
    kiosk.click("finish")
    kiosk.clear_pad()
    kiosk.click("done")
    enter_staff(kiosk)
    assert staff_value(kiosk, "alerts") == "1 ouverte(s)"
    kiosk.click("staff-alerts")
    assert "unsecure_failed" in kiosk.window.findChild(QLabel, "staff-panel").text()
    kiosk.click("staff-diagnostics")
    assert "firmware" in kiosk.window.findChild(QLabel, "staff-panel").text().lower() or \
        "model" in kiosk.window.findChild(QLabel, "staff-panel").text().lower()
    quits = []
    kiosk.vm.events.quit.connect(lambda e: quits.append(e))
    kiosk.click("staff-quit")
    assert len(quits) == 1


def test_printed_receipt_has_partial_identifiers_only(qapp, tmp_path) -> None:
    with ScriptedKiosk(tmp_path, receipt="print") as kiosk:
        kiosk.log_in("patron_ok")
        card = kiosk.demo.patron("patron_ok")
        kiosk.place("item_available", "item_not_for_loan")
        kiosk.click("finish")
        assert kiosk.button("print").isVisible()
        kiosk.click("print")
        output = kiosk.kiosk.printer.output
        assert output.startswith(b"\x1b") and output.endswith(b"\x1dV\x00")  # ESC/POS, then a cut
        text = output.decode("cp437", errors="replace")
        assert card not in text and "0015" in text
        assert "La Peste" in text and "0336" in text and "30660000000336" not in text
        assert kiosk.vm.receipt_state == "printed" and not kiosk.button("done").isHidden()


def test_receipt_lines_and_printer_errors(qapp, tmp_path) -> None:
    with ScriptedKiosk(tmp_path) as kiosk:
        kiosk.log_in("patron_ok")
        kiosk.click("lang-ar")
        kiosk.place("item_available")
        kiosk.click("finish")
        summary = kiosk.vm.summary
    lines = receipt_lines(summary, "Médiathèque centrale de Perpignan")
    assert lines[:2] == ["Médiathèque centrale de", "Perpignan"]
    assert all(len(line) <= 32 for line in lines)
    assert any("Prêts" in line for line in lines)  # Arabic sessions print in French (no shaping on ESC/POS)
    assert summary.lines[0].status is ItemStatus.BORROWED
    printer = EscPosReceiptPrinter("usb:zz:1")
    try:
        printer.print_lines(lines)
    except ReceiptError as exc:
        assert "usb:VVVV:PPPP" in str(exc)
    else:
        raise AssertionError("a bad printer name must be refused")
    assert type(open_escpos("dummy")).__name__ == "Dummy"
