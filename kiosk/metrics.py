"""Prometheus metrics and the health endpoint of a kiosk (``[metrics] port = 9108``).

Metric names (all prefixed ``borne_kiosk_``; every series carries the ``station`` label so a network's
kiosks can share one Prometheus; ``deploy/grafana/borne-network.json`` uses exactly these):

==========================================  ========  ===================================================
``transactions_total{kind,outcome}``        counter   checkout/checkin/renew/login × ok/refused/error
``refusals_total{reason}``                  counter   refusal and failure reason codes (journal codes)
``errors_total{component}``                 counter   reader, sigb, station… errors journaled
``transaction_seconds{kind}``               histogram time per item (successful, online)
``sigb_round_trip_seconds``                 histogram SIP2 time inside each transaction
``reader_up``                               gauge     1 when the last pad inventory worked
``sigb_up``                                 gauge     1 when the SIGB answered last time
``offline``                                 gauge     1 in offline mode (store and forward)
``offline_queue_depth``                     gauge     transactions waiting for the SIGB
``offline_queue_oldest_age_seconds``        gauge     age of the oldest of them (0 when empty)
``offline_queue_rejected``                  gauge     rejected replays staff have not read yet
``staff_alerts``                            gauge     open staff alerts (tag/SIGB mismatches…)
==========================================  ========  ===================================================

Counters come from the station's pilot journal counts and gauges from its status model, read at scrape
time (nothing to keep in sync); histograms are fed by the journal's observer hook as transactions happen.
``/health`` answers ``{"status": "ok" | "degraded", "reader": …, "sigb": …, "queue": …}``: degraded (HTTP
503) when the reader is down, or the station is offline, or the queue holds transactions older than
``[metrics] max_queue_age_s``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from drivers.service_http import ServiceEndpoint
from kiosk.config import Table, register_section

PREFIX = "borne_kiosk"
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class MetricsSection:
    """``[metrics]``: where the endpoint listens (no port: no endpoint)."""

    port: int | None = None
    host: str = "127.0.0.1"
    max_queue_age_s: float = 3600.0

    @classmethod
    def from_table(cls, t: Table) -> MetricsSection:
        return cls(
            port=t.int("port", None, 0, 65535),
            host=t.str("host", "127.0.0.1") or "127.0.0.1",
            max_queue_age_s=t.float("max_queue_age_s", 3600.0, 1.0),
        )


register_section("metrics", MetricsSection.from_table)


class KioskCollector(Collector):
    """Reads the station's counts and status at each scrape."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self.label = str(station.config.station.id)

    def collect(self) -> Iterator[Any]:
        counts = self.station.journal.counts
        transactions = CounterMetricFamily(f"{PREFIX}_transactions", "Transactions by kind and outcome",
                                           labels=["station", "kind", "outcome"])
        refusals = CounterMetricFamily(f"{PREFIX}_refusals", "Refusals and failures by reason code",
                                       labels=["station", "reason"])
        errors = CounterMetricFamily(f"{PREFIX}_errors", "Errors journaled by component",
                                     labels=["station", "component"])
        for key, value in sorted(counts.items()):
            head, _, tail = key.partition(":")
            if head in ("checkout", "checkin", "renew", "login"):
                transactions.add_metric([self.label, head, tail], value)
            elif head == "reason":
                refusals.add_metric([self.label, tail], value)
            elif head == "error":
                errors.add_metric([self.label, tail], value)
        yield from (transactions, refusals, errors)
        yield from self._gauges()

    def _gauges(self) -> Iterator[GaugeMetricFamily]:
        status, queue = self.station.status, self._queue()
        values = {
            "reader_up": ("The pad reader answered the last inventory", float(bool(status.reader_ok))),
            "sigb_up": ("The SIGB answered last time", float(bool(status.online) and not status.offline)),
            "offline": ("The kiosk is in offline mode", float(bool(status.offline))),
            "offline_queue_depth": ("Offline transactions waiting for the SIGB", queue["depth"]),
            "offline_queue_oldest_age_seconds": ("Age of the oldest waiting transaction", queue["age_s"]),
            "offline_queue_rejected": ("Rejected replays not yet read by staff", queue["rejected"]),
            "staff_alerts": ("Open staff alerts", float(status.staff_alerts or 0)),
        }
        for name, (help_text, value) in values.items():
            gauge = GaugeMetricFamily(f"{PREFIX}_{name}", help_text, labels=["station"])
            gauge.add_metric([self.label], value)
            yield gauge

    def _queue(self) -> dict[str, float]:
        queue = getattr(self.station, "queue", None)
        if queue is None:
            return {"depth": 0.0, "age_s": 0.0, "rejected": 0.0}
        stats = queue.stats()
        age = 0.0
        if stats.oldest_unsettled is not None:
            age = max((datetime.now(UTC) - stats.oldest_unsettled).total_seconds(), 0.0)
        return {"depth": float(stats.depth), "age_s": age, "rejected": float(stats.unreported_rejections)}


class KioskMetrics:
    """The registry of one kiosk and its health report."""

    def __init__(self, station: Any, settings: MetricsSection | None = None) -> None:
        self.station = station
        self.settings = settings or MetricsSection()
        self.registry = CollectorRegistry()
        self.collector = KioskCollector(station)
        self.registry.register(self.collector)
        label = self.collector.label
        self.latency = Histogram(f"{PREFIX}_transaction_seconds", "Time per item (successful, online)",
                                 ["station", "kind"], registry=self.registry, buckets=LATENCY_BUCKETS)
        self.sigb = Histogram(f"{PREFIX}_sigb_round_trip_seconds", "SIP2 time inside each transaction",
                              ["station"], registry=self.registry, buckets=LATENCY_BUCKETS).labels(label)
        self._label = label
        station.journal.observers.append(self.observe)

    def observe(self, kind: str, outcome: str, duration_ms: float | None, sigb_ms: float | None,
                offline: bool) -> None:
        """Pilot-journal observer: one transaction was recorded."""
        if outcome != "ok" or offline or kind == "login":
            return
        if duration_ms is not None:
            self.latency.labels(self._label, kind).observe(duration_ms / 1000.0)
        if sigb_ms is not None:
            self.sigb.observe(sigb_ms / 1000.0)

    def health(self) -> dict[str, Any]:
        status = self.station.status
        queue = self.collector._queue()
        reader = {"ok": bool(status.reader_ok), "error": status.reader_error}
        sigb = {"ok": bool(status.online) and not status.offline, "offline": bool(status.offline),
                "reason": status.offline_reason}
        queue_report = {"depth": int(queue["depth"]), "oldest_age_s": round(queue["age_s"], 1),
                        "rejected_unread": int(queue["rejected"])}
        problems = [name for name, bad in (("reader", not reader["ok"]), ("sigb", not sigb["ok"]),
                                           ("queue", queue["age_s"] > self.settings.max_queue_age_s)) if bad]
        return {"status": "degraded" if problems else "ok", "problems": problems,
                "station": self.collector.label, "mode": str(status.mode), "reader": reader, "sigb": sigb,
                "queue": queue_report, "staff_alerts": int(status.staff_alerts or 0)}


def serve(station: Any, settings: MetricsSection) -> ServiceEndpoint:
    """Start the endpoint of a running station (called by ``Station.start`` when ``[metrics]`` has a port)."""
    metrics = KioskMetrics(station, settings)
    endpoint = ServiceEndpoint(metrics.registry, metrics.health, host=settings.host, port=settings.port or 0)
    endpoint.metrics = metrics  # type: ignore[attr-defined]
    return endpoint.start()
