"""FeigReader against the FEIG simulator over every transport: operations, faults, reconnection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import serial

import iso28560
from drivers import open_reader
from drivers.base import ItemReader
from drivers.errors import (
    AddressError,
    BlockLocked,
    Collision,
    InvalidRequest,
    NoTag,
    ReaderError,
    ReaderGone,
    ReaderTimeout,
    WriteFailed,
    WriteInterrupted,
)
from drivers.feig import protocol as p
from drivers.feig.reader import FeigReader
from drivers.transport import Backoff
from iso28560.model import TagData
from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

UID = bytes.fromhex("E004015012345678")
FAST = {"timeout": 0.15, "retries": 1}
TRANSPORTS = ["url", "pty", "tcp", "usb"]


@pytest.fixture
def field() -> RFField:
    return RFField()


@pytest.fixture
def reader(field: RFField) -> Iterator[FeigReader]:
    with simulated_reader(field, driver_options=dict(FAST)) as reader:
        yield reader


def encoded(item: str, variant: str = "slix") -> bytes:
    return iso28560.encode(TagData(primary_item_identifier=item, owner_institution="FR-751131015"),
                           memory=variant).memory


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_operation_over_each_transport(field: RFField, transport: str) -> None:
    book = field.place(SlixTag(UID, encoded("30012345678"), afi=0x07, dsfid=0x06))
    other = field.place(SlixTag(make_uid(0xABCDE), afi=0xC2, eas=False))
    with simulated_reader(field, transport=transport, driver_options=dict(FAST)) as reader:
        assert isinstance(reader, FeigReader)
        assert reader.info().model == "ID ISC.MR101"
        assert {t.uid for t in reader.inventory()} == {book.uid, other.uid}
        assert [t.uid for t in reader.inventory(afi=0x07)] == [book.uid]

        system = reader.system_info(UID)
        assert (system.uid, system.afi, system.dsfid) == (UID, 7, 6)
        assert (system.block_count, system.block_size) == (28, 4)
        tag = reader.read_tag(UID)
        assert tag.memory == bytes(book.memory) and tag.decoded.primary_item_identifier == "30012345678"

        reader.write_blocks(UID, 20, b"ABCDEFGH")
        assert bytes(book.memory[80:88]) == b"ABCDEFGH"
        assert reader.read_blocks(UID, 20, 2).data == b"ABCDEFGH"
        reader.lock_blocks(UID, 21, 1)
        assert reader.read_blocks(UID, 20, 2).locked == (False, True)
        with pytest.raises(BlockLocked) as locked:
            reader.write_blocks(UID, 21, b"WXYZ")
        assert (locked.value.status, locked.value.detail) == (0x95, 0x12)

        reader.write_afi(UID, 0xC2)
        assert book.afi == 0xC2 and reader.inventory(afi=0x07) == []
        reader.write_dsfid(other.uid, 0x06)
        reader.lock_afi(other.uid)
        with pytest.raises(BlockLocked):
            reader.write_afi(other.uid, 0x07)

        assert reader.eas_alarm() is True
        reader.eas_reset(UID)
        assert reader.eas_alarm() is False and reader.eas_alarm(UID) is False
        reader.eas_set(other.uid)
        assert reader.eas_alarm(other.uid) is True and book.eas is False
        reader.rf_reset()


def test_implements_item_reader_and_advanced_frames(field: RFField) -> None:
    field.place(SlixTag(UID, b"DATA"))
    with simulated_reader(field, driver_options={**FAST, "advanced": True}) as reader:
        assert isinstance(reader, ItemReader)
        assert reader.read_blocks(UID, 0, 1).data == b"DATA"
        reader.lock_blocks(UID, 0, 1)
        reader.lock_blocks(UID, 0, 1)  # already locked: the goal state, not an error
        with pytest.raises(InvalidRequest, match="not a whole number of 4-byte blocks"):
            reader.write_blocks(UID, 1, b"ABC")
        assert reader.read_blocks(UID, 0, 1).locked == (True,)
    with pytest.raises(TypeError):
        simulated_reader(field, driver_options={"colour": "blue"})


def test_blocks_travel_byte_reversed_on_the_wire(reader: FeigReader, field: RFField) -> None:
    field.place(SlixTag(UID, b"hello world!"))
    raw = reader.transceive(p.read_blocks(UID, 0, 2), "raw read")
    assert raw.data == bytes([2, 4, 0]) + b"lleh" + b"\x00" + b"ow o"
    assert reader.read_blocks(UID, 0, 2).data == b"hello wo"


def test_inventory_more_continuation(field: RFField) -> None:
    population = [field.place(SlixTag(make_uid(n * 7919))) for n in range(10)]
    with simulated_reader(field, max_sets_per_reply=3, driver_options=dict(FAST)) as reader:
        found = reader.inventory()
        assert sorted(t.uid for t in found) == sorted(t.uid for t in population)
        assert reader.simulator.requests_seen == 4  # 3 + 3 + 3 + 1 data sets


def test_reads_longer_than_one_request_are_chunked(field: RFField) -> None:
    memory = bytes(range(256)) + bytes(60)
    field.place(SlixTag(UID, memory, variant="slix2"))
    with simulated_reader(field, driver_options={**FAST, "max_blocks_per_read": 32}) as reader:
        tag = reader.read_tag(UID)
        assert tag.memory == memory and len(tag.locked) == 79
        assert tag.decoded.format in ("unknown", "blank")
        reader.write_blocks(UID, 70, bytes(range(36)))
        assert reader.read_blocks(UID, 70, 9).data == bytes(range(36))


def test_antenna_selection(field: RFField) -> None:
    one = field.place(SlixTag(make_uid(1)), antenna=1)
    two = field.place(SlixTag(make_uid(2)), antenna=2)
    with simulated_reader(field, antennas=2, driver_options={**FAST, "antennas": 2}) as reader:
        assert {(t.uid, t.antenna) for t in reader.inventory()} == {(one.uid, None), (two.uid, None)}
        reader.select_antenna(2)
        assert [(t.uid, t.antenna) for t in reader.inventory()] == [(two.uid, 2)]
        assert [(t.uid, t.antenna) for t in reader.inventory(antenna=1)] == [(one.uid, 1)]
        with pytest.raises(ReaderError, match="antenna 3 does not exist"):
            reader.select_antenna(3)


# -- faults -----------------------------------------------------------------------------------
def test_no_tag(reader: FeigReader) -> None:
    assert reader.inventory() == []
    with pytest.raises(NoTag) as error:
        reader.read_blocks(UID, 0, 1)
    assert error.value.status == 0x01
    assert reader.eas_alarm() is False


def test_address_error(reader: FeigReader, field: RFField) -> None:
    field.place(SlixTag(UID))
    with pytest.raises(AddressError) as error:
        reader.read_blocks(UID, 27, 2)
    assert (error.value.status, error.value.detail) == (0x95, 0x10)


def test_collision_between_clones(reader: FeigReader, field: RFField) -> None:
    field.place(SlixTag(UID, b"AAAA"))
    field.place(SlixTag(UID, b"BBBB"))
    assert [t.uid for t in reader.inventory()] == [UID]  # identical inventory answers add up
    with pytest.raises(Collision) as error:
        reader.read_blocks(UID, 0, 1)
    assert error.value.status == 0x02


def test_programming_failure_is_write_failed(reader: FeigReader, field: RFField) -> None:
    tag = field.place(SlixTag(UID))
    tag.faults.fail_writes = 1
    with pytest.raises(WriteFailed, match=r"block.*0.*read back different") as error:
        reader.write_blocks(UID, 0, b"ABCD")
    assert error.value.detail == 0x13
    tag.faults.fail_writes = 1
    with pytest.raises(WriteFailed):
        reader.write_blocks(UID, 0, b"ABCD", verify=False)


def test_weak_write_caught_only_by_verification(reader: FeigReader, field: RFField) -> None:
    tag = field.place(SlixTag(UID, b"OLD!"))
    tag.faults.weak_writes = 1
    with pytest.raises(WriteFailed, match="not verified"):
        reader.write_blocks(UID, 0, b"NEW!")
    tag.faults.weak_writes = 1
    reader.write_blocks(UID, 0, b"NEW!", verify=False)  # acknowledged, silently not retained
    assert bytes(tag.memory[:4]) == b"OLD!"
    tag.faults.weak_writes = 1
    with pytest.raises(WriteFailed, match=r"AFI .* reads back 0x07, expected 0xC2"):
        reader.write_afi(UID, 0xC2)


def test_tag_removed_mid_write(reader: FeigReader, field: RFField) -> None:
    tag = field.place(SlixTag(UID))
    tag.faults.tear_writes = 1
    with pytest.raises(WriteInterrupted, match="partial write") as error:
        reader.write_blocks(UID, 0, b"ABCDEFGH")
    assert isinstance(error.value, NoTag) and isinstance(error.value, WriteFailed)
    assert bytes(tag.memory[:4]) == b"AB\x00\x00"  # torn block: half written
    assert field.tags == []


def test_tag_bouncing_mid_write_is_settled_by_verification(reader: FeigReader, field: RFField) -> None:
    tag = field.place(SlixTag(UID))
    tag.faults.tear_writes = 1
    tag.faults.tear_return_after = 0.0  # slid off the pad and straight back
    with pytest.raises(WriteFailed, match=r"block\(s\) 0, 1 read back different") as error:
        reader.write_blocks(UID, 0, b"ABCDEFGH")
    assert error.value.status == 0x01  # the cause: no answer to the write
    tag.faults.tear_writes = 1
    tag.faults.tear_keep_bytes = 4  # torn after the block was fully programmed
    reader.write_blocks(UID, 0, b"ABCD")  # read-back proves the data is there
    assert bytes(tag.memory[:4]) == b"ABCD"


def test_corrupted_reply_is_retried(reader: FeigReader, field: RFField) -> None:
    field.place(SlixTag(UID, b"DATA"))
    reader.simulator.corrupt_responses = 1
    started = time.monotonic()
    assert reader.read_blocks(UID, 0, 1).data == b"DATA"
    assert reader.simulator.requests_seen == 2
    assert time.monotonic() - started < reader.timeout  # resent after a short quiet gap


def test_lost_reply_is_retried(reader: FeigReader, field: RFField) -> None:
    field.place(SlixTag(UID))
    reader.simulator.drop_responses = 1
    assert [t.uid for t in reader.inventory()] == [UID]


def test_corrupted_request_gets_no_answer_then_retry_succeeds(field: RFField) -> None:
    field.place(SlixTag(UID))
    with simulated_reader(field, transport="pty", driver_options=dict(FAST)) as reader:
        reader.transport.write(b"\x0F\xFF\xB0")  # a truncated frame: the reader waits, then drops it
        time.sleep(reader.simulator.frame_gap * 1.5)
        assert [t.uid for t in reader.inventory()] == [UID]


def test_silent_reader_times_out(reader: FeigReader) -> None:
    reader.simulator.silent = True
    started = time.monotonic()
    with pytest.raises(ReaderTimeout, match="after 2 attempt"):
        reader.inventory()
    assert 0.25 < time.monotonic() - started < 1.0
    reader.simulator.silent = False
    assert reader.inventory() == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unplug_and_replug(field: RFField, transport: str) -> None:
    field.place(SlixTag(UID))
    options = {**FAST, "backoff": Backoff(initial=0.05, maximum=0.2)}
    with simulated_reader(field, transport=transport, driver_options=options) as reader:
        states: list[str] = []
        reader.add_connection_listener(lambda state, error: states.append(state))
        assert len(reader.inventory()) == 1
        reader.simulator.unplug()
        with pytest.raises(ReaderGone):
            reader.inventory()
        assert states == ["disconnected"]
        with pytest.raises(ReaderGone):  # still unplugged: no hammering, a clear error
            reader.inventory()
        reader.simulator.replug()
        assert reader.transport.wait_connected(2.0)
        assert [t.uid for t in reader.inventory()] == [UID]
        assert states == ["disconnected", "connected"]


def test_shared_between_threads(field: RFField) -> None:
    for n in range(5):
        field.place(SlixTag(make_uid(n + 10), bytes([n]) * 16))
    errors: list[BaseException] = []
    with simulated_reader(field, transport="pty", driver_options=dict(FAST)) as reader:
        def background_inventory() -> None:
            try:
                for _ in range(30):
                    assert len(reader.inventory()) == 5
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=background_inventory)
        thread.start()
        for n in range(30):
            uid = make_uid(n % 5 + 10)
            assert reader.read_blocks(uid, 0, 4).data == bytes([n % 5]) * 16
        thread.join()
    assert errors == []


def test_buffered_read_mode(field: RFField) -> None:
    with simulated_reader(field, mode="buffered", scan_period=0.01, driver_options=dict(FAST)) as reader:
        reader.init_buffer()
        assert reader.buffered_read() == []
        field.place(SlixTag(UID), antenna=1)
        deadline = time.monotonic() + 2
        records: list[p.BufferRecord] = []
        while not records and time.monotonic() < deadline:
            records = reader.buffered_read()
            time.sleep(0.01)
        assert [(r.uid, r.antenna, r.tr_type) for r in records] == [(UID, 1, 3)]
        assert reader.buffer_info().length == 1
        reader.clear_buffer()
        assert reader.buffer_info().length == 0
        with pytest.raises(ReaderError) as error:
            reader.inventory()
        assert error.value.status == 0x82


def test_pyserial_native_url_and_open_reader_errors(field: RFField) -> None:
    with simulated_reader(field) as reader:
        port = serial.serial_for_url(reader.transport.description, timeout=0.5)
        port.write(p.software_version().encode())
        assert p.FrameParser().feed(port.read(13))[0].status == 0
        port.close()
    with pytest.raises(ReaderError, match="unknown reader driver 'acme'"):
        open_reader("acme", "/dev/null")
    with pytest.raises(ReaderGone, match=r"known URL schemes: .*simreader"):
        open_reader("feig", "nosuch://x")
    with pytest.raises(ReaderGone, match="no simulated reader at simreader://gone"):
        open_reader("feig", "simreader://gone")
