"""TI TRF7970A EVM driver: ``drivers.base.ItemReader`` over ``drivers.trf7970a.protocol``.

At open the EVM is initialised (``FF``), the TRF7970A is set to RF on, 5 V, ISO
15693 at the chosen data rate (register write ``10``), AGC on (``F0``) and AM
input (``F1``). Every operation other than the inventory is an addressed ISO
15693 request in request mode (``18``), UIDs in air order, NXP custom commands
for EAS; its reply ends at its one ``[..]`` record.

Inventory
---------
The firmware's 16-slot inventory (``14``) prints one record per tag found and
no count or end marker, so its end is a trailing CR LF that no record's ``[``
follows within ``settle`` seconds (see :mod:`drivers.trf7970a.protocol`: the
firmware writes a record's CR LF and ``[`` back to back, so ``settle`` only has
to cover the serial link's latency, not the air time of the slots). When it
reports collided slots (older firmware does not resolve them) the driver
finishes the job with one-slot masked inventories in request mode, walking the
UID bits from the LSB.

When at most one tag is expected, the driver first sends a one-slot inventory
in request mode (``probe``), whose reply ends exactly at ``]``. TI does the
same in its own TRF79xxA ISO 15693 example firmware: a single-slot inventory
first, the 16-slot anticollision only when it fails. ``[]`` means no tag
answered: the field is empty (for that AFI). ``[z]`` (collision, or a garbled
answer) means several tags: the 16-slot inventory follows. A clean answer is
trusted only when it names the one tag the last 16-slot inventory found less
than ``recheck_interval`` seconds ago; any other tag triggers the 16-slot
inventory. The reason is the capture effect, which the simulator does not
model but real readers show: with AGC on, a strong tag's answer can hide a
much weaker one in the same slot without any collision being flagged. A
16-slot inventory gives the weaker tag a slot of its own 15 times out of 16,
so a tag added next to a known one is found at the latest ``recheck_interval``
seconds later. "At most one tag expected" means: the last 16-slot inventory
with the same AFI found zero or one tag.

One command at a time (lock). A reply missing or garbled is retried after
the input is flushed; writes are idempotent. ``verify=True`` reads back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from drivers import iso15693
from drivers.base import BlockData, InventoryRead, InventoryReadResult, ReaderInfo, SystemInfo, TagInfo
from drivers.errors import (
    Collision,
    InvalidRequest,
    NoTag,
    ProtocolError,
    ReaderError,
    ReaderGone,
    ReaderTimeout,
)
from drivers.reader_base import ItemReaderBase
from drivers.transport import SerialSettings, Transport, open_transport
from drivers.trf7970a import protocol as p

BLOCKS_PER_COMMAND = 8
MAX_MASK_BITS = 64
SERIAL_SETTINGS = SerialSettings(baudrate=p.BAUDRATE, bytesize=8, parity="N", stopbits=1)


def open_reader(port: str, *, baudrate: int | None = None, reconnect: bool = True,
                **options: Any) -> TRF7970AReader:
    """``drivers.open_reader("trf7970a", port)``: an EVM on a device path, pyserial URL or ``tcp://``."""
    settings = replace(SERIAL_SETTINGS, baudrate=baudrate or p.BAUDRATE)
    return TRF7970AReader(open_transport(port, settings, reconnect=reconnect, driver="trf7970a"), **options)


@dataclass(frozen=True, slots=True)
class _Lone:
    """What the last full inventory with some AFI found, when that was at most one tag."""

    uid: bytes | None
    at: float  # time.monotonic() of that inventory


class TRF7970AReader(ItemReaderBase):
    """A TRF7970A EVM (or RFIDGeek-compatible reader) on a ``drivers.transport.Transport``.

    ``settle``: how long a trailing CR LF may wait for a record's ``[`` (the link latency; 20 ms
    covers a USB-serial bridge's default latency timer). ``probe``: try a one-slot inventory first
    when at most one tag is expected. ``recheck_interval``: longest trust in a probe that names the
    known tag before a 16-slot inventory looks again.
    """

    def __init__(self, transport: Transport, *, timeout: float = 0.5, retries: int = 1,
                 settle: float = 0.02, high_rate: bool = True,
                 blocks_per_command: int = BLOCKS_PER_COMMAND, probe: bool = True,
                 recheck_interval: float = 1.0) -> None:
        super().__init__()
        self.transport = transport
        self._reply = p.ReplyReader()
        self.timeout, self.retries, self.settle = timeout, retries, settle
        self.high_rate = high_rate
        self.blocks_per_command = blocks_per_command
        self.probe, self.recheck_interval = probe, recheck_interval
        self._lone: dict[int | None, _Lone] = {}
        self.initialise()

    @property
    def name(self) -> str:
        return getattr(self.transport, "description", "TRF7970A")

    # --- transport ---------------------------------------------------------------------------

    def _exchange(self, command: int, line: bytes, timeout: float | None = None) -> str:
        """Send one EVM command line; the complete reply text (retried on timeout)."""
        def attempt() -> str:
            self._reply.clear()
            self.transport.discard_input()
            self.transport.write(line)
            return self._await(command, timeout or self.timeout)

        return self.retrying(attempt, (ReaderTimeout,))

    def _await(self, command: int, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            status = self._status(command)
            if status == p.COMPLETE:
                return self._reply.text
            if status == p.MAYBE_COMPLETE:
                more = self.transport.read(4096, self.settle)  # a record's "[" follows its CR LF at once
                if not more:
                    return self._reply.text
                self._reply.feed(more)
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReaderTimeout(f"TRF7970A on {self.name} did not finish its reply to command "
                                    f"0x{command:02X} within {timeout:.2f} s (got {self._reply.text!r})")
            self._reply.feed(self.transport.read(4096, remaining))

    def _status(self, command: int) -> str:
        if command == p.CMD_INVENTORY:
            return self._reply.inventory_status()
        return p.COMPLETE if self._reply.complete(command) else p.INCOMPLETE

    def _close_transport(self) -> None:
        self.transport.close()

    def _iso(self, iso: bytes, action: str) -> bytes:
        """Request mode: the tag's answer (flags included) or NoTag / Collision / ProtocolError."""
        return self.retrying(lambda: p.parse_request_reply(self._exchange(p.CMD_REQUEST, p.request(iso))),
                             (ProtocolError,))

    def _request(self, command: int, uid: bytes | None, params: bytes = b"", **flags: bool) -> bytes:
        return p.iso_request(command, uid, params, high_rate=self.high_rate, **flags)

    def _iso_data(self, iso: bytes, action: str) -> bytes:
        return p.check_iso(self._iso(iso, action), action)

    # --- set-up --------------------------------------------------------------------------------

    def initialise(self) -> None:
        text = self._exchange(p.CMD_INITIALISE, p.encode(p.CMD_INITIALISE))
        if "EVM" not in text:
            raise ProtocolError(f"{self.name} does not answer like a TRF7970A EVM: {text!r}")
        self._set_rf(on=True)
        self._exchange(p.CMD_AGC, p.encode(p.CMD_AGC, b"\xff"))
        self._exchange(p.CMD_AM_PM, p.encode(p.CMD_AM_PM, b"\xff"))

    def _set_rf(self, on: bool) -> None:
        iso_control = p.ISO_15693_HIGH_RATE if self.high_rate else p.ISO_15693_LOW_RATE
        chip = p.CHIP_RF_ON_5V if on else p.CHIP_RF_OFF_5V
        self._exchange(p.CMD_REGISTER_WRITE,
                       p.register_write((p.REG_CHIP_STATUS, chip), (p.REG_ISO_CONTROL, iso_control)))

    # --- ItemReader ----------------------------------------------------------------------------

    def info(self) -> ReaderInfo:
        text = self._exchange(p.CMD_FIRMWARE, p.encode(p.CMD_FIRMWARE))
        return ReaderInfo("TI TRF7970A EVM", p.parse_firmware(text))

    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]:
        self._check_antenna(antenna)
        with self.lock:
            uids = self._probe(afi)
            if uids is None:
                uids = self._full_inventory(afi)
        return [TagInfo(uid, antenna=1) for uid in uids]

    def _full_inventory(self, afi: int | None) -> list[bytes]:
        text = self._exchange(p.CMD_INVENTORY, p.inventory(afi, high_rate=self.high_rate))
        result = p.parse_inventory_reply(text)
        uids = dict.fromkeys(result.uids)
        if result.collisions:
            uids.update(dict.fromkeys(self._resolve(afi)))
        found = list(uids)
        if len(found) <= 1:
            self._lone[afi] = _Lone(found[0] if found else None, time.monotonic())
        else:
            self._lone.pop(afi, None)
        return found

    def _probe(self, afi: int | None) -> list[bytes] | None:
        """One-slot inventory when at most one tag is expected; None when only a full inventory can tell."""
        expected = self._lone.get(afi)
        if not self.probe or expected is None:
            return None
        try:
            answer = self._iso(p.masked_inventory(0, 0, afi, high_rate=self.high_rate), "inventory")
            uid = p.parse_inventory_answer(answer)[0]
        except NoTag:
            self._lone[afi] = _Lone(None, time.monotonic())
            return []
        except (ReaderTimeout, ReaderGone):
            raise
        except ReaderError:  # [z] (a collision or a garbled answer): only the full inventory can tell
            return None
        fresh = time.monotonic() - expected.at < self.recheck_interval
        return [uid] if uid == expected.uid and fresh else None

    def _resolve(self, afi: int | None) -> list[bytes]:
        """Binary-tree anticollision with one-slot masked inventories (request mode)."""
        found, pending = [], [(0, 0)]
        while pending:
            bits, mask = pending.pop()
            try:
                answer = self._iso(p.masked_inventory(bits, mask, afi, high_rate=self.high_rate), "inventory")
            except NoTag:
                continue
            except Collision:
                if bits < MAX_MASK_BITS:
                    pending += [(bits + 1, mask), (bits + 1, mask | 1 << bits)]
                continue
            found.append(p.parse_inventory_answer(answer)[0])
        return found

    def inventory_read(self, first: int, count: int, afi: int | None = None, *,
                       one_slot: bool = True) -> InventoryReadResult:
        """NXP INVENTORY READ (0xA0) in request mode: UIDs and blocks, one-slot masked requests.

        The TRF7970A receives ISO 15693 answers at 26.48 kbit/s at most, so never the FAST
        variant. ``one_slot=False`` resolves collisions with a binary tree of masked requests
        (the firmware runs 16-slot rounds for plain inventories only).
        """
        try:
            base = iso15693.InventoryReadRequest(first, count, afi, fast=False)
        except ValueError as exc:
            raise InvalidRequest(f"inventory read: {exc}") from exc
        tags, garbled, pending = [], 0, [(0, 0)]
        with self.lock:
            while pending:
                bits, mask = pending.pop()
                request = replace(base, mask_bits=bits, mask=mask)
                frame = request.encode()
                if not self.high_rate:
                    frame = bytes([frame[0] & ~iso15693.FLAG_HIGH_RATE]) + frame[1:]
                try:
                    answer = self._iso(frame, "inventory read")
                except NoTag:
                    continue
                except Collision:
                    if one_slot or bits >= MAX_MASK_BITS:
                        garbled += 1
                    else:
                        pending += [(bits + 1, mask), (bits + 1, mask | 1 << bits)]
                    continue
                try:
                    found = iso15693.parse_answer(request, answer)
                except iso15693.FrameError as exc:
                    raise ProtocolError(f"inventory read: {exc}") from exc
                tags.append(InventoryRead(found.uid, first, found.data, 1))
        return InventoryReadResult(tuple(tags), garbled)

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        data, locked = b"", ()
        for start in range(first, first + count, self.blocks_per_command):
            n = min(self.blocks_per_command, first + count - start)
            iso = self._request(p.ISO_READ_MULTIPLE, uid, bytes([start, n - 1]), option=True)
            chunk, chunk_locked = p.parse_read_multiple(self._iso(iso, "read blocks"), n)
            data, locked = data + chunk, locked + chunk_locked
        return BlockData(first, data, locked)

    def write_blocks(self, uid: bytes, first: int, data: bytes, verify: bool = True) -> None:
        if not data or len(data) % 4:
            raise InvalidRequest(f"write data must be whole 4-byte blocks, got {len(data)} bytes")

        def write() -> None:
            for offset in range(0, len(data), 4):
                block = first + offset // 4
                iso = self._request(p.ISO_WRITE_SINGLE, uid, bytes([block]) + data[offset:offset + 4])
                self._iso_data(iso, f"write block {block}")

        self.write_verified(write, verify, lambda cause: self.check_written(uid, first, data, 4, cause=cause))

    def lock_blocks(self, uid: bytes, first: int, count: int) -> None:
        for block in range(first, first + count):
            iso = self._request(p.ISO_LOCK_BLOCK, uid, bytes([block]))
            self._iso_data(iso, f"lock block {block}")

    def system_info(self, uid: bytes) -> SystemInfo:
        iso = self._request(p.ISO_SYSTEM_INFO, uid)
        return p.parse_system_info(self._iso(iso, "system information"), uid)

    def write_afi(self, uid: bytes, afi: int, verify: bool = True) -> None:
        def write() -> None:
            self._iso_data(self._request(p.ISO_WRITE_AFI, uid, bytes([afi])), "write AFI")

        def check(cause: ReaderError | None) -> None:
            # After an ambiguous failure the tag may be gone: that reads back as nothing, not an error.
            actual = self._afi_or_none(uid) if cause is not None else self.system_info(uid).afi
            self.check_register(uid, "AFI", afi, actual, cause=cause)

        self.write_verified(write, verify, check)

    def _afi_or_none(self, uid: bytes) -> int | None:
        try:
            return self.system_info(uid).afi
        except (NoTag, ReaderTimeout):
            return None

    def lock_afi(self, uid: bytes) -> None:
        self._iso_data(self._request(p.ISO_LOCK_AFI, uid), "lock AFI")

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        iso = self._request(p.ISO_WRITE_DSFID, uid, bytes([dsfid]))
        self._iso_data(iso, "write DSFID")

    def eas_set(self, uid: bytes) -> None:
        self._iso_data(self._request(p.NXP_SET_EAS, uid, nxp=True), "set EAS")

    def eas_reset(self, uid: bytes) -> None:
        self._iso_data(self._request(p.NXP_RESET_EAS, uid, nxp=True), "reset EAS")

    def eas_alarm(self, uid: bytes | None = None) -> bool:
        """True when an EAS-armed tag answers the NXP EAS alarm (any tag, or the one given).

        Several armed tags answering at once is still an alarm, even if the EVM reports a collision.
        """
        try:
            answer = self._iso(self._request(p.NXP_EAS_ALARM, uid, nxp=True), "EAS alarm")
        except NoTag:
            return False
        except Collision:
            return True
        return not answer[0] & p.RESPONSE_ERROR

    def rf_reset(self) -> None:
        """Field off then on: tags muted by a wrong password wake up, all tags leave quiet state."""
        with self.lock:
            self._set_rf(on=False)
            self._set_rf(on=True)

    def select_antenna(self, antenna: int) -> None:
        self._check_antenna(antenna)

    def _check_antenna(self, antenna: int | None) -> None:
        if antenna not in (None, 1):
            raise ReaderError(f"the TRF7970A EVM has one antenna, not antenna {antenna}")
