"""A kiosk on the real simulators for circulation tests: SIGB over TCP, reader driver over a URL transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.demo import Demo
from kiosk.faultsim.runner import ManualClock, demo_for_runs


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def demo(tmp_path: Path, clock: ManualClock) -> Iterator[Demo]:
    # a generous SIP2 timeout: a loaded machine must not turn a slow reply into a lost one here
    kiosk = demo_for_runs(tmp_path, clock, config={"sigb": {"timeout": 1.0}})
    kiosk.station.open()
    yield kiosk
    kiosk.close()


def settle(demo: Demo, steps: int = 8) -> None:
    """Poll the pad until nothing new arrives, moving the station clock on (set waits expire)."""
    for _ in range(steps):
        demo.station.step()
        demo.clock.advance(0.5)


def login(demo: Demo, scenario: str = "patron_ok") -> str:
    card = demo.patron(scenario)
    assert demo.station.identify(card, demo.pin(card)).result()
    return card


def rows(demo: Demo) -> dict[str, object]:
    session = demo.station.session
    return {row.item_id: row for row in session.items} if session is not None else {}
