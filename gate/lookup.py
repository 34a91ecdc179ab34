"""Item look-ups through SIP2 (item information, message 17/18), for titles and circulation states.

The gate asks the SIGB two things about an item and nothing about people: its title
(for the alarm log) and whether it is charged (database mode). The patron id the
SIGB may return with an item is read only as "somebody has it" and never kept.

``Sip2ItemLookup`` holds one SIP2 connection, serialises callers with a lock (the
title worker and the cache refresher share it), and reconnects after any failure.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from .config import Sip2Config
from .events import CirculationState
from .policy import CHARGED_STATUSES

log = logging.getLogger(__name__)


class LookupFailed(Exception):
    """The SIGB could not be asked or did not know the item."""


class ItemLookup(Protocol):
    def item_state(self, item_id: str) -> CirculationState: ...
    def close(self) -> None: ...


def state_from_item_information(item_id: str, info: Any, checked_at: float) -> CirculationState:
    """Translate a SIP2 ItemInformation answer; charged when the status says so or a borrower is named."""
    status = getattr(info, "circulation_status", None)
    borrowed = bool(getattr(info, "patron_id", None))
    charged = status in CHARGED_STATUSES or (status in (None, 1) and borrowed)
    return CirculationState(
        item_id=item_id,
        charged=charged,
        circulation_status=status,
        title=getattr(info, "title", None) or None,
        checked_at=checked_at,
    )


class Sip2ItemLookup:
    def __init__(self, config: Sip2Config, client_factory: Any = None) -> None:
        self.config = config
        self._factory = client_factory or self._default_factory
        self._client: Any = None
        self._lock = threading.Lock()

    def _default_factory(self) -> Any:
        from sip2.client import ClientConfig, SIP2Client

        c = self.config
        return SIP2Client(
            ClientConfig(
                host=c.host,
                port=c.port,
                username=c.username,
                password=c.password,
                location=c.location,
                institution_id=c.institution_id,
                tls=c.tls,
                ca_file=c.ca_file,
                encoding=c.encoding,
                terminator=c.terminator,
                error_detection=c.error_detection,
                timeout=c.timeout,
            )
        )

    def item_state(self, item_id: str) -> CirculationState:
        from sip2.errors import Sip2Error

        with self._lock:
            try:
                if self._client is None:
                    self._client = self._factory()
                    self._client.connect()
                info = self._client.item_information(item_id)
            except (Sip2Error, OSError) as exc:
                self._drop()
                raise LookupFailed(f"SIP2 item information for {item_id} failed: {exc}") from exc
        if not getattr(info, "ok", True) and getattr(info, "circulation_status", None) in (None, 1):
            raise LookupFailed(f"the SIGB does not know item {item_id}")
        return state_from_item_information(item_id, info, time.time())

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a broken connection must not hide the original error
                log.debug("closing SIP2 client", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._drop()
