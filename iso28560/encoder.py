"""``encode``: TagData → memory image for an ISO 15693 tag, with the blocks to lock.

Tag sizes are user memory in bytes: NXP ICODE SLIX has 28 blocks of 4 bytes,
ICODE SLIX2 79 blocks. Data that does not fit raises ``CapacityError`` naming
the first element that overflows.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from . import part2, part3
from .errors import EncodeError
from .model import DSFID_PART2, DSFID_PART3, EncodedTag, TagData

TAG_MEMORY: MappingProxyType[str, int] = MappingProxyType({"slix": 28 * 4, "slix2": 79 * 4})
FORMATS = (part2.FORMAT, part3.FORMAT)
BLOCK_SIZE = 4


def tag_capacity(memory: str | int) -> int:
    """User memory in bytes for a tag type name or a byte count (rounded down to whole blocks)."""
    if isinstance(memory, str):
        key = memory.strip().lower()
        if key in TAG_MEMORY:
            return TAG_MEMORY[key]
        if not key.isdigit():
            raise EncodeError("memory", f"unknown tag type {memory!r}; use slix, slix2 or a size in bytes")
        memory = int(key)
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < BLOCK_SIZE:
        raise EncodeError("memory", f"{memory!r} is not a tag size; use slix, slix2 or a byte count >= 4")
    return memory - memory % BLOCK_SIZE


def encode(data: TagData, format: str = part2.FORMAT, memory: str | int = "slix", lock: Iterable[str] = (),
           *, include_set: bool | None = None, basic_block: int = 34) -> EncodedTag:
    """Encode ``data`` as ``format`` for a tag of ``memory`` size; ``lock`` names elements to lock.

    ``include_set`` also writes part-2 set information for a single item ("11"); a
    set (``parts_in_item`` > 1) always gets it. ``basic_block`` chooses the part-3 form (34 or 32 bytes).
    """
    if not isinstance(data, TagData):
        raise EncodeError("data", f"expected TagData, got {type(data).__name__}")
    capacity = tag_capacity(memory)
    lock = tuple(lock)
    if format == part2.FORMAT:
        image, lock_blocks, layout = part2.encode(data, capacity, lock, include_set)
        return EncodedTag(image, BLOCK_SIZE, lock_blocks, format, DSFID_PART2, layout)
    if format == part3.FORMAT:
        if lock:
            raise EncodeError("lock", "ISO 28560-3 cannot lock single elements: its CRC (bytes 19-20) "
                                      "covers every field and must stay writable")
        image, layout = part3.encode(data, capacity, basic_block)
        return EncodedTag(image, BLOCK_SIZE, (), format, DSFID_PART3, layout)
    raise EncodeError("format", f"unknown format {format!r}; use {' or '.join(FORMATS)}")
