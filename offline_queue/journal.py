"""The anonymous event journal: what every station did, for the pilot evaluation report and operations.

Each ``record_*`` method writes one typed row (tables and columns are documented in
:mod:`offline_queue.journal_schema`), stamped with the station id and a UTC time, and returns its id. The API
is closed on purpose: there is no parameter for a patron, a card or a PIN, codes (reasons, causes, components)
must be short slugs such as ``patron-blocked`` rather than SIGB screen messages (which can name the patron),
and every text value passes :class:`offline_queue.privacy.PatronGuard` (no card-, phone- or e-mail-like
values). Circulation rows carry no item identifier either (see the schema module). Violations raise
:class:`~offline_queue.errors.PatronDataRefused` / :class:`~offline_queue.errors.InvalidEvent`, before
anything is written.

Durability: WAL with ``synchronous=NORMAL``. A process crash loses nothing that was committed; a power cut can
lose the last transactions. The journal is evidence, not a ledger (the offline queue is the ledger), so it
does not pay an fsync per event. Pass ``clock`` to journal in simulated time (``borne pilot simulate``).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from . import db as dbmod
from .errors import InvalidEvent, JournalError
from .journal_schema import JOURNAL_SCHEMA
from .model import Outcome, QueuedTransaction, TxnState
from .privacy import PatronGuard

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_DETAIL = 500
MAX_EVENT_FIELDS = 32
EventValue = str | int | float | bool | None


class TransactionKind(StrEnum):
    CHECKOUT = "checkout"
    CHECKIN = "checkin"
    RENEW = "renew"
    LOGIN = "login"  # patron identification (card + PIN): refusals here are "refusals by reason" too


class TransactionOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # the SIGB, the policy or the tag said no (reason code says which)
    ERROR = "error"  # something failed (reader, SIGB link, tag write)


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    UNKNOWN = "unknown"


class EncodingOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"


def _enum(enum: type[StrEnum], field: str, value: object) -> str:
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidEvent(f"{field} must be one of {allowed}, got {value!r}") from None


def _count(field: str, value: object, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidEvent(f"{field} must be a non-negative integer, got {value!r}")
    return value


def _number(field: str, value: object, *, optional: bool = False, positive: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        raise InvalidEvent(f"{field} must be a finite {'positive' if positive else 'non-negative'} number, "
                           f"got {value!r}")
    return float(value)


def _flag(field: str, value: object, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, bool):
        raise InvalidEvent(f"{field} must be True or False, got {value!r}")
    return int(value)


def _uid_hex(value: bytes | str) -> str:
    if isinstance(value, bytes | bytearray):
        text = value.hex()
    else:
        text = str(value).replace(":", "").replace(" ", "")
    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2}){4,10}", text):
        raise InvalidEvent(f"uid must be 4 to 10 bytes (bytes or hex text), got {value!r}")
    return text.upper()


def _station_id(value: str, guard: PatronGuard) -> str:
    """Station ids are configuration and often embed an ISIL (``FR-751131015-K1``): no digit rule here."""
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise InvalidEvent(f"station_id must be a short code such as 'FR-751131015-K1', got {value!r}")
    guard.check_identifier("station_id", value)
    return value


class EventJournal(dbmod.SQLiteFile):
    """Anonymous, append-mostly journal of station events in the SQLite file ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, station_id: str | None = None,
                 patron_id_pattern: str | re.Pattern[str] | None = None, clock: dbmod.Clock = dbmod.utc_now,
                 busy_timeout: float = 5.0, readonly: bool = False) -> None:
        self.guard = PatronGuard(patron_id_pattern)
        self.station_id = _station_id(station_id or socket.gethostname(), self.guard)
        self._clock = clock
        super().__init__(path, JOURNAL_SCHEMA, synchronous="NORMAL", busy_timeout=busy_timeout,
                         readonly=readonly)

    # -- reading ---------------------------------------------------------------------------------------------

    def query(self, sql: str,
              params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read-only SQL query, as dictionaries (for the pilot report and tests)."""
        with self._read():
            return dbmod.rows(self.db, sql, params)

    # -- validation helpers ----------------------------------------------------------------------------------

    def _code(self, field: str, value: object, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, str):
            self.guard.check_text(field, value)  # first: patron data is refused as such, whatever its shape
        if not isinstance(value, str) or not CODE.fullmatch(value):
            raise InvalidEvent(f"{field} must be a short code (letters, digits, . _ : / + -, at most 64, "
                               f"e.g. 'patron-blocked'), not free text; got {type(value).__name__}")
        return value

    def _text(self, field: str, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > MAX_DETAIL or CONTROL.search(value):
            raise InvalidEvent(f"{field} must be text of at most {MAX_DETAIL} characters without control "
                               "codes")
        self.guard.check_text(field, value)
        return value

    def _at(self, value: datetime | None, field: str = "at") -> str:
        if value is None:
            return dbmod.to_text(self._clock())
        if not isinstance(value, datetime):
            raise InvalidEvent(f"{field} must be a datetime, got {type(value).__name__}")
        return dbmod.to_text(value)

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        row = {"station_id": self.station_id, **row}
        with self.atomic() as db:
            return dbmod.insert(db, table, row)

    def _update(self, table: str, row_id: int, changes: dict[str, Any]) -> None:
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        with self.atomic() as db:
            cursor = db.execute(
                f"UPDATE {table} SET {assignments} WHERE id = :row_id AND station_id = :station",
                {**changes, "row_id": row_id, "station": self.station_id})
            if cursor.rowcount != 1:
                raise JournalError(f"{self.path}: no {table} row #{row_id} for station {self.station_id}")

    # -- circulation -----------------------------------------------------------------------------------------

    def begin_stack(self, kind: TransactionKind | str, *, offline: bool = False,
                    at: datetime | None = None) -> int:
        """Items were put on the pad; the id links their transactions. Close it with :meth:`end_stack`."""
        return self._insert("stacks", {"started_at": self._at(at),
                                       "kind": _enum(TransactionKind, "kind", kind),
                                       "offline": _flag("offline", offline)})

    def end_stack(self, stack_id: int, *, tags_seen: int, items_declared: int | None = None,
                  duration_ms: float | None = None, at: datetime | None = None) -> None:
        """``tags_seen``: distinct tags read; ``items_declared``: what the patron said was on the pad (pilot
        mode); ``duration_ms`` defaults to the time since :meth:`begin_stack`."""
        ended = self._at(at)
        if duration_ms is None:
            started = self.query("SELECT started_at FROM stacks WHERE id = ?", [stack_id])
            if not started:
                raise JournalError(f"{self.path}: no stacks row #{stack_id}")
            began = dbmod.from_text(started[0]["started_at"])
            duration_ms = max((dbmod.from_text(ended) - began).total_seconds() * 1000.0, 0.0)  # type: ignore
        self._update("stacks", stack_id, {
            "ended_at": ended, "tags_seen": _count("tags_seen", tags_seen),
            "items_declared": _count("items_declared", items_declared, optional=True),
            "duration_ms": _number("duration_ms", duration_ms)})

    def record_transaction(self, kind: TransactionKind | str, outcome: TransactionOutcome | str, *,
                           duration_ms: float | None, reason: str | None = None, stack_id: int | None = None,
                           reads: int | None = None, sigb_ms: float | None = None,
                           tag_ms: float | None = None,
                           offline: bool = False, set_parts: int | None = None,
                           set_parts_present: int | None = None, at: datetime | None = None) -> int:
        """One item (or one refused tag: ``reason`` e.g. ``foreign-tag``, ``blank-tag``, ``patron-card``).

        ``duration_ms`` is the item's total time (None, stored NULL, when nothing meaningful was measured),
        ``sigb_ms`` / ``tag_ms`` the parts spent on SIP2 and on tag writes, ``reads`` the read attempts the
        tag needed; ``set_parts`` / ``set_parts_present`` describe a multi-part item (an incomplete set has
        fewer present than expected).
        """
        if set_parts is not None and (isinstance(set_parts, bool) or not isinstance(set_parts, int)
                                      or set_parts < 1):
            raise InvalidEvent(f"set_parts must be an integer >= 1, got {set_parts!r}")
        return self._insert("transactions", {
            "at": self._at(at), "stack_id": _count("stack_id", stack_id, optional=True),
            "kind": _enum(TransactionKind, "kind", kind),
            "outcome": _enum(TransactionOutcome, "outcome", outcome),
            "reason": self._code("reason", reason, optional=True), "offline": _flag("offline", offline),
            "duration_ms": _number("duration_ms", duration_ms, optional=True),
            "sigb_ms": _number("sigb_ms", sigb_ms, optional=True),
            "tag_ms": _number("tag_ms", tag_ms, optional=True),
            "reads": _count("reads", reads, optional=True),
            "set_parts": set_parts, "set_parts_present": _count("set_parts_present", set_parts_present,
                                                                optional=True)})

    def record_error(self, component: str, error: str, *, detail: str | None = None,
                     at: datetime | None = None) -> int:
        """``component`` e.g. ``reader``/``sigb``/``tag``/``printer``; ``error`` a code or exception class
        name; ``detail`` short free text (pass exception messages through
        :func:`offline_queue.privacy.redact`)."""
        return self._insert("errors", {"at": self._at(at), "component": self._code("component", component),
                                       "error": self._code("error", error),
                                       "detail": self._text("detail", detail)})

    def record_offline_period(self, cause: str, *, started_at: datetime | None = None,
                              ended_at: datetime | None = None,
                              transactions_queued: int | None = None) -> int:
        """The station went offline (``cause`` e.g. ``sigb-unreachable``, ``sigb-offline``, ``staff``); leave
        ``ended_at`` out while it lasts and close it with :meth:`end_offline_period`."""
        return self._insert("offline_periods", {
            "started_at": self._at(started_at, "started_at"), "cause": self._code("cause", cause),
            "ended_at": None if ended_at is None else self._at(ended_at, "ended_at"),
            "transactions_queued": _count("transactions_queued", transactions_queued, optional=True)})

    def end_offline_period(self, period_id: int, *, ended_at: datetime | None = None,
                           transactions_queued: int | None = None) -> None:
        changes: dict[str, Any] = {"ended_at": self._at(ended_at, "ended_at")}
        if transactions_queued is not None:
            changes["transactions_queued"] = _count("transactions_queued", transactions_queued)
        self._update("offline_periods", period_id, changes)

    def record_replay(self, kind: str, outcome: str, *, attempts: int, reason: str | None = None,
                      reconciled: bool = False, delay_s: float | None = None,
                      tag_mismatch: bool | None = None,
                      at: datetime | None = None) -> int:
        """One offline transaction settled by replay: ``kind`` checkout/checkin, ``outcome``
        accepted/rejected, ``delay_s`` from the original transaction to settlement."""
        if kind not in ("checkout", "checkin") or outcome not in ("accepted", "rejected"):
            raise InvalidEvent(f"replay kind must be checkout/checkin and outcome accepted/rejected, got "
                               f"{kind!r}/{outcome!r}")
        return self._insert("replay_outcomes", {
            "at": self._at(at), "kind": kind, "outcome": outcome, "reason": self._code("reason", reason,
                                                                                       optional=True),
            "attempts": _count("attempts", attempts), "reconciled": _flag("reconciled", reconciled),
            "delay_s": None if delay_s is None else float(delay_s),
            "tag_mismatch": _flag("tag_mismatch", tag_mismatch, optional=True)})

    def record_replay_outcomes(self, settled: Sequence[tuple[QueuedTransaction, Outcome]]) -> None:
        """Journal what a replay batch settled (called by :class:`offline_queue.replay.Replayer`)."""
        with self.atomic():
            for txn, outcome in settled:
                at = self._clock()
                mismatch = None
                if outcome.state is TxnState.REJECTED and None not in (txn.tag_secured, outcome.sigb_charged):
                    mismatch = txn.tag_secured == outcome.sigb_charged
                self.record_replay(
                    txn.kind.value, outcome.state.value, attempts=txn.attempts + outcome.extra_attempts,
                    reason=reason_code(outcome.reason, self.guard), reconciled=outcome.reconciled,
                    delay_s=(at - txn.when).total_seconds(), tag_mismatch=mismatch, at=at)

    # -- gates -----------------------------------------------------------------------------------------------

    def record_alarm(self, cause: str, *, direction: Direction | str = Direction.UNKNOWN,
                     afi: int | None = None, eas: bool | None = None, false_alarm: bool | None = None,
                     at: datetime | None = None) -> int:
        """A gate alarm. ``cause`` e.g. ``secured-item``, ``foreign-tag``, ``on-loan-still-secured``, ``eas``,
        ``unknown``; ``false_alarm`` when known (or later through :meth:`set_alarm_verdict`)."""
        if afi is not None and (isinstance(afi, bool) or not isinstance(afi, int) or not 0 <= afi <= 255):
            raise InvalidEvent(f"afi must be an integer 0..255, got {afi!r}")
        return self._insert("gate_alarms", {
            "at": self._at(at), "cause": self._code("cause", cause),
            "direction": _enum(Direction, "direction", direction), "afi": afi,
            "eas": _flag("eas", eas, optional=True),
            "false_alarm": _flag("false_alarm", false_alarm, optional=True)})

    def set_alarm_verdict(self, alarm_id: int, *, false_alarm: bool, cause: str | None = None) -> None:
        """Staff checked the alarm: was it false, and (optionally) the corrected cause."""
        changes: dict[str, Any] = {"false_alarm": _flag("false_alarm", false_alarm)}
        if cause is not None:
            changes["cause"] = self._code("cause", cause)
        self._update("gate_alarms", alarm_id, changes)

    def record_people_count(self, *, entering: int, leaving: int, period_start: datetime,
                            period_end: datetime) -> int:
        start, end = self._at(period_start, "period_start"), self._at(period_end, "period_end")
        if end < start:
            raise InvalidEvent("period_end is before period_start")
        return self._insert("people_counts", {"period_start": start, "period_end": end,
                                              "entering": _count("entering", entering),
                                              "leaving": _count("leaving", leaving)})

    def record_walk_test(self, *, orientation: str, speed_m_s: float, detected: bool,
                         tag_type: str | None = None, height_cm: float | None = None,
                         at: datetime | None = None) -> int:
        """One walk-test pass: item ``orientation`` (e.g. ``flat``, ``spine-up``), walking speed, result."""
        return self._insert("walk_tests", {
            "at": self._at(at), "orientation": self._code("orientation", orientation),
            "speed_m_s": _number("speed_m_s", speed_m_s, positive=True),
            "detected": _flag("detected", detected),
            "tag_type": self._code("tag_type", tag_type, optional=True),
            "height_cm": _number("height_cm", height_cm, optional=True)})

    # -- encoding station ------------------------------------------------------------------------------------

    def record_encoding(self, *, item_id: str, uid: bytes | str, duration_ms: float, operator: str,
                        outcome: EncodingOutcome | str = EncodingOutcome.OK, reason: str | None = None,
                        format: str | None = None, at: datetime | None = None) -> int:
        """A tag converted (or not) at an encoding station. ``operator`` is a pseudonym (e.g. ``op-3``), never
        a login or a name."""
        if not isinstance(item_id, str) or not item_id.strip() or len(item_id) > 64 \
                or re.search(r"[\x00-\x1f\x7f]", item_id):
            raise InvalidEvent("item_id must be a non-empty identifier of at most 64 printable characters")
        self.guard.check_identifier("item_id", item_id)
        return self._insert("encodings", {
            "at": self._at(at), "item_id": item_id, "uid": _uid_hex(uid),
            "duration_ms": _number("duration_ms", duration_ms), "operator": self._code("operator", operator),
            "outcome": _enum(EncodingOutcome, "outcome", outcome), "reason": self._code("reason", reason,
                                                                                         optional=True),
            "format": self._code("format", format, optional=True)})

    # -- anything else ---------------------------------------------------------------------------------------

    def record_event(self, event_type: str, fields: Mapping[str, EventValue] | None = None, *,
                     at: datetime | None = None) -> int:
        """An event the typed API does not cover (e.g. ``reader-reconnected``), with scalar ``fields``.

        Field names must be snake_case and not named like patron data (patron, card, pin, name, …); values
        must be scalars that do not look like patron identifiers.
        """
        checked: dict[str, Any] = {}
        for name, value in (fields or {}).items():
            checked[self._field_name(name)] = self._field_value(name, value)
        if len(checked) > MAX_EVENT_FIELDS:
            raise InvalidEvent(f"an event has at most {MAX_EVENT_FIELDS} fields")
        return self._insert("events", {"at": self._at(at), "event_type": self._code("event_type", event_type),
                                       "fields": json.dumps(checked, ensure_ascii=False, sort_keys=True)})

    def _field_name(self, name: object) -> str:
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise InvalidEvent(f"event field names must be snake_case identifiers, got {name!r}"[:120])
        self.guard.check_name(name)
        return name

    def _field_value(self, name: str, value: object) -> str | int | float | bool | None:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidEvent(f"event field {name!r} must be a finite number")
            self.guard.check_text(name, repr(value))
            return value
        if isinstance(value, str):
            return self._text(name, value)
        raise InvalidEvent(f"event field {name!r} must be a string, number, boolean or None, "
                           f"not {type(value).__name__}")


def reason_code(reason: str | None, guard: PatronGuard) -> str | None:
    """``reason`` if it is a journal-safe code, else ``"other"``: free text (a SIGB message) is never
    journaled, it could name the patron."""
    if reason is None:
        return None
    if not CODE.fullmatch(reason):
        return "other"
    try:
        guard.check_text("reason", reason)
    except JournalError:
        return "other"
    return reason
