"""SIP2 over TLS: server verification with a custom CA, refusal of an untrusted server, client certificates.

Certificates are generated in the test with ``cryptography`` (no files shipped).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sip2_fake_server import FakeSIGB
from sip2_tls import Pki, make_pki

from sip2.client import ClientConfig, SIP2Client
from sip2.errors import Sip2Disconnected


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


def tls_config(server: FakeSIGB, **overrides: object) -> ClientConfig:
    values: dict = {"host": "127.0.0.1", "port": server.port, "username": "kiosk", "password": "pw",
                    "tls": True, "timeout": 1.0, "keepalive_interval": 0, "retries": 0}
    return ClientConfig(**(values | overrides))


def test_tls_with_custom_ca(pki: Pki) -> None:
    with FakeSIGB(tls_context=pki.server_context()) as server, \
            SIP2Client(tls_config(server, ca_file=str(pki.ca))) as client:
        assert client.checkout("P1", "I1").ok
        assert server.commands() == ["93", "99", "11"]


def test_idle_tls_connection_closed_by_the_sigb_is_reopened(pki: Pki) -> None:
    with FakeSIGB(tls_context=pki.server_context()) as server, \
            SIP2Client(tls_config(server, ca_file=str(pki.ca), retries=1)) as client:
        assert client.item_information("I0").ok
        server.close_all_connections()
        time.sleep(0.05)
        assert client.checkout("P1", "I1").ok  # reopened before sending: no OutcomeUnknown
        assert server.connections == 2 and server.commands().count("11") == 1


def test_untrusted_server_is_refused(pki: Pki) -> None:
    with FakeSIGB(tls_context=pki.server_context()) as server:
        with pytest.raises(Sip2Disconnected, match="not trusted"):
            SIP2Client(tls_config(server, ca_file=str(pki.other_ca))).connect()
        with pytest.raises(Sip2Disconnected, match="not trusted"):
            SIP2Client(tls_config(server)).connect()  # system store: our test CA is not in it
        assert server.frames == []


def test_verification_can_be_switched_off_for_a_test_bench(pki: Pki) -> None:
    with FakeSIGB(tls_context=pki.server_context()) as server, \
            SIP2Client(tls_config(server, verify=False)) as client:
        assert client.item_information("I1").ok


def test_client_certificate_for_mutual_tls(pki: Pki) -> None:
    with FakeSIGB(tls_context=pki.server_context(require_client_cert=True)) as server:
        with SIP2Client(tls_config(server, ca_file=str(pki.ca), certfile=str(pki.client_cert),
                                   keyfile=str(pki.client_key))) as client:
            assert client.sc_status().online_status
        with pytest.raises(Sip2Disconnected):
            SIP2Client(tls_config(server, ca_file=str(pki.ca))).connect().sc_status()


def test_missing_tls_files_are_named(pki: Pki, tmp_path: Path) -> None:
    with FakeSIGB(tls_context=pki.server_context()) as server:
        missing = str(tmp_path / "nope.pem")
        with pytest.raises(Sip2Disconnected, match=r"cannot load TLS files .*nope\.pem"):
            SIP2Client(tls_config(server, ca_file=missing)).connect()
