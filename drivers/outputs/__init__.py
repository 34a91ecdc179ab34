"""Alarm outputs: lights, buzzers and relays the gate switches when it alarms.

Drivers: ``simulated`` (records timestamps), ``serial-relay`` (LCUS-type USB relay
boards), ``gpio`` (Linux GPIO character device, uAPI v2) and ``sysfs-gpio`` (the
legacy sysfs interface). All implement ``base.AlarmOutput``.
"""

from __future__ import annotations

from .base import ROLES, AlarmOutput, OutputError

__all__ = ["ROLES", "AlarmOutput", "OutputError", "open_output"]


def open_output(
    driver: str,
    *,
    name: str,
    role: str,
    port: str | None = None,
    channel: int = 1,
    chip: str = "/dev/gpiochip0",
    line: int = 0,
    active_low: bool = False,
    sysfs_root: str = "/sys/class/gpio",
) -> AlarmOutput:
    """Open one alarm output; raises ``OutputError`` with what to fix."""
    if role not in ROLES:
        raise OutputError(f"output {name!r}: role must be one of {', '.join(ROLES)}, got {role!r}")
    if driver == "simulated":
        from .simulated import SimulatedOutput

        return SimulatedOutput(name=name, role=role)
    if driver == "serial-relay":
        if not port:
            raise OutputError(f"output {name!r}: a serial relay board needs a port")
        from .serial_relay import SerialRelayOutput

        return SerialRelayOutput(port, channel, name=name, role=role)
    if driver == "gpio":
        from .gpio import GpioLineOutput

        return GpioLineOutput(chip, line, name=name, role=role, active_low=active_low)
    if driver == "sysfs-gpio":
        from .gpio import SysfsGpioOutput

        return SysfsGpioOutput(line, root=sysfs_root, name=name, role=role, active_low=active_low)
    raise OutputError(
        f"output {name!r}: unknown driver {driver!r} (simulated, serial-relay, gpio, sysfs-gpio)"
    )
