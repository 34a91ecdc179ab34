"""``borne pilot``: the pilot evaluation report, and simulated pilots to demonstrate and test it.

    borne pilot report --journal var/events.db [more.db …] --out report.html [--pdf]
    borne pilot simulate --days 5 --stations 3 --out pilot/ [--seed 1]

``report`` refuses to write anything when a journal or the finished page contains something that looks like
a patron identifier (``Error: privacy check failed: …``, exit 1). ``simulate`` writes one journal per
station in OUT plus ``ground-truth.json``; then ``borne pilot report --journal OUT/*.db`` makes the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pilot", help="pilot evaluation report, simulated pilots")
    commands = parser.add_subparsers(dest="pilot_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    report = commands.add_parser("report", help="HTML report (French) from event journals")
    report.add_argument("--journal", nargs="+", required=True, metavar="DB", help="event journal file(s)")
    report.add_argument("--out", required=True, metavar="HTML", help="report file to write")
    report.add_argument(
        "--pdf",
        nargs="?",
        const="",
        metavar="PDF",
        help="also write a PDF (beside the HTML unless named); needs a converter",
    )
    report.add_argument("--timezone", default="Europe/Paris", help="local time of the days (Europe/Paris)")
    report.add_argument(
        "--patron-ids",
        metavar="FILE",
        help="privacy check: file of known patron identifiers, one per line, that must not appear",
    )
    report.add_argument(
        "--patron-pattern",
        metavar="REGEX",
        help="privacy check: the network's card-number format (e.g. '2066[0-9]{10}')",
    )
    report.add_argument(
        "--sample-patrons",
        action="store_true",
        help="privacy check: also look for the card numbers of the simulator's sample dataset",
    )
    report.set_defaults(func=run_report)

    simulate = commands.add_parser("simulate", help="simulated pilot: real workflows on simulators")
    simulate.add_argument("--days", type=int, default=5, metavar="N", help="opening days to simulate (5)")
    simulate.add_argument("--stations", type=int, default=2, metavar="K", help="libraries (kiosk + gate) (2)")
    simulate.add_argument("--out", required=True, metavar="DIR", help="folder for the journals")
    simulate.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (1)")
    simulate.add_argument(
        "--patrons-per-day", type=int, default=24, metavar="N", help="kiosk sessions per station and day (24)"
    )
    simulate.add_argument(
        "--visitors-per-day",
        type=int,
        default=80,
        metavar="N",
        help="visitors per library and day, kiosk users included; each comes in and goes out (80)",
    )
    simulate.set_defaults(func=run_simulate)


def run_report(args: argparse.Namespace) -> int:
    from kiosk.pilot.report import build_report, write_atomically, write_pdf

    known: list[str] = []
    if args.patron_ids:
        try:
            known += Path(args.patron_ids).read_text(encoding="utf-8").split()
        except OSError as exc:
            raise UserError(f"--patron-ids: cannot read {args.patron_ids} ({exc.strerror})") from None
    if args.sample_patrons:
        from simulators.sigb import load_sample_dataset

        known += [p.card for p in load_sample_dataset().patrons]
    report = build_report(
        args.journal, tz_name=args.timezone, known_ids=known, patron_pattern=args.patron_pattern
    )
    out = Path(args.out)
    write_atomically(out, report.html.encode("utf-8"))
    f = report.figures
    print(
        f"{out}: report of {len(f.stations)} station(s) from {len(f.sources)} journal(s); "
        "privacy check passed"
    )
    if args.pdf is not None:
        pdf = Path(args.pdf) if args.pdf else out.with_suffix(".pdf")
        converter = write_pdf(out, pdf)
        print(f"{pdf}: PDF made with {converter}")
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from kiosk.pilot.simulate import SimulationPlan, simulate_pilot

    if not 1 <= args.days <= 366 or not 1 <= args.stations <= 36:
        raise UserError("--days must be 1-366 and --stations 1-36")
    plan = SimulationPlan(
        days=args.days,
        stations=args.stations,
        seed=args.seed,
        sessions_per_day=args.patrons_per_day,
        visitors_per_day=args.visitors_per_day,
    )
    truth = simulate_pilot(plan, Path(args.out), progress=sys.stderr)
    journals = " ".join(str(Path(args.out) / p) for p in truth.journals)
    print(f"{len(truth.journals)} journal(s) and ground-truth.json written to {args.out}")
    print(f"next: borne pilot report --journal {journals} --out {Path(args.out) / 'report.html'}")
    return 0
