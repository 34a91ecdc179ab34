"""The product invariant, checked from the outside after a run: SIGB state, tag states, journals.

Given the simulated SIGB (its library and transaction log), the simulated
tags and what the station recorded (staff alerts, the offline queue's staff
report, open intents, and the outcomes shown to the patron), :func:`check`
lists every violation of:

1. **consistency** — every part of every item has the security state that
   matches the SIGB (charged ⇔ AFI on-loan and EAS off; not charged ⇔ AFI
   secured and EAS on), unless a staff alert or a rejected replay names it;
2. **never unsecured uncharged** — no tag is on loan for an item the SIGB does
   not have charged, unless staff were told (counted separately, it is the
   dangerous direction);
3. **nothing left in flight** — after settling, no open intent and no
   unsettled offline transaction;
4. **no lost transaction** — every loan shown to the patron as borrowed is in
   the SIGB's log (a checkout of that item to that patron after the run
   started), every return shown as returned is a checkin, offline ones
   included (or a rejection in the staff report);
5. **no duplicated transaction** — the SIGB applied no renewal nobody asked
   for (a blindly resent checkout shows up as one), and no item was charged
   twice to the same patron in a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Shown:
    """An outcome the patron saw: ``kind`` borrowed | returned | renewed, for ``item_id``."""

    kind: str
    item_id: str
    patron_id: str | None = None
    offline: bool = False


@dataclass
class Verdict:
    violations: list[str] = field(default_factory=list)
    unsafe: int = 0  # tags on loan while the SIGB does not have the item charged (alerted or not)
    mismatches: int = 0  # items whose tags disagree with the SIGB (all alerted, or violations)
    alerted_items: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


def tag_state(tag: Any, afi_secured: int, afi_on_loan: int, eas: bool) -> str:
    """``secured``, ``on_loan`` or ``mixed`` (e.g. AFI on loan but EAS still set)."""
    if tag.afi == afi_secured and (not eas or tag.eas):
        return "secured"
    if tag.afi == afi_on_loan and (not eas or not tag.eas):
        return "on_loan"
    return "mixed"


def check(
    *,
    library: Any,
    tags: Mapping[str, Iterable[Any]],
    security: Any,
    baseline_seq: int,
    alerts: Iterable[Any],
    rejected: Iterable[Any],
    open_intents: int,
    unsettled: int,
    shown: Iterable[Shown],
    renewals_requested: Mapping[str, int] | None = None,
) -> Verdict:
    verdict = Verdict()
    alerted = {a.item_id for a in alerts} | {t.item_id for t in rejected}
    verdict.alerted_items = len(alerted)
    log = [t for t in library.transactions if t.seq > baseline_seq]

    for item_id, item_tags in tags.items():
        item = library.items[item_id]
        charged = item.checked_out_to is not None
        states = {tag_state(t, security.afi_secured, security.afi_on_loan, security.eas) for t in item_tags}
        expected = "on_loan" if charged else "secured"
        if states == {expected}:
            continue
        verdict.mismatches += 1
        if "on_loan" in states and not charged:
            verdict.unsafe += 1
        if item_id not in alerted:
            verdict.violations.append(
                f"{item_id}: SIGB {'charged' if charged else 'not charged'} but tags {sorted(states)}, "
                "and no staff alert"
            )

    if open_intents:
        verdict.violations.append(f"{open_intents} operation(s) still in flight after settling")
    if unsettled:
        verdict.violations.append(f"{unsettled} offline transaction(s) never settled")

    rejected_items = {t.item_id for t in rejected}
    for outcome in shown:
        kind = {"borrowed": "checkout", "returned": "checkin", "renewed": "renew"}[outcome.kind]
        applied = [
            t
            for t in log
            if t.kind == kind
            and t.item_id == outcome.item_id
            and (kind == "checkin" or outcome.patron_id is None or t.patron_id == outcome.patron_id)
        ]
        if not applied and not (outcome.offline and outcome.item_id in rejected_items):
            if kind == "checkin" and not _was_charged(library, log, outcome.item_id):
                continue  # returning an item that was not on loan changes nothing in the SIGB
            if kind == "checkout" and library.items[outcome.item_id].checked_out_to == outcome.patron_id:
                continue  # already on this patron's account (offline loan of an own loan: a no-op replay)
            verdict.violations.append(
                f"{outcome.item_id}: shown as {outcome.kind} but the SIGB has no {kind}"
            )

    requested = renewals_requested or {}
    for item_id in {t.item_id for t in log if t.kind == "renew"}:
        count = sum(1 for t in log if t.kind == "renew" and t.item_id == item_id)
        if count > requested.get(item_id, 0):
            verdict.violations.append(
                f"{item_id}: {count} renewal(s) applied, {requested.get(item_id, 0)} asked"
            )
    _double_charges(log, verdict)
    return verdict


def _was_charged(library: Any, log: list[Any], item_id: str) -> bool:
    return (
        any(t.item_id == item_id and t.kind == "checkout" for t in log)
        or library.items[item_id].checked_out_to is not None
    )


def _double_charges(log: list[Any], verdict: Verdict) -> None:
    last: dict[str, Any] = {}
    for t in log:
        if t.kind not in ("checkout", "checkin") or t.item_id is None:
            continue
        previous = last.get(t.item_id)
        if (
            previous is not None
            and previous.kind == "checkout"
            and t.kind == "checkout"
            and previous.patron_id == t.patron_id
        ):
            verdict.violations.append(f"{t.item_id}: charged twice in a row to the same patron")
        last[t.item_id] = t
