"""ISO 15693 patron cards, read with the station's item reader.

Libraries that issue RFID patron cards in the item format (ISO 28560, type of
usage 0x8x "patron card") need no second reader: the card is laid on the item
pad and read like a book. The patron identifier is the card's primary item
identifier. Items on the pad are ignored; when several patron cards lie there
the first one found wins (the kiosk asks for one card at a time anyway).
"""

from __future__ import annotations

import logging
import time

import iso28560
from drivers.base import ItemReader
from drivers.cards.base import CardRead
from drivers.errors import NoTag, ReaderTimeout
from iso28560.model import is_patron_card

log = logging.getLogger(__name__)


def read_patron_card(reader: ItemReader, *, afi: int | None = None) -> CardRead | None:
    """The first ISO 28560 patron card on ``reader``'s field, or None.

    ``afi`` restricts the inventory (some libraries give patron cards their own AFI).
    Tags that vanish or fail to read during the scan are skipped, not fatal.
    """
    for tag in reader.inventory(afi=afi):
        try:
            card = patron_card_from_tag(reader, tag.uid)
        except (NoTag, ReaderTimeout) as exc:
            log.debug("tag %s left before it could be read: %s", tag.uid_hex, exc)
            continue
        if card is not None:
            return card
    return None


def patron_card_from_tag(reader: ItemReader, uid: bytes) -> CardRead | None:
    """Read and decode one tag; a CardRead if it is a patron card, else None."""
    system = reader.system_info(uid)
    count = system.block_count or 8
    blocks = reader.read_blocks(uid, 0, count)
    decoded = iso28560.decode(blocks.data, dsfid=system.dsfid)
    if decoded.data is None or not is_patron_card(decoded.type_of_usage):
        return None
    identifier = decoded.primary_item_identifier
    if not identifier:
        return None
    return CardRead(identifier, uid, "iso15693", f"item-reader:{type(reader).__name__}")


class ItemReaderCardReader:
    """``CardReader`` over an ``ItemReader``: polls the pad for an ISO 28560 patron card."""

    def __init__(self, reader: ItemReader, *, afi: int | None = None, interval: float = 0.1) -> None:
        self.reader = reader
        self.afi = afi
        self.interval = interval

    def read_card(self, timeout: float = 0.0) -> CardRead | None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                card = read_patron_card(self.reader, afi=self.afi)
            except ReaderTimeout:
                card = None
            if card is not None or time.monotonic() >= deadline:
                return card
            time.sleep(self.interval)

    def close(self) -> None:
        self.reader.close()

