"""The alarm output interface: something the gate switches on and off (light, buzzer, relay).

Outputs are dumb on/off switches; how long an alarm lasts is the gate's business
(``gate.signal``), so every driver behaves the same and a simulated one can record
exactly when it was switched.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from drivers.errors import ReaderError

ROLES = ("light", "buzzer", "relay")


class OutputError(ReaderError):
    """An alarm output could not be opened or switched (part of the drivers error family)."""


@runtime_checkable
class AlarmOutput(Protocol):
    """``name`` identifies the output in logs and on the monitor; ``role`` is light, buzzer or relay."""

    name: str
    role: str

    @property
    def active(self) -> bool: ...
    def on(self) -> None: ...
    def off(self) -> None: ...
    def close(self) -> None: ...
