"""The SIP2 error family: one base class, and one subclass per thing a caller must handle differently.

- ``ParseError``: bytes from the peer that are not a valid SIP2 frame; the message says what and where.
  ``ChecksumError`` is the case where a request for retransmission (96/97) can repair it.
- ``LocalProtocolError``: our own misuse (a value that cannot be put on the wire, a reply we did not ask for).
- ``Sip2Timeout`` / ``Sip2Disconnected``: the transport failed *before* a request could have had an effect.
- ``OutcomeUnknown``: a request was sent but its reply never came. The SIGB may or may not have applied it;
  the caller must reconcile (item information) and must never resend a checkout blindly.
- ``LoginRefused``: the SIGB answered 94 with ok = 0; retrying will not help.
"""

from __future__ import annotations


class Sip2Error(Exception):
    """Base class: every error raised by ``sip2`` derives from it."""


class ParseError(Sip2Error, ValueError):
    """Bytes received from the peer are not a valid SIP2 frame.

    ``frame`` holds the offending frame (without terminator) when known, ``offset`` the character
    offset inside it where the problem was found.
    """

    def __init__(self, message: str, *, frame: bytes | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.frame = frame
        self.offset = offset


class ChecksumError(ParseError):
    """The ``AZ`` checksum of a received frame does not match its bytes (a transmission error)."""


class LocalProtocolError(Sip2Error, ValueError):
    """We were asked to build or send something SIP2 cannot express (for example a '|' inside a field)."""


class Sip2Timeout(Sip2Error, TimeoutError):
    """No reply within the configured timeout (for a request that is safe to repeat)."""


class Sip2Disconnected(Sip2Error, ConnectionError):
    """The connection to the SIGB could not be opened, or was lost."""


class OutcomeUnknown(Sip2Error):
    """A request was sent but no valid reply came back: the SIGB may or may not have applied it.

    The kiosk reconciles with an item information request before doing anything else. ``request`` is the
    message that was sent; the cause (timeout, disconnection, corrupted reply) is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, request: object = None) -> None:
        super().__init__(message)
        self.request = request


class LoginRefused(Sip2Error):
    """The SIGB refused the 93 login (94 ok = 0): the user id, password or location is wrong."""
