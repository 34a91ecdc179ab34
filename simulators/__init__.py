"""Byte-accurate simulators: tags and RF field, readers, the SIGB (SIP2 server), cards, gate traffic."""
