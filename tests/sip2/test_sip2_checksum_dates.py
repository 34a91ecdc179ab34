"""Worked checksums (SIP2 specification, reference notes) and SIP date handling."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from sip2.checksum import checksum, checksum_hex, is_hex4, verify
from sip2.dates import format_sip_date, parse_due_date, parse_sip_date


def test_specification_worked_example() -> None:
    assert checksum_hex(b"941AY1AZ") == "FDFC"
    assert verify(b"941AY1AZFDFC")


def test_checkin_example_from_reference() -> None:
    frame = b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert checksum_hex(frame) == "EB80"


@pytest.mark.parametrize(("encoding", "normal_form", "expected"), [
    ("utf-8", "NFC", "FBA2"),
    ("cp850", "NFC", "FD6D"),
    ("latin-1", "NFC", "FCA8"),
    ("utf-8", "NFD", "FB16"),
])
def test_accented_name_checksum_is_on_raw_bytes(encoding: str, normal_form: str, expected: str) -> None:
    data = unicodedata.normalize(normal_form, "Hélène").encode(encoding)
    assert checksum_hex(data) == expected


def test_resend_frames_are_constants() -> None:
    assert checksum_hex(b"97AZ") == "FEF5"
    assert checksum_hex(b"96AZ") == "FEF6"


def test_checksum_is_sixteen_bit_twos_complement() -> None:
    assert checksum(b"") == 0
    assert checksum(b"\x01") == 0xFFFF
    assert (checksum(b"\xff" * 1000) + 255 * 1000) & 0xFFFF == 0


def test_verify_refuses_non_hex_and_wrong_values() -> None:
    assert not verify(b"941AY1AZFDFD")
    assert not verify(b"941AY1AZ+DFC")
    assert not verify(b"941AY1")
    assert not is_hex4(b"1_23")
    assert is_hex4(b"fdfc")


def test_format_sip_date_local_and_utc() -> None:
    assert format_sip_date(datetime(2024, 3, 1, 9, 5, 7)) == "20240301    090507"
    assert format_sip_date(datetime(2024, 3, 1, 9, 5, 7, tzinfo=UTC)) == "20240301   Z090507"
    assert format_sip_date(None) == " " * 18


def test_parse_sip_date() -> None:
    assert parse_sip_date("20240301    090507") == datetime(2024, 3, 1, 9, 5, 7)
    assert parse_sip_date("20240301   Z090507") == datetime(2024, 3, 1, 9, 5, 7, tzinfo=UTC)
    assert parse_sip_date("20240301EST 090507") == datetime(2024, 3, 1, 9, 5, 7)
    assert parse_sip_date(" " * 18) is None
    assert parse_sip_date("00000000    000000") is None


@pytest.mark.parametrize("bad", ["YYYYMMDDZZZZHHMMSS", "20241301    090507", "2024030     090507", "short"])
def test_parse_sip_date_says_why(bad: str) -> None:
    with pytest.raises(ValueError, match=r"SIP date|YYYYMMDD|real date"):
        parse_sip_date(bad)


@pytest.mark.parametrize(("text", "expected"), [
    ("20140221    235900", datetime(2014, 2, 21, 23, 59)),   # SIP format (Koha via koha-rfidhub tests)
    ("2011-10-28 23:59:59", datetime(2011, 10, 28, 23, 59, 59)),  # Koha's ISO display
    ("2011-10-28", datetime(2011, 10, 28)),
    ("20111028", datetime(2011, 10, 28)),
    ("28/10/2011", datetime(2011, 10, 28)),
    ("28/10/2011 23:59", datetime(2011, 10, 28, 23, 59)),
    ("28.10.2011", datetime(2011, 10, 28)),
    ("2011-10-28T23:59:59", datetime(2011, 10, 28, 23, 59, 59)),
])
def test_due_dates_parsed_leniently(text: str, expected: datetime) -> None:
    assert parse_due_date(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "dueDate", "31/02/2024", "demain", "2024-13-01"])
def test_unparseable_due_dates_give_none(text: str) -> None:
    assert parse_due_date(text) is None
