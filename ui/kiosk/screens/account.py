"""My account: loans with due dates (overdue ones highlighted), renewals, holds ready for pickup.

The loans, holds and renewal results are the station's :class:`~kiosk.circulation.models.Account`;
which loans are selected for renewal is the view model's. Each loan is one toggle button (the
whole row is the touch target), so selecting works by touch, by keyboard and by assistive tools.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from kiosk.circulation.models import Account, PatronSession
from kiosk.i18n import _
from ui.kiosk.language import format_date, in_direction, render, right_to_left
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen
from ui.kiosk.widgets import button, label, restyle


class AccountScreen(ScreenView):
    screen = Screen.ACCOUNT

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(vm, dispatch, parent)
        self.title = label("title")
        self.texts.bind(self.title, _("My account"))
        self.status = label("notice")
        self.loans_title = label("subtitle")
        self.holds_title = label("subtitle")
        self.texts.bind(self.holds_title, _("Ready for pickup"))
        self.holds = label()
        inner = QWidget()
        self.loan_box = QVBoxLayout(inner)
        self.loan_box.setSpacing(10)
        self.loan_box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        self.renew_selected = button("primary", on_click=vm.renew_selected, name="renew-selected")
        self.renew_all = button("secondary", on_click=vm.renew_all, name="renew-all")
        self.back = button("secondary", on_click=vm.back_to_borrow, name="back")
        self.texts.bind(self.renew_selected, _("Renew selected"))
        self.texts.bind(self.renew_all, _("Renew all"))
        self.texts.bind(self.back, _("Back"))
        actions = QHBoxLayout()
        for widget in (self.back, self.renew_all, self.renew_selected):
            actions.addWidget(widget)
        holds = QFrame()
        holds.setProperty("role", "panel")
        holds_box = QVBoxLayout(holds)
        holds_box.addWidget(self.holds_title)
        holds_box.addWidget(self.holds)
        self.holds_panel = holds
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addWidget(self.loans_title)
        layout.addWidget(scroll, 1)
        layout.addWidget(holds)
        layout.addLayout(actions)
        self.loan_buttons: dict[str, QPushButton] = {}
        self.account: Account | None = None
        self.vm_subs.connect(vm.events.session, lambda e: self.attach(e.value))
        self.vm_subs.connect(vm.events.selected, lambda e: self.refresh())
        self.vm_subs.connect(vm.events.busy, lambda e: self.refresh())
        self.attach(vm.session)

    def attach(self, session: object) -> None:
        self.subs.disconnect_all()
        self.account = session.account if isinstance(session, PatronSession) else None
        if self.account is not None:
            self.subs.connect(self.account.events.changed, lambda e: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        account, lang = self.account, self.vm.language
        loans = account.loans if account is not None else ()
        self._sync_buttons([loan.item_id for loan in loans])
        results = {r.item_id: r for r in (account.renew_results if account else ())}
        for loan in loans:
            widget = self.loan_buttons[loan.item_id]
            result = results.get(loan.item_id)
            mark = "☑" if loan.item_id in self.vm.selected else "☐"
            lines = [f"{mark} {loan.title or loan.item_id[-4:]}",
                     render(_("Due back {date}", date=format_date(loan.due_date, lang)), lang)]
            if loan.overdue:
                lines[1] += " — " + render(_("overdue"), lang)
            if result is not None:
                mark = "✓" if result.ok else "✗"
                message = result.message or (_("Renewed.") if result.ok else _("Not renewed."))
                lines.append(f"{mark} {render(message, lang)}")
            widget.setText(in_direction("\n".join(lines), lang))
            widget.setMinimumHeight(widget.sizeHint().height())  # all lines, even when space is short
            rtl = "true" if right_to_left(lang) else "false"
            if widget.property("rtl") != rtl:
                widget.setProperty("rtl", rtl)
                restyle(widget)
            widget.setAccessibleName(", ".join(lines))
            widget.setChecked(loan.item_id in self.vm.selected)
            widget.setEnabled(self.vm.can_renew)
            if widget.property("tone") != ("overdue" if loan.overdue else ""):
                widget.setProperty("tone", "overdue" if loan.overdue else "")
                restyle(widget)
        self.loans_title.setText(render(_("Loans: {count}", count=len(loans)), lang))
        self.status.setText(render(self._status(), lang))
        self.status.setVisible(bool(self.status.text()))
        ready = account.holds_ready if account is not None else ()
        self.holds.setText("\n".join(h.title or h.item_id[-4:] for h in ready))
        self.holds_panel.setVisible(bool(ready))
        self.renew_selected.setEnabled(bool(self.vm.selected) and self.vm.can_renew and not self.vm.busy)
        self.renew_all.setEnabled(bool(loans) and self.vm.can_renew and not self.vm.busy)
        self.renew_selected.setVisible(self.vm.can_renew)
        self.renew_all.setVisible(self.vm.can_renew)

    def _status(self):
        account = self.account
        if account is None:
            return None
        if account.error is not None:
            return account.error
        if account.loading:
            return _("Loading your account…")
        if not account.loans:
            return _("You have no loans.")
        if not self.vm.can_renew:
            return _("Renewals are not available for your account: please see staff.")
        return _("Select loans to renew, or renew them all.")

    def _sync_buttons(self, item_ids: list[str]) -> None:
        if list(self.loan_buttons) == item_ids:
            return
        for widget in self.loan_buttons.values():
            self.loan_box.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.loan_buttons = {}
        for item_id in item_ids:
            widget = button("loan", on_click=lambda i=item_id: self.vm.toggle_loan(i), name=f"loan-{item_id}")
            widget.setCheckable(True)
            self.loan_box.insertWidget(self.loan_box.count() - 1, widget)
            self.loan_buttons[item_id] = widget
