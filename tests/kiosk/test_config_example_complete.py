"""The documented example configuration names every key the kiosk accepts (a new key without documentation
fails here), and every documented key is one the kiosk knows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kiosk.encoding.settings  # noqa: F401 (registers [encoding], whatever ran before this test)
from kiosk.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "kiosk.toml"
# Operations sections, documented in the configuration guide, docs/operations.md and docs/pilot.md instead.
DOCUMENTED_ELSEWHERE = {"central", "metrics", "pilot"}
GUIDES = ("configuration.md", "operations.md", "pilot.md")
# Sections of other station roles, documented in their own example file.
ROLE_EXAMPLES = {"encoding": ROOT / "docs" / "examples" / "encoding.toml"}


def known(table: dict) -> list[str]:
    """The keys the parser lists for an unknown one in ``table``."""
    with pytest.raises(ConfigError) as info:
        parse_config(table)
    match = re.search(r"unknown key \(known: ([^)]*)\)", str(info.value))
    assert match, str(info.value)
    return [k.strip() for k in match.group(1).split(",")]


def example_keys(example: Path = EXAMPLE) -> dict[str, set[str]]:
    """section → keys written in the example, commented out (``# baudrate = …``) or not."""
    keys: dict[str, set[str]] = {}
    section = ""
    for line in example.read_text(encoding="utf-8").splitlines():
        if header := re.match(r"^\[(\w+)(?:\.(\w+))?\]", line):
            section, subtable = header.groups()
            if subtable:  # [circulation.refusal_codes]: a table-valued key of its section
                keys.setdefault(section, set()).add(subtable)
                section = f"{section}.{subtable}"
        elif key := re.match(r"^#?\s*(\w+)\s*=", line):
            keys.setdefault(section, set()).add(key.group(1))
    return keys


def test_every_key_is_in_the_documented_example() -> None:
    documented = example_keys()
    for section in known({"zzz_not_a_section": {}}):
        keys = set(known({section: {"zzz_not_a_key": 1}}))
        if section in DOCUMENTED_ELSEWHERE:
            doc = "\n".join((ROOT / "docs" / name).read_text(encoding="utf-8") for name in GUIDES)
            assert f"[{section}]" in doc and all(k in doc for k in keys), section
            continue
        source = ROLE_EXAMPLES.get(section, EXAMPLE)
        written = (example_keys(source) if section in ROLE_EXAMPLES else documented).get(section, set())
        assert sorted(keys - written) == [], f"[{section}] keys missing from {source}"
        assert sorted(written - keys) == [], f"[{section}]: unknown keys in the example"
