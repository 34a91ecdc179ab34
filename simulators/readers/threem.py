"""A 3M 210/810 pad, byte for byte: host frames in, reply frames out, tags in an ``RFField``.

The device parses host frames with the driver's own ``FrameReader`` (the wire
format is shared; the behaviour is not) and turns each 3M command into the ISO
15693 requests a real pad sends to its tags: read multiple blocks with block
security status, write single block per block, lock block, write/lock AFI,
system information (for get AFI and tag info), NXP set/reset EAS and EAS alarm.
Command layouts follow :mod:`drivers.threem.protocol` (one block per Lock Block,
addressed Check EAS, Tag Info with requested/available information bits).
The field does the anticollision and answers; tag faults (write failures,
tearing, weak writes) and read probabilities come from the field's tags.

Like the real reader it ignores a frame with a bad CRC or an unknown command
(no reply at all). Fault knobs (silent, dropped or corrupted replies, unplug)
come from ``ReaderSimulator``. ISO error codes the 3M protocol does not name (only 06/12/16 are published) are
passed through as the 3M error byte.
"""

from __future__ import annotations

from typing import Any

from drivers.threem import protocol as p
from drivers.threem.reader import SERIAL_SETTINGS
from simulators.readers.base import ReaderSimulator
from simulators.readers.registry import register_simulator
from simulators.rf import RFField

ISO_FLAGS = 0x22  # addressed, high data rate
ISO_NO_TAG = None
VERSION = bytes([10, 5, 0, 2])  # hardware version captured from a 3M 810 (Biblio-RFID)


@register_simulator
class ThreeMSimulator(ReaderSimulator):
    """Reader side of the 3M protocol over an ``RFField``."""

    protocol = "3m"
    driver = "3m"
    title = "3M RFID reader 210/810 (19200 8N1)"
    serial_settings = SERIAL_SETTINGS
    version = VERSION

    def __init__(self, field: RFField | None = None, **options: Any) -> None:
        super().__init__(field, **options)
        self.commands: list[int] = []
        self._parser = p.FrameReader()

    def reset_input(self) -> None:
        self._parser.clear()

    def process(self, data: bytes) -> bytes:
        """Bytes from the host → bytes the pad sends back (possibly none)."""
        out = b""
        for event in self._parser.feed(data):
            if isinstance(event, p.BadFrame):
                continue
            self.requests_seen += 1
            self.commands.append(event.command)
            reply = self.handle(event)
            if reply is not None:
                out += reply.to_frame().encode()
        return out

    def handle(self, frame: p.Frame) -> p.Reply | None:
        if frame.start == p.START_SETUP:
            if frame.command == p.CMD_VERSION:
                return p.Reply(p.CMD_VERSION, p.ERR_OK, frame.body[1:2] + self.version, p.START_SETUP)
            return None
        handler = COMMANDS.get(frame.command)
        if handler is None:
            return None
        try:
            return handler(self, frame.body)
        except _Error as error:
            return p.Reply(frame.command, error.code, b"")
        except (IndexError, ValueError):  # malformed parameters: the reader would not answer
            return None

    # --- ISO 15693 helpers ------------------------------------------------------------------

    def _iso(self, command: int, uid: bytes, params: bytes = b"", *, option: bool = False,
             nxp: bool = False) -> bytes:
        """Addressed request; the data after the response flags, or _Error with the 3M code."""
        flags = ISO_FLAGS | (0x40 if option else 0)
        request = bytes([flags, command]) + (b"\x04" if nxp else b"") + uid[::-1] + params
        answer = self.field.transact(request).response
        if answer is None:
            raise _Error(p.ERR_NO_TAG)
        if answer[0] & 0x01:
            code = answer[1] if len(answer) > 1 else 0x0F
            raise _Error({0x12: p.ERR_LOCKED, 0x11: p.ERR_LOCKED, 0x13: p.ERR_WRITE, 0x14: p.ERR_WRITE}.get(
                code, code))
        return answer[1:]

    def _system(self, uid: bytes) -> bytes:
        info = self._iso(0x2B, uid)
        return info[9:14]  # DSFID, AFI, blocks-1, size-1, IC (the tag model sends all four flags)

    # --- commands -------------------------------------------------------------------------------

    def _inventory(self, body: bytes) -> p.Reply:
        tags = [uid for uid, _dsfid, _antenna in self.field.inventory().tags][:100]
        return p.Reply(p.CMD_INVENTORY, p.ERR_OK, p.INVENTORY_PARAMS + bytes([len(tags)]) + b"".join(tags))

    def _read_blocks(self, body: bytes) -> p.Reply:
        uid, first, count = body[:8], body[8], body[9]
        data = self._iso(0x23, uid, bytes([first, max(count, 1) - 1]), option=True)
        records = b"".join(bytes([first + i, data[5 * i] & 0x01]) + data[5 * i + 1:5 * i + 5]
                           for i in range(len(data) // 5))
        return p.Reply(p.CMD_READ_BLOCKS, p.ERR_OK, uid + bytes([len(data) // 5]) + records)

    def _write_blocks(self, body: bytes) -> p.Reply:
        uid, first, count, payload = body[:8], body[8], body[9], body[11:]
        if len(payload) != 4 * count:
            raise _Error(p.ERR_WRITE)
        for i in range(count):
            self._iso(0x21, uid, bytes([first + i]) + payload[4 * i:4 * i + 4])
        return p.Reply(p.CMD_WRITE_BLOCKS, p.ERR_OK, uid + bytes([count]))

    def _lock_block(self, body: bytes) -> p.Reply:
        uid, block = body[:8], body[8]
        self._iso(0x22, uid, bytes([block]))
        return p.Reply(p.CMD_LOCK_BLOCK, p.ERR_OK, uid)

    def _write_afi(self, body: bytes) -> p.Reply:
        self._iso(0x27, body[:8], body[8:9])
        return p.Reply(p.CMD_WRITE_AFI, p.ERR_OK, body[:8])

    def _get_afi(self, body: bytes) -> p.Reply:
        return p.Reply(p.CMD_GET_AFI, p.ERR_OK, body[:8] + self._system(body[:8])[1:2])

    def _lock_afi(self, body: bytes) -> p.Reply:
        self._iso(0x28, body[:8])
        return p.Reply(p.CMD_LOCK_AFI, p.ERR_OK, body[:8])

    def _eas_control(self, body: bytes) -> p.Reply:
        self._iso(0xA2 if body[8] else 0xA3, body[:8], nxp=True)
        return p.Reply(p.CMD_EAS_CONTROL, p.ERR_OK, body[:8])

    def _check_eas(self, body: bytes) -> p.Reply:
        uid = body[:8]
        if len(uid) != 8:
            raise ValueError("Check EAS needs a UID")
        self._system(uid)  # an absent tag is "no transponder"; a present one may stay silent below
        heard = self.field.transact(bytes([ISO_FLAGS, 0xA5, 0x04]) + uid[::-1])  # NXP EAS alarm
        armed = any(not answer[0] & 0x01 for answer in heard.responses)
        return p.Reply(p.CMD_CHECK_EAS, p.ERR_OK, uid + (b"\x01" if armed else b"\x00"))

    def _tag_info(self, body: bytes) -> p.Reply:
        uid, wanted = body[:8], body[8]
        dsfid, afi, blocks, size, ic = self._system(uid)
        fields = {p.INFO_DSFID: bytes([dsfid]), p.INFO_AFI: bytes([afi]),
                  p.INFO_MEMORY: bytes([size, blocks]), p.INFO_IC: bytes([0, ic])}
        avail = wanted & p.INFO_ALL
        return p.Reply(p.CMD_TAG_INFO, p.ERR_OK,
                       uid + bytes([avail]) + b"".join(v for bit, v in fields.items() if avail & bit))


class _Error(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


COMMANDS = {
    p.CMD_INVENTORY: ThreeMSimulator._inventory,
    p.CMD_READ_BLOCKS: ThreeMSimulator._read_blocks,
    p.CMD_WRITE_BLOCKS: ThreeMSimulator._write_blocks,
    p.CMD_LOCK_BLOCK: ThreeMSimulator._lock_block,
    p.CMD_WRITE_AFI: ThreeMSimulator._write_afi,
    p.CMD_GET_AFI: ThreeMSimulator._get_afi,
    p.CMD_LOCK_AFI: ThreeMSimulator._lock_afi,
    p.CMD_EAS_CONTROL: ThreeMSimulator._eas_control,
    p.CMD_CHECK_EAS: ThreeMSimulator._check_eas,
    p.CMD_TAG_INFO: ThreeMSimulator._tag_info,
}
