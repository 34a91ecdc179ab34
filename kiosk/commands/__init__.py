"""Subcommands of ``borne`` that belong to the station runtime (kiosk, encode, pilot, config)."""
