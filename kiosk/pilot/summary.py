"""The one-page summary in French: the figures a steering committee reads first, grouped by equipment.

:func:`key_figures` returns groups (kiosks, offline operation, gates, conversion), each a title and rows
``(figure name, label, formatted value)``; the figure names match the ``data-figure`` names of the detailed
sections where the same number appears, prefixed with ``summary.``. A group whose equipment does not
appear in the journals has no rows (the page says so instead of showing dashes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from . import labels as fr
from .figures import Figures, PilotFigures

Row = tuple[str, str, str]


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    rows: list[Row]
    empty: str  # shown when the journals hold nothing for this group


def key_figures(figures: PilotFigures) -> list[Group]:
    o = figures.overall
    roles = Counter(role for s in figures.stations for role in s.roles)
    return [
        Group("kiosks", "Automates de prêt", _kiosks(o) if roles["kiosk"] else [], "Aucun automate."),
        Group("offline", "Fonctionnement sans le SIGB", _offline(o) if roles["kiosk"] else [], "—"),
        Group("gates", "Portiques antivol", _gates(o) if roles["gate"] else [], "Aucun portique."),
        Group(
            "conversion",
            "Conversion des collections",
            _conversion(o) if roles["encoding"] else [],
            "Aucun poste d'encodage.",
        ),
    ]


def stations_line(figures: PilotFigures) -> str:
    """``2 automates de prêt, 2 portiques antivol, 1 poste d'encodage``."""
    roles = Counter(role for s in figures.stations for role in s.roles)
    parts = [fr.count_of(roles[role], *fr.ROLE_PLURAL[role]) for role in fr.ROLE_PLURAL if roles[role]]
    return ", ".join(parts) or "aucune station active"


def _kiosks(o: Figures) -> list[Row]:
    c = o.circulation
    checkout = c.item_latency.get("checkout")
    ok = {kind: c.by_kind.get(kind, Counter())["ok"] for kind in ("checkout", "checkin", "renew")}
    reads = c.stack_reads
    return [
        ("summary.items", "documents traités (prêts, retours, prolongations)", fr.integer(c.items)),
        ("summary.checkouts", "prêts réussis", fr.integer(ok["checkout"])),
        ("summary.checkins", "retours réussis", fr.integer(ok["checkin"])),
        ("summary.renewals", "prolongations réussies", fr.integer(ok["renew"])),
        ("summary.success_rate", "taux de réussite par document", fr.percent(_ratio(c.items_ok, c.items))),
        (
            "summary.checkout_median",
            "temps médian d'un prêt, par document",
            fr.duration_ms(checkout.median if checkout else None),
        ),
        (
            "summary.checkout_p95",
            "95 % des prêts en moins de",
            fr.duration_ms(checkout.quantile(0.95) if checkout else None),
        ),
        (
            "summary.stacks_exact",
            "piles entièrement lues (nombre déclaré par le lecteur)",
            fr.percent(_ratio(reads.exact, reads.stacks)),
        ),
        ("summary.reads_per_tag", "tentatives de lecture par étiquette", fr.decimal(c.mean_reads_per_tag, 2)),
        ("summary.top_refusal", "premiers motifs de refus", _top(c.refusals, fr.reason, "aucun refus")),
    ]


def _offline(o: Figures) -> list[Row]:
    off = o.offline
    return [
        (
            "summary.offline",
            "périodes hors ligne (durée totale)",
            f"{len(off.periods)} ({fr.duration_s(off.durations.total)})",
        ),
        ("summary.queued", "prêts et retours mis en attente", fr.integer(off.queued)),
        ("summary.replay", "acceptées par le SIGB au retour", fr.percent(off.acceptance)),
    ]


def _gates(o: Figures) -> list[Row]:
    g, w = o.gate, o.walk
    worst = min(w.by_condition, key=lambda k: (w.rate_of(k) or 0.0, k), default=None)
    return [
        ("summary.visitors", "visiteurs (entrées comptées)", fr.integer(g.entering)),
        ("summary.alarms_per_1000", "alarmes pour 1 000 visiteurs", fr.decimal(g.per_thousand_visitors)),
        (
            "summary.false_alarms",
            "dont fausses alarmes pour 1 000 visiteurs",
            fr.decimal(g.false_per_thousand_visitors),
        ),
        ("summary.top_false_cause", "causes des fausses alarmes", _top(g.false_by_cause, fr.cause, "aucune")),
        ("summary.walk_rate", "détection aux tests de passage", fr.percent(w.rate)),
        (
            "summary.walk_worst",
            "condition la plus difficile",
            f"{fr.orientation(worst[0])}, {fr.speed(worst[1])} : {fr.percent(w.rate_of(worst))}"
            if worst
            else "—",
        ),
    ]


def _conversion(o: Figures) -> list[Row]:
    e = o.encoding
    return [
        ("summary.encoded", "étiquettes encodées", fr.integer(e.ok)),
        ("summary.encoding_failed", "échecs d'encodage", fr.integer(e.failed)),
        ("summary.encoding_rate", "débit moyen (documents par heure)", fr.decimal(e.mean_items_per_hour, 0)),
    ]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _top(counts: Counter[str], label: Callable[[str], str], none: str, n: int = 3) -> str:
    """``motif (12), autre motif (5), …`` for the ``n`` most frequent codes."""
    if not counts:
        return none
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{label(code)} ({count})" for code, count in ordered[:n])
    return shown + (", …" if len(ordered) > n else "")
