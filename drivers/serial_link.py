"""A serial line opened by pyserial URL, with what command/response drivers need around it.

``serial_for_url`` accepts device paths (``/dev/ttyUSB0``, a simulator's pty),
``socket://host:port`` (serial-over-LAN adapters, simulators on TCP), ``loop://``
and registered simulator schemes. The link adds three things: errors become
``ReaderGone`` with the port named; ``receive`` waits up to a deadline but returns
as soon as bytes arrive; and after a failure the next ``send`` reopens the port
once (an unplugged USB adapter that comes back under the same name is picked up
again; the caller's retry loop provides the backoff).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import serial

from drivers.errors import ReaderGone

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.02


class SerialLink:
    def __init__(self, port: str | Any, baudrate: int, **settings: Any) -> None:
        self._settings = {"baudrate": baudrate, **settings}
        if isinstance(port, str):
            self.name = port
            self._port: Any = None
            self._open()
        else:  # an already open pyserial-like object (tests, custom transports)
            self.name = getattr(port, "name", None) or repr(port)
            self._port = port

    def _open(self) -> None:
        try:
            self._port = serial.serial_for_url(self.name, timeout=POLL_INTERVAL, **self._settings)
        except (serial.SerialException, ValueError, OSError) as exc:
            self._port = None
            raise ReaderGone(f"cannot open reader port {self.name!r}: {exc}") from exc

    def send(self, data: bytes) -> None:
        """Discard stale input, then write ``data``."""
        if self._port is None:
            log.info("reopening %s", self.name)
            self._open()
        try:
            self._port.reset_input_buffer()
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            self._lost(exc)

    def receive(self, timeout: float) -> bytes:
        """Bytes that arrive within ``timeout`` seconds (returns early once some are there)."""
        if self._port is None:
            raise ReaderGone(f"reader port {self.name!r} is closed")
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._port.timeout = max(0.0, min(POLL_INTERVAL, deadline - time.monotonic()))
                data = self._port.read(max(1, self._port.in_waiting))
                if data or time.monotonic() >= deadline:
                    return data
        except (serial.SerialException, OSError) as exc:
            self._lost(exc)
        return b""

    def _lost(self, exc: Exception) -> None:
        port, self._port = self._port, None
        try:
            port.close()
        except Exception:  # closing a dead port may fail in any way; the original error matters
            pass
        raise ReaderGone(f"reader on {self.name!r} is gone ({exc}): check the cable and power") from exc

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
