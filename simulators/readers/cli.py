"""``borne sim reader``: run a reader simulator in the foreground and print where it listens.

``--pty`` serves on a pseudo-terminal (a real device path a driver or ``borne reader
--port`` can open), ``--tcp PORT`` on a TCP port like a LAN reader. Without a scenario the
field holds two demo items (ISO 28560-2, one secured, one on loan); ``--scenario FILE``
plays a scripted scenario (see :mod:`simulators.scenario`) instead.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from simulators.readers.base import ReaderSimulator, SimulatorError
from simulators.readers.endpoints import PtyEndpoint, TcpEndpoint
from simulators.readers.registry import SIMULATOR_MODULES, simulator_class
from simulators.rf import RFField
from simulators.scenario import ScenarioError, ScenarioPlayer, load_scenario
from simulators.tags import SlixTag, TagError, make_uid

DEMO_ITEMS = (("30012345678901", 0x07), ("30012345678902", 0xC2))


def register(sim_subparsers: argparse._SubParsersAction) -> None:
    parser = sim_subparsers.add_parser(
        "reader", help="simulated RFID item reader (FEIG, 3M, TRF7970A) on a pty or a TCP port",
        description="Serve a byte-accurate reader simulator until Ctrl-C and print where it listens.")
    parser.add_argument("--protocol", default="feig", choices=sorted(SIMULATOR_MODULES),
                        help="reader protocol to speak (default: feig)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true",
                       help="serve on a pseudo-terminal (prints its device path)")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on this TCP port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    parser.add_argument("--scenario", type=Path, metavar="FILE",
                        help="TOML/JSON scenario placing and removing tags over time")
    parser.add_argument("--airtime", action="store_true",
                        help="pace answers at ISO 15693 air-interface speed (realistic timing)")
    parser.add_argument("--duration", type=float, metavar="SECONDS",
                        help="stop after this many seconds (default: run until Ctrl-C)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C, ``--duration`` or ``stop`` (tests)."""
    field = RFField(airtime=args.airtime)
    try:
        player = _populate(field, args.scenario)
        simulator = simulator_class(args.protocol)(field)
    except (ScenarioError, SimulatorError, TagError, ImportError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.pty:
            endpoint = simulator.serve("pty")
        else:
            endpoint = simulator.serve("tcp", host=args.host, port=args.tcp)
    except (SimulatorError, OSError) as exc:
        simulator.close()
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    try:
        _announce(simulator, endpoint, field, args)
        if player is not None:
            player.start()
        (stop or threading.Event()).wait(args.duration)
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        if player is not None:
            player.stop()
        simulator.close()
    return 0


def _populate(field: RFField, scenario: Path | None) -> ScenarioPlayer | None:
    if scenario is not None:
        return ScenarioPlayer(field, load_scenario(scenario))
    import iso28560
    from iso28560.model import TagData

    for serial_number, (item, afi) in enumerate(DEMO_ITEMS, start=1):
        data = TagData(primary_item_identifier=item, owner_institution="FR-751131015")
        memory = iso28560.encode(data).memory
        field.place(SlixTag(make_uid(0x5A000 + serial_number), memory, afi=afi, eas=afi == 0x07))
    return None


def _announce(simulator: ReaderSimulator, endpoint: object, field: RFField, args: argparse.Namespace) -> None:
    title = simulator.title or f"{simulator.protocol} reader"
    if isinstance(endpoint, PtyEndpoint):
        where = f"{endpoint.device} (stable link: {endpoint.port})"
        port = endpoint.device
    else:
        assert isinstance(endpoint, TcpEndpoint)
        where = port = endpoint.port
    print(f"{title} simulator listening on {where}", flush=True)
    print(f"  try: borne reader --driver {simulator.driver} --port {port} inventory", flush=True)
    content = f"scenario {args.scenario}" if args.scenario else "demo items " + ", ".join(
        f"{t.uid.hex().upper()} (AFI 0x{t.afi:02X})" for t in field.tags)
    pacing = "ISO 15693 air time" if args.airtime else "as fast as possible"
    print(f"  field: {content}; timing: {pacing}; Ctrl-C to stop ({time.strftime('%H:%M:%S')})", flush=True)
