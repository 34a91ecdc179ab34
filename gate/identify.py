"""Identify tags at the gate: read just enough memory to decode the ISO 28560 content, once per tag.

A gate sees the same tags again and again (the visitor's own card every visit, the
item lingering between the pedestals), so decoded contents are cached by UID for
``ttl`` seconds; a tag costs one memory read per passage at most, and usually none.

Reading the whole memory of a SLIX (28 blocks) takes about 40 ms of air time, too
long inside a 50 ms poll cycle; ISO 28560-2 puts the item identifier first and the
encoders we know put owner and type of usage right after, so the first
``blocks`` blocks (8 = 32 bytes) usually hold everything the policy needs. When they
do not (the decoder says an element is truncated, or the last block read is not
empty padding), the rest is read too.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import iso28560
from drivers.base import ItemReader
from drivers.errors import AddressError, BlockLocked, Collision, NoTag, ReaderError
from iso28560.model import DecodedTag


class NotReadable(ReaderError):
    """This reader cannot read tag memory right now (buffered read mode): a per-tag matter."""


# Errors about this one tag (it left the field, collided, is read-protected): not the reader's health.
TAG_ERRORS = (NoTag, Collision, BlockLocked, AddressError, NotReadable)


class TagIdentifier:
    def __init__(
        self,
        blocks: int = 8,
        ttl: float = 3600.0,
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.blocks, self.ttl, self.size, self.clock = blocks, ttl, size, clock
        self._cache: OrderedDict[bytes, tuple[float, DecodedTag]] = OrderedDict()
        self.reads = self.hits = self.failures = 0

    def cached(self, uid: bytes) -> DecodedTag | None:
        entry = self._cache.get(uid)
        if entry is None or self.clock() - entry[0] > self.ttl:
            return None
        self._cache.move_to_end(uid)
        return entry[1]

    def identify(self, reader: ItemReader, uid: bytes, dsfid: int | None = None) -> DecodedTag | None:
        """The decoded tag, or None when its memory could not be read (it left, collided…).

        Reader-level errors (timeout, unplugged) propagate: they are the reader's health.
        """
        decoded = self.cached(uid)
        if decoded is not None:
            self.hits += 1
            return decoded
        try:
            decoded = self._read(reader, uid, dsfid)
        except TAG_ERRORS:
            self.failures += 1
            return None
        self._store(uid, decoded)
        return decoded

    def _read(self, reader: ItemReader, uid: bytes, dsfid: int | None) -> DecodedTag:
        self.reads += 1
        try:
            head = reader.read_blocks(uid, 0, self.blocks).data
        except AddressError:  # smaller tag than ``blocks``: read what it has
            return self._read_all(reader, uid, dsfid)
        decoded = iso28560.decode(head, dsfid)
        if _complete(head, decoded):
            return decoded
        return self._read_all(reader, uid, dsfid)

    def _read_all(self, reader: ItemReader, uid: bytes, dsfid: int | None) -> DecodedTag:
        info = reader.system_info(uid)
        count = info.block_count or self.blocks
        data = reader.read_blocks(uid, 0, count).data
        return iso28560.decode(data, dsfid if dsfid is not None else info.dsfid)

    def from_memory(self, reader: ItemReader, uid: bytes, first_block: int, data: bytes) -> DecodedTag | None:
        """Identify from blocks an inventory read already returned; read the rest only if they fall short."""
        decoded = self.cached(uid)
        if decoded is not None:
            self.hits += 1
            return decoded
        if first_block == 0:
            decoded = iso28560.decode(data)
            if _complete(data, decoded):
                self._store(uid, decoded)
                return decoded
        return self.identify(reader, uid)

    def _store(self, uid: bytes, decoded: DecodedTag) -> None:
        self._cache[uid] = (self.clock(), decoded)
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)

    def prime(self, uid: bytes, decoded: DecodedTag) -> None:
        """Cache content obtained without a read (buffered-read records carry data blocks)."""
        if decoded.data is not None or decoded.format == "blank":
            self._cache[uid] = (self.clock(), decoded)

    def forget(self, uid: bytes) -> None:
        self._cache.pop(uid, None)


def _complete(head: bytes, decoded: DecodedTag) -> bool:
    """True when the blocks read hold the whole content (it ended inside them)."""
    if any(w.startswith("truncated") for w in decoded.warnings):
        return False
    if decoded.format == "blank":
        return True
    return not any(head[-4:])


__all__ = ["TAG_ERRORS", "NotReadable", "ReaderError", "TagIdentifier"]
