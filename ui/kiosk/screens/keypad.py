"""Keypad screens: the card number (shown), the patron's PIN and the staff PIN (masked).

The digits typed live in the view model (a PIN only as dots); this screen shows the entry, the
station's answer (unknown card, wrong PIN, offline refusal) and the keypad. Physical keyboards and
keyboard-wedge scanners reach the same view-model methods through the window's key handling.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import Message, _
from ui.kiosk.language import render
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen
from ui.kiosk.widgets import Keypad, button, label

TITLES: dict[Screen, tuple[Message, Message, Message]] = {
    Screen.CARD: (
        _("Your library card"),
        _("Scan your card, place it on the reader, or type its number."),
        _("Card number"),
    ),
    Screen.PIN: (
        _("Your PIN"),
        _("Type your PIN, then OK. It is not shown on screen."),
        _("PIN"),
    ),
    Screen.STAFF_PIN: (_("Staff"), _("Staff PIN, then OK."), _("Staff PIN")),
}


class KeypadScreen(ScreenView):
    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, screen: Screen,
                 parent: QWidget | None = None) -> None:
        self.screen = screen
        super().__init__(vm, dispatch, parent)
        title, hint, entry_name = TITLES[screen]
        self.title = label("title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint = label(align=Qt.AlignmentFlag.AlignCenter)
        self.entry = label("entry", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.entry.setObjectName("entry")
        self.entry_name = entry_name
        self.error = label("error", align=Qt.AlignmentFlag.AlignCenter)
        self.notice = label("notice", align=Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.title, title)
        self.texts.bind(self.hint, hint)
        self.keypad = Keypad(self.texts)
        self.keypad.key.connect(vm.press)
        self.cancel = button("secondary", on_click=vm.cancel, name="cancel")
        self.cancel.setProperty("wide", True)
        self.texts.bind(self.cancel, _("Cancel"))
        pad_row = QHBoxLayout()
        pad_row.addStretch(1)
        pad_row.addWidget(self.keypad, 4)
        pad_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.entry)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addLayout(pad_row)
        layout.addStretch(1)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignHCenter)
        for name in ("entry", "error", "notice", "busy", "screen"):
            self.vm_subs.connect(getattr(vm.events, name), lambda e: self.refresh())

    def refresh(self) -> None:
        vm, lang = self.vm, self.vm.language
        self.entry.setText(vm.entry or " ")
        self.entry.setAccessibleName(render(self.entry_name, lang))
        digits = len(vm.entry)
        typed = render(_("{count} digits typed", count=digits), lang)
        self.entry.setAccessibleDescription(vm.entry if self.screen is Screen.CARD else typed)
        error = self._error()
        self.error.setText(render(error, lang))
        self.error.setVisible(error is not None)
        self.notice.setText(render(vm.notice, lang))
        self.notice.setVisible(vm.notice is not None)
        for key in self.keypad.buttons.values():
            key.setEnabled(not vm.busy)

    def _error(self) -> Message | None:
        if self.screen is Screen.STAFF_PIN:
            return None
        return self.vm.error
