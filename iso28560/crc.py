"""CRC-16/CCITT-FALSE, the check value of the ISO 28560-3 basic block.

Parameters: polynomial 0x1021, initial value 0xFFFF, no reflection, no final
XOR (check value of ``b"123456789"`` is 0x29B1). ``binascii.crc_hqx`` computes
exactly this register update in C when seeded with 0xFFFF, so the hot path uses
it; ``crc16_reference`` is the bit-by-bit definition, kept to prove the two agree.
"""

from __future__ import annotations

import binascii

CRC16_INIT = 0xFFFF
CRC16_POLY = 0x1021


def crc16_ccitt_false(data: bytes, crc: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (continue a running CRC by passing ``crc``)."""
    return binascii.crc_hqx(data, crc)


def crc16_reference(data: bytes, crc: int = CRC16_INIT) -> int:
    """Bit-serial definition of the same CRC, for tests and as documentation."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC16_POLY) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc
