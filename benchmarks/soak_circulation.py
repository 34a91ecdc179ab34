"""Soak test of the circulation core: 10,000 randomised fault-injection runs, then the counts.

Each run is :func:`kiosk.faultsim.runner.run_once` (fresh simulated SIGB, RF field, reader and station;
random stack, random faults; settle; invariant check). ``--killed N`` adds N runs where the station process
is killed with SIGKILL and restarted. Exit code 1 if any run violated the invariant.

    python benchmarks/soak_circulation.py                 # 10,000 runs (about half an hour on 2 cores)
    python benchmarks/soak_circulation.py --runs 500 --killed 50 --seed 20000
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.faultsim.killed import run_killed
from kiosk.faultsim.runner import run_once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="in-process randomised runs (default 10000)")
    parser.add_argument("--killed", type=int, default=0, help="runs with the station killed by SIGKILL")
    parser.add_argument("--seed", type=int, default=100_000, help="first seed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)

    counts: Counter[str] = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="borne-soak-") as tmp:
        for n in range(args.runs + args.killed):
            seed = args.seed + n
            runner = run_once if n < args.runs else run_killed
            result = runner(seed, Path(tmp) / str(seed))
            counts["runs"] += 1
            counts[f"scenario {result.scenario}"] += 1
            counts.update(f"fault {f}" for f in result.faults)
            counts.update(f"outcome {k}" for k in result.outcomes.elements())
            counts["staff alerts"] += result.alerts
            counts["tag/SIGB mismatches (all alerted)"] += result.verdict.mismatches
            counts["tags on loan while not charged (alerted)"] += result.verdict.unsafe
            if not result.ok:
                failures.append(result.describe())
            if (n + 1) % 500 == 0:
                print(
                    f"... {n + 1} runs, {len(failures)} violation(s), {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    elapsed = time.perf_counter() - started
    print(f"\n{counts['runs']} runs in {elapsed:.1f} s ({counts['runs'] / elapsed:.1f} runs/s)")
    for key in sorted(counts):
        print(f"  {key:<45} {counts[key]:>8}")
    print(f"  {'runs violating an invariant':<45} {len(failures):>8}")
    for failure in failures[:20]:
        print("   ", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
