"""``borne sim``: run a simulator in the foreground (SIGB, reader, …) and print where it listens.

Each simulator family provides ``register(subparsers)`` in its own CLI module,
listed here and imported lazily.
"""

from __future__ import annotations

import argparse
import importlib

SIMULATOR_COMMAND_MODULES: tuple[str, ...] = (
    "simulators.sigb.cli",      # borne sim sip2
    "simulators.readers.cli",   # borne sim reader
    "simulators.cards.cli",     # borne sim card / scanner
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sim", help="run a byte-accurate simulator (SIGB, reader, card)")
    sim_subparsers = parser.add_subparsers(dest="simulator", metavar="SIMULATOR")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    for module_name in SIMULATOR_COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(sim_subparsers)
