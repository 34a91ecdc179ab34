"""Reader errors: one family, typed by cause, each keeping the reader's own status code."""

from __future__ import annotations


class ReaderError(Exception):
    """Base of every error an item reader, card reader or scanner driver raises.

    ``status`` is the device's own status/error code when it gave one (FEIG status
    byte, 3M error byte, …) and ``detail`` a sub-code (e.g. the ISO 15693 error code
    inside FEIG status 0x95).
    """

    def __init__(self, message: str, *, status: int | None = None, detail: int | None = None) -> None:
        self.status = status
        self.detail = detail
        suffix = "" if status is None else f" (reader status 0x{status:02X}" + (
            "" if detail is None else f", ISO error 0x{detail:02X}") + ")"
        super().__init__(message + suffix)


class NoTag(ReaderError):
    """No transponder answered (absent, out of the field, or muted)."""


class Collision(ReaderError):
    """Several tags answered where one was expected."""


class BlockLocked(ReaderError):
    """The block (or AFI/DSFID) is locked and cannot be written."""


class WriteFailed(ReaderError):
    """The write did not take: programming error, tag left mid-write, or read-back mismatch."""


class AddressError(ReaderError):
    """Block number outside the tag's memory."""


class Unsupported(ReaderError):
    """The reader or its protocol has no such command, or not in its current mode (use another way)."""


class ReaderTimeout(ReaderError):
    """The reader did not answer in time (it also stays silent on malformed frames)."""


class ReaderGone(ReaderError):
    """The transport is closed: unplugged, network lost, or the port cannot be opened."""


class ProtocolError(ReaderError):
    """The reader's bytes do not form a valid frame (bad CRC, bad length, unexpected reply)."""


class InvalidRequest(ReaderError, ValueError):
    """Our own request cannot be encoded (UID not 8 bytes, block out of range, value not a byte…)."""


class WriteInterrupted(WriteFailed, NoTag):
    """The tag stopped answering during a write: it may hold a partial write (catch WriteFailed or NoTag)."""
