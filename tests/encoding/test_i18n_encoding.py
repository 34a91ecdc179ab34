"""Every text of the encoding station (core messages and staff window labels) has a French translation
with the same placeholders; French is what the desk shows by default."""

from __future__ import annotations

import ast
from pathlib import Path

from kiosk.i18n import _, catalog, missing_translations

ROOT = Path(__file__).resolve().parents[2]
FILES = (*sorted((ROOT / "kiosk" / "encoding").glob("*.py")), ROOT / "ui" / "encoding_station.py")


def marked_strings() -> list[str]:
    """Literal first arguments of ``_(...)`` and of the window's ``self.t(...)``."""
    found: list[str] = []
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "_") or (
                    isinstance(func, ast.Attribute) and func.attr == "t"):
                found.append(node.args[0].value)
    return found


def placeholders(text: str) -> set[str]:
    return {part.split("}")[0] for part in text.split("{")[1:]}


def test_every_string_has_a_french_translation_with_the_same_placeholders() -> None:
    strings = marked_strings()
    assert len(strings) > 80
    assert not missing_translations(strings, "fr")
    french = catalog("fr")
    for msgid in strings:
        assert placeholders(msgid) == placeholders(french[msgid]), msgid


def test_french_by_default() -> None:
    message = _("{item}{where} encoded and verified in {seconds} s.", item="3066", seconds="0.21",
                where=_(" (part {part} of {parts})", part=2, parts=3))
    assert message.render() == "3066 (partie 2 sur 3) encodé et vérifié en 0.21 s."
    assert message.render("en") == "3066 (part 2 of 3) encoded and verified in 0.21 s."
