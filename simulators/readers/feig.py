"""A FEIG ID ISC reader in ISO-host mode, byte for byte, over an ``RFField``.

Requests are parsed with the driver's own :class:`~drivers.feig.protocol.FrameParser`
(the frame format is shared, the behaviour is not); each host command becomes the ISO
15693 requests a real reader sends: inventory with 16-slot anticollision (MORE
continuation when the answer exceeds ``max_sets_per_reply`` data sets), Read Single /
Read Multiple Blocks with the security status, one Write Single Block per block (ICODE
SLIX has no Write Multiple), lock, AFI/DSFID, system information, NXP custom commands, and
the [0xBF] transparent command (the host's own air frame: NXP FAST INVENTORY READ at the
gate; an answer at the wrong rate or length, or overlapping answers, is status 0x02).
Tag answers are translated back: UIDs to MSB first, block bytes reversed per block
(``block_order``), ISO error codes as status 0x95 + code, silence as 0x01, overlapping
answers as 0x02 (CRC error). Like the real reader it says nothing at all about a frame
with a bad CRC or impossible length, and ignores frames for another bus address.

``mode="buffered"`` emulates buffered read mode (gates): a background loop inventories
the field every ``scan_period`` seconds and stores a record per newly seen tag (a tag is
stored again after ``valid_time`` seconds away); the host reads records with [0x22],
[0x31], [0x32], [0x33] while [0xB0]/[0xB1] answer 0x82 (not available in this mode).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from drivers.feig import protocol as p
from drivers.transport import SerialSettings
from simulators.readers.base import ReaderSimulator
from simulators.readers.registry import register_simulator
from simulators.rf import FieldReply, RFField
from simulators.tags import FAST_COMMANDS, FLAG_INVENTORY, FLAG_ONE_SLOT, with_air_crc

ISO_HIGH_RATE = 0x02
ISO_ADDRESS = 0x20
ISO_SELECT = 0x10
ISO_OPTION = 0x40
ISO_ERROR = 0x01
MAX_READ_BYTES = 128
BUFFER_SIZE = 256


class _Status(Exception):
    """Abort a command with this FEIG status (and data, e.g. the ISO error code)."""

    def __init__(self, status: int, data: bytes = b"") -> None:
        super().__init__(status)
        self.status, self.data = status, data


@register_simulator
class FeigReaderSimulator(ReaderSimulator):
    protocol = "feig"
    driver = "feig"
    title = "FEIG ID ISC reader (ISO-host)"
    serial_settings = SerialSettings(38400, 8, "E", 1)
    usb_ids = (0x0AB1, 0x0002)

    def __init__(self, field: RFField | None = None, *, com_adr: int = 0x00, sw_rev: int = 0x0302,
                 d_rev: int = 0x05, hw_type: int = 0x50, sw_type: int = 0x41, antennas: int = 1,
                 max_sets_per_reply: int = 24, block_order: str = p.BLOCKS_REVERSED, mode: str = "host",
                 scan_period: float = 0.05, valid_time: float = 1.0,
                 buffer_fields: int = p.TR_DATA_IDD | p.TR_DATA_TIMER | p.TR_DATA_ANT,
                 **options: Any) -> None:
        super().__init__(field, **options)
        if mode not in ("host", "buffered"):
            raise ValueError("mode must be 'host' or 'buffered'")
        self.com_adr = com_adr
        self.version = bytes([sw_rev >> 8, sw_rev & 0xFF, d_rev, hw_type, sw_type, 0x00, 0x08])
        self.antennas = antennas
        self.max_sets_per_reply = max_sets_per_reply
        self.block_order = block_order
        self.mode = mode
        self.rf_on = True
        self._parser = p.FrameParser("request")
        self._more: list[bytes] = []
        self._more_with_antennas = False
        self._started = time.monotonic()
        self.scan_period = scan_period
        self.valid_time = valid_time
        self.buffer_fields = buffer_fields
        self.buffer: deque[p.BufferRecord] = deque()
        self._buffer_read = 0
        self._overflow = False
        self._last_seen: dict[bytes, float] = {}
        self._buffer_lock = threading.Lock()
        self._scanner_stop = threading.Event()
        self._scanner: threading.Thread | None = None
        if mode == "buffered":
            self._start_scanner()

    # -- byte stream ------------------------------------------------------------------------
    def reset_input(self) -> None:
        self._parser.reset()

    def process(self, data: bytes) -> bytes:
        out = b""
        for event in self._parser.feed(data):
            if not isinstance(event, p.Request) or event.com_adr not in (p.BROADCAST, self.com_adr):
                continue  # malformed frames and other bus addresses get no answer at all
            self.requests_seen += 1
            out += self.execute(event).encode()
        return out

    def execute(self, request: p.Request) -> p.Response:
        handler = {
            p.CMD_ISO: self._iso_host, p.CMD_CUSTOM: self._custom, p.CMD_SOFTWARE_VERSION: self._version,
            p.CMD_RF_RESET: self._rf_reset, p.CMD_RF_ONOFF: self._rf_onoff, p.CMD_BAUD_DETECTION: _nothing,
            p.CMD_CPU_RESET: self._cpu_reset, p.CMD_READ_BUFFER: self._read_buffer,
            p.CMD_BUFFER_INFO: self._buffer_info, p.CMD_CLEAR_BUFFER: self._clear_buffer,
            p.CMD_INIT_BUFFER: self._init_buffer, p.CMD_TRANSPARENT: self._transparent,
        }.get(request.command)
        try:
            if handler is None:
                raise _Status(p.STATUS_UNKNOWN_COMMAND)
            data = handler(request.data)
            status = p.STATUS_OK
            if isinstance(data, tuple):
                status, data = data
        except _Status as outcome:
            status, data = outcome.status, outcome.data
        except IndexError:
            status, data = p.STATUS_LENGTH_ERROR, b""
        return p.Response(request.command, status, data, self.com_adr, request.advanced)

    # -- ISO 15693 on the field ---------------------------------------------------------------
    def _addressing(self, data: bytes) -> tuple[int, bytes | None, bytes]:
        """MODE [UID] rest → (ISO flags, UID in air order or None, rest)."""
        mode = data[0]
        addressing = mode & 0x07
        if addressing == p.MODE_ADDRESSED:
            if len(data) < 9:
                raise IndexError
            return ISO_HIGH_RATE | ISO_ADDRESS, bytes(data[1:9])[::-1], data[9:]
        if addressing == p.MODE_SELECTED:
            return ISO_HIGH_RATE | ISO_SELECT, None, data[1:]
        if addressing == p.MODE_NON_ADDRESSED:
            return ISO_HIGH_RATE, None, data[1:]
        raise _Status(0x11)

    def _transact(self, flags: int, command: int, uid: bytes | None, params: bytes = b"",
                  nxp: bool = False) -> bytes:
        """Send one ISO request; return the answer's data or raise the FEIG status."""
        if not self.rf_on:
            raise _Status(p.STATUS_NO_TRANSPONDER)
        frame = bytes([flags, command]) + (bytes([p.MFR_NXP]) if nxp else b"") + (uid or b"") + params
        reply = self.field.transact(frame)
        if reply.silent:
            raise _Status(p.STATUS_NO_TRANSPONDER)
        if reply.collision or reply.response is None:
            raise _Status(p.STATUS_CRC_ERROR)
        answer = reply.response
        if answer[0] & ISO_ERROR:
            raise _Status(p.STATUS_ISO_ERROR, answer[1:2])
        return answer[1:]

    def _iso_host(self, data: bytes) -> bytes | tuple[int, bytes]:
        if self.mode == "buffered":
            raise _Status(p.STATUS_NOT_AVAILABLE)
        sub, body = data[0], data[1:]
        if sub == p.ISO_INVENTORY:
            return self._inventory(body)
        handler = {
            p.ISO_READ_BLOCKS: self._read_blocks, p.ISO_WRITE_BLOCKS: self._write_blocks,
            p.ISO_LOCK_BLOCKS: self._lock_blocks, p.ISO_SYSTEM_INFO: self._system_info,
            p.ISO_SECURITY_STATUS: self._security_status,
        }.get(sub)
        if handler is not None:
            return handler(body)
        simple = {p.ISO_WRITE_AFI: 1, p.ISO_WRITE_DSFID: 1, p.ISO_LOCK_AFI: 0, p.ISO_LOCK_DSFID: 0,
                  p.ISO_SELECT: 0, p.ISO_RESET_TO_READY: 0, p.ISO_STAY_QUIET: 0}
        if sub not in simple:
            raise _Status(p.STATUS_UNKNOWN_COMMAND)
        flags, uid, rest = self._addressing(body)
        if len(rest) < simple[sub]:
            raise IndexError
        if sub == p.ISO_STAY_QUIET:
            self.field.transact(bytes([flags, sub]) + (uid or b""))
            return b""
        self._transact(flags, sub, uid, rest[:simple[sub]])
        return b""

    def _inventory(self, body: bytes) -> tuple[int, bytes]:
        mode = body[0]
        if mode & p.INVENTORY_MORE and self._more:
            return self._inventory_reply(self._more, self._more_with_antennas)
        position = 1
        afi = None
        if mode & p.INVENTORY_AFI:
            afi, position = body[position], position + 1
        antennas = None
        if mode & p.INVENTORY_ANTENNAS:
            mask = body[position]
            antennas = [n + 1 for n in range(8) if mask >> n & 1]
        if not self.rf_on:
            return p.STATUS_NO_TRANSPONDER, b""
        outcome = self.field.inventory(afi=afi, antennas=antennas)
        with_antennas = antennas is not None
        records = [self._inventory_record(uid, dsfid, antenna, with_antennas)
                   for uid, dsfid, antenna in outcome.tags]
        if not records:
            return p.STATUS_NO_TRANSPONDER, b""
        return self._inventory_reply(records, with_antennas)

    @staticmethod
    def _inventory_record(uid: bytes, dsfid: int, antenna: int, with_antennas: bool) -> bytes:
        if not with_antennas:
            return bytes([p.TR_TYPE_ISO15693, dsfid]) + uid
        antenna_record = bytes([antenna, 0x00, 0x40]) + bytes(4)  # ANT-NR, ANT-STATUS, RSSI, reserved
        return bytes([0x00, p.TR_TYPE_ISO15693, dsfid, len(uid)]) + uid + b"\x01" + antenna_record

    def _inventory_reply(self, records: list[bytes], with_antennas: bool) -> tuple[int, bytes]:
        now, self._more = records[:self.max_sets_per_reply], records[self.max_sets_per_reply:]
        self._more_with_antennas = with_antennas
        status = p.STATUS_MORE_DATA if self._more else p.STATUS_OK
        return status, bytes([len(now)]) + b"".join(now)

    def _read_blocks(self, body: bytes) -> bytes:
        flags, uid, rest = self._addressing(body)
        security = bool(body[0] & p.MODE_SECURITY)
        first, count = rest[0], rest[1]
        if count == 0 or count * 4 > MAX_READ_BYTES:
            raise _Status(0x11)
        if security:
            flags |= ISO_OPTION
        if count == 1:
            answer = self._transact(flags, 0x20, uid, bytes([first]))
        else:
            answer = self._transact(flags, 0x23, uid, bytes([first, count - 1]))
        record = 5 if security else 4
        if len(answer) != count * record:
            raise _Status(p.STATUS_RF_ERROR)
        out = bytearray([count, 4])
        for n in range(count):
            chunk = answer[n * record:(n + 1) * record]
            status, block = (chunk[0], chunk[1:]) if security else (0, chunk)
            out += bytes([status]) + p.swap_blocks(block, 4, self.block_order)
        return bytes(out)

    def _write_blocks(self, body: bytes) -> bytes:
        flags, uid, rest = self._addressing(body)
        first, count, size = rest[0], rest[1], rest[2]
        data = rest[3:3 + count * size]
        if size != 4 or len(data) != count * size:
            raise _Status(p.STATUS_LENGTH_ERROR if len(data) != count * size else p.STATUS_WRONG_TYPE)
        memory = p.swap_blocks(data, size, self.block_order)
        for n in range(count):
            self._transact(flags, 0x21, uid, bytes([first + n]) + memory[n * size:(n + 1) * size])
        return b""

    def _lock_blocks(self, body: bytes) -> bytes:
        flags, uid, rest = self._addressing(body)
        for n in range(rest[1]):
            self._transact(flags, 0x22, uid, bytes([rest[0] + n]))
        return b""

    def _security_status(self, body: bytes) -> bytes:
        flags, uid, rest = self._addressing(body)
        answer = self._transact(flags, 0x2C, uid, bytes([rest[0], rest[1] - 1]))
        return bytes([len(answer)]) + answer

    def _system_info(self, body: bytes) -> bytes:
        flags, uid, _ = self._addressing(body)
        answer = self._transact(flags, 0x2B, uid)
        info_flags, air_uid, rest = answer[0], answer[1:9], answer[9:]
        fields = iter(rest)
        dsfid = next(fields) if info_flags & 0x01 else 0
        afi = next(fields) if info_flags & 0x02 else 0
        blocks, size = (next(fields), next(fields)) if info_flags & 0x04 else (0, 0)
        ic_reference = next(fields) if info_flags & 0x08 else 0
        return bytes([dsfid]) + air_uid[::-1] + bytes([afi, size & 0x1F, blocks, ic_reference])

    def _custom(self, data: bytes) -> bytes | tuple[int, bytes]:
        if self.mode == "buffered":
            raise _Status(p.STATUS_NOT_AVAILABLE)
        manufacturer, command, body = data[0], data[1], data[2:]
        if manufacturer != p.MFR_NXP:
            raise _Status(p.STATUS_WRONG_TYPE)
        flags, uid, rest = self._addressing(body)
        if body[0] & 0x08:
            flags |= ISO_OPTION
        params = {p.NXP_SET_PASSWORD: 5, 0xB4: 5, 0xB5: 1}.get(command, 0)
        if len(rest) < params:
            raise IndexError
        answer = self._transact(flags, command, uid, rest[:params], nxp=True)
        return answer if command == p.NXP_GET_RANDOM else b""

    def _transparent(self, data: bytes) -> bytes | tuple[int, bytes]:
        """[0xBF]: send the host's air frame as it is; return the raw answer (CRC included)."""
        if self.mode == "buffered":
            raise _Status(p.STATUS_NOT_AVAILABLE)
        mode, fast_return = data[0] & 0x0F, bool(data[0] & p.TRANSPARENT_FAST_RETURN)
        if not p.TRANSPARENT_READ <= mode <= p.TRANSPARENT_WRITE_GRID:
            raise _Status(0x11)
        bits = int.from_bytes(data[1:3], "big")
        request = bytes(data[5 + (2 if mode >= p.TRANSPARENT_WRITE_OPTION else 0):])
        if len(request) < 2 or len(data) < 5 or bits % 8:
            raise _Status(p.STATUS_LENGTH_ERROR)
        if not self.rf_on:
            raise _Status(p.STATUS_NO_TRANSPONDER)
        size, fast = bits // 8, request[1] in FAST_COMMANDS

        def record(reply: FieldReply) -> bytes | None:
            """The answer as the reader samples it, or None when it cannot be decoded."""
            if reply.response is None or fast != fast_return or len(reply.response) + 2 != size:
                return None
            return with_air_crc(reply.response)

        sixteen_slots = mode == p.TRANSPARENT_INVENTORY and request[0] & FLAG_INVENTORY and not (
            request[0] & FLAG_ONE_SLOT)
        if sixteen_slots:
            replies = self.field.transact_slots(request)
            if not replies:
                raise _Status(p.STATUS_NO_TRANSPONDER)
            records = [record(reply) for reply in replies.values()]
            out = b"".join(r if r is not None else _garbled(replies_of, size)
                           for r, replies_of in zip(records, replies.values(), strict=True))
            return (p.STATUS_CRC_ERROR if None in records else p.STATUS_OK), out
        reply = self.field.transact(request)
        if reply.silent:
            raise _Status(p.STATUS_NO_TRANSPONDER)
        answer = record(reply)
        if answer is None:
            raise _Status(p.STATUS_CRC_ERROR)
        return answer

    # -- reader control -------------------------------------------------------------------------
    def _version(self, data: bytes) -> bytes:
        return self.version

    def _rf_reset(self, data: bytes) -> bytes:
        self._more = []
        self.field.power_cycle()
        return b""

    def _rf_onoff(self, data: bytes) -> bytes:
        self.rf_on = bool(data[0] & 0x01)
        if not self.rf_on:
            self.field.power_cycle()
        return b""

    def _cpu_reset(self, data: bytes) -> bytes:
        self._rf_reset(data)
        self.rf_on = True
        return b""

    # -- buffered read mode ---------------------------------------------------------------------
    def _start_scanner(self) -> None:
        self._scanner = threading.Thread(target=self._scan_loop, daemon=True, name="feig-brm")
        self._scanner.start()

    def _scan_loop(self) -> None:
        while not self._scanner_stop.wait(self.scan_period):
            if self.rf_on:
                self.scan_once()

    def scan_once(self) -> None:
        """One buffered-read-mode inventory: store newly seen tags."""
        outcome = self.field.inventory()
        now = time.monotonic()
        with self._buffer_lock:
            for uid, _dsfid, antenna in outcome.tags:
                last = self._last_seen.get(uid)
                self._last_seen[uid] = now
                if last is not None and now - last < self.valid_time:
                    continue
                if len(self.buffer) >= BUFFER_SIZE:
                    self._overflow = True
                    continue
                timer = int((now - self._started) * 1000) & 0xFFFFFFFF
                self.buffer.append(p.BufferRecord(uid=uid, tr_type=p.TR_TYPE_ISO15693, timer=timer,
                                                  antenna=antenna))

    def _require_buffered(self) -> None:
        if self.mode != "buffered":
            raise _Status(p.STATUS_NOT_AVAILABLE)

    def _read_buffer(self, data: bytes) -> tuple[int, bytes]:
        self._require_buffered()
        wanted = int.from_bytes(data[0:2], "big")
        with self._buffer_lock:
            available = list(self.buffer)[self._buffer_read:self._buffer_read + wanted]
            if not available:
                return p.STATUS_NO_VALID_DATA, b""
            self._buffer_read += len(available)
            status = p.STATUS_BUFFER_OVERFLOW if self._overflow else p.STATUS_OK
            self._overflow = False
        body = b"".join(p.encode_buffer_record(r, self.buffer_fields) for r in available)
        return status, bytes([self.buffer_fields]) + len(available).to_bytes(2, "big") + body

    def _buffer_info(self, data: bytes) -> bytes:
        self._require_buffered()
        with self._buffer_lock:
            return BUFFER_SIZE.to_bytes(2, "big") + self._buffer_read.to_bytes(2, "big") + len(
                self.buffer).to_bytes(2, "big")

    def _clear_buffer(self, data: bytes) -> bytes:
        self._require_buffered()
        with self._buffer_lock:
            for _ in range(self._buffer_read):
                self.buffer.popleft()
            self._buffer_read = 0
        return b""

    def _init_buffer(self, data: bytes) -> bytes:
        self._require_buffered()
        with self._buffer_lock:
            self.buffer.clear()
            self._buffer_read = 0
            self._overflow = False
            self._last_seen.clear()
        return b""

    def close(self) -> None:
        self._scanner_stop.set()
        if self._scanner is not None:
            self._scanner.join(timeout=1.0)
        super().close()


def _garbled(reply: FieldReply, size: int) -> bytes:
    """What a reader samples when answers overlap: their bits OR-ed (the CRC no longer holds)."""
    out = bytearray(size)
    for answer in reply.responses:
        for i, byte in enumerate(with_air_crc(answer)[:size]):
            out[i] |= byte
    if len(set(reply.responses)) <= 1:  # one answer of the wrong length or rate: noise
        out[-1] ^= 0xFF
    return bytes(out)


def _nothing(data: bytes) -> bytes:
    return b""
