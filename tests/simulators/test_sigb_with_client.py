"""The simulated SIGB with the project's SIP2 client (names from CONTRACTS.md), in every quirk profile."""

from __future__ import annotations

import time

import pytest

from simulators.sigb import PROFILES, SimulatedSIGB, load_sample_dataset

client = pytest.importorskip("sip2.client")

DATASET = load_sample_dataset()
SC = DATASET.scenarios
SETTINGS = {  # what a kiosk configures to talk to each kind of SIGB
    "default": {}, "koha": {"terminator": "\r\n"}, "cp850": {"encoding": "cp850"}, "nfd": {}, "strict": {},
    "no-error-detection": {"error_detection": False},
}


def test_every_profile_has_client_settings():
    assert set(SETTINGS) == set(PROFILES)


@pytest.mark.parametrize("profile", sorted(SETTINGS))
def test_kiosk_session_in_each_profile(profile):
    with SimulatedSIGB(DATASET, profile=profile) as sim:
        host, port = sim.address
        config = client.ClientConfig(host=host, port=port, username="borne", password="borne",
                                     location="PERPIGNAN", timeout=3.0, **SETTINGS[profile])
        with client.SIP2Client(config) as sip:
            assert sip.sc_status().offline_ok
            patron = sip.patron_information(SC["patron_ok"], pin="1234")
            assert patron.personal_name == "Hélène Dupré" and patron.valid_pin
            loan = sip.checkout(SC["patron_no_loans"], SC["item_available"])
            assert loan.ok and loan.due_date is not None and loan.title == "La Peste"
            back = sip.checkin(SC["item_available_canet"])
            assert (back.alert_type, back.destination, back.sort_bin) == ("04", "CANET", "3")
            assert sip.item_information(SC["item_accented_title"]).title == (
                "Le Coeur cousu" if profile == "cp850" else "Le Cœur cousu")
        assert [t.kind for t in sim.transactions] == ["checkout"]


def test_checkin_in_the_same_second_as_the_checkout_with_the_real_clock():
    """SIP2 dates have no fraction of a second: the return date must not read as "before the loan"."""
    with SimulatedSIGB(DATASET) as sim:  # default clock: datetime.now, with microseconds
        host, port = sim.address
        config = client.ClientConfig(host=host, port=port, username="borne", password="borne",
                                     location="PERPIGNAN", timeout=3.0)
        with client.SIP2Client(config) as sip:
            sip.sc_status()
            time.sleep(1.05 - time.time() % 1)  # start just after a second boundary: both fall in one second
            loan = sip.checkout(SC["patron_no_loans"], SC["item_available"])
            back = sip.checkin(SC["item_available"])
        assert loan.ok and back.ok, back.screen_messages
        assert back.patron_id == SC["patron_no_loans"]
        assert [t.kind for t in sim.transactions] == ["checkout", "checkin"]
