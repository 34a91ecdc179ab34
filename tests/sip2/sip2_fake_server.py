"""A tiny scripted SIP2 server for client tests: real TCP (optionally TLS), frames written by hand.

It is not a SIGB: a test gives it a ``handler(frame, connection_number) -> reply`` where ``reply`` is bytes
to send, ``None`` for silence, or :data:`CLOSE` to drop the connection. Every frame received is recorded, so
tests can assert on the exact bytes the client put on the wire.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable

from sip2.checksum import checksum_hex

CLOSE = object()
Handler = Callable[[bytes, int], object]


def framed(text: str, encoding: str = "utf-8", terminator: bytes = b"\r") -> bytes:
    """``text`` + its checksum + terminator (``text`` must end with ``AY<n>AZ``)."""
    data = text.encode(encoding)
    return data + checksum_hex(data).encode() + terminator


def sequence_of(frame: bytes) -> str:
    """The AY digit of a received frame ("0" when absent)."""
    index = frame.rfind(b"AY")
    return chr(frame[index + 2]) if index >= 0 and len(frame) > index + 2 else "0"


def standard_reply(frame: bytes, *, title: str = "Les Misérables") -> bytes | None:
    """Well-formed replies to 93/99/11/09/17/63/35 echoing the request's sequence number."""
    seq = sequence_of(frame)
    command = frame[:2]
    date = "20240301    101530"
    if command == b"93":
        return framed(f"941AY{seq}AZ")
    if command == b"99":
        return framed(f"98YYYYNY030003{date}2.00AOFR-751|AMRéseau|BXYYYYYYYYYYYYYYYY|AY{seq}AZ")
    if command == b"11":
        item = frame.split(b"|AB", 1)[1].split(b"|", 1)[0].decode()
        return framed(f"121NNY{date}AOFR-751|AAP1|AB{item}|AJ{title}|AH20240322    235900|AY{seq}AZ")
    if command == b"09":
        return framed(f"101YNN{date}AOFR-751|AB1|AQFR-751-02|AJ{title}|CV04|CTFR-751-02|CL2|AY{seq}AZ")
    if command == b"17":
        item = frame.split(b"AB", 1)[1].split(b"|", 1)[0].decode()
        return framed(f"18030201{date}AB{item}|AJ{title}|AY{seq}AZ")
    if command == b"63":
        counts = "0000" * 6
        return framed(f"64              002{date}{counts}AOFR-751|AAP1|AEHélène Dupré|BLY|CQY|AY{seq}AZ")
    if command == b"35":
        return framed(f"36Y{date}AOFR-751|AAP1|AY{seq}AZ")
    return None


class FakeSIGB:
    """Accepts connections on 127.0.0.1 and answers each frame with ``handler``."""

    def __init__(self, handler: Handler = lambda frame, _n: standard_reply(frame), *,
                 tls_context: ssl.SSLContext | None = None, terminator: bytes = b"\r") -> None:
        self.handler = handler
        self.tls_context = tls_context
        self.terminator = terminator
        self.received: list[tuple[int, bytes]] = []
        self.terminators: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def frames(self) -> list[bytes]:
        return [frame for _n, frame in self.received]

    def commands(self) -> list[str]:
        return [frame[:2].decode() for frame in self.frames]

    def close_all_connections(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self.close_all_connections()
        self._listener.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> FakeSIGB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        try:
            if self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            self._conns.append(conn)
            buffer = b""
            while not self._stop.is_set():
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
                while b"\r" in buffer:
                    frame, buffer = buffer.split(b"\r", 1)
                    self.terminators.append(b"\r\n" if buffer.startswith(b"\n") else b"\r")
                    buffer = buffer.removeprefix(b"\n")
                    self.received.append((number, frame))
                    reply = self.handler(frame, number)
                    if reply is CLOSE:
                        conn.close()
                        return
                    if isinstance(reply, bytes):
                        conn.sendall(reply)
        except (OSError, ssl.SSLError):
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
