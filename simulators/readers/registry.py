"""Reader simulator registry: protocol name → simulator class, modules imported on demand.

A new protocol plugs in with one decorator on its :class:`ReaderSimulator` subclass
(``@register_simulator``) and one entry in :data:`SIMULATOR_MODULES` naming the module,
so ``simulated_reader(protocol=...)`` and ``borne sim reader --protocol ...`` find it.
A device model that already has ``receive(bytes) -> bytes`` (and optionally ``silent``,
``reset_input()``) registers in one line with :func:`register_device`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from drivers.transport import SerialSettings
from simulators.readers.base import ReaderSimulator, SimulatorError
from simulators.rf import RFField

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


def register_device(protocol: str, driver: str, device_factory: Callable[..., Any],
                    serial_settings: SerialSettings, *, title: str = "",
                    usb_ids: tuple[int, int] | None = None) -> type[ReaderSimulator]:
    """Register a device model ``device_factory(field, **options)`` exposing ``receive(bytes) -> bytes``.

    The returned simulator class forwards bytes to the device; the base class adds the
    endpoints and the fault knobs (``silent``, ``drop_responses``, ``corrupt_responses``,
    unplug/replug). ``reset_input()`` is called on the device after an idle gap if it has one.
    """

    class DeviceSimulator(ReaderSimulator):
        def __init__(self, field: RFField | None = None, **options: Any) -> None:
            super().__init__(field)
            self.device = device_factory(self.field, **options)

        def process(self, data: bytes) -> bytes:
            return self.device.receive(data)

        def reset_input(self) -> None:
            reset = getattr(self.device, "reset_input", None)
            if reset is not None:
                reset()

    DeviceSimulator.protocol = protocol
    DeviceSimulator.driver = driver
    DeviceSimulator.title = title or f"{protocol} reader"
    DeviceSimulator.serial_settings = serial_settings
    DeviceSimulator.usb_ids = usb_ids
    DeviceSimulator.__name__ = DeviceSimulator.__qualname__ = f"{protocol.title()}DeviceSimulator"
    return register_simulator(DeviceSimulator)
