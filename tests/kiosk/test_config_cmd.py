"""``borne config check`` and ``borne config hash-pin``: exit codes and exact output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "kiosk.toml"


def test_check_the_documented_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(EXAMPLE), "--no-connect"]) == 0  # its SIGB and reader are examples
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{EXAMPLE}: OK"
    assert "  SIGB sip.reseau.example:6001" in out and "  security AFI 0x07/0xC2, EAS on" in out


def test_check_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[sigb]\nport = "abc"\n')
    assert main(["config", "check", str(bad)]) == 1
    assert capsys.readouterr().err == f'Error: {bad}: sigb.port: expected an integer 1-65535, got "abc"\n'


def test_hash_pin_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("24680\n"))
    assert main(["config", "hash-pin", "--stdin"]) == 0
    digest = capsys.readouterr().out.strip()
    assert parse_config({"staff": {"pin_hash": digest}}).staff.verify_pin("24680")
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["config", "hash-pin", "--stdin"]) == 1
    assert "at least 4 digits" in capsys.readouterr().err
