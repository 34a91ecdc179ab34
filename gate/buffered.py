"""FEIG buffered read mode, presented to the detectors as an ordinary inventory.

In buffered read mode the reader inventories on its own, continuously, and stores a
record per tag seen (UID, optionally data blocks and the antenna); the host only
fetches and clears the buffer each cycle. Gate readers are often run this way: the
reader never misses a tag between two host polls, and one round trip per cycle
fetches everything.

The reader answers no ISO host command in this mode (FEIG status 0x82), so the gate
cannot read memory or ask for a tag's AFI. What it needs must come from the reader's
own configuration:

- AFI mode: the reader's inventory must be configured with the secured AFI (0x07), so
  every record *is* a secured tag; ``inventory(afi=...)`` trusts that;
- identification (policy, item identifier in the log): the reader must be configured
  to add the first data blocks to each record; they seed the tag identifier. Without
  them tags stay unidentified and the policy's ``alarm_unidentified`` decides.

Any host command the detectors would send raises ``NotReadable`` (a per-tag error,
not a reader failure).
"""

from __future__ import annotations

from typing import Any

import iso28560
from drivers.base import BlockData, ItemReader, SystemInfo, TagInfo

from .identify import NotReadable, TagIdentifier


class BufferedInventory:
    # Records come from the reader's own cycle: no host-driven inventory read in this mode.
    inventory_read = None

    def __init__(self, reader: ItemReader, identifier: TagIdentifier | None = None) -> None:
        self.reader, self.identifier = reader, identifier
        reader.init_buffer()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        """Tags buffered since the last call (filtered by the reader's own AFI setting, if any)."""
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
        return list(seen.values())

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        raise NotReadable("buffered read mode: configure the reader to deliver data blocks with each record")

    def system_info(self, uid: bytes) -> SystemInfo:
        raise NotReadable("buffered read mode: the reader answers no host command")

    def eas_alarm(self, uid: bytes | None = None) -> bool:
        raise NotReadable('buffered read mode: EAS mode needs host polling (read_mode = "poll")')

    def close(self) -> None:
        self.reader.close()
