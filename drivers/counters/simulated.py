"""A simulated beam-pair people counter: beam edges come from a simulator, crossings go to the gate.

The gate traffic simulator calls ``set_beam`` (or ``walk``) from its own thread; the
gate polls ``read`` from the poll loop. The beam logic is the real ``BeamPairDecoder``.
"""

from __future__ import annotations

import threading
import time

from .base import IN, Crossing
from .beam_pair import BeamPairDecoder


class SimulatedBeamCounter:
    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._decoder = BeamPairDecoder()
        self._pending: list[Crossing] = []
        self._lock = threading.Lock()
        self.closed = False
        self.counts = {"in": 0, "out": 0}

    def set_beam(self, beam: str, blocked: bool, when: float | None = None) -> None:
        with self._lock:
            crossing = self._decoder.feed(beam, blocked, self.clock() if when is None else when)
            if crossing is not None:
                self._pending.append(crossing)
                self.counts[crossing.direction] += 1

    def walk(self, direction: str, at: float | None = None, step: float = 0.05) -> None:
        """Feed the four edges of one person crossing at ``at`` (both beams blocked at ``at``)."""
        at = self.clock() if at is None else at
        first, second = ("a", "b") if direction == IN else ("b", "a")
        for beam, blocked, t in (
            (first, True, at - step),
            (second, True, at),
            (first, False, at + step),
            (second, False, at + 2 * step),
        ):
            self.set_beam(beam, blocked, t)

    def read(self) -> list[Crossing]:
        with self._lock:
            crossings, self._pending = self._pending, []
        return crossings

    def close(self) -> None:
        self.closed = True
