"""3M 210/810 pad readers: pure protocol (``protocol``) and ``ItemReader`` driver (``reader``)."""

from drivers.threem.reader import ThreeMReader, Unsupported, open_reader

__all__ = ["ThreeMReader", "Unsupported", "open_reader"]
