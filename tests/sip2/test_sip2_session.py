"""ClientSession (sans-I/O): what the SIGB's 98 says about 97 decides whether a resend may be asked for."""

from __future__ import annotations

import pytest
from sip2_fake_server import framed

from sip2.errors import LocalProtocolError
from sip2.messages import ACSStatus, ItemInformationRequest, SCStatus
from sip2.session import BadFrame, ClientSession, Reply

DATE = "20240301    101530"


def status_frame(bx: str, sequence: int = 0) -> bytes:
    return framed(f"98YYYYNY030003{DATE}2.00AOFR-751|BX{bx}|AY{sequence}AZ")


@pytest.mark.parametrize(("bx", "supported"), [
    ("YYYYYYYYYYYYYYYY", True),
    ("YYYNYNYYYYYNNNYY", False),  # sixth flag: 97
    ("yyyyyyyyyyyyyyyy", True),
    ("YYYY", True),  # too short to say anything about 97
    ("", True),
])
def test_the_98_bx_flag_for_97_is_learned(bx: str, supported: bool) -> None:
    session = ClientSession()
    session.send(SCStatus(max_print_width=80))
    session.receive_data(status_frame(bx))
    event = session.next_event()
    assert isinstance(event, Reply) and isinstance(event.message, ACSStatus)
    assert session.resend_supported is supported


def test_no_97_once_the_sigb_said_it_does_not_answer_it() -> None:
    session = ClientSession()
    session.send(SCStatus(max_print_width=80))
    session.receive_data(status_frame("YYYNYNYYYYYNNNYY"))
    session.next_event()
    session.send(ItemInformationRequest(institution_id="FR-751", item_id="I1"))
    session.receive_data(b"18030201" + DATE.encode() + b"ABI1|AJT|AY1AZ0000\r")
    assert isinstance(session.next_event(), BadFrame)
    with pytest.raises(LocalProtocolError, match="97 as unsupported"):
        session.request_resend()
    assert session.resend_frame().startswith(b"17")  # the caller's fallback is its own business


def test_what_an_earlier_connection_learned_is_carried_over() -> None:
    session = ClientSession(resend_supported=False)
    session.send(SCStatus(max_print_width=80))
    with pytest.raises(LocalProtocolError):
        session.request_resend()
    session.receive_data(status_frame("Y" * 16))
    session.next_event()
    session.send(SCStatus(max_print_width=80))
    assert session.request_resend() == b"97AZFEF5\r"
