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
    # best[mode] = (bits, latch count, code list) of the cheapest encoding ending latched in mode.
    best: dict[int, tuple[int, int, list[tuple[int, int]]]] = {UPPER: (0, 0, [])}
    for char in value:
        step: dict[int, tuple[int, int, list[tuple[int, int]]]] = {}
        for mode, (bits, latches, codes) in best.items():
            for target in (UPPER, LOWER, DIGIT):
                code = _CODES[target].get(char)
                if code is None:
                    continue
                if target == mode:
                    _offer(step, mode, bits + _WIDTH[mode], latches, [*codes, (code, _WIDTH[mode])])
                    continue
                latch, shift = _SWITCH[mode, target]
                switch = (_WIDTH[mode], _WIDTH[target])
                _offer(step, mode, bits + sum(switch), latches,
                       [*codes, (shift, switch[0]), (code, switch[1])])
                _offer(step, target, bits + sum(switch), latches + 1,
                       [*codes, (latch, switch[0]), (code, switch[1])])
        if not step:
            raise ValueError(f"{char!r} cannot be ISIL-compacted")
        best = step
    _bits, _latches, codes = min(best.values(), key=lambda entry: (entry[0], entry[1]))
    return _pack(codes)


def _offer(table: dict, mode: int, bits: int, latches: int, codes: list[tuple[int, int]]) -> None:
    current = table.get(mode)
    if current is None or (bits, latches) < (current[0], current[1]):
        table[mode] = (bits, latches, codes)


def _pack(codes: list[tuple[int, int]]) -> bytes:
    acc = nbits = 0
    for code, width in codes:
        acc = (acc << width) | code
        nbits += width
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
