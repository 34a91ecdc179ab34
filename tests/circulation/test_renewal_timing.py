"""Renewals in the pilot journal: timed like every other transaction (a renew-all shares its request)."""

from __future__ import annotations

import sqlite3

from kiosk.demo import Demo

from .conftest import login


def _journal_rows(demo: Demo, sql: str) -> list[tuple]:
    with sqlite3.connect(demo.config.journal.events) as db:
        return db.execute(sql).fetchall()


def test_renewals_are_timed(demo: Demo) -> None:
    """A renewal's row carries the time it took and its SIP2 share (renew all: each item its part)."""
    demo.sigb.faults.latency = 0.02
    login(demo)
    demo.station.renew([demo.dataset.scenarios["item_on_loan"]]).result()
    one = _journal_rows(demo, "SELECT duration_ms, sigb_ms FROM transactions WHERE kind = 'renew'")
    assert len(one) == 1 and one[0][0] >= 20.0 and 20.0 <= one[0][1] <= one[0][0]
    results = demo.station.renew_all().result()
    rows = _journal_rows(demo, "SELECT duration_ms, sigb_ms FROM transactions WHERE kind = 'renew'")[1:]
    assert len(rows) == len(results) > 1
    assert all(sigb is not None and 0 < sigb <= duration for duration, sigb in rows)
    assert len({duration for duration, _ in rows}) == 1  # one request, shared equally
    assert sum(sigb for _, sigb in rows) >= 20.0
