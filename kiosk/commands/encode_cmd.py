"""``borne encode``: the tag-encoding (conversion) station.

    borne encode --config station.toml                    staff window (console without a display)
    borne encode --config station.toml --batch new.csv    encode a list of new acquisitions, in order
    borne encode --config station.toml --migrate          convert legacy tags as they are placed
    borne encode --config station.toml --export-stats -   per-day, per-operator CSV from the journal
    borne encode --demo [--headless] [--airtime]          simulated reader + SIGB, scripted session

Without a display (no DISPLAY/WAYLAND_DISPLAY, Qt's offscreen platform, or
``--headless``) the desk runs in the terminal: outcomes are printed and
barcodes and commands (``parts 3``, ``confirm``, ``cancel``, ``retry``,
``stats``, ``quit``) are read from standard input. See docs/encoding-station.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any, TextIO

from kiosk.cli import UserError
from kiosk.encoding import settings as _encoding_settings  # noqa: F401  (registers the [encoding] table)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "encode",
        help="tag-encoding station: staff window, batch list, legacy migration, statistics, demo",
        description="Encode library RFID tags to the network profile (ISO 28560). "
                    "See docs/encoding-station.md and docs/examples/encoding.toml.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="station configuration (TOML) with an [encoding] table")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--batch", metavar="FILE.csv", help="encode the items of this list, in order")
    mode.add_argument("--migrate", action="store_true", help="convert legacy tags as they are placed")
    mode.add_argument("--demo", action="store_true",
                      help="simulated reader and SIGB; a scripted session (printed when there is no display)")
    mode.add_argument("--export-stats", metavar="CSV",
                      help="write per-day, per-operator statistics from the journal ('-' for stdout) "
                           "and exit")
    parser.add_argument("--day", metavar="YYYY-MM-DD", help="with --export-stats: only this day")
    parser.add_argument("--operator", metavar="PSEUDONYM", help="operator pseudonym for the journal (op-3)")
    parser.add_argument("--headless", action="store_true", help="run in the terminal even with a display")
    parser.add_argument("--airtime", action="store_true", help="demo: the reader runs at ISO 15693 air speed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config

    if args.demo:
        return _demo(args, sys.stdout)
    if not args.config:
        raise UserError("borne encode needs --config FILE (see docs/examples/encoding.toml), or use --demo")
    config = load_config(args.config)
    if args.export_stats:
        return _export(config, args)
    if args.day:
        raise UserError("--day only goes with --export-stats")
    entries = _batch(config, args.batch) if args.batch else None
    station = _open(config, args.operator)
    if args.headless or not has_display():
        return run_console(station, sys.stdin, sys.stdout, batch=entries, migrate=args.migrate,
                           language=config.languages.default)
    from ui.encoding_station import run_window

    return run_window(station, batch=entries, migrate=args.migrate)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(config: Any, operator: str | None) -> Any:
    from kiosk.encoding.settings import valid_operator
    from kiosk.encoding.setup import open_station

    if operator is not None and not valid_operator(operator):
        raise UserError(f"--operator {operator!r}: use a pseudonym such as op-3 (letters, digits, . _ -), "
                        "never a name or a card number")
    return open_station(config, operator=operator)


def _batch(config: Any, path: str) -> list[Any]:
    from kiosk.encoding.batch import BatchFileError, read_batch
    from kiosk.encoding.settings import encoding_settings

    settings = encoding_settings(config)
    try:
        return read_batch(path, settings.barcode, settings.max_parts)
    except BatchFileError as exc:
        raise UserError(str(exc)) from None


def _export(config: Any, args: argparse.Namespace) -> int:
    from kiosk.encoding.stats import export_daily_csv
    from offline_queue import EventJournal

    path = config.journal.events
    if not path.exists():
        raise UserError(f"{config.source}: journal.events {path} does not exist yet (nothing was encoded?)")
    journal = EventJournal(path, station_id=config.station.id, readonly=True)
    try:
        if args.export_stats == "-":
            rows = export_daily_csv(journal, sys.stdout, day=args.day)
        else:
            with open(args.export_stats, "w", newline="", encoding="utf-8") as out:
                rows = export_daily_csv(journal, out, day=args.day)
    finally:
        journal.close()
    target = "stdout" if args.export_stats == "-" else args.export_stats
    print(f"{rows} row(s) (day × operator × station) written to {target}", file=sys.stderr)
    return 0


def run_console(station: Any, stdin: TextIO, out: TextIO, *, batch: list[Any] | None = None,
                migrate: bool = False, language: str | None = None) -> int:
    """The desk in a terminal until ``quit``, end of input, or the end of the batch list."""
    from kiosk.encoding.console import ConsoleReporter, read_commands
    from kiosk.encoding.job import Phase
    from kiosk.encoding.runner import StationRunner

    reporter = ConsoleReporter(station, out, language)
    finished = threading.Event()
    station.events.phase.connect(lambda event: event.value is Phase.FINISHED and finished.set())
    runner = StationRunner(station, poll_interval=station.config.reader.poll_interval).start()
    try:
        reporter.line("Encoding station ready; type a barcode, 'help' or 'quit'.")
        if batch:
            runner.submit(station.start_batch, batch).result()
        elif migrate:
            runner.submit(station.start_migration).result()

        def read() -> None:
            read_commands(runner, reporter, stdin)
            finished.set()

        threading.Thread(target=read, name="encode-stdin", daemon=True).start()
        finished.wait()
        reporter.stats()
    finally:
        runner.stop()
        reporter.close()
        station.close()
    return 0


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from kiosk.encoding.demo import DemoDesk

    desk = DemoDesk(airtime=args.airtime, operator=args.operator)
    if args.headless or not has_display():
        return run_demo_headless(desk, out)
    from ui.encoding_station import run_demo_window

    return run_demo_window(desk)


def run_demo_headless(desk: Any, out: TextIO) -> int:
    """Play the scripted session and print what happened (``borne encode --demo`` without a display)."""
    from kiosk.encoding.console import ConsoleReporter
    from kiosk.encoding.demo_script import DirectActor, run_script

    reporter = ConsoleReporter(desk.station, out, language="en", timestamps=False)
    try:
        print("Encoding station demo: simulated FEIG reader, simulated SIGB, sample network "
              f"({desk.config.network.branch_isil}).", file=out)
        run_script(desk, DirectActor(desk), lambda text: print(f"\n== {text}", file=out))
        print("", file=out)
        reporter.stats()
        rows = desk.journal.query(
            "SELECT outcome, count(*) AS n FROM encodings GROUP BY outcome ORDER BY outcome")
        journaled = ", ".join(f"{row['outcome']} {row['n']}" for row in rows)
        print(f"Journal ({desk.config.journal.events.name}): {journaled}", file=out)
    finally:
        reporter.close()
        desk.close()
    return 0
