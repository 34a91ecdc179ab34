"""My account and renewals, the inactivity warning and logout, offline borrowing and the later
synchronisation."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QPushButton

from kiosk.circulation.models import ItemStatus, SessionState
from ui.kiosk.scenario import OFFLINE_ITEM
from ui.kiosk.viewmodel import Screen

from .conftest import visible_text


def seconds_shown(warning) -> int:
    match = re.search(r"Déconnexion dans (\d+) s", warning.message.text())
    assert match, warning.message.text()
    return int(match.group(1))


def loan_button(kiosk, key: str) -> QPushButton:
    item_id = kiosk.demo.dataset.scenarios[key]
    return kiosk.window.stack.currentWidget().loan_buttons[item_id]


def test_renew_selected_then_all(kiosk) -> None:
    kiosk.log_in("patron_ok")
    kiosk.click("account")
    assert kiosk.vm.screen is Screen.ACCOUNT
    screen = kiosk.window.stack.currentWidget()
    assert len(screen.loan_buttons) == 4
    renewable, exhausted = loan_button(kiosk, "item_on_loan"), loan_button(kiosk, "item_max_renewals")
    before = kiosk.demo.sigb.library.items[kiosk.demo.dataset.scenarios["item_on_loan"]].due_date
    kiosk.click(renewable.objectName())
    kiosk.click(exhausted.objectName())
    assert renewable.isChecked() and kiosk.vm.selected == {
        kiosk.demo.dataset.scenarios[k] for k in ("item_on_loan", "item_max_renewals")}
    kiosk.click("renew-selected")
    assert kiosk.vm.selected == frozenset()
    after = kiosk.demo.sigb.library.items[kiosk.demo.dataset.scenarios["item_on_loan"]].due_date
    assert after > before
    assert "✓ Prolongé jusqu'au" in loan_button(kiosk, "item_on_loan").text()
    assert "✗ Nombre maximum de prolongations atteint" in loan_button(kiosk, "item_max_renewals").text()
    kiosk.click("renew-all")
    results = kiosk.vm.session.account.renew_results
    assert {r.item_id for r in results} == set(screen.loan_buttons)
    kiosk.click("back")
    assert kiosk.vm.screen is Screen.BORROW


def test_overdue_loans_are_highlighted_and_holds_ready_listed(kiosk) -> None:
    kiosk.log_in("patron_overdue")
    kiosk.click("account")
    buttons = kiosk.window.stack.currentWidget().loan_buttons.values()
    assert buttons and all(b.property("tone") == "overdue" and "en retard" in b.text() for b in buttons)
    kiosk.click("back")
    kiosk.click("finish")
    kiosk.click("done")
    kiosk.log_in("patron_hold")
    kiosk.click("account")
    screen = kiosk.window.stack.currentWidget()
    assert screen.holds_panel.isVisible() and "L'Amant" in screen.holds.text()


def test_inactivity_warning_can_be_extended_then_logs_out(kiosk) -> None:
    kiosk.log_in("patron_ok")
    timeouts = kiosk.station.config.timeouts
    kiosk.advance(timeouts.inactivity_seconds + 1)
    warning = kiosk.window.warning
    assert warning.isVisible() and 57 <= seconds_shown(warning) <= 59
    assert kiosk.sound.played[-1] == "attention"
    kiosk.advance(10)
    assert 47 <= seconds_shown(warning) <= 49
    kiosk.click("more-time")  # a slow reader asks for more time
    kiosk.station.step()
    kiosk.pump()
    assert not warning.isVisible() and kiosk.vm.session.state is SessionState.ACTIVE
    kiosk.advance(timeouts.inactivity_seconds + timeouts.warning_seconds + 1)
    assert kiosk.vm.screen is Screen.SUMMARY and kiosk.vm.summary.reason == "inactivity"
    assert "déconnecté" in visible_text(kiosk.window.stack.currentWidget())
    assert kiosk.station.session is None


def test_offline_borrowing_then_synchronisation(kiosk) -> None:
    sigb = kiosk.demo.sigb
    sigb.faults.down = True
    kiosk.log_in("patron_no_loans")
    assert kiosk.station.status.offline
    banner = kiosk.window.banner
    assert banner.isVisible() and "emprunter et rendre" in banner.text()
    assert not kiosk.window.stack.currentWidget().account.isVisible()  # no account offline
    kiosk.place(OFFLINE_ITEM)
    row = kiosk.vm.session.items[0]
    assert row.status is ItemStatus.BORROWED and row.offline
    assert all(tag.afi == 0xC2 for tag in kiosk.demo.item(OFFLINE_ITEM).tags)
    assert kiosk.station.status.queue_pending == 1
    kiosk.click("finish")
    kiosk.clear_pad()
    kiosk.click("done")
    assert sigb.library.items[OFFLINE_ITEM].checked_out_to is None
    sigb.faults.down = False
    kiosk.advance(kiosk.station.config.sigb.retry_online_seconds + 0.1)
    assert not kiosk.station.status.offline and not banner.isVisible()
    assert kiosk.station.status.queue_pending == 0
    assert sigb.library.items[OFFLINE_ITEM].checked_out_to == kiosk.demo.patron("patron_no_loans")


def test_offline_policy_hides_what_is_not_allowed(qapp, tmp_path) -> None:
    from ui.kiosk.scenario import ScriptedKiosk

    with ScriptedKiosk(tmp_path, config={"offline": {"checkouts_allowed": False}}) as kiosk:
        kiosk.demo.sigb.faults.down = True
        kiosk.station.force_offline(True)
        kiosk.pump()
        welcome = kiosk.window.stack.currentWidget()
        assert not welcome.borrow.isEnabled() and welcome.give_back.isEnabled()
        assert "toujours rendre" in kiosk.window.banner.text()
        kiosk.click("return")
        assert kiosk.vm.screen is Screen.RETURN
