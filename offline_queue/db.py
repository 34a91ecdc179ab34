"""SQLite plumbing shared by the offline queue and the event journal.

- :func:`open_database` opens a file in WAL mode with the requested ``synchronous`` level, checks that the
  file belongs to the expected component (``PRAGMA application_id``) and applies the schema's registered
  migrations.
- Migrations are sqlite-utils :class:`~sqlite_utils.migrations.Migrations`, recorded by name in the
  ``_sqlite_migrations`` table. They run inside one ``BEGIN IMMEDIATE`` transaction, so two processes
  opening a fresh file at once cannot both migrate it. A file carrying migrations this code does not know
  was written by a newer Borne and is refused (:class:`~offline_queue.errors.SchemaTooNew`) rather than half
  understood. ``PRAGMA user_version`` mirrors the number of applied migrations for people inspecting the
  file by hand.
- :class:`SQLiteFile` is what the queue and the journal are built on: one such file behind a lock, with
  :meth:`~SQLiteFile.atomic` for writes and ``_read`` around reads, both turning SQLite errors into staff
  messages that name the file.
- :func:`atomic` is the only way we write: the outermost level is ``BEGIN IMMEDIATE`` (the write lock is taken
  up front, so a reader never has to upgrade and fail with ``SQLITE_BUSY`` half-way), nested levels are
  savepoints, any exception rolls back, and a failure while rolling back is attached to the original
  exception as a note instead of replacing it.

The connection runs in autocommit mode (``isolation_level=None``): the Python driver never opens transactions
behind our back, so what is durable is exactly what :func:`atomic` committed.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .errors import QueueError, SchemaTooNew, StorageError, WrongDatabase, storage_error

if TYPE_CHECKING:
    import os
    from typing import Self

log = logging.getLogger(__name__)

_savepoint_ids = itertools.count(1)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """Store times as ISO 8601 in UTC so text order is time order; naive times are taken as local time."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass
class Schema:
    """A named migration set plus the ``application_id`` that marks files of this kind."""

    name: str
    application_id: int
    what: str
    migrations: Migrations = field(init=False)
    names: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.migrations = Migrations(self.name)

    def migration(self, fn: Callable[[Database], None]) -> Callable[[Database], None]:
        """Register ``fn`` as the next migration (decorator); its name is what the table records."""
        self.names.append(fn.__name__)
        return self.migrations(name=fn.__name__)(fn)


@contextmanager
def translated(path: str | Path, what: str) -> Iterator[None]:
    """Turn ``sqlite3`` errors raised in the block into :class:`QueueError` messages naming ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise storage_error(exc, path, what) from exc


@contextmanager
def atomic(db: Database, lock: threading.RLock | None = None) -> Iterator[Database]:
    """One transaction (``BEGIN IMMEDIATE``) or, when already inside one, a savepoint."""
    with lock if lock is not None else _no_lock():
        conn = db.conn
        if conn.in_transaction:
            name = f"borne_sp_{next(_savepoint_ids)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield db
            except BaseException as exc:
                _cleanup(exc, conn, f"ROLLBACK TO SAVEPOINT {name}", f"RELEASE SAVEPOINT {name}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException as exc:
            _cleanup(exc, conn, "ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException as exc:
            _cleanup(exc, conn, "ROLLBACK")
            raise


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _cleanup(original: BaseException, conn: sqlite3.Connection, *statements: str) -> None:
    """Roll back after ``original``; a failure here is noted on ``original``, never raised instead of it."""
    try:
        if not conn.in_transaction:  # e.g. SQLITE_FULL or a RAISE(ROLLBACK) already ended the transaction
            return
        for statement in statements:
            conn.execute(statement)
    except Exception as cleanup_exc:
        log.error("rollback after %r failed: %r", original, cleanup_exc)
        original.add_note(f"while rolling back, {type(cleanup_exc).__name__}: {cleanup_exc}")


def connect(path: str | Path, *, what: str, synchronous: str, busy_timeout: float,
            readonly: bool = False) -> Database:
    """Open ``path`` (WAL, ``synchronous``, secure delete) and wrap it in a sqlite-utils :class:`Database`."""
    with translated(path, what):
        if readonly:
            conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout,
                                   isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None,
                                   check_same_thread=False)
        try:
            _configure(conn, path, what, synchronous, readonly, busy_timeout)
        except BaseException:
            conn.close()
            raise
    return Database(conn, execute_plugins=False)


def _configure(conn: sqlite3.Connection, path: str | Path, what: str, synchronous: str,
               readonly: bool, busy_timeout: float) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    # Freed space is overwritten with zeros: erased patron identifiers do not linger in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    if readonly:
        return
    mode = _set_wal(conn, busy_timeout)
    if str(mode).lower() != "wal":
        raise StorageError(
            f"{path}: the {what} needs SQLite WAL mode but the file system refused it (journal mode "
            f"{mode!r}). Put the file on a local disk (not a network share).", path)
    conn.execute(f"PRAGMA synchronous = {synchronous}")


def _set_wal(conn: sqlite3.Connection, busy_timeout: float) -> str:
    """``PRAGMA journal_mode = WAL``, waiting up to ``busy_timeout`` for other connections.

    Switching a file to WAL takes an exclusive lock, and SQLite answers ``SQLITE_BUSY`` at once instead of
    calling the busy handler when another connection holds any lock, e.g. a second process opening the same
    fresh file at the same moment. So the switch is retried here until the busy timeout, like any other lock
    wait; once a file is in WAL (the mode is persistent) the pragma needs no lock and returns at once.
    """
    deadline = time.monotonic() + busy_timeout
    delay = 0.001
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF != sqlite3.SQLITE_BUSY \
                    or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def open_database(path: str | Path, schema: Schema, *, synchronous: str, busy_timeout: float = 5.0,
                  readonly: bool = False) -> Database:
    """Open ``path`` and bring it to ``schema``'s latest version (read-only: check it is already there)."""
    db = connect(path, what=schema.what, synchronous=synchronous, busy_timeout=busy_timeout,
                 readonly=readonly)
    try:
        with translated(path, schema.what):
            _check_application_id(db, path, schema)
            if readonly:
                _check_current(db, path, schema)
            else:
                _migrate(db, path, schema)
    except BaseException:
        db.close()
        raise
    return db


def _check_application_id(db: Database, path: str | Path, schema: Schema) -> None:
    found = db.execute("PRAGMA application_id").fetchone()[0]
    if found not in (0, schema.application_id):
        owner = {QUEUE_APPLICATION_ID: "an offline queue", JOURNAL_APPLICATION_ID: "an event journal"}.get(
            found, "another application")
        raise WrongDatabase(
            f"{path} is {owner}, not {_article(schema.what)}. Check the file names in the station "
            "configuration ([journal] section).")


def _article(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"


def _unknown_migrations(db: Database, schema: Schema) -> list[str]:
    return [m.name for m in schema.migrations.applied(db) if m.name not in schema.names]


def _too_new(path: str | Path, schema: Schema, unknown: list[str]) -> SchemaTooNew:
    return SchemaTooNew(
        f"{path}: the {schema.what} was written by a newer version of Borne (unknown migrations: "
        f"{', '.join(unknown)}). Upgrade Borne on this station; do not delete the file.")


def _migrate(db: Database, path: str | Path, schema: Schema) -> None:
    with atomic(db):
        unknown = _unknown_migrations(db, schema)
        if unknown:
            raise _too_new(path, schema, unknown)
        pending = [m.name for m in schema.migrations.pending(db)]
        schema.migrations.apply(db)
        db.execute(f"PRAGMA application_id = {schema.application_id}")
        db.execute(f"PRAGMA user_version = {len(schema.names)}")
    if pending:
        log.info("%s: applied %s migrations %s", path, schema.what, ", ".join(pending))


def _check_current(db: Database, path: str | Path, schema: Schema) -> None:
    unknown = _unknown_migrations(db, schema)
    if unknown:
        raise _too_new(path, schema, unknown)
    pending = [m.name for m in schema.migrations.pending(db)]
    if pending:
        raise QueueError(
            f"{path}: the {schema.what} is at an older schema (missing {', '.join(pending)}) and was opened "
            "read-only. Open a copy of it read-write once to migrate it.")


def applied_migrations(db: Database, schema: Schema) -> list[str]:
    return [m.name for m in schema.migrations.applied(db)]


class SQLiteFile:
    """One SQLite file of ours, opened at ``schema``'s latest version; an ``RLock`` serialises its threads.

    Subclasses validate their own arguments first, then call ``__init__`` (which opens the file).
    """

    def __init__(self, path: str | os.PathLike[str], schema: Schema, *, synchronous: str,
                 busy_timeout: float = 5.0, readonly: bool = False) -> None:
        self.path = Path(path)
        self._schema = schema
        self._lock = threading.RLock()
        self.db: Database = open_database(self.path, schema, synchronous=synchronous,
                                          busy_timeout=busy_timeout, readonly=readonly)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction (nested calls are savepoints); SQLite errors become :class:`QueueError`."""
        with translated(self.path, self._schema.what), atomic(self.db, self._lock) as db:
            yield db

    @contextmanager
    def _read(self) -> Iterator[None]:
        with self._lock, translated(self.path, self._schema.what):
            yield

    @property
    def migrations(self) -> list[str]:
        """Names of the schema migrations applied to this file, in order."""
        with self._read():
            return applied_migrations(self.db, self._schema)


def rows(db: Database, sql: str, params: Any = None) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def insert(db: Database, table: str, row: dict[str, Any]) -> int:
    """Insert one row with an explicit column list (ours, never user input); return its rowid.

    Cheaper than ``Table.insert`` (no schema introspection per call), which matters on hot paths.
    """
    columns = ", ".join(row)
    values = ", ".join(f":{column}" for column in row)
    return int(db.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})", row).lastrowid or 0)


# Distinct application ids so one kind of file is never mistaken for the other ("BQ" / "BJ" in ASCII + 0x4F).
QUEUE_APPLICATION_ID = 0x4251_4F01
JOURNAL_APPLICATION_ID = 0x424A_4F01
