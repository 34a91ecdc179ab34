"""Tiny change-event machinery for plain-Python models (the napari ``components`` shape, without Qt).

A model declares its observable fields; assigning one through :meth:`Observable._set`
emits ``model.events.<field>`` with an :class:`Event` carrying the new value, then
``model.events.changed``. Views connect callbacks and never hold business state.

Callbacks run synchronously on the thread that changed the model (the station
worker thread): a Qt view must hop to its own thread (queued signal) before
touching widgets. A failing callback is logged and does not stop the workflow:
a display bug must never interrupt a checkout half-way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """What a callback receives: which signal, from which model, with which value."""

    type: str
    source: Any
    value: Any = None


Callback = Callable[[Event], Any]


class Signal:
    """A named list of callbacks."""

    def __init__(self, name: str, source: Any) -> None:
        self.name = name
        self.source = source
        self._callbacks: list[Callback] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callback) -> Callback:
        with self._lock:
            if callback not in self._callbacks:
                self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callback | None = None) -> None:
        """Remove one callback, or all of them when called without argument."""
        with self._lock:
            if callback is None:
                self._callbacks.clear()
            elif callback in self._callbacks:
                self._callbacks.remove(callback)

    def __len__(self) -> int:
        return len(self._callbacks)

    def emit(self, value: Any = None) -> None:
        event = Event(self.name, self.source, value)
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("callback %r for %s failed", callback, self.name)


class EventGroup:
    """``model.events``: one :class:`Signal` per name, plus ``changed`` for any field."""

    def __init__(self, source: Any, names: tuple[str, ...]) -> None:
        self._signals = {name: Signal(name, source) for name in (*names, "changed")}

    def __getattr__(self, name: str) -> Signal:
        try:
            return self.__dict__["_signals"][name]
        except KeyError:
            raise AttributeError(f"no event named {name!r}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._signals)

    def disconnect_all(self) -> None:
        for signal in self._signals.values():
            signal.disconnect()


class Observable:
    """Base of every model: fields listed in ``_fields`` are readable attributes with change events."""

    _fields: tuple[str, ...] = ()
    _extra_events: tuple[str, ...] = ()

    def __init__(self, **values: Any) -> None:
        self.events = EventGroup(self, (*self._fields, *self._extra_events))
        for name in self._fields:
            if name not in values:
                raise TypeError(f"{type(self).__name__} needs a value for {name!r}")
            object.__setattr__(self, name, values.pop(name))
        if values:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(values))!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._fields:
            raise AttributeError(f"{name} is changed by the workflow, not by views")
        object.__setattr__(self, name, value)

    def _set(self, **changes: Any) -> None:
        """Assign fields and emit one event per field that really changed, then ``changed`` once."""
        changed = []
        for name, value in changes.items():
            if name not in self._fields:
                raise AttributeError(f"{type(self).__name__} has no field {name!r}")
            if getattr(self, name) != value:
                object.__setattr__(self, name, value)
                changed.append(name)
        for name in changed:
            getattr(self.events, name).emit(getattr(self, name))
        if changed:
            self.events.changed.emit(tuple(changed))

    def snapshot(self) -> dict[str, Any]:
        """Current values of every field (for tests, transcripts and debugging)."""
        return {name: getattr(self, name) for name in self._fields}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.snapshot().items())
        return f"{type(self).__name__}({shown})"
