"""The station hears of an unplugged pad reader, and of its return, from the driver's connection listener.

In identification and staff modes the station does not poll the pad, so only the listener can tell it; the
change is queued by the transport's thread and applied on the station's side (here: the next ``step``).
"""

from __future__ import annotations

import time

import pytest

from drivers.errors import ReaderGone, ReaderTimeout
from kiosk.demo import Demo


def _reader_info_until(demo: Demo, ok: bool, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            demo.station.reader_info().result()
            if ok:
                return
        except (ReaderGone, ReaderTimeout):
            if not ok:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"reader never {'answered' if ok else 'failed'}")
        time.sleep(0.05)


def test_unplug_and_replug_reach_the_status_without_a_poll(demo: Demo) -> None:
    demo.station.begin_identification().result()  # no pad polls from now on
    assert demo.station.status.reader_ok
    demo.station.reader.simulator.unplug()
    _reader_info_until(demo, ok=False)
    demo.station.step()
    assert not demo.station.status.reader_ok and demo.station.status.reader_error
    assert demo.station.journal.counts["error:reader"] == 1
    demo.station.reader.simulator.replug()
    _reader_info_until(demo, ok=True)
    demo.station.step()
    assert demo.station.status.reader_ok and demo.station.status.reader_error is None
    assert demo.station.journal.counts["event:reader-reconnected"] == 1


def test_a_running_station_is_told_at_once(demo: Demo) -> None:
    demo.station.begin_identification().result()
    demo.station.start()
    try:
        demo.station.reader.simulator.unplug()
        _reader_info_until(demo, ok=False)
        deadline = time.monotonic() + 5.0
        while demo.station.status.reader_ok and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not demo.station.status.reader_ok
    finally:
        demo.station.stop()
