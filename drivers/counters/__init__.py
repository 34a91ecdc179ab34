"""People counters: devices that report somebody crossing the gate and in which direction.

``base.PeopleCounter`` is the interface the gate polls; ``beam_pair`` holds the pure
logic turning two light-beam edges into crossings; ``simulated`` is a counter fed by
the gate traffic simulator.
"""

from .base import Crossing, PeopleCounter

__all__ = ["Crossing", "PeopleCounter", "open_counter"]


def open_counter(driver: str, **options: object) -> PeopleCounter | None:
    """A people counter by driver name ("none" gives None)."""
    if driver == "none":
        return None
    if driver == "simulated":
        from .simulated import SimulatedBeamCounter

        return SimulatedBeamCounter(**options)  # type: ignore[arg-type]
    raise ValueError(f"unknown people counter driver {driver!r}: use 'none' or 'simulated'")
