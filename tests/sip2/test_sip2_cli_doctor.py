"""``borne sip2`` commands and the doctor, through the real ``borne`` entry point, against the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from sip2_fake_server import FakeSIGB, framed, sequence_of, standard_reply

from kiosk.cli import main
from simulators.sigb import SimulatedSIGB, load_sample_dataset
from sip2.checksum import verify
from sip2.client import ClientConfig
from sip2.doctor import guess_charset, percentile, run_doctor

DATASET = load_sample_dataset()
SCENARIO = DATASET.scenarios
PATRON = SCENARIO["patron_ok"]
PIN = next(p.pin for p in DATASET.patrons if p.card == PATRON)


def whole_seconds() -> datetime:
    return datetime.now().replace(microsecond=0)


@pytest.fixture
def sim() -> Iterator[SimulatedSIGB]:
    with SimulatedSIGB(clock=whole_seconds) as server:
        yield server


def base_args(server: SimulatedSIGB, *extra: str) -> list[str]:
    host, port = server.address
    return ["sip2", "--host", host, "--port", str(port), "--user", "borne", "--password", "borne",
            "--institution", DATASET.institution_id, "--location", "PERPIGNAN", "--timeout", "1", *extra]


def test_status_readable(sim: SimulatedSIGB, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(base_args(sim, "status")) == 0
    out = capsys.readouterr().out
    assert out.startswith("ACSStatus (98)\n  ok: yes\n")
    assert "  offline_ok: yes\n" in out and "  supported_messages: YYYNYYYYYYYNNNYY\n" in out


def test_checkout_json_has_typed_fields_and_raw(sim: SimulatedSIGB,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    item = SCENARIO["item_available"]
    assert main(base_args(sim, "--json", "checkout", PATRON, item, "--pin", PIN)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["type"] == "CheckoutResponse" and data["ok"] is True and data["item_id"] == item
    assert datetime.fromisoformat(data["due_date"]) > datetime.now()
    assert data["raw"].startswith("121") and verify(data["raw"].encode())
    assert data["screen_messages"] and "patron_password" not in data


def test_checkin_json_routing_fields(sim: SimulatedSIGB, capsys: pytest.CaptureFixture[str]) -> None:
    item = SCENARIO["item_on_loan_hold_elsewhere"]
    assert main(base_args(sim, "--json", "checkin", item)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["alert"] is True and data["alert_type"] == "02"
    assert data["destination"] and data["hold_patron_id"] and data["sort_bin"]


def test_refusal_exits_1_and_prints_the_reason(sim: SimulatedSIGB,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(base_args(sim, "checkout", PATRON, SCENARIO["item_not_for_loan"], "--pin", PIN)) == 1
    out = capsys.readouterr().out
    assert "  ok: no\n" in out and "screen_messages:" in out


def test_every_command_runs(sim: SimulatedSIGB, capsys: pytest.CaptureFixture[str]) -> None:
    item = SCENARIO["item_on_loan"]
    holder = sim.library.items[item].checked_out_to
    holder_pin = next(p.pin for p in DATASET.patrons if p.card == holder)
    for command in (["patron", PATRON, "--pin", PIN, "--summary", "overdue_items"], ["item", item],
                    ["renew", holder, item, "--pin", holder_pin], ["renew-all", holder, "--pin", holder_pin],
                    ["end", PATRON, "--pin", PIN]):
        assert main(base_args(sim, "--json", *command)) in (0, 1)
        assert json.loads(capsys.readouterr().out)["raw"]


def test_unreachable_sigb_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeSIGB() as server:
        port = server.port
    assert main(["sip2", "--host", "127.0.0.1", "--port", str(port), "--timeout", "0.2", "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot reach the SIGB at 127.0.0.1:") and err.count("\n") == 1


def test_password_from_environment(sim: SimulatedSIGB, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BORNE_SIP2_PASSWORD", "borne")
    host, port = sim.address
    assert main(["sip2", "--host", host, "--port", str(port), "--user", "borne", "status"]) == 0
    monkeypatch.setenv("BORNE_SIP2_PASSWORD", "wrong")
    assert main(["sip2", "--host", host, "--port", str(port), "--user", "borne", "status"]) == 1
    assert "refused the login of user 'borne'" in capsys.readouterr().err


def test_doctor_text_report(sim: SimulatedSIGB, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(base_args(sim, "doctor", "--patron", PATRON, "--pin", PIN, "--item",
                          SCENARIO["item_available"], "--samples", "5"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("SIP2 doctor: 127.0.0.1:")
    for name in ("connect", "login", "status", "clock", "terminator", "error detection", "97 resend",
                 "bad checksum", "patron information", "item information", "round trip", "character set",
                 "supported messages"):
        assert f"] {name}" in out, name
    assert "Summary: " in out and "0 failure(s)" in out
    assert not sim.transactions  # nothing written without --with-test-transactions


@pytest.mark.parametrize(("profile", "encoding", "expect"), [
    ("koha", "utf-8", {"terminator": ("ok", "CRLF")}),
    ("cp850", "cp850", {"character set": ("ok", "cp850")}),
    ("cp850", "utf-8", {"character set": ("fail", "cp850")}),
    ("nfd", "utf-8", {"character set": ("ok", "DECOMPOSED")}),
    ("strict", "utf-8", {"bad checksum": ("info", "closes the connection"), "login again": ("ok", "")}),
    ("no-error-detection", "utf-8", {"error detection": ("warn", "without AY/AZ"),
                                     "bad checksum": ("warn", "does not verify")}),
])
def test_doctor_recognises_each_profile(profile: str, encoding: str, expect: dict) -> None:
    with SimulatedSIGB(profile=profile, clock=whole_seconds) as server:
        host, port = server.address
        config = ClientConfig(host, port, "borne", "borne", location="PERPIGNAN", encoding=encoding,
                              institution_id=DATASET.institution_id, timeout=0.5)
        report = run_doctor(config, patron=PATRON, pin=PIN, item=SCENARIO["item_available"], samples=3)
    checks = {check.name: check for check in report.checks}
    for name, (status, text) in expect.items():
        assert checks[name].status == status, (name, checks[name])
        assert text in checks[name].detail or text in json.dumps(checks[name].data)


def test_doctor_with_test_transactions_reports_routing(capsys: pytest.CaptureFixture[str]) -> None:
    with SimulatedSIGB(clock=whole_seconds) as server:
        args = base_args(server, "--location", "CANET", "--json", "doctor", "--patron", PATRON, "--pin", PIN,
                         "--item", SCENARIO["item_available"], "--with-test-transactions", "--samples", "2")
        assert main(args) == 0
        kinds = [t.kind for t in server.transactions]
    report = json.loads(capsys.readouterr().out)
    checks = {check["name"]: check for check in report["checks"]}
    assert report["ok"] is True and kinds == ["checkout", "checkin"]
    assert checks["test checkout"]["data"]["ok"] is True
    checkin = checks["test checkin"]["data"]
    assert checkin["alert_type"] == "04" and checkin["destination"] and checkin["sort_bin"]


def test_doctor_faults(sim: SimulatedSIGB) -> None:
    host, port = sim.address
    config = ClientConfig(host, port, "borne", "borne", timeout=0.3)
    sim.faults.reject_login = True
    report = run_doctor(config, samples=2)
    assert [c.status for c in report.checks if c.name == "login"] == ["fail"] and report.failures == 1
    sim.faults.reject_login = False
    sim.faults.stall = True
    report = run_doctor(config, samples=2)
    assert "no reply within 0.3 s" in next(c.detail for c in report.checks if c.name == "login")
    sim.faults.stall = False
    sim.go_down()
    report = run_doctor(config, samples=2)
    assert report.checks[0].name == "connect" and report.checks[0].status == "fail"


def test_doctor_reports_missing_97_and_silent_bad_checksum() -> None:
    def handler(frame: bytes, _n: int) -> object:
        if frame[:2] == b"97":
            return None
        if frame[:2] == b"99" and not verify(frame):
            return None  # ignores a frame whose checksum is wrong
        if frame[:2] == b"99":  # circulation offline, no offline mode, clock in 2024, few messages
            seq = sequence_of(frame)
            return framed(f"98NNNYNN030003{'20240301    101530'}2.00AOFR|BXNNNNYNYNNNNNNNNN|AY{seq}AZ")
        return standard_reply(frame)

    with FakeSIGB(handler) as server:
        report = run_doctor(ClientConfig("127.0.0.1", server.port, "kiosk", "pw", timeout=0.3), samples=2)
    checks = {check.name: check for check in report.checks}
    assert checks["97 resend"].status == "warn"
    assert checks["bad checksum"].detail == "a frame with a wrong checksum is silently ignored"
    assert checks["status"].status == "warn" and checks["offline"].status == "warn"
    assert checks["clock"].status == "warn"
    assert checks["supported messages"].status == "warn"
    assert "checkout" in checks["supported messages"].data["missing"]


def test_charset_guess_and_percentile() -> None:
    assert guess_charset([b"64AEabc"])["charset"] is None
    assert guess_charset(["AEHélène".encode()])["candidates"] == ["utf-8"]
    assert guess_charset(["AEHélène".encode("cp850")])["candidates"] == ["cp850"]
    assert guess_charset(["AEHélène".encode("latin-1")])["candidates"] == ["latin-1", "cp850"]
    assert guess_charset(["AEHélène".encode()[:0] + "AEHe\u0301le\u0300ne".encode()])["nfd"] is True
    assert percentile([float(n) for n in range(1, 21)], 95) == 19.0
    assert percentile([5.0], 50) == 5.0
