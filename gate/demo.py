"""``borne gate --demo``: the real gate service against simulated traffic, SIGB and devices.

What runs is the production code path: the FEIG driver talks ISO-host frames through
a pyserial URL transport to the FEIG reader simulator, which serves an RF field (with
ISO 15693 air-time pacing) that the gate traffic simulator fills with visitors; SIP2
look-ups go to the simulated SIGB over TCP; outputs are simulated and record their
switching times; the beam-pair counter is simulated. At the end the run is scored
against the traffic's ground truth: detection rate, false alarms, alarm latency.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from drivers.counters.simulated import SimulatedBeamCounter
from drivers.outputs.simulated import SimulatedOutput

from .config import ConfigError, GateConfig, Sip2Config, parse_config
from .controller import GateListener
from .service import Gate, build_gate
from .walktest import WalkTest, WalkTestPlan

DEMO_CONFIG = """
[gate]
name = "Démo — Médiathèque de Perpignan, sortie"
mode = "afi"
poll_interval_ms = 50
debounce_s = 10
passage_gap_s = 1.0
[policy]
network_institutions = ["FR-66*"]
[[reader]]
name = "pedestals"
driver = "feig"
port = "simulated"
[[output]]
name = "beacon"
role = "light"
driver = "simulated"
duration_s = 0.5
[[output]]
name = "buzzer"
role = "buzzer"
driver = "simulated"
duration_s = 0.3
[counter]
driver = "simulated"
"""


@dataclass
class DemoOptions:
    visitors: int = 30
    seed: int = 1
    realistic: bool = False
    duration: float | None = None
    mode: str | None = None
    walk_items: int = 3
    passes: int = 3


@dataclass
class DemoWorld:
    """The simulators behind a demo gate, and the gate itself."""

    gate: Gate
    field: Any
    counter: SimulatedBeamCounter
    outputs: list[SimulatedOutput]
    profile: Any
    alarms: list[tuple[float, bytes | None]]


def demo_config(config: GateConfig | None, mode: str | None, log_path: str) -> GateConfig:
    base = config or parse_config(DEMO_CONFIG, source="<demo>")
    return replace(base, mode=mode or base.mode, log=replace(base.log, path=log_path))


def with_simulated_sigb(config: GateConfig, sigb: Any, dataset: Any) -> GateConfig:
    """The same gate configuration, looking titles and states up on a running simulated SIGB."""
    host, port = sigb.address
    account = dataset.accounts[0]
    return replace(config, sip2=Sip2Config(
        host=host, port=port, username=account.username, password=account.password,
        institution_id=dataset.institution_id,
    ))


def build_world(
    config: GateConfig, stack: ExitStack, options: DemoOptions, listener: GateListener | None = None
) -> DemoWorld:
    from simulators.gate_traffic import IDEAL, REALISTIC, TrafficProfile, catalog_from_library
    from simulators.readers import simulated_reader
    from simulators.rf import RFField
    from simulators.sigb import SimulatedSIGB, load_sample_dataset

    dataset = load_sample_dataset()
    sigb = stack.enter_context(SimulatedSIGB(dataset))
    config = with_simulated_sigb(config, sigb, dataset)
    field = RFField(airtime=True, seed=options.seed)
    branches = {b.code: b.isil for b in dataset.branches}
    profile = TrafficProfile(
        catalog=catalog_from_library(sigb.library, branches),
        network=tuple(sorted(set(branches.values()))),
        read_probability=dict(REALISTIC if options.realistic else IDEAL),
        untrusted_afi=0.2 if config.mode == "database" else 0.0,
    )
    outputs = [SimulatedOutput(o.name, o.role) for o in config.outputs] or [SimulatedOutput("beacon")]
    counter = SimulatedBeamCounter()
    gate = build_gate(
        config,
        listener=listener,
        outputs=outputs,
        counter=counter,
        readers={
            r.name: _simulated_reader_factory(simulated_reader, field, stack) for r in config.readers[:1]
        }
        or None,
    )
    stack.callback(gate.close)
    alarms: list[tuple[float, bytes | None]] = []
    gate.controller.on_alarm.append(
        lambda alarm, record: alarms.append((alarm.sighting.time, alarm.sighting.uid))
    )
    return DemoWorld(gate, field, counter, outputs, profile, alarms)


def _simulated_reader_factory(
    simulated_reader: Callable[..., Any], field: Any, stack: ExitStack
) -> Callable[[], Any]:
    def open_simulated() -> Any:
        return stack.enter_context(simulated_reader(field, protocol="feig", transport="url"))

    return open_simulated


def run_demo(
    config: GateConfig | None,
    options: DemoOptions,
    out: TextIO,
    listener: GateListener | None = None,
    on_world: Callable[[DemoWorld], None] | None = None,
) -> int:
    """Play the traffic through the gate, print what happened and the score."""
    from simulators.gate_traffic import GateTraffic, TrafficPlanner

    with ExitStack() as stack:
        log_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="borne-gate-demo-"))
        config = demo_config(config, options.mode, str(Path(log_dir) / "gate.sqlite"))
        if not config.readers:
            raise ConfigError(f"{config.source}: the demo needs one [[reader]] table (it is simulated)")
        world = build_world(config, stack, options, listener)
        if on_world is not None:
            on_world(world)
        planner = TrafficPlanner(world.profile, seed=options.seed)
        traffic = GateTraffic(
            world.field, planner.visitors(options.visitors), profile=world.profile, counter=world.counter
        )
        print(
            f"Demo gate {config.name!r}, mode {config.mode}, {options.visitors} visitors "
            f"({'realistic' if options.realistic else 'ideal'} read conditions), about "
            f"{traffic.duration:.0f} s",
            file=out,
            flush=True,
        )
        world.gate.controller.run_in_thread()
        traffic.start()
        traffic.finished.wait(options.duration if options.duration is not None else traffic.duration + 30)
        time.sleep(config.passage_gap_s + 0.2)  # let the last passage close
        traffic.stop()
        world.gate.controller.stop()
        report = traffic.score(world.alarms, sorted(t for o in world.outputs[:1] for t in o.activations))
        print_summary(world.gate, report, out)
        return 0


def print_summary(gate: Gate, report: Any, out: TextIO) -> None:
    stats = gate.controller.stats
    rate = "n/a" if report.detection_rate is None else f"{report.detection_rate:.1%}"
    p50, p95 = report.latency_percentile(0.5), report.latency_percentile(0.95)
    lines = [
        "",
        "Summary",
        f"  visitors {report.visitors}, tags carried {report.tags}, people counted in "
        f"{gate.controller.counter.counts['in'] if gate.controller.counter else 0} / out "
        f"{gate.controller.counter.counts['out'] if gate.controller.counter else 0}",
        f"  passages with alarms {stats.passages}, alarms {stats.alarms}",
        f"  detection rate {rate} ({report.detected}/{report.expected} items that should alarm)",
        f"  false alarms {report.total_false_alarms}"
        + (f" {report.false_alarms}" if report.false_alarms else ""),
        "  alarm latency " + ("n/a" if p50 is None else f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"),
        f"  poll cycles {stats.cycles}, overruns {stats.overruns}, "
        f"CPU {stats.cpu_share(time.monotonic()):.1%} of one core",
    ]
    for presence in report.missed[:10]:
        lines.append(
            f"  missed {presence.tag.item_id} ({presence.tag.orientation}, {presence.visitor.speed})"
        )
    print("\n".join(lines), file=out, flush=True)


def run_demo_walk_test(config: GateConfig | None, options: DemoOptions, out: TextIO) -> int:
    """The walk-test protocol, walked by the traffic simulator with its read-probability model."""
    from simulators.gate_traffic import ORIENTATIONS, SPEEDS, GateTraffic, TrafficPlanner

    with ExitStack() as stack:
        log_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="borne-gate-walk-"))
        config = demo_config(config, options.mode, str(Path(log_dir) / "gate.sqlite"))
        world = build_world(config, stack, options)
        planner = TrafficPlanner(world.profile, seed=options.seed)
        items = [planner.tag("secured") for _ in range(options.walk_items)]
        plan = WalkTestPlan(tuple(t.item_id or "" for t in items), passes=options.passes)
        walk = WalkTest(plan)
        world.gate.controller.on_sighting.append(walk.observe)
        world.gate.controller.run_in_thread()
        print(
            f"Walk test: {len(items)} test items, {options.passes} passes × "
            f"{len(ORIENTATIONS)} orientations × {len(SPEEDS)} speeds",
            file=out,
            flush=True,
        )
        for condition in plan.conditions:
            visitors = planner.walk_test(
                items, condition.orientation, condition.speed, options.passes, start=0.05, spacing=0.4
            )
            for number, visitor in enumerate(visitors, 1):
                walk.start_pass(condition, number)
                traffic = GateTraffic(world.field, [replace(visitor, arrival=0.05)], profile=world.profile)
                traffic.play()
                time.sleep(0.15)
                walk.end_pass()
        world.gate.controller.stop()
        print(walk.report(), file=out, flush=True)
        return 0


def wait_or_interrupt(stop: threading.Event, duration: float | None) -> None:
    """Block until ``duration`` passes or Ctrl-C."""
    try:
        stop.wait(duration)
    except KeyboardInterrupt:
        pass
