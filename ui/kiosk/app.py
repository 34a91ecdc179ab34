"""Putting a kiosk together: station + view model + window (+ devices), and running it.

:func:`create_kiosk` wires a :class:`~kiosk.station.Station` (real devices or the demo simulators)
to a view model and a window, with the receipt printer, announcements and sound of its
configuration; the tests, the headless demo, the screenshots and the benchmark all use it.
:func:`run_kiosk` is the event loop of a real kiosk: the station's worker thread and the
identification devices run beside the GUI until staff quit (or the window closes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QApplication

from ui.kiosk.announcements import load_announcements
from ui.kiosk.demo_config import DEMO_STAFF_PIN, LANDSCAPE, PORTRAIT, demo_overrides
from ui.kiosk.qt_dispatch import GuiDispatcher
from ui.kiosk.receipt import EscPosReceiptPrinter
from ui.kiosk.sound import RecordingOutput, sound_output
from ui.kiosk.viewmodel import KioskViewModel
from ui.kiosk.window import KioskWindow

log = logging.getLogger(__name__)

__all__ = ["DEMO_STAFF_PIN", "LANDSCAPE", "PORTRAIT", "Kiosk", "application", "create_kiosk",
           "demo_overrides", "run_kiosk"]


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(["borne-kiosk"])
    return app  # type: ignore[return-value]


@dataclass
class Kiosk:
    station: Any
    vm: KioskViewModel
    window: KioskWindow
    dispatch: GuiDispatcher
    sound: RecordingOutput
    printer: Any = None
    inputs: Any = None
    extras: list[Any] = field(default_factory=list)

    def close(self) -> None:
        """Detach the views and the view model from the station (the station itself is the caller's)."""
        self.window.shutdown()
        self.window.close()
        self.window.deleteLater()
        self.vm.close()
        if self.inputs is not None:
            self.inputs.close()
        if self.printer is not None:
            self.printer.close()
        self.dispatch.deleteLater()


def create_kiosk(station: Any, *, inputs: Any = None, printer: Any = None,
                 sound: RecordingOutput | None = None, logical_dpi: float | None = None,
                 size: tuple[int, int] | None = PORTRAIT) -> Kiosk:
    """A window over ``station`` (not shown yet); ``printer`` defaults to the configured receipt printer."""
    application()
    config = station.config
    if printer is None and config.receipt.mode == "print":
        printer = EscPosReceiptPrinter(config.receipt.printer)
    dispatch = GuiDispatcher()
    vm = KioskViewModel(station, dispatch=dispatch, inputs=inputs, printer=printer,
                        announcements=load_announcements(config.station.announcements))
    sound = sound if sound is not None else RecordingOutput()
    window = KioskWindow(vm, dispatch=dispatch, sound=sound, logical_dpi=logical_dpi)
    if size is not None:
        window.resize(*size)
    return Kiosk(station, vm, window, dispatch, sound, printer, inputs)


def run_kiosk(station: Any, *, fullscreen: bool = True, with_devices: bool = True,
              control: Any = None) -> int:
    """Run a kiosk until staff quit; ``control`` builds an extra window (the demo's) from the kiosk."""
    app = application()
    station.start()
    kiosk = create_kiosk(station, sound=sound_output(), size=None if fullscreen else (720, 1280))
    if with_devices:
        from kiosk.inputs import PatronInputs

        vm, dispatch = kiosk.vm, kiosk.dispatch
        kiosk.inputs = vm.inputs = PatronInputs.from_config(
            station.config, lambda card, source: dispatch(lambda: vm.card_presented(card, source))).start()
    kiosk.vm.events.quit.connect(lambda event: app.quit())  # staff "quit to the desktop"
    extra = control(kiosk) if control is not None else None
    if fullscreen:
        kiosk.window.showFullScreen()
    else:
        kiosk.window.show()
    if extra is not None:
        extra.show()
    try:
        return app.exec()
    finally:
        if extra is not None:
            extra.close()
        kiosk.close()
        station.close()
