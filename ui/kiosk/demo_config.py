"""The demo station's configuration on top of :func:`kiosk.demo.demo_config_table` (no Qt).

Three languages, a staff PIN (:data:`DEMO_STAFF_PIN`), the demo logo and announcements shipped in
``ui/kiosk/assets``, and receipts on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.config import hash_pin

ASSETS = Path(__file__).with_name("assets")
DEMO_STAFF_PIN = "2468"
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)


def demo_overrides(announcements: Path | None = None, *, receipt: str = "screen") -> dict[str, Any]:
    """Configuration sections for the demo station (merged into the demo's own table)."""
    return {
        "station": {"logo": str(ASSETS / "logo.svg"),
                    "announcements": str(announcements or ASSETS / "announcements")},
        "languages": {"default": "fr", "available": ["fr", "en", "ar"]},
        "staff": {"pin_hash": hash_pin(DEMO_STAFF_PIN, iterations=1000)},
        "receipt": {"mode": receipt, "printer": "dummy" if receipt == "print" else ""},
    }
