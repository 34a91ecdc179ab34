"""Build the pilot report: read journals, check them for patron data, compute, render, check again, write.

The order is the point: nothing is written unless both the journals read and the finished HTML pass the
privacy check (:mod:`kiosk.pilot.privacy`), and the file appears atomically (written aside, then renamed),
so a failed run never leaves a half report behind.

PDF is optional and only made with a converter already on the machine (the ``weasyprint`` Python package,
``wkhtmltopdf``, or a Chromium/Chrome in headless mode); none is a dependency of Borne. Without one, the
HTML is still written and :class:`PdfUnavailable` says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.cli import UserError

from .figures import PilotFigures, compute
from .privacy import PrivacyCheck, require_clean
from .render import render
from .sources import load_journals

DEFAULT_TIMEZONE = "Europe/Paris"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfUnavailable(UserError):
    """No HTML-to-PDF converter on this machine."""


@dataclass
class Report:
    html: str
    figures: PilotFigures


def timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--timezone: unknown time zone {name!r} (e.g. Europe/Paris)") from None


def build_report(
    journals: Sequence[str | Path],
    *,
    tz_name: str = DEFAULT_TIMEZONE,
    known_ids: Iterable[str] = (),
    patron_pattern: str | None = None,
    generated: datetime | None = None,
) -> Report:
    """The checked HTML report of ``journals`` (raises ``PrivacyViolation`` before anything is built)."""
    check = PrivacyCheck(known_ids, patron_pattern)
    for path in journals:
        require_clean(check.scan_journal(path), f"journal {path}")
    tz = timezone(tz_name)
    figures = compute(load_journals(journals), tz, tz_name)
    html = render(figures, tz, generated or datetime.now(UTC))
    require_clean(check.scan_html(html, "the report"), "the report")
    return Report(html, figures)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pdf_converter() -> str | None:
    """Name of the converter :func:`write_pdf` would use, or None."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        pass
    else:
        return "weasyprint"
    if shutil.which("wkhtmltopdf"):
        return "wkhtmltopdf"
    return next((b for b in BROWSERS if shutil.which(b)), None)


def write_pdf(html_path: Path, pdf_path: Path) -> str:
    """Convert the written HTML report; returns the converter used."""
    converter = pdf_converter()
    if converter is None:
        raise PdfUnavailable(
            f"the HTML report was written to {html_path}, but no PDF was made: no converter on this "
            "machine (install the weasyprint Python package, wkhtmltopdf or Chromium), or print the HTML "
            "page to PDF from a browser"
        )
    if converter == "weasyprint":
        import weasyprint

        weasyprint.HTML(filename=str(html_path)).write_pdf(str(pdf_path))
        return converter
    if converter == "wkhtmltopdf":
        command = [converter, "--quiet", str(html_path), str(pdf_path)]
    else:
        command = [converter, "--headless", "--disable-gpu", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0 or not pdf_path.exists():
        raise PdfUnavailable(f"{converter} could not make {pdf_path}: {result.stderr.strip()[:300]}")
    return converter
