"""Patron-facing text: every marked string has a French translation; SIGB text is never translated."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kiosk.i18n import (
    Message,
    _,
    catalog,
    is_right_to_left,
    missing_translations,
    parse_po,
    register_catalog,
    translate,
    verbatim,
)

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
# The circulation core's modules; other parts (UI, encoding station) test their own strings.
OWN = (*sorted((KIOSK / "circulation").glob("*.py")), KIOSK / "station.py", KIOSK / "demo.py")


def marked_strings() -> list[str]:
    found: list[str] = []
    for path in OWN:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append(node.args[0].value)
    return found


def test_every_marked_string_has_a_french_translation_with_the_same_placeholders() -> None:
    french = catalog("fr")
    strings = marked_strings()
    assert len(strings) > 30
    assert not missing_translations(strings, "fr")
    for msgid in strings:
        fields = {p.split("}")[0] for p in msgid.split("{")[1:]}
        assert fields == {p.split("}")[0] for p in french[msgid].split("{")[1:]}, msgid


def test_french_is_the_default_and_english_the_source() -> None:
    message = _("Returned. Please put it in bin {sort_bin}.", sort_bin="3")
    assert message.render() == "Retour enregistré. Déposez-le dans le bac 3."
    assert message.render("en") == "Returned. Please put it in bin 3."
    assert str(_("Borrowed.")) == "Emprunté."


def test_sigb_text_is_shown_as_given_in_every_language() -> None:
    text = "Vous avez 2 document(s) en retard : merci de les rendre avant d'emprunter."
    assert verbatim(text).render("en") == text == verbatim(text).render("fr")


def test_unknown_language_and_missing_translation_fall_back_to_english() -> None:
    assert translate("Borrowed.", "xx") == "Borrowed."
    assert _("no such message {n}", n=1).render("fr") == "no such message 1"


def test_other_layers_can_add_catalogs() -> None:
    register_catalog("ar", {"Borrowed.": "تمت الإعارة."})
    assert _("Borrowed.").render("ar") == "تمت الإعارة."
    assert is_right_to_left("ar") and not is_right_to_left("fr")


def test_po_parser_handles_continuations_and_escapes() -> None:
    text = 'msgid ""\nmsgstr "header"\n\n# c\nmsgid "a\\"b"\nmsgstr ""\n"x"\n"y\\n"\n'
    assert parse_po(text) == {'a"b': "xy\n"}
    with pytest.raises(ValueError, match="unexpected line"):
        parse_po("msgid 'single quotes'\n")


def test_messages_are_values() -> None:
    assert _("Borrowed.") == Message("Borrowed.")
    assert hash(_("x {a}", a=1)) == hash(_("x {a}", a=1))


def test_catalogs_per_part_are_merged(tmp_path: Path, monkeypatch) -> None:
    from kiosk import i18n

    (tmp_path / "xx").mkdir()
    (tmp_path / "xx.po").write_text('msgid "A"\nmsgstr "a"\n', encoding="utf-8")
    (tmp_path / "xx" / "ui.po").write_text('msgid "B"\nmsgstr "b"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.delitem(i18n._catalogs, "xx", raising=False)
    assert dict(catalog("xx")) == {"A": "a", "B": "b"}
    assert missing_translations(["A", "B", "C"], "xx") == ["C"]
    i18n._catalogs.pop("xx", None)
