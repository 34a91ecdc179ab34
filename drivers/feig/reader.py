"""FEIG ID ISC reader driver: :mod:`drivers.feig.protocol` over a :mod:`drivers.transport`.

One command is on the wire at a time (``self.lock``). A reader answers every well-formed
request and stays silent on a malformed one, so each exchange waits ``timeout`` seconds
for the matching reply and resends up to ``retries`` times; a late reply to an earlier
attempt is recognised by its command byte and skipped. Writes are verified by reading
back (``verify=True``); when a write fails ambiguously (no answer: the tag may have left
mid-write), the read-back decides whether the data is there, and a tag that no longer
answers raises :class:`~drivers.errors.WriteInterrupted`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from drivers import iso15693
from drivers.base import BlockData, InventoryRead, InventoryReadResult, ReaderInfo, SystemInfo, TagInfo
from drivers.errors import (
    BlockLocked,
    InvalidRequest,
    NoTag,
    ProtocolError,
    ReaderError,
    ReaderTimeout,
    WriteFailed,
)
from drivers.feig import protocol as p
from drivers.reader_base import ItemReaderBase
from drivers.transport import Transport

log = logging.getLogger(__name__)

AMBIGUOUS_WRITE_ERRORS = (NoTag, ReaderTimeout, WriteFailed)
ISO_ALREADY_LOCKED = 0x11
NXP_PASSWORD_EAS_AFI = 0x10  # password identifier of the EAS/AFI password (ICODE SLIX, SLIX2)


class FeigReader(ItemReaderBase):
    """``ItemReader`` for FEIG ISO-host readers (ID ISC.MR/LR/PR, CPR)."""

    def __init__(self, transport: Transport, *, com_adr: int = p.BROADCAST, timeout: float = 1.0,
                 retries: int = 2, advanced: bool = False, block_order: str = p.BLOCKS_REVERSED,
                 max_blocks_per_read: int = 32, max_blocks_per_write: int = 8, antennas: int = 1,
                 quiet_gap: float = 0.05) -> None:
        super().__init__()
        if block_order not in p.BLOCK_ORDERS:
            raise ValueError(f"block_order must be one of {p.BLOCK_ORDERS}")
        self.transport = transport
        self.com_adr = com_adr
        self.timeout = timeout
        self.retries = retries
        self.advanced = advanced
        self.block_order = block_order
        self.max_blocks_per_read = max_blocks_per_read
        self.max_blocks_per_write = max_blocks_per_write
        self.antennas = antennas
        self.quiet_gap = quiet_gap
        self.antenna: int | None = None
        self._parser = p.FrameParser("response")
        self._block_sizes: dict[bytes, int] = {}

    def __repr__(self) -> str:
        return f"FeigReader({self.transport.description})"

    def _close_transport(self) -> None:
        self.transport.close()

    # -- exchange ---------------------------------------------------------------------------
    def transceive(self, request: p.Request, action: str) -> p.Response:
        """Send ``request`` and return the reader's reply (any status), retrying on silence."""
        if self.advanced != request.advanced or request.com_adr != self.com_adr:
            request = p.Request(request.command, request.data, self.com_adr, self.advanced)
        frame = request.encode()
        with self.lock:
            for attempt in range(self.retries + 1):
                self._parser.reset()
                self.transport.discard_input()
                self.transport.write(frame)
                response = self._await(request.command)
                if response is not None:
                    return response
                log.info("%s: no valid answer to %s (attempt %d of %d)", self.transport.description, action,
                         attempt + 1, self.retries + 1)
        raise ReaderTimeout(f"{action}: no answer from the reader on {self.transport.description} after "
                            f"{self.retries + 1} attempt(s) of {self.timeout:.2f} s")

    def _await(self, command: int) -> p.Response | None:
        """The reply to ``command``; None on silence, or once a damaged reply is followed by a quiet gap."""
        hard_deadline = deadline = time.monotonic() + self.timeout
        damaged = False
        while (remaining := deadline - time.monotonic()) > 0:
            chunk = self.transport.read(512, remaining)
            if not chunk:
                continue
            for event in self._parser.feed(chunk):
                if isinstance(event, p.Response) and event.command == command:
                    return event
                if isinstance(event, p.Discarded):
                    log.debug("discarded %s: %s", event.data.hex(" "), event.reason)
                    damaged = True
            if damaged:  # the reply is broken: resend once the line is quiet, not after the full timeout
                deadline = min(hard_deadline, time.monotonic() + self.quiet_gap)
        return None

    def command(self, request: p.Request, action: str, accept: tuple[int, ...] = ()) -> p.Response:
        """Exchange and raise the typed error for a failure status (statuses in ``accept`` pass)."""
        response = self.transceive(request, action)
        if response.status not in accept:
            error = p.status_error(response, action)
            if error is not None:
                raise error
        return response

    # -- reader -----------------------------------------------------------------------------
    def info(self) -> ReaderInfo:
        version = p.parse_software_version(self.command(p.software_version(), "get software version"))
        model = p.SW_TYPES.get(version.sw_type, f"FEIG reader (SW-TYPE 0x{version.sw_type:02X})")
        return ReaderInfo(model=model, firmware=version.firmware, antennas=self.antennas)

    def rf_reset(self) -> None:
        self.command(p.rf_reset(), "RF reset")

    def select_antenna(self, antenna: int) -> None:
        """Antenna (1…8) used by later inventories on multi-antenna readers."""
        if not 1 <= antenna <= min(8, max(self.antennas, 1)):
            raise ReaderError(f"antenna {antenna} does not exist on this reader "
                              f"(antennas: 1..{self.antennas})")
        self.antenna = antenna

    # -- tags -------------------------------------------------------------------------------
    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        antenna = antenna if antenna is not None else self.antenna
        mask = None if antenna is None else 1 << (antenna - 1)
        action = "inventory" + ("" if afi is None else f" (AFI 0x{afi:02X})")
        tags: list[TagInfo] = []
        more = False
        with self.lock:
            while True:
                response = self.command(p.inventory(more, afi, mask), action,
                                        accept=(p.STATUS_NO_TRANSPONDER,))
                for entry in p.parse_inventory(response, with_antennas=mask is not None):
                    seen_on = entry.antenna if mask is not None else antenna
                    tags.append(TagInfo(entry.uid, entry.dsfid, seen_on))
                if response.status != p.STATUS_MORE_DATA:
                    return tags
                more = True

    def inventory_read(self, first: int, count: int, afi: int | None = None, *,
                       one_slot: bool = True, fast: bool = True) -> InventoryReadResult:
        """NXP (FAST) INVENTORY READ through the [0xBF] transparent command: UIDs and blocks at once.

        Uses the reader's current antenna (the transparent command has no antenna selection).
        """
        try:
            request = iso15693.InventoryReadRequest(first, count, afi, fast=fast, one_slot=one_slot)
        except ValueError as exc:
            raise InvalidRequest(f"inventory read: {exc}") from exc
        action = "inventory read" + ("" if afi is None else f" (AFI 0x{afi:02X})")
        frame = p.transparent(p.TRANSPARENT_INVENTORY, request.answer_bytes, request.encode(),
                              fast_return=fast, delay=_slot_close_delay(request.answer_bytes, fast))
        response = self.command(frame, action, accept=(p.STATUS_NO_TRANSPONDER, p.STATUS_CRC_ERROR))
        if response.status == p.STATUS_NO_TRANSPONDER:
            return InventoryReadResult()
        try:
            if one_slot:
                if response.status == p.STATUS_CRC_ERROR:
                    return InventoryReadResult(collisions=1)
                answers, garbled = [iso15693.parse_answer(request, iso15693.strip_crc(response.data))], 0
            else:
                answers, garbled = iso15693.split_slot_answers(request, response.data)
        except iso15693.FrameError as exc:
            raise ProtocolError(f"{action}: {exc}", status=response.status) from exc
        tags = tuple(InventoryRead(a.uid, first, a.data, self.antenna) for a in answers)
        return InventoryReadResult(tags, garbled)

    def _uid(self, uid: bytes) -> bytes:
        return p.check_uid(uid)

    def system_info(self, uid: bytes) -> SystemInfo:
        uid = self._uid(uid)
        action = f"system information of {uid.hex().upper()}"
        info = p.parse_system_info(self.command(p.system_info(uid), action))
        if info.block_size:
            self._block_sizes[uid] = info.block_size
        return info

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        uid = self._uid(uid)
        data, locked = bytearray(), []
        with self.lock:
            for start, n in p.block_chunks(first, count, self.max_blocks_per_read):
                action = f"read blocks {start}..{start + n - 1} of {uid.hex().upper()}"
                blocks = p.parse_blocks(self.command(p.read_blocks(uid, start, n), action), self.block_order)
                if len(blocks.locked) != n:
                    raise ReaderError(f"{action}: the reader returned {len(blocks.locked)} blocks")
                self._block_sizes[uid] = blocks.block_size
                data += blocks.data
                locked += blocks.locked
        return BlockData(first, bytes(data), tuple(locked))

    def write_blocks(self, uid: bytes, first: int, data: bytes, verify: bool = True) -> None:
        uid = self._uid(uid)
        size = self._block_sizes.get(uid, 4)
        if not data or len(data) % size:
            raise InvalidRequest(f"write to {uid.hex().upper()}: {len(data)} bytes is not a whole number of "
                                 f"{size}-byte blocks (pad the data)")
        with self.lock:
            try:
                for start, n in p.block_chunks(first, len(data) // size, self.max_blocks_per_write):
                    chunk = data[(start - first) * size:(start - first + n) * size]
                    self.command(p.write_blocks(uid, start, chunk, size, self.block_order),
                                 f"write blocks {start}..{start + n - 1} of {uid.hex().upper()}")
            except BlockLocked:
                raise
            except AMBIGUOUS_WRITE_ERRORS as exc:
                if not verify:
                    raise
                self.check_written(uid, first, data, size, cause=exc)
                return
            if verify:
                self.check_written(uid, first, data, size)

    def lock_blocks(self, uid: bytes, first: int, count: int) -> None:
        uid = self._uid(uid)
        try:
            self.command(p.lock_blocks(uid, first, count), f"lock blocks {first}..{first + count - 1} of "
                                                            f"{uid.hex().upper()}")
        except BlockLocked as exc:
            if exc.detail != ISO_ALREADY_LOCKED:
                raise

    def write_afi(self, uid: bytes, afi: int, verify: bool = True) -> None:
        uid = self._uid(uid)
        self._write_register(uid, "AFI", afi, p.write_afi(uid, afi), verify, lambda info: info.afi)

    def write_dsfid(self, uid: bytes, dsfid: int, verify: bool = True) -> None:
        uid = self._uid(uid)
        self._write_register(uid, "DSFID", dsfid, p.write_dsfid(uid, dsfid), verify, lambda info: info.dsfid)

    def _write_register(self, uid: bytes, name: str, value: int, request: p.Request, verify: bool,
                        read: Callable[[SystemInfo], int | None]) -> None:
        action = f"write {name} 0x{value:02X} to {uid.hex().upper()}"
        with self.lock:
            try:
                self.command(request, action)
            except BlockLocked:
                raise
            except AMBIGUOUS_WRITE_ERRORS as exc:
                if not verify:
                    raise
                self.check_register(uid, name, value, self._reread(uid, action, exc, read), cause=exc)
                return
            if verify:
                self.check_register(uid, name, value, read(self.system_info(uid)))

    def _reread(self, uid: bytes, action: str, cause: ReaderError,
                read: Callable[[SystemInfo], int | None]) -> int | None:
        from drivers.errors import WriteInterrupted

        try:
            return read(self.system_info(uid))
        except (NoTag, ReaderTimeout) as exc:
            raise WriteInterrupted(f"{action} failed ({cause}) and the tag no longer answers: "
                                   "the value is unknown", status=cause.status, detail=cause.detail) from exc

    def lock_afi(self, uid: bytes) -> None:
        uid = self._uid(uid)
        self._lock_register(p.lock_afi(uid), f"lock AFI of {uid.hex().upper()}")

    def lock_dsfid(self, uid: bytes) -> None:
        uid = self._uid(uid)
        self._lock_register(p.lock_dsfid(uid), f"lock DSFID of {uid.hex().upper()}")

    def _lock_register(self, request: p.Request, action: str) -> None:
        try:
            self.command(request, action)
        except BlockLocked as exc:
            if exc.detail != ISO_ALREADY_LOCKED:
                raise

    # -- NXP EAS ----------------------------------------------------------------------------
    def eas_set(self, uid: bytes, verify: bool = True) -> None:
        self._eas_change(uid, True, verify)

    def eas_reset(self, uid: bytes, verify: bool = True) -> None:
        self._eas_change(uid, False, verify)

    def _eas_change(self, uid: bytes, armed: bool, verify: bool) -> None:
        uid = self._uid(uid)
        action = f"{'set' if armed else 'reset'} EAS of {uid.hex().upper()}"
        with self.lock:
            try:
                self.command(p.nxp(p.NXP_SET_EAS if armed else p.NXP_RESET_EAS, uid), action)
            except BlockLocked:
                raise
            except AMBIGUOUS_WRITE_ERRORS as exc:
                if not verify:
                    raise
                if self.eas_alarm(uid) != armed:
                    raise WriteFailed(f"{action} not verified ({exc})", status=exc.status,
                                      detail=exc.detail) from exc
                return
            if verify and self.eas_alarm(uid) != armed:
                raise WriteFailed(f"{action}: the tag's EAS bit reads back {'off' if armed else 'on'}")

    def set_password(self, uid: bytes, password: bytes, identifier: int = NXP_PASSWORD_EAS_AFI) -> None:
        """Present an ICODE SLIX/SLIX2 password (EAS/AFI by default) until the tag leaves the field.

        ``password`` is the 32-bit value, most significant byte first (as written in configurations).
        NXP GET RANDOM NUMBER, then SET PASSWORD with the password (least significant byte first)
        XORed with the random number repeated. A wrong password mutes the tag until the next RF
        reset, so nothing is retried here.
        """
        uid = self._uid(uid)
        if len(password) != 4:
            raise InvalidRequest(f"an ICODE password is 4 bytes, got {len(password)}")
        name = uid.hex().upper()
        with self.lock:
            random = self.command(p.nxp(p.NXP_GET_RANDOM, uid), f"get random number of {name}").data
            if len(random) < 2:
                raise ProtocolError(f"get random number of {name}: {len(random)} bytes instead of 2")
            xored = bytes(b ^ random[i % 2] for i, b in enumerate(password[::-1]))
            request = p.nxp(p.NXP_SET_PASSWORD, uid, bytes([identifier]) + xored)
            self.command(request, f"set password of {name}")

    def eas_lock(self, uid: bytes) -> None:
        uid = self._uid(uid)
        self.command(p.nxp(p.NXP_LOCK_EAS, uid), f"lock EAS of {uid.hex().upper()}")

    def eas_alarm(self, uid: bytes | None = None) -> bool:
        """True when an EAS-armed tag answers (any tag, or the given one)."""
        if uid is not None:
            uid = self._uid(uid)
        action = "EAS alarm" + ("" if uid is None else f" of {uid.hex().upper()}")
        response = self.command(p.nxp(p.NXP_EAS_ALARM, uid), action, accept=(p.STATUS_NO_TRANSPONDER,))
        return response.status == p.STATUS_OK

    # -- buffered read mode (gates) ---------------------------------------------------------
    def buffered_read(self, max_sets: int = 255) -> list[p.BufferRecord]:
        """Records the reader collected on its own in buffered read mode (empty buffer: [])."""
        response = self.command(p.read_buffer(max_sets), "read buffer",
                                accept=(p.STATUS_NO_VALID_DATA, p.STATUS_BUFFER_OVERFLOW))
        if response.status == p.STATUS_BUFFER_OVERFLOW:
            log.warning("%s: buffered-read buffer overflowed: tags were lost", self.transport.description)
        return p.parse_read_buffer(response)

    def buffer_info(self) -> p.BufferInfo:
        return p.parse_buffer_info(self.command(p.buffer_info(), "buffer info",
                                                accept=(p.STATUS_BUFFER_OVERFLOW,)))

    def clear_buffer(self) -> None:
        """Delete the records already read."""
        self.command(p.clear_buffer(), "clear buffer", accept=(p.STATUS_NO_VALID_DATA,))

    def init_buffer(self) -> None:
        """Empty the buffer and restart reading."""
        self.command(p.init_buffer(), "initialise buffer")


CARRIER_HZ = 13.56e6
T1_S = 4352 / CARRIER_HZ  # ISO 15693-3: the tag starts answering t1 after the request


def _slot_close_delay(answer_bytes: int, fast: bool) -> float:
    """EOF-PULSE-DELAY of a 16-slot round: t1, then one whole answer (SOF, data, CRC, EOF), plus margin.

    A bit lasts 512/fc at the high data rate, 256/fc in NXP FAST answers; SOF and EOF last four bits each.
    """
    bit = (256 if fast else 512) / CARRIER_HZ
    return T1_S + ((answer_bytes + 2) * 8 + 2 * 4) * bit + 100e-6
