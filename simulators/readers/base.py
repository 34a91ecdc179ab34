"""What every reader simulator shares: byte-stream entry point, fault knobs, endpoints.

A simulator is the reader's firmware: :meth:`ReaderSimulator.receive` gets the bytes a
driver wrote and returns the bytes the reader answers (possibly none), executing tag
commands against its :class:`~simulators.rf.RFField`. Subclasses implement
:meth:`process` (parse requests, act, encode replies) and :meth:`reset_input` (drop a
partial request). The base class adds what real readers do with the line: an idle gap of
``frame_gap`` seconds discards a half-received request (as a UART receiver times out),
and test knobs:

- ``silent``: the reader is hung, nothing is executed or answered;
- ``drop_responses`` / ``corrupt_responses``: the next N answers are lost / get one byte
  flipped (bad CRC on the host side);
- :meth:`unplug` / :meth:`replug`: every endpoint disappears and comes back (USB cable,
  network), so drivers see ``ReaderGone`` and must reconnect.

Endpoints (:mod:`simulators.readers.endpoints`) make the same simulator reachable through
a pty (a real ``/dev/pts/N`` device path), TCP, the ``simreader://`` pyserial URL scheme
and a pyusb backend.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

from drivers.transport import SerialSettings
from simulators.rf import RFField

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Self

    from simulators.readers.endpoints import Endpoint


class SimulatorError(Exception):
    """A simulator cannot be created or served (unknown protocol or transport, port busy…)."""


class ReaderSimulator:
    """Base class: subclass, set the class attributes, implement ``process`` and ``reset_input``."""

    protocol: ClassVar[str] = ""  # name used by simulated_reader / borne sim reader --protocol
    driver: ClassVar[str] = ""  # drivers.open_reader name of the matching driver
    title: ClassVar[str] = ""
    serial_settings: ClassVar[SerialSettings] = SerialSettings()
    usb_ids: ClassVar[tuple[int, int] | None] = None
    frame_gap: ClassVar[float] = 0.1

    def __init__(self, field: RFField | None = None, **options: Any) -> None:
        if options:
            raise SimulatorError(f"{type(self).__name__}: unknown option(s) {sorted(options)}")
        self.field = field if field is not None else RFField()
        self.silent = False
        self.drop_responses = 0
        self.corrupt_responses = 0
        self.requests_seen = 0
        self.endpoints: list[Endpoint] = []
        self._lock = threading.Lock()
        self._last_input: float | None = None
        self._closed = False

    # -- to implement -------------------------------------------------------------------------
    def process(self, data: bytes) -> bytes:
        """Consume request bytes; return the reply bytes (b"" when nothing is due yet)."""
        raise NotImplementedError

    def reset_input(self) -> None:
        """Forget a partially received request."""
        raise NotImplementedError

    # -- byte stream --------------------------------------------------------------------------
    def receive(self, data: bytes) -> bytes:
        """Bytes from the host in, bytes to the host out (thread-safe, one request at a time)."""
        with self._lock:
            now = time.monotonic()
            if self._last_input is not None and now - self._last_input > self.frame_gap:
                self.reset_input()
            self._last_input = now
            if self.silent or self._closed:
                return b""
            reply = self.process(data)
            if not reply:
                return b""
            if self.drop_responses > 0:
                self.drop_responses -= 1
                return b""
            if self.corrupt_responses > 0:
                self.corrupt_responses -= 1
                position = len(reply) // 2
                reply = reply[:position] + bytes([reply[position] ^ 0x5A]) + reply[position + 1:]
            return reply

    # -- endpoints ----------------------------------------------------------------------------
    def serve(self, transport: str, **options: Any) -> Endpoint:
        """Expose the simulator: ``"pty"``, ``"tcp"`` (host, port), ``"url"`` (name) or ``"usb"``."""
        from simulators.readers.endpoints import ENDPOINTS

        if transport not in ENDPOINTS:
            raise SimulatorError(f"unknown transport {transport!r}: use one of {', '.join(ENDPOINTS)}")
        endpoint = ENDPOINTS[transport](self, **options)
        self.endpoints.append(endpoint)
        return endpoint

    def unplug(self) -> None:
        """Every endpoint disappears (device node, listening socket, USB device)."""
        for endpoint in self.endpoints:
            endpoint.unplug()

    def replug(self) -> None:
        for endpoint in self.endpoints:
            endpoint.replug()

    def close(self) -> None:
        self._closed = True
        for endpoint in self.endpoints:
            endpoint.close()
        self.endpoints.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
