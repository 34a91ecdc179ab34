"""Security gate on simulated traffic: alarm latency, detection rate, false alarms, CPU share.

Everything is the production path: the gate service polls a FEIG reader through the
real driver and a pyserial URL transport; the FEIG simulator serves an RF field with
the ISO 15693 air-time model on (every exchange is paced in real time); the gate
traffic simulator walks visitors through that field carrying secured items, items on
loan, patron cards (half of them wrongly carrying the secured AFI), foreign items
(half of them secured in their own library), equipment and non-library tags; SIP2
look-ups go to the simulated SIGB over TCP. Read probability 1 everywhere.

Figures, each against its target:

- alarm latency from the tag's first presence in the field to the alarm output
  switching on (p50 / p95 / p99), target p99 <= one poll cycle + 20 ms;
- decision latency from the first read (the inventory answer) to the output, which
  the issue asks to stay within one cycle;
- detection rate (target 100 %) and false alarms (target 0) from the ground truth;
- CPU share of one core taken by the poll loop at 20 polls/s (target <= 10 %), with
  an empty field and under traffic.

The baseline, measured in the same process with the same reader, is the floor any
gate pays after a tag arrives: one AFI-masked inventory plus one 8-block read (the
identification the policy needs), plus on average half a cycle of waiting for the
next poll. Ratios are printed against the targets and against that floor.

    python benchmarks/bench_gate.py [--visitors N] [--modes afi,eas,database] [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack
from dataclasses import replace

from drivers.outputs.simulated import SimulatedOutput
from gate.config import parse_config
from gate.demo import with_simulated_sigb
from gate.service import build_gate
from gate.store import GateDatabase
from simulators.gate_traffic import (
    IDEAL,
    GateTraffic,
    TrafficPlanner,
    TrafficProfile,
    catalog_from_library,
)
from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.sigb import SimulatedSIGB, load_sample_dataset
from simulators.tags import SlixTag

POLL_S = 0.05  # 20 polls/s
CONFIG = """
[gate]
mode = "{mode}"
poll_interval_ms = 50
debounce_s = 10
passage_gap_s = 0.8
[policy]
network_institutions = ["FR-66*"]
identify = {identify}
[[output]]
name = "beacon"
role = "light"
driver = "simulated"
duration_s = 0.3
[sip2]
host = "127.0.0.1"
port = 6001
"""


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def floor_ms(repeat: int = 20) -> tuple[float, float, float]:
    """Median inventory (1 secured tag) and 8-block read through the same driver/simulator, in ms."""
    field = RFField(airtime=True)
    tag = TrafficPlanner(seed=99).tag("secured")
    field.place(SlixTag(tag.uid, tag.memory, afi=tag.afi))
    with simulated_reader(field, protocol="feig", transport="url") as reader:
        inventory, read = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            reader.inventory(afi=0x07)
            inventory.append(time.perf_counter() - start)
            start = time.perf_counter()
            reader.read_blocks(tag.uid, 0, 8)
            read.append(time.perf_counter() - start)
        field.remove(tag.uid)
        empty = []
        for _ in range(repeat):
            start = time.perf_counter()
            reader.inventory(afi=0x07)
            empty.append(time.perf_counter() - start)
    return (
        statistics.median(inventory) * 1000,
        statistics.median(read) * 1000,
        statistics.median(empty) * 1000,
    )


def run_traffic(
    mode: str, visitors: int, identify: bool, sigb: SimulatedSIGB, dataset, seed: int = 5
) -> dict:
    branches = {b.code: b.isil for b in dataset.branches}
    config = parse_config(CONFIG.format(mode=mode, identify="true" if identify else "false"))
    config = with_simulated_sigb(config, sigb, dataset)
    misprogrammed = 0.5 if identify else 0.0  # without identification only items may carry the secured AFI
    profile = TrafficProfile(
        visitors_per_minute=40,
        min_spacing_s=1.6,
        field_depth_m=1.2,
        tags_per_visitor=(1, 3),
        catalog=catalog_from_library(sigb.library, branches),
        network=tuple(sorted(set(branches.values()))),
        kinds={
            "secured": 0.3,
            "on_loan": 0.35,
            "patron_card": 0.15,
            "foreign": 0.08,
            "equipment": 0.04 if identify else 0.0,
            "blank": 0.08,
        },
        read_probability=dict(IDEAL),
        secured_card_share=misprogrammed,
        secured_foreign_share=misprogrammed,
        untrusted_afi=0.2 if mode == "database" else 0.0,
    )
    field = RFField(airtime=True, seed=seed)
    light = SimulatedOutput("beacon")
    with ExitStack() as stack:
        gate = build_gate(
            config,
            outputs=[light],
            counter=None,
            store=GateDatabase(":memory:"),
            readers={
                "pedestals": lambda: stack.enter_context(
                    simulated_reader(field, protocol="feig", transport="url")
                )
            },
        )
        stack.callback(gate.close)
        first_reads: dict[bytes, float] = {}
        alarms: list[tuple[float, bytes | None]] = []

        def on_alarm(alarm, record) -> None:
            alarms.append((alarm.sighting.time, alarm.sighting.uid))

        def on_sighting(sighting, verdict) -> None:
            if sighting.uid is not None:
                first_reads.setdefault(sighting.uid, sighting.time)

        gate.controller.on_alarm.append(on_alarm)
        gate.controller.on_sighting.append(on_sighting)
        traffic = GateTraffic(field, TrafficPlanner(profile, seed=seed).visitors(visitors), profile=profile)
        gate.controller.run_in_thread()
        started = time.monotonic()
        traffic.start()
        traffic.finished.wait(traffic.duration + 60)
        time.sleep(1.0)
        traffic.stop()
        stats = gate.controller.stats
        cpu = stats.cpu_share(time.monotonic())
        cycles_per_s = stats.cycles / (time.monotonic() - started)
        gate.controller.stop()
        report = traffic.score(alarms, light.activations)
        activations = sorted(light.activations)
        decisions = []
        for at, uid in alarms:
            first = first_reads.get(uid) if uid is not None else None
            nxt = [a for a in activations if a >= at - 1e-9]
            if first is not None and nxt and nxt[0] - at < 0.5:
                decisions.append(nxt[0] - first)
    return {
        "report": report,
        "cpu": cpu,
        "cycles_per_s": cycles_per_s,
        "decisions": decisions,
        "overruns": stats.overruns,
        "cycles": stats.cycles,
    }


def idle_cpu(seconds: float) -> tuple[float, float]:
    """Poll-loop CPU share and achieved polls/s with an empty field (AFI mode, 20 polls/s)."""
    config = parse_config(CONFIG.format(mode="afi", identify="true"))
    config = replace(config, sip2=None)
    field = RFField(airtime=True)
    with ExitStack() as stack:
        gate = build_gate(
            config,
            outputs=[SimulatedOutput("beacon")],
            counter=None,
            lookup=None,
            store=GateDatabase(":memory:"),
            readers={
                "pedestals": lambda: stack.enter_context(
                    simulated_reader(field, protocol="feig", transport="url")
                )
            },
        )
        stack.callback(gate.close)
        gate.controller.run_in_thread()
        start = time.monotonic()
        time.sleep(seconds)
        stats = gate.controller.stats
        share, rate = stats.cpu_share(time.monotonic()), stats.cycles / (time.monotonic() - start)
        gate.controller.stop()
        return share, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=30, help="visitors per mode (30)")
    parser.add_argument(
        "--modes",
        default="afi,afi-noid,eas,database",
        help="comma-separated: afi, afi-noid (identification off), eas, database",
    )
    parser.add_argument(
        "--idle", type=float, default=10.0, help="seconds of empty-field CPU measurement (10)"
    )
    args = parser.parse_args()

    inventory_ms, read_ms, empty_ms = floor_ms()
    floor_p50 = POLL_S * 1000 / 2 + inventory_ms + read_ms
    target_ms = POLL_S * 1000 + 20
    print(
        f"Baseline (same reader, air-time model on): AFI-masked inventory {inventory_ms:.1f} ms "
        f"(empty field {empty_ms:.1f} ms), 8-block read {read_ms:.1f} ms"
    )
    print(
        f"Floor from first presence: half a cycle + inventory + read = {floor_p50:.1f} ms on average, "
        f"{POLL_S * 1000 + inventory_ms + read_ms:.1f} ms at worst"
    )
    print(
        f"Targets: latency p99 <= {target_ms:.0f} ms (one {POLL_S * 1000:.0f} ms cycle + 20 ms), "
        "detection 100 %, false alarms 0, CPU <= 10 % of one core at 20 polls/s\n"
    )

    idle_share, idle_rate = idle_cpu(args.idle)
    print(
        f"Empty field: {idle_rate:.1f} polls/s, poll-loop CPU {idle_share:.2%} of one core "
        f"(ratio to target {idle_share / 0.10:.2f})\n"
    )

    dataset = load_sample_dataset()
    header = (
        f"{'mode':<10}{'items':>6}{'detected':>10}{'false':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'p99/target':>11}{'p50/floor':>10}{'decide p99':>11}{'CPU':>7}{'polls/s':>8}"
    )
    with SimulatedSIGB(dataset) as sigb:
        rows = []
        for name in args.modes.split(","):
            mode, identify = ("afi", False) if name == "afi-noid" else (name, True)
            result = run_traffic(mode, args.visitors, identify, sigb, dataset)
            rows.append((name, result))
        print(header)
        for name, result in rows:
            report = result["report"]
            lat = [x * 1000 for x in report.latencies]
            dec = [x * 1000 for x in result["decisions"]]
            p50, p95, p99 = (percentile(lat, q) for q in (0.50, 0.95, 0.99)) if lat else (float("nan"),) * 3
            rate = report.detection_rate if report.detection_rate is not None else float("nan")
            print(
                f"{name:<10}{report.expected:>6}{rate:>10.1%}{report.total_false_alarms:>7}{p50:>8.1f}{p95:>8.1f}"
                f"{p99:>8.1f}{p99 / target_ms:>11.2f}{p50 / floor_p50:>10.2f}"
                f"{(percentile(dec, 0.99) if dec else float('nan')):>11.1f}{result['cpu']:>7.2%}"
                f"{result['cycles_per_s']:>8.1f}"
            )
            if report.false_alarms:
                print(f"{'':<10}false alarms by kind: {report.false_alarms}")
    print(
        "\nafi-noid: AFI mode with identification off (a site where only items carry AFI 0x07): "
        "no memory read before the alarm."
    )
    print(
        "decide p99: from the first read of the tag (inventory answer) to the output, target <= one cycle "
        f"({POLL_S * 1000:.0f} ms)."
    )


if __name__ == "__main__":
    main()
