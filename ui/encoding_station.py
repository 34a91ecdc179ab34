"""The staff window of the tag-encoding station: a view over ``kiosk.encoding.EncodingStation``.

The window holds no encoding state. It shows the model's fields (item in hand,
message and its signal colour, next instruction, statistics, recent results)
and sends staff actions (scanned barcode, number of parts, operator pseudonym,
confirm / cancel / retry) to the model through ``submit(fn, *args)``, which
runs them on the station's worker thread (:class:`~kiosk.encoding.StationRunner`).
Model events arrive on that thread; a queued Qt signal carries them to the GUI
thread, and widgets the model also drives (the parts spin box) have their
signals blocked while they are updated, so a model change never loops back as
a staff action. Closing the window disconnects it from the model.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.encoding import EncodingResult, EncodingStation, Mode, Phase, StationRunner
from kiosk.encoding import Signal as DeskSignal
from kiosk.i18n import _

COLOURS = {
    DeskSignal.SUCCESS: "#1e8e3e", DeskSignal.FAILURE: "#c5221f", DeskSignal.QUESTION: "#e37400",
    DeskSignal.WARNING: "#b06000", DeskSignal.NONE: "#3c4043",
}
OUTCOMES = {
    "encoded": _("encoded"), "migrated": _("migrated"), "updated": _("updated"),
    "already_done": _("already done"), "failed": _("failed"), "refused": _("refused"),
    "question": _("question"),
}
MODES = {Mode.SINGLE: _("Encoding"), Mode.BATCH: _("Batch list"), Mode.MIGRATE: _("Migration")}
HISTORY_COLUMNS = (_("Time"), _("Item"), _("Part"), _("Tag UID"), _("Result"), _("Seconds"))

Submit = Callable[..., Any]


class _Bridge(QObject):
    """Carries model events from the station thread to the GUI thread."""

    changed = Signal(object)
    feedback = Signal(object)
    note = Signal(str)


class EncodingStationWindow(QWidget):
    def __init__(self, station: EncodingStation, submit: Submit, *, language: str = "fr",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.submit = submit
        self.language = language
        self.flashes = 0  # success/failure signals shown (tests, and the status bar counter)
        self._bridge = _Bridge(self)
        self._bridge.changed.connect(self._refresh, Qt.ConnectionType.QueuedConnection)
        self._bridge.feedback.connect(self._feedback, Qt.ConnectionType.QueuedConnection)
        self._bridge.note.connect(self._show_note, Qt.ConnectionType.QueuedConnection)
        self._on_changed = lambda event: self._bridge.changed.emit(event.value)
        self._on_feedback = lambda event: self._bridge.feedback.emit(event.value)
        self._build()
        station.events.changed.connect(self._on_changed)
        station.events.feedback.connect(self._on_feedback)
        self._refresh(station.snapshot().keys())

    def t(self, msgid: str, **params: Any) -> str:
        return _(msgid, **params).render(self.language)

    # -- layout -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.setWindowTitle(self.t("Tag encoding — {station}", station=self.station.config.station.id))
        self.mode_label = QLabel()
        self.mode_label.setFont(QFont(self.font().family(), 12, QFont.Weight.Bold))
        self.batch_label = QLabel()
        self.barcode_edit = QLineEdit()
        self.barcode_edit.setPlaceholderText(self.t("Scan or type a barcode, then Enter"))
        self.barcode_edit.setFont(QFont(self.font().family(), 16))
        self.barcode_edit.returnPressed.connect(self._scanned)
        self.parts_spin = QSpinBox()
        self.parts_spin.setRange(1, self.station.settings.max_parts)
        self.parts_spin.valueChanged.connect(self._parts_changed)
        self.operator_edit = QLineEdit()
        self.operator_edit.editingFinished.connect(self._operator_changed)
        form = QFormLayout()
        form.addRow(self.t("Barcode"), self.barcode_edit)
        form.addRow(self.t("Parts per item"), self.parts_spin)
        form.addRow(self.t("Operator (pseudonym)"), self.operator_edit)
        self.item_label, self.title_label, self.part_label = QLabel(), QLabel(), QLabel()
        self.title_label.setWordWrap(True)
        item_box = QGroupBox(self.t("Item"))
        item_layout = QVBoxLayout(item_box)
        for label in (self.item_label, self.title_label, self.part_label):
            item_layout.addWidget(label)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(70)
        self.message_label.setFont(QFont(self.font().family(), 15, QFont.Weight.Bold))
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.guidance_label = QLabel()
        self.guidance_label.setWordWrap(True)
        self.guidance_label.setFont(QFont(self.font().family(), 13))
        self.confirm_button = QPushButton(self.t("Overwrite the tag"))
        self.cancel_button = QPushButton(self.t("Cancel"))
        self.retry_button = QPushButton(self.t("Try again"))
        self.migrate_button = QPushButton(self.t("Migration mode"))
        for button, command in ((self.confirm_button, "confirm"), (self.cancel_button, "cancel"),
                                (self.retry_button, "retry"), (self.migrate_button, "start_migration")):
            button.clicked.connect(lambda _checked=False, name=command: self._command(name))
        buttons = QHBoxLayout()
        for button in (self.confirm_button, self.cancel_button, self.retry_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.migrate_button)
        self.stats_label, self.errors_label, self.pad_label = QLabel(), QLabel(), QLabel()
        stats_box = QGroupBox(self.t("Session"))
        stats_layout = QVBoxLayout(stats_box)
        for label in (self.stats_label, self.errors_label, self.pad_label):
            label.setWordWrap(True)
            stats_layout.addWidget(label)
        self.history_table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history_table.setHorizontalHeaderLabels([c.render(self.language) for c in HISTORY_COLUMNS])
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(self.mode_label)
        self.note_label = QLabel()
        top.addWidget(self.note_label, 1)
        top.addWidget(self.batch_label)
        middle = QHBoxLayout()
        middle.addLayout(form, 3)
        middle.addWidget(item_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addWidget(self.message_label)
        layout.addWidget(self.guidance_label)
        layout.addLayout(buttons)
        lower = QHBoxLayout()
        lower.addWidget(stats_box, 1)
        lower.addWidget(self.history_table, 3)
        layout.addLayout(lower, 1)
        self.resize(1000, 680)

    # -- model → widgets ----------------------------------------------------------------------------------

    def _refresh(self, names: Any) -> None:
        station = self.station
        names = set(names)
        if names & {"mode", "batch_position", "phase"}:
            self.mode_label.setText(MODES[station.mode].render(self.language))
            position = station.batch_position
            self.batch_label.setText(self.t("Item {n} of {total}", n=position[0], total=position[1])
                                     if position else "")
        if names & {"job", "phase"}:
            self._show_job()
        if "parts" in names:
            self.parts_spin.blockSignals(True)
            self.parts_spin.setValue(station.parts)
            self.parts_spin.blockSignals(False)
        if "operator" in names and not self.operator_edit.hasFocus():
            self.operator_edit.setText(station.operator)
        if names & {"message", "signal"}:
            self.message_label.setText(station.message.render(self.language))
            colour = COLOURS[station.signal]
            self.message_label.setStyleSheet(f"color: white; background: {colour}; padding: 8px;")
        if "guidance" in names:
            self.guidance_label.setText(station.guidance.render(self.language))
        if "phase" in names:
            self.confirm_button.setEnabled(station.phase is Phase.CONFIRM)
            self.retry_button.setEnabled(station.phase is Phase.FAILED)
            self.cancel_button.setEnabled(station.phase is not Phase.SCAN)
        if names & {"stats", "pad_count"}:
            self._show_stats()
        if "history" in names:
            self._show_history()

    def _show_job(self) -> None:
        job = self.station.job
        if job is None:
            for label in (self.item_label, self.title_label, self.part_label):
                label.setText("")
            return
        media = f" — {job.media.render(self.language)}" if job.media else ""
        self.item_label.setText(f"{job.item_id}{media}")
        self.title_label.setText(job.title or "")
        if job.parts > 1:
            done = len(job.done)
            self.part_label.setText(self.t("Parts done: {done} of {parts}", done=done, parts=job.parts))
        else:
            self.part_label.setText("")

    def _show_stats(self) -> None:
        s = self.station.stats
        self.stats_label.setText(self.t(
            "{total} done ({encoded} encoded, {migrated} migrated, {already} already done) — "
            "{rate} items/hour — {mean} s per tag", total=s.total, encoded=s.encoded + s.updated,
            migrated=s.migrated, already=s.already_done, rate=f"{s.items_per_hour:.0f}",
            mean=f"{s.mean_seconds:.2f}"))
        errors = ", ".join(f"{kind}: {count}" for kind, count in s.errors)
        self.errors_label.setText(self.t("Failures: {count}", count=s.failed + s.refused)
                                  + (f" ({errors})" if errors else ""))
        self.pad_label.setText(self.t("Tags on the pad: {count}", count=self.station.pad_count))

    def _show_history(self) -> None:
        results = [r for r in self.station.history if r.outcome != "question"]
        self.history_table.setRowCount(len(results))
        for row, result in enumerate(results):
            when = result.at.astimezone().strftime("%H:%M:%S") if result.at else ""
            part = f"{result.part}/{result.parts}" if result.parts > 1 else ""
            label = OUTCOMES.get(result.outcome)
            values = (when, result.item_id or "", part, result.uid_hex,
                      label.render(self.language) if label else result.outcome,
                      f"{result.seconds:.2f}" if result.seconds else "")
            for column, value in enumerate(values):
                self.history_table.setItem(row, column, QTableWidgetItem(value))

    def narrate(self, text: str) -> None:
        """Show a line of commentary (the demo script); callable from any thread."""
        self._bridge.note.emit(text)

    def _show_note(self, text: str) -> None:
        self.note_label.setText(text)

    def _feedback(self, result: EncodingResult) -> None:
        self.flashes += 1
        if not result.ok and result.outcome != "question":
            QApplication.beep()
        if result.ok:
            self.barcode_edit.setFocus()

    # -- widgets → model ----------------------------------------------------------------------------------

    def _scanned(self) -> None:
        text = self.barcode_edit.text()
        self.barcode_edit.clear()
        if text.strip():
            self.submit(self.station.scan, text)

    def _parts_changed(self, value: int) -> None:
        self.submit(self.station.set_parts, value)

    def _operator_changed(self) -> None:
        text = self.operator_edit.text().strip()
        if text and text != self.station.operator:
            self.submit(self.station.set_operator, text)

    def _command(self, name: str) -> None:
        self.submit(getattr(self.station, name))

    def closeEvent(self, event: Any) -> None:
        self.station.events.changed.disconnect(self._on_changed)
        self.station.events.feedback.disconnect(self._on_feedback)
        super().closeEvent(event)


def _application() -> QApplication:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication(sys.argv[:1])


def run_window(station: EncodingStation, *, batch: list[Any] | None = None, migrate: bool = False) -> int:
    """``borne encode --config FILE`` with a display: the staff window over a running desk."""
    app = _application()
    runner = StationRunner(station, poll_interval=station.config.reader.poll_interval).start()
    window = EncodingStationWindow(station, runner.submit, language=station.config.languages.default)
    if batch:
        runner.submit(station.start_batch, batch)
    elif migrate:
        runner.submit(station.start_migration)
    window.show()
    try:
        return app.exec()
    finally:
        runner.stop()
        station.close()


def run_demo_window(desk: Any) -> int:
    """``borne encode --demo`` with a display: the scripted session played in the staff window."""
    from kiosk.encoding.demo_script import RunnerActor, run_script

    app = _application()
    runner = StationRunner(desk.station, poll_interval=0.1).start()
    window = EncodingStationWindow(desk.station, runner.submit)
    threading.Thread(target=run_script, args=(desk, RunnerActor(desk, runner), window.narrate),
                     name="encode-demo", daemon=True).start()
    window.show()
    try:
        return app.exec()
    finally:
        runner.stop()
        desk.close()
