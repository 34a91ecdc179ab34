"""Direction from two light beams, as pure logic fed with (time, beam, blocked) edges.

A counter head has two beams a few centimetres apart across the aisle: ``a`` on the
outside, ``b`` on the inside. Walking in blocks a, then b, then clears a, then b;
walking out is the mirror image. An *episode* runs from both beams clear to both
beams clear again. It is a crossing only if both beams were blocked during it and
the beam blocked first is not the one cleared last: somebody who steps into the
first beam and backs off, or stands in the aisle and turns around, is not counted.
The crossing time is the moment both beams were first blocked together (the person
is at the gate plane), which is what alarm passages are matched against.
"""

from __future__ import annotations

from .base import IN, OUT, Crossing

BEAMS = ("a", "b")


class BeamPairDecoder:
    def __init__(self) -> None:
        self.blocked = {"a": False, "b": False}
        self._first: str | None = None
        self._both_at: float | None = None
        self.ignored = 0  # episodes that were not crossings

    def feed(self, beam: str, blocked: bool, time: float) -> Crossing | None:
        if beam not in BEAMS:
            raise ValueError(f"beam must be 'a' or 'b', got {beam!r}")
        if self.blocked[beam] == blocked:
            return None  # repeated edge (bounce): no change
        was_idle = not any(self.blocked.values())
        self.blocked[beam] = blocked
        if blocked and was_idle:
            self._first, self._both_at = beam, None
        if all(self.blocked.values()) and self._both_at is None:
            self._both_at = time
        if any(self.blocked.values()):
            return None
        return self._end_episode(last_cleared=beam)

    def _end_episode(self, last_cleared: str) -> Crossing | None:
        first, both_at = self._first, self._both_at
        self._first = self._both_at = None
        if first is None or both_at is None or first == last_cleared:
            self.ignored += 1
            return None
        return Crossing(time=both_at, direction=IN if first == "a" else OUT)
