"""Criteria of the circulation core that other tests leave implicit: the SIP2 end-session message at every
session end, the offline policy for each type of usage and switch, and replay with the original dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from iso28560.model import AFI_ON_LOAN, AFI_SECURED, TypeOfUsage
from kiosk.circulation.models import ItemStatus
from kiosk.demo import Demo
from kiosk.faultsim.runner import ManualClock, demo_for_runs

from .conftest import login, rows, settle


def record_end_sessions(demo: Demo) -> list[str]:
    """Patron ids of the SIP2 35 end-session requests the simulated SIGB receives."""
    ended: list[str] = []
    original = demo.sigb.library.end_session

    def end_session(patron_id: str, *args: object, **kwargs: object):
        ended.append(patron_id)
        return original(patron_id, *args, **kwargs)

    demo.sigb.library.end_session = end_session
    return ended


def test_finish_sends_end_session(demo: Demo) -> None:
    ended = record_end_sessions(demo)
    card = login(demo)
    demo.station.finish().result()
    assert ended == [card]


def test_inactivity_logout_sends_end_session(demo: Demo) -> None:
    ended = record_end_sessions(demo)
    card = login(demo)
    demo.clock.advance(demo.station.config.timeouts.inactivity_seconds + 1)
    demo.station.step()
    demo.clock.advance(demo.station.config.timeouts.warning_seconds + 1)
    demo.station.step()
    assert demo.station.session is None and ended == [card]


def offline_demo(tmp_path: Path, **offline: object) -> Demo:
    demo = demo_for_runs(tmp_path, ManualClock(), config={"offline": {"max_items_per_patron": 10, **offline}})
    demo.station.open()
    demo.sigb.go_down()
    demo.station.step()
    return demo


@pytest.mark.parametrize(
    ("usage", "may_borrow"),
    [
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_ISSUE, False),  # 0x13
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_RETURN, True),  # 0x14: issue is allowed
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_ISSUE_OR_RETURN, False),  # 0x15
    ],
)
def test_offline_borrowing_per_type_of_usage(tmp_path: Path, usage: int, may_borrow: bool) -> None:
    with offline_demo(tmp_path) as demo:
        login(demo)
        item = demo.item("item_available", usage=usage)
        demo.place(item)
        settle(demo, 2)
        row = rows(demo)[item.item_id]
        assert (row.status is ItemStatus.BORROWED) is may_borrow, row.message
        assert item.tags[0].afi == (AFI_ON_LOAN if may_borrow else AFI_SECURED)
        assert len(demo.station.queue.transactions()) == (1 if may_borrow else 0)


@pytest.mark.parametrize(
    ("usage", "may_return"),
    [
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_ISSUE, True),  # 0x13: return is allowed
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_RETURN, False),  # 0x14
        (TypeOfUsage.CIRCULATING_NOT_FOR_OFFLINE_ISSUE_OR_RETURN, False),  # 0x15
    ],
)
def test_offline_returns_per_type_of_usage(tmp_path: Path, usage: int, may_return: bool) -> None:
    with offline_demo(tmp_path) as demo:
        item = demo.item("item_on_loan", usage=usage)
        demo.place(item)
        settle(demo, 2)
        row = rows(demo)[item.item_id]
        assert (row.status is ItemStatus.RETURNED) is may_return, row.message
        assert [t.kind for t in demo.station.queue.transactions()] == (["checkin"] if may_return else [])
        if not may_return:
            assert "hand it to staff" in row.message.render("en")


def test_offline_checkouts_and_returns_can_be_switched_off(tmp_path: Path) -> None:
    with offline_demo(tmp_path, checkouts_allowed=False, returns_allowed=False) as demo:
        login(demo)
        assert not demo.station.session.can_borrow
        item = demo.item("item_available")
        demo.place(item)
        settle(demo, 2)
        assert rows(demo)[item.item_id].status is ItemStatus.REFUSED and item.tags[0].afi == AFI_SECURED
        demo.station.finish().result()
        demo.clear_pad()
        on_loan = demo.item("item_on_loan")
        demo.place(on_loan)
        settle(demo, 2)
        assert rows(demo)[on_loan.item_id].status is ItemStatus.REFUSED
        assert demo.station.queue.transactions() == []


def test_replay_uses_no_block_and_the_original_dates(tmp_path: Path) -> None:
    with offline_demo(tmp_path) as demo:
        card = login(demo)
        item = demo.item("item_available")
        demo.place(item)
        settle(demo, 2)
        demo.station.finish().result()
        (queued,) = demo.station.queue.transactions()
        later = datetime.now() + timedelta(hours=3)
        demo.sigb.library.clock = lambda: later  # the SIGB comes back three hours later
        demo.sigb.come_back()
        assert demo.station.sync_now().result()
        (loan,) = [t for t in demo.sigb.transactions if t.item_id == item.item_id]
        assert loan.kind == "checkout" and loan.patron_id == card and loan.offline  # no block = Y
        original = queued.when.astimezone().replace(tzinfo=None, microsecond=0)
        assert abs((loan.when - original).total_seconds()) <= 1, (loan.when, original)
        assert loan.recorded_at >= later.replace(microsecond=0)
