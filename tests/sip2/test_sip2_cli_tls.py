"""``borne sip2 --tls`` against the simulated SIGB requiring a client certificate (mutual TLS), end to end.

Certificates are generated in the test. Without a client certificate the SIGB ends the TLS session after the
handshake, which the client must explain as a certificate problem, not as a framing one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sip2_tls import Pki, make_pki

from kiosk.cli import main
from simulators.sigb import SimulatedSIGB


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def mutual_tls_sigb(pki: Pki) -> Iterator[SimulatedSIGB]:
    context = pki.server_context(require_client_cert=True)
    with SimulatedSIGB(tls_context=context, clock=lambda: datetime.now().replace(microsecond=0)) as server:
        yield server


def tls_args(server: SimulatedSIGB, pki: Pki, *extra: str) -> list[str]:
    host, port = server.address
    return ["sip2", "--host", host, "--port", str(port), "--user", "borne", "--password", "borne",
            "--location", "PERPIGNAN", "--timeout", "1", "--tls", "--ca-file", str(pki.ca), *extra]


def test_status_and_doctor_with_a_client_certificate(mutual_tls_sigb: SimulatedSIGB, pki: Pki,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    client_cert = ["--certfile", str(pki.client_cert), "--keyfile", str(pki.client_key)]
    assert main(tls_args(mutual_tls_sigb, pki, *client_cert, "--json", "status")) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["type"] == "ACSStatus" and status["online_status"] is True
    assert main(tls_args(mutual_tls_sigb, pki, *client_cert, "--json", "doctor", "--samples", "3")) == 0
    report = json.loads(capsys.readouterr().out)
    connect = next(check for check in report["checks"] if check["name"] == "connect")
    assert report["target"].endswith("(TLS)") and connect["data"]["tls"] is True


def test_missing_client_certificate_is_named_in_the_error(mutual_tls_sigb: SimulatedSIGB, pki: Pki,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tls_args(mutual_tls_sigb, pki, "status")) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("Error: cannot reach the SIGB at 127.0.0.1:")
    assert "client certificate" in error and "certfile and keyfile" in error


def test_doctor_without_client_certificate_says_so(mutual_tls_sigb: SimulatedSIGB, pki: Pki,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tls_args(mutual_tls_sigb, pki, "doctor")) == 1
    login = next(line for line in capsys.readouterr().out.splitlines() if "] login" in line)
    assert "[fail] login" in login and "client certificate" in login and "--certfile" in login


def test_doctor_reports_a_connection_closed_before_login_as_a_login_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGB may close before our 93 is written (the TLS case above, on a busy server): the send fails."""
    import socket

    from sip2 import doctor
    from sip2.client import ClientConfig

    ours, theirs = socket.socketpair()
    theirs.close()  # writing to ``ours`` now fails with a broken pipe
    monkeypatch.setattr(doctor, "open_connection", lambda config: ours)
    report = doctor.run_doctor(ClientConfig("sigb.example", 6001, "borne", "borne", tls=True, timeout=5.0))
    assert [(check.name, check.status) for check in report.checks] == [("connect", "ok"), ("login", "fail")]
    assert report.checks[1].detail.startswith("connection closed by the SIGB (over TLS: if the SIGB requires")


def test_tls12_handshake_refused_for_want_of_a_client_certificate_says_so(
        pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    """With TLS 1.2 the SIGB refuses during the handshake itself (no session to read from)."""
    import ssl

    context = pki.server_context(require_client_cert=True)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with SimulatedSIGB(tls_context=context) as server:
        assert main(tls_args(server, pki, "status")) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert "TLS handshake with 127.0.0.1:" in error and "client certificate" in error
    assert "certfile and keyfile" in error
