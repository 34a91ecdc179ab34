"""French wording of the report: kinds, outcomes, reason codes, causes, and number formats.

Codes come from the journals (short slugs written by the stations); a code this table does not know is shown
as it is, so a new reason never disappears from the report.
"""

from __future__ import annotations

import math

KIND = {"checkout": "Prêts", "checkin": "Retours", "renew": "Prolongations", "login": "Identifications"}
OUTCOME = {"ok": "réussis", "refused": "refusés", "error": "en erreur"}
REASON = {
    "refused": "refus du SIGB (motif non classé)",
    "sigb-refused": "refus du SIGB (motif non classé)",
    "error": "erreur pendant l'opération",
    "patron-blocked": "compte lecteur bloqué",
    "fines": "pénalités ou frais impayés",
    "overdue": "documents en retard",
    "too-many-items": "nombre maximum de prêts atteint",
    "item-not-for-loan": "document exclu du prêt",
    "item-unknown": "document inconnu du SIGB",
    "on-hold-for-another": "document réservé pour un autre lecteur",
    "on-loan-to-another": "document en prêt à un autre lecteur",
    "already-on-account": "déjà emprunté par ce lecteur",
    "renewal-limit": "nombre maximum de prolongations atteint",
    "not-on-loan": "document non emprunté",
    "fee-required": "frais de prêt à accepter",
    "sigb-unavailable": "SIGB injoignable",
    "unknown-card": "carte inconnue",
    "wrong-pin": "code PIN erroné",
    "offline-policy": "refus de la règle hors ligne",
    "patron-card": "carte de lecteur posée sur la platine",
    "foreign-tag": "document d'un autre réseau",
    "blank-tag": "étiquette vierge",
    "unknown-format": "format d'étiquette inconnu",
    "read-failed": "étiquette illisible",
    "unreadable": "étiquette illisible",
    "incomplete-set": "lot incomplet",
    "not-ours": "document d'un autre réseau",
    "unspecified": "non précisé",
    "other": "autre motif",
    "write-failed": "écriture de l'étiquette échouée",
    "tag-removed": "étiquette retirée pendant l'écriture",
}
CAUSE = {
    "secured-item": "document non prêté (antivol actif)",
    "secured": "document non prêté (antivol actif)",
    "eas": "bit EAS actif",
    "not-checked-out": "non prêté selon le SIGB",
    "status-unknown": "état inconnu du SIGB",
    "unidentified": "étiquette non identifiée",
    "on-loan-still-secured": "document prêté resté sécurisé",
    "foreign-tag": "document d'un autre réseau",
    "patron-card": "carte de lecteur",
    "equipment": "matériel",
    "blank-tag": "étiquette vierge restée sécurisée",
    "unknown": "cause inconnue",
    "sigb-unreachable": "SIGB injoignable",
    "sigb-offline": "SIGB hors service",
    "staff": "mode hors ligne forcé par le personnel",
}
ORIENTATION = {
    "spine_vertical": "dos vertical",
    "spine-vertical": "dos vertical",
    "horizontal": "horizontal",
    "flat": "à plat",
    "bag": "dans un sac",
}
COMPONENT = {
    "reader": "lecteur",
    "sigb": "SIGB",
    "tag": "étiquette",
    "station": "borne",
    "printer": "imprimante",
}
DIRECTION = {"out": "en sortant", "in": "en entrant", "unknown": "sens inconnu"}
ROLE_PLURAL = {
    "kiosk": ("automate de prêt", "automates de prêt"),
    "gate": ("portique antivol", "portiques antivol"),
    "encoding": ("poste d'encodage", "postes d'encodage"),
}
ROLE = {"kiosk": "automate de prêt", "gate": "portique antivol", "encoding": "poste d'encodage"}

NNBSP = "\u202f"  # French thousands separator and space before % (never a plain space: see charts.py)


def count_of(n: int, singular: str, plural: str) -> str:
    """``1 automate de prêt``, ``2 automates de prêt``."""
    return f"{integer(n)} {singular if n < 2 else plural}"


def reason(code: str) -> str:
    if code.startswith("refused:"):  # an encoding the station refused, with the encoder's code
        return f"étiquette refusée par le poste ({code.split(':', 1)[1]})"
    return REASON.get(code, code)


def day(iso: str) -> str:
    """``2026-03-02`` as ``02/03/2026``."""
    year, month, dom = iso.split("-")
    return f"{dom}/{month}/{year}"


def cause(code: str) -> str:
    return CAUSE.get(code, code)


def orientation(code: str) -> str:
    return ORIENTATION.get(code, code)


def integer(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}".replace(",", NNBSP)


def decimal(value: float | None, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{decimal(value * 100, digits)}{NNBSP}%"


def duration_ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{decimal(value / 1000, 2)}{NNBSP}s"
    return f"{decimal(value, 1 if value < 10 else 0)}{NNBSP}ms"  # a local SIGB answers in well under 1 ms


def duration_s(value: float | None) -> str:
    if value is None:
        return "—"
    hours, rest = divmod(round(value), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}{NNBSP}h{NNBSP}{minutes:02d}"
    return f"{minutes}{NNBSP}min{NNBSP}{seconds:02d}" if minutes else f"{seconds}{NNBSP}s"


def speed(value: float) -> str:
    return f"{decimal(value, 1)}{NNBSP}m/s"
