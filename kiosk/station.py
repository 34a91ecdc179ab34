"""The station runtime: configuration → reader, SIGB link, offline queue, journals, workflows and models.

One :class:`Station` runs one kiosk. It owns a single worker thread that is
the only user of the reader and of the SIGB connection: it polls the pad,
runs the workflows, ticks the inactivity timers, watches for the SIGB coming
back and replays the offline queue. Views (the Qt UI, the headless demo, the
tests) observe the models and call the public methods below; every method
that may talk to the SIGB or the reader is executed on the worker and returns a
:class:`concurrent.futures.Future`. Without :meth:`Station.start` (tests,
scripted runs) the same methods run inline and :meth:`Station.step` drives
one poll cycle.

Models (plain Python, change events; see :mod:`kiosk.circulation.models`):

- :attr:`Station.status` — :class:`StationStatus` (mode, online/offline, reader, queue, alerts, language);
- :attr:`Station.session` — the current :class:`PatronSession` or :class:`ReturnSession` (or None);
  ``station.events.session`` fires with the new value whenever it changes;
- ``station.events.patron_card`` fires with a card number read from a patron card put on the pad.

Start-up order matters for the invariant: reach the SIGB (or go offline),
settle the intent log (:mod:`kiosk.circulation.recovery`), replay the offline
queue, and only then accept patrons.

Reader health: ``status.reader_ok`` follows each pad poll, and, when the driver
offers ``add_connection_listener`` (a reconnecting transport), the station is
also told at once when the reader is unplugged and when the driver has
reconnected. The listener runs on the transport's thread, so it only queues the
change for the worker (woken at once when running; drained by the next
:meth:`Station.step` otherwise).
"""

from __future__ import annotations

import logging
import math
import queue as queue_mod
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import ItemReader
from drivers.errors import ReaderError
from kiosk.circulation import account as account_wf
from kiosk.circulation import checkin as checkin_wf
from kiosk.circulation import checkout as checkout_wf
from kiosk.circulation import session as session_wf
from kiosk.circulation.context import PatronContext, Services
from kiosk.circulation.desk import Desk
from kiosk.circulation.intents import IntentLog, StaffAlert
from kiosk.circulation.items import ItemGroup
from kiosk.circulation.journal import PilotJournal
from kiosk.circulation.models import (
    Instruction,
    ItemRow,
    ItemStatus,
    Mode,
    PatronSession,
    RenewResult,
    ReturnSession,
    SessionState,
    StationStatus,
    mask_card,
)
from kiosk.circulation.observable import EventGroup
from kiosk.circulation.pad import PadTag, PadWatcher, TagKind
from kiosk.circulation.recovery import RecoveryReport, recover
from kiosk.circulation.security import TagSecurity
from kiosk.circulation.sigb import SigbLink
from kiosk.config import ConfigError, KioskConfig
from kiosk.i18n import _

log = logging.getLogger(__name__)

BLOCKED = _("Your account does not allow borrowing right now. Please see staff.")


class Station:
    """A running kiosk; build with :meth:`from_config` (real devices) or directly (simulators, tests)."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        reader: ItemReader,
        sigb_client_factory: Callable[[], Any],
        queue: Any = None,
        event_journal: Any = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.config = config
        self.reader = reader
        self.clock = clock
        self.queue = queue
        self.event_journal = event_journal
        self.status = StationStatus(config.languages.default)
        self.events = EventGroup(self, ("session", "patron_card"))
        self.intents = IntentLog(config.journal.intents)
        self.journal = PilotJournal(event_journal)  # real time for durations, whatever the station clock
        self.sigb = SigbLink(sigb_client_factory, on_change=self._on_sigb_change)
        self.security = TagSecurity(reader, config.security)
        self.svc = Services(
            config,
            self.sigb,
            self.security,
            self.intents,
            self.journal,
            self.status,
            queue,
            clock,
            wall_clock,
            go_offline=self._auto_offline,
        )
        self.pad = PadWatcher(reader, config.network, config.reader.read_attempts)
        self.session: PatronSession | ReturnSession | None = None
        self._patron: PatronContext | None = None
        self._desk: Desk | None = None
        self._stack: int | None = None
        self._declared: int | None = None  # items the patron said were on the pad (pilot mode)
        self._last_activity = clock()
        self._last_probe = -math.inf
        self._commands: queue_mod.Queue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = (
            queue_mod.Queue()
        )
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.last_recovery: RecoveryReport | None = None
        self.metrics_endpoint: Any = None
        self.status.update(staff_alerts=len(self.intents.alerts()))
        self._reader_lost_at: float | None = None
        self._listen_to_reader(reader)

    @classmethod
    def from_config(cls, config: KioskConfig) -> Station:
        """Open the configured reader, SIGB client, offline queue and event journal."""
        from drivers import open_reader
        from offline_queue import EventJournal, OfflineQueue
        from sip2.client import ClientConfig, SIP2Client

        for path in (config.journal.queue, config.journal.events, config.journal.intents):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if config.reader.driver == "simulated":
            raise ConfigError("reader.driver", '"simulated" is only available with borne kiosk --demo')
        options = {"baudrate": config.reader.baudrate} if config.reader.baudrate else {}
        reader = open_reader(config.reader.driver, config.reader.port, **options)
        client_config = ClientConfig(**config.sigb.client_options())
        queue = (
            OfflineQueue(config.journal.queue, station_id=config.station.id)
            if config.offline.enabled
            else None
        )
        journal = EventJournal(config.journal.events, station_id=config.station.id)
        return cls(
            config,
            reader=reader,
            sigb_client_factory=lambda: SIP2Client(client_config),
            queue=queue,
            event_journal=journal,
        )

    # -- life cycle ---------------------------------------------------------------------------------

    def open(self) -> None:
        """Reach the SIGB (or go offline), settle interrupted operations, replay the offline queue."""
        online = self.sigb.probe()
        self._last_probe = self.clock()
        if not online:
            self._auto_offline(self.sigb.last_error or "SIGB unreachable at start-up")
        self.last_recovery = recover(self.svc)
        if online and not self.status.offline and not self._replay():
            self._auto_offline("offline queue not fully replayed")
        self._refresh_queue()

    def start(self) -> None:
        """Open, then run the worker thread (poll the pad, run commands) until :meth:`stop`."""
        self.open()
        self._start_metrics()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="borne-station", daemon=True)
        self._thread.start()

    def _start_metrics(self) -> None:
        """``[metrics] port = …``: serve /metrics and /health (see :mod:`kiosk.metrics`)."""
        settings = self.config.extra.get("metrics")
        if settings is None or settings.port is None or self.metrics_endpoint is not None:
            return
        from kiosk.metrics import serve

        self.metrics_endpoint = serve(self, settings)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        """Stop, end any session, and release the reader, SIGB connection and files."""
        self.stop()
        if self.metrics_endpoint is not None:
            self.metrics_endpoint.stop()
            self.metrics_endpoint = None
        if self.session is not None:
            self._end_session("closing")
        self.sigb.close()
        for resource in (self.reader, self.queue, self.event_journal):
            if resource is not None:
                try:
                    resource.close()
                except Exception:
                    log.debug("closing %r failed", resource, exc_info=True)
        self.intents.close_db()

    def _loop(self) -> None:
        interval = self.config.reader.poll_interval
        while not self._stopping.is_set():
            deadline = self.clock() + interval
            try:
                self.step()
            except Exception as exc:  # the kiosk keeps running; the journal says what happened
                log.exception("station step failed")
                self.journal.error("station", type(exc).__name__, str(exc))
            while not self._stopping.is_set():
                remaining = deadline - self.clock()
                try:
                    future, fn, args = self._commands.get(timeout=max(remaining, 0.0))
                except queue_mod.Empty:
                    break
                self._run_command(future, fn, args)

    @staticmethod
    def _run_command(future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn`` on the worker (inline when the station is not started)."""
        future: Future[Any] = Future()
        if self._thread is None or threading.current_thread() is self._thread:
            self._run_command(future, fn, args)
        else:
            self._commands.put((future, fn, args))
        return future

    # -- one cycle ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One cycle: SIGB health, pad inventory and new tags, sets, inactivity."""
        if self._thread is None:
            self._drain_commands()
        self._health()
        if self.status.mode not in (Mode.IDENTIFYING, Mode.STAFF):
            try:
                changes = self.pad.poll()
            except ReaderError as exc:
                self._reader_failed(exc)
            else:
                if not self.status.reader_ok:
                    self.status.update(reader_ok=True, reader_error=None)
                if changes.arrived:
                    self._last_activity = self.clock()
                for tag in changes.arrived:
                    self._arrive(tag)
                if self._desk is not None:
                    self._desk.flush_sets()
                if changes.arrived and self.svc.offline:
                    self._refresh_queue()  # offline transactions were queued: the banner and staff see them
        self._tick()

    def _listen_to_reader(self, reader: ItemReader) -> None:
        add = getattr(reader, "add_connection_listener", None)  # optional in the ItemReader protocol
        if add is None:
            return
        try:
            add(self._on_reader_connection)
        except ReaderError as exc:  # opened with reconnect=False: polls alone tell the reader's health
            log.info("reader gives no connection events: %s", exc)

    def _on_reader_connection(self, state: str, error: BaseException | None) -> None:
        """Transport thread: hand the change over to the worker (never touch the models here)."""
        self._commands.put((Future(), self._reader_connection_changed, (state, error)))

    def _drain_commands(self) -> None:
        """Without a worker thread, run what other threads queued (reader connection changes)."""
        while True:
            try:
                future, fn, args = self._commands.get_nowait()
            except queue_mod.Empty:
                return
            self._run_command(future, fn, args)

    def _reader_connection_changed(self, state: str, error: BaseException | None) -> None:
        if state == "disconnected":
            self._reader_lost_at = time.monotonic()
            gone = error if isinstance(error, ReaderError) else ReaderError(f"reader disconnected: {error}")
            self._reader_failed(gone)
        elif state == "connected":
            if self._reader_lost_at is not None:
                after = round(time.monotonic() - self._reader_lost_at, 3)
                self.journal.event("reader-reconnected", after_s=after)
                self._reader_lost_at = None
            if not self.status.reader_ok:
                self.status.update(reader_ok=True, reader_error=None)

    def _reader_failed(self, exc: ReaderError) -> None:
        if self.status.reader_ok:
            self.journal.error("reader", type(exc).__name__, str(exc))
        self.status.update(reader_ok=False, reader_error=str(exc))

    def _arrive(self, tag: PadTag) -> None:
        if self.status.mode is Mode.IDLE:
            if tag.kind is TagKind.PATRON_CARD:
                if tag.item_id:
                    self.events.patron_card.emit(tag.item_id)
                return
            self._begin_return()
        if self._desk is not None:
            self._desk.arrive(tag)

    def _tick(self) -> None:
        session, t = self.session, self.config.timeouts
        if session is None or session.state is SessionState.ENDED:
            return
        idle = self.clock() - self._last_activity
        if isinstance(session, ReturnSession):
            if idle >= t.return_idle_seconds and not (self._desk and self._desk.sets.pending):
                self._end_session("returns done")
            return
        if idle >= t.inactivity_seconds + t.warning_seconds:
            self._end_session("inactivity")
        elif idle >= t.inactivity_seconds:
            left = math.ceil(t.inactivity_seconds + t.warning_seconds - idle)
            session.update(state=SessionState.WARNING, seconds_left=left)

    # -- sessions -----------------------------------------------------------------------------------

    def _set_session(self, session: PatronSession | ReturnSession | None) -> None:
        self.session = session
        self.events.session.emit(session)

    def _begin_return(self) -> None:
        session = ReturnSession(self.status.language, self.svc.offline)
        self._desk = Desk(self.svc, session.items, "checkin", self._return_one)
        self._stack = self.journal.begin_stack("checkin", self.svc.offline)
        self.status.update(mode=Mode.RETURN)
        self._set_session(session)

    def _return_one(self, group: ItemGroup, row: ItemRow) -> None:
        checkin_wf.give_back(self.svc, group, row)

    def _borrow_one(self, group: ItemGroup, row: ItemRow) -> None:
        session, patron = self.session, self._patron
        if not isinstance(session, PatronSession) or patron is None:
            row.update(status=ItemStatus.REFUSED, message=_("Please identify yourself first."))
            return
        if not session.can_borrow:
            row.update(status=ItemStatus.REFUSED, message=BLOCKED, instruction=Instruction.SEE_STAFF)
            return
        checkout_wf.borrow(self.svc, patron, group, row)

    def _identify(self, card: str, pin: str | None) -> bool:
        self._last_activity = self.clock()
        if isinstance(self.session, ReturnSession):
            self._end_session("patron identifying")
        session = self.session
        if not (isinstance(session, PatronSession) and session.state is SessionState.IDENTIFYING):
            session = PatronSession(mask_card(card.strip()), self.status.language)
            self._set_session(session)
        else:
            session.update(card_masked=mask_card(card.strip()))
        self.status.update(mode=Mode.IDENTIFYING)
        patron = session_wf.identify(self.svc, session, card, pin)
        self._last_activity = self.clock()
        if patron is None:
            return False
        self._patron = patron
        self._desk = Desk(
            self.svc, session.items, "checkout", self._borrow_one, patron_flags=patron.status_flags
        )
        self._stack = self.journal.begin_stack("checkout", self.svc.offline)
        self.status.update(mode=Mode.BORROW)
        return True

    def _end_session(self, reason: str) -> None:
        session = self.session
        if session is None:
            return
        log.info("session ends: %s", reason)
        if isinstance(session, PatronSession):
            session_wf.end(self.svc, self._patron)
        if self._desk is not None:
            self.journal.end_stack(
                self._stack, tags_seen=self._desk.tags_seen, items_declared=self._declared
            )
        session.update(state=SessionState.ENDED, seconds_left=None)
        self._patron, self._desk, self._stack, self._declared = None, None, None, None
        self.status.update(mode=Mode.IDLE, language=self.config.languages.default)
        self._set_session(None)

    # -- SIGB health, offline mode, replay ---------------------------------------------------------

    def _on_sigb_change(self, online: bool, reason: str | None) -> None:
        self.status.update(online=online)

    def _auto_offline(self, reason: str) -> None:
        self.status.update(online=False)
        if self.status.offline:
            return
        self._last_probe = self.clock()
        if not self.config.offline.enabled:
            return
        self._enter_offline(reason, forced=False, cause="sigb-unreachable")

    def _enter_offline(self, reason: str, *, forced: bool, cause: str) -> None:
        log.warning("offline mode: %s", reason)
        self.status.update(offline=True, offline_reason=reason, offline_forced=forced)
        self.journal.offline_started(cause)
        if isinstance(self.session, PatronSession | ReturnSession):
            self.session.update(offline=True)
        if isinstance(self.session, PatronSession):
            self.session.update(can_renew=False)

    def _health(self) -> None:
        if not self.status.offline or self.status.offline_forced:
            return
        if self.clock() - self._last_probe >= self.config.sigb.retry_online_seconds:
            self._last_probe = self.clock()
            self._try_online()

    def _try_online(self) -> bool:
        """SIGB back? Settle intents, replay the queue, then leave offline mode."""
        if not self.sigb.probe():
            return False
        self.last_recovery = recover(self.svc)
        if self.last_recovery.waiting or not self._replay():
            return False
        self._leave_offline()
        return True

    def _leave_offline(self) -> None:
        log.warning("back online")
        self.status.update(offline=False, offline_reason=None, offline_forced=False, online=True)
        self.journal.offline_ended(self._queued_count())
        if isinstance(self.session, PatronSession):
            patron_offline = self._patron.offline if self._patron else False
            self.session.update(
                offline=patron_offline,
                can_renew=not patron_offline and "renewal_privileges_denied" not in self.session.blocks,
            )
        elif isinstance(self.session, ReturnSession):
            self.session.update(offline=False)

    def _queued_count(self) -> int | None:
        return None if self.queue is None else self.queue.stats().depth

    def _replay(self) -> bool:
        """Replay the offline queue; True when it is empty afterwards."""
        if self.queue is None or self.queue.stats().depth == 0:
            return True
        from kiosk.circulation.replay import Sip2ReplayAdapter

        adapter = Sip2ReplayAdapter(self.sigb, self.config.circulation.refusal_codes)
        self.status.update(syncing=True)
        try:
            report = self.queue.replay(adapter.send, adapter.reconcile, journal=self.event_journal)
        finally:
            self.status.update(syncing=False)
            self._refresh_queue()
        log.info("replay: %s", report)
        return bool(report.drained)

    def _refresh_queue(self) -> None:
        if self.queue is not None:
            stats = self.queue.stats()
            self.status.update(queue_pending=stats.depth, queue_rejected=stats.unreported_rejections)
        self.status.update(staff_alerts=len(self.intents.alerts()))

    # -- public API for views (each returns a Future) ----------------------------------------------

    def identify(self, card: str, pin: str | None = None) -> Future[bool]:
        """Patron identification; the session model shows the result (``error`` when refused)."""
        return self.submit(self._identify, card, pin)

    def begin_identification(self) -> Future[None]:
        """The patron chose to identify (card keypad on screen): hold the pad and start the inactivity timer.

        An empty :class:`PatronSession` in the identifying state stands for the patron at the keypad, so
        items put on the pad meanwhile wait instead of starting a return, and an abandoned keypad times out
        like any session.
        """

        def begin() -> None:
            if self.session is None and self.status.mode is Mode.IDLE:
                self._last_activity = self.clock()
                self._set_session(PatronSession("", self.status.language))
                self.status.update(mode=Mode.IDENTIFYING)

        return self.submit(begin)

    def finish(self) -> Future[None]:
        """End the current session now (Finish button, cancel identification)."""
        return self.submit(self._end_session, "finish")

    def start_return(self) -> Future[None]:
        """Explicit return mode (items on the pad are returned without logging in)."""

        def begin() -> None:
            if self.session is None:
                self._begin_return()

        return self.submit(begin)

    def declare_items(self, count: int) -> Future[None]:
        """Pilot mode: how many items the patron says they put on the pad (journaled with the stack, to
        compare with the tags actually read)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"the number of items declared must be an integer >= 0, got {count!r}")

        def record() -> None:
            if self._stack is not None:
                self._declared = count

        return self.submit(record)

    def touch(self) -> Future[None]:
        """Patron activity on screen: restart the inactivity timer (cancels the warning)."""

        def activity() -> None:
            self._last_activity = self.clock()
            if isinstance(self.session, PatronSession) and self.session.state is SessionState.WARNING:
                self.session.update(state=SessionState.ACTIVE, seconds_left=None)

        return self.submit(activity)

    def set_language(self, language: str) -> Future[None]:
        if language not in self.config.languages.available:
            raise ValueError(f"language {language!r} is not in languages.available")

        def apply() -> None:
            self.status.update(language=language)
            if self.session is not None:
                self.session.update(language=language)

        return self.submit(apply)

    def load_account(self) -> Future[None]:
        def load() -> None:
            if isinstance(self.session, PatronSession) and self._patron is not None:
                self._last_activity = self.clock()
                account_wf.load(self.svc, self._patron, self.session.account)

        return self.submit(load)

    def renew(self, item_ids: list[str]) -> Future[tuple[RenewResult, ...]]:
        def run() -> tuple[RenewResult, ...]:
            if not isinstance(self.session, PatronSession) or self._patron is None:
                return ()
            self._last_activity = self.clock()
            return account_wf.renew(self.svc, self._patron, self.session.account, list(item_ids))

        return self.submit(run)

    def renew_all(self) -> Future[tuple[RenewResult, ...]]:
        def run() -> tuple[RenewResult, ...]:
            if not isinstance(self.session, PatronSession) or self._patron is None:
                return ()
            self._last_activity = self.clock()
            return account_wf.renew_all(self.svc, self._patron, self.session.account)

        return self.submit(run)

    # -- staff ----------------------------------------------------------------------------------------

    def verify_staff_pin(self, pin: str) -> bool:
        return self.config.staff.verify_pin(pin)

    def enter_staff(self, pin: str) -> Future[bool]:
        def enter() -> bool:
            if not self.verify_staff_pin(pin):
                return False
            self._end_session("staff mode")
            self.status.update(mode=Mode.STAFF)
            return True

        return self.submit(enter)

    def leave_staff(self) -> Future[None]:
        def leave() -> None:
            if self.status.mode is Mode.STAFF:
                self.status.update(mode=Mode.IDLE)

        return self.submit(leave)

    def force_offline(self, offline: bool = True) -> Future[bool]:
        """Staff command: go offline now (and stay), or leave forced offline mode (True when online again)."""

        def apply() -> bool:
            if offline:
                if not self.status.offline:
                    self._enter_offline("staff command", forced=True, cause="staff")
                self.status.update(offline_forced=True)
                return False
            self.status.update(offline_forced=False)
            return self._try_online() if self.status.offline else True

        return self.submit(apply)

    def sync_now(self) -> Future[bool]:
        """Staff command: try the SIGB now and replay the queue (True when everything is delivered)."""

        def sync() -> bool:
            if self.status.offline:
                return self._try_online() if not self.status.offline_forced else False
            self.last_recovery = recover(self.svc)
            return self._replay()

        return self.submit(sync)

    def staff_alerts(self, include_resolved: bool = False) -> list[StaffAlert]:
        return self.intents.alerts(include_resolved)

    def resolve_alert(self, alert_id: int) -> None:
        self.intents.resolve_alert(alert_id)
        self.status.update(staff_alerts=len(self.intents.alerts()))

    def rejected_replays(self) -> list[Any]:
        """Offline transactions the SIGB rejected, for the staff report (item, reason, tag mismatch)."""
        return [] if self.queue is None else self.queue.staff_report()

    def mark_rejections_reported(self, txn_ids: list[int]) -> int:
        """Staff have read these rejected replays: the queue erases their patron data."""
        if self.queue is None or not txn_ids:
            return 0
        count = int(self.queue.mark_reported(txn_ids))
        self._refresh_queue()
        return count

    def reader_info(self) -> Future[Any]:
        return self.submit(self.reader.info)
