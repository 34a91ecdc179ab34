"""TRF7970A inventory read (NXP INVENTORY READ 0xA0 in request mode) against the EVM simulator."""

from __future__ import annotations

import pytest
from reader_harness import BOOK, UIDS, books_field, served

from drivers import iso15693
from drivers.base import InventoryReader
from drivers.errors import InvalidRequest
from drivers.trf7970a import TRF7970AReader
from drivers.trf7970a import protocol as p
from simulators.readers.trf7970a import Trf7970aSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag

IMAGE = BOOK.memory.ljust(32, b"\0")[:32]


@pytest.fixture
def evm():
    field = books_field()
    with served(Trf7970aSimulator(field), "url", timeout=0.3) as (reader, simulator):
        yield reader, simulator, field


def test_the_trf_driver_offers_inventory_read(evm) -> None:
    reader, _, _ = evm
    assert isinstance(reader, TRF7970AReader) and isinstance(reader, InventoryReader)


def test_lone_tag_none_and_collision_in_one_slot(evm) -> None:
    reader, _, field = evm
    for uid in UIDS[1:]:
        field.remove(uid)
    result = reader.inventory_read(0, 8, afi=0x07)
    assert result.collisions == 0 and [(t.uid, t.data) for t in result.tags] == [(UIDS[0], IMAGE)]
    assert reader.inventory_read(0, 8, afi=0xC2).tags == ()
    field.place(SlixTag(UIDS[1], BOOK.memory))
    assert reader.inventory_read(0, 8, afi=0x07) == type(result)((), 1)


def test_collisions_are_resolved_with_masked_one_slot_requests(evm) -> None:
    reader, simulator, field = evm
    field.place(SlixTag(bytes.fromhex("E004012000000101"), BOOK.memory, afi=0xC2))  # not selected by AFI 07
    before = len(simulator.commands)
    result = reader.inventory_read(0, 4, afi=0x07, one_slot=False)
    assert result.collisions == 0
    assert sorted(t.uid for t in result.tags) == sorted(UIDS)
    assert all(t.data == IMAGE[:16] and t.first_block == 0 for t in result.tags)
    assert set(simulator.commands[before:]) == {p.CMD_REQUEST}  # request mode only


def test_the_requests_on_the_air_are_nxp_inventory_reads_at_26_kbit(evm) -> None:
    reader, _, field = evm
    sent: list[bytes] = []
    transact = field.transact

    def spy(request: bytes, antennas=None):
        sent.append(request)
        return transact(request, antennas)

    field.transact = spy  # type: ignore[method-assign]
    reader.inventory_read(2, 3, afi=0x07)
    # flags, INVENTORY READ, NXP, AFI, mask length, first block, blocks - 1
    assert sent[0] == bytes([0x76, 0xA0, 0x04, 0x07, 0x00, 0x02, 0x02])
    assert sent[0][1] == iso15693.NXP_INVENTORY_READ  # never the FAST variant


def test_a_fast_answer_cannot_be_received(evm) -> None:
    _, simulator, field = evm
    for uid in UIDS[1:]:
        field.remove(uid)
    fast = iso15693.InventoryReadRequest(0, 1, 0x07, fast=True).encode()
    assert simulator._request(fast) == "[z]"
    assert simulator._request(iso15693.InventoryReadRequest(0, 1, 0x07, fast=False).encode()) != "[z]"


def test_bad_ranges_are_refused_before_anything_is_sent(evm) -> None:
    reader, simulator, _ = evm
    before = len(simulator.commands)
    with pytest.raises(InvalidRequest, match="inventory read: cannot read 300 blocks"):
        reader.inventory_read(0, 300)
    assert len(simulator.commands) == before


def test_low_data_rate_readers_send_low_rate_requests() -> None:
    field = RFField()
    field.place(SlixTag(UIDS[0], BOOK.memory))
    with served(Trf7970aSimulator(field), "url", timeout=0.3, high_rate=False) as (reader, _):
        result = reader.inventory_read(0, 8, afi=0x07)
    assert [t.uid for t in result.tags] == [UIDS[0]]
