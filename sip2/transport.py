"""Opening the TCP or TLS connection to a SIGB (shared by the client and the doctor).

TLS verifies the server certificate against the system store or ``ca_file`` and checks the host name; a
client certificate (``certfile``/``keyfile``) is presented when the SIGB requires mutual TLS. ``verify=False``
exists for test benches only and is logged as a warning.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Protocol

from sip2.errors import Sip2Disconnected

log = logging.getLogger(__name__)


class ConnectionSettings(Protocol):
    host: str
    port: int
    tls: bool
    ca_file: str | None
    certfile: str | None
    keyfile: str | None
    verify: bool
    timeout: float


def tls_context(settings: ConnectionSettings) -> ssl.SSLContext:
    """The client-side TLS context described by ``settings``."""
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
        if settings.certfile:
            context.load_cert_chain(settings.certfile, settings.keyfile)
    except (OSError, ssl.SSLError) as exc:
        files = f"ca_file={settings.ca_file!r}, certfile={settings.certfile!r}, keyfile={settings.keyfile!r}"
        raise Sip2Disconnected(f"cannot load TLS files ({files}): {exc}") from exc
    if not settings.verify:
        log.warning("TLS certificate verification is OFF for %s:%s (test bench only)", settings.host,
                    settings.port)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def open_connection(settings: ConnectionSettings) -> socket.socket:
    """A connected socket (TLS-wrapped when asked), with ``settings.timeout`` as its read timeout."""
    where = f"{settings.host}:{settings.port}"
    context = tls_context(settings) if settings.tls else None
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=settings.timeout)
    except OSError as exc:
        raise Sip2Disconnected(f"cannot connect to the SIGB at {where}: {exc.strerror or exc}; check host, "
                               f"port and network") from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if context is None:
        return sock
    try:
        return context.wrap_socket(sock, server_hostname=settings.host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise Sip2Disconnected(f"TLS certificate of {where} is not trusted ({exc.verify_message}); give the "
                               f"SIGB's CA with ca_file") from exc
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        hint = "" if settings.certfile else (
            "; if the SIGB requires a client certificate (mutual TLS), give certfile and keyfile")
        raise Sip2Disconnected(f"TLS handshake with {where} failed: {exc}{hint}") from exc
