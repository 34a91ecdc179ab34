"""Byte-accurate reader simulators and the simulation harness for drivers.

:func:`simulated_reader` gives a *real* driver (``drivers.open_reader``) connected through
a real transport (pty, TCP, the ``simreader://`` pyserial URL scheme, a pyusb backend) to
a simulator serving an :class:`~simulators.rf.RFField`::

    field = RFField()
    field.place(SlixTag(uid, memory))
    with simulated_reader(field, protocol="feig", transport="pty") as reader:
        reader.inventory()
        reader.simulator.unplug()   # fault knobs: silent, drop/corrupt_responses, unplug/replug

Simulators register by protocol name (:mod:`simulators.readers.registry`).
"""

from __future__ import annotations

from typing import Any

import serial

import drivers
from drivers.base import ItemReader
from drivers.transport import register_url_scheme
from simulators.readers.base import ReaderSimulator, SimulatorError
from simulators.readers.endpoints import URL_SCHEME, open_simreader
from simulators.readers.registry import (
    SIMULATOR_MODULES,
    protocols,
    register_device,
    register_simulator,
    simulator_class,
)
from simulators.rf import RFField

__all__ = ["SIMULATOR_MODULES", "ReaderSimulator", "SimulatorError", "protocols", "register_device",
           "register_simulator", "simulated_reader", "simulator_class"]

register_url_scheme(URL_SCHEME, open_simreader)
if "simulators.readers.serial_handlers" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("simulators.readers.serial_handlers")


def simulated_reader(field: RFField | None = None, protocol: str = "feig", transport: str = "url", *,
                     airtime: bool | None = None, driver_options: dict[str, Any] | None = None,
                     endpoint_options: dict[str, Any] | None = None, **simulator_options: Any) -> ItemReader:
    """A real driver talking to a ``protocol`` simulator over ``transport`` (url, pty, tcp, usb).

    The returned reader has ``reader.simulator`` (fault knobs) and closes the simulator when
    it is closed (``with simulated_reader(...) as reader:``). ``airtime`` switches the field's
    air-time pacing; ``simulator_options`` go to the simulator class, ``driver_options`` to
    ``drivers.open_reader`` and ``endpoint_options`` to the endpoint (e.g. TCP ``port``).
    """
    simulator = simulator_class(protocol)(field, **simulator_options)
    if airtime is not None:
        simulator.field.airtime = airtime
    try:
        endpoint = simulator.serve(transport, **(endpoint_options or {}))
        options = dict(driver_options or {})
        if transport == "usb":
            options.setdefault("usb_backend", endpoint.usb_backend)
        reader = drivers.open_reader(simulator.driver, endpoint.port, **options)
    except BaseException:
        simulator.close()
        raise
    reader.simulator = simulator  # type: ignore[attr-defined]
    reader.add_close_callback(simulator.close)  # type: ignore[attr-defined]
    return reader
