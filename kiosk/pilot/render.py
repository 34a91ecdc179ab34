"""The report as one self-contained HTML page (French): a one-page summary, then every section for the whole
network, then the same sections per station, then the method.

Each key number is written in a cell carrying ``data-figure="<name>"`` inside a section with a stable ``id``,
so tests (and anyone scraping the report) can read figures without parsing French prose. No figure shows an
identifier: stations are named by their station id, items and patrons never appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from html import escape
from typing import Any

from . import charts
from . import labels as fr
from .figures import ITEM_KINDS, KINDS, Distribution, Figures, PilotFigures
from .summary import Group, key_figures, stations_line

SECTIONS = (
    ("transactions", "Transactions par type et taux de réussite"),
    ("echecs", "Échecs et leurs causes"),
    ("latences", "Temps de traitement par document et par taille de pile"),
    ("piles", "Lecture des piles (documents lus / documents déclarés)"),
    ("lectures", "Tentatives de lecture par étiquette"),
    ("lots", "Documents en plusieurs parties (lots)"),
    ("refus", "Refus par motif"),
    ("hors-ligne", "Périodes hors ligne et rejeu des transactions"),
    ("portiques", "Portiques : alarmes pour 1 000 visiteurs et fausses alarmes"),
    ("tests-passage", "Tests de passage : taux de détection par orientation et vitesse"),
    ("conversion", "Conversion des collections : débit par opérateur et par jour"),
    ("erreurs", "Erreurs techniques"),
)

# Which stations a section is about (a station's page shows the sections of its roles).
_KIOSK, _GATE, _ENCODING = frozenset({"kiosk"}), frozenset({"gate"}), frozenset({"encoding"})
ROLE_SECTIONS = {
    **{key: _KIOSK for key in ("transactions", "echecs", "latences", "piles", "lectures", "lots", "refus")},
    "hors-ligne": _KIOSK,
    "portiques": _GATE,
    "tests-passage": _GATE,
    "conversion": _ENCODING,
    "erreurs": _KIOSK | _GATE | _ENCODING,
}

STYLE = """
body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#1a202c;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:2px solid #2b6cb0;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #cbd5e0;padding:.2rem .5rem;text-align:left}
td.n{text-align:right}.none{color:#718096;font-style:italic}.summary{page-break-after:always}
.lead{font-size:1.1rem}.note{color:#4a5568;font-size:.9rem}
.groups{columns:2 22rem;column-gap:.8rem}
.group{border:1px solid #cbd5e0;border-radius:.3rem;padding:.2rem .8rem .5rem;margin-bottom:.8rem;
break-inside:avoid}
.group h3{margin:.4rem 0;font-size:1.1rem;color:#2b6cb0;border:0}.group table{width:100%;margin:0}
.group th,.group td{border:0;border-top:1px solid #e2e8f0;padding:.3rem .2rem;font-weight:normal;
vertical-align:baseline}.group td{text-align:right;white-space:nowrap}.group b{font-size:1.1em}
.group td.long{text-align:left;white-space:normal}.group td.long b{font-size:1em;font-weight:600}
h3{font-size:1.15rem;border-bottom:1px solid #a0aec0;padding-bottom:.1rem;margin-top:1.6rem}
details{margin:1rem 0}summary{font-weight:bold;cursor:pointer}
dt{font-weight:bold;margin-top:.4rem}dd{margin-left:1.2rem}
figure{margin:.8rem 0}figcaption{font-weight:bold;font-size:.95rem;margin-bottom:.2rem}
svg.chart{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none;font-size:10pt}.groups{columns:2}
figure,table{break-inside:avoid}h2,h3,h4{break-after:avoid}details{break-before:page}
details>summary{list-style:none;font-size:1.3rem;border-bottom:2px solid #2b6cb0}
details::details-content{content-visibility:visible;display:block}}
"""


def render(figures: PilotFigures, tz: tzinfo, generated: datetime) -> str:
    """The whole report."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Borne — rapport d'évaluation du pilote RFID</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Rapport d'évaluation du pilote RFID</h1>",
        summary_section(figures, tz, generated),
        '<section id="reseau"><h2>Ensemble du réseau</h2>',
        scope_sections(figures.overall, "", tz),
        "</section>",
        '<section id="stations"><h2>Par station</h2>',
        station_table(figures.stations),
    ]
    for index, station in enumerate(figures.stations, 1):
        parts.append(
            f'<details id="station-{index}" data-station="{escape(station.scope)}">'
            f"<summary>{escape(station.scope)} ({escape(_roles(station))})</summary>"
            f"{scope_sections(station, f'station-{index}-', tz)}</details>"
        )
    parts += ["</section>", method_section(figures), "</body></html>"]
    return "\n".join(parts)


def _roles(f: Figures) -> str:
    return ", ".join(fr.ROLE[r] for r in f.roles) or "aucune activité"


# -- summary -----------------------------------------------------------------------------------------------


def summary_section(figures: PilotFigures, tz: tzinfo, generated: datetime) -> str:
    o = figures.overall
    period = "—"
    if o.first and o.last:
        period = f"du {_day(o.first, tz)} au {_day(o.last, tz)}"
    groups = "".join(_summary_group(group) for group in key_figures(figures))
    return (
        '<section id="synthese" class="summary"><h2>Synthèse</h2>'
        f'<p class="lead">Pilote {escape(period)} : {escape(stations_line(figures))} '
        f'(<span data-figure="summary.stations">{len(figures.stations)}</span> stations dans les journaux).'
        f"</p>"
        f'<div class="groups">{groups}</div>'
        '<p class="note">Les journaux sont anonymes : aucun identifiant de lecteur ni de document '
        "n'y figure, et ce rapport a été vérifié automatiquement avant d'être écrit. Rapport établi le "
        f"{escape(_day(generated, tz))} (heure {escape(figures.timezone)}) ; définitions en fin de rapport."
        "</p></section>"
    )


def _summary_group(group: Group) -> str:
    rows = "".join(_summary_row(name, label, value) for name, label, value in group.rows)
    body = f"<table>{rows}</table>" if rows else _none(group.empty)
    return f'<div class="group" id="synthese-{group.key}"><h3>{escape(group.title)}</h3>{body}</div>'


def _summary_row(name: str, label: str, value: str) -> str:
    """Label and figure on one line; a long figure (a list of motives) goes under its label."""
    figure = f'<b data-figure="{escape(name)}">{escape(value)}</b>'
    if len(value) > 24:
        return f'<tr><td class="long" colspan="2">{escape(label)} :<br>{figure}</td></tr>'
    return f'<tr><th scope="row">{escape(label)}</th><td>{figure}</td></tr>'


def _day(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def station_table(stations: Sequence[Figures]) -> str:
    def only(role: str, s: Figures, cell: str) -> str:
        return cell if role in s.roles else '<td class="n">—</td>'

    rows = [
        [
            escape(s.scope),
            escape(_roles(s)),
            only("kiosk", s, _num(s.circulation.items, "items")),
            only(
                "kiosk",
                s,
                _cell(fr.percent(_rate(s.circulation.items_ok, s.circulation.items)), "success_rate"),
            ),
            only("gate", s, _num(s.gate.alarms, "gate.alarms")),
            only("encoding", s, _num(s.encoding.ok, "encoding.ok")),
        ]
        for s in stations
    ]
    return _table(
        ["Station", "Rôle", "Documents traités", "Réussite", "Alarmes", "Étiquettes encodées"], rows
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- sections ----------------------------------------------------------------------------------------------


def scope_sections(f: Figures, prefix: str, tz: tzinfo) -> str:
    builders = {
        "transactions": transactions,
        "echecs": failures,
        "latences": latencies,
        "piles": stack_reads,
        "lectures": read_attempts,
        "lots": sets,
        "refus": refusals,
        "hors-ligne": offline,
        "portiques": gates,
        "tests-passage": walk_tests,
        "conversion": conversion,
        "erreurs": errors,
    }
    out = []
    for key, title in SECTIONS:
        if prefix and f.roles and not ROLE_SECTIONS[key] & set(f.roles):
            continue  # a station's page shows what its equipment does
        level = "h4" if prefix else "h3"
        out.append(
            f'<section id="{prefix}{key}"><{level}>{escape(title)}</{level}>{builders[key](f)}</section>'
        )
    return "\n".join(out)


def transactions(f: Figures) -> str:
    c = f.circulation
    rows = []
    for kind in KINDS:
        outcomes = c.by_kind.get(kind)
        if not outcomes:
            continue
        rows.append(
            [
                fr.KIND[kind],
                _num(c.total(kind), f"{kind}.total"),
                _num(outcomes["ok"], f"{kind}.ok"),
                _num(outcomes["refused"], f"{kind}.refused"),
                _num(outcomes["error"], f"{kind}.error"),
                _cell(fr.percent(c.success_rate(kind)), f"{kind}.success_rate"),
            ]
        )
    if not rows:
        return _none("Aucune transaction de circulation.")
    chart = charts.bars(
        [(fr.KIND[k], c.success_rate(k) or 0.0) for k in KINDS if c.by_kind.get(k)],
        "Taux de réussite par type",
        fmt=fr.percent,
        maximum=1.0,
    )
    offline = (
        f'<p>Dont <span data-figure="offline_transactions">{c.offline_transactions}</span> transaction(s) '
        "faite(s) hors ligne.</p>"
    )
    return _table(["Type", "Total", "Réussis", "Refusés", "Erreurs", "Réussite"], rows) + chart + offline


def failures(f: Figures) -> str:
    rows = [
        [
            fr.KIND.get(kind, kind),
            fr.OUTCOME.get(outcome, outcome),
            escape(fr.reason(reason)),
            _num(n, f"failure.{kind}.{outcome}.{reason}"),
        ]
        for (kind, outcome, reason), n in sorted(f.circulation.failures.items(), key=lambda kv: -kv[1])
    ]
    if not rows:
        return _none("Aucun échec.")
    return _table(["Type", "Issue", "Motif", "Nombre"], rows)


def latencies(f: Figures) -> str:
    c = f.circulation
    rows = [
        [
            fr.KIND[k],
            _num(d.count, f"latency.{k}.count"),
            _cell(fr.duration_ms(d.median), f"latency.{k}.median_ms", d.median),
            _cell(fr.duration_ms(d.quantile(0.9)), f"latency.{k}.p90_ms", d.quantile(0.9)),
            _cell(fr.duration_ms(d.quantile(0.95)), f"latency.{k}.p95_ms", d.quantile(0.95)),
            _cell(fr.duration_ms(d.maximum), f"latency.{k}.max_ms", d.maximum),
        ]
        for k in ITEM_KINDS
        if (d := c.item_latency.get(k)) is not None and d.count
    ]
    login = _login_latency(c.login_latency)
    if not rows:
        return login or _none("Aucune transaction réussie en ligne à mesurer.")
    out = [
        login,
        "<p>Temps par document (transactions réussies en ligne), de la lecture de l'étiquette à la fin "
        "de l'opération ; dont temps d'attente du SIGB : médiane "
        f'<span data-figure="latency.sigb.median_ms">{fr.duration_ms(c.sigb_latency.median)}</span>.</p>',
        _table(["Type", "Documents", "Médiane", "90e centile", "95e centile", "Maximum"], rows),
    ]
    checkout = c.item_latency.get("checkout")
    if checkout is not None and checkout.count:
        out.append(
            charts.histogram(checkout, "Temps par document des prêts : nombre de prêts par intervalle", "ms")
        )
    size_rows = [
        [
            escape(bucket),
            _num(d.count, f"stack_size.{bucket}.items"),
            _cell(fr.duration_ms(d.median), f"stack_size.{bucket}.median_ms", d.median),
            _cell(fr.duration_ms(d.quantile(0.9)), f"stack_size.{bucket}.p90_ms", d.quantile(0.9)),
            _cell(
                fr.duration_s(c.stack_duration_by_size[bucket].median)
                if bucket in c.stack_duration_by_size
                else "—",
                f"stack_size.{bucket}.session_median_s",
            ),
        ]
        for bucket, d in c.latency_by_stack_size.items()
    ]
    if size_rows:
        out.append("<p>Par taille de pile (étiquettes lues ensemble sur la platine) :</p>")
        out.append(
            _table(
                ["Pile", "Documents", "Médiane / document", "90e centile", "Durée médiane de session"],
                size_rows,
            )
        )
        out.append(
            charts.whiskers(
                [(f"pile de {b}", d) for b, d in c.latency_by_stack_size.items()],
                "Temps par document selon la taille de la pile (médiane / 90e centile)",
                "ms",
            )
        )
    return "".join(out)


def _login_latency(d: Distribution) -> str:
    """One sentence: how long a patron waits between card + PIN and the account screen (SIGB included)."""
    if not d.count:
        return ""
    return (
        "<p>Identification (carte et code, jusqu'à la réponse du SIGB) : "
        f'{_span(fr.integer(d.count), "latency.login.count", d.count)} identifications réussies en ligne, '
        f'médiane {_span(fr.duration_ms(d.median), "latency.login.median_ms", d.median)}, 95e centile '
        f'{_span(fr.duration_ms(d.quantile(0.95)), "latency.login.p95_ms", d.quantile(0.95))}, maximum '
        f'{_span(fr.duration_ms(d.maximum), "latency.login.max_ms", d.maximum)}.</p>'
    )


def stack_reads(f: Figures) -> str:
    r = f.circulation.stack_reads
    if not r.stacks:
        return _none("Aucune pile avec un nombre de documents déclaré (mode pilote de l'automate désactivé).")
    rows = [
        ["Piles avec nombre déclaré", _num(r.stacks, "stack_reads.stacks")],
        ["Tout lu (lus = déclarés)", _num(r.exact, "stack_reads.exact")],
        ["Moins de documents lus que déclarés", _num(r.fewer, "stack_reads.fewer")],
        ["Plus d'étiquettes lues que déclarées", _num(r.more, "stack_reads.more")],
        ["Documents déclarés", _num(r.items_declared, "stack_reads.declared")],
        ["Étiquettes lues", _num(r.tags_read, "stack_reads.read")],
        ["Piles entièrement lues", _cell(fr.percent(_rate(r.exact, r.stacks)), "stack_reads.exact_rate")],
    ]
    return _table(["Mesure", "Valeur"], rows)


def read_attempts(f: Figures) -> str:
    counts = f.circulation.reads_per_tag
    if not counts:
        return _none("Aucune lecture d'étiquette enregistrée.")
    total = sum(counts.values())
    rows = [
        [f"{n} tentative(s)", _num(counts[n], f"reads.{n}"), fr.percent(counts[n] / total)]
        for n in sorted(counts)
    ]
    mean = f.circulation.mean_reads_per_tag
    return (
        _table(["Tentatives", "Étiquettes", "Part"], rows)
        + f'<p>Moyenne : <span data-figure="reads.mean">{fr.decimal(mean, 2)}</span> tentative(s) par '
        "étiquette.</p>"
        + charts.bars(
            [(f"{n} tentative(s)", float(counts[n])) for n in sorted(counts)],
            "Étiquettes selon le nombre de tentatives de lecture",
        )
    )


def sets(f: Figures) -> str:
    c = f.circulation
    if not (c.sets_complete or c.sets_incomplete or c.incomplete_by_policy):
        return _none("Aucun document en plusieurs parties.")
    rows = [
        ["Lots complets traités", _num(c.sets_complete, "sets.complete")],
        ["Lots incomplets", _num(c.sets_incomplete, "sets.incomplete")],
    ]
    policy = {"refuse": "refusés", "accept_with_warning": "acceptés avec avertissement"}
    for name, n in sorted(c.incomplete_by_policy.items()):
        rows.append([f"Lots incomplets {policy.get(name, name)}", _num(n, f"sets.incomplete.{name}")])
    return _table(["Mesure", "Nombre"], rows)


def refusals(f: Figures) -> str:
    refused = f.circulation.refusals
    if not refused:
        return _none("Aucun refus.")
    ordered = sorted(refused.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [[escape(fr.reason(r)), _num(n, f"refusal.{r}")] for r, n in ordered]
    chart = charts.bars(
        [(fr.reason(r), float(n)) for r, n in ordered], "Refus par motif", colour=charts.COLOURS[1]
    )
    return _table(["Motif", "Refus"], rows) + chart


def offline(f: Figures) -> str:
    o = f.offline
    if not o.periods and not o.replay:
        return _none("Aucune période hors ligne.")
    d = o.durations
    rows = [
        ["Périodes hors ligne", _num(len(o.periods), "offline.periods")],
        ["Dont encore en cours à la fin des journaux", _num(o.still_open, "offline.open")],
        ["Durée totale", _cell(fr.duration_s(d.total), "offline.total_s", d.total)],
        ["Durée médiane", _cell(fr.duration_s(d.median), "offline.median_s", d.median)],
        ["Durée maximale", _cell(fr.duration_s(d.maximum), "offline.max_s", d.maximum)],
        ["Transactions mises en attente", _num(o.queued, "offline.queued")],
        ["Transactions rejouées acceptées", _num(o.replay["accepted"], "replay.accepted")],
        ["Transactions rejouées rejetées", _num(o.replay["rejected"], "replay.rejected")],
        ["Taux d'acceptation au rejeu", _cell(fr.percent(o.acceptance), "replay.acceptance")],
        ["Rapprochées avec le SIGB (issue incertaine)", _num(o.reconciled, "replay.reconciled")],
        ["Étiquette en désaccord avec le SIGB après rejet", _num(o.tag_mismatches, "replay.tag_mismatch")],
        [
            "Délai médian avant acceptation",
            _cell(fr.duration_s(o.replay_delay.median), "replay.delay_median_s", o.replay_delay.median),
        ],
    ]
    out = [_table(["Mesure", "Valeur"], rows)]
    causes: dict[str, int] = {}
    for p in o.periods:
        causes[p.cause] = causes.get(p.cause, 0) + 1
    if causes:
        out.append(
            _table(
                ["Cause", "Périodes"],
                [[escape(fr.cause(k)), _num(v, f"offline.cause.{k}")] for k, v in sorted(causes.items())],
            )
        )
    if o.rejected_reasons:
        out.append(
            _table(
                ["Motif de rejet", "Transactions"],
                [
                    [escape(fr.reason(k)), _num(v, f"replay.rejected.{k}")]
                    for k, v in sorted(o.rejected_reasons.items())
                ],
            )
        )
    return "".join(out)


def gates(f: Figures) -> str:
    g = f.gate
    if not (g.alarms or g.entering or g.leaving):
        return _none("Aucune donnée de portique.")
    rows = [
        ["Visiteurs comptés (entrées)", _num(g.entering, "gate.entering")],
        ["Sorties comptées", _num(g.leaving, "gate.leaving")],
        ["Alarmes", _num(g.alarms, "gate.alarms")],
        [
            "Alarmes pour 1 000 visiteurs",
            _cell(fr.decimal(g.per_thousand_visitors), "gate.alarms_per_1000", g.per_thousand_visitors),
        ],
        ["Alarmes vérifiées par le personnel", _num(g.verified, "gate.verified")],
        ["Fausses alarmes", _num(g.false_alarms, "gate.false_alarms")],
        [
            "Fausses alarmes pour 1 000 visiteurs",
            _cell(
                fr.decimal(g.false_per_thousand_visitors),
                "gate.false_per_1000",
                g.false_per_thousand_visitors,
            ),
        ],
        [
            "Part de fausses alarmes (parmi les vérifiées)",
            _cell(fr.percent(g.false_share), "gate.false_share"),
        ],
    ]
    out = [_table(["Mesure", "Valeur"], rows)]
    if g.by_direction:
        out.append(
            _table(
                ["Sens de passage", "Alarmes", "Dont fausses"],
                [
                    [
                        escape(fr.DIRECTION.get(d, d)),
                        _num(g.by_direction[d], f"gate.direction.{d}"),
                        _num(g.false_by_direction[d], f"gate.false_direction.{d}"),
                    ]
                    for d in (*fr.DIRECTION, *sorted(set(g.by_direction) - set(fr.DIRECTION)))
                    if g.by_direction[d]
                ],
            )
        )
    if g.by_cause:
        out.append(
            _table(
                ["Cause de l'alarme", "Alarmes", "Dont fausses"],
                [
                    [
                        escape(fr.cause(k)),
                        _num(v, f"gate.cause.{k}"),
                        _num(g.false_by_cause[k], f"gate.false_cause.{k}"),
                    ]
                    for k, v in sorted(g.by_cause.items(), key=lambda kv: -kv[1])
                ],
            )
        )
    if g.false_by_cause:
        out.append(
            charts.bars(
                [(fr.cause(k), float(v)) for k, v in g.false_by_cause.most_common()],
                "Causes des fausses alarmes",
                colour=charts.COLOURS[1],
            )
        )
    return "".join(out)


def walk_tests(f: Figures) -> str:
    w = f.walk
    if not w.passes:
        return _none("Aucun test de passage.")
    rows = [
        [
            escape(fr.orientation(o)),
            fr.speed(s),
            _num(p, f"walk.{o}.{s:g}.passes"),
            _num(d, f"walk.{o}.{s:g}.detected"),
            _cell(fr.percent(w.rate_of((o, s))), f"walk.{o}.{s:g}.rate"),
        ]
        for (o, s), (p, d) in w.by_condition.items()
    ]
    rows.append(
        [
            "Ensemble",
            "",
            _num(w.passes, "walk.passes"),
            _num(w.detected, "walk.detected"),
            _cell(fr.percent(w.rate), "walk.rate"),
        ]
    )
    chart = charts.bars(
        [(fr.orientation(o), r or 0.0) for o, r in w.rates_by(0).items()],
        "Taux de détection par orientation",
        fmt=fr.percent,
        maximum=1.0,
        colour=charts.COLOURS[2],
    )
    chart += charts.bars(
        [(fr.speed(s), r or 0.0) for s, r in w.rates_by(1).items()],
        "Taux de détection par vitesse",
        fmt=fr.percent,
        maximum=1.0,
        colour=charts.COLOURS[2],
    )
    return _table(["Orientation", "Vitesse", "Passages", "Détectés", "Taux"], rows) + chart


def conversion(f: Figures) -> str:
    e = f.encoding
    if not e.per_operator_day:
        return _none("Aucune donnée de conversion (pas de poste d'encodage dans ces journaux).")
    rows = [
        [
            escape(fr.day(o.day)),
            escape(o.operator),
            _num(o.ok, f"encoding.{o.operator}.{o.day}.ok"),
            _num(o.failed, f"encoding.{o.operator}.{o.day}.failed"),
            _cell(
                fr.decimal(o.items_per_hour, 0), f"encoding.{o.operator}.{o.day}.per_hour", o.items_per_hour
            ),
            _cell(fr.duration_ms(o.median_ms), f"encoding.{o.operator}.{o.day}.median_ms", o.median_ms),
        ]
        for o in e.per_operator_day
    ]
    totals = (
        f'<p>Total : <span data-figure="encoding.ok">{e.ok}</span> étiquette(s) encodée(s), '
        f'<span data-figure="encoding.failed">{e.failed}</span> échec(s) ; débit moyen '
        f'<span data-figure="encoding.per_hour">{fr.decimal(e.mean_items_per_hour, 0)}</span> '
        "documents/heure.</p>"
    )
    out = [
        _table(["Jour", "Opérateur", "Encodées", "Échecs", "Documents/heure", "Temps médian"], rows),
        totals,
    ]
    if e.failures:
        out.append(
            _table(
                ["Motif d'échec", "Nombre"],
                [
                    [escape(fr.reason(k)), _num(v, f"encoding.failure.{k}")]
                    for k, v in sorted(e.failures.items())
                ],
            )
        )
    return "".join(out)


def errors(f: Figures) -> str:
    errs = f.circulation.errors
    if not errs:
        return _none("Aucune erreur technique journalisée.")
    rows = [
        [escape(fr.COMPONENT.get(c, c)), escape(e), _num(n, f"error.{c}.{e}")]
        for (c, e), n in sorted(errs.items(), key=lambda kv: -kv[1])
    ]
    return _table(["Composant", "Erreur", "Nombre"], rows)


def method_section(figures: PilotFigures) -> str:
    from .method import DEFINITIONS

    sources = "".join(f"<li>{escape(s)}</li>" for s in figures.sources)
    migrated = ""
    if figures.migrated:
        migrated = (
            "<p>Journaux d'un schéma plus ancien, lus sur une copie mise à jour : "
            + ", ".join(escape(m) for m in figures.migrated)
            + ".</p>"
        )
    return (
        '<section id="methode"><h2>Méthode et sources</h2>'
        f"<p>Journaux lus :</p><ul>{sources}</ul>{migrated}"
        "<p>Définitions (telles que calculées par <code>kiosk/pilot/figures.py</code>) :</p><dl>"
        + "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in DEFINITIONS)
        + "</dl></section>"
    )


# -- tiny HTML helpers -------------------------------------------------------------------------------------


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _num(value: int, figure: str) -> str:
    return f'<td class="n" data-figure="{escape(figure)}" data-value="{value}">{fr.integer(value)}</td>'


def _cell(text: str, figure: str, value: Any = None) -> str:
    raw = "" if value is None else f' data-value="{value:.3f}"'
    return f'<td class="n" data-figure="{escape(figure)}"{raw}>{escape(text)}</td>'


def _span(text: str, figure: str, value: float | None) -> str:
    raw = "" if value is None else f' data-value="{value:.3f}"'
    return f'<span data-figure="{escape(figure)}"{raw}>{escape(text)}</span>'


def _none(text: str) -> str:
    return f'<p class="none">{escape(text)}</p>'
