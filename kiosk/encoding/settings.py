"""The ``[encoding]`` table of a station configuration: the network's tag profile and the desk's policies.

The encoding station reads the same TOML file as a kiosk (``[station]``,
``[network]``, ``[sigb]``, ``[reader]``, ``[security]`` and ``[journal]`` keep
their meaning) plus this table, registered with
:func:`kiosk.config.register_section` so that unknown keys and bad values are
reported with their dotted name (``encoding.lock: expected one of …``).

The profile defaults follow the French libraries' practice for ISO 28560-2:
primary item identifier, owner institution (the library's ISIL), set
information, type of usage, no title (privacy guidance: a title on a tag can be
read from a patron's bag). The owner ISIL defaults to ``[network] branch_isil``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from iso28560.errors import EncodeError
from iso28560.isil import validate_isil
from kiosk.config import KioskConfig, Table, register_section

SECTION = "encoding"
FORMATS = ("iso28560-2", "iso28560-3")
LOCK_POLICIES: dict[str, tuple[str, ...]] = {
    "none": (),
    "identifier": ("pii",),
    "identifier_and_owner": ("pii", "owner"),
}
SHELF_SOURCES = ("none", "call_number", "permanent_location")
CHECK_DIGITS = ("none", "luhn")
LEGACY_FORMATS = ("iso28560-3", "3m-rfid501")
UNKNOWN_ITEM_POLICIES = ("warn", "refuse")
OPERATOR_PATTERN = r"[A-Za-z][A-Za-z0-9._-]{0,31}"
_CARD_LIKE = re.compile(r"\d{8,}")


@dataclass(frozen=True, slots=True)
class BarcodeFormat:
    """What a scanned item barcode must look like: a regular expression and an optional check digit."""

    pattern: str = r"[0-9A-Za-z]{1,32}"
    check_digit: str = "none"


@dataclass(frozen=True, slots=True)
class EncodingSection:
    """Network tag profile, barcode format, SIGB look-up and desk policies of an encoding station."""

    format: str = "iso28560-2"
    owner_isil: str = ""
    type_of_usage: int = 0x10
    set_information: bool = True
    shelf_location: str = "none"
    lock: str = "none"
    barcode: BarcodeFormat = BarcodeFormat()
    sip2_lookup: bool = True
    unknown_items: str = "warn"
    migrate: tuple[str, ...] = LEGACY_FORMATS
    operator: str = "op-1"
    max_parts: int = 99

    @classmethod
    def from_table(cls, t: Table) -> EncodingSection:
        fmt = t.str("format", "iso28560-2", choices=FORMATS)
        lock = t.str("lock", "none", choices=tuple(LOCK_POLICIES))
        if fmt == "iso28560-3" and lock != "none":
            raise t.error("lock", "ISO 28560-3 tags cannot lock single elements (their CRC covers every "
                                  'field); use lock = "none" or format = "iso28560-2"')
        owner = t.str("owner_isil", "")
        if owner:
            try:
                validate_isil(owner)
            except EncodeError as exc:
                raise t.error("owner_isil", exc.reason) from None
        pattern = t.regex("barcode_pattern", BarcodeFormat.__dataclass_fields__["pattern"].default)
        migrate = t.str_list("migrate", LEGACY_FORMATS)
        for name in migrate:
            if name not in LEGACY_FORMATS:
                raise t.error("migrate", f'"{name}" is not a legacy format; use {", ".join(LEGACY_FORMATS)}')
        operator = t.str("operator", "op-1", pattern=OPERATOR_PATTERN)
        if _CARD_LIKE.search(operator):
            raise t.error("operator", "looks like a card or phone number; use a pseudonym such as op-3")
        return cls(
            format=fmt,
            owner_isil=owner,
            type_of_usage=t.byte("type_of_usage", 0x10),
            set_information=t.bool("set_information", True),
            shelf_location=t.str("shelf_location", "none", choices=SHELF_SOURCES),
            lock=lock,
            barcode=BarcodeFormat(pattern, t.str("barcode_check_digit", "none", choices=CHECK_DIGITS)),
            sip2_lookup=t.bool("sip2_lookup", True),
            unknown_items=t.str("unknown_items", "warn", choices=UNKNOWN_ITEM_POLICIES),
            migrate=migrate,
            operator=operator,
            max_parts=t.int("max_parts", 99, 1, 255),
        )

    @property
    def lock_elements(self) -> tuple[str, ...]:
        return LOCK_POLICIES[self.lock]


def valid_operator(pseudonym: str) -> bool:
    """An operator pseudonym is a short code (``op-3``), never a login, a name or a number."""
    return bool(re.fullmatch(OPERATOR_PATTERN, pseudonym)) and not _CARD_LIKE.search(pseudonym)


def encoding_settings(config: KioskConfig) -> EncodingSection:
    """The ``[encoding]`` section of a loaded configuration (defaults when the table is absent)."""
    section: Any = config.extra.get(SECTION)
    return section if isinstance(section, EncodingSection) else EncodingSection()


register_section(SECTION, EncodingSection.from_table)
