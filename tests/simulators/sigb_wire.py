"""A raw TCP peer for the simulated-SIGB tests: frames written by hand, checksums computed here.

The checksum is recomputed in this file (not taken from ``sip2``) and checked
against the worked examples of the SIP2 reference, so the server's bytes are
verified independently of the codec it uses.
"""

from __future__ import annotations

import socket
import ssl
import time


def checksum(data: bytes) -> str:
    return f"{-sum(data) & 0xFFFF:04X}"


def frame(text: str, seq: int | None = 0, *, encoding: str = "utf-8", terminator: str = "\r") -> bytes:
    """``text`` as a request frame, with ``AY<seq>AZ<checksum>`` unless ``seq`` is None."""
    data = text.encode(encoding)
    if seq is not None:
        data += f"AY{seq}AZ".encode("ascii")
        data += checksum(data).encode("ascii")
    return data + terminator.encode("ascii")


def valid_checksum(response: bytes) -> bool:
    body = response.rstrip(b"\r\n")
    return body[-6:-4] == b"AZ" and checksum(body[:-4]) == body[-4:].decode("ascii")


FIXED_LENGTH = {"94": 3, "98": 36, "64": 61, "24": 37, "12": 24, "30": 24, "10": 24, "18": 26, "66": 29,
                "36": 21, "38": 21}


def fields(response: bytes, encoding: str = "utf-8") -> dict[str, list[str]]:
    """Variable fields of a response frame by code (repeatable ones in order), trailer excluded."""
    text = response.rstrip(b"\r\n").decode(encoding)
    out: dict[str, list[str]] = {}
    for piece in text[FIXED_LENGTH[text[:2]]:].split("|"):
        if piece.startswith("AY") or not piece:
            continue
        out.setdefault(piece[:2], []).append(piece[2:])
    return out


class Wire:
    """One client connection speaking raw bytes."""

    def __init__(self, address: tuple[str, int], *, terminator: bytes = b"\r",
                 tls: ssl.SSLContext | None = None, server_hostname: str = "localhost") -> None:
        sock = socket.create_connection(address, timeout=3)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = tls.wrap_socket(sock, server_hostname=server_hostname) if tls else sock
        self.terminator = terminator
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self, timeout: float = 3.0) -> bytes:
        """The next response frame, terminator included."""
        deadline = time.monotonic() + timeout
        while self.terminator not in self.buffer:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"connection closed; buffered {self.buffer!r}")
            self.buffer += chunk
        end = self.buffer.index(self.terminator) + len(self.terminator)
        response, self.buffer = self.buffer[:end], self.buffer[end:]
        return response

    def ask(self, data: bytes, timeout: float = 3.0) -> bytes:
        self.send(data)
        return self.receive(timeout)

    def silent(self, wait: float = 0.3) -> bool:
        """True if nothing arrives within ``wait`` seconds and the connection stays open."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return True
        self.buffer += chunk
        return False

    def closed_by_peer(self, timeout: float = 3.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


LOGIN = "9300CNborne|COborne|CPPERPIGNAN|"
