"""SIP2 error-detection checksum.

The checksum is the two's complement of the 16-bit sum of every byte sent, from the message identifier up to
and including the ``AZ`` field identifier, written as four upper-case hex digits. It is computed on the raw
bytes *as sent*, so a frame in cp850 and the same text in UTF-8 have different checksums.
Worked example from the SIP2 specification: ``941AY1AZ`` -> ``FDFC``.
"""

from __future__ import annotations

_HEX_DIGITS = b"0123456789ABCDEFabcdef"


def checksum(data: bytes) -> int:
    """The 16-bit checksum of ``data`` (everything up to and including ``AZ``)."""
    return -sum(data) & 0xFFFF


def checksum_hex(data: bytes) -> str:
    """The checksum as the four upper-case hex digits that follow ``AZ`` on the wire."""
    return f"{-sum(data) & 0xFFFF:04X}"


def verify(frame: bytes) -> bool:
    """True if ``frame`` (without terminator) ends with ``AZ`` + four hex digits matching its bytes."""
    if len(frame) < 6 or frame[-6:-4] != b"AZ" or not is_hex4(frame[-4:]):
        return False
    return int(frame[-4:], 16) == checksum(frame[:-4])


def is_hex4(value: bytes) -> bool:
    """True for exactly four hex digits (``int(..., 16)`` alone would also accept ``+1_F``)."""
    return len(value) == 4 and not value.strip(_HEX_DIGITS)
