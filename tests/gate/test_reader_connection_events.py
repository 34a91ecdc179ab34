"""A gate's reader slot hears of an unplugged reader, and of the driver's reconnection, from the driver.

Real drivers over their simulators (pty): the slot subscribes to ``add_connection_listener`` of each reader
it opens, so the monitor and ``reader_up`` follow the link without waiting for the poll loop's failures; a
reader opened with ``reconnect=False`` gives no such events and is still accepted.
"""

from __future__ import annotations

import time

import pytest

from drivers import open_reader
from drivers.base import ItemReader
from drivers.errors import ReaderGone, ReaderTimeout
from gate.readers import DOWN, OK, ReaderSlot
from simulators.readers import simulated_reader, simulator_class
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid


def _field() -> RFField:
    field = RFField()
    field.place(SlixTag(make_uid(3)))
    return field


def _inventory(reader: ItemReader, gone: bool, within: float = 5.0) -> None:
    """What another user of the reader (a poll) would do: the driver notices the loss or reconnects."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            reader.inventory()
            if not gone:
                return
        except (ReaderGone, ReaderTimeout):
            if gone:
                return
        time.sleep(0.05)
    pytest.fail("the reader never " + ("failed" if gone else "came back"))


@pytest.mark.parametrize("protocol", ["feig", "3m"])
def test_slot_follows_unplug_and_reconnection(protocol: str) -> None:
    changes: list[str] = []
    with simulated_reader(_field(), protocol=protocol, transport="pty",
                          driver_options={"timeout": 0.3}) as reader:
        slot = ReaderSlot("left", lambda: reader, on_change=lambda name, state, error: changes.append(state))
        slot.start()
        assert slot.state == OK
        reader.simulator.unplug()
        _inventory(reader, gone=True)
        assert (slot.state, slot.losses) == (DOWN, 1) and slot.error
        reader.simulator.replug()
        _inventory(reader, gone=False)
        assert (slot.state, slot.error, slot.losses) == (OK, None, 1)
        assert changes == [OK, DOWN, OK]
        slot.close()


def test_a_reader_without_reconnection_is_still_used() -> None:
    simulator = simulator_class("feig")(_field())
    try:
        slot = ReaderSlot("left", lambda: open_reader("feig", simulator.serve("pty").port, reconnect=False))
        slot.start()
        assert slot.state == OK and slot.reader is not None
        slot.close()
    finally:
        simulator.close()
