"""What the serial item-reader tests share: three labelled books in a field, a driver served by its simulator.

Plain helpers, not fixtures: each test module keeps its own small fixtures (named after its reader) on top.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import iso28560
from drivers import open_reader
from drivers.errors import ReaderGone, ReaderTimeout
from drivers.reader_base import ItemReaderBase
from simulators.readers.base import ReaderSimulator
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid

UIDS = [make_uid(n) for n in (1, 2, 3)]
BOOK = iso28560.encode(iso28560.TagData("29900012345", owner_institution="FR-751131015"))
TRANSPORTS = ["pty", "tcp", "url"]


def books_field() -> RFField:
    """A field holding the three tags of ``UIDS``, each encoded as ``BOOK``."""
    field = RFField()
    for uid in UIDS:
        field.place(SlixTag(uid, BOOK.memory))
    return field


@contextmanager
def served(simulator: ReaderSimulator, transport: str,
           **options: Any) -> Iterator[tuple[ItemReaderBase, ReaderSimulator]]:
    """The ``simulator.protocol`` driver on ``simulator`` served over ``transport``; both closed after."""
    try:
        reader = open_reader(simulator.protocol, simulator.serve(transport).port, **options)
        try:
            yield reader, simulator
        finally:
            reader.close()
    finally:
        simulator.close()


def check_unplug_and_replug(reader: ItemReaderBase, simulator: ReaderSimulator, within: float = 5.0) -> None:
    """The driver fails while the reader is unplugged, then reconnects by itself within ``within`` seconds."""
    assert len(reader.inventory()) == 3
    simulator.unplug()
    with pytest.raises((ReaderGone, ReaderTimeout)):
        reader.inventory()
    simulator.replug()
    deadline = time.monotonic() + within
    while True:
        try:
            assert len(reader.inventory()) == 3
            return
        except (ReaderGone, ReaderTimeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
