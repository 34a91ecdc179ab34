"""The kiosk window: header, offline banner, one screen at a time, language and display bar, warnings.

The window is a view over :class:`~ui.kiosk.viewmodel.KioskViewModel`: it shows the screen the view
model names, applies its language (mirrored layout for right-to-left languages), theme and text
size, shows the inactivity warning with its countdown, plays sound cues, and turns input into
view-model calls:

- any touch, click or key restarts the inactivity timer (``vm.activity``);
- on the welcome, card, return and summary screens, keys go through the keyboard-wedge detector
  (``drivers.scanners.KeyboardWedgeDetector``): a scanner's burst is a card scan, slower keys are a
  person typing on the keypad; on the PIN screens digits, Backspace, Enter and Escape drive the keypad;
- Enter or Space on a focused button clicks it, Tab moves between buttons, so every action is
  reachable without touch;
- staff mode: five taps on the library name within three seconds, or Ctrl+Alt+S, then the staff PIN.

:meth:`KioskWindow.shutdown` (also on close) detaches every screen and the view model from the
station: no callback outlives the window.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.circulation.models import PatronSession, SessionState
from kiosk.i18n import _, verbatim
from ui.kiosk.language import language_name, render, right_to_left
from ui.kiosk.qt_dispatch import GuiDispatcher
from ui.kiosk.screens.account import AccountScreen
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.screens.items import BorrowScreen, ReturnScreen
from ui.kiosk.screens.keypad import KeypadScreen
from ui.kiosk.screens.staff import StaffScreen
from ui.kiosk.screens.summary import SummaryScreen
from ui.kiosk.screens.welcome import WelcomeScreen
from ui.kiosk.sound import RecordingOutput
from ui.kiosk.theme import HIGH_CONTRAST, NORMAL, Sizes, sizing_dpi, stylesheet
from ui.kiosk.viewmodel import KEYPAD_SCREENS, PATRON_SCREENS, KioskViewModel, Screen, Subscriptions
from ui.kiosk.widgets import Texts, button, label

STAFF_TAPS = 5
# Screens where a keyboard-wedge scan is a card presentation (typing there starts the card keypad).
SCAN_SCREENS = (Screen.WELCOME, Screen.CARD, Screen.RETURN, Screen.SUMMARY)
STAFF_TAP_WINDOW = 3.0
KEY_NAMES = {Qt.Key.Key_Return: "Enter", Qt.Key.Key_Enter: "Enter", Qt.Key.Key_Backspace: "Backspace",
             Qt.Key.Key_Escape: "Escape", Qt.Key.Key_Delete: "Delete"}


class InactivityWarning(QFrame):
    """"Are you still there?" with the seconds left and a button that gives more time."""

    def __init__(self, vm: KioskViewModel, texts: Texts, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.setObjectName("inactivity-warning")
        self.message = label("subtitle", align=Qt.AlignmentFlag.AlignCenter)
        self.more_time = button("primary", on_click=vm.extend_time, name="more-time")
        self.log_out = button("secondary", on_click=vm.finish, name="log-out")
        texts.bind(self.more_time, _("I need more time"))
        texts.bind(self.log_out, _("Log out now"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(self.log_out)
        row.addWidget(self.more_time)
        layout.addLayout(row)
        self.hide()

    def show_seconds(self, seconds: int | None, language: str) -> None:
        text = _("Are you still there? You will be logged out in {seconds} s.", seconds=seconds or 0)
        self.message.setText(render(text, language))
        self.setAccessibleName(self.message.text())


class KioskWindow(QWidget):
    def __init__(self, vm: KioskViewModel, *, dispatch: GuiDispatcher, sound: RecordingOutput | None = None,
                 logical_dpi: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.dispatch = dispatch
        self.sound = sound or RecordingOutput()
        self.texts = Texts()
        self.vm_subs = Subscriptions()
        self.session_subs = Subscriptions(dispatch)
        self.station_subs = Subscriptions(dispatch)
        self._logical_dpi = logical_dpi
        self._taps: list[float] = []
        self.setObjectName("kiosk-window")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # holds focus until Tab moves it onto a button
        self.setWindowTitle(vm.config.station.library_name)
        self._build()
        self._wedge = _wedge_detector()
        self._wedge_timer = QTimer(self)
        self._wedge_timer.setSingleShot(True)
        self._wedge_timer.timeout.connect(self._flush_wedge)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(vm.tick)
        self.ticker.start()
        self._connect()
        QApplication.instance().installEventFilter(self)
        self._apply_theme()
        self._apply_language()
        self._show_screen()

    # -- construction -------------------------------------------------------------------------------

    def _build(self) -> None:
        vm = self.vm
        self.logo = label(wrap=False)
        logo_path = vm.config.station.logo
        if logo_path is not None and Path(logo_path).exists():
            pixmap = QPixmap(str(logo_path))
            if not pixmap.isNull():
                self.logo.setPixmap(pixmap.scaledToHeight(64, Qt.TransformationMode.SmoothTransformation))
        self.logo.setAccessibleName(vm.config.station.library_name)
        self.library = label("subtitle", wrap=False)
        self.library.setObjectName("library-name")
        self.texts.bind(self.library, verbatim(vm.config.station.library_name))
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.logo)
        header.addWidget(self.library, 1)
        self.banner = label("banner", align=Qt.AlignmentFlag.AlignCenter)
        self.banner.setObjectName("offline-banner")
        self.stack = QStackedWidget()
        self.screens: dict[Screen, ScreenView] = {}
        d = self.dispatch
        views = (WelcomeScreen(vm, d), KeypadScreen(vm, d, Screen.CARD), KeypadScreen(vm, d, Screen.PIN),
                 BorrowScreen(vm, d), AccountScreen(vm, d), ReturnScreen(vm, d), SummaryScreen(vm, d),
                 KeypadScreen(vm, d, Screen.STAFF_PIN), StaffScreen(vm, d))
        for view in views:
            self.stack.addWidget(view)
            self.screens[view.screen] = view
        self.footer = QWidget()
        self.footer_box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.footer)
        self.footer_box.setContentsMargins(0, 0, 0, 0)
        footer = QHBoxLayout()
        options = QHBoxLayout()
        self.footer_box.addLayout(footer)
        self.footer_box.addLayout(options)
        self.language_buttons: dict[str, QPushButton] = {}
        for code in vm.available_languages():
            choose = lambda c=code: self._choose_language(c)  # noqa: E731 - one per button
            widget = button("secondary", on_click=choose, name=f"lang-{code}")
            widget.setText(language_name(code))
            widget.setAccessibleName(language_name(code))
            widget.setCheckable(True)
            footer.addWidget(widget)
            self.language_buttons[code] = widget
        footer.addStretch(1)
        options.addStretch(1)
        self.contrast = button("secondary", on_click=vm.toggle_high_contrast, name="high-contrast")
        self.large = button("secondary", on_click=vm.toggle_large_text, name="large-text")
        self.contrast.clicked.connect(lambda _checked=False: self._sync_toggles())
        self.large.clicked.connect(lambda _checked=False: self._sync_toggles())
        for widget, text in ((self.contrast, _("High contrast")), (self.large, _("Large text"))):
            widget.setCheckable(True)
            self.texts.bind(widget, text)
            options.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer)
        self.warning = InactivityWarning(vm, self.texts, self)

    def _connect(self) -> None:
        vm, events = self.vm, self.vm.events
        self.vm_subs.connect(events.screen, lambda e: self._show_screen())
        self.vm_subs.connect(events.language, lambda e: self._apply_language())
        self.vm_subs.connect(events.high_contrast, lambda e: self._apply_theme())
        self.vm_subs.connect(events.large_text, lambda e: self._apply_theme())
        self.vm_subs.connect(events.session, lambda e: self._watch_session(e.value))
        self.vm_subs.connect(events.cue, lambda e: self.sound.play(e.value))
        self.vm_subs.connect(events.quit, lambda e: self.close())
        self.station_subs.connect(vm.station.status.events.offline, lambda e: self._update_banner())
        self._watch_session(vm.session)

    def _watch_session(self, session: object) -> None:
        self.session_subs.disconnect_all()
        if isinstance(session, PatronSession):
            self.session_subs.connect(session.events.state, lambda e: self._update_warning())
            self.session_subs.connect(session.events.seconds_left, lambda e: self._update_warning())
        self._update_warning()

    # -- applying the view model ------------------------------------------------------------------------

    def _show_screen(self) -> None:
        screen = self.vm.screen
        view = self.screens[screen]
        self.stack.setCurrentWidget(view)
        view.retranslate()
        patron = screen in PATRON_SCREENS
        self.footer.setVisible(patron)
        self.header.setVisible(screen is not Screen.WELCOME)  # the welcome screen shows them large
        self._update_banner()
        self._update_warning()
        if not self.warning.isVisible():
            self.setFocus(Qt.FocusReason.OtherFocusReason)  # no focus ring left on the previous screen

    def _update_banner(self) -> None:
        status = self.vm.station.status
        offline = status.offline and self.vm.screen is not Screen.STAFF
        if offline:
            self.banner.setText(render(_offline_text(self.vm), self.vm.language))
        self.banner.setVisible(offline)
        self.screens[self.vm.screen].refresh()

    def _update_warning(self) -> None:
        session = self.vm.session
        warn = (isinstance(session, PatronSession) and session.state is SessionState.WARNING
                and self.vm.screen is not Screen.STAFF)
        if warn:
            self.warning.show_seconds(session.seconds_left, self.vm.language)
            self._place_warning()
            self.warning.show()
            self.warning.raise_()
            if not self.warning.isAncestorOf(QApplication.focusWidget()):
                self.warning.more_time.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.warning.hide()

    def _place_warning(self) -> None:
        width = min(self.width() - 80, 900)
        height = max(self.warning.sizeHint().height(), 240)
        self.warning.setGeometry((self.width() - width) // 2, (self.height() - height) // 2, width, height)

    def _apply_language(self) -> None:
        language = self.vm.language
        rtl = right_to_left(language)
        direction = Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        self.setLayoutDirection(direction)
        self.texts.retranslate(language)
        self._sync_toggles()
        QTimer.singleShot(0, self._fit_footer)
        self.screens[self.vm.screen].retranslate()
        self._update_banner()
        self._update_warning()

    def _apply_theme(self) -> None:
        palette = HIGH_CONTRAST if self.vm.high_contrast else NORMAL
        self.sizes = Sizes.for_screen(self.logical_dpi(), self.vm.large_text)
        self.setStyleSheet(stylesheet(palette, self.sizes))
        self._sync_toggles()
        QTimer.singleShot(0, self._fit_footer)  # once the new style has been applied to the buttons

    def _choose_language(self, code: str) -> None:
        self.vm.choose_language(code)
        self._sync_toggles()

    def _sync_toggles(self) -> None:
        """Toggle buttons show the view model's state (a click on the current choice changes nothing)."""
        for code, widget in self.language_buttons.items():
            widget.setChecked(code == self.vm.language)
        self.contrast.setChecked(self.vm.high_contrast)
        self.large.setChecked(self.vm.large_text)

    def logical_dpi(self) -> float:
        """Density for sizes: the one given to the window, else the screen's (``theme.sizing_dpi``)."""
        if self._logical_dpi is not None:
            return self._logical_dpi
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return 96.0
        return sizing_dpi(screen.logicalDotsPerInch(), screen.physicalDotsPerInch())

    # -- input --------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            if isinstance(watched, QWidget) and self.isAncestorOf(watched):
                self.vm.activity()
                if watched is self.library or watched is self.logo:
                    self._staff_tap()
            return False
        if kind == QEvent.Type.KeyPress and isinstance(watched, QWidget) and (
                watched is self or self.isAncestorOf(watched)):
            return self._key(event)  # type: ignore[arg-type]
        return False

    def _key(self, event: QKeyEvent) -> bool:
        self.vm.activity()
        mods = event.modifiers()
        if event.key() == Qt.Key.Key_S and mods & Qt.KeyboardModifier.ControlModifier and \
                mods & Qt.KeyboardModifier.AltModifier:
            self.vm.staff_gesture()
            return True
        name = KEY_NAMES.get(Qt.Key(event.key()), event.text())
        if not name or (len(name) == 1 and not name.isprintable()):
            return False
        screen = self.vm.screen
        scannable = name == "Enter" or (len(name) == 1 and name.isalnum())
        if screen in SCAN_SCREENS and scannable:
            self._feed_wedge(name)
            return True
        if screen in KEYPAD_SCREENS:
            return self._keypad_key(name)
        if name in ("Enter", " ") and isinstance(QApplication.focusWidget(), QPushButton):
            QApplication.focusWidget().click()
            return True
        return False

    def _keypad_key(self, name: str) -> bool:
        if name.isdigit() and len(name) == 1:
            self.vm.press(name)
        elif name in ("Backspace", "Delete"):
            self.vm.press("back")
        elif name == "Escape":
            self.vm.cancel()
        elif name == "Enter":
            focused = QApplication.focusWidget()
            digit = isinstance(focused, QPushButton) and focused.objectName().startswith("key-")
            if isinstance(focused, QPushButton) and self.isAncestorOf(focused) and not digit:
                focused.click()
            else:
                self.vm.press("ok")
        else:
            return False
        return True

    def _feed_wedge(self, key: str) -> None:
        now = time.monotonic()
        self._handle_wedge(self._wedge.feed(now, key))
        deadline = self._wedge.pending_deadline
        if deadline is not None:
            self._wedge_timer.start(max(1, int((deadline - now) * 1000) + 2))

    def _flush_wedge(self) -> None:
        self._handle_wedge(self._wedge.flush(time.monotonic()))

    def _handle_wedge(self, results: list) -> None:
        from drivers.scanners import Scan

        for result in results:
            if isinstance(result, Scan):
                self.vm.card_presented(result.text, "scanner")
                continue
            for key in result.keys:
                if self.vm.screen is Screen.WELCOME and key.isdigit():
                    self.vm.start_identification()
                if self.vm.screen in KEYPAD_SCREENS:
                    self._keypad_key(key)
                elif key == "Enter" and isinstance(QApplication.focusWidget(), QPushButton):
                    QApplication.focusWidget().click()  # a person's Enter on a focused button

    def _staff_tap(self) -> None:
        now = time.monotonic()
        self._taps = [t for t in self._taps if now - t <= STAFF_TAP_WINDOW] + [now]
        if len(self._taps) >= STAFF_TAPS:
            self._taps.clear()
            self.vm.staff_gesture()

    # -- life cycle ---------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        self._fit_footer()
        if self.warning.isVisible():
            self._place_warning()

    def _fit_footer(self) -> None:
        """Languages and display options on one row when they fit, else on two (large text, portrait)."""
        row = QBoxLayout.Direction.LeftToRight
        self.footer_box.setDirection(row)
        needed = self.footer_box.sizeHint().width()
        margins = self.layout().contentsMargins()
        available = self.width() - margins.left() - margins.right()
        self.footer_box.setDirection(row if needed <= available else QBoxLayout.Direction.TopToBottom)

    def shutdown(self) -> None:
        """Stop timers and drop every subscription to the view model and the station."""
        self.ticker.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for view in self.screens.values():
            view.detach()
        self.vm_subs.disconnect_all()
        self.session_subs.disconnect_all()
        self.station_subs.disconnect_all()

    def closeEvent(self, event) -> None:  # Qt override
        self.shutdown()
        super().closeEvent(event)


def _offline_text(vm: KioskViewModel):
    if vm.borrow_available and vm.return_available:
        return _("Some services are temporarily unavailable. You can still borrow and return items.")
    if vm.return_available:
        return _("Some services are temporarily unavailable. You can still return items.")
    return _("Some services are temporarily unavailable. Please see staff.")


def _wedge_detector():
    from drivers.scanners import KeyboardWedgeDetector

    return KeyboardWedgeDetector()
