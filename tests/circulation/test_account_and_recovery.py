"""Account view and renewals; recovery of operations interrupted half-way; staff functions."""

from __future__ import annotations

from iso28560.model import AFI_ON_LOAN, AFI_SECURED
from kiosk.circulation.models import Mode
from kiosk.config import hash_pin
from kiosk.demo import Demo
from kiosk.faultsim.runner import ManualClock, demo_for_runs

from .conftest import login


def test_account_lists_loans_with_due_dates_and_holds_ready(demo: Demo) -> None:
    login(demo, "patron_hold")
    demo.station.load_account().result()
    account = demo.station.session.account
    assert not account.loading and account.error is None
    assert [h.item_id for h in account.holds_ready] == [demo.dataset.scenarios["item_waiting_on_hold_shelf"]]
    login_card = demo.patron("patron_ok")
    demo.station.finish().result()
    assert demo.station.identify(login_card, demo.pin(login_card)).result()
    demo.station.load_account().result()
    loans = demo.station.session.account.loans
    assert {loan.item_id for loan in loans} >= {demo.dataset.scenarios["item_on_loan"]}
    assert all(loan.due_date is not None for loan in loans)
    assert loans == tuple(sorted(loans, key=lambda loan: loan.due_date))


def test_renew_selected_and_all(demo: Demo) -> None:
    login(demo)
    item_on_loan = demo.dataset.scenarios["item_on_loan"]
    maxed = demo.dataset.scenarios["item_max_renewals"]
    results = demo.station.renew([item_on_loan, maxed]).result()
    assert [r.ok for r in results] == [True, False]
    assert "prolongations" in results[1].message.render("en")  # the SIGB's reason, as given
    renewed = {t.item_id for t in demo.sigb.transactions if t.kind == "renew"}
    assert renewed == {item_on_loan}
    all_results = demo.station.renew_all().result()
    assert any(r.ok for r in all_results) and any(not r.ok for r in all_results)
    assert demo.station.session.account.renew_results == all_results


def test_interrupted_checkout_is_undone_at_start_up(demo: Demo) -> None:
    """A charge the patron was never told about (crash right after the SIGB said yes) is checked back in."""
    card = demo.patron("patron_ok")
    item = demo.item("item_available")
    demo.place(item)
    intents = demo.station.intents
    intent = intents.open("checkout", item.item_id, item.uids, "charging", card)
    demo.sigb.library.checkout(card, item.item_id)
    report = demo.station.sync_now().result() and demo.station.last_recovery
    assert report.resolved == 1 and not intents.open_intents()
    assert demo.sigb.library.items[item.item_id].checked_out_to is None and item.tags[0].afi == AFI_SECURED
    assert intent not in [i.id for i in intents.open_intents()]


def test_interrupted_checkout_with_tag_already_on_loan_stands(demo: Demo) -> None:
    card = demo.patron("patron_ok")
    item = demo.item("item_available")
    demo.place(item)
    demo.station.intents.open("checkout", item.item_id, item.uids, "charged", card)
    demo.sigb.library.checkout(card, item.item_id)
    item.tags[0].afi, item.tags[0].eas = AFI_ON_LOAN, False
    demo.station.sync_now().result()
    assert demo.sigb.library.items[item.item_id].checked_out_to == card and not demo.station.staff_alerts()


def test_interrupted_return_whose_tag_left_the_pad_alerts_staff(demo: Demo) -> None:
    item = demo.item("item_on_loan")  # not on the pad: the patron left with it
    demo.station.intents.open("return", item.item_id, item.uids, "securing")
    demo.station.sync_now().result()
    assert [a.kind for a in demo.station.staff_alerts()] == ["state_unverified"]
    assert not demo.station.intents.open_intents()


def test_interrupted_return_is_completed(demo: Demo) -> None:
    item = demo.item("item_on_loan")
    demo.place(item)
    demo.station.intents.open("return", item.item_id, item.uids, "securing")
    demo.station.sync_now().result()
    assert demo.sigb.library.items[item.item_id].checked_out_to is None and item.tags[0].afi == AFI_SECURED


def test_intent_log_keeps_only_a_keyed_hash_of_the_patron(demo: Demo) -> None:
    card = demo.patron("patron_ok")
    demo.station.intents.open("checkout", "x", (b"\xe0",), "charging", card)
    raw = demo.config.journal.intents.read_bytes() + b"".join(
        p.read_bytes() for p in demo.config.journal.intents.parent.glob("intents.db-wal")
    )
    assert card.encode() not in raw


def test_staff_mode_needs_the_pin(tmp_path) -> None:
    with demo_for_runs(
        tmp_path, ManualClock(), config={"staff": {"pin_hash": hash_pin("2468", iterations=1000)}}
    ) as demo:
        demo.station.open()
        assert not demo.station.enter_staff("0000").result()
        assert demo.station.enter_staff("2468").result() and demo.station.status.mode is Mode.STAFF
        demo.station.leave_staff().result()
        assert demo.station.status.mode is Mode.IDLE
