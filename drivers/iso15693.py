"""ISO 15693 air frames the host builds itself: NXP (FAST) INVENTORY READ, for readers with a raw mode.

Why: a security gate must know what a secured tag is (an item to alarm for, or a patron
card, equipment or a foreign item to ignore) in the poll that first hears it. An
inventory followed by an addressed memory read costs two reader exchanges (about 33 ms
of air time plus two host round trips); the NXP ICODE custom INVENTORY READ (0xA0) and
FAST INVENTORY READ (0xA1) answer the anticollision request itself with the UID and the
requested blocks, in one exchange (about 10 ms for one tag and 8 blocks, the answer at
53 kbit/s for the FAST variant).

Facts (public NXP data sheets: ICODE SLI SL2 ICS20 §3.4.3.1, ICODE SLI-S §8.1.3.11, ICODE
SLIX SL2S2002): the request is ``flags A0|A1 04 [AFI] mask-length mask first-block
blocks-1`` with the inventory flag set; a tag that would answer an inventory with these
AFI and mask answers instead with ``flags [UID rest] data``. With the option flag set the
answer carries the part of the UID not covered by the mask (and by the slot number in a
16-slot round), rounded out to whole bytes with UID bits instead of zero padding, so with
an empty mask it is the whole UID, LSB first. A tag that detects an error stays silent.

Pure: frames in, values out; no I/O. UIDs are returned MSB first (label order, as
everywhere in Borne); air order is LSB first.
"""

from __future__ import annotations

from dataclasses import dataclass

FLAG_HIGH_RATE = 0x02
FLAG_INVENTORY = 0x04
FLAG_AFI = 0x10  # with the inventory flag
FLAG_ONE_SLOT = 0x20  # with the inventory flag
FLAG_OPTION = 0x40
FLAG_ERROR = 0x01  # response
MFR_NXP = 0x04
NXP_INVENTORY_READ = 0xA0
NXP_FAST_INVENTORY_READ = 0xA1
UID_BITS = 64
CRC_BYTES = 2


class FrameError(ValueError):
    """An ISO 15693 answer that cannot be what was asked for (garbled, truncated, wrong CRC)."""


def crc(data: bytes) -> int:
    """Air CRC: CRC-16/X-25 (reflected 0x8408, init 0xFFFF, final xor 0xFFFF), sent LSB first."""
    value = 0xFFFF
    for byte in data:
        value ^= byte
        for _ in range(8):
            value = (value >> 1) ^ 0x8408 if value & 1 else value >> 1
    return value ^ 0xFFFF


def with_crc(frame: bytes) -> bytes:
    return frame + crc(frame).to_bytes(CRC_BYTES, "little")


def strip_crc(frame: bytes) -> bytes:
    """The frame without its air CRC; :class:`FrameError` when the CRC does not match."""
    if len(frame) < CRC_BYTES + 1:
        raise FrameError(f"ISO 15693 answer of {len(frame)} bytes is too short to carry a CRC")
    body, received = frame[:-CRC_BYTES], int.from_bytes(frame[-CRC_BYTES:], "little")
    if crc(body) != received:
        raise FrameError(f"ISO 15693 answer CRC {received:04X} does not match {crc(body):04X} "
                         "(garbled: usually several tags answered at once)")
    return bytes(body)


@dataclass(frozen=True, slots=True)
class InventoryReadRequest:
    """One NXP INVENTORY READ round; ``blocks`` is the number of blocks wanted (1…256)."""

    first_block: int
    blocks: int
    afi: int | None = None
    fast: bool = True
    one_slot: bool = True
    mask_bits: int = 0
    mask: int = 0  # the low ``mask_bits`` bits of the UID, first bit on air = bit 0

    def __post_init__(self) -> None:
        if not 0 <= self.first_block <= 0xFF:
            raise ValueError(f"first block must be 0..255, got {self.first_block}")
        if not 1 <= self.blocks <= 256 or self.first_block + self.blocks > 256:
            raise ValueError(f"cannot read {self.blocks} blocks from block {self.first_block} (0..255)")
        if self.afi is not None and not 0 <= self.afi <= 0xFF:
            raise ValueError(f"AFI must be a byte (0..255), got {self.afi}")
        limit = UID_BITS - (0 if self.one_slot else 4)
        if not 0 <= self.mask_bits <= limit:
            raise ValueError(f"mask length must be 0..{limit} bits, got {self.mask_bits}")
        if not 0 <= self.mask < 1 << self.mask_bits:
            raise ValueError(f"mask {self.mask:#x} does not fit in {self.mask_bits} bits")

    @property
    def command(self) -> int:
        return NXP_FAST_INVENTORY_READ if self.fast else NXP_INVENTORY_READ

    @property
    def known_bits(self) -> int:
        """UID bits the tag does not send back: the mask, plus the slot number in a 16-slot round."""
        return self.mask_bits + (0 if self.one_slot else 4)

    @property
    def uid_bytes(self) -> int:
        """UID bytes in each answer (the unknown bits, rounded out to whole bytes)."""
        return (UID_BITS - (self.known_bits // 8) * 8) // 8

    @property
    def answer_bytes(self) -> int:
        """Length of one tag's answer, CRC excluded: flags, UID rest, data (4-byte blocks)."""
        return 1 + self.uid_bytes + 4 * self.blocks

    def encode(self) -> bytes:
        """The request frame without SOF, CRC and EOF (what a transparent reader command carries)."""
        flags = FLAG_HIGH_RATE | FLAG_INVENTORY | FLAG_OPTION
        flags |= FLAG_AFI if self.afi is not None else 0
        flags |= FLAG_ONE_SLOT if self.one_slot else 0
        frame = bytes([flags, self.command, MFR_NXP])
        if self.afi is not None:
            frame += bytes([self.afi])
        frame += bytes([self.mask_bits]) + self.mask.to_bytes((self.mask_bits + 7) // 8, "little")
        return frame + bytes([self.first_block, self.blocks - 1])


@dataclass(frozen=True, slots=True)
class InventoryReadAnswer:
    uid: bytes  # MSB first
    data: bytes  # tag memory order, ``first_block`` onwards


def parse_answer(request: InventoryReadRequest, answer: bytes,
                 slot: int | None = None) -> InventoryReadAnswer:
    """Decode one tag's answer (CRC already removed) to ``request``.

    ``slot`` is the slot number of a 16-slot round when the answer does not carry those
    bits itself (mask lengths where the slot nibble falls below the first returned byte).
    """
    if len(answer) != request.answer_bytes:
        raise FrameError(f"inventory read answer of {len(answer)} bytes, expected {request.answer_bytes} "
                         f"(flags, {request.uid_bytes} UID bytes, {request.blocks} blocks of 4 bytes)")
    if answer[0] & FLAG_ERROR:
        raise FrameError(f"inventory read answer carries the error flag (flags {answer[0]:02X})")
    start = UID_BITS // 8 - request.uid_bytes
    known = request.mask
    if not request.one_slot:
        if slot is None and start * 8 > request.mask_bits:
            raise FrameError("the slot number of this 16-slot answer is needed to rebuild its UID")
        known |= (slot or 0) << request.mask_bits
    rest = int.from_bytes(answer[1:1 + request.uid_bytes], "little")
    uid = (rest << (start * 8)) | (known & ((1 << (start * 8)) - 1))
    data = bytes(answer[1 + request.uid_bytes:])
    return InventoryReadAnswer(uid=uid.to_bytes(8, "little")[::-1], data=data)


def split_slot_answers(request: InventoryReadRequest, data: bytes) -> tuple[list[InventoryReadAnswer], int]:
    """A 16-slot round returned as one record per answering slot (each with its CRC).

    Returns the answers whose CRC holds and the number of garbled records (slots where
    several tags answered at once: poll them again with a longer mask).
    """
    if (UID_BITS // 8 - request.uid_bytes) * 8 > request.mask_bits:
        raise ValueError("these answers do not carry their slot number (a round's records do not say "
                         "which slot they came from): use a mask length of 0..3 modulo 8")
    size = request.answer_bytes + CRC_BYTES
    if len(data) % size:
        raise FrameError(f"{len(data)} bytes of slot answers is not a whole number of {size}-byte answers")
    answers, garbled = [], 0
    for offset in range(0, len(data), size):
        try:
            answers.append(parse_answer(request, strip_crc(data[offset:offset + size])))
        except FrameError:
            garbled += 1
    return answers, garbled
