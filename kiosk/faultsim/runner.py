"""Randomised circulation runs over the real simulators with faults, a settle phase and the invariant check.

One run (:func:`run_once`) builds a fresh :class:`kiosk.demo.Demo` (simulated
SIGB over TCP, RF field, reader simulator behind the real driver, station with
its own files), draws a scenario from ``seed`` — borrow or return a stack of
1–4 items, sometimes a two-part set, sometimes an item already on the
patron's account — and one or more faults:

- ``sigb_down_before``: the SIGB is unreachable from the start (offline mode);
- ``sigb_down_after``: the SIGB applies the next checkout/checkin, then goes
  down before replying (reply lost *and* link down);
- ``reply_lost``: the connection is cut after N requests (the request in
  flight is applied or not);
- ``stall``: checkouts or checkins are read but never answered (applied or not);
- ``corrupt``: replies with a bad checksum (the client asks for a resend);
- ``write_fail`` / ``weak_write``: tag programming errors / writes not retained;
- ``tear``: a tag leaves the field in the middle of a write (and may come back).

The patron-visible outcomes are recorded, every fault is cleared, the station
settles (SIGB reachable again: recovery, replay), and
:func:`kiosk.faultsim.invariants.check` compares SIGB, tags and journals.
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.circulation.models import ItemStatus
from kiosk.faultsim.invariants import Shown, Verdict, check

FAULTS = (
    "sigb_down_before",
    "sigb_down_after",
    "reply_lost",
    "stall",
    "corrupt",
    "write_fail",
    "weak_write",
    "tear",
)


class ManualClock:
    """Station time that only moves when the runner says so (set waits and timeouts without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RunResult:
    seed: int
    scenario: str
    faults: tuple[str, ...]
    verdict: Verdict
    outcomes: Counter[str] = field(default_factory=Counter)
    transactions: int = 0
    alerts: int = 0

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    def describe(self) -> str:
        state = "ok" if self.ok else "VIOLATED: " + "; ".join(self.verdict.violations)
        return f"seed {self.seed} {self.scenario} faults={','.join(self.faults) or '-'} -> {state}"


def available_items(demo: Any) -> list[str]:
    lib = demo.sigb.library
    return sorted(
        b
        for b, i in lib.items.items()
        if i.circulation_status == 3 and not i.holds and i.status == "available"
    )


def loaned_items(demo: Any) -> list[str]:
    return sorted(b for b, i in demo.sigb.library.items.items() if i.checked_out_to is not None)


def demo_for_runs(workdir: Path, clock: ManualClock, **options: Any) -> Any:
    from kiosk.demo import Demo

    config = {
        "sigb": {"timeout": 0.25, "retries": 0, "retry_online_seconds": 1.0},
        "sets": {"wait_seconds": 2.0},
        "security": {"write_attempts": 3},
        "offline": {"max_items_per_patron": 10},
    }
    for section, values in options.pop("config", {}).items():
        config.setdefault(section, {}).update(values)
    return Demo(
        workdir,
        config=config,
        clock=clock,
        client_options={"keepalive_interval": 0.0, "reconnect_delay": 0.01, "reconnect_max_delay": 0.02},
        **options,
    )


def run_once(seed: int, workdir: Path, *, faults: tuple[str, ...] | None = None) -> RunResult:
    rng = random.Random(seed)
    clock = ManualClock()
    demo = demo_for_runs(workdir, clock)
    try:
        return _run(demo, rng, seed, clock, faults)
    finally:
        demo.close()


def _choose_faults(rng: random.Random) -> tuple[str, ...]:
    count = rng.choice((0, 1, 1, 1, 2, 2, 3))
    return tuple(sorted(set(rng.sample(FAULTS, count))))


def _run(
    demo: Any, rng: random.Random, seed: int, clock: ManualClock, forced: tuple[str, ...] | None
) -> RunResult:
    station = demo.station
    station.open()
    baseline = demo.sigb.transactions[-1].seq if demo.sigb.transactions else 0
    scenario = rng.choice(("borrow", "borrow", "return"))
    faults = forced if forced is not None else _choose_faults(rng)
    renewals: Counter[str] = Counter()

    card = demo.patron(rng.choice(("patron_ok", "patron_no_loans")))
    pool = available_items(demo) if scenario == "borrow" else loaned_items(demo)
    chosen = rng.sample(pool, rng.randint(1, 4))
    items = [demo.item(b, parts=2 if rng.random() < 0.15 else 1) for b in chosen]
    if scenario == "borrow" and rng.random() < 0.2:
        own = [b for b, i in demo.sigb.library.items.items() if i.checked_out_to == card]
        if own:
            items.append(demo.item(rng.choice(own)))
            renewals[items[-1].item_id] += 1  # placing an own loan asks for a renewal (policy "renew")
    incomplete = {it.item_id for it in items if len(it.tags) > 1 and rng.random() < 0.3}

    _inject(demo, rng, faults, items)
    station.step()  # first health check / offline detection
    if scenario == "borrow":
        station.identify(card, demo.pin(card)).result()
    for it in items:
        demo.place(it, parts=(1,) if it.item_id in incomplete else None)
    _drive(demo, clock, steps=12)
    shown = _shown(station, card)
    outcomes = Counter(row.status.value for row in _rows(station))
    station.finish().result()

    _settle(demo, clock)
    verdict = _verdict(demo, baseline, shown, renewals)
    return RunResult(
        seed,
        scenario,
        faults,
        verdict,
        outcomes,
        len(demo.sigb.transactions),
        len(station.staff_alerts(include_resolved=True)),
    )


def _rows(station: Any) -> list[Any]:
    return list(station.session.items) if station.session is not None else []


def _shown(station: Any, card: str) -> list[Shown]:
    shown = []
    for row in _rows(station):
        if row.status is ItemStatus.BORROWED:
            shown.append(Shown("borrowed", row.item_id, card, row.offline))
        elif row.status is ItemStatus.RETURNED:
            shown.append(Shown("returned", row.item_id, None, row.offline))
        elif row.status is ItemStatus.RENEWED:
            shown.append(Shown("renewed", row.item_id, card))
    return shown


def _drive(demo: Any, clock: ManualClock, steps: int) -> None:
    for _ in range(steps):
        demo.station.step()
        clock.advance(0.5)
        rows = _rows(demo.station)
        if rows and all(r.status.terminal for r in rows) and not _pending_sets(demo.station):
            demo.station.step()
            return


def _pending_sets(station: Any) -> bool:
    desk = station._desk
    return bool(desk and desk.sets.pending)


def _inject(demo: Any, rng: random.Random, faults: tuple[str, ...], items: list[Any]) -> None:
    sim = demo.sigb
    command = rng.choice(("11", "09"))
    if "sigb_down_before" in faults:
        sim.go_down()
    if "sigb_down_after" in faults:
        _down_after_next(sim, "checkout" if command == "11" else "checkin")
    if "reply_lost" in faults:
        sim.faults.drop_after = rng.randint(1, 4)
        sim.faults.apply_unanswered = rng.random() < 0.7
    if "stall" in faults:
        sim.faults.stall, sim.faults.stall_commands = True, {command}
        sim.faults.apply_unanswered = rng.random() < 0.7
    if "corrupt" in faults:
        sim.faults.corrupt_checksum = rng.randint(1, 3)
    tags = [t for it in items for t in it.tags]
    if "write_fail" in faults:
        for tag in rng.sample(tags, rng.randint(1, len(tags))):
            tag.faults.fail_writes = rng.randint(1, 5)
    if "weak_write" in faults:
        rng.choice(tags).faults.weak_writes = rng.randint(1, 4)
    if "tear" in faults:
        tag = rng.choice(tags)
        tag.faults.tear_writes = 1
        tag.faults.tear_return_after = rng.choice((None, 0.0))


def _down_after_next(sim: Any, method: str) -> None:
    """Make the SIGB apply the next ``method`` and then become unreachable before it replies."""
    original = getattr(sim.library, method)

    @functools.wraps(original)
    def apply_then_go_down(*args: Any, **kwargs: Any) -> Any:
        setattr(sim.library, method, original)
        result = original(*args, **kwargs)
        sim.faults.down = True
        return result

    setattr(sim.library, method, apply_then_go_down)


def _settle(demo: Any, clock: ManualClock) -> None:
    """Clear every fault, then let the station reach the SIGB, settle intents and replay its queue."""
    sim, station = demo.sigb, demo.station
    for method in ("checkout", "checkin"):
        with contextlib.suppress(AttributeError):
            delattr(sim.library, method)  # undo a pending _down_after_next
    sim.faults.reset()
    for it in demo.items.values():
        for tag in it.tags:
            tag.faults.fail_writes = tag.faults.weak_writes = tag.faults.tear_writes = 0
    for _ in range(6):
        # no pad polling here: items left on the pad would otherwise be returned by the next poll
        clock.advance(2.0)
        station.sync_now().result()
        if not station.status.offline and not station.intents.open_intents() and _unsettled(station) == 0:
            return


def _unsettled(station: Any) -> int:
    return 0 if station.queue is None else station.queue.stats().depth


def _verdict(demo: Any, baseline: int, shown: list[Shown], renewals: Counter[str]) -> Verdict:
    station = demo.station
    return check(
        library=demo.sigb.library,
        tags={k: v.tags for k, v in demo.items.items()},
        security=demo.config.security,
        baseline_seq=baseline,
        alerts=station.staff_alerts(include_resolved=True),
        rejected=station.rejected_replays(),
        open_intents=len(station.intents.open_intents()),
        unsettled=_unsettled(station),
        shown=shown,
        renewals_requested=renewals,
    )
