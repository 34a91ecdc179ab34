"""Checks on ``TagData`` shared by both encoders; each failure names the element and the fix."""

from __future__ import annotations

from .errors import EncodeError
from .model import TagData

PII = "primary_item_identifier"
MAX_SET_VALUE = 255


def validate_pii(pii: str, max_length: int | None = None) -> str:
    """The PII must be printable ASCII without spaces (barcode characters), 1 to ``max_length`` long."""
    if not isinstance(pii, str) or not pii:
        raise EncodeError(PII, "the primary item identifier (barcode) is empty; it is mandatory")
    for position, char in enumerate(pii):
        if not 0x21 <= ord(char) <= 0x7E:
            raise EncodeError(
                PII,
                f"{pii!r} contains {char!r} at position {position}; only printable ASCII without spaces "
                "is allowed (check the barcode for stray whitespace or accents)",
            )
    if max_length is not None and len(pii) > max_length:
        raise EncodeError(PII, f"{pii!r} has {len(pii)} characters; this format holds at most {max_length}")
    return pii


def validate_set(data: TagData, max_value: int = MAX_SET_VALUE) -> None:
    """Set information: 1 ≤ part number ≤ parts in item ≤ ``max_value``."""
    parts, part = data.parts_in_item, data.part_number
    if not isinstance(parts, int) or not isinstance(part, int):
        reason = f"parts and part number must be integers, not {parts!r}/{part!r}"
        raise EncodeError("set_information", reason)
    if parts < 1 or part < 1:
        raise EncodeError(
            "set_information",
            f"part {part} of {parts}: both must be at least 1 (a single item is part 1 of 1)",
        )
    if part > parts:
        raise EncodeError("set_information", f"part number {part} is above the number of parts {parts}")
    if parts > max_value:
        raise EncodeError("set_information", f"{parts} parts: this format holds at most {max_value}")


def validate_usage(type_of_usage: int | None) -> None:
    if type_of_usage is not None and (not isinstance(type_of_usage, int) or not 0 <= type_of_usage <= 0xFF):
        reason = f"{type_of_usage!r} is not a one-byte code, e.g. 0x10 (circulating)"
        raise EncodeError("type_of_usage", reason)
