"""Regenerate ``docs/screenshots/``: every kiosk screen in French, English and Arabic, portrait and landscape.

    python -m ui.kiosk.screenshots [--out docs/screenshots] [--scale 0.5]

Runs the demo script (:mod:`ui.kiosk.scenario`) once per language on the demo kiosk, offscreen,
and grabs each screen at 1080×1920 and 1920×1080, scaled down (``--scale``) so the committed set
stays small. The welcome and borrow screens are also captured in the high-contrast theme and with
large text. Files are named ``<lang>/<orientation>/<NN-screen>[-variant].png``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

LANGUAGES = ("fr", "en", "ar")
VARIANT_SHOTS = ("01-welcome", "04-borrow")


def generate(out: Path, *, scale: float = 0.5, languages: tuple[str, ...] = LANGUAGES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.kiosk.app import LANDSCAPE, PORTRAIT
    from ui.kiosk.scenario import ScriptedKiosk, run_script

    saved: list[Path] = []
    for language in languages:
        with tempfile.TemporaryDirectory(prefix="borne-shots-") as workdir, ScriptedKiosk(workdir) as kiosk:

            def shot(name: str, kiosk: ScriptedKiosk = kiosk, language: str = language) -> None:
                for orientation, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
                    kiosk.resize(size)
                    folder = out / language / orientation
                    saved.append(kiosk.grab(folder / f"{name}.png", scale))
                    if name in VARIANT_SHOTS:
                        saved.extend(_variants(kiosk, folder, name, scale))
                kiosk.resize(PORTRAIT)

            run_script(kiosk, shot, lambda line: None, language=language)
    return saved


def _variants(kiosk, folder: Path, name: str, scale: float) -> list[Path]:
    paths = []
    for toggle, variant in ((kiosk.vm.toggle_high_contrast, "high-contrast"),
                            (kiosk.vm.toggle_large_text, "large-text")):
        toggle()
        paths.append(kiosk.grab(folder / f"{name}-{variant}.png", scale))
        toggle()
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.kiosk.screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="output folder")
    parser.add_argument("--scale", type=float, default=0.5, help="scale of the saved images (default 0.5)")
    parser.add_argument("--language", action="append", choices=LANGUAGES, help="only these languages")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the demo breaks a tag and cuts the SIGB on purpose
    started = time.perf_counter()
    saved = generate(args.out, scale=args.scale, languages=tuple(args.language or LANGUAGES))
    size = sum(p.stat().st_size for p in saved)
    elapsed = time.perf_counter() - started
    print(f"{len(saved)} screenshots, {size / 1e6:.1f} MB, in {args.out}/ ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
