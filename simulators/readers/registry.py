"""Reader simulator registry: protocol name → simulator class, modules imported on demand.

A new protocol plugs in with one decorator on its :class:`ReaderSimulator` subclass
(``@register_simulator``) and one entry in :data:`SIMULATOR_MODULES` naming the module,
so ``simulated_reader(protocol=...)`` and ``borne sim reader --protocol ...`` find it.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from simulators.readers.base import ReaderSimulator, SimulatorError

#: Protocol name → module that registers its simulator class when imported.
SIMULATOR_MODULES: dict[str, str] = {
    "feig": "simulators.readers.feig",
    "3m": "simulators.readers.threem",
    "trf7970a": "simulators.readers.trf7970a",
}

_SIMULATORS: dict[str, type[ReaderSimulator]] = {}
S = TypeVar("S", bound=type[ReaderSimulator])


def register_simulator(cls: S) -> S:
    """Class decorator: make ``cls`` available under ``cls.protocol``."""
    if not cls.protocol or not cls.driver:
        raise SimulatorError(f"{cls.__name__} must set the 'protocol' and 'driver' class attributes")
    _SIMULATORS[cls.protocol] = cls
    return cls


def simulator_class(protocol: str) -> type[ReaderSimulator]:
    if protocol not in _SIMULATORS and protocol in SIMULATOR_MODULES:
        importlib.import_module(SIMULATOR_MODULES[protocol])
    try:
        return _SIMULATORS[protocol]
    except KeyError:
        known = ", ".join(sorted({*SIMULATOR_MODULES, *_SIMULATORS}))
        raise SimulatorError(f"no reader simulator registered for protocol {protocol!r} "
                             f"(known: {known})") from None


def protocols() -> list[str]:
    return sorted({*SIMULATOR_MODULES, *_SIMULATORS})
