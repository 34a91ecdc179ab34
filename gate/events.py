"""Values that flow through the gate: what was seen, what was decided, what was raised.

A detector turns reader answers into ``Sighting``s; the policy gives each a
``Verdict``; the alarm pipeline turns alarming verdicts into ``Alarm``s grouped
into ``Passage``s. All times are ``time.monotonic()`` seconds except where a
field says "wall".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from iso28560.model import DecodedTag


class Reason(StrEnum):
    """Why a tag alarmed or stayed silent (stored in the alarm log, shown to staff)."""

    SECURED = "secured"  # AFI mode: answered the AFI-masked inventory
    EAS = "eas"  # EAS mode: the EAS alarm poll answered
    NOT_CHECKED_OUT = "not checked out"  # database mode: the SIGB says the item is not on loan
    UNKNOWN_STATUS = "status unknown"  # database mode: no circulation state yet
    UNIDENTIFIED = "unidentified"  # security state says alarm, memory unreadable/undecodable
    SEVERAL_SECURED = "several secured"  # AFI mode, on_collision = "alarm": tags collided in the secured poll
    NOT_SECURED = "not secured"
    ON_LOAN = "on loan"
    PATRON_CARD = "patron card"
    EQUIPMENT = "equipment"
    FOREIGN = "foreign owner"


@dataclass(frozen=True, slots=True)
class CirculationState:
    """What the SIGB last said about an item (database mode); never who borrowed it."""

    item_id: str
    charged: bool
    circulation_status: int | None = None
    title: str | None = None
    checked_at: float = 0.0  # wall time (epoch seconds) of the SIP2 answer


@dataclass(frozen=True, slots=True)
class Sighting:
    """One tag seen in one poll cycle, with what the detector learned about it.

    ``uid`` is None only for an EAS alarm no inventory could attribute to a tag.
    ``identified`` is False when the detector tried to read the tag memory and failed.
    """

    time: float
    uid: bytes | None
    reader: str
    antenna: int | None = None
    afi: int | None = None
    eas: bool | None = None
    decoded: DecodedTag | None = None
    identified: bool = True
    circulation: CirculationState | None = None

    @property
    def item_id(self) -> str | None:
        return self.decoded.primary_item_identifier if self.decoded else None

    @property
    def uid_hex(self) -> str | None:
        return None if self.uid is None else self.uid.hex().upper()

    @property
    def key(self) -> str:
        """Identity used for debouncing: the item (both tags of a set count once), else the tag."""
        if self.item_id or self.uid_hex:
            return self.item_id or self.uid_hex  # type: ignore[return-value]
        # Tags collided in the AFI poll (announced once per group): each announcement is its own alarm.
        return f"afi:several@{self.time:.6f}" if self.afi is not None else "eas:unattributed"


class Verdict(NamedTuple):
    alarm: bool
    reason: Reason


@dataclass(frozen=True, slots=True)
class Alarm:
    """An item that made the gate alarm; ``new_passage`` is True for the first item of a passage."""

    passage_id: int
    sighting: Sighting
    reason: Reason
    new_passage: bool
    title: str | None = None

    @property
    def key(self) -> str:
        return self.sighting.key


@dataclass(slots=True)
class Passage:
    """Alarms close together in time: one person (or group) walking through."""

    id: int
    opened: float
    last_seen: float
    keys: list[str] = field(default_factory=list)
    direction: str | None = None
    closed: bool = False
