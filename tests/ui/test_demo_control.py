"""The demo's control window drives the threaded demo station the way a patron and the world would."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QPushButton

from kiosk.demo import Demo
from ui.kiosk.app import create_kiosk
from ui.kiosk.demo_config import demo_overrides
from ui.kiosk.demo_control import DemoControl
from ui.kiosk.viewmodel import Screen


def test_control_window_presents_cards_places_items_and_cuts_the_sigb(qtbot, tmp_path) -> None:
    with Demo(tmp_path, config=demo_overrides()) as demo:
        demo.station.start()
        kiosk = create_kiosk(demo.station)
        control = DemoControl(demo, kiosk.window)
        qtbot.addWidget(control)
        kiosk.window.show()
        try:
            patron = next(b for b in control.findChildren(QPushButton) if b.text().startswith("Hélène"))
            patron.click()
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.PIN, timeout=5000)
            for digit in demo.pin(demo.patron("patron_ok")):
                kiosk.vm.press(digit)
            qtbot.waitUntil(lambda: not kiosk.vm.busy, timeout=5000)
            kiosk.vm.press("ok")
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.BORROW, timeout=5000)
            box = next(c for c in control.findChildren(QCheckBox) if c.text().startswith("La Peste"))
            box.setChecked(True)
            screen = kiosk.window.screens[Screen.BORROW]
            qtbot.waitUntil(lambda: bool(screen.list.views) and screen.list.views[0].row.status.terminal,
                            timeout=5000)
            assert screen.list.views[0].row.status.value == "borrowed"
            box.setChecked(False)
            kiosk.vm.finish()
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.SUMMARY, timeout=5000)
            sigb = next(c for c in control.findChildren(QCheckBox) if c.text().startswith("SIGB down"))
            sigb.setChecked(True)
            assert demo.sigb.faults.down
            scan = next(b for b in control.findChildren(QPushButton) if b.text() == "scan barcode")
            scan.click()  # types the first patron's number into the kiosk window at scanner speed
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.PIN, timeout=5000)
            for key in (*demo.pin(demo.patron("patron_ok")), "ok"):
                kiosk.vm.press(key)
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.BORROW and demo.station.status.offline,
                            timeout=10000)
        finally:
            kiosk.close()
            demo.station.stop()
