"""Small widgets the screens are made of: translated labels and buttons, the keypad, item rows.

Every text is a :class:`kiosk.i18n.Message` rendered by :meth:`Texts.retranslate` in the current
language, so a language switch re-renders every label in place. Buttons get their accessible name
from their text (or an explicit description for symbol-only keys), accept keyboard focus, and are
at least one touch target in both directions (the style sheet sets the minimum).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.circulation.models import Instruction, ItemRow, ItemStatus
from kiosk.i18n import Message, _
from ui.kiosk.language import format_date, render

# Status → (icon, tone, word). The icon and the word always come with the colour.
STATUS_LOOK: dict[ItemStatus, tuple[str, str, Message]] = {
    ItemStatus.READING: ("…", "busy", _("Reading…")),
    ItemStatus.WAITING_FOR_PARTS: ("⧗", "warning", _("Waiting for the other parts")),
    ItemStatus.PROCESSING: ("…", "busy", _("Checking…")),
    ItemStatus.BORROWED: ("✓", "ok", _("Borrowed")),
    ItemStatus.RENEWED: ("✓", "ok", _("Renewed")),
    ItemStatus.RETURNED: ("✓", "ok", _("Returned")),
    ItemStatus.REFUSED: ("✗", "problem", _("Refused")),
    ItemStatus.SEE_STAFF: ("!", "problem", _("Please see staff")),
    ItemStatus.NOT_OURS: ("!", "problem", _("Not from this library")),
    ItemStatus.UNREADABLE: ("!", "problem", _("Unreadable")),
    ItemStatus.PATRON_CARD: ("!", "warning", _("Library card")),
}

TOP_LEADING = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeading

INSTRUCTION_WORDS: dict[Instruction, Message] = {
    Instruction.SHELVE: _("Shelf"),
    Instruction.HOLD_HERE: _("Holds bin"),
    Instruction.HOLD_ELSEWHERE: _("Shuttle: {destination}"),
    Instruction.TRANSIT: _("Shuttle: {destination}"),
    Instruction.SORT_BIN: _("Bin {sort_bin}"),
    Instruction.RETURN_BIN: _("Return bin"),
    Instruction.SEE_STAFF: _("Staff"),
}


class Texts:
    """Remembers which widget shows which message, to re-render them all on a language change."""

    def __init__(self) -> None:
        self._entries: list[tuple[QLabel | QPushButton, Callable[[], Message | str | None]]] = []

    def bind(self, widget: QLabel | QPushButton,
             message: Message | Callable[[], Message | str | None]) -> None:
        source = message if callable(message) else (lambda m=message: m)
        self._entries.append((widget, source))

    def retranslate(self, language: str) -> None:
        for widget, source in self._entries:
            text = render(source(), language)
            widget.setText(text)
            if isinstance(widget, QPushButton) and not widget.property("described"):
                widget.setAccessibleName(text)


def label(role: str = "", *, wrap: bool = True, align: Qt.AlignmentFlag | None = None) -> QLabel:
    widget = QLabel()
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    widget.setAlignment(align if align is not None else TOP_LEADING)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def button(role: str = "", *, on_click: Callable[[], None] | None = None, name: str = "") -> QPushButton:
    widget = QPushButton()
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keyboard focus only: a touch leaves no focus ring
    widget.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_tone(widget: QWidget, tone: str) -> None:
    if widget.property("tone") != tone:
        widget.setProperty("tone", tone)
        restyle(widget)


class Tile(QPushButton):
    """A large action: a title and a hint on two lines, the whole tile one touch target."""

    def __init__(self, texts: Texts, title: Message, on_click: Callable[[], None], name: str) -> None:
        super().__init__()
        self.setProperty("role", "tile")
        self.setObjectName(name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.clicked.connect(lambda _checked=False: on_click())
        self.title = label("tile-title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint = label("tile-hint", align=Qt.AlignmentFlag.AlignCenter)
        for part in (self.title, self.hint):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addStretch(1)
        texts.bind(self.title, title)

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.setAccessibleName(f"{self.title.text()}. {text}")

    def sizeHint(self):  # Qt override: as tall as its two labels need
        hint = super().sizeHint()
        needed = self.layout().sizeHint().height()
        return hint.expandedTo(hint.__class__(hint.width(), needed))


class Keypad(QWidget):
    """Digits, delete and OK, as large buttons; emits ``key`` with ``0``-``9``, ``back`` or ``ok``."""

    key = Signal(str)
    LAYOUT = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok")

    def __init__(self, texts: Texts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Number pads are not mirrored in right-to-left languages (1 2 3 stays left to right, as on phones).
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(self)
        grid.setSpacing(12)
        self.buttons: dict[str, QPushButton] = {}
        for index, key in enumerate(self.LAYOUT):
            role = "primary" if key == "ok" else "key"
            widget = button(role, on_click=lambda k=key: self.key.emit(k), name=f"key-{key}")
            widget.setProperty("keypad", True)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            if key == "back":
                widget.setText("⌫")
                widget.setProperty("described", True)
                texts.bind(_AccessibleName(widget), _("Delete"))
            elif key == "ok":
                texts.bind(widget, _("OK"))
            else:
                widget.setText(key)
                widget.setAccessibleName(key)
            grid.addWidget(widget, index // 3, index % 3)
            self.buttons[key] = widget


class _AccessibleName:
    """Texts target that sets only the accessible name (for symbol-only buttons)."""

    def __init__(self, widget: QPushButton) -> None:
        self.widget = widget

    def setText(self, text: str) -> None:  # mirrors the Qt method Texts calls
        self.widget.setAccessibleName(text)


class ItemRowView(QFrame):
    """One item (or odd tag) as the station's :class:`ItemRow` describes it; re-read on every change."""

    def __init__(self, row: ItemRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setProperty("role", "row")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon = label("icon", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.title = label("subtitle")
        self.detail = label()
        self.message = label()
        self.status_word = label(wrap=False)
        self.status_word.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignTrailing)
        text_box = QVBoxLayout()
        text_box.setSpacing(2)
        for widget in (self.title, self.detail, self.message):
            text_box.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text_box, 1)
        layout.addWidget(self.status_word, 0, Qt.AlignmentFlag.AlignTop)

    def refresh(self, language: str) -> None:
        row = self.row
        icon, tone, word = STATUS_LOOK.get(row.status, ("?", "busy", _("Checking…")))
        self.icon.setText(icon)
        set_tone(self.icon, tone)
        set_tone(self.status_word, tone)
        frame_tone = "problem" if tone == "problem" else "warning" if tone == "warning" else ""
        set_tone(self, frame_tone)
        self.status_word.setText(render(word, language))
        self.title.setText(row.title or render(_("Item {hint}", hint=_hint(row.item_id)), language))
        self.detail.setText(self._detail(language))
        self.detail.setVisible(bool(self.detail.text()))
        message = " ".join(render(m, language) for m in row_messages(row))
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.setAccessibleName(f"{self.title.text()}: {self.status_word.text()}")
        self.setAccessibleDescription(" ".join(t for t in (self.detail.text(), message) if t))

    def _detail(self, language: str) -> str:
        row = self.row
        parts = []
        if row.due_date is not None and row.status in (ItemStatus.BORROWED, ItemStatus.RENEWED):
            parts.append(render(_("Due back {date}", date=format_date(row.due_date, language)), language))
        word = INSTRUCTION_WORDS.get(row.instruction)
        if word is not None and row.status.success:
            where = _(word.msgid, destination=row.destination or "?", sort_bin=row.sort_bin or "?")
            parts.append(render(where, language))
        if row.parts_total > 1:
            parts.append(render(_("{seen} of {total} parts", seen=row.parts_seen, total=row.parts_total),
                                language))
        return " · ".join(parts)


def row_messages(row: ItemRow) -> list[Message]:
    """What to say under a row: the instruction or the problem, once; no chatter for a plain loan.

    A successful loan's status word and due date say it all (the SIGB's own "loan recorded" text is
    left out); a return's message is its instruction (shelf, holds bin, shuttle); a refusal shows the
    station's message and, when it adds something, the SIGB's reason.
    """
    if row.status in (ItemStatus.BORROWED, ItemStatus.RENEWED) and not (row.needs_staff or row.offline):
        return []
    messages = [row.message] if row.message is not None else []
    if row.reason is not None and not row.status.success and row.reason != row.message:
        messages.append(row.reason)
    return messages


def _hint(item_id: str | None) -> str:
    return f"…{item_id[-4:]}" if item_id else "?"


class ItemListView(QScrollArea):
    """Rows in arrival order, newest at the bottom and scrolled into view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.box = QVBoxLayout(inner)
        self.box.setSpacing(10)
        self.box.addStretch(1)
        self.setWidget(inner)
        self.views: list[ItemRowView] = []
        # the newest row is at the bottom: follow it when the list grows (after the layout ran)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(lambda _low, high: bar.setValue(high))

    def add(self, row: ItemRow, language: str) -> ItemRowView:
        view = ItemRowView(row)
        view.refresh(language)
        self.box.insertWidget(self.box.count() - 1, view)
        view.show()
        self.views.append(view)
        return view

    def view_of(self, row: ItemRow) -> ItemRowView | None:
        return next((v for v in self.views if v.row is row), None)

    def clear(self) -> None:
        for view in self.views:
            self.box.removeWidget(view)
            view.hide()
            view.row = None  # type: ignore[assignment]  # drop the model reference at once
            view.deleteLater()
        self.views.clear()

    def refresh(self, language: str) -> None:
        for view in self.views:
            view.refresh(language)


def adaptive_box(parent: QWidget | None = None) -> QBoxLayout:
    """A box laid out top-to-bottom in portrait and side by side in landscape (see :func:`orient`)."""
    return QBoxLayout(QBoxLayout.Direction.TopToBottom, parent)


def orient(box: QBoxLayout, width: int, height: int) -> None:
    direction = QBoxLayout.Direction.TopToBottom if height >= width else QBoxLayout.Direction.LeftToRight
    if box.direction() != direction:
        box.setDirection(direction)
