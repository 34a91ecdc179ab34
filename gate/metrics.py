"""Prometheus metrics and the health endpoint of a gate (``[metrics] port = 9108`` in the gate file).

Metric names (prefix ``borne_gate_``, label ``gate`` = the gate's name; used by
``deploy/grafana/borne-network.json``):

====================================  ========  ===========================================================
``alarms_total{reason}``              counter   alarms raised, by reason (secured, eas, not checked out…)
``people_total{direction}``           counter   people counted in / out
``poll_cycles_total``                 counter   poll cycles run
``poll_overruns_total``               counter   cycles that did not fit in the poll interval
``reader_up{reader}``                 gauge     1 when the reader is open and answering
``reader_losses_total{reader}``       counter   times the reader was lost and reopened
``output_up{output}``                 gauge     1 when the alarm output (light, buzzer, relay) works
``cpu_share``                         gauge     share of one core used by the poll loop
====================================  ========  ===========================================================

``/health``: ``{"status": "ok" | "degraded", "readers": {...}, "outputs": {...}}`` — degraded (HTTP 503) when
a reader is down or an output failed. Alarm and crossing counts are fed by the controller's hooks; the rest
is read from the controller at scrape time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from drivers.service_http import ServiceEndpoint

from .alarm_log import AlarmRecord
from .controller import GateController
from .events import Alarm

PREFIX = "borne_gate"


class GateMetrics(Collector):
    def __init__(self, controller: GateController) -> None:
        self.controller = controller
        self.label = controller.config.name
        self.alarms: Counter[str] = Counter()
        self.people: Counter[str] = Counter({"in": 0, "out": 0})
        self._lock = threading.Lock()
        self.registry = CollectorRegistry()
        self.registry.register(self)
        controller.on_alarm.append(self.alarmed)
        controller.on_crossing.append(self.crossed)

    def alarmed(self, alarm: Alarm, record: AlarmRecord) -> None:
        with self._lock:
            self.alarms[str(alarm.reason)] += 1

    def crossed(self, direction: str) -> None:
        with self._lock:
            self.people[direction] += 1

    def collect(self) -> Iterator[Any]:
        c, stats = self.controller, self.controller.stats
        with self._lock:
            alarms, people = dict(self.alarms), dict(self.people)
        yield self._counter("alarms", "Alarms raised by reason", "reason", alarms)
        yield self._counter("people", "People counted by direction", "direction", people)
        yield self._counter("poll_cycles", "Poll cycles run", None, {"": stats.cycles})
        yield self._counter(
            "poll_overruns", "Poll cycles longer than the interval", None, {"": stats.overruns}
        )
        yield self._gauge(
            "reader_up",
            "Reader open and answering",
            "reader",
            {s.name: float(s.state == "ok") for s in c.slots},
        )
        yield self._counter(
            "reader_losses", "Times the reader was lost", "reader", {s.name: s.losses for s in c.slots}
        )
        yield self._gauge(
            "output_up",
            "Alarm output working",
            "output",
            {name: float(error is None) for name, error in c.signal.health.items()},
        )
        yield self._gauge(
            "cpu_share",
            "Share of one core used by the poll loop",
            None,
            {"": stats.cpu_share(time.monotonic()) if stats.started else 0.0},
        )

    def _counter(self, name: str, help_text: str, label: str | None, values: dict[str, float]) -> Any:
        family = CounterMetricFamily(
            f"{PREFIX}_{name}", help_text, labels=["gate", *([label] if label else [])]
        )
        for key, value in sorted(values.items()):
            family.add_metric([self.label, *([key] if label else [])], value)
        return family

    def _gauge(self, name: str, help_text: str, label: str | None, values: dict[str, float]) -> Any:
        family = GaugeMetricFamily(
            f"{PREFIX}_{name}", help_text, labels=["gate", *([label] if label else [])]
        )
        for key, value in sorted(values.items()):
            family.add_metric([self.label, *([key] if label else [])], value)
        return family

    def health(self) -> dict[str, Any]:
        readers = {s.name: {"state": s.state, "error": s.error} for s in self.controller.slots}
        outputs = {
            name: {"ok": error is None, "error": error}
            for name, error in self.controller.signal.health.items()
        }
        problems = [f"reader {n}" for n, r in readers.items() if r["state"] != "ok"]
        problems += [f"output {n}" for n, o in outputs.items() if not o["ok"]]
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "gate": self.label,
            "mode": self.controller.config.mode,
            "readers": readers,
            "outputs": outputs,
            "alarms": sum(self.alarms.values()),
        }


def serve(controller: GateController, host: str = "127.0.0.1", port: int = 9108) -> ServiceEndpoint:
    """Start the endpoint of a gate (``build_gate`` does it when ``[metrics]`` has a port)."""
    metrics = GateMetrics(controller)
    endpoint = ServiceEndpoint(metrics.registry, metrics.health, host=host, port=port)
    endpoint.metrics = metrics  # type: ignore[attr-defined]
    return endpoint.start()
