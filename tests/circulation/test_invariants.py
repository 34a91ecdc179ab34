"""The invariant checker must fail on every kind of violation it claims to detect."""

from __future__ import annotations

from dataclasses import dataclass

from iso28560.model import AFI_ON_LOAN
from kiosk.demo import Demo
from kiosk.faultsim.invariants import Shown, check


@dataclass
class Alert:
    item_id: str


def verdict(demo: Demo, *, alerts=(), shown=(), baseline=0, renewals=None, open_intents=0, unsettled=0):
    return check(
        library=demo.sigb.library,
        tags={k: v.tags for k, v in demo.items.items()},
        security=demo.config.security,
        baseline_seq=baseline,
        alerts=alerts,
        rejected=(),
        open_intents=open_intents,
        unsettled=unsettled,
        shown=shown,
        renewals_requested=renewals,
    )


def test_consistent_state_passes(demo: Demo) -> None:
    demo.item("item_available"), demo.item("item_on_loan")
    assert verdict(demo).ok


def test_unsecured_but_not_charged_is_a_violation_unless_staff_were_told(demo: Demo) -> None:
    item = demo.item("item_available")
    item.tags[0].afi, item.tags[0].eas = AFI_ON_LOAN, False
    result = verdict(demo)
    assert not result.ok and result.unsafe == 1 and "no staff alert" in result.violations[0]
    assert verdict(demo, alerts=[Alert(item.item_id)]).ok


def test_charged_but_secured_and_half_written_tags_are_violations(demo: Demo) -> None:
    card = demo.patron("patron_ok")
    item, other = demo.item("item_available"), demo.item("item_dvd_available")
    demo.sigb.library.checkout(card, item.item_id)
    other.tags[0].eas = False  # AFI secured but EAS off: neither state
    assert len(verdict(demo).violations) == 2


def test_lost_and_duplicated_transactions_are_violations(demo: Demo) -> None:
    card = demo.patron("patron_ok")
    item = demo.item("item_available")
    assert not verdict(demo, shown=[Shown("borrowed", item.item_id, card)]).ok  # shown, never applied
    mine = demo.item("item_on_loan")
    demo.sigb.library.renew(card, mine.item_id)
    assert "renewal(s) applied" in verdict(demo).violations[0]
    assert verdict(demo, renewals={mine.item_id: 1}).ok
    assert not verdict(demo, open_intents=1).ok and not verdict(demo, unsettled=2).ok


def test_double_charge_is_detected(demo: Demo) -> None:
    from datetime import datetime

    from simulators.sigb.library import Transaction

    now = datetime.now()
    log = demo.sigb.library.transactions
    log.append(Transaction(900001, "checkout", "30660000000336", "p", None, now, now))
    log.append(Transaction(900002, "checkout", "30660000000336", "p", None, now, now))
    assert any("charged twice" in v for v in verdict(demo, baseline=900000).violations)
