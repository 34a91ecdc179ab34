"""Simulated time for accelerated pilots: one clock that every component of the simulation reads.

The station (timeouts, set waits, retry delays), the gate (poll grid, debounce, passages), the people
counter, the journals (timestamps) and the simulated SIGB (loan and due dates) all take a clock argument; the
simulation passes the views of one :class:`SimClock`, and moves it forward itself instead of sleeping. Days
of opening hours then run in seconds, and every timestamp in the journals is simulated time.

Durations measured *inside* the stations (item latency, SIP2 time) stay real: they are what the code under
test actually took against the simulators, which is the honest figure to report.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """Simulated now: ``utc()`` (aware), ``local()`` (naive, machine's zone), ``monotonic()`` (seconds)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulation start must be an aware datetime")
        self._now = start.astimezone(UTC)
        self._origin = self._now
        self._lock = threading.Lock()

    def utc(self) -> datetime:
        return self._now

    def local(self) -> datetime:
        return self._now.astimezone().replace(tzinfo=None)

    def monotonic(self) -> float:
        return 1000.0 + (self._now - self._origin).total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("simulated time never goes back")
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def advance_to(self, moment: datetime) -> None:
        """Move to ``moment`` if it is ahead (events that were due while busy run late, as in life)."""
        with self._lock:
            self._now = max(self._now, moment.astimezone(UTC))
