"""Legacy 3M "RFID 501" item format and blank-tag recognition.

3M's pre-ISO alphanumeric format, as documented by Biblio::RFID (Dobrica
Pavlinušić) from tags in the field::

    0       0x04
    1       high nibble: number of this item in the set, low nibble: items in the set
    2       0x00
    3       item type (1 book, 2 magazine, 6 CD …)
    4–19    barcode, ASCII, 0x00 terminated
    20–23   branch (12 bits) and library (20 bits), big-endian
    24–27   custom signed 32-bit integer

A 3M "manufacturing blank" is 24 bytes of 0x55 followed by zeros.
"""

from __future__ import annotations

from .model import DecodedTag, TagData

FORMAT = "3m-rfid501"
ITEM_TYPES = {0: "other", 1: "book", 2: "magazine", 3: "bound journal", 4: "audio tape", 5: "video",
              6: "CD/CD-ROM", 7: "diskette", 8: "book with diskette", 9: "book with CD/CD-ROM",
              13: "book with audio tape"}
_PRINTABLE = frozenset(range(0x21, 0x7F))


def blank_reason(memory: bytes) -> str | None:
    """Why ``memory`` is a blank tag (all 0x00, all 0xFF, 3M manufacturing blank), or None."""
    if not memory:
        return None
    first = memory[0]
    if first in (0x00, 0xFF) and memory.count(first) == len(memory):
        return f"every byte is 0x{first:02X}"
    if first == 0x55 and memory[:24].count(0x55) == 24 and not memory[24:].strip(b"\x00"):
        return "3M manufacturing blank (0x55 pattern)"
    return None


def decode(memory: bytes) -> DecodedTag | None:
    """Decode a 3M RFID 501 item tag, or None if the bytes are not one."""
    if len(memory) < 24 or memory[0] != 0x04 or memory[2] != 0x00:
        return None
    barcode, _, rest = memory[4:20].partition(b"\x00")
    if not barcode or not set(barcode) <= _PRINTABLE or rest.strip(b"\x00"):
        return None
    part, parts = memory[1] >> 4, memory[1] & 0x0F
    item_type = memory[3]
    location = int.from_bytes(memory[20:24], "big")
    custom = int.from_bytes(memory[24:28], "big", signed=True) if len(memory) >= 28 else 0
    warnings = []
    if part > parts or not part:
        warnings.append(f"set-information-invalid: item {part} of {parts}")
    if len(memory) >= 32 and memory[28:32].strip(b"\x00"):
        warnings.append("3m-last-block-not-zero: bytes 28-31 are expected to be 0x00")
    extra = (("3m_item_type", bytes([item_type])), ("3m_branch_library", bytes(memory[20:24])),
             ("3m_custom", bytes(memory[24:28])))
    data = TagData(primary_item_identifier=barcode.decode("ascii"), parts_in_item=parts, part_number=part,
                   extra=extra)
    elements = (("primary_item_identifier", data.primary_item_identifier), ("parts_in_item", parts),
                ("part_number", part), ("3m_item_type", item_type),
                ("3m_item_type_label", ITEM_TYPES.get(item_type, "unknown")),
                ("3m_branch", location >> 20), ("3m_library", location & 0xFFFFF), ("3m_custom", custom))
    return DecodedTag(FORMAT, data, bytes(memory), elements, None, tuple(warnings))
