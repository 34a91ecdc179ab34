"""Every data file inside our packages ships in the wheel (catalogs, assets, sample dataset)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("iso28560", "sip2", "drivers", "simulators", "offline_queue", "kiosk", "gate", "ui")


def _patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["package-data"]["*"]


def test_every_package_data_file_is_declared() -> None:
    patterns = [p.removeprefix("**/") for p in _patterns()]
    undeclared = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".py", ".pyc"):
                continue
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
                undeclared.append(str(path.relative_to(ROOT)))
    assert not undeclared, f"add a package-data pattern in pyproject.toml for: {undeclared}"


def test_patterns_reach_into_plain_folders() -> None:
    # locale/ and assets/ folders have no __init__.py: only recursive patterns include them.
    assert all(pattern.startswith("**/") for pattern in _patterns())
