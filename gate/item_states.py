"""Background SIP2 item look-ups: titles for the alarm log, circulation states for database mode.

Nothing here runs in the poll loop's time: the loop asks ``state(item_id)`` (a dict
read) and ``want_title(...)`` (a queue put); one worker thread does the SIP2 round
trips and calls back. The alarm therefore never waits for the SIGB.

Circulation states are cached in memory and in the gate's SQLite file (so a restart
does not start blind), and refreshed in the background once older than
``refresh_s``: a stale state is still used meanwhile. Urgent look-ups (an unknown
item in the field, a title for a fresh alarm) jump ahead of routine refreshes.
Failed title look-ups are retried every ``retry_s`` seconds until they succeed.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable

from .events import CirculationState
from .lookup import ItemLookup, LookupFailed
from .store import GateDatabase

log = logging.getLogger(__name__)

URGENT, ROUTINE = 0, 1
TitleCallback = Callable[[str], None]


class ItemStateService:
    def __init__(
        self,
        lookup: ItemLookup | None,
        store: GateDatabase | None = None,
        refresh_s: float = 900.0,
        retry_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lookup, self.store, self.refresh_s, self.retry_s, self.clock = (
            lookup,
            store,
            refresh_s,
            retry_s,
            clock,
        )
        self._states: dict[str, CirculationState] = self._load()
        self._queue: queue.PriorityQueue[tuple[int, int, str | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._queued: set[str] = set()
        self._titles: dict[str, list[TitleCallback]] = {}
        self._failed: dict[
            str, float
        ] = {}  # item id -> when its last look-up failed (not retried before retry_s)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.lookups = self.failures = 0
        self.listeners: list[Callable[[CirculationState], None]] = []

    def _load(self) -> dict[str, CirculationState]:
        if self.store is None:
            return {}
        rows = self.store.query(
            "SELECT item_id, charged, circulation_status, title, checked_at FROM circulation"
        )
        return {
            r["item_id"]: CirculationState(
                r["item_id"], bool(r["charged"]), r["circulation_status"], r["title"], r["checked_at"]
            )
            for r in rows
        }

    # -- poll-loop side (never blocks) --------------------------------------------------------------------

    def state(self, item_id: str) -> CirculationState | None:
        """The cached state (maybe stale) or None; a missing or stale one is looked up in the background."""
        state = self._states.get(item_id)
        if state is None:
            self._enqueue(item_id, URGENT)
        elif self.clock() - state.checked_at > self.refresh_s:
            self._enqueue(item_id, ROUTINE)
        return state

    def want_title(self, item_id: str, callback: TitleCallback) -> None:
        """Call ``callback(title)`` from the worker once the title is known (at once if it is)."""
        state = self._states.get(item_id)
        if state is not None and state.title:
            callback(state.title)
            return
        with self._lock:
            self._titles.setdefault(item_id, []).append(callback)
        self._enqueue(item_id, URGENT)

    def put(self, state: CirculationState) -> None:
        """Record a state learnt elsewhere (tests, a preload from the SIGB)."""
        self._store(state)

    def _enqueue(self, item_id: str, priority: int, retry: bool = False) -> None:
        if self.lookup is None:
            return
        with self._lock:
            failed_at = self._failed.get(item_id)
            if item_id in self._queued or (
                not retry and failed_at is not None and self.clock() - failed_at < self.retry_s
            ):
                return
            self._queued.add(item_id)
        self._queue.put((priority, next(self._order), item_id))

    # -- worker side --------------------------------------------------------------------------------------

    def start(self) -> None:
        if self.lookup is not None and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gate-item-lookups", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                _, _, item_id = self._queue.get(timeout=self.retry_s)
            except queue.Empty:
                self._retry_titles()
                continue
            if item_id is None:
                break
            with self._lock:
                self._queued.discard(item_id)
            self.resolve(item_id)

    def resolve(self, item_id: str) -> CirculationState | None:
        """Look one item up now (worker thread, or a test)."""
        assert self.lookup is not None
        self.lookups += 1
        try:
            state = self.lookup.item_state(item_id)
        except LookupFailed as exc:
            self.failures += 1
            with self._lock:
                self._failed[item_id] = self.clock()
            log.warning("item look-up: %s", exc)
            return None
        with self._lock:
            self._failed.pop(item_id, None)
        self._store(state)
        with self._lock:
            callbacks = self._titles.pop(item_id, []) if state.title else []
        for callback in callbacks:
            callback(state.title or "")
        for listener in self.listeners:
            listener(state)
        return state

    def _retry_titles(self) -> None:
        with self._lock:
            waiting = list(self._titles)
        for item_id in waiting:
            self._enqueue(item_id, URGENT, retry=True)

    def _store(self, state: CirculationState) -> None:
        self._states[state.item_id] = state
        if self.store is None:
            return
        with self.store.transaction() as db:
            db["circulation"].upsert(
                {
                    "item_id": state.item_id,
                    "charged": int(state.charged),
                    "circulation_status": state.circulation_status,
                    "title": state.title,
                    "checked_at": state.checked_at,
                },
                pk="item_id",
            )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._queue.put((-1, -1, None))
            self._thread.join(timeout=5.0)
            self._thread = None
        if self.lookup is not None:
            self.lookup.close()
