"""Circulation rules of the simulated SIGB, without a network: loans, returns anywhere, holds,
offline replays, renewals, refusals with French messages, and the transaction log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sigb_helpers import NOW, tiny

from simulators.sigb import Library, load_sample_dataset
from simulators.sigb import messages as msg
from simulators.sigb.dataset import parse_dataset


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, **changes) -> Library:
    return Library(parse_dataset(tiny(**changes)), clock=clock)


@pytest.fixture
def lib(clock: Clock) -> Library:
    return make(clock)


def due(days: int, start: datetime = NOW) -> datetime:
    return datetime.combine(start.date() + timedelta(days=days), time(23, 59))


# -- checkout -------------------------------------------------------------------------------------


def test_checkout_lends_until_end_of_day_of_the_media_period_and_logs_it(lib: Library):
    result = lib.checkout("P1", "I1", branch="CENTRE", pin="1111")
    assert result.ok and result.desensitize and not result.renewal_ok
    assert result.due_date == due(21) and result.title == "Les Misérables" and result.media_type == "001"
    assert result.screen_messages == (f"Prêt enregistré. À rendre le {due(21):%d/%m/%Y}.",)
    item = lib.items["I1"]
    assert (item.checked_out_to, item.loan_date, item.due_date, item.location) == ("P1", NOW, due(21), None)
    [tx] = lib.transactions
    assert (tx.kind, tx.item_id, tx.patron_id, tx.branch, tx.when, tx.offline) == (
        "checkout", "I1", "P1", "CENTRE", NOW, False)
    assert lib.checkout("P2", "D1").due_date == due(7)


def test_branch_may_be_given_by_isil(lib: Library):
    lib.checkout("P1", "I1", branch="fr-000000002")
    assert lib.transactions[-1].branch == "NORD"


def refused(result, message: str) -> None:
    assert not result.ok and not result.desensitize
    assert result.screen_messages == (message,)


@pytest.mark.parametrize(("patron", "item", "pin", "message"), [
    ("P9", "I1", None, msg.UNKNOWN_PATRON),
    ("P1", "I1", "0000", msg.WRONG_PIN),
    ("P1", "NOPE", None, msg.UNKNOWN_ITEM),
])
def test_checkout_refusals_on_identity(lib: Library, patron, item, pin, message):
    refused(lib.checkout(patron, item, pin=pin), message)
    assert lib.transactions == [] and lib.items["I1"].checked_out_to is None


def test_checkout_refusals_on_patron_standing(clock: Clock):
    lib = make(clock)
    lib.patrons["P1"].blocks.add("card_lost")
    refused(lib.checkout("P1", "I1"), msg.CARD_LOST)
    lib.patrons["P1"].blocks = {"charge_denied"}
    refused(lib.checkout("P1", "I1"), msg.ACCOUNT_SUSPENDED)
    lib.patrons["P1"].block_message = "Suspendu jusqu'au 1er avril."
    refused(lib.checkout("P1", "I1"), "Suspendu jusqu'au 1er avril.")
    lib.patrons["P1"].blocks = set()
    lib.patrons["P1"].expires = NOW.date() - timedelta(days=1)
    refused(lib.checkout("P1", "I1"),
            "Votre abonnement a expiré le 11/03/2025 : pensez à le renouveler à l'accueil.")
    lib.patrons["P1"].expires = None
    lib.patrons["P1"].fines = Decimal("5.00")
    refused(lib.checkout("P1", "I1"), "Vous avez 5,00 € de pénalités à régler : adressez-vous à l'accueil.")
    assert lib.transactions == []


def test_loan_limits_overall_and_per_media_type(lib: Library):
    assert lib.checkout("P1", "D1").ok
    refused(lib.checkout("P1", "D2"), msg.MEDIA_LIMIT.format(limit=1))
    assert lib.checkout("P1", "I1").ok and lib.checkout("P1", "I2").ok
    refused(lib.checkout("P1", "I3"), msg.LOAN_LIMIT.format(limit=3))
    lib.patrons["P2"].max_loans = 1
    assert lib.checkout("P2", "I3").ok
    refused(lib.checkout("P2", "D2"), msg.LOAN_LIMIT.format(limit=1))


def test_too_many_overdue_blocks_checkout(clock: Clock, lib: Library):
    lib.checkout("P1", "D1")
    lib.checkout("P1", "I1")
    clock.advance(30)
    info = lib.patron_info("P1")
    assert set(info.overdue) == {"D1", "I1"}
    assert info.flags["too_many_overdue"] and info.flags["charge_denied"]
    refused(lib.checkout("P1", "I3"), msg.TOO_MANY_OVERDUE.format(count=2))


@pytest.mark.parametrize(("status", "message"), [
    ("not_for_loan", msg.NOT_FOR_LOAN), ("withdrawn", msg.WITHDRAWN), ("lost", msg.LOST_ITEM),
    ("missing", msg.MISSING_ITEM),
])
def test_items_that_cannot_be_lent(lib: Library, status, message):
    lib.items["I1"].status = status
    refused(lib.checkout("P1", "I1"), message)


def test_item_on_loan_to_someone_else_or_reserved_for_someone_else(lib: Library):
    lib.checkout("P2", "I1")
    refused(lib.checkout("P1", "I1"), msg.ON_LOAN_TO_OTHER)
    lib.place_hold("I3", "P2")
    refused(lib.checkout("P1", "I3"), msg.ON_HOLD_FOR_OTHER)


def test_checking_out_ones_own_loan_renews_only_under_the_sc_renewal_policy(lib: Library):
    lib.checkout("P1", "I1")
    refused(lib.checkout("P1", "I1"), msg.ALREADY_YOURS)
    result = lib.checkout("P1", "I1", renewal_policy=True)
    assert result.ok and result.renewal_ok and lib.items["I1"].renewals == 1
    assert [t.kind for t in lib.transactions] == ["checkout", "renew"]


def test_the_hold_patron_borrows_the_item_waiting_for_them(lib: Library):
    lib.place_hold("I1", "P2", "CENTRE")
    result = lib.checkin("I1", branch="CENTRE")
    assert result.alert_type == "01" and lib.items["I1"].circulation_status == 8
    refused(lib.checkout("P1", "I1"), msg.ON_HOLD_FOR_OTHER)
    result = lib.checkout("P2", "I1")
    assert result.ok and result.screen_messages[0] == msg.HOLD_FILLED
    assert lib.items["I1"].holds == [] and lib.items["I1"].circulation_status == 4


def test_pin_can_be_required_by_the_network(clock: Clock):
    data = tiny()
    data["network"]["require_pin"] = True
    lib = Library(parse_dataset(data), clock=clock)
    refused(lib.checkout("P1", "I1"), msg.PIN_REQUIRED)
    assert lib.checkout("P1", "I1", pin="1111").ok


# -- checkin and return anywhere ---------------------------------------------------------------------


def test_checkin_at_home_branch_reshelves(clock: Clock, lib: Library):
    lib.checkout("P1", "I1")
    clock.advance(3)
    result = lib.checkin("I1", branch="CENTRE")
    assert result.ok and result.resensitize and not result.alert and result.alert_type is None
    assert (result.sort_bin, result.patron_id, result.permanent_location) == ("R", "P1", "CENTRE")
    assert (result.call_number, result.collection) == ("R HUG", "Adultes")
    assert result.screen_messages == (msg.CHECKIN_OK,)
    item = lib.items["I1"]
    assert item.checked_out_to is None and item.due_date is None and item.location == "CENTRE"
    assert lib.transactions[-1].kind == "checkin" and lib.transactions[-1].when == NOW + timedelta(days=3)


def test_return_anywhere_sends_the_item_home_in_transit(lib: Library):
    lib.checkout("P1", "I1", branch="CENTRE")
    result = lib.checkin("I1", branch="NORD")
    assert result.ok and result.alert and result.alert_type == "04"
    assert (result.destination, result.sort_bin) == ("CENTRE", "T")
    assert result.screen_messages == (msg.CHECKIN_OK, "À renvoyer à Médiathèque centrale.")
    assert lib.items["I1"].in_transit_to == "CENTRE" and lib.items["I1"].circulation_status == 10
    arrival = lib.checkin("I1", branch="CENTRE")  # scanned back home: transit complete
    assert arrival.alert_type is None and not arrival.ok and arrival.screen_messages == (msg.NOT_CHECKED_OUT,)
    assert lib.items["I1"].in_transit_to is None and lib.items["I1"].circulation_status == 3


def test_checked_in_ok_setting_answers_ok_for_items_not_on_loan(clock: Clock):
    data = tiny()
    data["network"]["checked_in_ok"] = True
    lib = Library(parse_dataset(data), clock=clock)
    result = lib.checkin("I1", branch="CENTRE")
    assert result.ok and not result.alert


def test_hold_at_this_branch_goes_to_the_hold_shelf(lib: Library):
    lib.checkout("P1", "I1")
    lib.place_hold("I1", "P3", "NORD")
    result = lib.checkin("I1", branch="NORD")
    assert result.ok and result.alert and result.alert_type == "01"
    assert (result.hold_patron_id, result.hold_patron_name, result.sort_bin) == ("P3", "Zoé Cœurdevey", "H")
    assert result.destination is None and result.screen_messages[-1] == msg.HOLD_HERE
    item = lib.items["I1"]
    assert item.waiting_for == "P3" and item.in_transit_to is None and item.location == "NORD"
    assert lib.patron_info("P3").holds_available == ("I1",)


def test_hold_at_another_branch_travels_then_waits(lib: Library):
    lib.checkout("P1", "I1")
    lib.place_hold("I1", "P2")  # pickup: P2's home, NORD
    lib.place_hold("I1", "P3", "SUD")
    assert lib.patron_info("P2").holds_unavailable == ("I1",)
    result = lib.checkin("I1", branch="CENTRE")
    assert result.alert_type == "02" and result.destination == "NORD" and result.sort_bin == "T"
    assert (result.hold_patron_id, result.hold_patron_name) == ("P2", "François Lefèvre")
    assert result.screen_messages[-1] == "Réservé : à envoyer à Bibliothèque du Nord."
    assert lib.items["I1"].in_transit_to == "NORD" and lib.items["I1"].waiting_for is None
    arrival = lib.checkin("I1", branch="NORD")
    assert arrival.alert_type == "01" and arrival.hold_patron_id == "P2"
    assert lib.items["I1"].waiting_for == "P2" and lib.items["I1"].in_transit_to is None


def test_late_return_adds_the_media_fine(clock: Clock, lib: Library):
    lib.checkout("P1", "D1")
    clock.advance(10)  # due after 7 days: 3 days late
    result = lib.checkin("D1", branch="CENTRE")
    assert result.ok
    assert result.screen_messages == ("Retour enregistré avec 3 jour(s) de retard.",
                                      "Pénalité de retard : 1,50 €.")
    assert lib.patrons["P1"].fines == Decimal("1.50")


def test_returning_a_lost_item_finds_it(lib: Library):
    lib.checkout("P1", "I1")
    lib.items["I1"].status = "lost"
    result = lib.checkin("I1", branch="CENTRE")
    assert result.ok and result.screen_messages[0] == msg.FOUND_LOST
    assert lib.items["I1"].status == "available" and lib.items["I1"].checked_out_to is None
    lib.items["I2"].status = "missing"
    assert lib.checkin("I2", branch="NORD").ok
    assert [(t.kind, t.item_id, t.note) for t in lib.transactions[-2:]] == [("checkin", "I1", ""),
                                                                          ("checkin", "I2", "found")]


def test_withdrawn_and_unknown_items_are_refused_at_checkin(lib: Library):
    lib.items["I1"].status = "withdrawn"
    result = lib.checkin("I1", branch="CENTRE")
    assert not result.ok and result.alert and result.alert_type == "99" and result.sort_bin == "S"
    assert not result.resensitize and result.screen_messages == (msg.WITHDRAWN,)
    unknown = lib.checkin("X", branch="CENTRE")
    assert not unknown.ok and unknown.alert and unknown.screen_messages == (msg.UNKNOWN_ITEM,)
    assert lib.transactions == []


# -- offline replays ----------------------------------------------------------------------------


def test_offline_checkout_uses_original_dates_and_ignores_blocks(clock: Clock, lib: Library):
    lib.patrons["P1"].blocks.add("card_lost")
    then = NOW - timedelta(days=2, hours=3)
    result = lib.checkout("P1", "I1", no_block=True, when=then)
    assert result.ok and result.due_date == due(21, then)
    tx = lib.transactions[-1]
    assert tx.offline and tx.when == then and tx.recorded_at == NOW
    nb_due = datetime(2025, 4, 1, 18, 0)
    assert lib.checkout("P1", "I2", no_block=True, when=then, nb_due_date=nb_due).due_date == nb_due


def test_offline_checkout_replayed_twice_is_applied_once(lib: Library):
    then = NOW - timedelta(hours=1)
    first = lib.checkout("P1", "I1", no_block=True, when=then)
    second = lib.checkout("P1", "I1", no_block=True, when=then)
    assert first.ok and second.ok and second.due_date == first.due_date
    assert len(lib.transactions) == 1


def test_offline_checkout_of_an_item_still_lent_to_another_returns_it_first(clock: Clock, lib: Library):
    lib.checkout("P2", "I1")
    clock.advance(1)
    then = NOW + timedelta(hours=20)
    assert lib.checkout("P1", "I1", no_block=True, when=then).ok
    implicit, loan = lib.transactions[-2:]
    assert (implicit.kind, implicit.patron_id, implicit.when) == ("checkin", "P2", then) and implicit.offline
    assert (loan.kind, loan.patron_id) == ("checkout", "P1")


def test_offline_checkout_older_than_a_later_loan_is_refused(clock: Clock, lib: Library):
    clock.advance(1)
    lib.checkout("P2", "I1")
    refused(lib.checkout("P1", "I1", no_block=True, when=NOW), msg.LATER_LOAN_CONFLICT)
    assert lib.items["I1"].checked_out_to == "P2"


def test_offline_checkin_uses_the_return_date_for_lateness(clock: Clock, lib: Library):
    lib.checkout("P1", "D1")
    clock.advance(12)  # replayed 12 days later, but the DVD came back on day 5
    returned = NOW + timedelta(days=5)
    result = lib.checkin("D1", branch="CENTRE", no_block=True, when=returned, return_date=returned)
    assert result.ok and result.screen_messages == (msg.CHECKIN_OK,)
    assert lib.patrons["P1"].fines == 0 and lib.transactions[-1].when == returned


def test_offline_loan_of_an_item_waiting_on_the_hold_shelf_puts_the_hold_back_in_the_queue(lib: Library):
    lib.place_hold("D1", "P1", "CENTRE")
    assert lib.checkin("D1", branch="CENTRE").alert_type == "01" and lib.items["D1"].waiting_for == "P1"
    assert lib.checkout("P2", "D1", no_block=True, when=NOW).ok  # lent offline, shelf not checked
    item = lib.items["D1"]
    assert item.checked_out_to == "P2" and item.waiting_for is None and item.circulation_status == 4
    assert [h.patron_id for h in item.holds] == ["P1"] and lib.patron_info("P1").holds_unavailable == ("D1",)
    back = lib.checkin("D1", branch="NORD")
    assert (back.alert_type, back.destination, back.hold_patron_id) == ("02", "CENTRE", "P1")


def test_circulation_times_are_kept_at_whole_seconds_like_sip_dates():
    clock = Clock(NOW + timedelta(microseconds=600_000))
    lib = make(clock)
    assert lib.checkout("P1", "I1").ok and lib.items["I1"].loan_date == NOW
    clock.now += timedelta(microseconds=100_000)  # same second; the request's date has no fraction
    result = lib.checkin("I1", branch="CENTRE", return_date=NOW)
    assert result.ok and result.screen_messages == (msg.CHECKIN_OK,)
    assert [(t.when, t.recorded_at) for t in lib.transactions] == [(NOW, NOW), (NOW, NOW)]
    offline = NOW - timedelta(hours=2, microseconds=1)
    assert lib.checkout("P1", "I2", no_block=True, when=offline).ok
    assert lib.items["I2"].loan_date == NOW - timedelta(hours=2, seconds=1)


def test_a_utc_request_date_is_taken_as_local_time(lib: Library):
    lib.checkout("P1", "I1")
    utc = (NOW + timedelta(minutes=5)).astimezone(UTC)  # what a SIP date ending in "   Z" decodes to
    assert lib.checkin("I1", branch="CENTRE", return_date=utc).ok
    assert lib.transactions[-1].when == NOW + timedelta(minutes=5)


def test_a_return_dated_before_the_current_loan_is_not_applied(clock: Clock, lib: Library):
    clock.advance(1)
    lib.checkout("P2", "I1")
    result = lib.checkin("I1", branch="CENTRE", no_block=True, when=NOW, return_date=NOW)
    assert not result.ok and result.alert_type == "99" and result.screen_messages == (msg.RETURN_BEFORE_LOAN,)
    assert lib.items["I1"].checked_out_to == "P2" and result.patron_id == "P2"


# -- renewals -------------------------------------------------------------------------------------


def test_renewal_extends_from_today_and_counts(clock: Clock, lib: Library):
    lib.checkout("P1", "I1")
    clock.advance(10)
    result = lib.renew("P1", "I1")
    assert result.ok and result.renewal_ok and result.due_date == due(31)
    assert result.screen_messages == (f"Prolongé jusqu'au {due(31):%d/%m/%Y}.",)
    refused(lib.renew("P1", "I1"), msg.MAX_RENEWALS.format(limit=1))


def test_renewal_never_shortens_a_loan(lib: Library):
    lib.checkout("P1", "I1", no_block=True, when=NOW, nb_due_date=NOW + timedelta(days=60))
    assert lib.renew("P1", "I1").due_date == NOW + timedelta(days=60)


def test_renewal_refusals(lib: Library):
    lib.checkout("P1", "I1")
    refused(lib.renew("P2", "I1"), msg.NOT_YOUR_LOAN)
    refused(lib.renew("P1", "I2"), msg.NOT_YOUR_LOAN)
    lib.place_hold("I1", "P2")
    refused(lib.renew("P1", "I1"), msg.RENEWAL_ON_HOLD)
    lib.items["I1"].holds.clear()
    lib.patrons["P1"].blocks.add("renewal_denied")
    refused(lib.renew("P1", "I1"), msg.RENEWALS_DENIED)
    lib.patrons["P1"].blocks = {"card_lost"}
    refused(lib.renew("P1", "I1"), msg.CARD_LOST)
    assert [t.kind for t in lib.transactions] == ["checkout"]


def test_renew_all_lists_renewed_and_unrenewed(lib: Library):
    for item in ("I1", "I2", "I3"):
        lib.checkout("P1", item)
    lib.place_hold("I2", "P2")
    lib.items["I3"].renewals = 1
    result = lib.renew_all("P1")
    assert result.ok and result.renewed == ("I1",) and result.unrenewed == ("I2", "I3")
    assert result.screen_messages == (f"L'Étranger : {msg.RENEWAL_ON_HOLD}",
                                      f"Le Cœur cousu : {msg.MAX_RENEWALS.format(limit=1)}")
    assert not lib.renew_all("P9").ok


# -- patron and item information, fees -------------------------------------------------------------


def test_patron_information(lib: Library):
    lib.checkout("P1", "I1")
    info = lib.patron_info("P1", pin="1111")
    assert info.valid and info.valid_pin and info.personal_name == "Hélène Dupré"
    assert info.charged == ("I1",) and info.loan_limit == 3 and info.home_branch == "CENTRE"
    assert info.screen_messages == ("Bonjour Hélène.",)
    assert lib.patron_info("P1").valid_pin is None
    assert lib.patron_info("P1", pin="9").valid_pin is False
    unknown = lib.patron_info("P9", pin="1")
    assert not unknown.valid and unknown.valid_pin is False and unknown.flags["charge_denied"]
    assert unknown.screen_messages == (msg.UNKNOWN_PATRON,)


def test_patron_flags_follow_blocks_and_limits(lib: Library):
    lib.patrons["P1"].blocks = {"card_lost", "too_many_claims_returned"}
    flags = lib.patron_info("P1").flags
    assert [name for name, on in flags.items() if on] == [
        "charge_denied", "renewal_denied", "hold_denied", "card_lost", "too_many_claims_returned"]
    assert repr(lib.patrons["P1"]).count("1111") == 0  # the PIN never shows in logs


def test_item_information(lib: Library):
    lib.checkout("P1", "I1")
    view = lib.item_info("I1")
    assert (view.known, view.circulation_status, view.patron_id, view.due_date) == (True, 4, "P1", due(21))
    assert (view.media_type, view.permanent_location, view.security_marker) == ("001", "CENTRE", "02")
    assert lib.item_info("I2").circulation_status == 3 and lib.item_info("I2").current_location == "NORD"
    lib.items["I3"].status = "not_for_loan"
    assert lib.item_info("I3").screen_messages == (msg.NOT_FOR_LOAN,)
    assert not lib.item_info("X").known


def test_fee_paid(lib: Library):
    lib.patrons["P1"].fines = Decimal("3.20")
    result = lib.fee_paid("P1", Decimal("2.00"))
    assert result.ok and result.balance == Decimal("1.20") and result.transaction_id == "PAY000001"
    assert result.screen_messages == ("Paiement de 2,00 € enregistré. Reste dû : 1,20 €.",)
    assert lib.fee_paid("P1", Decimal("50")).balance == 0
    assert lib.transactions[-1].amount == Decimal("1.20")
    refused_payment = lib.fee_paid("P1", Decimal("1"))
    assert not refused_payment.ok and refused_payment.screen_messages == (msg.FEE_NOT_OWED,)


# -- the sample network ---------------------------------------------------------------------------


def test_sample_scenarios_through_the_rules():
    dataset = load_sample_dataset()
    sc = dataset.scenarios
    lib = Library(dataset, clock=Clock())
    canet = lib.checkin(sc["item_on_loan_from_canet"], branch="PERPIGNAN")
    assert canet.ok and canet.alert_type == "04" and canet.destination == "CANET" and canet.sort_bin == "3"
    here = lib.checkin(sc["item_on_loan_hold_here"], branch="PERPIGNAN")
    assert here.alert_type == "01" and here.hold_patron_id == sc["patron_hold"]
    elsewhere = lib.checkin(sc["item_on_loan_hold_elsewhere"], branch="PERPIGNAN")
    assert elsewhere.alert_type == "02" and elsewhere.destination == "RIVESALTES"
    assert lib.checkout(sc["patron_hold"], sc["item_waiting_on_hold_shelf"]).ok
    refused(lib.renew(sc["patron_ok"], sc["item_max_renewals"]), msg.MAX_RENEWALS.format(limit=2))
    refused(lib.checkout(sc["patron_dvd_limit"], sc["item_dvd_available"]), msg.MEDIA_LIMIT.format(limit=4))
    assert not lib.checkout(sc["patron_at_limit"], sc["item_available"]).ok
    assert lib.checkout(sc["patron_no_loans"], sc["item_available"]).ok


# -- invariant: the transaction log explains the state -------------------------------------------------

ITEMS = ["I1", "I2", "I3", "D1", "D2"]
operations = st.lists(st.tuples(
    st.sampled_from(["checkout", "checkin", "renew", "hold", "tick"]),
    st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(ITEMS),
    st.sampled_from(["CENTRE", "NORD", "SUD"]), st.booleans(), st.integers(-3, 3),
), max_size=40)


@settings(max_examples=150)
@given(operations)
def test_replaying_the_transaction_log_reproduces_who_has_what(ops):
    clock = Clock()
    lib = make(clock)
    for kind, patron, item, branch, offline, days in ops:
        when = clock.now + timedelta(days=days) if offline else None
        if kind == "checkout":
            lib.checkout(patron, item, branch=branch, no_block=offline, when=when)
        elif kind == "checkin":
            lib.checkin(item, branch=branch, no_block=offline, when=when, return_date=when)
        elif kind == "renew":
            lib.renew(patron, item, no_block=offline, when=when)
        elif kind == "hold":
            if all(h.patron_id != patron for h in lib.items[item].holds):
                lib.place_hold(item, patron, branch)
        else:
            clock.advance(1)
    holder: dict[str, str | None] = dict.fromkeys(ITEMS)
    for tx in lib.transactions:
        if tx.kind == "checkout":
            assert holder[tx.item_id] is None, "lent while still on loan"
            holder[tx.item_id] = tx.patron_id
        elif tx.kind == "checkin":
            assert holder[tx.item_id] == tx.patron_id
            holder[tx.item_id] = None
        elif tx.kind == "renew":
            assert holder[tx.item_id] == tx.patron_id
    for barcode, item in lib.items.items():
        assert item.checked_out_to == holder[barcode]
        assert not (item.checked_out_to and (item.in_transit_to or item.waiting_for)), "on loan and routed"
    assert [tx.seq for tx in lib.transactions] == list(range(1, len(lib.transactions) + 1))
