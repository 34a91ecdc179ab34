"""Builders shared by the gate tests: decoded tags and sightings with readable defaults."""

from __future__ import annotations

from gate.events import CirculationState, Sighting
from iso28560.model import AFI_ON_LOAN, AFI_SECURED, DecodedTag, TagData

NETWORK = ("FR-751131015", "FR-69*")


def decoded(
    item_id: str = "30001000012345",
    owner: str | None = "FR-751131015",
    usage: int | None = 0x10,
    title: str | None = None,
) -> DecodedTag:
    data = TagData(primary_item_identifier=item_id, owner_institution=owner, type_of_usage=usage, title=title)
    return DecodedTag(format="iso28560-2", data=data, raw=b"")


def sighting(
    t: float = 0.0,
    uid: int = 1,
    *,
    afi: int | None = AFI_SECURED,
    eas: bool | None = None,
    tag: DecodedTag | None = None,
    identified: bool = True,
    charged: bool | None = None,
    reader: str = "left",
) -> Sighting:
    tag = decoded(f"3000100001{uid:04d}") if tag is None and identified else tag
    circulation = (
        None if charged is None or tag is None else CirculationState(tag.primary_item_identifier, charged)
    )
    return Sighting(
        time=t,
        uid=bytes.fromhex("E004015012340000")[:6] + uid.to_bytes(2, "big"),
        reader=reader,
        afi=afi,
        eas=eas,
        decoded=tag,
        identified=identified,
        circulation=circulation,
    )


__all__ = ["AFI_ON_LOAN", "AFI_SECURED", "NETWORK", "decoded", "sighting"]
