"""Securing and unsecuring item tags, with read-back verification and bounded retries.

The security state lives in two places on an ISO 15693 tag: the AFI byte
(gates in AFI mode alarm on the "secured" value; ISO 28560 uses 0x07 secured /
0xC2 on loan, legacy vendors other values) and, on NXP ICODE chips, the EAS
bit. Both are written according to the configured
:class:`kiosk.config.SecuritySection`.

A write is only trusted once read back: the driver's ``write_afi(verify=True)``
re-reads the AFI with Get System Information (a weak write or a tag lifted
during programming — "tearing" — can leave either value), and after a failure
the AFI is read once more here. The result reports the AFI actually read, so a caller that gave
up knows which way the tag ended up — that decides whether it must undo the
SIGB side or alert staff. A locked AFI is not retried.

SLIX2 tags may protect AFI/EAS with a password; when one is configured and the
driver offers ``set_password(uid, password)`` (the FEIG driver does) it is presented before
writing. A write the tag refuses (locked or protected AFI/EAS) still succeeds when the tag
already reads back in the wanted state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from drivers.base import ItemReader
from drivers.errors import BlockLocked, ReaderError
from kiosk.config import SecuritySection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome of a secure/unsecure attempt: ``ok`` only when the read-back shows the wanted AFI."""

    ok: bool
    afi: int | None  # AFI read back last (None: the tag did not answer)
    attempts: int
    error: str | None = None


class TagSecurity:
    """Writes the security state of tags through an :class:`~drivers.base.ItemReader`."""

    def __init__(self, reader: ItemReader, config: SecuritySection) -> None:
        self.reader = reader
        self.config = config
        self.busy_seconds = 0.0  # cumulative time spent writing and verifying tags (journal timings)

    def unsecure(self, uid: bytes) -> WriteResult:
        return self._timed(uid, self.config.afi_on_loan, eas=False)

    def secure(self, uid: bytes) -> WriteResult:
        return self._timed(uid, self.config.afi_secured, eas=True)

    def _timed(self, uid: bytes, afi: int, *, eas: bool) -> WriteResult:
        started = time.perf_counter()
        try:
            return self._write(uid, afi, eas=eas)
        finally:
            self.busy_seconds += time.perf_counter() - started

    def read_afi(self, uid: bytes) -> int | None:
        """Current AFI of a tag, or None when it does not answer."""
        try:
            return self.reader.system_info(uid).afi
        except ReaderError:
            return None

    def is_secured(self, afi: int | None) -> bool | None:
        if afi == self.config.afi_secured:
            return True
        if afi == self.config.afi_on_loan:
            return False
        return None

    def _write(self, uid: bytes, afi: int, *, eas: bool) -> WriteResult:
        error: str | None = None
        seen: int | None = None
        attempts = self.config.write_attempts
        for attempt in range(1, attempts + 1):
            try:
                self._present_password(uid)
                if eas:  # securing: EAS first, so the AFI (what we verify) is the last thing to change
                    self._write_eas(uid, True)
                self.reader.write_afi(uid, afi, verify=True)
                if not eas:
                    self._write_eas(uid, False)
            except BlockLocked as exc:
                seen = self.read_afi(uid)
                if self._already(uid, seen, afi, eas):
                    return WriteResult(True, afi, attempt)
                return WriteResult(False, seen, attempt, f"AFI locked: {exc}")
            except ReaderError as exc:
                log.info("tag %s: security write attempt %d failed: %s", uid.hex(), attempt, exc)
                error, seen = str(exc), self.read_afi(uid)
                if self._already(uid, seen, afi, eas):
                    return WriteResult(True, afi, attempt)
                continue
            # write_afi(verify=True) has read the AFI back: a write that did not take raised above
            return WriteResult(True, afi, attempt)
        return WriteResult(False, seen, attempts, error)

    def _already(self, uid: bytes, seen: int | None, afi: int, eas: bool) -> bool:
        """True when a tag whose write was refused reads back (``seen``) in the wanted state anyway.

        A locked or password-protected AFI/EAS refuses every write, including one that would change
        nothing: securing such a tag that is still secured has succeeded, and saying otherwise would
        keep a loan the kiosk could have undone.
        """
        if seen != afi:
            return False
        try:
            return not self.config.eas or self.reader.eas_alarm(uid) == eas
        except ReaderError:
            return False

    def _write_eas(self, uid: bytes, on: bool) -> None:
        if not self.config.eas:
            return
        if on:
            self.reader.eas_set(uid)
        else:
            self.reader.eas_reset(uid)

    def _present_password(self, uid: bytes) -> None:
        password = self.config.slix2_password
        setter = getattr(self.reader, "set_password", None)
        if password and setter is not None:
            setter(uid, password)
