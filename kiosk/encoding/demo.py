"""An encoding desk on simulators: SIGB, RF field with tags, FEIG reader, journal and the station model.

Used by ``borne encode --demo``, the tests and the benchmark. Nothing is
mocked: the SIGB is :class:`simulators.sigb.SimulatedSIGB` speaking SIP2 over
TCP to the real client, the reader is the real FEIG driver talking through a
real transport to the FEIG simulator serving an :class:`~simulators.rf.RFField`
of :class:`~simulators.tags.SlixTag` tags, and the journal is a real
:class:`offline_queue.EventJournal` file.

Typical use::

    with DemoDesk(tmp_path) as desk:
        tag = desk.place(desk.blank_tag())
        desk.station.scan(desk.item(0))
        desk.station.poll()
        assert desk.station.last_result.outcome == "encoded"
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from kiosk.demo import SimulatedSite, station_config_table

from . import settings as _settings  # noqa: F401  (registers the [encoding] table)
from .lookup import ItemLookup
from .station import EncodingStation


def demo_config_table(sigb_address: tuple[str, int], workdir: Path, dataset: Any) -> dict[str, Any]:
    """Configuration of an encoding desk at the sample network's central library."""
    table = station_config_table(sigb_address, workdir, dataset, "demo-encoder")
    table["encoding"] = {"barcode_pattern": "3066[0-9]{10}", "barcode_check_digit": "luhn",
                         "operator": "op-demo"}
    return table


class DemoDesk(SimulatedSite):
    """Simulated SIGB + RF field + FEIG reader + journal + :class:`EncodingStation`."""

    def __init__(self, workdir: Path | str | None = None, *, airtime: bool = False,
                 config: dict[str, Any] | None = None, lookup: bool = True, protocol: str = "feig",
                 transport: str = "url", sigb: Any = None, operator: str | None = None) -> None:
        from offline_queue import EventJournal
        from simulators.readers import simulated_reader

        super().__init__(workdir, demo_config_table, overrides=config, sigb=sigb, airtime=airtime,
                         prefix="borne-encode-demo-")
        self.reader = simulated_reader(self.field, protocol, transport, driver_options={"timeout": 0.5})
        self.journal = EventJournal(self.config.journal.events, station_id=self.config.station.id)
        self.link = self._link() if lookup else None
        self.station = EncodingStation(self.config, self.reader, lookup=ItemLookup(self.link),
                                       journal=self.journal, operator=operator)
        self._serials = itertools.count(0x2000)

    def _link(self) -> Any:
        from kiosk.circulation.sigb import SigbLink
        from sip2.client import ClientConfig, SIP2Client

        client_config = ClientConfig(**self.config.sigb.client_options())
        return SigbLink(lambda: SIP2Client(client_config))

    # -- items and tags ---------------------------------------------------------------------------

    def item(self, which: int | str = 0) -> str:
        """A barcode of the sample dataset: by index among available items, or by scenario name."""
        if isinstance(which, str):
            return self.dataset.scenarios[which]
        items = self.sigb.library.items
        available = [code for code, item in items.items()
                     if item.checked_out_to is None and item.status == "available"]
        return available[which]

    def title(self, barcode: str) -> str:
        return self.sigb.library.items[barcode].title

    def blank_tag(self, memory: bytes = b"", *, afi: int = 0x00, dsfid: int = 0x00, eas: bool = False,
                  variant: str = "slix", locked: tuple[int, ...] = ()) -> Any:
        """A new tag (factory state by default: AFI 0x00, DSFID 0x00, EAS off, memory zero)."""
        from simulators.tags import SlixTag, make_uid

        tag = SlixTag(make_uid(next(self._serials), variant), memory, afi=afi, dsfid=dsfid, variant=variant,
                      eas=eas)
        for block in locked:
            tag.locked[block] = True
        return tag

    def place(self, tag: Any, read_probability: float = 1.0) -> Any:
        return self.field.place(tag, read_probability)

    def remove(self, tag: Any) -> Any:
        return self.field.remove(tag.uid)

    def clear_pad(self) -> None:
        self.field.clear()

    # -- life cycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self.station.close()
        super().close()
