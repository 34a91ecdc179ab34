"""Shared helpers for the simulated-SIGB tests: a fixed clock and a tiny dataset to tweak."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

NOW = datetime(2025, 3, 12, 10, 30, 0)  # a Wednesday


def clock() -> datetime:
    return NOW


TINY: dict[str, Any] = {
    "network": {"name": "Réseau test", "institution_id": "TEST",
                "sort_bins": {"reshelve": "R", "hold": "H", "transit": "T", "staff": "S"}},
    "sip_accounts": [{"username": "borne", "password": "secret", "branch": None}],
    "loan_rules": {
        "max_loans": 3, "max_renewals": 1, "holds_block_renewal": True, "max_fines": "5.00", "max_overdue": 2,
        "media": {
            "livre": {"label": "Livre", "loan_days": 21, "sip_media_type": "001"},
            "dvd": {"label": "DVD", "loan_days": 7, "sip_media_type": "000", "max_loans": 1,
                    "fine_per_day": "0.50"},
        },
    },
    "branches": [
        {"code": "CENTRE", "isil": "FR-000000001", "town": "Ville", "name": "Médiathèque centrale"},
        {"code": "NORD", "isil": "FR-000000002", "town": "Ville-Nord", "name": "Bibliothèque du Nord"},
        {"code": "SUD", "isil": "FR-000000003", "town": "Ville-Sud", "name": "Bibliothèque du Sud"},
    ],
    "patrons": [
        {"card": "P1", "pin": "1111", "first_name": "Hélène", "last_name": "Dupré", "home_branch": "CENTRE"},
        {"card": "P2", "pin": "2222", "first_name": "François", "last_name": "Lefèvre",
         "home_branch": "NORD"},
        {"card": "P3", "pin": "3333", "first_name": "Zoé", "last_name": "Cœurdevey", "home_branch": "SUD"},
    ],
    "items": [
        {"barcode": "I1", "title": "Les Misérables", "author": "Victor Hugo", "home_branch": "CENTRE",
         "media_type": "livre", "call_number": "R HUG", "collection": "Adultes"},
        {"barcode": "I2", "title": "L'Étranger", "author": "Albert Camus", "home_branch": "NORD",
         "media_type": "livre"},
        {"barcode": "I3", "title": "Le Cœur cousu", "author": "Carole Martinez", "home_branch": "CENTRE",
         "media_type": "livre"},
        {"barcode": "D1", "title": "La Haine", "author": "Mathieu Kassovitz", "home_branch": "CENTRE",
         "media_type": "dvd"},
        {"barcode": "D2", "title": "Jules et Jim", "author": "François Truffaut", "home_branch": "CENTRE",
         "media_type": "dvd"},
    ],
}


def tiny(**changes: Any) -> dict[str, Any]:
    """A deep copy of TINY; ``changes`` replace top-level sections."""
    data = copy.deepcopy(TINY)
    data.update(changes)
    return data
