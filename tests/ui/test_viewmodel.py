"""The view model without Qt, over the real demo station (simulated SIGB and reader).

Station callbacks go through a dispatch that queues them in a list, as the Qt dispatcher queues them
onto the GUI thread; ``flush`` runs them. Nothing here imports PySide6.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from kiosk.circulation.models import ItemStatus, SessionState
from kiosk.demo import Demo
from ui.kiosk.demo_config import demo_overrides
from ui.kiosk.viewmodel import KioskViewModel, Screen, Subscriptions


class Queue:
    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []

    def __call__(self, fn: Callable[[], None]) -> None:
        self.calls.append(fn)

    def flush(self) -> None:
        while self.calls:
            self.calls.pop(0)()


@pytest.fixture
def setup(tmp_path) -> Iterator[tuple[Demo, KioskViewModel, Queue]]:
    queue = Queue()
    with Demo(tmp_path, config=demo_overrides()) as demo:
        demo.station.open()
        vm = KioskViewModel(demo.station, dispatch=queue)
        yield demo, vm, queue
        vm.close()


def run(demo: Demo, queue: Queue) -> None:
    demo.run_until_idle()
    queue.flush()


def test_the_plain_python_modules_do_not_import_qt() -> None:
    code = ("import sys, ui.kiosk.viewmodel, ui.kiosk.receipt, ui.kiosk.language, ui.kiosk.announcements, "
            "ui.kiosk.demo_config, kiosk.inputs; "
            "assert not [m for m in sys.modules if m.startswith('PySide6')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_card_then_pin_identifies_and_the_pin_never_shows(setup) -> None:
    demo, vm, queue = setup
    card = demo.patron("patron_ok")
    vm.start_identification()
    queue.flush()
    assert vm.screen is Screen.CARD
    for digit in card:
        vm.press(digit)
    assert vm.entry == card  # the card number is shown while typed
    vm.press("ok")
    queue.flush()
    assert vm.screen is Screen.PIN and vm.entry == ""
    pin = demo.pin(card)
    for digit in pin:
        vm.press(digit)
    assert vm.entry == "•" * len(pin)
    assert pin not in repr(vm.snapshot())
    vm.press("ok")
    run(demo, queue)
    assert vm.screen is Screen.BORROW
    assert vm.session.patron_name and vm.session.card_masked.endswith(card[-4:])


def test_wrong_pin_stays_unknown_card_goes_back(setup) -> None:
    demo, vm, queue = setup
    card = demo.patron("patron_ok")
    vm.card_presented(card, "scanner")
    queue.flush()
    for digit in "0000":
        vm.press(digit)
    vm.press("ok")
    queue.flush()
    assert vm.screen is Screen.PIN and vm.error.msgid.startswith("Wrong PIN")
    vm.press("1")  # typing again clears the message
    assert vm.error is None
    vm.cancel()
    queue.flush()
    assert vm.screen is Screen.WELCOME
    vm.card_presented("20669999999999", "scanner")
    queue.flush()
    for digit in "1234":
        vm.press(digit)
    vm.press("ok")
    queue.flush()
    assert vm.screen is Screen.CARD and "not recognised" in vm.error.msgid


def test_summary_snapshot_and_reset_after_the_session(setup) -> None:
    demo, vm, queue = setup
    card = demo.patron("patron_ok")
    vm.choose_language("en")
    vm.toggle_high_contrast()
    queue.flush()
    vm.card_presented(card, "pad")
    queue.flush()
    for digit in demo.pin(card):
        vm.press(digit)
    vm.press("ok")
    queue.flush()
    demo.place(demo.item("item_available"))
    run(demo, queue)
    vm.finish()
    queue.flush()
    assert vm.screen is Screen.SUMMARY and vm.summary.reason == "finish"
    assert vm.summary.language == "en" and vm.language == "en"  # the summary keeps the session's language
    line = vm.summary.lines[0]
    assert line.status is ItemStatus.BORROWED and line.item_hint == "…0336"
    assert vm.station.status.language == "fr"  # the station already reset
    for _ in range(25):
        vm.tick()
    assert vm.screen is Screen.WELCOME and vm.summary is None
    assert vm.language == "fr" and not vm.high_contrast


def test_callbacks_of_an_ended_session_are_dropped() -> None:
    from kiosk.circulation.models import PatronSession

    queue = Queue()
    subs = Subscriptions(queue)
    session = PatronSession("••15", "fr")
    seen: list[object] = []
    subs.connect(session.events.state, lambda e: seen.append(e.value))
    session.update(state=SessionState.ACTIVE)
    subs.disconnect_all()  # the session ended before the GUI ran its callback
    queue.flush()
    assert seen == [] and len(session.events.state) == 0


def test_staff_gesture_only_from_the_welcome_screen(setup) -> None:
    _demo, vm, queue = setup
    vm.start_identification()
    queue.flush()
    vm.staff_gesture()
    assert vm.screen is Screen.CARD
    vm.cancel()
    queue.flush()
    vm.staff_gesture()
    assert vm.screen is Screen.STAFF_PIN
    for digit in "1111":
        vm.press(digit)
    vm.press("ok")
    queue.flush()
    assert vm.screen is Screen.STAFF_PIN and vm.notice.msgid == "Wrong staff PIN."
    for digit in "2468":
        vm.press(digit)
    vm.press("ok")
    queue.flush()
    assert vm.screen is Screen.STAFF
