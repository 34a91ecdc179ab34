"""``SIP2Client``: a SIP2 self-check client over TCP or TLS that survives real networks.

Theory of operation
-------------------
One TCP (or TLS) connection carries one conversation: a request, then its response. The pure
conversation state (sequence numbers, reply matching, 96/97 resends) is :class:`sip2.session.ClientSession`;
this module adds the socket, the clock and the policy:

- **Connect** opens the socket, logs in with 93 (skipped when ``username`` is empty; a refusal raises
  :class:`~sip2.errors.LoginRefused`) and sends a 99 SC status; the 98 is kept in ``SIP2Client.acs_status``.
- **Read timeouts**: each response must arrive within ``timeout`` seconds. With ``resend_on_timeout`` the
  client first sends 97 ("send your last response again") up to ``retries`` times.
- **Resends**: a 96 from the SIGB means it could not read our frame and did nothing, so the same bytes are
  sent again (up to ``retries`` times), even for a checkout.
- **Unreadable replies** (bad checksum, damaged frame) are handled the same way for every request, the 93
  login and 99 status of a connect included: the client asks for the reply again with 97, which repeats the
  SIGB's answer and never the request, so it is safe even for a checkout. It does so up to ``retries`` times
  and at least once (``retries = 0`` forbids repeating requests, not re-reading an answer that arrived). If
  the SIGB's last 98 marks 97 unsupported in BX (:attr:`sip2.session.ClientSession.resend_supported`; before
  any 98 it is assumed), or the copies stay unreadable, the exchange fails as if no reply had come: see below.
- **Reconnect**: before each request the client checks that the SIGB has not closed the idle connection; a
  lost connection is reopened with exponential backoff (``reconnect_delay`` doubling up to
  ``reconnect_max_delay``, ``retries`` + 1 attempts) and a fresh login.
- **Outcome unknown**: once a checkout, checkin, renew, renew-all or fee-paid request has been *sent*, any
  failure before its reply (timeout, disconnection, unreadable reply) raises
  :class:`~sip2.errors.OutcomeUnknown` and the request is **never** sent again automatically: the SIGB may
  have applied it. The kiosk reconciles with :meth:`SIP2Client.item_information`. Queries (status, patron,
  item information, end session) are safe to repeat and are retried on a new connection instead, ending in
  :class:`~sip2.errors.Sip2Timeout` or :class:`~sip2.errors.Sip2Disconnected`.
- **Keepalive**: a daemon thread sends a 99 when the connection has been idle for ``keepalive_interval``
  seconds (keep it under the SIGB's idle timeout: Koha's default is 600 s), and re-establishes a dropped
  connection in the background so the next patron does not wait.

Concurrency model
-----------------
SIP2 allows one outstanding request per connection, so every exchange (including reconnecting) runs under one
re-entrant lock. Public methods may be called from any thread; a call made while another is in progress
waits for it. The keepalive thread only *tries* the lock: if a foreground transaction holds it, the connection
is evidently not idle and the keepalive simply skips its turn, so it never delays a patron. ``close()`` stops
the keepalive thread and interrupts any backoff wait.

PINs and passwords are never logged: frames are logged at DEBUG level through :func:`sip2.codec.redact`.
"""

from __future__ import annotations

import logging
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from sip2.codec import ENCODINGS, NEED_DATA, redact
from sip2.errors import (
    LocalProtocolError,
    LoginRefused,
    OutcomeUnknown,
    Sip2Disconnected,
    Sip2Error,
    Sip2Timeout,
)
from sip2.messages import (
    SUMMARY_NAMES,
    ACSStatus,
    CheckinRequest,
    CheckinResponse,
    CheckoutRequest,
    CheckoutResponse,
    EndPatronSessionRequest,
    EndSessionResponse,
    FeePaidRequest,
    FeePaidResponse,
    FeeType,
    ItemInformation,
    ItemInformationRequest,
    LoginRequest,
    LoginResponse,
    Message,
    PatronInformation,
    PatronInformationRequest,
    PatronStatusRequest,
    PatronStatusResponse,
    RenewAllRequest,
    RenewAllResponse,
    RenewRequest,
    RenewResponse,
    SCStatus,
)
from sip2.session import BadFrame, ClientSession, Reply, ResendRequested, Unexpected, answers_resend
from sip2.transport import open_connection

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Message)

_TERMINATOR_NAMES = {"cr": "\r", "crlf": "\r\n", "\r": "\r", "\r\n": "\r\n"}


@dataclass
class ClientConfig:
    """How to reach and talk to one SIGB (invalid values raise LocalProtocolError naming the field)."""

    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    location: str = ""
    institution_id: str = ""
    terminal_password: str = field(default="", repr=False)
    tls: bool = False
    ca_file: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    verify: bool = True
    encoding: str = "utf-8"
    terminator: str = "\r"
    error_detection: bool = True
    timeout: float = 10.0
    keepalive_interval: float = 300.0
    retries: int = 3
    resend_on_timeout: bool = False
    language: str = "002"
    reconnect_delay: float = 0.5
    reconnect_max_delay: float = 30.0

    def __post_init__(self) -> None:
        self.terminator = _TERMINATOR_NAMES.get(self.terminator.lower(), self.terminator)
        problems = {
            "host": not self.host and "must not be empty",
            "port": not 0 < self.port < 65536 and f"must be 1-65535, got {self.port}",
            "encoding": self.encoding not in ENCODINGS and f"must be one of {', '.join(ENCODINGS)}",
            "terminator": self.terminator not in ("\r", "\r\n") and "must be 'cr' or 'crlf'",
            "timeout": not self.timeout > 0 and f"must be positive, got {self.timeout}",
            "keepalive_interval": self.keepalive_interval < 0 and "must be 0 (off) or positive",
            "retries": self.retries < 0 and "must be 0 or more",
            "language": not (len(self.language) == 3 and self.language.isdigit()) and "must be 3 digits",
            "keyfile": self.keyfile and not self.certfile and "needs certfile too",
        }
        for name, problem in problems.items():
            if problem:
                raise LocalProtocolError(f"SIP2 client configuration: {name} {problem}")


def _unfinished_login_hint(config: ClientConfig, failure: BaseException) -> str:
    """What to check when the SIGB accepted the connection but ended it before answering 93/99.

    A TLS server that requires a client certificate completes the handshake and only then drops the
    session (TLS 1.3 checks the certificate after the client has finished), so the failure shows up on the
    first read, looking like a framing problem.
    """
    if config.tls and "CERTIFICATE_REQUIRED" in str(failure.__cause__ or ""):
        return "the SIGB requires a client certificate: give certfile and keyfile (mutual TLS)"
    hint = "check encoding, terminator and error detection settings"
    if config.tls and not config.certfile:
        hint += ("; over TLS a SIGB that requires a client certificate also ends the session this way: "
                 "give certfile and keyfile if it does")
    return hint


class _SendFailed(Exception):
    """Writing the request failed: the SIGB cannot have acted on it."""


class _NoReply(Exception):
    """The request went out but no usable reply came back; ``error`` is the public error to raise."""

    def __init__(self, error: Sip2Error) -> None:
        super().__init__(str(error))
        self.error = error


class SIP2Client:
    """SIP2 self-check client; see the module docstring for the retry rules and the concurrency model."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.acs_status: ACSStatus | None = None
        self.last_round_trip: float | None = None
        self.last_frame: bytes = b""
        self.connections_opened = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._session: ClientSession | None = None
        self._keepalive: threading.Thread | None = None
        self._last_activity = time.monotonic()
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------------------

    def connect(self) -> SIP2Client:
        """Connect, log in and read the SIGB status; starts the keepalive thread."""
        with self._lock:
            if self._closed:
                raise Sip2Disconnected("this SIP2 client was closed; create a new one")
            self._ensure_connected(self.config.retries + 1)
        if self.config.keepalive_interval > 0 and self._keepalive is None:
            self._keepalive = threading.Thread(target=self._keepalive_loop, daemon=True,
                                               name=f"sip2-keepalive-{self.config.host}")
            self._keepalive.start()
        return self

    def close(self) -> None:
        self._closed = True
        self._stop.set()
        with self._lock:
            self._drop()
        if self._keepalive is not None and self._keepalive is not threading.current_thread():
            self._keepalive.join(timeout=self.config.timeout + 1)
        self._keepalive = None

    def __enter__(self) -> SIP2Client:
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    # -- the messages ------------------------------------------------------------------------------------

    def sc_status(self) -> ACSStatus:
        status = self._call(SCStatus(max_print_width=80), ACSStatus, idempotent=True)
        self.acs_status = status
        return status

    def patron_information(self, patron_id: str, pin: str | None = None, summary: str | None = None, *,
                           start_item: int | None = None, end_item: int | None = None) -> PatronInformation:
        """63; ``summary`` names the list to return: one of :data:`sip2.messages.SUMMARY_NAMES`."""
        if summary is not None and summary not in SUMMARY_NAMES:
            raise LocalProtocolError(f"summary must be one of {', '.join(SUMMARY_NAMES)}, got {summary!r}")
        request = PatronInformationRequest(
            language=self.config.language, transaction_date=datetime.now(), summary=summary,
            institution_id=self.config.institution_id, patron_id=patron_id,
            terminal_password=self.config.terminal_password, patron_password=pin or "",
            start_item=start_item, end_item=end_item)
        return self._call(request, PatronInformation, idempotent=True)

    def patron_status(self, patron_id: str, pin: str | None = None) -> PatronStatusResponse:
        request = PatronStatusRequest(
            language=self.config.language, transaction_date=datetime.now(),
            institution_id=self.config.institution_id, patron_id=patron_id,
            terminal_password=self.config.terminal_password, patron_password=pin or "")
        return self._call(request, PatronStatusResponse, idempotent=True)

    def checkout(self, patron_id: str, item_id: str, *, pin: str | None = None, no_block: bool = False,
                 transaction_date: datetime | None = None, nb_due_date: datetime | None = None,
                 renewal: bool = False, fee_acknowledged: bool | None = None) -> CheckoutResponse:
        """11. ``no_block`` + original ``transaction_date`` replays an offline loan. Never retried blindly."""
        request = CheckoutRequest(
            sc_renewal_policy=renewal, no_block=no_block, transaction_date=transaction_date or datetime.now(),
            nb_due_date=nb_due_date, institution_id=self.config.institution_id, patron_id=patron_id,
            item_id=item_id, terminal_password=self.config.terminal_password, patron_password=pin or "",
            fee_acknowledged=fee_acknowledged)
        return self._call(request, CheckoutResponse, idempotent=False)

    def checkin(self, item_id: str, *, no_block: bool = False, transaction_date: datetime | None = None,
                return_date: datetime | None = None, current_location: str | None = None) -> CheckinResponse:
        """09. ``return_date`` defaults to the transaction date (Koha uses it as the actual return time)."""
        when = transaction_date or datetime.now()
        request = CheckinRequest(
            no_block=no_block, transaction_date=when, return_date=return_date or when,
            current_location=self.config.location if current_location is None else current_location,
            institution_id=self.config.institution_id, item_id=item_id,
            terminal_password=self.config.terminal_password)
        return self._call(request, CheckinResponse, idempotent=False)

    def item_information(self, item_id: str) -> ItemInformation:
        request = ItemInformationRequest(
            transaction_date=datetime.now(), institution_id=self.config.institution_id, item_id=item_id,
            terminal_password=self.config.terminal_password)
        return self._call(request, ItemInformation, idempotent=True)

    def renew(self, patron_id: str, item_id: str, *, pin: str | None = None, no_block: bool = False,
              transaction_date: datetime | None = None, nb_due_date: datetime | None = None) -> RenewResponse:
        request = RenewRequest(
            no_block=no_block, transaction_date=transaction_date or datetime.now(), nb_due_date=nb_due_date,
            institution_id=self.config.institution_id, patron_id=patron_id, patron_password=pin or "",
            item_id=item_id, terminal_password=self.config.terminal_password)
        return self._call(request, RenewResponse, idempotent=False)

    def renew_all(self, patron_id: str, pin: str | None = None) -> RenewAllResponse:
        request = RenewAllRequest(transaction_date=datetime.now(), institution_id=self.config.institution_id,
                                  patron_id=patron_id, patron_password=pin or "",
                                  terminal_password=self.config.terminal_password)
        return self._call(request, RenewAllResponse, idempotent=False)

    def end_session(self, patron_id: str, pin: str | None = None) -> EndSessionResponse:
        request = EndPatronSessionRequest(
            transaction_date=datetime.now(), institution_id=self.config.institution_id, patron_id=patron_id,
            terminal_password=self.config.terminal_password, patron_password=pin or "")
        return self._call(request, EndSessionResponse, idempotent=True)

    def fee_paid(self, patron_id: str, amount: str, *, fee_type: int = FeeType.OTHER, payment_type: int = 0,
                 currency: str = "EUR", fee_id: str = "", transaction_id: str = "",
                 pin: str | None = None) -> FeePaidResponse:
        """37. ``payment_type``: 00 cash, 01 VISA, 02 credit card."""
        request = FeePaidRequest(
            transaction_date=datetime.now(), fee_type=fee_type, payment_type=payment_type,
            currency_type=currency, fee_amount=amount, institution_id=self.config.institution_id,
            patron_id=patron_id, terminal_password=self.config.terminal_password, patron_password=pin or "",
            fee_id=fee_id, transaction_id=transaction_id)
        return self._call(request, FeePaidResponse, idempotent=False)

    # -- policy: retries, reconnects, outcome unknown ----------------------------------------------------

    def _call(self, request: Message, expected: type[M], *, idempotent: bool) -> M:
        with self._lock:
            if self._closed:
                raise Sip2Disconnected("this SIP2 client was closed; create a new one")
            return cast(M, self._transact(request, idempotent, self.config.retries + 1))

    def _transact(self, request: Message, idempotent: bool, connect_attempts: int) -> Message:
        name = type(request).__name__
        failures = 0
        while True:
            self._ensure_connected(connect_attempts)
            try:
                return self._exchange(request)
            except _SendFailed as exc:
                self._drop()
                failures += 1
                if failures > self.config.retries:
                    raise Sip2Disconnected(f"could not send {name} to the SIGB: {exc}") from exc
                log.warning("sending %s failed (%s); reconnecting", name, exc)
            except _NoReply as exc:
                self._drop()
                if not idempotent:
                    item = getattr(request, "item_id", "") or "-"
                    raise OutcomeUnknown(
                        f"{name} for item {item} was sent but no reply came back ({exc.error}); the SIGB "
                        f"may have applied it: check the item before retrying",
                        request=request) from exc.error
                failures += 1
                if failures > self.config.retries:
                    raise exc.error from None
                log.warning("no usable reply to %s (%s); retrying on a new connection", name, exc.error)
            except LocalProtocolError:
                raise  # refused before anything was sent: the connection is fine
            except BaseException:
                self._drop()
                raise

    def _ensure_connected(self, attempts: int) -> None:
        if self._sock is not None:
            if not self._peer_closed():
                return
            log.info("the SIGB closed the connection; reconnecting")
            self._drop()
        delay = self.config.reconnect_delay
        last: Sip2Error | None = None
        for attempt in range(1, attempts + 1):
            try:
                self._open()
                return
            except LoginRefused:
                raise
            except Sip2Error as exc:
                last = exc
            if attempt < attempts:
                log.warning("connecting to the SIGB failed (%s); new attempt in %.1f s", last, delay)
                if self._stop.wait(delay):
                    raise Sip2Disconnected("the SIP2 client was closed while reconnecting")
                delay = min(delay * 2, self.config.reconnect_max_delay)
        raise Sip2Disconnected(f"cannot reach the SIGB at {self.config.host}:{self.config.port} after "
                               f"{attempts} attempt(s): {last}") from last

    def _open(self) -> None:
        config = self.config
        self._sock = open_connection(config)
        self._session = ClientSession(
            encoding=config.encoding, terminator=config.terminator, error_detection=config.error_detection,
            resend_supported=self.acs_status is None or answers_resend(self.acs_status))
        self.connections_opened += 1
        try:
            if config.username:
                login = LoginRequest(login_user_id=config.username, login_password=config.password,
                                     location_code=config.location)
                if not cast(LoginResponse, self._exchange(login)).ok:
                    raise LoginRefused(f"the SIGB refused the login of user {config.username!r} at location "
                                       f"{config.location!r}: check username, password and location")
            self.acs_status = cast(ACSStatus, self._exchange(SCStatus(max_print_width=80)))
        except (_SendFailed, _NoReply) as exc:
            self._drop()
            cause = exc.error if isinstance(exc, _NoReply) else exc
            raise Sip2Disconnected(f"the SIGB at {config.host}:{config.port} accepted the connection but "
                                   f"did not complete login/status ({cause}); "
                                   f"{_unfinished_login_hint(config, exc)}") from cause
        except BaseException:
            self._drop()
            raise
        if not self.acs_status.online_status:
            log.warning("the SIGB reports circulation OFFLINE (98 online status = N)")
        log.info("connected to the SIGB at %s:%s%s", config.host, config.port, " (TLS)" if config.tls else "")

    def _drop(self) -> None:
        sock, self._sock, self._session = self._sock, None, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- one exchange ------------------------------------------------------------------------------------

    def _exchange(self, request: Message) -> Message:
        session = self._session
        assert session is not None
        name = type(request).__name__
        started = time.monotonic()
        frame = session.send(request)
        try:
            self._write(frame)
        except OSError as exc:
            session.abandon()
            raise _SendFailed(str(exc)) from exc
        resends = 0
        deadline = time.monotonic() + self.config.timeout
        while True:
            event = self._await_event(session, deadline)
            if isinstance(event, Reply):
                self._last_activity = time.monotonic()
                self.last_round_trip = self._last_activity - started
                self.last_frame = session.reader.last_frame
                return event.message
            if isinstance(event, Unexpected):
                log.warning("ignoring a frame from the SIGB while waiting for %s: %s", name, event.reason)
                continue
            retry = self._retry_frame(session, event, name, resends)
            if retry is None:
                session.abandon()
                raise _NoReply(self._give_up_error(event, name, resends))
            resends += 1
            self._write_or_lose(retry, session)
            deadline = time.monotonic() + self.config.timeout

    def _retry_frame(self, session: ClientSession, event: Any, name: str, resends: int) -> bytes | None:
        """The bytes that may repair the exchange after ``event`` (a 96, an unreadable reply or a timeout),
        or None to give up on this connection; ``resends`` repairs were already tried."""
        if isinstance(event, BadFrame):
            if resends >= max(self.config.retries, 1):
                return None
            if not session.resend_supported:
                log.warning("unreadable reply to %s (%s), and the SIGB does not answer 97 (BX)", name,
                            event.error)
                return None
            log.warning("unreadable reply to %s (%s); asking for it again (97)", name, event.error)
            return session.request_resend()
        if resends >= self.config.retries:
            return None
        if isinstance(event, ResendRequested):
            log.warning("the SIGB could not read our %s (96); sending it again", name)
            return session.resend_frame()
        if self.config.resend_on_timeout and session.resend_supported:
            log.warning("no reply to %s within %g s; asking the SIGB to resend (97)", name,
                        self.config.timeout)
            return session.request_resend()
        return None

    def _give_up_error(self, event: Any, name: str, resends: int) -> Sip2Error:
        if isinstance(event, BadFrame):
            return event.error
        if isinstance(event, ResendRequested):
            return Sip2Disconnected(f"the SIGB asked {resends + 1} times for {name} to be resent (96): it "
                                    f"cannot read our frames; check encoding and error detection settings")
        asked = f" ({resends} resend requests)" if resends else ""
        return Sip2Timeout(f"no reply to {name} within {self.config.timeout:g} s{asked}")

    def _write(self, frame: bytes) -> None:
        sock = self._sock
        assert sock is not None
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s", redact(frame.decode(self.config.encoding, "replace").rstrip("\r\n")))
        sock.sendall(frame)

    def _write_or_lose(self, frame: bytes, session: ClientSession) -> None:
        try:
            self._write(frame)
        except OSError as exc:
            session.abandon()
            raise _NoReply(Sip2Disconnected(f"connection lost while asking for a resend: {exc}")) from exc

    def _await_event(self, session: ClientSession, deadline: float) -> Any:
        """The next session event, or ``None`` when ``deadline`` passes; raises ``_NoReply`` on EOF."""
        sock = self._sock
        assert sock is not None
        while True:
            event = session.next_event()
            if event is not NEED_DATA:
                if log.isEnabledFor(logging.DEBUG) and not isinstance(event, BadFrame):
                    text = session.reader.last_frame.decode(self.config.encoding, "replace")
                    log.debug("<- %s", redact(text))
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                return None
            except OSError as exc:
                session.abandon()
                raise _NoReply(Sip2Disconnected(f"connection to the SIGB lost: {exc}")) from exc
            if not data:
                session.abandon()
                raise _NoReply(Sip2Disconnected("the SIGB closed the connection"))
            session.receive_data(data)

    def _peer_closed(self) -> bool:
        """True if the SIGB closed the idle connection (bytes that arrived meanwhile are kept)."""
        sock, session = self._sock, self._session
        if sock is None or session is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        if not readable:
            return False
        sock.settimeout(0)
        try:
            data = sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):  # e.g. a TLS 1.3 session ticket, no data
            return False
        except OSError:
            return True
        finally:
            sock.settimeout(self.config.timeout)  # sendall must not run on a non-blocking socket
        if not data:
            return True
        session.receive_data(data)  # unsolicited: will be classified (and ignored) as Unexpected
        return False

    # -- keepalive ---------------------------------------------------------------------------------------

    def _keepalive_loop(self) -> None:
        interval = self.config.keepalive_interval
        while True:
            idle = time.monotonic() - self._last_activity
            if self._stop.wait(max(interval - idle, 0.05)):
                return
            if time.monotonic() - self._last_activity < interval:
                continue
            if not self._lock.acquire(blocking=False):
                continue  # a transaction is running: the connection is not idle
            try:
                if self._closed:
                    return
                self._keepalive_once()
            finally:
                self._lock.release()

    def _keepalive_once(self) -> None:
        try:
            self.acs_status = cast(ACSStatus, self._transact(SCStatus(max_print_width=80), True, 1))
            log.debug("keepalive: SIGB %s", "online" if self.acs_status.online_status else "OFFLINE")
        except Sip2Error as exc:
            self._last_activity = time.monotonic()  # try again one interval later, not in a tight loop
            log.warning("keepalive to the SIGB failed: %s", exc)
