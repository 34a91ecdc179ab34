"""EventJournal: every record type, the station id on every row, and the refusal of patron data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from offline_queue import EventJournal, InvalidEvent, JournalError, PatronDataRefused, redact
from offline_queue.privacy import CARD_LIKE, forbidden_name, looks_like_patron_data

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> EventJournal:
    now = [T0]
    with EventJournal(tmp_path / "events.db", station_id="FR-75-K1", clock=lambda: now[0]) as j:
        j.now = now  # type: ignore[attr-defined]
        yield j


def _count(journal: EventJournal) -> int:
    tables = [r["name"] for r in journal.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                               "NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'")]
    return sum(journal.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in tables)


def test_a_checkout_stack_with_an_incomplete_set_and_a_foreign_tag(journal: EventJournal) -> None:
    stack = journal.begin_stack("checkout", at=T0)
    journal.record_transaction("checkout", "ok", duration_ms=812.5, stack_id=stack, reads=1, sigb_ms=240.0,
                               tag_ms=35.5)
    journal.record_transaction("checkout", "refused", reason="incomplete-set", duration_ms=3000,
                               stack_id=stack, reads=2, set_parts=3, set_parts_present=2)
    journal.record_transaction("checkout", "refused", reason="foreign-tag", duration_ms=5, stack_id=stack,
                               reads=4)
    journal.end_stack(stack, tags_seen=4, items_declared=3, at=T0 + timedelta(seconds=4.2))
    stacks = journal.query("SELECT station_id, kind, tags_seen, items_declared, duration_ms, ended_at "
                           "FROM stacks")
    assert stacks == [{"station_id": "FR-75-K1", "kind": "checkout", "tags_seen": 4, "items_declared": 3,
                       "duration_ms": 4200.0, "ended_at": "2025-03-01T09:00:04.200000+00:00"}]
    rows = journal.query("SELECT outcome, reason, reads, set_parts, set_parts_present, offline, stack_id "
                         "FROM transactions ORDER BY id")
    assert rows == [
        {"outcome": "ok", "reason": None, "reads": 1, "set_parts": None, "set_parts_present": None,
         "offline": 0, "stack_id": stack},
        {"outcome": "refused", "reason": "incomplete-set", "reads": 2, "set_parts": 3, "set_parts_present": 2,
         "offline": 0, "stack_id": stack},
        {"outcome": "refused", "reason": "foreign-tag", "reads": 4, "set_parts": None,
         "set_parts_present": None, "offline": 0, "stack_id": stack}]


def test_every_record_type_writes_one_row_with_the_station_id(journal: EventJournal) -> None:
    journal.record_transaction("login", "refused", reason="invalid-pin", duration_ms=900)
    journal.record_error("reader", "ReaderTimeout", detail="no reply within 0.5 s on /dev/ttyUSB0")
    period = journal.record_offline_period("sigb-unreachable", started_at=T0)
    journal.end_offline_period(period, ended_at=T0 + timedelta(minutes=42), transactions_queued=17)
    journal.record_replay("checkout", "accepted", attempts=1, delay_s=2520.0)
    alarm = journal.record_alarm("on-loan-still-secured", direction="out", afi=0x07, eas=False)
    journal.set_alarm_verdict(alarm, false_alarm=True)
    journal.record_people_count(entering=120, leaving=98, period_start=T0, period_end=T0 + timedelta(hours=1))
    journal.record_walk_test(orientation="spine-up", speed_m_s=1.4, detected=True, tag_type="slix2",
                             height_cm=90)
    journal.record_encoding(item_id="30001000123456", uid=bytes.fromhex("E004010012345678"), duration_ms=640,
                            operator="op-3", format="iso28560-2")
    journal.record_event("reader-reconnected", {"attempts": 3, "port": "/dev/ttyUSB0", "ok": True})
    tables = {"transactions", "errors", "offline_periods", "replay_outcomes", "gate_alarms", "people_counts",
              "walk_tests", "encodings", "events"}
    for table in tables:
        assert journal.query(f"SELECT station_id FROM {table}") == [{"station_id": "FR-75-K1"}], table
    assert journal.query("SELECT ended_at, transactions_queued FROM offline_periods") == [
        {"ended_at": "2025-03-01T09:42:00.000000+00:00", "transactions_queued": 17}]
    assert journal.query("SELECT cause, direction, afi, eas, false_alarm FROM gate_alarms") == [
        {"cause": "on-loan-still-secured", "direction": "out", "afi": 7, "eas": 0, "false_alarm": 1}]
    assert journal.query("SELECT item_id, uid, operator FROM encodings") == [
        {"item_id": "30001000123456", "uid": "E004010012345678", "operator": "op-3"}]
    assert json.loads(journal.query("SELECT fields FROM events")[0]["fields"]) == {
        "attempts": 3, "ok": True, "port": "/dev/ttyUSB0"}
    assert journal.query("SELECT at FROM errors") == [{"at": "2025-03-01T09:00:00.000000+00:00"}]  # clock


@pytest.mark.parametrize(("call", "message"), [
    (lambda j: j.record_transaction("lend", "ok", duration_ms=1), "kind must be one of checkout"),
    (lambda j: j.record_transaction("checkout", "fine", duration_ms=1), "outcome must be one of ok"),
    (lambda j: j.record_transaction("checkout", "ok", duration_ms=-1), "duration_ms must be a finite"),
    (lambda j: j.record_transaction("checkout", "ok", duration_ms=float("nan")), "duration_ms must be"),
    (lambda j: j.record_transaction("checkout", "ok", duration_ms=1, reads=True), "reads must be a non-neg"),
    (lambda j: j.record_transaction("checkout", "ok", duration_ms=1, set_parts=0), "set_parts must be"),
    (lambda j: j.record_transaction("checkout", "refused", duration_ms=1, reason="Carte bloquée, voir"),
     "reason must be a short code"),
    (lambda j: j.record_alarm("x", direction="sideways"), "direction must be one of in"),
    (lambda j: j.record_alarm("x", afi=256), "afi must be an integer 0..255"),
    (lambda j: j.record_walk_test(orientation="flat", speed_m_s=0, detected=True), "speed_m_s must be"),
    (lambda j: j.record_encoding(item_id="I1", uid="E0", duration_ms=1, operator="op"), "uid must be 4 to"),
    (lambda j: j.record_people_count(entering=1, leaving=1, period_start=T0, period_end=T0 - timedelta(1)),
     "period_end is before period_start"),
    (lambda j: j.record_event("x", {"Bad-Name": 1}), "snake_case"),
    (lambda j: j.record_event("x", {"items": [1, 2]}), "must be a string, number, boolean or None"),
    (lambda j: j.record_error("reader", "E", detail="x" * 501), "at most 500 characters"),
    (lambda j: j.record_error("reader", "E", at="yesterday"), "at must be a datetime"),
])
def test_invalid_events_are_refused_before_anything_is_written(journal: EventJournal, call, message) -> None:
    with pytest.raises(InvalidEvent, match=message):
        call(journal)
    assert _count(journal) == 0


def test_updates_of_unknown_rows_are_errors(journal: EventJournal) -> None:
    with pytest.raises(JournalError, match="no gate_alarms row #9"):
        journal.set_alarm_verdict(9, false_alarm=True)
    with pytest.raises(JournalError, match="no stacks row #3"):
        journal.end_stack(3, tags_seen=1)


# -- patron data ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["patron_id", "patron", "card", "card_number", "cardnumber", "pin",
                                  "user_pin", "borrowernumber", "patronid", "email", "phone_number", "name",
                                  "first_name", "date_of_birth", "password", "userid"])
def test_event_fields_named_like_patron_data_are_refused(journal: EventJournal, name: str) -> None:
    with pytest.raises(PatronDataRefused, match="named like patron data"):
        journal.record_event("session-ended", {name: "x"})
    assert _count(journal) == 0


@pytest.mark.parametrize("name", ["items", "duration_ms", "mapping", "shipping_bin", "spine_up", "opinion"])
def test_ordinary_field_names_are_accepted(journal: EventJournal, name: str) -> None:
    journal.record_event("x", {name: 1})


@pytest.mark.parametrize("value", ["23000000123456", "carte 2300 0000 1234", "06 12 34 56 78",
                                   "hélène.dupont@example.fr", 23000000123456, 23000000123.0])
def test_values_that_look_like_patron_identifiers_are_refused_everywhere(journal: EventJournal,
                                                                         value: object) -> None:
    calls = [lambda: journal.record_event("x", {"note": value}),
             lambda: journal.record_error("sigb", "PatronInfoFailed", detail=str(value))]
    if isinstance(value, str) and " " not in value:
        calls += [lambda: journal.record_transaction("login", "refused", reason=value, duration_ms=1),
                  lambda: journal.record_alarm(value),
                  lambda: journal.record_encoding(item_id="I1", uid="E004010012345678", duration_ms=1,
                                                  operator=value)]
    for call in calls:
        with pytest.raises(PatronDataRefused, match="looks like a patron identifier"):
            call()
    assert _count(journal) == 0


def test_refusal_messages_never_repeat_the_value(journal: EventJournal) -> None:
    with pytest.raises(PatronDataRefused) as caught:
        journal.record_error("sigb", "E", detail="patron 23000000123456 blocked")
    assert "23000000123456" not in str(caught.value)


def test_redacted_free_text_is_accepted(journal: EventJournal) -> None:
    detail = redact("checkout failed for 23000000123456 <jean@example.org>, retry")
    journal.record_error("sigb", "CheckoutFailed", detail=detail)
    assert journal.query("SELECT detail FROM errors") == [
        {"detail": "checkout failed for [number] <[address]>, retry"}]


def test_the_network_card_pattern_also_guards_item_identifiers(tmp_path: Path) -> None:
    with EventJournal(tmp_path / "e.db", station_id="K1", patron_id_pattern=r"P\d{5}") as journal:
        uid = "E004010012345678"
        journal.record_encoding(item_id="30001000123456", uid=uid, duration_ms=1, operator="op-1")
        with pytest.raises(PatronDataRefused, match="patron card-number pattern"):
            journal.record_encoding(item_id="P12345", uid=uid, duration_ms=1, operator="op-1")
        with pytest.raises(PatronDataRefused):
            journal.record_error("sigb", "E", detail="card P12345 refused")


def test_station_ids_may_embed_an_isil_but_must_be_codes(tmp_path: Path) -> None:
    with EventJournal(tmp_path / "e.db", station_id="FR-751131015-K1") as journal:
        journal.record_alarm("eas")
        assert journal.query("SELECT station_id FROM gate_alarms") == [{"station_id": "FR-751131015-K1"}]
    with pytest.raises(InvalidEvent, match="station_id must be a short code"):
        EventJournal(tmp_path / "e.db", station_id="kiosk near the entrance")


def test_no_journal_column_is_named_like_patron_data(journal: EventJournal) -> None:
    for table in journal.db.table_names():
        if table.startswith("_sqlite"):  # sqlite-utils' migration log
            continue
        assert not [c.name for c in journal.db[table].columns if forbidden_name(c.name)], table


@given(st.text(max_size=200))
def test_redact_always_yields_acceptable_text(text: str) -> None:
    assert not looks_like_patron_data(redact(text))


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.booleans(), st.integers(),
                                                        st.floats(), st.text(max_size=40)), max_size=6))
def test_record_event_either_stores_safe_fields_or_raises_invalid_event(tmp_path_factory, fields) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.db"
    with EventJournal(path, station_id="K1") as journal:
        try:
            row_id = journal.record_event("fuzz", fields)
        except InvalidEvent:
            return
        stored = journal.query("SELECT fields FROM events WHERE id = ?", [row_id])[0]["fields"]
    assert not CARD_LIKE.search(stored)
    assert not any(forbidden_name(k) for k in json.loads(stored))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in json.loads(stored))
