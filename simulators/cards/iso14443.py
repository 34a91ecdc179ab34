"""An ISO 14443-A patron card: anti-collision state machine and NFC Forum Type 2 memory (NTAG213).

The card answers frames as a real one would (CRC omitted, as nfcpy's UDP link
carries frames without it): REQA/WUPA → ATQA, anti-collision per cascade level
with the cascade tag 0x88 and the BCC, SELECT → SAK (cascade bit while UID bytes
remain), then READ (``30 page`` → 16 bytes, wrapping at the end of memory),
GET_VERSION (``60``) and HLTA. An unsupported command gets a NAK and mutes the
card until the next REQA/WUPA, which is what nfcpy's Type 2 code expects.

Pure state: ``handle(frame) -> bytes | None``; the transport lives in ``udp``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum
from functools import reduce

REQA, WUPA = 0x26, 0x52
SEL_CODES = (0x93, 0x95, 0x97)
CASCADE_TAG = 0x88
NAK = b"\x00"
NTAG213_VERSION = bytes.fromhex("0004040201000F03")
NTAG213_PAGES = 45


class CardState(Enum):
    IDLE = "idle"
    READY = "ready"
    ACTIVE = "active"
    HALT = "halt"


def ntag213_memory(uid: bytes, user_data: bytes = b"") -> bytearray:
    """Pages 0–44 of an NTAG213: UID and BCCs, lock bytes, CC, then user data from page 4."""
    if len(uid) != 7:
        raise ValueError("an NTAG213 has a 7-byte UID")
    if len(user_data) > (NTAG213_PAGES - 4 - 5) * 4:
        raise ValueError("user data does not fit the 144 bytes of an NTAG213")
    bcc0 = CASCADE_TAG ^ uid[0] ^ uid[1] ^ uid[2]
    bcc1 = uid[3] ^ uid[4] ^ uid[5] ^ uid[6]
    memory = bytearray(NTAG213_PAGES * 4)
    memory[0:9] = bytes([uid[0], uid[1], uid[2], bcc0, uid[3], uid[4], uid[5], uid[6], bcc1])
    memory[12:16] = bytes.fromhex("E1101200")  # capability container
    memory[16:16 + len(user_data)] = user_data
    return memory


@dataclass
class Iso14443Card:
    """A Type A card with a 4-, 7- or 10-byte UID. ``memory`` holds 4-byte pages."""

    uid: bytes
    memory: bytearray = field(default_factory=bytearray)
    atqa: bytes = b"\x44\x00"
    sak: int = 0x00
    version: bytes | None = NTAG213_VERSION
    read_failure_probability: float = 0.0
    state: CardState = CardState.IDLE
    _level: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if len(self.uid) not in (4, 7, 10):
            raise ValueError(f"a Type A UID has 4, 7 or 10 bytes, not {len(self.uid)}")
        if not self.memory and len(self.uid) == 7:
            self.memory = ntag213_memory(self.uid)

    @classmethod
    def ntag213(cls, uid: bytes, user_data: bytes = b"") -> Iso14443Card:
        return cls(uid=uid, memory=ntag213_memory(uid, user_data))

    def field_off(self) -> None:
        self.state, self._level = CardState.IDLE, 0

    def handle(self, frame: bytes) -> bytes | None:
        """The card's answer to one frame, or None when it stays silent."""
        if not frame:
            return None
        if frame[0] in (REQA, WUPA) and len(frame) == 1:
            return self._wake(frame[0])
        if self.state is CardState.READY and frame[0] in SEL_CODES:
            return self._anticollision(frame)
        if self.state is CardState.ACTIVE:
            return self._command(frame)
        return None

    def _wake(self, code: int) -> bytes | None:
        if self.state is CardState.HALT and code == REQA:
            return None
        self.state, self._level = CardState.READY, 0
        return self.atqa

    def _cascade_bytes(self, level: int) -> bytes:
        """The 4 UID bytes sent at cascade ``level`` (with the cascade tag when more follow)."""
        if level == self._levels - 1:
            return self.uid[-4:]
        return bytes([CASCADE_TAG]) + self.uid[3 * level:3 * level + 3]

    @property
    def _levels(self) -> int:
        return {4: 1, 7: 2, 10: 3}[len(self.uid)]

    def _anticollision(self, frame: bytes) -> bytes | None:
        level = SEL_CODES.index(frame[0])
        if level != self._level:
            return None
        part = self._cascade_bytes(level)
        bcc = reduce(lambda a, b: a ^ b, part)
        if frame[1:2] == b"\x20":
            return part + bytes([bcc])
        if frame[1:2] == b"\x70" and frame[2:7] == part + bytes([bcc]):
            if level < self._levels - 1:
                self._level += 1
                return bytes([0x04])  # cascade bit: UID not complete
            self.state = CardState.ACTIVE
            return bytes([self.sak & 0xFB])
        return None

    def _command(self, frame: bytes) -> bytes | None:
        code = frame[0]
        if code == 0x30 and len(frame) == 2:
            return self._read(frame[1])
        if code == 0x60 and len(frame) == 1 and self.version is not None:
            return self.version
        if code == 0x50:
            self.state = CardState.HALT
            return None
        self.state = CardState.IDLE
        return NAK

    def _read(self, page: int) -> bytes:
        pages = len(self.memory) // 4
        if pages == 0 or page >= pages or self._rng.random() < self.read_failure_probability:
            self.state = CardState.IDLE
            return NAK
        return bytes(self.memory[((page + i) % pages) * 4 + j] for i in range(4) for j in range(4))
