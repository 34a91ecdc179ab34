"""The privacy check (clean journals pass, planted identifiers are caught and nothing is written), journals of
an older schema, and the ``borne pilot`` command line."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.pilot.privacy import PrivacyCheck, PrivacyViolation
from kiosk.pilot.report import build_report, pdf_converter
from offline_queue import EventJournal

CARD = "20660000000015"  # a card number of the sample dataset
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_journal(path: Path, station: str = "FR-660010101-K1") -> Path:
    with EventJournal(path, station_id=station, clock=lambda: T0) as journal:
        stack = journal.begin_stack("checkout", at=T0)
        for n in range(3):
            journal.record_transaction(
                "checkout", "ok", duration_ms=400 + n, stack_id=stack, reads=1, sigb_ms=90
            )
        journal.end_stack(stack, tags_seen=3, items_declared=3, at=T0 + timedelta(seconds=30))
        journal.record_error("reader", "ReaderTimeout", detail="no answer after 0.5 s")
        journal.record_event("reader-reconnected", {"after_s": 2.5})
        period = journal.record_offline_period("sigb-unreachable", started_at=T0)
        journal.end_offline_period(period, ended_at=T0 + timedelta(minutes=5), transactions_queued=1)
        journal.record_alarm("secured-item", direction="out", false_alarm=False)
        journal.record_people_count(
            entering=40, leaving=38, period_start=T0, period_end=T0 + timedelta(hours=1)
        )
        journal.record_encoding(
            item_id="30660000000013", uid="E004010000001234", duration_ms=800, operator="op-1"
        )
    return path


def plant(path: Path, sql: str, *params: object) -> Path:
    with sqlite3.connect(path) as db:
        db.execute(sql, params)
    return path


def test_clean_journal_passes_with_the_sample_cards_and_the_card_pattern(tmp_path: Path) -> None:
    report = build_report([make_journal(tmp_path / "a.db")], known_ids=[CARD], patron_pattern="2066[0-9]{10}")
    assert "FR-660010101-K1" in report.html  # ISIL-based station ids are not digit runs
    assert CARD not in report.html


@pytest.mark.parametrize(
    ("sql", "params", "where"),
    [
        ("UPDATE errors SET detail = ?", (f"patron {CARD} not found",), "errors.detail"),
        ("UPDATE events SET fields = ?", (json.dumps({"after_s": 2.5, "note": CARD}),), "events.fields"),
        ("UPDATE transactions SET reads = ? WHERE id = 1", (int(CARD),), "transactions.reads"),
        ("UPDATE offline_periods SET cause = ?", ("jean.dupont@example.org",), "offline_periods.cause"),
        ("UPDATE gate_alarms SET cause = ?", ("2066 0000 0000 15",), "gate_alarms.cause"),
    ],
)
def test_a_planted_identifier_is_caught_and_masked(
    tmp_path: Path, sql: str, params: tuple, where: str
) -> None:
    journal = plant(make_journal(tmp_path / "a.db"), sql, *params)
    with pytest.raises(PrivacyViolation) as caught:
        build_report([journal], known_ids=[CARD])
    message = str(caught.value)
    assert where in message and "not written" in message
    assert CARD not in message and "jean.dupont" not in message  # the check never repeats what it found


def test_the_network_card_pattern_catches_short_card_numbers(tmp_path: Path) -> None:
    journal = plant(make_journal(tmp_path / "a.db"), "UPDATE errors SET error = 'AB123456'")
    build_report([journal])  # six digits: not card-like by the generic rule
    with pytest.raises(PrivacyViolation, match="card-number pattern"):
        build_report([journal], patron_pattern="[A-Z]{2}[0-9]{6}")


def test_html_is_checked_node_by_node() -> None:
    check = PrivacyCheck([CARD])
    assert check.scan_html("<table><tr><td>12</td><td>345678</td></tr></table>", "r") == []
    assert check.scan_html('<svg><path d="M 10.0,20.0 L 30.5,40.5"/></svg>', "r") == []
    assert check.scan_html("<p>FR-660010101-K1</p>", "r") == []
    found = check.scan_html(f'<p title="{CARD}">x</p><p>2066 0000 0000 15</p>', "r")
    assert {f.kind for f in found} == {"known patron identifier", "card-like digit run"}
    assert all(CARD not in f.masked for f in found)


def test_cli_refuses_to_write_a_report_with_patron_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = plant(make_journal(tmp_path / "a.db"), "UPDATE errors SET detail = ?", f"carte {CARD}")
    out = tmp_path / "report.html"
    assert main(["pilot", "report", "--journal", str(journal), "--out", str(out), "--sample-patrons"]) == 1
    assert "Error: privacy check failed" in capsys.readouterr().err
    assert not out.exists()


def test_cli_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = make_journal(tmp_path / "a.db"), make_journal(tmp_path / "b.db", "FR-660020101-G1")
    out = tmp_path / "out" / "report.html"
    assert main(["pilot", "report", "--journal", str(a), str(b), "--out", str(out)]) == 0
    assert (
        capsys.readouterr().out == f"{out}: report of 2 station(s) from 2 journal(s); privacy check passed\n"
    )
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_pdf_without_a_converter_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.pilot.report.shutil.which", lambda name: None)  # no wkhtmltopdf, no browser
    if pdf_converter() is not None:
        pytest.skip("the weasyprint package is installed here")
    out = tmp_path / "report.html"
    assert (
        main(
            ["pilot", "report", "--journal", str(make_journal(tmp_path / "a.db")), "--out", str(out), "--pdf"]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "no PDF was made" in err and "weasyprint" in err
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_cli_missing_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.db"
    assert main(["pilot", "report", "--journal", str(missing), "--out", str(tmp_path / "r.html")]) == 1
    assert (
        capsys.readouterr().err == f"Error: {missing}: no such journal file (give the station's events.db)\n"
    )


def test_a_journal_of_an_older_schema_is_read_through_a_migrated_copy(tmp_path: Path) -> None:
    journal = make_journal(tmp_path / "old.db")
    with sqlite3.connect(journal) as db:  # as written by a Borne that did not have m003 yet
        db.execute("DROP TABLE events")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_events'")
    before = journal.read_bytes()
    report = build_report([journal])
    assert report.figures.migrated == [str(journal)]
    assert report.figures.overall.circulation.total("checkout") == 3
    assert journal.read_bytes() == before  # the original is never written


def test_cli_simulate_then_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pilot"
    args = [
        "pilot",
        "simulate",
        "--days",
        "1",
        "--stations",
        "1",
        "--out",
        str(out),
        "--seed",
        "3",
        "--patrons-per-day",
        "4",
        "--visitors-per-day",
        "6",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    truth = json.loads((out / "ground-truth.json").read_text())
    journals = [str(out / j) for j in truth["journals"]]
    assert f"borne pilot report --journal {' '.join(journals)}" in printed
    assert (
        main(
            [
                "pilot",
                "report",
                "--journal",
                *journals,
                "--out",
                str(out / "r.html"),
                "--sample-patrons",
                "--patron-pattern",
                "2066[0-9]{10}",
            ]
        )
        == 0
    )
    assert main(["pilot", "simulate", "--days", "0", "--out", str(out)]) == 1
