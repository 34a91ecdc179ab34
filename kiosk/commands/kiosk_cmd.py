"""``borne kiosk``: the self-service kiosk on real devices (``--config FILE``) or on simulators (``--demo``).

``--demo`` starts the embedded simulated SIGB (SIP2 over TCP), an RF field of tagged sample items
behind a simulated reader driven by the real driver, and the station. With a display it opens the
kiosk window and a control window (present cards, place or lift items, take the SIGB down). With no
display — no ``DISPLAY`` or ``WAYLAND_DISPLAY`` and ``QT_QPA_PLATFORM`` not naming a real platform —
it runs a scripted patron session offscreen, saves a screenshot of every screen to ``--out``
(default ``./demo-output``) and prints a transcript. ``--headless`` forces that mode.

Qt is imported only when the command runs, so ``borne --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from kiosk.cli import UserError

# QT_QPA_PLATFORM values that draw nowhere a patron could see.
NON_DISPLAY_PLATFORMS = ("offscreen", "minimal")


def has_display(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether a window can be shown (see the module docstring)."""
    env = os.environ if env is None else env
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip()
    if qpa:
        return qpa not in NON_DISPLAY_PLATFORMS
    if platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kiosk",
        help="run the self-service kiosk (real devices, or --demo on simulators)",
        description="Run the self-service kiosk on real devices (--config FILE) or on simulators (--demo). "
                    "Without a display, --demo runs a scripted session and saves screenshots.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, metavar="FILE", help="station configuration (TOML)")
    source.add_argument("--demo", action="store_true", help="simulated SIGB, reader and sample items")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), metavar="DIR",
                        help="headless demo: folder for the screenshots (default ./demo-output)")
    parser.add_argument("--headless", action="store_true", help="demo: run the scripted session offscreen")
    parser.add_argument("--language", default="fr", choices=("fr", "en", "ar"),
                        help="headless demo: the language the patrons choose (default fr)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.demo:
        if args.headless or not has_display():
            from ui.kiosk.headless import run_headless_demo

            return run_headless_demo(args.out, language=args.language, quiet=not getattr(args, "verbose", 0))
        return _run_demo(args)
    return _run_station(args)


def _run_station(args: argparse.Namespace) -> int:
    from kiosk.central_config import effective_config

    config, _central = effective_config(args.config)  # [central] url: refreshed copy under the local file
    if not has_display():
        raise UserError("no display: borne kiosk --config needs a screen (set DISPLAY or WAYLAND_DISPLAY, "
                        "or QT_QPA_PLATFORM=eglfs on a kiosk without a desktop)")
    from kiosk.station import Station
    from ui.kiosk.app import run_kiosk

    station = Station.from_config(config)
    return run_kiosk(station, fullscreen=not args.windowed)


def _run_demo(args: argparse.Namespace) -> int:
    import tempfile

    from kiosk.demo import Demo
    from ui.kiosk.app import application, demo_overrides, run_kiosk
    from ui.kiosk.demo_control import DemoControl

    application()
    with tempfile.TemporaryDirectory(prefix="borne-demo-") as workdir:
        demo = Demo(workdir, config=demo_overrides())
        print(f"Demo kiosk on a simulated SIGB at {demo.sigb.address[0]}:{demo.sigb.address[1]}; "
              "staff PIN 2468 (tap the library name five times, or Ctrl+Alt+S).")
        try:
            return run_kiosk(demo.station, fullscreen=False, with_devices=False,
                             control=lambda kiosk: DemoControl(demo, kiosk.window))
        finally:
            demo.close()
