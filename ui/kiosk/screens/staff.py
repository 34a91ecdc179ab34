"""Staff mode: the state of every part of the station, and the few actions staff need at the kiosk.

Reached by the hidden gesture plus the staff PIN (see the window). Shows the item reader, the card
reader and scanner, the SIGB link and the offline queue from the station's models; offers a forced
synchronisation, forced offline mode, the rejected-replay report, open staff alerts, reader
diagnostics, leaving staff mode and quitting to the desktop.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from kiosk.i18n import Message, _
from ui.kiosk.language import render
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen
from ui.kiosk.widgets import button, label, set_tone

ACTIONS: tuple[tuple[str, Message, str], ...] = (
    ("sync", _("Synchronise now"), "primary"),
    ("offline", _("Go offline"), "secondary"),
    ("online", _("Back online"), "secondary"),
    ("report", _("Rejected transactions"), "secondary"),
    ("seen", _("Mark the report as read"), "secondary"),
    ("alerts", _("Staff alerts"), "secondary"),
    ("diagnostics", _("Reader diagnostics"), "secondary"),
    ("leave", _("Leave staff mode"), "primary"),
    ("quit", _("Quit to the desktop"), "danger"),
)


class StaffScreen(ScreenView):
    screen = Screen.STAFF

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(vm, dispatch, parent)
        self.title = label("title")
        self.texts.bind(self.title, _("Staff mode — {station}", station=vm.config.station.id))
        status = QFrame()
        status.setProperty("role", "panel")
        grid = QGridLayout(status)
        self.values: dict[str, object] = {}
        names = (("sigb", _("Library system")), ("reader", _("Item reader")),
                 ("card_reader", _("Card reader")), ("scanner", _("Barcode scanner")),
                 ("queue", _("Offline queue")), ("alerts", _("Staff alerts")))
        for row, (key, name) in enumerate(names):
            caption = label("subtitle")
            self.texts.bind(caption, name)
            value = label()
            value.setObjectName(f"staff-{key}")
            grid.addWidget(caption, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        buttons = QGridLayout()
        self.buttons = {}
        for index, (action, text, role) in enumerate(ACTIONS):
            widget = button(role, on_click=lambda a=action: vm.staff(a), name=f"staff-{action}")
            self.texts.bind(widget, text)
            buttons.addWidget(widget, index // 3, index % 3)
            self.buttons[action] = widget
        self.panel = label()
        self.panel.setObjectName("staff-panel")
        panel = QFrame()
        panel.setProperty("role", "panel")
        QVBoxLayout(panel).addWidget(self.panel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(status)
        layout.addLayout(buttons)
        layout.addWidget(panel, 1)
        self.subs.connect(vm.station.status.events.changed, lambda e: self.refresh())
        if vm.inputs is not None:
            self.subs.connect(vm.inputs.status.events.changed, lambda e: self.refresh())
        for name in ("staff_lines", "busy"):
            self.vm_subs.connect(getattr(vm.events, name), lambda e: self.refresh())

    def refresh(self) -> None:
        status, lang = self.vm.station.status, self.vm.language

        def show(key: str, message: Message, ok: bool) -> None:
            widget = self.values[key]
            widget.setText(render(message, lang))
            set_tone(widget, "ok" if ok else "problem")

        if status.offline:
            reason = status.offline_reason or "?"
            why = _("offline: {reason}", reason=reason)
            if status.offline_forced:
                why = _("offline (forced by staff)")
            show("sigb", why, False)
        else:
            show("sigb", _("online") if status.online else _("not reachable"), status.online)
        fault = _("fault: {error}", error=status.reader_error or "?")
        show("reader", _("working") if status.reader_ok else fault, status.reader_ok)
        inputs = self.vm.inputs.status if self.vm.inputs is not None else None
        for key in ("card_reader", "scanner"):
            state = getattr(inputs, key) if inputs is not None else "off"
            error = getattr(inputs, f"{key}_error") if inputs is not None else None
            words = {"off": _("not configured"), "ok": _("working"),
                     "error": _("fault: {error}", error=error or "?")}
            show(key, words[state], state != "error")
        show("queue", _("{pending} to send, {rejected} rejected", pending=status.queue_pending,
                        rejected=status.queue_rejected), status.queue_rejected == 0)
        show("alerts", _("{count} open", count=status.staff_alerts), status.staff_alerts == 0)
        self.buttons["offline"].setVisible(not status.offline_forced)
        self.buttons["online"].setVisible(status.offline_forced)
        self.buttons["sync"].setEnabled(not self.vm.busy and not status.syncing)
        self.panel.setText("\n".join(render(line, lang) for line in self.vm.staff_lines))
