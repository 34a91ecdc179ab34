"""Building an encoding desk from a configuration file: reader, SIGB look-up, journal, model."""

from __future__ import annotations

from pathlib import Path

from kiosk.circulation.sigb import SigbLink
from kiosk.config import ConfigError, KioskConfig

from .lookup import ItemLookup
from .settings import encoding_settings
from .station import EncodingStation


def open_station(config: KioskConfig, *, operator: str | None = None) -> EncodingStation:
    """Open the configured reader, the SIP2 look-up (if enabled) and the event journal."""
    from drivers import open_reader
    from offline_queue import EventJournal
    from sip2.client import ClientConfig, SIP2Client

    settings = encoding_settings(config)
    if config.reader.driver == "simulated":
        raise ConfigError("reader.driver", '"simulated" is only available with borne encode --demo')
    if not config.reader.port:
        problem = 'required: the reader\'s device path, pyserial URL or tcp://host:port (e.g. "/dev/ttyUSB0")'
        raise ConfigError("reader.port", problem, source=str(config.source or ""))
    Path(config.journal.events).parent.mkdir(parents=True, exist_ok=True)
    options = {"baudrate": config.reader.baudrate} if config.reader.baudrate else {}
    reader = open_reader(config.reader.driver, config.reader.port, **options)
    link = None
    if settings.sip2_lookup:
        client_config = ClientConfig(**config.sigb.client_options())
        link = SigbLink(lambda: SIP2Client(client_config))
    journal = EventJournal(config.journal.events, station_id=config.station.id)
    return EncodingStation(config, reader, lookup=ItemLookup(link), journal=journal, settings=settings,
                           operator=operator)
