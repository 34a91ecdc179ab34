"""Reading event journals for the report: read-only, several files at once, older schemas migrated on a copy.

A journal is opened with :class:`offline_queue.EventJournal` in read-only mode, so the report can run on a
station's live file (WAL readers never block the station) and can never change it. A journal written by an
older Borne (fewer migrations) cannot be read that way: it is copied with SQLite's online backup API into a
temporary file, the copy is migrated, and the copy is read. A journal from a *newer* Borne is refused
(``SchemaTooNew``): its meaning cannot be guessed.

All rows of every table are loaded into a :class:`JournalData` (journals of a pilot are small: a busy kiosk
writes a few thousand rows a month). Rows keep their ``station_id``; the same station may appear in several
files (e.g. a journal rotated by month), and rows are de-duplicated on (table, station, id, time) so a file
given twice is not counted twice.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline_queue import EventJournal, QueueError, SchemaTooNew

TABLES = (
    "stacks",
    "transactions",
    "errors",
    "offline_periods",
    "replay_outcomes",
    "gate_alarms",
    "people_counts",
    "walk_tests",
    "encodings",
    "events",
)
READER_ID = "pilot-report"  # EventJournal needs a station id even to read; it is never written


class JournalReadError(QueueError):
    """A journal given to the report cannot be read; the message names the file and what to do."""


@dataclass
class JournalData:
    """Every row of the journals read, per table, plus where they came from."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    sources: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)  # files read through a migrated copy

    def rows(self, table: str, station: str | None = None) -> list[dict[str, Any]]:
        rows = self.tables[table]
        return rows if station is None else [r for r in rows if r["station_id"] == station]

    @property
    def stations(self) -> list[str]:
        return sorted({r["station_id"] for rows in self.tables.values() for r in rows})


def load_journals(paths: Sequence[str | Path]) -> JournalData:
    """Read every table of every journal in ``paths``."""
    if not paths:
        raise JournalReadError("no journal given: pass at least one event journal file (events.db)")
    data = JournalData()
    seen: set[tuple[Any, ...]] = set()
    for path in map(Path, paths):
        rows, migrated = read_journal(path)
        data.sources.append(str(path))
        if migrated:
            data.migrated.append(str(path))
        for table, table_rows in rows.items():
            for row in table_rows:
                key = (table, row["station_id"], row["id"], _moment(row))
                if key not in seen:
                    seen.add(key)
                    data.tables[table].append(row)
    return data


def read_journal(path: Path) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """All rows of one journal, and whether they were read from a migrated copy."""
    if not path.is_file():
        raise JournalReadError(f"{path}: no such journal file (give the station's events.db)")
    try:
        journal = EventJournal(path, station_id=READER_ID, readonly=True)
    except SchemaTooNew:
        raise
    except QueueError as exc:
        if type(exc) is not QueueError:  # corrupt, not a journal, locked…: the subclass says what
            raise
        return _read_migrated_copy(path), True  # an older schema: read-only opening refuses it
    with journal:
        return _all_rows(journal), False


def _read_migrated_copy(path: Path) -> dict[str, list[dict[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="borne-pilot-") as tmp:
        copy = Path(tmp) / "journal-copy.db"
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        with EventJournal(copy, station_id=READER_ID) as journal:
            return _all_rows(journal)


def _all_rows(journal: EventJournal) -> dict[str, list[dict[str, Any]]]:
    return {table: journal.query(f"SELECT * FROM {table} ORDER BY id") for table in TABLES}


def _moment(row: dict[str, Any]) -> Any:
    return row.get("at") or row.get("started_at") or row.get("period_start")
