"""Drive the alarm outputs: switch on at once, switch off when each output's duration has passed.

A new alarm while an output is already on extends it rather than blinking it. Output
failures are logged and reported through ``health`` but never stop the gate: the
other outputs, the log and the monitor still work, and the failed output is tried
again on the next alarm. The poll loop calls ``tick`` every cycle, so an output goes
off at most one cycle late. Every output is switched off when the gate starts, in case a
crash or power cut left a relay closed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from drivers.outputs import AlarmOutput, OutputError

log = logging.getLogger(__name__)


class AlarmSignal:
    def __init__(self, outputs: Sequence[tuple[AlarmOutput, float]]) -> None:
        self.outputs = list(outputs)
        self._off_at: dict[str, float] = {}
        self.health: dict[str, str | None] = {
            o.name: None for o, _ in self.outputs
        }  # None = ok, else last error
        self.triggered = 0
        for output, _ in self.outputs:  # a relay left closed by a crash or power cut must not ring forever
            self._switch(output, False)

    @property
    def active(self) -> bool:
        return bool(self._off_at)

    def trigger(self, now: float) -> None:
        self.triggered += 1
        for output, duration in self.outputs:
            if output.name not in self._off_at and self._switch(output, True):
                self._off_at[output.name] = now + duration
            elif output.name in self._off_at:
                self._off_at[output.name] = max(self._off_at[output.name], now + duration)

    def tick(self, now: float) -> None:
        for output, _ in self.outputs:
            off_at = self._off_at.get(output.name)
            if off_at is not None and now >= off_at:
                self._switch(output, False)
                del self._off_at[output.name]

    def silence(self) -> None:
        """Staff acknowledged: every output off now."""
        for output, _ in self.outputs:
            if self._off_at.pop(output.name, None) is not None:
                self._switch(output, False)

    def _switch(self, output: AlarmOutput, on: bool) -> bool:
        try:
            output.on() if on else output.off()
        except OutputError as exc:
            if self.health.get(output.name) != str(exc):
                log.error("alarm output %s failed: %s", output.name, exc)
            self.health[output.name] = str(exc)
            return False
        if self.health.get(output.name) is not None:
            log.warning("alarm output %s works again", output.name)
        self.health[output.name] = None
        return True

    def close(self) -> None:
        self.silence()
        for output, _ in self.outputs:
            try:
                output.close()
            except OutputError as exc:
                log.warning("closing alarm output %s: %s", output.name, exc)
