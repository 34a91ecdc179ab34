"""Optional SIP2 look-up of a scanned item: title and media type for the staff, shelf location for the tag.

The look-up never blocks encoding when the SIGB is unreachable (the tag content
does not depend on it unless the profile takes the shelf location from the
SIGB): the result then says ``known is None`` and the station shows a warning.
An item the SIGB does not know is either a warning or a refusal
(``[encoding] unknown_items``). An item the SIGB says is on loan is encoded
secured anyway (it is at the desk, in staff hands) and the mismatch is
reported, so that someone checks it in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.circulation.sigb import SigbLink, SigbUnavailable
from kiosk.i18n import Message, _
from sip2.errors import Sip2Error

log = logging.getLogger(__name__)

CIRCULATION_CHARGED = 4
# SIP2 media type codes (field CK) → label for the staff screen.
MEDIA_TYPES: dict[str, Message] = {
    "000": _("other"), "001": _("book"), "002": _("magazine"), "003": _("bound journal"),
    "004": _("audio tape"), "005": _("video tape"), "006": _("CD or CD-ROM"), "007": _("diskette"),
    "008": _("book with diskette"), "009": _("book with CD"), "010": _("book with audio tape"),
}


@dataclass(frozen=True, slots=True)
class ItemDetails:
    """What the SIGB says about an item. ``known``: True, False (unknown), None (not asked / no answer)."""

    item_id: str
    known: bool | None = None
    title: str = ""
    media_type: str = ""
    call_number: str = ""
    permanent_location: str = ""
    on_loan: bool = False
    error: str | None = None

    @property
    def media_label(self) -> Message | None:
        return MEDIA_TYPES.get(self.media_type) if self.media_type else None

    def shelf(self, source: str) -> str | None:
        """The shelf location for the tag from the configured SIGB field (``none`` → no element)."""
        value = {"call_number": self.call_number, "permanent_location": self.permanent_location}.get(source)
        return value or None


class ItemLookup:
    """Item information over SIP2 through the station's :class:`~kiosk.circulation.sigb.SigbLink`."""

    def __init__(self, link: SigbLink | None) -> None:
        self.link = link

    @property
    def enabled(self) -> bool:
        return self.link is not None

    def lookup(self, item_id: str) -> ItemDetails:
        if self.link is None:
            return ItemDetails(item_id)
        try:
            info = self.link.read("item_information", item_id)
        except (SigbUnavailable, Sip2Error, OSError) as exc:
            log.warning("item look-up of %s failed: %s", item_id, exc)
            return ItemDetails(item_id, None, error=str(exc) or type(exc).__name__)
        if not info.ok:
            return ItemDetails(item_id, False)
        return ItemDetails(
            item_id, True, title=info.title, media_type=info.media_type, call_number=info.call_number,
            permanent_location=info.permanent_location,
            on_loan=info.circulation_status == CIRCULATION_CHARGED)

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
