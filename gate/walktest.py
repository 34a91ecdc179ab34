"""Walk tests: measure a gate's detection rate per carrying condition with known test items.

The pilot protocol: staff carry the same secured test items through the gate N times
in each orientation (spine vertical, horizontal, flat, in a bag) and at each speed,
announcing each pass (a key press, or the traffic simulator). During a pass the gate
records which test items it *would* have alarmed on: the walk test listens to the
policy's verdicts, before debounce, so walking the same item through every few
seconds is not swallowed as a repeat alarm. A test item not seen during its pass is a
miss. The report gives the detection rate per condition and overall.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .events import Sighting, Verdict

ORIENTATIONS = ("spine_vertical", "horizontal", "flat", "bag")
SPEEDS = ("slow", "normal", "fast")


@dataclass(frozen=True, slots=True)
class WalkCondition:
    orientation: str
    speed: str

    def __str__(self) -> str:
        return f"{self.orientation.replace('_', ' ')}, {self.speed}"


@dataclass(frozen=True)
class WalkTestPlan:
    """Test items by item identifier or UID (hex), and the conditions to walk them in."""

    items: tuple[str, ...]
    passes: int = 10
    orientations: tuple[str, ...] = ORIENTATIONS
    speeds: tuple[str, ...] = SPEEDS

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a walk test needs at least one test item (item identifier or UID)")
        if self.passes < 1:
            raise ValueError(f"a walk test needs at least one pass per condition, got {self.passes}")
        for name, values, known in (
            ("orientation", self.orientations, ORIENTATIONS),
            ("speed", self.speeds, SPEEDS),
        ):
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ValueError(f"unknown {name} {unknown[0]!r}: use {', '.join(known)}")

    @property
    def conditions(self) -> list[WalkCondition]:
        return [WalkCondition(o, s) for o in self.orientations for s in self.speeds]

    def steps(self) -> Iterable[tuple[WalkCondition, int]]:
        """(condition, pass number from 1) in protocol order."""
        for condition in self.conditions:
            for number in range(1, self.passes + 1):
                yield condition, number


@dataclass
class PassResult:
    condition: WalkCondition
    number: int
    detected: set[str] = field(default_factory=set)
    expected: frozenset[str] = frozenset()

    @property
    def missed(self) -> set[str]:
        return set(self.expected) - self.detected


@dataclass
class ConditionResult:
    condition: WalkCondition
    passes: int = 0
    expected: int = 0
    detected: int = 0

    @property
    def rate(self) -> float:
        return self.detected / self.expected if self.expected else 0.0


class WalkTest:
    def __init__(self, plan: WalkTestPlan) -> None:
        self.plan = plan
        self._wanted = {item.upper() for item in plan.items}
        self.results: list[PassResult] = []
        self.current: PassResult | None = None
        self._lock = threading.Lock()

    def observe(self, sighting: Sighting, verdict: Verdict) -> None:
        """Hook for ``GateController.on_sighting``."""
        if not verdict.alarm:
            return
        names = {n.upper() for n in (sighting.item_id, sighting.uid_hex) if n}
        with self._lock:
            if self.current is not None:
                self.current.detected |= {n for n in names if n in self._wanted}

    def start_pass(self, condition: WalkCondition, number: int) -> None:
        with self._lock:
            self.current = PassResult(condition, number, expected=frozenset(self._wanted))

    def end_pass(self) -> PassResult:
        with self._lock:
            result, self.current = self.current, None
        if result is None:
            raise RuntimeError("end_pass() without start_pass()")
        self.results.append(result)
        return result

    def by_condition(self) -> list[ConditionResult]:
        table = {c: ConditionResult(c) for c in self.plan.conditions}
        for result in self.results:
            row = table.setdefault(result.condition, ConditionResult(result.condition))
            row.passes += 1
            row.expected += len(result.expected)
            row.detected += len(result.detected)
        return list(table.values())

    def overall(self) -> float:
        rows = self.by_condition()
        expected = sum(r.expected for r in rows)
        return sum(r.detected for r in rows) / expected if expected else 0.0

    def report(self) -> str:
        return format_report(self.by_condition(), self.overall())


def format_report(rows: Sequence[ConditionResult], overall: float) -> str:
    lines = [f"{'orientation':<16}{'speed':<8}{'passes':>7}{'detected':>10}{'rate':>8}"]
    for row in rows:
        if row.passes:
            lines.append(
                f"{row.condition.orientation:<16}{row.condition.speed:<8}{row.passes:>7}"
                f"{f'{row.detected}/{row.expected}':>10}{row.rate:>8.1%}"
            )
    detected, expected = sum(r.detected for r in rows), sum(r.expected for r in rows)
    lines.append(f"{'overall':<31}{f'{detected}/{expected}':>10}{overall:>8.1%}")
    return "\n".join(lines)
