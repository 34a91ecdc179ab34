"""SIP2Client against a scripted TCP server speaking hand-built frames (real sockets, real bytes)."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sip2_fake_server import CLOSE, FakeSIGB, framed, sequence_of, standard_reply, wait_for

from sip2 import messages as m
from sip2.checksum import verify
from sip2.client import ClientConfig, SIP2Client
from sip2.errors import (
    LocalProtocolError,
    LoginRefused,
    OutcomeUnknown,
    ParseError,
    Sip2Disconnected,
    Sip2Timeout,
)


def config(server: FakeSIGB, **overrides: object) -> ClientConfig:
    values: dict = {"host": "127.0.0.1", "port": server.port, "username": "kiosk", "password": "pw",
                    "location": "FR-751-07", "institution_id": "FR-751", "timeout": 0.5,
                    "keepalive_interval": 0, "retries": 2, "reconnect_delay": 0.01}
    values.update(overrides)
    return ClientConfig(**values)


def test_connect_sends_exact_login_then_status() -> None:
    with FakeSIGB() as server, SIP2Client(config(server)) as client:
        assert server.frames[0] + b"\r" == framed("9300CNkiosk|COpw|CPFR-751-07|AY0AZ")
        assert verify(server.frames[0])
        assert server.frames[1].startswith(b"9900802.00AY1AZ") and verify(server.frames[1])
        assert client.acs_status is not None and client.acs_status.offline_ok
        assert client.acs_status.library_name == "Réseau"


def test_checkout_round_trip_and_sequence_wraps() -> None:
    with FakeSIGB() as server, SIP2Client(config(server)) as client:
        for index in range(12):
            response = client.checkout("P1", f"I{index}", pin="8642")
            assert response.ok and response.item_id == f"I{index}" and response.title == "Les Misérables"
            assert response.raw.startswith("121NNY")
        sequences = [sequence_of(frame) for frame in server.frames]
        assert sequences == [str(n % 10) for n in range(14)]
        checkout = server.frames[2]
        assert b"|AAP1|ABI0|AC|AD8642|" in checkout and checkout.startswith(b"11NN")


def test_no_login_when_username_is_empty() -> None:
    with FakeSIGB() as server, SIP2Client(config(server, username="")):
        assert server.commands() == ["99"]


def test_login_refused_is_not_retried() -> None:
    def handler(frame: bytes, _n: int) -> bytes | None:
        return framed(f"940AY{sequence_of(frame)}AZ") if frame[:2] == b"93" else standard_reply(frame)

    with FakeSIGB(handler) as server:
        with pytest.raises(LoginRefused, match="refused the login of user 'kiosk'"):
            SIP2Client(config(server)).connect()
        assert server.connections == 1


def test_96_makes_the_client_resend_the_same_bytes() -> None:
    asked = []

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"11" and not asked:
            asked.append(frame)
            return b"96AZFEF6\r"
        return standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.checkout("P1", "I1").ok
        checkouts = [frame for frame in server.frames if frame[:2] == b"11"]
        assert len(checkouts) == 2 and checkouts[0] == checkouts[1]


def test_unreadable_reply_is_asked_again_with_97() -> None:
    last: dict[int, bytes] = {}

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"97":
            return last[n]
        reply = standard_reply(frame)
        assert reply is not None
        last[n] = reply
        if frame[:2] == b"11":
            return reply[:-5] + b"0000\r"  # wrong checksum
        return reply

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        response = client.checkout("P1", "I7")
        assert response.ok and response.item_id == "I7"
        assert server.commands() == ["93", "99", "11", "97"]
        assert server.frames[-1] == b"97AZFEF5"


def test_reply_that_lost_its_checksum_is_asked_again() -> None:
    last: dict[int, bytes] = {}

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"97":
            return last[n]
        reply = last[n] = standard_reply(frame)  # type: ignore[assignment]
        return reply[:-9] + b"\r" if frame[:2] == b"11" else reply  # trailer cut off in transit

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.checkout("P1", "I7").ok
        assert server.commands() == ["93", "99", "11", "97"]


def test_checkout_timeout_is_outcome_unknown_and_never_resent() -> None:
    def handler(frame: bytes, _n: int) -> object:
        return None if frame[:2] == b"11" else standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        with pytest.raises(OutcomeUnknown, match="item I9 was sent but no reply") as info:
            client.checkout("P1", "I9")
        assert isinstance(info.value.__cause__, Sip2Timeout)
        assert isinstance(info.value.request, m.CheckoutRequest)
        time.sleep(0.1)
        assert server.commands().count("11") == 1
        # the kiosk reconciles: the next request works on a fresh connection
        assert client.item_information("I9").ok
        assert server.connections == 2


def test_query_timeout_is_retried_on_a_new_connection() -> None:
    def handler(frame: bytes, n: int) -> object:
        return None if frame[:2] == b"17" and n == 1 else standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.item_information("I3").title == "Les Misérables"
        assert server.connections == 2 and server.commands().count("17") == 2


def test_query_timeout_everywhere_is_sip2_timeout() -> None:
    def handler(frame: bytes, _n: int) -> object:
        return None if frame[:2] == b"17" else standard_reply(frame)

    with (FakeSIGB(handler) as server, SIP2Client(config(server, retries=1)) as client,
          pytest.raises(Sip2Timeout, match=r"no reply to ItemInformationRequest within 0\.5 s")):
        client.item_information("I3")


def test_resend_on_timeout_uses_97_and_recovers_a_lost_reply() -> None:
    last: dict[int, bytes] = {}

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"97":
            return last.get(n)
        reply = standard_reply(frame)
        last[n] = reply  # type: ignore[assignment]
        return None if frame[:2] == b"11" else reply  # the checkout reply is "lost" the first time

    with FakeSIGB(handler) as server, SIP2Client(config(server, resend_on_timeout=True)) as client:
        assert client.checkout("P1", "I5").ok
        assert server.commands() == ["93", "99", "11", "97"]


def test_idle_connection_closed_by_sigb_is_reopened_before_sending() -> None:
    def handler(frame: bytes, n: int) -> object:
        return standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        server.close_all_connections()  # Koha's idle timeout
        time.sleep(0.05)
        assert client.checkout("P1", "I1").ok  # not OutcomeUnknown: it was never sent on the dead connection
        assert server.connections == 2
        assert [cmd for n, cmd in [(n, f[:2]) for n, f in server.received] if n == 2] == [b"93", b"99", b"11"]


def test_eof_after_checkout_sent_is_outcome_unknown() -> None:
    def handler(frame: bytes, _n: int) -> object:
        return CLOSE if frame[:2] == b"11" else standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        with pytest.raises(OutcomeUnknown) as info:
            client.checkout("P1", "I1")
        assert isinstance(info.value.__cause__, Sip2Disconnected)
        assert server.commands().count("11") == 1


def test_stale_reply_with_another_sequence_is_ignored() -> None:
    def handler(frame: bytes, _n: int) -> object:
        reply = standard_reply(frame)
        if frame[:2] == b"17":
            stale = framed("18010001" + "20240301    101530" + "ABold|AJOld|AY7AZ")
            return stale + (reply or b"")
        return reply

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.item_information("I2").item_id == "I2"


def test_reconnect_with_backoff_until_the_sigb_comes_back() -> None:
    with FakeSIGB() as first:
        port = first.port
    client = SIP2Client(ClientConfig("127.0.0.1", port, "kiosk", "pw", timeout=0.5, retries=6,
                                     reconnect_delay=0.05, keepalive_interval=0))
    started = threading.Event()
    result: list[object] = []

    def connect() -> None:
        started.set()
        try:
            result.append(client.connect())
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result.append(exc)

    thread = threading.Thread(target=connect)
    thread.start()
    started.wait()
    time.sleep(0.2)
    import socket as socket_module
    listener = socket_module.create_server(("127.0.0.1", port))
    try:
        conn, _ = listener.accept()
        buffer = b""
        for _ in range(2):
            while b"\r" not in buffer:
                buffer += conn.recv(4096)
            frame, buffer = buffer.split(b"\r", 1)
            conn.sendall(standard_reply(frame) or b"")
        thread.join(timeout=5)
        assert result and result[0] is client and client.connected
    finally:
        client.close()
        listener.close()


def test_unreachable_sigb_gives_a_clear_error() -> None:
    with FakeSIGB() as server:
        port = server.port
    client = SIP2Client(ClientConfig("127.0.0.1", port, timeout=0.2, retries=1, reconnect_delay=0.01))
    with pytest.raises(Sip2Disconnected, match=rf"cannot reach the SIGB at 127.0.0.1:{port} after 2 attempt"):
        client.connect()


def test_keepalive_sends_sc_status_when_idle() -> None:
    with FakeSIGB() as server, SIP2Client(config(server, keepalive_interval=0.1)):
        assert wait_for(lambda: server.commands().count("99") >= 3)


def test_keepalive_never_interleaves_with_a_transaction() -> None:
    def handler(frame: bytes, _n: int) -> object:
        if frame[:2] == b"11":
            time.sleep(0.4)  # a slow checkout; keepalive is due every 0.1 s
        return standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server, keepalive_interval=0.1, timeout=2)) as client:
        assert client.checkout("P1", "I1").ok
        assert wait_for(lambda: server.commands()[-1:] == ["99"])
        commands = server.commands()
        checkout_at = commands.index("11")
        assert commands[checkout_at + 1] == "99"  # nothing sent while the checkout was outstanding


def test_concurrent_callers_get_their_own_replies() -> None:
    with FakeSIGB() as server, SIP2Client(config(server, keepalive_interval=0.05, timeout=2)) as client:
        errors: list[str] = []

        def worker(name: str) -> None:
            for index in range(25):
                item = f"{name}-{index}"
                got = client.item_information(item).item_id
                if got != item:
                    errors.append(f"{item} -> {got}")

        threads = [threading.Thread(target=worker, args=(f"T{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert server.commands().count("17") == 100


def test_crlf_and_cp850_and_no_error_detection() -> None:
    """A legacy SIGB: CRLF, cp850 (no 'œ': it sends '?'), no AY/AZ at all."""
    date = "20240301    101530"
    replies = {
        b"93": b"941\r\n",
        b"99": f"98YYYYNY030003{date}2.00AOFR|BXYYYYYYYYYYYYYYYY|\r\n".encode("cp850"),
        b"17": f"18030201{date}ABI1|AJHélène et le c?ur|\r\n".encode("cp850"),
    }
    with FakeSIGB(lambda frame, _n: replies.get(frame[:2])) as server:
        cfg = config(server, terminator="crlf", encoding="cp850", error_detection=False)
        with SIP2Client(cfg) as client:
            item = client.item_information("I1")
            assert item.title == "Hélène et le c?ur" and item.sequence is None
        assert server.frames[0] == b"9300CNkiosk|COpw|CPFR-751-07|"
        assert all(b"AY" not in frame for frame in server.frames)
        assert server.terminators == [b"\r\n"] * 3


def test_pins_and_passwords_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sip2")
    with FakeSIGB() as server, SIP2Client(config(server, password="Zq9secret")) as client:
        client.patron_information("P1", pin="8642")
    assert "-> 63" in caplog.text and "<- 64" in caplog.text
    assert "8642" not in caplog.text and "Zq9secret" not in caplog.text


@pytest.mark.parametrize(("overrides", "pattern"), [
    ({"port": 0}, "port must be 1-65535"),
    ({"encoding": "utf-16"}, "encoding must be one of"),
    ({"terminator": "lf"}, "terminator must be 'cr' or 'crlf'"),
    ({"timeout": 0}, "timeout must be positive"),
    ({"language": "fr"}, "language must be 3 digits"),
    ({"keyfile": "k.pem"}, "keyfile needs certfile"),
    ({"host": ""}, "host must not be empty"),
])
def test_config_errors_name_the_field(overrides: dict, pattern: str) -> None:
    values = {"host": "sigb", "port": 6001} | overrides
    with pytest.raises(LocalProtocolError, match=pattern):
        ClientConfig(**values)


def test_closed_client_refuses_calls() -> None:
    with FakeSIGB() as server:
        client = SIP2Client(config(server)).connect()
        client.close()
        with pytest.raises(Sip2Disconnected, match="closed"):
            client.sc_status()


def test_unparseable_reply_after_retries_is_outcome_unknown_for_checkin() -> None:
    def handler(frame: bytes, _n: int) -> object:
        if frame[:2] in (b"09", b"97"):
            return b"10garbage\r"
        return standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        with pytest.raises(OutcomeUnknown) as info:
            client.checkin("I1")
        assert isinstance(info.value.__cause__, ParseError)
        assert server.commands().count("97") == 2


def test_checkin_fields_from_a_hand_built_reply() -> None:
    with FakeSIGB() as server, SIP2Client(config(server)) as client:
        response = client.checkin("I1")
        assert (response.alert_type, response.destination, response.sort_bin) == ("04", "FR-751-02", "2")
        checkin = server.frames[-1]
        assert checkin.startswith(b"09N") and b"APFR-751-07|AOFR-751|ABI1|AC|" in checkin


# -- unreadable replies and the SIGB's BX (97 supported or not) -----------------------------------------

NO_97 = "YYYNYNYYYYYNNNYY"  # BX order 23 11 09 01 99 97 93 ...: the sixth flag (97) is N


def status_reply(frame: bytes, bx: str) -> bytes:
    date = "20240301    101530"
    return framed(f"98YYYYNY030003{date}2.00AOFR-751|AMRéseau|BX{bx}|AY{sequence_of(frame)}AZ")


def bad_checksum(reply: bytes) -> bytes:
    return reply[:-5] + (b"0000" if reply[-5:-1] != b"0000" else b"0001") + b"\r"


def scripted(bx: str, corrupt: set[tuple[int, bytes]]) -> tuple[dict[int, bytes], object]:
    """A handler answering with ``bx`` in 98, a wrong checksum for the (connection, command) pairs in
    ``corrupt``, and a correct copy of the last reply for 97."""
    last: dict[int, bytes] = {}

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"97":
            return last.get(n)
        reply = status_reply(frame, bx) if frame[:2] == b"99" else standard_reply(frame)
        assert reply is not None
        last[n] = reply
        return bad_checksum(reply) if (n, frame[:2]) in corrupt else reply

    return last, handler


def per_connection(server: FakeSIGB) -> dict[int, list[str]]:
    seen: dict[int, list[str]] = {}
    for number, frame in server.received:
        seen.setdefault(number, []).append(frame[:2].decode())
    return seen


@pytest.mark.parametrize("retries", [0, 2])
def test_corrupted_login_reply_is_asked_again_with_97_at_connect(retries: int) -> None:
    _last, handler = scripted("Y" * 16, {(1, b"93"), (1, b"99")})
    with FakeSIGB(handler) as server, SIP2Client(config(server, retries=retries)) as client:
        assert client.acs_status is not None and client.acs_status.library_name == "Réseau"
        assert per_connection(server) == {1: ["93", "97", "99", "97"]}


def test_when_bx_lists_97_as_unsupported_a_query_is_resent_on_a_fresh_connection() -> None:
    # connection 1: the 18 is unreadable; connection 2: the 94 is unreadable (login is a query too);
    # connection 3 works. No 97 is ever sent: the 98 said the SIGB does not answer it.
    _last, handler = scripted(NO_97, {(1, b"17"), (2, b"93")})
    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.item_information("I3").item_id == "I3"
        assert per_connection(server) == {1: ["93", "99", "17"], 2: ["93"], 3: ["93", "99", "17"]}


def test_when_bx_lists_97_as_unsupported_a_corrupted_checkout_reply_is_outcome_unknown() -> None:
    _last, handler = scripted(NO_97, {(1, b"11")})
    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        with pytest.raises(OutcomeUnknown, match="item I4 was sent but no reply") as info:
            client.checkout("P1", "I4")
        assert isinstance(info.value.__cause__, ParseError) and "checksum" in str(info.value.__cause__)
        assert server.commands() == ["93", "99", "11"]  # no 97, and the checkout is never sent again


def test_when_bx_lists_97_as_unsupported_resend_on_timeout_does_not_send_it() -> None:
    def handler(frame: bytes, _n: int) -> object:
        if frame[:2] == b"99":
            return status_reply(frame, NO_97)
        return None if frame[:2] == b"11" else standard_reply(frame)

    with FakeSIGB(handler) as server, SIP2Client(config(server, resend_on_timeout=True)) as client:
        with pytest.raises(OutcomeUnknown) as info:
            client.checkout("P1", "I5")
        assert isinstance(info.value.__cause__, Sip2Timeout)
        assert server.commands() == ["93", "99", "11"]


def test_a_short_bx_says_nothing_about_97_so_it_is_used() -> None:
    _last, handler = scripted("YYYY", {(1, b"17")})
    with FakeSIGB(handler) as server, SIP2Client(config(server)) as client:
        assert client.item_information("I6").ok
        assert server.commands() == ["93", "99", "17", "97"]


def test_with_no_retries_an_unreadable_reply_is_still_asked_for_once() -> None:
    """97 repeats nothing (only the SIGB's answer): retries = 0 does not forbid it, but it is tried once."""
    last: dict[int, bytes] = {}

    def handler(frame: bytes, n: int) -> object:
        if frame[:2] == b"97":
            return bad_checksum(last[n])  # the copy is damaged too
        reply = last[n] = standard_reply(frame)  # type: ignore[assignment]
        return bad_checksum(reply) if frame[:2] == b"17" else reply

    with FakeSIGB(handler) as server, SIP2Client(config(server, retries=0)) as client:
        with pytest.raises(ParseError, match="checksum"):
            client.item_information("I8")
        assert server.commands() == ["93", "99", "17", "97"] and server.connections == 1
