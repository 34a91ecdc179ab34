"""Detection policy: should this sighting make the gate alarm?

Two questions, asked in this order:

1. Is the tag one the gate must ignore whatever its security state says? Patron
   cards (type of usage 0x8x), equipment (0x9x) and items owned outside the
   network, each switchable in ``[policy]``. This needs the decoded tag memory;
   a tag whose owner is not encoded counts as the network's own.
2. What does the mode's security evidence say? AFI mode: the tag answered an
   inventory masked with the secured AFI. EAS mode: the NXP EAS alarm answered.
   Database mode: the local circulation cache says the item is not charged.

A secured tag whose memory cannot be read or decoded still alarms unless
``alarm_unidentified`` is false (fail secure). In database mode an unidentified
tag carries no security evidence at all and stays silent: the network's items
all carry an identifier.
"""

from __future__ import annotations

from iso28560.model import DecodedTag, SecurityProfile, is_equipment, is_patron_card

from .config import PolicyConfig
from .events import Reason, Sighting, Verdict

# SIP2 circulation status codes under which the item is charged to somebody.
CHARGED_STATUSES = frozenset({4, 5, 7})  # charged, charged not to be recalled, recalled


class DetectionPolicy:
    def __init__(
        self, policy: PolicyConfig, profile: SecurityProfile, mode: str, alarm_on_cache_miss: bool = False
    ) -> None:
        self.policy, self.profile, self.mode = policy, profile, mode
        self.alarm_on_cache_miss = alarm_on_cache_miss
        self._exact = {i.upper() for i in policy.network_institutions if not i.endswith("*")}
        self._prefixes = tuple(i[:-1].upper() for i in policy.network_institutions if i.endswith("*"))

    @property
    def needs_identification(self) -> bool:
        """True when a decision may depend on the tag memory."""
        p = self.policy
        if self.mode == "database":
            return True
        return p.identify and (p.ignore_patron_cards or p.ignore_equipment or p.ignore_foreign)

    def in_network(self, owner: str | None) -> bool:
        if owner is None:
            return True
        owner = owner.strip().upper()
        return owner in self._exact or any(owner.startswith(prefix) for prefix in self._prefixes)

    def exclusion(self, decoded: DecodedTag | None) -> Reason | None:
        """The policy reason to ignore this tag whatever its security state, or None."""
        if decoded is None or decoded.data is None:
            return None
        usage = decoded.type_of_usage
        if self.policy.ignore_patron_cards and is_patron_card(usage):
            return Reason.PATRON_CARD
        if self.policy.ignore_equipment and is_equipment(usage):
            return Reason.EQUIPMENT
        if self.policy.ignore_foreign and not self.in_network(decoded.owner_institution):
            return Reason.FOREIGN
        return None

    def decide(self, sighting: Sighting) -> Verdict:
        excluded = self.exclusion(sighting.decoded)
        if excluded is not None:
            return Verdict(False, excluded)
        if self.mode == "database":
            return self._decide_database(sighting)
        if self.mode == "afi" and sighting.uid is None:  # several tags answered the secured AFI at once
            return Verdict(True, Reason.SEVERAL_SECURED)
        secured = sighting.eas if self.mode == "eas" else sighting.afi == self.profile.afi_secured
        if not secured:
            return Verdict(
                False, Reason.ON_LOAN if sighting.afi == self.profile.afi_on_loan else Reason.NOT_SECURED
            )
        if not self._identified(sighting) and self.needs_identification:
            return Verdict(self.policy.alarm_unidentified, Reason.UNIDENTIFIED)
        return Verdict(True, Reason.EAS if self.mode == "eas" else Reason.SECURED)

    def _decide_database(self, sighting: Sighting) -> Verdict:
        if not self._identified(sighting):
            return Verdict(False, Reason.UNIDENTIFIED)
        state = sighting.circulation
        if state is None:
            return Verdict(self.alarm_on_cache_miss, Reason.UNKNOWN_STATUS)
        return Verdict(False, Reason.ON_LOAN) if state.charged else Verdict(True, Reason.NOT_CHECKED_OUT)

    @staticmethod
    def _identified(sighting: Sighting) -> bool:
        return sighting.identified and sighting.decoded is not None and sighting.decoded.data is not None
