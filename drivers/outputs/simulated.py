"""A simulated alarm output that records every switch with its timestamp (for tests and benchmarks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SimulatedOutput:
    """Records ``(time, state)`` on every change; ``activations`` are the times it went on."""

    def __init__(
        self, name: str = "simulated", role: str = "light", clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name, self.role, self.clock = name, role, clock
        self.events: list[tuple[float, bool]] = []
        self._active = False
        self._lock = threading.Lock()
        self.closed = False
        self.fail = False  # fault knob: switching raises OutputError

    @property
    def active(self) -> bool:
        return self._active

    @property
    def activations(self) -> list[float]:
        with self._lock:
            return [t for t, state in self.events if state]

    def on(self) -> None:
        self._switch(True)

    def off(self) -> None:
        self._switch(False)

    def _switch(self, state: bool) -> None:
        if self.fail:
            from .base import OutputError

            raise OutputError(f"simulated output {self.name!r} failed (fault injected)")
        with self._lock:
            if state != self._active:
                self._active = state
                self.events.append((self.clock(), state))

    def close(self) -> None:
        if self._active and not self.fail:
            self.off()
        self.closed = True
