"""The station's worker thread: commands from another thread, models updated from the worker."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kiosk.circulation.models import ItemStatus, Mode
from kiosk.demo import Demo


def test_worker_thread_runs_commands_and_polls_the_pad(tmp_path: Path) -> None:
    with Demo(
        tmp_path, config={"reader": {"poll_interval": 0.01}}, client_options={"keepalive_interval": 0.0}
    ) as demo:
        station = demo.station
        sessions, threads = [], set()
        station.events.session.connect(
            lambda e: (sessions.append(e.value), threads.add(threading.current_thread()))
        )
        station.start()
        try:
            card = demo.patron("patron_ok")
            assert station.identify(card, demo.pin(card)).result(timeout=10)
            assert station.status.mode is Mode.BORROW
            item = demo.item("item_available")
            demo.place(item)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                rows = list(station.session.items)
                if rows and rows[0].status.terminal:
                    break
                time.sleep(0.01)
            assert rows[0].status is ItemStatus.BORROWED
            station.finish().result(timeout=10)
            assert station.session is None and sessions[-1] is None
            assert threads == {station._thread}  # model events come from the worker, never the caller
        finally:
            station.stop()
