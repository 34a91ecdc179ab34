"""``borne encode --migrate``: legacy tags placed one after another on a FEIG reader served over TCP are
re-encoded to the network profile from the command line, keeping identifier and set information."""

from __future__ import annotations

import os
import sys
import threading
import time

from iso28560 import decode
from kiosk.cli import main
from kiosk.encoding.samples import part3_memory, three_m_memory
from simulators.tags import SlixTag, make_uid

from .test_cli import feig_over_tcp, write_config

__all__ = ["feig_over_tcp"]  # the fixture, for pytest


def test_migrate_mode_in_the_terminal(capsys, monkeypatch, tmp_path, sigb, feig_over_tcp) -> None:
    field, port = feig_over_tcp
    config = write_config(tmp_path, port, sigb)
    tags = [
        SlixTag(make_uid(0x4000), three_m_memory("30660000000013").ljust(112, b"\0"), afi=0xD7, dsfid=0x00),
        SlixTag(make_uid(0x4001), part3_memory("30660000000021", "FR-660010101", parts=2, part=2)
                .ljust(112, b"\0"), afi=0x07, dsfid=0x3E),
    ]
    read_end, write_end = os.pipe()  # standard input that stays open while staff place the tags
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, encoding="utf-8"))

    def migrated(tag: SlixTag) -> bool:
        return decode(bytes(tag.memory), tag.dsfid).format == "iso28560-2"

    def staff() -> None:
        for tag in tags:
            field.place(tag)
            deadline = time.monotonic() + 10
            while not migrated(tag) and time.monotonic() < deadline:
                time.sleep(0.02)
            field.remove(tag.uid)
        time.sleep(0.3)
        os.close(write_end)

    helper = threading.Thread(target=staff, daemon=True)
    helper.start()
    assert main(["encode", "--config", str(config), "--migrate", "--headless"]) == 0
    helper.join(5)
    decoded = [decode(bytes(t.memory), t.dsfid) for t in tags]
    assert [d.format for d in decoded] == ["iso28560-2", "iso28560-2"]
    assert [d.data.primary_item_identifier for d in decoded] == ["30660000000013", "30660000000021"]
    assert (decoded[1].data.parts_in_item, decoded[1].data.part_number) == (2, 2)
    assert all((t.afi, t.dsfid) == (0x07, 0x06) for t in tags)
    out = capsys.readouterr().out
    assert "STATS" in out
