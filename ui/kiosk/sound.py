"""Sound cues for success, problems and the inactivity warning, where the station has audio.

The view model emits ``events.cue`` with a cue name; :func:`sound_output` picks the output:

- :class:`QtSoundOutput` plays short tones with ``QSoundEffect`` when ``PySide6.QtMultimedia`` is
  installed (the full PySide6 wheel; PySide6-Essentials does not ship it). The tones are generated
  once as small WAV files in a cache folder, so no audio asset has to be shipped or licensed.
- :class:`CommandSoundOutput` otherwise, when the system has a command-line player (``aplay`` from
  alsa-utils, ``paplay`` from PulseAudio, ``pw-play`` from PipeWire): the project depends on
  PySide6-Essentials, so on a station installed as documented this is what makes the cues audible.
  Each cue starts the player in the background; the kiosk never waits for it.
- :class:`RecordingOutput` otherwise: a documented no-op that plays nothing (no audio module or
  player, no sound card, or sound disabled) but records every cue, so the tests check which cue
  each flow gives whatever the machine.

All record the cues they were asked to play in :attr:`played`.
"""

from __future__ import annotations

import logging
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RATE = 22050
# cue → (frequency Hz, duration s) notes: rising for success, falling and low for problems, beeps to wake.
TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "success": ((880.0, 0.08), (1320.0, 0.12)),
    "problem": ((440.0, 0.15), (330.0, 0.25)),
    "attention": ((990.0, 0.1), (0.0, 0.08), (990.0, 0.1), (0.0, 0.08), (990.0, 0.1)),
}


class RecordingOutput:
    """No audio: records the cues only."""

    available = False

    def __init__(self) -> None:
        self.played: list[str] = []

    def play(self, cue: str) -> None:
        self.played.append(cue)


def write_tone(path: Path, notes: tuple[tuple[float, float], ...]) -> Path:
    """A mono 16-bit WAV of the notes (frequency 0 is a pause), with short fades against clicks."""
    frames = bytearray()
    for frequency, duration in notes:
        count = int(RATE * duration)
        fade = max(1, int(RATE * 0.005))
        for i in range(count):
            envelope = min(1.0, i / fade, (count - i) / fade)
            value = math.sin(2 * math.pi * frequency * i / RATE) * envelope if frequency else 0.0
            frames += struct.pack("<h", int(value * 12000))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return path


class QtSoundOutput(RecordingOutput):
    """Plays the cues with QtMultimedia's QSoundEffect."""

    available = True

    def __init__(self, sound_effect: Any, folder: Path | None = None) -> None:
        super().__init__()
        from PySide6.QtCore import QUrl

        self._effects = {}
        for cue, path in tone_files(folder).items():
            effect = sound_effect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.6)
            self._effects[cue] = effect

    def play(self, cue: str) -> None:
        super().play(cue)
        effect = self._effects.get(cue)
        if effect is not None:
            effect.play()


PLAYERS = (("aplay", "-q"), ("paplay",), ("pw-play",))  # command-line WAV players, in order of preference


def tone_files(folder: Path | None = None) -> dict[str, Path]:
    """cue → WAV file, written once into a cache folder."""
    folder = folder or Path(tempfile.gettempdir()) / "borne-sounds"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for cue, notes in TONES.items():
        path = folder / f"{cue}.wav"
        if not path.exists():
            write_tone(path, notes)
        files[cue] = path
    return files


class CommandSoundOutput(RecordingOutput):
    """Plays the cues with a command-line player, in the background (no QtMultimedia needed)."""

    available = True

    def __init__(self, command: tuple[str, ...], folder: Path | None = None) -> None:
        super().__init__()
        self.command = command
        self.files = tone_files(folder)
        self._playing: list[subprocess.Popen[bytes]] = []

    def play(self, cue: str) -> None:
        super().play(cue)
        path = self.files.get(cue)
        if path is None:
            return
        self._playing = [p for p in self._playing if p.poll() is None]  # reap finished players
        try:
            self._playing.append(subprocess.Popen(
                [*self.command, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        except OSError as exc:
            log.warning("sound cue %s not played: %s", cue, exc)


def command_player() -> tuple[str, ...] | None:
    """The first command-line WAV player found on PATH, with its options."""
    for name, *options in PLAYERS:
        found = shutil.which(name)
        if found:
            return (found, *options)
    return None


def sound_output(enabled: bool = True) -> RecordingOutput:
    """The best output available here (see the module docstring)."""
    if not enabled:
        return RecordingOutput()
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ImportError:
        return _command_output()
    try:
        return QtSoundOutput(QSoundEffect)
    except Exception as exc:  # no audio device: the kiosk works silently
        log.warning("sound cues disabled: %s", exc)
        return RecordingOutput()


def _command_output() -> RecordingOutput:
    command = command_player()
    if command is None:
        log.info("no QtMultimedia and no aplay/paplay/pw-play: sound cues are recorded, not played")
        return RecordingOutput()
    try:
        return CommandSoundOutput(command)
    except OSError as exc:  # no writable cache folder: the kiosk works silently
        log.warning("sound cues disabled: %s", exc)
        return RecordingOutput()
