"""benchmarks/bench_gate.py runs end to end on a short run and prints every figure it promises.

Speed is reported by the script, not asserted here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gate.py"


def test_short_run_prints_floors_rows_and_the_split_by_passage(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_gate", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "floor_ms", lambda repeat=20, real=bench.floor_ms: real(repeat=2))
    monkeypatch.setattr(sys, "argv", ["bench_gate.py", "--visitors", "4", "--modes", "afi", "--idle", "0.3"])
    bench.main()
    out = capsys.readouterr().out
    assert "one-slot FAST INVENTORY READ of UID + 8 blocks" in out
    assert "inventory read, two secured tags:" in out
    rows = [line for line in out.splitlines() if line.startswith("afi ")]
    assert len(rows) == 2  # the mode's row and its latency-by-passage row
    assert rows[0].split()[2] == "100.0%" and rows[0].split()[3] == "0"  # detected, no false alarm
