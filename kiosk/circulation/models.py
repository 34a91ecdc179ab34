"""The state the kiosk screens show, as observable models (no Qt): station, patron session, items, account.

Workflows are the only writers; views subscribe to ``model.events`` and call
:class:`kiosk.station.Station` methods to act. Every patron-facing text is a
:class:`kiosk.i18n.Message`, rendered in the session language by the view.

- :class:`StationStatus`: what the station is doing (mode), whether the SIGB is
  reachable (``online``) or the station runs ``offline`` (and why), reader
  health, offline queue counts and open staff alerts.
- :class:`PatronSession`: one patron from identification to logout, with the
  inactivity countdown, the items read during the session and the account.
- :class:`ItemRow`: one line on the borrow/return screen: one item (all parts
  of a set in one row) or one unusable tag, with its status, message, due date
  and what to do with it.
- :class:`Account`: loans with due dates, holds ready for pickup.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from kiosk.circulation.observable import Observable
from kiosk.i18n import Message


class Mode(enum.StrEnum):
    IDLE = "idle"  # welcome screen; items placed on the pad start a return session
    IDENTIFYING = "identifying"
    BORROW = "borrow"  # a patron is identified; items on the pad are borrowed
    RETURN = "return"  # no patron; items on the pad are returned
    STAFF = "staff"


class ItemStatus(enum.StrEnum):
    """Where one row stands. Terminal statuses never change again in a session."""

    READING = "reading"  # tag seen, being read/decoded
    WAITING_FOR_PARTS = "waiting_for_parts"  # a set with parts missing from the pad
    PROCESSING = "processing"  # SIGB / tag write in progress
    BORROWED = "borrowed"
    RENEWED = "renewed"
    RETURNED = "returned"
    REFUSED = "refused"  # the SIGB or the policy said no; ``reason`` says why
    SEE_STAFF = "see_staff"  # could not be completed safely; staff alerted
    NOT_OURS = "not_ours"  # tag of another network
    UNREADABLE = "unreadable"  # blank tag, unknown format, or read failures
    PATRON_CARD = "patron_card"  # a library card on the item pad

    @property
    def terminal(self) -> bool:
        return self not in (ItemStatus.READING, ItemStatus.WAITING_FOR_PARTS, ItemStatus.PROCESSING)

    @property
    def success(self) -> bool:
        return self in (ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.RETURNED)


class Instruction(enum.StrEnum):
    """What the patron (or the return bin) should do with the item after the transaction."""

    NONE = "none"
    TAKE = "take"  # borrowed: take it home
    SHELVE = "shelve"  # returned: back on the shelf / the return trolley
    HOLD_HERE = "hold_here"  # CV 01: keep aside for a hold at this branch
    HOLD_ELSEWHERE = "hold_elsewhere"  # CV 02: hold at another branch (shuttle to ``destination``)
    TRANSIT = "transit"  # CV 04: goes back to its library (shuttle to ``destination``)
    SORT_BIN = "sort_bin"  # CL: put in sort bin ``sort_bin``
    RETURN_BIN = "return_bin"  # returned offline: staff sort it once the SIGB is back
    LEAVE_ON_PAD = "leave_on_pad"  # incomplete set: place the missing parts
    SEE_STAFF = "see_staff"


class SessionState(enum.StrEnum):
    IDENTIFYING = "identifying"
    ACTIVE = "active"
    WARNING = "warning"  # inactivity countdown running (``seconds_left``)
    ENDED = "ended"


class ItemRow(Observable):
    """One item (or unusable tag) on screen; all parts of a set share one row."""

    _fields = (
        "status",
        "item_id",
        "title",
        "message",
        "reason",
        "due_date",
        "instruction",
        "destination",
        "sort_bin",
        "parts_total",
        "parts_seen",
        "offline",
        "needs_staff",
    )

    def __init__(self, key: int, uids: tuple[bytes, ...], item_id: str | None = None) -> None:
        super().__init__(
            status=ItemStatus.READING,
            item_id=item_id,
            title=None,
            message=None,
            reason=None,
            due_date=None,
            instruction=Instruction.NONE,
            destination=None,
            sort_bin=None,
            parts_total=1,
            parts_seen=1,
            offline=False,
            needs_staff=False,
        )
        self.key = key
        self.uids = uids

    def add_uid(self, uid: bytes) -> None:
        if uid not in self.uids:
            self.uids = (*self.uids, uid)

    def update(self, **changes: object) -> None:
        """Used by the workflows (views never call it)."""
        self._set(**changes)


class ItemList(Observable):
    """Rows in arrival order; ``inserted`` fires with each new row, ``count`` tracks their number."""

    _fields = ("count",)
    _extra_events = ("inserted", "cleared")

    def __init__(self) -> None:
        super().__init__(count=0)
        self._rows: list[ItemRow] = []

    def add(self, row: ItemRow) -> ItemRow:
        self._rows.append(row)
        self.events.inserted.emit(row)
        self._set(count=len(self._rows))
        return row

    def clear(self) -> None:
        for row in self._rows:
            row.events.disconnect_all()
        self._rows.clear()
        self.events.cleared.emit(None)
        self._set(count=0)

    def __iter__(self) -> Iterator[ItemRow]:
        return iter(list(self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> ItemRow:
        return self._rows[index]

    def find(self, *, uid: bytes | None = None, item_id: str | None = None) -> ItemRow | None:
        for row in self._rows:
            if (uid is not None and uid in row.uids) or (item_id is not None and row.item_id == item_id):
                return row
        return None

    def with_status(self, *statuses: ItemStatus) -> list[ItemRow]:
        return [row for row in self._rows if row.status in statuses]


@dataclass(frozen=True, slots=True)
class Loan:
    item_id: str
    title: str | None
    due_date: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class HoldReady:
    item_id: str
    title: str | None


@dataclass(frozen=True, slots=True)
class RenewResult:
    item_id: str
    ok: bool
    due_date: datetime | None
    message: Message | None


class Account(Observable):
    """The patron's account as the SIGB reports it (fetched on demand, refreshed after renewals)."""

    _fields = ("loading", "loans", "holds_ready", "renew_results", "error")

    def __init__(self) -> None:
        super().__init__(loading=False, loans=(), holds_ready=(), renew_results=(), error=None)

    def update(self, **changes: object) -> None:
        self._set(**changes)


class PatronSession(Observable):
    """One patron's visit. ``state`` walks identifying → active (⇄ warning) → ended."""

    _fields = (
        "state",
        "card_masked",
        "patron_name",
        "valid",
        "messages",
        "blocks",
        "can_borrow",
        "can_renew",
        "offline",
        "language",
        "seconds_left",
        "error",
    )

    def __init__(self, card_masked: str, language: str) -> None:
        super().__init__(
            state=SessionState.IDENTIFYING,
            card_masked=card_masked,
            patron_name=None,
            valid=None,
            messages=(),
            blocks=(),
            can_borrow=False,
            can_renew=False,
            offline=False,
            language=language,
            seconds_left=None,
            error=None,
        )
        self.items = ItemList()
        self.account = Account()

    def update(self, **changes: object) -> None:
        self._set(**changes)


class ReturnSession(Observable):
    """Items returned without logging in, until the pad is cleared and the station goes idle."""

    _fields = ("state", "offline", "language", "seconds_left")

    def __init__(self, language: str, offline: bool) -> None:
        super().__init__(state=SessionState.ACTIVE, offline=offline, language=language, seconds_left=None)
        self.items = ItemList()

    def update(self, **changes: object) -> None:
        self._set(**changes)


class StationStatus(Observable):
    """Station-wide state for the banner and the staff screen."""

    _fields = (
        "mode",
        "online",
        "offline",
        "offline_reason",
        "offline_forced",
        "reader_ok",
        "reader_error",
        "queue_pending",
        "queue_rejected",
        "staff_alerts",
        "language",
        "syncing",
    )

    def __init__(self, language: str) -> None:
        super().__init__(
            mode=Mode.IDLE,
            online=False,
            offline=False,
            offline_reason=None,
            offline_forced=False,
            reader_ok=True,
            reader_error=None,
            queue_pending=0,
            queue_rejected=0,
            staff_alerts=0,
            language=language,
            syncing=False,
        )

    def update(self, **changes: object) -> None:
        self._set(**changes)


def mask_card(card: str) -> str:
    """Partial identifier for screens and receipts: last 4 characters only."""
    return "•" * max(len(card) - 4, 0) + card[-4:]
