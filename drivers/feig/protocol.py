"""FEIG OBID ISO-host protocol (ID ISC readers), sans-I/O: frames, CRC, commands, status codes.

Frames
------
Standard frame ``LEN COM-ADR CMD DATA… CRC_lo CRC_hi`` where LEN (5…255) counts every
byte including itself and the CRC; advanced frame ``02 LEN_hi LEN_lo COM-ADR CMD DATA…
CRC_lo CRC_hi`` for longer messages. Replies insert a STATUS byte after CMD. The CRC is
CRC-16/MCRF4XX (reflected polynomial 0x8408, init 0xFFFF, no final xor) over every byte
before it, sent LSB first: ``crc16(b"123456789") == 0x6F91`` and ``05 FF 65`` becomes
``05 FF 65 E5 CB``. A reader answers in advanced format when asked in it, or when its answer
exceeds 255 bytes. It sends *nothing* back for a frame with a bad CRC or length: the host's
timeout is the only signal.

:class:`FrameParser` turns a byte stream into :class:`Request` / :class:`Response` events
(one role each: the host parses responses, the reader simulator parses requests). It
never raises: bytes that cannot start a frame, or a candidate frame whose CRC fails, are
reported as :class:`Discarded` and the parser resynchronises one byte further.

Byte order
----------
Multi-byte fields (UID, lengths, counters) travel MSB first: the UID appears as printed on
labels, ``E0 04 01 …`` (the reversal of the ISO 15693 air order is done by the reader).
FEIG manuals state that in ISO-host mode "the data will be sent always as MSB first", and
their buffered-read TR-DATA byte even has a "Byte Order: MSB first / LSB first" bit for
data blocks. A 4-byte block is therefore carried as a number whose most significant byte
is the *last* byte of the block in tag memory (ISO 15693 sends block byte 0 first, as the
LSB): each block is **byte-reversed** between tag memory order and the frame. Public
drivers (Biblio-RFID's CPR-M02 driver, written against the same FEIG manual) reverse every
block on read and write, which confirms it. :data:`BLOCKS_REVERSED` is the default;
``block_order="memory"`` exists for readers configured the other way. Everything above
this module (``BlockData.data``, ``iso28560``) sees tag memory order.

Inventory MODE bits: MORE (0x80) is documented in every manual; the antenna-select bit
(0x10, followed by an ANT_SEL bitmask) and the AFI bit (0x01, followed by the AFI byte)
come from the multi-antenna/AFI-capable models' manuals and are flagged for checking on
real hardware (``docs/hardware-testing.md``).

Transparent command [0xBF] (manual H60301-3e-ID-B §8.6): the reader sends an ISO 15693
request frame unchanged and returns the tag's raw answer in air order, its CRC included
(the reader checks it). MODE 4 is an inventory request: with the 1-slot flag the reader
returns the one answer; in a 16-slot round it closes each slot after EOF-PULSE-DELAY and
returns one RSP-LENGTH record per answering slot, status 0x02 when a record failed its CRC
(the host finds which). HDR_RL (MODE bit 6, firmware 1.04.06 on) receives answers at
53 kbit/s, as NXP FAST commands send them. Newer firmware names the reserved word after
RSP-LENGTH CMD-RSP-DELAY; Borne sends 0 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drivers import iso15693
from drivers.base import SystemInfo
from drivers.errors import (
    AddressError,
    BlockLocked,
    Collision,
    InvalidRequest,
    NoTag,
    ProtocolError,
    ReaderError,
    Unsupported,
    WriteFailed,
)

STX = 0x02
BROADCAST = 0xFF
MAX_STANDARD_LENGTH = 255
MAX_ADVANCED_LENGTH = 0xFFFF

BLOCKS_REVERSED = "reversed"
BLOCKS_MEMORY = "memory"
BLOCK_ORDERS = (BLOCKS_REVERSED, BLOCKS_MEMORY)

# Control bytes.
CMD_BAUD_DETECTION = 0x52
CMD_CPU_RESET = 0x63
CMD_SOFTWARE_VERSION = 0x65
CMD_RF_RESET = 0x69
CMD_RF_ONOFF = 0x6A
CMD_ISO = 0xB0
CMD_CUSTOM = 0xB1
CMD_TRANSPARENT = 0xBF
CMD_READ_BUFFER = 0x22
CMD_BUFFER_INFO = 0x31
CMD_CLEAR_BUFFER = 0x32
CMD_INIT_BUFFER = 0x33

# [0xB0] ISO 15693 host sub-commands.
ISO_INVENTORY = 0x01
ISO_STAY_QUIET = 0x02
ISO_LOCK_BLOCKS = 0x22
ISO_READ_BLOCKS = 0x23
ISO_WRITE_BLOCKS = 0x24
ISO_SELECT = 0x25
ISO_RESET_TO_READY = 0x26
ISO_WRITE_AFI = 0x27
ISO_LOCK_AFI = 0x28
ISO_WRITE_DSFID = 0x29
ISO_LOCK_DSFID = 0x2A
ISO_SYSTEM_INFO = 0x2B
ISO_SECURITY_STATUS = 0x2C

# [0xB1] manufacturer code and NXP custom commands.
MFR_NXP = 0x04
NXP_SET_EAS = 0xA2
NXP_RESET_EAS = 0xA3
NXP_LOCK_EAS = 0xA4
NXP_EAS_ALARM = 0xA5
NXP_PASSWORD_PROTECT = 0xA6
NXP_GET_RANDOM = 0xB2
NXP_SET_PASSWORD = 0xB3

# [0xBF] ISO 15693 transparent command (manual H60301-3e-ID-B §8.6): MODE bits 3..0 and HDR_RL.
TRANSPARENT_READ = 0x01
TRANSPARENT_WRITE = 0x02
TRANSPARENT_WRITE_OPTION = 0x03
TRANSPARENT_INVENTORY = 0x04
TRANSPARENT_WRITE_GRID = 0x05
TRANSPARENT_FAST_RETURN = 0x40  # HDR_RL: receive the answer at 53 kbit/s (NXP FAST commands)
EOF_PULSE_UNIT_S = 590e-9

# MODE bytes.
MODE_NON_ADDRESSED = 0x00
MODE_ADDRESSED = 0x01
MODE_SELECTED = 0x02
MODE_SECURITY = 0x08  # read: return the block security status
INVENTORY_MORE = 0x80
INVENTORY_ANTENNAS = 0x10
INVENTORY_AFI = 0x01
TR_TYPE_ISO15693 = 0x03

# Status bytes.
STATUS_OK = 0x00
STATUS_NO_TRANSPONDER = 0x01
STATUS_CRC_ERROR = 0x02
STATUS_WRITE_ERROR = 0x03
STATUS_ADDRESS_ERROR = 0x04
STATUS_WRONG_TYPE = 0x05
STATUS_UNKNOWN_COMMAND = 0x80
STATUS_LENGTH_ERROR = 0x81
STATUS_NOT_AVAILABLE = 0x82
STATUS_RF_ERROR = 0x83
STATUS_NO_VALID_DATA = 0x92
STATUS_BUFFER_OVERFLOW = 0x93
STATUS_MORE_DATA = 0x94
STATUS_ISO_ERROR = 0x95

STATUS_TEXT = {
    0x00: "OK",
    0x01: "no transponder answered",
    0x02: "garbled transponder answer (CRC error: usually several tags answered at once)",
    0x03: "write error (the transponder did not take the data)",
    0x04: "address error (block outside the transponder memory)",
    0x05: "wrong transponder type for this command",
    0x10: "reader EEPROM failure",
    0x11: "parameter out of range",
    0x13: "login required",
    0x14: "login error",
    0x15: "read protected",
    0x16: "write protected",
    0x80: "unknown command",
    0x81: "length error (the reader rejected the request length)",
    0x82: "command not available in the current reader mode",
    0x83: "RF communication error",
    0x84: "RF warning (antenna)",
    0x92: "no valid data",
    0x93: "data buffer overflow",
    0x94: "more data available",
    0x95: "ISO 15693 error reported by the transponder",
}

ISO_ERROR_TEXT = {
    0x01: "command not supported by the tag",
    0x02: "command not recognised (format error)",
    0x03: "option not supported",
    0x0F: "unknown error (e.g. password protection)",
    0x10: "block not available",
    0x11: "block already locked",
    0x12: "block locked, cannot be changed",
    0x13: "block not successfully programmed",
    0x14: "block not successfully locked",
}


def crc16(data: bytes) -> int:
    """CRC-16/MCRF4XX as used by FEIG: reflected 0x8408, init 0xFFFF, no final xor.

    The ISO 15693 air CRC (X-25) without its final xor.
    """
    return iso15693.crc(data) ^ 0xFFFF


def _frame(body: bytes, advanced: bool) -> bytes:
    """Add length (standard or advanced) and CRC around ``COM-ADR CMD [STATUS] DATA``."""
    if not advanced and len(body) + 3 <= MAX_STANDARD_LENGTH:
        head = bytes([len(body) + 3])
    else:
        length = len(body) + 5
        if length > MAX_ADVANCED_LENGTH:
            raise InvalidRequest(f"FEIG frame of {length} bytes exceeds the advanced-frame limit of 65535")
        head = bytes([STX]) + length.to_bytes(2, "big")
    frame = head + body
    return frame + crc16(frame).to_bytes(2, "little")


def _check_byte(name: str, value: int) -> None:
    if not 0 <= value <= 0xFF:
        raise InvalidRequest(f"{name} must be a byte (0..255), got {value}")


@dataclass(frozen=True, slots=True)
class Request:
    """Host → reader: ``COM-ADR CMD DATA``."""

    command: int
    data: bytes = b""
    com_adr: int = BROADCAST
    advanced: bool = False

    def __post_init__(self) -> None:
        _check_byte("command", self.command)
        _check_byte("COM-ADR", self.com_adr)

    def encode(self) -> bytes:
        return _frame(bytes([self.com_adr, self.command]) + self.data, self.advanced)


@dataclass(frozen=True, slots=True)
class Response:
    """Reader → host: ``COM-ADR CMD STATUS DATA``."""

    command: int
    status: int
    data: bytes = b""
    com_adr: int = 0x00
    advanced: bool = False

    def __post_init__(self) -> None:
        _check_byte("command", self.command)
        _check_byte("status", self.status)
        _check_byte("COM-ADR", self.com_adr)

    def encode(self) -> bytes:
        return _frame(bytes([self.com_adr, self.command, self.status]) + self.data, self.advanced)

    @property
    def ok(self) -> bool:
        return self.status in (STATUS_OK, STATUS_MORE_DATA)


@dataclass(frozen=True, slots=True)
class Discarded:
    """Bytes skipped while looking for a frame (noise, truncated or corrupted frames)."""

    data: bytes
    reason: str


Event = Request | Response | Discarded


class FrameParser:
    """Incremental frame parser for one direction (``"response"`` on the host, ``"request"`` in a reader).

    ``feed(bytes)`` returns the events completed by these bytes; partial frames are kept
    until the rest arrives. Never raises on any input.
    """

    def __init__(self, kind: str = "response") -> None:
        if kind not in ("response", "request"):
            raise ValueError("kind must be 'response' or 'request'")
        self.kind = kind
        self._min_standard = 6 if kind == "response" else 5
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back."""
        return len(self._buffer)

    def reset(self) -> bytes:
        """Drop the incomplete frame (after a timeout: the peer will not finish it)."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        return dropped

    def feed(self, data: bytes) -> list[Event]:
        self._buffer += data
        events: list[Event] = []
        skipped = bytearray()
        reason = ""
        while self._buffer:
            length = self._frame_length()
            if length is None:
                break
            if length < 0:
                skipped.append(self._buffer.pop(0))
                reason = reason or "not a frame start (length out of range)"
                continue
            frame = bytes(self._buffer[:length])
            if crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
                skipped.append(self._buffer.pop(0))
                reason = reason or "CRC mismatch"
                continue
            if skipped:
                events.append(Discarded(bytes(skipped), reason))
                skipped.clear()
                reason = ""
            del self._buffer[:length]
            events.append(self._decode(frame))
        if skipped:
            events.append(Discarded(bytes(skipped), reason))
        return events

    def _frame_length(self) -> int | None:
        """Length of the frame starting the buffer; None: need more bytes; -1: cannot start a frame."""
        first = self._buffer[0]
        if first != STX:
            if first < self._min_standard:
                return -1
            return first if len(self._buffer) >= first else None
        if len(self._buffer) < 3:
            return None
        length = int.from_bytes(self._buffer[1:3], "big")
        if length < self._min_standard + 2:
            return -1
        return length if len(self._buffer) >= length else None

    def _decode(self, frame: bytes) -> Request | Response:
        advanced = frame[0] == STX
        body = frame[3:-2] if advanced else frame[1:-2]
        if self.kind == "request":
            return Request(body[1], bytes(body[2:]), body[0], advanced)
        return Response(body[1], body[2], bytes(body[3:]), body[0], advanced)


# -- status codes ---------------------------------------------------------------------------
def status_error(response: Response, action: str) -> ReaderError | None:
    """The typed error for a non-OK status (None for OK / more data), keeping status and ISO code."""
    status = response.status
    if status in (STATUS_OK, STATUS_MORE_DATA):
        return None
    if status == STATUS_ISO_ERROR:
        code = response.data[0] if response.data else None
        text = ISO_ERROR_TEXT.get(code, "ISO 15693 error") if code is not None else "ISO 15693 error"
        cls = {0x10: AddressError, 0x11: BlockLocked, 0x12: BlockLocked, 0x13: WriteFailed,
               0x14: WriteFailed}.get(code, ReaderError) if code is not None else ReaderError
        return cls(f"{action}: {text}", status=status, detail=code)
    cls = {STATUS_NO_TRANSPONDER: NoTag, STATUS_CRC_ERROR: Collision, STATUS_WRITE_ERROR: WriteFailed,
           STATUS_ADDRESS_ERROR: AddressError, STATUS_LENGTH_ERROR: ProtocolError,
           STATUS_UNKNOWN_COMMAND: Unsupported, STATUS_NOT_AVAILABLE: Unsupported}.get(status, ReaderError)
    return cls(f"{action}: {STATUS_TEXT.get(status, 'unknown reader status')}", status=status)


# -- helpers ----------------------------------------------------------------------------------
def check_uid(uid: bytes) -> bytes:
    uid = bytes(uid)
    if len(uid) != 8:
        raise InvalidRequest(f"an ISO 15693 UID has 8 bytes, got {len(uid)} ({uid.hex().upper() or 'empty'})")
    return uid


def _addressing(uid: bytes | None, extra_mode: int = 0) -> bytes:
    if uid is None:
        return bytes([MODE_NON_ADDRESSED | extra_mode])
    return bytes([MODE_ADDRESSED | extra_mode]) + check_uid(uid)


def swap_blocks(data: bytes, block_size: int, block_order: str) -> bytes:
    """Convert between tag memory order and frame order (an involution)."""
    if block_order not in BLOCK_ORDERS:
        raise InvalidRequest(f"block_order must be one of {BLOCK_ORDERS}, got {block_order!r}")
    if block_order == BLOCKS_MEMORY or block_size <= 1:
        return bytes(data)
    return b"".join(data[i:i + block_size][::-1] for i in range(0, len(data), block_size))


def _need(response: Response, size: int, what: str) -> None:
    if len(response.data) < size:
        raise ProtocolError(f"{what}: reply data too short ({len(response.data)} bytes, need {size})",
                            status=response.status)


# -- reader commands --------------------------------------------------------------------------
def iso(sub_command: int, payload: bytes = b"", **frame: int | bool) -> Request:
    return Request(CMD_ISO, bytes([sub_command]) + payload, **frame)  # type: ignore[arg-type]


def inventory(more: bool = False, afi: int | None = None, antennas: int | None = None) -> Request:
    """[0xB0][0x01] Inventory; ``antennas`` is an ANT_SEL bitmask (bit 0 = antenna 1)."""
    mode = (INVENTORY_MORE if more else 0) | (INVENTORY_AFI if afi is not None else 0) | (
        INVENTORY_ANTENNAS if antennas is not None else 0)
    payload = bytes([mode])
    if afi is not None:
        _check_byte("AFI", afi)
        payload += bytes([afi])
    if antennas is not None:
        _check_byte("antenna selection", antennas)
        payload += bytes([antennas])
    return iso(ISO_INVENTORY, payload)


@dataclass(frozen=True, slots=True)
class InventoryEntry:
    uid: bytes
    dsfid: int
    tr_type: int = TR_TYPE_ISO15693
    antenna: int | None = None


def parse_inventory(response: Response, with_antennas: bool = False) -> list[InventoryEntry]:
    """DATA-SETS then per tag ``TR-TYPE DSFID UID(8)``; with antennas ``FLAGS TR-TYPE DSFID UID-LEN UID
    ANT-CNT (ANT-NR ANT-STATUS RSSI reserved×4)×ANT-CNT``."""
    if response.status == STATUS_NO_TRANSPONDER:
        return []
    _need(response, 1, "inventory")
    data, count = response.data, response.data[0]
    entries: list[InventoryEntry] = []
    offset = 1
    for _ in range(count):
        if with_antennas:
            entry, offset = _antenna_entry(data, offset)
        else:
            if len(data) < offset + 10:
                raise ProtocolError(f"inventory: {count} data sets announced, "
                                    f"reply ends after {len(entries)}")
            entry = InventoryEntry(bytes(data[offset + 2:offset + 10]), data[offset + 1], data[offset])
            offset += 10
        entries.append(entry)
    return entries


def _antenna_entry(data: bytes, offset: int) -> tuple[InventoryEntry, int]:
    if len(data) < offset + 4:
        raise ProtocolError("inventory with antennas: truncated data set")
    tr_type, dsfid, uid_len = data[offset + 1], data[offset + 2], data[offset + 3]
    end = offset + 4 + uid_len
    if len(data) < end + 1:
        raise ProtocolError("inventory with antennas: truncated UID")
    uid, ant_count = bytes(data[offset + 4:end]), data[end]
    records_end = end + 1 + 7 * ant_count
    if len(data) < records_end:
        raise ProtocolError("inventory with antennas: truncated antenna records")
    antenna = data[end + 1] if ant_count else None
    return InventoryEntry(uid, dsfid, tr_type, antenna), records_end


def read_blocks(uid: bytes | None, first: int, count: int, security: bool = True) -> Request:
    """[0xB0][0x23] Read Multiple Blocks (the reader sends Read Single Block for one)."""
    _check_byte("first block", first)
    if not 1 <= count <= 0xFF:
        raise InvalidRequest(f"block count must be 1..255, got {count}")
    return iso(ISO_READ_BLOCKS, _addressing(uid, MODE_SECURITY if security else 0) + bytes([first, count]))


@dataclass(frozen=True, slots=True)
class Blocks:
    block_size: int
    data: bytes  # tag memory order
    locked: tuple[bool, ...]


def parse_blocks(response: Response, block_order: str = BLOCKS_REVERSED) -> Blocks:
    """``DB-N DB-SIZE (SEC-STATUS DB)×DB-N`` → data in tag memory order and lock flags."""
    _need(response, 2, "read blocks")
    count, size = response.data[0], response.data[1]
    body = response.data[2:]
    if len(body) != count * (size + 1):
        raise ProtocolError(f"read blocks: {count} blocks of {size} bytes announced, {len(body)} data bytes "
                            "received")
    records = [body[i * (size + 1):(i + 1) * (size + 1)] for i in range(count)]
    data = b"".join(swap_blocks(r[1:], size, block_order) for r in records)
    return Blocks(size, data, tuple(bool(r[0] & 0x01) for r in records))


def write_blocks(uid: bytes | None, first: int, data: bytes, block_size: int = 4,
                 block_order: str = BLOCKS_REVERSED) -> Request:
    """[0xB0][0x24] Write Multiple Blocks; ``data`` in tag memory order, whole blocks."""
    _check_byte("first block", first)
    if not data or len(data) % block_size:
        raise InvalidRequest(f"write data must be whole {block_size}-byte blocks, got {len(data)} bytes")
    count = len(data) // block_size
    if first + count > 256:
        raise InvalidRequest(f"blocks {first}..{first + count - 1} exceed block number 255")
    blocks = swap_blocks(data, block_size, block_order)
    payload = _addressing(uid) + bytes([first, count, block_size]) + blocks
    return iso(ISO_WRITE_BLOCKS, payload)


def lock_blocks(uid: bytes | None, first: int, count: int) -> Request:
    _check_byte("first block", first)
    if not 1 <= count <= 0xFF or first + count > 256:
        raise InvalidRequest(f"cannot lock {count} blocks from block {first}")
    return iso(ISO_LOCK_BLOCKS, _addressing(uid) + bytes([first, count]))


def write_afi(uid: bytes | None, afi: int) -> Request:
    _check_byte("AFI", afi)
    return iso(ISO_WRITE_AFI, _addressing(uid) + bytes([afi]))


def lock_afi(uid: bytes | None) -> Request:
    return iso(ISO_LOCK_AFI, _addressing(uid))


def write_dsfid(uid: bytes | None, dsfid: int) -> Request:
    _check_byte("DSFID", dsfid)
    return iso(ISO_WRITE_DSFID, _addressing(uid) + bytes([dsfid]))


def lock_dsfid(uid: bytes | None) -> Request:
    return iso(ISO_LOCK_DSFID, _addressing(uid))


def system_info(uid: bytes | None) -> Request:
    return iso(ISO_SYSTEM_INFO, _addressing(uid))


def parse_system_info(response: Response, uid: bytes | None = None) -> SystemInfo:
    """``DSFID UID(8) AFI MEM-SIZE(2: block size-1, blocks-1) IC-REF``."""
    _need(response, 13, "system information")
    data = response.data
    return SystemInfo(uid=bytes(data[1:9]), dsfid=data[0], afi=data[9], block_size=(data[10] & 0x1F) + 1,
                      block_count=data[11] + 1, ic_reference=data[12])


def nxp(command: int, uid: bytes | None, payload: bytes = b"", option: bool = False) -> Request:
    """[0xB1][0x04] NXP custom command (``option`` is passed through in MODE bit 3)."""
    return Request(CMD_CUSTOM, bytes([MFR_NXP, command]) + _addressing(uid, 0x08 if option else 0) + payload)


def transparent(mode: int, response_bytes: int, request: bytes, *, fast_return: bool = False,
                delay: float = 0.0) -> Request:
    """[0xBF] ISO 15693 transparent command: the reader sends ``request`` (an air frame without SOF,
    CRC, EOF) as it is and returns the tag's answer, CRC included.

    ``MODE RSP-LENGTH(2) reserved(2) [EOF-PULSE-DELAY(2) | MULTIPLE-302us-GRIDS(2)] REQUEST-DATA``;
    RSP-LENGTH counts the bits of one answer (per slot in a 16-slot inventory), CRC included.
    ``delay`` (seconds) goes into EOF-PULSE-DELAY (modes 3 and 4, 590 ns units: when the reader
    closes a slot) or the 302 µs grid count (mode 5).
    """
    if mode not in (TRANSPARENT_READ, TRANSPARENT_WRITE, TRANSPARENT_WRITE_OPTION, TRANSPARENT_INVENTORY,
                    TRANSPARENT_WRITE_GRID):
        raise InvalidRequest(f"transparent mode must be 1..5, got {mode}")
    bits = (response_bytes + 2) * 8
    if not request or response_bytes < 0 or bits > 0xFFFF:
        raise InvalidRequest(f"transparent command: empty request or bad answer length {response_bytes}")
    if not delay >= 0:  # NaN too
        raise InvalidRequest(f"transparent command: delay must be 0 s or more, got {delay}")
    payload = bytes([mode | (TRANSPARENT_FAST_RETURN if fast_return else 0)]) + bits.to_bytes(2, "big")
    payload += b"\x00\x00"
    if mode in (TRANSPARENT_WRITE_OPTION, TRANSPARENT_INVENTORY):
        payload += min(0xFFFF, round(delay / EOF_PULSE_UNIT_S)).to_bytes(2, "big")
    elif mode == TRANSPARENT_WRITE_GRID:
        payload += min(0xFFFF, round(delay / 302e-6)).to_bytes(2, "big")
    return Request(CMD_TRANSPARENT, payload + bytes(request))


def software_version() -> Request:
    return Request(CMD_SOFTWARE_VERSION)


@dataclass(frozen=True, slots=True)
class SoftwareVersion:
    sw_rev: int
    d_rev: int
    hw_type: int
    sw_type: int
    tr_types: int

    @property
    def firmware(self) -> str:
        return f"{self.sw_rev >> 8}.{self.sw_rev & 0xFF:02d}.{self.d_rev:02d}"


# SW-TYPE → reader family (partial list; unknown codes are reported numerically).
SW_TYPES = {0x30: "ID ISC.MR100", 0x31: "ID ISC.PR100", 0x40: "ID ISC.LR200", 0x41: "ID ISC.MR101",
            0x42: "ID ISC.PRH101", 0x44: "ID ISC.MR200", 0x48: "ID ISC.LR2000", 0x49: "ID ISC.LRM2500",
            0x4A: "ID ISC.LR2500", 0x71: "ID CPR.02", 0x72: "ID CPR.04"}


def parse_software_version(response: Response) -> SoftwareVersion:
    """``SW-REV(2) D-REV HW-TYPE SW-TYPE TR-TYPE(2)``."""
    _need(response, 5, "software version")
    data = response.data
    tr_types = int.from_bytes(data[5:7], "big") if len(data) >= 7 else 0
    return SoftwareVersion(int.from_bytes(data[0:2], "big"), data[2], data[3], data[4], tr_types)


def rf_reset() -> Request:
    return Request(CMD_RF_RESET)


def rf_onoff(on: bool) -> Request:
    return Request(CMD_RF_ONOFF, bytes([0x01 if on else 0x00]))


# -- buffered read mode (gates) ---------------------------------------------------------------
TR_DATA_IDD = 0x01
TR_DATA_DB = 0x02
TR_DATA_LSB_FIRST = 0x08
TR_DATA_ANT = 0x10
TR_DATA_TIMER = 0x20
TR_DATA_DATE = 0x40
TR_DATA_EXTENSION = 0x80


def read_buffer(data_sets: int) -> Request:
    if not 1 <= data_sets <= 0xFFFF:
        raise InvalidRequest(f"data sets to read must be 1..65535, got {data_sets}")
    return Request(CMD_READ_BUFFER, data_sets.to_bytes(2, "big"))


def buffer_info() -> Request:
    return Request(CMD_BUFFER_INFO)


def clear_buffer() -> Request:
    return Request(CMD_CLEAR_BUFFER)


def init_buffer() -> Request:
    return Request(CMD_INIT_BUFFER)


@dataclass(frozen=True, slots=True)
class BufferRecord:
    """One buffered-read data set: the tag seen, and what the reader was configured to add."""

    uid: bytes | None = None
    tr_type: int | None = None
    data: bytes | None = None  # tag memory order
    timer: int | None = None
    antenna: int | None = None


@dataclass(frozen=True, slots=True)
class BufferInfo:
    size: int
    start: int
    length: int


def parse_buffer_info(response: Response) -> BufferInfo:
    _need(response, 6, "buffer info")
    data = response.data
    return BufferInfo(*(int.from_bytes(data[i:i + 2], "big") for i in (0, 2, 4)))


def parse_read_buffer(response: Response) -> list[BufferRecord]:
    """``TR-DATA1 [TR-DATA2] DATA-SETS(2)`` then records ``REC-LEN(2) [TR-TYPE IDDT IDD-LEN IDD]
    [DB-N(2) DB-SIZE DB…] [TIMER(4)] [ANT]``; status 0x92 (no valid data) is an empty buffer."""
    if response.status == STATUS_NO_VALID_DATA:
        return []
    _need(response, 3, "read buffer")
    data = response.data
    tr_data = data[0]
    offset = 2 if tr_data & TR_DATA_EXTENSION else 1
    if len(data) < offset + 2:
        raise ProtocolError("read buffer: reply too short for DATA-SETS")
    count = int.from_bytes(data[offset:offset + 2], "big")
    offset += 2
    records = []
    for index in range(count):
        if len(data) < offset + 2:
            raise ProtocolError(f"read buffer: record {index + 1} of {count} missing")
        length = int.from_bytes(data[offset:offset + 2], "big")
        record = data[offset + 2:offset + 2 + length]
        if len(record) != length:
            raise ProtocolError(f"read buffer: record {index + 1} truncated")
        records.append(_buffer_record(record, tr_data))
        offset += 2 + length
    return records


def _buffer_record(record: bytes, tr_data: int) -> BufferRecord:
    fields: dict[str, object] = {}
    position = 0

    def take(size: int) -> bytes:
        nonlocal position
        if len(record) < position + size:
            raise ProtocolError("read buffer: record shorter than its TR-DATA fields")
        chunk = record[position:position + size]
        position += size
        return bytes(chunk)

    if tr_data & TR_DATA_IDD:
        tr_type, _iddt, idd_len = take(3)
        fields["tr_type"], fields["uid"] = tr_type, take(idd_len)
    if tr_data & TR_DATA_DB:
        blocks, size = int.from_bytes(take(2), "big"), take(1)[0]
        order = BLOCKS_MEMORY if tr_data & TR_DATA_LSB_FIRST else BLOCKS_REVERSED
        fields["data"] = swap_blocks(take(blocks * size), size, order)
    if tr_data & TR_DATA_TIMER:
        fields["timer"] = int.from_bytes(take(4), "big")
    if tr_data & TR_DATA_ANT:
        fields["antenna"] = take(1)[0]
    return BufferRecord(**fields)  # type: ignore[arg-type]


def encode_buffer_record(record: BufferRecord, tr_data: int, block_size: int = 4) -> bytes:
    """The reader side of :func:`parse_read_buffer` (used by the simulator)."""
    body = b""
    if tr_data & TR_DATA_IDD:
        uid = record.uid or b""
        body += bytes([record.tr_type or TR_TYPE_ISO15693, 0x00, len(uid)]) + uid
    if tr_data & TR_DATA_DB:
        data = record.data or b""
        order = BLOCKS_MEMORY if tr_data & TR_DATA_LSB_FIRST else BLOCKS_REVERSED
        body += (len(data) // block_size).to_bytes(2, "big") + bytes([block_size]) + swap_blocks(
            data, block_size, order)
    if tr_data & TR_DATA_TIMER:
        body += (record.timer or 0).to_bytes(4, "big")
    if tr_data & TR_DATA_ANT:
        body += bytes([record.antenna or 1])
    return len(body).to_bytes(2, "big") + body


def block_chunks(first: int, count: int, per_request: int) -> Sequence[tuple[int, int]]:
    """Split a block range into reader-sized requests."""
    end = first + count
    return [(start, min(per_request, end - start)) for start in range(first, end, per_request)]
