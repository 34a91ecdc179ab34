"""The dependency rule of docs/architecture.md, enforced with import-linter contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout


def test_contracts_cover_every_package() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    for package in ("iso28560", "sip2", "drivers", "simulators", "offline_queue", "kiosk", "gate", "ui"):
        assert f'"{package}"' in text, package


def test_top_level_packages_exist() -> None:
    for package in ("iso28560", "sip2", "drivers", "simulators", "offline_queue", "kiosk", "gate", "ui"):
        assert (ROOT / package / "__init__.py").is_file(), package
