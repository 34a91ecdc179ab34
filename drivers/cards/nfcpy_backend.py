"""Card reader over nfcpy: Sony RC-S380, ACR122, PN53x boards (``usb:…``, ``tty:…``) and ``udp:…``.

nfcpy opens a device from a path (``usb:054c:06c3``, ``tty:USB0:pn532``,
``udp:localhost:54321``) and discovers a card with ``ContactlessFrontend.sense``.
We use sense directly instead of ``connect`` because only the anti-collision
identifier is needed in most libraries: no tag-type activation, no NDEF.

When the mapping reads card memory (``block`` mode) the card must answer the
NFC Forum Type 2 READ command (``30 <page>`` → 16 bytes: MIFARE Ultralight,
NTAG); MIFARE Classic needs keys and is served by the libnfc backend instead.
The READ goes through ``ContactlessFrontend.exchange`` with its own timeout.

nfcpy's ``udp`` driver exchanges ASCII datagrams with a peer process; the card
simulator in ``simulators.cards`` answers them, so tests run this module and the
real nfcpy code path end to end.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterable

from drivers.cards.base import CardRead
from drivers.cards.mapping import CardDataError, IdentifierMapping
from drivers.errors import ReaderGone

log = logging.getLogger(__name__)

TYPE2_READ = 0x30
TYPE2_PAGE = 4


class NfcpyCardReader:
    """``CardReader`` over an nfcpy ``ContactlessFrontend``."""

    def __init__(self, path: str, mapping: IdentifierMapping | None = None, *,
                 targets: Iterable[str] = ("106A",), interval: float = 0.1,
                 exchange_timeout: float = 0.1) -> None:
        import nfc
        import nfc.clf

        self._clf_module = nfc.clf
        self.path = path
        self.mapping = mapping or IdentifierMapping()
        self.targets = tuple(targets)
        self.interval = interval
        self.exchange_timeout = exchange_timeout
        self._clf = nfc.ContactlessFrontend()
        try:
            found = self._clf.open(path)
        except OSError as exc:
            raise ReaderGone(f"cannot open NFC reader {path!r}: {exc}") from exc
        if not found:
            raise ReaderGone(f"no NFC reader at {path!r}: check the cable and the path "
                             "(usb[:VID:PID], tty:PORT:DRIVER, udp[:HOST][:PORT])")

    def read_card(self, timeout: float = 0.0) -> CardRead | None:
        deadline = time.monotonic() + timeout
        while True:
            target = self._sense()
            if target is not None:
                return self._card(target)
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.interval)

    def close(self) -> None:
        self._clf.close()

    def _sense(self):  # -> nfc.clf.RemoteTarget | None
        clf = self._clf_module
        remotes = [clf.RemoteTarget(brty) for brty in self.targets]
        try:
            return self._clf.sense(*remotes, iterations=1)
        except OSError as exc:
            if exc.errno in (errno.ENODEV, errno.EIO):
                raise ReaderGone(f"NFC reader {self.path!r} is gone: {exc}") from exc
            raise
        except clf.CommunicationError as exc:
            log.debug("sense failed (card moving or not ISO compliant): %r", exc)
            return None

    def _card(self, target) -> CardRead | None:
        technology, uid = _identify(target)
        data = None
        if self.mapping.needs_data:
            if technology != "iso14443a":
                raise CardDataError(f"{technology} cards cannot be read in 'block' mode with nfcpy")
            data = self._read_pages(*self.mapping.data_range(TYPE2_PAGE))
        return CardRead(self.mapping.identifier(uid, data), uid, technology, f"nfcpy:{self.path}")

    def _read_pages(self, first: int, count: int) -> bytes:
        data = b""
        page = first
        while page < first + count:
            try:
                answer = self._clf.exchange(bytearray([TYPE2_READ, page & 0xFF]), self.exchange_timeout)
            except self._clf_module.CommunicationError as exc:
                raise CardDataError(f"card did not answer READ of page {page}: moved away, or not a "
                                    f"Type 2 card (MIFARE Ultralight/NTAG) ({exc!r})") from exc
            if answer is None or len(answer) != 16:
                raise CardDataError(f"card refused READ of page {page} "
                                    f"(answer {bytes(answer or b'').hex() or 'empty'})")
            data += bytes(answer)
            page += 4
        return data[:count * TYPE2_PAGE]


def _identify(target) -> tuple[str, bytes]:
    """Technology and identifier of an nfcpy RemoteTarget."""
    if target.brty.endswith("A"):
        return "iso14443a", bytes(target.sdd_res)
    if target.brty.endswith("B"):
        return "iso14443b", bytes(target.sensb_res[1:5])  # PUPI
    return "felica", bytes(target.sensf_res[1:9])  # IDm
