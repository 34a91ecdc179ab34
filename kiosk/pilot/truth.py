"""The simulator's ground truth: what each station *should* have journaled, decided before it acts.

The simulated patrons, visitors and operators choose what they do (which items, which card, which PIN, which
test pass couples with the gate), and each choice has one expected outcome under the network's rules (an
available book lent to a patron in good standing is lent; a book on hold for someone else is refused; a tag
carried flat through a gate that does not couple is missed). :class:`GroundTruth` counts those expectations
per station, independently of the journals; tests compare the report's figures with them.

Nothing here identifies a patron: counts and codes only (the file is written next to the journals).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class KioskTruth:
    transactions: Counter[str] = field(default_factory=Counter)  # "kind:outcome"
    refusals: Counter[str] = field(default_factory=Counter)  # reason
    offline_transactions: int = 0
    declared_stacks: Counter[str] = field(default_factory=Counter)  # exact / fewer / more
    items_declared: int = 0
    tags_read: int = 0  # tags on the pad in stacks with a declared count
    sets_complete: int = 0
    sets_incomplete: int = 0
    offline_periods: int = 0
    queued: int = 0
    replay: Counter[str] = field(default_factory=Counter)  # accepted / rejected

    def expect(self, kind: str, outcome: str, reason: str | None = None, *, offline: bool = False) -> None:
        self.transactions[f"{kind}:{outcome}"] += 1
        if outcome == "refused" and reason:
            self.refusals[reason] += 1
        if offline:
            self.offline_transactions += 1

    def declared(self, tags: int, declared: int) -> None:
        self.items_declared += declared
        self.tags_read += tags
        self.declared_stacks["exact" if tags == declared else "fewer" if tags < declared else "more"] += 1


@dataclass
class GateTruth:
    entering: int = 0
    leaving: int = 0
    alarms: int = 0
    alarms_by_direction: Counter[str] = field(default_factory=Counter)  # in / out
    false_alarms: int = 0
    false_by_cause: Counter[str] = field(default_factory=Counter)
    missed: int = 0  # secured items whose tag said "on loan": no alarm possible (not in the journal)
    carried: Counter[str] = field(default_factory=Counter)  # "in:on_loan", "out:patron_card"… tags carried
    walk: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def walk_pass(self, orientation: str, speed_m_s: float, detected: bool) -> None:
        entry = self.walk[f"{orientation}@{speed_m_s:g}"]
        entry[0] += 1
        entry[1] += int(detected)


@dataclass
class EncodingTruth:
    per_operator_day: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def encoded(self, operator: str, day: str, ok: bool) -> None:
        self.per_operator_day[f"{operator}@{day}"][0 if ok else 1] += 1


@dataclass
class GroundTruth:
    days: int
    seed: int
    kiosks: dict[str, KioskTruth] = field(default_factory=dict)
    gates: dict[str, GateTruth] = field(default_factory=dict)
    encoders: dict[str, EncodingTruth] = field(default_factory=dict)
    journals: list[str] = field(default_factory=list)  # relative to the output folder
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(obj: Any) -> Any:
            if isinstance(obj, dict | Counter | defaultdict):
                return {str(k): plain(v) for k, v in sorted(obj.items())}
            if isinstance(obj, list | tuple):
                return [plain(v) for v in obj]
            if hasattr(obj, "__dataclass_fields__"):
                return {k: plain(getattr(obj, k)) for k in obj.__dataclass_fields__}
            return obj

        return plain(self)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
