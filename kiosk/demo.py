"""A complete kiosk on simulators: SIGB, RF field with tagged sample items, reader, and the station.

Used by ``borne kiosk --demo`` (and its headless transcript), by the UI's
tests, by the circulation fault-injection suite and by the benchmarks. Nothing
is mocked: the SIGB is :class:`simulators.sigb.SimulatedSIGB` speaking SIP2
over TCP to the real :class:`sip2.client.SIP2Client`; the reader is a real
driver talking to a reader simulator that serves an
:class:`simulators.rf.RFField` of :class:`simulators.tags.SlixTag` tags,
encoded with :func:`iso28560.encode` from the sample dataset. Each tag starts
in the security state that matches the SIGB (on loan → AFI on-loan, EAS off).

Typical use::

    with Demo(tmp_path) as demo:
        demo.station.identify(demo.patron("patron_ok")).result()
        demo.place(demo.item("item_available"))
        demo.station.step()
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iso28560 import TagData, encode
from iso28560.model import AFI_ON_LOAN, AFI_SECURED, TypeOfUsage
from kiosk.config import KioskConfig, parse_config

if TYPE_CHECKING:
    from typing import Self

    from kiosk.station import Station

ConfigTable = Callable[[tuple[str, int], Path, Any], dict[str, Any]]


@dataclass
class DemoItem:
    """One physical item: its barcode, title and the tags of its parts."""

    item_id: str
    title: str
    tags: tuple[Any, ...]
    owner: str | None

    @property
    def uids(self) -> tuple[bytes, ...]:
        return tuple(t.uid for t in self.tags)


def station_config_table(
    sigb_address: tuple[str, int], workdir: Path, dataset: Any, station_id: str
) -> dict[str, Any]:
    """The sections every simulated station shares: the sample network's central branch on this SIGB."""
    central = dataset.branches[0]
    return {
        "station": {"id": station_id, "library_name": central.name},
        "network": {"branch_isil": central.isil, "isils": [b.isil for b in dataset.branches]},
        "sigb": {
            "host": sigb_address[0],
            "port": sigb_address[1],
            "username": "borne",
            "password": "borne",
            "location": central.code,
            "institution_id": dataset.institution_id,
            "timeout": 2.0,
            "retries": 1,
            "keepalive_interval": 600.0,
        },
        "reader": {"driver": "simulated", "poll_interval": 0.05},
        "journal": {"directory": str(workdir)},
    }


def demo_config_table(sigb_address: tuple[str, int], workdir: Path, dataset: Any) -> dict[str, Any]:
    """A configuration for a station of the sample network's central branch on the given simulated SIGB."""
    table = station_config_table(sigb_address, workdir, dataset, "demo-kiosk")
    table["sigb"]["retry_online_seconds"] = 0.5
    table["sets"] = {"wait_seconds": 2.0, "incomplete": "refuse"}
    table["offline"] = {"max_items_per_patron": 5, "card_number_pattern": "2066[0-9]{10}"}
    return table


class SimulatedSite:
    """What every demo station stands on: a work folder (temporary unless given), a simulated SIGB (started
    here unless given), the station's configuration on it (``config_table`` plus per-section ``overrides``)
    and an empty RF field. ``close`` stops and removes only what was started here.
    """

    def __init__(
        self,
        workdir: Path | str | None,
        config_table: ConfigTable,
        *,
        overrides: dict[str, Any] | None = None,
        sigb: Any = None,
        profile: str = "default",
        airtime: bool = False,
        prefix: str = "borne-demo-",
    ) -> None:
        from simulators.rf import RFField
        from simulators.sigb import SimulatedSIGB

        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._own_sigb = sigb is None
        self.sigb = sigb if sigb is not None else SimulatedSIGB(profile=profile).start()
        self.dataset = self.sigb.dataset
        table = config_table(self.sigb.address, self.workdir, self.dataset)
        for section, values in (overrides or {}).items():
            table.setdefault(section, {}).update(values)
        self.config: KioskConfig = parse_config(table, self.workdir)
        self.field = RFField(airtime=airtime)

    def close(self) -> None:
        if self._own_sigb:
            self.sigb.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Demo(SimulatedSite):
    """Simulated SIGB + RF field + reader + :class:`Station`, wired like a real kiosk."""

    def __init__(
        self,
        workdir: Path | str | None = None,
        *,
        airtime: bool = False,
        sigb_latency: float = 0.0,
        profile: str = "default",
        protocol: str = "feig",
        transport: str = "url",
        config: dict[str, Any] | None = None,
        client_options: dict[str, Any] | None = None,
        sigb: Any = None,
        station_queue: bool = True,
        journal: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            workdir, demo_config_table, overrides=config, sigb=sigb, profile=profile, airtime=airtime
        )
        self.sigb.faults.latency = sigb_latency
        self._serials = itertools.count(0x1000)
        self.items: dict[str, DemoItem] = {}
        self._reader_cm = _open_simulated_reader(self.field, protocol, transport)
        self.reader = self._reader_cm.__enter__()
        self.clock = clock
        self.client_options = {"reconnect_delay": 0.05, "reconnect_max_delay": 0.2, **(client_options or {})}
        self.station = self.build_station(queue=station_queue, journal=journal)

    # -- construction -------------------------------------------------------------------------------

    def client_factory(self) -> Any:
        from sip2.client import ClientConfig, SIP2Client

        options = {**self.config.sigb.client_options(), **self.client_options}
        client_config = ClientConfig(**options)
        return lambda: SIP2Client(client_config)

    def build_station(self, *, queue: bool = True, journal: bool = True) -> Station:
        from kiosk.station import Station
        from offline_queue import EventJournal, OfflineQueue

        cfg = self.config
        offline_queue = OfflineQueue(cfg.journal.queue, station_id=cfg.station.id) if queue else None
        events = EventJournal(cfg.journal.events, station_id=cfg.station.id) if journal else None
        extra = {"clock": self.clock} if self.clock is not None else {}
        return Station(
            cfg,
            reader=self.reader,
            sigb_client_factory=self.client_factory(),
            queue=offline_queue,
            event_journal=events,
            **extra,
        )

    # -- the sample collection ------------------------------------------------------------------------

    def patron(self, scenario: str) -> str:
        """Card number of a sample patron by scenario name (``patron_ok``, ``patron_suspended``…)."""
        return str(self.dataset.scenarios[scenario])

    def pin(self, card: str) -> str:
        return self.sigb.library.patrons[card].pin

    def item(
        self,
        key: str,
        *,
        parts: int = 1,
        foreign: bool = False,
        usage: int | None = None,
        variant: str = "slix",
    ) -> DemoItem:
        """Tag a sample item (scenario or barcode); tags match its SIGB state (secured unless on loan)."""
        barcode = str(self.dataset.scenarios.get(key, key))
        if barcode in self.items:
            return self.items[barcode]
        record = self.sigb.library.items[barcode]
        home = self.sigb.library.branches[record.home_branch]
        owner = "DE-1" if foreign else home.isil
        on_loan = record.checked_out_to is not None
        tags = tuple(
            self._tag(
                TagData(
                    barcode,
                    owner_institution=owner,
                    parts_in_item=parts,
                    part_number=n,
                    type_of_usage=usage if usage is not None else TypeOfUsage.CIRCULATING,
                ),
                on_loan,
                variant,
            )
            for n in range(1, parts + 1)
        )
        item = self.items[barcode] = DemoItem(barcode, record.title, tags, owner)
        return item

    def _tag(self, data: TagData, on_loan: bool, variant: str) -> Any:
        from simulators.tags import SlixTag, make_uid

        image = encode(data, memory=variant)
        afi = self.config.security.afi_on_loan if on_loan else self.config.security.afi_secured
        return SlixTag(
            make_uid(next(self._serials), variant),
            image.memory,
            afi=afi,
            dsfid=image.dsfid,
            variant=variant,
            eas=not on_loan,
        )

    def blank_tag(self) -> Any:
        from simulators.tags import SlixTag, make_uid

        return SlixTag(make_uid(next(self._serials)), b"", afi=AFI_SECURED)

    def patron_card_tag(self, card: str) -> Any:
        from simulators.tags import SlixTag, make_uid

        image = encode(TagData(card, type_of_usage=TypeOfUsage.PATRON_CARD_ADULT))
        return SlixTag(
            make_uid(next(self._serials)), image.memory, afi=AFI_ON_LOAN, dsfid=image.dsfid, eas=False
        )

    # -- the pad --------------------------------------------------------------------------------------

    def place(self, *things: DemoItem | Any, parts: tuple[int, ...] | None = None) -> None:
        """Put items (all parts, or only ``parts``) or bare tags on the pad."""
        for thing in things:
            tags = thing.tags if isinstance(thing, DemoItem) else (thing,)
            for n, tag in enumerate(tags, start=1):
                if parts is None or n in parts:
                    self.field.place(tag)

    def lift(self, *things: DemoItem | Any) -> None:
        for thing in things:
            for tag in thing.tags if isinstance(thing, DemoItem) else (thing,):
                self.field.remove(tag.uid)

    def clear_pad(self) -> None:
        for tag in list(self.field.tags):
            self.field.remove(tag.uid)

    def run_until_idle(self, max_steps: int = 20) -> None:
        """Step the station until a poll brings nothing new (for scripted, thread-less runs)."""
        for _ in range(max_steps):
            before = self.station.pad.reads
            self.station.step()
            if self.station.pad.reads == before:
                return

    # -- life cycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.station.close()
        with contextlib.suppress(Exception):
            self._reader_cm.__exit__(None, None, None)
        super().close()


def _open_simulated_reader(field: Any, protocol: str, transport: str) -> Any:
    from simulators.readers import simulated_reader

    return simulated_reader(field, protocol=protocol, transport=transport)
