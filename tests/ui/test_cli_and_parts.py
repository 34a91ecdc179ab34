"""``borne kiosk`` (headless demo, display detection, errors), catalogs, sound cues, announcements and the
identification devices (serial scanner on a pty)."""

from __future__ import annotations

import ast
import re
import time
import wave
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.commands.kiosk_cmd import has_display
from kiosk.i18n import catalog
from ui.kiosk.announcements import load_announcements
from ui.kiosk.language import format_date, install
from ui.kiosk.sound import TONES, RecordingOutput, sound_output, write_tone

ROOT = Path(__file__).resolve().parents[2]
# What a patron can see: the kiosk screens and the circulation workflows they show.
PATRON_FACING = ("ui/kiosk", "kiosk/circulation", "kiosk/station.py")


def test_headless_demo_saves_every_screen_and_prints_a_transcript(qapp, tmp_path, capsys) -> None:
    out = tmp_path / "demo-output"
    assert main(["kiosk", "--demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    shots = sorted(p.name for p in out.glob("*.png"))
    assert len(shots) >= 14 and "01-welcome.png" in shots and "14-staff.png" in shots
    for line in ("[borrow]", "La Nausée: Refused — Ce document est exclu du prêt.",
                 "Incomplete set: 1 of 2 parts", "Please see staff", "Reserved for another reader",
                 "It goes back to CANET", "inactivity warning", "(offline banner)", "[staff]",
                 "Offline queue after synchronisation: 0 to send"):
        assert line in printed, line
    assert (out / "transcript.txt").read_text(encoding="utf-8").strip() == printed.strip()
    assert "20660000000015" not in printed  # partial card numbers only


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({}, "linux", False),
    ({"DISPLAY": ":0"}, "linux", True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "eglfs"}, "linux", True),
    ({"QT_QPA_PLATFORM": "minimal"}, "darwin", False),
    ({}, "darwin", True),
])
def test_display_detection(env, platform, expected) -> None:
    assert has_display(env, platform) is expected


def test_config_errors_and_no_display(tmp_path, capsys) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[sigb]\nport = "abc"\n', encoding="utf-8")
    assert main(["kiosk", "--config", str(bad)]) == 1
    assert 'sigb.port: expected an integer 1-65535, got "abc"' in capsys.readouterr().err
    good = tmp_path / "ok.toml"
    good.write_text("", encoding="utf-8")
    assert main(["kiosk", "--config", str(good)]) == 1  # QT_QPA_PLATFORM=offscreen in the tests
    assert "Error: no display" in capsys.readouterr().err


def marked_messages(*roots: str) -> set[str]:
    found = set()
    for root in roots:
        base = ROOT / root
        for path in [base] if base.is_file() else base.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                        and node.args and isinstance(node.args[0], ast.Constant)):
                    found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_message_is_translated_with_its_placeholders(language) -> None:
    install(language)
    entries = catalog(language)
    messages = marked_messages(*PATRON_FACING)
    missing = sorted(m for m in messages if m not in entries)
    assert not missing, f"add to ui/kiosk/locale/{language}.po (or kiosk/locale): {missing}"
    for msgid in messages:
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", entries[msgid])), msgid


def test_dates_per_language() -> None:
    from datetime import date

    day = date(2026, 12, 23)
    assert [format_date(day, lang) for lang in ("fr", "en", "ar")] == [
        "23 décembre 2026", "23 December 2026", "23/12/2026"]


def test_sound_cues_without_audio_are_recorded(tmp_path) -> None:
    output = sound_output()
    assert isinstance(output, RecordingOutput)  # PySide6-Essentials: no QtMultimedia here
    output.play("success")
    assert output.played == ["success"]
    path = write_tone(tmp_path / "problem.wav", TONES["problem"])
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getframerate() == 22050
        assert abs(wav.getnframes() / 22050 - sum(d for _f, d in TONES["problem"])) < 0.01


def test_announcements_per_language(tmp_path) -> None:
    (tmp_path / "01-news.txt").write_text("Nouveau !\n", encoding="utf-8")
    (tmp_path / "01-news.en.txt").write_text("New!", encoding="utf-8")
    (tmp_path / "02-poster.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "notes.doc").write_text("ignored", encoding="utf-8")
    news, poster = load_announcements(tmp_path)
    assert news.text("fr") == "Nouveau !" and news.text("en") == "New!" and news.text("ar") == "Nouveau !"
    assert poster.image == tmp_path / "02-poster.png" and poster.text("fr") == ""
    assert load_announcements(tmp_path / "missing") == ()


def test_serial_scanner_and_missing_card_reader(tmp_path) -> None:
    from kiosk.inputs import PatronInputs
    from simulators.cards.scanner import SerialScannerSimulator

    def broken_reader():
        from drivers.errors import ReaderGone

        raise ReaderGone("no card reader on usb")

    cards: list[tuple[str, str]] = []
    with SerialScannerSimulator() as scanner:
        from drivers.scanners import SerialBarcodeScanner

        inputs = PatronInputs(lambda card, source: cards.append((card, source)),
                              card_reader=broken_reader, scanner=lambda: SerialBarcodeScanner(scanner.device),
                              poll_interval=0.01)
        inputs.poll()
        assert inputs.status.card_reader == "error" and "no card reader" in inputs.status.card_reader_error
        assert inputs.status.scanner == "ok"
        scanner.scan("20660000000015", chunks=3)
        deadline = time.monotonic() + 2
        while not cards and time.monotonic() < deadline:
            inputs.poll()
        inputs.close()
    assert cards == [("20660000000015", "scanner")]
