"""ISO 28560-1 data elements, type-of-usage codes, AFI/DSFID constants and the decode result.

``TagData`` is the format-independent content of a library tag: the part-2 and
part-3 codecs both translate between it and tag memory. Element names follow
ISO 28560-1 (relative OIDs 1–26 in part 2).
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from enum import IntEnum
from itertools import repeat as _repeat
from types import MappingProxyType

# Relative OID (ISO 28560-2) → element name. OID 4 "set information" is split
# into ``parts_in_item`` and ``part_number`` in ``TagData``.
ELEMENT_NAMES: MappingProxyType[int, str] = MappingProxyType({
    1: "primary_item_identifier",
    2: "content_parameter",
    3: "owner_institution",
    4: "set_information",
    5: "type_of_usage",
    6: "shelf_location",
    7: "onix_media_format",
    8: "marc_media_format",
    9: "supplier_identifier",
    10: "order_number",
    11: "ill_borrowing_institution",
    12: "ill_borrowing_transaction_number",
    13: "gs1_product_identifier",
    14: "alternative_unique_item_identifier",
    15: "local_data_a",
    16: "local_data_b",
    17: "title",
    18: "product_identifier_local",
    19: "media_format_other",
    20: "supply_chain_stage",
    21: "supplier_invoice_number",
    22: "alternative_item_identifier",
    23: "alternative_owner_institution",
    24: "subsidiary_of_owner_institution",
    25: "alternative_ill_borrowing_institution",
    26: "local_data_c",
})
ELEMENT_OIDS: MappingProxyType[str, int] = MappingProxyType({v: k for k, v in ELEMENT_NAMES.items()})

# Air interface values.
AFI_SECURED = 0x07  # item in the library: gates alarm on it
AFI_ON_LOAN = 0xC2  # item checked out: gates stay silent
DSFID_PART2 = 0x06  # ISO 28560-2 (ISO/IEC 15962 no-directory)
DSFID_PART3 = 0x3E  # ISO 28560-3 (value seen in the field; not confirmed by the standard text)


@dataclass(frozen=True, slots=True)
class SecurityProfile:
    """AFI values a site uses for 'secured' and 'on loan' (vendor legacy systems differ)."""

    name: str
    afi_secured: int
    afi_on_loan: int


AFI_PROFILES: MappingProxyType[str, SecurityProfile] = MappingProxyType({
    "iso28560": SecurityProfile("iso28560", AFI_SECURED, AFI_ON_LOAN),
    "3m": SecurityProfile("3m", 0xD7, 0xDA),
})


class TypeOfUsage(IntEnum):
    """ISO 28560-1 type of usage (element 5); the high nibble is the class."""

    ACQUISITION_ITEM = 0x01
    ACQUISITION_COPY = 0x02
    CIRCULATING = 0x10
    CIRCULATING_AUTOMATIC_SORTING = 0x11
    CIRCULATING_NOT_FOR_SORTING = 0x12
    CIRCULATING_NOT_FOR_OFFLINE_ISSUE = 0x13
    CIRCULATING_NOT_FOR_OFFLINE_RETURN = 0x14
    CIRCULATING_NOT_FOR_OFFLINE_ISSUE_OR_RETURN = 0x15
    NOT_FOR_CIRCULATION = 0x20
    NO_INFORMATION = 0x60
    DISCARDED = 0x70
    DISCARDED_FOR_SALE = 0x71
    DISCARDED_SOLD = 0x72
    DISCARDED_FOR_DISPOSAL = 0x73
    PATRON_CARD = 0x80
    PATRON_CARD_ADULT = 0x81
    PATRON_CARD_YOUNG_ADULT = 0x82
    PATRON_CARD_CHILD = 0x83
    EQUIPMENT = 0x90
    EQUIPMENT_PC = 0x91


def usage_class(type_of_usage: int | None) -> int | None:
    """High nibble of a type-of-usage code (0x1 circulating, 0x8 patron card, 0x9 equipment…)."""
    return None if type_of_usage is None else (type_of_usage >> 4) & 0x0F


def is_patron_card(type_of_usage: int | None) -> bool:
    return usage_class(type_of_usage) == 0x8


def is_equipment(type_of_usage: int | None) -> bool:
    return usage_class(type_of_usage) == 0x9


def forbids_offline_issue(type_of_usage: int | None) -> bool:
    return type_of_usage in (0x13, 0x15)


def forbids_offline_return(type_of_usage: int | None) -> bool:
    return type_of_usage in (0x14, 0x15)


@dataclass(frozen=True, slots=True)
class TagData:
    """Content of a library tag, independent of its encoding.

    Only ``primary_item_identifier`` is mandatory. Text elements are ``str``;
    elements a codec could not interpret as text are kept in ``extra`` as raw
    bytes under their element name (or ``oid_<n>`` for unknown OIDs).
    """

    primary_item_identifier: str
    owner_institution: str | None = None
    parts_in_item: int = 1
    part_number: int = 1
    type_of_usage: int | None = None
    shelf_location: str | None = None
    onix_media_format: str | None = None
    marc_media_format: str | None = None
    supplier_identifier: str | None = None
    order_number: str | None = None
    ill_borrowing_institution: str | None = None
    ill_borrowing_transaction_number: str | None = None
    gs1_product_identifier: str | None = None
    alternative_unique_item_identifier: str | None = None
    local_data_a: str | None = None
    local_data_b: str | None = None
    title: str | None = None
    product_identifier_local: str | None = None
    media_format_other: str | None = None
    supply_chain_stage: str | None = None
    supplier_invoice_number: str | None = None
    alternative_item_identifier: str | None = None
    alternative_owner_institution: str | None = None
    subsidiary_of_owner_institution: str | None = None
    alternative_ill_borrowing_institution: str | None = None
    local_data_c: str | None = None
    extra: tuple[tuple[str, bytes], ...] = ()

    @property
    def is_set(self) -> bool:
        return self.parts_in_item > 1


@dataclass(frozen=True, slots=True)
class DecodedTag:
    """What ``iso28560.decode`` found in a memory image; never raises, says why instead.

    ``format`` is one of ``iso28560-2``, ``iso28560-3``, ``3m-rfid501``, ``blank``, ``unknown``.
    ``data`` is None for ``blank`` and ``unknown``. ``crc_ok`` is only meaningful for part 3.
    ``elements`` lists every decoded element by name in tag order (including OIDs the
    model does not name, as ``oid_<n>``). ``warnings`` name vendor deviations and oddities.
    """

    format: str
    data: TagData | None
    raw: bytes
    elements: tuple[tuple[str, object], ...] = ()
    crc_ok: bool | None = None
    warnings: tuple[str, ...] = ()
    reason: str | None = None
    extensions: tuple[tuple[int, bytes], ...] = field(default=())

    @property
    def primary_item_identifier(self) -> str | None:
        return self.data.primary_item_identifier if self.data else None

    @property
    def owner_institution(self) -> str | None:
        return self.data.owner_institution if self.data else None

    @property
    def type_of_usage(self) -> int | None:
        return self.data.type_of_usage if self.data else None


@dataclass(frozen=True, slots=True)
class ElementSpan:
    """Where one encoded element sits in a memory image (for ``borne tag encode --explain``)."""

    name: str
    start: int
    end: int  # exclusive, including any offset padding
    locked: bool = False
    scheme: str = ""


@dataclass(frozen=True, slots=True)
class EncodedTag:
    """A memory image ready to write block by block, and which blocks to lock afterwards.

    ``memory`` is padded with 0x00 to whole blocks but not to the tag size.
    """

    memory: bytes
    block_size: int
    lock_blocks: tuple[int, ...]
    format: str
    dsfid: int
    layout: tuple[ElementSpan, ...] = ()

    @property
    def blocks(self) -> tuple[bytes, ...]:
        size = self.block_size
        return tuple(self.memory[i:i + size] for i in range(0, len(self.memory), size))


def _fast_constructors(cls: type) -> tuple[Callable, Callable, list[object]]:
    """A keyword constructor for a frozen slotted dataclass that skips the generated ``__init__``.

    The decoders build one ``TagData`` and one ``DecodedTag`` per tag read; the
    generated frozen ``__init__`` pays a global lookup and ``object.__setattr__``
    per field (28 for ``TagData``). Writing the slots through their descriptors is
    cheaper and yields equal, hashable, still-frozen instances. Returns a builder
    from a {name: value} dict, a builder from a complete row of values in field
    order, and the row of defaults to copy.
    """
    fields = cls.__dataclass_fields__.values()
    if any(f.default_factory is not MISSING for f in fields):
        raise TypeError(f"{cls.__name__} has default factories; the fast constructor cannot fill them")
    index = {f.name: i for i, f in enumerate(fields)}
    defaults = [None if f.default is MISSING else f.default for f in fields]
    setters = tuple(cls.__dict__[f.name].__set__ for f in fields)
    new, drain, call, repeat = object.__new__, deque, operator.call, _repeat

    def build_row(row: list[object] | tuple[object, ...]) -> object:
        instance = new(cls)
        # map() drives the descriptor calls from C: no bytecode loop per field.
        drain(map(call, setters, repeat(instance), row), 0)
        return instance

    def build(values: dict[str, object]) -> object:
        row = defaults.copy()
        for name, value in values.items():
            row[index[name]] = value
        return build_row(row)

    return build, build_row, defaults


build_tag_data, build_tag_data_row, TAG_DATA_DEFAULTS = _fast_constructors(TagData)
_build_decoded, build_decoded_tag_row, _decoded_defaults = _fast_constructors(DecodedTag)
