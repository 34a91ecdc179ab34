"""An item as the workflows see it: one primary item identifier and the tags of all its parts on the pad."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.circulation.pad import PadTag


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """All parts of one item present on the pad (a single tag for ordinary items)."""

    item_id: str
    tags: tuple[PadTag, ...]
    parts_total: int = 1

    @property
    def uids(self) -> tuple[bytes, ...]:
        return tuple(t.uid for t in self.tags)

    @property
    def complete(self) -> bool:
        return {t.part_number for t in self.tags} >= set(range(1, self.parts_total + 1))

    @property
    def type_of_usage(self) -> int | None:
        return next((t.type_of_usage for t in self.tags if t.type_of_usage is not None), None)

    @classmethod
    def single(cls, tag: PadTag) -> ItemGroup:
        return cls(tag.item_id or "", (tag,), tag.parts_total)
