"""``borne reader`` and ``borne sim reader``: exit codes and exact output against the FEIG simulator."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import iso28560
from iso28560.model import TagData
from kiosk.cli import main
from simulators.readers.cli import run as run_simulator
from simulators.readers.feig import FeigReaderSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag

UID = "E004015012345678"


@pytest.fixture
def field() -> RFField:
    return RFField()


@pytest.fixture
def port(field: RFField) -> Iterator[str]:
    simulator = FeigReaderSimulator(field)
    yield simulator.serve("url").port
    simulator.close()


def borne(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_and_inventory(capsys: pytest.CaptureFixture[str], field: RFField, port: str) -> None:
    assert borne(capsys, "reader", "--port", port, "info") == (
        0, "model: ID ISC.MR101\nfirmware: 3.02.05\nantennas: 1\n", "")
    assert borne(capsys, "reader", "--port", port, "inventory") == (0, "", "")
    field.place(SlixTag(bytes.fromhex(UID)))
    field.place(SlixTag(bytes.fromhex("E004012000000001"), afi=0xC2))
    code, out, _ = borne(capsys, "reader", "--driver", "feig", "--port", port, "inventory")
    assert code == 0 and sorted(out.split()) == ["E004012000000001", UID]
    code, out, _ = borne(capsys, "reader", "--port", port, "inventory", "--afi", "C2")
    assert (code, out) == (0, "E004012000000001\n")


def test_read_text_and_json(capsys: pytest.CaptureFixture[str], field: RFField, port: str) -> None:
    data = TagData(primary_item_identifier="30012345678", owner_institution="FR-751131015")
    memory = iso28560.encode(data).memory
    field.place(SlixTag(bytes.fromhex(UID), memory))
    code, out, _ = borne(capsys, "reader", "--port", port, "read", UID)
    assert code == 0
    assert out.startswith(f"UID: {UID}\nAFI: 0x07 (secured)\nDSFID: 0x06\n"
                          "memory: 28 blocks of 4 bytes, 0 locked\nformat: iso28560-2\n")
    assert "primary_item_identifier: 30012345678" in out
    code, out, _ = borne(capsys, "reader", "--port", port, "read", "e0:04:01:50:12:34:56:78", "--json")
    document = json.loads(out)
    assert code == 0 and document["uid"] == UID and document["format"] == "iso28560-2"
    assert document["elements"]["primary_item_identifier"] == "30012345678"
    assert document["system"]["afi"] == 7 and document["memory"].startswith(memory.hex().upper()[:16])


def test_write_afi_and_eas(capsys: pytest.CaptureFixture[str], field: RFField, port: str) -> None:
    tag = field.place(SlixTag(bytes.fromhex(UID)))
    assert borne(capsys, "reader", "--port", port, "write-afi", UID, "C2") == (
        0, f"AFI of {UID} set to 0xC2 (on loan) (verified)\n", "")
    assert tag.afi == 0xC2
    assert borne(capsys, "reader", "--port", port, "eas", UID, "off") == (0, f"EAS of {UID} is off\n", "")
    assert borne(capsys, "reader", "--port", port, "eas", UID, "check") == (0, f"EAS of {UID} is off\n", "")
    assert borne(capsys, "reader", "--port", port, "eas", UID, "on") == (0, f"EAS of {UID} is on\n", "")
    assert tag.eas


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], field: RFField, port: str) -> None:
    code, out, err = borne(capsys, "reader", "--port", port, "read", UID)
    assert (code, out) == (1, "")
    assert err == f"Error: system information of {UID}: no transponder answered (reader status 0x01)\n"
    code, _, err = borne(capsys, "reader", "--port", "/dev/borne-missing", "info")
    assert code == 1 and err.startswith("Error: cannot open '/dev/borne-missing'")
    with pytest.raises(SystemExit):
        main(["reader", "--port", port, "read", "E004"])
    assert "is not a UID: give 16 hex digits" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["reader", "--port", port, "write-afi", UID, "1FF"])
    assert "is not a byte in hex" in capsys.readouterr().err


def test_watch_prints_arrivals_and_departures(capsys: pytest.CaptureFixture[str], field: RFField,
                                               port: str) -> None:
    tag = SlixTag(bytes.fromhex(UID))

    def move() -> None:
        time.sleep(0.15)
        field.place(tag)
        time.sleep(0.3)
        field.remove(tag.uid)

    mover = threading.Thread(target=move)
    mover.start()
    code, out, _ = borne(capsys, "reader", "--port", port, "watch", "--interval", "0.05", "--duration", "0.8")
    mover.join()
    assert (code, out) == (0, f"+ {UID}\n- {UID}\n")


def test_sim_reader_runs_until_stopped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = tmp_path / "pad.toml"
    scenario.write_text('[tags.A]\nuid = "E004015012345678"\n[[events]]\nat = 0\nplace = ["A"]\n')
    stop = threading.Event()
    args = argparse.Namespace(protocol="feig", pty=False, tcp=0, host="127.0.0.1", scenario=scenario,
                              airtime=False, duration=None)
    thread = threading.Thread(target=lambda: run_simulator(args, stop))
    thread.start()
    deadline = time.monotonic() + 5
    out = ""
    while "listening on" not in out and time.monotonic() < deadline:
        time.sleep(0.02)
        out += capsys.readouterr().out
    address = out.split("listening on ")[1].split()[0]
    time.sleep(0.1)  # the scenario places the tag at t=0
    assert borne(capsys, "reader", "--port", address, "inventory") == (0, f"{UID}\n", "")
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_sim_reader_bad_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[tags.A]\nafi = 999\n")
    assert main(["sim", "reader", "--pty", "--scenario", str(bad)]) == 1
    assert capsys.readouterr().err == "Error: tags.A.afi: expected a byte 0..255 (or hex string), got 999\n"


def test_borne_sim_reader_pty_end_to_end() -> None:
    """Two processes: the simulator on a real pty, the CLI opening the printed device path."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    borne_cmd = [sys.executable, "-m", "kiosk.cli"]
    server = subprocess.Popen([*borne_cmd, "sim", "reader", "--protocol", "feig", "--pty",
                               "--duration", "20"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        first = server.stdout.readline()
        assert "FEIG ID ISC reader (ISO-host) simulator listening on /dev/pts/" in first
        device = first.split("listening on ")[1].split()[0]
        result = subprocess.run([*borne_cmd, "reader", "--port", device, "inventory"], capture_output=True,
                                text=True, timeout=30, env=env)
        assert result.returncode == 0, result.stderr
        assert sorted(result.stdout.split()) == ["E00401200005A001", "E00401200005A002"]
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("driver", ["3m", "trf7970a"])
def test_usb_port_refused_for_serial_only_drivers(capsys: pytest.CaptureFixture[str], driver: str) -> None:
    """usb: is FEIG's transport: the serial-only drivers say so instead of looking for FEIG's USB ids."""
    code, out, err = borne(capsys, "reader", "--driver", driver, "--port", "usb:", "info")
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: the {driver!r} reader driver has no USB transport, so port 'usb:' "
                          "cannot be used: give a serial device path (/dev/ttyUSB0")
    assert "0AB1" not in err and "usb: is only defined for the 'feig' driver" in err


def test_inventory_read_prints_uid_memory_and_identifier(capsys: pytest.CaptureFixture[str], field: RFField,
                                                         port: str) -> None:
    memory = iso28560.encode(TagData(primary_item_identifier="30000099000001",
                                     owner_institution="FR-660010101")).memory
    field.place(SlixTag(bytes.fromhex(UID), memory, afi=0x07))
    code, out, _ = borne(capsys, "reader", "--port", port, "inventory-read", "--afi", "07", "--blocks", "8")
    image = (memory + bytes(32))[:32].hex().upper()
    assert (code, out) == (0, f"{UID} {image} iso28560-2 30000099000001\n")
    field.place(SlixTag(bytes.fromhex("E004012000000001"), memory, afi=0x07))
    assert borne(capsys, "reader", "--port", port, "inventory-read", "--afi", "07") == (
        0, "1 collided answer(s): try --slots 16\n", "")
    code, out, _ = borne(capsys, "reader", "--port", port, "inventory-read", "--slots", "16", "--blocks", "2")
    assert code == 0 and sorted(line.split()[0] for line in out.splitlines()) == ["E004012000000001", UID]


def test_inventory_read_needs_a_reader_that_offers_it(capsys: pytest.CaptureFixture[str],
                                                       field: RFField) -> None:
    from simulators.readers.threem import ThreeMSimulator

    simulator = ThreeMSimulator(field)
    try:
        code, out, err = borne(capsys, "reader", "--driver", "3m", "--port", simulator.serve("url").port,
                               "inventory-read")
    finally:
        simulator.close()
    assert (code, out) == (1, "")
    assert err == "Error: the 3m driver has no inventory read: use 'inventory' then 'read'\n"
