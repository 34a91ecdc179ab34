"""Assemble a gate from its configuration: readers, mode, policy, outputs, counter, records, SIP2.

Everything hardware-facing can be replaced by the caller (``readers``, ``outputs``,
``counter``, ``lookup``): the demo and the tests pass simulators, a site passes
nothing and gets the devices named in the TOML file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.base import ItemReader
from drivers.counters import PeopleCounter, open_counter
from drivers.outputs import AlarmOutput, open_output

from .alarm_log import AlarmLog
from .buffered import BufferedInventory
from .config import GateConfig, ReaderConfig
from .controller import GateController, GateListener
from .counting import PeopleCounts
from .identify import TagIdentifier
from .item_states import ItemStateService
from .lookup import ItemLookup, Sip2ItemLookup
from .modes import make_detector
from .passages import AlarmPipeline
from .policy import DetectionPolicy
from .readers import ReaderSlot
from .signal import AlarmSignal
from .store import GateDatabase

_FROM_CONFIG = object()


@dataclass
class Gate:
    """A built gate: the controller and the records it writes (for the CLI, monitor and tests)."""

    controller: GateController
    store: GateDatabase
    log: AlarmLog
    counts: PeopleCounts
    outputs: list[AlarmOutput]
    endpoint: Any = None  # /metrics + /health when [metrics] has a port
    journal: Any = None  # pilot event journal bridge when [journal] names a file

    def close(self) -> None:
        self.controller.stop()
        if self.endpoint is not None:
            self.endpoint.stop()
        if self.journal is not None:
            self.journal.close()
            self.journal.journal.close()
        self.store.close()


def reader_factory(reader: ReaderConfig, identifier: TagIdentifier | None = None) -> Callable[[], ItemReader]:
    """Opens the configured reader (wrapped for buffered read mode)."""

    def open_configured() -> ItemReader:
        from drivers import open_reader

        opened = open_reader(reader.driver, reader.port, baudrate=reader.baudrate)
        if reader.read_mode == "buffered":
            return BufferedInventory(opened, identifier)  # type: ignore[return-value]
        return opened

    return open_configured


def build_gate(
    config: GateConfig,
    *,
    listener: GateListener | None = None,
    readers: Mapping[str, Callable[[], ItemReader]] | None = None,
    outputs: Sequence[AlarmOutput] | None = None,
    counter: object = _FROM_CONFIG,
    lookup: object = _FROM_CONFIG,
    store: GateDatabase | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Gate:
    store = store or GateDatabase(config.log.path)
    opened_outputs = (
        list(outputs)
        if outputs is not None
        else [
            open_output(
                o.driver,
                name=o.name,
                role=o.role,
                port=o.port,
                channel=o.channel,
                chip=o.chip,
                line=o.line,
                active_low=o.active_low,
                sysfs_root=o.sysfs_root,
            )
            for o in config.outputs
        ]
    )
    durations = {o.name: o.duration_s for o in config.outputs}
    signal = AlarmSignal([(o, durations.get(o.name, 3.0)) for o in opened_outputs])
    if counter is _FROM_CONFIG:
        counter = open_counter(config.counter.driver)
    if lookup is _FROM_CONFIG:
        lookup = Sip2ItemLookup(config.sip2) if config.sip2 is not None else None
    states = ItemStateService(lookup, store, refresh_s=config.database.refresh_s)  # type: ignore[arg-type]
    policy = DetectionPolicy(
        config.policy,
        config.security_profile,
        config.mode,
        alarm_on_cache_miss=config.database.on_cache_miss == "alarm",
    )
    identifier = TagIdentifier(blocks=config.policy.identify_blocks, clock=clock)
    detector = make_detector(config.mode, policy, identifier, states, clock)
    pipeline = AlarmPipeline(
        policy, config.debounce_s, config.passage_gap_s, config.counter.direction_window_s
    )
    factories = (
        dict(readers)
        if readers is not None
        else {r.name: reader_factory(r, identifier) for r in config.readers}
    )
    settings = {r.name: r for r in config.readers}
    slots = [
        ReaderSlot(
            name,
            factory,
            _antennas(settings.get(name)),
            settings[name].reconnect_s if name in settings else 2.0,
        )
        for name, factory in factories.items()
    ]
    log = AlarmLog(store)
    counts = PeopleCounts(store)
    controller = GateController(
        config,
        slots,
        detector,
        pipeline,
        signal,
        log,
        counts,
        counter=counter,  # type: ignore[arg-type]
        states=states if lookup is not None else None,
        listener=listener,
        clock=clock,
    )
    gate = Gate(controller, store, log, counts, opened_outputs)
    _operations(gate, config)
    return gate


def _operations(gate: Gate, config: GateConfig) -> None:
    """The event journal for the pilot report and the metrics endpoint, when configured."""
    if config.journal.events:
        from offline_queue import EventJournal

        from .pilot_journal import GateJournal

        path = Path(config.journal.events)
        path.parent.mkdir(parents=True, exist_ok=True)
        events = EventJournal(path, station_id=config.journal.station_id)
        gate.journal = GateJournal(events).attach(gate.controller)
    if config.metrics.port is not None:
        from .metrics import serve

        gate.endpoint = serve(gate.controller, config.metrics.host, config.metrics.port)


def _antennas(reader: ReaderConfig | None) -> tuple[int, ...]:
    """Antennas polled in turn; a buffered reader reads all of its antennas itself."""
    if reader is None or reader.read_mode == "buffered":
        return ()
    return reader.antennas


__all__ = ["Gate", "ItemLookup", "PeopleCounter", "build_gate", "reader_factory"]
