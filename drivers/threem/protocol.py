"""3M RFID reader protocol (pads model 210 and 810), sans-I/O: frames, CRC, commands, replies.

Framing (3M "Reader Protocol Specification", public copy in Biblio-RFID ``docs/``)
-------------------------------------------------------------------------------
``D6 LEN_hi LEN_lo CMD PARAMS… CRC_hi CRC_lo`` at 19200 baud 8N1. ``LEN`` counts
every byte after itself, CRC included. The CRC is CRC-16/GENIBUS (poly 0x1021,
init 0xFFFF, xorout 0xFFFF, not reflected; check value 0xD64E) over everything
after the start byte, sent MSB first. A reply repeats the command code and puts an
error byte right after it (00 = success). The reader-version exchange uses start
byte ``D5`` with the same layout. The host must not send a new command before the
reply to the previous one: the reader ignores it.

UIDs travel MSB first, as printed on labels (``E0 04 01 …``): published inventory
replies list ``E0 04 01 00 31 23 AA 26``. Block data is in tag memory order.

Provenance of each layout
-------------------------
Sources, by letter in the table:

* **C** — a real 3M 810 session, requests with their CRCs: dpavlin/koha-rfid-3m810-js,
  ``tests/fixtures/live-capture.txt`` (inventory, get AFI, read multiblock, version).
* **L** — replies captured from a 3M pad with their CRCs: BIOS9/LibraryStockScanner,
  ``src/RfidAssetReader3MTests/ReaderCommunication/ReaderResponseTests.cs``.
* **B** — dpavlin/Biblio-RFID ``lib/Biblio/RFID/Reader/3M810.pm`` (written from serial
  captures): the command strings it sends and the reply prefixes it matches.
* **S** — the 3M "RFID Reader Model 210 Protocol Specification" v1.0.0 (June 2009). Its
  table of contents is public (docsbay.net, "reader-protocol-specification-revision-1-0-0"):
  Read Block UID, Reader Version, ISO Pass thru, Quiet, Read Multiblock, Write Multiblock,
  Write Block, Write & Lock Block, Lock Block, Get/Write/Lock AFI, Check EAS, EAS Control,
  Get/Write/Lock DSFID, Tag Info. Field layouts read from a public Python transcription of
  that specification (a labelling station's RFID module, found by content search; the index
  does not name its repository), so they carry less weight than C, L and B.

=====  ================  ====================================================  ========
code   command           request params → reply data (after the error byte)    evidence
=====  ================  ====================================================  ========
FE     inventory         ``00 05`` → ``00 05 N UID×N``                          C L B
D5/04  reader version    ``00 11`` → ``11 V1 V2 V3 V4``                         C B
02     read multiblock   ``UID first count`` → ``UID N (blk st D0..D3)×N``      C B S
04     write multiblock  ``UID first count 00 DATA`` → ``UID next``             B S
0A     get AFI           ``UID`` → ``UID AFI``                                  C B S
09     write AFI         ``UID AFI`` → ``UID``                                  B S
0C     EAS control       ``UID 01|00`` → ``UID``                                S
08     lock block        ``UID block`` → ``UID`` (one block per command)        S
06     lock AFI          ``UID`` → ``UID``                                      S
03     check EAS         ``UID`` → ``UID EAS`` (01 = armed)                     S
0D     tag info          ``UID wanted`` → ``UID avail [fields]``                S
=====  ================  ====================================================  ========

Details and corrections:

* Write multiblock: the byte after ``count`` is a reserved flags byte, 00 (S; B and the
  koha-rfid-3m810-js driver send it too). ``next`` is "the block in error, or the last
  block written + 1" (S); B calls it the block count, which is the same number when
  writing from block 0, the only case B uses. The driver verifies writes by reading back
  and does not rely on it.
* Read multiblock: ``st`` is the "lock/error" byte of each block (S). The captures only
  show 00; that bit 0 set means locked is still an assumption.
* Lock block locks *one* block (S: "Lock Block", next to the single-block "Write Block"
  and "Write & Lock Block"); the layout ``UID first count`` used before was assumed and
  is corrected: the driver sends one command per block.
* Check EAS is addressed and echoes the UID before the EAS byte (S); the field-wide form
  without a UID used before was assumed and is dropped: ``eas_alarm()`` without a UID
  checks each inventoried tag.
* Tag info takes a "requested information" byte and answers with an "available
  information" byte followed by the fields it announces, in this order (S): DSFID (bit 0),
  AFI (bit 1), block size − 1 and block count − 1 (bit 2), IC reference on two bytes
  (bit 3). The fixed ``DSFID AFI blocks size IC`` reply used before was assumed and is
  corrected. The byte order of the two-byte IC reference is not stated: read big endian.
* Inventory: S names FE's two parameter bytes AFI and response options, so ``FE 07 05``
  might be an AFI-masked inventory; no capture shows one, so the driver does not use it.
* Error bytes: 06 (no transponder) is the error B handles on read, write, get and write
  AFI. 12 (block locked) and 16 (write error) come from the Borne reference notes' reading
  of the 3M specification in Biblio-RFID ``docs/`` (a .doc we could not re-read) and appear
  in no public capture; any other byte raises ``ReaderError`` with the byte kept.
  ``hardware_tests/`` should confirm 12/16, the ``st`` lock bit and the IC byte order.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import BlockLocked, InvalidRequest, NoTag, ProtocolError, ReaderError, WriteFailed

START = 0xD6
START_SETUP = 0xD5
BAUDRATE = 19200
MAX_LENGTH = 1024  # longest plausible reply (64 blocks read at once); anything longer is noise
UID_LENGTH = 8

CMD_INVENTORY = 0xFE
CMD_VERSION = 0x04  # with start byte D5
CMD_READ_BLOCKS = 0x02
CMD_CHECK_EAS = 0x03
CMD_WRITE_BLOCKS = 0x04
CMD_LOCK_AFI = 0x06
CMD_LOCK_BLOCK = 0x08
CMD_WRITE_AFI = 0x09
CMD_GET_AFI = 0x0A
CMD_EAS_CONTROL = 0x0C
CMD_TAG_INFO = 0x0D

INVENTORY_PARAMS = b"\x00\x05"
INFO_DSFID, INFO_AFI, INFO_MEMORY, INFO_IC = 0x01, 0x02, 0x04, 0x08  # tag info "requested/available" bits
INFO_ALL = INFO_DSFID | INFO_AFI | INFO_MEMORY | INFO_IC
VERSION_PARAMS = b"\x00\x11"

ERR_OK = 0x00
ERR_NO_TAG = 0x06
ERR_LOCKED = 0x12
ERR_WRITE = 0x16
BLOCK_LOCKED_BIT = 0x01

ERROR_TYPES: dict[int, type[ReaderError]] = {
    ERR_NO_TAG: NoTag, ERR_LOCKED: BlockLocked, ERR_WRITE: WriteFailed}
ERROR_NAMES = {ERR_NO_TAG: "no transponder", ERR_LOCKED: "block locked", ERR_WRITE: "write error"}


def crc16_genibus(data: bytes) -> int:
    """CRC-16/GENIBUS: poly 0x1021, init 0xFFFF, xorout 0xFFFF, MSB first ("123456789" → 0xD64E)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc ^ 0xFFFF


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame either way. For replies ``body[0]`` is the error byte (see ``Reply``)."""

    command: int
    body: bytes = b""
    start: int = START

    def encode(self) -> bytes:
        inner = bytes([self.command]) + self.body
        head = (len(inner) + 2).to_bytes(2, "big") + inner
        return bytes([self.start]) + head + crc16_genibus(head).to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class Reply:
    """A reader reply: command echoed, error byte, data."""

    command: int
    error: int
    data: bytes
    start: int = START

    @classmethod
    def from_frame(cls, frame: Frame) -> Reply:
        if not frame.body:
            raise ProtocolError(f"3M reply to command 0x{frame.command:02X} has no error byte")
        return cls(frame.command, frame.body[0], frame.body[1:], frame.start)

    def to_frame(self) -> Frame:
        return Frame(self.command, bytes([self.error]) + self.data, self.start)

    def raise_for_error(self) -> None:
        if self.error == ERR_OK:
            return
        name = ERROR_NAMES.get(self.error, "reader error")
        error_type = ERROR_TYPES.get(self.error, ReaderError)
        raise error_type(f"3M reader: {name} on command 0x{self.command:02X}", status=self.error)


@dataclass(frozen=True, slots=True)
class BadFrame:
    """Bytes that looked like a frame but failed the CRC: the reply is lost, the host retries."""

    raw: bytes
    reason: str


class FrameReader:
    """Streaming parser: ``feed(bytes)`` → complete ``Frame``s and ``BadFrame``s; garbage skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def clear(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        self._buffer += data
        events: list[Frame | BadFrame] = []
        while True:
            event = self._next()
            if event is None:
                return events
            events.append(event)

    def _next(self) -> Frame | BadFrame | None:
        buffer = self._buffer
        while buffer and buffer[0] not in (START, START_SETUP):
            del buffer[0]
        if len(buffer) < 3:
            return None
        length = int.from_bytes(buffer[1:3], "big")
        if not 3 <= length <= MAX_LENGTH:
            del buffer[0]  # not a frame start after all: resynchronise on the next D5/D6
            return self._next()
        if len(buffer) < 3 + length:
            return None
        raw = bytes(buffer[:3 + length])
        del buffer[:3 + length]
        if crc16_genibus(raw[1:-2]) != int.from_bytes(raw[-2:], "big"):
            return BadFrame(raw, f"CRC mismatch (got {raw[-2:].hex().upper()}, "
                                 f"expected {crc16_genibus(raw[1:-2]):04X})")
        return Frame(raw[3], raw[4:-2], raw[0])


# --- host requests -------------------------------------------------------------------------------

def _uid(uid: bytes) -> bytes:
    if len(uid) != UID_LENGTH:
        raise InvalidRequest(f"a 3M reader addresses tags by 8-byte UID, got {len(uid)} bytes")
    return uid


def _byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise InvalidRequest(f"{what} must fit in one byte, got {value}")
    return value


def inventory_request() -> Frame:
    return Frame(CMD_INVENTORY, INVENTORY_PARAMS)


def version_request() -> Frame:
    return Frame(CMD_VERSION, VERSION_PARAMS, START_SETUP)


def _range(first: int, count: int) -> bytes:
    return bytes([_byte(first, "first block"), _byte(count, "block count")])


def read_blocks_request(uid: bytes, first: int, count: int) -> Frame:
    return Frame(CMD_READ_BLOCKS, _uid(uid) + _range(first, count))


def write_blocks_request(uid: bytes, first: int, data: bytes) -> Frame:
    if not data or len(data) % 4:
        raise InvalidRequest(f"write data must be whole 4-byte blocks, got {len(data)} bytes")
    count = _byte(len(data) // 4, "block count")
    return Frame(CMD_WRITE_BLOCKS, _uid(uid) + bytes([_byte(first, "first block"), count, 0x00]) + data)


def lock_block_request(uid: bytes, block: int) -> Frame:
    """Lock Block locks one block; lock a range with one request per block."""
    return Frame(CMD_LOCK_BLOCK, _uid(uid) + bytes([_byte(block, "block number")]))


def write_afi_request(uid: bytes, afi: int) -> Frame:
    return Frame(CMD_WRITE_AFI, _uid(uid) + bytes([_byte(afi, "AFI")]))


def get_afi_request(uid: bytes) -> Frame:
    return Frame(CMD_GET_AFI, _uid(uid))


def lock_afi_request(uid: bytes) -> Frame:
    return Frame(CMD_LOCK_AFI, _uid(uid))


def eas_control_request(uid: bytes, armed: bool) -> Frame:
    return Frame(CMD_EAS_CONTROL, _uid(uid) + (b"\x01" if armed else b"\x00"))


def check_eas_request(uid: bytes) -> Frame:
    """One tag's EAS bit (the command is addressed)."""
    return Frame(CMD_CHECK_EAS, _uid(uid))


def tag_info_request(uid: bytes, wanted: int = INFO_ALL) -> Frame:
    return Frame(CMD_TAG_INFO, _uid(uid) + bytes([_byte(wanted, "requested information")]))


# --- reply decoding ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReadBlock:
    number: int
    status: int
    data: bytes

    @property
    def locked(self) -> bool:
        return bool(self.status & BLOCK_LOCKED_BIT)


@dataclass(frozen=True, slots=True)
class TagInfo:
    """What a tag info reply announced; ``None`` for what the reader did not return."""

    uid: bytes
    dsfid: int | None
    afi: int | None
    block_count: int | None
    block_size: int | None
    ic_reference: int | None


def _need(reply: Reply, size: int, what: str) -> bytes:
    reply.raise_for_error()
    if len(reply.data) < size:
        raise ProtocolError(f"3M {what} reply too short: {len(reply.data)} bytes, need {size}")
    return reply.data


def parse_inventory(reply: Reply) -> list[bytes]:
    data = _need(reply, 3, "inventory")
    count = data[2]
    uids = data[3:]
    if len(uids) != count * UID_LENGTH:
        raise ProtocolError(f"3M inventory reply announces {count} tags but carries {len(uids)} UID bytes")
    return [uids[i:i + UID_LENGTH] for i in range(0, len(uids), UID_LENGTH)]


def parse_version(reply: Reply) -> str:
    data = _need(reply, 5, "version")
    return ".".join(str(b) for b in data[1:5])


def parse_read_blocks(reply: Reply, uid: bytes) -> list[ReadBlock]:
    data = _need(reply, UID_LENGTH + 1, "read blocks")
    _check_uid(data, uid, "read blocks")
    count, records = data[UID_LENGTH], data[UID_LENGTH + 1:]
    if len(records) != count * 6:
        raise ProtocolError(f"3M read reply announces {count} blocks but carries {len(records)} bytes")
    return [ReadBlock(records[i], records[i + 1], records[i + 2:i + 6]) for i in range(0, len(records), 6)]


def parse_tag_reply(reply: Reply, uid: bytes, what: str) -> bytes:
    """Replies that echo the UID (write, lock, AFI, EAS control); returns the data after it."""
    data = _need(reply, UID_LENGTH, what)
    _check_uid(data, uid, what)
    return data[UID_LENGTH:]


def parse_get_afi(reply: Reply, uid: bytes) -> int:
    rest = parse_tag_reply(reply, uid, "get AFI")
    if not rest:
        raise ProtocolError("3M get AFI reply carries no AFI byte")
    return rest[0]


def parse_check_eas(reply: Reply, uid: bytes) -> bool:
    rest = parse_tag_reply(reply, uid, "check EAS")
    if not rest:
        raise ProtocolError("3M check EAS reply carries no EAS byte")
    return rest[0] == 0x01


def parse_tag_info(reply: Reply, uid: bytes) -> TagInfo:
    """``avail`` then the fields it announces: DSFID, AFI, block size - 1 and count - 1, IC (2 bytes)."""
    rest = parse_tag_reply(reply, uid, "tag info")
    if not rest:
        raise ProtocolError("3M tag info reply carries no information byte")
    avail, fields = rest[0], rest[1:]
    sizes = ((INFO_DSFID, 1), (INFO_AFI, 1), (INFO_MEMORY, 2), (INFO_IC, 2))
    needed = sum(size for bit, size in sizes if avail & bit)
    if len(fields) < needed:
        raise ProtocolError(f"3M tag info reply announces {needed} bytes of information "
                            f"(flags {avail:02X}) but carries {len(fields)}")
    values: dict[int, bytes] = {}
    for bit, size in sizes:
        if avail & bit:
            values[bit], fields = fields[:size], fields[size:]
    memory = values.get(INFO_MEMORY)
    return TagInfo(
        uid,
        dsfid=values[INFO_DSFID][0] if INFO_DSFID in values else None,
        afi=values[INFO_AFI][0] if INFO_AFI in values else None,
        block_count=memory[1] + 1 if memory else None,
        block_size=memory[0] + 1 if memory else None,
        ic_reference=int.from_bytes(values[INFO_IC], "big") if INFO_IC in values else None,
    )


def _check_uid(data: bytes, uid: bytes, what: str) -> None:
    if data[:UID_LENGTH] != uid:
        raise ProtocolError(f"3M {what} reply is for tag {data[:UID_LENGTH].hex().upper()}, "
                            f"not {uid.hex().upper()}")
