"""CRC-16/CCITT-FALSE used by ISO 28560-3."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iso28560 import crc16_ccitt_false, crc16_reference
from iso28560.part3 import basic_crc


def test_check_values() -> None:
    """Catalogue check value 0x29B1; libdanrfid CRCTest: "RFID tag data model" → 0x1AEE."""
    for crc in (crc16_ccitt_false, crc16_reference):
        assert crc(b"123456789") == 0x29B1
        assert crc(b"RFID tag data model") == 0x1AEE


def test_danish_basic_block_crc() -> None:
    """GallusMax/libdanrfid DDMDataTest.testGetCRC: bytes 19-20 hold 51 3E, i.e. 0x3E51."""
    image = bytes.fromhex("11010131313232333334340000000000000000513e4445373035000000000000")
    assert basic_crc(image, 34) == basic_crc(image, 32) == 0x3E51


@given(st.binary(max_size=64), st.integers(0, 0xFFFF))
def test_fast_crc_equals_the_definition(data: bytes, seed: int) -> None:
    assert crc16_ccitt_false(data, seed) == crc16_reference(data, seed)
