"""State and circulation rules of the simulated SIGB: pure Python, no sockets, no wire format.

The :class:`Library` holds branches, patrons and items built from a
:class:`~simulators.sigb.dataset.Dataset` and applies the circulation actions a
self-service station asks for. It answers with result objects that the SIP2
server turns into frames, so the rules can be tested without a network.

Rules worth knowing (they mirror what a network SIGB such as Koha does):

* **Return anywhere.** A checkin at a branch other than the item's home puts
  the item in transit home: alert type ``04``, destination = home branch code,
  the dataset's ``transit`` sort bin. A first hold takes precedence: ``01`` when
  its pickup branch is here (the item waits on the hold shelf, ``hold`` bin),
  ``02`` when it must travel to the pickup branch. Both carry the hold patron's
  card and name.
* **Offline transactions** (``no_block=True``) are applied whatever the blocks
  and limits, with their original date (checkout date, return date). A replay
  that would contradict a later state is refused, never silently applied: a
  return dated before the current loan, or a checkout dated before another
  patron's later loan. Replaying an offline checkout already applied is
  idempotent.
* **Refusals** carry a French screen message (see :mod:`simulators.sigb.messages`).
* **Whole seconds.** SIP2 dates have one-second resolution, so every
  circulation time (the clock's, and the dates a request carries) is stored at
  whole seconds and compared at that resolution: a checkin sent in the same
  second as its checkout carries a return date equal to the loan date, never
  one "before" it. A UTC-marked request date is converted to local time.
* **A loan ends any routing.** Lending an item (an offline replay may lend one
  that sat on a hold shelf for someone else) clears its transit and puts a
  waiting hold back in the queue, as Koha's "revert waiting status" does: the
  item is no longer on the shelf, and the hold is routed again at its return.
* Every applied change is appended to :attr:`Library.transactions`, the log that
  invariant checkers compare with what a kiosk did to the tags.

Thread safety: every public method takes :attr:`Library.lock`; the server runs
one thread per connection.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from simulators.sigb import messages as msg
from simulators.sigb.dataset import (
    PATRON_FLAGS,
    BranchRecord,
    Dataset,
    ItemRecord,
    LoanRules,
    MediaRule,
    PatronRecord,
)

DUE_TIME = time(23, 59)
"""Loans fall due at the end of the day, like Koha's default."""

CIRC_OTHER, CIRC_ON_ORDER, CIRC_AVAILABLE, CIRC_CHARGED = 1, 2, 3, 4
CIRC_ON_HOLD_SHELF, CIRC_IN_TRANSIT, CIRC_LOST, CIRC_MISSING = 8, 10, 12, 13

ALERT_HOLD_HERE, ALERT_HOLD_ELSEWHERE, ALERT_TRANSIT, ALERT_OTHER = "01", "02", "04", "99"

_F = TypeVar("_F", bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    @functools.wraps(method)
    def wrapper(self: Library, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


@dataclass(slots=True)
class Hold:
    patron_id: str
    pickup_branch: str
    placed_at: datetime
    waiting_since: datetime | None = None
    """Set while the item sits on the hold shelf of ``pickup_branch`` for this patron."""


@dataclass(slots=True)
class Patron:
    card: str
    pin: str
    first_name: str
    last_name: str
    home_branch: str
    blocks: set[str] = field(default_factory=set)
    block_message: str | None = None
    fines: Decimal = Decimal("0.00")
    max_loans: int | None = None
    expires: date | None = None

    @property
    def personal_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:  # never show the PIN in logs or assertion output
        return f"Patron(card={self.card!r}, name={self.personal_name!r}, home_branch={self.home_branch!r})"


@dataclass(slots=True)
class Item:
    barcode: str
    title: str
    author: str
    home_branch: str
    media_type: str
    call_number: str = ""
    collection: str = ""
    status: str = "available"
    security_marker: str = "02"
    location: str | None = None
    checked_out_to: str | None = None
    loan_date: datetime | None = None
    due_date: datetime | None = None
    renewals: int = 0
    holds: list[Hold] = field(default_factory=list)
    in_transit_to: str | None = None

    @property
    def waiting_for(self) -> str | None:
        """Card of the patron this item waits for on a hold shelf, if any."""
        if self.holds and self.holds[0].waiting_since is not None:
            return self.holds[0].patron_id
        return None

    @property
    def circulation_status(self) -> int:
        """SIP2 circulation status (01–13) derived from loan, transit, hold and administrative state."""
        if self.status == "lost":
            return CIRC_LOST
        if self.status == "missing":
            return CIRC_MISSING
        if self.checked_out_to is not None:
            return CIRC_CHARGED
        if self.in_transit_to is not None:
            return CIRC_IN_TRANSIT
        if self.waiting_for is not None:
            return CIRC_ON_HOLD_SHELF
        if self.status == "on_order":
            return CIRC_ON_ORDER
        if self.status == "withdrawn":
            return CIRC_OTHER
        return CIRC_AVAILABLE


@dataclass(frozen=True, slots=True)
class Transaction:
    """One applied circulation action. ``when`` is the effective date (the original one offline)."""

    seq: int
    kind: str  # "checkout" | "checkin" | "renew" | "fee_paid"
    item_id: str | None
    patron_id: str | None
    branch: str | None
    when: datetime
    recorded_at: datetime
    offline: bool = False
    due_date: datetime | None = None
    amount: Decimal | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    """Answer to a checkout or a renewal (SIP2 12 / 30)."""

    ok: bool
    patron_id: str
    item_id: str
    renewal_ok: bool = False
    title: str = ""
    due_date: datetime | None = None
    media_type: str | None = None
    screen_messages: tuple[str, ...] = ()

    @property
    def desensitize(self) -> bool:
        return self.ok


RenewResult = CheckoutResult


@dataclass(frozen=True, slots=True)
class CheckinResult:
    """Answer to a checkin (SIP2 10), with the return-anywhere routing."""

    ok: bool
    item_id: str
    resensitize: bool = False
    alert_type: str | None = None
    destination: str | None = None
    sort_bin: str | None = None
    hold_patron_id: str | None = None
    hold_patron_name: str | None = None
    patron_id: str | None = None
    title: str = ""
    permanent_location: str | None = None
    call_number: str = ""
    collection: str = ""
    media_type: str | None = None
    screen_messages: tuple[str, ...] = ()

    @property
    def alert(self) -> bool:
        return not self.ok or self.alert_type is not None


@dataclass(frozen=True, slots=True)
class RenewAllResult:
    ok: bool
    patron_id: str
    renewed: tuple[str, ...] = ()
    unrenewed: tuple[str, ...] = ()
    screen_messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeePaidResult:
    ok: bool
    patron_id: str
    transaction_id: str = ""
    balance: Decimal = Decimal("0.00")
    screen_messages: tuple[str, ...] = ()


@dataclass(slots=True)
class _Standing:
    flags: dict[str, bool]
    charge_refusals: list[str]
    renewal_refusals: list[str]
    loans: list[Item]
    overdue: list[Item]


@dataclass(frozen=True, slots=True)
class PatronView:
    """What patron information / patron status report (SIP2 64 / 24)."""

    patron_id: str
    valid: bool
    valid_pin: bool | None
    personal_name: str = ""
    flags: dict[str, bool] = field(default_factory=dict)
    home_branch: str | None = None
    fines: Decimal = Decimal("0.00")
    loan_limit: int | None = None
    charged: tuple[str, ...] = ()
    overdue: tuple[str, ...] = ()
    holds_available: tuple[str, ...] = ()
    holds_unavailable: tuple[str, ...] = ()
    screen_messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemView:
    """What item information reports (SIP2 18)."""

    item_id: str
    known: bool
    title: str = ""
    circulation_status: int = CIRC_OTHER
    security_marker: str = "00"
    due_date: datetime | None = None
    patron_id: str | None = None
    hold_queue_length: int = 0
    media_type: str | None = None
    permanent_location: str | None = None
    current_location: str | None = None
    destination: str | None = None
    hold_patron_id: str | None = None
    call_number: str = ""
    collection: str = ""
    screen_messages: tuple[str, ...] = ()


class Library:
    """The simulated SIGB's state. Build from a dataset; ``clock`` returns local naive datetimes."""

    def __init__(self, dataset: Dataset, clock: Callable[[], datetime] = datetime.now) -> None:
        self.dataset = dataset
        self.rules: LoanRules = dataset.rules
        self.clock = clock
        self.lock = threading.RLock()
        self.branches: dict[str, BranchRecord] = {b.code: b for b in dataset.branches}
        self._branch_aliases = {k.casefold(): b.code for b in dataset.branches for k in (b.code, b.isil)}
        now = whole_second(clock())
        self.patrons: dict[str, Patron] = {p.card: _build_patron(p, now) for p in dataset.patrons}
        self.items: dict[str, Item] = {i.barcode: self._build_item(i, now) for i in dataset.items}
        self.transactions: list[Transaction] = []
        self._payments = 0

    # -- time ---------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return whole_second(self.clock())

    def _effective(self, when: datetime | None, offline: bool) -> datetime:
        """When an action takes effect: its original date for an offline replay, else now."""
        return whole_second(when) if offline and when is not None else self._now()

    # -- lookups --------------------------------------------------------------------------------

    def branch_code(self, ref: str | None) -> str | None:
        """Resolve a branch code or ISIL (any case) to the branch code; None when unknown."""
        if not ref:
            return None
        return self._branch_aliases.get(ref.strip().casefold())

    def media_rule(self, item: Item) -> MediaRule:
        return self.rules.media[item.media_type]

    def sip_media_type(self, item: Item) -> str:
        return self.media_rule(item).sip_media_type

    @_locked
    def loans_of(self, patron_id: str) -> list[Item]:
        return [i for i in self.items.values() if i.checked_out_to == patron_id]

    @_locked
    def holds_of(self, patron_id: str) -> list[tuple[Item, Hold]]:
        return [(i, h) for i in self.items.values() for h in i.holds if h.patron_id == patron_id]

    def due_date_for(self, item: Item, start: datetime) -> datetime:
        return datetime.combine(start.date() + timedelta(days=self.media_rule(item).loan_days), DUE_TIME)

    # -- patron -------------------------------------------------------------------------------

    @_locked
    def patron_info(self, patron_id: str, pin: str | None = None) -> PatronView:
        patron = self.patrons.get(patron_id)
        if patron is None:
            denied = {f: f in ("charge_denied", "renewal_denied", "recall_denied", "hold_denied")
                      for f in PATRON_FLAGS}
            return PatronView(patron_id, valid=False, valid_pin=False if pin else None, flags=denied,
                              screen_messages=(msg.UNKNOWN_PATRON,))
        standing = self._standing(patron, self._now())
        holds = self.holds_of(patron_id)
        return PatronView(
            patron_id, valid=True, valid_pin=None if not pin else pin == patron.pin,
            personal_name=patron.personal_name, flags=standing.flags, home_branch=patron.home_branch,
            fines=patron.fines, loan_limit=self._loan_limit(patron),
            charged=tuple(i.barcode for i in standing.loans),
            overdue=tuple(i.barcode for i in standing.overdue),
            holds_available=tuple(i.barcode for i, h in holds if h.waiting_since is not None),
            holds_unavailable=tuple(i.barcode for i, h in holds if h.waiting_since is None),
            screen_messages=(msg.GREETING.format(name=patron.first_name), *standing.charge_refusals),
        )

    def _loan_limit(self, patron: Patron) -> int:
        return patron.max_loans if patron.max_loans is not None else self.rules.max_loans

    def _standing(self, patron: Patron, now: datetime) -> _Standing:
        """The 14 status flags, and the French reasons a checkout or a renewal would be refused."""
        loans = self.loans_of(patron.card)
        overdue = [i for i in loans if i.due_date is not None and i.due_date < now]
        explicit, rules = patron.blocks, self.rules
        card_lost = "card_lost" in explicit
        expired = patron.expires is not None and patron.expires < now.date()
        fines = rules.max_fines > 0 and patron.fines >= rules.max_fines
        too_many_overdue = rules.max_overdue is not None and len(overdue) >= rules.max_overdue
        too_many_charged = len(loans) >= self._loan_limit(patron)
        common = [
            (card_lost, msg.CARD_LOST),
            (expired, msg.CARD_EXPIRED.format(date=msg.french_date(patron.expires or now))),
        ]
        charge = [*common,
                  ("charge_denied" in explicit, patron.block_message or msg.ACCOUNT_SUSPENDED),
                  (fines, msg.EXCESSIVE_FINES.format(amount=msg.euros(patron.fines))),
                  (too_many_overdue, msg.TOO_MANY_OVERDUE.format(count=len(overdue))),
                  (too_many_charged, msg.LOAN_LIMIT.format(limit=self._loan_limit(patron)))]
        renewal = [*common,
                   ("renewal_denied" in explicit, patron.block_message or msg.RENEWALS_DENIED),
                   (fines, msg.EXCESSIVE_FINES.format(amount=msg.euros(patron.fines)))]
        standing = _Standing(
            flags={f: f in explicit for f in PATRON_FLAGS},
            charge_refusals=[text for applies, text in charge if applies],
            renewal_refusals=[text for applies, text in renewal if applies],
            loans=loans, overdue=overdue,
        )
        standing.flags.update(
            charge_denied=bool(standing.charge_refusals), renewal_denied=bool(standing.renewal_refusals),
            hold_denied=standing.flags["hold_denied"] or card_lost or expired, card_lost=card_lost,
            excessive_fines=standing.flags["excessive_fines"] or fines,
            too_many_overdue=standing.flags["too_many_overdue"] or too_many_overdue,
            too_many_charged=standing.flags["too_many_charged"] or too_many_charged,
        )
        return standing

    def _authenticate(self, patron_id: str, pin: str | None,
                      offline: bool) -> tuple[Patron | None, str | None]:
        """The patron and None, or None and the refusal message. Offline replays carry no PIN."""
        patron = self.patrons.get(patron_id)
        if patron is None:
            return None, msg.UNKNOWN_PATRON
        if offline:
            return patron, None
        if pin:
            return (patron, None) if pin == patron.pin else (None, msg.WRONG_PIN)
        return (None, msg.PIN_REQUIRED) if self.dataset.require_pin else (patron, None)

    # -- item ---------------------------------------------------------------------------------

    @_locked
    def item_info(self, item_id: str) -> ItemView:
        item = self.items.get(item_id)
        if item is None:
            return ItemView(item_id, known=False, screen_messages=(msg.UNKNOWN_ITEM,))
        notes = {"not_for_loan": (msg.NOT_FOR_LOAN,), "withdrawn": (msg.WITHDRAWN,)}.get(item.status, ())
        return ItemView(
            item_id, known=True, title=item.title, circulation_status=item.circulation_status,
            security_marker=item.security_marker, due_date=item.due_date, patron_id=item.checked_out_to,
            hold_queue_length=len(item.holds), media_type=self.sip_media_type(item),
            permanent_location=item.home_branch, current_location=item.location,
            destination=item.in_transit_to, hold_patron_id=item.waiting_for,
            call_number=item.call_number, collection=item.collection, screen_messages=notes,
        )

    # -- circulation --------------------------------------------------------------------------

    @_locked
    def checkout(self, patron_id: str, item_id: str, *, branch: str | None = None, pin: str | None = None,
                 no_block: bool = False, when: datetime | None = None, nb_due_date: datetime | None = None,
                 renewal_policy: bool = False) -> CheckoutResult:
        """Lend an item. With ``no_block`` (an offline replay) blocks and limits are ignored and
        ``when``/``nb_due_date`` are the original checkout and due dates."""
        effective = self._effective(when, no_block)
        branch = self.branch_code(branch)
        refuse = functools.partial(CheckoutResult, False, patron_id, item_id)
        patron, problem = self._authenticate(patron_id, pin, no_block)
        if patron is None:
            return refuse(screen_messages=(problem,))
        item = self.items.get(item_id)
        if item is None:
            return refuse(screen_messages=(msg.UNKNOWN_ITEM,))
        refuse = functools.partial(refuse, title=item.title, media_type=self.sip_media_type(item))
        if item.checked_out_to == patron_id:
            if no_block:  # the replay of a checkout already applied
                return CheckoutResult(True, patron_id, item_id, title=item.title, due_date=item.due_date,
                                      media_type=self.sip_media_type(item))
            if renewal_policy:
                return self._renew(patron, item, effective, branch, offline=False)
            return refuse(screen_messages=(msg.ALREADY_YOURS,))
        if no_block:
            problem = self._offline_checkout_conflict(item, effective)
        else:
            problem = self._checkout_refusal(patron, item, effective)
        if problem:
            return refuse(screen_messages=(problem,))
        if item.checked_out_to is not None:  # offline replay: the item left with this patron
            self._close_loan(item, effective, branch, offline=True,
                             note="implicit return of an offline checkout")
        return self._lend(patron, item, effective, branch, no_block, nb_due_date)

    def _checkout_refusal(self, patron: Patron, item: Item, now: datetime) -> str | None:
        standing = self._standing(patron, now)
        if standing.charge_refusals:
            return standing.charge_refusals[0]
        item_problem = {"not_for_loan": msg.NOT_FOR_LOAN, "withdrawn": msg.WITHDRAWN,
                        "lost": msg.LOST_ITEM, "missing": msg.MISSING_ITEM}.get(item.status)
        if item_problem:
            return item_problem
        if item.checked_out_to is not None:
            return msg.ON_LOAN_TO_OTHER
        if item.holds and item.holds[0].patron_id != patron.card:
            return msg.ON_HOLD_FOR_OTHER
        media_limit = self.media_rule(item).max_loans
        same_media = sum(i.media_type == item.media_type for i in standing.loans)
        if media_limit is not None and same_media >= media_limit:
            return msg.MEDIA_LIMIT.format(limit=media_limit)
        return None

    def _offline_checkout_conflict(self, item: Item, when: datetime) -> str | None:
        if item.checked_out_to is not None and item.loan_date is not None and item.loan_date > when:
            return msg.LATER_LOAN_CONFLICT
        return None

    def _lend(self, patron: Patron, item: Item, when: datetime, branch: str | None, offline: bool,
              nb_due_date: datetime | None) -> CheckoutResult:
        notes = []
        if item.holds and item.holds[0].patron_id == patron.card:
            notes.append(msg.HOLD_FILLED)
        item.holds = [h for h in item.holds if h.patron_id != patron.card]
        for hold in item.holds:  # the item leaves the hold shelf: the hold waits for its return again
            hold.waiting_since = None
        if item.status in ("lost", "missing"):
            item.status = "available"
        item.checked_out_to, item.loan_date, item.renewals = patron.card, when, 0
        item.due_date = (whole_second(nb_due_date) if offline and nb_due_date
                         else self.due_date_for(item, when))
        item.in_transit_to, item.location = None, None
        self._log("checkout", item, patron.card, branch, when, offline, due_date=item.due_date)
        return CheckoutResult(True, patron.card, item.barcode, title=item.title, due_date=item.due_date,
                              media_type=self.sip_media_type(item),
                              screen_messages=(*notes, msg.CHECKOUT_OK.format(
                                  date=msg.french_date(item.due_date))))

    @_locked
    def renew(self, patron_id: str, item_id: str, *, branch: str | None = None, pin: str | None = None,
              no_block: bool = False, when: datetime | None = None) -> RenewResult:
        effective = self._effective(when, no_block)
        patron, problem = self._authenticate(patron_id, pin, no_block)
        if patron is None:
            return RenewResult(False, patron_id, item_id, screen_messages=(problem,))
        item = self.items.get(item_id)
        if item is None:
            return RenewResult(False, patron_id, item_id, screen_messages=(msg.UNKNOWN_ITEM,))
        return self._renew(patron, item, effective, self.branch_code(branch), offline=no_block)

    def _renew(self, patron: Patron, item: Item, when: datetime, branch: str | None,
               offline: bool) -> RenewResult:
        problem = None if offline else self._renewal_refusal(patron, item, when)
        if item.checked_out_to != patron.card:
            problem = msg.NOT_YOUR_LOAN
        if problem:
            return RenewResult(False, patron.card, item.barcode, title=item.title, due_date=item.due_date,
                               media_type=self.sip_media_type(item), screen_messages=(problem,))
        assert item.due_date is not None
        item.due_date = max(item.due_date, self.due_date_for(item, when))
        item.renewals += 1
        self._log("renew", item, patron.card, branch, when, offline, due_date=item.due_date)
        return RenewResult(True, patron.card, item.barcode, renewal_ok=True, title=item.title,
                           due_date=item.due_date, media_type=self.sip_media_type(item),
                           screen_messages=(msg.RENEWAL_OK.format(date=msg.french_date(item.due_date)),))

    def _renewal_refusal(self, patron: Patron, item: Item, now: datetime) -> str | None:
        refusals = self._standing(patron, now).renewal_refusals
        if refusals:
            return refusals[0]
        if item.renewals >= self.rules.max_renewals:
            return msg.MAX_RENEWALS.format(limit=self.rules.max_renewals)
        if self.rules.holds_block_renewal and any(h.patron_id != patron.card for h in item.holds):
            return msg.RENEWAL_ON_HOLD
        if self.rules.overdue_blocks_renewal and item.due_date is not None and item.due_date < now:
            return msg.OVERDUE_NO_RENEWAL
        return None

    @_locked
    def renew_all(self, patron_id: str, *, branch: str | None = None,
                  pin: str | None = None) -> RenewAllResult:
        patron, problem = self._authenticate(patron_id, pin, offline=False)
        if patron is None:
            return RenewAllResult(False, patron_id, screen_messages=(problem,))
        now = self._now()
        renewed, unrenewed, notes = [], [], []
        for item in sorted(self.loans_of(patron_id), key=lambda i: i.barcode):
            result = self._renew(patron, item, now, self.branch_code(branch), offline=False)
            (renewed if result.ok else unrenewed).append(item.barcode)
            if not result.ok:
                notes.append(f"{item.title} : {result.screen_messages[0]}")
        return RenewAllResult(True, patron_id, tuple(renewed), tuple(unrenewed), tuple(notes))

    @_locked
    def checkin(self, item_id: str, *, branch: str | None = None, no_block: bool = False,
                when: datetime | None = None, return_date: datetime | None = None) -> CheckinResult:
        """Return an item at ``branch`` and route it (reshelve, hold shelf, transit).

        The effective return time is ``return_date`` when given (Koha uses it as the
        actual return time), else ``when`` for an offline replay, else now."""
        effective = whole_second(return_date) if return_date else self._effective(when, no_block)
        branch = self.branch_code(branch)
        item = self.items.get(item_id)
        if item is None:
            return CheckinResult(False, item_id, screen_messages=(msg.UNKNOWN_ITEM,))
        base = self._checkin_base(item)
        if item.status == "withdrawn":
            return CheckinResult(False, item_id, alert_type=ALERT_OTHER, sort_bin=self._bin("staff"),
                                 screen_messages=(msg.WITHDRAWN,), **base)
        if item.checked_out_to is not None and item.loan_date is not None and effective < item.loan_date:
            return CheckinResult(False, item_id, alert_type=ALERT_OTHER, sort_bin=self._bin("staff"),
                                 patron_id=item.checked_out_to, screen_messages=(msg.RETURN_BEFORE_LOAN,),
                                 **base)
        notes: list[str] = []
        borrower = item.checked_out_to
        ok = self.dataset.checked_in_ok
        found = item.status in ("lost", "missing")
        if found:
            item.status, ok = "available", True
            notes.append(msg.FOUND_LOST)
        if borrower is not None:
            notes.extend(self._close_loan(item, effective, branch, no_block) or [msg.CHECKIN_OK])
            ok = True
        elif found:
            self._log("checkin", item, None, branch, effective, no_block, note="found")
        else:
            notes.append(msg.NOT_CHECKED_OUT)
        return self._route(item, branch, effective, ok, borrower, notes, base)

    def _checkin_base(self, item: Item) -> dict[str, Any]:
        return dict(title=item.title, permanent_location=item.home_branch, call_number=item.call_number,
                    collection=item.collection, media_type=self.sip_media_type(item))

    def _close_loan(self, item: Item, when: datetime, branch: str | None, offline: bool,
                    note: str = "") -> list[str]:
        """End the current loan at ``when``; late returns may add a fine. Returns French notes."""
        borrower, due = item.checked_out_to, item.due_date
        item.checked_out_to, item.loan_date, item.due_date, item.renewals = None, None, None, 0
        item.location = branch
        self._log("checkin", item, borrower, branch, when, offline, note=note)
        days_late = (when.date() - due.date()).days if due is not None and when > due else 0
        if days_late <= 0:
            return []
        notes = [msg.CHECKIN_LATE.format(days=days_late)]
        fine = self.media_rule(item).fine_per_day * days_late
        patron = self.patrons.get(borrower or "")
        if fine > 0 and patron is not None:
            patron.fines += fine
            notes.append(msg.CHECKIN_FINE.format(amount=msg.euros(fine)))
        return notes

    def _route(self, item: Item, branch: str | None, when: datetime, ok: bool, borrower: str | None,
               notes: list[str], base: dict[str, Any]) -> CheckinResult:
        here = branch or item.home_branch
        item.location = here
        if item.in_transit_to == here:
            item.in_transit_to = None
        result = functools.partial(CheckinResult, ok, item.barcode, resensitize=True, patron_id=borrower,
                                   **base)
        if item.holds:
            hold = item.holds[0]
            holder = self.patrons.get(hold.patron_id)
            hold_fields = dict(hold_patron_id=hold.patron_id,
                               hold_patron_name=holder.personal_name if holder else None)
            if hold.pickup_branch == here:
                item.in_transit_to = None
                if hold.waiting_since is None:
                    hold.waiting_since = when
                return result(alert_type=ALERT_HOLD_HERE, sort_bin=self._bin("hold"),
                              screen_messages=(*notes, msg.HOLD_HERE), **hold_fields)
            hold.waiting_since = None
            item.in_transit_to = hold.pickup_branch
            return result(alert_type=ALERT_HOLD_ELSEWHERE, destination=hold.pickup_branch,
                          sort_bin=self._bin("transit"), **hold_fields,
                          screen_messages=(*notes, msg.HOLD_ELSEWHERE.format(
                              branch=self._branch_name(hold.pickup_branch))))
        if here != item.home_branch:
            item.in_transit_to = item.home_branch
            home_name = self._branch_name(item.home_branch)
            return result(alert_type=ALERT_TRANSIT, destination=item.home_branch,
                          sort_bin=self._bin("transit"),
                          screen_messages=(*notes, msg.TRANSIT.format(branch=home_name)))
        item.in_transit_to = None
        return result(sort_bin=self._bin("reshelve"), screen_messages=tuple(notes))

    def _bin(self, kind: str) -> str:
        return self.dataset.sort_bins[kind]

    def _branch_name(self, code: str) -> str:
        branch = self.branches.get(code)
        return branch.name if branch else code

    # -- fees, holds, session -----------------------------------------------------------------

    @_locked
    def fee_paid(self, patron_id: str, amount: Decimal, *, pin: str | None = None,
                 branch: str | None = None) -> FeePaidResult:
        patron, problem = self._authenticate(patron_id, pin, offline=False)
        if patron is None:
            return FeePaidResult(False, patron_id, screen_messages=(problem,))
        if patron.fines <= 0 or amount <= 0:
            return FeePaidResult(False, patron_id, balance=patron.fines, screen_messages=(msg.FEE_NOT_OWED,))
        paid = min(amount, patron.fines)
        patron.fines -= paid
        self._payments += 1
        transaction_id = f"PAY{self._payments:06d}"
        self._log("fee_paid", None, patron_id, self.branch_code(branch), self._now(), False,
                  amount=paid, note=transaction_id)
        return FeePaidResult(True, patron_id, transaction_id, patron.fines, screen_messages=(
            msg.FEE_PAID.format(amount=msg.euros(paid), balance=msg.euros(patron.fines)),))

    @_locked
    def end_session(self, patron_id: str) -> tuple[bool, tuple[str, ...]]:
        return True, (msg.GOODBYE,)

    @_locked
    def place_hold(self, item_id: str, patron_id: str, pickup_branch: str | None = None) -> Hold:
        """Queue a hold (staff action, for tests and demos); pickup defaults to the patron's home branch."""
        patron = self.patrons[patron_id]
        pickup = self.branch_code(pickup_branch) if pickup_branch else patron.home_branch
        if pickup is None:
            raise KeyError(f"unknown pickup branch {pickup_branch!r}")
        hold = Hold(patron_id, pickup, self._now())
        self.items[item_id].holds.append(hold)
        return hold

    # -- building -----------------------------------------------------------------------------

    def _build_item(self, record: ItemRecord, now: datetime) -> Item:
        item = Item(
            barcode=record.barcode, title=record.title, author=record.author, home_branch=record.home_branch,
            media_type=record.media_type, call_number=record.call_number, collection=record.collection,
            status=record.status, security_marker=record.security_marker, location=record.home_branch,
            in_transit_to=record.in_transit_to,
        )
        if record.loan:
            item.checked_out_to, item.location = record.loan.patron, None
            item.loan_date = (now - timedelta(days=record.loan.days_ago)).replace(microsecond=0)
            item.renewals = record.loan.renewals
            if record.loan.due_in_days is None:
                item.due_date = self.due_date_for(item, item.loan_date)
            else:
                due_day = now.date() + timedelta(days=record.loan.due_in_days)
                item.due_date = datetime.combine(due_day, DUE_TIME)
        for n, h in enumerate(record.holds):
            placed = (now - timedelta(days=len(record.holds) - n)).replace(microsecond=0)
            item.holds.append(Hold(h.patron, h.pickup, placed, placed if h.waiting else None))
            if h.waiting:
                item.location = h.pickup
        return item

    def _log(self, kind: str, item: Item | None, patron_id: str | None, branch: str | None, when: datetime,
             offline: bool, due_date: datetime | None = None, amount: Decimal | None = None,
             note: str = "") -> None:
        self.transactions.append(Transaction(
            seq=len(self.transactions) + 1, kind=kind, item_id=item.barcode if item else None,
            patron_id=patron_id, branch=branch, when=when, recorded_at=self._now(), offline=offline,
            due_date=due_date, amount=amount, note=note,
        ))


def whole_second(value: datetime) -> datetime:
    """``value`` as a local naive time at SIP2's one-second resolution."""
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)


def _build_patron(record: PatronRecord, now: datetime) -> Patron:
    expires = None if record.expires_in_days is None else now.date() + timedelta(days=record.expires_in_days)
    return Patron(
        card=record.card, pin=record.pin, first_name=record.first_name, last_name=record.last_name,
        home_branch=record.home_branch, blocks=set(record.blocks), block_message=record.block_message,
        fines=record.fines, max_loans=record.max_loans, expires=expires,
    )
