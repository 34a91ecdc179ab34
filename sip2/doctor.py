"""``borne sip2 doctor``: qualify a SIGB's SIP2 service without changing anything in it.

The doctor talks to the SIGB at frame level (the codec plus a socket, not :class:`~sip2.client.SIP2Client`)
because it must see what the client hides: the exact bytes, the terminator, the checksum trailer, the
sequence-number echo, and what happens to a frame with a wrong checksum or to a 97. Checks, in order:

1. connect (TCP, TLS) and log in (93/94);
2. SC status (99/98): online and offline flags, timeout, retries, protocol version, supported messages (BX),
   clock skew against this station (offline transactions carry this station's dates);
3. framing: terminator the SIGB uses, error detection (AY/AZ present, checksums right, AY echoed);
4. character set: valid UTF-8 or 8-bit (cp850 / latin-1 told apart by the bytes used), decomposed accents;
5. 97 behaviour (does the SIGB repeat its last response?) and a deliberately corrupted 99 (96 expected);
6. patron information for a test patron and item information for a test item, when given;
7. round-trip time p50/p95 over ``samples`` SC status requests;
8. with ``with_test_transactions``: check out and return the designated test item to record the checkout
   response and the CV/CT/CL routing of the checkin. This *does* write to the SIGB and is off by default.

The result is a :class:`DoctorReport`: a list of :class:`Check` (ok / warn / fail / info / skip) plus
measured facts, printable as text or JSON.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sip2 import messages as m
from sip2.checksum import verify
from sip2.client import ClientConfig
from sip2.codec import FrameReader, decode, encode
from sip2.errors import ParseError, Sip2Error
from sip2.transport import open_connection

KIOSK_MESSAGES = {"93": "login", "99": "SC status", "63": "patron information", "11": "checkout",
                  "09": "checkin", "17": "item information", "35": "end patron session"}
MESSAGE_NAMES = {
    "23": "patron status", "11": "checkout", "09": "checkin", "01": "block patron", "99": "SC status",
    "97": "request resend", "93": "login", "63": "patron information", "35": "end patron session",
    "37": "fee paid", "17": "item information", "19": "item status update", "25": "patron enable",
    "15": "hold", "29": "renew", "65": "renew all",
}
CLOCK_SKEW_WARNING = 60.0  # seconds


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | info | skip
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class DoctorReport:
    target: str
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str, **data: Any) -> Check:
        check = Check(name, status, detail, data)
        self.checks.append(check)
        return check

    @property
    def failures(self) -> int:
        return sum(check.status == "fail" for check in self.checks)

    @property
    def warnings(self) -> int:
        return sum(check.status == "warn" for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.failures == 0,
                "summary": {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail", "info",
                                                                                   "skip")},
                "checks": [asdict(check) for check in self.checks]}

    def to_text(self) -> str:
        lines = [f"SIP2 doctor: {self.target}"]
        for check in self.checks:
            lines.append(f"  [{check.status:<4}] {check.name:<22} {check.detail}")
        ok = sum(c.status == "ok" for c in self.checks)
        lines.append(f"Summary: {ok} ok, {self.warnings} warning(s), {self.failures} failure(s)")
        return "\n".join(lines)


class _Link:
    """One raw SIP2 connection: send bytes, receive raw frames, remember everything received."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.sock = open_connection(config)
        self.reader = FrameReader(config.encoding, verify_checksums=False)
        self.frames: list[bytes] = []
        self.closed_by_peer = False

    def send(self, data: bytes) -> None:
        """Send ``data``; a SIGB that already closed the connection is recorded, as ``receive`` does."""
        try:
            self.sock.sendall(data)
        except OSError:  # e.g. a TLS server that ended the session for want of a client certificate
            self.closed_by_peer = True

    def receive(self, timeout: float | None = None) -> bytes | None:
        """The next raw frame, or None after ``timeout`` (or if the SIGB closed the connection)."""
        deadline = time.monotonic() + (timeout or self.config.timeout)
        while (frame := self.reader.next_frame()) is None:
            if self.closed_by_peer:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return None
            except OSError:
                data = b""
            if not data:
                self.closed_by_peer = True
                return None
            self.reader.receive_data(data)
        self.frames.append(frame)
        return frame

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass
class _Exchange:
    request: m.Message
    sent_sequence: int | None
    frame: bytes | None
    rtt: float
    message: m.Message | None = None
    error: ParseError | None = None


class Doctor:
    """Runs the checks of the module docstring against ``config``'s SIGB."""

    def __init__(self, config: ClientConfig, *, patron: str | None = None, pin: str | None = None,
                 item: str | None = None, with_test_transactions: bool = False, samples: int = 20) -> None:
        self.config = config
        self.patron, self.pin, self.item = patron, pin, item
        self.with_test_transactions = with_test_transactions
        self.samples = samples
        self.report = DoctorReport(f"{config.host}:{config.port}{' (TLS)' if config.tls else ''}")
        self.link: _Link | None = None
        self.sequence = 0
        self.exchanges: list[_Exchange] = []

    def run(self) -> DoctorReport:
        """Every check; SIGB problems end up in the report, never as exceptions."""
        try:
            if self._connect() and self._login():
                self._steps()
        except (OSError, Sip2Error) as exc:  # e.g. the SIGB went away mid-run
            self.report.add("doctor", "fail", f"stopped: {exc}")
        finally:
            if self.link is not None:
                self.link.close()
        return self.report

    def _steps(self) -> None:
        status = self._status()
        self._framing()
        self._resend_behaviour()
        self._corrupted_frame()
        self._patron()
        self._item()
        self._round_trips()
        if self.with_test_transactions:
            self._test_transactions()
        self._charset()  # last: it looks at every frame received so far
        if status is not None:
            self._supported(status)

    # -- exchanges -----------------------------------------------------------------------------------------

    def _exchange(self, request: m.Message, *, timeout: float | None = None) -> _Exchange:
        assert self.link is not None
        sequence = self.sequence if self.config.error_detection else None
        data = encode(request, sequence=sequence, error_detection=self.config.error_detection,
                      encoding=self.config.encoding, terminator=self.config.terminator, errors="replace")
        self.sequence = (self.sequence + 1) % 10
        started = time.monotonic()
        self.link.send(data)
        frame = self.link.receive(timeout)
        exchange = _Exchange(request, sequence, frame, time.monotonic() - started)
        if frame is not None:
            try:
                exchange.message = decode(frame, encoding=self.config.encoding)
            except ParseError as exc:
                exchange.error = exc
        self.exchanges.append(exchange)
        return exchange

    def _reply(self, exchange: _Exchange, expected: type[m.Message], check: str) -> Any:
        """The typed reply, or None after recording why there is none."""
        if isinstance(exchange.message, expected):
            return exchange.message
        if exchange.frame is None:
            why = "connection closed by the SIGB" if self.link and self.link.closed_by_peer else (
                f"no reply within {self.config.timeout:g} s")
            if self.link and self.link.closed_by_peer and self.config.tls and not self.config.certfile:
                # TLS 1.3 servers check a client certificate after the handshake: the first read fails.
                why += " (over TLS: if the SIGB requires a client certificate, give --certfile and --keyfile)"
        elif exchange.error is not None:
            why = f"unreadable reply: {exchange.error}"
        else:
            why = f"unexpected reply {exchange.frame[:40]!r}"
        self.report.add(check, "fail", why)
        return None

    # -- checks ----------------------------------------------------------------------------------------------

    def _connect(self) -> bool:
        started = time.monotonic()
        try:
            self.link = _Link(self.config)
        except Sip2Error as exc:
            self.report.add("connect", "fail", str(exc))
            return False
        elapsed = (time.monotonic() - started) * 1000
        self.report.add("connect", "ok", f"{'TCP+TLS' if self.config.tls else 'TCP'} in {elapsed:.0f} ms",
                        milliseconds=round(elapsed, 1), tls=self.config.tls)
        return True

    def _login(self, name: str = "login") -> bool:
        if not self.config.username:
            self.report.add(name, "skip", "no user given: the SIGB must accept requests without 93")
            return True
        request = m.LoginRequest(login_user_id=self.config.username, login_password=self.config.password,
                                 location_code=self.config.location)
        reply = self._reply(self._exchange(request), m.LoginResponse, name)
        if reply is None:
            return False
        if not reply.ok:
            self.report.add(name, "fail", f"refused for user {self.config.username!r} at location "
                                          f"{self.config.location!r} (940)")
            return False
        self.report.add(name, "ok", f"accepted (user {self.config.username!r})")
        return True

    def _status(self) -> m.ACSStatus | None:
        status = self._reply(self._exchange(m.SCStatus()), m.ACSStatus, "status")
        if status is None:
            return None
        flags = {"online": status.online_status, "checkin ok": status.checkin_ok,
                 "checkout ok": status.checkout_ok, "renewal policy": status.acs_renewal_policy,
                 "status update ok": status.status_update_ok, "offline ok": status.offline_ok}
        text = ", ".join(f"{name} {'Y' if value else 'N'}" for name, value in flags.items())
        timeout = "unknown" if status.timeout_period is None else f"{status.timeout_period / 10:g} s"
        self.report.add("status", "ok" if status.online_status else "warn",
                        f"{text}; timeout {timeout}; retries {status.retries_allowed}; protocol "
                        f"{status.protocol_version}; institution {status.institution_id!r}",
                        **{k.replace(" ", "_"): v for k, v in flags.items()},
                        timeout_seconds=None if status.timeout_period is None else status.timeout_period / 10,
                        retries_allowed=status.retries_allowed, protocol_version=status.protocol_version,
                        institution_id=status.institution_id, library_name=status.library_name)
        if not status.offline_ok:
            self.report.add("offline", "warn", "98 says offline ok = N: transactions queued while the SIGB "
                                               "is unreachable may be refused on replay")
        self._clock(status)
        return status

    def _clock(self, status: m.ACSStatus) -> None:
        if status.date_time_sync is None:
            self.report.add("clock", "info", "the SIGB sends no date/time in 98")
            return
        sigb = status.date_time_sync
        now = datetime.now(sigb.tzinfo) if sigb.tzinfo else datetime.now()
        skew = (sigb - now).total_seconds()
        level = "warn" if abs(skew) > CLOCK_SKEW_WARNING else "ok"
        direction = "ahead of" if skew > 0 else "behind"
        self.report.add("clock", level, f"SIGB clock {abs(skew):.0f} s {direction} this station",
                        skew_seconds=round(skew, 1))

    def _supported(self, status: m.ACSStatus) -> None:
        supported = status.supported
        names = [MESSAGE_NAMES[c] for c in m.SUPPORTED_MESSAGE_ORDER if c in supported]
        missing = [name for code, name in KIOSK_MESSAGES.items() if code not in supported]
        level = "warn" if missing else "ok"
        detail = f"BX {status.supported_messages!r}: {', '.join(names) or 'none'}"
        if missing:
            detail += f"; NOT announced (a kiosk needs them): {', '.join(missing)}"
        self.report.add("supported messages", level, detail, supported=sorted(supported), missing=missing)

    def _framing(self) -> None:
        assert self.link is not None
        seen = self.link.reader.terminator or ""
        terminator = {"\r": "CR", "\r\n": "CRLF", "\n": "LF"}.get(seen, "unknown")
        configured = "CRLF" if self.config.terminator == "\r\n" else "CR"
        self.report.add("terminator", "ok" if terminator in ("CR", "CRLF") else "warn",
                        f"the SIGB ends frames with {terminator} (we send {configured}; both are accepted)",
                        terminator=terminator)
        answered = [e for e in self.exchanges if e.frame is not None]
        with_trailer = [e for e in answered if e.frame[-6:-4] == b"AZ"]
        if not self.config.error_detection:
            self.report.add("error detection", "info", "not used (switched off in the configuration)")
            return
        if not with_trailer:
            self.report.add("error detection", "warn", "the SIGB answers without AY/AZ although we send "
                                                       "them: set error_detection = false", used=False)
            return
        bad = [e for e in with_trailer if not verify(e.frame)]
        echoed = all(e.message is not None and e.message.sequence == e.sent_sequence for e in with_trailer)
        status = "fail" if bad else ("ok" if echoed else "warn")
        detail = (f"AY/AZ on {len(with_trailer)}/{len(answered)} replies, "
                  f"{'all checksums right' if not bad else f'{len(bad)} wrong checksum(s)'}, "
                  f"sequence numbers {'echoed' if echoed else 'NOT echoed'}")
        self.report.add("error detection", status, detail, used=True, bad_checksums=len(bad), echoed=echoed)

    def _resend_behaviour(self) -> None:
        assert self.link is not None
        last = next((e.frame for e in reversed(self.exchanges) if e.frame is not None), None)
        data = encode(m.RequestACSResend(), error_detection=self.config.error_detection,
                      encoding=self.config.encoding, terminator=self.config.terminator)
        self.link.send(data)
        frame = self.link.receive()
        if frame is None:
            self.report.add("97 resend", "warn", "97 not answered: a corrupted reply cannot be recovered; "
                                                 "keep resend_on_timeout off", supported=False)
            self._reconnect_if_closed()
            return
        same = frame == last
        self.report.add("97 resend", "ok" if same else "info",
                        "97 repeats the last response byte for byte" if same else
                        f"97 answered with a different frame: {frame[:30]!r}", supported=True, identical=same)

    def _corrupted_frame(self) -> None:
        assert self.link is not None
        if not self.config.error_detection:
            self.report.add("bad checksum", "skip", "error detection is off")
            return
        good = encode(m.SCStatus(), sequence=self.sequence, encoding=self.config.encoding,
                      terminator=self.config.terminator)
        self.sequence = (self.sequence + 1) % 10
        end = len(good) - len(self.config.terminator)
        corrupted = good[:end - 4] + (b"0000" if good[end - 4:end] != b"0000" else b"FFFF") + good[end:]
        self.link.send(corrupted)
        frame = self.link.receive()
        if frame is not None and frame.startswith(b"96"):
            self.report.add("bad checksum", "ok", "a frame with a wrong checksum is answered with 96")
        elif frame is not None:
            answer = frame[:2].decode("latin-1")
            self.report.add("bad checksum", "warn", f"a frame with a wrong checksum was processed anyway "
                                                    f"({answer}): the SIGB does not verify checksums")
        elif self.link.closed_by_peer:
            self.report.add("bad checksum", "info", "the SIGB closes the connection on a bad checksum (the "
                                                    "client reconnects)")
        else:
            self.report.add("bad checksum", "warn", "a frame with a wrong checksum is silently ignored")
        self._reconnect_if_closed()

    def _reconnect_if_closed(self) -> None:
        assert self.link is not None
        if not self.link.closed_by_peer:
            return
        frames = self.link.frames
        self.link.close()
        self.link = _Link(self.config)
        self.link.frames.extend(frames)
        self.sequence = 0
        self._login("login again")

    def _patron(self) -> None:
        if not self.patron:
            self.report.add("patron information", "skip", "no test patron given (--patron)")
            return
        request = m.PatronInformationRequest(
            language=self.config.language, transaction_date=datetime.now(), summary="charged_items",
            institution_id=self.config.institution_id, patron_id=self.patron,
            terminal_password=self.config.terminal_password, patron_password=self.pin or "")
        reply = self._reply(self._exchange(request), m.PatronInformation, "patron information")
        if reply is None:
            return
        blocks = ", ".join(reply.status.set_flags) or "none"
        level = "ok" if reply.ok else "warn"
        self.report.add("patron information", level,
                        f"valid patron {_yn(reply.valid_patron)}, valid PIN {_yn(reply.valid_pin)}, name "
                        f"{reply.personal_name!r}, {reply.charged_items_count} charged "
                        f"({len(reply.charged_items)} listed), blocks: {blocks}",
                        valid_patron=reply.valid_patron, valid_pin=reply.valid_pin,
                        charged_items_count=reply.charged_items_count, listed=len(reply.charged_items),
                        home_library=reply.home_library, blocks=list(reply.status.set_flags))

    def _item(self) -> None:
        if not self.item:
            self.report.add("item information", "skip", "no test item given (--item)")
            return
        request = m.ItemInformationRequest(transaction_date=datetime.now(),
                                           institution_id=self.config.institution_id, item_id=self.item,
                                           terminal_password=self.config.terminal_password)
        reply = self._reply(self._exchange(request), m.ItemInformation, "item information")
        if reply is None:
            return
        status = _circulation_name(reply.circulation_status)
        due = f", due {reply.due_date_raw!r}" if reply.due_date_raw else ""
        unparsed = bool(reply.due_date_raw) and reply.due_date is None
        self.report.add("item information", "warn" if not reply.ok or unparsed else "ok",
                        f"{status}, title {reply.title!r}{due}"
                        f"{' (due date format NOT understood)' if unparsed else ''}, security marker "
                        f"{reply.security_marker:02d}, media type {reply.media_type or '-'}",
                        circulation_status=reply.circulation_status, title=reply.title,
                        due_date_raw=reply.due_date_raw, permanent_location=reply.permanent_location)

    def _round_trips(self) -> None:
        times = []
        for _ in range(self.samples):
            exchange = self._exchange(m.SCStatus())
            if not isinstance(exchange.message, m.ACSStatus):
                break
            times.append(exchange.rtt * 1000)
        if not times:
            self.report.add("round trip", "fail", "SC status stopped being answered")
            return
        p50, p95 = percentile(times, 50), percentile(times, 95)
        level = "ok" if p95 < 1000 else "warn"
        self.report.add("round trip", level, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(times)} "
                        f"SC status", p50_ms=round(p50, 2), p95_ms=round(p95, 2), samples=len(times))

    def _test_transactions(self) -> None:
        if not (self.patron and self.item):
            self.report.add("test transactions", "skip", "need --patron and --item")
            return
        checkout = m.CheckoutRequest(
            transaction_date=datetime.now(), institution_id=self.config.institution_id,
            patron_id=self.patron, item_id=self.item, terminal_password=self.config.terminal_password,
            patron_password=self.pin or "")
        loan = self._reply(self._exchange(checkout), m.CheckoutResponse, "test checkout")
        if loan is not None:
            parsed = loan.due_date.isoformat(sep=" ") if loan.due_date else "NOT understood"
            self.report.add("test checkout", "ok" if loan.ok else "warn",
                            f"ok {_yn(loan.ok)}, desensitize {_yn(loan.desensitize)}, due "
                            f"{loan.due_date_raw!r} (read as {parsed}), messages "
                            f"{list(loan.screen_messages)}",
                            ok=loan.ok, due_date_raw=loan.due_date_raw, desensitize=loan.desensitize)
        now = datetime.now()
        checkin = m.CheckinRequest(
            transaction_date=now, return_date=now, current_location=self.config.location,
            institution_id=self.config.institution_id, item_id=self.item,
            terminal_password=self.config.terminal_password)
        back = self._reply(self._exchange(checkin), m.CheckinResponse, "test checkin")
        if back is not None:
            routing = (f"CV {back.alert_type or '-'}, CT {back.destination or '-'}, "
                       f"CL {back.sort_bin or '-'}, AQ {back.permanent_location or '-'}")
            self.report.add("test checkin", "ok" if back.ok else "warn",
                            f"ok {_yn(back.ok)}, resensitize {_yn(back.resensitize)}, "
                            f"alert {_yn(back.alert)}, {routing}",
                            ok=back.ok, alert=back.alert, alert_type=back.alert_type,
                            destination=back.destination, sort_bin=back.sort_bin)

    def _charset(self) -> None:
        assert self.link is not None
        verdict = guess_charset(self.link.frames)
        configured = self.config.encoding
        level = "info"
        if verdict["charset"] == "utf-8":
            level = "ok" if configured == "utf-8" else "fail"
        elif verdict["charset"] == "8-bit":
            level = "ok" if configured in verdict["candidates"] else "fail"
        detail = verdict.pop("detail") + f" (configured: {configured})"
        if verdict.get("nfd"):
            detail += "; accents arrive DECOMPOSED (NFD): the client normalises them to NFC"
        self.report.add("character set", level, detail, **verdict)


def guess_charset(frames: list[bytes]) -> dict[str, Any]:
    """What the bytes say about the SIGB's character set (and whether it decomposes accents)."""
    accented = [frame for frame in frames if any(byte >= 0x80 for byte in frame)]
    if not accented:
        return {"charset": None, "candidates": [], "nfd": False,
                "detail": "only ASCII received: give a test patron or item with accents to check"}
    data = b"\n".join(accented)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        c1_controls = any(0x80 <= byte < 0xA0 for byte in data)
        candidates = ["cp850"] if c1_controls else ["latin-1", "cp850"]
        sample = _accented_word(data.decode(candidates[0]))
        return {"charset": "8-bit", "candidates": candidates, "nfd": False,
                "detail": f"8-bit text, not UTF-8: looks like {' or '.join(candidates)} (e.g. {sample!r})"}
    nfd = not unicodedata.is_normalized("NFC", text)
    return {"charset": "utf-8", "candidates": ["utf-8"], "nfd": nfd,
            "detail": f"valid UTF-8 (e.g. {_accented_word(unicodedata.normalize('NFC', text))!r})"}


def _accented_word(text: str) -> str:
    """The first non-ASCII word of a field value (field codes dropped), as evidence for the report."""
    for piece in text.split("|"):
        for word in piece[2:].split():
            if not word.isascii():
                return word[:30]
    return ""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (what a p95 of 20 samples means: the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def _yn(value: bool | None) -> str:
    return "?" if value is None else ("Y" if value else "N")


def _circulation_name(status: int) -> str:
    try:
        return f"{m.CirculationStatus(status).name.lower().replace('_', ' ')} ({status:02d})"
    except ValueError:
        return f"circulation status {status:02d}"


def run_doctor(config: ClientConfig, **options: Any) -> DoctorReport:
    """Every check against ``config``'s SIGB (options: patron, pin, item, with_test_transactions, samples)."""
    return Doctor(config, **options).run()
