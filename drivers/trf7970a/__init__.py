"""TI TRF7970A EVM readers: pure protocol (``protocol``) and ``ItemReader`` driver (``reader``)."""
