"""Serial barcode scanners (RS-232, or USB in CDC/"virtual COM" mode): one code per line.

A scanner in serial mode sends each decoded barcode as ASCII followed by a
terminator it is configured for: CR, LF or CR LF. ``BarcodeLineDecoder`` is the
pure part (bytes in, codes out): it accepts any of the three terminators (a CR
LF pair ends one line, not two), drops control characters some scanners wrap
codes in (STX/ETX), can strip a configured prefix (e.g. an AIM symbology
identifier ``]C0``), and discards a runaway line longer than ``max_length``
instead of growing without bound when the terminator setting is wrong.

``SerialBarcodeScanner`` composes it with pyserial's ``serial_for_url``, so a
device path, ``socket://host:port`` or a simulator's URL all work.
"""

from __future__ import annotations

import logging
import time
from collections import deque

from drivers.errors import ReaderGone

log = logging.getLogger(__name__)


class BarcodeLineDecoder:
    """Pure line splitter for scanner output."""

    def __init__(self, *, max_length: int = 256, strip_prefix: str = "") -> None:
        self.max_length = max_length
        self.strip_prefix = strip_prefix
        self._line = bytearray()
        self._after_cr = False
        self._overflowed = False
        self.discarded = 0

    def feed(self, data: bytes) -> list[str]:
        codes: list[str] = []
        for byte in data:
            if byte == 0x0A and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0A, 0x0D):
                code = self._finish()
                if code:
                    codes.append(code)
            elif len(self._line) < self.max_length:
                self._line.append(byte)
            else:
                self._overflowed = True
        return codes

    def _finish(self) -> str | None:
        raw, overflowed = bytes(self._line), self._overflowed
        self._line.clear()
        self._overflowed = False
        if overflowed:
            self.discarded += 1
            log.warning("discarded a scanner line longer than %d bytes: check the terminator setting",
                        self.max_length)
            return None
        text = "".join(ch for ch in raw.decode("latin-1") if ch.isprintable()).strip()
        if self.strip_prefix and text.startswith(self.strip_prefix):
            text = text[len(self.strip_prefix):]
        return text or None


class SerialBarcodeScanner:
    """A scanner on a serial port or pyserial URL; ``read_barcode`` returns one code or None."""

    def __init__(self, url: str, baudrate: int = 9600, *, strip_prefix: str = "",
                 max_length: int = 256) -> None:
        import serial

        self._serial_module = serial
        self.url = url
        self.decoder = BarcodeLineDecoder(max_length=max_length, strip_prefix=strip_prefix)
        self._codes: deque[str] = deque()
        try:
            self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise ReaderGone(f"cannot open barcode scanner {url!r}: {exc}") from exc

    def read_barcode(self, timeout: float = 0.0) -> str | None:
        """The next scanned code, waiting up to ``timeout`` seconds (at least one read)."""
        deadline = time.monotonic() + timeout
        while not self._codes:
            try:
                data = self._port.read(self._port.in_waiting or 1)
            except (self._serial_module.SerialException, OSError) as exc:
                raise ReaderGone(f"barcode scanner {self.url!r} is gone: {exc}") from exc
            self._codes.extend(self.decoder.feed(data))
            if not self._codes and time.monotonic() >= deadline:
                return None
        return self._codes.popleft()

    def close(self) -> None:
        self._port.close()
