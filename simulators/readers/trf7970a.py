"""A TI TRF7970A EVM, byte for byte: ASCII commands in, the firmware's text replies out.

Replies follow TI's EVM firmware (``host.c``, ``iso15693.c``, revision 03 of
2013): a header line per command, ``[..]`` records, CR LF. Request mode relays
the raw ISO 15693 request to the ``RFField`` and prints the answer without CRC,
``[z]`` on a collision, ``[]`` on silence. The inventory command runs the full
16-slot anticollision (``firmware="2013"``, collided slots resolved with longer
masks, one ``CR LF [UID,RSSI]`` per tag) or a single 16-slot round as older
firmware did (``firmware="legacy"``: ``[UID,RSSI]``, ``[z,RSSI]`` and ``[,RSSI]``
for every slot), which makes the driver resolve collisions itself.

The chip registers matter: with the RF field off (chip status bit 5) no tag
answers, and a request whose data-rate flag does not match the ISO control
register (0x02 high, 0x00 low) gets ``[]``, since the receiver would not decode
the tag. Switching the field off powers the tags down (RF reset).

Fault knobs (silent, dropped or corrupted replies, unplug) come from
``ReaderSimulator``; ``garble_replies`` puts noise inside the next N ``[..]``;
``capture`` makes a request-mode command that several tags answer report the
first answer cleanly instead of ``[z]``, as a strong tag's answer can hide a
much weaker one on a real reader (capture effect).
"""

from __future__ import annotations

from typing import Any

from drivers.trf7970a import protocol as p
from drivers.trf7970a.reader import SERIAL_SETTINGS
from simulators.readers.base import ReaderSimulator, SimulatorError
from simulators.readers.registry import register_simulator
from simulators.rf import RFField
from simulators.tags import FAST_COMMANDS

FIRMWARE_TEXT = "Firmware Revision 03 from 11/Nov/2013 "
CRLF = "\r\n"
RSSI = 0x4E  # fixed RSSI register value (AM and PM channels mid-scale)


@register_simulator
class Trf7970aSimulator(ReaderSimulator):
    """Reader side of the TRF7970A EVM protocol over an ``RFField``."""

    protocol = "trf7970a"
    driver = "trf7970a"
    title = "TI TRF7970A EVM (ASCII, 115200 8N1)"
    serial_settings = SERIAL_SETTINGS

    def __init__(self, field: RFField | None = None, *, firmware: str = "2013", **options: Any) -> None:
        if firmware not in ("2013", "legacy"):
            raise SimulatorError(f"TRF7970A firmware is '2013' or 'legacy', not {firmware!r}")
        super().__init__(field, **options)
        self.firmware = firmware
        self.registers = {p.REG_CHIP_STATUS: p.CHIP_RF_OFF_5V, p.REG_ISO_CONTROL: p.ISO_15693_HIGH_RATE}
        self.garble_replies = 0
        self.capture = False
        self.commands: list[int] = []
        self._parser = p.CommandParser()

    @property
    def rf_on(self) -> bool:
        return bool(self.registers.get(p.REG_CHIP_STATUS, 0) & 0x20)

    def reset_input(self) -> None:
        self._parser = p.CommandParser()

    def process(self, data: bytes) -> bytes:
        out = ""
        for event in self._parser.feed(data):
            if isinstance(event, p.BadCommand):
                continue
            self.requests_seen += 1
            self.commands.append(event.command)
            reply = self.handle(event.command, event.params)
            if self.garble_replies > 0 and "[" in reply:
                self.garble_replies -= 1
                reply = reply.replace("[", "[#~", 1)
            out += reply
        return out.encode("latin-1")

    def handle(self, command: int, params: bytes) -> str:
        if command == p.CMD_INITIALISE:
            return p.HEADERS[command] + CRLF + CRLF
        if command == p.CMD_FIRMWARE:
            return FIRMWARE_TEXT + CRLF + CRLF
        if command == p.CMD_REGISTER_WRITE:
            self._write_registers(params)
            return p.HEADERS[command] + CRLF + CRLF
        if command == p.CMD_REGISTER_READ:
            values = "".join(f"[{self.registers.get(r, 0):02X}]" for r in params)
            return p.HEADERS[command] + CRLF + values + CRLF + CRLF
        if command in (p.CMD_AGC, p.CMD_AM_PM):
            return p.HEADERS[command] + CRLF
        if command == p.CMD_INVENTORY:
            return p.HEADERS[command] + CRLF + self._inventory(params) + CRLF
        if command == p.CMD_REQUEST:
            return p.HEADERS[command] + CRLF + self._request(params) + CRLF
        return CRLF  # unknown command: the firmware only finishes the line

    def _write_registers(self, params: bytes) -> None:
        was_on = self.rf_on
        for i in range(0, len(params) - 1, 2):
            self.registers[params[i]] = params[i + 1]
        if was_on and not self.rf_on:
            self.field.power_cycle()

    def _decodable(self, flags: int) -> bool:
        high = self.registers.get(p.REG_ISO_CONTROL, 0) & 0x1F == p.ISO_15693_HIGH_RATE
        return self.rf_on and bool(flags & p.FLAG_HIGH_RATE) == high

    def _request(self, iso: bytes) -> str:
        if len(iso) < 2 or not self._decodable(iso[0]):
            return "[]"
        heard = self.field.transact(iso)
        if heard.silent:
            return "[]"
        if (heard.collision and not self.capture) or iso[1] in FAST_COMMANDS:
            return "[z]"  # overlapping answers, or a 53 kbit/s answer the TRF7970A cannot receive
        return f"[{heard.responses[0].hex().upper()}]"

    def _inventory(self, params: bytes) -> str:
        flags = params[0] if params else p.FLAG_INVENTORY
        afi = params[2] if flags & p.FLAG_AFI and len(params) > 2 else None
        if not self._decodable(flags):
            return ""
        if self.firmware == "legacy":
            return self._legacy_round(flags, afi)
        tags = self.field.inventory(afi=afi).tags
        return "".join(f"{CRLF}[{uid[::-1].hex().upper()},{RSSI:02X}]" for uid, _dsfid, _antenna in tags)

    def _legacy_round(self, flags: int, afi: int | None) -> str:
        request = bytes([flags & ~p.FLAG_ONE_SLOT, p.ISO_INVENTORY]) + (
            bytes([afi]) if afi is not None else b"") + b"\x00"
        slots: dict[int, set[bytes]] = {}
        for answer in self.field.transact(request).responses:
            if len(answer) == 10:
                slots.setdefault(answer[2] & 0x0F, set()).add(answer[2:10])
        records = []
        for slot in range(16):
            uids = slots.get(slot, set())
            label = "" if not uids else "z" if len(uids) > 1 else next(iter(uids)).hex().upper()
            records.append(f"[{label},{RSSI:02X}]")
        return CRLF.join(records)
