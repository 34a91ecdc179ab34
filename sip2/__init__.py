"""SIP2 (3M Standard Interchange Protocol 2.00): sans-I/O codec and a TCP/TLS client.

- :mod:`sip2.messages`: every request and response as frozen dataclasses;
- :mod:`sip2.codec`: ``encode(message) -> bytes`` and ``FrameReader.feed(bytes)`` -> messages;
- :mod:`sip2.checksum`, :mod:`sip2.dates`: the error-detection checksum and SIP dates;
- :mod:`sip2.session`: the client-side conversation state (sequence numbers, matching replies, resends);
- :mod:`sip2.client`: ``SIP2Client`` over TCP/TLS (login, keepalive, reconnect, outcome-unknown), with
  :mod:`sip2.transport` opening the connection;
- :mod:`sip2.errors`: the error family; :mod:`sip2.render`: messages as JSON or readable lines;
- :mod:`sip2.cli` and :mod:`sip2.doctor`: ``borne sip2`` and the SIGB qualification report.
"""

from sip2.codec import NEED_DATA, FrameReader, decode, encode
from sip2.errors import (
    ChecksumError,
    LocalProtocolError,
    LoginRefused,
    OutcomeUnknown,
    ParseError,
    Sip2Disconnected,
    Sip2Error,
    Sip2Timeout,
)

__all__ = [
    "NEED_DATA", "ChecksumError", "FrameReader", "LocalProtocolError", "LoginRefused", "OutcomeUnknown",
    "ParseError", "Sip2Disconnected", "Sip2Error", "Sip2Timeout", "decode", "encode",
]
