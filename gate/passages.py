"""Debounce and passage aggregation: pure logic fed with (time, sighting) events.

A tag crossing the gate is read many times (every poll cycle, by every antenna).
Staff want one alarm per item and one event per person walking through:

- ``Debouncer``: an item that alarmed does not alarm again for ``window`` seconds
  (the key is the item identifier, so the two tags of a two-part set count once);
- ``PassageTracker``: alarms less than ``gap`` seconds apart form one passage. The
  passage stays open while its items keep being seen, closes ``gap`` seconds after
  the last sighting, and takes its direction from the people-counter crossing
  nearest in time (within ``direction_window``).

``AlarmPipeline`` chains policy → debounce → passage. No clocks or threads here:
the caller passes the time, so tests replay any timeline exactly.
"""

from __future__ import annotations

from collections import deque

from drivers.counters.base import Crossing

from .events import Alarm, Passage, Sighting, Verdict
from .policy import DetectionPolicy


class Debouncer:
    """One alarm per key per ``window`` seconds, measured from the alarm."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._last: dict[str, float] = {}

    def admit(self, key: str, now: float) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.window:
            return False
        self._last[key] = now
        return True

    def prune(self, now: float) -> None:
        """Forget keys whose window has passed (bounded memory on a gate that runs for years)."""
        self._last = {k: t for k, t in self._last.items() if now - t < self.window}

    def __len__(self) -> int:
        return len(self._last)


class PassageTracker:
    def __init__(self, gap: float, direction_window: float = 3.0) -> None:
        self.gap, self.direction_window = gap, direction_window
        self.current: Passage | None = None
        self._next_id = 1
        self._crossings: deque[Crossing] = deque(maxlen=64)

    def add(self, key: str, now: float) -> tuple[Passage, bool, bool]:
        """Record an alarming item; returns (passage, passage_is_new, item_is_new_in_passage)."""
        new_passage = self.current is None or now - self.current.last_seen >= self.gap
        if new_passage:
            self.current = Passage(id=self._next_id, opened=now, last_seen=now)
            self._next_id += 1
        passage = self.current
        assert passage is not None
        passage.last_seen = max(passage.last_seen, now)
        new_item = key not in passage.keys
        if new_item:
            passage.keys.append(key)
        return passage, new_passage, new_item

    def seen(self, key: str, now: float) -> bool:
        """A sighting of an item already in the open passage keeps the passage open."""
        if self.current is not None and key in self.current.keys and now - self.current.last_seen < self.gap:
            self.current.last_seen = max(self.current.last_seen, now)
            return True
        return False

    def crossing(self, crossing: Crossing) -> None:
        self._crossings.append(crossing)

    def tick(self, now: float) -> Passage | None:
        """Close the open passage once ``gap`` seconds passed without a sighting; return it when closed."""
        passage = self.current
        if passage is None or now - passage.last_seen < self.gap:
            return None
        passage.closed, passage.direction = True, self._direction_for(passage)
        self.current = None
        return passage

    def _direction_for(self, passage: Passage) -> str | None:
        def distance(c: Crossing) -> float:
            if passage.opened <= c.time <= passage.last_seen:
                return 0.0
            return min(abs(c.time - passage.opened), abs(c.time - passage.last_seen))

        near = [c for c in self._crossings if distance(c) <= self.direction_window]
        return min(near, key=distance).direction if near else None


class AlarmPipeline:
    """Policy, then debounce, then passage: ``feed`` returns the alarm to raise, if any."""

    def __init__(
        self,
        policy: DetectionPolicy,
        debounce_s: float,
        passage_gap_s: float,
        direction_window_s: float = 3.0,
    ) -> None:
        self.policy = policy
        self.debouncer = Debouncer(debounce_s)
        self.passages = PassageTracker(passage_gap_s, direction_window_s)
        self.suppressed = 0  # alarming sightings swallowed by debounce (repeat reads)

    def judge(self, sighting: Sighting) -> Verdict:
        return self.policy.decide(sighting)

    def feed(self, sighting: Sighting, verdict: Verdict | None = None) -> Alarm | None:
        verdict = verdict or self.judge(sighting)
        if not verdict.alarm:
            return None
        key, now = sighting.key, sighting.time
        if self.passages.seen(key, now):
            return None
        if not self.debouncer.admit(key, now):
            self.suppressed += 1
            return None
        passage, new_passage, _ = self.passages.add(key, now)
        return Alarm(passage_id=passage.id, sighting=sighting, reason=verdict.reason, new_passage=new_passage)

    def crossing(self, crossing: Crossing) -> None:
        self.passages.crossing(crossing)

    def tick(self, now: float) -> Passage | None:
        closed = self.passages.tick(now)
        if closed is not None:
            self.debouncer.prune(now)
        return closed
