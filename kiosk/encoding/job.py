"""Values the encoding station shows and reports: phases, the item in hand, results, pending questions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.i18n import Message

from .assess import Target


class Phase(enum.StrEnum):
    SCAN = "scan"  # waiting for a barcode
    PLACE = "place"  # waiting for the item's tag (migration: for any tag)
    CONFIRM = "confirm"  # the tag holds something else: may it be overwritten?
    DONE = "done"  # the item is encoded; the next scan starts the next one
    FAILED = "failed"  # the last attempt failed: put the tag back, retry or cancel
    FINISHED = "finished"  # the batch list is done


class Mode(enum.StrEnum):
    SINGLE = "single"  # scan, place, encode
    BATCH = "batch"  # the barcodes come from a list, in order
    MIGRATE = "migrate"  # legacy tags are converted as they are placed; a scan still works


class Signal(enum.StrEnum):
    """What the desk shows and plays: green + chime, red + buzz, amber question, neutral."""

    NONE = "none"
    SUCCESS = "success"
    FAILURE = "failure"
    QUESTION = "question"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Job:
    """The item being encoded: identifier, parts, what the SIGB said, which parts are done on which tags."""

    item_id: str
    parts: int = 1
    done: tuple[tuple[int, bytes], ...] = ()
    title: str = ""
    media: Message | None = None
    known: bool | None = None
    shelf: str | None = None
    source: str = "scan"  # scan | batch | tag (migration)
    own_uids: frozenset[bytes] = field(default_factory=frozenset)

    @property
    def missing(self) -> tuple[int, ...]:
        finished = {part for part, _ in self.done}
        return tuple(n for n in range(1, self.parts + 1) if n not in finished)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def next_part(self) -> int:
        return self.missing[0] if self.missing else self.parts

    @property
    def uids(self) -> frozenset[bytes]:
        return frozenset(uid for _, uid in self.done)

    def target(self) -> Target:
        return Target(self.item_id, self.parts, self.missing or (self.parts,), self.shelf, self.own_uids)

    def with_part(self, part: int, uid: bytes) -> Job:
        return replace(self, done=(*self.done, (part, uid)), own_uids=self.own_uids | {uid})

    def touched(self, uid: bytes) -> Job:
        """This job wrote (or started writing) to ``uid``: its content is ours to overwrite."""
        return replace(self, own_uids=self.own_uids | {uid})


@dataclass(frozen=True, slots=True)
class EncodingResult:
    """One outcome at the desk, as shown, counted and journaled.

    ``outcome``: encoded, migrated, updated, already_done, failed, refused (tag or barcode not
    accepted), question (confirmation asked). ``code`` says why (``blank``, ``migrate:iso28560-3``,
    ``tag-removed``, ``locked``, ``barcode-format``…).
    """

    outcome: str
    code: str
    message: Message
    item_id: str | None = None
    uid: bytes | None = None
    part: int = 1
    parts: int = 1
    seconds: float = 0.0
    format_before: str | None = None
    at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("encoded", "migrated", "updated", "already_done")

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper() if self.uid else ""


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The question put to the staff before overwriting a tag that holds something else."""

    uid: bytes
    message: Message
    found_id: str | None
    found_format: str
    code: str
