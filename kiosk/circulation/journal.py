"""Anonymous pilot journal of the station: transactions with timings, stacks, errors, offline periods.

A thin adapter over :class:`offline_queue.EventJournal` (whose API refuses
patron data and item identifiers) so that workflows record in one line and
never fail because of the journal: a full disk must not stop a checkout. Errors
are logged and counted in :attr:`PilotJournal.failures`. Every call is also
counted in :attr:`PilotJournal.counts` (``"checkout:ok"``, ``"event:staff-alert"``…),
which the tests, the soak benchmark and the staff screen read.

Timings: :meth:`PilotJournal.timer` snapshots the SIGB link's and the tag
writer's cumulative busy time, so each transaction's row says how long it
took in total, on SIP2 and on tag writes. One request for several items
(SIP2 65 renew all) stops its timer once (:meth:`PilotJournal.stop`) and
gives each item its share. A row journaled without a timer (nothing meaningful
to measure, e.g. a set refused after its wait ran out) has no duration (NULL),
never a made-up 0.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class ItemTimer:
    started: float
    sigb_start: float
    tag_start: float
    stopped: tuple[float, float, float] | None = None  # (clock, SIGB busy, tag busy) when stopped early


class PilotJournal:
    """Records to an ``EventJournal``, or only counts when there is none (tests, demo without files)."""

    def __init__(self, journal: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.journal = journal
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.failures = 0
        self._offline_period: int | None = None
        self.current_stack: int | None = None  # item transactions without a stack id belong to it
        self._queued_offline = 0  # transactions queued since the offline period began
        # observer(kind, outcome, duration_ms, sigb_ms, offline) after each transaction (metrics)
        self.observers: list[Callable[[str, str, float | None, float | None, bool], None]] = []

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.journal is None:
            return None
        try:
            return getattr(self.journal, method)(*args, **kwargs)
        except Exception as exc:  # the journal must never break circulation
            self.failures += 1
            log.error("event journal: %s failed: %s", method, exc)
            return None

    def timer(self, sigb: Any, security: Any) -> ItemTimer:
        return ItemTimer(
            self.clock(), getattr(sigb, "busy_seconds", 0.0), getattr(security, "busy_seconds", 0.0)
        )

    def stop(self, timer: ItemTimer, sigb: Any, security: Any) -> ItemTimer:
        """The timer stopped now: rows journaled later with it (one per item of a shared request) all get
        the time up to this moment."""
        return ItemTimer(timer.started, timer.sigb_start, timer.tag_start, stopped=self._now(sigb, security))

    def _now(self, sigb: Any, security: Any) -> tuple[float, float, float]:
        return self.clock(), getattr(sigb, "busy_seconds", 0.0), getattr(security, "busy_seconds", 0.0)

    def transaction(
        self,
        kind: str,
        outcome: str,
        *,
        timer: ItemTimer | None = None,
        sigb: Any = None,
        security: Any = None,
        reason: str | None = None,
        offline: bool = False,
        reads: int | None = None,
        set_parts: int | None = None,
        set_parts_present: int | None = None,
        stack_id: int | None = None,
        share: int = 1,
    ) -> None:
        """One item's transaction; ``share`` > 1 when one request handled that many items (renew all): the
        timings are divided among them."""
        self.counts[f"{kind}:{outcome}"] += 1
        if reason:
            self.counts[f"reason:{reason}"] += 1
        if stack_id is None and kind != "login":
            stack_id = self.current_stack
        if offline and outcome == "ok" and kind in ("checkout", "checkin"):
            self._queued_offline += 1
        duration = sigb_ms = tag_ms = None
        if timer is not None:
            end = timer.stopped or self._now(sigb, security)
            duration = (end[0] - timer.started) * 1000.0
            if sigb is not None:
                sigb_ms = (end[1] - timer.sigb_start) * 1000.0
            if security is not None:
                tag_ms = (end[2] - timer.tag_start) * 1000.0
            duration, sigb_ms, tag_ms = (
                None if t is None else t / max(share, 1) for t in (duration, sigb_ms, tag_ms)
            )
        for observe in self.observers:
            try:
                observe(kind, outcome, duration, sigb_ms, offline)
            except Exception:  # metrics must never break circulation
                log.exception("transaction observer failed")
        self._call(
            "record_transaction",
            kind,
            outcome,
            duration_ms=None if duration is None else max(duration, 0.0),
            reason=reason,
            stack_id=stack_id,
            reads=reads,
            sigb_ms=sigb_ms,
            tag_ms=tag_ms,
            offline=offline,
            set_parts=set_parts if set_parts and set_parts > 1 else None,
            set_parts_present=set_parts_present if set_parts and set_parts > 1 else None,
        )

    def event(self, event_type: str, **fields: str | int | float | bool | None) -> None:
        self.counts[f"event:{event_type}"] += 1
        self._call("record_event", event_type, fields)

    def error(self, component: str, error: str, detail: str | None = None) -> None:
        self.counts[f"error:{component}"] += 1
        self._call("record_error", component, error, detail=(detail or "")[:200] or None)

    def begin_stack(self, kind: str, offline: bool) -> int | None:
        self.counts[f"stack:{kind}"] += 1
        self.current_stack = self._call("begin_stack", kind, offline=offline)
        return self.current_stack

    def end_stack(self, stack_id: int | None, tags_seen: int, items_declared: int | None = None) -> None:
        """Close a stack; ``items_declared`` is what the patron said was on the pad (pilot mode)."""
        if stack_id == self.current_stack:
            self.current_stack = None
        if stack_id is not None:
            self._call("end_stack", stack_id, tags_seen=tags_seen, items_declared=items_declared)

    def offline_started(self, cause: str) -> None:
        self.counts["offline:started"] += 1
        if self._offline_period is None:
            self._queued_offline = 0
            self._offline_period = self._call("record_offline_period", cause)

    def offline_ended(self, queued: int | None = None) -> None:
        """Close the period; its row gets the transactions queued during it, as counted here (``queued``, the
        queue depth the station passes after replay, is only a fallback when nothing was counted)."""
        self.counts["offline:ended"] += 1
        if self._offline_period is not None:
            count = self._queued_offline or (queued or 0)
            self._call("end_offline_period", self._offline_period, transactions_queued=count)
            self._offline_period = None

    def close(self) -> None:
        self._call("close")
