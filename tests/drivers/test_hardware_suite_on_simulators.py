"""``hardware_tests/test_reader_hw.py`` itself, run against each reader simulator on a pty.

The pilot team runs that suite on real readers only once in a while; running it here on the byte-accurate
simulators keeps it working for every driver: an operation a reader's protocol does not have must be
skipped with the driver's reason, never reported as a hardware failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import iso28560
from iso28560.model import TagData
from simulators.readers import simulator_class
from simulators.rf import RFField
from simulators.tags import SlixTag

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "hardware_tests" / "test_reader_hw.py"
UID = bytes.fromhex("E004015012345678")


@pytest.mark.parametrize("protocol", ["feig", "3m", "trf7970a"])
def test_hardware_suite_passes_on_the_simulator(protocol: str) -> None:
    field = RFField()
    memory = iso28560.encode(TagData("30012345678", owner_institution="FR-751131015")).memory
    field.place(SlixTag(UID, memory))
    simulator = simulator_class(protocol)(field)
    try:
        endpoint = simulator.serve("pty")
        env = {**os.environ, "BORNE_READER": f"{simulator.driver}:{endpoint.port}", "BORNE_READER_WRITE": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(SUITE)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        simulator.close()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "no real reader" not in result.stdout
