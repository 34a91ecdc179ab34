"""NXP ICODE SLIX / SLIX2 tag model executing ISO 15693 requests at the command level.

Theory of operation
-------------------
A ``SlixTag`` is the chip, not the antenna: :meth:`SlixTag.handle` takes one ISO 15693
request frame *without* its air CRC (``flags, command, [manufacturer code], [UID], params``)
and returns the response frame (``flags, data``) or ``None`` when the tag stays silent
(not addressed, quiet, AFI mismatch, muted by a wrong password, …). Bytes are in air
order: the UID travels LSB first (reversed from the ``E0 04 …`` label order used
everywhere else in Borne), block data in memory order. The RF field
(:mod:`simulators.rf`) decides who hears a request, arranges anticollision slots and
accounts for air time; reader simulators translate their host protocol into these frames,
so every reader protocol exercises the same chip behaviour.

Modelled: ISO 15693 mandatory/optional commands (inventory with AFI and mask, stay quiet,
select, reset to ready, read/write/lock single blocks, read multiple blocks with block
security status, write/lock AFI and DSFID, system information, multiple block security
status) and NXP custom commands ((fast) inventory read, set/reset/lock EAS, EAS alarm,
password protect EAS/AFI, get random number, set/write/lock password). A wrong password mutes the tag until it
leaves the field or the reader resets RF, as on the real chip.

Faults for tests: :class:`TagFaults` gives programming failures (ISO error 0x13), weak
writes (acknowledged but not retained: only a read-back catches them) and tearing (the
tag leaves the field in the middle of programming, part of the block written, no answer),
each by probability or by deterministic count.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from drivers import iso15693

NXP_MANUFACTURER = 0x04
EAS_SEQUENCE = bytes.fromhex(  # 256-bit EAS alarm answer (fixed pattern of the SLIX family)
    "D1E3C18B5AF702669B84D7A1E0F3512C6E0B9C8D1A22F4B57761E9D0C3A4B5F8"
)
BLOCK_SIZE = 4
USER_BLOCKS = {"slix": 28, "slix2": 79}
IC_REFERENCE = {"slix": 0x01, "slix2": 0x01}
# Bits 37:36 of the UID (bits 5:4 of its fourth byte, label order) identify the chip.
CHIP_BITS = {"sli": 0b00, "slix": 0b10, "slix2": 0b01}

PASSWORD_READ = 0x01
PASSWORD_WRITE = 0x02
PASSWORD_PRIVACY = 0x04
PASSWORD_DESTROY = 0x08
PASSWORD_EAS_AFI = 0x10
PASSWORD_IDS = {
    "slix": (PASSWORD_EAS_AFI,),
    "slix2": (PASSWORD_READ, PASSWORD_WRITE, PASSWORD_PRIVACY, PASSWORD_DESTROY, PASSWORD_EAS_AFI),
}

# Request flags (ISO 15693-3 table 3-5).
FLAG_INVENTORY = 0x04
FLAG_SELECT = 0x10  # without inventory flag
FLAG_ADDRESS = 0x20  # without inventory flag
FLAG_OPTION = 0x40
FLAG_AFI = 0x10  # with inventory flag
FLAG_ONE_SLOT = 0x20  # with inventory flag

# ISO 15693 error codes (response flags 0x01 + code).
ERR_NOT_SUPPORTED = 0x01
ERR_FORMAT = 0x02
ERR_OPTION = 0x03
ERR_UNKNOWN = 0x0F
ERR_BLOCK_UNAVAILABLE = 0x10
ERR_ALREADY_LOCKED = 0x11
ERR_LOCKED = 0x12
ERR_NOT_PROGRAMMED = 0x13
ERR_NOT_LOCKED = 0x14

# NXP custom inventory commands answering with memory; the FAST one answers at twice the data rate.
INVENTORY_READ_COMMANDS = frozenset({0xA0, 0xA1})
FAST_COMMANDS = frozenset({0xA1})

# Commands that program EEPROM (programming time, write faults).
PROGRAMMING_COMMANDS = frozenset({0x21, 0x22, 0x27, 0x28, 0x29, 0x2A, 0xA2, 0xA3, 0xA4, 0xA6, 0xB4, 0xB5})


class TagError(ValueError):
    """A tag built with impossible parameters (bad UID, memory too large…)."""


def make_uid(serial: int, variant: str = "slix") -> bytes:
    """An NXP ICODE UID (label order): ``E0 04 01``, chip bits 37:36, then 36 serial bits."""
    if variant not in CHIP_BITS:
        raise TagError(f"unknown ICODE variant {variant!r}: use one of {sorted(CHIP_BITS)}")
    value = (0xE00401 << 40) | (CHIP_BITS[variant] << 36) | (serial & ((1 << 36) - 1))
    return value.to_bytes(8, "big")


def random_uid(rng: random.Random | None = None, variant: str = "slix") -> bytes:
    return make_uid((rng or random).getrandbits(36), variant)


def uid_chip(uid: bytes) -> str:
    """Chip family from an NXP UID: ``sli``, ``slix``, ``slix2`` or ``unknown``."""
    if len(uid) != 8 or uid[0] != 0xE0 or uid[1] != NXP_MANUFACTURER or uid[2] != 0x01:
        return "unknown"
    bits = (uid[3] >> 4) & 0b11
    return next((name for name, value in CHIP_BITS.items() if value == bits), "unknown")


@dataclass
class TagFaults:
    """Programming faults. Counters fire first (deterministic), then probabilities.

    - ``fail_writes`` / ``write_failure_probability``: the tag answers ISO error 0x13 and
      keeps the old content.
    - ``weak_writes`` / ``weak_write_probability``: the tag acknowledges but the new
      content is not retained (only a verification read notices).
    - ``tear_writes`` / ``tear_probability``: the tag leaves the field mid-programming:
      ``tear_keep_bytes`` bytes of the block are written, no answer; it comes back after
      ``tear_return_after`` seconds (``None``: it stays away).
    """

    write_failure_probability: float = 0.0
    weak_write_probability: float = 0.0
    tear_probability: float = 0.0
    fail_writes: int = 0
    weak_writes: int = 0
    tear_writes: int = 0
    tear_keep_bytes: int = 2
    tear_return_after: float | None = None

    def draw(self, rng: random.Random) -> str | None:
        """Which fault, if any, hits the next programming command."""
        for counter, name in (("tear_writes", "tear"), ("fail_writes", "fail"), ("weak_writes", "weak")):
            if getattr(self, counter) > 0:
                setattr(self, counter, getattr(self, counter) - 1)
                return name
        for probability, name in ((self.tear_probability, "tear"), (self.write_failure_probability, "fail"),
                                  (self.weak_write_probability, "weak")):
            if probability and rng.random() < probability:
                return name
        return None


LeaveHook = Callable[["SlixTag", "float | None"], None]


class SlixTag:
    """One ICODE SLIX or SLIX2 tag: UID, user memory, lock bits, AFI, DSFID, EAS and passwords."""

    def __init__(self, uid: bytes, memory: bytes = b"", afi: int = 0x07, dsfid: int = 0x06,
                 variant: str = "slix", eas: bool = True, *, seed: int | None = None) -> None:
        if variant not in USER_BLOCKS:
            raise TagError(f"unknown tag variant {variant!r}: use 'slix' or 'slix2'")
        uid = bytes(uid)
        if len(uid) != 8 or uid[0] != 0xE0:
            raise TagError(f"ISO 15693 UID must be 8 bytes starting with E0, got {uid.hex().upper()!r}")
        size = USER_BLOCKS[variant] * BLOCK_SIZE
        if len(memory) > size:
            raise TagError(f"memory image of {len(memory)} bytes does not fit a {variant} ({size} bytes)")
        for name, value in (("afi", afi), ("dsfid", dsfid)):
            if not 0 <= value <= 0xFF:
                raise TagError(f"{name} must be a byte (0..255), got {value}")
        self.uid = uid
        self.variant = variant
        self.memory = bytearray(memory) + bytearray(size - len(memory))
        self.locked = [False] * USER_BLOCKS[variant]
        self.afi = afi
        self.dsfid = dsfid
        self.afi_locked = False
        self.dsfid_locked = False
        self.eas = eas
        self.eas_locked = False
        self.eas_protected = False
        self.afi_protected = False
        self.passwords = dict.fromkeys(PASSWORD_IDS[variant], 0)
        self.password_locked: set[int] = set()
        self.faults = TagFaults()
        self.rng = random.Random(int.from_bytes(uid, "big") if seed is None else seed)
        self.leave_hook: LeaveHook | None = None
        self.power_off()

    # -- life cycle -------------------------------------------------------------------
    @property
    def block_count(self) -> int:
        return len(self.locked)

    @property
    def uid_air(self) -> bytes:
        """The UID as it travels on the air (LSB first)."""
        return self.uid[::-1]

    def power_off(self) -> None:
        """Leaving the field or an RF reset: volatile state is lost."""
        self.state = "ready"
        self.muted = False
        self.authenticated: set[int] = set()
        self._random: bytes | None = None

    def __repr__(self) -> str:
        return f"SlixTag({self.uid.hex().upper()}, {self.variant}, afi=0x{self.afi:02X}, eas={self.eas})"

    # -- request dispatch -------------------------------------------------------------
    def handle(self, request: bytes) -> bytes | None:
        """Execute one ISO 15693 request (no CRC); return the response or None for silence."""
        if self.muted or len(request) < 2:
            return None
        flags, command = request[0], request[1]
        if flags & FLAG_INVENTORY:
            if command == 0x01:
                return self._inventory(flags, command, request[2:])
            if command in INVENTORY_READ_COMMANDS:
                return self._inventory_read(flags, request[2:])
            return None
        body = request[2:]
        if command >= 0xA0:
            if not body or body[0] != NXP_MANUFACTURER:
                return None
            body = body[1:]
        body = self._match_address(flags, body)
        if body is None:
            return None
        handler = _COMMANDS.get(command)
        if handler is None:
            return _error(ERR_NOT_SUPPORTED)
        try:
            return handler(self, flags, body)
        except IndexError:
            return _error(ERR_FORMAT)

    def _match_address(self, flags: int, body: bytes) -> bytes | None:
        """Strip the UID of an addressed request; None when this tag is not concerned."""
        if flags & FLAG_ADDRESS:
            if body[:8] != self.uid_air:
                return None
            return body[8:]
        if flags & FLAG_SELECT:
            return body if self.state == "selected" else None
        return None if self.state == "quiet" else body

    def _inventory(self, flags: int, command: int, body: bytes) -> bytes | None:
        if self.state == "quiet" or not body:
            return None
        if flags & FLAG_AFI:
            if not afi_matches(body[0], self.afi):
                return None
            body = body[1:]
        mask_bits = body[0] if body else 0
        mask = int.from_bytes(body[1:1 + (mask_bits + 7) // 8], "little")
        uid = int.from_bytes(self.uid_air, "little")
        if mask_bits > 64 or (uid ^ mask) & ((1 << mask_bits) - 1):
            return None
        return bytes([0x00, self.dsfid]) + self.uid_air

    def _inventory_read(self, flags: int, body: bytes) -> bytes | None:
        """NXP (FAST) INVENTORY READ: answer the anticollision request with memory (and the UID rest)."""
        if self.state == "quiet" or len(body) < 2 or body[0] != NXP_MANUFACTURER:
            return None
        body = body[1:]
        if flags & FLAG_AFI:
            if not afi_matches(body[0], self.afi):
                return None
            body = body[1:]
        mask_bits = body[0] if body else 0xFF
        mask_len = (mask_bits + 7) // 8
        if mask_bits > 64 or len(body) < 3 + mask_len:
            return None  # format error: the tag stays silent
        mask = int.from_bytes(body[1:1 + mask_len], "little")
        if (int.from_bytes(self.uid_air, "little") ^ mask) & ((1 << mask_bits) - 1):
            return None
        first, count = body[1 + mask_len], body[2 + mask_len] + 1
        if first >= self.block_count:
            return None
        last = min(first + count, self.block_count)  # a range past the memory answers up to its last block
        data = bytes(self.memory[first * BLOCK_SIZE:last * BLOCK_SIZE])
        if flags & FLAG_OPTION:
            known = mask_bits + (0 if flags & FLAG_ONE_SLOT else 4)
            data = self.uid_air[known // 8:] + data
        return _ok(data)

    # -- programming with faults ------------------------------------------------------
    def _program(self, apply: Callable[[], None], tear: Callable[[], None] | None = None) -> bytes | None:
        fault = self.faults.draw(self.rng)
        if fault == "fail":
            return _error(ERR_NOT_PROGRAMMED)
        if fault == "tear":
            if tear is not None:
                tear()
            self.power_off()
            if self.leave_hook is not None:
                self.leave_hook(self, self.faults.tear_return_after)
            return None
        if fault != "weak":
            apply()
        return _ok()

    # -- ISO 15693 commands -----------------------------------------------------------
    def _stay_quiet(self, flags: int, body: bytes) -> bytes | None:
        if flags & FLAG_ADDRESS:
            self.state = "quiet"
        return None

    def _select(self, flags: int, body: bytes) -> bytes:
        if not flags & FLAG_ADDRESS:
            return _error(ERR_FORMAT)
        self.state = "selected"
        return _ok()

    def _reset_to_ready(self, flags: int, body: bytes) -> bytes:
        self.state = "ready"
        return _ok()

    def _block(self, number: int) -> int | None:
        return number if 0 <= number < self.block_count else None

    def _block_bytes(self, number: int, with_security: bool) -> bytes:
        data = bytes(self.memory[number * BLOCK_SIZE:(number + 1) * BLOCK_SIZE])
        return (bytes([int(self.locked[number])]) + data) if with_security else data

    def _read_single(self, flags: int, body: bytes) -> bytes:
        number = self._block(body[0])
        if number is None:
            return _error(ERR_BLOCK_UNAVAILABLE)
        return _ok(self._block_bytes(number, bool(flags & FLAG_OPTION)))

    def _read_multiple(self, flags: int, body: bytes) -> bytes:
        first, count = body[0], body[1] + 1
        if first + count > self.block_count:
            return _error(ERR_BLOCK_UNAVAILABLE)
        option = bool(flags & FLAG_OPTION)
        return _ok(b"".join(self._block_bytes(n, option) for n in range(first, first + count)))

    def _security_status(self, flags: int, body: bytes) -> bytes:
        first, count = body[0], body[1] + 1
        if first + count > self.block_count:
            return _error(ERR_BLOCK_UNAVAILABLE)
        return _ok(bytes(int(self.locked[n]) for n in range(first, first + count)))

    def _write_single(self, flags: int, body: bytes) -> bytes | None:
        number, data = self._block(body[0]), body[1:1 + BLOCK_SIZE]
        if len(data) != BLOCK_SIZE:
            return _error(ERR_FORMAT)
        if number is None:
            return _error(ERR_BLOCK_UNAVAILABLE)
        if self.locked[number]:
            return _error(ERR_LOCKED)
        start = number * BLOCK_SIZE

        def apply() -> None:
            self.memory[start:start + BLOCK_SIZE] = data

        def tear() -> None:
            keep = max(0, min(BLOCK_SIZE, self.faults.tear_keep_bytes))
            self.memory[start:start + keep] = data[:keep]

        return self._program(apply, tear)

    def _lock_block(self, flags: int, body: bytes) -> bytes | None:
        number = self._block(body[0])
        if number is None:
            return _error(ERR_BLOCK_UNAVAILABLE)
        if self.locked[number]:
            return _error(ERR_ALREADY_LOCKED)
        return self._program(lambda: self.locked.__setitem__(number, True))

    def _protected(self, register: str) -> bool:
        """EAS/AFI commands need the EAS/AFI password once protection is on."""
        protected = self.afi_protected if register == "afi" else self.eas_protected
        return protected and PASSWORD_EAS_AFI not in self.authenticated

    def _write_afi(self, flags: int, body: bytes) -> bytes | None:
        value = body[0]
        if self.afi_locked:
            return _error(ERR_LOCKED)
        if self._protected("afi"):
            return _error(ERR_UNKNOWN)
        return self._program(lambda: setattr(self, "afi", value))

    def _lock_afi(self, flags: int, body: bytes) -> bytes | None:
        if self.afi_locked:
            return _error(ERR_ALREADY_LOCKED)
        if self._protected("afi"):
            return _error(ERR_UNKNOWN)
        return self._program(lambda: setattr(self, "afi_locked", True))

    def _write_dsfid(self, flags: int, body: bytes) -> bytes | None:
        value = body[0]
        if self.dsfid_locked:
            return _error(ERR_LOCKED)
        return self._program(lambda: setattr(self, "dsfid", value))

    def _lock_dsfid(self, flags: int, body: bytes) -> bytes | None:
        if self.dsfid_locked:
            return _error(ERR_ALREADY_LOCKED)
        return self._program(lambda: setattr(self, "dsfid_locked", True))

    def _system_info(self, flags: int, body: bytes) -> bytes:
        info_flags = 0x0F  # DSFID, AFI, memory size, IC reference present
        return _ok(bytes([info_flags]) + self.uid_air + bytes([
            self.dsfid, self.afi, self.block_count - 1, BLOCK_SIZE - 1, IC_REFERENCE[self.variant]]))

    # -- NXP custom commands ----------------------------------------------------------
    def _set_eas(self, flags: int, body: bytes) -> bytes | None:
        return self._change_eas(True)

    def _reset_eas(self, flags: int, body: bytes) -> bytes | None:
        return self._change_eas(False)

    def _change_eas(self, value: bool) -> bytes | None:
        if self.eas_locked:
            return _error(ERR_LOCKED)
        if self._protected("eas"):
            return _error(ERR_UNKNOWN)
        return self._program(lambda: setattr(self, "eas", value))

    def _lock_eas(self, flags: int, body: bytes) -> bytes | None:
        if self._protected("eas"):
            return _error(ERR_UNKNOWN)
        return self._program(lambda: setattr(self, "eas_locked", True))

    def _eas_alarm(self, flags: int, body: bytes) -> bytes | None:
        return _ok(EAS_SEQUENCE) if self.eas else None

    def _password_protect(self, flags: int, body: bytes) -> bytes | None:
        """Irreversibly put EAS (option flag 0) or AFI (option flag 1) under the EAS/AFI password."""
        if PASSWORD_EAS_AFI not in self.authenticated:
            return _error(ERR_UNKNOWN)
        register = "afi_protected" if flags & FLAG_OPTION else "eas_protected"
        return self._program(lambda: setattr(self, register, True))

    def _get_random(self, flags: int, body: bytes) -> bytes:
        self._random = self.rng.getrandbits(16).to_bytes(2, "little")
        return _ok(self._random)

    def _set_password(self, flags: int, body: bytes) -> bytes | None:
        """Password XOR (random || random); a wrong one mutes the tag until RF reset."""
        identifier, xored = body[0], body[1:5]
        if len(xored) != 4:
            return _error(ERR_FORMAT)
        if identifier not in self.passwords or self._random is None:
            return _error(ERR_UNKNOWN)
        password = bytes(b ^ self._random[i % 2] for i, b in enumerate(xored))
        self._random = None
        if int.from_bytes(password, "little") != self.passwords[identifier]:
            self.muted = True
            return None
        self.authenticated.add(identifier)
        return _ok()

    def _write_password(self, flags: int, body: bytes) -> bytes | None:
        identifier, value = body[0], body[1:5]
        if len(value) != 4:
            return _error(ERR_FORMAT)
        if identifier not in self.passwords or identifier not in self.authenticated:
            return _error(ERR_UNKNOWN)
        if identifier in self.password_locked:
            return _error(ERR_LOCKED)
        return self._program(lambda: self.passwords.__setitem__(identifier, int.from_bytes(value, "little")))

    def _lock_password(self, flags: int, body: bytes) -> bytes | None:
        identifier = body[0]
        if identifier not in self.passwords or identifier not in self.authenticated:
            return _error(ERR_UNKNOWN)
        return self._program(lambda: self.password_locked.add(identifier))


def afi_matches(requested: int, tag_afi: int) -> bool:
    """ISO 15693-3 AFI selection: 00 selects all, X0 all sub-families of family X, XY exactly XY,
    and 0Y the proprietary sub-family Y only (exactly 0Y, not every family's sub-family Y)."""
    if requested == 0:
        return True
    family, sub = requested >> 4, requested & 0x0F
    if family == 0:
        return tag_afi == requested
    return family == tag_afi >> 4 and (sub == 0 or sub == tag_afi & 0x0F)


def set_password_request(random_number: bytes, password: int, identifier: int = PASSWORD_EAS_AFI) -> bytes:
    """Parameters of SET PASSWORD for a password and the tag's last random number (air order)."""
    plain = password.to_bytes(4, "little")
    return bytes([identifier]) + bytes(b ^ random_number[i % 2] for i, b in enumerate(plain))


def _ok(data: bytes = b"") -> bytes:
    return b"\x00" + data


def _error(code: int) -> bytes:
    return bytes([0x01, code])


_COMMANDS: dict[int, Callable[[SlixTag, int, bytes], bytes | None]] = {
    0x02: SlixTag._stay_quiet,
    0x20: SlixTag._read_single,
    0x21: SlixTag._write_single,
    0x22: SlixTag._lock_block,
    0x23: SlixTag._read_multiple,
    0x25: SlixTag._select,
    0x26: SlixTag._reset_to_ready,
    0x27: SlixTag._write_afi,
    0x28: SlixTag._lock_afi,
    0x29: SlixTag._write_dsfid,
    0x2A: SlixTag._lock_dsfid,
    0x2B: SlixTag._system_info,
    0x2C: SlixTag._security_status,
    0xA2: SlixTag._set_eas,
    0xA3: SlixTag._reset_eas,
    0xA4: SlixTag._lock_eas,
    0xA5: SlixTag._eas_alarm,
    0xA6: SlixTag._password_protect,
    0xB2: SlixTag._get_random,
    0xB3: SlixTag._set_password,
    0xB4: SlixTag._write_password,
    0xB5: SlixTag._lock_password,
}


def iso15693_crc(data: bytes) -> int:
    """Air CRC: CRC-16/X-25 (reflected 0x8408, init 0xFFFF, final xor 0xFFFF), sent LSB first."""
    return iso15693.crc(data)


def with_air_crc(frame: bytes) -> bytes:
    return iso15693.with_crc(frame)
