"""The one-page summary in French: the dozen figures a steering committee reads first.

Each entry is ``(figure name, label, formatted value)``; the figure names match the ``data-figure`` names of
the detailed sections where the same number appears, prefixed with ``summary.``.
"""

from __future__ import annotations

from . import labels as fr
from .figures import PilotFigures


def key_figures(figures: PilotFigures) -> list[tuple[str, str, str]]:
    o = figures.overall
    c, off, g, w, e = o.circulation, o.offline, o.gate, o.walk, o.encoding
    items_rate = c.items_ok / c.items if c.items else None
    checkout = c.item_latency.get("checkout")
    top_refusal = c.refusals.most_common(1)
    top_false = g.false_by_cause.most_common(1)
    worst = min(w.by_condition, key=lambda k: (w.rate_of(k) or 0.0, k), default=None)
    rows = [
        ("summary.stations", "stations dans les journaux", fr.integer(len(figures.stations))),
        (
            "summary.items",
            "documents traités aux automates (prêts, retours, prolongations)",
            fr.integer(c.items),
        ),
        ("summary.checkouts", "prêts réussis", fr.integer(c.by_kind.get("checkout", {}).get("ok", 0))),
        ("summary.checkins", "retours réussis", fr.integer(c.by_kind.get("checkin", {}).get("ok", 0))),
        ("summary.success_rate", "taux de réussite par document", fr.percent(items_rate)),
        (
            "summary.checkout_median",
            "temps médian d'un prêt (par document)",
            fr.duration_ms(checkout.median if checkout else None),
        ),
        (
            "summary.checkout_p95",
            "95 % des prêts en moins de",
            fr.duration_ms(checkout.quantile(0.95) if checkout else None),
        ),
        (
            "summary.stacks_exact",
            "piles entièrement lues (mode pilote)",
            fr.percent(c.stack_reads.exact / c.stack_reads.stacks if c.stack_reads.stacks else None),
        ),
        (
            "summary.reads_per_tag",
            "tentatives de lecture par étiquette (moyenne)",
            fr.decimal(c.mean_reads_per_tag, 2),
        ),
        (
            "summary.top_refusal",
            "premier motif de refus",
            f"{fr.reason(top_refusal[0][0])} ({top_refusal[0][1]})" if top_refusal else "aucun refus",
        ),
        (
            "summary.offline",
            "périodes hors ligne (durée totale)",
            f"{len(off.periods)} ({fr.duration_s(off.durations.total)})",
        ),
        ("summary.replay", "transactions hors ligne acceptées au rejeu", fr.percent(off.acceptance)),
        (
            "summary.alarms_per_1000",
            "alarmes de portique pour 1 000 visiteurs",
            fr.decimal(g.per_thousand_visitors),
        ),
        (
            "summary.false_alarms",
            "fausses alarmes pour 1 000 visiteurs",
            fr.decimal(g.false_per_thousand_visitors),
        ),
        (
            "summary.top_false_cause",
            "première cause de fausse alarme",
            f"{fr.cause(top_false[0][0])} ({top_false[0][1]})" if top_false else "aucune",
        ),
        ("summary.walk_rate", "détection aux tests de passage", fr.percent(w.rate)),
        (
            "summary.walk_worst",
            "condition la plus difficile",
            f"{fr.orientation(worst[0])}, {fr.speed(worst[1])} : {fr.percent(w.rate_of(worst))}"
            if worst
            else "—",
        ),
        ("summary.encoded", "étiquettes encodées (conversion)", fr.integer(e.ok)),
        (
            "summary.encoding_rate",
            "débit moyen de conversion (documents/heure)",
            fr.decimal(e.mean_items_per_hour, 0),
        ),
    ]
    return rows
