"""``borne config``: check a station configuration file, and hash a staff PIN for it.

- ``borne config check kiosk.toml`` validates every section and prints a short summary (exit 0), or one
  ``Error: kiosk.toml: sigb.port: …`` line naming the key and the problem (exit 1).
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
    check = commands.add_parser("check", help="validate a configuration file (errors name the key)")
    check.add_argument("file", help="station configuration (TOML)")
    check.set_defaults(func=run_check)
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
