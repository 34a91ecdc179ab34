"""``borne encode``: the headless demo, the terminal desk with a batch list against a FEIG simulator served
over TCP (the real configuration path), statistics export, and the one-line errors."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from iso28560 import decode
from kiosk.cli import main
from simulators.readers import simulator_class
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid


def test_demo_headless_plays_every_case(capsys) -> None:
    assert main(["encode", "--demo", "--headless"]) == 0
    out = capsys.readouterr().out
    for expected in ("encoded and verified", "is already encoded", "(part 2 of 2)",
                     "converted from iso28560-3", "2 tags on the pad", "already holds another item",
                     "left the pad during the write",
                     "are locked with other data", "not an item barcode", "converted from 3m-rfid501",
                     "Blank tag: nothing to migrate", "STATS", "Journal (events.db): failed 3, ok 11"):
        assert expected in out, expected


def test_errors_are_one_line(capsys, tmp_path: Path) -> None:
    assert main(["encode"]) == 1
    assert capsys.readouterr().err.strip() == (
        "Error: borne encode needs --config FILE (see docs/examples/encoding.toml), or use --demo")
    config = tmp_path / "station.toml"
    config.write_text('[encoding]\nlock = "all"\n', encoding="utf-8")
    assert main(["encode", "--config", str(config)]) == 1
    assert capsys.readouterr().err.strip().startswith(
        f"Error: {config}: encoding.lock: expected one of none, identifier, identifier_and_owner")
    config.write_text(f'[journal]\ndirectory = "{tmp_path}"\n', encoding="utf-8")
    bad = tmp_path / "new.csv"
    bad.write_text("barcode\n30660000000013\nISBN 978-2\n", encoding="utf-8")
    assert main(["encode", "--config", str(config), "--batch", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"Error: {bad}: line 3:") and err.endswith("nothing was encoded.")
    assert main(["encode", "--config", str(config), "--export-stats", "-"]) == 1
    assert "does not exist yet" in capsys.readouterr().err
    assert main(["encode", "--config", str(config)]) == 1
    assert capsys.readouterr().err.strip().startswith(f"Error: {config}: reader.port: required")
    assert main(["encode", "--config", str(config), "--day", "2026-01-01"]) == 1


@pytest.fixture
def feig_over_tcp():
    field = RFField()
    simulator = simulator_class("feig")(field)
    endpoint = simulator.serve("tcp")
    yield field, endpoint.port
    simulator.close()


def write_config(tmp_path: Path, port: str, sigb) -> Path:
    host, sigb_port = sigb.address
    path = tmp_path / "station.toml"
    path.write_text(f"""
[station]
id = "encoder-test"
[network]
branch_isil = "FR-660010101"
isil_prefix = "FR-6600"
[sigb]
host = "{host}"
port = {sigb_port}
username = "borne"
password = "borne"
timeout = 2.0
[reader]
driver = "feig"
port = "{port}"
poll_interval = 0.02
[journal]
directory = "{tmp_path / 'var'}"
[encoding]
barcode_pattern = "3066[0-9]{{10}}"
barcode_check_digit = "luhn"
operator = "op-4"
""", encoding="utf-8")
    return path


def test_batch_list_in_the_terminal_against_a_feig_reader_over_tcp(capsys, monkeypatch, tmp_path, sigb,
                                                                  feig_over_tcp) -> None:
    field, port = feig_over_tcp
    config = write_config(tmp_path, port, sigb)
    barcodes = ["30660000000013", "30660000000021"]
    batch = tmp_path / "new.csv"
    batch.write_text("code-barres;titre\n" + "".join(f"{b};\n" for b in barcodes), encoding="utf-8")
    tags = [SlixTag(make_uid(0x3000 + n), afi=0, dsfid=0, eas=False) for n in range(2)]
    read_end, write_end = os.pipe()  # standard input that stays open until the batch is done
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, encoding="utf-8"))

    def staff() -> None:
        for tag in tags:
            field.place(tag)  # the previous item may stay on the pad
            deadline = time.monotonic() + 10
            while not any(tag.memory) and time.monotonic() < deadline:
                time.sleep(0.02)

    helper = threading.Thread(target=staff, daemon=True)
    helper.start()
    try:
        assert main(["encode", "--config", str(config), "--batch", str(batch), "--headless"]) == 0
    finally:
        os.close(write_end)
    helper.join(5)
    out = capsys.readouterr().out
    assert [decode(bytes(t.memory), t.dsfid).data.primary_item_identifier for t in tags] == barcodes
    assert "Liste terminée : 2 étiquette(s) faite(s), 0 échec(s)." in out  # French by default
    assert "STATS     2 done" in out
    assert main(["encode", "--config", str(config), "--export-stats", "-"]) == 0
    export = capsys.readouterr().out.splitlines()
    assert export[0].startswith("day,operator,station,encoded,failed")
    assert export[1].split(",")[1:5] == ["op-4", "encoder-test", "2", "0"]


def test_terminal_commands(monkeypatch, tmp_path, sigb, feig_over_tcp, capsys) -> None:
    from io import StringIO

    _field, port = feig_over_tcp
    config = write_config(tmp_path, port, sigb)
    monkeypatch.setattr(sys, "stdin", StringIO("help\nparts 2\noperator op-8\n30660000000013\nstats\nquit\n"))
    assert main(["encode", "--config", str(config), "--headless", "--operator", "op-5"]) == 0
    out = capsys.readouterr().out
    assert "parts N" in out and "Posez la partie 1 sur 2 de 30660000000013" in out and "STATS" in out
    assert main(["encode", "--config", str(config), "--operator", "Jean Dupont"]) == 1
    assert "use a pseudonym such as op-3" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[2]


def test_documented_example_loads_and_every_option_is_documented() -> None:
    from kiosk.cli import build_parser
    from kiosk.config import load_config
    from kiosk.encoding import TagProfile, encoding_settings

    config = load_config(ROOT / "docs" / "examples" / "encoding.toml")
    settings = encoding_settings(config)
    assert (settings.barcode.pattern, settings.barcode.check_digit, settings.lock) == (
        "3066[0-9]{10}", "luhn", "none")
    assert TagProfile.from_config(config).owner == "FR-660010101"
    parser = build_parser()
    encode_parser = next(action for action in parser._subparsers._actions
                         if getattr(action, "choices", None) and "encode" in action.choices).choices["encode"]
    doc = (ROOT / "docs" / "encoding-station.md").read_text(encoding="utf-8")
    options = [o for action in encode_parser._actions for o in action.option_strings if o.startswith("--")]
    assert len(options) >= 9
    assert [o for o in options if o != "--help" and o not in doc] == []
