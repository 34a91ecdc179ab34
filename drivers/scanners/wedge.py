"""Keyboard-wedge barcode scanners: tell a scan from a person typing, by the rhythm of the keys.

A USB scanner in keyboard mode "types" the code: a burst of key presses a few
milliseconds apart (typically 2–10 ms), usually ended by Enter. A person types
one key every 100–300 ms and nobody types four keys in a row under 35 ms apart.
``KeyboardWedgeDetector`` is fed ``(timestamp, key)`` events — the UI passes its
Qt key events — and emits ``Scan(text)`` for bursts and ``Typed(keys)`` for
everything else, which the UI hands back to the focused widget. Keys are held
only while a burst is possible: at most ``max_interval`` seconds, after which the
UI calls ``flush(now)`` (``pending_deadline`` says when).

Keys are strings: one printable character, or a key name (``"Enter"``,
``"Backspace"``, ``"Tab"``…). Pure logic: no clock, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

DEFAULT_TERMINATORS = frozenset({"Enter", "Return", "\r", "\n"})


@dataclass(frozen=True, slots=True)
class Scan:
    """A barcode read by the scanner."""

    text: str


@dataclass(frozen=True, slots=True)
class Typed:
    """Keys a person typed, in order, to be delivered to the focused widget."""

    keys: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(k for k in self.keys if len(k) == 1)


class KeyboardWedgeDetector:
    """Classify key events into scans and typing."""

    def __init__(self, *, max_interval: float = 0.035, min_length: int = 4,
                 terminators: frozenset[str] = DEFAULT_TERMINATORS,
                 require_terminator: bool = False) -> None:
        if max_interval <= 0 or min_length < 1:
            raise ValueError("max_interval must be > 0 and min_length >= 1")
        self.max_interval = max_interval
        self.min_length = min_length
        self.terminators = terminators
        self.require_terminator = require_terminator
        self._keys: list[str] = []
        self._times: list[float] = []

    @property
    def pending_deadline(self) -> float | None:
        """When ``flush`` must be called if no key arrives before (None: nothing held)."""
        return self._times[-1] + self.max_interval if self._times else None

    def feed(self, timestamp: float, key: str) -> list[Scan | Typed]:
        events = self.flush(timestamp)
        if key in self.terminators:
            if self._is_burst(timestamp):
                events.append(Scan("".join(self._keys)))
                self._clear()
            else:
                events.append(Typed((*self._take(), key)))
        elif len(key) == 1 and key.isprintable():
            self._keys.append(key)
            self._times.append(timestamp)
        else:
            events.extend(self._resolve())
            events.append(Typed((key,)))
        return events

    def flush(self, now: float) -> list[Scan | Typed]:
        """Resolve held keys once ``max_interval`` has passed without a new key."""
        if self._times and now - self._times[-1] > self.max_interval:
            return self._resolve()
        return []

    def _resolve(self) -> list[Scan | Typed]:
        if not self._keys:
            return []
        if not self.require_terminator and self._is_burst(None):
            event: Scan | Typed = Scan("".join(self._keys))
            self._clear()
            return [event]
        return [Typed(self._take())]

    def _is_burst(self, ended_at: float | None) -> bool:
        """Enough keys, each within ``max_interval`` of the previous (and of the terminator)."""
        if len(self._keys) < self.min_length:
            return False
        times = self._times + ([ended_at] if ended_at is not None else [])
        return all(b - a <= self.max_interval for a, b in pairwise(times))

    def _take(self) -> tuple[str, ...]:
        keys = tuple(self._keys)
        self._clear()
        return keys

    def _clear(self) -> None:
        self._keys.clear()
        self._times.clear()
