"""3M 210/810 pad reader driver: ``drivers.base.ItemReader`` over ``drivers.threem.protocol``.

One command is on the wire at a time (a lock serialises the background
inventory loop and foreground commands). A reply that does not arrive within
``timeout`` or fails its CRC is retried ``retries`` times after the input is
flushed; every 3M command we send is idempotent, so a retry cannot double an
effect. Writes are verified by reading back when asked, which is what catches a
tag that left the pad in the middle of programming.

What the 3M command set does not offer (or no capture confirms) is not faked:
no AFI-masked inventory is confirmed, so ``inventory(afi=…)`` reads each tag's
AFI (one extra command per tag); Check EAS and Lock Block address one tag and
one block, so ``eas_alarm()`` without a UID checks each inventoried tag and
``lock_blocks`` sends one command per block; write DSFID (listed in the 3M
specification, code not established by any public source) and RF reset raise
``Unsupported``; the pad has one antenna. Layout evidence: the
:mod:`drivers.threem.protocol` docstring.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from drivers.base import BlockData, ReaderInfo, SystemInfo, TagInfo
from drivers.errors import NoTag, ProtocolError, ReaderError, ReaderTimeout, Unsupported
from drivers.reader_base import ItemReaderBase
from drivers.threem import protocol as p
from drivers.transport import SerialSettings, Transport, open_transport

BLOCKS_PER_COMMAND = 8  # 3M software reads stickers 8 blocks at a time
SERIAL_SETTINGS = SerialSettings(baudrate=p.BAUDRATE, bytesize=8, parity="N", stopbits=1)


def open_reader(port: str, *, baudrate: int | None = None, reconnect: bool = True,
                **options: Any) -> ThreeMReader:
    """``drivers.open_reader("3m", port)``: a pad on a device path, pyserial URL or ``tcp://``."""
    settings = replace(SERIAL_SETTINGS, baudrate=baudrate or p.BAUDRATE)
    return ThreeMReader(open_transport(port, settings, reconnect=reconnect, driver="3m"), **options)


class ThreeMReader(ItemReaderBase):
    """A 3M 210/810 pad on a ``drivers.transport.Transport`` (19200 8N1)."""

    def __init__(self, transport: Transport, *, timeout: float = 0.5, retries: int = 1,
                 blocks_per_command: int = BLOCKS_PER_COMMAND) -> None:
        super().__init__()
        self.transport = transport
        self._parser = p.FrameReader()
        self.timeout = timeout
        self.retries = retries
        self.blocks_per_command = blocks_per_command

    @property
    def name(self) -> str:
        return getattr(self.transport, "description", "3M reader")

    # --- transport ---------------------------------------------------------------------------

    def _command(self, request: p.Frame, timeout: float | None = None) -> p.Reply:
        def attempt() -> p.Reply:
            self._parser.clear()
            self.transport.discard_input()
            self.transport.write(request.encode())
            return self._await(request, timeout or self.timeout)

        return self.retrying(attempt, (ReaderTimeout, ProtocolError))

    def _await(self, request: p.Frame, timeout: float) -> p.Reply:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for event in self._parser.feed(self.transport.read(4096, remaining)):
                if isinstance(event, p.BadFrame):
                    raise ProtocolError(f"3M reader on {self.name}: corrupted reply ({event.reason})")
                if event.command == request.command and event.start == request.start:
                    return p.Reply.from_frame(event)
        raise ReaderTimeout(f"3M reader on {self.name} did not answer command "
                            f"0x{request.command:02X} within {timeout:.2f} s")

    def _close_transport(self) -> None:
        self.transport.close()

    # --- ItemReader ----------------------------------------------------------------------------

    def info(self) -> ReaderInfo:
        return ReaderInfo("3M RFID reader 210/810", p.parse_version(self._command(p.version_request())))

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        self._check_antenna(antenna)
        with self.lock:
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

        def write() -> None:
            for offset in range(0, len(data), step):
                chunk = data[offset:offset + step]
                reply = self._command(p.write_blocks_request(uid, first + offset // 4, chunk))
                p.parse_tag_reply(reply, uid, "write blocks")

        self.write_verified(write, verify, lambda cause: self.check_written(uid, first, data, 4, cause=cause))

    def lock_blocks(self, uid: bytes, first: int, count: int) -> None:
        with self.lock:
            for block in range(first, first + count):
                reply = self._command(p.lock_block_request(uid, block))
                p.parse_tag_reply(reply, uid, f"lock block {block}")

    def system_info(self, uid: bytes) -> SystemInfo:
        info = p.parse_tag_info(self._command(p.tag_info_request(uid)), uid)
        return SystemInfo(uid, info.dsfid, info.afi, info.block_size, info.block_count, info.ic_reference)

    def get_afi(self, uid: bytes) -> int:
        return p.parse_get_afi(self._command(p.get_afi_request(uid)), uid)

    def write_afi(self, uid: bytes, afi: int, verify: bool = True) -> None:
        def write() -> None:
            p.parse_tag_reply(self._command(p.write_afi_request(uid, afi)), uid, "write AFI")

        def check(cause: ReaderError | None) -> None:
            # After an ambiguous failure the tag may be gone: that reads back as nothing, not an error.
            actual = self._afi_or_none(uid) if cause is not None else self.get_afi(uid)
            self.check_register(uid, "AFI", afi, actual, cause=cause)

        self.write_verified(write, verify, check)

    def lock_afi(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.lock_afi_request(uid)), uid, "lock AFI")

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        raise Unsupported("the 3M reader protocol has no published write-DSFID command; "
                          "encode tags on a FEIG or TRF7970A station")

    def eas_set(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.eas_control_request(uid, True)), uid, "EAS on")

    def eas_reset(self, uid: bytes) -> None:
        p.parse_tag_reply(self._command(p.eas_control_request(uid, False)), uid, "EAS off")

    def eas_alarm(self, uid: bytes | None = None) -> bool:
        """True when an EAS-armed tag is in the field (any tag, or the one given).

        Check EAS is addressed: without a UID every inventoried tag is checked in turn."""
        with self.lock:
            uids = [uid] if uid is not None else p.parse_inventory(self._command(p.inventory_request()))
            return any(self._armed(tag) for tag in uids)

    def _armed(self, uid: bytes) -> bool:
        try:
            return p.parse_check_eas(self._command(p.check_eas_request(uid)), uid)
        except NoTag:
            return False  # not (or no longer) in the field: it cannot set off a gate here

    def rf_reset(self) -> None:
        raise Unsupported("the 3M reader protocol has no published RF reset command; "
                          "unplug the pad to reset muted tags")

    def select_antenna(self, antenna: int) -> None:
        self._check_antenna(antenna)

    def _check_antenna(self, antenna: int | None) -> None:
        if antenna not in (None, 1):
            raise Unsupported(f"the 3M pad has one antenna, not antenna {antenna}")
