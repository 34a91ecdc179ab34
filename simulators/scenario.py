"""Scripted RF scenarios: "at 0.5 s place A, B, C on the pad; at 2 s remove B".

A scenario file (TOML or JSON, same structure) defines tags by name and timed events::

    [tags.A]
    uid = "E004015012345678"     # optional: generated from the name when absent
    variant = "slix"             # or "slix2"
    item = "30012345678"         # ISO 28560-2 content through iso28560.encode
    owner = "FR-751131015"       # optional owner institution (ISIL)
    # memory = "11223344…"       # or a raw memory image in hex instead of item/owner
    afi = 0x07                   # int, or a hex string "07"
    eas = true
    read_probability = 0.9
    antenna = 1

    [[events]]
    at = 0.5
    place = ["A", "B", "C"]

    [[events]]
    at = 2.0
    remove = ["B"]

:class:`ScenarioPlayer` applies events against an :class:`~simulators.rf.RFField` in real
time (a background thread) or step by step (``advance_to``) for deterministic tests.
Every validation error names the offending key.
"""

from __future__ import annotations

import json
import threading
import time
import tomllib
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.rf import RFField
from simulators.tags import SlixTag, TagError, make_uid


class ScenarioError(ValueError):
    """The scenario file is invalid; the message names the key and what to do."""


@dataclass(frozen=True, slots=True)
class TagSpec:
    name: str
    uid: bytes
    variant: str
    memory: bytes
    afi: int
    dsfid: int
    eas: bool
    read_probability: float
    antenna: int

    def build(self) -> SlixTag:
        return SlixTag(self.uid, self.memory, afi=self.afi, dsfid=self.dsfid, variant=self.variant,
                       eas=self.eas)


@dataclass(frozen=True, slots=True)
class Event:
    at: float
    place: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    tags: Mapping[str, TagSpec]
    events: tuple[Event, ...]

    @property
    def duration(self) -> float:
        return max((e.at for e in self.events), default=0.0)


def load_scenario(path: str | Path) -> Scenario:
    """Read a ``.toml`` or ``.json`` scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {exc}") from exc
    return parse_scenario(data)


def parse_scenario(data: Mapping[str, Any]) -> Scenario:
    if not isinstance(data, Mapping):
        raise ScenarioError("scenario: expected a table with 'tags' and 'events'")
    unknown = set(data) - {"tags", "events"}
    if unknown:
        raise ScenarioError(f"scenario: unknown key(s) {sorted(unknown)}; expected 'tags' and 'events'")
    raw_tags = data.get("tags", {})
    if not isinstance(raw_tags, Mapping):
        raise ScenarioError("tags: expected a table of tag definitions keyed by name")
    tags = {name: _parse_tag(str(name), spec) for name, spec in raw_tags.items()}
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise ScenarioError("events: expected a list of {at, place, remove} tables")
    events = tuple(sorted((_parse_event(i, e, tags) for i, e in enumerate(raw_events)), key=lambda e: e.at))
    return Scenario(tags, events)


_TAG_KEYS = {"uid", "variant", "item", "owner", "memory", "afi", "dsfid", "eas", "read_probability",
             "antenna"}


def _parse_tag(name: str, spec: Any) -> TagSpec:
    where = f"tags.{name}"
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where}: expected a table")
    unknown = set(spec) - _TAG_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TAG_KEYS)}")
    variant = spec.get("variant", "slix")
    if variant not in ("slix", "slix2"):
        raise ScenarioError(f"{where}.variant: {variant!r} is not 'slix' or 'slix2'")
    uid = _hex(spec["uid"], f"{where}.uid") if "uid" in spec else make_uid(zlib.crc32(name.encode()), variant)
    memory, dsfid = _memory(spec, where, variant)
    probability = spec.get("read_probability", 1.0)
    if not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise ScenarioError(f"{where}.read_probability: expected a number within 0..1, got {probability!r}")
    try:
        tag_spec = TagSpec(name, uid, variant, memory, _byte(spec.get("afi", 0x07), f"{where}.afi"),
                           _byte(spec.get("dsfid", dsfid), f"{where}.dsfid"), bool(spec.get("eas", True)),
                           float(probability), int(spec.get("antenna", 1)))
        tag_spec.build()
    except TagError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc
    return tag_spec


def _memory(spec: Mapping[str, Any], where: str, variant: str) -> tuple[bytes, int]:
    if "memory" in spec and "item" in spec:
        raise ScenarioError(f"{where}: give either 'memory' or 'item', not both")
    if "memory" in spec:
        return _hex(spec["memory"], f"{where}.memory"), 0x06
    if "item" not in spec:
        return b"", 0x00
    try:
        import iso28560
        from iso28560.model import TagData
        encoded = iso28560.encode(TagData(primary_item_identifier=str(spec["item"]),
                                          owner_institution=spec.get("owner")), memory=variant)
    except (ImportError, AttributeError) as exc:
        raise ScenarioError(f"{where}.item: needs iso28560.encode, which is not available ({exc}); "
                            "give a raw 'memory' image instead") from exc
    except ValueError as exc:
        raise ScenarioError(f"{where}.item: cannot encode: {exc}") from exc
    return encoded.memory, encoded.dsfid


def _parse_event(index: int, spec: Any, tags: Mapping[str, TagSpec]) -> Event:
    where = f"events[{index}]"
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where}: expected a table with 'at' and 'place' and/or 'remove'")
    unknown = set(spec) - {"at", "place", "remove"}
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: at, place, remove")
    at = spec.get("at")
    if not isinstance(at, int | float) or at < 0:
        raise ScenarioError(f"{where}.at: expected a time in seconds >= 0, got {at!r}")
    names: dict[str, tuple[str, ...]] = {}
    for key in ("place", "remove"):
        value = spec.get(key, [])
        if isinstance(value, str):
            value = [value]
        for name in value:
            if name not in tags:
                defined = ", ".join(sorted(tags))
                raise ScenarioError(f"{where}.{key}: unknown tag {name!r} (defined: {defined})")
        names[key] = tuple(value)
    return Event(float(at), names["place"], names["remove"])


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(str(value).replace(" ", "").replace(":", ""))
    except ValueError as exc:
        raise ScenarioError(f"{where}: not a hex string: {value!r}") from exc


def _byte(value: Any, where: str) -> int:
    if isinstance(value, str):
        try:
            value = int(value, 16)
        except ValueError as exc:
            raise ScenarioError(f"{where}: not a hex byte: {value!r}") from exc
    if not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ScenarioError(f"{where}: expected a byte 0..255 (or hex string), got {value!r}")
    return value


class ScenarioPlayer:
    """Applies a scenario's events to a field, in real time or by explicit steps."""

    def __init__(self, field: RFField, scenario: Scenario,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.field = field
        self.scenario = scenario
        self.instances = {name: spec.build() for name, spec in scenario.tags.items()}
        self._clock = clock
        self._next = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def finished(self) -> bool:
        return self._next >= len(self.scenario.events)

    def advance_to(self, elapsed: float) -> None:
        """Apply every event due at ``elapsed`` seconds from the start."""
        while not self.finished and self.scenario.events[self._next].at <= elapsed:
            self._apply(self.scenario.events[self._next])
            self._next += 1

    def _apply(self, event: Event) -> None:
        for name in event.remove:
            self.field.remove(self.instances[name].uid)
        for name in event.place:
            spec = self.scenario.tags[name]
            self.field.place(self.instances[name], spec.read_probability, spec.antenna)

    def start(self) -> ScenarioPlayer:
        """Play in a daemon thread, starting now."""
        start = self._clock()

        def run() -> None:
            while not self.finished and not self._stop.is_set():
                self.advance_to(self._clock() - start)
                if not self.finished:
                    until_next = self.scenario.events[self._next].at - (self._clock() - start)
                    self._stop.wait(max(0.0, min(0.05, until_next)))

        self._thread = threading.Thread(target=run, name="scenario", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
