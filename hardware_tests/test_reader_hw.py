"""The driver operations against a real item reader (procedure: docs/hardware-testing.md).

    BORNE_READER=feig:/dev/ttyUSB0 pytest hardware_tests/test_reader_hw.py -v
    BORNE_READER=feig:tcp://10.0.0.5:10001 BORNE_READER_WRITE=1 pytest hardware_tests -v

Needs exactly one ICODE SLIX/SLIX2 test tag on the antenna. Without
``BORNE_READER_WRITE=1`` only reading tests run; with it, the last unlocked block, the
AFI and the EAS bit of the test tag are written and then restored (never use a library
item: a torn write could damage it). Skipped entirely when ``BORNE_READER`` is not set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from drivers import open_reader
from drivers.base import InventoryReader, ItemReader, TagInfo
from drivers.errors import Unsupported

SETTING = os.environ.get("BORNE_READER", "")
DRIVER, _, PORT = SETTING.partition(":")
WRITES = os.environ.get("BORNE_READER_WRITE") == "1"

NO_READER = ("no real reader: set BORNE_READER=driver:port (e.g. feig:/dev/ttyUSB0), "
             "see docs/hardware-testing.md")
NO_WRITES = "writes disabled: set BORNE_READER_WRITE=1 with a test tag"
pytestmark = [pytest.mark.hardware, pytest.mark.skipif(not (DRIVER and PORT), reason=NO_READER)]
needs_writes = pytest.mark.skipif(not WRITES, reason=NO_WRITES)


@pytest.fixture(scope="module")
def reader() -> Iterator[ItemReader]:
    baud = os.environ.get("BORNE_READER_BAUD")
    with open_reader(DRIVER, PORT, baudrate=int(baud) if baud else None) as reader:
        yield reader


@pytest.fixture(scope="module")
def tag(reader: ItemReader) -> TagInfo:
    tags = reader.inventory()
    if len(tags) != 1:
        pytest.fail(f"put exactly one test tag on the antenna (inventory found {len(tags)})")
    return tags[0]


def test_reader_information(reader: ItemReader) -> None:
    info = reader.info()
    print(f"\nreader: {info.model}, firmware {info.firmware}, {info.antennas} antenna(s)")
    assert info.firmware


def test_inventory_is_stable(reader: ItemReader, tag: TagInfo) -> None:
    for _ in range(10):
        assert [t.uid for t in reader.inventory()] == [tag.uid]
    assert tag.uid[0] == 0xE0, "UIDs must come MSB first (E0 …)"


def test_system_information(reader: ItemReader, tag: TagInfo) -> None:
    info = reader.system_info(tag.uid)
    print(f"\nsystem: {info}")
    assert info.uid == tag.uid and info.block_size == 4 and info.block_count in (28, 79)


def test_afi_masked_inventory(reader: ItemReader, tag: TagInfo) -> None:
    """Checks the inventory MODE AFI bit assumption (drivers/feig/protocol.py)."""
    afi = reader.system_info(tag.uid).afi
    assert [t.uid for t in reader.inventory(afi=afi)] == [tag.uid]
    other = 0xC2 if afi != 0xC2 else 0x07
    assert reader.inventory(afi=other) == []


def test_read_whole_tag(reader: ItemReader, tag: TagInfo) -> None:
    read = reader.read_tag(tag.uid)
    print(f"\nformat {read.decoded.format}, item {read.decoded.primary_item_identifier}, "
          f"locked blocks {[n for n, locked in enumerate(read.locked) if locked]}")
    assert len(read.memory) == read.system.block_count * read.system.block_size
    assert reader.read_blocks(tag.uid, 0, 1).data == read.memory[:4]


def test_inventory_read_matches_inventory_and_read(reader: ItemReader, tag: TagInfo) -> None:
    """Checks the FEIG [0xBF] transparent command assumptions (docs/hardware-testing.md)."""
    if not isinstance(reader, InventoryReader):
        pytest.skip(f"{DRIVER}: no inventory read in this driver")
    afi = reader.system_info(tag.uid).afi
    result = reader.inventory_read(0, 8, afi=afi)
    print(f"\ninventory read: {result}")
    assert result.collisions == 0 and [t.uid for t in result.tags] == [tag.uid]
    assert result.tags[0].data == reader.read_blocks(tag.uid, 0, 8).data
    sixteen = reader.inventory_read(0, 8, afi=afi, one_slot=False)
    assert [t.uid for t in sixteen.tags] == [tag.uid] and sixteen.collisions == 0
    assert reader.inventory_read(0, 8, afi=0xC2 if afi != 0xC2 else 0x07).tags == ()


def test_eas_alarm_query(reader: ItemReader, tag: TagInfo) -> None:
    assert reader.eas_alarm(tag.uid) in (True, False)


def test_rf_reset(reader: ItemReader, tag: TagInfo) -> None:
    try:
        reader.rf_reset()
    except Unsupported as exc:  # the protocol has no such command (3M): not a hardware fault
        pytest.skip(f"{DRIVER}: {exc}")
    assert [t.uid for t in reader.inventory()] == [tag.uid]


def _free_block(reader: ItemReader, tag: TagInfo) -> int:
    info = reader.system_info(tag.uid)
    blocks = reader.read_blocks(tag.uid, 0, info.block_count)
    free = [n for n, locked in enumerate(blocks.locked) if not locked]
    if not free:
        pytest.skip("every block of the test tag is locked")
    return free[-1]


@needs_writes
def test_write_block_and_byte_order(reader: ItemReader, tag: TagInfo) -> None:
    block = _free_block(reader, tag)
    original = reader.read_blocks(tag.uid, block, 1).data
    try:
        reader.write_blocks(tag.uid, block, bytes.fromhex("11223344"))
        assert reader.read_blocks(tag.uid, block, 1).data == bytes.fromhex("11223344")
        if DRIVER == "feig":
            from drivers.feig import protocol as p

            raw = reader.transceive(p.read_blocks(tag.uid, block, 1), "raw read")  # type: ignore[attr-defined]
            print(f"\nblock {block} on the wire: {raw.data[3:7].hex(' ')} (memory 11 22 33 44)")
            assert raw.data[3:7] == bytes.fromhex("44332211"), (
                "this reader sends blocks in memory order: open it with block_order='memory'")
    finally:
        reader.write_blocks(tag.uid, block, original)


@needs_writes
def test_write_afi_round_trip(reader: ItemReader, tag: TagInfo) -> None:
    original = reader.system_info(tag.uid).afi
    try:
        for afi in (0xC2, 0x07):
            reader.write_afi(tag.uid, afi, verify=True)
            assert reader.system_info(tag.uid).afi == afi
    finally:
        if original is not None:
            reader.write_afi(tag.uid, original)


@needs_writes
def test_eas_round_trip(reader: ItemReader, tag: TagInfo) -> None:
    original = reader.eas_alarm(tag.uid)
    try:
        reader.eas_set(tag.uid)
        assert reader.eas_alarm(tag.uid) is True and reader.eas_alarm() is True
        reader.eas_reset(tag.uid)
        assert reader.eas_alarm(tag.uid) is False
    finally:
        (reader.eas_set if original else reader.eas_reset)(tag.uid)
