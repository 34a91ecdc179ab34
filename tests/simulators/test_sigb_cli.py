"""``borne sim sip2``: starts, prints where it listens, serves, stops on Ctrl-C; clear errors."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sigb_wire import LOGIN, Wire, frame

from kiosk.cli import build_parser, main
from simulators.sigb import cli as sigb_cli


def test_serves_until_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "sim", "sip2", "--port", "0", "--profile", "koha"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline()]
        while lines[-1] and not lines[-1].startswith("Press Ctrl-C"):
            lines.append(process.stdout.readline())
        match = re.fullmatch(r"Simulated SIGB \(SIP2, profile koha\) listening on 127\.0\.0\.1:(\d+)\n",
                             lines[0])
        assert match, lines
        with Wire(("127.0.0.1", int(match.group(1))), terminator=b"\r\n") as wire:
            assert wire.ask(frame(LOGIN, 0, terminator="\r\n")) == b"941AY0AZFDFD\r\n"
        process.send_signal(signal.SIGINT)
        rest = process.stdout.read()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, process.stderr.read()
    announcement = "".join(lines)
    assert "36 branches" in announcement and "SIP login: user 'borne'" in announcement
    assert rest == "Stopped.\n"


def run_in_thread(argv: list[str]) -> tuple[threading.Thread, threading.Event, dict]:
    args = build_parser().parse_args(argv)
    stop, result = threading.Event(), {}
    thread = threading.Thread(target=lambda: result.update(code=sigb_cli.run(args, stop)), daemon=True)
    thread.start()
    return thread, stop, result


def test_dataset_file_and_announcement(tmp_path: Path, capsys):
    import json

    from sigb_helpers import TINY

    data = tmp_path / "reseau.json"
    data.write_text(json.dumps(TINY), encoding="utf-8")
    thread, stop, result = run_in_thread(["sim", "sip2", "--port", "0", "--data", str(data)])
    deadline = time.monotonic() + 5
    while "listening" not in (out := capsys.readouterr().out) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(5)
    assert result["code"] == 0
    assert "Réseau test: 3 branches, 3 patrons, 5 items" in out
    assert "user 'borne', password 'secret'" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--tls"], "Error: --tls needs --cert FILE and --key FILE"),
    (["--data", "/nonexistent/reseau.json"], "Error: /nonexistent/reseau.json: cannot read the dataset file"),
    (["--tls", "--cert", "/nonexistent.pem", "--key", "/nonexistent.key"],
     "Error: cannot load the TLS certificate or key"),
])
def test_errors_are_one_line_with_exit_code_1(argv, message, capsys):
    assert main(["sim", "sip2", "--port", "0", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_port_in_use_is_reported(capsys):
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        assert main(["sim", "sip2", "--port", str(holder.getsockname()[1])]) == 1
    finally:
        holder.close()
    assert "Address already in use" in capsys.readouterr().err


def test_help_lists_every_profile(capsys):
    with pytest.raises(SystemExit):
        main(["sim", "sip2", "--help"])
    out = capsys.readouterr().out
    for profile in ("default", "koha", "cp850", "nfd", "strict", "no-error-detection"):
        assert profile in out
