"""Patron identification devices: the RFID card reader and a serial barcode scanner, polled on one thread.

Both devices answer the same question, "which card is at the kiosk?", so
:class:`PatronInputs` turns them into one callback, ``on_card(identifier,
source)``, where ``source`` is ``"card_reader"`` or ``"scanner"``. A card lying
on the reader is reported once per presentation (``drivers.cards.CardPresence``).

A kiosk must start even when a device is missing: patrons can still type their
number. So a device that cannot be opened, or fails later, is shown in
:attr:`PatronInputs.status` (``"off"``, ``"ok"`` or ``"error"`` with the
message, for the staff screen) and is opened again every ``reopen_seconds``.
Keyboard-wedge scanners (``scanner.driver = "wedge"``) type into the screen;
the UI handles them, here they only show as ``"ok"``.

Card identifiers are patron data: they are passed to the callback and never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.errors import ReaderError
from kiosk.circulation.observable import Observable
from kiosk.config import DeviceSection, KioskConfig

log = logging.getLogger(__name__)

OnCard = Callable[[str, str], None]
Opener = Callable[[], Any]
WEDGE_DRIVERS = ("wedge", "keyboard")


class InputStatus(Observable):
    """Health of the identification devices: ``"off"`` (not configured), ``"ok"`` or ``"error"``."""

    _fields = ("card_reader", "scanner", "card_reader_error", "scanner_error")

    def __init__(self) -> None:
        super().__init__(card_reader="off", scanner="off", card_reader_error=None, scanner_error=None)

    def update(self, **changes: object) -> None:
        self._set(**changes)


class _Device:
    """One optional device: how to open it, how to read one identifier from it, and its last failure."""

    def __init__(self, name: str, opener: Opener | None, read: Callable[[Any], str | None]) -> None:
        self.name = name
        self.opener = opener
        self.read = read
        self.handle: Any = None
        self.failed_at = -float("inf")

    def close(self) -> None:
        if self.handle is not None:
            try:
                self.handle.close()
            except Exception:
                log.debug("closing the %s failed", self.name, exc_info=True)
            self.handle = None


class PatronInputs:
    """Polls the configured card reader and serial scanner; reports each card once."""

    def __init__(
        self,
        on_card: OnCard,
        *,
        card_reader: Opener | None = None,
        scanner: Opener | None = None,
        wedge_scanner: bool = False,
        poll_interval: float = 0.2,
        reopen_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from drivers.cards import CardPresence

        self.on_card = on_card
        self.status = InputStatus()
        self.poll_interval = poll_interval
        self.reopen_seconds = reopen_seconds
        self.clock = clock
        self.presence = CardPresence()
        self._devices = (
            _Device("card_reader", card_reader, self._read_card),
            _Device("scanner", scanner, lambda handle: handle.read_barcode(0.0)),
        )
        if wedge_scanner and scanner is None:
            self.status.update(scanner="ok")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, config: KioskConfig, on_card: OnCard) -> PatronInputs:
        """Devices from ``[card_reader]`` and ``[scanner]`` (disabled sections stay off)."""
        scanner = config.scanner
        wedge = scanner.enabled and scanner.driver in WEDGE_DRIVERS
        return cls(
            on_card,
            card_reader=_card_reader_opener(config.card_reader),
            scanner=None if wedge else _scanner_opener(scanner),
            wedge_scanner=wedge,
        )

    def _read_card(self, handle: Any) -> str | None:
        read = self.presence.update(handle.read_card(0.0), self.clock())
        return read.identifier if read is not None else None

    def poll(self) -> list[tuple[str, str]]:
        """One round over every device; returns and reports ``(identifier, source)`` pairs."""
        found = []
        for device in self._devices:
            identifier = self._poll_device(device)
            if identifier:
                found.append((identifier, device.name))
                self.on_card(identifier, device.name)
        return found

    def _poll_device(self, device: _Device) -> str | None:
        if device.opener is None:
            return None
        if device.handle is None and not self._open(device):
            return None
        try:
            return device.read(device.handle)
        except ReaderError as exc:
            self._failed(device, exc)
            return None

    def _open(self, device: _Device) -> bool:
        if self.clock() - device.failed_at < self.reopen_seconds:
            return False
        try:
            device.handle = device.opener()  # type: ignore[misc]
        except (ReaderError, OSError, ValueError) as exc:
            self._failed(device, exc)
            return False
        self.status.update(**{device.name: "ok", f"{device.name}_error": None})
        return True

    def _failed(self, device: _Device, exc: Exception) -> None:
        log.warning("%s unavailable: %s", device.name.replace("_", " "), exc)
        device.close()
        device.failed_at = self.clock()
        self.status.update(**{device.name: "error", f"{device.name}_error": str(exc)})

    def start(self) -> PatronInputs:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="borne-inputs", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # a device bug must not stop identification by the other device
                log.exception("polling the identification devices failed")
            self._stop.wait(self.poll_interval)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        for device in self._devices:
            device.close()


def _card_reader_opener(section: DeviceSection) -> Opener | None:
    if not section.enabled:
        return None
    spec = f"{section.driver}:{section.port}" if section.driver else section.port

    def open_card_reader() -> Any:
        from drivers.cards import open_card_reader as open_reader

        return open_reader(spec)

    return open_card_reader


def _scanner_opener(section: DeviceSection) -> Opener | None:
    if not section.enabled:
        return None

    def open_scanner() -> Any:
        from drivers.scanners import SerialBarcodeScanner

        return SerialBarcodeScanner(section.port)

    return open_scanner
