"""Every message both ways: exact bytes for hand-derived frames, and decode(encode(m)) == m for all types."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
from sip2_samples import POPULATED, WHEN

from sip2 import codec
from sip2 import messages as m
from sip2.checksum import checksum_hex
from sip2.errors import ChecksumError, LocalProtocolError, ParseError


def framed(text: str, encoding: str = "utf-8") -> bytes:
    """A frame built by hand: text + checksum of its bytes + CR (a test helper, like nfcpy's CMD())."""
    data = text.encode(encoding)
    return data + checksum_hex(data).encode() + b"\r"


def test_every_command_has_a_populated_sample() -> None:
    assert set(POPULATED) == set(m.MESSAGE_TYPES)


@pytest.mark.parametrize("command", sorted(POPULATED))
@pytest.mark.parametrize("encoding", ["utf-8", "cp850", "latin-1"])
def test_round_trip_every_message(command: str, encoding: str) -> None:
    message = POPULATED[command]
    for terminator in ("\r", "\r\n"):
        data = codec.encode(message, sequence=7, encoding=encoding, terminator=terminator)
        assert data.endswith(terminator.encode())
        decoded = codec.decode(data, encoding=encoding)
        assert decoded == message
        assert type(decoded) is type(message)
        if command not in ("96", "97"):
            assert decoded.sequence == 7
        assert decoded.raw == data.decode(encoding).rstrip("\r\n")


@pytest.mark.parametrize("command", sorted(POPULATED))
def test_round_trip_without_error_detection(command: str) -> None:
    message = POPULATED[command]
    data = codec.encode(message, error_detection=False)
    assert b"AZ" not in data[-8:]
    decoded = codec.decode(data)
    assert decoded == message and decoded.sequence is None


def test_last_field_ending_in_az_is_text_without_error_detection() -> None:
    """'AZ' and four bytes ending a frame look like a checksum trailer, but a '|' among them cannot be one."""
    frame = b"24              00220240301    101530AOX|AA1|AEBAZ123|\r"
    status = codec.decode(frame)
    assert isinstance(status, m.PatronStatusResponse) and status.personal_name == "BAZ123"
    request = m.PatronInformationRequest(patron_id="Z\x800")  # "AZ", 2-byte UTF-8, "0|": from hypothesis
    assert codec.decode(codec.encode(request, error_detection=False)) == request
    with pytest.raises(ParseError, match="not four hex digits"):  # a damaged checksum is still refused
        codec.decode(b"941AY1AZFDFG\r")


def test_login_request_exact_bytes() -> None:
    message = m.LoginRequest(login_user_id="kiosk", login_password="pw", location_code="FR-751")
    assert codec.encode(message, sequence=0) == framed("9300CNkiosk|COpw|CPFR-751|AY0AZ")


def test_checkout_request_exact_bytes() -> None:
    message = m.CheckoutRequest(transaction_date=datetime(2024, 3, 1, 10, 15, 30), institution_id="FR-751",
                                patron_id="P1", item_id="I1", terminal_password="")
    expected = "11NN20240301    101530" + " " * 18 + "AOFR-751|AAP1|ABI1|AC|AY3AZ"
    assert codec.encode(message, sequence=3) == framed(expected)


def test_checkin_request_matches_reference_example() -> None:
    when = datetime(2016, 4, 19, 12, 20, 8)
    message = m.CheckinRequest(transaction_date=when, return_date=when, current_location="Reading Room 1",
                               institution_id="830", item_id="830$28170815", terminal_password="")
    assert codec.encode(message, sequence=2) == (
        b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZEB80\r")


def test_login_response_specification_example() -> None:
    assert codec.encode(m.LoginResponse(ok=True), sequence=1) == b"941AY1AZFDFC\r"
    assert codec.decode(b"941AY1AZFDFC\r") == m.LoginResponse(ok=True)


def test_resend_requests_have_no_sequence() -> None:
    assert codec.encode(m.RequestACSResend()) == b"97AZFEF5\r"
    assert codec.encode(m.RequestSCResend(), terminator="\r\n") == b"96AZFEF6\r\n"
    assert isinstance(codec.decode(b"96AZFEF6"), m.RequestSCResend)
    assert codec.encode(m.RequestACSResend(), error_detection=False) == b"97\r"


def test_patron_information_summary_positions() -> None:
    for position, name in enumerate(m.SUMMARY_NAMES):
        request = m.PatronInformationRequest(summary=name, patron_id="P")
        text = codec.encode_text(request)
        summary = text[2 + 3 + 18:2 + 3 + 18 + 10]
        assert summary == " " * position + "Y" + " " * (9 - position)
        assert codec.decode(codec.encode(request)).summary == name


def test_patron_status_flags_positions() -> None:
    for position, name in enumerate(m.PatronStatusFlags.NAMES):
        flags = m.PatronStatusFlags(**{name: True})
        assert flags.to_sip() == " " * position + "Y" + " " * (13 - position)
        assert m.PatronStatusFlags.from_sip(flags.to_sip()) == flags
        assert flags.set_flags == (name,)


def test_unknown_fields_are_preserved_in_order_and_re_emitted() -> None:
    frame = framed("121NNY20140124    110740AOHUTL|AA2|ZZfirst|AB030|XYsecond|AJTitle|AH|AB_dup|AY4AZ")
    message = codec.decode(frame)
    assert isinstance(message, m.CheckoutResponse)
    assert message.item_id == "030"
    assert message.extra == (("ZZ", "first"), ("XY", "second"), ("AB", "_dup"))
    again = codec.decode(codec.encode(message))
    assert again == message


def test_typed_field_with_unfit_value_is_kept_in_extra() -> None:
    frame = framed("1812020719700101    010000ABitem|AJtitle|CFholdQueueLength|BLmaybe|AY0AZ")
    message = codec.decode(frame)
    assert isinstance(message, m.ItemInformation)
    assert message.hold_queue_length is None
    assert ("CF", "holdQueueLength") in message.extra


def test_decoded_text_is_nfc_normalised_and_raw_is_kept() -> None:
    nfd = unicodedata.normalize("NFD", "Hélène")
    frame = framed(f"24              00220240301    101530AOFR|AA1|AE{nfd}|BLY|AY1AZ")
    message = codec.decode(frame)
    assert isinstance(message, m.PatronStatusResponse)
    assert message.personal_name == "Hélène"
    assert nfd in message.raw


def test_nfd_frame_checksum_is_verified_on_raw_bytes() -> None:
    nfd = unicodedata.normalize("NFD", "Hélène")
    text = f"24              00220240301    101530AOFR|AA1|AE{nfd}|AY1AZ"
    good = framed(text)
    assert codec.decode(good).personal_name == "Hélène"  # type: ignore[attr-defined]
    nfc_checksum = checksum_hex(unicodedata.normalize("NFC", text).encode())
    with pytest.raises(ChecksumError):
        codec.decode(text.encode() + nfc_checksum.encode())


def test_cp850_frame() -> None:
    frame = framed("24              00220240301    101530AOFR|AA1|AEHélène Ærø|AY1AZ", "cp850")
    assert codec.decode(frame, encoding="cp850").personal_name == "Hélène Ærø"  # type: ignore[attr-defined]
    with pytest.raises(ParseError, match="not valid utf-8"):
        codec.decode(frame, encoding="utf-8")


def test_checksum_mismatch_is_a_checksum_error() -> None:
    with pytest.raises(ChecksumError, match="FDFD") as info:
        codec.decode(b"941AY1AZFDFD")
    assert info.value.frame == b"941AY1AZFDFD"
    assert codec.decode(b"941AY1AZFDFD", verify_checksum=False) == m.LoginResponse(ok=True)
    assert codec.decode(b"941AY1AZfdfc") == m.LoginResponse(ok=True)


@pytest.mark.parametrize(("frame", "pattern"), [
    (b"", "two-digit message identifier"),
    (b"XY123", "two-digit message identifier"),
    (b"12", "needs 22 characters of fixed fields, got 0"),
    (b"12X", "needs 22"),
    (b"1X0NUN20140124    131049AO|", "two-digit"),
    (b"122NUN20140124    131049AO|", r"field ok at character 2"),
    (b"120NUQ20140124    131049AO|", r"field desensitize at character 5"),
    (b"120NUN2014012X    131049AO|", r"transaction_date at character 6"),
    (b"120NUNYYYYMMDDZZZZHHMMSSAO|", r"transaction_date"),
    (b"64YYYYYYYYYYYYYY02419700101    010000itemitemitemitemitemitemAA|",
     r"hold_items_count at character 37"),
    (b"941AY1AZFDF", "malformed error-detection trailer"),
    (b"941AY1AZ", "malformed error-detection trailer"),
    (b"941|AZ12", "malformed error-detection trailer"),
    (b"941AY1AZFDFG", "not four hex digits"),
    (b"120NUN20140124    131049AO|X|", r"field 'X' at character 27"),
    (b"93\x010CN|CO|", r"uid_algorithm at character 2: control character"),
])
def test_malformed_frames_raise_parse_error_saying_where(frame: bytes, pattern: str) -> None:
    with pytest.raises(ParseError, match=pattern):
        codec.decode(frame, verify_checksum=False)


def test_unknown_but_well_formed_message_is_returned_not_dropped() -> None:
    message = codec.decode(framed("0120240301    101530AOFR|AA1|AY2AZ"))
    assert isinstance(message, m.UnknownMessage)
    assert message.command == "01" and message.body.startswith("20240301") and message.sequence == 2
    assert codec.encode(message, sequence=2) == framed("0120240301    101530AOFR|AA1|AY2AZ")


@pytest.mark.parametrize(("factory", "pattern"), [
    (lambda: m.CheckoutResponse(ok="yes"), "CheckoutResponse.ok"),
    (lambda: m.PatronInformationRequest(language="fr"), "language: must be exactly 3"),
    (lambda: m.ItemInformation(circulation_status=100), "circulation_status"),
    (lambda: m.PatronInformationRequest(summary="everything"), "summary"),
    (lambda: m.SCStatus(protocol_version="2.0"), "protocol_version"),
    (lambda: m.LoginResponse(sequence=10), "sequence"),
    (lambda: m.UnknownMessage(command="ab"), "two digits"),
])
def test_invalid_messages_cannot_be_constructed(factory, pattern: str) -> None:
    with pytest.raises(LocalProtocolError, match=pattern):
        factory()


@pytest.mark.parametrize("value", ["a|b", "a\rb", "a\nb"])
def test_encoder_refuses_values_that_would_break_the_frame(value: str) -> None:
    with pytest.raises(LocalProtocolError, match=r"CheckoutRequest\.item_id"):
        codec.encode(m.CheckoutRequest(item_id=value))


def test_encoder_errors_are_local_protocol_errors() -> None:
    with pytest.raises(LocalProtocolError, match="cannot be written in cp850"):
        codec.encode(m.CheckoutResponse(title="Le cœur"), encoding="cp850")
    assert b"Le c?ur" in codec.encode(m.CheckoutResponse(title="Le cœur"), encoding="cp850", errors="replace")
    with pytest.raises(LocalProtocolError, match="terminator"):
        codec.encode(m.LoginResponse(), terminator="\n")
    with pytest.raises(LocalProtocolError, match="sequence"):
        codec.encode(m.LoginResponse(), sequence=12)
    with pytest.raises(LocalProtocolError, match="character set"):
        codec.encode(m.LoginResponse(), encoding="klingon")
    with pytest.raises(LocalProtocolError, match="extra"):
        codec.encode(m.LoginResponse(extra=(("ABC", "x"),)))


def test_passwords_never_appear_in_repr() -> None:
    for message in (POPULATED["93"], POPULATED["11"], POPULATED["63"], POPULATED["23"], POPULATED["37"]):
        assert "8642" not in repr(message) and "s3cret" not in repr(message)
        assert "password" not in repr(message).lower() or "=" not in repr(message).split("password")[-1][:2]


def test_redact_masks_pins_for_logs() -> None:
    text = codec.encode(POPULATED["11"]).decode()
    redacted = codec.redact(text)
    assert "8642" not in redacted and "ADXXX" not in redacted and "AD***" in redacted
    assert "AB3000000123456" in redacted


def test_response_helpers() -> None:
    status = POPULATED["98"]
    assert isinstance(status, m.ACSStatus)
    assert status.ok and status.supports("11") and not status.supports("01")
    assert status.supported == frozenset({"23", "11", "09", "99", "93", "63", "35", "37", "17", "29", "65"})
    checkout = POPULATED["12"]
    assert isinstance(checkout, m.CheckoutResponse)
    assert checkout.due_date == datetime(2024, 3, 22, 23, 59)
    item = POPULATED["18"]
    assert isinstance(item, m.ItemInformation)
    assert item.ok and item.due_date == datetime(2024, 3, 22, 23, 59)
    assert not m.ItemInformation(circulation_status=1).ok
    patron = POPULATED["64"]
    assert isinstance(patron, m.PatronInformation)
    assert not patron.ok  # valid_pin is False
    assert m.PatronInformation(personal_name="X").ok
    assert m.PatronStatusFlags(card_reported_lost=True).blocked
    assert POPULATED["36"].ok and POPULATED["38"].ok  # type: ignore[attr-defined]


def test_fixed_dates_in_utc_round_trip() -> None:
    from datetime import UTC
    message = m.CheckinRequest(transaction_date=WHEN.replace(tzinfo=UTC), item_id="1")
    assert b"20240301   Z101530" in codec.encode(message)
    assert codec.decode(codec.encode(message)) == message


def test_bare_sequence_without_checksum() -> None:
    assert codec.decode(b"941AY3").sequence == 3
    refused = codec.decode(b"120NUN20140124    131049AOHUTL|AA2|AB1|AJ|AH|AY4\r")
    assert refused.sequence == 4 and refused.extra == ()
    # 'AY5' inside a fixed field is data, not a trailer
    status = codec.decode(b"990080zAY5")
    assert isinstance(status, m.SCStatus) and status.protocol_version == "zAY5" and status.sequence is None
