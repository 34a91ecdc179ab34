"""USB/serial relay boards of the LCUS family (CH340 USB-serial chip, 1 to 8 channels).

Protocol (published by the board sellers; 9600 baud 8N1, no reply from the board):
four bytes ``A0 <channel> <state> <checksum>`` where channel counts from 1, state is
``01`` (relay closed, "on") or ``00`` (open, "off") and the checksum is the low byte
of the sum of the first three: channel 1 on is ``A0 01 01 A2``, off ``A0 01 00 A1``.
A gate wires the relay to a beacon, a siren or the library's alarm panel input.

``relay_frame``/``parse_relay_frame`` are the pure protocol; ``SerialRelayOutput``
sends frames over any pyserial port or URL (device path, ``socket://``, ``loop://``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import serial

from .base import OutputError

START = 0xA0
BAUDRATE = 9600


def relay_frame(channel: int, on: bool) -> bytes:
    """The four bytes switching ``channel`` (1-255) on or off."""
    if not 1 <= channel <= 255:
        raise ValueError(f"relay channel must be 1..255, got {channel}")
    state = 1 if on else 0
    return bytes((START, channel, state, (START + channel + state) & 0xFF))


def parse_relay_frame(frame: bytes) -> tuple[int, bool]:
    """(channel, on) from a four-byte frame; ValueError says what is wrong."""
    if len(frame) != 4:
        raise ValueError(f"relay frame must be 4 bytes, got {len(frame)}: {frame.hex(' ')}")
    start, channel, state, checksum = frame
    if start != START:
        raise ValueError(f"relay frame must start with A0, got {start:02X}")
    if state not in (0, 1):
        raise ValueError(f"relay state must be 00 or 01, got {state:02X}")
    if checksum != (start + channel + state) & 0xFF:
        raise ValueError(f"relay checksum {checksum:02X} != {(start + channel + state) & 0xFF:02X}")
    return channel, bool(state)


class SerialRelayOutput:
    """One channel of a relay board. The port is reopened after an error on the next switch."""

    def __init__(
        self,
        port: str,
        channel: int = 1,
        *,
        name: str = "relay",
        role: str = "relay",
        baudrate: int = BAUDRATE,
        open_port: Callable[..., Any] = serial.serial_for_url,
    ) -> None:
        relay_frame(channel, False)  # validates the channel
        self.name, self.role, self.port, self.channel, self.baudrate = name, role, port, channel, baudrate
        self._open_port = open_port
        self._serial: Any = None
        self._active = False
        self._lock = threading.Lock()
        self._connect()

    @property
    def active(self) -> bool:
        return self._active

    def _connect(self) -> None:
        try:
            self._serial = self._open_port(self.port, baudrate=self.baudrate, timeout=0.2, write_timeout=0.5)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise OutputError(
                f"cannot open relay board {self.name!r} on {self.port}: {exc}; "
                "check the cable and the port in [[output]] port"
            ) from exc

    def on(self) -> None:
        self._send(True)

    def off(self) -> None:
        self._send(False)

    def _send(self, on: bool) -> None:
        with self._lock:
            if self._serial is None:
                self._connect()
            try:
                self._serial.write(relay_frame(self.channel, on))
                self._serial.flush()
            except (serial.SerialException, OSError) as exc:
                self._drop()
                raise OutputError(
                    f"relay board {self.name!r} on {self.port} stopped answering: {exc}"
                ) from exc
            self._active = on

    def _drop(self) -> None:
        try:
            self._serial.close()
        except Exception:  # closing a dead port must not hide the original error
            pass
        self._serial = None

    def close(self) -> None:
        with self._lock:
            if self._serial is None:
                return
            try:
                if self._active:
                    self._serial.write(relay_frame(self.channel, False))
                    self._serial.flush()
            except (serial.SerialException, OSError):
                pass
            finally:
                self._active = False
                self._drop()
