"""The network's tag profile: which ISO 28560 elements an item tag carries, how it is secured and locked.

One :class:`TagProfile` turns an item identifier and its set information into
the :class:`~iso28560.TagData` every tag of the network must hold, encodes it
for a given tag size, and says what "correctly encoded" means when a tag is
read back: the same data model, the same decoded content, no decoder warnings,
the DSFID of the format and the secured AFI.
"""

from __future__ import annotations

from dataclasses import dataclass

from iso28560 import AFI_SECURED, DecodedTag, EncodedTag, TagData, decode, encode
from iso28560.errors import EncodeError
from kiosk.config import KioskConfig

from .settings import EncodingSection, encoding_settings


@dataclass(frozen=True, slots=True)
class TagProfile:
    """What the network writes on an item tag."""

    format: str = "iso28560-2"
    owner: str | None = None
    type_of_usage: int | None = 0x10
    include_set: bool = True
    lock: tuple[str, ...] = ()
    shelf_source: str = "none"
    afi: int = AFI_SECURED
    eas: bool = True

    @classmethod
    def from_config(cls, config: KioskConfig, settings: EncodingSection | None = None) -> TagProfile:
        settings = settings or encoding_settings(config)
        return cls(
            format=settings.format,
            owner=settings.owner_isil or config.network.branch_isil or None,
            type_of_usage=settings.type_of_usage,
            include_set=settings.set_information,
            lock=settings.lock_elements,
            shelf_source=settings.shelf_location,
            afi=config.security.afi_secured,
            eas=config.security.eas,
        )

    def tag_data(self, item_id: str, parts: int = 1, part: int = 1, shelf: str | None = None) -> TagData:
        """The content of part ``part`` of ``parts`` of item ``item_id`` under this profile."""
        return TagData(
            primary_item_identifier=item_id,
            owner_institution=self.owner,
            parts_in_item=parts,
            part_number=part,
            type_of_usage=self.type_of_usage,
            shelf_location=shelf if self.shelf_source != "none" else None,
        )

    def encode(self, data: TagData, capacity: int) -> EncodedTag:
        """Memory image for a tag of ``capacity`` bytes (raises ``iso28560.errors.EncodeError``)."""
        if self.format == "iso28560-3":
            return encode(data, self.format, capacity)
        return encode(data, self.format, capacity, self.lock, include_set=self.include_set)

    def expected(self, encoded: EncodedTag) -> DecodedTag:
        """How our own image decodes: the reference a read-back is compared with."""
        return decode(encoded.memory, encoded.dsfid)

    def conforms(self, decoded: DecodedTag, data: TagData, capacity: int) -> bool:
        """Does a tag already hold ``data`` in this profile's data model, cleanly?

        Compared after a round trip through our own encoder, so what a data model
        cannot hold (part 3 keeps only the usage class) does not count as a difference.
        """
        if decoded.format != self.format or decoded.warnings or decoded.data is None:
            return False
        try:
            encoded = self.encode(data, capacity)
        except EncodeError:
            return False  # the write will be refused with the encoder's reason
        return decoded.data == self.expected(encoded).data
