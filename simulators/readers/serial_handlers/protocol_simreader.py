"""``serial.serial_for_url("simreader://NAME")`` for code that calls pyserial directly."""

from simulators.readers.endpoints import SimReaderSerial as Serial

__all__ = ["Serial"]
