"""The gate monitor window (staff): live status, counts, last alarms with titles, reader health, acknowledge.

A view over ``gate.monitor.GateMonitorModel`` and nothing more: it holds no gate
state, reads everything back from the model, and changes things only through
``model.acknowledge``. The model's events arrive on the gate's poll thread; the
window forwards them through a queued Qt signal so widgets are only touched on the
GUI thread, and blocks the table's signals while refilling it. Closing the window
disconnects it from the model (a gate PC runs for months: no leaked subscribers).

Every text is an English message id translated when shown, in the language given by
``[gate] language`` (French by default). The gate has its own catalog,
``ui/locale/<language>/gate_monitor.po``, read with the generic ``.po`` parser of
:mod:`kiosk.i18n` but kept apart from the kiosk's catalogs and session language: the
gate package itself never imports ``kiosk``, and the model hands over codes (status,
reader state, reason), not sentences.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gate.config import DEFAULT_MONITOR_LANGUAGE
from gate.console import local_time
from gate.monitor import GateMonitorModel
from kiosk.i18n import parse_po

LOCALE_DIR = Path(__file__).with_name("locale")
CATALOG = "gate_monitor.po"


def N_(msgid: str) -> str:
    """Marks a message id for the catalog; it is translated when shown."""
    return msgid


COLUMNS = (
    N_("Time"), N_("Item"), N_("Title"), N_("Direction"), N_("Reason"), N_("Reader"), N_("Acknowledged")
)
DIRECTIONS = {"in": N_("entry"), "out": N_("exit")}
REASONS = {
    "secured": N_("security bit set (AFI)"),
    "eas": N_("security bit set (EAS)"),
    "not checked out": N_("not checked out (SIGB)"),
    "status unknown": N_("status unknown"),
    "unidentified": N_("unreadable tag"),
    "several secured": N_("several secured tags at once"),
}
READER_STATES = {"ok": N_("in service"), "down": N_("out of service"), "connecting": N_("connecting…")}
# Status codes the gate and the CLI give the model (GateMonitorModel.set_status).
STATUSES = (N_("starting"), N_("running"), N_("demo running"), N_("demo finished"))
UNACKNOWLEDGED = QColor(255, 225, 225)


class MonitorTexts:
    """``texts(msgid, **params)``: the translation of one message id, English when it has none."""

    def __init__(self, language: str = DEFAULT_MONITOR_LANGUAGE) -> None:
        self.language = language
        self.entries: Mapping[str, str] = load_catalog(language)

    def __call__(self, msgid: str, **params: object) -> str:
        text = self.entries.get(msgid, msgid)
        return text.format(**params) if params else text


def load_catalog(language: str) -> dict[str, str]:
    """``msgid → msgstr`` of the monitor's catalog for ``language`` (none for English, the source)."""
    path = LOCALE_DIR / language / CATALOG
    return parse_po(path.read_text(encoding="utf-8")) if path.is_file() else {}


class _Bridge(QObject):
    """Carries model topics from the poll thread to the GUI thread (queued connection)."""

    changed = Signal(str)


class GateMonitorWindow(QWidget):
    def __init__(
        self,
        model: GateMonitorModel,
        parent: QWidget | None = None,
        language: str = DEFAULT_MONITOR_LANGUAGE,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._t = MonitorTexts(language)
        self.setWindowTitle(self._t("Gate — {name}", name=model.name))
        self._bridge = _Bridge(self)
        self._bridge.changed.connect(self._refresh, Qt.ConnectionType.QueuedConnection)
        self._forward = self._bridge.changed.emit
        self._build()
        model.changed.connect(self._forward)
        for topic in ("status", "readers", "outputs", "counts", "alarms"):
            self._refresh(topic)

    # -- layout -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.status_label = QLabel()
        self.status_label.setFont(QFont(self.font().family(), 14, QFont.Weight.Bold))
        self.entries_label, self.exits_label = QLabel(), QLabel()
        self.alarms_label, self.pending_label = QLabel(), QLabel()
        counts = QGroupBox(self._t("Today"))
        grid = QGridLayout(counts)
        for column, label in enumerate(
            (self.entries_label, self.exits_label, self.alarms_label, self.pending_label)
        ):
            grid.addWidget(label, 0, column)
        self.readers_label, self.outputs_label = QLabel(), QLabel()
        health = QGroupBox(self._t("Hardware"))
        health_layout = QVBoxLayout(health)
        health_layout.addWidget(self.readers_label)
        health_layout.addWidget(self.outputs_label)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self._t(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.acknowledge_button = QPushButton(self._t("Acknowledge the alarm"))
        self.acknowledge_button.clicked.connect(self._acknowledge)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.acknowledge_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        top = QHBoxLayout()
        top.addWidget(counts, 2)
        top.addWidget(health, 1)
        layout.addLayout(top)
        layout.addWidget(QLabel(self._t("Last alarms")))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(960, 560)

    # -- model → widgets ----------------------------------------------------------------------------------

    def _refresh(self, topic: str) -> None:
        getattr(self, f"_show_{topic}", lambda: None)()

    def _show_status(self) -> None:
        status = self._t(self.model.status)
        self.status_label.setText(
            self._t("{name} — mode {mode} — {status}", name=self.model.name, mode=self.model.mode.upper(),
                    status=status)
        )

    def _show_counts(self) -> None:
        entries, exits, alarms = self.model.counts
        self.entries_label.setText(self._t("Entries: {count}", count=entries))
        self.exits_label.setText(self._t("Exits: {count}", count=exits))
        self.alarms_label.setText(self._t("Alarms: {count}", count=alarms))
        pending = self.model.unacknowledged
        self.pending_label.setText(self._t("Not acknowledged: {count}", count=pending))
        self.acknowledge_button.setEnabled(pending > 0)

    def _show_readers(self) -> None:
        t = self._t
        lines = [
            t("{name}: {state}", name=name, state=t(READER_STATES.get(state, state)))
            + (f" ({error})" if error else "")
            for name, (state, error) in sorted(self.model.readers.items())
        ]
        self.readers_label.setText(t("Readers — {states}", states="; ".join(lines) or t("none")))

    def _show_outputs(self) -> None:
        t = self._t
        lines = [
            t("{name}: {state}", name=name, state=t("failed ({error})", error=error) if error else t("ok"))
            for name, error in sorted(self.model.outputs.items())
        ]
        self.outputs_label.setText(t("Alarm outputs — {states}", states="; ".join(lines) or t("ok")))

    def _show_alarms(self) -> None:
        alarms = self.model.alarms
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(alarms))
            for row, alarm in enumerate(alarms):
                values = (
                    local_time(alarm.time),
                    alarm.item_id or alarm.uid or "?",
                    alarm.title or "…",
                    self._t(DIRECTIONS.get(alarm.direction, alarm.direction or "?")),
                    self._t(REASONS.get(alarm.reason, alarm.reason)),
                    alarm.reader or "",
                    self._t("yes") if alarm.acknowledged else self._t("no"),
                )
                for column, value in enumerate(values):
                    item = QTableWidgetItem(str(value))
                    item.setData(Qt.ItemDataRole.UserRole, alarm.id)
                    if not alarm.acknowledged:
                        item.setBackground(UNACKNOWLEDGED)
                    self.table.setItem(row, column, item)
        finally:
            self.table.blockSignals(False)
        self._show_counts()

    # -- widgets → model ----------------------------------------------------------------------------------

    def selected_alarm(self) -> int | None:
        """The selected alarm if it still waits for acknowledgement, else the most recent one that does."""
        pending = [a for a in self.model.alarms if not a.acknowledged]
        rows = self.table.selectionModel().selectedRows()
        if rows:
            selected = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
            if any(a.id == selected for a in pending):
                return selected
        return pending[0].id if pending else None

    def _acknowledge(self) -> None:
        row_id = self.selected_alarm()
        if row_id is not None:
            self.model.acknowledge(row_id)

    def closeEvent(self, event: Any) -> None:
        self.model.changed.disconnect(self._forward)
        super().closeEvent(event)


def run_monitor(config: Any) -> int:
    """The gate service with its monitor window (``borne gate --config FILE``)."""
    from gate.service import build_gate

    app = QApplication.instance() or QApplication(sys.argv[:1])
    gate = build_gate(config)
    model = GateMonitorModel(
        config.name,
        config.mode,
        gate.log,
        gate.counts,
        config.log.recent,
        acknowledge=gate.controller.acknowledge,
    )
    gate.controller.set_listener(model)
    window = GateMonitorWindow(model, language=config.language)
    gate.controller.run_in_thread()
    model.set_status("running")
    window.show()
    try:
        return app.exec()
    finally:
        gate.close()


def run_demo_window(config: Any, options: Any, language: str | None = None) -> int:
    """``borne gate --demo`` with a display: the monitor window over the simulated gate."""
    from gate.console import ConsoleListener, FanOut
    from gate.demo import run_demo

    app = QApplication.instance() or QApplication(sys.argv[:1])
    language = language or (config.language if config is not None else DEFAULT_MONITOR_LANGUAGE)
    model = GateMonitorModel(MonitorTexts(language)("demo"), options.mode or "afi")
    window = GateMonitorWindow(model, language=language)

    def attach(world: Any) -> None:
        model.name, model.mode = world.gate.controller.config.name, world.gate.controller.config.mode
        model.attach(world.gate.log, world.gate.counts, world.gate.controller.acknowledge)
        model.set_status("demo running")

    def play() -> None:
        run_demo(
            config, options, sys.stdout, listener=FanOut(model, ConsoleListener(sys.stdout)), on_world=attach
        )
        model.set_status("demo finished")

    threading.Thread(target=play, name="gate-demo", daemon=True).start()
    window.show()
    return app.exec()
