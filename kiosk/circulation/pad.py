"""The reader pad: which tags arrived, what each one is, and when a multi-part item is complete.

:class:`PadWatcher` runs one inventory per :meth:`~PadWatcher.poll`, reads
every *new* UID once (a failed read is retried on the next polls, then given
up as unreadable) and reports tags that left the field. Each tag read is
turned into a :class:`PadTag` by :func:`classify`: an item of our network, a
patron card, a tag of another network, a blank tag or one we cannot decode.

:class:`SetAssembler` groups the parts of multi-part items (ISO 28560 set
information: parts in item > 1) by primary item identifier: a set is ready when
every part number 1..n is on the pad, and expires ``wait_seconds`` after its
first part arrived.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from drivers.base import ItemReader, TagRead
from drivers.errors import ReaderError
from iso28560.model import is_patron_card
from kiosk.config import NetworkSection

log = logging.getLogger(__name__)


class TagKind(enum.StrEnum):
    ITEM = "item"
    PATRON_CARD = "patron_card"
    FOREIGN = "foreign"  # owner institution outside the configured network
    BLANK = "blank"
    UNKNOWN_FORMAT = "unknown_format"
    UNREADABLE = "unreadable"  # the tag kept failing to answer reads


@dataclass(frozen=True, slots=True)
class PadTag:
    """One tag on the pad, classified. ``item_id`` is the primary item identifier (or card number)."""

    uid: bytes
    kind: TagKind
    item_id: str | None = None
    owner: str | None = None
    parts_total: int = 1
    part_number: int = 1
    type_of_usage: int | None = None
    afi: int | None = None
    format: str | None = None
    detail: str | None = None
    reads: int = 1  # read attempts this tag needed (pilot journal: read attempts per tag)


def classify(read: TagRead, network: NetworkSection) -> PadTag:
    """Decide what a tag read means for circulation."""
    decoded = read.decoded
    afi = read.system.afi
    base = dict(uid=read.uid, afi=afi, format=decoded.format)
    if decoded.format == "blank":
        return PadTag(kind=TagKind.BLANK, detail=decoded.reason, **base)
    if decoded.data is None or decoded.format == "unknown" or not decoded.data.primary_item_identifier:
        return PadTag(kind=TagKind.UNKNOWN_FORMAT, detail=decoded.reason, **base)
    if decoded.crc_ok is False:
        return PadTag(kind=TagKind.UNKNOWN_FORMAT, detail="tag checksum does not match its data", **base)
    data = decoded.data
    info = dict(
        item_id=data.primary_item_identifier.strip(),
        owner=data.owner_institution,
        parts_total=max(data.parts_in_item or 1, 1),
        part_number=max(data.part_number or 1, 1),
        type_of_usage=data.type_of_usage,
        **base,
    )
    if is_patron_card(data.type_of_usage):
        return PadTag(kind=TagKind.PATRON_CARD, **info)
    if not network.owns(data.owner_institution):
        return PadTag(kind=TagKind.FOREIGN, detail=data.owner_institution, **info)
    return PadTag(kind=TagKind.ITEM, **info)


@dataclass
class PadChanges:
    arrived: list[PadTag] = field(default_factory=list)
    left: list[bytes] = field(default_factory=list)


class PadWatcher:
    """Inventories the pad and reads each new tag once (until :meth:`forget`)."""

    def __init__(self, reader: ItemReader, network: NetworkSection, read_attempts: int = 3) -> None:
        self.reader = reader
        self.network = network
        self.read_attempts = read_attempts
        self.present: set[bytes] = set()
        self._done: set[bytes] = set()
        self._failures: dict[bytes, int] = {}
        self.reads = 0

    def poll(self) -> PadChanges:
        """One inventory round; raises ``ReaderError`` when the reader itself fails."""
        seen = {tag.uid for tag in self.reader.inventory()}
        changes = PadChanges(left=sorted(self.present - seen))
        self.present = seen
        # a tag that left is read again if it comes back; the desk keeps one row per item anyway
        self._done -= set(changes.left)
        for uid in sorted(seen - self._done):
            tag = self._read(uid)
            if tag is not None:
                self._done.add(uid)
                changes.arrived.append(tag)
        return changes

    def _read(self, uid: bytes) -> PadTag | None:
        try:
            self.reads += 1
            read = self.reader.read_tag(uid)
        except ReaderError as exc:
            failures = self._failures[uid] = self._failures.get(uid, 0) + 1
            log.info("tag %s: read failed (%d/%d): %s", uid.hex(), failures, self.read_attempts, exc)
            if failures < self.read_attempts:
                return None
            return PadTag(uid=uid, kind=TagKind.UNREADABLE, detail=str(exc), reads=failures)
        failures = self._failures.pop(uid, 0)
        return replace(classify(read, self.network), reads=failures + 1)

    def forget(self, uids: set[bytes] | None = None) -> None:
        """Treat these tags (default: all) as new again, e.g. at the start of a new session."""
        if uids is None:
            self._done.clear()
            self._failures.clear()
        else:
            self._done -= uids
            for uid in uids:
                self._failures.pop(uid, None)


@dataclass
class PartialSet:
    item_id: str
    parts_total: int
    first_seen: float
    parts: dict[int, PadTag] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return set(self.parts) >= set(range(1, self.parts_total + 1))

    @property
    def uids(self) -> tuple[bytes, ...]:
        return tuple(self.parts[n].uid for n in sorted(self.parts))


class SetAssembler:
    """Collects parts of multi-part items until all are present or the wait is over."""

    def __init__(self, wait_seconds: float, clock: Callable[[], float]) -> None:
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.pending: dict[str, PartialSet] = {}

    def add(self, tag: PadTag) -> PartialSet:
        partial = self.pending.get(tag.item_id or "")
        if partial is None:
            partial = self.pending[tag.item_id or ""] = PartialSet(
                tag.item_id or "", tag.parts_total, self.clock()
            )
        partial.parts.setdefault(tag.part_number, tag)
        return partial

    def take_ready(self) -> tuple[list[PartialSet], list[PartialSet]]:
        """Remove and return (complete sets, sets whose wait expired incomplete)."""
        now = self.clock()
        complete = [p for p in self.pending.values() if p.complete]
        expired = [
            p for p in self.pending.values() if not p.complete and now - p.first_seen >= self.wait_seconds
        ]
        for p in (*complete, *expired):
            del self.pending[p.item_id]
        return complete, expired

    def clear(self) -> None:
        self.pending.clear()
