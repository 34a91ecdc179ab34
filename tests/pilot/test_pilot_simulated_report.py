"""End to end: a simulated pilot (real workflows on simulators), its report, and the simulator's ground truth.

The ground truth is written by the simulated patrons, visitors and operators *before* the stations act; the
report is computed from the journals the stations wrote. Every figure checked here must agree exactly.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pilot_html import SECTION_KEYS, Figures

from kiosk.pilot.report import build_report
from kiosk.pilot.simulate import SimulationPlan, simulate_pilot
from simulators.sigb import load_sample_dataset

PLAN = SimulationPlan(
    days=3, stations=2, seed=5, sessions_per_day=16, visitors_per_day=90, encoding_per_day=12, walk_passes=2
)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("pilot")
    truth = simulate_pilot(PLAN, out)
    journals = [out / j for j in truth.journals]
    cards = [p.card for p in load_sample_dataset().patrons]
    report = build_report(journals, known_ids=cards, patron_pattern="2066[0-9]{10}")
    return {
        "truth": truth,
        "journals": journals,
        "report": report,
        "figures": Figures(report.html),
        "out": out,
    }


def _rows(journals: list[Path], sql: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for path in journals:
        with sqlite3.connect(path) as db:
            rows += db.execute(sql).fetchall()
    return rows


def test_the_simulation_exercised_every_area(pilot: dict[str, Any]) -> None:
    truth = pilot["truth"]
    assert len(truth.kiosks) == 2 and len(truth.gates) == 2 and len(truth.encoders) == 1
    totals = sum((k.transactions for k in truth.kiosks.values()), Counter())
    for key in ("checkout:ok", "checkout:refused", "checkin:ok", "renew:ok", "login:ok", "login:refused"):
        assert totals[key] > 0, key
    assert sum(k.offline_periods for k in truth.kiosks.values()) == 2
    assert sum(k.replay["rejected"] for k in truth.kiosks.values()) == 1
    assert sum(k.sets_incomplete for k in truth.kiosks.values()) > 0
    assert sum(g.alarms for g in truth.gates.values()) > 0
    assert sum(g.false_alarms for g in truth.gates.values()) > 0
    assert (pilot["out"] / "ground-truth.json").is_file()


def test_every_section_for_the_network_and_each_station(pilot: dict[str, Any]) -> None:
    """The network has every section; a station's page has the sections of its equipment, no others."""
    figures: Figures = pilot["figures"]
    assert (None, "synthese") in figures.sections and (None, "methode") in figures.sections
    for key in SECTION_KEYS:
        assert (None, key) in figures.sections, key
    truth = pilot["truth"]
    for stations, keys in (
        (
            truth.kiosks,
            ["transactions", "echecs", "latences", "piles", "lectures", "lots", "refus", "hors-ligne"],
        ),
        (truth.gates, ["portiques", "tests-passage"]),
        (truth.encoders, ["conversion"]),
    ):
        for station in stations:
            shown = {key for scope, key in figures.sections if scope == station}
            assert shown == {*keys, "erreurs"}, station


def test_kiosk_figures_match_the_ground_truth(pilot: dict[str, Any]) -> None:
    figures: Figures = pilot["figures"]
    overall: Counter[str] = Counter()
    for station, truth in pilot["truth"].kiosks.items():
        for key, expected in truth.transactions.items():
            kind, outcome = key.split(":")
            assert figures.number(station, "transactions", f"{kind}.{outcome}") == expected, (station, key)
            overall[key] += expected
        for reason, expected in truth.refusals.items():
            assert figures.number(station, "refus", f"refusal.{reason}") == expected, (station, reason)
        assert figures.number(station, "transactions", "offline_transactions") == truth.offline_transactions
        for name in ("exact", "fewer", "more"):
            assert figures.number(station, "piles", f"stack_reads.{name}") == truth.declared_stacks[name]
        assert figures.number(station, "piles", "stack_reads.declared") == truth.items_declared
        assert figures.number(station, "piles", "stack_reads.read") == truth.tags_read
        assert figures.number(station, "lots", "sets.complete") == truth.sets_complete
        assert figures.number(station, "lots", "sets.incomplete") == truth.sets_incomplete
        assert figures.number(station, "hors-ligne", "offline.periods") == truth.offline_periods
        assert figures.number(station, "hors-ligne", "offline.queued") == truth.queued
        assert figures.number(station, "hors-ligne", "replay.accepted") == truth.replay["accepted"]
        assert figures.number(station, "hors-ligne", "replay.rejected") == truth.replay["rejected"]
    for key, expected in overall.items():
        kind, outcome = key.split(":")
        assert figures.number(None, "transactions", f"{kind}.{outcome}") == expected, key


def test_refusals_are_told_apart_by_reason(pilot: dict[str, Any]) -> None:
    """Each refusal the simulated patrons provoke is journaled with its own reason, never one catch-all."""
    figures: Figures = pilot["figures"]
    overall: Counter[str] = Counter()
    for station, truth in pilot["truth"].kiosks.items():
        shown = {
            name.removeprefix("refusal."): int(float(value))
            for name, value in figures.figures[(station, "refus")].items()
            if name.startswith("refusal.")
        }
        assert shown == dict(truth.refusals), station
        overall += truth.refusals
    provoked = {"on-hold-for-another", "item-not-for-loan", "renewal-limit", "patron-blocked", "wrong-pin"}
    assert provoked <= set(overall), overall
    assert not {"refused", "sigb-refused", "other"} & set(overall)
    shown = {n.removeprefix("refusal.") for n in figures.figures[(None, "refus")] if n.startswith("refusal.")}
    assert shown == set(overall)
    # the offline loan of an unknown card is rejected on replay: the journal says why
    rejected = sum(k.replay["rejected"] for k in pilot["truth"].kiosks.values())
    assert figures.number(None, "hors-ligne", "replay.rejected.unknown-card") == rejected == 1


def test_gate_and_walk_test_figures_match_the_ground_truth(pilot: dict[str, Any]) -> None:
    figures: Figures = pilot["figures"]
    entering = alarms = 0
    for station, truth in pilot["truth"].gates.items():
        assert figures.number(station, "portiques", "gate.entering") == truth.entering
        assert figures.number(station, "portiques", "gate.leaving") == truth.leaving
        assert figures.number(station, "portiques", "gate.alarms") == truth.alarms
        assert figures.number(station, "portiques", "gate.false_alarms") == truth.false_alarms
        for cause, expected in truth.false_by_cause.items():
            assert figures.number(station, "portiques", f"gate.false_cause.{cause}") == expected
        for direction, expected in truth.alarms_by_direction.items():
            assert figures.number(station, "portiques", f"gate.direction.{direction}") == expected
        assert figures.get(station, "portiques", "gate.direction.unknown") is None, "every passage crossed"
        if truth.entering:
            per_1000 = figures.number(station, "portiques", "gate.alarms_per_1000")
            assert per_1000 == pytest.approx(truth.alarms * 1000 / truth.entering, abs=1e-3)
        for condition, (passes, detected) in truth.walk.items():
            orientation, speed = condition.split("@")
            prefix = f"walk.{orientation}.{float(speed):g}"
            assert figures.number(station, "tests-passage", f"{prefix}.passes") == passes
            assert figures.number(station, "tests-passage", f"{prefix}.detected") == detected
        entering, alarms = entering + truth.entering, alarms + truth.alarms
    assert figures.number(None, "portiques", "gate.alarms_per_1000") == pytest.approx(
        alarms * 1000 / entering, abs=1e-3
    )


def test_visitors_come_in_and_leave_and_loans_go_out(pilot: dict[str, Any]) -> None:
    """Every visitor crosses the counter twice; kiosk loans leave through the gate (on loan: no alarm),
    returns come in; so alarms per 1,000 visitors (per entry) stay in a believable range."""
    truth, figures = pilot["truth"], pilot["figures"]
    for station, gate in truth.gates.items():
        kiosk = truth.kiosks[station.replace("-G1", "-K1")]
        assert gate.entering == gate.leaving >= PLAN.visitors_per_day * PLAN.days, station
        assert gate.carried["out:on_loan"] >= kiosk.transactions["checkout:ok"] > 0
        assert gate.carried["in:on_loan"] >= kiosk.transactions["checkin:ok"] > 0
        assert gate.carried["out:patron_card"] and gate.carried["in:patron_card"]
        assert 0 < figures.number(station, "portiques", "gate.alarms_per_1000") < 60
    method = pilot["report"].html.split('id="methode"', 1)[1]
    assert "entering" in method or "entrées" in method


def test_conversion_figures_match_the_ground_truth(pilot: dict[str, Any]) -> None:
    figures: Figures = pilot["figures"]
    for station, truth in pilot["truth"].encoders.items():
        assert truth.per_operator_day
        for key, (ok, failed) in truth.per_operator_day.items():
            operator, day = key.split("@")
            assert figures.number(station, "conversion", f"encoding.{operator}.{day}.ok") == ok
            assert figures.number(station, "conversion", f"encoding.{operator}.{day}.failed") == failed
            assert figures.number(station, "conversion", f"encoding.{operator}.{day}.per_hour") > 0


def test_latency_and_read_figures_match_the_journals(pilot: dict[str, Any]) -> None:
    """Durations are real (not simulated), so they are checked against the journals by plain SQL."""
    figures: Figures = pilot["figures"]
    journals = pilot["journals"]
    durations = sorted(
        d
        for (d,) in _rows(
            journals,
            "SELECT duration_ms FROM transactions WHERE kind = 'checkout' AND outcome = 'ok' AND offline = 0",
        )
    )
    assert figures.number(None, "latences", "latency.checkout.count") == len(durations)
    assert figures.number(None, "latences", "latency.checkout.median_ms") == pytest.approx(
        statistics.median(durations), abs=1e-3
    )
    assert figures.number(None, "latences", "latency.checkout.max_ms") == pytest.approx(
        max(durations), abs=1e-3
    )
    renewals = [
        d
        for (d,) in _rows(
            journals, "SELECT duration_ms FROM transactions WHERE kind = 'renew' AND outcome = 'ok'"
        )
    ]
    assert renewals and min(renewals) > 0, "renewals are timed"
    assert figures.number(None, "latences", "latency.renew.count") == len(renewals)
    assert figures.number(None, "latences", "latency.renew.median_ms") == pytest.approx(
        statistics.median(renewals), abs=1e-3
    )
    logins = [
        d
        for (d,) in _rows(
            journals,
            "SELECT duration_ms FROM transactions WHERE kind = 'login' AND outcome = 'ok' AND offline = 0",
        )
    ]
    assert logins and min(logins) > 0, "identifications are timed"
    assert figures.number(None, "latences", "latency.login.count") == len(logins)
    assert figures.number(None, "latences", "latency.login.median_ms") == pytest.approx(
        statistics.median(logins), abs=1e-3
    )
    assert figures.number(None, "latences", "latency.login.max_ms") == pytest.approx(max(logins), abs=1e-3)
    reads = Counter()
    for total, parts in _rows(
        journals, "SELECT reads, set_parts_present FROM transactions WHERE reads IS NOT NULL"
    ):
        reads[max(1, round(total / (parts or 1)))] += parts or 1
    for attempts, tags in reads.items():
        assert figures.number(None, "lectures", f"reads.{attempts}") == tags
    assert max(reads) > 1, "worn tags needed more than one read"
    single = _rows(
        journals,
        "SELECT s.tags_seen, count(*) FROM transactions t JOIN stacks s ON "
        "s.id = t.stack_id AND s.station_id = t.station_id WHERE t.outcome = 'ok' AND "
        "t.offline = 0 AND t.kind IN ('checkout', 'checkin', 'renew') AND s.tags_seen = 1 "
        "GROUP BY s.tags_seen",
    )
    assert figures.number(None, "latences", "stack_size.1.items") == sum(n for _, n in single)


def test_summary_carries_the_key_figures(pilot: dict[str, Any]) -> None:
    figures: Figures = pilot["figures"]
    summary = figures.figures[(None, "synthese")]
    total = sum(figures.number(None, "transactions", f"{k}.total") for k in ("checkout", "checkin", "renew"))
    assert summary["summary.items"].replace("\u202f", "") == str(int(total))
    assert summary["summary.stations"] == "5"
    for name in (
        "summary.success_rate",
        "summary.checkout_median",
        "summary.alarms_per_1000",
        "summary.walk_rate",
        "summary.encoded",
        "summary.replay",
    ):
        assert summary[name] not in ("", "—"), name
    assert "Synthèse" in pilot["report"].html and 'lang="fr"' in pilot["report"].html
