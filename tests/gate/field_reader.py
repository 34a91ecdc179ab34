"""A direct ItemReader over an RFField (ISO 15693 frames, no host protocol, no transport).

For the gate's own logic tests: fast and deterministic, with fault knobs (silent,
unplugged). The integration tests run the same scenarios through the real FEIG
driver and reader simulator instead.
"""

from __future__ import annotations

from drivers.base import BlockData, ReaderInfo, SystemInfo, TagInfo
from drivers.errors import NoTag, ReaderGone, ReaderTimeout
from simulators.rf import RFField

ADDRESSED = 0x22  # high data rate + address flag


class FieldReader:
    def __init__(self, rf_field: RFField, name: str = "field") -> None:
        self.field, self.name = rf_field, name
        self.unplugged = self.silent = self.closed = False
        self.calls: list[str] = []

    def _check(self, call: str) -> None:
        self.calls.append(call)
        if self.unplugged or self.closed:
            raise ReaderGone(f"{self.name} unplugged")
        if self.silent:
            raise ReaderTimeout(f"{self.name} did not answer")

    def _addressed(self, command: bytes, uid: bytes, payload: bytes = b"") -> bytes:
        manufacturer = command[1:]
        reply = self.field.transact(
            bytes([ADDRESSED, command[0]]) + manufacturer + uid[::-1] + payload
        ).response
        if reply is None or reply[0] & 0x01:
            raise NoTag(f"tag {uid.hex().upper()} did not answer")
        return reply[1:]

    def info(self) -> ReaderInfo:
        return ReaderInfo("field", "0")

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        self._check("inventory")
        outcome = self.field.inventory(afi=afi, antennas=None if antenna is None else (antenna,))
        return [TagInfo(uid, dsfid, ant) for uid, dsfid, ant in outcome.tags]

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        self._check("read_blocks")
        data = self._addressed(b"\x23", uid, bytes([first, count - 1]))
        return BlockData(first, data, (False,) * count)

    def system_info(self, uid: bytes) -> SystemInfo:
        self._check("system_info")
        r = self._addressed(b"\x2b", uid)
        return SystemInfo(uid, r[9], r[10], r[12] + 1, r[11] + 1, r[13])

    def eas_alarm(self, uid: bytes | None = None) -> bool:
        self._check("eas_alarm")
        if uid is None:
            return bool(self.field.transact(bytes([0x02, 0xA5, 0x04])).responses)
        return self.field.transact(bytes([ADDRESSED, 0xA5, 0x04]) + uid[::-1]).response is not None

    def select_antenna(self, antenna: int) -> None:
        self._check("select_antenna")

    def close(self) -> None:
        self.closed = True
