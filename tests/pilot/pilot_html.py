"""Reads the ``data-figure`` cells of a pilot report, by scope (network or station) and section."""

from __future__ import annotations

from html.parser import HTMLParser

from kiosk.pilot.render import SECTIONS

SECTION_KEYS = [key for key, _ in SECTIONS]


class Figures(HTMLParser):
    """``figures[(scope, section)][name] = value`` (scope None = the whole network or the summary)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: dict[tuple[str | None, str], dict[str, str]] = {}
        self.sections: set[tuple[str | None, str]] = set()
        self._scope: str | None = None
        self._section = ""
        self._pending: tuple[str, str | None] | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details" and a.get("data-station"):
            self._scope = a["data-station"]
        if tag == "section" and a.get("id"):
            self._section = a["id"].split("-", 2)[-1] if a["id"].startswith("station-") else a["id"]
            self.sections.add((self._scope, self._section))
        if a.get("data-figure"):
            self._pending = (a["data-figure"], a.get("data-value"))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._pending is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._scope = None
        if self._pending is not None and tag in ("td", "span", "b"):
            name, value = self._pending
            self.figures.setdefault((self._scope, self._section), {})[name] = (
                value if value is not None else "".join(self._text).strip()
            )
            self._pending = None

    def get(self, scope: str | None, section: str, name: str, default: str | None = None) -> str | None:
        return self.figures.get((scope, section), {}).get(name, default)

    def number(self, scope: str | None, section: str, name: str) -> float:
        value = self.get(scope, section, name)
        assert value is not None, f"no figure {name!r} in {section} of {scope or 'the network'}"
        return float(value)
