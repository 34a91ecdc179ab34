"""FEIG driver ↔ simulator: time per operation against the ISO 15693 air-time floor.

With the field's air-time model on, the simulator sleeps for the air time of every tag
exchange, so an operation can never beat its floor; the ratio wall time / floor is what
the driver, the FEIG protocol, the transport and the simulator add on top (target
<= 1.15). The floor of each call is the air time the field accounted for it (exact for
the UIDs present); the reference mean from ``simulators.airtime`` is shown alongside.
With the model off, the figure is pure host overhead per command (compare: a real FEIG
reader adds 5–12 ms of its own per command).

    python benchmarks/bench_readers.py [--repeat N] [--transport pty|tcp|url|usb] [--no-fail]

Each row gets a verdict against the target; the exit status is 1 when any row misses it
(``--no-fail``: always 0, for a smoke run on a busy machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from drivers.feig.reader import FeigReader
from simulators import airtime
from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

Operation = Callable[[FeigReader, bytes], object]
TARGET = 1.15


def measure(field: RFField, reader: FeigReader, uid: bytes, operation: Operation,
            repeat: int) -> tuple[float, float]:
    """Median wall time and median air time of one call."""
    walls, airs = [], []
    operation(reader, uid)  # warm-up
    for _ in range(repeat):
        before, start = field.air_time, time.perf_counter()
        operation(reader, uid)
        walls.append(time.perf_counter() - start)
        airs.append(field.air_time - before)
    return statistics.median(walls), statistics.median(airs)


def run_case(transport: str, repeat: int, n_tags: int, operation: Operation,
             airtime_on: bool) -> tuple[float, float]:
    field = RFField(airtime=airtime_on, seed=n_tags)
    uids = [make_uid(0x1000 + 7919 * n) for n in range(n_tags)]
    for uid in uids:
        field.place(SlixTag(uid, bytes(range(32))))
    with simulated_reader(field, transport=transport, driver_options={"timeout": 2.0}) as reader:
        return measure(field, reader, uids[0], operation, repeat)


CASES: list[tuple[str, int, Operation, float]] = [
    *[(f"inventory, {n} tag{'s' if n > 1 else ''}", n, lambda r, u: r.inventory(), airtime.inventory_time(n))
      for n in (1, 5, 10, 20)],
    ("read 8 blocks (+lock status)", 1, lambda r, u: r.read_blocks(u, 0, 8),
     airtime.read_blocks_time(8, security_status=True)),
    ("write AFI", 1, lambda r, u: r.write_afi(u, 0x07, verify=False), airtime.write_afi_time()),
    ("write AFI, verified", 1, lambda r, u: r.write_afi(u, 0x07), airtime.write_afi_time()
     + airtime.system_info_time()),
    ("write 2 blocks, verified", 1, lambda r, u: r.write_blocks(u, 4, b"ABCDEFGH"),
     airtime.write_blocks_time(2) + airtime.read_blocks_time(2, security_status=True)),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--transport", default="pty", choices=["pty", "tcp", "url", "usb"])
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when a target is missed (smoke runs on a busy machine)")
    args = parser.parse_args(argv)
    print(f"FEIG driver <-> simulator over {args.transport}, median of {args.repeat} calls; "
          f"target: ratio <= {TARGET}")
    print(f"{'operation':<30}{'air on (ms)':>12}{'floor (ms)':>12}{'ref (ms)':>10}{'ratio':>8}"
          f"{'host only (ms)':>16}  verdict")
    worst, missed = 0.0, []
    for name, n_tags, operation, reference in CASES:
        wall, floor = run_case(args.transport, args.repeat, n_tags, operation, airtime_on=True)
        host, _ = run_case(args.transport, args.repeat, n_tags, operation, airtime_on=False)
        ratio = wall / floor
        worst = max(worst, ratio)
        if ratio > TARGET:
            missed.append(name)
        print(f"{name:<30}{wall * 1e3:>12.2f}{floor * 1e3:>12.2f}{reference * 1e3:>10.2f}{ratio:>8.3f}"
              f"{host * 1e3:>16.3f}  {'OK' if ratio <= TARGET else 'ABOVE TARGET'}")
    print(f"worst ratio {worst:.3f} (target <= {TARGET}): {'ABOVE TARGET' if missed else 'OK'}")
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    checkout = airtime.checkout_time(10)
    print(f"reference: 10-item checkout floor {checkout * 1e3:.0f} ms (5 ms programming), "
          f"{airtime.checkout_time(10, airtime.MAX_PROGRAMMING_S) * 1e3:.0f} ms (20 ms)")
    return 1 if missed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
