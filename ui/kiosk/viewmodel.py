"""What the kiosk screens show, as a plain-Python model over the station (the napari shape, no Qt).

The station's models (:mod:`kiosk.circulation.models`) own the business state: who is identified,
which items were read and what happened to them, the account, online/offline. This view model owns
only what belongs to the screens and to no workflow:

- which screen is up (:class:`Screen`), derived from the station's mode and session plus the
  patron's navigation (account, keypad);
- the keypad entry (the card number being typed is shown; a PIN is kept privately, shown as dots,
  handed to the station once and forgotten);
- display choices (high contrast, large text), reset with the language after every session;
- the summary of a session that just ended (a frozen snapshot with partial identifiers, shown for
  :data:`SUMMARY_SECONDS` and then dropped), the loans selected for renewal, the staff panels;
- sound cues, as ``events.cue`` (``success``, ``problem``, ``attention``).

Views call the methods below, never the station; the view model calls the station's public methods
(each a :class:`~concurrent.futures.Future`). Station events arrive on the station's worker thread:
every subscription goes through ``dispatch`` (the Qt views pass one that queues onto the GUI
thread) and through a :class:`Subscriptions` group, so a callback queued for a session that has
since ended is dropped instead of touching the next patron's screen.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.circulation import session as session_wf
from kiosk.circulation.models import (
    Instruction,
    ItemRow,
    ItemStatus,
    Mode,
    PatronSession,
    ReturnSession,
    SessionState,
)
from kiosk.circulation.observable import Event, Observable, Signal
from kiosk.i18n import Message, _

log = logging.getLogger(__name__)

Dispatch = Callable[[Callable[[], None]], None]

SUMMARY_SECONDS = 20  # the summary stays this long after the last touch, then the welcome screen
STAFF_PIN_SECONDS = 30
ANNOUNCEMENT_SECONDS = 8
MAX_CARD_DIGITS = 32
MAX_PIN_DIGITS = 12
TOUCH_THROTTLE = 1.0

PROBLEM_STATUSES = frozenset(
    {ItemStatus.REFUSED, ItemStatus.SEE_STAFF, ItemStatus.NOT_OURS, ItemStatus.UNREADABLE,
     ItemStatus.PATRON_CARD}
)

TYPE_YOUR_NUMBER = _("Type your card number, then OK.")
WRONG_STAFF_PIN = _("Wrong staff PIN.")
CHECKING = _("Checking…")


class Screen(enum.StrEnum):
    WELCOME = "welcome"
    CARD = "card"  # card number on the keypad (or scan)
    PIN = "pin"
    BORROW = "borrow"
    ACCOUNT = "account"
    RETURN = "return"
    SUMMARY = "summary"
    STAFF_PIN = "staff_pin"
    STAFF = "staff"


KEYPAD_SCREENS = (Screen.CARD, Screen.PIN, Screen.STAFF_PIN)
PATRON_SCREENS = (Screen.WELCOME, Screen.CARD, Screen.PIN, Screen.BORROW, Screen.ACCOUNT, Screen.RETURN,
                  Screen.SUMMARY)


def immediate(fn: Callable[[], None]) -> None:
    fn()


def item_hint(item_id: str | None) -> str:
    """Partial item identifier for summaries and receipts (last 4 characters)."""
    return f"…{item_id[-4:]}" if item_id else ""


class Subscriptions:
    """Callbacks on model signals, forwarded through ``dispatch``, all dropped at once.

    After :meth:`disconnect_all`, callbacks already queued by ``dispatch`` do not run: they belong
    to a session (or a screen) that is gone.
    """

    def __init__(self, dispatch: Dispatch = immediate) -> None:
        self._dispatch = dispatch
        self._links: list[tuple[Signal, Callable[[Event], None]]] = []
        self._generation = 0

    def connect(self, signal: Signal, callback: Callable[[Event], Any]) -> None:
        generation = self._generation

        def forward(event: Event) -> None:
            def run() -> None:
                if generation == self._generation:
                    callback(event)

            self._dispatch(run)

        signal.connect(forward)
        self._links.append((signal, forward))

    def disconnect_all(self) -> None:
        self._generation += 1
        for signal, forward in self._links:
            signal.disconnect(forward)
        self._links.clear()

    def __len__(self) -> int:
        return len(self._links)


@dataclass(frozen=True, slots=True)
class SummaryLine:
    title: str | None
    item_hint: str
    status: ItemStatus
    due_date: datetime | None
    message: Message | None
    instruction: Instruction
    destination: str | None
    needs_staff: bool

    @classmethod
    def of(cls, row: ItemRow) -> SummaryLine:
        return cls(row.title, item_hint(row.item_id), row.status, row.due_date, row.message, row.instruction,
                   row.destination, row.needs_staff)


@dataclass(frozen=True, slots=True)
class Summary:
    """A finished session, as shown on the summary screen and printed on a receipt."""

    kind: str  # "borrow" | "return"
    card_masked: str | None
    lines: tuple[SummaryLine, ...]
    reason: str  # "finish" | "inactivity" | "done"
    language: str
    ended_at: datetime

    def count(self, *statuses: ItemStatus) -> int:
        return sum(1 for line in self.lines if line.status in statuses)

    @property
    def done(self) -> int:
        return sum(1 for line in self.lines if line.status.success)

    @property
    def problems(self) -> int:
        return sum(1 for line in self.lines if line.status in PROBLEM_STATUSES or line.needs_staff)

    def with_instruction(self, *instructions: Instruction) -> int:
        return sum(1 for line in self.lines if line.status.success and line.instruction in instructions)


class KioskViewModel(Observable):
    """The screens' state over one :class:`kiosk.station.Station`."""

    _fields = (
        "screen",
        "language",
        "high_contrast",
        "large_text",
        "entry",
        "error",
        "notice",
        "busy",
        "summary",
        "summary_seconds_left",
        "selected",
        "announcement",
        "staff_panel",
        "staff_lines",
        "receipt_state",
    )
    _extra_events = ("session", "cue", "quit")

    def __init__(
        self,
        station: Any,
        *,
        dispatch: Dispatch = immediate,
        inputs: Any = None,
        printer: Any = None,
        announcements: Any = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(
            screen=Screen.WELCOME,
            language=station.status.language,
            high_contrast=False,
            large_text=False,
            entry="",
            error=None,
            notice=None,
            busy=False,
            summary=None,
            summary_seconds_left=None,
            selected=frozenset(),
            announcement=0,
            staff_panel="status",
            staff_lines=(),
            receipt_state=None,
        )
        self.station = station
        self.config = station.config
        self.dispatch = dispatch
        self.inputs = inputs
        self.printer = printer
        self.announcements = announcements
        self.clock = clock
        self.wall_clock = wall_clock
        self.session: PatronSession | ReturnSession | None = None
        self._station_subs = Subscriptions(dispatch)
        self._session_subs = Subscriptions(dispatch)
        self._card: str | None = None
        self._secret = ""
        self._finishing = False
        self._switching = False
        self._awaiting_session = False  # begin_identification sent, its session not seen yet
        self._last_state: SessionState | None = None
        self._cued: set[int] = set()  # rows of this session whose outcome was cued
        self._last_touch = -float("inf")
        self._screen_since = clock()
        self._pending = 0
        self._connect_station()

    # -- wiring -------------------------------------------------------------------------------------

    def _connect_station(self) -> None:
        subs, status = self._station_subs, self.station.status
        subs.connect(self.station.events.session, lambda e: self._on_session(e.value))
        subs.connect(self.station.events.patron_card, lambda e: self.card_presented(e.value, "pad"))
        subs.connect(status.events.mode, lambda e: self._update_screen())
        subs.connect(status.events.language, lambda e: self._apply_language())
        subs.connect(status.events.offline, lambda e: self._update_screen())
        if self.station.session is not None:
            self._on_session(self.station.session)

    def close(self) -> None:
        """Disconnect from the station (a kiosk runs for weeks: no subscriber may leak)."""
        self._station_subs.disconnect_all()
        self._session_subs.disconnect_all()
        self.events.disconnect_all()

    def _on_session(self, session: PatronSession | ReturnSession | None) -> None:
        previous = self.session
        if session is previous:
            return
        self._session_subs.disconnect_all()
        if previous is not None:
            self._session_ended(previous)
        self.session = session
        self._last_state = None
        self._cued: set[int] = set()
        if isinstance(session, PatronSession):
            self._awaiting_session = False
        if session is not None:
            self._watch_session(session)
        self.events.session.emit(session)
        self._update_screen()

    def _watch_session(self, session: PatronSession | ReturnSession) -> None:
        subs = self._session_subs
        subs.connect(session.events.state, lambda e: self._on_state(e.value))
        subs.connect(session.items.events.inserted, lambda e: self._watch_row(e.value))
        for row in session.items:
            self._watch_row(row)
        if isinstance(session, PatronSession):
            subs.connect(session.events.error, lambda e: self._on_error(e.value))
            subs.connect(session.events.valid, lambda e: self._on_valid(e.value))
            subs.connect(session.account.events.renew_results, lambda e: self._on_renewed(e.value))

    def _watch_row(self, row: ItemRow) -> None:
        # The row may have finished before this (queued) subscription: cue its current status too.
        self._session_subs.connect(row.events.status, lambda e: self._cue_row(row))
        self._cue_row(row)

    # -- station events -----------------------------------------------------------------------------

    def _on_state(self, state: SessionState) -> None:
        if state is SessionState.WARNING and self._last_state is not SessionState.WARNING:
            self.events.cue.emit("attention")
        if state is not SessionState.ENDED:
            self._last_state = state
        self._update_screen()

    def _on_error(self, error: Message | None) -> None:
        self._set(error=error)
        if error is None:
            return
        self.events.cue.emit("problem")
        if error.msgid != session_wf.WRONG_PIN.msgid and self.screen is Screen.PIN:
            self._forget_card()
            self._show(Screen.CARD)

    def _on_valid(self, valid: bool | None) -> None:
        if valid:
            self._forget_card()
            self.events.cue.emit("success")
        self._update_screen()

    def _cue_row(self, row: ItemRow) -> None:
        """One cue per row, when it reaches its outcome."""
        status = row.status
        if not status.terminal or row.key in self._cued:
            return
        self._cued.add(row.key)
        self.events.cue.emit("success" if status.success else "problem")

    def _on_renewed(self, results: tuple[Any, ...]) -> None:
        if results:
            self.events.cue.emit("success" if all(r.ok for r in results) else "problem")

    def _session_ended(self, session: PatronSession | ReturnSession) -> None:
        reason = "finish" if self._finishing else "done"
        if isinstance(session, PatronSession) and not self._finishing:
            reason = "inactivity"
        self._finishing = False
        if self._switching:
            self._switching = False
            return
        worth_showing = len(session.items) > 0 or (isinstance(session, PatronSession) and session.valid)
        if not worth_showing:
            return
        kind = "borrow" if isinstance(session, PatronSession) else "return"
        card = session.card_masked if isinstance(session, PatronSession) else None
        summary = Summary(kind, card, tuple(SummaryLine.of(row) for row in session.items), reason,
                          session.language, self.wall_clock())
        self._set(summary=summary, summary_seconds_left=SUMMARY_SECONDS, receipt_state=None)
        self._show(Screen.SUMMARY)

    # -- which screen -------------------------------------------------------------------------------

    def _update_screen(self) -> None:
        self._show(self._wanted_screen())

    def _wanted_screen(self) -> Screen:
        mode, session, screen = self.station.status.mode, self.session, self.screen
        if mode is Mode.STAFF:
            return Screen.STAFF
        if screen is Screen.STAFF:
            return Screen.WELCOME
        if isinstance(session, ReturnSession) and session.state is not SessionState.ENDED:
            return Screen.RETURN
        if isinstance(session, PatronSession) and session.state is not SessionState.ENDED:
            if session.valid and session.state is not SessionState.IDENTIFYING:
                return Screen.ACCOUNT if screen is Screen.ACCOUNT else Screen.BORROW
            return screen if screen in (Screen.CARD, Screen.PIN) else Screen.CARD
        if screen in (Screen.SUMMARY, Screen.STAFF_PIN):
            return screen
        if self._awaiting_session and screen in (Screen.CARD, Screen.PIN):
            return screen
        return Screen.WELCOME

    def _show(self, screen: Screen) -> None:
        if screen is self.screen:
            return
        leaving = self.screen
        if screen in KEYPAD_SCREENS or leaving in KEYPAD_SCREENS:
            self._secret = ""
            self._set(entry="")
        if screen is not Screen.ACCOUNT:
            self._set(selected=frozenset())
        if screen is Screen.WELCOME:
            self._forget_card()
            self._awaiting_session = False
            self._set(summary=None, summary_seconds_left=None, receipt_state=None, error=None)
            if leaving is Screen.SUMMARY:
                self._reset_display()
        if screen is Screen.STAFF:
            self._set(staff_panel="status", staff_lines=())
        self._screen_since = self.clock()
        self._set(screen=screen, notice=None)
        self._apply_language()

    def _reset_display(self) -> None:
        """The next patron starts with the default look (the station resets the language likewise)."""
        self._set(high_contrast=False, large_text=False)

    def _apply_language(self) -> None:
        summary = self.summary
        pinned = summary.language if self.screen is Screen.SUMMARY and summary is not None else None
        self._set(language=pinned or self.station.status.language)

    # -- futures ------------------------------------------------------------------------------------

    def _call(self, future: Future[Any], on_done: Callable[[Any], None] | None = None, *,
              wait: bool = True) -> Future[Any]:
        """Follow a station command: ``on_done(result)`` runs on this side afterwards; with ``wait`` the
        screens show ``busy`` (and OK is not taken twice) until it finished."""
        self._pending += wait
        self._set(busy=self._pending > 0)

        def finished(f: Future[Any]) -> None:
            def run() -> None:
                self._pending -= wait
                self._set(busy=self._pending > 0)
                try:
                    result = f.result()
                except Exception:
                    log.exception("station command failed")
                    return
                if on_done is not None:
                    on_done(result)

            self.dispatch(run)

        future.add_done_callback(finished)
        return future

    # -- patron actions -----------------------------------------------------------------------------

    def available_languages(self) -> tuple[str, ...]:
        return tuple(self.config.languages.available)

    def choose_language(self, language: str) -> None:
        self.activity()
        if language not in self.available_languages():
            return
        if self.screen is Screen.SUMMARY and self.summary is not None:
            # the session is over: re-read its summary in another language, leave the next patron's default
            self._set(summary=dataclasses.replace(self.summary, language=language))
            self._apply_language()
            return
        self._call(self.station.set_language(language), wait=False)

    def toggle_high_contrast(self) -> None:
        self.activity()
        self._set(high_contrast=not self.high_contrast)

    def toggle_large_text(self) -> None:
        self.activity()
        self._set(large_text=not self.large_text)

    @property
    def borrow_available(self) -> bool:
        """Borrowing is offered (online, or offline when the offline policy allows it)."""
        if not self.station.status.offline:
            return True
        policy = self.config.offline
        return policy.enabled and policy.checkouts_allowed and self.station.queue is not None

    @property
    def return_available(self) -> bool:
        if not self.station.status.offline:
            return True
        policy = self.config.offline
        return policy.enabled and policy.returns_allowed and self.station.queue is not None

    @property
    def account_available(self) -> bool:
        session = self.session
        offline = self.station.status.offline or (isinstance(session, PatronSession) and session.offline)
        return not offline

    @property
    def identification_available(self) -> bool:
        """A patron can log in: online, or offline with a queue (offline identification needs one)."""
        return not self.station.status.offline or (
            self.config.offline.enabled and self.station.queue is not None)

    def start_identification(self) -> None:
        """"Borrow / my account": the card keypad (a scan or a card on the reader also works)."""
        self.activity()
        if self.screen is Screen.WELCOME and self.identification_available:
            self._begin_identification()
            self._set(error=None)
            self._show(Screen.CARD)
            self._set(notice=TYPE_YOUR_NUMBER)

    def start_return(self) -> None:
        self.activity()
        if self.screen is Screen.WELCOME and self.return_available:
            self._call(self.station.start_return(), wait=False)

    def card_presented(self, card: str, source: str = "keypad") -> None:
        """A card number from the pad, the card reader, the scanner or the keypad."""
        card = card.strip()
        if not card:
            return
        screen = self.screen
        if screen in (Screen.BORROW, Screen.ACCOUNT, Screen.STAFF, Screen.STAFF_PIN):
            return  # a patron is already in session (or staff): a stray card changes nothing
        self._touch_station()
        if screen is Screen.RETURN:
            self._switching = True
            self._call(self.station.finish(), wait=False)
        if screen in (Screen.WELCOME, Screen.SUMMARY, Screen.RETURN):
            self._begin_identification()
        log.info("card presented (%s)", source)
        self._set(error=None)
        if self.station.status.offline:
            self._show(Screen.CARD)
            self._card = card
            self._identify(None)  # offline the PIN cannot be checked: do not ask for it
            return
        self._show(Screen.PIN)
        self._card = card

    def _begin_identification(self) -> None:
        self._awaiting_session = True
        self._call(self.station.begin_identification(), wait=False)

    def press(self, key: str) -> None:
        """A keypad key: ``0``-``9``, ``back``, ``clear`` or ``ok`` (screen keypad or keyboard)."""
        self.activity()
        screen = self.screen
        if screen not in KEYPAD_SCREENS:
            return
        if self.error is not None and key not in ("ok",):
            self._set(error=None)
        if key == "ok":
            if not self.busy:  # one identification at a time
                self._submit()
            return
        secret = screen is not Screen.CARD
        current = self._secret if secret else self.entry
        limit = MAX_CARD_DIGITS if not secret else MAX_PIN_DIGITS
        if key == "back":
            current = current[:-1]
        elif key == "clear":
            current = ""
        elif key.isdigit() and len(key) == 1 and len(current) < limit:
            current += key
        else:
            return
        if secret:
            self._secret = current
            self._set(entry="•" * len(current))
        else:
            self._set(entry=current)

    def _submit(self) -> None:
        if self.screen is Screen.CARD:
            if self.entry:
                self.card_presented(self.entry, "keypad")
            else:
                self._set(notice=TYPE_YOUR_NUMBER)
        elif self.screen is Screen.PIN and self._secret:
            pin, self._secret = self._secret, ""
            self._set(entry="")
            self._identify(pin)
        elif self.screen is Screen.STAFF_PIN and self._secret:
            pin, self._secret = self._secret, ""
            self._set(entry="", notice=CHECKING)
            self._call(self.station.enter_staff(pin), self._staff_entered)

    def _identify(self, pin: str | None) -> None:
        if self._card is None:
            self._show(Screen.CARD)
            return
        self._set(notice=CHECKING)
        self._call(self.station.identify(self._card, pin), lambda ok: self._set(notice=None))

    def _forget_card(self) -> None:
        self._card = None
        self._secret = ""

    def cancel(self) -> None:
        """Leave the keypad (or the staff PIN) for the welcome screen."""
        self.activity()
        if self.screen is Screen.STAFF_PIN:
            self._show(Screen.WELCOME)
            return
        self._forget_card()
        self._finishing = True
        self._awaiting_session = False
        self._call(self.station.finish(), wait=False)
        if self.session is None:
            self._show(Screen.WELCOME)

    def finish(self) -> None:
        """The Finish button: log out at once (the summary follows)."""
        self.activity()
        self._finishing = True
        self._call(self.station.finish(), wait=False)

    def extend_time(self) -> None:
        """"I need more time" on the inactivity warning."""
        self._last_touch = -float("inf")
        self.activity()

    def activity(self) -> None:
        """Any touch or key: restarts the inactivity timer (at most once a second) and the summary's."""
        if self.summary is not None and self.screen is Screen.SUMMARY:
            self._set(summary_seconds_left=SUMMARY_SECONDS)
        self._touch_station()

    def _touch_station(self) -> None:
        if self.session is None:
            return
        now = self.clock()
        if now - self._last_touch >= TOUCH_THROTTLE or (
                isinstance(self.session, PatronSession) and self.session.state is SessionState.WARNING):
            self._last_touch = now
            self.station.touch()

    # -- account ------------------------------------------------------------------------------------

    def open_account(self) -> None:
        self.activity()
        if self.screen is Screen.BORROW and self.account_available:
            self._show(Screen.ACCOUNT)
            self._call(self.station.load_account())

    def back_to_borrow(self) -> None:
        self.activity()
        if self.screen is Screen.ACCOUNT:
            self._show(Screen.BORROW)

    def toggle_loan(self, item_id: str) -> None:
        self.activity()
        selected = set(self.selected)
        selected.symmetric_difference_update({item_id})
        self._set(selected=frozenset(selected))

    def renew_selected(self) -> None:
        self.activity()
        if self.selected and self.can_renew:
            items = sorted(self.selected)
            self._set(selected=frozenset())
            self._call(self.station.renew(items))

    def renew_all(self) -> None:
        self.activity()
        if self.can_renew:
            self._set(selected=frozenset())
            self._call(self.station.renew_all())

    @property
    def can_renew(self) -> bool:
        session = self.session
        return isinstance(session, PatronSession) and session.can_renew and self.account_available

    # -- summary and receipt ------------------------------------------------------------------------

    def close_summary(self) -> None:
        if self.screen is Screen.SUMMARY:
            self._show(Screen.WELCOME)

    def print_receipt(self) -> None:
        self.activity()
        summary = self.summary
        if summary is None or self.printer is None or self.receipt_state == "printed":
            return
        from ui.kiosk.receipt import receipt_lines

        lines = receipt_lines(summary, self.config.station.library_name)
        try:
            self.printer.print_lines(lines)
        except Exception as exc:
            log.warning("receipt not printed: %s", exc)
            self._set(receipt_state="failed")
            self.events.cue.emit("problem")
            return
        self._set(receipt_state="printed")

    @property
    def receipt_mode(self) -> str:
        return self.config.receipt.mode

    # -- time ---------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second (the view's timer): summary countdown, staff PIN timeout, announcements."""
        now = self.clock()
        if self.screen is Screen.SUMMARY and self.summary_seconds_left is not None:
            left = self.summary_seconds_left - 1
            if left <= 0:
                self.close_summary()
            else:
                self._set(summary_seconds_left=left)
        elif self.screen is Screen.STAFF_PIN and now - self._screen_since >= STAFF_PIN_SECONDS:
            self._show(Screen.WELCOME)
        elif (self.screen is Screen.WELCOME and self.announcements
              and now - self._screen_since >= ANNOUNCEMENT_SECONDS):
            self._screen_since = now
            self._set(announcement=(self.announcement + 1) % len(self.announcements))

    # -- staff --------------------------------------------------------------------------------------

    def staff_gesture(self) -> None:
        """The hidden gesture (or its keyboard shortcut): ask for the staff PIN, from the welcome screen."""
        if self.screen is Screen.WELCOME and self.session is None:
            self._show(Screen.STAFF_PIN)

    def _staff_entered(self, ok: bool) -> None:
        if ok:
            self._set(notice=None)
            self._update_screen()
        else:
            self._set(notice=WRONG_STAFF_PIN)
            self.events.cue.emit("problem")

    def staff(self, action: str) -> None:
        """Staff screen buttons: ``status``, ``sync``, ``offline``, ``online``, ``report``, ``seen``,
        ``alerts``, ``diagnostics``, ``leave``, ``quit``."""
        if self.screen is not Screen.STAFF:
            return
        handler = getattr(self, f"_staff_{action}", None)
        if handler is None:
            raise ValueError(f"unknown staff action {action!r}")
        handler()

    def _staff_status(self) -> None:
        self._set(staff_panel="status", staff_lines=())

    def _staff_sync(self) -> None:
        self._call(self.station.sync_now(), lambda ok: self._set(
            staff_panel="sync", staff_lines=(_("Synchronised.") if ok else _("Not synchronised yet."),)))

    def _staff_offline(self) -> None:
        self._call(self.station.force_offline(True), wait=False)

    def _staff_online(self) -> None:
        self._call(self.station.force_offline(False), wait=False)

    def _staff_report(self) -> None:
        lines = tuple(rejection_line(t) for t in self.station.rejected_replays())
        self._set(staff_panel="report", staff_lines=lines or (_("No rejected transactions."),))

    def _staff_seen(self) -> None:
        ids = [t.id for t in self.station.rejected_replays()]
        self.station.mark_rejections_reported(ids)
        self._staff_report()

    def _staff_alerts(self) -> None:
        lines = tuple(f"{a.item_id} — {a.kind}: {a.detail}" for a in self.station.staff_alerts())
        self._set(staff_panel="alerts", staff_lines=lines or (_("No open alerts."),))

    def _staff_diagnostics(self) -> None:
        self._set(staff_panel="diagnostics", staff_lines=(CHECKING,))
        future = self.station.reader_info()

        def show(info: Any) -> None:
            self._set(staff_lines=tuple(describe(info)))

        self._call(future, show)
        future.add_done_callback(lambda f: f.exception() and self.dispatch(
            lambda: self._set(staff_lines=(f"{type(f.exception()).__name__}: {f.exception()}",))))

    def _staff_leave(self) -> None:
        self._call(self.station.leave_staff(), wait=False)

    def _staff_quit(self) -> None:
        self.events.quit.emit(None)


def rejection_line(txn: Any) -> str:
    """One line of the rejected-replay report: item, what, why, and whether the tag now disagrees."""
    kind = getattr(txn.kind, "value", txn.kind)
    mismatch = {True: "tag state differs from the SIGB", False: "tag state matches",
                None: "tag state unknown"}
    reason = txn.screen_message or txn.reason or "?"
    return f"{txn.item_id} — {kind} — {reason} — {mismatch[txn.tag_mismatch]}"


def describe(info: Any) -> Iterable[str]:
    """Readable lines of a reader's description (dataclass fields, or its repr)."""
    names = getattr(info, "__dataclass_fields__", None)
    if not names:
        yield repr(info)
        return
    for name in names:
        value = getattr(info, name)
        yield f"{name}: {value.hex() if isinstance(value, bytes) else value}"
