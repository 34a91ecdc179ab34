"""A PN532 NFC controller on a serial line (HSU/UART), as libnfc's ``pn532_uart`` driver talks to it.

Frames (NXP PN532 user manual UM0701-02 §6.2): normal information frame
``00 00 FF LEN LCS TFI PD… DCS 00`` with ``LEN`` counting TFI and data,
``LCS = -LEN``, ``DCS = -(TFI + ΣPD)``; TFI ``D4`` host→chip, ``D5`` chip→host,
and the reply code is the command code + 1. Every good frame is acknowledged with
``00 00 FF 00 FF 00`` before the answer; the host wakes the chip from
power-down with a preamble of ``55`` bytes, which the parser skips.

Commands answered: Diagnose (communication test), GetFirmwareVersion (PN532
1.6), Read/WriteRegister, SetParameters, SAMConfiguration, RFConfiguration,
PowerDown, InListPassiveTarget and InAutoPoll (106 kbps type A, answering from
the ``Iso14443Card`` on the pad), InDataExchange / InCommunicateThru (frames
relayed to the card), InSelect / InDeselect / InRelease. Anything else gets the
chip's syntax-error frame. This is enough for libnfc 1.8 to open the device,
poll and exchange Type 2 commands, so pynfc runs against it over a pty.
"""

from __future__ import annotations

import logging
import os
import threading
import tty

from simulators.cards.iso14443 import CardState, Iso14443Card

log = logging.getLogger(__name__)

ACK = bytes.fromhex("0000FF00FF00")
SYNTAX_ERROR = bytes.fromhex("0000FF01FF7F8100")
HOST_TFI, CHIP_TFI = 0xD4, 0xD5
FIRMWARE = bytes([0x32, 0x01, 0x06, 0x07])  # IC PN532, version 1.6, supports ISO 14443A/B + 18092
STATUS_OK, STATUS_TIMEOUT = 0x00, 0x01


def build_frame(payload: bytes, tfi: int = CHIP_TFI) -> bytes:
    body = bytes([tfi]) + payload
    return (b"\x00\x00\xff" + bytes([len(body), (-len(body)) & 0xFF]) + body
            + bytes([(-sum(body)) & 0xFF, 0x00]))


class FrameParser:
    """Pure: bytes in, complete host payloads (command code + data) out; bad frames dropped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        commands = []
        while True:
            start = self._buffer.find(b"\x00\xff")
            if start < 0:
                del self._buffer[:-1]
                return commands
            del self._buffer[:start]
            if len(self._buffer) < 4:
                return commands
            length, lcs = self._buffer[2], self._buffer[3]
            if length == 0 and lcs == 0xFF:  # ACK from the host (abort)
                del self._buffer[:4]
                continue
            if (length + lcs) & 0xFF or length == 0:
                del self._buffer[:2]
                continue
            if len(self._buffer) < 5 + length:
                return commands
            body, dcs = bytes(self._buffer[4:4 + length]), self._buffer[4 + length]
            del self._buffer[:5 + length]
            if (sum(body) + dcs) & 0xFF == 0 and body[0] == HOST_TFI and len(body) >= 2:
                commands.append(body[1:])


class Pn532:
    """Chip state: registers and the card on the pad."""

    def __init__(self) -> None:
        self.registers: dict[int, int] = {}
        self.card: Iso14443Card | None = None
        self.commands: list[int] = []

    def handle(self, command: bytes) -> bytes | None:
        """Reply payload (code + data, without TFI) or None for a syntax error."""
        code, data = command[0], command[1:]
        self.commands.append(code)
        handler = getattr(self, f"_cmd_{code:02x}", None)
        if handler is None:
            return None
        answer = handler(data)
        return None if answer is None else bytes([code + 1]) + answer

    def _cmd_00(self, data: bytes) -> bytes:  # Diagnose: echo the test data
        return data

    def _cmd_02(self, data: bytes) -> bytes:
        return FIRMWARE

    def _cmd_06(self, data: bytes) -> bytes:  # ReadRegister: 16-bit addresses, MSB first
        return bytes(self.registers.get(data[i] << 8 | data[i + 1], 0) for i in range(0, len(data) - 1, 2))

    def _cmd_08(self, data: bytes) -> bytes:  # WriteRegister: (address16, value) triples
        for i in range(0, len(data) - 2, 3):
            self.registers[data[i] << 8 | data[i + 1]] = data[i + 2]
        return b""

    def _cmd_12(self, data: bytes) -> bytes:  # SetParameters
        return b""

    def _cmd_14(self, data: bytes) -> bytes:  # SAMConfiguration
        return b""

    def _cmd_16(self, data: bytes) -> bytes:  # PowerDown
        return bytes([STATUS_OK])

    def _cmd_32(self, data: bytes) -> bytes:  # RFConfiguration (field on/off, timings, retries)
        if data[:1] == b"\x01" and len(data) > 1 and not data[1] & 0x01 and self.card:
            self.card.field_off()
        return b""

    def _cmd_4a(self, data: bytes) -> bytes:  # InListPassiveTarget MaxTg BrTy
        if len(data) < 2 or data[1] != 0x00:
            return b"\x00"
        target = self._activate()
        return b"\x00" if target is None else b"\x01" + target

    def _cmd_60(self, data: bytes) -> bytes:  # InAutoPoll PollNr Period Type…
        types = data[2:]
        if not any(t in (0x00, 0x10, 0x20) for t in types):
            return b"\x00"
        target = self._activate()
        if target is None:
            return b"\x00"
        kind = 0x10 if self.card and self.card.sak & 0x08 else 0x00
        return bytes([1, kind, len(target)]) + target

    def _cmd_40(self, data: bytes) -> bytes:  # InDataExchange Tg data
        return self._relay(data[1:])

    def _cmd_42(self, data: bytes) -> bytes:  # InCommunicateThru data
        return self._relay(data)

    def _cmd_44(self, data: bytes) -> bytes:  # InDeselect
        return bytes([STATUS_OK])

    def _cmd_52(self, data: bytes) -> bytes:  # InRelease
        if self.card:
            self.card.field_off()
        return bytes([STATUS_OK])

    def _cmd_54(self, data: bytes) -> bytes:  # InSelect
        return bytes([STATUS_OK])

    def _activate(self) -> bytes | None:
        """Full REQA/anticollision/SELECT with the card; target data ``Tg ATQA SAK len UID``."""
        card = self.card
        if card is None:
            return None
        card.field_off()
        atqa = card.handle(b"\x26")
        if atqa is None:
            return None
        for level, code in enumerate((0x93, 0x95, 0x97)):
            part = card.handle(bytes([code, 0x20]))
            sak = card.handle(bytes([code, 0x70]) + part) if part else None
            if sak is None:
                return None
            if card.state is CardState.ACTIVE:
                break
            if level == 2:
                return None
        return bytes([0x01]) + atqa[::-1] + sak + bytes([len(card.uid)]) + card.uid

    def _relay(self, frame: bytes) -> bytes:
        answer = self.card.handle(frame) if self.card else None
        if answer is None:
            return bytes([STATUS_TIMEOUT])
        return bytes([STATUS_OK]) + answer


class Pn532PtySimulator:
    """A PN532 behind a pseudo-terminal: ``device`` is a real path for ``pn532_uart:<device>``."""

    def __init__(self) -> None:
        self.chip = Pn532()
        self._parser = FrameParser()
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        self.device = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connstring(self) -> str:
        return f"pn532_uart:{self.device}"

    def place(self, card: Iso14443Card) -> None:
        self.chip.card = card

    def remove(self) -> None:
        self.chip.card = None

    def start(self) -> Pn532PtySimulator:
        self._thread = threading.Thread(target=self._serve, name="pn532", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> Pn532PtySimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        import select

        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            for command in self._parser.feed(data):
                answer = self.chip.handle(command)
                reply = ACK + (SYNTAX_ERROR if answer is None else build_frame(answer))
                log.debug("pn532 %s -> %s", command.hex(), reply.hex())
                os.write(self._master, reply)
