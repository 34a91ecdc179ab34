"""SIP2Client against the simulated SIGB (simulators.sigb): every quirk profile, every fault, and TLS.

The simulator is a real SIP2 server on a real socket; the client under test is the production client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sip2_tls import make_pki

from simulators.sigb import PROFILES, SimulatedSIGB, load_sample_dataset
from sip2.client import ClientConfig, SIP2Client
from sip2.errors import LoginRefused, OutcomeUnknown, Sip2Disconnected, Sip2Timeout
from sip2.messages import AlertType, CirculationStatus

DATASET = load_sample_dataset()
SCENARIO = DATASET.scenarios
PATRON = SCENARIO["patron_ok"]
PIN = next(p.pin for p in DATASET.patrons if p.card == PATRON)


def whole_seconds() -> datetime:
    # SIP2 dates have one-second resolution; a simulator clock with microseconds would see a checkin sent in
    # the same second as the checkout as "before the loan".
    return datetime.now().replace(microsecond=0)


@pytest.fixture
def sim() -> Iterator[SimulatedSIGB]:
    with SimulatedSIGB(clock=whole_seconds) as server:
        yield server


def client_for(server: SimulatedSIGB, **overrides: object) -> SIP2Client:
    host, port = server.address
    account = DATASET.accounts[0]
    profile = server.profile
    values: dict = {"host": host, "port": port, "username": account.username, "password": account.password,
                    "location": "PERPIGNAN", "institution_id": DATASET.institution_id,
                    "encoding": profile.encoding, "terminator": profile.terminator, "timeout": 0.5,
                    "keepalive_interval": 0, "retries": 2, "reconnect_delay": 0.02}
    return SIP2Client(ClientConfig(**(values | overrides)))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_circulation_in_every_profile(profile: str) -> None:
    with SimulatedSIGB(profile=profile, clock=whole_seconds) as server, client_for(server) as client:
        assert client.acs_status is not None and client.acs_status.online_status
        patron = client.patron_information(PATRON, PIN, summary="charged_items")
        assert patron.ok and patron.personal_name == "Hélène Dupré"  # NFC even from the nfd profile
        assert len(patron.charged_items) == patron.charged_items_count

        item_id = SCENARIO["item_available"]
        loan = client.checkout(PATRON, item_id, pin=PIN)
        assert loan.ok and loan.desensitize is True and loan.item_id == item_id
        assert loan.due_date is not None and loan.due_date > datetime.now()  # ISO in koha, SIP elsewhere
        info = client.item_information(item_id)
        assert info.circulation_status == CirculationStatus.CHARGED and info.patron_id == PATRON

        back = client.checkin(item_id, current_location="CANET")  # returned at another branch
        assert back.ok and back.resensitize
        assert back.alert and back.alert_type == AlertType.SEND_TO_OTHER_BRANCH and back.destination
        assert back.sort_bin == DATASET.sort_bins["transit"]
        assert client.end_session(PATRON, PIN).ok
        kinds = [t.kind for t in server.transactions]
        assert kinds.count("checkout") == 1 and kinds.count("checkin") == 1


def test_accented_title_in_cp850_and_nfd() -> None:
    item_id = SCENARIO["item_accented_title"]
    titles = {}
    for profile in ("default", "cp850", "nfd"):
        with SimulatedSIGB(profile=profile, clock=whole_seconds) as server, client_for(server) as client:
            titles[profile] = client.item_information(item_id).title
    assert titles["default"].startswith("Le Cœur cousu") and titles["nfd"] == titles["default"]
    assert titles["cp850"] == titles["default"].replace("œ", "oe")  # cp850 has no œ: the SIGB transliterates


def test_latency_below_the_timeout_is_fine(sim: SimulatedSIGB) -> None:
    sim.faults.latency = 0.1
    with client_for(sim, timeout=1.0) as client:
        assert client.checkout(PATRON, SCENARIO["item_available"], pin=PIN).ok


def test_stalled_checkout_is_outcome_unknown_and_reconciled(sim: SimulatedSIGB) -> None:
    item_id = SCENARIO["item_available"]
    with client_for(sim) as client:
        sim.faults.stall, sim.faults.stall_commands = True, {"11"}
        with pytest.raises(OutcomeUnknown) as info:
            client.checkout(PATRON, item_id, pin=PIN)
        assert isinstance(info.value.__cause__, Sip2Timeout)
        sim.faults.stall = False
        # the SIGB did apply it (apply_unanswered): the kiosk learns that from item information
        reconciled = client.item_information(item_id)
        assert reconciled.circulation_status == CirculationStatus.CHARGED and reconciled.patron_id == PATRON
        assert [t.kind for t in sim.transactions].count("checkout") == 1


def test_stalled_checkout_not_applied_is_seen_as_available(sim: SimulatedSIGB) -> None:
    item_id = SCENARIO["item_available"]
    with client_for(sim) as client:
        sim.faults.stall, sim.faults.stall_commands, sim.faults.apply_unanswered = True, {"11"}, False
        with pytest.raises(OutcomeUnknown):
            client.checkout(PATRON, item_id, pin=PIN)
        sim.faults.stall = False
        assert client.item_information(item_id).circulation_status == CirculationStatus.AVAILABLE


def test_latency_above_the_timeout_is_outcome_unknown(sim: SimulatedSIGB) -> None:
    with client_for(sim, timeout=0.3) as client:
        sim.faults.latency = 0.6
        with pytest.raises(OutcomeUnknown):
            client.checkout(PATRON, SCENARIO["item_available"], pin=PIN)


def test_resend_on_timeout_recovers_a_slow_reply(sim: SimulatedSIGB) -> None:
    with client_for(sim, timeout=0.3, resend_on_timeout=True) as client:
        sim.faults.latency = 0.4  # the reply arrives during the 97 wait
        assert client.checkout(PATRON, SCENARIO["item_available"], pin=PIN).ok
        assert [t.kind for t in sim.transactions].count("checkout") == 1


def test_dropped_connection_queries_reconnect_and_relogin(sim: SimulatedSIGB) -> None:
    with client_for(sim) as client:
        sim.faults.drop_after = 3  # login, status, then one more request per connection
        for _ in range(5):
            assert client.item_information(SCENARIO["item_on_loan"]).ok
        assert sim.connections_accepted >= 3 and client.connections_opened == sim.connections_accepted


def test_dropped_connection_during_checkout_is_outcome_unknown(sim: SimulatedSIGB) -> None:
    with client_for(sim) as client:
        sim.faults.drop_after = 2  # the next request (our checkout) is read, applied, and the line cut
        with pytest.raises(OutcomeUnknown) as info:
            client.checkout(PATRON, SCENARIO["item_available"], pin=PIN)
        assert isinstance(info.value.__cause__, Sip2Disconnected)


def test_corrupted_checksum_is_repaired_with_97(sim: SimulatedSIGB) -> None:
    with client_for(sim) as client:
        sim.faults.corrupt_checksum = 1
        assert client.checkout(PATRON, SCENARIO["item_available"], pin=PIN).ok
        assert [t.kind for t in sim.transactions].count("checkout") == 1


def test_rejected_login(sim: SimulatedSIGB) -> None:
    sim.faults.reject_login = True
    with pytest.raises(LoginRefused):
        client_for(sim).connect()


def test_sigb_down_then_back(sim: SimulatedSIGB) -> None:
    with client_for(sim) as client:
        sim.go_down()
        with pytest.raises(Sip2Disconnected):
            client.item_information(SCENARIO["item_on_loan"])
        sim.go_down(for_seconds=0.2)
        client.config.retries, client.config.reconnect_delay = 6, 0.05
        assert client.item_information(SCENARIO["item_on_loan"]).ok  # reconnected with backoff + login


def test_circulation_offline_status(sim: SimulatedSIGB) -> None:
    sim.faults.circulation_offline = True
    with client_for(sim) as client:
        assert client.acs_status is not None and not client.acs_status.online_status
        assert client.acs_status.offline_ok


def test_keepalive_against_the_simulator(sim: SimulatedSIGB) -> None:
    with client_for(sim, keepalive_interval=0.05) as client:
        time.sleep(0.4)
        assert client.connected and client.acs_status is not None
        assert client.item_information(SCENARIO["item_on_loan"]).ok


def test_tls_against_the_simulator(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    with SimulatedSIGB(tls_context=pki.server_context(), clock=whole_seconds) as server, \
            client_for(server, tls=True, ca_file=str(pki.ca)) as client:
        assert client.patron_information(PATRON, PIN).personal_name == "Hélène Dupré"


def test_offline_replay_with_no_block_and_original_dates(sim: SimulatedSIGB) -> None:
    item_id = SCENARIO["item_available"]
    when = whole_seconds().replace(hour=9, minute=30, second=0)
    with client_for(sim) as client:
        loan = client.checkout(PATRON, item_id, pin=PIN, no_block=True, transaction_date=when)
        assert loan.ok
        assert sim.library.items[item_id].loan_date == when


# -- corrupted replies (bad AZ checksum): one repair mechanism for every request, connect included --------

ERROR_DETECTING_PROFILES = sorted(name for name, profile in PROFILES.items() if profile.error_detection)


def resend_requests(caplog: pytest.LogCaptureFixture) -> int:
    return sum("asking for it again (97)" in record.getMessage() for record in caplog.records)


def requests_received(caplog: pytest.LogCaptureFixture, command: str) -> int:
    """How many ``command`` frames the simulated SIGB read (it logs each request at DEBUG)."""
    return sum(record.name == "simulators.sigb.server" and record.msg == "%s -> %s"
               and str(record.args[1]).startswith(command) for record in caplog.records)  # type: ignore[index]


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("corrupted", [1, 2], ids=["94 login", "94 and 98"])
@pytest.mark.parametrize("profile", ERROR_DETECTING_PROFILES)
def test_corrupted_login_and_status_replies_are_repaired_with_97(
        profile: str, corrupted: int, retries: int, caplog: pytest.LogCaptureFixture) -> None:
    with SimulatedSIGB(profile=profile, clock=whole_seconds) as server:
        server.faults.corrupt_checksum = corrupted
        with client_for(server, retries=retries) as client:
            assert client.acs_status is not None and client.acs_status.online_status
            assert client.item_information(SCENARIO["item_on_loan"]).ok
            assert client.connections_opened == server.connections_accepted == 1  # repaired in place
        assert server.faults.corrupt_checksum == 0 and resend_requests(caplog) == corrupted


QUERIES = {
    "99 status": lambda c: c.sc_status(),
    "63 patron information": lambda c: c.patron_information(PATRON, PIN),
    "23 patron status": lambda c: c.patron_status(PATRON, PIN),
    "17 item information": lambda c: c.item_information(SCENARIO["item_on_loan"]),
    "35 end session": lambda c: c.end_session(PATRON, PIN),
}


@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("retries", [0, 2])
def test_corrupted_reply_to_a_query_is_repaired(sim: SimulatedSIGB, query: str, retries: int,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with client_for(sim, retries=retries) as client:
        sim.faults.corrupt_checksum = 1
        assert QUERIES[query](client) is not None
        assert sim.faults.corrupt_checksum == 0 and resend_requests(caplog) == 1
        assert sim.connections_accepted == 1


def checkout(client: SIP2Client, sim: SimulatedSIGB) -> object:
    return client.checkout(PATRON, SCENARIO["item_available"], pin=PIN)


def checkin(client: SIP2Client, sim: SimulatedSIGB) -> object:
    return client.checkin(SCENARIO["item_on_loan"])


def renew(client: SIP2Client, sim: SimulatedSIGB) -> object:
    return client.renew(PATRON, own_loan(sim), pin=PIN)


def renew_all(client: SIP2Client, sim: SimulatedSIGB) -> object:
    return client.renew_all(PATRON, PIN)


def fee_paid(client: SIP2Client, sim: SimulatedSIGB) -> object:
    payer = SCENARIO["patron_small_fine"]
    return client.fee_paid(payer, "2.50", pin=next(p.pin for p in DATASET.patrons if p.card == payer))


def own_loan(sim: SimulatedSIGB) -> str:
    return next(code for code, item in sorted(sim.library.items.items()) if item.checked_out_to == PATRON)


TRANSACTIONS = {"11 checkout": checkout, "09 checkin": checkin, "29 renew": renew, "65 renew all": renew_all,
                "37 fee paid": fee_paid}


@pytest.mark.parametrize("transaction", sorted(TRANSACTIONS))
@pytest.mark.parametrize("retries", [0, 2])
def test_corrupted_reply_to_a_transaction_is_repaired_with_97_never_resent(
        sim: SimulatedSIGB, transaction: str, retries: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="simulators.sigb.server")
    with client_for(sim, retries=retries) as client:
        sim.faults.corrupt_checksum = 1
        assert TRANSACTIONS[transaction](client, sim).ok  # type: ignore[attr-defined]
        assert sim.faults.corrupt_checksum == 0 and resend_requests(caplog) == 1
        assert sim.connections_accepted == 1
    command = transaction[:2]
    assert requests_received(caplog, command) == 1 and requests_received(caplog, "97") == 1
