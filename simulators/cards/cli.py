"""``borne sim card`` and ``borne sim scanner``: patron card and barcode scanner stand-ins.

``borne sim card`` plays an NTAG213 patron card to nfcpy's UDP driver
(``--udp PORT``, reader path ``udp:127.0.0.1:PORT``) or behind a simulated PN532
on a pty (``--pn532``, libnfc connstring ``pn532_uart:/dev/pts/N``). Lines on
standard input drive it: ``place UID [TEXT]`` puts a card on the pad (TEXT is
written from page 4), ``remove`` takes it away, ``quit`` stops.

``borne sim scanner`` opens a pty and prints its device path; every line typed
on standard input is sent as a scan, terminated as chosen with ``--terminator``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from drivers.cards.mapping import CardConfigError
from simulators.cards.iso14443 import Iso14443Card

TERMINATORS = {"crlf": b"\r\n", "cr": b"\r", "lf": b"\n"}


def register(sim_subparsers: argparse._SubParsersAction) -> None:
    card = sim_subparsers.add_parser("card", help="patron card on nfcpy's UDP driver or a simulated PN532")
    where = card.add_mutually_exclusive_group(required=True)
    where.add_argument("--udp", type=int, metavar="PORT", help="UDP port for nfcpy path udp:127.0.0.1:PORT")
    where.add_argument("--pn532", action="store_true", help="simulated PN532 on a pty (libnfc pn532_uart)")
    card.add_argument("--uid", default="04A1B2C3D4E580", help="7-byte UID in hex of the card placed at start")
    card.add_argument("--text", default="", help="text written to the card's user memory (page 4 on)")
    card.add_argument("--empty", action="store_true", help="start with no card on the pad")
    card.set_defaults(func=run_card)

    scanner = sim_subparsers.add_parser("scanner", help="serial barcode scanner on a pty")
    scanner.add_argument("--terminator", choices=sorted(TERMINATORS), default="crlf")
    scanner.set_defaults(func=run_scanner)


def make_card(uid_hex: str, text: str = "") -> Iso14443Card:
    try:
        uid = bytes.fromhex(uid_hex)
    except ValueError:
        raise CardConfigError(f"--uid {uid_hex!r} is not hexadecimal") from None
    if len(uid) != 7:
        raise CardConfigError(f"--uid must be 7 bytes (14 hex digits) for an NTAG213, got {len(uid)}")
    return Iso14443Card.ntag213(uid, text.encode("latin-1") + (b"\x00" if text else b""))


def run_card(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    if args.pn532:
        from simulators.cards.pn532 import Pn532PtySimulator
        sim = Pn532PtySimulator()
        where = f"libnfc connstring {sim.connstring}"
    else:
        from simulators.cards.udp import UdpCardSimulator
        sim = UdpCardSimulator(port=args.udp)
        where = f"nfcpy path {sim.path}"
    if not args.empty:
        sim.place(make_card(args.uid, args.text))
    with sim:
        print(f"Card simulator listening: {where}", flush=True)
        for line in stdin:
            words = line.split(maxsplit=2)
            if not words:
                continue
            if words[0] == "quit":
                break
            if words[0] == "remove":
                sim.remove()
            elif words[0] == "place" and len(words) >= 2:
                sim.place(make_card(words[1], words[2] if len(words) > 2 else ""))
            else:
                print("commands: place UID [TEXT] | remove | quit", file=sys.stderr)
    return 0


def run_scanner(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    from simulators.cards.scanner import SerialScannerSimulator

    with SerialScannerSimulator(TERMINATORS[args.terminator]) as sim:
        print(f"Scanner simulator on {sim.device}: type a code and Enter to scan it", flush=True)
        for line in stdin:
            code = line.strip()
            if code:
                sim.scan(code)
    return 0
