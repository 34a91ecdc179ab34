"""``docs/screenshots/`` shows every kiosk screen in French, English and Arabic, portrait and landscape, and
is exactly what ``python -m ui.kiosk.screenshots`` produces (no screen missing, no stale picture left)."""

from __future__ import annotations

from pathlib import Path

from ui.kiosk.scenario import ScriptedKiosk, run_script
from ui.kiosk.screenshots import LANGUAGES, VARIANT_SHOTS
from ui.kiosk.viewmodel import Screen

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
ORIENTATIONS = ("portrait", "landscape")


def scripted_shots(tmp_path: Path) -> dict[str, Screen]:
    """Shot name → screen shown, from one run of the demo script (nothing grabbed)."""
    taken: dict[str, Screen] = {}
    with ScriptedKiosk(tmp_path) as kiosk:
        run_script(kiosk, lambda name: taken.setdefault(name, kiosk.vm.screen), lambda line: None)
    return taken


def test_the_script_shows_every_screen_and_the_committed_set_matches_it(qapp, tmp_path) -> None:
    taken = scripted_shots(tmp_path)
    assert set(taken.values()) == set(Screen), set(Screen) - set(taken.values())
    expected = set(taken) | {f"{name}-{v}" for name in VARIANT_SHOTS for v in ("high-contrast", "large-text")}
    for language in LANGUAGES:
        for orientation in ORIENTATIONS:
            committed = {p.stem for p in (SHOTS / language / orientation).glob("*.png")}
            assert sorted(expected - committed) == [], f"{language}/{orientation}: missing, regenerate"
            assert sorted(committed - expected) == [], f"{language}/{orientation}: stale pictures"
