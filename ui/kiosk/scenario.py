"""Scripted patron sessions on the demo kiosk: the headless demo, the screenshots and the tests' harness.

:class:`ScriptedKiosk` is a complete kiosk on the simulators (:class:`kiosk.demo.Demo`: simulated
SIGB over SIP2/TCP, reader simulator behind the real driver, ISO 28560 tags) with the real window,
driven without threads: each action is followed by :meth:`~ScriptedKiosk.pump`, which steps the
station until the pad is quiet and runs every queued GUI callback. Its station clock can jump
ahead (:meth:`~ScriptedKiosk.advance`), so a 2-minute inactivity logout or a set's waiting time
takes no real time. Buttons are clicked with ``QTest`` through the window's event handling, as a
finger would.

:data:`FLOWS` is the demo script: borrowing a stack of five (one refused, one incomplete set) plus an
item whose tag cannot be unsecured, the account and renewals, a return with hold and shuttle
instructions, an inactivity logout, offline borrowing then synchronisation, staff mode, and the
card-number and staff PIN keypads. Each
step calls ``shot(name)`` where a screen is worth a picture, and ``say(line)`` for the transcript.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from kiosk.circulation.models import PatronSession, ReturnSession, SessionState
from kiosk.station import BLOCKED
from ui.kiosk.app import DEMO_STAFF_PIN, PORTRAIT, Kiosk, application, create_kiosk, demo_overrides
from ui.kiosk.language import format_date, render
from ui.kiosk.viewmodel import Screen
from ui.kiosk.widgets import STATUS_LOOK, row_messages

SMOOTH = Qt.TransformationMode.SmoothTransformation

# The demo's stacks (sample dataset scenario names or barcodes).
BORROW_STACK = ("item_available", "item_dvd_available", "item_accented_title", "item_not_for_loan")
SET_ITEM = "30660000000013"  # Les Misérables, tagged as a 2-part set; only part 1 goes on the pad
FAILING_TAG_ITEM = "item_available_canet"  # its tag refuses every write
RETURN_STACK = ("item_on_loan_hold_here", "item_on_loan_from_canet", "item_on_loan_hold_elsewhere")
OFFLINE_ITEM = "30660000000021"
RENEW_PICK = ("item_on_loan", "item_max_renewals")  # one renews, one is refused
UNKNOWN_CARD = "20669999999999"  # a well-formed card number the SIGB does not know

Say = Callable[[str], None]
Shot = Callable[[str], None]


class SkipClock:
    """``time.monotonic`` plus an offset that scripts move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class ScriptedKiosk:
    """A demo kiosk with its window, driven step by step (see the module docstring)."""

    def __init__(self, workdir: Path | str | None = None, *, receipt: str = "screen",
                 size: tuple[int, int] = PORTRAIT, config: dict[str, Any] | None = None,
                 show: bool = True) -> None:
        from kiosk.demo import Demo

        self.app = application()
        self.clock = SkipClock()
        overrides = demo_overrides(receipt=receipt)
        for section, values in (config or {}).items():
            overrides.setdefault(section, {}).update(values)
        self.demo = Demo(workdir, config=overrides, clock=self.clock)
        self.station = self.demo.station
        self.station.open()
        self.kiosk: Kiosk = create_kiosk(self.station, size=size, logical_dpi=96.0)
        self.vm = self.kiosk.vm
        self.window = self.kiosk.window
        self.sound = self.kiosk.sound
        if show:
            self.window.show()
        self.pump()

    # -- driving ------------------------------------------------------------------------------------

    def pump(self) -> None:
        """Step the station until the pad is quiet and run every queued GUI callback."""
        for _ in range(20):
            self.demo.run_until_idle()
            self.kiosk.dispatch.drain(self.app)
            if self.kiosk.dispatch.pending == 0 and not self._sets_pending():
                break
            if self._sets_pending():
                return

    def _sets_pending(self) -> bool:
        desk = self.station._desk  # read-only peek for scripted waits
        return bool(desk and desk.sets.pending)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of station time pass (inactivity, set waits), then pump."""
        self.clock.advance(seconds)
        self.station.step()
        self.pump()

    def tick(self, times: int = 1) -> None:
        """Seconds of screen time (summary countdown, announcements)."""
        for _ in range(times):
            self.vm.tick()
        self.pump()

    def click(self, name: str) -> None:
        """Click a button of the window by object name, as a finger would."""
        widget = self.button(name)
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.pump()

    def button(self, name: str) -> QPushButton:
        current = self.window.stack.currentWidget()
        for parent in (current, self.window):
            widget = parent.findChild(QPushButton, name)
            if widget is not None and widget.isVisible():
                return widget
        raise LookupError(f"no visible button {name!r} on the {self.vm.screen} screen")

    def type_on_keypad(self, digits: str) -> None:
        for digit in digits:
            self.click(f"key-{digit}")
        self.click("key-ok")

    def present_card(self, scenario: str) -> str:
        """The patron puts their library card (an ISO 28560 patron card tag) on the pad."""
        card = self.demo.patron(scenario)
        tag = self.demo.patron_card_tag(card)
        self.demo.place(tag)
        self.pump()
        self.demo.lift(tag)
        return card

    def log_in(self, scenario: str, pin: str | None = None) -> None:
        card = self.present_card(scenario)
        if self.vm.screen is Screen.PIN:
            self.type_on_keypad(pin or self.demo.pin(card))

    def place(self, *keys: str, parts: tuple[int, ...] | None = None, set_parts: int = 1) -> None:
        items = [self.demo.item(key, parts=set_parts) for key in keys]
        self.demo.place(*items, parts=parts)
        self.pump()

    def clear_pad(self) -> None:
        self.demo.clear_pad()
        self.pump()

    def break_tag(self, key: str) -> None:
        for tag in self.demo.item(key).tags:
            tag.faults.write_failure_probability = 1.0

    def resize(self, size: tuple[int, int]) -> None:
        self.window.resize(*size)
        self.pump()

    def grab(self, path: Path, scale: float = 1.0) -> Path:
        self.pump()
        pixmap = self.window.grab()
        if scale != 1.0:
            pixmap = pixmap.scaledToWidth(round(pixmap.width() * scale), SMOOTH)
        path.parent.mkdir(parents=True, exist_ok=True)
        pixmap.save(str(path), "PNG", 9 if path.suffix == ".png" else -1)
        return path

    def close(self) -> None:
        self.kiosk.close()
        self.demo.close()
        self.app.processEvents()

    def __enter__(self) -> ScriptedKiosk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transcript ---------------------------------------------------------------------------------

    def describe(self, language: str = "en") -> list[str]:
        """What the screen shows, in words (for the transcript)."""
        vm, session = self.vm, self.vm.session
        lines = [f"[{vm.screen.value}]"]
        if vm.station.status.offline:
            lines[0] += " (offline banner)"
        if isinstance(session, PatronSession) and vm.screen is Screen.BORROW:
            lines.append(f"  patron {session.card_masked}, {session.patron_name or 'offline identification'}")
            if session.valid and not session.can_borrow:
                lines.append(f"  message: {render(BLOCKED, language)}")
            lines.extend(f"  message: {render(m, language)}" for m in session.messages)
            if session.state is SessionState.WARNING:
                lines.append(f"  inactivity warning: logged out in {session.seconds_left} s unless touched")
        if isinstance(session, PatronSession | ReturnSession) and vm.screen in (Screen.BORROW, Screen.RETURN):
            for row in session.items:
                word = render(STATUS_LOOK[row.status][2], language)
                due = f", due {format_date(row.due_date, language)}" if row.due_date else ""
                text = " ".join(render(m, language) for m in row_messages(row))
                lines.append(f"  {row.title or row.item_id}: {word}{due}{' — ' + text if text else ''}")
        if vm.screen is Screen.ACCOUNT and isinstance(session, PatronSession):
            for loan in session.account.loans:
                late = " (overdue)" if loan.overdue else ""
                lines.append(f"  loan {loan.title}: due {format_date(loan.due_date, language)}{late}")
            for result in session.account.renew_results:
                lines.append(f"  renew …{result.item_id[-4:]}: {'ok' if result.ok else 'refused'} — "
                             f"{render(result.message, language)}")
        if vm.error is not None:
            lines.append(f"  message: {render(vm.error, language)}")
        if vm.screen is Screen.SUMMARY and vm.summary is not None:
            from ui.kiosk.screens.summary import counts_of, title_of

            lines.append(f"  {render(title_of(vm.summary), language)}")
            lines.extend(f"  {render(m, language)}" for m in counts_of(vm.summary))
        return lines


# -- the demo script ------------------------------------------------------------------------------


def flow_welcome(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("The welcome screen: library name, logo, languages by name, announcements.")
    shot("01-welcome")


def flow_borrow(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("Hélène puts her library card on the pad, then types her PIN on the keypad.")
    k.present_card("patron_ok")
    k.click("key-1")
    shot("02-pin")
    k.click("key-back")
    k.type_on_keypad(k.demo.pin(k.demo.patron("patron_ok")))
    say("She places a stack of five: one item not for loan, one set with a part missing.")
    k.place(*BORROW_STACK)
    k.place(SET_ITEM, set_parts=2, parts=(1,))
    shot("03-borrow-set-waiting")
    k.advance(k.station.config.sets.wait_seconds)
    say("Then an item whose tag cannot be unsecured: it is checked back in, she is sent to staff.")
    k.break_tag(FAILING_TAG_ITEM)
    k.place(FAILING_TAG_ITEM)
    shot("04-borrow")


def flow_account(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("She opens her account and renews two loans (one cannot be renewed again).")
    k.click("account")
    for key in RENEW_PICK:
        k.click(f"loan-{k.demo.dataset.scenarios[key]}")
    k.click("renew-selected")
    shot("05-account")
    k.click("back")


def flow_finish(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("She taps Finish: logged out at once, the summary shows her receipt.")
    k.click("finish")
    k.clear_pad()
    shot("06-summary")
    k.click("done")


def flow_return(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("Someone returns three items without logging in: holds bin, shuttle to Canet, shuttle to Rivesaltes.")
    k.place(*RETURN_STACK)
    shot("07-return")
    k.click("finish")
    k.clear_pad()
    shot("08-return-summary")
    k.click("done")


def flow_inactivity(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("Françoise logs in and walks away: a warning with a countdown, then logout.")
    k.log_in("patron_hold")
    k.advance(k.station.config.timeouts.inactivity_seconds + 5)
    shot("09-inactivity-warning")
    k.advance(k.station.config.timeouts.warning_seconds)
    shot("10-logged-out")
    k.click("done")


def flow_blocked(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("A wrong PIN, then a suspended account: the SIGB's own message is shown.")
    card = k.present_card("patron_suspended")
    k.type_on_keypad("0000")
    shot("11-wrong-pin")
    k.type_on_keypad(k.demo.pin(card))
    shot("12-blocked")
    k.click("finish")
    k.click("done")


def flow_offline(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("The SIGB goes down: a calm banner, borrowing continues under the offline policy.")
    k.demo.sigb.faults.down = True
    k.log_in("patron_no_loans")
    k.place(OFFLINE_ITEM)
    shot("13-offline-borrow")
    k.click("finish")
    k.clear_pad()
    k.click("done")
    say("The SIGB is back: the station replays the queue by itself.")
    k.demo.sigb.faults.down = False
    k.advance(k.station.config.sigb.retry_online_seconds + 0.1)


def flow_staff(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("Staff tap the library name five times and type the staff PIN.")
    for _ in range(5):
        QTest.mouseClick(k.window.library, Qt.MouseButton.LeftButton)
    k.pump()
    k.type_on_keypad(DEMO_STAFF_PIN)
    k.click("staff-alerts")
    shot("14-staff")
    k.click("staff-leave")


def flow_card_keypad(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("Someone without a card types its number on the keypad; an unknown number is explained.")
    k.click("borrow")
    for digit in UNKNOWN_CARD[:6]:
        k.click(f"key-{digit}")
    shot("15-card-number")
    for _ in range(6):
        k.click("key-back")
    k.type_on_keypad(UNKNOWN_CARD)
    k.type_on_keypad("0000")
    shot("16-unknown-card")
    k.click("cancel")


def flow_staff_pin(k: ScriptedKiosk, shot: Shot, say: Say) -> None:
    say("The staff PIN keypad (dots only), after five taps on the library name.")
    for _ in range(5):
        QTest.mouseClick(k.window.library, Qt.MouseButton.LeftButton)
    k.pump()
    k.click("key-1")
    k.click("key-2")
    shot("17-staff-pin")
    k.click("cancel")


FLOWS: tuple[Callable[[ScriptedKiosk, Shot, Say], None], ...] = (
    flow_welcome, flow_borrow, flow_account, flow_finish, flow_return, flow_inactivity, flow_blocked,
    flow_offline, flow_staff, flow_card_keypad, flow_staff_pin,
)


def run_script(k: ScriptedKiosk, shot: Shot, say: Say, *, language: str | None = None) -> None:
    """Run every flow; with ``language``, each session starts by choosing it on screen."""
    for flow in FLOWS:
        if language and language != k.vm.language and k.vm.screen is Screen.WELCOME:
            k.click(f"lang-{language}")
        flow(k, shot, say)
