"""Physical tags of the simulated network: every item, card and stray tag, with UIDs unique network-wide.

Items travel: a book lent at one library comes back at another, so its tag objects (state included: AFI, EAS)
are shared by every simulated station, and UIDs must never repeat between stations (two tags with one UID on
a pad are clones that collide forever). Tags are real ISO 28560-2 images from :func:`iso28560.encode`.
"""

from __future__ import annotations

import itertools

from iso28560 import TagData, encode
from iso28560.model import AFI_ON_LOAN, AFI_SECURED, TypeOfUsage
from simulators.tags import SlixTag, make_uid


class TagFactory:
    def __init__(self, first_serial: int = 0x20_0000) -> None:
        self._serials = itertools.count(first_serial)
        self.items: dict[str, tuple[SlixTag, ...]] = {}

    def _chip(self, image: bytes, dsfid: int, on_loan: bool) -> SlixTag:
        return SlixTag(
            make_uid(next(self._serials)),
            image,
            afi=AFI_ON_LOAN if on_loan else AFI_SECURED,
            dsfid=dsfid,
            eas=not on_loan,
        )

    def item(self, barcode: str, owner: str, *, on_loan: bool, parts: int = 1) -> tuple[SlixTag, ...]:
        """The tags of an item of the network (made once, then the same objects every time)."""
        if barcode not in self.items:
            tags = []
            for part in range(1, parts + 1):
                data = TagData(
                    barcode,
                    owner_institution=owner,
                    parts_in_item=parts,
                    part_number=part,
                    type_of_usage=TypeOfUsage.CIRCULATING,
                )
                image = encode(data)
                tags.append(self._chip(image.memory, image.dsfid, on_loan))
            self.items[barcode] = tuple(tags)
        return self.items[barcode]

    def foreign(self, barcode: str, owner: str = "FR-133331001") -> SlixTag:
        image = encode(TagData(barcode, owner_institution=owner, type_of_usage=TypeOfUsage.CIRCULATING))
        return self._chip(image.memory, image.dsfid, on_loan=False)

    def blank(self) -> SlixTag:
        return SlixTag(make_uid(next(self._serials)), b"", afi=AFI_SECURED)

    def patron_card(self, card: str) -> SlixTag:
        image = encode(TagData(card, type_of_usage=TypeOfUsage.PATRON_CARD_ADULT))
        return self._chip(image.memory, image.dsfid, on_loan=True)
