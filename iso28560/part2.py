"""ISO 28560-2: data elements in the ISO/IEC 15962 no-directory encoding.

Memory is a sequence of elements, each::

    precursor [OID extension] [offset] length data [offset × 0x00]

Precursor bit 7 says an offset byte follows; bits 6–4 name the compaction
scheme (see ``compaction``); bits 3–0 are the relative OID 1–14, or 15 when the
next byte holds OID − 15. The offset byte counts 0x00 bytes appended after the
data so that an element ends on a block boundary: that is how an element is
made lockable on its own (ISO 15693 locks whole 4-byte blocks). A 0x00 where a
precursor would be ends the data.

The primary item identifier (OID 1) comes first, then the content parameter
(OID 2: a bit map of the other elements present) whenever other elements
follow. The encoder puts locked elements in whole blocks: the locked PII first,
then the unlocked elements, then the other locked elements, padding with the
offset mechanism at each locked/unlocked boundary — the layout of the
published GB/T 35660.2 (ISO 28560-2) examples.

Set information (OID 4) is the digit string "TTPP": parts in the item, then
this part's number, in 1, 2 or 3 digits each ("1203" = part 3 of 12). Type of
usage (OID 5) is one byte; it is written application-defined and read from any
scheme (a raw byte, or two hex digits as text or BCD, as vendors do).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import compaction as cp
from .errors import CapacityError, EncodeError
from .isil import isil_expand, validate_isil
from .model import (
    ELEMENT_NAMES,
    ELEMENT_OIDS,
    TAG_DATA_DEFAULTS,
    DecodedTag,
    ElementSpan,
    TagData,
    build_tag_data_row,
)
from .validation import validate_pii, validate_set, validate_usage

FORMAT = "iso28560-2"
BLOCK_SIZE = 4
MAX_ELEMENT_LENGTH = 255

_TEXT_FIELDS = tuple(
    (oid, name) for oid, name in ELEMENT_NAMES.items() if oid not in (1, 2, 3, 4, 5)
)
_SLOTS = {name: index for index, name in enumerate(TagData.__dataclass_fields__)}
_NAMES = {oid: ELEMENT_NAMES.get(oid, f"oid_{oid}") for oid in range(1, 15 + 256)}
# OID → position in a TagData row, for the elements TagData holds as text (PII, ISILs, free text).
_TEXT_SLOTS = {oid: _SLOTS[name] for oid, name in ELEMENT_NAMES.items()
               if name in _SLOTS and oid not in (4, 5)}
_USAGE_SLOT, _PARTS_SLOT, _PART_SLOT, _EXTRA_SLOT = (
    _SLOTS["type_of_usage"], _SLOTS["parts_in_item"], _SLOTS["part_number"], _SLOTS["extra"])
_TEXT_DECODERS = cp.TEXT_DECODERS


# ================================================================================================ decode


def decode(memory: bytes) -> tuple[DecodedTag | None, str | None, bool]:
    """(tag, failure reason, clean). ``clean`` is False when the data decoded with structural faults."""
    elements, stop = _split(memory)
    warnings: list[str] = [stop] if stop else []
    row = TAG_DATA_DEFAULTS.copy()
    named: list[tuple[str, object]] = []
    extra: list[tuple[str, bytes]] = []
    seen: set[int] = set()
    listed: tuple[int, ...] | None = None
    clean = not stop
    for oid, scheme, data in elements:
        name = _NAMES[oid]
        if oid in seen:
            warnings.append(f"duplicate-element: {name} appears more than once; the first is used")
            clean = False
            continue
        seen.add(oid)
        slot = _TEXT_SLOTS.get(oid)
        try:
            if slot is None:
                value = _special(oid, scheme, data, row, extra, warnings)
                if oid == 2 and value.__class__ is tuple:
                    listed = value
            elif scheme:
                value = _TEXT_DECODERS[scheme](data)
                if value:
                    row[slot] = value
            elif oid in cp.ISIL_OIDS:
                value = isil_expand(data)
                if value:
                    row[slot] = value
            else:  # application-defined data that is not text: keep the bytes
                value = data
                extra.append((name, data))
        except cp.CompactionError as exc:
            warnings.append(f"undecodable-element: {name} ({cp.SCHEME_NAMES[scheme]}): {exc}")
            extra.append((name, data))
            value = data
            clean = False
        named.append((name, value))
    if row[0] is None:
        return None, stop or "no primary item identifier (OID 1) element", False
    if elements[0][0] != 1:
        warnings.append("pii-not-first: the primary item identifier is not the first element")
        clean = False
    if listed is not None:
        _check_content_parameter(listed, seen, warnings)
    if extra:
        row[_EXTRA_SLOT] = tuple(extra)
    tag = DecodedTag(FORMAT, build_tag_data_row(row), memory, tuple(named), None, tuple(warnings))
    return tag, None, clean


def _split(memory: bytes) -> tuple[list[tuple[int, int, bytes]], str | None]:
    """Cut memory into (oid, scheme, data) until the terminator; the stop reason if malformed."""
    elements: list[tuple[int, int, bytes]] = []
    size = len(memory)
    pos = 0
    while pos < size:
        precursor = memory[pos]
        if not precursor:
            break
        if precursor == 0xFF and memory.count(0xFF, pos) == size - pos:
            break  # erased (0xFF) memory after the data
        oid = precursor & 0x0F
        start = pos
        pos += 1
        if oid == 15:
            if pos >= size:
                return elements, f"truncated: OID extension byte missing at byte {pos}"
            oid = 15 + memory[pos]
            pos += 1
        elif not oid:
            return elements, f"malformed: precursor 0x{precursor:02X} at byte {start} has relative OID 0"
        padding = 0
        if precursor & 0x80:
            if pos >= size:
                return elements, f"truncated: offset byte missing at byte {pos}"
            padding = memory[pos]
            pos += 1
        if pos >= size:
            return elements, f"truncated: length byte missing at byte {pos}"
        end = pos + 1 + memory[pos]
        if end > size:
            return elements, (f"truncated: element at byte {start} needs {end - size} more bytes "
                              f"than the {size} read")
        elements.append((oid, (precursor >> 4) & 7, memory[pos + 1:end]))
        pos = end + padding
    return elements, None


def _special(oid: int, scheme: int, data: bytes, row: list, extra: list, warnings: list) -> object:
    """Content parameter, set information, type of usage, and elements TagData has no field for."""
    if oid == 2:
        if scheme == cp.APPLICATION_DEFINED:
            return cp.content_parameter_expand(data)
        extra.append(("content_parameter", data))
        return data
    if oid == 5:
        return _type_of_usage(scheme, data, row, extra, warnings)
    text = cp.expand(scheme, oid, data)
    if oid == 4 and text is not None:
        _set_information(text, row, warnings)
        return text
    extra.append((_NAMES[oid], data))
    return data if text is None else text


def _type_of_usage(scheme: int, data: bytes, row: list, extra: list, warnings: list) -> object:
    value: int | None = None
    if scheme in (cp.APPLICATION_DEFINED, cp.OCTET, cp.INTEGER) and len(data) == 1:
        value = data[0]
    elif scheme != cp.APPLICATION_DEFINED:
        text = cp.expand(scheme, 5, data) or ""
        if 1 <= len(text) <= 2 and all(c in "0123456789ABCDEFabcdef" for c in text):
            value = int(text, 16)
    if value is None:
        scheme_name = cp.SCHEME_NAMES[scheme]
        warnings.append(f"type-of-usage-invalid: {data.hex()} ({scheme_name}) is not a one-byte code")
        extra.append(("type_of_usage", data))
        return data
    row[_USAGE_SLOT] = value
    return value


def _set_information(text: str, row: list, warnings: list) -> None:
    half = len(text) // 2
    if len(text) not in (2, 4, 6) or not cp.is_digits(text):
        warnings.append(f"set-information-invalid: {text!r} is not 2, 4 or 6 digits (parts then part number)")
        return
    parts, part = int(text[:half]), int(text[half:])
    if not parts or part > parts:
        warnings.append(f"set-information-invalid: part {part} of {parts}")
    row[_PARTS_SLOT] = parts
    row[_PART_SLOT] = part


def _check_content_parameter(listed: tuple[int, ...], present: set[int], warnings: list) -> None:
    expected = {oid for oid in present if oid >= 3}
    if set(listed) != expected:
        missing = sorted(expected - set(listed))
        absent = sorted(set(listed) - expected)
        warnings.append(
            f"content-parameter-mismatch: not listed {missing}, listed but absent {absent}"
        )


# ================================================================================================ encode

LOCK_ALIASES = {
    "pii": 1, "owner": 3, "set": 4, "usage": 5, "shelf": 6, "title": 17, "cp": 2,
    "content_parameter": 2, "set_information": 4, "ill": 11,
    **{name: oid for name, oid in ELEMENT_OIDS.items()},
}


def lock_oids(names: Iterable[str]) -> frozenset[int]:
    oids = set()
    for name in names:
        key = name.strip().lower().replace("-", "_")
        if key not in LOCK_ALIASES:
            raise EncodeError("lock", f"unknown element {name!r}; use e.g. pii, owner, set, usage, title")
        oids.add(LOCK_ALIASES[key])
    return frozenset(oids)


def encode(data: TagData, capacity: int, lock: Iterable[str] = (), include_set: bool | None = None
           ) -> tuple[bytes, tuple[int, ...], tuple[ElementSpan, ...]]:
    """Memory image (whole blocks), blocks to lock and the layout, or ``EncodeError``."""
    elements = _elements(data, include_set)
    locked = lock_oids(lock)
    present = {oid for oid, _, _ in elements}
    if locked - present:
        names = ", ".join(_NAMES[oid] for oid in sorted(locked - present))
        raise EncodeError("lock", f"cannot lock {names}: no such element is being written")
    ordered = _order(elements, locked)
    return _layout(ordered, locked, capacity)


def _elements(data: TagData, include_set: bool | None) -> list[tuple[int, int, bytes]]:
    validate_pii(data.primary_item_identifier)
    validate_set(data, max_value=999)
    validate_usage(data.type_of_usage)
    found: list[tuple[int, int, bytes]] = [(1, *cp.choose(1, data.primary_item_identifier))]
    if data.owner_institution:
        found.append(_isil_element(3, data.owner_institution))
    if data.is_set or include_set:
        found.append((4, *cp.choose(4, _set_digits(data))))
    if data.type_of_usage is not None:
        found.append((5, cp.APPLICATION_DEFINED, bytes([data.type_of_usage])))
    for oid, name in _TEXT_FIELDS:
        text = getattr(data, name)
        if text:
            found.append(_isil_element(oid, text) if oid in cp.ISIL_OIDS else (oid, *cp.choose(oid, text)))
    found.extend(_extra_elements(data, {oid for oid, _, _ in found}))
    for oid, _scheme, payload in found:
        if len(payload) > MAX_ELEMENT_LENGTH:
            reason = f"{len(payload)} bytes after compaction; an element holds at most 255"
            raise EncodeError(_NAMES[oid], reason)
    if len(found) > 1:
        found.insert(1, (2, cp.APPLICATION_DEFINED, cp.content_parameter_compact({o for o, _, _ in found})))
    return found


def _isil_element(oid: int, isil: str) -> tuple[int, int, bytes]:
    validate_isil(isil, _NAMES[oid])
    return (oid, *cp.choose(oid, isil))


def _set_digits(data: TagData) -> str:
    width = len(str(data.parts_in_item))
    return f"{data.parts_in_item:0{width}d}{data.part_number:0{width}d}"


def _extra_elements(data: TagData, taken: set[int]) -> list[tuple[int, int, bytes]]:
    """Raw elements from ``TagData.extra``: written as octet strings under their OID."""
    found = []
    for name, payload in data.extra:
        oid = ELEMENT_OIDS.get(name)
        if oid is None and name.startswith("oid_") and name[4:].isdigit():
            oid = int(name[4:])
        if oid is None or not 3 <= oid <= 15 + 255 or not isinstance(payload, bytes | bytearray):
            raise EncodeError(name, "extra elements must be named after an element or oid_<3..270>, "
                                    "and hold bytes")
        if oid in taken:
            raise EncodeError(name, "given both as a field and in extra; keep one")
        taken.add(oid)
        scheme = cp.APPLICATION_DEFINED if oid == 5 else cp.OCTET
        found.append((oid, scheme, bytes(payload)))
    return found


def _order(elements: list[tuple[int, int, bytes]], locked: frozenset[int]) -> list[tuple[int, int, bytes]]:
    """PII first, then the content parameter and unlocked elements, then the locked ones."""
    head, rest = elements[0], elements[1:]
    unlocked = [e for e in rest if e[0] not in locked]
    return [head, *unlocked, *(e for e in rest if e[0] in locked)]


def _layout(ordered: list[tuple[int, int, bytes]], locked: frozenset[int], capacity: int
            ) -> tuple[bytes, tuple[int, ...], tuple[ElementSpan, ...]]:
    out = bytearray()
    spans: list[ElementSpan] = []
    lock_blocks: set[int] = set()
    for index, (oid, scheme, payload) in enumerate(ordered):
        is_locked = oid in locked
        next_locked = ordered[index + 1][0] in locked if index + 1 < len(ordered) else None
        align = is_locked or next_locked is True
        if is_locked and next_locked:
            align = False  # a locked run is aligned once, at its end
        start = len(out)
        out += _element_bytes(oid, scheme, payload, start, align)
        spans.append(ElementSpan(_NAMES[oid], start, len(out), is_locked, _scheme_label(oid, scheme)))
        if len(out) > capacity:
            raise CapacityError(
                _NAMES[oid],
                f"the data needs {len(out)} bytes up to this element but the tag holds {capacity}; "
                "shorten it, drop optional elements or use a larger tag (e.g. --memory slix2)",
            )
        if is_locked:
            lock_blocks.update(range(start // BLOCK_SIZE, (len(out) - 1) // BLOCK_SIZE + 1))
    out += bytes(-len(out) % BLOCK_SIZE)
    return bytes(out), tuple(sorted(lock_blocks)), tuple(spans)


def _scheme_label(oid: int, scheme: int) -> str:
    if scheme == cp.APPLICATION_DEFINED:
        return "ISIL" if oid in cp.ISIL_OIDS else "bit map" if oid == 2 else "one byte"
    return cp.SCHEME_NAMES[scheme]


def _element_bytes(oid: int, scheme: int, payload: bytes, start: int, align: bool) -> bytes:
    head = bytearray([scheme << 4 | min(oid, 15)])
    if oid >= 15:
        head.append(oid - 15)
    size = len(head) + 1 + len(payload)
    gap = -(start + size) % BLOCK_SIZE if align else 0
    if gap:
        head[0] |= 0x80
        head.append(gap - 1)
    head.append(len(payload))
    return bytes(head) + payload + bytes(max(gap - 1, 0))
