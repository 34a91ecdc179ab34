"""Messages as JSON-ready dicts and as readable lines (for ``borne sip2`` and for logs a human reads).

Secret fields (passwords, PINs: declared ``repr=False``) are never rendered. Derived values that callers want
next to the raw fields (``ok``, the parsed ``due_date``, the ``supported`` message list) are added.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any

from sip2.messages import (
    AlertType,
    CirculationStatus,
    MediaType,
    Message,
    PatronStatusFlags,
)

_DERIVED = ("ok", "due_date", "supported")


def to_json_dict(message: Message) -> dict[str, Any]:
    """Every public field of ``message`` as JSON types, plus ``type``, ``command`` and ``raw``."""
    data: dict[str, Any] = {"type": type(message).__name__,
                            "command": getattr(message, "command", message.COMMAND)}
    for derived in _DERIVED:
        if hasattr(type(message), derived) and not _is_field(message, derived):
            data[derived] = _json(getattr(message, derived))
    for f in dataclasses.fields(message):
        if f.repr and f.name != "raw":
            data[f.name] = _json(getattr(message, f.name))
    data["raw"] = message.raw
    return data


def describe(message: Message) -> list[str]:
    """Readable ``name: value`` lines for the fields that carry something."""
    lines = []
    if hasattr(type(message), "ok") or _is_field(message, "ok"):
        lines.append(f"ok: {_text(message.ok)}")  # type: ignore[attr-defined]
    for f in dataclasses.fields(message):
        if not f.repr or f.name in ("raw", "ok", "extra", "sequence"):
            continue
        value = getattr(message, f.name)
        if value in ("", (), None) or (isinstance(value, PatronStatusFlags) and not value.set_flags):
            continue
        if f.name == "circulation_status":
            value = _circulation(value)
        elif isinstance(value, MediaType | AlertType):
            value = _named(value)
        lines.append(f"{f.name}: {_text(value)}")
        if f.name == "due_date_raw" and getattr(message, "due_date", None) is not None:
            lines.append(f"due_date: {message.due_date:%Y-%m-%d %H:%M}")  # type: ignore[attr-defined]
    lines.extend(f"extra {code}: {value}" for code, value in message.extra)
    return lines


def _is_field(message: Message, name: str) -> bool:
    return any(f.name == name for f in dataclasses.fields(message))


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, PatronStatusFlags):
        return {name: getattr(value, name) for name in PatronStatusFlags.NAMES}
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, PatronStatusFlags):
        return ", ".join(value.set_flags)
    if isinstance(value, tuple):
        return " | ".join(_text(item) for item in value)
    if isinstance(value, frozenset):
        return " ".join(sorted(value))
    return str(value)


def _named(code: enum.Enum) -> str:
    """``book (001)``: a code table member's name, then the code as sent (unknown codes stay raw strings)."""
    return f"{code.name.lower().replace('_', ' ')} ({code.value})"


def _circulation(status: int) -> str:
    try:
        return f"{status:02d} ({CirculationStatus(status).name.lower().replace('_', ' ')})"
    except ValueError:
        return f"{status:02d}"
