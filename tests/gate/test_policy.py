from __future__ import annotations

import pytest

from gate.config import PolicyConfig
from gate.events import Reason
from gate.policy import DetectionPolicy
from iso28560.model import AFI_PROFILES

from .helpers import AFI_ON_LOAN, AFI_SECURED, NETWORK, decoded, sighting

PROFILE = AFI_PROFILES["iso28560"]


def policy(mode: str = "afi", **changes: object) -> DetectionPolicy:
    options = {"network_institutions": NETWORK, **changes}
    return DetectionPolicy(PolicyConfig(**options), PROFILE, mode)  # type: ignore[arg-type]


def test_afi_mode_alarms_on_secured_network_item() -> None:
    assert policy().decide(sighting(afi=AFI_SECURED)) == (True, Reason.SECURED)


def test_afi_mode_silent_on_loan() -> None:
    verdict = policy().decide(sighting(afi=AFI_ON_LOAN))
    assert (verdict.alarm, verdict.reason) == (False, Reason.ON_LOAN)
    assert policy().decide(sighting(afi=0x00)).reason == Reason.NOT_SECURED


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        (0x80, Reason.PATRON_CARD),
        (0x83, Reason.PATRON_CARD),
        (0x90, Reason.EQUIPMENT),
        (0x91, Reason.EQUIPMENT),
    ],
)
def test_cards_and_equipment_never_alarm(usage: int, reason: Reason) -> None:
    for mode in ("afi", "eas", "database"):
        verdict = policy(mode).decide(
            sighting(afi=AFI_SECURED, eas=True, charged=False, tag=decoded(usage=usage))
        )
        assert (verdict.alarm, verdict.reason) == (False, reason)


def test_switching_off_the_card_rule_makes_a_secured_card_alarm() -> None:
    assert policy(ignore_patron_cards=False).decide(sighting(tag=decoded(usage=0x81))).alarm


@pytest.mark.parametrize(
    ("owner", "foreign"),
    [
        ("FR-751131015", False),
        ("fr-751131015", False),
        ("FR-692665101", False),
        ("FR-133331001", True),
        ("DE-1", True),
        (None, False),
    ],
)
def test_owner_outside_network_is_foreign(owner: str | None, foreign: bool) -> None:
    verdict = policy().decide(sighting(tag=decoded(owner=owner)))
    assert verdict.alarm is not foreign
    assert (verdict.reason == Reason.FOREIGN) is foreign


def test_unidentified_secured_tag_alarms_unless_configured() -> None:
    unread = sighting(identified=False, tag=None)
    assert policy().decide(unread) == (True, Reason.UNIDENTIFIED)
    assert policy(alarm_unidentified=False).decide(unread) == (False, Reason.UNIDENTIFIED)
    # With identification off the policy cannot need it: the AFI alone decides.
    assert policy(identify=False).decide(unread) == (True, Reason.SECURED)


def test_eas_mode_uses_the_eas_answer_not_the_afi() -> None:
    assert policy("eas").decide(sighting(afi=AFI_ON_LOAN, eas=True)) == (True, Reason.EAS)
    assert not policy("eas").decide(sighting(afi=AFI_SECURED, eas=False)).alarm


def test_database_mode_uses_circulation_state_not_the_tag() -> None:
    p = policy("database")
    assert p.decide(sighting(afi=AFI_ON_LOAN, charged=False)) == (True, Reason.NOT_CHECKED_OUT)
    assert p.decide(sighting(afi=AFI_SECURED, charged=True)) == (False, Reason.ON_LOAN)
    assert p.decide(sighting(charged=None)) == (False, Reason.UNKNOWN_STATUS)
    assert p.decide(sighting(identified=False, tag=None)) == (False, Reason.UNIDENTIFIED)
    eager = DetectionPolicy(
        PolicyConfig(network_institutions=NETWORK), PROFILE, "database", alarm_on_cache_miss=True
    )
    assert eager.decide(sighting(charged=None)) == (True, Reason.UNKNOWN_STATUS)


def test_needs_identification() -> None:
    assert policy().needs_identification
    assert not policy(
        ignore_patron_cards=False, ignore_equipment=False, ignore_foreign=False
    ).needs_identification
    assert policy("database", identify=False).needs_identification
