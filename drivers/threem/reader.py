"""3M 210/810 pad reader driver: ``drivers.base.ItemReader`` over ``drivers.threem.protocol``.

One command is on the wire at a time (a lock serialises the background
inventory loop and foreground commands). A reply that does not arrive within
``timeout`` or fails its CRC is retried ``retries`` times after the input is
flushed; every 3M command we send is idempotent, so a retry cannot double an
effect. Writes are verified by reading back when asked, which is what catches a
tag that left the pad in the middle of programming.

What the 3M command set does not offer is not faked: the protocol has no
AFI-masked inventory, so ``inventory(afi=…)`` reads each tag's AFI (one extra
command per tag); write DSFID and RF reset have no published command code and
raise ``Unsupported``; the pad has one antenna.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import iso28560
from drivers.base import BlockData, ReaderInfo, SystemInfo, TagInfo, TagRead
from drivers.errors import ProtocolError, ReaderError, ReaderTimeout, WriteFailed
from drivers.serial_link import SerialLink
from drivers.threem import protocol as p

BLOCKS_PER_COMMAND = 8  # 3M software reads stickers 8 blocks at a time


class Unsupported(ReaderError):
    """The reader's protocol has no command for this operation."""


class ThreeMReader:
    """A 3M 210/810 pad on a serial port or pyserial URL (19200 8N1)."""

    def __init__(self, port: str | Any, *, baudrate: int | None = None, timeout: float = 0.5,
                 retries: int = 1, blocks_per_command: int = BLOCKS_PER_COMMAND) -> None:
        self._link = SerialLink(port, baudrate or p.BAUDRATE)
        self._parser = p.FrameReader()
        self._lock = threading.RLock()
        self.timeout = timeout
        self.retries = retries
        self.blocks_per_command = blocks_per_command

    # --- transport ---------------------------------------------------------------------------

    def _command(self, request: p.Frame, timeout: float | None = None) -> p.Reply:
        with self._lock:
            last: ReaderError | None = None
            for _ in range(1 + self.retries):
                self._parser.clear()
                self._link.send(request.encode())
                try:
                    return self._await(request, timeout or self.timeout)
                except (ReaderTimeout, ProtocolError) as exc:
                    last = exc
            assert last is not None
            raise last

    def _await(self, request: p.Frame, timeout: float) -> p.Reply:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for event in self._parser.feed(self._link.receive(remaining)):
                if isinstance(event, p.BadFrame):
                    raise ProtocolError(f"3M reader on {self._link.name}: corrupted reply ({event.reason})")
                if event.command == request.command and event.start == request.start:
                    return p.Reply.from_frame(event)
        raise ReaderTimeout(f"3M reader on {self._link.name} did not answer command "
                            f"0x{request.command:02X} within {timeout:.2f} s")

    # --- ItemReader ----------------------------------------------------------------------------

    def info(self) -> ReaderInfo:
        return ReaderInfo("3M RFID reader 210/810", p.parse_version(self._command(p.version_request())))

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        self._check_antenna(antenna)
        uids = p.parse_inventory(self._command(p.inventory_request()))
        if afi is not None:
            uids = [uid for uid in uids if self._afi_or_none(uid) == afi]
        return [TagInfo(uid, antenna=1) for uid in uids]

    def _afi_or_none(self, uid: bytes) -> int | None:
        try:
            return p.parse_get_afi(self._command(p.get_afi_request(uid)), uid)
        except (ReaderError, ProtocolError):
            return None  # the tag left between inventory and AFI read: it is not in the field

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        data, locked = bytearray(), []
        for start in range(first, first + count, self.blocks_per_command):
            n = min(self.blocks_per_command, first + count - start)
            blocks = p.parse_read_blocks(self._command(p.read_blocks_request(uid, start, n)), uid)
            if [b.number for b in blocks] != list(range(start, start + n)):
                raise ProtocolError(f"3M reader returned blocks {[b.number for b in blocks]} for "
                                    f"{start}..{start + n - 1}")
            for block in blocks:
                data += block.data
                locked.append(block.locked)
        return BlockData(first, bytes(data), tuple(locked))

    def write_blocks(self, uid: bytes, first: int, data: bytes, verify: bool = True) -> None:
        step = self.blocks_per_command * 4
        for offset in range(0, len(data), step):
            chunk = data[offset:offset + step]
            reply = self._command(p.write_blocks_request(uid, first + offset // 4, chunk))
            p.parse_tag_reply(reply, uid, "write blocks")
        if verify:
            back = self.read_blocks(uid, first, len(data) // 4).data
            if back != data:
                bad = next(i for i in range(0, len(data), 4) if back[i:i + 4] != data[i:i + 4])
                raise WriteFailed(f"read-back of tag {uid.hex().upper()} differs at block "
                                  f"{first + bad // 4}: the tag moved or the write did not take")

    def lock_blocks(self, uid: bytes, first: int, count: int) -> None:
        p.parse_tag_reply(self._command(p.lock_blocks_request(uid, first, count)), uid, "lock blocks")

    def system_info(self, uid: bytes) -> SystemInfo:
        info = p.parse_tag_info(self._command(p.tag_info_request(uid)), uid)
        return SystemInfo(uid, info.dsfid, info.afi, info.block_size, info.block_count, info.ic_reference)

    def get_afi(self, uid: bytes) -> int:
        return p.parse_get_afi(self._command(p.get_afi_request(uid)), uid)

    def write_afi(self, uid: bytes, afi: int, verify: bool = True) -> None:
        p.parse_tag_reply(self._command(p.write_afi_request(uid, afi)), uid, "write AFI")
        if verify and (got := self.get_afi(uid)) != afi:
            raise WriteFailed(f"tag {uid.hex().upper()} reads back AFI 0x{got:02X} after writing 0x{afi:02X}")

    def lock_afi(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.lock_afi_request(uid)), uid, "lock AFI")

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        raise Unsupported("the 3M reader protocol has no published write-DSFID command; "
                          "encode tags on a FEIG or TRF7970A station")

    def eas_set(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.eas_control_request(uid, True)), uid, "EAS on")

    def eas_reset(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.eas_control_request(uid, False)), uid, "EAS off")

    def eas_alarm(self) -> bool:
        return p.parse_check_eas(self._command(p.check_eas_request()))

    def read_tag(self, uid: bytes) -> TagRead:
        system = self.system_info(uid)
        blocks = self.read_blocks(uid, 0, system.block_count or 28)
        decoded = iso28560.decode(blocks.data, dsfid=system.dsfid)
        return TagRead(uid, system, blocks.data, blocks.locked, decoded)

    def rf_reset(self) -> None:
        raise Unsupported("the 3M reader protocol has no published RF reset command; "
                          "unplug the pad to reset muted tags")

    def select_antenna(self, antenna: int) -> None:
        self._check_antenna(antenna)

    def _check_antenna(self, antenna: int | None) -> None:
        if antenna not in (None, 1):
            raise Unsupported(f"the 3M pad has one antenna, not antenna {antenna}")

    def close(self) -> None:
        self._link.close()

    def __enter__(self) -> ThreeMReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
