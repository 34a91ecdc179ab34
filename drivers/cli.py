"""``borne reader``: talk to an item reader from the command line (diagnostics, pilot set-up).

    borne reader --driver feig --port /dev/ttyUSB0 info
    borne reader --port tcp://10.0.0.5:10001 inventory --afi 07
    borne reader --port /dev/ttyUSB0 inventory-read --afi 07 --blocks 8
    borne reader --port usb: read E004015012345678 --json
    borne reader --port /dev/ttyUSB0 write-afi E004015012345678 C2
    borne reader --port /dev/ttyUSB0 eas E004015012345678 check
    borne reader --port /dev/ttyUSB0 watch

UIDs are printed and typed MSB first, as on labels (``E004…``). Reader errors are
reported as one line (``Error: …``) by the ``borne`` dispatcher.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from typing import Any

import iso28560
from drivers import READER_DRIVERS, open_reader
from drivers.base import InventoryReader, ItemReader, TagRead
from drivers.errors import ReaderError

AFI_MEANING = {0x07: "secured", 0xC2: "on loan"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reader", help="talk to an RFID item reader (FEIG, 3M, TRF7970A)",
                                   description="Query and program ISO 15693 item tags through a reader.")
    parser.add_argument("--driver", default="feig", choices=sorted(READER_DRIVERS),
                        help="reader protocol (default: feig)")
    parser.add_argument("--port", required=True,
                        help="device path (/dev/ttyUSB0), tcp://host:port, usb: (FEIG only), "
                             "or a pyserial URL")
    parser.add_argument("--baud", type=int, help="serial speed (default: the driver's, 38400 for FEIG)")
    commands = parser.add_subparsers(dest="reader_command", metavar="COMMAND", required=True)
    commands.add_parser("info", help="reader model and firmware").set_defaults(func=_info)
    inventory = commands.add_parser("inventory", help="UIDs of the tags in the field, one per line")
    inventory.add_argument("--afi", type=_byte, help="only tags with this AFI (hex, e.g. 07)")
    inventory.set_defaults(func=_inventory)
    inventory_read = commands.add_parser(
        "inventory-read", help="UIDs and first blocks in one exchange (NXP inventory read; FEIG, TRF7970A)")
    inventory_read.add_argument("--afi", type=_byte, help="only tags with this AFI (hex, e.g. 07)")
    inventory_read.add_argument("--blocks", type=int, default=8, choices=range(1, 33), metavar="1..32",
                                help="blocks from block 0 (default 8)")
    inventory_read.add_argument("--slots", type=int, default=1, choices=(1, 16),
                                help="1 (every tag at once: several collide) or 16 (default 1)")
    inventory_read.set_defaults(func=_inventory_read)
    read = commands.add_parser("read", help="read and decode a whole tag")
    read.add_argument("uid", type=_uid, help="tag UID, MSB first (E004…)")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.set_defaults(func=_read)
    write_afi = commands.add_parser("write-afi", help="write (and verify) a tag's AFI")
    write_afi.add_argument("uid", type=_uid)
    write_afi.add_argument("afi", type=_byte, help="AFI in hex: 07 secured, C2 on loan")
    write_afi.set_defaults(func=_write_afi)
    eas = commands.add_parser("eas", help="set, reset or check a tag's NXP EAS bit")
    eas.add_argument("uid", type=_uid)
    eas.add_argument("action", choices=["on", "off", "check"])
    eas.set_defaults(func=_eas)
    watch = commands.add_parser("watch", help="print tags entering (+) and leaving (-) the field")
    watch.add_argument("--afi", type=_byte, help="only tags with this AFI (hex)")
    watch.add_argument("--interval", type=float, default=0.2,
                       help="seconds between inventories (default 0.2)")
    watch.add_argument("--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    watch.set_defaults(func=_watch)


def _uid(text: str) -> bytes:
    cleaned = text.replace(" ", "").replace(":", "").replace("-", "")
    try:
        uid = bytes.fromhex(cleaned)
    except ValueError:
        uid = b""
    if len(uid) != 8:
        raise argparse.ArgumentTypeError(f"{text!r} is not a UID: give 16 hex digits, MSB first "
                                         "(e.g. E004015012345678)")
    return uid


def _byte(text: str) -> int:
    try:
        value = int(text.removeprefix("0x").removeprefix("0X"), 16)
    except ValueError:
        value = -1
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"{text!r} is not a byte in hex (00..FF)")
    return value


def _open(args: argparse.Namespace) -> ItemReader:
    return open_reader(args.driver, args.port, baudrate=args.baud)


def _info(args: argparse.Namespace) -> int:
    with _open(args) as reader:
        info = reader.info()
    print(f"model: {info.model}\nfirmware: {info.firmware}\nantennas: {info.antennas}")
    return 0


def _inventory(args: argparse.Namespace) -> int:
    with _open(args) as reader:
        for tag in reader.inventory(afi=args.afi):
            print(tag.uid_hex)
    return 0


def _inventory_read(args: argparse.Namespace) -> int:
    with _open(args) as reader:
        if not isinstance(reader, InventoryReader):
            raise ReaderError(f"the {args.driver} driver has no inventory read: use 'inventory' then 'read'")
        result = reader.inventory_read(0, args.blocks, afi=args.afi, one_slot=args.slots == 1)
    for tag in result.tags:
        decoded = iso28560.decode(tag.data)
        print(f"{tag.uid.hex().upper()} {tag.data.hex().upper()} {decoded.format} "
              f"{decoded.primary_item_identifier or '-'}")
    if result.collisions:
        print(f"{result.collisions} collided answer(s): try --slots 16")
    return 0


def _read(args: argparse.Namespace) -> int:
    with _open(args) as reader:
        tag = reader.read_tag(args.uid)
    print(json.dumps(tag_json(tag), ensure_ascii=False, indent=2) if args.json else tag_text(tag))
    return 0


def _write_afi(args: argparse.Namespace) -> int:
    with _open(args) as reader:
        reader.write_afi(args.uid, args.afi, verify=True)
    print(f"AFI of {args.uid.hex().upper()} set to 0x{args.afi:02X}{_meaning(args.afi)} (verified)")
    return 0


def _eas(args: argparse.Namespace) -> int:
    label = args.uid.hex().upper()
    with _open(args) as reader:
        if args.action == "on":
            reader.eas_set(args.uid)
        elif args.action == "off":
            reader.eas_reset(args.uid)
        state = reader.eas_alarm(args.uid)
    print(f"EAS of {label} is {'on' if state else 'off'}")
    return 0


def _watch(args: argparse.Namespace) -> int:
    present: set[str] = set()
    deadline = None if args.duration is None else time.monotonic() + args.duration
    with _open(args) as reader:
        try:
            while deadline is None or time.monotonic() < deadline:
                seen = {t.uid_hex for t in reader.inventory(afi=args.afi)}
                for uid in sorted(seen - present):
                    print(f"+ {uid}", flush=True)
                for uid in sorted(present - seen):
                    print(f"- {uid}", flush=True)
                present = seen
                time.sleep(args.interval)
        except KeyboardInterrupt:
            pass
    return 0


def _meaning(afi: int | None) -> str:
    return f" ({AFI_MEANING[afi]})" if afi in AFI_MEANING else ""


def tag_text(tag: TagRead) -> str:
    system, decoded = tag.system, tag.decoded
    lines = [
        f"UID: {tag.uid.hex().upper()}",
        f"AFI: 0x{system.afi:02X}{_meaning(system.afi)}" if system.afi is not None else "AFI: unknown",
        f"DSFID: 0x{system.dsfid:02X}" if system.dsfid is not None else "DSFID: unknown",
        f"memory: {system.block_count} blocks of {system.block_size} bytes, "
        f"{sum(tag.locked)} locked",
        f"format: {decoded.format}" + (f" ({decoded.reason})" if decoded.reason else ""),
    ]
    lines += [f"{name}: {_plain(value)}" for name, value in decoded.elements]
    lines += [f"warning: {warning}" for warning in decoded.warnings]
    return "\n".join(lines)


def tag_json(tag: TagRead) -> dict[str, Any]:
    decoded = tag.decoded
    return {
        "uid": tag.uid.hex().upper(),
        "system": {k: _plain(v) for k, v in dataclasses.asdict(tag.system).items()},
        "locked_blocks": [n for n, locked in enumerate(tag.locked) if locked],
        "memory": tag.memory.hex().upper(),
        "format": decoded.format,
        "crc_ok": decoded.crc_ok,
        "reason": decoded.reason,
        "elements": {name: _plain(value) for name, value in decoded.elements},
        "warnings": list(decoded.warnings),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)

