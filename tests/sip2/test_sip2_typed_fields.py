"""Coded fields decode to their enum members (circulation status, security marker, fee type, media type, alert
type, language); codes a real SIGB invents are kept as plain values, and old comparisons with ints and strings
still hold."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sip2 import codec, render
from sip2 import messages as m

# Deichman's Koha (digibib/koha-rfidhub sip_test.go) and the ceridwen library's tests (test_sip2_real_frames).
KOHA_ITEM = b"1803020120140226    203140AB03010824124004|AJHeavy metal in Baghdad|AQfhol|BGfhol|\r"
KOHA_CHECKIN_HOLD = ("100YNY20140511    092216AOGRY|AB03010013753001|AQhutl|AJHeksenes historie|CS272 And|"
                     "CTfroa|CY11|DAåsen|CV02|AFItem not checked out|\r").encode()
KOHA_PATRON = (b"64              01220140123    093212000000030003000000000000AOHUTL|AApatronid1|"
               b"AEFillip Wahl|BLY|CQY|CC5|PCPT|PIY|AFGreetings from Koha. |\r")
CERIDWEN_CHECKOUT = (b"121YYY19700101    010000AApatronIdentifier|ABitemIdentifier|AFscreenMessage|"
                     b"AGprintLine|AHdueDate|AJtitleIdentifier|AOinstitutionId|BHGBP|BKtransactionId|BT07|"
                     b"BVfeeAmount|CHitemProperties|CIY|CK007|AY0AZB6C0")


def test_item_information_fields_are_enum_members() -> None:
    item = codec.decode(KOHA_ITEM)
    assert isinstance(item, m.ItemInformation)
    assert item.circulation_status is m.CirculationStatus.AVAILABLE
    assert item.security_marker is m.SecurityMarker.TATTLE_TAPE
    assert item.fee_type is m.FeeType.OTHER
    assert item.circulation_status == 3 and item.security_marker == 2  # still plain ints to old code


def test_checkin_alert_type_and_checkout_media_type_are_enum_members() -> None:
    checkin = codec.decode(KOHA_CHECKIN_HOLD)
    assert isinstance(checkin, m.CheckinResponse)
    assert checkin.alert_type is m.AlertType.HOLD_OTHER_BRANCH and checkin.alert_type == "02"
    checkout = codec.decode(CERIDWEN_CHECKOUT)
    assert isinstance(checkout, m.CheckoutResponse)
    assert checkout.media_type is m.MediaType.DISKETTE and checkout.media_type == "007"


def test_language_is_typed() -> None:
    patron = codec.decode(KOHA_PATRON)
    assert isinstance(patron, m.PatronInformation)
    assert patron.language is m.Language.NORWEGIAN and patron.language == "012"
    assert m.PatronInformation().language is m.Language.FRENCH
    request = codec.decode(codec.encode(m.PatronInformationRequest(patron_id="1")))
    assert isinstance(request, m.PatronInformationRequest) and request.language is m.Language.FRENCH


def test_unknown_codes_from_a_sigb_are_kept_as_plain_values() -> None:
    item = codec.decode(b"1814050920240301    101530ABX|AJT|CK015|\r")
    assert isinstance(item, m.ItemInformation)
    assert item.circulation_status == 14 and type(item.circulation_status) is int
    assert item.security_marker == 5 and type(item.security_marker) is int
    assert item.fee_type is m.FeeType.HOLD_FEE
    assert item.media_type == "015" and type(item.media_type) is str
    checkin = codec.decode(b"100NUY20240301    101530AO|AB1|AQ|CV42|\r")
    assert isinstance(checkin, m.CheckinResponse) and checkin.alert_type == "42"
    assert not isinstance(checkin.alert_type, m.AlertType)
    patron = codec.decode(b"24              eng20240301    101530AOX|AA1|AEN|\r")
    assert isinstance(patron, m.PatronStatusResponse) and patron.language == "eng"
    assert codec.encode(item, error_detection=False) == b"1814050920240301    101530ABX|AJT|CK015|\r"


def test_constructor_gives_the_same_members_as_decoding() -> None:
    built = m.ItemInformation(circulation_status=4, security_marker=1, media_type="001", item_id="X",
                              title="T")
    assert built.circulation_status is m.CirculationStatus.CHARGED
    assert built.security_marker is m.SecurityMarker.NONE and built.media_type is m.MediaType.BOOK
    assert m.CheckinResponse(alert_type="04").alert_type is m.AlertType.SEND_TO_OTHER_BRANCH
    assert codec.decode(codec.encode(built)) == built


def test_json_and_text_show_the_wire_values() -> None:
    item = codec.decode(KOHA_ITEM)
    data = render.to_json_dict(item)
    assert json.loads(json.dumps(data))["circulation_status"] == 3
    assert "circulation_status: 03 (available)" in render.describe(item)
    checkin = codec.decode(KOHA_CHECKIN_HOLD)
    assert json.loads(json.dumps(render.to_json_dict(checkin)))["alert_type"] == "02"
    assert "alert_type: hold other branch (02)" in render.describe(checkin)


def test_describe_names_media_types_and_keeps_unknown_codes_raw() -> None:
    book = codec.decode(b"1803020120140226    203140AB03010824124004|AJHeavy metal|CK001|\r")
    assert "media_type: book (001)" in render.describe(book)
    odd = codec.decode(b"1803020120140226    203140AB03010824124004|AJHeavy metal|CK042|\r")
    assert "media_type: 042" in render.describe(odd)


@given(status=st.integers(0, 99), marker=st.integers(0, 99), media=st.from_regex(r"\A[0-9]{3}\Z"))
def test_any_code_decodes_to_a_member_or_the_plain_value(status: int, marker: int, media: str) -> None:
    frame = f"18{status:02d}{marker:02d}0120240301    101530ABX|AJT|CK{media}|\r".encode()
    item = codec.decode(frame)
    assert isinstance(item, m.ItemInformation)
    assert item.circulation_status == status and item.security_marker == marker and item.media_type == media
    assert isinstance(item.circulation_status, m.CirculationStatus) == (1 <= status <= 13)
    assert isinstance(item.security_marker, m.SecurityMarker) == (marker <= 3)
    assert isinstance(item.media_type, m.MediaType) == (int(media) <= 10)
