"""Monitor model without Qt, then the window with qtbot in both directions."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from gate.alarm_log import AlarmLog
from gate.counting import PeopleCounts
from gate.events import Alarm, Reason
from gate.monitor import GateMonitorModel
from gate.store import GateDatabase

from .helpers import sighting


def record_alarm(log: AlarmLog, uid: int, passage_row: int | None = None) -> int:
    alarm = Alarm(
        passage_id=1, sighting=sighting(uid=uid), reason=Reason.SECURED, new_passage=passage_row is None
    )
    return log.record(alarm, datetime.now(UTC), passage_row)


@pytest.fixture
def parts():
    store = GateDatabase(":memory:")
    log, counts = AlarmLog(store), PeopleCounts(store)
    acknowledged: list[int] = []

    def acknowledge(row_id: int) -> bool:
        acknowledged.append(row_id)
        return log.acknowledge(row_id)

    model = GateMonitorModel("Sortie", "afi", log, counts, recent=3, acknowledge=acknowledge)
    yield model, log, counts, acknowledged
    store.close()


def test_model_follows_the_gate(parts) -> None:
    model, log, _, _ = parts
    topics: list[str] = []
    model.changed.connect(topics.append)
    for uid in (1, 2, 3, 4):
        model.alarm_raised(log.get(record_alarm(log, uid)))
    assert [a.uid[-1] for a in model.alarms] == ["4", "3", "2"]  # most recent first, bounded
    model.title_found(model.alarms[0].id, "Germinal")
    assert model.alarms[0].title == "Germinal"
    model.passage_closed(model.alarms[0].passage, "out", 1)
    assert model.alarms[0].direction == "out" and model.alarms[1].direction is None
    model.crossing("in")
    model.crossing("out")
    model.crossing("out")
    assert model.counts == (1, 2, 4)
    model.reader_changed("pedestals", "down", "unplugged")
    model.outputs_changed({"beacon": None, "relay": "port gone"})
    assert model.readers == {"pedestals": ("down", "unplugged")} and model.outputs["relay"] == "port gone"
    assert {"alarms", "counts", "readers", "outputs"} <= set(topics)


def test_model_acknowledge_goes_through_the_controller(parts) -> None:
    model, log, _, acknowledged = parts
    first = record_alarm(log, 1)
    model.alarm_raised(log.get(first))
    model.alarm_raised(log.get(record_alarm(log, 2, passage_row=first)))
    assert model.unacknowledged == 2
    assert model.acknowledge(first)
    assert acknowledged == [first] and model.unacknowledged == 0
    assert not model.acknowledge(first)  # already done: the controller says no


def test_model_loads_history_and_todays_counts() -> None:
    store = GateDatabase(":memory:")
    log, counts = AlarmLog(store), PeopleCounts(store)
    record_alarm(log, 1)
    counts.add("in", datetime.now(UTC))
    model = GateMonitorModel("Sortie", "afi", log, counts)
    assert len(model.alarms) == 1 and model.counts == (1, 0, 1)


def test_failing_subscriber_does_not_break_the_others(parts) -> None:
    model = parts[0]
    seen: list[str] = []
    model.changed.connect(lambda topic: 1 / 0)
    model.changed.connect(seen.append)
    model.crossing("in")
    assert seen == ["counts"]


# -- the Qt window ------------------------------------------------------------------------------------------

qt = pytest.importorskip("PySide6")


def test_window_shows_the_model(qtbot, parts) -> None:
    from ui.gate_monitor import GateMonitorWindow

    model, log, _, _ = parts
    window = GateMonitorWindow(model)
    qtbot.addWidget(window)
    assert window.table.rowCount() == 0
    model.alarm_raised(log.get(record_alarm(log, 7)))
    qtbot.waitUntil(lambda: window.table.rowCount() == 1)
    assert window.table.item(0, 1).text() == "30001000010007" and window.table.item(0, 6).text() == "non"
    model.title_found(model.alarms[0].id, "Au Bonheur des Dames")
    qtbot.waitUntil(lambda: window.table.item(0, 2).text() == "Au Bonheur des Dames")
    model.reader_changed("pedestals", "down", "unplugged")
    qtbot.waitUntil(lambda: "hors service" in window.readers_label.text())
    model.crossing("in")
    qtbot.waitUntil(lambda: window.entries_label.text() == "Entrées : 1")


def test_window_acknowledge_button_calls_the_model_once(qtbot, parts) -> None:
    from ui.gate_monitor import GateMonitorWindow

    model, log, _, acknowledged = parts
    model.alarm_raised(log.get(record_alarm(log, 1)))
    window = GateMonitorWindow(model)
    qtbot.addWidget(window)
    window.table.selectRow(0)
    window.acknowledge_button.click()
    assert len(acknowledged) == 1  # no loop back from the model's refresh
    qtbot.waitUntil(lambda: window.table.item(0, 6).text() == "oui")
    assert window.pending_label.text() == "Non acquittées : 0"
    assert not window.acknowledge_button.isEnabled()
    window._acknowledge()  # nothing left to acknowledge: no call
    assert len(acknowledged) == 1


def test_updates_from_another_thread_reach_the_gui_thread(qtbot, parts) -> None:
    import threading

    from ui.gate_monitor import GateMonitorWindow

    model, log, _, _ = parts
    window = GateMonitorWindow(model)
    qtbot.addWidget(window)
    row = log.get(record_alarm(log, 3))
    worker = threading.Thread(target=model.alarm_raised, args=(row,))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: window.table.rowCount() == 1)


def test_closed_windows_leave_no_subscribers(qtbot, parts) -> None:
    from ui.gate_monitor import GateMonitorWindow

    model = parts[0]
    for _ in range(30):
        window = GateMonitorWindow(model)
        window.show()
        window.close()
        window.deleteLater()
    qtbot.wait(10)
    gc.collect()
    assert len(model.changed) == 0
