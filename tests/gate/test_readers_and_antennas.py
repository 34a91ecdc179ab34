"""Several readers and antennas per gate: each antenna is polled in turn, a lost reader does not stop the
others, and a buffered reader's records from every antenna reach the alarm (one fetch per cycle)."""

from __future__ import annotations

from types import SimpleNamespace

from drivers.base import TagInfo
from drivers.outputs.simulated import SimulatedOutput
from gate.buffered import BufferedInventory
from gate.events import Reason
from gate.readers import DOWN
from gate.service import build_gate
from gate.store import GateDatabase
from simulators.rf import RFField

from .conftest import gate_config
from .field_reader import FieldReader
from .test_controller import chip

READERS = """
[[reader]]
name = "left"
driver = "feig"
port = "unused"
antennas = [1, 2]
[[reader]]
name = "right"
driver = "feig"
port = "unused"
"""


class AntennaReader(FieldReader):
    """A field reader whose tags are each on one antenna; an inventory for another antenna misses them."""

    def __init__(self, rf_field: RFField, antenna_of: dict[bytes, int]) -> None:
        super().__init__(rf_field)
        self.antenna_of = antenna_of
        self.asked: list[int | None] = []

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        self.asked.append(antenna)
        tags = super().inventory(afi)
        return [
            TagInfo(t.uid, t.dsfid, antenna)
            for t in tags
            if antenna is None or self.antenna_of.get(t.uid, 1) == antenna
        ]


def gate_with(config, readers):
    light = SimulatedOutput("light")
    gate = build_gate(config, readers=readers, outputs=[light], counter=None, lookup=None,
                      store=GateDatabase(":memory:"))
    alarms: list = []
    gate.controller.on_alarm.append(lambda alarm, record: alarms.append((alarm, record)))
    gate.controller.start()
    return gate, alarms, light


def test_every_antenna_of_every_reader_is_polled_and_a_lost_reader_leaves_the_other_working() -> None:
    left_field, right_field = RFField(seed=1), RFField(seed=2)
    on_antenna_2 = left_field.place(chip("secured"))
    left = AntennaReader(left_field, {on_antenna_2.uid: 2})
    right = FieldReader(right_field, "right")
    readers = {"left": lambda: left, "right": lambda: right}
    gate, alarms, light = gate_with(gate_config("afi", READERS), readers)
    try:
        gate.controller.cycle()
        assert left.asked == [1, 2]  # both antennas, in turn
        assert [(a.reason, r.reader, r.antenna) for a, r in alarms] == [(Reason.SECURED, "left", 2)]
        left.unplugged = True
        gate.controller.cycle()
        assert gate.controller.slots[0].state == DOWN
        right_field.place(chip("secured"))
        gate.controller.cycle()
        assert [r.reader for _, r in alarms] == ["left", "right"] and light.active
    finally:
        gate.close()


class BufferedFeig:
    """FEIG buffered read mode: the reader inventories every antenna itself; the host fetches and clears."""

    def __init__(self) -> None:
        self.records: list = []
        self.fetches = 0

    def init_buffer(self) -> None:
        pass

    def buffered_read(self) -> list:
        self.fetches += 1
        records, self.records = self.records, []
        return records

    def clear_buffer(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_buffered_reader_with_several_antennas_is_fetched_once_per_cycle_and_loses_no_record() -> None:
    extra = READERS.replace('antennas = [1, 2]\n', 'antennas = [1, 2]\nread_mode = "buffered"\n')
    feig = BufferedFeig()
    right = FieldReader(RFField(seed=3), "right")
    gate, alarms, _ = gate_with(
        gate_config("afi", extra), {"left": lambda: BufferedInventory(feig), "right": lambda: right}
    )
    try:
        assert gate.controller.slots[0].antennas == ()  # the reader reads all its antennas itself
        feig.records = [SimpleNamespace(uid=bytes.fromhex("E004015000000002"), data=None, antenna=2)]
        gate.controller.cycle()
        assert feig.fetches == 1
        assert [(a.reason, r.antenna) for a, r in alarms] == [(Reason.UNIDENTIFIED, 2)]
    finally:
        gate.close()
