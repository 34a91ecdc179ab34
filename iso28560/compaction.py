"""The eight ISO/IEC 15962 compaction schemes used by ISO 28560-2.

A data element's precursor names the scheme that turned its text into bytes:

====  =====================  ==================================================
code  scheme                 what it packs
====  =====================  ==================================================
0     application-defined    content parameter bit map (OID 2), ISIL compaction
                             (OIDs 3, 11, 23, 25), a raw byte (type of usage)
1     integer                decimal digits without a leading zero, as a
                             big-endian unsigned integer of minimal length
2     numeric                decimal digits in BCD, odd length ends in nibble F
3     5-bit                  0x41–0x5F, 5 low bits each, last byte filled with 0s
4     6-bit                  0x20–0x5F, 6 low bits each, fill "1000…"
5     7-bit                  0x00–0x7E, 7 bits each, fill with 1s
6     octet                  ISO/IEC 8859-1 bytes
7     UTF-8                  UTF-8 bytes
====  =====================  ==================================================

``choose`` picks the most compact valid scheme for a value: a compaction is used
only when it is strictly shorter than the plain byte form, ties going to the
lower scheme number (integer before numeric, as in the published examples).
Bit packing uses Python integers and precomputed tables, so one element costs a
few microseconds.
"""

from __future__ import annotations

from .isil import isil_compact, isil_expand

APPLICATION_DEFINED, INTEGER, NUMERIC, FIVE_BIT, SIX_BIT, SEVEN_BIT, OCTET, UTF8 = range(8)
SCHEME_NAMES = ("application-defined", "integer", "numeric", "5-bit", "6-bit", "7-bit", "octet", "utf-8")
ISIL_OIDS = frozenset({3, 11, 23, 25})
# Free-text elements (title, local data): their plain form is UTF-8 rather than ISO 8859-1.
FREE_TEXT_OIDS = frozenset({15, 16, 17, 26})

_SIX_BIT_CHARS = "".join(chr(v if v & 0x20 else v | 0x40) for v in range(64))
_FIVE_BIT_CHARS = "".join(chr(0x40 | v) for v in range(32))


class CompactionError(ValueError):
    """Bytes that do not decode under the scheme their precursor names."""


# -- encoders -------------------------------------------------------------------------------------

def integer_compact(text: str) -> bytes:
    value = int(text)
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def numeric_compact(text: str) -> bytes:
    return bytes.fromhex(text + "f" if len(text) % 2 else text)


def _pack(codes: bytes, width: int, fill: str) -> bytes:
    acc = 0
    for code in codes:
        acc = (acc << width) | code
    nbits = len(codes) * width
    pad = -nbits % 8
    acc <<= pad
    if pad and fill == "ones":
        acc |= (1 << pad) - 1
    elif pad and fill == "one-then-zeros":
        acc |= 1 << (pad - 1)
    return acc.to_bytes((nbits + pad) // 8, "big")


def five_bit_compact(text: str) -> bytes:
    return _pack(bytes(ord(c) & 0x1F for c in text), 5, "zeros")


def six_bit_compact(text: str) -> bytes:
    return _pack(bytes(ord(c) & 0x3F for c in text), 6, "one-then-zeros")


def seven_bit_compact(text: str) -> bytes:
    return _pack(text.encode("ascii"), 7, "ones")


# -- validity of a value for a scheme ---------------------------------------------------------------

def is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def fits_integer(text: str) -> bool:
    return is_digits(text) and text[0] != "0"


def fits_five_bit(text: str) -> bool:
    return bool(text) and all(0x41 <= ord(c) <= 0x5F for c in text)


def fits_six_bit(text: str) -> bool:
    # A trailing space would be read back as the "100000" fill.
    return bool(text) and text[-1] != " " and all(0x20 <= ord(c) <= 0x5F for c in text)


def fits_seven_bit(text: str) -> bool:
    return text.isascii() and "\x7f" not in text


def fits_isil(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalnum() or c in "-/:") for c in text)


def fits_octet(text: str) -> bool:
    return all(ord(c) < 0x100 for c in text)


# -- choice -------------------------------------------------------------------------------------------

def candidates(oid: int, text: str) -> list[tuple[int, bytes]]:
    """Every (scheme, bytes) that can carry ``text`` for element ``oid``, plain form last."""
    found: list[tuple[int, bytes]] = []
    if oid in ISIL_OIDS and fits_isil(text):
        found.append((APPLICATION_DEFINED, isil_compact(text)))
    if fits_integer(text):
        found.append((INTEGER, integer_compact(text)))
    if is_digits(text):
        found.append((NUMERIC, numeric_compact(text)))
    if fits_five_bit(text):
        found.append((FIVE_BIT, five_bit_compact(text)))
    if fits_six_bit(text):
        found.append((SIX_BIT, six_bit_compact(text)))
    if fits_seven_bit(text):
        found.append((SEVEN_BIT, seven_bit_compact(text)))
    found.append(plain_form(oid, text))
    return found


def plain_form(oid: int, text: str) -> tuple[int, bytes]:
    """Uncompacted bytes: ISO 8859-1 octets when possible, UTF-8 for free text or wider characters."""
    if oid not in FREE_TEXT_OIDS and fits_octet(text):
        return OCTET, text.encode("latin-1")
    return UTF8, text.encode("utf-8")


def choose(oid: int, text: str) -> tuple[int, bytes]:
    """Most compact (scheme, bytes) for ``text``; compaction only when strictly shorter than plain."""
    options = candidates(oid, text)
    plain = options[-1]
    best = min(options[:-1], key=lambda option: (len(option[1]), option[0]), default=plain)
    return best if len(best[1]) < len(plain[1]) else plain


def encode_with(scheme: int, oid: int, text: str) -> bytes:
    """Bytes of ``text`` under an explicitly chosen scheme (ValueError if it cannot carry it)."""
    checks = {
        INTEGER: (fits_integer, integer_compact), NUMERIC: (is_digits, numeric_compact),
        FIVE_BIT: (fits_five_bit, five_bit_compact), SIX_BIT: (fits_six_bit, six_bit_compact),
        SEVEN_BIT: (fits_seven_bit, seven_bit_compact),
        OCTET: (fits_octet, lambda t: t.encode("latin-1")), UTF8: (lambda t: True, lambda t: t.encode()),
    }
    if scheme == APPLICATION_DEFINED and oid in ISIL_OIDS:
        checks[APPLICATION_DEFINED] = (fits_isil, isil_compact)
    if scheme not in checks:
        raise ValueError(f"scheme {scheme} cannot carry text for OID {oid}")
    fits, compact = checks[scheme]
    if not fits(text):
        raise ValueError(f"{text!r} cannot be encoded with {SCHEME_NAMES[scheme]} compaction")
    return compact(text)


# -- decoders -------------------------------------------------------------------------------------

def integer_expand(data: bytes) -> str:
    return str(int.from_bytes(data, "big"))


def numeric_expand(data: bytes) -> str:
    digits = data.hex()
    if digits.endswith("f"):
        digits = digits[:-1]
    if not digits.isdigit():
        raise CompactionError(f"numeric compaction holds non-decimal nibbles: {data.hex()}")
    return digits


def five_bit_expand(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    remaining = len(data) * 8
    out = []
    while remaining >= 5:
        remaining -= 5
        code = (value >> remaining) & 0x1F
        if not code:  # 00000 is the zero fill, never a character
            break
        out.append(_FIVE_BIT_CHARS[code])
    return "".join(out)


def six_bit_expand(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    remaining = len(data) * 8
    out = []
    while remaining >= 6:
        remaining -= 6
        code = (value >> remaining) & 0x3F
        if code == 0x20 and not remaining:
            break  # "100000" as the very last group is fill
        out.append(_SIX_BIT_CHARS[code])
    return "".join(out)


def seven_bit_expand(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    remaining = len(data) * 8
    out = []
    while remaining >= 7:
        remaining -= 7
        code = (value >> remaining) & 0x7F
        if code == 0x7F:  # all ones: fill
            break
        out.append(code)
    return bytes(out).decode("ascii")


def octet_expand(data: bytes) -> str:
    return data.decode("latin-1")


def utf8_expand(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompactionError(f"invalid UTF-8 at byte {exc.start}") from None


TEXT_DECODERS = (None, integer_expand, numeric_expand, five_bit_expand, six_bit_expand,
                 seven_bit_expand, octet_expand, utf8_expand)


def expand(scheme: int, oid: int, data: bytes) -> str | None:
    """Text of an element, or None for application-defined data that is not text (OIDs other than ISIL)."""
    if scheme == APPLICATION_DEFINED:
        return isil_expand(data) if oid in ISIL_OIDS else None
    return TEXT_DECODERS[scheme](data)


# -- content parameter ------------------------------------------------------------------------------

def content_parameter_compact(oids: set[int] | frozenset[int]) -> bytes:
    """Bit map of the elements present, MSB first starting at OID 3; trailing zero bytes dropped."""
    bits = 0
    top = max(oids, default=2)
    size = (top - 3) // 8 + 1 if top >= 3 else 0
    for oid in oids:
        if oid >= 3:
            bits |= 1 << (size * 8 - 1 - (oid - 3))
    return bits.to_bytes(size, "big").rstrip(b"\x00")


def content_parameter_expand(data: bytes) -> tuple[int, ...]:
    value = int.from_bytes(data, "big")
    nbits = len(data) * 8
    return tuple(3 + i for i in range(nbits) if value >> (nbits - 1 - i) & 1)
