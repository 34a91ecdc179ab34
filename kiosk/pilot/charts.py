"""Small charts as inline SVG, written by hand: the report stays one self-contained file with no plotting
dependency, and prints and zooms sharply.

Three shapes cover the report: horizontal bars (counts or rates per label), a histogram (a latency sample)
and bars with a whisker (median and 90th percentile per group). Coordinates are written with one decimal
and a comma between x and y, so no long run of digits can appear in the markup (the privacy check scans
the whole file for card-number-like digit runs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from .figures import Distribution

WIDTH = 640.0
BAR_HEIGHT = 18.0
GAP = 6.0
MIN_LABEL_WIDTH, MAX_LABEL_WIDTH = 110.0, 290.0
VALUE_WIDTH = 90.0
COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#975a16")


def _n(value: float) -> str:
    return f"{value:.1f}"


def _svg(height: float, body: list[str], title: str) -> str:
    """The chart in a figure whose caption is the title (an SVG ``<title>`` alone is only a tooltip)."""
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg class="chart" role="img" viewBox="0,0,{_n(WIDTH)},{_n(height)}" '
        f'width="{_n(WIDTH)}" height="{_n(height)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg></figure>"
    )


def _label_width(labels: Sequence[str]) -> float:
    """Room for the longest label (about 6.6 px a character at 12 px), within bounds."""
    return min(MAX_LABEL_WIDTH, max(MIN_LABEL_WIDTH, 10 + 6.6 * max((len(t) for t in labels), default=0)))


def _fit(label: str, width: float) -> str:
    room = round((width - 10) / 6.6)
    return label if len(label) <= room else label[: max(room - 1, 1)] + "…"


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.0))}" height="{_n(h)}" fill="{colour}"/>'


def bars(
    rows: Sequence[tuple[str, float]],
    title: str,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    maximum: float | None = None,
    colour: str = COLOURS[0],
) -> str:
    """Horizontal bars, one per (label, value); ``maximum`` fixes the scale (1.0 for rates)."""
    if not rows:
        return ""
    top = maximum if maximum is not None else max(v for _, v in rows) or 1.0
    left = _label_width([label for label, _ in rows])
    span = WIDTH - left - VALUE_WIDTH
    body: list[str] = []
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        body.append(_text(left - 6, y + BAR_HEIGHT - 5, _fit(label, left), "end"))
        body.append(_rect(left, y, span * (value / top if top else 0.0), BAR_HEIGHT, colour))
        body.append(_text(left + span * min(value / top, 1.0) + 4, y + BAR_HEIGHT - 5, fmt(value)))
    return _svg(GAP + len(rows) * (BAR_HEIGHT + GAP), body, title)


def histogram(sample: Distribution, title: str, unit: str, bins: int = 12) -> str:
    """Vertical bars counting the sample per interval; the last bin holds everything above the 99th
    percentile so one slow outlier does not flatten the picture."""
    if not sample.count:
        return ""
    low = sample.values[0]
    high = sample.quantile(0.99) or low
    if high <= low:
        high = low + 1.0
    step = (high - low) / bins
    counts = [0] * bins
    for value in sample.values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    height, base, left = 180.0, 150.0, 40.0
    width = (WIDTH - left - 10) / bins
    tallest = max(counts) or 1
    body = [f'<line x1="{_n(left)}" y1="{_n(base)}" x2="{_n(WIDTH - 10)}" y2="{_n(base)}" stroke="#444"/>']
    for i, count in enumerate(counts):
        h = (base - 20) * count / tallest
        body.append(_rect(left + i * width + 1, base - h, width - 2, h, COLOURS[0]))
        if count:
            body.append(_text(left + (i + 0.5) * width, base - h - 3, str(count), "middle", 10))
    for i, anchor in ((0, "start"), (bins // 2, "middle"), (bins, "end")):
        body.append(_text(left + i * width, base + 16, f"{_short(low + i * step)} {unit}", anchor, 11))
    return _svg(height, body, title)


def whiskers(rows: Sequence[tuple[str, Distribution]], title: str, unit: str) -> str:
    """Median bar with a 90th-percentile whisker per group (e.g. per stack size)."""
    rows = [(label, d) for label, d in rows if d.count]
    if not rows:
        return ""
    top = max((d.quantile(0.9) or 0.0) for _, d in rows) or 1.0
    left = _label_width([label for label, _ in rows])
    span = WIDTH - left - VALUE_WIDTH
    body: list[str] = []
    for i, (label, d) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        median, p90 = d.median or 0.0, d.quantile(0.9) or 0.0
        body.append(_text(left - 6, y + BAR_HEIGHT - 5, _fit(label, left), "end"))
        body.append(_rect(left, y + 3, span * median / top, BAR_HEIGHT - 6, COLOURS[1]))
        x90 = left + span * p90 / top
        body.append(
            f'<line x1="{_n(left + span * median / top)}" y1="{_n(y + BAR_HEIGHT / 2)}" '
            f'x2="{_n(x90)}" y2="{_n(y + BAR_HEIGHT / 2)}" stroke="#333"/>'
            f'<line x1="{_n(x90)}" y1="{_n(y + 2)}" x2="{_n(x90)}" '
            f'y2="{_n(y + BAR_HEIGHT - 2)}" stroke="#333"/>'
        )
        body.append(_text(x90 + 4, y + BAR_HEIGHT - 5, f"{_short(median)} / {_short(p90)} {unit}"))
    return _svg(GAP + len(rows) * (BAR_HEIGHT + GAP), body, title)


def _short(value: float) -> str:
    """A compact number with the French decimal comma."""
    if value == 0 or not math.isfinite(value):
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return (f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}").replace(".", ",")
