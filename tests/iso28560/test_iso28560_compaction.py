"""ISO/IEC 15962 compaction schemes: published vectors and round-trips for every scheme."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iso28560 import compaction as cp

# DigitalPlatform/dp2, TestDp2Library/TestRfid.cs (vectors from GB/T 35660.2-2017, the
# Chinese adoption of ISO 28560-2, pages 31, 32 and 39) — bytes copied as published.
DP2_VECTORS = [
    ("999999", cp.INTEGER, "0f423f"),
    ("10", cp.INTEGER, "0a"),
    ("123456789012", cp.INTEGER, "1cbe991a14"),
    ("1203", cp.INTEGER, "04b3"),
    ("00", cp.NUMERIC, "00"),
    ("01", cp.NUMERIC, "01"),
    ("010", cp.NUMERIC, "010f"),
    ("ABC", cp.FIVE_BIT, "0886"),
    ("]^_", cp.FIVE_BIT, "efbe"),
    ("ABC123456", cp.SIX_BIT, "0420f1cb3d35da"),
    ("ABC1234", cp.SIX_BIT, "0420f1cb3d20"),
    ("QA268.L55", cp.SIX_BIT, "441cb6e2e335d6"),
    ("12345678", cp.SEVEN_BIT, "62c99b46ad9bb8"),
    ("123456781234567", cp.SEVEN_BIT, "62c99b46ad9bb862c99b46ad9bff"),
]


@pytest.mark.parametrize(("text", "scheme", "hex_bytes"), DP2_VECTORS)
def test_published_vectors_encode_and_decode(text: str, scheme: int, hex_bytes: str) -> None:
    """dp2 TestRfid.cs Test_integer_*, Test_digit_*, Test_bit5_*, Test_bit6_*, Test_bit7_*."""
    assert cp.encode_with(scheme, 1, text).hex() == hex_bytes
    assert cp.expand(scheme, 1, bytes.fromhex(hex_bytes)) == text


def test_issue_anchors() -> None:
    """Set information "1203" as integer is 04 B3; 5-bit "ABC" is 08 86 (issue 2 anchors)."""
    assert cp.choose(4, "1203") == (cp.INTEGER, b"\x04\xb3")
    assert cp.choose(6, "ABC") == (cp.FIVE_BIT, b"\x08\x86")


@pytest.mark.parametrize(
    ("oid", "text", "scheme"),
    [
        (1, "123456789012", cp.INTEGER),  # dp2 Test_autoSelect_1
        (4, "1203", cp.INTEGER),  # dp2 Test_autoSelect_2
        (6, "QA268.L55", cp.SIX_BIT),  # dp2 Test_autoSelect_5
        (1, "0123456789", cp.NUMERIC),  # leading zero forbids integer
        (3, "US-InU-Mu", cp.APPLICATION_DEFINED),  # ISIL compaction beats 7-bit
        (17, "test", cp.UTF8),  # no compaction is strictly shorter: plain UTF-8 for a title
        (6, "abcd", cp.OCTET),  # plain ISO 8859-1 for identifiers
        (6, "Ville d'Avray", cp.SEVEN_BIT),
        (17, "Les Misérables", cp.UTF8),
        (6, "€uro", cp.UTF8),  # outside ISO 8859-1
        (1, "7", cp.OCTET),  # one digit: integer is not shorter
    ],
)
def test_choose_most_compact(oid: int, text: str, scheme: int) -> None:
    chosen, payload = cp.choose(oid, text)
    assert chosen == scheme
    assert cp.expand(chosen, oid, payload) == text
    assert len(payload) == min(len(p) for _s, p in cp.candidates(oid, text))


@pytest.mark.parametrize(
    ("scheme", "text"),
    [(cp.INTEGER, "0123"), (cp.INTEGER, "12a"), (cp.NUMERIC, "1²"), (cp.FIVE_BIT, "abc"),
     (cp.SIX_BIT, "AB "), (cp.SIX_BIT, "ab"), (cp.SEVEN_BIT, "é"), (cp.OCTET, "€")],
)
def test_scheme_refuses_what_it_cannot_carry(scheme: int, text: str) -> None:
    with pytest.raises(ValueError, match="cannot be encoded"):
        cp.encode_with(scheme, 6, text)


def test_numeric_with_non_decimal_nibble_is_an_error() -> None:
    with pytest.raises(cp.CompactionError, match="non-decimal"):
        cp.numeric_expand(b"\x1a")


def test_content_parameter_bit_map() -> None:
    """GB/T 35660.2 example (dp2 TestChip.cs): D0 = OIDs 3, 4, 6; D0 02 adds 17 (title)."""
    assert cp.content_parameter_compact({1, 2, 3, 4, 6}) == b"\xd0"
    assert cp.content_parameter_compact({3, 4, 6, 17}) == b"\xd0\x02"
    assert cp.content_parameter_expand(b"\xd0\x00\x00\x00\x00") == (3, 4, 6)
    assert cp.content_parameter_compact({1}) == b""


digits = st.text(string.digits, min_size=1, max_size=40)


@given(digits.filter(lambda s: s[0] != "0"))
def test_integer_round_trip(text: str) -> None:
    assert cp.integer_expand(cp.integer_compact(text)) == text


@given(digits)
def test_numeric_round_trip(text: str) -> None:
    assert cp.numeric_expand(cp.numeric_compact(text)) == text


@given(st.text(alphabet=[chr(c) for c in range(0x41, 0x60)], min_size=1, max_size=60))
def test_five_bit_round_trip(text: str) -> None:
    assert cp.five_bit_expand(cp.five_bit_compact(text)) == text


@given(st.text(alphabet=[chr(c) for c in range(0x20, 0x60)], min_size=1, max_size=60).filter(
    lambda s: not s.endswith(" ")))
def test_six_bit_round_trip(text: str) -> None:
    assert cp.six_bit_expand(cp.six_bit_compact(text)) == text


@given(st.text(alphabet=[chr(c) for c in range(0x00, 0x7F)], max_size=60))
def test_seven_bit_round_trip(text: str) -> None:
    assert cp.seven_bit_expand(cp.seven_bit_compact(text)) == text


@given(st.text(alphabet=[chr(c) for c in range(0x100)], max_size=60))
def test_octet_round_trip(text: str) -> None:
    assert cp.expand(cp.OCTET, 6, cp.encode_with(cp.OCTET, 6, text)) == text


@given(st.text(max_size=60))
def test_utf8_round_trip(text: str) -> None:
    assert cp.expand(cp.UTF8, 17, cp.encode_with(cp.UTF8, 17, text)) == text


@given(st.integers(1, 30), st.text(max_size=40))
def test_choose_round_trips_any_text(oid: int, text: str) -> None:
    scheme, payload = cp.choose(oid, text)
    assert cp.expand(scheme, oid, payload) == text


@given(st.frozensets(st.integers(3, 40), max_size=12))
def test_content_parameter_round_trip(oids: frozenset[int]) -> None:
    assert cp.content_parameter_expand(cp.content_parameter_compact(oids)) == tuple(sorted(oids))


@given(st.sampled_from(range(1, 8)), st.binary(max_size=40))
def test_decoders_fail_only_with_compaction_error(scheme: int, data: bytes) -> None:
    try:
        cp.expand(scheme, 6, data)
    except cp.CompactionError:
        pass
