"""Every item reader driver is shared safely between a background inventory loop and foreground commands.

The FEIG driver has its own test; this one runs the same pattern on the 3M and TRF7970A drivers, whose
replies (binary frames, ASCII text records) would interleave on the wire if two threads talked at once.
"""

from __future__ import annotations

import threading

import pytest

from simulators.readers import simulated_reader
from simulators.rf import RFField
from simulators.tags import SlixTag, make_uid


@pytest.mark.parametrize("protocol", ["feig", "3m", "trf7970a"])
def test_background_inventory_and_foreground_commands(protocol: str) -> None:
    field = RFField()
    uids = [make_uid(n + 10) for n in range(5)]
    for n, uid in enumerate(uids):
        field.place(SlixTag(uid, bytes([n]) * 16))
    errors: list[BaseException] = []
    with simulated_reader(field, protocol=protocol, transport="pty",
                          driver_options={"timeout": 0.5}) as reader:
        def background_inventory() -> None:
            try:
                for _ in range(20):
                    assert sorted(t.uid for t in reader.inventory()) == sorted(uids)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=background_inventory)
        thread.start()
        try:
            for n in range(20):
                uid = uids[n % 5]
                assert reader.read_blocks(uid, 0, 4).data == bytes([n % 5]) * 16
                reader.write_afi(uid, 0xC2 if n % 2 else 0x07)
        finally:
            thread.join()
    assert errors == []
