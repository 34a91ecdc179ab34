"""Offline mode: automatic and by staff command, the offline policy, durable queueing, replay when back."""

from __future__ import annotations

from pathlib import Path

from iso28560.model import AFI_ON_LOAN, AFI_SECURED, TypeOfUsage
from kiosk.circulation.models import ItemStatus
from kiosk.demo import Demo
from kiosk.faultsim.runner import ManualClock, demo_for_runs

from .conftest import login, rows, settle


def test_sigb_down_borrow_offline_then_replay_when_back(demo: Demo) -> None:
    demo.sigb.go_down()
    card = login(demo)
    session = demo.station.session
    assert demo.station.status.offline and session.offline and not session.can_renew
    items = [demo.item("item_available"), demo.item("item_dvd_available")]
    demo.place(*items)
    settle(demo, 2)
    assert all(
        rows(demo)[i.item_id].status is ItemStatus.BORROWED and rows(demo)[i.item_id].offline for i in items
    )
    assert all(i.tags[0].afi == AFI_ON_LOAN for i in items)
    assert demo.station.queue.stats().pending == 2 and demo.station.status.queue_pending == 2
    assert all(demo.sigb.library.items[i.item_id].checked_out_to is None for i in items)
    demo.station.finish().result()

    demo.sigb.come_back()
    demo.clock.advance(5)
    demo.station.step()  # the station notices the SIGB is back, replays, leaves offline mode
    assert not demo.station.status.offline and demo.station.status.queue_pending == 0
    assert all(demo.sigb.library.items[i.item_id].checked_out_to == card for i in items)
    offline_loans = [t for t in demo.sigb.transactions if t.kind == "checkout" and t.offline]
    assert len(offline_loans) == 2
    queued = demo.station.queue.transactions()
    assert all(t.state == "accepted" and t.patron_id is None for t in queued)  # identifiers erased
    assert demo.station.journal.counts["offline:started"] == demo.station.journal.counts["offline:ended"] == 1


def test_offline_policy(tmp_path: Path) -> None:
    (tmp_path / "blocked.txt").write_text("20660000000023\n")
    config = {"offline": {"max_items_per_patron": 1, "block_list_file": str(tmp_path / "blocked.txt")}}
    with demo_for_runs(tmp_path, ManualClock(), config=config) as demo:
        demo.station.open()
        demo.sigb.go_down()
        demo.station.force_offline().result()
        assert not demo.station.identify("12", None).result()
        assert "not valid" in demo.station.session.error.render("en")
        assert not demo.station.identify(demo.patron("patron_no_loans"), None).result()
        assert "cannot be used" in demo.station.session.error.render("en")
        login(demo)
        no_offline_issue = demo.item("30660000000062", usage=TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_ISSUE)
        first, second = demo.item("item_available"), demo.item("item_dvd_available")
        demo.place(no_offline_issue)
        settle(demo, 2)
        demo.place(first)
        settle(demo, 2)
        demo.place(second)
        settle(demo, 2)
        shown = rows(demo)
        assert shown[no_offline_issue.item_id].status is ItemStatus.REFUSED
        assert shown[first.item_id].status is ItemStatus.BORROWED
        assert shown[second.item_id].status is ItemStatus.REFUSED
        assert shown[second.item_id].message.render("en").startswith("You can borrow at most 1 items")
        assert second.tags[0].afi == AFI_SECURED and no_offline_issue.tags[0].afi == AFI_SECURED
        results = demo.station.renew([first.item_id]).result()
        assert not results[0].ok and "not available" in results[0].message.render("en")


def test_offline_return_is_queued_after_securing(demo: Demo) -> None:
    demo.sigb.go_down()
    demo.station.step()
    item = demo.item("item_on_loan")
    demo.place(item)
    settle(demo, 2)
    row = rows(demo)[item.item_id]
    assert row.status is ItemStatus.RETURNED and row.offline and item.tags[0].afi == AFI_SECURED
    assert [(t.kind, t.tag_secured) for t in demo.station.queue.transactions()] == [("checkin", True)]
    demo.sigb.come_back()
    assert demo.station.sync_now().result()
    assert demo.sigb.library.items[item.item_id].checked_out_to is None


def test_offline_tag_refusal_queues_a_compensating_checkin(demo: Demo) -> None:
    demo.sigb.go_down()
    card = login(demo)
    item = demo.item("item_available")
    item.tags[0].faults.fail_writes = 10
    demo.place(item)
    settle(demo, 2)
    assert rows(demo)[item.item_id].status is ItemStatus.SEE_STAFF
    assert [t.kind for t in demo.station.queue.transactions()] == ["checkout", "checkin"]
    demo.sigb.come_back()
    assert demo.station.sync_now().result()
    assert demo.sigb.library.items[item.item_id].checked_out_to is None and item.tags[0].afi == AFI_SECURED
    assert [t.patron_id for t in demo.sigb.transactions if t.item_id == item.item_id] == [card, card]


def test_staff_forced_offline_stays_until_released(demo: Demo) -> None:
    assert not demo.station.force_offline().result()
    demo.clock.advance(60)
    demo.station.step()
    assert demo.station.status.offline and demo.station.status.offline_forced
    assert demo.station.force_offline(False).result()
    assert not demo.station.status.offline


def test_sigb_that_reports_it_cannot_serve_puts_the_station_offline(tmp_path: Path) -> None:
    with demo_for_runs(tmp_path, ManualClock()) as demo:
        demo.sigb.faults.circulation_offline = True  # 98: up, but circulation offline
        demo.station.open()
        assert demo.station.status.offline and "offline" in demo.station.status.offline_reason
        demo.sigb.faults.circulation_offline = False
        demo.clock.advance(5)
        demo.station.step()
        assert not demo.station.status.offline
