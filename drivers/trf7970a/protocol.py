"""TI TRF7970A EVM host protocol ("RFIDGeek" readers), sans-I/O: ASCII commands, text replies, ISO 15693.

Host → reader (115200 8N1)
--------------------------
Each command is a binary frame written as ASCII hex, no checksum:
``01 LEN_lo LEN_hi 03 04 CMD PARAMS… 00 00`` where LEN counts every byte of the
frame including SOF and the two EOF bytes (little endian). Initialise is
``0108000304FF0000``; an inventory ``010B000304140401000000``. The firmware reads
LEN to know where the frame ends and ignores characters that are not hex digits.

Reader → host
-------------
Text, as TI's EVM firmware prints it (revision 03 of 11/Nov/2013: ``host.c``,
``iso15693.c``, ``trf797x.c``; a copy is public in the GitHub repository
hust-gaoyujing/ic_resource, ``ic_design/TRF7970ABP/TRF7970AEVM/``):

* ``HostCommands`` prints a header line naming the command (``Request mode.``,
  ``ISO 15693 Inventory request.``, ``TRF7970A EVM``), runs it, and ends
  *every* reply with exactly one more CR LF (``UartPutCrlf()  // finish line``).
* Request mode (0x18) sends one raw ISO 15693 request and prints exactly one
  record, the tag's answer without its CRC: ``[<hex>]``, ``[z]`` when the chip
  flagged a collision *or* a CRC / framing error (the interrupt routine maps
  all of them to the same state), ``[]`` when its no-response timer fired. The
  reply is therefore complete at ``]`` + CR LF.
* The inventory command (0x14) runs the 16-slot anticollision on the reader and
  recurses into collided slots itself. Each tag found is printed as it is
  heard, as ``CR LF [UID,RSSI]`` written back to back in one branch (the lines
  printing empty and collided slots are commented out). Nothing tells how many
  records will come: after ``… ]`` + CR LF the host cannot know whether that CR
  LF is the final one or the start of another record. What it does know is
  that a record's ``[`` follows its CR LF at once (two UART characters, 174 µs
  at 115200 baud): a trailing CR LF that stays alone for longer than the
  link's own latency (a USB-serial bridge may hold bytes up to its latency
  timer, 16 ms by default on FTDI chips) is the end. ``ReplyReader`` reports
  that case as ``MAYBE_COMPLETE``; the driver waits that short ``settle`` time.
* Older firmware printed one record per slot, ``[,RSSI]`` for an empty slot and
  ``[z,RSSI]`` for a collided one, without resolving collisions (the prints
  left commented out in rev 03; the per-slot ``[,40]`` records appear in the
  fixtures of bensinober/node_rfidgeek). Such a reply is complete after its
  16 slot records: ``COMPLETE`` without waiting.
* The UART receive interrupt sets ``irq_flag``, the very flag the
  anticollision loop polls for the chip's interrupt: a byte sent while an
  inventory runs can cut a slot short. The host must never send the next
  command (a "sentinel") before an inventory reply has ended.

UIDs appear as received over the air, LSB first (``…0104E0``): Borne reverses
them to label order.

ISO 15693 requests are built here too (``iso_request``): flags, command, NXP
manufacturer code for custom commands, UID in air order, parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.base import SystemInfo
from drivers.errors import (
    AddressError,
    BlockLocked,
    Collision,
    InvalidRequest,
    NoTag,
    ProtocolError,
    ReaderError,
    WriteFailed,
)

BAUDRATE = 115200
SOF = 0x01
READER_TYPE, ENTITY = 0x03, 0x04
EOF = b"\x00\x00"

CMD_ENABLE = 0x03
CMD_REGISTER_WRITE = 0x10
CMD_REGISTER_READ = 0x12
CMD_INVENTORY = 0x14
CMD_REQUEST = 0x18
CMD_AGC = 0xF0
CMD_AM_PM = 0xF1
CMD_FIRMWARE = 0xFE
CMD_INITIALISE = 0xFF

HEADERS = {
    CMD_REGISTER_WRITE: "Register write request.",
    CMD_REGISTER_READ: "Register read request.",
    CMD_INVENTORY: "ISO 15693 Inventory request.",
    CMD_REQUEST: "Request mode.",
    CMD_AGC: "AGC Toggle",
    CMD_AM_PM: "AM PM Toggle",
    CMD_INITIALISE: "TRF7970A EVM ",
}
# CR LF pairs that close each reply (the firmware always ends with one more).
LEGACY_SLOTS = 16  # records in an old-firmware inventory reply: one per slot
INCOMPLETE, MAYBE_COMPLETE, COMPLETE = "incomplete", "maybe complete", "complete"
REPLY_LINES = {CMD_INITIALISE: 2, CMD_FIRMWARE: 2, CMD_REGISTER_WRITE: 2, CMD_REGISTER_READ: 3,
               CMD_REQUEST: 2, CMD_AGC: 1, CMD_AM_PM: 1, CMD_ENABLE: 1, CMD_INVENTORY: 2}

# TRF7970A registers.
REG_CHIP_STATUS = 0x00
REG_ISO_CONTROL = 0x01
CHIP_RF_ON_5V = 0x21  # rf_on + 5 V supply
CHIP_RF_OFF_5V = 0x01
ISO_15693_HIGH_RATE = 0x02  # 26.48 kbps, one subcarrier, 1 out of 4 (TI firmware's stand-alone mode)
ISO_15693_LOW_RATE = 0x00  # 6.62 kbps (the setting RFIDGeek software uses)

# ISO 15693 request flags and commands.
FLAG_HIGH_RATE = 0x02
FLAG_INVENTORY = 0x04
FLAG_AFI = 0x10  # with FLAG_INVENTORY
FLAG_ONE_SLOT = 0x20  # with FLAG_INVENTORY
FLAG_ADDRESS = 0x20
FLAG_OPTION = 0x40
RESPONSE_ERROR = 0x01
NXP = 0x04
ISO_INVENTORY = 0x01
ISO_READ_MULTIPLE = 0x23
ISO_WRITE_SINGLE = 0x21
ISO_LOCK_BLOCK = 0x22
ISO_WRITE_AFI = 0x27
ISO_LOCK_AFI = 0x28
ISO_WRITE_DSFID = 0x29
ISO_SYSTEM_INFO = 0x2B
NXP_SET_EAS = 0xA2
NXP_RESET_EAS = 0xA3
NXP_EAS_ALARM = 0xA5

ISO_ERRORS: dict[int, tuple[type[ReaderError], str]] = {
    0x01: (ReaderError, "command not supported"),
    0x02: (ReaderError, "command not recognised"),
    0x03: (ReaderError, "option not supported"),
    0x0F: (ReaderError, "unknown error"),
    0x10: (AddressError, "block not available"),
    0x11: (BlockLocked, "block already locked"),
    0x12: (BlockLocked, "block locked"),
    0x13: (WriteFailed, "programming failed"),
    0x14: (WriteFailed, "lock failed"),
}

_HEX = re.compile(rb"[0-9A-Fa-f]")
_RECORD = re.compile(r"\[([^\[\]]*)\]")


# --- host → reader ---------------------------------------------------------------------------------

def encode(command: int, params: bytes = b"") -> bytes:
    """The ASCII line for one EVM command (``encode(0xFF) == b"0108000304FF0000"``)."""
    frame = bytes([READER_TYPE, ENTITY, command]) + params + EOF
    length = len(frame) + 3
    if length > 0xFF:
        raise InvalidRequest(f"EVM command too long: {length} bytes (the firmware buffers 255)")
    return (bytes([SOF]) + length.to_bytes(2, "little") + frame).hex().upper().encode("ascii")


def register_write(*pairs: tuple[int, int]) -> bytes:
    return encode(CMD_REGISTER_WRITE, b"".join(bytes(pair) for pair in pairs))


def inventory(afi: int | None = None, *, high_rate: bool = True) -> bytes:
    """16-slot ISO 15693 anticollision run by the firmware, optionally AFI-masked."""
    flags = FLAG_INVENTORY | _rate(high_rate) | (FLAG_AFI if afi is not None else 0)
    params = bytes([flags, ISO_INVENTORY]) + (bytes([afi]) if afi is not None else b"") + b"\x00"
    return encode(CMD_INVENTORY, params)


def request(iso: bytes) -> bytes:
    """Request mode: send one raw ISO 15693 request (the EVM adds the CRC)."""
    return encode(CMD_REQUEST, iso)


@dataclass(frozen=True, slots=True)
class HostCommand:
    """One EVM command as the reader firmware sees it (for the simulator)."""

    command: int
    params: bytes


@dataclass(frozen=True, slots=True)
class BadCommand:
    raw: bytes
    reason: str


class CommandParser:
    """Reader side: ASCII bytes in, ``HostCommand``s out. Like the firmware, skips non-hex characters."""

    def __init__(self) -> None:
        self._digits = bytearray()

    def feed(self, data: bytes) -> list[HostCommand | BadCommand]:
        self._digits += b"".join(_HEX.findall(data)).upper()
        events: list[HostCommand | BadCommand] = []
        while True:
            start = self._digits.find(b"01")
            while start > 0 and start % 2:  # keep byte alignment on the SOF search
                start = self._digits.find(b"01", start + 1)
            if start < 0:
                del self._digits[:-1]
                return events
            del self._digits[:start]
            if len(self._digits) < 6:
                return events
            length = int(self._digits[2:4], 16) | int(self._digits[4:6], 16) << 8
            if length < 8:
                events.append(BadCommand(bytes(self._digits[:6]), f"length {length} below the minimum 8"))
                del self._digits[:2]
                continue
            if len(self._digits) < 2 * length:
                return events
            frame = bytes.fromhex(self._digits[:2 * length].decode())
            del self._digits[:2 * length]
            if frame[3:5] != bytes([READER_TYPE, ENTITY]) or frame[-2:] != EOF:
                events.append(BadCommand(frame, "missing 03 04 header or 00 00 end"))
                continue
            events.append(HostCommand(frame[5], frame[6:-2]))


# --- reader → host ---------------------------------------------------------------------------------

class ReplyReader:
    """Host side: accumulates the reader's text until the reply to ``command`` is complete."""

    def __init__(self) -> None:
        self._raw = bytearray()

    def clear(self) -> None:
        self._raw.clear()

    def feed(self, data: bytes) -> None:
        self._raw += data

    @property
    def text(self) -> str:
        return self._raw.decode("latin-1")

    def complete(self, command: int) -> bool:
        """All lines of the reply are in (inventory: see :meth:`inventory_status`)."""
        text = self.text
        return text.count("\r\n") >= REPLY_LINES.get(command, 1) and text.endswith("\r\n")

    def inventory_status(self) -> str:
        """``COMPLETE``, ``INCOMPLETE``, or ``MAYBE_COMPLETE`` (a trailing CR LF not yet followed by
        a record's ``[``: complete unless that ``[`` arrives within the link latency)."""
        if not self.complete(CMD_INVENTORY):
            return INCOMPLETE
        records = self.records()
        legacy = any(r.partition(",")[0].strip().lower() in ("", "z") for r in records)
        return COMPLETE if legacy and len(records) >= LEGACY_SLOTS else MAYBE_COMPLETE

    def records(self) -> list[str]:
        return _RECORD.findall(self.text)


def parse_request_reply(text: str) -> bytes:
    """The tag's answer to a request-mode command; raises NoTag / Collision / ProtocolError."""
    records = _RECORD.findall(text)
    if len(records) != 1:
        raise ProtocolError(f"TRF7970A request reply should hold one [..] record, got {text!r}")
    record = records[0].strip()
    if record == "":
        raise NoTag("no tag answered (TRF7970A reported [])")
    if record.lower().startswith("z"):
        raise Collision("several tags answered at once (TRF7970A reported [z])")
    try:
        answer = bytes.fromhex(record)
    except ValueError:
        raise ProtocolError(f"TRF7970A request reply is not hex: [{record}]") from None
    if not answer:
        raise ProtocolError("TRF7970A request reply is empty")
    return answer


@dataclass(frozen=True, slots=True)
class InventoryResult:
    uids: tuple[bytes, ...]  # label order (MSB first)
    collisions: int
    rssi: tuple[int, ...]


def parse_inventory_reply(text: str) -> InventoryResult:
    """Tags, collided slots and RSSI bytes of a 0x14 reply (current and legacy firmware formats)."""
    uids, rssi, collisions = [], [], 0
    for record in _RECORD.findall(text):
        uid_hex, _, level = record.partition(",")
        uid_hex = uid_hex.strip()
        if uid_hex.lower() == "z":
            collisions += 1
            continue
        if not uid_hex:
            continue  # empty slot (legacy firmware)
        try:
            uid_air = bytes.fromhex(uid_hex)
            strength = int(level, 16) if level.strip() else 0
        except ValueError:
            raise ProtocolError(f"TRF7970A inventory record is not hex: [{record}]") from None
        if len(uid_air) != 8:
            raise ProtocolError(f"TRF7970A inventory record holds {len(uid_air)} UID bytes, "
                                f"not 8: [{record}]")
        uids.append(uid_air[::-1])
        rssi.append(strength)
    return InventoryResult(tuple(uids), collisions, tuple(rssi))


def parse_firmware(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise ProtocolError("TRF7970A firmware reply is empty")


# --- ISO 15693 on top of request mode ----------------------------------------------------------------

def air_uid(uid: bytes) -> bytes:
    if len(uid) != 8:
        raise InvalidRequest(f"ISO 15693 UIDs have 8 bytes, got {len(uid)}")
    return uid[::-1]


def _rate(high_rate: bool) -> int:
    return FLAG_HIGH_RATE if high_rate else 0


def iso_request(command: int, uid: bytes | None, params: bytes = b"", *, option: bool = False,
                nxp: bool = False, high_rate: bool = True) -> bytes:
    """An ISO 15693 request (no CRC): flags, command, [04 for NXP], [UID air order], params."""
    flags = _rate(high_rate) | (FLAG_ADDRESS if uid is not None else 0) | (FLAG_OPTION if option else 0)
    head = bytes([flags, command]) + (bytes([NXP]) if nxp else b"")
    return head + (air_uid(uid) if uid is not None else b"") + params


def masked_inventory(mask_bits: int, mask: int, afi: int | None = None, *, high_rate: bool = True) -> bytes:
    """One-slot inventory request restricted to UIDs whose low ``mask_bits`` bits equal ``mask``."""
    flags = FLAG_INVENTORY | _rate(high_rate) | FLAG_ONE_SLOT | (FLAG_AFI if afi is not None else 0)
    return (bytes([flags, ISO_INVENTORY]) + (bytes([afi]) if afi is not None else b"")
            + bytes([mask_bits]) + mask.to_bytes((mask_bits + 7) // 8, "little"))


def check_iso(answer: bytes, action: str) -> bytes:
    """Data after the response flags; raises the typed error for an ISO error response."""
    if not answer:
        raise ProtocolError(f"{action}: empty answer")
    if answer[0] & RESPONSE_ERROR:
        code = answer[1] if len(answer) > 1 else 0x0F
        error_type, name = ISO_ERRORS.get(code, (ReaderError, "ISO 15693 error"))
        raise error_type(f"{action}: {name}", status=answer[0], detail=code)
    return answer[1:]


def parse_inventory_answer(answer: bytes) -> tuple[bytes, int]:
    """(UID in label order, DSFID) from a one-slot inventory answer ``00 DSFID UID×8``."""
    data = check_iso(answer, "inventory")
    if len(data) != 9:
        raise ProtocolError(f"inventory answer has {len(data)} bytes after the flags, expected 9")
    return data[1:9][::-1], data[0]


def parse_read_multiple(answer: bytes, count: int) -> tuple[bytes, tuple[bool, ...]]:
    """(data, lock flags) of a read-multiple answer with block security status (option flag)."""
    data = check_iso(answer, "read blocks")
    if len(data) != 5 * count:
        raise ProtocolError(f"read of {count} blocks returned {len(data)} bytes, expected {5 * count}")
    blocks = [data[i:i + 5] for i in range(0, len(data), 5)]
    return b"".join(b[1:] for b in blocks), tuple(bool(b[0] & 0x01) for b in blocks)


def parse_system_info(answer: bytes, uid: bytes) -> SystemInfo:
    """ISO 15693 Get System Information: info flags, UID, then DSFID/AFI/memory/IC as flagged."""
    data = check_iso(answer, "system information")
    if len(data) < 9:
        raise ProtocolError(f"system information answer too short: {len(data)} bytes")
    info, rest = data[0], data[9:]
    if data[1:9][::-1] != uid:
        raise ProtocolError(f"system information is for tag {data[1:9][::-1].hex().upper()}")
    values: dict[str, int | None] = {"dsfid": None, "afi": None, "blocks": None, "size": None, "ic": None}
    try:
        if info & 0x01:
            values["dsfid"], rest = rest[0], rest[1:]
        if info & 0x02:
            values["afi"], rest = rest[0], rest[1:]
        if info & 0x04:
            values["blocks"], values["size"], rest = rest[0] + 1, (rest[1] & 0x1F) + 1, rest[2:]
        if info & 0x08:
            values["ic"] = rest[0]
    except IndexError:
        raise ProtocolError("system information answer shorter than its info flags announce") from None
    return SystemInfo(uid, values["dsfid"], values["afi"], values["size"], values["blocks"], values["ic"])
