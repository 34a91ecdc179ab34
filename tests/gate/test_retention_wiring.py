"""The running gate applies ``[log] retention_days`` itself: rows older than the period are purged by the poll
loop's housekeeping (at start, then daily), younger ones stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from drivers.outputs.simulated import SimulatedOutput
from gate.alarm_log import AlarmLog
from gate.service import build_gate
from gate.store import GateDatabase
from simulators.rf import RFField

from .conftest import gate_config
from .field_reader import FieldReader
from .test_records import alarm


def test_the_poll_loop_purges_rows_older_than_the_retention_period() -> None:
    config = gate_config("afi")
    config = replace(config, log=replace(config.log, retention_days=30))
    store = GateDatabase(":memory:")
    log = AlarmLog(store)
    now = datetime.now(UTC)
    log.record(alarm(1), now - timedelta(days=31))
    log.record(alarm(2), now - timedelta(days=29))
    reader = FieldReader(RFField(seed=4))
    gate = build_gate(config, readers={"field": lambda: reader}, outputs=[SimulatedOutput("light")],
                      counter=None, lookup=None, store=store)
    try:
        gate.controller.start()
        gate.controller.cycle()
        assert [r.uid[-1] for r in gate.log.recent()] == ["2"]  # the 31-day-old row is gone
    finally:
        gate.close()
