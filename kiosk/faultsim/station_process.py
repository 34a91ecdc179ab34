"""A kiosk station in its own process, driven by a small script, so that tests can ``kill -9`` it.

``python -m kiosk.faultsim.station_process spec.json`` builds the station with
:meth:`kiosk.station.Station.from_config` (real reader driver over TCP to a
reader simulator owned by the parent, real SIP2 client, real offline queue and
journals), runs the actions of the spec and prints what the patron would see::

    {"config": "kiosk.toml", "actions": [{"identify": "2066…", "pin": "1234"}, {"run": 5.0},
                                          {"finish": true}, {"sync": 5.0}]}

Output lines (flushed one by one, the parent reads them until the kill):
``READY``, ``SHOWN <kind> <item> <offline 0/1>`` when a row reaches borrowed /
returned / renewed, ``STEP`` after each poll cycle, ``SYNCING`` when it starts waiting for the
SIGB, ``DONE`` at the end.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.circulation.models import ItemStatus
from kiosk.config import load_config
from kiosk.station import Station

_SHOWN = {ItemStatus.BORROWED: "borrowed", ItemStatus.RETURNED: "returned", ItemStatus.RENEWED: "renewed"}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Script:
    def __init__(self, station: Station) -> None:
        self.station = station
        self.reported: set[int] = set()

    def report(self) -> None:
        session = self.station.session
        for row in list(session.items) if session is not None else []:
            if row.key not in self.reported and row.status in _SHOWN:
                self.reported.add(row.key)
                say(f"SHOWN {_SHOWN[row.status]} {row.item_id} {int(row.offline)}")

    def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.station.step()
            self.report()
            say("STEP")
            session = self.station.session
            rows = list(session.items) if session is not None else []
            desk = self.station._desk
            if rows and all(r.status.terminal for r in rows) and not (desk and desk.sets.pending):
                return
            time.sleep(self.station.config.reader.poll_interval)

    def sync(self, seconds: float) -> None:
        say("SYNCING")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.station.step()
            if not self.station.status.offline and (
                self.station.queue is None or self.station.queue.stats().depth == 0
            ):
                return
            time.sleep(0.05)

    def perform(self, action: dict[str, Any]) -> None:
        if "identify" in action:
            self.station.identify(action["identify"], action.get("pin")).result()
        elif "run" in action:
            self.run(float(action["run"]))
        elif "finish" in action:
            self.report()
            self.station.finish().result()
        elif "sync" in action:
            self.sync(float(action["sync"]))


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    station = Station.from_config(load_config(spec["config"]))
    station.open()
    say("READY")
    script = Script(station)
    for action in spec["actions"]:
        script.perform(action)
    say("DONE")
    station.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
