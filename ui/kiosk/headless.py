"""``borne kiosk --demo`` without a display: scripted patron sessions, a screenshot per screen, a transcript.

Runs :data:`ui.kiosk.scenario.FLOWS` on the demo kiosk (real station, simulated SIGB and reader)
with Qt's offscreen platform, saves ``NN-name.png`` for every screen worth seeing into the output
folder and prints what each screen shows, in English, as it goes. The transcript is also written
to ``transcript.txt`` beside the pictures.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_headless_demo(out_dir: Path, *, language: str = "fr", size: tuple[int, int] | None = None,
                      echo: Callable[[str], None] = print, quiet: bool = True) -> int:
    """Run the demo script offscreen; ``quiet`` keeps the station's expected warnings (the demo breaks
    a tag and cuts the SIGB on purpose) out of the transcript."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    root, level = logging.getLogger(), logging.getLogger().level
    previous_handler = _quiet_qt() if quiet else None
    if quiet:
        root.setLevel(logging.ERROR)
    try:
        return _run(out_dir, language, size, echo)
    finally:
        root.setLevel(level)
        if quiet:  # put back the previous handler (None: Qt's default)
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(previous_handler)


def _run(out_dir: Path, language: str, size: tuple[int, int] | None, echo: Callable[[str], None]) -> int:
    from ui.kiosk.app import PORTRAIT
    from ui.kiosk.scenario import ScriptedKiosk, run_script

    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    transcript: list[str] = []

    def say(line: str) -> None:
        transcript.append(line)
        echo(line)

    with tempfile.TemporaryDirectory(prefix="borne-demo-") as workdir, \
            ScriptedKiosk(workdir, size=size or PORTRAIT) as kiosk:

        def shot(name: str) -> None:
            path = kiosk.grab(out_dir / f"{name}.png")
            for line in kiosk.describe():
                say(f"    {line}")
            say(f"    -> {path}")

        say(f"Borne kiosk demo: {kiosk.station.config.station.library_name} "
            f"(simulated SIGB at {kiosk.demo.sigb.address[0]}:{kiosk.demo.sigb.address[1]})")
        run_script(kiosk, shot, say, language=language if language != "fr" else None)
        status = kiosk.station.status
        say(f"Offline queue after synchronisation: {status.queue_pending} to send; "
            f"staff alerts: {status.staff_alerts}.")
    say(f"Done in {time.perf_counter() - started:.1f} s; screenshots in {out_dir}/")
    (out_dir / "transcript.txt").write_text("\n".join(transcript) + "\n", encoding="utf-8")
    return 0


def _quiet_qt() -> Any:
    """The offscreen platform warns that it cannot resize windows to their hints: true and harmless here."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if "propagateSizeHints" not in message and kind != QtMsgType.QtDebugMsg:
            print(message, file=sys.stderr)

    return qInstallMessageHandler(handler)
