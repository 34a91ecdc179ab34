"""ISO 28560 patron cards (type of usage 0x8x) read through an item reader, driver ↔ simulator."""

from __future__ import annotations

import pytest

import iso28560
from drivers.cards import open_card_reader
from drivers.cards.iso15693 import ItemReaderCardReader, read_patron_card
from drivers.trf7970a import open_reader
from simulators.readers.trf7970a import Trf7970aSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

BOOK_UID, CARD_UID = make_uid(10), make_uid(11)


def patron_card(identifier: str, usage: int = iso28560.TypeOfUsage.PATRON_CARD_ADULT) -> bytes:
    return iso28560.encode(iso28560.TagData(identifier, owner_institution="FR-751131015",
                                            type_of_usage=usage)).memory


@pytest.fixture
def evm():
    field = RFField()
    field.place(SlixTag(BOOK_UID, iso28560.encode(iso28560.TagData("29900012345",
                                                                  type_of_usage=0x10)).memory))
    simulator = Trf7970aSimulator(field)
    endpoint = simulator.serve("url")
    yield field, endpoint.port
    simulator.close()


def test_patron_card_among_books_is_found(evm) -> None:
    field, port = evm
    with open_reader(port) as reader:
        assert read_patron_card(reader) is None  # only a book on the pad
        field.place(SlixTag(CARD_UID, patron_card("C0012345")))
        card = read_patron_card(reader)
    assert card is not None
    assert (card.identifier, card.uid, card.technology) == ("C0012345", CARD_UID, "iso15693")


def test_equipment_and_blank_tags_are_not_patron_cards(evm) -> None:
    field, port = evm
    field.place(SlixTag(CARD_UID, patron_card("PC-07", usage=iso28560.TypeOfUsage.EQUIPMENT_PC)))
    field.place(SlixTag(make_uid(12)))  # blank
    with open_reader(port) as reader:
        assert read_patron_card(reader) is None


def test_card_reader_interface_over_the_item_reader(evm) -> None:
    field, port = evm
    field.place(SlixTag(CARD_UID, patron_card("C0099999", usage=iso28560.TypeOfUsage.PATRON_CARD_CHILD)))
    reader = open_card_reader(f"iso15693:trf7970a:{port}")
    try:
        assert isinstance(reader, ItemReaderCardReader)
        assert reader.read_card().identifier == "C0099999"
        field.remove(CARD_UID)
        assert reader.read_card(timeout=0.15) is None
    finally:
        reader.close()
