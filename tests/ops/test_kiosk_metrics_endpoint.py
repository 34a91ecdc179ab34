"""The kiosk's /metrics and /health, scraped over HTTP from a running station on the simulators."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kiosk.config import parse_config
from kiosk.demo import Demo


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = requests.get(f"{base}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted({"station": "demo-kiosk", **labels}.items()))), 0.0)


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def demo(tmp_path: Path):
    with Demo(tmp_path, config={"metrics": {"port": 0}}) as demo:
        demo.station.start()
        yield demo


def test_metrics_are_exposed_and_follow_activity(demo: Demo) -> None:
    host, port = demo.station.metrics_endpoint.address
    base = f"http://{host}:{port}"
    before = scrape(base)
    assert value(before, "borne_kiosk_reader_up") == 1.0
    assert value(before, "borne_kiosk_sigb_up") == 1.0
    assert value(before, "borne_kiosk_transactions_total", kind="checkout", outcome="ok") == 0.0

    card = demo.patron("patron_ok")
    assert demo.station.identify(card, demo.pin(card)).result(timeout=5)
    demo.place(demo.item("item_available"), demo.item("item_reserved_for_other"))
    wait_for(
        lambda: (
            demo.station.journal.counts["checkout:ok"] == 1
            and demo.station.journal.counts["checkout:refused"] == 1
        )
    )
    after = scrape(base)
    assert value(after, "borne_kiosk_transactions_total", kind="checkout", outcome="ok") == 1.0
    assert value(after, "borne_kiosk_transactions_total", kind="checkout", outcome="refused") == 1.0
    assert value(after, "borne_kiosk_transactions_total", kind="login", outcome="ok") == 1.0
    assert value(after, "borne_kiosk_refusals_total", reason="on-hold-for-another") == 1.0
    assert value(after, "borne_kiosk_transaction_seconds_count", kind="checkout") == 1.0
    assert value(after, "borne_kiosk_sigb_round_trip_seconds_count") == 1.0


def test_health_reports_reader_sigb_and_queue(demo: Demo) -> None:
    host, port = demo.station.metrics_endpoint.address
    base = f"http://{host}:{port}"
    ok = requests.get(f"{base}/health", timeout=5)
    assert ok.status_code == 200
    assert ok.json()["status"] == "ok" and ok.json()["queue"]["depth"] == 0

    demo.sigb.faults.down = True
    demo.station.force_offline(True).result(timeout=5)
    down = requests.get(f"{base}/health", timeout=5)
    assert down.status_code == 503
    assert down.json()["problems"] == ["sigb"] and down.json()["sigb"]["offline"] is True
    assert value(scrape(base), "borne_kiosk_offline") == 1.0
    assert requests.get(f"{base}/nothing", timeout=5).status_code == 404


def test_no_port_no_endpoint(tmp_path: Path) -> None:
    config = parse_config({"metrics": {}})
    assert config.extra["metrics"].port is None
    with Demo(tmp_path) as demo:
        demo.station.start()
        assert demo.station.metrics_endpoint is None


def test_bad_metrics_port_names_the_key() -> None:
    with pytest.raises(ValueError, match=r"metrics\.port: expected an integer 0-65535"):
        parse_config({"metrics": {"port": 70000}})


def test_pilot_section_asks_for_declared_items() -> None:
    assert parse_config({}).extra["pilot"].ask_items_declared is False
    assert parse_config({"pilot": {"ask_items_declared": True}}).extra["pilot"].ask_items_declared is True
    with pytest.raises(ValueError, match=r"pilot\.ask_items: unknown key"):
        parse_config({"pilot": {"ask_items": True}})
