"""The station's connection to the SIGB: one SIP2 client, opened lazily, failures sorted by consequence.

Workflows do not care *how* a request failed, only what it means for the
item in their hands:

- :class:`SigbUnavailable`: nothing was applied (could not connect, the SIGB
  says it is offline, the link failed before the request left, or a read-only
  request failed). The station switches to offline mode.
- :class:`SigbOutcomeUnknown`: a request that changes state (checkout, checkin,
  renew) left, and no trustworthy reply came back. The SIGB may have applied it.
  The caller must reconcile with item information before doing anything
  else, and must never resend a checkout blindly.

Every failure closes the client, so the next request reconnects and logs in
again. ``on_change(online, reason)`` tells the station when reachability
changes (the offline banner).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sip2.errors import LoginRefused, OutcomeUnknown, ParseError, Sip2Disconnected, Sip2Error, Sip2Timeout

log = logging.getLogger(__name__)


class SigbUnavailable(Exception):
    """The SIGB cannot serve now; the request was certainly not applied."""


class SigbOutcomeUnknown(Exception):
    """A state-changing request was sent but its outcome is unknown: reconcile before anything else."""


ClientFactory = Callable[[], Any]


class SigbLink:
    """Serialises SIP2 requests of one station over one client (created by ``client_factory``)."""

    def __init__(
        self, client_factory: ClientFactory, on_change: Callable[[bool, str | None], None] | None = None
    ) -> None:
        self._factory = client_factory
        self._client: Any = None
        self._lock = threading.RLock()
        self._on_change = on_change
        self.online: bool | None = None
        self.last_error: str | None = None
        self.requests = 0
        self.busy_seconds = 0.0  # cumulative time spent waiting for the SIGB (journal timings, benchmarks)
        # The last answer to a state-changing request, numbered: a refusal's reason is read from it
        # (kiosk.circulation.refusals) by whoever noted ``changes`` before the request.
        self.changes = 0
        self.last_change: Any = None

    # -- connection ---------------------------------------------------------------------------

    def _connected(self) -> Any:
        if self._client is None:
            client = self._factory()
            try:
                client.connect()
                self._check_status(client, getattr(client, "acs_status", None))
            except SigbUnavailable:
                _close_quietly(client)
                raise
            except (Sip2Error, OSError) as exc:
                _close_quietly(client)
                raise SigbUnavailable(_describe(exc)) from exc
            self._client = client
        return self._client

    @staticmethod
    def _check_status(client: Any, status: Any = None) -> None:
        """SC status (sent now unless the login already fetched it): can the SIGB serve circulation?"""
        status = status if status is not None else client.sc_status()
        if getattr(status, "online_status", getattr(status, "online", True)) is False:
            raise SigbUnavailable("the SIGB reports it is offline (SC status)")
        if getattr(status, "checkout_ok", True) is False and getattr(status, "checkin_ok", True) is False:
            raise SigbUnavailable("the SIGB refuses checkouts and checkins (SC status)")

    def probe(self) -> bool:
        """Connect (or keep the connection) and ask for SC status; True when the SIGB can serve."""
        with self._lock:
            try:
                if self._client is not None:
                    self._check_status(self._client)
                else:
                    self._connected()
            except SigbUnavailable as exc:
                self._fail(str(exc))
                return False
            except (Sip2Error, OSError) as exc:
                self._fail(_describe(exc))
                return False
            self._set_online(True, None)
            return True

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                _close_quietly(self._client)
                self._client = None

    def _fail(self, reason: str) -> None:
        self.close()
        self.last_error = reason
        self._set_online(False, reason)

    def _set_online(self, online: bool, reason: str | None) -> None:
        if self.online != online:
            self.online = online
            log.warning(
                "SIGB %s%s", "reachable" if online else "unreachable", f": {reason}" if reason else ""
            )
            if self._on_change is not None:
                self._on_change(online, reason)

    # -- requests -----------------------------------------------------------------------------

    def read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A request that changes nothing (patron/item info, end session): any failure = unavailable."""
        with self._lock:
            client = self._connected_or_fail()
            started = time.perf_counter()
            try:
                result = getattr(client, method)(*args, **kwargs)
            except (Sip2Error, OSError) as exc:
                if isinstance(exc, Sip2Error) and not _is_transport(exc):
                    raise
                self._fail(_describe(exc))
                raise SigbUnavailable(_describe(exc)) from exc
            finally:
                self.busy_seconds += time.perf_counter() - started
            self.requests += 1
            self._set_online(True, None)
            return result

    def change(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A request that changes circulation state: failures after sending are ``SigbOutcomeUnknown``."""
        with self._lock:
            client = self._connected_or_fail()
            started = time.perf_counter()
            try:
                result = getattr(client, method)(*args, **kwargs)
            except (Sip2Timeout, Sip2Disconnected, LoginRefused) as exc:
                # the client guarantees these happen before the request could have had an effect
                self._fail(_describe(exc))
                raise SigbUnavailable(_describe(exc)) from exc
            except (OutcomeUnknown, ParseError, OSError) as exc:
                self._fail(_describe(exc))
                raise SigbOutcomeUnknown(_describe(exc)) from exc
            finally:
                self.busy_seconds += time.perf_counter() - started
            self.requests += 1
            self.changes += 1
            self.last_change = result
            self._set_online(True, None)
            return result

    def _connected_or_fail(self) -> Any:
        try:
            return self._connected()
        except SigbUnavailable as exc:
            self._fail(str(exc))
            raise


def _is_transport(exc: Sip2Error) -> bool:
    return isinstance(exc, Sip2Timeout | Sip2Disconnected | OutcomeUnknown | ParseError | LoginRefused)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _close_quietly(client: Any) -> None:
    try:
        client.close()
    except Exception:  # a dead socket may fail to close; nothing to do about it
        log.debug("closing the SIP2 client failed", exc_info=True)
