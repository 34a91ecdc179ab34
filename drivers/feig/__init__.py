"""FEIG OBID ISO-host readers (ID ISC.MR/LR/PR, CPR): pure protocol + driver.

Supported: inventory (AFI mask, MORE continuation, antenna selection), read/write/lock
blocks with security status and read-back verification, write/lock AFI and DSFID,
system information, NXP EAS set/reset/lock/alarm, software version, RF reset, buffered
read mode (read buffer, info, clear, initialise). Serial 38400 8E1 by default, TCP port
10001 for LAN readers, USB through pyusb (VID 0x0AB1, PID 0x0002).
"""

from __future__ import annotations

from typing import Any

from drivers.feig.reader import FeigReader
from drivers.transport import Backoff, SerialSettings, open_transport

SERIAL_SETTINGS = SerialSettings(baudrate=38400, bytesize=8, parity="E", stopbits=1)
USB_IDS = (0x0AB1, 0x0002)

__all__ = ["SERIAL_SETTINGS", "USB_IDS", "FeigReader", "open_reader"]

_TRANSPORT_OPTIONS = ("reconnect", "backoff", "usb_backend", "usb_ids")


def open_reader(port: str, *, baudrate: int | None = None, **options: Any) -> FeigReader:
    """Open a FEIG reader on ``port`` (device path, pyserial URL, ``tcp://host:port`` or ``usb:``).

    Transport options: ``reconnect`` (default True), ``backoff`` (:class:`Backoff`),
    ``usb_backend`` (a pyusb backend), ``usb_ids``; every other option goes to
    :class:`FeigReader` (``timeout``, ``retries``, ``com_adr``, ``advanced``, ``block_order``…).
    """
    transport_options = {k: options.pop(k) for k in _TRANSPORT_OPTIONS if k in options}
    transport_options.setdefault("usb_ids", USB_IDS)
    backoff = transport_options.pop("backoff", None)
    settings = SERIAL_SETTINGS if baudrate is None else SerialSettings(baudrate, 8, "E", 1)
    transport = open_transport(port, settings, backoff=backoff if isinstance(backoff, Backoff) else None,
                               driver="feig", **transport_options)
    try:
        return FeigReader(transport, **options)
    except BaseException:
        transport.close()
        raise
