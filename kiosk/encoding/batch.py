"""The batch list of ``borne encode --batch FILE.csv``: new acquisitions to tag, in order.

The file is what a SIGB or a spreadsheet exports: one item per line, comma or
semicolon separated (French spreadsheets use ``;``), UTF-8 with or without a
BOM. A header line names the columns; ``barcode`` is required (also accepted:
``item_id``, ``code-barres``, ``codebarre``), ``parts`` and ``title`` (``titre``)
are optional. A file without a header is one barcode per line. Every barcode is
checked against the configured format before the first tag is written, and all
bad lines are reported at once with their line numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .barcode import BarcodeRejected, check_barcode
from .settings import BarcodeFormat

BARCODE_COLUMNS = ("barcode", "item_id", "code-barres", "codebarre", "code_barre")
PARTS_COLUMNS = ("parts", "parties", "nb_parties")
TITLE_COLUMNS = ("title", "titre")


class BatchFileError(ValueError):
    """The batch file cannot be used as it is; the message names the file, the lines and the fix."""


@dataclass(frozen=True, slots=True)
class BatchEntry:
    item_id: str
    parts: int = 1
    title: str = ""


def read_batch(path: str | Path, fmt: BarcodeFormat, max_parts: int = 99) -> list[BatchEntry]:
    """Parse and check a batch file; :class:`BatchFileError` lists every bad line."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise BatchFileError(f"{path}: cannot read the batch file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise BatchFileError(f"{path}: not UTF-8 text; export the list as CSV UTF-8") from None
    return parse_batch(text, fmt, max_parts, source=str(path))


def parse_batch(text: str, fmt: BarcodeFormat, max_parts: int = 99,
                source: str = "batch") -> list[BatchEntry]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BatchFileError(f"{source}: the file lists no item")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = [cell.strip().lower() for cell in rows[0]]
    columns = _columns(header)
    start = 1 if columns else 0
    columns = columns or {"barcode": 0}
    entries: list[BatchEntry] = []
    problems: list[str] = []
    for number, row in enumerate(rows[start:], start + 1):
        try:
            entries.append(_entry(row, columns, fmt, max_parts))
        except (BarcodeRejected, ValueError) as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise BatchFileError(f"{source}: {shown}. Fix these lines; nothing was encoded.")
    if not entries:
        raise BatchFileError(f"{source}: the file has a header but no item")
    return entries


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, aliases in (("barcode", BARCODE_COLUMNS), ("parts", PARTS_COLUMNS), ("title", TITLE_COLUMNS)):
        for index, cell in enumerate(header):
            if cell in aliases:
                found[name] = index
                break
    if found and "barcode" not in found:
        raise BatchFileError(f"the header {header} has no barcode column (name it 'barcode')")
    return found


def _entry(row: list[str], columns: dict[str, int], fmt: BarcodeFormat, max_parts: int) -> BatchEntry:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    barcode = check_barcode(cell("barcode"), fmt)
    parts_text = cell("parts") or "1"
    if not parts_text.isdigit() or not 1 <= int(parts_text) <= max_parts:
        raise ValueError(f"parts {parts_text!r} is not a number from 1 to {max_parts}")
    return BatchEntry(barcode, int(parts_text), cell("title"))
