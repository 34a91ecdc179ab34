"""``borne config``: check a station configuration file, pull its central copy, and hash a staff PIN for it.

- ``borne config check kiosk.toml`` validates every section and prints a short summary, then tries what the
  station will need, one line per check (``[ok]`` / ``[FAIL]`` / ``[skip]``): the reader (opened, asked for
  its model), the SIGB (SIP2 login and SC status, with the round-trip time), the journal folder, and the
  central configuration URL when there is one. Exit 0 when everything passed, 3 when a check failed; an
  invalid file is one ``Error: kiosk.toml: sigb.port: …`` line naming the key (exit 1). ``--no-connect``
  validates the file only (e.g. on a laptop away from the network).
- ``borne config pull kiosk.toml`` refreshes the central copy now (``[central] url``) and says which revision
  is in use; the previous good copy stays when the server is unreachable or the new revision is invalid.
- ``borne config hash-pin`` asks for the staff PIN twice (not echoed) and prints the value for
  ``[staff] pin_hash``; ``--stdin`` reads it from standard input instead (scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.cli import UserError
from kiosk.config import hash_pin, load_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="check a station configuration, hash a staff PIN")
    commands = parser.add_subparsers(dest="config_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    check = commands.add_parser("check", help="validate a configuration file, test the reader and the SIGB")
    check.add_argument("file", help="station configuration (TOML)")
    check.add_argument("--no-connect", action="store_true", help="validate only: do not open the reader or "
                       "call the SIGB")
    check.add_argument("--timeout", type=float, default=5.0, metavar="S", help="per-check timeout (5 s)")
    check.set_defaults(func=run_check)
    pull = commands.add_parser("pull", help="refresh the central configuration copy ([central] url)")
    pull.add_argument("file", help="station configuration (TOML) with a [central] table")
    pull.set_defaults(func=run_pull)
    pin = commands.add_parser("hash-pin", help="print the [staff] pin_hash value for a PIN")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    pin.set_defaults(func=run_hash_pin)


def run_check(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(f"{args.file}: OK")
    print(f"  station {config.station.id} ({config.station.library_name})")
    print(f"  SIGB {config.sigb.host}:{config.sigb.port}{' (TLS)' if config.sigb.tls else ''}")
    print(f"  reader {config.reader.driver} on {config.reader.port or '-'}")
    print(
        f"  security AFI 0x{config.security.afi_secured:02X}/0x{config.security.afi_on_loan:02X}, "
        f"EAS {'on' if config.security.eas else 'off'}"
    )
    offline = "enabled" if config.offline.enabled else "disabled"
    print(f"  offline {offline}, journals in {config.journal.directory}")
    if args.no_connect:
        return 0
    from kiosk.checks import run_checks

    results = run_checks(config, timeout=args.timeout)
    print("checks:")
    for result in results:
        print(f"  {result}")
    failed = [r for r in results if r.state == "FAIL"]
    if failed:
        print(f"{len(failed)} check(s) failed")
        return 3
    return 0


def run_pull(args: argparse.Namespace) -> int:
    from kiosk.central_config import effective_config

    _config, result = effective_config(args.file)
    if result is None:
        raise UserError(f"{args.file}: no [central] url: nothing to pull")
    if result.status == "kept":
        kept = f"revision {result.revision} kept" if result.revision else "no copy yet"
        print(f"central configuration not updated: {result.error} ({kept})")
        return 3
    print(f"central configuration {result.status}: revision {result.revision}")
    return 0


def run_hash_pin(args: argparse.Namespace) -> int:
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("Staff PIN: ")
        if getpass.getpass("Again: ") != pin:
            raise UserError("the two PINs differ; nothing was printed")
    if len(pin) < 4 or not pin.isdigit():
        raise UserError("the staff PIN must be at least 4 digits")
    print(hash_pin(pin))
    return 0
