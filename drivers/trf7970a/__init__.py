"""TI TRF7970A EVM readers: pure protocol (``protocol``) and ``ItemReader`` driver (``reader``)."""

from drivers.trf7970a.reader import TRF7970AReader, open_reader

__all__ = ["TRF7970AReader", "open_reader"]
