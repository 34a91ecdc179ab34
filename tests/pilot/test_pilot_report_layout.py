"""How the report reads: a grouped French summary first, charts with visible captions and whole labels,
French numbers, station pages limited to their equipment, and the method in French."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_html import Figures

from kiosk.pilot import charts
from kiosk.pilot.figures import Distribution
from kiosk.pilot.report import build_report
from offline_queue import EventJournal

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KIOSK, GATE = "FR-660010101-K1", "FR-660010101-G1"


def kiosk_journal(path: Path) -> Path:
    with EventJournal(path, station_id=KIOSK, clock=lambda: T0) as journal:
        stack = journal.begin_stack("checkout", at=T0)
        for n in range(4):
            journal.record_transaction("checkout", "ok", duration_ms=1.5 + n / 10, stack_id=stack, reads=1)
        for reason in ("on-hold-for-another", "on-hold-for-another", "renewal-limit", "fines"):
            kind = "renew" if reason == "renewal-limit" else "checkout"
            journal.record_transaction(kind, "refused", duration_ms=2.0, reason=reason)
        journal.end_stack(stack, tags_seen=5, items_declared=5, at=T0 + timedelta(seconds=30))
    return path


def gate_journal(path: Path) -> Path:
    with EventJournal(path, station_id=GATE, clock=lambda: T0) as journal:
        journal.record_people_count(
            entering=200, leaving=200, period_start=T0, period_end=T0 + timedelta(hours=1)
        )
        journal.record_alarm("secured-item", direction="out", false_alarm=False)
        journal.record_alarm("on-loan-still-secured", direction="in", false_alarm=True)
    return path


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("layout")
    return build_report([kiosk_journal(folder / "k.db"), gate_journal(folder / "g.db")]).html


def test_the_summary_comes_first_grouped_by_equipment(html: str) -> None:
    summary = html.split('<section id="synthese"', 1)[1].split("</section>", 1)[0]
    assert html.index('id="synthese"') < html.index('id="reseau"')
    assert "1 automate de prêt, 1 portique antivol" in summary
    for group, title in (("kiosks", "Automates de prêt"), ("gates", "Portiques antivol")):
        assert f'id="synthese-{group}"><h3>{title}</h3><table>' in summary
    assert 'id="synthese-conversion"><h3>Conversion des collections</h3><p class="none">' in summary
    figures = Figures(html).figures[(None, "synthese")]
    assert figures["summary.visitors"] == "200" and figures["summary.alarms_per_1000"] == "10,0"
    assert figures["summary.top_refusal"] == (
        "document réservé pour un autre lecteur (2), pénalités ou frais impayés (1), "
        "nombre maximum de prolongations atteint (1)"
    )
    assert "page-break-after:always" in html  # printed, the summary is a page of its own


def test_charts_have_captions_whole_labels_and_french_numbers(html: str) -> None:
    chart = charts.bars([("document réservé pour un autre lecteur", 13.0), ("lot incomplet", 2.0)], "Refus")
    assert chart.startswith("<figure><figcaption>Refus</figcaption><svg")
    assert ">document réservé pour un autre lecteur</text>" in chart
    whiskers = charts.whiskers([("pile de 2", Distribution.of([1.5, 2.25, 2.5]))], "Temps", "ms")
    assert ">2,2 / 2,5 ms</text>" in whiskers
    histogram = charts.histogram(Distribution.of([1.4, 2.0, 4.0]), "Temps", "ms")
    assert 'text-anchor="end" font-family="sans-serif">4,0 ms</text>' in histogram  # not cut at the edge
    assert "<figcaption>Refus par motif</figcaption>" in html
    assert not re.search(r">[^<]*\d\.\d[^<]*(ms|%)</text>", html), "decimal points in chart text"


def test_station_pages_show_their_equipment_only(html: str) -> None:
    figures = Figures(html)
    kiosk = {key for scope, key in figures.sections if scope == KIOSK}
    gate = {key for scope, key in figures.sections if scope == GATE}
    assert "refus" in kiosk and "portiques" not in kiosk and "conversion" not in kiosk
    assert gate == {"portiques", "tests-passage", "erreurs"}
    assert figures.get(GATE, "portiques", "gate.direction.out") == "1"
    assert figures.get(GATE, "portiques", "gate.false_direction.in") == "1"


def test_the_method_is_in_french_and_defines_alarms_per_visitor_on_entries(html: str) -> None:
    method = html.split('id="methode"', 1)[1]
    assert "<dt>Alarmes pour 1 000 visiteurs</dt>" in method
    assert "personnes comptées en entrée" in method and "deux fois" in method
    assert "The pilot's figures" not in method  # the English module docstring is for developers
