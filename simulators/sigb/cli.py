"""``borne sim sip2``: run the simulated SIGB in the foreground until Ctrl-C.

Prints the address it listens on, the SIP login to use and a few sample cards
and barcodes, so a kiosk (or ``borne sip2``) can be pointed at it at once.
"""

from __future__ import annotations

import argparse
import ssl
import sys
import threading

from simulators.sigb.dataset import Dataset, load_dataset, load_sample_dataset
from simulators.sigb.errors import SigbSimError
from simulators.sigb.profiles import PROFILES

DEFAULT_PORT = 6001  # Koha's usual SIP2 port


def register(sim_subparsers: argparse._SubParsersAction) -> None:
    parser = sim_subparsers.add_parser(
        "sip2", help="simulated SIGB: a SIP2 server over TCP/TLS with the sample library network",
        description="Serve SIP2 like a network SIGB (Koha-like by default) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--tls", action="store_true", help="serve SIP2 over TLS (needs --cert and --key)")
    parser.add_argument("--cert", help="server certificate chain (PEM) for --tls")
    parser.add_argument("--key", help="private key (PEM) for --tls")
    parser.add_argument("--client-ca", help="with --tls: require client certificates signed by this CA (PEM)")
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES),
                        help="quirks of the SIGB to mimic (default: default)")
    parser.add_argument("--data", help="dataset file (.json or .toml); default: the shipped sample network")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests)."""
    from simulators.sigb.server import SimulatedSIGB

    try:
        dataset = load_dataset(args.data) if args.data else load_sample_dataset()
        context = _tls_context(args) if args.tls else None
        sim = SimulatedSIGB(dataset, profile=args.profile, tls_context=context,
                            host=args.host, port=args.port)
        sim.start()
    except (SigbSimError, OSError, ssl.SSLError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    try:
        _announce(sim.address, args, dataset)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        sim.stop()
    return 0


def _tls_context(args: argparse.Namespace) -> ssl.SSLContext:
    if not (args.cert and args.key):
        raise SigbSimError("--tls needs --cert FILE and --key FILE (PEM server certificate and private key)")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as exc:
        raise SigbSimError(f"cannot load the TLS certificate or key: {exc}") from exc
    return context


def _announce(address: tuple[str, int], args: argparse.Namespace, dataset: Dataset) -> None:
    host, port = address
    scheme = "SIP2 over TLS" if args.tls else "SIP2"
    account = dataset.accounts[0] if dataset.accounts else None
    lines = [
        f"Simulated SIGB ({scheme}, profile {args.profile}) listening on {host}:{port}",
        f"  {dataset.network_name}: {len(dataset.branches)} branches, {len(dataset.patrons)} patrons, "
        f"{len(dataset.items)} items",
    ]
    if account:
        lines.append(f"  SIP login: user {account.username!r}, password {account.password!r}, "
                     f"location = a branch code such as {dataset.branches[0].code!r}")
    for name in ("patron_ok", "item_available", "item_available_canet"):
        if name in dataset.scenarios:
            lines.append(f"  {name}: {dataset.scenarios[name]}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
