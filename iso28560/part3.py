"""ISO 28560-3: the fixed-length basic block (Danish data model lineage), with extension blocks.

Basic block layout (34 bytes; the older 32-byte form stops after byte 31)::

    0       version (high nibble, 1) | type-of-usage class (low nibble)
    1       parts in item
    2       part number
    3–18    primary item identifier, ASCII, left aligned, 0x00 padded
    19–20   CRC-16/CCITT-FALSE, least significant byte first
    21–22   owner ISIL country code
    23–33   owner ISIL library identifier (no hyphen), 0x00 padded

The CRC covers bytes 0–18 then 21–33 (bytes a 32-byte tag lacks count as 0x00).
Extension blocks follow from byte 34: length of the whole block, 2-byte id (LSB
first), an XOR checksum making the block XOR to zero, payload; a length of 0
ends the list and 1 is a filler byte. Ids: 1 library extension, 2 acquisition,
3 library supplement, 4 title, 5 interlibrary loan. This codec maps the title
block to ``TagData.title`` (written as UTF-8, read as UTF-8 or else ISO 8859-1)
and keeps the others as raw payloads (``TagData.extra`` entries named
``part3_extension_<id>``). Only the class of the type of usage fits in byte 0:
0x13 is written as class 1 and read back as 0x10; no type of usage is written
as class 1 (circulating).

Deviations met in the field (libdanrfid's DDM findings, rfidgeek, Wildau
decoder) are decoded with a named warning: bytes reversed inside every 4-byte
block (found through the CRC), version and usage nibbles swapped, parts and part
number swapped, CRC missing or wrong, country repeated in the library id.
"""

from __future__ import annotations

import array
import binascii

from .crc import CRC16_INIT, crc16_ccitt_false
from .errors import CapacityError, EncodeError
from .isil import split_isil, validate_isil
from .model import (
    TAG_DATA_DEFAULTS,
    DecodedTag,
    ElementSpan,
    TagData,
    build_decoded_tag_row,
    build_tag_data_row,
)
from .validation import validate_pii, validate_set, validate_usage

FORMAT = "iso28560-3"
VERSION = 1
BASIC_BLOCK_SIZES = (32, 34)
PII_LENGTH = 16
EXTENSION_NAMES = {1: "library_extension", 2: "acquisition", 3: "library_supplement", 4: "title", 5: "ill"}
EXTENSION_PREFIX = "part3_extension_"
TITLE_BLOCK = 4
_TITLE = list(TagData.__dataclass_fields__).index("title")
_crc = binascii.crc_hqx  # CRC-16/CCITT-FALSE when seeded with 0xFFFF (see crc.py)
_WORD = next(code for code in "ILH" if array.array(code).itemsize == 4)
_PRINTABLE = frozenset(range(0x20, 0x7F))
_REVERSED = "bytes-reversed-per-block: the encoder reversed the bytes inside each 4-byte block"
_UPPER = frozenset(range(0x41, 0x5B))
_SUPPORTED_FIELDS = frozenset({"primary_item_identifier", "owner_institution", "parts_in_item",
                               "part_number", "type_of_usage", "title", "extra"})


def basic_crc(image: bytes, size: int = 34) -> int:
    """CRC of a basic block: bytes 0–18 and 21–(size−1), missing bytes counted as 0x00."""
    tail = image[21:size]
    return crc16_ccitt_false(tail + bytes(13 - len(tail)), crc16_ccitt_false(image[:19]))


def reverse_blocks(memory: bytes) -> bytes:
    """Undo (or apply) the per-4-byte-block byte reversal some encoders performed."""
    whole = len(memory) - len(memory) % 4
    words = array.array(_WORD, memory[:whole])  # native 32-bit words: byteswap reverses each block
    words.byteswap()
    return words.tobytes() + memory[whole:][::-1]


# ================================================================================================ decode


def decode(memory: bytes, lenient: bool) -> tuple[DecodedTag | None, str]:
    """Decode a basic block; without ``lenient`` only when the CRC proves it is one."""
    if len(memory) < 32:
        return None, f"only {len(memory)} bytes: an ISO 28560-3 basic block needs at least 32"
    warnings: list[str] = []
    image, size, crc_ok = _orient(memory, warnings)
    if not crc_ok:
        if not lenient:
            return None, "the ISO 28560-3 CRC does not match"
        image = _plausible_orientation(memory, warnings)
        if image is None:
            return None, "bytes do not look like an ISO 28560-3 basic block (version, PII or country)"
        size = 34 if len(image) >= 34 else 32
        _crc_warning(image, size, warnings)
    return _fields(image, size, memory, crc_ok, warnings), ""


def _orient(memory: bytes, warnings: list[str]) -> tuple[bytes, int, bool]:
    # Cheap signature before any CRC: a plausible version byte and a PII starting with ASCII (or empty).
    if _VERSION_OK[memory[0]] and _PII_START[memory[3]]:
        size = _crc_size(memory)
        if size:
            return memory, size, True
    if _VERSION_OK[memory[3]] and _PII_START[memory[0]]:
        size = _crc_size(reverse_blocks(memory[:36]))
        if size:
            warnings.append(_REVERSED)
            return reverse_blocks(memory), size, True
    return memory, 34, False


def _crc_size(image: bytes) -> int:
    """34 or 32 when the stored CRC matches that form of the basic block, else 0."""
    stored = image[19] | image[20] << 8
    head = _crc(image[:19], CRC16_INIT)
    if _crc(image[21:34].ljust(13, b"\x00"), head) == stored:
        return 34
    if _crc(image[21:32].ljust(13, b"\x00"), head) == stored:
        return 32
    return 0


def _plausible_orientation(memory: bytes, warnings: list[str]) -> bytes | None:
    if _plausible(memory):
        return memory
    flipped = reverse_blocks(memory)
    if _plausible(flipped):
        warnings.append(_REVERSED)
        return flipped
    return None


def _version_plausible(first: int) -> bool:
    """Version 1 in the high nibble, or in the low nibble with a usage class 2–9 (swapped nibbles)."""
    return first >> 4 == VERSION or (first & 0x0F == VERSION and 2 <= first >> 4 <= 9)


_VERSION_OK = tuple(_version_plausible(first) for first in range(256))
_PII_START = tuple(byte == 0 or 0x21 <= byte <= 0x7E for byte in range(256))


def _plausible(image: bytes) -> bool:
    if not _VERSION_OK[image[0]]:
        return False
    pii = image[3:19].split(b"\x00", 1)
    if not pii[0] or not set(pii[0]) <= _PRINTABLE or (len(pii) > 1 and pii[1].strip(b"\x00")):
        return False
    country = image[21:23]
    return country == b"\x00\x00" or set(country) <= _UPPER


def _crc_warning(image: bytes, size: int, warnings: list[str]) -> None:
    if image[19] == image[20] == 0:
        warnings.append("crc-missing: bytes 19-20 hold no CRC")
    else:
        expected = basic_crc(image, size)
        warnings.append(f"crc-wrong: stored 0x{image[19] | image[20] << 8:04X}, computed 0x{expected:04X}")


def _fields(image: bytes, size: int, raw: bytes, crc_ok: bool, warnings: list[str]) -> DecodedTag:
    first = image[0]
    version, usage = first >> 4, first & 0x0F
    if version != VERSION and usage == VERSION and 2 <= version <= 9:
        version, usage = usage, version
        warnings.append(f"nibbles-swapped: byte 0 is 0x{first:02X}, read as version 1, usage class {usage}")
    parts, part = image[1], image[2]
    if part > parts:
        warnings.append(f"part-number-above-parts: byte 1 = {parts}, byte 2 = {part}")
        warnings.append(f"parts-swapped: read as part {parts} of {part} (bytes 1 and 2 in reverse order)")
        parts, part = part, parts
    if not parts or not part:
        warnings.append(f"set-zero: part {part} of {parts}")
    pii = image[3:19].split(b"\x00", 1)[0].decode("latin-1").strip()
    owner = _owner(image, size, warnings)
    title, extensions, extra = None, (), ()
    if size == 34 and len(image) > 34 and image[34]:
        title, extensions = _extensions(image, warnings)
        extra = tuple((f"{EXTENSION_PREFIX}{ident}", payload)
                      for ident, payload in extensions if ident != TITLE_BLOCK)
    usage <<= 4
    row = TAG_DATA_DEFAULTS.copy()
    row[:5] = pii, owner, parts, part, usage
    row[_TITLE], row[-1] = title, extra
    elements = (("version", version), ("type_of_usage", usage), ("parts_in_item", parts),
                ("part_number", part), ("primary_item_identifier", pii), ("owner_institution", owner))
    if title is not None:
        elements += (("title", title),)
    return build_decoded_tag_row((FORMAT, build_tag_data_row(row), raw, elements, crc_ok, tuple(warnings),
                                  None, extensions))


def _owner(image: bytes, size: int, warnings: list[str]) -> str | None:
    text = image[21:size].decode("latin-1")
    country = text[:2].split("\x00", 1)[0]
    library = text[2:].split("\x00", 1)[0].strip()
    if country and library.startswith(country):
        warnings.append(f"country-repeated-in-isil: library id {library!r} repeats country {country!r}")
        if library.startswith(country + "-"):
            library = library[len(country) + 1:]
    if not country and not library:
        return None
    return f"{country}-{library}" if country else library


def _extensions(image: bytes, warnings: list[str]) -> tuple[str | None, tuple[tuple[int, bytes], ...]]:
    found: list[tuple[int, bytes]] = []
    title = None
    pos = 34
    while pos < len(image):
        length = image[pos]
        if length == 0:
            break
        if length == 1:
            pos += 1
            continue
        block = image[pos:pos + length]
        if length < 4 or len(block) < length:
            warnings.append(f"extension-truncated: block at byte {pos} claims {length} bytes")
            break
        ident = block[1] | block[2] << 8
        if _xor(block):
            warnings.append(f"extension-checksum: block {ident} at byte {pos} fails its XOR check")
        payload = block[4:]
        found.append((ident, payload))
        if ident == TITLE_BLOCK:
            title = _text(payload.rstrip(b"\x00"))
        pos += length
    return title, tuple(found)


def _xor(block: bytes) -> int:
    value = 0
    for byte in block:
        value ^= byte
    return value


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


# ================================================================================================ encode


def encode(data: TagData, capacity: int, size: int = 34) -> tuple[bytes, tuple[ElementSpan, ...]]:
    """Basic block (+ title/extra extension blocks), padded to whole 4-byte blocks."""
    if size not in BASIC_BLOCK_SIZES:
        raise EncodeError("basic_block", f"{size} bytes: ISO 28560-3 basic blocks are 32 or 34 bytes")
    _check_supported(data)
    pii = validate_pii(data.primary_item_identifier, PII_LENGTH).encode("ascii")
    validate_set(data)
    validate_usage(data.type_of_usage)
    usage_class = 1 if data.type_of_usage is None else data.type_of_usage >> 4
    image = bytearray(size)
    image[0] = VERSION << 4 | usage_class
    image[1], image[2] = data.parts_in_item, data.part_number
    image[3:3 + len(pii)] = pii
    if data.owner_institution:
        image[21:size] = _isil_bytes(data.owner_institution, size)
    crc = basic_crc(bytes(image), size)
    image[19], image[20] = crc & 0xFF, crc >> 8
    spans = [ElementSpan("version_and_usage", 0, 1), ElementSpan("set_information", 1, 3),
             ElementSpan("primary_item_identifier", 3, 19), ElementSpan("crc", 19, 21),
             ElementSpan("owner_institution", 21, size)]
    _append_extensions(image, data, size, spans)
    if len(image) > capacity:
        raise CapacityError(spans[-1].name, f"the data needs {len(image)} bytes but the tag holds {capacity}")
    image += bytes(-len(image) % 4)
    return bytes(image), tuple(spans)


def _check_supported(data: TagData) -> None:
    for name in TagData.__dataclass_fields__:
        if name not in _SUPPORTED_FIELDS and getattr(data, name) is not None:
            raise EncodeError(name, "the ISO 28560-3 basic block has no place for this element; "
                                    "use --format iso28560-2 or leave it out")


def _isil_bytes(isil: str, size: int) -> bytes:
    validate_isil(isil)
    country, library = split_isil(isil)
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise EncodeError("owner_institution", f"ISIL {isil!r}: ISO 28560-3 needs a 2-letter country prefix")
    room = size - 23
    if len(library) > room:
        reason = f"library id {library!r} has {len(library)} characters; the basic block holds {room}"
        raise EncodeError("owner_institution", reason)
    return (country + library).encode("ascii").ljust(size - 21, b"\x00")


def _append_extensions(image: bytearray, data: TagData, size: int, spans: list[ElementSpan]) -> None:
    blocks: list[tuple[str, int, bytes]] = []
    if data.title:
        blocks.append(("title", TITLE_BLOCK, data.title.encode("utf-8")))
    for name, payload in data.extra:
        ident = name[len(EXTENSION_PREFIX):]
        if not name.startswith(EXTENSION_PREFIX) or not ident.isdigit() or not 1 <= int(ident) <= 0xFFFF:
            raise EncodeError(name, f"ISO 28560-3 extra data must be named {EXTENSION_PREFIX}<id>")
        blocks.append((name, int(ident), bytes(payload)))
    if blocks and size != 34:
        raise EncodeError(blocks[0][0], "extension blocks need the 34-byte basic block")
    for name, ident, payload in blocks:
        if len(payload) + 4 > 255:
            raise EncodeError(name, f"{len(payload)} bytes: an extension block holds at most 251")
        block = bytearray([len(payload) + 4, ident & 0xFF, ident >> 8, 0]) + payload
        block[3] = _xor(block)
        spans.append(ElementSpan(name, len(image), len(image) + len(block)))
        image += block
    if blocks:
        image.append(0)  # end of extension blocks
