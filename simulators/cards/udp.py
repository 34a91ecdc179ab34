"""Play a patron card to nfcpy's ``udp`` driver, so the real nfcpy reader code runs in tests.

nfcpy's ``nfc/clf/udp.py`` (the initiator side, ``udp:HOST:PORT``) sends every
frame as one datagram ``b"<brty> <hex>"`` (e.g. ``b"106A 26"`` for REQA, hex in
lower case, CRC omitted) to HOST:PORT from an ephemeral port, and waits for the
answer as a datagram of the same shape from the card. A datagram starting with
``RFOFF`` means the reader switched its field off. This server binds HOST:PORT,
answers from the ``Iso14443Card`` currently on the reader and stays silent when
none is: nfcpy then times out exactly as with a real empty field.
"""

from __future__ import annotations

import binascii
import logging
import socket
import threading

from simulators.cards.iso14443 import Iso14443Card

log = logging.getLogger(__name__)

BIT_RATE = b"106A"


def parse_datagram(datagram: bytes) -> tuple[str, bytes] | None:
    """(bit rate and technology, frame) of an nfcpy UDP datagram; None for RFOFF or garbage."""
    parts = datagram.split()
    if len(parts) != 2:
        return None
    try:
        return parts[0].decode("ascii"), binascii.unhexlify(parts[1])
    except (UnicodeDecodeError, binascii.Error, ValueError):
        return None


def build_datagram(brty: str, frame: bytes) -> bytes:
    return brty.encode("ascii") + b" " + binascii.hexlify(frame)


class UdpCardSimulator:
    """A card pad reachable as nfcpy path ``udp:127.0.0.1:<port>``; place and remove cards at will."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(0.05)
        self._lock = threading.Lock()
        self._card: Iso14443Card | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.silent = False
        self.frames_seen = 0

    @property
    def address(self) -> tuple[str, int]:
        return self._socket.getsockname()

    @property
    def path(self) -> str:
        host, port = self.address
        return f"udp:{host}:{port}"

    @property
    def card(self) -> Iso14443Card | None:
        return self._card

    def place(self, card: Iso14443Card) -> None:
        with self._lock:
            card.field_off()
            self._card = card

    def remove(self) -> None:
        with self._lock:
            self._card = None

    def start(self) -> UdpCardSimulator:
        self._thread = threading.Thread(target=self._serve, name="udp-card", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._socket.close()

    def __enter__(self) -> UdpCardSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                datagram, peer = self._socket.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self.handle(datagram)
            if answer is not None:
                self._socket.sendto(answer, peer)

    def handle(self, datagram: bytes) -> bytes | None:
        """The datagram to send back for ``datagram``, or None (silence)."""
        self.frames_seen += 1
        with self._lock:
            card = self._card
            if datagram.startswith(b"RFOFF"):
                if card is not None:
                    card.field_off()
                return None
            parsed = parse_datagram(datagram)
            if card is None or self.silent or parsed is None or parsed[0] != BIT_RATE.decode():
                return None
            answer = card.handle(parsed[1])
        log.debug("card %s -> %s", parsed[1].hex(), answer.hex() if answer else None)
        return None if answer is None else build_datagram(parsed[0], answer)
