"""Patron card readers: ``open_card_reader(spec)`` returns a ``CardReader`` for a configured device.

Specs
    ``nfcpy:<path>``                nfcpy path: ``usb[:VID:PID]``, ``tty:USB0:pn532``, ``udp:HOST:PORT``
    ``usb:…`` / ``tty:…`` / ``udp:…``  the same, nfcpy being the default backend
    ``pynfc:<connstring>``          libnfc connection string: ``pn532_uart:/dev/ttyUSB0``, ``acr122_usb:``
    ``iso15693:<driver>:<port>``    ISO 28560 patron cards on an item reader (``drivers.open_reader``)
"""

from __future__ import annotations

from drivers.cards.base import CardPresence, CardRead, CardReader
from drivers.cards.mapping import CardConfigError, CardDataError, IdentifierMapping

__all__ = ["CardConfigError", "CardDataError", "CardPresence", "CardRead", "CardReader",
           "IdentifierMapping", "open_card_reader"]

NFCPY_PREFIXES = ("usb", "tty", "com", "udp")


def open_card_reader(spec: str, mapping: IdentifierMapping | None = None, **options: object) -> CardReader:
    """Open the card reader named by ``spec`` (see the module docstring)."""
    backend, _, rest = spec.partition(":")
    if backend == "nfcpy" and rest:
        from drivers.cards.nfcpy_backend import NfcpyCardReader
        return NfcpyCardReader(rest, mapping, **options)  # type: ignore[arg-type]
    if backend in NFCPY_PREFIXES:
        from drivers.cards.nfcpy_backend import NfcpyCardReader
        return NfcpyCardReader(spec, mapping, **options)  # type: ignore[arg-type]
    if backend == "pynfc" and rest:
        from drivers.cards.pynfc_backend import PynfcCardReader
        return PynfcCardReader(rest, mapping, **options)  # type: ignore[arg-type]
    if backend == "iso15693" and ":" in rest:
        import drivers
        from drivers.cards.iso15693 import ItemReaderCardReader
        driver, _, port = rest.partition(":")
        return ItemReaderCardReader(drivers.open_reader(driver, port), **options)  # type: ignore[arg-type,attr-defined]
    raise CardConfigError(
        f"card reader {spec!r}: expected nfcpy:<path> (usb:…, tty:PORT:DRIVER, udp:HOST:PORT), "
        "pynfc:<libnfc connstring> or iso15693:<driver>:<port>")
