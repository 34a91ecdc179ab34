"""Simulated patrons of the pilot: what each kiosk session is, and the walk through the gate around it.

A session is drawn from the network's state (who may borrow, what is on the shelf, who holds which loans)
by :class:`Patrons`, whose scripts write the ground truth before the station acts (:mod:`.sim_kiosk`).
Every kiosk user is also a visitor: they walk in through their library's exit gate just before the session
carrying their card and the items they bring back, and walk out a few minutes after it with their card,
their new loans (every part of a set) and, now and then, an item the kiosk refused (:meth:`Patrons.journey`).
Items carried out stay set aside until the walk out, so nobody returns them before they leave.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from simulators.tags import SlixTag

from .sim_kiosk import UNKNOWN_CARD, KioskSim, Stack

STACK_SIZES = {1: 0.3, 2: 0.25, 3: 0.2, 4: 0.12, 5: 0.08, 6: 0.05}
FORGETS_REFUSED = 0.15  # a patron leaves with an item the kiosk refused (the gate should alarm)
BROWSING_MINUTES = (2.0, 20.0)  # time in the library after the kiosk, before walking out
ODD_KINDS = {"foreign-tag": "foreign", "blank-tag": "blank", "patron-card": "patron_card"}  # gate's words
Carried = tuple[
    SlixTag, str, str | None
]  # a physical tag, its kind at the gate (simulators.gate_traffic), item


class Patrons:
    """The patrons of the simulated network, acting on the simulation's kiosks, gates and clock."""

    def __init__(self, sim: Any) -> None:
        self.sim, self.rng, self.net, self.clock = sim, sim.rng, sim.net, sim.clock

    def session(self, kiosk: KioskSim) -> None:
        roll = self.rng.random()
        good = self.net.good_patrons()
        if roll < 0.05 and good:
            card = self.rng.choice(good)
            self._card_only(kiosk, card, lambda: kiosk.wrong_pin(card))
        elif roll < 0.10 and (blocked := self.net.blocked_patrons()):
            card = self.rng.choice(blocked)
            pin, reason = self.net.library.patrons[card].pin, self.net.block_reason(card)
            self._card_only(kiosk, card, lambda: kiosk.blocked(card, pin, reason))
        elif roll < 0.18:
            self.renewal_visit(kiosk)
        elif (roll < 0.6 or not good) and self.net.returnable(1):
            self.give_back(kiosk)
        elif good:
            self.borrow(kiosk)

    # -- people walking in and out ------------------------------------------------------------------------

    def _card(self, card: str) -> list[Carried]:
        return [(self.net.card_tag(card), "patron_card", None)]

    def _card_only(self, kiosk: KioskSim, card: str, use: Callable[[], None]) -> None:
        """A patron who only uses their card at the kiosk walks in and out with it."""

        def act() -> list[Carried]:
            use()
            return self._card(card)

        self.journey(kiosk, self._card(card), act)

    def journey(self, kiosk: KioskSim, carried_in: list[Carried], act: Callable[[], list[Carried]]) -> None:
        """Walk in through the library's gate with ``carried_in``, use the kiosk (``act`` returns what the
        patron then carries), browse a little and walk out. Items carried out stay set aside until then."""
        gate = self.sim.exits.get(kiosk.isil)
        if gate is not None:
            gate.walk("in", [(tag, kind) for tag, kind, _ in carried_in])
        carried_out = act()
        if gate is None:
            return
        held = [b for _, _, b in carried_out if b is not None and b not in self.net.busy]
        self.net.busy.update(held)
        day = (self.clock.utc().astimezone(self.sim.tz).date() - self.sim.plan.start).days
        leave = min(
            self.clock.utc() + timedelta(minutes=self.rng.uniform(*BROWSING_MINUTES)),
            self.sim.closing(day) + timedelta(minutes=10),
        )

        def walk_out() -> None:
            gate.walk("out", [(tag, kind) for tag, kind, _ in carried_out])
            self.net.busy.difference_update(held)

        self.sim.schedule(leave, 2, walk_out)

    def _leaving_with(self, card: str, stack: Stack) -> list[Carried]:
        """The card, the loans of the stack (every part), and now and then a refused item taken anyway."""
        out = self._card(card)
        for barcode, parts, total in stack.items:
            tags = self.net.item_tags(barcode, total)
            if parts == total:
                out += [(tag, "on_loan", barcode) for tag in tags]
            elif self.rng.random() < FORGETS_REFUSED:
                out += [(tag, "secured", barcode) for tag in tags[:parts]]
        for barcode, _reason in stack.refused:
            if self.rng.random() < FORGETS_REFUSED:
                out.append((self.net.item_tags(barcode)[0], "secured", barcode))
        return out

    # -- kiosk sessions -------------------------------------------------------------------------------------

    def borrow(self, kiosk: KioskSim, *, outage: bool = False) -> None:
        good = self.net.good_patrons()
        if not good:
            return
        regulars = [c for c in good if c in set(self.net.loans.values())]
        card = self.rng.choice(regulars if regulars and self.rng.random() < 0.5 else good)
        size = min(self._stack_size(), 4 if outage else 6)
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in self.net.available(size)])
        self._extras(stack, card, borrow=True, outage=outage)
        renew: list[str] = []
        if not outage and self.rng.random() < 0.4:
            renew = self._to_renew(card)
        self._borrow_stack(kiosk, card, stack, renew)

    def _borrow_stack(self, kiosk: KioskSim, card: str, stack: Stack, renew: list[str]) -> None:
        self._mark(stack, True)

        def act() -> list[Carried]:
            try:
                kiosk.borrow(card, self.net.library.patrons[card].pin, stack, renew=renew)
            finally:
                self._mark(stack, False)
            return self._leaving_with(card, stack)

        self.journey(kiosk, self._card(card), act)

    def _to_renew(self, card: str) -> list[str]:
        """Up to three of the patron's loans, as a patron picks them on the account screen."""
        loans = self.net.loans_of(card)
        return self.rng.sample(loans, min(len(loans), self.rng.randint(1, 3)))

    def renewal_visit(self, kiosk: KioskSim, card: str | None = None, renew: list[str] | None = None) -> None:
        """A patron with loans comes only to renew some of them."""
        if card is None:
            holders = [
                c for c in self.net.good_patrons() + self.net.renewal_blocked() if self.net.loans_of(c)
            ]
            if not holders:
                return
            card = self.rng.choice(holders)
        renew = renew if renew is not None else self._to_renew(card)
        if renew:
            pin = self.net.library.patrons[card].pin
            self._card_only(kiosk, card, lambda: kiosk.renew_only(card, pin, renew))

    def refusals_at_the_pad(self, kiosk: KioskSim) -> None:
        good = self.net.good_patrons()
        if not good:
            return
        card = self.rng.choice(good)
        stack = Stack(items=[(b, 1, 1) for b in self.net.available(1)])
        stack.items += [(b, 1, 2) for b in self.net.available(1, untagged=True)]  # one part of two
        held, excluded = self.net.on_hold_for_other(card), self.net.not_for_loan()
        stack.refused += [(held, "on-hold-for-another")] if held else []
        stack.refused += [(excluded, "item-not-for-loan")] if excluded else []
        self._borrow_stack(kiosk, card, stack, [])

    def unknown_card(self, kiosk: KioskSim) -> None:
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in self.net.available(1)])

        def act() -> list[Carried]:
            kiosk.borrow(UNKNOWN_CARD, "1234", stack)
            return self._leaving_with(UNKNOWN_CARD, stack)

        self.journey(kiosk, self._card(UNKNOWN_CARD), act)

    def give_back(self, kiosk: KioskSim) -> None:
        barcodes = self.net.returnable(self.rng.randint(1, 4))
        stack = Stack(items=[(b, self.net.parts(b), self.net.parts(b)) for b in barcodes])
        self._extras(stack, None, borrow=False, outage=False)
        if not stack.items and not stack.odd:
            return
        carried = [(tag, "on_loan", b) for b, _, total in stack.items for tag in self.net.item_tags(b, total)]
        carried += [(tag, ODD_KINDS[reason], None) for tag, reason in stack.odd]
        self._mark(stack, True)

        def act() -> list[Carried]:
            try:
                kiosk.give_back(stack)
            finally:
                self._mark(stack, False)
            return []  # the odd tags are left with staff, as the kiosk asked

        self.journey(kiosk, carried, act)

    def _stack_size(self) -> int:
        sizes = list(STACK_SIZES)
        return self.rng.choices(sizes, weights=[STACK_SIZES[s] for s in sizes])[0]

    def _extras(self, stack: Stack, card: str | None, *, borrow: bool, outage: bool) -> None:
        rng, net = self.rng, self.net
        taken = {b for b, _, _ in stack.items}
        for parts, chance in ((2, 0.08), (1, 0.05)):  # a two-part set: complete, or one part forgotten
            extra = net.available(1, untagged=True) if borrow and rng.random() < chance else []
            if extra and extra[0] not in taken:
                stack.items.append((extra[0], parts, 2))
                taken.add(extra[0])
        if borrow and card and not outage and rng.random() < 0.1:
            held = net.on_hold_for_other(card)
            if held is not None:
                stack.refused.append((held, "on-hold-for-another"))
        if borrow and card and not outage and rng.random() < 0.04:
            excluded = net.not_for_loan()
            if excluded is not None and excluded not in taken:
                stack.refused.append((excluded, "item-not-for-loan"))
        if rng.random() < 0.05:
            stack.odd.append((net.tags.foreign(f"3999{rng.randrange(10**9):09d}"), "foreign-tag"))
        if rng.random() < 0.04:
            stack.odd.append((net.tags.blank(), "blank-tag"))
        if borrow and rng.random() < 0.03:
            stack.odd.append((net.tags.patron_card(rng.choice(net.good_patrons())), "patron-card"))
        stack.worn = {b for b, _, _ in stack.items if rng.random() < 0.1}

    def _mark(self, stack: Stack, busy: bool) -> None:
        for barcode in [b for b, _, _ in stack.items] + [b for b, _ in stack.refused]:
            (self.net.busy.add if busy else self.net.busy.discard)(barcode)
