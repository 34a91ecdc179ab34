"""TRF7970A driver ↔ EVM simulator over real transports (pty, TCP, pyserial URL): every operation, faults."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_harness import BOOK, TRANSPORTS, UIDS, books_field, check_unplug_and_replug, served

import iso28560
from drivers import open_reader
from drivers.errors import (
    BlockLocked,
    NoTag,
    ProtocolError,
    ReaderError,
    ReaderTimeout,
    WriteFailed,
)
from drivers.trf7970a import TRF7970AReader
from drivers.trf7970a import protocol as p
from simulators.readers.trf7970a import Trf7970aSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag, TagFaults


@pytest.fixture
def field() -> RFField:
    return books_field()


@pytest.fixture(params=TRANSPORTS)
def evm(request: pytest.FixtureRequest, field: RFField):
    with served(Trf7970aSimulator(field), request.param, timeout=0.3) as pair:
        yield pair


def test_every_operation_over_each_transport(evm: tuple[TRF7970AReader, Trf7970aSimulator],
                                             field: RFField) -> None:
    reader, simulator = evm
    assert simulator.rf_on and simulator.commands[:4] == [0xFF, 0x10, 0xF0, 0xF1]  # initialisation
    assert reader.info().firmware == "Firmware Revision 03 from 11/Nov/2013"
    assert sorted(t.uid for t in reader.inventory()) == sorted(UIDS)
    uid = UIDS[0]
    system = reader.system_info(uid)
    assert (system.dsfid, system.afi, system.block_count, system.block_size) == (0x06, 0x07, 28, 4)
    blocks = reader.read_blocks(uid, 0, 10)
    assert blocks.data == BOOK.memory.ljust(112, b"\0")[:40] and blocks.locked == (False,) * 10
    reader.write_blocks(uid, 20, b"ABCDEFGH")
    assert field.get(uid).memory[80:88] == b"ABCDEFGH"
    reader.write_afi(uid, iso28560.AFI_ON_LOAN)
    assert field.get(uid).afi == 0xC2
    assert [t.uid for t in reader.inventory(afi=0xC2)] == [uid]
    reader.write_dsfid(uid, 0x3E)
    assert reader.system_info(uid).dsfid == 0x3E
    for tag_uid in UIDS:
        reader.eas_reset(tag_uid)
    assert reader.eas_alarm() is False
    reader.eas_set(uid)
    assert reader.eas_alarm() is True
    assert reader.eas_alarm(uid) is True and reader.eas_alarm(UIDS[1]) is False
    reader.eas_set(UIDS[1])
    assert reader.eas_alarm() is True  # two armed tags answer the same sequence: still an alarm
    assert reader.read_tag(uid).decoded.primary_item_identifier == "29900012345"
    reader.lock_blocks(uid, 27, 1)
    assert reader.read_blocks(uid, 27, 1).locked == (True,)
    with pytest.raises(BlockLocked) as locked:
        reader.write_blocks(uid, 27, b"XXXX", verify=False)
    assert locked.value.detail == 0x12
    reader.lock_afi(uid)
    with pytest.raises(BlockLocked):
        reader.write_afi(uid, 0x07, verify=False)
    reader.rf_reset()
    assert simulator.rf_on


def test_published_command_lines_reach_the_simulator(field: RFField) -> None:
    simulator = Trf7970aSimulator(field)
    assert simulator.receive(b"0108000304FF0000") == b"TRF7970A EVM \r\n\r\n"
    assert simulator.receive(b"010C00030410002101000000") == b"Register write request.\r\n\r\n"
    # The RFIDGeek inventory (flags 04, low data rate) after selecting low data rate (ISO control 00):
    text = simulator.receive(b"010B000304140401000000").decode()
    assert text.startswith("ISO 15693 Inventory request.\r\n") and text.endswith("\r\n")
    assert sorted(p.parse_inventory_reply(text).uids) == sorted(UIDS)
    # The RFIDGeek write of block 3 on tag E0040150 12345678 (not in the field): no answer.
    assert simulator.receive(b"011700030418202178563412500104E003112233440000") == \
        b"Request mode.\r\n[]\r\n"


def test_data_rate_mismatch_gets_no_answer(field: RFField) -> None:
    simulator = Trf7970aSimulator(field)
    simulator.receive(p.register_write((0, 0x21), (1, p.ISO_15693_HIGH_RATE)))
    low = p.request(p.iso_request(p.ISO_SYSTEM_INFO, UIDS[0], high_rate=False))
    assert simulator.receive(low) == b"Request mode.\r\n[]\r\n"


def test_low_data_rate_driver(field: RFField) -> None:
    simulator = Trf7970aSimulator(field)
    with open_reader("trf7970a", simulator.serve("url").port, high_rate=False) as reader:
        assert simulator.registers[p.REG_ISO_CONTROL] == p.ISO_15693_LOW_RATE
        assert len(reader.inventory()) == 3
        assert reader.system_info(UIDS[2]).afi == 0x07
    simulator.close()


def test_legacy_firmware_collisions_are_resolved_by_the_driver() -> None:
    field = RFField()
    # Same low nibble in the first air byte: all three land in slot 1 of a 16-slot round.
    uids = [bytes.fromhex(f"E00401200000{n:02X}01") for n in (0x10, 0x20, 0x30)]
    for uid in uids:
        field.place(SlixTag(uid))
    simulator = Trf7970aSimulator(field, firmware="legacy")
    with open_reader("trf7970a", simulator.serve("url").port) as reader:
        assert sorted(t.uid for t in reader.inventory()) == sorted(uids)
    assert p.CMD_REQUEST in simulator.commands  # masked one-slot inventories in request mode
    simulator.close()


# --- faults -------------------------------------------------------------------------------------

@pytest.fixture
def url_evm(field: RFField):
    with served(Trf7970aSimulator(field), "url", timeout=0.2) as pair:
        yield pair


def test_no_tag(url_evm, field: RFField) -> None:
    reader, _ = url_evm
    field.clear()
    assert reader.inventory() == []
    with pytest.raises(NoTag, match=r"\[\]"):
        reader.system_info(UIDS[0])
    assert reader.eas_alarm() is False


def test_write_failures(url_evm, field: RFField) -> None:
    reader, _ = url_evm
    field.get(UIDS[0]).faults = TagFaults(fail_writes=1)
    with pytest.raises(WriteFailed) as failed:
        reader.write_blocks(UIDS[0], 10, b"ABCD", verify=False)
    assert failed.value.detail == 0x13
    field.get(UIDS[0]).faults = TagFaults(weak_writes=1)
    with pytest.raises(WriteFailed, match="not verified"):
        reader.write_blocks(UIDS[0], 10, b"WXYZ")
    field.get(UIDS[0]).faults = TagFaults(tear_writes=1)
    with pytest.raises(WriteFailed):
        reader.write_blocks(UIDS[0], 11, b"LMNO")


def test_garbled_reply_is_retried_then_reported(url_evm) -> None:
    reader, simulator = url_evm
    simulator.garble_replies = 1
    assert reader.system_info(UIDS[0]).afi == 0x07
    simulator.garble_replies = 2
    with pytest.raises(ProtocolError, match="not hex"):
        reader.system_info(UIDS[0])


def test_silent_reader_times_out_then_recovers(url_evm) -> None:
    reader, simulator = url_evm
    simulator.silent = True
    with pytest.raises(ReaderTimeout, match="command 0x18"):
        reader.system_info(UIDS[0])
    simulator.silent = False
    assert reader.system_info(UIDS[0]).afi == 0x07


def test_not_an_evm_is_refused(field: RFField) -> None:
    simulator = Trf7970aSimulator(field)
    simulator.silent = True
    with pytest.raises(ReaderTimeout):
        open_reader("trf7970a", simulator.serve("url").port, timeout=0.1, retries=0)
    simulator.close()


def test_unplug_and_replug(field: RFField) -> None:
    with served(Trf7970aSimulator(field), "tcp", timeout=0.2) as (reader, simulator):
        check_unplug_and_replug(reader, simulator)


@pytest.mark.parametrize("transport", ["url", "pty", "tcp"])
def test_registered_with_the_simulation_harness(field: RFField, transport: str) -> None:
    from simulators.readers import simulated_reader, simulator_class

    assert simulator_class("trf7970a") is Trf7970aSimulator
    with simulated_reader(field, protocol="trf7970a", transport=transport,
                          driver_options={"timeout": 0.2}) as reader:
        assert isinstance(reader, TRF7970AReader)
        assert sorted(t.uid for t in reader.inventory()) == sorted(UIDS)
        reader.simulator.drop_responses = 1
        assert reader.system_info(UIDS[1]).afi == 0x07  # the lost reply is retried


@settings(max_examples=150)
@given(st.lists(st.binary(max_size=40), max_size=8), st.integers(0, 0xFF), st.binary(max_size=20))
def test_simulator_survives_any_host_bytes(chunks: list[bytes], command: int, params: bytes) -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0], BOOK.memory))
    simulator = Trf7970aSimulator(field)
    simulator.receive(p.register_write((0, 0x21), (1, 0x02)))
    for chunk in [*chunks, p.encode(command, params), p.request(bytes([0x22, 0x2B]) + params)]:
        reply = simulator.receive(chunk).decode("latin-1")
        for parse in (p.parse_request_reply, p.parse_inventory_reply):
            try:
                parse(reply)
            except ReaderError:
                pass


# --- inventory: one-slot probe and the end of a 16-slot reply ------------------------------------

def sweep(reader: TRF7970AReader, simulator: Trf7970aSimulator, afi: int | None = None):
    """(UIDs found, EVM commands the inventory took)."""
    before = len(simulator.commands)
    uids = sorted(t.uid for t in reader.inventory(afi=afi))
    return uids, simulator.commands[before:]


PROBE, FULL = [p.CMD_REQUEST], [p.CMD_INVENTORY]


def test_one_expected_tag_is_confirmed_by_a_one_slot_probe() -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0]))
    simulator = Trf7970aSimulator(field)
    with open_reader("trf7970a", simulator.serve("url").port) as reader:
        assert sweep(reader, simulator) == ([UIDS[0]], FULL)  # nothing known yet
        for _ in range(3):
            assert sweep(reader, simulator) == ([UIDS[0]], PROBE)
        field.remove(UIDS[0])
        assert sweep(reader, simulator) == ([], PROBE)  # "[]": the field is empty, no 16-slot round
        field.place(SlixTag(UIDS[1]))  # a new tag: its clean answer is checked by a 16-slot round
        assert sweep(reader, simulator) == ([UIDS[1]], PROBE + FULL)
        field.place(SlixTag(UIDS[2]))  # "[z]": several tags
        assert sweep(reader, simulator) == (sorted(UIDS[1:]), PROBE + FULL)
        assert sweep(reader, simulator) == (sorted(UIDS[1:]), FULL)  # two known: no probe
    simulator.close()


def test_expectations_are_kept_per_afi_mask() -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0], afi=0x07))
    field.place(SlixTag(UIDS[1], afi=0xC2))
    simulator = Trf7970aSimulator(field)
    with open_reader("trf7970a", simulator.serve("url").port) as reader:
        assert sweep(reader, simulator, afi=0x07) == ([UIDS[0]], FULL)
        assert sweep(reader, simulator) == (sorted(UIDS[:2]), FULL)
        assert sweep(reader, simulator, afi=0x07) == ([UIDS[0]], PROBE)
        assert sweep(reader, simulator) == (sorted(UIDS[:2]), FULL)
    simulator.close()


def test_a_tag_hidden_by_capture_is_found_by_the_periodic_16_slot_round() -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0]))
    simulator = Trf7970aSimulator(field)
    simulator.capture = True  # the known tag's answer hides the newcomer's: no [z]
    with open_reader("trf7970a", simulator.serve("url").port, recheck_interval=3600) as trusting, \
            open_reader("trf7970a", simulator.serve("url").port, recheck_interval=0) as careful:
        for reader in (trusting, careful):
            assert [t.uid for t in reader.inventory()] == [UIDS[0]]
        field.place(SlixTag(UIDS[1]))
        assert [t.uid for t in trusting.inventory()] == [UIDS[0]]  # the risk recheck_interval bounds
        assert sorted(t.uid for t in careful.inventory()) == sorted(UIDS[:2])
    simulator.close()


def test_probe_can_be_switched_off(field: RFField) -> None:
    field.clear()
    simulator = Trf7970aSimulator(field)
    with open_reader("trf7970a", simulator.serve("url").port, probe=False) as reader:
        reader.inventory()
        assert sweep(reader, simulator) == ([], FULL)
    simulator.close()


class ScriptedLink:
    """A serial link where the EVM simulator answers set-up commands and the inventory reply arrives
    in given pieces, as TI's firmware streams it while its slots run; ``QUIET`` is a read that times out."""

    QUIET = b""

    def __init__(self, inventory_pieces: list[bytes]) -> None:
        self.description = "scripted link"
        self.simulator = Trf7970aSimulator(RFField())
        self.pieces: list[bytes] = []
        self.inventory_pieces = inventory_pieces
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        if data == p.inventory():
            self.pieces = list(self.inventory_pieces)
        else:
            self.pieces = [self.simulator.receive(data)]

    def read(self, max_bytes: int, timeout: float) -> bytes:
        return self.pieces.pop(0) if self.pieces else self.QUIET

    def discard_input(self) -> None:
        self.pieces = []

    def close(self) -> None:
        pass


HEADER = b"ISO 15693 Inventory request.\r\n"
RECORD_A, RECORD_B = b"[78563412500104E0,4E]", b"[0100000020" + b"0104E0,52]"


@pytest.mark.parametrize("pieces", [
    [HEADER, b"\r\n" + RECORD_A, b"\r\n" + RECORD_B, b"\r\n"],  # as the firmware writes it
    [HEADER, b"\r\n", RECORD_A, b"\r\n", RECORD_B, b"\r\n"],  # a USB bridge splitting CR LF from "["
    [HEADER + b"\r", b"\n", b"[7856", b"3412500104E0,4E]\r\n", b"[01000000200104E0,52]", b"\r\n"],
])
def test_a_streamed_inventory_reply_ends_only_at_the_lone_final_crlf(pieces: list[bytes]) -> None:
    link = ScriptedLink(pieces)
    reader = TRF7970AReader(link, probe=False)
    writes = len(link.writes)
    assert [t.uid for t in reader.inventory()] == [bytes.fromhex("E004015012345678"),
                                                   bytes.fromhex("E004012000000001")]
    assert len(link.writes) == writes + 1  # nothing is sent while the reader's slots run


def test_an_old_firmware_reply_needs_no_quiet_wait() -> None:
    slots = b"\r\n".join([RECORD_A.replace(b",4E", b",40")] + [b"[,40]"] * 15)
    link = ScriptedLink([HEADER + slots + b"\r\n", b"[should never be read]"])
    reader = TRF7970AReader(link, probe=False)
    assert [t.uid for t in reader.inventory()] == [bytes.fromhex("E004015012345678")]
    assert link.pieces == [b"[should never be read]"]
