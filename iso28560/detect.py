"""``decode``: tell which data model a tag's memory holds and decode it, never raising.

Memory read from a tag in the field may be ISO 28560-2, ISO 28560-3 (Danish
lineage, possibly vendor-deviant), legacy 3M, blank, or anything at all. The
models overlap (0x11 is both a part-2 integer PII precursor and a part-3 "version
1, circulating" byte), so detection goes from the most certain proof to the
weakest evidence:

1. empty / blank (all 0x00, all 0xFF, 3M manufacturing blank);
2. a part-3 basic block whose CRC matches (as is, or with each 4-byte block reversed);
3. a part-2 element sequence that parses cleanly from the PII to the terminator;
4. a 3M RFID 501 item;
5. a part-3 basic block without a valid CRC but with plausible fields;
6. a part-2 sequence with faults after a valid PII (decoded with warnings);
7. otherwise ``unknown``, with the raw bytes and the reason part-2 decoding failed.

A DSFID announcing a model (0x06 part 2, 0x3E part 3) moves that model to the
front; a contradiction is reported as a ``dsfid-mismatch`` warning.
"""

from __future__ import annotations

import dataclasses
import logging

from . import legacy, part2, part3
from .model import DSFID_PART2, DSFID_PART3, DecodedTag

log = logging.getLogger(__name__)
_BLANK_FIRST_BYTES = frozenset({0x00, 0xFF, 0x55})
_DSFID_FORMATS = {DSFID_PART2: part2.FORMAT, DSFID_PART3: part3.FORMAT}


def decode(memory: bytes, dsfid: int | None = None) -> DecodedTag:
    """Decode a tag memory image (user blocks from block 0). Never raises."""
    if memory.__class__ is not bytes:
        if not isinstance(memory, bytearray | memoryview):
            return DecodedTag("unknown", None, b"", reason=f"not a byte string: {type(memory).__name__}")
        memory = bytes(memory)
    raw = memory
    try:
        tag = _decode(raw, dsfid)
    except Exception as exc:  # a bug: report it as data instead of crashing a kiosk
        log.exception("tag decoder failed on %s", raw.hex())
        return DecodedTag("unknown", None, raw, reason=f"internal error: {exc!r}")
    if dsfid is None:
        return tag
    expected = _DSFID_FORMATS.get(dsfid)
    if expected and tag.format not in (expected, "blank"):
        warning = f"dsfid-mismatch: DSFID 0x{dsfid:02X} announces {expected} but the data is {tag.format}"
        tag = dataclasses.replace(tag, warnings=(*tag.warnings, warning))
    return tag


def _decode(memory: bytes, dsfid: int | None) -> DecodedTag:
    if not memory:
        return DecodedTag("unknown", None, memory, reason="empty memory image: nothing was read")
    if memory[0] in _BLANK_FIRST_BYTES:
        blank = legacy.blank_reason(memory)
        if blank:
            return DecodedTag("blank", None, memory, reason=blank)
    if dsfid == DSFID_PART2:
        tag, _reason, clean = part2.decode(memory)
        if tag is not None and clean:
            return tag
    elif dsfid == DSFID_PART3:
        tag, _reason = part3.decode(memory, lenient=True)
        if tag is not None:
            return tag
    tag, _reason = part3.decode(memory, False)
    if tag is not None:
        return tag
    tag2, reason2, clean = part2.decode(memory)
    if tag2 is not None and clean:
        return tag2
    tag = legacy.decode(memory) or part3.decode(memory, lenient=True)[0]
    if tag is not None:
        return tag
    if tag2 is not None:
        return tag2
    reason = f"not a known library data model; as ISO 28560-2: {reason2}"
    return DecodedTag("unknown", None, memory, reason=reason)
