"""Identification and borrowing on the real simulators: SIGB first, tag second, undo when the tag refuses."""

from __future__ import annotations

from iso28560.model import AFI_ON_LOAN, AFI_SECURED
from kiosk.circulation.models import Instruction, ItemStatus, Mode, SessionState
from kiosk.demo import Demo
from simulators.sigb import messages as sigb_text

from .conftest import login, rows, settle


def charged_to(demo: Demo, item_id: str) -> str | None:
    return demo.sigb.library.items[item_id].checked_out_to


def checkouts(demo: Demo, item_id: str) -> int:
    return sum(1 for t in demo.sigb.transactions if t.kind == "checkout" and t.item_id == item_id)


def test_identify_shows_name_and_sigb_messages(demo: Demo) -> None:
    login(demo)
    session = demo.station.session
    assert session.state is SessionState.ACTIVE and session.patron_name == "Hélène Dupré"
    assert session.can_borrow and session.can_renew and not session.offline
    assert [m.render("en") for m in session.messages] == ["Bonjour Hélène."]
    assert demo.station.status.mode is Mode.BORROW


def test_unknown_card_and_wrong_pin_are_refused_with_a_clear_message(demo: Demo) -> None:
    assert not demo.station.identify("20669999999999", "0000").result()
    session = demo.station.session
    assert session.error.render("en") == "This card is not recognised. Please check it or see staff."
    assert sigb_text.UNKNOWN_PATRON in [m.render() for m in session.messages]
    card = demo.patron("patron_ok")
    assert not demo.station.identify(card, "9999").result()
    assert demo.station.session.error.render("fr") == "Code confidentiel incorrect. Veuillez réessayer."
    assert demo.station.status.mode is Mode.IDENTIFYING
    assert demo.station.identify(card, demo.pin(card)).result()


def test_blocked_patron_sees_the_sigb_reason_and_cannot_borrow(demo: Demo) -> None:
    login(demo, "patron_suspended")
    session = demo.station.session
    assert not session.can_borrow and not session.can_renew
    assert "charge_privileges_denied" in session.blocks
    assert any("suspendu" in m.render() for m in session.messages)
    item = demo.item("item_available")
    demo.place(item)
    settle(demo)
    assert rows(demo)[item.item_id].status is ItemStatus.REFUSED
    assert charged_to(demo, item.item_id) is None and item.tags[0].afi == AFI_SECURED


def test_stack_with_every_kind_of_tag(demo: Demo) -> None:
    card = login(demo)
    good = [demo.item("item_available"), demo.item("item_dvd_available")]
    full_set = demo.item("30660000000013", parts=3)
    half_set = demo.item("30660000000021", parts=2)
    foreign = demo.item("30660000000039", foreign=True)
    reserved = demo.item("item_reserved_for_other")
    demo.place(*good, full_set, foreign, reserved, demo.blank_tag(), demo.patron_card_tag(card))
    demo.place(half_set, parts=(1,))
    settle(demo)
    shown = rows(demo)
    for item in (*good, full_set):
        assert shown[item.item_id].status is ItemStatus.BORROWED
        assert (
            shown[item.item_id].due_date is not None and shown[item.item_id].instruction is Instruction.TAKE
        )
        assert charged_to(demo, item.item_id) == card
        assert all(t.afi == AFI_ON_LOAN and not t.eas for t in item.tags)
    assert shown[foreign.item_id].status is ItemStatus.NOT_OURS
    assert shown[reserved.item_id].status is ItemStatus.REFUSED
    assert shown[reserved.item_id].reason.render() == sigb_text.ON_HOLD_FOR_OTHER
    assert reserved.tags[0].afi == AFI_SECURED
    incomplete = shown[half_set.item_id]
    assert incomplete.status is ItemStatus.REFUSED and (incomplete.parts_seen, incomplete.parts_total) == (
        1,
        2,
    )
    assert "1 of 2 parts" in incomplete.message.render("en") and charged_to(demo, half_set.item_id) is None
    statuses = sorted(r.status.value for r in demo.station.session.items)
    assert statuses.count("unreadable") == 1 and statuses.count("patron_card") == 1
    assert demo.station.journal.counts["checkout:ok"] == 3


def test_set_waits_for_its_missing_part(demo: Demo) -> None:
    login(demo)
    item = demo.item("30660000000047", parts=2)
    demo.place(item, parts=(1,))
    demo.station.step()
    row = rows(demo)[item.item_id]
    assert row.status is ItemStatus.WAITING_FOR_PARTS and row.instruction is Instruction.LEAVE_ON_PAD
    assert row.message.render("fr").startswith("1 élément(s) sur 2")
    demo.place(item, parts=(2,))
    demo.station.step()
    assert row.status is ItemStatus.BORROWED and len(row.uids) == 2


def test_incomplete_set_accepted_with_warning_alerts_staff(tmp_path, clock) -> None:
    from kiosk.faultsim.runner import demo_for_runs

    with demo_for_runs(tmp_path, clock, config={"sets": {"incomplete": "accept_with_warning"}}) as demo:
        demo.station.open()
        login(demo)
        item = demo.item("30660000000062", parts=2)
        demo.place(item, parts=(1,))
        settle(demo)
        row = rows(demo)[item.item_id]
        assert row.status is ItemStatus.BORROWED and row.needs_staff
        assert [a.kind for a in demo.station.staff_alerts()] == ["incomplete_set"]
        assert demo.station.status.staff_alerts == 1


def test_tag_that_cannot_be_unsecured_is_checked_back_in(demo: Demo) -> None:
    login(demo)
    item = demo.item("item_available")
    item.tags[0].faults.fail_writes = 10
    demo.place(item)
    settle(demo)
    row = rows(demo)[item.item_id]
    assert row.status is ItemStatus.SEE_STAFF and row.needs_staff
    assert "see staff" in row.message.render("en")
    assert charged_to(demo, item.item_id) is None and item.tags[0].afi == AFI_SECURED
    assert [t.kind for t in demo.sigb.transactions if t.item_id == item.item_id] == ["checkout", "checkin"]
    assert [a.kind for a in demo.station.staff_alerts()] == ["unsecure_failed"]


def test_weak_write_is_caught_by_the_read_back_and_retried(demo: Demo) -> None:
    login(demo)
    item = demo.item("item_available")
    item.tags[0].faults.weak_writes = 1
    demo.place(item)
    settle(demo)
    assert rows(demo)[item.item_id].status is ItemStatus.BORROWED and item.tags[0].afi == AFI_ON_LOAN


def test_own_loan_is_renewed_or_refused_per_policy(demo: Demo, tmp_path, clock) -> None:
    login(demo)
    item = demo.item("item_on_loan")
    demo.place(item)
    settle(demo)
    row = rows(demo)[item.item_id]
    assert row.status is ItemStatus.RENEWED and row.due_date is not None
    assert [t.kind for t in demo.sigb.transactions if t.item_id == item.item_id] == ["renew"]

    from kiosk.faultsim.runner import demo_for_runs

    with demo_for_runs(
        tmp_path / "refuse", clock, config={"circulation": {"on_own_loan": "refuse"}}
    ) as other:
        other.station.open()
        login(other)
        mine = other.item("item_on_loan")
        other.place(mine)
        settle(other)
        assert rows(other)[mine.item_id].message.render("en") == "This item is already on your account."
        assert not [t for t in other.sigb.transactions if t.item_id == mine.item_id]


def test_lost_reply_is_reconciled_not_resent(demo: Demo) -> None:
    card = login(demo)
    demo.sigb.faults.stall, demo.sigb.faults.stall_commands = True, {"11"}  # applied, reply never sent
    item = demo.item("item_available")
    demo.place(item)
    settle(demo, 2)
    assert rows(demo)[item.item_id].status is ItemStatus.BORROWED
    assert checkouts(demo, item.item_id) == 1 and charged_to(demo, item.item_id) == card
    assert item.tags[0].afi == AFI_ON_LOAN
    assert demo.station.journal.counts["event:outcome-unknown"] == 1


def test_lost_request_is_resent_once_after_reconciliation(demo: Demo) -> None:
    card = login(demo)  # this connection has carried login, SC status and patron information
    demo.sigb.faults.drop_after = 3  # so the checkout is dropped, not applied
    demo.sigb.faults.apply_unanswered = False
    item_info = demo.sigb.library.item_info

    def reconciliation(*args: object, **kwargs: object) -> object:
        demo.sigb.faults.drop_after = None  # the SIGB is fine again when the kiosk asks about the item
        return item_info(*args, **kwargs)

    demo.sigb.library.item_info = reconciliation
    item = demo.item("item_available")
    demo.place(item)
    settle(demo, 2)
    assert charged_to(demo, item.item_id) == card and checkouts(demo, item.item_id) == 1
    assert rows(demo)[item.item_id].status is ItemStatus.BORROWED


def test_inactivity_warns_then_ends_the_session(demo: Demo) -> None:
    login(demo)
    demo.station.set_language("en").result()
    session = demo.station.session
    demo.clock.advance(61)
    demo.station.step()
    assert session.state is SessionState.WARNING and session.seconds_left == 59
    demo.station.touch().result()
    assert session.state is SessionState.ACTIVE
    demo.clock.advance(125)
    demo.station.step()
    assert session.state is SessionState.ENDED and demo.station.session is None
    assert demo.station.status.language == "fr" and demo.station.status.mode is Mode.IDLE
