"""What every workflow needs, bundled once per station: config, SIGB link, tag security, journals, clock.

Workflow functions take a :class:`Services` and the models they update; they
never create connections themselves, so tests and the station wire the same
code to real simulators or real devices.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kiosk.circulation.intents import IntentLog
from kiosk.circulation.journal import PilotJournal
from kiosk.circulation.models import StationStatus
from kiosk.circulation.security import TagSecurity
from kiosk.circulation.sigb import SigbLink
from kiosk.config import KioskConfig


@dataclass
class Services:
    config: KioskConfig
    sigb: SigbLink
    security: TagSecurity
    intents: IntentLog
    journal: PilotJournal
    status: StationStatus
    queue: Any = None  # offline_queue.OfflineQueue, None when offline mode is disabled
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = datetime.now
    go_offline: Callable[[str], None] = field(default=lambda reason: None)

    @property
    def offline(self) -> bool:
        return bool(self.status.offline)

    def return_date(self) -> datetime:
        """Return date for a live checkin: now, rounded *up* to the second.

        SIP2 dates have whole seconds; a loan undone within the second it was made
        must not look returned before it was lent (SIGBs refuse such a return).
        """
        now = self.wall_clock()
        return now.replace(microsecond=0) + timedelta(seconds=1) if now.microsecond else now

    def alert(self, item_id: str, uids: tuple[bytes, ...], kind: str, detail: str) -> int:
        """Record a staff alert (item, what happened, state left) and journal it anonymously."""
        alert_id = self.intents.alert(item_id, uids, kind, detail)
        self.journal.event("staff-alert", alert=kind)
        self.status.update(staff_alerts=len(self.intents.alerts()))
        return alert_id


@dataclass
class PatronContext:
    """The identified patron, in memory only (the PIN is needed for SIP2 requests and dropped at logout)."""

    patron_id: str
    pin: str | None
    offline: bool
    charged_items: set[str] = field(default_factory=set)  # on the account at identification
    borrowed_here: set[str] = field(default_factory=set)  # borrowed during this session
    offline_borrowed: int = 0
    status_flags: tuple[str, ...] = ()  # patron status flags set at identification (refusal reasons)

    def forget(self) -> None:
        self.pin = None
        self.charged_items.clear()
        self.borrowed_here.clear()
