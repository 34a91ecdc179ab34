"""Fault-injection suite: randomised runs over the real simulators, then the invariant checker.

300 runs in CI: 276 in-process runs (SIGB down before/after a request, lost replies, stalls, corrupted
replies, tag write failures, weak writes, tags torn away mid-write) and 24 runs where the station process is
killed with SIGKILL during a checkout, a return or a replay, then restarted on the same files.
``benchmarks/soak_circulation.py`` runs 10,000. A failing seed is printed; rerun one with
``python benchmarks/soak_circulation.py --runs 1 --seed SEED`` (or ``--runs 0 --killed 1`` for a killed run).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kiosk.faultsim.killed import run_killed
from kiosk.faultsim.runner import FAULTS, run_once

IN_PROCESS_RUNS = 276
KILLED_RUNS = 24
CHUNK = 23


@pytest.mark.slow
@pytest.mark.parametrize("first", range(0, IN_PROCESS_RUNS, CHUNK))
def test_randomised_runs_keep_the_invariant(first: int, tmp_path: Path) -> None:
    failures, faults = [], Counter()
    for seed in range(first, first + CHUNK):
        result = run_once(seed, tmp_path / str(seed))
        faults.update(result.faults)
        if not result.ok:
            failures.append(result.describe())
    assert not failures, "\n".join(failures)


def test_every_fault_is_exercised() -> None:
    import random

    from kiosk.faultsim.runner import _choose_faults

    drawn = Counter(f for seed in range(IN_PROCESS_RUNS) for f in _choose_faults(random.Random(seed)))
    assert set(drawn) == set(FAULTS) and min(drawn.values()) >= 20


@pytest.mark.slow
@pytest.mark.parametrize("first", range(0, KILLED_RUNS, 8))
def test_station_killed_and_restarted_keeps_the_invariant(first: int, tmp_path: Path) -> None:
    failures, outcomes = [], Counter()
    for seed in range(10_000 + first, 10_000 + first + 8):
        result = run_killed(seed, tmp_path / str(seed))
        outcomes.update(result.outcomes)
        if not result.ok:
            failures.append(result.describe())
    assert not failures, "\n".join(failures)
    assert outcomes["killed"] >= 4  # most runs really die mid-way
