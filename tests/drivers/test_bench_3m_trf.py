"""benchmarks/bench_3m_trf.py gives a verdict per row and exits 1 when a targeted row misses its target.

Speed is reported by the script, not asserted: the exit logic is checked with targets no machine can meet
or miss, on the "read 8 blocks" rows only (the other rows are skipped to keep the run short).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_3m_trf.py"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_3m_trf", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    real_row = module.row

    def only_reads(protocol, transport, repeat, label, *args, **kwargs):
        if label != "read 8 blocks":
            return []
        return real_row(protocol, transport, repeat, label, *args, **kwargs)

    monkeypatch.setattr(module, "row", only_reads)
    return module


def test_missed_target_exits_1_unless_no_fail(bench: ModuleType, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "TARGET", 0.5)  # below any possible ratio: the air-time floor cannot be beaten
    assert bench.main(["--repeat", "1", "--transport", "url"]) == 1
    out = capsys.readouterr().out
    assert "targets missed: 3m read 8 blocks, trf7970a read 8 blocks" in out
    assert out.count("ABOVE 0.5") == 2
    assert bench.main(["--repeat", "1", "--transport", "url", "--no-fail"]) == 0


def test_met_target_exits_0(bench: ModuleType, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "TARGET", 1000.0)
    assert bench.main(["--repeat", "1", "--transport", "url"]) == 0
    assert "targets missed" not in capsys.readouterr().out
