"""Every item reader driver tells its listeners when the reader is unplugged and when it is back.

The station learns of a lost reader at once (``"disconnected"`` with the ``ReaderGone``) instead of at its
next poll, and learns of the reconnection the driver made by itself with backoff (``"connected"``). Same
semantics for the three drivers, through their simulators' unplug()/replug() over a pty and over TCP.
"""

from __future__ import annotations

import time

import pytest

from drivers import open_reader
from drivers.base import ItemReader
from drivers.errors import ReaderError, ReaderGone, ReaderTimeout
from simulators.readers import simulated_reader, simulator_class
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

PROTOCOLS = ["feig", "3m", "trf7970a"]
UID = make_uid(7)


def _field() -> RFField:
    field = RFField()
    field.place(SlixTag(UID))
    return field


def _inventory_until_back(reader: ItemReader, within: float = 5.0) -> list[bytes]:
    deadline = time.monotonic() + within
    while True:
        try:
            return [tag.uid for tag in reader.inventory()]
        except (ReaderGone, ReaderTimeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.parametrize("transport", ["pty", "tcp"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_listener_told_of_unplug_and_reconnection(protocol: str, transport: str) -> None:
    events: list[tuple[str, BaseException | None]] = []
    with simulated_reader(_field(), protocol=protocol, transport=transport,
                          driver_options={"timeout": 0.3}) as reader:
        assert isinstance(reader, ItemReader)
        reader.add_connection_listener(lambda state, error: events.append((state, error)))
        assert [tag.uid for tag in reader.inventory()] == [UID]
        assert events == []
        reader.simulator.unplug()
        with pytest.raises(ReaderGone):
            for _ in range(3):  # a pty may swallow one write before the loss shows; the link never comes back
                reader.inventory()
        assert [state for state, _ in events] == ["disconnected"]
        assert isinstance(events[0][1], ReaderGone)
        reader.simulator.replug()
        assert _inventory_until_back(reader) == [UID]
        assert [state for state, _ in events] == ["disconnected", "connected"]
        assert events[1][1] is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_listener_needs_a_reconnecting_transport(protocol: str) -> None:
    simulator = simulator_class(protocol)(_field())
    try:
        with (open_reader(protocol, simulator.serve("pty").port, reconnect=False) as reader,
              pytest.raises(ReaderError, match="does not reconnect")):
            reader.add_connection_listener(lambda state, error: None)
    finally:
        simulator.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_failing_listener_does_not_break_the_driver(protocol: str) -> None:
    told: list[str] = []

    def broken(state: str, error: BaseException | None) -> None:
        raise RuntimeError("listener bug")

    with simulated_reader(_field(), protocol=protocol, transport="pty",
                          driver_options={"timeout": 0.3}) as reader:
        reader.add_connection_listener(broken)
        reader.add_connection_listener(lambda state, error: told.append(state))
        reader.simulator.unplug()
        with pytest.raises(ReaderGone):
            for _ in range(3):
                reader.inventory()
        reader.simulator.replug()
        assert _inventory_until_back(reader) == [UID]
        assert told == ["disconnected", "connected"]
