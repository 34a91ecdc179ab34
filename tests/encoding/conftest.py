"""Encoding-station fixtures: one simulated SIGB per module, a fresh demo desk (real FEIG driver) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.encoding.demo import DemoDesk
from simulators.sigb import SimulatedSIGB


@pytest.fixture(scope="module")
def sigb() -> Iterator[SimulatedSIGB]:
    server = SimulatedSIGB().start()
    yield server
    server.stop()


@pytest.fixture
def make_desk(tmp_path: Path, sigb: SimulatedSIGB) -> Iterator:
    desks: list[DemoDesk] = []

    def make(**options) -> DemoDesk:
        desk = DemoDesk(tmp_path / f"desk{len(desks)}", sigb=sigb, **options)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.close()


@pytest.fixture
def desk(make_desk) -> DemoDesk:
    return make_desk()
