"""Returns over the real simulators: tag first, SIGB second, and what to do with the item."""

from __future__ import annotations

from iso28560.model import AFI_ON_LOAN, AFI_SECURED
from kiosk.circulation.models import Instruction, ItemStatus, Mode, ReturnSession
from kiosk.demo import Demo
from simulators.sigb import messages as sigb_text

from .conftest import rows, settle


def test_items_placed_on_the_welcome_screen_are_returned(demo: Demo) -> None:
    item = demo.item("item_on_loan")
    demo.place(item)
    settle(demo, 2)
    assert isinstance(demo.station.session, ReturnSession) and demo.station.status.mode is Mode.RETURN
    row = rows(demo)[item.item_id]
    assert (
        row.status is ItemStatus.RETURNED and row.instruction is Instruction.SORT_BIN and row.sort_bin == "1"
    )
    assert row.message.render("fr") == "Retour enregistré. Déposez-le dans le bac 1."
    assert demo.sigb.library.items[item.item_id].checked_out_to is None
    assert item.tags[0].afi == AFI_SECURED and item.tags[0].eas
    demo.clock.advance(30)
    demo.station.step()
    assert demo.station.session is None and demo.station.status.mode is Mode.IDLE


def test_routing_instructions_hold_here_hold_elsewhere_transit(demo: Demo) -> None:
    here, elsewhere, transit = (
        demo.item("item_on_loan_hold_here"),
        demo.item("item_on_loan_hold_elsewhere"),
        demo.item("item_on_loan_from_canet"),
    )
    demo.place(here, elsewhere, transit)
    settle(demo, 2)
    shown = rows(demo)
    assert shown[here.item_id].instruction is Instruction.HOLD_HERE
    assert shown[elsewhere.item_id].instruction is Instruction.HOLD_ELSEWHERE
    assert shown[elsewhere.item_id].destination == "RIVESALTES"
    assert shown[transit.item_id].instruction is Instruction.TRANSIT
    assert shown[transit.item_id].destination == "CANET"
    assert shown[transit.item_id].message.render("en") == (
        "Returned. It goes back to CANET: please put it in the shuttle bin."
    )
    assert shown[transit.item_id].reason.render().startswith("Retour enregistré")


def test_item_not_on_loan_is_refused_without_alert(demo: Demo) -> None:
    item, withdrawn = demo.item("item_available"), demo.item("item_withdrawn")
    withdrawn.tags[0].afi, withdrawn.tags[0].eas = AFI_ON_LOAN, False  # whatever it was, it must end secured
    demo.place(item, withdrawn)
    settle(demo, 2)
    shown = rows(demo)
    assert shown[item.item_id].status is ItemStatus.REFUSED
    assert shown[item.item_id].message.render("en") == "This item was not on loan."
    assert shown[item.item_id].reason.render() == sigb_text.NOT_CHECKED_OUT
    assert shown[withdrawn.item_id].instruction is Instruction.SEE_STAFF
    assert shown[withdrawn.item_id].reason.render() == sigb_text.WITHDRAWN
    assert withdrawn.tags[0].afi == AFI_SECURED and withdrawn.tags[0].eas
    assert not demo.station.staff_alerts()


def test_checkin_refused_while_on_loan_leaves_it_secured_and_alerts_staff(demo: Demo) -> None:
    from simulators.sigb.library import CheckinResult

    item = demo.item("item_on_loan")
    demo.sigb.library.checkin = lambda item_id, **kw: CheckinResult(
        False, item_id, screen_messages=("Refus.",)
    )
    demo.place(item)
    settle(demo, 2)
    row = rows(demo)[item.item_id]
    assert row.status is ItemStatus.REFUSED and row.instruction is Instruction.SEE_STAFF and row.needs_staff
    assert row.reason.render() == "Refus."
    assert item.tags[0].afi == AFI_SECURED and demo.sigb.library.items[item.item_id].checked_out_to
    assert [a.kind for a in demo.station.staff_alerts()] == ["checkin_failed"]


def test_tag_that_cannot_be_secured_is_not_checked_in(demo: Demo) -> None:
    item = demo.item("item_on_loan")
    item.tags[0].faults.fail_writes = 10
    demo.place(item)
    settle(demo, 2)
    assert rows(demo)[item.item_id].status is ItemStatus.SEE_STAFF
    assert demo.sigb.library.items[item.item_id].checked_out_to is not None
    assert item.tags[0].afi == AFI_ON_LOAN
    assert [a.kind for a in demo.station.staff_alerts()] == ["secure_failed"]


def test_lost_checkin_reply_is_reconciled(demo: Demo) -> None:
    item = demo.item("item_on_loan")
    demo.sigb.faults.stall, demo.sigb.faults.stall_commands = True, {"09"}
    demo.place(item)
    settle(demo, 2)
    assert rows(demo)[item.item_id].status is ItemStatus.RETURNED
    assert sum(1 for t in demo.sigb.transactions if t.item_id == item.item_id and t.kind == "checkin") == 1
