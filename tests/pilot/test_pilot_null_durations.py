"""Rows whose time could not be measured (NULL ``duration_ms``) are left out of the report's timings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.pilot.figures import circulation
from kiosk.pilot.sources import load_journals
from offline_queue import EventJournal

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_null_durations_do_not_count_in_latencies(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with EventJournal(path, station_id="K1", clock=lambda: T0) as journal:
        stack = journal.begin_stack("checkout", at=T0)
        for duration in (400.0, 500.0, None):
            journal.record_transaction("checkout", "ok", duration_ms=duration, stack_id=stack, sigb_ms=90)
        journal.record_transaction("checkout", "refused", duration_ms=None, reason="incomplete-set")
        journal.record_transaction("login", "ok", duration_ms=None)
        journal.end_stack(stack, tags_seen=3, duration_ms=2000.0)
    c = circulation(load_journals([path]), None)
    latency = c.item_latency["checkout"]
    assert (latency.count, latency.mean, latency.median, latency.maximum) == (2, 450.0, 450.0, 500.0)
    assert c.latency_by_stack_size["3"].values == (400.0, 500.0)
    assert c.by_kind["checkout"] == {"ok": 3, "refused": 1}  # still counted as transactions
