"""Observable models without Qt: change events, no loops, views cannot write fields directly."""

from __future__ import annotations

import pytest

from kiosk.circulation.models import (
    ItemList,
    ItemRow,
    ItemStatus,
    PatronSession,
    SessionState,
    StationStatus,
    mask_card,
)
from kiosk.circulation.observable import Event


def test_field_changes_emit_one_event_each_then_changed() -> None:
    row = ItemRow(1, (b"\xe0\x04",), "30660000000013")
    seen: list[Event] = []
    row.events.status.connect(seen.append)
    row.events.changed.connect(seen.append)
    row.update(status=ItemStatus.BORROWED, title="Les Misérables")
    row.update(status=ItemStatus.BORROWED)  # no change, no event
    assert [(e.type, e.value) for e in seen] == [
        ("status", ItemStatus.BORROWED),
        ("changed", ("status", "title")),
    ]
    assert seen[0].source is row


def test_views_cannot_assign_fields() -> None:
    status = StationStatus("fr")
    with pytest.raises(AttributeError, match="changed by the workflow"):
        status.online = True  # type: ignore[misc]


def test_failing_callback_does_not_stop_the_workflow() -> None:
    session = PatronSession(mask_card("20660000000015"), "fr")
    calls: list[str] = []

    def broken(event: Event) -> None:
        raise RuntimeError("view bug")

    session.events.state.connect(broken)
    session.events.state.connect(lambda e: calls.append(e.value))
    session.update(state=SessionState.ACTIVE)
    assert calls == [SessionState.ACTIVE] and session.state is SessionState.ACTIVE


def test_item_list_inserts_counts_and_finds() -> None:
    items = ItemList()
    inserted: list[ItemRow] = []
    items.events.inserted.connect(lambda e: inserted.append(e.value))
    a = items.add(ItemRow(1, (b"a",), "A"))
    items.add(ItemRow(2, (b"b",), "B"))
    assert items.count == 2 and inserted[0] is a
    assert items.find(uid=b"b").item_id == "B" and items.find(item_id="A") is a
    items.clear()
    assert items.count == 0 and len(a.events.status) == 0


def test_statuses_and_masking() -> None:
    assert ItemStatus.BORROWED.terminal and not ItemStatus.PROCESSING.terminal
    assert ItemStatus.RETURNED.success and not ItemStatus.SEE_STAFF.success
    assert mask_card("20660000000015") == "••••••••••0015"
