"""After a session: what was done, what needs staff, the receipt (none, printed, or on screen).

The summary is the view model's frozen snapshot (partial identifiers only), shown in the language
of the session that ended, and dropped when this screen closes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.circulation.models import Instruction, ItemStatus
from kiosk.i18n import Message, _
from ui.kiosk.language import format_date, in_direction, render
from ui.kiosk.screens.base import ScreenView
from ui.kiosk.viewmodel import Dispatch, KioskViewModel, Screen, Summary
from ui.kiosk.widgets import button, label


class SummaryScreen(ScreenView):
    screen = Screen.SUMMARY

    def __init__(self, vm: KioskViewModel, dispatch: Dispatch, parent: QWidget | None = None) -> None:
        super().__init__(vm, dispatch, parent)
        self.title = label("title", align=Qt.AlignmentFlag.AlignCenter)
        self.counts = label("subtitle", align=Qt.AlignmentFlag.AlignCenter)
        self.counts.setObjectName("summary-counts")
        self.lines = label()
        self.lines.setObjectName("receipt")
        receipt = QFrame()
        receipt.setProperty("role", "panel")
        QVBoxLayout(receipt).addWidget(self.lines)
        self.receipt = receipt
        self.receipt_state = label("notice", align=Qt.AlignmentFlag.AlignCenter)
        self.print = button("secondary", on_click=vm.print_receipt, name="print")
        self.texts.bind(self.print, _("Print a receipt"))
        self.done = button("primary", on_click=vm.close_summary, name="done")
        for widget in (self.print, self.done):
            widget.setProperty("wide", True)
        self.texts.bind(self.done, _("Done"))
        self.countdown = label("muted", align=Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.counts)
        layout.addWidget(receipt)
        layout.addStretch(1)
        layout.addWidget(self.receipt_state)
        layout.addWidget(self.print, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.done, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.countdown)
        for name in ("summary", "summary_seconds_left", "receipt_state"):
            self.vm_subs.connect(getattr(vm.events, name), lambda e: self.refresh())

    def refresh(self) -> None:
        summary, lang = self.vm.summary, self.vm.language
        if summary is None:
            return
        self.title.setText(render(title_of(summary), lang))
        self.counts.setText("\n".join(render(m, lang) for m in counts_of(summary)))
        show_lines = self.vm.receipt_mode == "screen" and bool(summary.lines)
        self.receipt.setVisible(show_lines)
        if show_lines:
            self.lines.setText(in_direction("\n".join(line_text(line, lang) for line in summary.lines), lang))
        printable = self.vm.receipt_mode == "print" and self.vm.printer is not None and bool(summary.lines)
        self.print.setVisible(printable and self.vm.receipt_state != "printed")
        state = {"printed": _("Please take your receipt."),
                 "failed": _("The receipt could not be printed. Please see staff if you need one.")}
        message = state.get(self.vm.receipt_state or "")
        self.receipt_state.setText(render(message, lang))
        self.receipt_state.setVisible(message is not None)
        left = self.vm.summary_seconds_left
        closing = _("This screen closes in {seconds} s.", seconds=left)
        self.countdown.setText(render(closing, lang) if left else "")


def title_of(summary: Summary) -> Message:
    if summary.reason == "inactivity":
        return _("You have been logged out after a while without activity.")
    return _("Thank you, goodbye!")


def counts_of(summary: Summary) -> list[Message]:
    """The summary in a few counts: what was done, what stays here, what staff must see."""
    staff = summary.count(ItemStatus.SEE_STAFF) + sum(
        1 for line in summary.lines if line.needs_staff and line.status is not ItemStatus.SEE_STAFF)
    if summary.kind == "borrow":
        borrowed = summary.count(ItemStatus.BORROWED, ItemStatus.RENEWED)
        messages = [_("Items borrowed: {count}", count=borrowed)]
        refused = len(summary.lines) - borrowed - summary.count(ItemStatus.SEE_STAFF)
        if refused:
            messages.append(_("Not borrowed (leave them here): {count}", count=refused))
    else:
        messages = [_("Items returned: {count}", count=summary.count(ItemStatus.RETURNED))]
        holds = summary.with_instruction(Instruction.HOLD_HERE)
        shuttle = summary.with_instruction(Instruction.HOLD_ELSEWHERE, Instruction.TRANSIT)
        if holds:
            messages.append(_("In the holds bin: {count}", count=holds))
        if shuttle:
            messages.append(_("In the shuttle bin: {count}", count=shuttle))
        staff += summary.count(ItemStatus.REFUSED, ItemStatus.NOT_OURS, ItemStatus.UNREADABLE)
    if staff:
        messages.append(_("Please show to staff: {count}", count=staff))
    return messages


def line_text(line, language: str) -> str:
    from ui.kiosk.widgets import STATUS_LOOK

    icon, _tone, word = STATUS_LOOK.get(line.status, ("?", "", _("Checking…")))
    text = f"{icon} {line.title or line.item_hint} ({line.item_hint}) — {render(word, language)}"
    if line.due_date is not None and line.status in (ItemStatus.BORROWED, ItemStatus.RENEWED):
        text += " — " + render(_("due {date}", date=format_date(line.due_date, language)), language)
    return text
