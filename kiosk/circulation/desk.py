"""From tags on the pad to rows on screen: each item processed once, sets assembled, odd tags explained.

The desk sits between the pad watcher and the workflows. Every classified
tag becomes (or joins) one :class:`~kiosk.circulation.models.ItemRow`:

- an item of our network goes to the workflow of the current mode (borrow or
  return) at once, or, for a part of a multi-part item, waits until all parts
  are on the pad (``sets.wait_seconds``); an incomplete set is then refused or
  accepted with a warning (``sets.incomplete``) — either way journaled, and
  an incomplete set processed anyway raises a staff alert because its absent
  parts' tags cannot follow the SIGB;
- a patron card, a tag of another network, a blank tag and an unreadable or
  undecodable tag each get their own status and message.

A second tag carrying an item identifier already on screen joins that row and
is not processed again. Each processed item is journaled (anonymously) with
its outcome and timings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from kiosk.circulation import refusals
from kiosk.circulation.context import Services
from kiosk.circulation.items import ItemGroup
from kiosk.circulation.journal import ItemTimer
from kiosk.circulation.models import Instruction, ItemList, ItemRow, ItemStatus
from kiosk.circulation.pad import PadTag, PartialSet, SetAssembler, TagKind
from kiosk.i18n import Message, _

Processor = Callable[[ItemGroup, ItemRow], None]

_TAG_OUTCOMES: dict[TagKind, tuple[ItemStatus, Message, str]] = {
    TagKind.PATRON_CARD: (
        ItemStatus.PATRON_CARD,
        _("This is a library card, not a document. Scan it at the card reader."),
        "patron-card",
    ),
    TagKind.FOREIGN: (
        ItemStatus.NOT_OURS,
        _("This item belongs to another library network. Please hand it to staff."),
        "foreign-tag",
    ),
    TagKind.BLANK: (
        ItemStatus.UNREADABLE,
        _("This item has a blank tag. Please hand it to staff."),
        "blank-tag",
    ),
    TagKind.UNKNOWN_FORMAT: (
        ItemStatus.UNREADABLE,
        _("This item's tag cannot be read. Please hand it to staff."),
        "unknown-format",
    ),
    TagKind.UNREADABLE: (
        ItemStatus.UNREADABLE,
        _("This item could not be read. Move it on the pad, or hand it to staff."),
        "read-failed",
    ),
}

_OUTCOME_OF = {
    ItemStatus.BORROWED: "ok",
    ItemStatus.RENEWED: "ok",
    ItemStatus.RETURNED: "ok",
    ItemStatus.REFUSED: "refused",
    ItemStatus.NOT_OURS: "refused",
    ItemStatus.PATRON_CARD: "refused",
    ItemStatus.UNREADABLE: "refused",
}


class Desk:
    """Turns arriving tags into processed rows for one session (borrow or return)."""

    _keys = itertools.count(1)

    def __init__(
        self,
        svc: Services,
        items: ItemList,
        kind: str,
        process: Processor,
        on_patron_card: Callable[[str], None] | None = None,
        patron_flags: Iterable[str] = (),
    ) -> None:
        self.svc = svc
        self.patron_flags = tuple(patron_flags)  # status flags of the identified patron (refusal reasons)
        self.items = items
        self.kind = kind  # "checkout" | "checkin": the journal's transaction kind
        self.process = process
        self.on_patron_card = on_patron_card
        self.sets = SetAssembler(svc.config.sets.wait_seconds, svc.clock)
        self._uids_seen: set[bytes] = set()

    def _new_row(self, tag: PadTag) -> ItemRow:
        return self.items.add(ItemRow(next(self._keys), (tag.uid,), tag.item_id))

    @property
    def tags_seen(self) -> int:
        """Distinct tags read in this session (a tag that flickers out of the field and back counts once)."""
        return len(self._uids_seen)

    def arrive(self, tag: PadTag) -> None:
        started = self.svc.journal.timer(None, None)  # a refused odd tag is timed from here
        self._uids_seen.add(tag.uid)
        if tag.kind is not TagKind.ITEM:
            self._odd_tag(tag, started)
            return
        existing = self.items.find(item_id=tag.item_id)
        if existing is not None and (existing.status.terminal or tag.parts_total <= 1):
            existing.add_uid(tag.uid)  # same item seen again (or an extra part after processing): once only
            return
        if tag.parts_total > 1:
            self._part(tag, existing)
            return
        self._run(ItemGroup.single(tag), self._new_row(tag))

    def _odd_tag(self, tag: PadTag, timer: ItemTimer) -> None:
        status, message, reason = _TAG_OUTCOMES[tag.kind]
        row = self._new_row(tag)
        row.update(
            status=status,
            message=message,
            instruction=Instruction.SEE_STAFF if tag.kind is not TagKind.PATRON_CARD else Instruction.NONE,
        )
        self.svc.journal.transaction(
            self.kind, "refused", reason=reason, timer=timer, offline=self.svc.offline, reads=tag.reads
        )
        if tag.kind is TagKind.PATRON_CARD and self.on_patron_card and tag.item_id:
            self.on_patron_card(tag.item_id)

    def _part(self, tag: PadTag, row: ItemRow | None) -> None:
        partial = self.sets.add(tag)
        if row is None:
            row = self._new_row(tag)
        row.add_uid(tag.uid)
        row.update(
            status=ItemStatus.WAITING_FOR_PARTS,
            parts_total=partial.parts_total,
            parts_seen=len(partial.parts),
            instruction=Instruction.LEAVE_ON_PAD,
            message=_(
                "{seen} of {total} parts: place all parts on the pad.",
                seen=len(partial.parts),
                total=partial.parts_total,
            ),
        )
        self.flush_sets()

    def flush_sets(self) -> None:
        """Process sets that became complete, and apply the policy to those whose wait is over."""
        complete, expired = self.sets.take_ready()
        for partial in complete:
            self._run(self._group(partial), self._row_of(partial))
        for partial in expired:
            self._incomplete(partial)

    def _group(self, partial: PartialSet) -> ItemGroup:
        return ItemGroup(
            partial.item_id, tuple(partial.parts[n] for n in sorted(partial.parts)), partial.parts_total
        )

    def _row_of(self, partial: PartialSet) -> ItemRow:
        row = self.items.find(item_id=partial.item_id)
        assert row is not None, "every pending set has a row"
        return row

    def _incomplete(self, partial: PartialSet) -> None:
        row = self._row_of(partial)
        seen, total = len(partial.parts), partial.parts_total
        self.svc.journal.event(
            "incomplete-set", parts=total, present=seen, policy=self.svc.config.sets.incomplete
        )
        if self.svc.config.sets.incomplete == "refuse":
            row.update(
                status=ItemStatus.REFUSED,
                instruction=Instruction.SEE_STAFF,
                message=_(
                    "Incomplete set: {seen} of {total} parts. Bring all parts together, or see staff.",
                    seen=seen,
                    total=total,
                ),
            )
            self.svc.journal.transaction(  # no timer: its only "duration" is the configured wait (NULL)
                self.kind,
                "refused",
                reason="incomplete-set",
                offline=self.svc.offline,
                set_parts=total,
                set_parts_present=seen,
                reads=sum(t.reads for t in partial.parts.values()),
            )
            return
        group = self._group(partial)
        self._run(group, row)
        if row.status.success:
            self.svc.alert(
                group.item_id,
                group.uids,
                "incomplete_set",
                f"{self.kind} of {seen} of {total} parts: the absent parts' tags were not changed",
            )
            row.update(
                message=_("Done, but {missing} part(s) missing: please tell staff.", missing=total - seen),
                needs_staff=True,
            )

    def _run(self, group: ItemGroup, row: ItemRow) -> None:
        timer = self.svc.journal.timer(self.svc.sigb, self.svc.security)
        offline = self.svc.offline
        mark = getattr(self.svc.sigb, "changes", 0)
        self.process(group, row)
        outcome = _OUTCOME_OF.get(row.status, "error")
        reason = None if outcome == "ok" else self._reason(row, mark)
        self.svc.journal.transaction(
            self.kind,
            outcome,
            timer=timer,
            sigb=self.svc.sigb,
            security=self.svc.security,
            reason=reason,
            offline=offline or row.offline,
            set_parts=group.parts_total,
            set_parts_present=len(group.tags),
            reads=sum(t.reads for t in group.tags),
        )

    def _reason(self, row: ItemRow, mark: int) -> str:
        """Journal code of a failed item: the refusal's reason, or the row's status for other failures."""
        if row.status is not ItemStatus.REFUSED:
            return row.status.value.replace("_", "-")
        return refusals.classify(
            self.kind,
            refusals.answer_since(self.svc.sigb, mark),
            flags=self.patron_flags,
            patterns=self.svc.config.circulation.refusal_codes,
            offline=bool(row.offline),
            sigb_reachable=getattr(self.svc.sigb, "online", True) is not False,
        )
