"""Scripted scenarios: TOML/JSON parsing with errors naming the key, timed place/remove."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from simulators.rf import RFField
from simulators.scenario import ScenarioError, ScenarioPlayer, load_scenario, parse_scenario

TOML = """
[tags.A]
uid = "E004015012345678"
memory = "11223344"
afi = "C2"
[tags.B]
variant = "slix2"
read_probability = 0.5
[tags.C]
eas = false

[[events]]
at = 0.5
place = ["A", "B", "C"]

[[events]]
at = 2.0
remove = "B"
"""


def test_toml_scenario_places_and_removes_on_time(tmp_path: Path) -> None:
    path = tmp_path / "pad.toml"
    path.write_text(TOML)
    scenario = load_scenario(path)
    assert scenario.duration == 2.0
    a = scenario.tags["A"]
    assert (a.uid.hex().upper(), a.memory, a.afi, a.variant) == (
        "E004015012345678", bytes.fromhex("11223344"), 0xC2, "slix")
    assert scenario.tags["B"].uid[:3] == bytes.fromhex("E00401") and scenario.tags["B"].variant == "slix2"
    field = RFField()
    player = ScenarioPlayer(field, scenario)
    player.advance_to(0.4)
    assert field.tags == []
    player.advance_to(0.5)
    assert len(field.tags) == 3
    player.advance_to(1.9)
    assert len(field.tags) == 3
    player.advance_to(2.0)
    assert {t.uid for t in field.tags} == {scenario.tags["A"].uid, scenario.tags["C"].uid}
    assert player.finished
    assert field.get(scenario.tags["A"].uid).memory[:4] == bytes.fromhex("11223344")


def test_json_scenario_and_real_time_player(tmp_path: Path) -> None:
    path = tmp_path / "pad.json"
    path.write_text(json.dumps({"tags": {"X": {}}, "events": [{"at": 0.05, "place": ["X"]},
                                                             {"at": 0.1, "remove": ["X"]}]}))
    field = RFField()
    seen: list[str] = []
    field.subscribe(lambda event, tag: seen.append(event))
    player = ScenarioPlayer(field, load_scenario(path)).start()
    deadline = time.monotonic() + 2
    while not player.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    player.stop()
    assert seen == ["placed", "removed"]


@pytest.mark.parametrize(("data", "message"), [
    ({"tags": {"A": {"uid": "zz"}}}, r"tags\.A\.uid: not a hex string"),
    ({"tags": {"A": {"afi": 300}}}, r"tags\.A\.afi: expected a byte"),
    ({"tags": {"A": {"colour": 1}}}, r"tags\.A: unknown key\(s\) \['colour'\]"),
    ({"tags": {"A": {"variant": "tagit"}}}, r"tags\.A\.variant"),
    ({"tags": {"A": {"read_probability": 2}}}, r"tags\.A\.read_probability"),
    ({"tags": {"A": {"uid": "0102030405060708"}}}, r"tags\.A: ISO 15693 UID"),
    ({"tags": {"A": {"memory": "00" * 200}}}, r"tags\.A: memory image of 200 bytes"),
    ({"tags": {}, "events": [{"at": -1}]}, r"events\[0\]\.at"),
    ({"tags": {"A": {}}, "events": [{"at": 1, "place": ["B"]}]}, r"events\[0\]\.place: unknown tag 'B'"),
    ({"tags": {}, "events": [{"at": 1, "when": 2}]}, r"events\[0\]: unknown key"),
    ({"stuff": 1}, r"unknown key\(s\) \['stuff'\]"),
])
def test_errors_name_the_key(data: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(data)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[tags\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
