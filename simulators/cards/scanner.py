"""Barcode scanner stand-ins: a serial scanner behind a pty, and keyboard-wedge key streams.

``SerialScannerSimulator`` owns the master side of a pseudo-terminal; its
``device`` path is what the station's ``SerialBarcodeScanner`` opens, exactly as
it would open ``/dev/ttyACM0``. ``scan(code)`` writes the code with the
configured terminator, optionally split in several writes to exercise partial
reads.

``wedge_scan`` and ``human_typing`` produce ``(timestamp, key)`` sequences with
the rhythm of a USB keyboard-mode scanner and of a person, for the wedge
detector and the kiosk UI tests.
"""

from __future__ import annotations

import os
import random
import tty


class SerialScannerSimulator:
    """A scanner on a pty: ``device`` is a real serial device path."""

    def __init__(self, terminator: bytes = b"\r\n") -> None:
        self.terminator = terminator
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)

    def scan(self, code: str, *, chunks: int = 1) -> None:
        """Send one code followed by the terminator, in ``chunks`` separate writes."""
        data = code.encode("latin-1") + self.terminator
        step = max(1, -(-len(data) // chunks))
        for i in range(0, len(data), step):
            os.write(self._master, data[i:i + step])

    def send_raw(self, data: bytes) -> None:
        os.write(self._master, data)

    def close(self) -> None:
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> SerialScannerSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def wedge_scan(code: str, start: float = 0.0, *, interval: float = 0.004,
               terminator: str | None = "Enter") -> list[tuple[float, str]]:
    """Key events of a keyboard-mode scanner typing ``code`` (one key every ``interval`` s)."""
    keys = list(code) + ([terminator] if terminator else [])
    return [(start + i * interval, key) for i, key in enumerate(keys)]


def human_typing(text: str, start: float = 0.0, *, mean_interval: float = 0.18, jitter: float = 0.08,
                 seed: int | None = None) -> list[tuple[float, str]]:
    """Key events of a person typing ``text`` (intervals ≥ 60 ms, around ``mean_interval``)."""
    rng = random.Random(seed)
    events, t = [], start
    for key in text:
        events.append((t, key))
        t += max(0.06, rng.gauss(mean_interval, jitter))
    return events
