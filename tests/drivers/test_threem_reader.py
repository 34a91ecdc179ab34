"""3M driver ↔ 3M simulator over real transports (pty, TCP, pyserial URL): every operation, then faults."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_harness import BOOK, TRANSPORTS, UIDS, books_field, check_unplug_and_replug, served

import iso28560
from drivers import open_reader
from drivers.errors import BlockLocked, NoTag, ProtocolError, ReaderTimeout, WriteFailed
from drivers.threem import ThreeMReader, Unsupported
from drivers.threem import protocol as p
from simulators.readers.threem import COMMANDS, ThreeMSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag, TagFaults, make_uid


@pytest.fixture
def field() -> RFField:
    return books_field()


@pytest.fixture(params=TRANSPORTS)
def pad(request: pytest.FixtureRequest, field: RFField):
    with served(ThreeMSimulator(field), request.param, timeout=0.3) as pair:
        yield pair


def test_every_operation_over_each_transport(pad: tuple[ThreeMReader, ThreeMSimulator],
                                             field: RFField) -> None:
    reader, simulator = pad
    assert reader.info().firmware == "10.5.0.2"
    assert sorted(t.uid for t in reader.inventory()) == sorted(UIDS)
    uid = UIDS[0]
    system = reader.system_info(uid)
    assert (system.dsfid, system.afi, system.block_count, system.block_size) == (0x06, 0x07, 28, 4)
    blocks = reader.read_blocks(uid, 0, 10)  # two commands: 8 + 2 blocks
    assert blocks.data == BOOK.memory.ljust(112, b"\0")[:40] and blocks.locked == (False,) * 10
    reader.write_blocks(uid, 20, b"ABCDEFGHIJKL")
    assert field.get(uid).memory[80:92] == b"ABCDEFGHIJKL"
    reader.write_afi(uid, iso28560.AFI_ON_LOAN)
    assert reader.get_afi(uid) == 0xC2 and field.get(uid).afi == 0xC2
    assert [t.uid for t in reader.inventory(afi=0xC2)] == [uid]
    reader.eas_reset(uid)
    assert field.get(uid).eas is False
    assert reader.eas_alarm() is True  # the two other tags are still armed
    for other in UIDS[1:]:
        reader.eas_reset(other)
    assert reader.eas_alarm() is False
    reader.eas_set(uid)
    assert reader.eas_alarm() is True
    assert reader.eas_alarm(uid) is True and reader.eas_alarm(UIDS[1]) is False
    tag = reader.read_tag(uid)
    assert tag.decoded.primary_item_identifier == "29900012345"
    reader.lock_blocks(uid, 27, 1)
    assert reader.read_blocks(uid, 27, 1).locked == (True,)
    with pytest.raises(BlockLocked) as locked:
        reader.write_blocks(uid, 27, b"XXXX", verify=False)
    assert locked.value.status == 0x12
    reader.lock_afi(uid)
    with pytest.raises(BlockLocked):
        reader.write_afi(uid, 0x07, verify=False)
    assert simulator.requests_seen > 10


def test_published_inventory_bytes_reach_the_simulator(field: RFField) -> None:
    simulator = ThreeMSimulator(field)
    reply = simulator.receive(bytes.fromhex("D60005FE0005FA40"))
    assert reply[:8] == bytes.fromhex("D6001FFE00000503")  # 3 tags: 3 + 1 + 24 + 2 bytes after LEN
    field.clear()
    assert simulator.receive(bytes.fromhex("D60005FE0005FA40")) == bytes.fromhex("D60007FE00000500C97B")


def test_one_block_per_lock_and_one_tag_per_eas_check(field: RFField) -> None:
    simulator = ThreeMSimulator(field)
    with open_reader("3m", simulator.serve("url").port) as reader:
        before = len(simulator.commands)
        reader.lock_blocks(UIDS[0], 24, 3)
        assert simulator.commands[before:] == [p.CMD_LOCK_BLOCK] * 3
        assert reader.read_blocks(UIDS[0], 23, 5).locked == (False, True, True, True, False)
        before = len(simulator.commands)
        assert reader.eas_alarm() is True  # SlixTag is EAS-armed by default
        assert simulator.commands[before:] == [p.CMD_INVENTORY, p.CMD_CHECK_EAS]  # stops at the first
        assert reader.eas_alarm(make_uid(99)) is False  # not in the field: cannot set off a gate
    simulator.close()


def test_unsupported_operations_say_so(field: RFField) -> None:
    simulator = ThreeMSimulator(field)
    with open_reader("3m", simulator.serve("pty").port) as reader:
        with pytest.raises(Unsupported, match="write-DSFID"):
            reader.write_dsfid(UIDS[0], 0x06)
        with pytest.raises(Unsupported, match="RF reset"):
            reader.rf_reset()
        with pytest.raises(Unsupported, match="one antenna"):
            reader.select_antenna(2)
        reader.select_antenna(1)
    simulator.close()


# --- faults -------------------------------------------------------------------------------------

@pytest.fixture
def url_pad(field: RFField):
    with served(ThreeMSimulator(field), "url", timeout=0.2) as pair:
        yield pair


def test_no_tag(url_pad, field: RFField) -> None:
    reader, _ = url_pad
    field.clear()
    assert reader.inventory() == []
    with pytest.raises(NoTag) as error:
        reader.read_blocks(UIDS[0], 0, 4)
    assert error.value.status == 0x06


def test_write_failure_is_reported_and_verified(url_pad, field: RFField) -> None:
    reader, _ = url_pad
    field.get(UIDS[0]).faults = TagFaults(fail_writes=1)
    with pytest.raises(WriteFailed):
        reader.write_blocks(UIDS[0], 10, b"ABCD", verify=False)
    field.get(UIDS[0]).faults = TagFaults(weak_writes=1)  # acknowledged, not retained
    with pytest.raises(WriteFailed, match="not verified"):
        reader.write_blocks(UIDS[0], 10, b"WXYZ")


def test_tag_removed_mid_write_is_caught_by_verification(url_pad, field: RFField) -> None:
    reader, _ = url_pad
    field.get(UIDS[0]).faults = TagFaults(tear_writes=1)
    with pytest.raises(WriteFailed):
        reader.write_blocks(UIDS[0], 10, b"ABCDEFGH")


def test_corrupted_reply_is_retried(url_pad) -> None:
    reader, simulator = url_pad
    simulator.corrupt_responses = 1
    assert len(reader.inventory()) == 3
    simulator.corrupt_responses = 2
    with pytest.raises(ProtocolError, match="CRC mismatch"):
        reader.inventory()


def test_silent_reader_times_out_then_recovers(url_pad) -> None:
    reader, simulator = url_pad
    simulator.silent = True
    with pytest.raises(ReaderTimeout, match="did not answer command 0xFE"):
        reader.inventory()
    simulator.silent = False
    assert len(reader.inventory()) == 3


def test_collision_that_cannot_be_resolved_is_not_reported(field: RFField) -> None:
    # A clone with the same UID but another DSFID: its answers always collide with the original.
    field.place(SlixTag(UIDS[0], BOOK.memory, dsfid=0x3E))
    simulator = ThreeMSimulator(field)
    with open_reader("3m", simulator.serve("url").port) as reader:
        assert sorted(t.uid for t in reader.inventory()) == sorted(UIDS[1:])
    simulator.close()


def test_unplug_and_replug(field: RFField) -> None:
    with served(ThreeMSimulator(field), "pty", timeout=0.2) as (reader, simulator):
        check_unplug_and_replug(reader, simulator)


@pytest.mark.parametrize("transport", ["url", "pty", "tcp"])
def test_registered_with_the_simulation_harness(field: RFField, transport: str) -> None:
    from simulators.readers import simulated_reader, simulator_class

    assert simulator_class("3m") is ThreeMSimulator
    with simulated_reader(field, protocol="3m", transport=transport) as reader:
        assert isinstance(reader, ThreeMReader)
        assert sorted(t.uid for t in reader.inventory()) == sorted(UIDS)
        reader.simulator.silent = True
        with pytest.raises(ReaderTimeout):
            reader.get_afi(UIDS[0])


@settings(max_examples=150)
@given(st.lists(st.binary(max_size=40), max_size=8), st.data())
def test_simulator_survives_any_host_bytes(chunks: list[bytes], data: st.DataObject) -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0], BOOK.memory))
    simulator = ThreeMSimulator(field)
    command = data.draw(st.sampled_from(sorted(COMMANDS)))
    body = data.draw(st.binary(max_size=20))
    for chunk in [*chunks, p.Frame(command, UIDS[0] + body).encode()]:
        for event in p.FrameReader().feed(simulator.receive(chunk)):
            assert isinstance(event, p.Frame)  # whatever it answers is a well-formed frame
