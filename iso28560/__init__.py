"""ISO 28560 library tag data model: pure codecs for parts 2 and 3 and legacy formats (no I/O).

``decode(memory, dsfid=None)`` recognises and decodes any memory image without
raising; ``encode(data, format, memory, lock)`` builds an image to write, with
the blocks to lock. Everything here is bytes in, values out.
"""

from .crc import crc16_ccitt_false, crc16_reference
from .detect import decode
from .encoder import FORMATS, TAG_MEMORY, encode, tag_capacity
from .errors import CapacityError, EncodeError, Iso28560Error
from .isil import validate_isil
from .model import (
    AFI_ON_LOAN,
    AFI_PROFILES,
    AFI_SECURED,
    DSFID_PART2,
    DSFID_PART3,
    ELEMENT_NAMES,
    ELEMENT_OIDS,
    DecodedTag,
    ElementSpan,
    EncodedTag,
    SecurityProfile,
    TagData,
    TypeOfUsage,
    forbids_offline_issue,
    forbids_offline_return,
    is_equipment,
    is_patron_card,
    usage_class,
)

__all__ = [
    "AFI_ON_LOAN", "AFI_PROFILES", "AFI_SECURED", "DSFID_PART2", "DSFID_PART3", "ELEMENT_NAMES",
    "ELEMENT_OIDS", "FORMATS", "TAG_MEMORY", "CapacityError", "DecodedTag", "ElementSpan", "EncodeError",
    "EncodedTag", "Iso28560Error", "SecurityProfile", "TagData", "TypeOfUsage", "crc16_ccitt_false",
    "crc16_reference", "decode", "encode", "forbids_offline_issue", "forbids_offline_return",
    "is_equipment", "is_patron_card", "tag_capacity", "usage_class", "validate_isil",
]
