"""Card UID → patron identifier: the number the SIGB knows the patron by.

A patron card carries no patron number of its own in most libraries: the SIGB
holds whatever the first card-reader software of the library typed into it when
the card was issued. Depending on that software this is the anti-collision UID
in hex as transmitted, the same bytes reversed (readers that print LSB first),
the UID read as one big-endian (or little-endian) integer in decimal, or a
number written into the card's memory. ``IdentifierMapping`` reproduces each
convention so a station can read existing cards without re-issuing them.

Modes
    ``hex``               ``04A1B2C3D4E580`` (bytes as transmitted)
    ``reversed-hex``      ``80E5D4C3B2A104``
    ``decimal``           big-endian integer of the UID, optionally zero-padded to ``width``
    ``reversed-decimal``  little-endian integer (the usual "Wiegand/keyboard" number of 4-byte UIDs)
    ``block``             ``length`` bytes from the card's memory starting at ``block``
                          (Type 2 page / ISO 15693 block, 4 bytes each) and ``offset``,
                          interpreted as ``ascii`` text, ``hex`` or ``decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from drivers.errors import ReaderError

MODES = ("hex", "reversed-hex", "decimal", "reversed-decimal", "block")
BLOCK_ENCODINGS = ("ascii", "hex", "decimal")
_PADDING = b"\x00\xff \r\n\t"


class CardConfigError(ReaderError, ValueError):
    """A card-reader setting is invalid; the message names the key."""


class CardDataError(ReaderError):
    """The card's memory does not hold a usable identifier (blank, not text, unreadable)."""


@dataclass(frozen=True, slots=True)
class IdentifierMapping:
    """How to turn a card into the patron identifier sent to the SIGB."""

    mode: str = "hex"
    uppercase: bool = True
    width: int = 0
    prefix: str = ""
    block: int = 4
    offset: int = 0
    length: int = 16
    encoding: str = "ascii"

    def __post_init__(self) -> None:
        _check(self.mode in MODES, "mode", f"{self.mode!r} is not one of {', '.join(MODES)}")
        _check(self.encoding in BLOCK_ENCODINGS, "encoding",
               f"{self.encoding!r} is not one of {', '.join(BLOCK_ENCODINGS)}")
        _check(0 <= self.width <= 40, "width", f"{self.width} must be between 0 and 40 digits")
        _check(0 <= self.block <= 255, "block", f"{self.block} must be between 0 and 255")
        _check(0 <= self.offset <= 1024, "offset", f"{self.offset} must be between 0 and 1024")
        _check(1 <= self.length <= 256, "length", f"{self.length} must be between 1 and 256 bytes")

    @classmethod
    def from_config(cls, table: Mapping[str, object], key: str = "cards.mapping") -> IdentifierMapping:
        """Build from a TOML table; errors name the offending ``key.field``."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for name, value in table.items():
            if name not in known:
                raise CardConfigError(f"{key}.{name}: unknown setting (known: {', '.join(known)})")
            expected = {"uppercase": bool, "mode": str, "prefix": str, "encoding": str}.get(name, int)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise CardConfigError(f"{key}.{name}: expected {expected.__name__}, got {value!r}")
            values[name] = value
        try:
            return cls(**values)  # type: ignore[arg-type]
        except CardConfigError as exc:
            raise CardConfigError(f"{key}.{exc}") from None

    @property
    def needs_data(self) -> bool:
        """True when the identifier lives in card memory (the reader must read blocks)."""
        return self.mode == "block"

    def data_range(self, block_size: int = 4) -> tuple[int, int]:
        """(first block, number of blocks) to read for ``block`` mode."""
        start = self.block * block_size + self.offset
        first = start // block_size
        last = (start + self.length - 1) // block_size
        return first, last - first + 1

    def identifier(self, uid: bytes, data: bytes | None = None, block_size: int = 4) -> str:
        """The patron identifier for a card with ``uid`` (and ``data`` read from ``data_range``)."""
        if self.mode == "block":
            if data is None:
                raise CardDataError("card data was not read although the mapping mode is 'block'")
            skip = (self.block * block_size + self.offset) % block_size
            return self.prefix + self._from_data(data[skip:skip + self.length])
        if not uid:
            raise CardDataError("the card reported an empty UID")
        ordered = uid[::-1] if self.mode.startswith("reversed") else uid
        if self.mode.endswith("decimal"):
            text = str(int.from_bytes(ordered, "big")).zfill(self.width)
        else:
            text = ordered.hex()
            text = text.upper() if self.uppercase else text
        return self.prefix + text

    def _from_data(self, raw: bytes) -> str:
        if len(raw) < self.length:
            raise CardDataError(f"card memory too short: {len(raw)} of {self.length} bytes")
        if self.encoding == "hex":
            text = raw.hex()
            return text.upper() if self.uppercase else text
        if self.encoding == "decimal":
            return str(int.from_bytes(raw, "big")).zfill(self.width)
        stripped = raw.strip(_PADDING)
        if not stripped:
            raise CardDataError(f"card memory at block {self.block} is blank: no identifier written")
        if not all(0x20 <= b < 0x7F for b in stripped):
            raise CardDataError(
                f"card memory at block {self.block} is not ASCII text ({stripped.hex()}); "
                "set encoding = 'hex' or check block/offset")
        return stripped.decode("ascii")


def _check(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise CardConfigError(f"{key}: {message}")
