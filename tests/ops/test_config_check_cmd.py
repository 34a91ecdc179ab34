"""``borne config check`` against a reachable reader simulator (TCP) and simulated SIGB, and unreachable ones;
``borne config pull`` without a central URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from simulators.readers import simulator_class
from simulators.rf import RFField
from simulators.sigb import SimulatedSIGB


@pytest.fixture
def devices():
    simulator = simulator_class("feig")(RFField())
    endpoint = simulator.serve("tcp")
    with SimulatedSIGB() as sigb:
        yield endpoint, sigb
    simulator.close()


def write(tmp_path: Path, reader_port: str, sigb: tuple[str, int], extra: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[station]\nid = "FR-660010101-K1"\n[reader]\ndriver = "feig"\nport = "{reader_port}"\n'
        f'[sigb]\nhost = "{sigb[0]}"\nport = {sigb[1]}\nusername = "borne"\npassword = "borne"\n'
        f'[journal]\ndirectory = "var"\n{extra}'
    )
    return path


def test_everything_reachable(tmp_path: Path, devices, capsys: pytest.CaptureFixture[str]) -> None:
    endpoint, sigb = devices
    host, port = endpoint.address
    path = write(tmp_path, f"tcp://{host}:{port}", sigb.address)
    assert main(["config", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: OK\n")
    lines = out.split("checks:\n")[1].splitlines()
    assert lines[0].startswith(f"  [ok]   reader feig on tcp://{host}:{port}: ")
    assert lines[1].startswith(
        f"  [ok]   SIGB {sigb.address[0]}:{sigb.address[1]}: logged in as borne, "
        "circulation online, round trip "
    )
    assert lines[2] == f"  [ok]   journal folder {tmp_path / 'var'}: will be created (in {tmp_path})"
    assert lines[3] == "  [skip] central configuration: no [central] url"


def test_unreachable_reader_and_sigb(tmp_path: Path, devices, capsys: pytest.CaptureFixture[str]) -> None:
    endpoint, sigb = devices
    host, port = endpoint.address
    address = sigb.address
    sigb.faults.down = True
    endpoint.unplug()
    path = write(tmp_path, f"tcp://{host}:{port}", address)
    assert main(["config", "check", str(path), "--timeout", "1"]) == 3
    out = capsys.readouterr().out
    assert f"  [FAIL] reader feig on tcp://{host}:{port}: cannot open it: " in out
    assert f"  [FAIL] SIGB {address[0]}:{address[1]}: " in out and "Connection refused" in out
    assert out.endswith("2 check(s) failed\n")
    assert main(["config", "check", str(path), "--no-connect"]) == 0


def test_pull_needs_a_central_url(tmp_path: Path, devices, capsys: pytest.CaptureFixture[str]) -> None:
    _endpoint, sigb = devices
    path = write(tmp_path, "tcp://127.0.0.1:9", sigb.address)
    assert main(["config", "pull", str(path)]) == 1
    assert capsys.readouterr().err == f"Error: {path}: no [central] url: nothing to pull\n"
