"""Logins and refused tags in the pilot journal are timed (no made-up 0); an untimeable row is NULL."""

from __future__ import annotations

import sqlite3

from kiosk.demo import Demo

from .conftest import login, settle


def _rows(demo: Demo, sql: str) -> list[tuple]:
    with sqlite3.connect(demo.config.journal.events) as db:
        return db.execute(sql).fetchall()


def test_logins_are_timed_up_to_the_sigb_verdict(demo: Demo) -> None:
    demo.sigb.faults.latency = 0.02
    login(demo)
    card = demo.patron("patron_ok")
    assert not demo.station.identify(card, demo.pin(card) + "9").result()
    rows = _rows(demo, "SELECT outcome, reason, duration_ms, sigb_ms FROM transactions WHERE kind = 'login'")
    assert [(outcome, reason) for outcome, reason, _, _ in rows] == [("ok", None), ("refused", "wrong-pin")]
    for _, _, duration, sigb in rows:
        assert duration is not None and sigb is not None and 20.0 <= sigb <= duration


def test_refused_tags_are_timed_and_an_incomplete_set_is_null(demo: Demo) -> None:
    login(demo)
    half_set = demo.item("30660000000021", parts=2)
    demo.place(demo.item("30660000000039", foreign=True), demo.blank_tag())
    demo.place(half_set, parts=(1,))
    settle(demo)
    rows = _rows(demo, "SELECT reason, duration_ms FROM transactions WHERE outcome = 'refused' ORDER BY id")
    timed = [duration for reason, duration in rows if reason != "incomplete-set"]
    assert len(timed) == 2 and all(d is not None and d > 0 for d in timed)
    assert [duration for reason, duration in rows if reason == "incomplete-set"] == [None]
