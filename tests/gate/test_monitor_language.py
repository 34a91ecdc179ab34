"""The gate monitor window speaks the configured language: French by default, English available, every
message of the window in the French catalog with the same placeholders, and the gate package free of kiosk."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gate.alarm_log import AlarmLog
from gate.config import MONITOR_LANGUAGES, ConfigError, parse_config
from gate.counting import PeopleCounts
from gate.events import Alarm, Reason
from gate.monitor import GateMonitorModel
from gate.store import GateDatabase

from .helpers import sighting

ROOT = Path(__file__).resolve().parents[2]
WINDOW_SOURCE = ROOT / "ui" / "gate_monitor.py"
MINIMAL = '[policy]\nnetwork_institutions = ["FR-*"]\n'


def marked_messages() -> set[str]:
    """Message ids of the window: ``N_("…")`` markers and ``self._t("…")`` calls."""
    found = set()
    for node in ast.walk(ast.parse(WINDOW_SOURCE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        first = node.args[0]
        if name in ("N_", "_t", "t") and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w*)}", text))


def test_every_message_of_the_window_has_a_translation_with_its_placeholders() -> None:
    pytest.importorskip("PySide6")
    from ui.gate_monitor import load_catalog

    messages = marked_messages()
    assert len(messages) > 30  # the scan finds the window's texts
    for language in MONITOR_LANGUAGES:
        if language == "en":  # the source language
            continue
        catalog = load_catalog(language)
        assert sorted(m for m in messages if m not in catalog) == [], language
        assert [m for m in messages if placeholders(catalog[m]) != placeholders(m)] == [], language


def test_language_is_a_checked_gate_key() -> None:
    assert parse_config(MINIMAL).language == "fr"
    assert parse_config('[gate]\nlanguage = "en"\n' + MINIMAL).language == "en"
    with pytest.raises(ConfigError, match=r"gate\.language = 'de': must be one of 'fr', 'en'"):
        parse_config('[gate]\nlanguage = "de"\n' + MINIMAL)


def test_the_gate_package_never_imports_kiosk() -> None:
    code = (
        "import sys, gate.cli, gate.service, gate.monitor, gate.config, gate.console;"
        "print([m for m in sys.modules if m == 'kiosk' or m.startswith('kiosk.')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def model():
    store = GateDatabase(":memory:")
    log, counts = AlarmLog(store), PeopleCounts(store)
    gate_model = GateMonitorModel("Exit", "afi", log, counts, acknowledge=log.acknowledge)
    alarm = Alarm(passage_id=1, sighting=sighting(uid=5), reason=Reason.SECURED, new_passage=True)
    gate_model.alarm_raised(log.get(log.record(alarm, datetime.now(UTC), None)))
    gate_model.reader_changed("pedestals", "down", "unplugged")
    gate_model.outputs_changed({"beacon": "port gone"})
    gate_model.set_status("running")
    yield gate_model
    store.close()


def shown(window) -> str:
    from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton

    texts = [w.text() for w in window.findChildren(QLabel) + window.findChildren(QPushButton)]
    texts += [w.title() for w in window.findChildren(QGroupBox)]
    texts += [window.table.horizontalHeaderItem(c).text() for c in range(window.table.columnCount())]
    texts += [window.table.item(0, c).text() for c in range(window.table.columnCount())]
    return "\n".join([window.windowTitle(), *texts])


def test_english_window(qtbot, model) -> None:
    from ui.gate_monitor import GateMonitorWindow

    window = GateMonitorWindow(model, language="en")
    qtbot.addWidget(window)
    text = shown(window)
    for expected in (
        "Gate — Exit", "Exit — mode AFI — running", "Entries: 0", "Not acknowledged: 1",
        "Readers — pedestals: out of service (unplugged)", "Alarm outputs — beacon: failed (port gone)",
        "Acknowledge the alarm", "Last alarms", "Today", "Hardware", "Acknowledged",
        "security bit set (AFI)", "no",
    ):
        assert expected in text, expected
    assert not re.search(r"[àâçéèêëîïôûù]", text), text  # no French left over


def test_french_window_by_default(qtbot, model) -> None:
    from ui.gate_monitor import GateMonitorWindow

    window = GateMonitorWindow(model)
    qtbot.addWidget(window)
    text = shown(window)
    for expected in (
        "Portique — Exit", "Exit — mode AFI — en service", "Entrées : 0", "Non acquittées : 1",
        "Lecteurs — pedestals : hors service (unplugged)", "Sorties d'alarme — beacon : en panne (port gone)",
        "Acquitter l'alarme", "antivol actif (AFI)", "non",
    ):
        assert expected in text, expected
