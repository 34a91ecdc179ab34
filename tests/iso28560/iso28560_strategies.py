"""Hypothesis strategies for tag content shared by the iso28560 tests."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from iso28560 import TagData

PII_ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F))
ISIL_ALPHABET = string.ascii_letters + string.digits + "-/:"


def piis(max_size: int = 32) -> st.SearchStrategy[str]:
    return st.text(PII_ALPHABET, min_size=1, max_size=max_size) | st.from_regex(r"\A[1-9][0-9]{0,18}\Z")


@st.composite
def isils(draw: st.DrawFn, country_only: bool = False, max_identifier: int = 11) -> str:
    if country_only:
        prefix = draw(st.text(string.ascii_uppercase, min_size=2, max_size=2))
    else:
        prefix = draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=4))
    limit = min(max_identifier, 15 - len(prefix))
    return f"{prefix}-{draw(st.text(ISIL_ALPHABET, min_size=1, max_size=limit))}"


def texts(max_size: int = 24) -> st.SearchStrategy[str | None]:
    return st.none() | st.text(min_size=1, max_size=max_size)


@st.composite
def part2_data(draw: st.DrawFn) -> TagData:
    parts = draw(st.integers(1, 999))
    return TagData(
        primary_item_identifier=draw(piis()),
        owner_institution=draw(st.none() | isils()),
        parts_in_item=parts,
        part_number=draw(st.integers(1, parts)),
        type_of_usage=draw(st.none() | st.integers(0, 255)),
        shelf_location=draw(texts()),
        title=draw(texts(40)),
        ill_borrowing_institution=draw(st.none() | isils()),
        local_data_c=draw(texts()),
        supplier_identifier=draw(texts()),
    )
