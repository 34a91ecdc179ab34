"""The desk's worker thread: staff commands and pad polls, one at a time, on one thread.

The staff window (and the console front-end) never call the model directly
from their own thread: they :meth:`StationRunner.submit` a command, which runs
between two polls on the worker thread. A command is followed at once by a
poll, so a barcode scanned with the tag already on the pad is handled without
waiting for the next tick. A failing command or poll is logged and the loop
goes on: a display or reader hiccup must not stop the desk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .station import EncodingStation

log = logging.getLogger(__name__)

_STOP = object()


class StationRunner:
    """Runs an :class:`EncodingStation` on a background thread."""

    def __init__(self, station: EncodingStation, *, poll_interval: float = 0.1,
                 stats_interval: float = 2.0) -> None:
        self.station = station
        self.poll_interval = poll_interval
        self.stats_interval = stats_interval
        self._commands: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.polls = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` on the worker thread; the future holds its result or exception."""
        future: Future[Any] = Future()
        self._commands.put((future, fn, args))
        return future

    def command(self, name: str, *args: Any) -> Future[Any]:
        """``runner.command("scan", "3066…")`` → ``station.scan("3066…")`` on the worker thread."""
        return self.submit(getattr(self.station, name), *args)

    def start(self) -> StationRunner:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="encoding-station", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._commands.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> StationRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        next_poll = next_stats = time.monotonic()
        while True:
            try:
                item = self._commands.get(timeout=max(0.0, next_poll - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            if item is not None:
                self._run(*item)
                next_poll = time.monotonic()  # poll right after a command
                continue
            self._safely(self.station.poll)
            self.polls += 1
            now = time.monotonic()
            next_poll = now + self.poll_interval
            if now >= next_stats:
                self._safely(self.station.refresh_stats)
                next_stats = now + self.stats_interval

    @staticmethod
    def _run(future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            log.exception("station command %s failed", getattr(fn, "__name__", fn))
            future.set_exception(exc)

    @staticmethod
    def _safely(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception:
            log.exception("%s failed", getattr(fn, "__name__", fn))
