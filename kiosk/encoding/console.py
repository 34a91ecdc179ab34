"""Text front-end of the encoding desk: one line per outcome, and staff commands typed on a terminal.

Without a display (a terminal at the desk, or ``--demo`` headless) the desk
prints every outcome and each new instruction, and reads lines from standard
input: a barcode (a keyboard-wedge scanner types it followed by Enter), or one
of the commands in :data:`COMMANDS`.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TextIO

from kiosk.circulation.observable import Event

from .job import EncodingResult
from .runner import StationRunner
from .station import EncodingStation

LABELS = {"encoded": "OK", "migrated": "MIGRATED", "updated": "UPDATED", "already_done": "ALREADY",
          "failed": "FAILED", "refused": "REFUSED", "question": "CONFIRM?"}
COMMANDS = {
    "parts N": "number of parts of the next items",
    "confirm": "overwrite the tag the question is about",
    "cancel": "decline the overwrite / abandon (batch: skip) the item",
    "retry": "try the tags on the pad again",
    "operator NAME": "operator pseudonym for the journal",
    "stats": "show the session statistics",
    "quit": "stop",
}


class ConsoleReporter:
    """Prints the station's outcomes and instructions; ``close()`` disconnects it."""

    def __init__(self, station: EncodingStation, out: TextIO, language: str | None = None,
                 timestamps: bool = True) -> None:
        self.station = station
        self.out = out
        self.language = language
        self.timestamps = timestamps
        self._lock = threading.Lock()
        station.events.feedback.connect(self._feedback)
        station.events.guidance.connect(self._guidance)

    def close(self) -> None:
        self.station.events.feedback.disconnect(self._feedback)
        self.station.events.guidance.disconnect(self._guidance)

    def line(self, text: str) -> None:
        with self._lock:
            stamp = datetime.now().strftime("%H:%M:%S ") if self.timestamps else ""
            print(f"{stamp}{text}", file=self.out, flush=True)

    def _feedback(self, event: Event) -> None:
        result: EncodingResult = event.value
        label = LABELS.get(result.outcome, result.outcome.upper())
        uid = f" [{result.uid_hex}]" if result.uid else ""
        self.line(f"{label:<9} {result.message.render(self.language)}{uid}")

    def _guidance(self, event: Event) -> None:
        self.line(f"  -> {event.value.render(self.language)}")

    def stats(self) -> None:
        s = self.station.session.snapshot()
        errors = ", ".join(f"{kind} {count}" for kind, count in s.errors) or "none"
        self.line(f"STATS     {s.total} done (encoded {s.encoded}, migrated {s.migrated}, "
                  f"updated {s.updated}, "
                  f"already {s.already_done}), {s.failed} failed, {s.refused} refused; "
                  f"{s.items_per_hour:.0f} items/hour; mean write {s.mean_seconds:.2f} s; errors: {errors}")


def read_commands(runner: StationRunner, reporter: ConsoleReporter, stdin: TextIO) -> None:
    """Feed lines typed at the desk to the station until ``quit`` or end of input."""
    station = runner.station
    for raw in stdin:
        line = raw.strip()
        if not line:
            continue
        word, _sep, rest = line.partition(" ")
        word = word.lower()
        if word in ("quit", "exit"):
            return
        if word == "parts" and rest.strip().isdigit():
            runner.submit(station.set_parts, int(rest)).result()
        elif word == "operator" and rest.strip():
            runner.submit(station.set_operator, rest.strip()).result()
        elif word in ("confirm", "cancel", "retry"):
            runner.command(word).result()
        elif word == "stats":
            reporter.stats()
        elif word in ("help", "?"):
            for name, text in COMMANDS.items():
                reporter.line(f"  {name:<14} {text}")
        else:
            runner.submit(station.scan, line).result()
