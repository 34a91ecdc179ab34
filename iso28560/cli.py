"""``borne tag``: decode a tag memory dump, or build the image to write on a new tag.

``borne tag decode [--json] [--dsfid HEX] HEX|-`` reads hex (spaces, colons and
newlines allowed; ``-`` reads standard input) and prints the format and every
element. Exit status: 0 when the format is recognised (including ``blank``),
1 when it is ``unknown``.

``borne tag encode --pii ID [...]`` prints the memory image as hex, one group
per 4-byte block, ready for ``borne tag decode`` or a writer; ``--explain``
shows which element sits in which block and which blocks to lock.
"""

from __future__ import annotations

import argparse
import json
import string
import sys

from .detect import decode
from .encoder import FORMATS, TAG_MEMORY, encode, tag_capacity
from .errors import InputError
from .model import DecodedTag, EncodedTag, TagData

_HEX_DIGITS = frozenset(string.hexdigits)
_SEPARATORS = str.maketrans("", "", " \t\r\n:-")


def register(subparsers: argparse._SubParsersAction) -> None:
    tag = subparsers.add_parser("tag", help="decode or encode library tag memory (ISO 28560-2/-3, 3M)",
                                description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = tag.add_subparsers(dest="tag_action", metavar="ACTION")
    tag.set_defaults(func=lambda args: _usage(tag))
    _register_decode(actions)
    _register_encode(actions)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _register_decode(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("decode", help="decode a memory dump given as hex")
    parser.add_argument("hex", nargs="+", metavar="HEX", help="memory as hex (spaces allowed) or -")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    parser.add_argument("--dsfid", type=_hex_byte, help="DSFID read from the tag (e.g. 06), as a hint")
    parser.set_defaults(func=run_decode)


def _register_encode(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("encode", help="build the memory image for a new tag")
    parser.add_argument("--format", choices=FORMATS, default=FORMATS[0], help="default %(default)s")
    parser.add_argument("--pii", required=True, help="primary item identifier (the item barcode)")
    parser.add_argument("--owner", help="owner institution ISIL, e.g. FR-751131010")
    parser.add_argument("--set", dest="set_information", metavar="PART/TOTAL", help="e.g. 2/3")
    parser.add_argument("--usage", type=_hex_byte, metavar="HEX", help="type of usage, e.g. 10 (circulating)")
    parser.add_argument("--shelf", help="shelf location")
    parser.add_argument("--title", help="title")
    parser.add_argument("--lock", default="", help="elements to lock, comma separated, e.g. pii,owner")
    parser.add_argument("--memory", default="slix", help=f"{'|'.join(TAG_MEMORY)} or bytes")
    parser.add_argument("--explain", action="store_true", help="show the block layout and the blocks to lock")
    parser.set_defaults(func=run_encode)


# ------------------------------------------------------------------------------------------------- decode


def run_decode(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.hex == ["-"] else " ".join(args.hex)
    tag = decode(parse_hex(text), args.dsfid)
    print(json.dumps(tag_to_json(tag), ensure_ascii=False, indent=2) if args.json else format_tag(tag))
    return 1 if tag.format == "unknown" else 0


def parse_hex(text: str) -> bytes:
    compact = text.translate(_SEPARATORS)
    if compact[:2].lower() == "0x":
        compact = compact[2:]
    bad = next((i for i, char in enumerate(compact) if char not in _HEX_DIGITS), None)
    if bad is not None:
        raise InputError(f"not hexadecimal: {compact[bad]!r} at position {bad}; e.g. '91 00 05 1c'")
    if len(compact) % 2:
        raise InputError(f"odd number of hex digits ({len(compact)}): a byte is two digits")
    return bytes.fromhex(compact)


def _hex_byte(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a hex byte such as 10 or 0x10") from None
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"{text!r} does not fit in one byte")
    return value


def _json_value(value: object) -> object:
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return value


def tag_to_json(tag: DecodedTag) -> dict[str, object]:
    data = tag.data
    return {
        "format": tag.format,
        "primary_item_identifier": tag.primary_item_identifier,
        "owner_institution": tag.owner_institution,
        "parts_in_item": data.parts_in_item if data else None,
        "part_number": data.part_number if data else None,
        "type_of_usage": tag.type_of_usage,
        "elements": {name: _json_value(value) for name, value in tag.elements},
        "crc_ok": tag.crc_ok,
        "warnings": list(tag.warnings),
        "reason": tag.reason,
        "extensions": [{"id": ident, "payload": payload.hex()} for ident, payload in tag.extensions],
        "raw": tag.raw.hex(),
    }


def format_tag(tag: DecodedTag) -> str:
    lines = [f"Format: {tag.format}"]
    if tag.reason:
        lines.append(f"Reason: {tag.reason}")
    width = max((len(name) for name, _ in tag.elements), default=0)
    lines.extend(f"  {name:<{width}}  {_describe(name, value)}" for name, value in tag.elements)
    if tag.crc_ok is not None:
        lines.append(f"CRC: {'ok' if tag.crc_ok else 'WRONG'}")
    lines.extend(f"Extension block {ident}: {payload.hex(' ')}" for ident, payload in tag.extensions)
    lines.extend(f"Warning: {warning}" for warning in tag.warnings)
    return "\n".join(lines)


def _describe(name: str, value: object) -> str:
    if name == "type_of_usage" and isinstance(value, int):
        return f"0x{value:02X}"
    if name == "set_information" and isinstance(value, str) and len(value) in (2, 4, 6):
        half = len(value) // 2
        return f"{value} (part {value[half:].lstrip('0') or 0} of {value[:half].lstrip('0') or 0})"
    if isinstance(value, bytes):
        return f"{value.hex(' ')} (raw)"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return repr(value) if isinstance(value, str) and not value.isprintable() else str(value)


# ------------------------------------------------------------------------------------------------- encode


def run_encode(args: argparse.Namespace) -> int:
    parts, part = _parse_set(args.set_information) if args.set_information else (1, 1)
    data = TagData(primary_item_identifier=args.pii, owner_institution=args.owner, parts_in_item=parts,
                   part_number=part, type_of_usage=args.usage, shelf_location=args.shelf, title=args.title)
    lock = [name for name in args.lock.split(",") if name.strip()]
    include_set = True if args.set_information else None
    encoded = encode(data, args.format, args.memory, lock, include_set=include_set)
    print(format_blocks(encoded))
    if args.explain:
        print(explain(encoded, tag_capacity(args.memory)))
    return 0


def _parse_set(text: str) -> tuple[int, int]:
    part, slash, total = text.partition("/")
    if not slash or not part.strip().isdigit() or not total.strip().isdigit():
        raise InputError(f"--set {text!r}: give PART/TOTAL, e.g. 2/3 for part 2 of a 3-part item")
    return int(total), int(part)


def format_blocks(encoded: EncodedTag) -> str:
    return " ".join(block.hex() for block in encoded.blocks)


def explain(encoded: EncodedTag, capacity: int) -> str:
    size = encoded.block_size
    lines = [f"{encoded.format}, DSFID 0x{encoded.dsfid:02X}: {len(encoded.memory)} of {capacity} bytes "
             f"({len(encoded.blocks)} blocks of {size})", "", "Block  Bytes        Lock    Elements"]
    locked = set(encoded.lock_blocks)
    for number, block in enumerate(encoded.blocks):
        start, end = number * size, number * size + size
        names = [span.name for span in encoded.layout if span.start < end and span.end > start]
        mark = "lock" if number in locked else ""
        lines.append(f"{number:>5}  {block.hex(' '):<11}  {mark:<6}  {', '.join(names) or '(padding)'}")
    lines += ["", "Element                             Bytes     Compaction"]
    for span in encoded.layout:
        where = f"{span.start}-{span.end - 1}"
        lines.append(f"  {span.name:<34}{where:<10}{span.scheme}{'  (locked)' if span.locked else ''}")
    blocks = ", ".join(map(str, encoded.lock_blocks)) or "none"
    lines += ["", f"Lock blocks: {blocks} (never lock the AFI: it carries the security state)"]
    return "\n".join(lines)
