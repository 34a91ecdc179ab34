"""FEIG buffered read mode, presented to the detectors as an ordinary inventory.

In buffered read mode the reader inventories on its own, continuously, and stores a
record per tag seen (UID, optionally the first data blocks and the antenna); the host
only fetches and clears the buffer each cycle. Gate readers are usually run this way:
the reader never misses a tag between two host polls, and one round trip per cycle
fetches everything.

``BufferedInventory`` wraps such a reader: ``inventory()`` returns the UIDs buffered
since the last call; data blocks delivered with the records seed the tag identifier
so no extra memory read is needed. The AFI of each UID is not in the record, so when
the gate asks for an AFI-masked inventory the AFI is checked with one system
information request per UID, cached for ``afi_ttl`` seconds only (it changes at every
checkout and return). Every other method goes to the wrapped reader.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import iso28560
from drivers.base import ItemReader, TagInfo

from .identify import TAG_ERRORS, TagIdentifier


class BufferedInventory:
    def __init__(
        self,
        reader: ItemReader,
        identifier: TagIdentifier | None = None,
        afi_ttl: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader, self.identifier, self.afi_ttl, self.clock = reader, identifier, afi_ttl, clock
        self._afi: dict[bytes, tuple[float, int | None]] = {}
        reader.init_buffer()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        records = self.reader.buffered_read()  # type: ignore[attr-defined]
        if records:
            self.reader.clear_buffer()  # type: ignore[attr-defined]
        seen: dict[bytes, TagInfo] = {}
        for record in records:
            if record.uid is None or record.uid in seen:
                continue
            if antenna is not None and record.antenna not in (None, antenna):
                continue
            if record.data and self.identifier is not None and self.identifier.cached(record.uid) is None:
                self.identifier.prime(record.uid, iso28560.decode(record.data))
            seen[record.uid] = TagInfo(record.uid, None, record.antenna)
        if afi is None:
            return list(seen.values())
        return [tag for tag in seen.values() if self._afi_of(tag.uid) == afi]

    def _afi_of(self, uid: bytes) -> int | None:
        now = self.clock()
        cached = self._afi.get(uid)
        if cached is not None and now - cached[0] <= self.afi_ttl:
            return cached[1]
        try:
            value = self.reader.system_info(uid).afi
        except TAG_ERRORS:
            value = None
        self._afi = {u: v for u, v in self._afi.items() if now - v[0] <= self.afi_ttl}
        self._afi[uid] = (now, value)
        return value

    def close(self) -> None:
        self.reader.close()
