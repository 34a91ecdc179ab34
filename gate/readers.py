"""Reader health at the gate: keep each configured reader open, notice when it is lost, get it back.

A gate runs unattended for years; readers get unplugged, power-cycled, or their
network link drops. A ``ReaderSlot`` owns one reader:

- ``ok``: the poll loop uses it;
- after ``ReaderGone``, or ``max_errors`` consecutive timeouts/protocol errors, it is
  closed and marked ``down``; a background thread reopens it every ``reconnect_s``
  seconds (opening may block on a dead TCP link, and must not stall the other
  readers' polling); on success it is ``ok`` again.

Errors about one tag (it left the field mid-read) are not the reader's health.
State changes are reported through ``on_change(name, state, error)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.base import ItemReader
from drivers.errors import ReaderError, ReaderGone

log = logging.getLogger(__name__)

OK, DOWN, CONNECTING = "ok", "down", "connecting"


class ReaderSlot:
    def __init__(
        self,
        name: str,
        open_reader: Callable[[], ItemReader],
        antennas: tuple[int, ...] = (),
        reconnect_s: float = 2.0,
        max_errors: int = 3,
        on_change: Callable[[str, str, str | None], None] | None = None,
    ) -> None:
        self.name, self.antennas = name, antennas
        self._open, self.reconnect_s, self.max_errors = open_reader, reconnect_s, max_errors
        self.on_change = on_change or (lambda name, state, error: None)
        self.reader: ItemReader | None = None
        self.state, self.error = CONNECTING, None
        self.consecutive_errors = 0
        self.losses = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """First connection attempt (in the caller's thread), then the background retries if it failed."""
        if not self._try_open():
            self._spawn_reconnect()

    def _try_open(self) -> bool:
        try:
            reader = self._open()
        except ReaderError as exc:
            self._set(DOWN, str(exc))
            return False
        if self._stop.is_set():
            reader.close()
            return False
        self.reader, self.consecutive_errors = reader, 0
        self._set(OK, None)
        return True

    def succeeded(self) -> None:
        self.consecutive_errors = 0

    def failed(self, exc: ReaderError) -> None:
        """A reader-level error from the poll loop."""
        self.consecutive_errors += 1
        if not isinstance(exc, ReaderGone) and self.consecutive_errors < self.max_errors:
            log.warning("reader %s: %s (%d in a row)", self.name, exc, self.consecutive_errors)
            return
        self.losses += 1
        self._close_reader()
        self._set(DOWN, str(exc))
        self._spawn_reconnect()

    def _spawn_reconnect(self) -> None:
        if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(
            target=self._reconnect_loop, name=f"reconnect-{self.name}", daemon=True
        )
        self._thread.start()

    def _reconnect_loop(self) -> None:
        while not self._stop.wait(self.reconnect_s):
            if self._try_open():
                log.warning("reader %s is back", self.name)
                return

    def _set(self, state: str, error: str | None) -> None:
        changed = (state, error) != (self.state, self.error)
        self.state, self.error = state, error
        if changed:
            if state == DOWN:
                log.error("reader %s is down: %s", self.name, error)
            self.on_change(self.name, state, error)

    def _close_reader(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None:
            try:
                reader.close()
            except ReaderError:
                pass

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._close_reader()
