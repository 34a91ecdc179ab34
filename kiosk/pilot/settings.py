"""``[pilot]``: what the kiosk does for the pilot evaluation.

``ask_items_declared = true`` asks the patron, at the end of each stack, how many items they put on the pad;
the view passes the answer to ``Station.declare_items(n)`` and the journal keeps it next to the number of
tags read, for the report's "stack reads" section. Off by default (one more question for every patron).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Table, register_section


@dataclass(frozen=True, slots=True)
class PilotSection:
    ask_items_declared: bool = False

    @classmethod
    def from_table(cls, t: Table) -> PilotSection:
        return cls(ask_items_declared=t.bool("ask_items_declared", False))


register_section("pilot", PilotSection.from_table)
