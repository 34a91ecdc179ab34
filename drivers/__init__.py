"""Device drivers: item readers, card readers, barcode scanners and alarm outputs (protocol + transport).

Item readers are opened by name with :func:`open_reader`. Each driver is a package
exposing ``open_reader(port, *, baudrate=None, **options) -> ItemReader``; adding one is
one line in :data:`READER_DRIVERS` (or a call to :func:`register_reader_driver`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.errors import ReaderError

if TYPE_CHECKING:
    from drivers.base import ItemReader

#: Driver name → module providing ``open_reader(port, *, baudrate=None, **options)``.
READER_DRIVERS: dict[str, str] = {
    "feig": "drivers.feig",  # FEIG OBID ISO-host (ID ISC.MR/LR/PR, CPR)
    "3m": "drivers.threem",  # 3M 210/810
    "trf7970a": "drivers.trf7970a",  # TI TRF7970A EVM (ASCII)
}

_FACTORIES: dict[str, Callable[..., ItemReader]] = {}


def register_reader_driver(name: str, module_or_factory: str | Callable[..., ItemReader]) -> None:
    """Register a driver by module path (imported on first use) or by factory function."""
    if isinstance(module_or_factory, str):
        READER_DRIVERS[name] = module_or_factory
    else:
        _FACTORIES[name] = module_or_factory


def reader_factory(driver: str) -> Callable[..., ItemReader]:
    """The ``open_reader`` function of a driver; a clear error when it is unknown or missing."""
    if driver in _FACTORIES:
        return _FACTORIES[driver]
    module_name = READER_DRIVERS.get(driver)
    if module_name is None:
        known = ", ".join(sorted({*READER_DRIVERS, *_FACTORIES}))
        raise ReaderError(f"unknown reader driver {driver!r}: use one of {known}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ReaderError(f"reader driver {driver!r} is not available "
                              f"(module {module_name} missing)") from exc
        raise
    factory = getattr(module, "open_reader", None)
    if factory is None:
        raise ReaderError(f"reader driver {driver!r}: module {module_name} has no open_reader()")
    return factory


def open_reader(driver: str, port: str, *, baudrate: int | None = None, **options: Any) -> ItemReader:
    """Open an item reader: ``open_reader("feig", "/dev/ttyUSB0")``, ``("feig", "tcp://10.0.0.5:10001")``…"""
    return reader_factory(driver)(port, baudrate=baudrate, **options)
