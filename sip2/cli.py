"""``borne sip2``: talk to a SIGB from the command line, and qualify it with ``doctor``.

Each command sends one request through :class:`~sip2.client.SIP2Client` (so it exercises the same code as the
kiosk) and prints the typed response, or with ``--json`` the response as JSON including ``raw``, the exact
frame received. The exit status is 0 when the SIGB answered "ok", 1 when it refused (or on error).
The password can come from the environment variable ``BORNE_SIP2_PASSWORD`` instead of the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from sip2.client import ClientConfig, SIP2Client
from sip2.codec import ENCODINGS
from sip2.messages import SUMMARY_NAMES, Message
from sip2.render import describe, to_json_dict

PASSWORD_ENV = "BORNE_SIP2_PASSWORD"
DESCRIPTION = f"""\
Talk to the SIGB over SIP2 with the kiosk's own client, or qualify it with 'doctor'.
Each command prints the typed response; --json prints it as JSON with 'raw', the exact frame received.
Exit status: 0 when the SIGB answered ok, 1 when it refused or on error.
The password may come from ${PASSWORD_ENV} instead of --password.
Example: borne sip2 --host sigb --port 6001 --user kiosk --institution FR-751 patron 2066000001 --pin 1234
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sip2", help="talk to the SIGB over SIP2 (status, patron, checkout, ..., doctor)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _connection_options(parser)
    commands = parser.add_subparsers(dest="sip2_command", metavar="COMMAND", required=True)
    _add(commands, "status", "SC status (99/98): is circulation online, what the SIGB supports", _status)
    patron = _add(commands, "patron", "patron information (63/64)", _patron, patron=True, pin=True)
    patron.add_argument("--summary", choices=SUMMARY_NAMES, help="list these items (default: charged_items)",
                        default="charged_items")
    checkout = _add(commands, "checkout", "check an item out (11/12)", _checkout, patron=True, item=True,
                    pin=True)
    checkout.add_argument("--no-block", action="store_true", help="offline replay: the SIGB must accept it")
    _add(commands, "checkin", "return an item (09/10)", _checkin, item=True)
    _add(commands, "item", "item information (17/18)", _item, item=True)
    _add(commands, "renew", "renew one loan (29/30)", _renew, patron=True, item=True, pin=True)
    _add(commands, "renew-all", "renew every loan of a patron (65/66)", _renew_all, patron=True, pin=True)
    _add(commands, "end", "end the patron session (35/36)", _end, patron=True, pin=True)
    doctor = _add(commands, "doctor", "qualify the SIGB: framing, charset, error detection, 97, timings",
                  _doctor)
    doctor.add_argument("--patron", help="a test patron to read (63)")
    doctor.add_argument("--pin", help="the test patron's PIN")
    doctor.add_argument("--item", help="a test item to read (17)")
    doctor.add_argument("--with-test-transactions", action="store_true",
                        help="also check out and return the test item (WRITES to the SIGB)")
    doctor.add_argument("--samples", type=int, default=20, help="SC status round trips to time (default 20)")


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--host", required=True, help="SIGB host name or address")
    group.add_argument("--port", type=int, required=True, help="SIP2 port")
    group.add_argument("--user", default="", help="SIP2 login (93 CN); none: no login")
    group.add_argument("--password", help=f"SIP2 password (93 CO); default: ${PASSWORD_ENV}")
    group.add_argument("--location", default="", help="location code (93 CP, 09 AP)")
    group.add_argument("--institution", default="", help="institution id (AO)")
    group.add_argument("--terminal-password", default="", help="terminal password (AC)")
    group.add_argument("--encoding", default="utf-8", choices=ENCODINGS, help="SIGB character set")
    group.add_argument("--terminator", default="cr", choices=("cr", "crlf"), help="frame terminator we send")
    group.add_argument("--no-error-detection", action="store_true", help="send no AY/AZ trailer")
    group.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply")
    group.add_argument("--tls", action="store_true", help="connect with TLS")
    group.add_argument("--ca-file", help="CA certificate(s) to verify the SIGB (PEM)")
    group.add_argument("--certfile", help="client certificate (PEM) for mutual TLS")
    group.add_argument("--keyfile", help="client private key (PEM)")
    group.add_argument("--insecure", action="store_true", help="skip TLS certificate verification (tests)")
    group.add_argument("--json", action="store_true", help="print JSON (typed response plus raw frame)")


def _add(commands: argparse._SubParsersAction, name: str, help_text: str, handler: Any, *,
         patron: bool = False, item: bool = False, pin: bool = False) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help_text, description=help_text)
    if patron:
        parser.add_argument("patron", help="patron card number (AA)")
    if item:
        parser.add_argument("item_id", metavar="item", help="item barcode (AB)")
    if pin:
        parser.add_argument("--pin", help="patron PIN (AD)")
    parser.set_defaults(func=lambda args: _run(args, handler))
    return parser


def config_from_args(args: argparse.Namespace) -> ClientConfig:
    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV, "")
    return ClientConfig(
        host=args.host, port=args.port, username=args.user, password=password, location=args.location,
        institution_id=args.institution, terminal_password=args.terminal_password, tls=args.tls,
        ca_file=args.ca_file, certfile=args.certfile, keyfile=args.keyfile, verify=not args.insecure,
        encoding=args.encoding, terminator=args.terminator, error_detection=not args.no_error_detection,
        timeout=args.timeout, keepalive_interval=0, retries=1)


def _run(args: argparse.Namespace, handler: Any) -> int:
    config = config_from_args(args)
    if handler is _doctor:
        return _doctor(args, config)
    with SIP2Client(config) as client:
        response = handler(client, args)
    _print(response, args.json)
    return 0 if getattr(response, "ok", True) else 1


def _print(message: Message, as_json: bool) -> None:
    if as_json:
        json.dump(to_json_dict(message), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    print(f"{type(message).__name__} ({message.COMMAND})")
    for line in describe(message):
        print(f"  {line}")


def _status(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.sc_status()


def _patron(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.patron_information(args.patron, args.pin, summary=args.summary)


def _checkout(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.checkout(args.patron, args.item_id, pin=args.pin, no_block=args.no_block)


def _checkin(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.checkin(args.item_id)


def _item(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.item_information(args.item_id)


def _renew(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.renew(args.patron, args.item_id, pin=args.pin)


def _renew_all(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.renew_all(args.patron, args.pin)


def _end(client: SIP2Client, args: argparse.Namespace) -> Message:
    return client.end_session(args.patron, args.pin)


def _doctor(args: argparse.Namespace, config: ClientConfig) -> int:
    from sip2.doctor import run_doctor

    report = run_doctor(config, patron=args.patron, pin=args.pin, item=args.item,
                        with_test_transactions=args.with_test_transactions, samples=args.samples)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(report.to_text())
    return 1 if report.failures else 0
