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

When the driver offers ``add_connection_listener`` (a reconnecting transport;
readers opened with ``reconnect=False`` refuse it and are watched by the poll
loop alone), the slot subscribes to each reader it opens: an unplug marks it
``down`` at once and the driver's own reconnection marks it ``ok`` again. The
listener runs on the transport's thread, like the reconnect thread it only
changes the slot's state under its lock and calls ``on_change`` (the monitor
model and the metrics are thread-safe readers of it).
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
        self._lock = threading.Lock()  # state changes come from the poll, reconnect and transport threads

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
        self._listen(reader)
        self._set(OK, None)
        return True

    def _listen(self, reader: ItemReader) -> None:
        add = getattr(reader, "add_connection_listener", None)  # optional in the ItemReader protocol
        if add is None:
            return
        try:
            add(lambda state, error: self._connection_changed(reader, state, error))
        except ReaderError as exc:
            log.info("reader %s gives no connection events: %s", self.name, exc)

    def _connection_changed(self, reader: ItemReader, state: str, error: BaseException | None) -> None:
        """Transport thread: the driver lost or regained its link."""
        if reader is not self.reader:  # a reader the slot has already closed
            return
        if state == "disconnected":
            self._lost(str(error) if error else "reader disconnected")
        elif state == "connected":
            self.consecutive_errors = 0
            self._set(OK, None)

    def succeeded(self) -> None:
        self.consecutive_errors = 0

    def failed(self, exc: ReaderError) -> None:
        """A reader-level error from the poll loop."""
        self.consecutive_errors += 1
        if not isinstance(exc, ReaderGone) and self.consecutive_errors < self.max_errors:
            log.warning("reader %s: %s (%d in a row)", self.name, exc, self.consecutive_errors)
            return
        self._lost(str(exc))
        self._close_reader()
        self._spawn_reconnect()

    def _lost(self, error: str) -> None:
        with self._lock:
            if self.state == OK:  # once per loss, whether the listener or the poll noticed first
                self.losses += 1
        self._set(DOWN, error)

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
        with self._lock:
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
