"""Welcome / attract screen: the library, what to do (borrow with a card, return without), announcements.

Only what the station can do right now is offered: offline, borrowing and returns follow the
offline policy, and an explanation replaces the hint of an action that is not available.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.i18n import _, verbatim
from ui.kiosk.language import render
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen
from ui.kiosk.widgets import Tile, adaptive_box, label

BORROW = _("Borrow · My account")
BORROW_HINT = _("Scan your card or place it on the reader, or tap here to type its number.")
RETURN = _("Return items")
RETURN_HINT = _("No card needed: place your items on the pad.")
NOT_NOW = _("Not available at the moment. Please see staff.")
LOGO_HEIGHT = 160
SMOOTH = Qt.TransformationMode.SmoothTransformation


class WelcomeScreen(ScreenView):
    screen = Screen.WELCOME

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(vm, dispatch, parent)
        self.logo = label(align=Qt.AlignmentFlag.AlignCenter)
        logo = vm.config.station.logo
        if logo is not None and Path(logo).exists():
            pixmap = QPixmap(str(logo))
            if not pixmap.isNull():
                self.logo.setPixmap(pixmap.scaledToHeight(LOGO_HEIGHT, SMOOTH))
        self.logo.setAccessibleName(vm.config.station.library_name)
        self.title = label("title", align=Qt.AlignmentFlag.AlignCenter)
        self.title.setObjectName("welcome-library")
        self.texts.bind(self.title, verbatim(vm.config.station.library_name))
        self.welcome = label("subtitle", align=Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.welcome, _("Welcome"))
        self.borrow = Tile(self.texts, BORROW, vm.start_identification, "borrow")
        self.give_back = Tile(self.texts, RETURN, vm.start_return, "return")
        actions = QVBoxLayout()
        actions.setSpacing(24)
        actions.addWidget(self.borrow)
        actions.addWidget(self.give_back)
        actions.addStretch(1)
        self.announcement_text = label("announcement", align=Qt.AlignmentFlag.AlignCenter)
        self.announcement_image = label(align=Qt.AlignmentFlag.AlignCenter)
        self.news = QFrame()
        self.news.setProperty("role", "panel")
        news_box = QVBoxLayout(self.news)
        news_box.addWidget(self.announcement_image)
        news_box.addWidget(self.announcement_text)
        news_box.addStretch(1)
        body = adaptive_box()
        body.setSpacing(24)
        body.addLayout(actions, 3)
        body.addWidget(self.news, 2, Qt.AlignmentFlag.AlignTop)
        self.adaptive.append(body)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.logo)
        layout.addWidget(self.title)
        layout.addWidget(self.welcome)
        layout.addSpacing(24)
        layout.addLayout(body)
        layout.addStretch(2)
        self._pixmaps: dict[Path, QPixmap] = {}
        for name in ("announcement", "screen"):
            self.vm_subs.connect(getattr(vm.events, name), lambda e: self.refresh())
        self.subs.connect(vm.station.status.events.offline, lambda e: self.refresh())

    def refresh(self) -> None:
        vm, lang = self.vm, self.vm.language
        self.borrow.setEnabled(vm.identification_available and vm.borrow_available)
        self.give_back.setEnabled(vm.return_available)
        self.borrow.set_hint(render(BORROW_HINT if self.borrow.isEnabled() else NOT_NOW, lang))
        self.give_back.set_hint(render(RETURN_HINT if self.give_back.isEnabled() else NOT_NOW, lang))
        self._show_announcement(lang)

    def _show_announcement(self, language: str) -> None:
        items = self.vm.announcements or ()
        self.news.setVisible(bool(items))
        if not items:
            return
        item = items[self.vm.announcement % len(items)]
        text = item.text(language)
        self.announcement_text.setText(text)
        self.announcement_text.setVisible(bool(text))
        pixmap = self._pixmap(item.image) if item.image else None
        if pixmap is not None and not pixmap.isNull():
            width = max(200, min(self.news.width() - 40, 900))
            self.announcement_image.setPixmap(pixmap.scaledToWidth(width, SMOOTH))
            self.announcement_image.setAccessibleName(text or item.name)
            self.announcement_image.show()
        else:
            self.announcement_image.hide()

    def _pixmap(self, path: Path) -> QPixmap:
        if path not in self._pixmaps:
            self._pixmaps[path] = QPixmap(str(path))
        return self._pixmaps[path]
