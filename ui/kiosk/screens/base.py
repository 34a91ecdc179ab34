"""What every screen shares: the view model, translated texts, and subscriptions dropped on close.

A screen subscribes to the view model (GUI thread) through ``vm_subs`` and to the station's models
(worker thread) through ``subs``, whose callbacks are queued onto the GUI thread. :meth:`detach`
drops both, so a closed window leaves no callback behind in the station.
"""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QWidget

from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen, Subscriptions
from ui.kiosk.widgets import Texts, orient


class ScreenView(QWidget):
    screen: Screen

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.texts = Texts()
        self.subs = Subscriptions(dispatch)
        self.vm_subs = Subscriptions()
        self.adaptive: list[QBoxLayout] = []
        self.setObjectName(f"screen-{self.screen.value}")
        self.vm_subs.connect(vm.events.language, lambda e: self.retranslate())

    def retranslate(self) -> None:
        self.texts.retranslate(self.vm.language)
        self.refresh()

    def refresh(self) -> None:
        """Re-read everything shown from the models (cheap: a screen shows a few dozen widgets)."""

    def detach(self) -> None:
        self.subs.disconnect_all()
        self.vm_subs.disconnect_all()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        for box in self.adaptive:
            orient(box, self.width(), self.height())
