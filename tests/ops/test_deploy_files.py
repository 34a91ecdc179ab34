"""The deployment files agree with the code: the dashboard uses only metric names the services expose, the
units restart their service and are hardened, and the documented commands exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from drivers.counters.simulated import SimulatedBeamCounter
from drivers.outputs.simulated import SimulatedOutput
from gate.config import config_from_mapping
from gate.metrics import GateMetrics
from gate.service import build_gate
from kiosk.cli import build_parser
from kiosk.demo import Demo
from kiosk.metrics import KioskMetrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def exposed_names(tmp_path: Path) -> set[str]:
    with Demo(tmp_path / "kiosk", journal=False) as demo:
        kiosk_text = generate_latest(KioskMetrics(demo.station).registry).decode()
    table = {
        "policy": {"network_institutions": ["FR-*"]},
        "log": {"path": str(tmp_path / "g.sqlite")},
        "reader": [{"name": "r", "driver": "feig", "port": "none"}],
    }
    gate = build_gate(
        config_from_mapping(table),
        readers={},
        outputs=[SimulatedOutput()],
        counter=SimulatedBeamCounter(),
        lookup=None,
    )
    gate_text = generate_latest(GateMetrics(gate.controller).registry).decode()
    gate.close()
    return set(re.findall(r"^# TYPE (\w+) ", kiosk_text + gate_text, flags=re.M))


def test_dashboard_uses_only_exposed_metrics(tmp_path: Path) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "borne-network.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"_(total|bucket|count|sum)$", "", m) for e in exprs for m in re.findall(r"borne_\w+", e)}
    names = {re.sub(r"_total$", "", n) for n in exposed_names(tmp_path)}
    assert used and used <= names, used - names
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


@pytest.mark.parametrize(
    ("unit", "command"),
    [("borne-kiosk.service", "borne kiosk --config"), ("borne-gate.service", "borne gate --config")],
)
def test_units_restart_and_are_hardened(unit: str, command: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    keys = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert keys["Restart"] == "always" and keys["User"] == "borne"
    assert keys["NoNewPrivileges"] == "yes" and keys["ProtectSystem"] == "strict"
    assert command in keys["ExecStart"]


def test_documented_commands_exist() -> None:
    parser = build_parser()
    for argv in (
        ["pilot", "report", "--journal", "a.db", "--out", "r.html", "--pdf"],
        ["pilot", "simulate", "--days", "2", "--stations", "1", "--out", "d"],
        ["config", "check", "k.toml", "--no-connect"],
        ["config", "pull", "k.toml"],
    ):
        assert parser.parse_args(argv).func
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for needle in (
        "borne config check",
        "borne config pull",
        "/metrics",
        "/health",
        "Restart=always",
        "consoleblank=0",
        "borne-network.json",
        "logrotate",
    ):
        assert needle in operations
