"""Legacy tag memories as found in the field, for the demo desk, the tests and the benchmark.

Each function returns the user memory a tag written by another system holds:

- ISO 28560-3 (Danish data model) basic blocks, written by our own part-3
  encoder, and the vendor deviations documented by libdanrfid's DDM findings
  and the reference notes: bytes reversed in every 4-byte block (FKI),
  version/usage nibbles swapped (Bibliotheca), parts and part number swapped
  (rfidgeek writer), CRC missing, country repeated in the ISIL, a title in an
  extension block (which the network profile must not keep);
- 3M "RFID 501" items (layout documented by Biblio::RFID): 0x04, set nibbles,
  0x00, item type, barcode 0x00-terminated, branch/library, custom word.
"""

from __future__ import annotations

from iso28560 import TagData, encode
from iso28560.part3 import basic_crc, reverse_blocks

PART3_VARIANTS = ("standard", "bytes-reversed", "nibbles-swapped", "parts-swapped", "crc-missing",
                  "country-repeated", "with-title")


def part3_memory(item_id: str, owner: str | None = "FR-660010101", *, parts: int = 1, part: int = 1,
                 variant: str = "standard", type_of_usage: int = 0x10) -> bytes:
    """An ISO 28560-3 tag image (34-byte basic block), possibly with a documented vendor deviation."""
    if variant not in PART3_VARIANTS:
        raise ValueError(f"unknown part-3 variant {variant!r}: use one of {', '.join(PART3_VARIANTS)}")
    title = "Les Misérables" if variant == "with-title" else None
    if variant == "nibbles-swapped" and type_of_usage >> 4 == 1:
        type_of_usage = 0x20  # with usage class 1 the swap is invisible (0x11): use "not for circulation"
    data = TagData(item_id, owner_institution=owner, parts_in_item=parts, part_number=part,
                   type_of_usage=type_of_usage, title=title)
    image = bytearray(encode(data, format="iso28560-3").memory)
    if variant == "bytes-reversed":
        return reverse_blocks(bytes(image))
    if variant == "nibbles-swapped":
        image[0] = (image[0] & 0x0F) << 4 | image[0] >> 4
    elif variant == "parts-swapped":
        image[1], image[2] = image[2], image[1]
    elif variant == "country-repeated" and owner:
        country = owner.split("-", 1)[0]
        library = image[23:34].rstrip(b"\x00")
        image[23:34] = (country.encode() + library)[:11].ljust(11, b"\x00")
    if variant == "crc-missing":
        image[19] = image[20] = 0
    else:
        crc = basic_crc(bytes(image), 34)
        image[19], image[20] = crc & 0xFF, crc >> 8
    return bytes(image)


def three_m_memory(item_id: str, *, parts: int = 1, part: int = 1, item_type: int = 1,
                   branch: int = 0x001, library: int = 0x00042) -> bytes:
    """A 3M RFID 501 item tag image (32 bytes)."""
    barcode = item_id.encode("ascii")
    if not 1 <= len(barcode) <= 15:
        raise ValueError("3M RFID 501 barcodes hold 1 to 15 characters (16 with the terminator)")
    image = bytearray(32)
    image[0], image[1], image[2], image[3] = 0x04, (part << 4) | parts, 0x00, item_type
    image[4:4 + len(barcode)] = barcode
    image[20:24] = ((branch << 20) | library).to_bytes(4, "big")
    return bytes(image)
