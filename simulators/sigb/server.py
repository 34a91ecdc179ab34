"""The simulated SIGB's SIP2 server: real TCP (optionally TLS), one thread per connection.

Each connection is a session: bytes go through :class:`sip2.codec` (the same
codec as the client, so the simulator speaks exact bytes), requests are applied
to the shared :class:`~simulators.sigb.library.Library`, and responses are put
on the wire the way the chosen :mod:`quirk profile <simulators.sigb.profiles>`
dictates. :mod:`~simulators.sigb.faults` switches are read for every request.

Conversation rules, as Koha's SIP server applies them:

* until a 93 login succeeds, only 93, 99 and 97 are answered; other requests get
  no reply (the strict profile closes the connection instead);
* a response carries ``AY<n>AZ<checksum>`` exactly when its request did, with
  the request's sequence number;
* a frame with a bad checksum, or one that cannot be parsed, is answered with
  96 (strict profile: the connection is closed);
* 97 re-sends the last response byte for byte (a correct copy, even if the
  first one was deliberately corrupted);
* a well-framed but unsupported message (01, 15, 19, 25 …) gets no reply.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from simulators.sigb.dataset import PATRON_FLAGS, Dataset, SipAccount, load_sample_dataset
from simulators.sigb.faults import Faults
from simulators.sigb.library import CheckoutResult, Library, Transaction
from simulators.sigb.profiles import Profile, get_profile
from sip2 import codec
from sip2.errors import ChecksumError, LocalProtocolError, ParseError
from sip2.messages import (
    SUPPORTED_MESSAGE_ORDER,
    ACSStatus,
    CheckinRequest,
    CheckinResponse,
    CheckoutRequest,
    CheckoutResponse,
    EndPatronSessionRequest,
    EndSessionResponse,
    FeePaidRequest,
    FeePaidResponse,
    ItemInformation,
    ItemInformationRequest,
    LoginRequest,
    LoginResponse,
    Message,
    PatronInformation,
    PatronInformationRequest,
    PatronStatusFlags,
    PatronStatusRequest,
    PatronStatusResponse,
    RenewAllRequest,
    RenewAllResponse,
    RenewRequest,
    RenewResponse,
    RequestSCResend,
    SCStatus,
)

log = logging.getLogger(__name__)

SUPPORTED = frozenset({"23", "11", "09", "99", "97", "93", "63", "35", "37", "17", "29", "65"})
BX_SUPPORTED = "".join("Y" if command in SUPPORTED else "N" for command in SUPPORTED_MESSAGE_ORDER)
TIMEOUT_TENTHS = 100  # 98 timeout period, in tenths of a second
RETRIES_ALLOWED = 3
_BEFORE_LOGIN = frozenset({"93", "99", "97"})


class SimulatedSIGB:
    """A SIP2 server backed by an in-memory library network; see the module docstring.

    ``dataset`` defaults to the shipped sample; ``tls_context`` is a server-side
    :class:`ssl.SSLContext`; ``port=0`` picks a free port (read it from :attr:`address`).
    """

    def __init__(self, dataset: Dataset | None = None, profile: str = "default",
                 tls_context: ssl.SSLContext | None = None, host: str = "127.0.0.1", port: int = 0,
                 *, clock: Callable[[], datetime] = datetime.now) -> None:
        self.dataset = dataset if dataset is not None else load_sample_dataset()
        self.profile: Profile = get_profile(profile)
        self.library = Library(self.dataset, clock=clock)
        self.tls_context = tls_context
        self.faults = Faults(on_down_change=self._on_down_change)
        self._host, self._port = host, port
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._sessions: set[_Session] = set()
        self._lock = threading.Lock()
        self._running = False
        self.connections_accepted = 0

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return self._host, self._port

    @property
    def transactions(self) -> list[Transaction]:
        """Applied circulation actions, oldest first (the library's log)."""
        return self.library.transactions

    def start(self) -> SimulatedSIGB:
        if self._running:
            return self
        self._running = True
        if not self.faults.down:
            self._listen()
        return self

    def stop(self) -> None:
        self._running = False
        self.faults.cancel_timer()
        self._close_listener()
        self._close_sessions()

    def __enter__(self) -> SimulatedSIGB:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def go_down(self, for_seconds: float | None = None) -> None:
        self.faults.go_down(for_seconds)

    def come_back(self) -> None:
        self.faults.come_back()

    def _on_down_change(self, down: bool) -> None:
        if not self._running:
            return
        if down:
            log.info("simulated SIGB going down (connections refused)")
            self._close_listener()
            self._close_sessions()
        else:
            log.info("simulated SIGB coming back on port %d", self._port)
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self._host, self._port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        thread = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True,
                                  name=f"sigb-accept-{self._port}")
        self._accept_thread = thread
        thread.start()

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            thread, self._accept_thread = self._accept_thread, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() at once on Linux
            listener.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _close_sessions(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()
        for session in sessions:
            if session.thread is not None and session.thread is not threading.current_thread():
                session.thread.join(timeout=2)

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = _Session(self, conn, peer)
            with self._lock:
                self._sessions.add(session)
                self.connections_accepted += 1
            session.thread = threading.Thread(target=session.run, daemon=True, name=f"sigb-session-{peer[1]}")
            session.thread.start()

    def _forget(self, session: _Session) -> None:
        with self._lock:
            self._sessions.discard(session)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._sessions)


class _Session:
    """One SC connection: framing, login state, last response (for 97), fault counters."""

    def __init__(self, server: SimulatedSIGB, sock: socket.socket, peer: Any) -> None:
        self.server = server
        self.library = server.library
        self.profile = server.profile
        self.sock = sock
        self.peer = peer
        self.reader = codec.FrameReader(self.profile.encoding, verify_checksums=self.profile.error_detection)
        self.account: SipAccount | None = None
        self.branch: str | None = None
        self.last_response: bytes | None = None
        self.requests = 0
        self.peer_checks = self.profile.error_detection  # did the peer's last good frame carry AY/AZ?
        self.thread: threading.Thread | None = None
        self._closed = False
        self._send_lock = threading.Lock()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()

    def run(self) -> None:
        try:
            if self.server.tls_context is not None:
                self.sock = self.server.tls_context.wrap_socket(self.sock, server_side=True)
            while not self._closed:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.reader.receive_data(data)
                self._drain()
        except (OSError, ssl.SSLError) as exc:
            if not self._closed:
                log.debug("connection from %s ended: %s", self.peer, exc)
        except Exception:  # a bug must cost one connection, never the server
            log.exception("simulated SIGB: unexpected error on the connection from %s; closing it", self.peer)
        finally:
            self.close()
            self.server._forget(self)

    def _drain(self) -> None:
        while not self._closed:
            try:
                frame = self.reader.next_frame()
            except ParseError as exc:  # runaway frame without terminator
                self._malformed(exc, None)
                continue
            if frame is None:
                return
            self._handle_frame(frame)

    def _handle_frame(self, frame: bytes) -> None:
        checked = self.profile.error_detection and len(frame) >= 6 and frame[-6:-4] == b"AZ"
        try:
            request = codec.decode(frame, encoding=self.profile.encoding,
                                   verify_checksum=self.profile.error_detection)
        except ParseError as exc:
            self._malformed(exc, frame)
            return
        log.debug("%s -> %s", self.peer, codec.redact(request.raw))
        self.peer_checks = checked
        self._respond(request, checked)

    def _malformed(self, exc: ParseError, frame: bytes | None) -> None:
        kind = "bad checksum" if isinstance(exc, ChecksumError) else "malformed frame"
        if self.profile.close_on_malformed:
            log.warning("%s from %s: %s; closing (strict profile)", kind, self.peer, exc)
            self.close()
            return
        log.warning("%s from %s: %s; asking for a resend (96)", kind, self.peer, exc)
        checks = self.profile.error_detection and (
            self.peer_checks if frame is None or frame[-6:-4] != b"AZ" else True)
        self._send(codec.encode(RequestSCResend(), error_detection=checks,
                                encoding=self.profile.encoding, terminator=self.profile.terminator))

    # -- one request --------------------------------------------------------------------------

    def _respond(self, request: Message, checked: bool) -> None:
        command = request.COMMAND if request.COMMAND else getattr(request, "command", "??")
        faults = self.server.faults
        self.requests += 1
        drop = faults.drop_after is not None and self.requests > faults.drop_after
        stall = faults.stalls(command)
        if command == "97":
            if not (drop or stall) and self.last_response is not None:
                self._delay_and_send(self.last_response)
            elif drop:
                self.close()
            return
        if (drop or stall) and not faults.apply_unanswered:
            response = None
        else:
            response = self._dispatch(request, command)
        if drop:
            log.info("fault: dropping the connection of %s after %d requests", self.peer, faults.drop_after)
            self.close()
            return
        if stall:
            log.info("fault: stalling on %s from %s", command, self.peer)
            return
        if response is None:
            return
        data = self._encode(response, request.sequence if checked else None, checked)
        self.last_response = data
        if faults.take_corruption() and checked:
            data = _corrupt(data, self.profile.terminator)
        self._delay_and_send(data)

    def _delay_and_send(self, data: bytes) -> None:
        latency = self.server.faults.latency
        if latency > 0:
            time.sleep(latency)
        self._send(data)

    def _send(self, data: bytes) -> None:
        if self._closed:
            return
        with self._send_lock, contextlib.suppress(OSError):
            self.sock.sendall(data)

    def _encode(self, response: Message, sequence: int | None, checked: bool) -> bytes:
        prepared = self.profile.prepare(response)
        try:
            return codec.encode(prepared, sequence=sequence or 0, error_detection=checked,
                                encoding=self.profile.encoding, terminator=self.profile.terminator,
                                errors="replace")
        except LocalProtocolError:
            log.exception("cannot encode %s", type(response).__name__)
            raise

    def _dispatch(self, request: Message, command: str) -> Message | None:
        if self.account is None and command not in _BEFORE_LOGIN:
            log.warning("%s sent %s before logging in: ignored", self.peer, command)
            if self.profile.close_on_malformed:
                self.close()
            return None
        handler = _HANDLERS.get(type(request))
        if handler is None:
            log.warning("%s sent unsupported message %s: no reply", self.peer, command)
            return None
        return handler(self, request)

    # -- handlers -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.library.clock()

    @property
    def _institution(self) -> str:
        return self.server.dataset.institution_id

    def _where(self, location: str = "") -> str | None:
        return self.library.branch_code(location) or self.branch

    def login(self, request: LoginRequest) -> Message:
        account = next((a for a in self.server.dataset.accounts if a.username == request.login_user_id), None)
        ok = (account is not None and account.password == request.login_password
              and not self.server.faults.reject_login)
        if ok:
            assert account is not None
            self.account = account
            self.branch = self.library.branch_code(request.location_code) or account.branch
            log.info("%s logged in as %s at %s", self.peer, account.username, self.branch or "(no branch)")
        else:
            log.warning("%s: login refused for user %r", self.peer, request.login_user_id)
        return LoginResponse(ok=ok)

    def sc_status(self, request: SCStatus) -> Message:
        online = not self.server.faults.circulation_offline
        return ACSStatus(
            online_status=online, checkin_ok=online, checkout_ok=online, acs_renewal_policy=online,
            status_update_ok=False, offline_ok=True, timeout_period=TIMEOUT_TENTHS,
            retries_allowed=RETRIES_ALLOWED, date_time_sync=self._now(), institution_id=self._institution,
            library_name=self.server.dataset.network_name, supported_messages=BX_SUPPORTED,
            terminal_location=self.branch or "",
        )

    def patron_information(self, request: PatronInformationRequest) -> Message:
        view = self.library.patron_info(request.patron_id, request.patron_password or None)
        listed = {}
        if request.summary in _SUMMARY_LISTS:
            field, attribute = _SUMMARY_LISTS[request.summary]
            items = getattr(view, attribute)
            start = max(request.start_item or 1, 1)
            listed[field] = tuple(items[start - 1:request.end_item or len(items)])
        return PatronInformation(
            status=_flags(view.flags), transaction_date=self._now(),
            hold_items_count=len(view.holds_available), overdue_items_count=len(view.overdue),
            charged_items_count=len(view.charged), fine_items_count=0, recall_items_count=0,
            unavailable_holds_count=len(view.holds_unavailable), institution_id=self._institution,
            patron_id=request.patron_id, personal_name=view.personal_name,
            charged_items_limit=view.loan_limit, overdue_items_limit=self.library.rules.max_overdue,
            valid_patron=view.valid, valid_pin=view.valid_pin,
            currency_type="EUR" if view.valid else "", fee_amount=_amount(view.fines) if view.valid else "",
            fee_limit=_amount(self.library.rules.max_fines) if view.valid else "",
            home_library=view.home_branch or "", screen_messages=view.screen_messages,
            **listed,
        )

    def patron_status(self, request: PatronStatusRequest) -> Message:
        view = self.library.patron_info(request.patron_id, request.patron_password or None)
        return PatronStatusResponse(
            status=_flags(view.flags), transaction_date=self._now(), institution_id=self._institution,
            patron_id=request.patron_id, personal_name=view.personal_name, valid_patron=view.valid,
            valid_pin=view.valid_pin, currency_type="EUR" if view.valid else "",
            fee_amount=_amount(view.fines) if view.valid else "", screen_messages=view.screen_messages,
        )

    def checkout(self, request: CheckoutRequest) -> Message:
        result = self.library.checkout(
            request.patron_id, request.item_id, branch=self.branch, pin=request.patron_password or None,
            no_block=request.no_block, when=request.transaction_date, nb_due_date=request.nb_due_date,
            renewal_policy=request.sc_renewal_policy)
        return self._loan_response(CheckoutResponse, result)

    def renew(self, request: RenewRequest) -> Message:
        result = self.library.renew(
            request.patron_id, request.item_id, branch=self.branch, pin=request.patron_password or None,
            no_block=request.no_block, when=request.transaction_date)
        return self._loan_response(RenewResponse, result)

    def _loan_response(self, cls: type[Message], result: CheckoutResult) -> Message:
        return cls(
            ok=result.ok, renewal_ok=result.renewal_ok, magnetic_media=False, desensitize=result.desensitize,
            transaction_date=self._now(), institution_id=self._institution, patron_id=result.patron_id,
            item_id=result.item_id, title=result.title,
            due_date_raw=self.profile.format_due_date(result.due_date) if result.ok else "",
            media_type=result.media_type or "", screen_messages=result.screen_messages,
        )

    def checkin(self, request: CheckinRequest) -> Message:
        result = self.library.checkin(
            request.item_id, branch=self._where(request.current_location), no_block=request.no_block,
            when=request.transaction_date, return_date=request.return_date)
        return CheckinResponse(
            ok=result.ok, resensitize=result.resensitize, magnetic_media=False, alert=result.alert,
            transaction_date=self._now(), institution_id=self._institution, item_id=result.item_id,
            permanent_location=result.permanent_location or "", title=result.title,
            sort_bin=result.sort_bin or "", patron_id=result.patron_id or "",
            media_type=result.media_type or "",
            collection_code=result.collection, call_number=result.call_number,
            destination=result.destination or "", alert_type=result.alert_type,
            hold_patron_id=result.hold_patron_id or "", hold_patron_name=result.hold_patron_name or "",
            screen_messages=result.screen_messages,
        )

    def item_information(self, request: ItemInformationRequest) -> Message:
        view = self.library.item_info(request.item_id)
        return ItemInformation(
            circulation_status=view.circulation_status, security_marker=int(view.security_marker),
            fee_type=1, transaction_date=self._now(),
            hold_queue_length=view.hold_queue_length if view.known else None,
            due_date_raw=self.profile.format_due_date(view.due_date), item_id=view.item_id, title=view.title,
            owner=view.permanent_location or "", media_type=view.media_type or "",
            permanent_location=view.permanent_location or "", current_location=view.current_location or "",
            patron_id=view.patron_id or "", collection_code=view.collection, call_number=view.call_number,
            destination=view.destination or "", screen_messages=view.screen_messages,
        )

    def renew_all(self, request: RenewAllRequest) -> Message:
        result = self.library.renew_all(request.patron_id, branch=self.branch,
                                        pin=request.patron_password or None)
        return RenewAllResponse(
            ok=result.ok, renewed_count=len(result.renewed), unrenewed_count=len(result.unrenewed),
            transaction_date=self._now(), institution_id=self._institution, renewed_items=result.renewed,
            unrenewed_items=result.unrenewed, screen_messages=result.screen_messages,
        )

    def end_session(self, request: EndPatronSessionRequest) -> Message:
        ended, notes = self.library.end_session(request.patron_id)
        return EndSessionResponse(end_session=ended, transaction_date=self._now(),
                                  institution_id=self._institution, patron_id=request.patron_id,
                                  screen_messages=notes)

    def fee_paid(self, request: FeePaidRequest) -> Message:
        try:
            amount = Decimal(request.fee_amount.strip().replace(",", "."))
            valid = amount.is_finite()
        except InvalidOperation:
            valid = False
        if not valid:
            return FeePaidResponse(payment_accepted=False, transaction_date=self._now(),
                                   institution_id=self._institution, patron_id=request.patron_id,
                                   screen_messages=(f"Montant illisible : {request.fee_amount!r}.",))
        result = self.library.fee_paid(request.patron_id, amount, pin=request.patron_password or None,
                                       branch=self.branch)
        return FeePaidResponse(payment_accepted=result.ok, transaction_date=self._now(),
                               institution_id=self._institution, patron_id=request.patron_id,
                               transaction_id=request.transaction_id or result.transaction_id,
                               screen_messages=result.screen_messages)


_SUMMARY_LISTS = {  # 63 summary position -> (64 list field, PatronView attribute)
    "hold_items": ("hold_items", "holds_available"), "overdue_items": ("overdue_items", "overdue"),
    "charged_items": ("charged_items", "charged"),
    "unavailable_holds": ("unavailable_hold_items", "holds_unavailable"),
}

_HANDLERS: dict[type, Callable[[_Session, Any], Message]] = {
    LoginRequest: _Session.login, SCStatus: _Session.sc_status,
    PatronInformationRequest: _Session.patron_information, PatronStatusRequest: _Session.patron_status,
    CheckoutRequest: _Session.checkout, CheckinRequest: _Session.checkin,
    ItemInformationRequest: _Session.item_information, RenewRequest: _Session.renew,
    RenewAllRequest: _Session.renew_all, EndPatronSessionRequest: _Session.end_session,
    FeePaidRequest: _Session.fee_paid,
}


def _flags(flags: dict[str, bool]) -> PatronStatusFlags:
    return PatronStatusFlags(*(flags.get(name, False) for name in PATRON_FLAGS))


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _corrupt(data: bytes, terminator: str) -> bytes:
    """``data`` with its checksum off by one (the frame is otherwise intact)."""
    end = len(data) - len(terminator)
    value = (int(data[end - 4:end], 16) + 1) & 0xFFFF
    return data[:end - 4] + f"{value:04X}".encode("ascii") + data[end:]

