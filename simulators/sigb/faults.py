"""Fault injection for the simulated SIGB: the failures a kiosk must survive, switchable at run time.

Set attributes on ``sim.faults`` while the server runs; every connection reads
them for each request:

* ``latency`` — seconds to wait before each reply;
* ``stall`` — read requests but never answer (``stall_commands`` limits it to
  some message identifiers, e.g. ``{"11"}`` for checkouts only);
* ``drop_after`` — answer N requests on a connection, then close it on the next;
* ``apply_unanswered`` — whether a stalled or dropped request is still applied to
  the library (default True: the SIGB committed, the reply was lost, the worst
  case for a kiosk and the one the "outcome unknown" path exists for);
* ``corrupt_checksum`` — number of upcoming replies sent with a wrong ``AZ``
  checksum (a correct copy is kept for a 97 resend);
* ``reject_login`` — answer every 93 with ``940``;
* ``circulation_offline`` — 98 says the SIGB is up but circulation is offline;
* ``down`` — the SIGB is unreachable: the listening socket is closed (connection
  refused) and open connections are cut; setting it back to False listens again
  on the same port. ``go_down(for_seconds=…)`` comes back by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Faults:
    """Mutable fault switches shared by all connections of one simulated SIGB."""

    def __init__(self, on_down_change: Callable[[bool], None] | None = None) -> None:
        self._on_down_change = on_down_change
        self._down = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.reset()

    def reset(self) -> None:
        """Clear every fault (and come back up if down)."""
        self.latency = 0.0
        self.stall = False
        self.stall_commands: set[str] = set()
        self.drop_after: int | None = None
        self.apply_unanswered = True
        self.corrupt_checksum = 0
        self.reject_login = False
        self.circulation_offline = False
        self.down = False

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            changed, self._down = self._down != value, bool(value)
        if changed and self._on_down_change is not None:
            self._on_down_change(bool(value))

    def go_down(self, for_seconds: float | None = None) -> None:
        """Become unreachable; with ``for_seconds``, come back automatically after that delay."""
        self.down = True
        if for_seconds is not None:
            timer = threading.Timer(for_seconds, self.come_back)
            timer.daemon = True
            with self._lock:
                self._timer = timer
            timer.start()

    def come_back(self) -> None:
        self.down = False

    def stalls(self, command: str) -> bool:
        return self.stall and (not self.stall_commands or command in self.stall_commands)

    def take_corruption(self) -> bool:
        """True if the reply about to be sent must carry a wrong checksum (consumes one)."""
        with self._lock:
            if self.corrupt_checksum > 0:
                self.corrupt_checksum -= 1
                return True
            return False

    def cancel_timer(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
