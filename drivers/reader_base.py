"""Plumbing shared by every item-reader driver: locking, closing, read-back checks, ``read_tag``.

A driver subclasses :class:`ItemReaderBase` and implements the wire commands; it gets:

- ``self.lock``: an ``RLock`` held around every command exchange so a background
  inventory loop and foreground commands never interleave on the wire;
- close callbacks (``add_close_callback``) run once by ``close()`` and by the context
  manager: the simulation harness uses it to stop the simulator with the driver;
- :meth:`add_connection_listener`: ``listener(state, error)`` told when the link to the
  reader is lost (``"disconnected"``, with the :class:`~drivers.errors.ReaderGone`) and
  when it comes back (``"connected"``, ``None``), for drivers on a reconnecting transport
  (``self.transport``, what every ``open_reader`` gives by default);
- :meth:`read_tag`: system information, the whole user memory, ``iso28560.decode``;
- :meth:`retrying`: one exchange repeated within the driver's ``retries`` budget;
- :meth:`write_verified`: a write under the lock, then its read-back check when asked; the
  check also settles ambiguous failures (no answer mid-write: is the data there or not?);
- :meth:`check_written` / :meth:`check_register`: the read-back comparisons such a check uses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from drivers.base import BlockData, ConnectionListener, SystemInfo, TagRead
from drivers.errors import NoTag, ReaderError, ReaderTimeout, WriteFailed, WriteInterrupted

if TYPE_CHECKING:
    from typing import Self

log = logging.getLogger(__name__)

DEFAULT_BLOCK_COUNT = 28  # ICODE SLIX, when a tag does not report its memory size
#: A write that fails with one of these may still have taken: only a read-back can tell.
AMBIGUOUS_WRITE_ERRORS = (NoTag, ReaderTimeout, WriteFailed)

T = TypeVar("T")


class ItemReaderBase:
    """Base class for ``drivers.base.ItemReader`` implementations."""

    #: Set by ``simulators.readers.simulated_reader`` to the simulator serving this driver.
    simulator: object | None = None
    #: How many times :meth:`retrying` repeats a failed attempt (drivers set it per instance).
    retries: int = 0

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._close_callbacks: list[Callable[[], None]] = []
        self.closed = False

    # -- life cycle -------------------------------------------------------------------------
    def add_close_callback(self, callback: Callable[[], None]) -> None:
        self._close_callbacks.append(callback)

    def _close_transport(self) -> None:
        """Subclasses close their transport here."""

    def add_connection_listener(self, listener: ConnectionListener) -> None:
        """Have ``listener("disconnected", error)`` called when the link drops, ``("connected", None)`` back.

        The transport reconnects with backoff by itself; the listener lets a station show the reader as out
        of service at once instead of at its next poll. Listeners run in the thread that noticed the change
        and must not block; their exceptions are logged, not raised. Raises :class:`ReaderError` when the
        driver's transport does not reconnect (opened with ``reconnect=False``).
        """
        transport = getattr(self, "transport", None)
        add = getattr(transport, "add_listener", None)
        if add is None:
            where = getattr(transport, "description", None) or type(self).__name__
            raise ReaderError(f"{where}: this transport does not reconnect, so it reports no connection "
                              "changes (open the reader with reconnect=True)")
        add(listener)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._close_transport()
        finally:
            for callback in reversed(self._close_callbacks):
                try:
                    callback()
                except Exception:
                    log.exception("close callback of %r failed", self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- to be provided by drivers ----------------------------------------------------------
    def system_info(self, uid: bytes) -> SystemInfo:
        raise NotImplementedError

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        raise NotImplementedError

    # -- shared behaviour -------------------------------------------------------------------
    def retrying(self, attempt: Callable[[], T], retry_on: tuple[type[Exception], ...]) -> T:
        """``attempt()`` under the lock, repeated up to ``retries`` more times while it raises ``retry_on``.

        The last failure propagates. Only idempotent exchanges are retried this way.
        """
        with self.lock:
            for remaining in range(self.retries, -1, -1):
                try:
                    return attempt()
                except retry_on:
                    if not remaining:
                        raise
        raise AssertionError(f"retries must be 0 or more, got {self.retries}")

    def write_verified(self, write: Callable[[], object], verify: bool,
                       check: Callable[[ReaderError | None], None]) -> None:
        """Run ``write`` under the lock, then ``check(None)`` when ``verify`` is set.

        When the write fails ambiguously (:data:`AMBIGUOUS_WRITE_ERRORS`) and ``verify`` is set,
        ``check(cause)`` decides instead: it returns if the read-back shows the write in place and
        raises otherwise. Without ``verify`` the failure propagates as it is.
        """
        with self.lock:
            try:
                write()
            except AMBIGUOUS_WRITE_ERRORS as exc:
                if not verify:
                    raise
                check(exc)
                return
            if verify:
                check(None)

    def read_tag(self, uid: bytes) -> TagRead:
        """System information, every user block with its lock flag, and the decoded ISO 28560 content."""
        import iso28560

        with self.lock:
            system = self.system_info(uid)
            blocks = self.read_blocks(uid, 0, system.block_count or DEFAULT_BLOCK_COUNT)
        decoded = iso28560.decode(blocks.data, dsfid=system.dsfid)
        return TagRead(uid=bytes(uid), system=system, memory=blocks.data, locked=blocks.locked,
                       decoded=decoded)

    def check_written(self, uid: bytes, first: int, data: bytes, block_size: int,
                      cause: ReaderError | None = None) -> None:
        """Read the blocks back; raise :class:`WriteFailed` unless they hold ``data``.

        With ``cause`` (the write itself failed ambiguously) a matching read-back means the
        write did take: it returns normally and the cause is only logged.
        """
        count = len(data) // block_size
        label = bytes(uid).hex().upper()
        try:
            found = self.read_blocks(uid, first, count).data
        except (NoTag, ReaderTimeout) as exc:
            reason = f"write to {label} blocks {first}..{first + count - 1}"
            if cause is not None:
                raise WriteInterrupted(f"{reason} failed ({cause}) and the tag no longer answers: "
                                       "its memory may hold a partial write",
                                       status=cause.status, detail=cause.detail) from exc
            raise WriteInterrupted(f"{reason}: the tag stopped answering before the read-back",
                                   status=exc.status) from exc
        def block(image: bytes, index: int) -> bytes:
            return image[index * block_size:(index + 1) * block_size]

        differing = [first + i for i in range(count) if block(found, i) != block(data, i)]
        if not differing:
            if cause is not None:
                log.warning("write to %s reported %s, but the read-back shows the data in place",
                            label, cause)
            return
        where = ", ".join(str(n) for n in differing)
        message = f"write to {label} not verified: block(s) {where} read back different"
        if cause is not None:
            raise WriteFailed(f"{message} ({cause})", status=cause.status, detail=cause.detail) from cause
        raise WriteFailed(message)

    def check_register(self, uid: bytes, name: str, expected: int, actual: int | None,
                       cause: ReaderError | None = None) -> None:
        """Compare a re-read AFI/DSFID with what was written."""
        if actual == expected:
            if cause is not None:
                log.warning("writing %s to %s reported %s, but it reads back correctly", name,
                            bytes(uid).hex().upper(), cause)
            return
        shown = "nothing" if actual is None else f"0x{actual:02X}"
        message = f"{name} of {bytes(uid).hex().upper()} reads back {shown}, expected 0x{expected:02X}"
        if cause is not None:
            raise WriteFailed(f"{message} ({cause})", status=cause.status, detail=cause.detail) from cause
        raise WriteFailed(message)
