"""Borrow and return screens: the items on the pad as the station processes them, one row each.

Rows come from the session's :class:`~kiosk.circulation.models.ItemList`: a row appears as soon as
its tag is read (``inserted``), before the SIGB answers, and is re-read on each of its changes
(title, due date, status, instruction). ``row_shown`` is emitted once a row is on screen (the
benchmark times tag read → row). Switching sessions drops every row and every subscription.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.circulation.models import ItemRow, PatronSession, ReturnSession
from kiosk.i18n import Message, _
from kiosk.station import BLOCKED
from ui.kiosk.language import items_read, render
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen
from ui.kiosk.widgets import ItemListView, adaptive_box, button, label


class ItemsScreen(ScreenView):
    """Common part: header, running count, the list, and the side panel with the actions."""

    row_shown = Signal(object, float)  # (ItemRow, perf_counter when shown)
    session_type: type = PatronSession
    instruction: Message = _("Place your items on the pad.")

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(vm, dispatch, parent)
        self.title = label("title")
        self.info = label("sigb")
        self.info.setObjectName("sigb-messages")
        self.hint = label()
        self.texts.bind(self.hint, self.instruction)
        self.count = label("subtitle")
        self.count.setObjectName("count")
        self.list = ItemListView()
        self.finish = button("primary", on_click=vm.finish, name="finish")
        self.texts.bind(self.finish, _("Finish"))
        self.side = QFrame()
        self.side.setProperty("role", "panel")
        self.side_box = QVBoxLayout(self.side)
        self.side_box.addWidget(self.count)
        self.side_box.addWidget(self.hint)
        self.add_actions(self.side_box)
        self.side_box.addWidget(self.finish)
        body = adaptive_box()
        body.addWidget(self.list, 1)
        body.addWidget(self.side, 0)
        self.adaptive.append(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addLayout(body, 1)
        self.session = None
        self.vm_subs.connect(vm.events.session, lambda e: self.attach(e.value))
        self.attach(vm.session)

    def add_actions(self, box: QVBoxLayout) -> None:
        """Extra buttons above Finish (the borrow screen adds "My account")."""

    def attach(self, session: object) -> None:
        self.subs.disconnect_all()
        self.list.clear()
        self.session = session if isinstance(session, self.session_type) else None
        if self.session is None:
            self.refresh()
            return
        self.subs.connect(self.session.events.changed, lambda e: self.refresh())
        self.subs.connect(self.session.items.events.inserted, lambda e: self._add(e.value))
        for row in self.session.items:
            self._add(row)
        self.refresh()

    def _add(self, row: ItemRow) -> None:
        if self.session is None or self.list.view_of(row) is not None:
            return
        view = self.list.add(row, self.vm.language)
        self.subs.connect(row.events.changed, lambda e: self._row_changed(row))
        self._update_count()
        self.row_shown.emit(row, time.perf_counter())
        view.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def _row_changed(self, row: ItemRow) -> None:
        view = self.list.view_of(row)
        if view is not None:
            view.refresh(self.vm.language)
        self._update_count()

    def _update_count(self) -> None:
        count = len(self.list.views)
        self.count.setText(render(items_read(count), self.vm.language))
        self.count.setAccessibleName(self.count.text())

    def refresh(self) -> None:
        self.list.refresh(self.vm.language)
        self._update_count()
        self.refresh_header()

    def refresh_header(self) -> None:
        """Title and information box, per screen."""


class BorrowScreen(ItemsScreen):
    screen = Screen.BORROW
    session_type = PatronSession
    instruction = _("Place your items on the pad: they are borrowed as they are read.")

    def add_actions(self, box: QVBoxLayout) -> None:
        self.account = button("secondary", on_click=self.vm.open_account, name="account")
        self.texts.bind(self.account, _("My account"))
        box.addWidget(self.account)

    def refresh_header(self) -> None:
        session, lang = self.session, self.vm.language
        if not isinstance(session, PatronSession):
            return
        name = session.patron_name
        greeting = _("Hello {name}", name=name) if name else _("Hello")
        self.title.setText(render(greeting, lang))
        lines = [render(m, lang) for m in session.messages]
        if session.valid and not session.can_borrow:
            lines.insert(0, render(BLOCKED, lang))
        self.info.setText("\n".join(lines))
        self.info.setVisible(bool(lines))
        self.hint.setVisible(session.can_borrow)
        self.account.setVisible(self.vm.account_available)


class ReturnScreen(ItemsScreen):
    screen = Screen.RETURN
    session_type = ReturnSession
    instruction = _(
        "Place your items on the pad, a few at a time, and follow the instruction shown for each.")

    def refresh_header(self) -> None:
        self.title.setText(render(_("Returns"), self.vm.language))
        offline = isinstance(self.session, ReturnSession) and self.session.offline
        self.info.setText(render(_("Returns are recorded as soon as the library system is back."),
                                 self.vm.language))
        self.info.setVisible(offline)
