"""ISIL syntax (ISO 15511) and ISIL compaction (ISO 28560-2 application-defined scheme)."""

from __future__ import annotations

import pytest
from hypothesis import given
from iso28560_strategies import isils

from iso28560 import EncodeError, validate_isil
from iso28560.isil import isil_compact, isil_expand


@pytest.mark.parametrize(
    ("isil", "hex_bytes"),
    [
        ("DE-Heu1", "21408e16bf1f"),  # dp2 TestRfid.cs Test_isil_1
        ("US-InU-Mu", "acc09ebaa06f6b"),  # dp2 TestRfid.cs Test_isil_2 (GB/T 35660.2 example)
    ],
)
def test_published_isil_compaction(isil: str, hex_bytes: str) -> None:
    assert isil_compact(isil).hex() == hex_bytes
    assert isil_expand(bytes.fromhex(hex_bytes)) == isil


def test_shift_and_latch_codes_decode() -> None:
    """dp2 Test_isil_process_3: a lone lower-case letter is shift (11101) + letter."""
    # 11101 00001 + 111111 fill = "a"
    assert isil_compact("a") == bytes([0b11101000, 0b01111111])
    assert isil_expand(bytes([0b11101000, 0b01111111])) == "a"
    # upper "A", latch digit (11110), "12" in 4-bit, fill 1s
    assert isil_expand(bytes([0b00001111, 0b10000100, 0b10111111])) == "A12"


def test_french_isil_is_shorter_than_six_bit() -> None:
    assert len(isil_compact("FR-751131010")) == 7  # 6-bit would need 9 bytes


@given(isils())
def test_isil_round_trip(isil: str) -> None:
    assert isil_expand(isil_compact(isil)) == isil
    assert validate_isil(isil) == isil


@pytest.mark.parametrize(
    ("isil", "fragment"),
    [
        ("", "empty"),
        ("FR751131010", "no hyphen"),
        ("FRANCE-123", "prefix 'FRANCE'"),
        ("-123", "prefix ''"),
        ("FR-", "no library identifier"),
        ("FR-75 1131", "contains ' '"),
        ("FR-Bibliothèque", "contains 'è'"),
        ("FR-1234567890123", "at most 11"),
    ],
)
def test_isil_syntax_errors(isil: str, fragment: str) -> None:
    with pytest.raises(EncodeError, match="owner_institution") as info:
        validate_isil(isil)
    assert fragment in str(info.value)
    assert info.value.element == "owner_institution"
