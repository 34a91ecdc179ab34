"""Client-side SIP2 conversation state, sans-I/O: sequence numbers, matching replies, resends.

SIP2 is strictly one request, one response. :class:`ClientSession` numbers each request (``AY`` 0-9,
wrapping), remembers the one pending request and classifies every frame that comes back:

- :class:`Reply`: the response to the pending request (right message type and, when both sides use error
  detection, the same sequence number); the session becomes idle;
- :class:`ResendRequested`: a 96 — the SIGB could not read our frame, so it never acted on it and sending the
  *same bytes* again is safe, even for a checkout (:meth:`ClientSession.resend_frame`);
- :class:`BadFrame`: a frame we could not read (checksum or syntax, or a frame without checksum from a SIGB
  that has been sending them); the caller may ask for it again with 97 (:meth:`ClientSession.request_resend`),
  which makes the SIGB repeat its last response — unless the SIGB said it does not answer 97: the session
  reads the BX field of every 98 it matches (:attr:`ClientSession.resend_supported`);
- :class:`Unexpected`: a well-formed message that does not answer the pending request (a late reply to an
  earlier request that timed out, or an unsolicited frame); the caller logs and ignores it.

The transport (sockets, clocks, threads, retry policy) lives in :mod:`sip2.client`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sip2.codec import NEED_DATA, FrameReader, encode
from sip2.errors import LocalProtocolError, ParseError
from sip2.messages import (
    RESPONSE_FOR,
    SUPPORTED_MESSAGE_ORDER,
    ACSStatus,
    Message,
    RequestACSResend,
    RequestSCResend,
)

_RESEND_FLAG = SUPPORTED_MESSAGE_ORDER.index(RequestACSResend.COMMAND)


@dataclass(frozen=True, slots=True)
class Reply:
    message: Message


@dataclass(frozen=True, slots=True)
class ResendRequested:
    message: RequestSCResend


@dataclass(frozen=True, slots=True)
class BadFrame:
    error: ParseError


@dataclass(frozen=True, slots=True)
class Unexpected:
    message: Message
    reason: str


Event = Reply | ResendRequested | BadFrame | Unexpected


@dataclass(frozen=True, slots=True)
class _Pending:
    request: Message
    expects: str
    sequence: int | None
    frame: bytes


class ClientSession:
    """The SC side of one SIP2 connection (create a new one after reconnecting)."""

    def __init__(self, *, encoding: str = "utf-8", terminator: str = "\r", error_detection: bool = True,
                 resend_supported: bool = True) -> None:
        """``resend_supported``: what the SIGB's last 98 said about 97, carried over from an earlier
        connection (before any 98 it is unknown, and assumed: Koha, Evergreen and Sierra all answer 97)."""
        self.encoding = encoding
        self.terminator = terminator
        self.error_detection = error_detection
        self.reader = FrameReader(encoding)
        self._next_sequence = 0
        self._pending: _Pending | None = None
        self.peer_checksums = False  # set once the SIGB has sent a checksummed frame
        self.resend_supported = resend_supported

    @property
    def pending(self) -> Message | None:
        """The request waiting for its response, if any."""
        return self._pending.request if self._pending else None

    def send(self, request: Message) -> bytes:
        """The bytes of ``request`` with the next sequence number; it becomes the pending request."""
        if self._pending is not None:
            waiting = type(self._pending.request).__name__
            raise LocalProtocolError(f"{type(request).__name__} sent while {waiting} still waits for its "
                                     f"reply: SIP2 allows one request at a time")
        expects = RESPONSE_FOR.get(request.COMMAND)
        if expects is None:
            raise LocalProtocolError(f"{type(request).__name__} is not a request an SC sends")
        sequence = self._next_sequence if self.error_detection else None
        frame = encode(request, sequence=sequence, error_detection=self.error_detection,
                       encoding=self.encoding, terminator=self.terminator)
        self._next_sequence = (self._next_sequence + 1) % 10
        self._pending = _Pending(request, expects, sequence, frame)
        return frame

    def resend_frame(self) -> bytes:
        """The pending request's bytes again, unchanged (the answer to a 96)."""
        return self._require_pending("resend").frame

    def request_resend(self) -> bytes:
        """A 97 frame: ask the SIGB to repeat its last response (after a timeout or a bad frame)."""
        self._require_pending("ask for a resend")
        if not self.resend_supported:
            raise LocalProtocolError("cannot ask for a resend: the SIGB's 98 lists 97 as unsupported (BX)")
        return encode(RequestACSResend(), error_detection=self.error_detection, encoding=self.encoding,
                      terminator=self.terminator)

    def abandon(self) -> Message | None:
        """Forget the pending request (its reply will never be matched); returns it."""
        pending, self._pending = self._pending, None
        return pending.request if pending else None

    def receive_data(self, data: bytes) -> None:
        self.reader.receive_data(data)

    def next_event(self) -> Event:
        """The next event from buffered bytes, or ``NEED_DATA``."""
        try:
            message = self.reader.next_message()
        except ParseError as exc:
            return BadFrame(exc)
        if message is NEED_DATA:
            return NEED_DATA
        if self.error_detection:
            frame = self.reader.last_frame
            if len(frame) >= 6 and frame[-6:-4] == b"AZ":
                self.peer_checksums = True
            elif self.peer_checksums:
                return BadFrame(ParseError("frame without the AY/AZ trailer from a SIGB that uses error "
                                           "detection: probably damaged in transit", frame=frame))
        return self._classify(message)

    def _classify(self, message: Message) -> Event:
        pending = self._pending
        if isinstance(message, RequestSCResend):
            if pending is None:
                return Unexpected(message, "96 (resend request) while nothing is pending")
            return ResendRequested(message)
        if pending is None:
            return Unexpected(message, "no request is pending")
        command = getattr(message, "command", message.COMMAND)
        if command != pending.expects:
            return Unexpected(message, f"expected a {pending.expects} reply to {pending.request.COMMAND}, "
                                       f"got {command}")
        if None not in (pending.sequence, message.sequence) and message.sequence != pending.sequence:
            return Unexpected(message, f"sequence {message.sequence} does not match {pending.sequence}")
        self._pending = None
        if isinstance(message, ACSStatus):
            self.resend_supported = answers_resend(message)
        return Reply(message)

    def _require_pending(self, action: str) -> _Pending:
        if self._pending is None:
            raise LocalProtocolError(f"cannot {action}: no request is pending")
        return self._pending


def answers_resend(status: ACSStatus) -> bool:
    """False only if the 98's BX marks 97 'N': a BX too short to reach its flag says nothing about it."""
    flags = status.supported_messages
    return len(flags) <= _RESEND_FLAG or flags[_RESEND_FLAG] in "Yy"
