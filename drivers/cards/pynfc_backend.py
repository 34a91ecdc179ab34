"""Card reader over libnfc through pynfc's ctypes bindings (PN532/PN533 boards, ACR122, …).

pynfc 0.1.1 wraps libnfc 1.8 and libfreefare (Debian: ``libnfc6 libfreefare0
libfreefare-dev``; its bindings load the unversioned ``libfreefare.so``). Its
``Nfc`` class opens a device from a libnfc connection string
(``pn532_uart:/dev/ttyUSB0``, ``pn53x_usb:``, ``acr122_usb:``) but its ``poll``
loops up to 255 times without a deadline, so we call the underlying bindings
(``nfc_initiator_init``, ``nfc_initiator_poll_target``,
``nfc_initiator_transceive_bytes``) ourselves, with a bounded number of polls.

The UID comes from the libnfc target structure (``nti.nai.abtUid``), which
works for every ISO 14443-A card, not only the MIFARE types libfreefare knows.
``block`` mapping reads Type 2 pages with the READ command (``30 page``).
"""

from __future__ import annotations

import ctypes
import logging
import math
from typing import Any

from drivers.cards.base import CardRead
from drivers.cards.mapping import CardDataError, IdentifierMapping
from drivers.errors import ReaderError, ReaderGone

log = logging.getLogger(__name__)

POLL_PERIOD_UNIT = 0.150  # seconds per libnfc poll period unit
TYPE2_PAGE = 4
NFC_EIO, NFC_ENOTSUCHDEV = -1, -4  # libnfc error codes meaning the device is gone


def load_bindings() -> Any:
    """pynfc's ctypes module, or ReaderGone saying which system package is missing."""
    try:
        from pynfc import nfc as bindings
    except OSError as exc:  # libfreefare.so / libnfc.so not installed
        raise ReaderGone(f"libnfc/libfreefare cannot be loaded ({exc}); install the Debian packages "
                         "libnfc6 libfreefare0 libfreefare-dev") from exc
    except ImportError as exc:
        raise ReaderGone(f"pynfc is not installed ({exc}); pip install pynfc") from exc
    return bindings


def libnfc_version() -> str:
    bindings = load_bindings()
    return ctypes.string_at(bindings.nfc_version()).decode("ascii", "replace")


def uid_from_target(target: Any) -> bytes:
    """The NFCID1 of an ISO 14443-A ``nfc_target`` (length-checked: libnfc allows 4, 7 or 10)."""
    info = target.nti.nai
    length = int(info.szUidLen)
    if length not in (4, 7, 10):
        raise CardDataError(f"libnfc reported a UID of {length} bytes; expected 4, 7 or 10")
    return bytes(info.abtUid[:length])


class PynfcCardReader:
    """``CardReader`` for ISO 14443-A cards through libnfc."""

    def __init__(self, connstring: str, mapping: IdentifierMapping | None = None, *,
                 poll_period: int = 1, exchange_timeout_ms: int = 100) -> None:
        self.bindings = load_bindings()
        import pynfc

        self.connstring = connstring
        self.mapping = mapping or IdentifierMapping()
        self.poll_period = max(1, min(poll_period, 15))
        self.exchange_timeout_ms = exchange_timeout_ms
        try:
            self._nfc = pynfc.Nfc(connstring)
        except Exception as exc:  # pynfc raises bare Exception("Couldn't nfc_open (comms?)")
            raise ReaderGone(f"libnfc could not open {connstring!r} ({exc}): check the connection "
                             "string (e.g. pn532_uart:/dev/ttyUSB0) and that no other program holds "
                             "the device") from exc
        if self.bindings.nfc_initiator_init(self._nfc.pdevice) < 0:
            raise ReaderGone(f"libnfc opened {connstring!r} but could not switch it to reader mode: "
                             f"{self._last_error()}")

    @property
    def device_name(self) -> str:
        name = ctypes.string_at(self.bindings.nfc_device_get_name(self._nfc.pdevice))
        return name.decode("utf-8", "replace")

    def read_card(self, timeout: float = 0.0) -> CardRead | None:
        b = self.bindings
        polls = max(1, min(255, math.ceil(timeout / (self.poll_period * POLL_PERIOD_UNIT))))
        modulation = (b.nfc_modulation * 1)()
        modulation[0].nmt, modulation[0].nbr = b.NMT_ISO14443A, b.NBR_106
        target = b.nfc_target()
        found = b.nfc_initiator_poll_target(self._nfc.pdevice, modulation, 1, polls, self.poll_period,
                                            ctypes.byref(target))
        if found in (NFC_EIO, NFC_ENOTSUCHDEV):
            raise ReaderGone(f"NFC reader {self.connstring!r} stopped answering: {self._last_error()}")
        if found < 0:
            log.debug("poll failed (%d): %s", found, self._last_error())
        if found <= 0:
            return None
        uid = uid_from_target(target)
        data = self._read_pages(*self.mapping.data_range(TYPE2_PAGE)) if self.mapping.needs_data else None
        return CardRead(self.mapping.identifier(uid, data), uid, "iso14443a", f"pynfc:{self.connstring}")

    def close(self) -> None:
        nfc = getattr(self, "_nfc", None)
        if nfc is not None and nfc.pdevice:
            self.bindings.nfc_close(nfc.pdevice)
            nfc.pdevice = None

    def _read_pages(self, first: int, count: int) -> bytes:
        data = b""
        for page in range(first, first + count, 4):
            data += self.transceive(bytes([0x30, page & 0xFF]), 16, what=f"READ of page {page}")
        return data[:count * TYPE2_PAGE]

    def transceive(self, command: bytes, expected: int, what: str = "command") -> bytes:
        b = self.bindings
        tx = (ctypes.c_ubyte * len(command))(*command)
        rx = (ctypes.c_ubyte * 64)()
        got = b.nfc_initiator_transceive_bytes(self._nfc.pdevice, tx, len(command), rx, len(rx),
                                               self.exchange_timeout_ms)
        if got != expected:
            detail = self._last_error() if got < 0 else f"{got} bytes"
            raise CardDataError(f"card did not answer {what} ({detail}); moved away, or not a "
                                "Type 2 card (MIFARE Ultralight/NTAG)")
        return bytes(rx[:got])

    def _last_error(self) -> str:
        try:
            return ctypes.string_at(self.bindings.nfc_strerror(self._nfc.pdevice)).decode("utf-8", "replace")
        except (ValueError, OSError, ReaderError):
            return "unknown libnfc error"
