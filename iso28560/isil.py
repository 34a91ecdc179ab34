"""ISIL (ISO 15511) syntax and the ISIL compaction of ISO 28560-2.

An ISIL is a prefix of one to four characters (an ISO 3166 country code such as
``FR`` or a non-country prefix), a hyphen, and a library identifier of at most
11 characters; at most 16 characters in all, drawn from Latin letters, digits, ``-``, ``/`` and ``:``.

ISIL compaction (ISO 28560-2 application-defined scheme for the institution
elements, OIDs 3, 11, 23 and 25) packs those characters into three code sets:

* upper (5 bits): ``-`` 0, ``A``–``Z`` 1–26, ``:`` 27;
* lower (5 bits): ``-`` 0, ``a``–``z`` 1–26, ``/`` 27;
* digit (4 bits): ``0``–``9`` 0–9, ``-`` 10, ``:`` 11.

In the 5-bit sets 28/29/30/31 latch/shift to the other letter set and
latch/shift to digits; in the digit set 12/13/14/15 latch upper, shift upper,
latch lower, shift lower. A shift lasts one character. Decoding starts in the
upper set and the last byte is filled with 1-bits (too few to form a character).
Several bit strings can spell the same ISIL; the encoder finds a shortest one by
dynamic programming over the three code sets.
"""

from __future__ import annotations

from .errors import EncodeError

ISIL_MAX_LENGTH = 16
ISIL_PREFIX_MAX = 4
ISIL_IDENTIFIER_MAX = 11
ISIL_CHARSET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/:")
_PREFIX_CHARSET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

UPPER, LOWER, DIGIT = 0, 1, 2
_WIDTH = (5, 5, 4)
_MODE_NAMES = ("upper", "lower", "digit")

# Character → code in each set (absent: not representable in that set).
_CODES: tuple[dict[str, int], ...] = (
    {"-": 0, ":": 27, **{chr(0x41 + i): i + 1 for i in range(26)}},
    {"-": 0, "/": 27, **{chr(0x61 + i): i + 1 for i in range(26)}},
    {"-": 10, ":": 11, **{chr(0x30 + i): i for i in range(10)}},
)
# Character → the (set, code) pairs that can spell it.
_CHAR_CODES: dict[str, tuple[tuple[int, int], ...]] = {
    char: tuple((mode, _CODES[mode][char]) for mode in (UPPER, LOWER, DIGIT) if char in _CODES[mode])
    for char in "".join(_CODES[UPPER]) + "".join(_CODES[LOWER]) + "".join(_CODES[DIGIT])
}
# (from set, to set) → (latch code, shift code), in the width of the "from" set.
_SWITCH = {
    (UPPER, LOWER): (28, 29), (UPPER, DIGIT): (30, 31),
    (LOWER, UPPER): (28, 29), (LOWER, DIGIT): (30, 31),
    (DIGIT, UPPER): (12, 13), (DIGIT, LOWER): (14, 15),
}
# Decoding tables: code → character, or an action (latch/shift target set).
_LATCH, _SHIFT = "latch", "shift"


def _decode_table(mode: int, size: int, actions: tuple[tuple[str, int], ...]) -> tuple[object, ...]:
    chars = {code: char for char, code in _CODES[mode].items()}
    return (*(chars[code] for code in range(size)), *actions)


_DECODE: tuple[tuple[object, ...], ...] = (
    _decode_table(UPPER, 28, ((_LATCH, LOWER), (_SHIFT, LOWER), (_LATCH, DIGIT), (_SHIFT, DIGIT))),
    _decode_table(LOWER, 28, ((_LATCH, UPPER), (_SHIFT, UPPER), (_LATCH, DIGIT), (_SHIFT, DIGIT))),
    _decode_table(DIGIT, 12, ((_LATCH, UPPER), (_SHIFT, UPPER), (_LATCH, LOWER), (_SHIFT, LOWER))),
)


def validate_isil(value: str, element: str = "owner_institution") -> str:
    """Return ``value`` if it is a syntactically valid ISIL, else raise ``EncodeError``."""
    if not value:
        raise EncodeError(element, "the ISIL is empty; give it as PREFIX-IDENTIFIER, e.g. FR-751131010")
    if len(value) > ISIL_MAX_LENGTH:
        raise EncodeError(element, f"ISIL {value!r} has {len(value)} characters; ISO 15511 allows at most 16")
    bad = sorted(set(value) - ISIL_CHARSET)
    if bad:
        raise EncodeError(
            element,
            f"ISIL {value!r} contains {''.join(bad)!r}; only A-Z, a-z, 0-9, '-', '/' and ':' are allowed",
        )
    prefix, hyphen, identifier = value.partition("-")
    if not hyphen:
        raise EncodeError(element, f"ISIL {value!r} has no hyphen after its prefix, e.g. FR-751131010")
    if not 1 <= len(prefix) <= ISIL_PREFIX_MAX or not set(prefix) <= _PREFIX_CHARSET:
        raise EncodeError(
            element, f"ISIL {value!r}: prefix {prefix!r} must be 1 to 4 letters or digits, e.g. FR"
        )
    if not identifier:
        raise EncodeError(element, f"ISIL {value!r} has no library identifier after the hyphen")
    if len(identifier) > ISIL_IDENTIFIER_MAX:
        raise EncodeError(element, f"ISIL {value!r}: the library identifier {identifier!r} has "
                                   f"{len(identifier)} characters; ISO 15511 allows at most 11")
    return value


def isil_compact(value: str) -> bytes:
    """Shortest ISIL compaction of ``value`` (characters must be in ``ISIL_CHARSET``)."""
    # best[mode] = (bits, latches, path) of the cheapest spelling so far that ends latched in
    # ``mode``; fewer latches break ties. A path is (previous path, code, width[, code, width]).
    best: dict[int, tuple[int, int, tuple | None]] = {UPPER: (0, 0, None)}
    for char in value:
        options = _CHAR_CODES.get(char)
        if options is None:
            raise ValueError(f"{char!r} cannot be ISIL-compacted")
        step: dict[int, tuple[int, int, tuple | None]] = {}
        for mode, (bits, latches, path) in best.items():
            width = _WIDTH[mode]
            for target, code in options:
                if target == mode:
                    _offer(step, mode, bits + width, latches, (path, code, width))
                    continue
                latch, shift = _SWITCH[mode, target]
                cost = bits + width + _WIDTH[target]
                _offer(step, mode, cost, latches, (path, shift, width, code, _WIDTH[target]))
                _offer(step, target, cost, latches + 1, (path, latch, width, code, _WIDTH[target]))
        best = step
    _bits, _latches, path = min(best.values(), key=lambda entry: (entry[0], entry[1]))
    return _pack(path)


def _offer(table: dict, mode: int, bits: int, latches: int, path: tuple) -> None:
    current = table.get(mode)
    if current is None or bits < current[0] or (bits == current[0] and latches < current[1]):
        table[mode] = (bits, latches, path)


def _pack(path: tuple | None) -> bytes:
    codes: list[int] = []
    while path is not None:
        codes.extend(reversed(path[1:]))  # (width, code) pairs, last first
        path = path[0]
    acc = nbits = 0
    for index in range(len(codes) - 1, 0, -2):
        acc = (acc << codes[index - 1]) | codes[index]
        nbits += codes[index - 1]
    fill = -nbits % 8
    acc = (acc << fill) | ((1 << fill) - 1)
    return acc.to_bytes((nbits + fill) // 8, "big")


def isil_expand(data: bytes) -> str:
    """Decode ISIL compaction; trailing bits too few for a character are the 1-bit fill."""
    value = int.from_bytes(data, "big")
    remaining = len(data) * 8
    latched = mode = UPPER
    out = []
    while remaining >= _WIDTH[mode]:
        width = _WIDTH[mode]
        remaining -= width
        entry = _DECODE[mode][(value >> remaining) & ((1 << width) - 1)]
        if entry.__class__ is str:
            out.append(entry)
            mode = latched
        elif entry[0] == _LATCH:
            latched = mode = entry[1]
        else:
            mode = entry[1]
    return "".join(out)


def split_isil(value: str) -> tuple[str, str]:
    """(prefix, identifier) of an ISIL, e.g. ``("FR", "751131010")``."""
    prefix, _, identifier = value.partition("-")
    return prefix, identifier
