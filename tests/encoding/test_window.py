"""The staff window over a demo desk (real FEIG driver ↔ simulator, real SIP2): model → widgets, widgets →
model, no loop-back, confirmation buttons, and no subscriber left behind when the window closes."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from iso28560 import TagData, decode, encode
from kiosk.encoding import Phase, Signal
from ui.encoding_station import COLOURS, EncodingStationWindow


class Calls:
    """A synchronous ``submit`` that records what the window asked the model to do."""

    def __init__(self) -> None:
        self.made: list[tuple[str, tuple]] = []

    def __call__(self, fn, *args):
        self.made.append((fn.__name__, args))
        return fn(*args)


@pytest.fixture
def window(qtbot, desk):
    calls = Calls()
    view = EncodingStationWindow(desk.station, calls, language="en")
    qtbot.addWidget(view)
    view.calls = calls
    return view


def settle(qtbot) -> None:
    qtbot.wait(20)


def test_scanning_in_the_window_drives_the_model_and_the_model_the_widgets(qtbot, window, desk) -> None:
    barcode = desk.item(0)
    qtbot.keyClicks(window.barcode_edit, barcode)
    qtbot.keyClick(window.barcode_edit, "\r")
    assert window.calls.made == [("scan", (barcode,))]
    assert window.barcode_edit.text() == ""
    settle(qtbot)
    assert window.item_label.text() == f"{barcode} — book"
    assert window.title_label.text() == desk.title(barcode)
    assert window.guidance_label.text() == f"Place the tag of {barcode} on the pad, alone."
    desk.place(tag := desk.blank_tag())
    desk.station.poll()
    settle(qtbot)
    assert window.message_label.text().startswith(f"{barcode} encoded and verified")
    assert COLOURS[Signal.SUCCESS] in window.message_label.styleSheet()
    assert window.flashes == 1
    assert window.history_table.rowCount() == 1
    assert window.history_table.item(0, 3).text() == tag.uid.hex().upper()
    assert window.history_table.item(0, 4).text() == "encoded"
    assert "1 done" in window.stats_label.text()


def test_confirmation_buttons_follow_the_phase(qtbot, window, desk) -> None:
    other = encode(TagData(desk.item(1), owner_institution="FR-660010101"), memory=112).memory
    tag = desk.place(desk.blank_tag(other, dsfid=6))
    desk.station.scan(desk.item(2))
    desk.station.poll()
    settle(qtbot)
    assert desk.station.phase is Phase.CONFIRM
    assert window.confirm_button.isEnabled() and not window.retry_button.isEnabled()
    assert COLOURS[Signal.QUESTION] in window.message_label.styleSheet()
    qtbot.mouseClick(window.confirm_button, qtbot_button())
    assert window.calls.made[-1] == ("confirm", ())
    settle(qtbot)
    assert decode(bytes(tag.memory), tag.dsfid).data.primary_item_identifier == desk.item(2)
    assert not window.confirm_button.isEnabled()


def test_failure_enables_retry_and_shows_red(qtbot, window, desk) -> None:
    tag = desk.blank_tag()
    tag.faults.fail_writes = 20
    desk.station.scan(desk.item(3))
    desk.place(tag)
    desk.station.poll()
    settle(qtbot)
    assert desk.station.phase is Phase.FAILED
    assert window.retry_button.isEnabled()
    assert COLOURS[Signal.FAILURE] in window.message_label.styleSheet()
    tag.faults.fail_writes = 0
    qtbot.mouseClick(window.retry_button, qtbot_button())
    desk.station.poll()
    settle(qtbot)
    assert desk.station.last_result.ok


def test_parts_spin_box_sets_the_model_and_model_changes_do_not_loop_back(qtbot, window, desk) -> None:
    window.parts_spin.setValue(3)
    assert window.calls.made == [("set_parts", (3,))] and desk.station.parts == 3
    desk.station.set_parts(2)  # e.g. from a batch line or the terminal
    settle(qtbot)
    assert window.parts_spin.value() == 2
    assert window.calls.made == [("set_parts", (3,))]  # the model's change was not sent back


def test_operator_field(qtbot, window, desk) -> None:
    assert window.operator_edit.text() == "op-demo"
    window.operator_edit.setText("op-9")
    window.operator_edit.editingFinished.emit()
    assert desk.station.operator == "op-9"


def test_closing_the_window_disconnects_it(qtbot, desk) -> None:
    before = (len(desk.station.events.changed), len(desk.station.events.feedback))
    view = EncodingStationWindow(desk.station, lambda fn, *a: fn(*a))
    assert len(desk.station.events.changed) == before[0] + 1
    view.close()
    assert (len(desk.station.events.changed), len(desk.station.events.feedback)) == before
    desk.station.scan(desk.item(0))  # no callback into a closed window


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
