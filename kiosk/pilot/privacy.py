"""The privacy check: no patron identifier in the journals read nor in the report written.

The journals' own API already refuses patron data (:mod:`offline_queue.privacy`), but a report is the file
that leaves the station and gets mailed around, so it is checked again, independently, on the bytes:

- **known identifiers** (e.g. the card numbers of a dataset, or a list exported for the purpose) anywhere,
  as substrings, whatever the column or markup;
- **card-like digit runs**: 8 or more digits, single spaces allowed between them (``CARD_LIKE`` of the
  journal guard), and e-mail addresses;
- the network's **card-number pattern** when given, on every word.

Exempt from the digit rule, and only from it: ISIL codes (``FR-660010101``: a library, not a person, and
part of station ids), item identifiers and tag UIDs of the encoding table (items, not people), timestamps and
row ids. In HTML, text nodes and attribute values are checked one by one (two adjacent table cells are not a
digit run). Findings show the value masked, never whole: the check's own output must not leak what it found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from kiosk.cli import UserError
from offline_queue.privacy import CARD_LIKE, EMAIL_LIKE

from .sources import TABLES, read_journal

ISIL = re.compile(r"\b[A-Za-z]{1,4}-[0-9A-Za-z:/]{1,11}(?![0-9A-Za-z])")
WORD = re.compile(r"[0-9A-Za-z]+")
EXEMPT_COLUMNS = {("encodings", "item_id"), ("encodings", "uid")}
UNCHECKED_COLUMNS = {"id", "stack_id", "at", "started_at", "ended_at", "period_start", "period_end"}


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.masked!r}"


class PrivacyViolation(UserError):
    """Something that looks like a patron identifier was found; nothing was written."""

    def __init__(self, findings: list[Finding], what: str) -> None:
        self.findings = findings
        shown = "; ".join(str(f) for f in findings[:10])
        more = f" (and {len(findings) - 10} more)" if len(findings) > 10 else ""
        super().__init__(
            f"privacy check failed: {len(findings)} value(s) in {what} look like patron identifiers: "
            f"{shown}{more}. The report was not written; remove the patron data from the journal (it "
            "should never have been recorded) and report the station that wrote it."
        )


def mask(value: str) -> str:
    """First four and last two characters, the rest as bullets (enough to find it, not to use it)."""
    value = value.strip()
    if len(value) <= 6:
        return "•" * len(value)
    return value[:4] + "•" * (len(value) - 6) + value[-2:]


class PrivacyCheck:
    def __init__(self, known_ids: Iterable[str] = (), patron_pattern: str | None = None) -> None:
        self.known = sorted(
            {k.strip() for k in known_ids if k and len(k.strip()) >= 4}, key=len, reverse=True
        )
        self.pattern = re.compile(patron_pattern) if patron_pattern else None

    # -- values -----------------------------------------------------------------------------------------

    def scan_value(self, text: str, where: str, *, digits_rule: bool = True) -> list[Finding]:
        found = [Finding(where, "known patron identifier", mask(k)) for k in self.known if k in text]
        if self.pattern is not None:
            found += [
                Finding(where, "matches the patron card-number pattern", mask(w))
                for w in WORD.findall(text)
                if self.pattern.fullmatch(w)
            ]
        found += [Finding(where, "e-mail address", mask(m.group())) for m in EMAIL_LIKE.finditer(text)]
        if digits_rule:
            found += [
                Finding(where, "card-like digit run", mask(m.group()))
                for m in CARD_LIKE.finditer(ISIL.sub("ISIL", text))
            ]
        return found

    # -- files ------------------------------------------------------------------------------------------

    def scan_html(self, html: str, where: str) -> list[Finding]:
        parser = _Chunks()
        parser.feed(html)
        parser.close()
        findings: list[Finding] = []
        for line, chunk in parser.chunks:
            findings += self.scan_value(chunk, f"{where} line {line}")
        return findings

    def scan_journal(self, path: str | Path) -> list[Finding]:
        rows, _migrated = read_journal(Path(path))
        findings: list[Finding] = []
        for table in TABLES:
            for row in rows[table]:
                for column, value in row.items():
                    findings += self._cell(path, table, row, column, value)
        return findings

    def _cell(
        self, path: str | Path, table: str, row: dict[str, Any], column: str, value: Any
    ) -> list[Finding]:
        if value is None or column in UNCHECKED_COLUMNS:
            return []
        where = f"{Path(path).name} {table}.{column} row {row.get('id')}"
        if isinstance(value, int) and not isinstance(value, bool):
            return [Finding(where, "card-like number", mask(str(value)))] if abs(value) >= 10_000_000 else []
        if not isinstance(value, str):
            return []
        return self.scan_value(value, where, digits_rule=(table, column) not in EXEMPT_COLUMNS)


def require_clean(findings: list[Finding], what: str) -> None:
    if findings:
        raise PrivacyViolation(findings, what)


class _Chunks(HTMLParser):
    """Collects text nodes and attribute values with their line numbers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        self.chunks += [(line, value) for _, value in attrs if value]

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.chunks.append((self.getpos()[0], data))

    def handle_comment(self, data: str) -> None:
        self.handle_data(data)
