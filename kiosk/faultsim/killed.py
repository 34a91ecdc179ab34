"""Runs where the station process is killed with SIGKILL at a random point, then restarted.

The parent owns everything that outlives the station in real life: the
simulated SIGB (TCP), the RF field with its tags and a reader simulator served
over TCP. The station runs in a child process
(:mod:`kiosk.faultsim.station_process`, built by ``Station.from_config``) and is
killed at a random moment of a checkout, a return, or an offline-queue replay.
A new station on the same files then starts like a rebooted kiosk (recovery of
the intent log, replay of the queue), and the invariant checker compares SIGB,
tags and journals with what the child had shown the patron before it died.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.faultsim.invariants import Shown
from kiosk.faultsim.runner import (
    ManualClock,
    RunResult,
    _settle,
    _verdict,
    available_items,
    demo_for_runs,
    loaned_items,
)

ROOT = Path(__file__).resolve().parents[2]


def dump_toml(table: dict[str, Any]) -> str:
    """Just enough TOML for a station configuration (tables of strings, numbers, booleans, lists)."""
    lines: list[str] = []
    for section, values in table.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


class Child:
    """The station process and the lines it printed."""

    def __init__(self, spec_path: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.faultsim.station_process", str(spec_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=str(ROOT),
        )
        self.lines: list[str] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._seen:
                self.lines.append(line.strip())
                self._seen.notify_all()
        with self._seen:
            self.lines.append("EOF")
            self._seen.notify_all()

    def wait_for(self, word: str, timeout: float = 30.0) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: word in self.lines or "EOF" in self.lines, timeout)

    def kill(self) -> bool:
        """SIGKILL unless it already finished; True when it was killed."""
        killed = self.proc.poll() is None
        if killed:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.wait_for("EOF", 5.0)
        return killed

    def shown(self, card: str | None) -> list[Shown]:
        result = []
        for line in self.lines:
            if line.startswith("SHOWN "):
                _, kind, item_id, offline = line.split()
                result.append(Shown(kind, item_id, card if kind != "returned" else None, offline == "1"))
        return result


def run_killed(seed: int, workdir: Path) -> RunResult:
    from simulators.readers import simulator_class

    rng = random.Random(seed)
    clock = ManualClock()
    demo = demo_for_runs(workdir, clock, config={"sigb": {"retry_online_seconds": 0.2}})
    reader_sim = simulator_class("feig")(demo.field)
    try:
        endpoint = reader_sim.serve("tcp")
        return _run(demo, endpoint.port, rng, seed, clock, workdir)
    finally:
        reader_sim.close()
        demo.close()


def _run(
    demo: Any, reader_port: str, rng: random.Random, seed: int, clock: ManualClock, workdir: Path
) -> RunResult:
    scenario = rng.choice(("borrow", "return", "replay"))
    baseline = demo.sigb.transactions[-1].seq if demo.sigb.transactions else 0
    card = demo.patron(rng.choice(("patron_ok", "patron_no_loans")))
    pool = loaned_items(demo) if scenario == "return" else available_items(demo)
    items = [demo.item(b, parts=2 if rng.random() < 0.15 else 1) for b in rng.sample(pool, rng.randint(1, 4))]
    demo.place(*items)
    demo.sigb.faults.latency = rng.choice((0.005, 0.02, 0.05))
    if scenario == "replay":
        demo.sigb.go_down()

    actions: list[dict[str, Any]] = []
    if scenario != "return":
        actions.append({"identify": card, "pin": demo.pin(card)})
    actions += [{"run": 8.0}, {"finish": True}]
    if scenario == "replay":
        actions.append({"sync": 15.0})
    spec = workdir / "spec.json"
    config = workdir / "child.toml"
    table = _child_config(demo, reader_port)
    config.write_text(dump_toml(table), encoding="utf-8")
    spec.write_text(json.dumps({"config": str(config), "actions": actions}), encoding="utf-8")

    child = Child(spec)
    if scenario == "replay":
        child.wait_for("SYNCING")
        demo.sigb.come_back()
        window = 0.05 + 0.03 * len(items)
    else:
        child.wait_for("READY")
        window = 0.05 + len(items) * (2 * demo.sigb.faults.latency + 0.03)
    time.sleep(rng.uniform(0.0, window))
    killed = child.kill()

    demo.sigb.faults.reset()
    demo.station.open()
    _settle(demo, clock)
    verdict = _verdict(demo, baseline, child.shown(card if scenario != "return" else None), Counter())
    outcomes = Counter(line.split()[1] for line in child.lines if line.startswith("SHOWN "))
    outcomes["killed" if killed else "finished"] += 1
    return RunResult(
        seed,
        f"killed-{scenario}",
        (),
        verdict,
        outcomes,
        len(demo.sigb.transactions),
        len(demo.station.staff_alerts(include_resolved=True)),
    )


def _child_config(demo: Any, reader_port: str) -> dict[str, Any]:
    from kiosk.demo import demo_config_table

    table = demo_config_table(demo.sigb.address, demo.workdir, demo.dataset)
    table["reader"] = {"driver": "feig", "port": reader_port, "poll_interval": 0.02}
    table["sigb"].update(timeout=0.5, retries=0, retry_online_seconds=0.1, keepalive_interval=600.0)
    table["sets"] = {"wait_seconds": 0.5, "incomplete": "refuse"}
    table["offline"]["max_items_per_patron"] = 10
    return table
