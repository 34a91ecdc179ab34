"""The people counter interface polled by the gate, and the crossing it reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

IN, OUT = "in", "out"


@dataclass(frozen=True, slots=True)
class Crossing:
    """Somebody crossed the gate at ``time`` (``time.monotonic()`` seconds), going "in" or "out"."""

    time: float
    direction: str


@runtime_checkable
class PeopleCounter(Protocol):
    """A counter device. ``read`` returns the crossings since the previous call, oldest first."""

    def read(self) -> list[Crossing]: ...
    def close(self) -> None: ...
