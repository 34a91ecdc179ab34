"""Sound cues on a station without QtMultimedia (PySide6-Essentials, the declared dependency): a command-line
player found on PATH plays the cue's WAV file in the background; without one the cues are only recorded."""

from __future__ import annotations

import importlib.util
import time
import wave
from pathlib import Path

import pytest

from ui.kiosk.sound import CommandSoundOutput, RecordingOutput, command_player, sound_output


def fake_player(folder: Path, name: str) -> Path:
    """A stand-in for aplay/paplay that logs its arguments."""
    log = folder / f"{name}.log"
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n', encoding="utf-8")
    script.chmod(0o755)
    return log


def wait_for_lines(log: Path, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if log.exists() and len(lines := log.read_text().splitlines()) >= count:
            return lines
        time.sleep(0.02)
    raise AssertionError(f"the player was not started {count} time(s)")


def test_a_command_line_player_plays_each_cue(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = fake_player(bin_dir, "paplay")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert command_player() == (str(bin_dir / "paplay"),)
    fake_player(bin_dir, "aplay")
    assert command_player() == (str(bin_dir / "aplay"), "-q")  # ALSA first: no sound server needed
    output = CommandSoundOutput((str(bin_dir / "paplay"),), folder=tmp_path / "tones")
    output.play("success")
    output.play("problem")
    output.play("no-such-cue")
    assert output.played == ["success", "problem", "no-such-cue"]
    lines = sorted(wait_for_lines(log, 2))  # two players run side by side: either may log first
    assert lines == [str(tmp_path / "tones" / "problem.wav"), str(tmp_path / "tones" / "success.wav")]
    with wave.open(lines[0]) as wav:
        assert wav.getnchannels() == 1 and wav.getnframes() > 0


@pytest.mark.skipif(importlib.util.find_spec("PySide6.QtMultimedia") is not None,
                    reason="QtMultimedia is installed: it is preferred")
def test_without_qtmultimedia_the_station_uses_the_player_or_stays_silent(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    silent = sound_output()
    assert type(silent) is RecordingOutput and not silent.available
    fake_player(bin_dir, "pw-play")
    playing = sound_output()
    assert isinstance(playing, CommandSoundOutput) and playing.command == (str(bin_dir / "pw-play"),)
