"""Alarm outputs on Linux GPIO lines: the character device (uAPI v2), or sysfs on old kernels.

Character device (Linux >= 5.10), no library needed: open ``/dev/gpiochipN``, ask for
the line with ``GPIO_V2_GET_LINE_IOCTL`` passing a ``struct gpio_v2_line_request``
(offsets[64] u32, consumer[32], config {flags u64, num_attrs u32, pad[5] u32,
attrs[10] {id u32, pad u32, value u64, mask u64}}, num_lines u32,
event_buffer_size u32, pad[5] u32, fd s32: 592 bytes), then switch it with
``GPIO_V2_LINE_SET_VALUES_IOCTL`` passing ``{bits u64, mask u64}``. The kernel keeps
the line as requested while the returned file descriptor stays open, and applies
``active_low`` itself. Sizes, offsets and ioctl numbers were checked against
``<linux/gpio.h>`` compiled with gcc (see tests).

Sysfs (``/sys/class/gpio``, deprecated, gone on recent distributions): export the
*global* line number, write ``low`` to ``direction`` (output, initially inactive) and
``0``/``1`` to ``value``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .base import OutputError


def _ioc(direction: int, kind: int, number: int, size: int) -> int:
    """Linux ``_IOC``: direction (1 write, 2 read, 3 both) | size | type | number."""
    return (direction << 30) | (size << 16) | (kind << 8) | number


GPIO_MAGIC = 0xB4
LINES_MAX = 64
NUM_ATTRS_MAX = 10
FLAG_ACTIVE_LOW = 1 << 1
FLAG_OUTPUT = 1 << 3
ATTR_ID_OUTPUT_VALUES = 2

ATTRIBUTE = struct.Struct("=IIQQ")  # gpio_v2_line_config_attribute: id, padding, value, mask
LINE_REQUEST = struct.Struct(f"={LINES_MAX}I32sQI20x{ATTRIBUTE.size * NUM_ATTRS_MAX}sII20xi")
LINE_VALUES = struct.Struct("=QQ")
CHIP_INFO = struct.Struct("=32s32sI")
REQUEST_FD_OFFSET = LINE_REQUEST.size - 4

GPIO_GET_CHIPINFO_IOCTL = _ioc(2, GPIO_MAGIC, 0x01, CHIP_INFO.size)
GPIO_V2_GET_LINE_IOCTL = _ioc(3, GPIO_MAGIC, 0x07, LINE_REQUEST.size)
GPIO_V2_LINE_GET_VALUES_IOCTL = _ioc(3, GPIO_MAGIC, 0x0E, LINE_VALUES.size)
GPIO_V2_LINE_SET_VALUES_IOCTL = _ioc(3, GPIO_MAGIC, 0x0F, LINE_VALUES.size)


def pack_line_request(offsets: list[int], consumer: str, flags: int, initial: int = 0) -> bytes:
    """A ``gpio_v2_line_request`` for output lines, all starting at ``initial`` (0 inactive, 1 active)."""
    if not 1 <= len(offsets) <= LINES_MAX:
        raise ValueError(f"request 1..{LINES_MAX} lines, got {len(offsets)}")
    all_lines = (1 << len(offsets)) - 1
    attrs = ATTRIBUTE.pack(ATTR_ID_OUTPUT_VALUES, 0, all_lines if initial else 0, all_lines)
    attrs = attrs.ljust(ATTRIBUTE.size * NUM_ATTRS_MAX, b"\0")
    padded = list(offsets) + [0] * (LINES_MAX - len(offsets))
    return LINE_REQUEST.pack(*padded, consumer.encode()[:31], flags, 1, attrs, len(offsets), 0, -1)


def unpack_line_request(data: bytes) -> dict[str, object]:
    """The fields of a packed request (used by tests and the GPIO simulator)."""
    fields = LINE_REQUEST.unpack(data)
    num_lines = fields[-3]
    flags, num_attrs, attrs = fields[LINES_MAX + 1 : LINES_MAX + 4]
    attributes = [ATTRIBUTE.unpack_from(attrs, i * ATTRIBUTE.size) for i in range(num_attrs)]
    return {
        "offsets": list(fields[:num_lines]),
        "consumer": fields[LINES_MAX].rstrip(b"\0").decode(),
        "flags": flags,
        "attributes": attributes,
        "num_lines": num_lines,
        "fd": fields[-1],
    }


class GpioLineOutput:
    """One output line of a GPIO chip, held through the v2 character device."""

    def __init__(
        self,
        chip: str = "/dev/gpiochip0",
        line: int = 0,
        *,
        name: str = "gpio",
        role: str = "light",
        active_low: bool = False,
        consumer: str = "borne-gate",
        ioctl: Callable[..., object] = fcntl.ioctl,
    ) -> None:
        self.name, self.role, self.chip, self.line = name, role, chip, line
        self._ioctl = ioctl
        self._active = False
        self._lock = threading.Lock()
        self._fd = self._request(active_low, consumer)

    @property
    def active(self) -> bool:
        return self._active

    def _request(self, active_low: bool, consumer: str) -> int:
        flags = FLAG_OUTPUT | (FLAG_ACTIVE_LOW if active_low else 0)
        request = bytearray(pack_line_request([self.line], consumer, flags, initial=0))
        try:
            chip_fd = os.open(self.chip, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise OutputError(
                f"cannot open GPIO chip {self.chip} for output {self.name!r}: {exc.strerror}; "
                "check [[output]] chip and that the service may use it (group gpio)"
            ) from exc
        try:
            self._ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, request, True)
        except OSError as exc:
            raise OutputError(self._request_failure(exc)) from exc
        finally:
            os.close(chip_fd)
        return struct.unpack_from("=i", request, REQUEST_FD_OFFSET)[0]

    def _request_failure(self, exc: OSError) -> str:
        where = f"GPIO line {self.line} of {self.chip} for output {self.name!r}"
        if exc.errno == errno.EBUSY:
            return f"{where} is already in use by another program"
        if exc.errno in (errno.ENOTTY, errno.ENOSYS):
            return (
                f"{where}: this kernel has no GPIO v2 character device API (Linux >= 5.10); "
                'use driver = "sysfs-gpio"'
            )
        if exc.errno == errno.EINVAL:
            return f"{where}: the chip has no such line (check [[output]] line)"
        return f"{where} could not be requested: {exc.strerror or exc}"

    def on(self) -> None:
        self._set(True)

    def off(self) -> None:
        self._set(False)

    def _set(self, on: bool) -> None:
        with self._lock:
            if self._fd < 0:
                raise OutputError(f"GPIO output {self.name!r} is closed")
            try:
                self._ioctl(
                    self._fd, GPIO_V2_LINE_SET_VALUES_IOCTL, bytearray(LINE_VALUES.pack(int(on), 1)), True
                )
            except OSError as exc:
                raise OutputError(
                    f"GPIO output {self.name!r} could not be switched: {exc.strerror or exc}"
                ) from exc
            self._active = on

    def close(self) -> None:
        with self._lock:
            if self._fd < 0:
                return
            try:
                if self._active:
                    self._ioctl(
                        self._fd, GPIO_V2_LINE_SET_VALUES_IOCTL, bytearray(LINE_VALUES.pack(0, 1)), True
                    )
            except OSError:
                pass
            finally:
                os.close(self._fd)
                self._fd, self._active = -1, False


class SysfsGpioOutput:
    """One output line through ``/sys/class/gpio`` (``line`` is the global GPIO number)."""

    def __init__(
        self,
        line: int,
        *,
        root: str | Path = "/sys/class/gpio",
        name: str = "gpio",
        role: str = "light",
        active_low: bool = False,
        export_timeout: float = 1.0,
    ) -> None:
        self.name, self.role, self.line = name, role, line
        self.root = Path(root)
        self.directory = self.root / f"gpio{line}"
        self._active = False
        self._exported = False
        self._prepare(active_low, export_timeout)

    @property
    def active(self) -> bool:
        return self._active

    def _prepare(self, active_low: bool, export_timeout: float) -> None:
        if not self.directory.is_dir():
            self._write(self.root / "export", str(self.line))
            self._exported = True
            deadline = time.monotonic() + export_timeout
            while not (self.directory / "direction").exists():  # udev may take a moment
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"GPIO {self.line} did not appear under {self.root} after export; "
                        "check [[output]] line (sysfs wants the global number)"
                    )
                time.sleep(0.01)
        self._write(self.directory / "active_low", "1" if active_low else "0")
        self._write(self.directory / "direction", "low")

    def _write(self, path: Path, text: str) -> None:
        try:
            path.write_text(text)
        except OSError as exc:
            raise OutputError(
                f"GPIO output {self.name!r}: cannot write {text!r} to {path}: {exc.strerror or exc}"
            ) from exc

    def on(self) -> None:
        self._write(self.directory / "value", "1")
        self._active = True

    def off(self) -> None:
        self._write(self.directory / "value", "0")
        self._active = False

    def close(self) -> None:
        try:
            if self._active:
                self.off()
            if self._exported:
                self._write(self.root / "unexport", str(self.line))
        except OutputError:
            pass
