"""Deciding what to do with the tag on the pad, from what it holds and what the staff asked for (pure).

A tag read (:class:`drivers.base.TagRead`) is judged against a :class:`Target`
(the scanned item and the parts still missing) or, in migration mode, against
nothing but the network profile:

======================  =====================================================================
tag holds               verdict
======================  =====================================================================
nothing (blank)         ``WRITE`` (code ``blank``); in migration mode ``REFUSE``: scan first
this item, profile ok   ``CONFORMS``: already done unless AFI/DSFID/EAS/locks need finishing
this item, our model    ``WRITE`` (code ``update``): same identifier and set, other elements
this item, legacy       ``WRITE`` (code ``migrate:<format>``): identifier and set kept
another item / set      ``CONFIRM``: the staff must say the tag may be overwritten
unknown bytes           ``CONFIRM`` (migration mode: ``REFUSE``)
a patron card           ``REFUSE``
======================  =====================================================================

Locked blocks are judged later, when the write plan shows which blocks must
change (:mod:`kiosk.encoding.plan`). A tag this job already wrote to and that
was interrupted (``Target.own_uids``) is rewritten without asking: its partial
content is ours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.base import TagRead
from iso28560 import TagData
from iso28560.model import is_patron_card
from kiosk.config import NetworkSection
from kiosk.i18n import Message, _

from .profile import TagProfile


class Verdict(enum.StrEnum):
    WRITE = "write"
    CONFORMS = "conforms"
    CONFIRM = "confirm"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Target:
    """The item being encoded: identifier, number of parts, parts still to encode, shelf location."""

    item_id: str
    parts: int = 1
    missing: tuple[int, ...] = (1,)
    shelf: str | None = None
    own_uids: frozenset[bytes] = field(default_factory=frozenset)

    @property
    def next_part(self) -> int:
        return self.missing[0]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict, the content the tag must end up with, and why (a short code and a staff message)."""

    verdict: Verdict
    code: str
    message: Message
    data: TagData | None = None
    found_id: str | None = None
    found_format: str = "unknown"

    @property
    def part(self) -> int:
        return self.data.part_number if self.data else 1


def assess(read: TagRead, target: Target | None, profile: TagProfile, network: NetworkSection, *,
           migrate_formats: tuple[str, ...] = ("iso28560-3", "3m-rfid501"),
           shelf: str | None = None) -> Assessment:
    """Judge ``read`` for ``target`` (``None``: migration mode, the tag's own identifier is kept)."""
    decoded = read.decoded
    fmt, found = decoded.format, decoded.data
    found_id = found.primary_item_identifier if found else None
    if fmt == "blank":
        if target is None:
            return Assessment(Verdict.REFUSE, "blank-tag", _(
                "Blank tag: nothing to migrate. Scan the item's barcode to encode it."), found_format=fmt)
        return _write(target, profile, "blank", fmt, None)
    if found is None:
        if target is None:
            return Assessment(Verdict.REFUSE, "unknown-content", _(
                "This tag holds data in no known library format: not migrated. Scan the item's barcode "
                "to encode it."), found_format=fmt)
        return _confirm(target, profile, "unknown-content", fmt, None, _(
            "This tag holds data in no known library format. Overwrite it with {item}?",
            item=target.item_id))
    if is_patron_card(found.type_of_usage):
        return Assessment(Verdict.REFUSE, "patron-card", _(
            "This is a patron card, not an item tag: it is never overwritten here."), found_id=found_id,
            found_format=fmt)
    if target is None:
        result = _migration(found, fmt, decoded.warnings, profile, network, migrate_formats, shelf)
    else:
        result = _for_target(read, found, fmt, target, profile, network, migrate_formats)
    return conforming(result, read, profile)


def _for_target(read: TagRead, found: TagData, fmt: str, target: Target, profile: TagProfile,
                network: NetworkSection, migrate_formats: tuple[str, ...]) -> Assessment:
    found_id = found.primary_item_identifier
    interrupted = read.uid in target.own_uids
    if found_id != target.item_id:
        if interrupted:
            return _write(target, profile, "resume-interrupted", fmt, found_id)
        return _confirm(target, profile, "other-identifier", fmt, found_id, _(
            "This tag already holds another item, {found}, not {item}. Overwrite it?",
            found=found_id, item=target.item_id))
    if found.parts_in_item != target.parts or found.part_number not in target.missing:
        if interrupted:
            return _write(target, profile, "resume-interrupted", fmt, found_id)
        return _confirm(target, profile, "set-mismatch", fmt, found_id, _(
            "This tag says part {found_part} of {found_parts}; part {part} of {parts} is expected. "
            "Overwrite it?", found_part=found.part_number, found_parts=found.parts_in_item,
            part=target.next_part, parts=target.parts))
    owner = _owner(read.decoded.warnings, found.owner_institution)
    if owner and not network.owns(owner):
        return _confirm(target, profile, "foreign-owner", fmt, found_id, _(
            "This tag belongs to another network ({owner}). Overwrite it with this library's data?",
            owner=owner))
    data = profile.tag_data(target.item_id, target.parts, found.part_number, target.shelf)
    return _judge(data, fmt, found_id, migrate_formats, profile, confirm=True)


def _migration(found: TagData, fmt: str, warnings: tuple[str, ...], profile: TagProfile,
               network: NetworkSection, migrate_formats: tuple[str, ...], shelf: str | None) -> Assessment:
    found_id = found.primary_item_identifier
    owner = _owner(warnings, found.owner_institution)
    if owner and not network.owns(owner):
        return Assessment(Verdict.REFUSE, "foreign-owner", _(
            "{found} belongs to another network ({owner}): not migrated.", found=found_id,
            owner=owner), found_id=found_id, found_format=fmt)
    if not 1 <= found.part_number <= found.parts_in_item:
        return Assessment(Verdict.REFUSE, "set-invalid", _(
            "{found}: the set information on the tag is invalid (part {part} of {parts}). Scan the "
            "barcode and enter the number of parts to encode it.", found=found_id, part=found.part_number,
            parts=found.parts_in_item), found_id=found_id, found_format=fmt)
    data = profile.tag_data(found_id, found.parts_in_item, found.part_number, shelf)
    return _judge(data, fmt, found_id, migrate_formats, profile, confirm=False)


def _judge(data: TagData, fmt: str, found_id: str, migrate_formats: tuple[str, ...], profile: TagProfile,
           *, confirm: bool) -> Assessment:
    """Same item: conforming already, an update within our data model, or a legacy migration."""
    if fmt == profile.format:
        return Assessment(Verdict.WRITE, "update", _(
            "{found} is encoded differently from the network profile: rewriting it.", found=found_id),
            data=data, found_id=found_id, found_format=fmt)
    if fmt in migrate_formats:
        return Assessment(Verdict.WRITE, f"migrate:{fmt}", _(
            "{found}: {format} tag, converting it to the network profile.", found=found_id, format=fmt),
            data=data, found_id=found_id, found_format=fmt)
    if not confirm:
        return Assessment(Verdict.REFUSE, "format-not-migrated", _(
            "{found}: {format} tags are not migrated at this station.", found=found_id, format=fmt),
            found_id=found_id, found_format=fmt)
    return Assessment(Verdict.CONFIRM, "format-not-migrated", _(
        "{found}: {format} tags are not migrated automatically. Overwrite it?", found=found_id, format=fmt),
        data=data, found_id=found_id, found_format=fmt)


def conforming(assessment: Assessment, read: TagRead, profile: TagProfile) -> Assessment:
    """Upgrade a ``WRITE`` verdict to ``CONFORMS`` when the tag already holds exactly that content."""
    if assessment.verdict is not Verdict.WRITE or assessment.data is None:
        return assessment
    if assessment.code == "blank" or not profile.conforms(read.decoded, assessment.data, len(read.memory)):
        return assessment
    return Assessment(Verdict.CONFORMS, "already-encoded", _(
        "{found} is already encoded with the network profile.", found=assessment.found_id),
        data=assessment.data, found_id=assessment.found_id, found_format=assessment.found_format)


def _owner(warnings: tuple[str, ...], owner: str | None) -> str | None:
    """The owner ISIL, without a country an old encoder repeated in the library id (FR-FR66… → FR-66…)."""
    if owner and any(w.startswith("country-repeated-in-isil") for w in warnings):
        country, _hyphen, library = owner.partition("-")
        if library.startswith(country):
            return f"{country}-{library[len(country):].lstrip('-')}"
    return owner


def _write(target: Target, profile: TagProfile, code: str, fmt: str, found_id: str | None) -> Assessment:
    data = profile.tag_data(target.item_id, target.parts, target.next_part, target.shelf)
    message = _("Writing {item}.", item=target.item_id)
    return Assessment(Verdict.WRITE, code, message, data=data, found_id=found_id, found_format=fmt)


def _confirm(target: Target, profile: TagProfile, code: str, fmt: str, found_id: str | None,
             message: Message) -> Assessment:
    data = profile.tag_data(target.item_id, target.parts, target.next_part, target.shelf)
    return Assessment(Verdict.CONFIRM, code, message, data=data, found_id=found_id, found_format=fmt)
