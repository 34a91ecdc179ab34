"""The ``borne`` command: one entry point, one subcommand per station role.

Each package contributes its own subcommands through a module exposing
``register(subparsers)``. Modules are named here as strings and imported only
when the command line is built, so ``borne tag`` never pays for Qt start-up and
a broken optional dependency is reported by name instead of being hidden.

A subcommand handler is stored as ``func`` on its parser and returns an exit
code. Errors a user can act on are raised as exceptions carrying a one-line
message; they are printed as ``Error: …`` with exit code 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Subcommand providers, in the order they appear in ``borne --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands.kiosk_cmd",
    "gate.cli",
    "kiosk.commands.encode_cmd",
    "iso28560.cli",
    "sip2.cli",
    "drivers.cli",
    "simulators.cli",
    "kiosk.commands.pilot_cmd",
    "kiosk.commands.config_cmd",
)

log = logging.getLogger("borne")


class UserError(Exception):
    """A problem the user can fix; the message says what, where and what to do."""


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Exception families whose message is meant for the user, from every layer."""
    types: list[type[BaseException]] = [UserError]
    for dotted in ("iso28560.errors:Iso28560Error", "sip2.errors:Sip2Error",
                   "drivers.errors:ReaderError", "kiosk.config:ConfigError",
                   "gate.config:ConfigError", "offline_queue.errors:QueueError"):
        module_name, _, attr = dotted.partition(":")
        try:
            types.append(getattr(importlib.import_module(module_name), attr))
        except (ImportError, AttributeError):
            continue
    return tuple(types)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borne",
        description="Borne: library RFID kiosk, security gate and tag-encoding station.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a provider that does not exist yet is skipped; an import error
            # inside an existing provider must surface.
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except _user_error_types() as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
