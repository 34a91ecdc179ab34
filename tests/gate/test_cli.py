"""``borne gate``: exit codes and exact output."""

from __future__ import annotations

import argparse
import io
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gate import cli as gate_cli
from gate.alarm_log import AlarmLog
from gate.counting import PeopleCounts
from gate.events import Alarm, Reason
from gate.store import GateDatabase
from kiosk.cli import main

from .helpers import sighting

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, extra: str = "", log: str | None = None) -> Path:
    path = tmp_path / "gate.toml"
    path.write_text(
        '[policy]\nnetwork_institutions = ["FR-751131015"]\n'
        f'[log]\npath = "{log or tmp_path / "gate.sqlite"}"\n'
        '[[output]]\nname = "beacon"\nrole = "light"\ndriver = "simulated"\nduration_s = 0.1\n' + extra
    )
    return path


def test_gate_needs_a_config(capsys) -> None:
    assert main(["gate", "--headless"]) == 1
    assert capsys.readouterr().err == (
        "Error: running a gate needs --config FILE (see docs/examples/gate.toml), or use --demo\n"
    )


def test_config_errors_are_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[gate]\nmode = "rfid"\n')
    assert main(["gate", "--config", str(path), "--headless"]) == 1
    assert capsys.readouterr().err == (
        f"Error: {path}: gate.mode = 'rfid': must be one of 'afi', 'eas', 'database'\n"
    )


def test_unopenable_output_is_a_user_error(tmp_path: Path, capsys) -> None:
    path = write_config(
        tmp_path,
        '[[output]]\nname = "panel"\nrole = "relay"\ndriver = "serial-relay"\n'
        f'port = "{tmp_path / "ttyNOPE"}"\n',
    )
    assert main(["gate", "--config", str(path), "--headless", "--duration", "0.1"]) == 1
    assert capsys.readouterr().err.startswith("Error: cannot open relay board 'panel' on ")


def test_headless_runs_and_reports_a_lost_reader(tmp_path: Path, capsys) -> None:
    path = write_config(
        tmp_path, f'[[reader]]\nname = "pedestals"\ndriver = "feig"\nport = "{tmp_path / "ttyX"}"\n'
    )
    assert main(["gate", "--config", str(path), "--headless", "--duration", "0.3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Gate 'gate' running in afi mode; Ctrl-C stops it." or re.search(
        r"READER +pedestals down", out[0]
    )
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d READER  pedestals down: .+", line) for line in out)


def test_exports(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path)
    store = GateDatabase(tmp_path / "gate.sqlite")
    AlarmLog(store).record(
        Alarm(1, sighting(uid=5), Reason.SECURED, True), datetime(2026, 11, 25, 9, tzinfo=UTC)
    )
    PeopleCounts(store).add("out", datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    store.close()
    counts_csv = tmp_path / "counts.csv"
    assert (
        main(["gate", "--config", str(path), "--export-alarms", "-", "--export-counts", str(counts_csv)]) == 0
    )
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1].startswith(
        "1,2026-11-25T09:00:00.000Z,E004015012340005,30001000010005,"
    )
    assert captured.err == f"1 alarms written to stdout\n1 hourly counts written to {counts_csv}\n"
    assert counts_csv.read_text().splitlines()[0] == "hour,in,out"


def test_export_before_the_gate_ever_ran(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path, log=str(tmp_path / "never.sqlite"))
    assert main(["gate", "--config", str(path), "--export-alarms", "-"]) == 1
    assert "does not exist yet (the gate never ran?)" in capsys.readouterr().err


def test_headless_demo_prints_events_and_the_score(capsys) -> None:
    pytest.importorskip("simulators.readers")
    assert main(["gate", "--demo", "--visitors", "4", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Demo gate 'Démo — Médiathèque de Perpignan, sortie', mode afi, 4 visitors")
    assert re.search(
        r"^\d\d:\d\d:\d\d ALARM   #1 3066\d{10} uid E004\w{12} \(secured\) \[pedestals\]$", out, re.M
    )
    assert re.search(r"^\d\d:\d\d:\d\d TITLE   #1 \S", out, re.M)
    assert "  detection rate 100.0% (" in out and "  false alarms 0\n" in out


class Staff:
    """Stands in for a person at the gate: Enter, walk with the test item, Enter."""

    def __init__(self, field, tag, skip: str) -> None:
        self.field, self.tag, self.skip, self.calls, self.condition = field, tag, skip, 0, None

    def readline(self) -> str:
        from simulators.tags import SlixTag

        self.calls += 1
        walking_flat = (self.calls - 1) // 2 % 12 < 3  # the first 3 conditions are "spine vertical"
        if self.calls % 2 == 1 and not (self.skip == "vertical" and walking_flat):
            self.field.place(SlixTag(self.tag.uid, self.tag.memory, afi=0x07))
        if self.calls % 2 == 0:
            threading.Event().wait(0.12)
            self.field.remove(self.tag.uid)
        return "\n"


def test_interactive_walk_test(tmp_path: Path) -> None:
    pytest.importorskip("simulators.readers")
    from simulators.gate_traffic import TrafficPlanner
    from simulators.readers import simulator_class
    from simulators.rf import RFField

    field = RFField()
    simulator = simulator_class("feig")(field)
    port = simulator.serve("url").port
    path = write_config(
        tmp_path, f'[gate]\npoll_interval_ms = 20\n[[reader]]\ndriver = "feig"\nport = "{port}"\n'
    )
    tag = TrafficPlanner(seed=9).tag("secured")
    out = io.StringIO()
    args = argparse.Namespace(walk_items=f"{tag.item_id}", passes=1)
    try:
        assert gate_cli._walk_test(gate_cli.load_config(path), args, Staff(field, tag, "vertical"), out) == 0
    finally:
        simulator.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/12] spine vertical, slow, pass 1: press Enter, walk through, press Enter."
    assert lines[1] == f"    detected 0/1, missed: {tag.item_id}"
    assert "spine_vertical  slow          1       0/1    0.0%" in lines
    assert "bag             fast          1       1/1  100.0%" in lines
    assert lines[-1] == "overall" + " " * 24 + "      9/12   75.0%"


def test_every_option_is_documented() -> None:
    parser = argparse.ArgumentParser()
    gate_cli.register(parser.add_subparsers())
    options = [
        a.option_strings[-1]
        for a in parser._subparsers._group_actions[0].choices["gate"]._actions
        if a.option_strings and a.option_strings[-1] != "--help"
    ]
    doc = (ROOT / "docs" / "gate.md").read_text()
    assert [o for o in options if f"`{o}" not in doc] == []


def test_sigterm_stops_the_headless_service_cleanly(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    relay = (
        f'[[output]]\nname = "panel"\nrole = "relay"\ndriver = "serial-relay"\nport = "{os.ttyname(slave)}"\n'
    )
    path = write_config(tmp_path, relay)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "gate", "--config", str(path), "--headless"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout.readline() == "Gate 'gate' running in afi mode; Ctrl-C stops it.\n"
        assert os.read(master, 4) == bytes.fromhex("A0 01 00 A1")  # relay forced off at start
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        process.kill()
        os.close(master)
        os.close(slave)
