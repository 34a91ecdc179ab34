"""The demo's control window: present patron cards, put items on the pad or lift them, break things.

Beside the kiosk window of ``borne kiosk --demo``, this small window plays the patron's hands and
the world around the station: it puts sample patron cards (ISO 28560 patron-card tags) and tagged
sample items into the simulated RF field the reader sees, types a card number the way a
keyboard-wedge scanner does, takes the simulated SIGB down and up, and makes an item's tag refuse
writes. Everything goes through the simulators, so the kiosk reacts exactly as it would to the real
world; the control window itself holds no circulation state.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

PATRONS = (
    ("patron_ok", "Hélène — loans, one hold elsewhere"),
    ("patron_hold", "Françoise — a hold ready"),
    ("patron_no_loans", "François — no loans"),
    ("patron_overdue", "Jérôme — overdue items (blocked)"),
    ("patron_suspended", "Gaëlle — suspended"),
    ("patron_card_lost", "Zoé — card reported lost"),
)
ITEMS = (
    ("item_available", 1, "available"),
    ("item_dvd_available", 1, "DVD, available"),
    ("item_accented_title", 1, "available"),
    ("item_not_for_loan", 1, "not for loan (refused)"),
    ("30660000000013", 2, "set of 2 parts"),
    ("item_available_canet", 1, "available, from Canet"),
    ("item_on_loan_hold_here", 1, "on loan, held here"),
    ("item_on_loan_from_canet", 1, "on loan, goes back to Canet"),
    ("item_on_loan_hold_elsewhere", 1, "on loan, held at Rivesaltes"),
    ("item_on_loan", 1, "on loan to Hélène"),
)


class DemoControl(QWidget):
    """Buttons over a :class:`kiosk.demo.Demo` and the kiosk window it drives."""

    def __init__(self, demo: Any, kiosk_window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.demo = demo
        self.kiosk_window = kiosk_window
        self._card_tag: Any = None
        self.setWindowTitle("Borne demo — patron and world")
        layout = QVBoxLayout(self)
        layout.addWidget(self._patrons())
        layout.addWidget(self._items())
        layout.addWidget(self._world())
        self.status = QLabel()
        layout.addWidget(self.status)

    def _patrons(self) -> QGroupBox:
        box = QGroupBox("Patron cards (put on the pad)")
        grid = QGridLayout(box)
        for row, (scenario, text) in enumerate(PATRONS):
            card = self.demo.patron(scenario)
            place = QPushButton(f"{text} — PIN {self.demo.pin(card)}")
            place.clicked.connect(lambda _c=False, c=card: self._present(c))
            scan = QPushButton("scan barcode")
            scan.clicked.connect(lambda _c=False, c=card: self._scan(c))
            grid.addWidget(place, row, 0)
            grid.addWidget(scan, row, 1)
        return box

    def _items(self) -> QGroupBox:
        box = QGroupBox("Items on the pad")
        grid = QGridLayout(box)
        for row, (key, parts, note) in enumerate(ITEMS):
            item = self.demo.item(key, parts=parts)
            for part in range(1, parts + 1):
                suffix = f" (part {part}/{parts})" if parts > 1 else ""
                check = QCheckBox(f"{item.title}{suffix} — {note}")
                check.toggled.connect(lambda on, i=item, p=part: self._toggle(i, p, on))
                grid.addWidget(check, row * 2 + part, 0)
            broken = QCheckBox("tag refuses writes")
            broken.toggled.connect(lambda on, i=item: self._break(i, on))
            grid.addWidget(broken, row * 2 + 1, 1)
        return box

    def _world(self) -> QGroupBox:
        box = QGroupBox("Library system")
        grid = QGridLayout(box)
        down = QCheckBox("SIGB down (network cut)")
        down.toggled.connect(self._sigb_down)
        grid.addWidget(down, 0, 0)
        clear = QPushButton("Lift everything from the pad")
        clear.clicked.connect(lambda _c=False: self.demo.clear_pad())
        grid.addWidget(clear, 0, 1)
        return box

    def _present(self, card: str) -> None:
        if self._card_tag is not None:
            self.demo.lift(self._card_tag)  # one card on the pad at a time
        tag = self.demo.patron_card_tag(card)
        self.demo.place(tag)
        self.status.setText("Card on the pad: the kiosk reads it at once.")
        self._card_tag = tag

    def _scan(self, card: str) -> None:
        """Type the number into the kiosk window at scanner speed (a keyboard-wedge scanner)."""
        self.kiosk_window.activateWindow()
        QTest.keyClicks(self.kiosk_window, card)
        QTest.keyClick(self.kiosk_window, Qt.Key.Key_Return)

    def _toggle(self, item: Any, part: int, on: bool) -> None:
        tag = item.tags[part - 1]
        if on:
            self.demo.field.place(tag)
        else:
            self.demo.field.remove(tag.uid)

    @staticmethod
    def _break(item: Any, on: bool) -> None:
        for tag in item.tags:
            tag.faults.write_failure_probability = 1.0 if on else 0.0

    def _sigb_down(self, on: bool) -> None:
        self.demo.sigb.faults.down = on
        self.status.setText("SIGB unreachable." if on else "SIGB reachable again.")
