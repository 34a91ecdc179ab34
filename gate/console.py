"""Headless gate output: one line per event on a text stream (journald captures it as the service log)."""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from typing import TextIO

from .alarm_log import AlarmRecord
from .controller import GateListener


def local_time(utc_text: str) -> str:
    """'2026-11-25T14:05:07.123Z' → local 'HH:MM:SS'."""
    moment = datetime.strptime(utc_text, "%Y-%m-%dT%H:%M:%S.%f%z")
    return moment.astimezone().strftime("%H:%M:%S")


class ConsoleListener(GateListener):
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()

    def _line(self, kind: str, text: str, when: str | None = None) -> None:
        stamp = local_time(when) if when else datetime.now().strftime("%H:%M:%S")
        with self._lock:
            print(f"{stamp} {kind:<8}{text}", file=self.out, flush=True)

    def alarm_raised(self, record: AlarmRecord) -> None:
        item = record.item_id or "(unidentified)"
        where = record.reader + (f"/{record.antenna}" if record.antenna is not None else "")
        self._line(
            "ALARM", f"#{record.id} {item} uid {record.uid or '-'} ({record.reason}) [{where}]", record.time
        )

    def title_found(self, row_id: int, title: str) -> None:
        self._line("TITLE", f"#{row_id} {title}")

    def passage_closed(self, passage_row: int, direction: str | None, items: int) -> None:
        self._line("PASSAGE", f"#{passage_row} {items} item(s), direction {direction or 'unknown'}")

    def crossing(self, direction: str) -> None:
        self._line("COUNT", direction)

    def reader_changed(self, name: str, state: str, error: str | None) -> None:
        self._line("READER", f"{name} {state}" + (f": {error}" if error else ""))

    def outputs_changed(self, health: dict[str, str | None]) -> None:
        for name, error in health.items():
            self._line("OUTPUT", f"{name} " + (f"failed: {error}" if error else "ok"))


class FanOut(GateListener):
    """Several listeners as one (monitor model + console)."""

    def __init__(self, *listeners: GateListener) -> None:
        self.listeners = listeners

    def alarm_raised(self, record: AlarmRecord) -> None:
        for listener in self.listeners:
            listener.alarm_raised(record)

    def title_found(self, row_id: int, title: str) -> None:
        for listener in self.listeners:
            listener.title_found(row_id, title)

    def passage_closed(self, passage_row: int, direction: str | None, items: int) -> None:
        for listener in self.listeners:
            listener.passage_closed(passage_row, direction, items)

    def crossing(self, direction: str) -> None:
        for listener in self.listeners:
            listener.crossing(direction)

    def reader_changed(self, name: str, state: str, error: str | None) -> None:
        for listener in self.listeners:
            listener.reader_changed(name, state, error)

    def outputs_changed(self, health: dict[str, str | None]) -> None:
        for listener in self.listeners:
            listener.outputs_changed(health)
