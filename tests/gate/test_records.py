from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gate.alarm_log import AlarmLog
from gate.counting import PeopleCounts, hour_label
from gate.events import Alarm, Reason
from gate.store import GateDatabase, utc_text

from .helpers import sighting

T0 = datetime(2026, 11, 25, 14, 5, 7, 123456, tzinfo=UTC)


def alarm(uid: int = 1, passage: int = 1, new: bool = True) -> Alarm:
    return Alarm(passage_id=passage, sighting=sighting(uid=uid), reason=Reason.SECURED, new_passage=new)


def test_utc_text_is_sortable_with_milliseconds() -> None:
    assert utc_text(T0) == "2026-11-25T14:05:07.123Z"


def test_alarm_rows_title_direction_acknowledge(tmp_path: Path) -> None:
    log = AlarmLog(GateDatabase(tmp_path / "gate.sqlite"))
    first = log.record(alarm(1), T0)
    second = log.record(alarm(2, new=False), T0 + timedelta(seconds=0.3), passage_row=first)
    other = log.record(alarm(3, passage=2), T0 + timedelta(seconds=30))
    log.set_title(first, "Les Misérables")
    log.set_direction(first, "out")
    rows = {r.id: r for r in log.recent()}
    assert rows[first].title == "Les Misérables" and rows[first].reason == "secured"
    assert rows[first].uid == "E004015012340001" and rows[first].item_id == "30001000010001"
    assert rows[second].passage == first and rows[second].direction == "out"
    assert rows[other].passage == other and rows[other].direction is None
    assert log.unacknowledged() == 3
    assert log.acknowledge(second)  # acknowledges the whole passage
    assert log.get(first).acknowledged and not log.get(other).acknowledged
    assert not log.acknowledge(second) and not log.acknowledge(999)
    assert log.unacknowledged() == 1


def test_log_survives_reopening_and_keeps_no_patron_columns(tmp_path: Path) -> None:
    path = tmp_path / "gate.sqlite"
    AlarmLog(GateDatabase(path)).record(alarm(), T0)
    store = GateDatabase(path)  # migrations are not applied twice
    assert len(AlarmLog(store).recent()) == 1
    columns = {row["name"] for row in store.query("SELECT name FROM pragma_table_info('alarms')")}
    assert not {c for c in columns if "patron" in c or "borrower" in c}
    assert [r["name"] for r in store.query("SELECT name FROM _migrations ORDER BY name")] == [
        "0001_alarms",
        "0002_counts",
        "0003_circulation",
    ]


def test_retention_purges_old_rows(tmp_path: Path) -> None:
    log = AlarmLog(GateDatabase(tmp_path / "g.sqlite"))
    log.record(alarm(1), T0 - timedelta(days=40))
    log.record(alarm(2), T0 - timedelta(days=10))
    assert log.purge(30, now=T0) == 1
    assert [r.uid[-1] for r in log.recent()] == ["2"]


def test_alarm_csv_export() -> None:
    log = AlarmLog(GateDatabase(":memory:"))
    log.record(alarm(), T0)
    out = io.StringIO()
    assert log.export_csv(out) == 1
    header, row = out.getvalue().splitlines()
    assert header.startswith("id,time,uid,item_id,title,direction,reason")
    assert "2026-11-25T14:05:07.123Z,E004015012340001,30001000010001" in row


def test_people_counts_per_hour_and_csv() -> None:
    counts = PeopleCounts(GateDatabase(":memory:"))
    for minutes, direction in [(0, "in"), (10, "in"), (20, "out"), (70, "out")]:
        counts.add(direction, T0 + timedelta(minutes=minutes))
    hour = hour_label(T0)
    day = hour[:10]
    rows = counts.hourly(day, day)
    assert [(r.entries, r.exits) for r in rows] == [(2, 1), (0, 1)] and rows[0].hour == hour
    assert counts.totals(day) == (2, 2)
    out = io.StringIO()
    assert counts.export_csv(out) == 2
    assert out.getvalue().splitlines()[:2] == ["hour,in,out", f"{hour},2,1"]
