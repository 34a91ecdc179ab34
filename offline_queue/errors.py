"""The ``QueueError`` family: every failure of the offline queue and the event journal a caller can act on.

Messages name the file and say what to do, because they reach staff through the kiosk (``Error: …``).
SQLite failures are translated by :func:`storage_error` from the SQLite result code, not from message text.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# SQLite primary result codes (https://sqlite.org/rescode.html).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


class QueueError(Exception):
    """Base of every error raised by :mod:`offline_queue`; the message is meant for staff."""


class StorageError(QueueError):
    """The SQLite file could not be used; ``path`` names it."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)


class DatabaseLocked(StorageError):
    """Another connection held the write lock for longer than the busy timeout."""


class DatabaseReadOnly(StorageError):
    """The file, its directory or the file system does not allow writing."""


class DatabaseCorrupt(StorageError):
    """The file is damaged or is not an SQLite database."""


class DiskFull(StorageError):
    """No space left for the database or its write-ahead log."""


class SchemaError(QueueError):
    """The file's schema cannot be used by this version of Borne."""


class SchemaTooNew(SchemaError):
    """The file was migrated by a newer Borne; running older code on it could lose transactions."""


class WrongDatabase(SchemaError):
    """The file belongs to another component (e.g. an event journal opened as the offline queue)."""


class InvalidTransaction(QueueError, ValueError):
    """``enqueue`` was called with values that cannot be replayed to the SIGB."""


class OfflineRefused(QueueError):
    """The operation is not allowed while offline (renewals); ``reason`` is a short code."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class IllegalTransition(QueueError):
    """A transaction state change outside pending → sent → accepted | rejected."""


class UnknownTransaction(QueueError, LookupError):
    """No queued transaction has this id."""


class ReplayInProgress(QueueError):
    """Another replayer (thread or process) already holds this queue's replay lock."""


class JournalError(QueueError):
    """Base of event journal errors."""


class InvalidEvent(JournalError, ValueError):
    """An event field is missing, of the wrong type or outside its vocabulary."""


class PatronDataRefused(InvalidEvent):
    """An event field is named like patron data or a value looks like a patron identifier.

    The offending value is never repeated in the message (it would end up in logs).
    """


def storage_error(exc: sqlite3.Error, path: str | Path, what: str) -> QueueError:
    """Translate an ``sqlite3`` error on ``path`` (a ``what``, e.g. "offline queue") into a staff message."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    name = Path(path).name
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseLocked(
            f"{path}: the {what} is locked by another process. Another Borne process is probably using it: "
            "stop the other instance (or wait for it to finish) and try again.", path)
    if code == SQLITE_READONLY:
        return DatabaseReadOnly(
            f"{path}: the {what} is read-only. Make the file, {name}-wal, {name}-shm and their directory "
            "writable by the station's user, and check that the disk is not mounted read-only.", path)
    if code == SQLITE_CANTOPEN:
        return DatabaseReadOnly(
            f"{path}: cannot open or create the {what}. Check that the directory {Path(path).parent} exists "
            "and is writable by the station's user.", path)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DatabaseCorrupt(
            f"{path}: the {what} is corrupt or is not an SQLite database. Stop the station, move the file "
            f"(with {name}-wal and {name}-shm) aside and keep it for staff, then restart to create a new "
            f"one; queued transactions can be rescued from the copy with `sqlite3 {name} .recover`.", path)
    if code == SQLITE_FULL:
        return DiskFull(f"{path}: the disk is full, the {what} cannot grow. Free space on the station.", path)
    if code == SQLITE_IOERR:
        return StorageError(
            f"{path}: input/output error on the {what} ({exc}). The disk may be failing: check the system "
            "log and the storage device.", path)
    return StorageError(f"{path}: {what} error: {exc}", path)
