"""Borrowing and returning through the window, checked against the simulated SIGB and the tags."""

from __future__ import annotations

from kiosk.circulation.models import Instruction, ItemStatus
from ui.kiosk.scenario import BORROW_STACK, FAILING_TAG_ITEM, RETURN_STACK, SET_ITEM
from ui.kiosk.viewmodel import Screen
from ui.kiosk.widgets import ItemRowView

from .conftest import visible_text

AFI_ON_LOAN, AFI_SECURED = 0xC2, 0x07


def rows_on_screen(kiosk) -> list[ItemRowView]:
    return kiosk.window.stack.currentWidget().list.views


def test_stack_of_five_with_a_refusal_and_an_incomplete_set(kiosk) -> None:
    kiosk.log_in("patron_ok")
    card = kiosk.demo.patron("patron_ok")
    kiosk.place(*BORROW_STACK)
    kiosk.place(SET_ITEM, set_parts=2, parts=(1,))
    views = rows_on_screen(kiosk)
    assert len(views) == 5
    count = kiosk.window.stack.currentWidget().count.text()
    assert count == "5 documents"
    set_view = views[-1]
    assert "1 élément(s) sur 2 : posez tous les éléments sur le plateau." in set_view.message.text()
    assert set_view.status_word.text() == "En attente des autres éléments"
    kiosk.advance(kiosk.station.config.sets.wait_seconds)
    assert set_view.row.status is ItemStatus.REFUSED
    assert "Document incomplet" in set_view.message.text()
    library = kiosk.demo.sigb.library
    for key in BORROW_STACK[:3]:
        item = kiosk.demo.item(key)
        assert library.items[item.item_id].checked_out_to == card
        assert all(tag.afi == AFI_ON_LOAN and not tag.eas for tag in item.tags)
    refused = kiosk.demo.item("item_not_for_loan")
    refused_view = next(v for v in views if v.row.item_id == refused.item_id)
    assert refused_view.status_word.text() == "Refusé"
    assert "exclu du prêt" in refused_view.message.text()  # the SIGB's reason
    assert library.items[refused.item_id].checked_out_to is None
    assert all(tag.afi == AFI_SECURED for tag in refused.tags)
    set_item = kiosk.demo.item(SET_ITEM, parts=2)
    assert library.items[SET_ITEM].checked_out_to is None and set_item.tags[0].afi == AFI_SECURED
    assert kiosk.sound.played.count("success") >= 4 and "problem" in kiosk.sound.played


def test_an_item_that_cannot_be_unsecured_goes_to_staff(kiosk) -> None:
    kiosk.log_in("patron_ok")
    kiosk.break_tag(FAILING_TAG_ITEM)
    kiosk.place(FAILING_TAG_ITEM)
    (view,) = rows_on_screen(kiosk)
    assert view.row.status is ItemStatus.SEE_STAFF
    assert view.status_word.text() == "Adressez-vous à l'accueil"
    assert "n'a pas pu être préparé pour le prêt" in view.message.text()
    item = kiosk.demo.item(FAILING_TAG_ITEM)
    assert kiosk.demo.sigb.library.items[item.item_id].checked_out_to is None  # checked back in
    assert all(tag.afi == AFI_SECURED for tag in item.tags)
    assert kiosk.station.status.staff_alerts == 1
    kiosk.click("finish")
    assert "À montrer à l'accueil : 1" in visible_text(kiosk.window.stack.currentWidget())


def test_return_with_hold_and_shuttle_instructions_and_summary(kiosk) -> None:
    kiosk.place(*RETURN_STACK)
    assert kiosk.vm.screen is Screen.RETURN
    views = {v.row.item_id: v for v in rows_on_screen(kiosk)}
    hold, canet, elsewhere = (kiosk.demo.item(key) for key in RETURN_STACK)
    assert views[hold.item_id].row.instruction is Instruction.HOLD_HERE
    assert "bac des réservations" in views[hold.item_id].message.text()
    assert views[canet.item_id].row.instruction is Instruction.TRANSIT
    assert "Navette : CANET" in views[canet.item_id].detail.text()
    assert "Il repart à CANET" in views[canet.item_id].message.text()
    assert views[elsewhere.item_id].row.instruction is Instruction.HOLD_ELSEWHERE
    assert "Réservé à RIVESALTES" in views[elsewhere.item_id].message.text()
    library = kiosk.demo.sigb.library
    for item in (hold, canet, elsewhere):
        assert library.items[item.item_id].checked_out_to is None
        assert all(tag.afi == AFI_SECURED and tag.eas for tag in item.tags)
    kiosk.click("finish")
    assert kiosk.vm.screen is Screen.SUMMARY
    text = visible_text(kiosk.window.stack.currentWidget())
    for line in ("Documents rendus : 3", "Au bac des réservations : 1", "Au bac de la navette : 2"):
        assert line in text
    assert "…1664" in text and "30660000001664" not in text  # partial identifiers only


def test_a_return_session_ends_by_itself_when_the_pad_is_quiet(kiosk) -> None:
    kiosk.place("item_on_loan")
    assert kiosk.vm.screen is Screen.RETURN
    kiosk.clear_pad()
    kiosk.advance(kiosk.station.config.timeouts.return_idle_seconds + 1)
    assert kiosk.vm.screen is Screen.SUMMARY and kiosk.vm.summary.reason == "done"
    kiosk.tick(25)
    assert kiosk.vm.screen is Screen.WELCOME
