"""The one error family of the tag codec: what was wrong, in which element, and what to do."""

from __future__ import annotations


class Iso28560Error(ValueError):
    """Base class: every error raised by ``iso28560`` derives from it."""


class EncodeError(Iso28560Error):
    """Data that cannot be put on a tag as asked (bad ISIL, bad PII characters, set 0/0, too long)."""

    def __init__(self, element: str, reason: str) -> None:
        self.element = element
        self.reason = reason
        super().__init__(f"{element}: {reason}")


class CapacityError(EncodeError):
    """The encoded data does not fit in the tag memory; ``element`` is the first one that overflows."""


class InputError(Iso28560Error):
    """Command-line input that is not in the expected form (bad hex, bad --set or --usage)."""
