"""Simulated patrons at a real kiosk: the :class:`kiosk.station.Station` on a simulated reader and SIGB.

Each :class:`KioskSim` is a complete station (the production ``Station`` with its offline queue, intent log
and event journal) whose reader is a real driver talking to a reader simulator serving the kiosk's own RF
field, and whose SIGB is the network's :class:`simulators.sigb.SimulatedSIGB` over TCP. Patrons are scripted
here: identify, put a stack on the pad, say how many items it holds (pilot mode), finish; or bring items
back. Every script first writes what must come out of it into the ground truth
(:class:`kiosk.pilot.truth.KioskTruth`), then drives the station, stepping it on simulated time.

Choices that decide outcomes are taken from the simulated SIGB's state before acting (a patron in good
standing, items that are available with no hold), so the expectation is exact; the few refusals are chosen
on purpose (an item on hold for someone else, a wrong PIN, a blocked account, odd tags on the pad).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import parse_config
from kiosk.demo import demo_config_table
from kiosk.station import Station
from simulators.tags import SlixTag

from .sim_tags import TagFactory
from .simclock import SimClock
from .truth import KioskTruth

POLL_S = 0.2
MAX_STEPS = 200
SAFE_MEDIA = ("livre", "bd")  # no per-media loan limit: outcome independent of the patron's other loans
UNKNOWN_CARD = (
    "2066" + "9999990001"
)  # valid format, unknown to the SIGB: accepted offline, rejected on replay
LOAN_MARGIN = 8  # patrons keep this many loans below their limit
# Why a blocked account may not borrow (simulated SIGB flags, most specific first) → reason code.
BLOCK_REASONS = (
    ("card_lost", "patron-blocked"),
    ("excessive_fines", "fines"),
    ("too_many_overdue", "overdue"),
    ("too_many_charged", "too-many-items"),
)


@dataclass
class Network:
    """What every simulated station shares: the SIGB, the tags, the clock, the dice and the loans made."""

    sigb: Any
    clock: SimClock
    rng: random.Random
    tags: TagFactory = field(default_factory=TagFactory)
    loans: dict[str, str] = field(default_factory=dict)  # barcode -> card, loans made in the simulation
    busy: set[str] = field(
        default_factory=set
    )  # items set aside (on a pad, carried, lent to an unknown card)
    _cards: dict[str, SlixTag] = field(default_factory=dict)

    @property
    def library(self) -> Any:
        return self.sigb.library

    def owner(self, barcode: str) -> str:
        item = self.library.items[barcode]
        return self.library.branches[item.home_branch].isil

    def item_tags(self, barcode: str, parts: int = 1) -> tuple[SlixTag, ...]:
        on_loan = self.library.items[barcode].checked_out_to is not None
        return self.tags.item(barcode, self.owner(barcode), on_loan=on_loan, parts=parts)

    def good_patrons(self) -> list[str]:
        out = []
        for card in sorted(self.library.patrons):
            view = self.library.patron_info(card)
            if not view.flags.get("charge_denied") and len(view.charged) + LOAN_MARGIN <= (
                view.loan_limit or 15
            ):
                out.append(card)
        return out

    def blocked_patrons(self) -> list[str]:
        return [
            c for c in sorted(self.library.patrons) if self.library.patron_info(c).flags.get("charge_denied")
        ]

    def card_tag(self, card: str) -> SlixTag:
        """The RFID tag in a patron's card (made once: a patron keeps their card)."""
        if card not in self._cards:
            self._cards[card] = self.tags.patron_card(card)
        return self._cards[card]

    def block_reason(self, card: str) -> str:
        """Why this account may not borrow, in the report's words (the SIGB's own view of the patron)."""
        flags = self.library.patron_info(card).flags
        for flag, reason in BLOCK_REASONS:
            if flags.get(flag):
                return reason
        return "patron-blocked"  # suspended, expired…

    def renewal_refusal(self, card: str, barcode: str) -> str | None:
        """Why the network's rules refuse this renewal (None: they allow it), in the report's words."""
        flags, item, rules = (
            self.library.patron_info(card).flags,
            self.library.items[barcode],
            self.library.rules,
        )
        if flags.get("renewal_denied"):
            return next((reason for flag, reason in BLOCK_REASONS if flags.get(flag)), "patron-blocked")
        if item.renewals >= rules.max_renewals:
            return "renewal-limit"
        if rules.holds_block_renewal and any(h.patron_id != card for h in item.holds):
            return "on-hold-for-another"
        return None

    def renewal_blocked(self) -> list[str]:
        """Patrons who may borrow but not renew."""
        return [
            c
            for c in sorted(self.library.patrons)
            if not self.library.patron_info(c).flags.get("charge_denied")
            and self.library.patron_info(c).flags.get("renewal_denied")
        ]

    def refused_renewal(self, reason: str) -> tuple[str, str] | None:
        """A (patron, loan) whose renewal the rules refuse for ``reason``, the patron able to log in."""
        for card in sorted(self.library.patrons):
            if self.library.patron_info(card).flags.get("charge_denied"):
                continue
            for barcode in self.loans_of(card):
                if self.renewal_refusal(card, barcode) == reason:
                    return card, barcode
        return None

    def loans_of(self, card: str) -> list[str]:
        """Items on loan to ``card`` in the SIGB (from before the pilot or borrowed during it), not in use."""
        return sorted(
            b for b, item in self.library.items.items() if item.checked_out_to == card and b not in self.busy
        )

    def not_for_loan(self) -> str | None:
        """An item the rules never lend (excluded from loan, withdrawn, lost, missing), or None."""
        pool = [
            b
            for b, item in sorted(self.library.items.items())
            if item.status != "available" and item.checked_out_to is None and b not in self.busy
        ]
        return self.rng.choice(pool) if pool else None

    def available(self, count: int, *, untagged: bool = False) -> list[str]:
        """Items any patron in good standing can borrow now (``untagged``: never handled yet)."""
        pool = [
            b
            for b, item in sorted(self.library.items.items())
            if item.status == "available"
            and item.checked_out_to is None
            and not item.holds
            and item.media_type in SAFE_MEDIA
            and b not in self.busy
            and not (untagged and b in self.tags.items)
        ]
        return self.rng.sample(pool, min(count, len(pool)))

    def parts(self, barcode: str) -> int:
        """Parts of an item (a set keeps the number of tags it was given)."""
        return len(self.tags.items.get(barcode, ())) or 1

    def on_hold_for_other(self, card: str) -> str | None:
        pool = [
            b
            for b, item in sorted(self.library.items.items())
            if item.checked_out_to is None
            and item.holds
            and item.holds[0].patron_id != card
            and item.status == "available"
            and b not in self.busy
        ]
        return self.rng.choice(pool) if pool else None

    def returnable(self, count: int) -> list[str]:
        """Up to ``count`` items one patron borrowed during the simulation (patrons bring their own)."""
        holders = sorted({c for b, c in self.loans.items() if b not in self.busy})
        if not holders:
            return []
        card = self.rng.choice(holders)
        pool = sorted(b for b, c in self.loans.items() if c == card and b not in self.busy)
        return self.rng.sample(pool, min(count, len(pool)))


@dataclass
class Stack:
    """What a patron puts on the pad: items (barcode, parts placed, parts total) and odd tags (reason)."""

    items: list[tuple[str, int, int]] = field(default_factory=list)
    odd: list[tuple[SlixTag, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # items the SIGB will refuse, and why
    worn: set[str] = field(default_factory=set)  # items whose tag answers only some requests

    @property
    def documents(self) -> int:
        return len(self.items) + len(self.refused) + sum(reason != "patron-card" for _, reason in self.odd)


class KioskSim:
    """One library's kiosk, driven by scripted patrons on simulated time."""

    def __init__(
        self,
        net: Network,
        branch: Any,
        workdir: Path,
        *,
        index: int,
        truth: KioskTruth,
        pilot_mode: bool = True,
    ) -> None:
        from offline_queue import EventJournal, OfflineQueue
        from simulators.readers import simulated_reader
        from simulators.rf import RFField
        from sip2.client import ClientConfig, SIP2Client

        self.net, self.truth, self.pilot_mode = net, truth, pilot_mode
        self.isil = branch.isil
        self.station_id = f"{branch.isil}-K1"
        self.workdir = workdir / self.station_id
        self.workdir.mkdir(parents=True, exist_ok=True)
        table = demo_config_table(net.sigb.address, self.workdir, net.sigb.dataset)
        table["station"] = {"id": self.station_id, "library_name": branch.name}
        table["network"]["branch_isil"] = branch.isil
        table["sigb"].update(location=branch.code, retry_online_seconds=30.0)
        table["reader"].update(poll_interval=POLL_S, read_attempts=8)
        table["sets"] = {"wait_seconds": 8.0, "incomplete": "refuse"}
        table["security"] = {"write_attempts": 10}  # worn tags answer 3 requests in 4: retries, not failures
        self.config = parse_config(table, self.workdir)
        self.field = RFField(seed=net.rng.randrange(1 << 30))
        self.reader = simulated_reader(self.field, protocol="feig", transport="url")
        options = {**self.config.sigb.client_options(), "reconnect_delay": 0.02, "reconnect_max_delay": 0.05}
        client_config = ClientConfig(**options)
        clock = net.clock
        self.journal_path = self.config.journal.events
        self.station = Station(
            self.config,
            reader=self.reader,
            sigb_client_factory=lambda: SIP2Client(client_config),
            queue=OfflineQueue(self.config.journal.queue, station_id=self.station_id, clock=clock.utc),
            event_journal=EventJournal(self.journal_path, station_id=self.station_id, clock=clock.utc),
            clock=clock.monotonic,
            wall_clock=clock.local,
        )
        self.station.open()
        self._offline_seen = False
        self._to_replay = {"accepted": 0, "rejected": 0}  # offline transactions waiting for the SIGB

    # -- helpers ------------------------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return bool(self.station.status.offline)

    def _wait(self, seconds: float) -> None:
        self.net.clock.advance(seconds)

    def _step_until_done(self, rows: int) -> None:
        """Poll the pad (simulated 0.2 s apart) until ``rows`` rows are settled."""
        for _ in range(MAX_STEPS):
            self.station.step()
            session = self.station.session
            items = list(session.items) if session is not None else []
            if len(items) >= rows and all(r.status.terminal for r in items):
                return
            self._wait(POLL_S)
        raise RuntimeError(f"{self.station_id}: the pad did not settle {rows} row(s) in {MAX_STEPS} polls")

    def _place(self, stack: Stack) -> list[SlixTag]:
        placed: list[SlixTag] = []
        for barcode, parts, total in stack.items:
            tags = self.net.item_tags(barcode, total)[:parts]
            for tag in tags:
                self.field.place(tag, read_probability=0.75 if barcode in stack.worn else 1.0)
            placed += tags
        for barcode, _reason in stack.refused:
            tag = self.net.item_tags(barcode)[0]
            self.field.place(tag)
            placed.append(tag)
        for tag, _reason in stack.odd:
            self.field.place(tag)
            placed.append(tag)
        return placed

    def _lift(self, tags: Sequence[SlixTag]) -> None:
        """The patron takes everything away; the kiosk's next poll sees the pad empty."""
        for tag in tags:
            self.field.remove(tag.uid)
        self._wait(POLL_S)
        self.station.step()

    def _note_offline(self) -> None:
        if self.offline and not self._offline_seen:
            self._offline_seen = True
            self.truth.offline_periods += 1

    def _declare(self, stack: Stack, tags: int) -> None:
        if not self.pilot_mode:
            return
        declared = stack.documents + (1 if self.net.rng.random() < 0.08 else 0)  # some patrons miscount
        self.station.declare_items(declared).result()
        self.truth.declared(tags, declared)

    # -- patrons --------------------------------------------------------------------------------------------

    def borrow(self, card: str, pin: str, stack: Stack, *, renew: Sequence[str] = ()) -> None:
        """A patron identifies, borrows a stack, maybe renews earlier loans (``renew``, some of them already
        renewed as often as the rules allow), and finishes."""
        self._wait(5.0)
        assert self.station.identify(card, pin).result(), f"{self.station_id}: identification refused"
        self._note_offline()
        offline = self.offline
        self.truth.expect("login", "ok", offline=offline)
        self._wait(8.0)
        placed = self._place(stack)
        self._expect_stack(stack, "checkout", offline)
        rows = len(stack.items) + len(stack.refused) + len(stack.odd)
        self._settle(rows, stack)
        if placed:
            self._declare(stack, len(placed))
        for barcode, parts, total in stack.items:
            if parts < total:
                continue
            if card == UNKNOWN_CARD:  # the SIGB will reject this loan on replay; the item leaves the game
                self._to_replay["accepted"] -= 1
                self._to_replay["rejected"] += 1
                self.net.busy.add(barcode)
            else:
                self.net.loans[barcode] = card
        if renew and not offline:
            self._renew(card, renew)
        self._wait(4.0)
        self.station.finish().result()
        self._lift(placed)

    def renew_only(self, card: str, pin: str, renew: Sequence[str]) -> None:
        """A patron comes to the kiosk only to renew loans (some of which the rules refuse)."""
        self._wait(5.0)
        assert self.station.identify(card, pin).result(), f"{self.station_id}: identification refused"
        self._note_offline()
        self.truth.expect("login", "ok", offline=self.offline)
        if not self.offline:
            self._renew(card, renew)
        self._wait(4.0)
        self.station.finish().result()

    def _renew(self, card: str, renew: Sequence[str]) -> None:
        self._wait(6.0)
        expected = [self.net.renewal_refusal(card, barcode) for barcode in renew]
        results = self.station.renew(list(renew)).result()
        for result, refusal in zip(results, expected, strict=True):
            assert result.ok == (refusal is None), f"renewal expected {refusal or 'ok'}: {result}"
            if refusal is None:
                self.truth.expect("renew", "ok")
            else:
                self.truth.expect("renew", "refused", refusal)

    def _settle(self, rows: int, stack: Stack) -> None:
        incomplete = any(parts < total for _, parts, total in stack.items)
        if incomplete:  # wait for the missing part, then the policy applies
            for _ in range(3):
                self.station.step()
                self._wait(POLL_S)
            self._wait(self.config.sets.wait_seconds + 0.5)
        self._step_until_done(rows)

    def _expect_stack(self, stack: Stack, kind: str, offline: bool) -> None:
        for _barcode, parts, total in stack.items:
            if parts < total:
                self.truth.expect(kind, "refused", "incomplete-set", offline=offline)
                self.truth.sets_incomplete += 1
                continue
            self.truth.expect(kind, "ok", offline=offline)
            if total > 1:
                self.truth.sets_complete += 1
            if offline:
                self.truth.queued += 1
                self._to_replay["accepted"] += 1
        for _barcode, reason in stack.refused:
            self.truth.expect(kind, "refused", reason, offline=offline)
        for _tag, reason in stack.odd:
            self.truth.expect(kind, "refused", reason, offline=offline)

    def give_back(self, stack: Stack) -> None:
        """Items dropped on the pad without logging in: a return session that ends by itself."""
        placed = self._place(stack)
        self.station.step()
        self._note_offline()
        offline = self.offline
        self._expect_stack(stack, "checkin", offline)
        self._step_until_done(len(stack.items) + len(stack.odd))
        self._note_offline()
        self._declare(stack, len(placed))
        for barcode, _parts, _total in stack.items:
            self.net.loans.pop(barcode, None)
        self._lift(placed)
        self._wait(self.config.timeouts.return_idle_seconds + 1.0)
        self.station.step()  # idle long enough: the return session ends

    def wrong_pin(self, card: str) -> None:
        self._wait(5.0)
        assert not self.station.identify(card, "0000").result()
        self.truth.expect("login", "refused", "wrong-pin")
        self._wait(3.0)
        self.station.finish().result()

    def blocked(self, card: str, pin: str, reason: str) -> None:
        """A patron whose account may not borrow (``reason``: why, as the library would tell them)."""
        self._wait(5.0)
        self.station.identify(card, pin).result()
        self.truth.expect("login", "refused", reason)
        self._wait(6.0)
        self.station.finish().result()

    def idle(self) -> None:
        """One poll of an idle kiosk (it notices the SIGB is back, replays, leaves offline mode)."""
        self.station.step()
        if not self.offline and self._offline_seen:
            self._offline_seen = False
            self.truth.replay.update(self._to_replay)
            self._to_replay = {"accepted": 0, "rejected": 0}

    def close(self) -> None:
        self.station.close()
