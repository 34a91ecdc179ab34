"""Views against models in both directions, no update loops, no leaks over many sessions, and the real
threaded station behind the window."""

from __future__ import annotations

import gc
import time
import weakref

from PySide6.QtWidgets import QApplication

from kiosk.circulation.models import ItemStatus
from ui.kiosk.app import create_kiosk
from ui.kiosk.demo_config import demo_overrides
from ui.kiosk.viewmodel import Screen


def station_callbacks(station) -> int:
    status = station.status
    own = len(station.events.session) + len(station.events.patron_card)
    return own + sum(len(getattr(status.events, name)) for name in status.events.names())


def test_model_changes_reach_the_widgets(kiosk) -> None:
    kiosk.log_in("patron_ok")
    kiosk.place("item_available")
    view = kiosk.window.stack.currentWidget().list.views[0]
    row = view.row
    row.update(title="Titre changé par le modèle")  # as a workflow would
    kiosk.pump()
    assert view.title.text() == "Titre changé par le modèle"
    kiosk.station.status.update(offline=True, offline_reason="test")
    kiosk.pump()
    assert kiosk.window.banner.isVisible()


def test_a_click_writes_once_and_nothing_loops_back(kiosk, monkeypatch) -> None:
    calls = []
    real = kiosk.station.set_language
    monkeypatch.setattr(kiosk.station, "set_language", lambda lang: calls.append(lang) or real(lang))
    emitted = []
    kiosk.station.status.events.language.connect(lambda e: emitted.append(e.value))
    kiosk.click("lang-en")
    kiosk.pump()
    assert calls == ["en"] and emitted == ["en"]
    assert kiosk.window.language_buttons["en"].isChecked()
    kiosk.click("lang-en")  # the current language again: nothing changes, the button stays checked
    assert emitted == ["en"] and kiosk.window.language_buttons["en"].isChecked()
    kiosk.log_in("patron_ok")
    kiosk.click("account")
    selected = []
    kiosk.vm.events.selected.connect(lambda e: selected.append(e.value))
    button = next(iter(kiosk.window.stack.currentWidget().loan_buttons.values()))
    kiosk.click(button.objectName())
    kiosk.pump()
    assert len(selected) == 1 and button.isChecked()


def test_no_widget_or_subscriber_leaks_over_many_sessions(kiosk) -> None:
    sessions = []

    def one_session() -> None:
        kiosk.log_in("patron_ok")
        kiosk.place("item_dvd_available")
        sessions.append(weakref.ref(kiosk.vm.session))
        kiosk.click("account")
        kiosk.click("back")
        kiosk.click("finish")
        kiosk.clear_pad()
        kiosk.click("done")
        kiosk.place("item_dvd_available")  # and return it
        kiosk.click("finish")
        kiosk.clear_pad()
        kiosk.click("done")

    one_session()
    gc.collect()
    widgets, callbacks = len(QApplication.allWidgets()), station_callbacks(kiosk.station)
    for _ in range(6):
        one_session()
    kiosk.pump()
    gc.collect()
    assert len(QApplication.allWidgets()) <= widgets
    assert station_callbacks(kiosk.station) == callbacks
    assert all(ref() is None for ref in sessions[:-1])  # ended sessions are not kept by the views


def test_closing_the_window_disconnects_it(qapp, tmp_path) -> None:
    from kiosk.demo import Demo

    with Demo(tmp_path, config=demo_overrides()) as demo:
        demo.station.open()
        before = station_callbacks(demo.station)
        kiosk = create_kiosk(demo.station)
        assert station_callbacks(demo.station) > before
        kiosk.close()
        assert station_callbacks(demo.station) == before


def test_threaded_station_rows_appear_while_the_worker_runs(qtbot, tmp_path) -> None:
    """The real set-up: the station's worker thread polls the pad and talks to the SIGB; the model events
    cross to the GUI thread through the dispatcher."""
    from kiosk.demo import Demo

    with Demo(tmp_path, config=demo_overrides()) as demo:
        demo.sigb.faults.latency = 0.05
        demo.station.start()
        kiosk = create_kiosk(demo.station)
        kiosk.window.show()
        try:
            card = demo.patron("patron_ok")
            demo.place(demo.patron_card_tag(card))
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.PIN, timeout=5000)
            for digit in demo.pin(card):
                kiosk.vm.press(digit)
            kiosk.vm.press("ok")
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.BORROW, timeout=5000)
            demo.place(demo.item("item_available"), demo.item("item_not_for_loan"))
            screen = kiosk.window.screens[Screen.BORROW]
            qtbot.waitUntil(lambda: len(screen.list.views) == 2, timeout=5000)
            qtbot.waitUntil(lambda: all(v.row.status.terminal for v in screen.list.views), timeout=5000)
            statuses = sorted(v.row.status for v in screen.list.views)
            assert statuses == sorted([ItemStatus.BORROWED, ItemStatus.REFUSED])
            assert screen.count.text() == "2 documents"
            kiosk.vm.finish()
            qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.SUMMARY, timeout=5000)
        finally:
            kiosk.close()
            demo.station.stop()
            time.sleep(0)
