"""The benchmark script still runs (quick mode); speed itself is reported by the script, not asserted here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_sip2.py"


def test_bench_sip2_quick_run(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_sip2", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "checkout-response decodes:" in out and "x the target of 80,000/s" in out
    assert "round trips on one connection:" in out and "bare TCP ping-pong baseline" in out
