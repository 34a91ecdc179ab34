"""Encoding desk speed: time per tag against the ISO 15693 air-time floor, and items per hour at the desk.

Part 1 — per tag. The demo desk (real FEIG driver ↔ FEIG simulator over the ``simreader://`` URL transport,
RF field with the air-time model on: the simulator sleeps for the air time of every tag exchange) handles
one tag per case; the time runs from the start of the inventory that detects the tag to the end of the
verified write (the station's own measurement, journaled as the duration). The floor is the ISO 15693 air
time of the exchanges a verified write of *that* tag cannot do without (``simulators.airtime``):

    inventory (1 tag) + system information + read of every user block with lock status
    + write DSFID / AFI (when they differ) + set EAS (when the network uses it)
    + one Write Single Block per block that differs
    + read-back: system information (when DSFID/AFI were written) + the written blocks + EAS check
    + one Lock Block per block to lock (lock policy)

Ratio = measured / floor (target <= 1.10): what the station, the FEIG protocol, the transport and Python add
on top of the air. The air time the simulated field accounted for the same calls is printed alongside as a
check that the floor counts the exchanges actually made.

Part 2 — items per hour with scripted staff actions. A desk runs on its worker thread (pad polled every
``--poll`` s, SIP2 look-up of every barcode against the simulated SIGB with ``--sigb-latency``) while a
script plays the staff: scan the barcode, place the tag ``--place`` s later, wait for the success signal,
take the item away ``--lift`` s later, next item. Every fourth item carries an old ISO 28560-3 tag of its own
barcode (migration), the others blank tags. Items/hour = items / wall time (target >= 600). The station's
share (scan to success signal minus the scripted placing delay) is printed, and what the rate would be with
the same staff delays and an instantaneous station, as the baseline measured in the same run.

    python benchmarks/bench_encoding.py [--repeat 10] [--items 12] [--place 1.0] [--lift 1.2]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from iso28560 import TagData, encode
from kiosk.encoding.demo import DemoDesk
from kiosk.encoding.runner import StationRunner
from kiosk.encoding.samples import part3_memory, three_m_memory
from simulators import airtime

TARGET_RATIO = 1.10
TARGET_RATE = 600.0
OWNER = "FR-660010101"


def eas_check_time() -> float:
    """NXP EAS Alarm addressed to one tag (flags, command, manufacturer, UID; 256-bit answer)."""
    return airtime.transaction_time(3 + 8, 1 + 32)


def plan_floor(plan: Any, uid: bytes, block_count: int, eas_checked: bool) -> float:
    """Air-time floor of a verified write following ``plan`` (see the module docstring)."""
    floor = airtime.inventory_time(1, uids=[uid]) + airtime.system_info_time()
    floor += airtime.read_blocks_time(block_count, security_status=True)
    if eas_checked:
        floor += eas_check_time()
    registers = (plan.dsfid is not None) + (plan.afi is not None)
    floor += registers * airtime.write_afi_time()  # Write DSFID has the same length as Write AFI
    if plan.eas:
        floor += airtime.eas_set_time() + eas_check_time()
    floor += airtime.write_blocks_time(plan.blocks_written)
    if registers:
        floor += airtime.system_info_time()
    if plan.verify_blocks:
        floor += airtime.read_blocks_time(plan.verify_blocks, security_status=True)
    floor += plan.blocks_locked * airtime.lock_time()
    return floor


Case = tuple[str, dict[str, Any], Callable[[DemoDesk, str], Any]]

CASES: list[Case] = [
    ("blank tag (factory: AFI/DSFID 0, EAS off)", {}, lambda d, b: d.blank_tag()),
    ("blank tag, lock identifier + owner", {"encoding": {"lock": "identifier_and_owner"}},
     lambda d, b: d.blank_tag()),
    ("migrate ISO 28560-3 (with title block)", {},
     lambda d, b: d.blank_tag(part3_memory(b, OWNER, variant="with-title"), afi=0x07, dsfid=0x3E)),
    ("migrate 3M RFID 501", {}, lambda d, b: d.blank_tag(three_m_memory(b), afi=0xD7)),
    ("already encoded (read, EAS check)", {},
     lambda d, b: d.blank_tag(encode(TagData(b, owner_institution=OWNER, type_of_usage=0x10), memory=112,
                                     include_set=True).memory, afi=0x07, dsfid=0x06, eas=True)),
]


def per_tag(repeat: int) -> float:
    print("Part 1 — time per tag, detection to verified write, FEIG driver <-> simulator, air-time model on")
    print(f"{'case':<42} {'measured':>9} {'floor':>8} {'field air':>9} {'ratio':>6}  blocks w/l")
    worst = 0.0
    for label, config, make in CASES:
        with DemoDesk(airtime=True, lookup=False, config=config) as desk:
            measured, floors, airs = [], [], []
            for n in range(repeat + 1):
                barcode = desk.item(n)
                tag = make(desk, barcode)
                desk.station.scan(barcode)
                desk.place(tag)
                before = desk.field.air_time
                desk.station.poll()
                result = desk.station.last_result
                if not result.ok:
                    raise SystemExit(f"{label}: {result.outcome} {result.code}")
                plan = desk.station.last_plan
                if n:  # the first run warms up the transport and the codecs
                    measured.append(result.seconds)
                    airs.append(desk.field.air_time - before)
                    checked = result.outcome == "already_done"
                    floors.append(plan_floor(plan, tag.uid, tag.block_count, checked))
                desk.remove(tag)
                desk.station.poll()
        wall, floor, air = statistics.median(measured), statistics.median(floors), statistics.median(airs)
        ratio = wall / floor
        worst = max(worst, ratio)
        print(f"{label:<42} {wall * 1000:7.1f}ms {floor * 1000:6.1f}ms {air * 1000:7.1f}ms {ratio:6.3f}  "
              f"{plan.blocks_written}/{plan.blocks_locked}")
    verdict = "OK" if worst <= TARGET_RATIO else "ABOVE TARGET"
    print(f"worst ratio {worst:.3f} (target <= {TARGET_RATIO:.2f}): {verdict}")
    return worst


def desk_rate(items: int, place: float, lift: float, poll: float, sigb_latency: float) -> float:
    print(f"\nPart 2 — items/hour with scripted staff actions ({items} items; place {place:.1f} s after the "
          f"scan, lift {lift:.1f} s after the signal; pad polled every {poll:.2f} s; SIGB latency "
          f"{sigb_latency * 1000:.0f} ms)")
    with DemoDesk(airtime=True, config={"reader": {"poll_interval": poll}}) as desk:
        desk.sigb.faults.latency = sigb_latency
        signalled = threading.Event()
        desk.station.events.feedback.connect(lambda event: event.value.ok and signalled.set())
        runner = StationRunner(desk.station, poll_interval=poll).start()
        station_share = []
        outcomes = []
        try:
            started = time.perf_counter()
            for n in range(items):
                barcode = desk.item(40 + n)
                memory, dsfid = (part3_memory(barcode, OWNER), 0x3E) if n % 4 == 3 else (b"", 0x00)
                tag = desk.blank_tag(memory, dsfid=dsfid, afi=0x07 if memory else 0x00)
                signalled.clear()
                scanned = time.perf_counter()
                runner.submit(desk.station.scan, barcode).result()
                time.sleep(place)
                desk.place(tag)
                if not signalled.wait(10):
                    raise SystemExit(f"item {n}: no success signal ({desk.station.message.render('en')})")
                station_share.append(time.perf_counter() - scanned - place)
                outcomes.append(desk.station.last_result.outcome)
                time.sleep(lift)
                desk.remove(tag)
            elapsed = time.perf_counter() - started
        finally:
            runner.stop()
    rate = items * 3600 / elapsed
    staff_only = 3600 / (place + lift)
    share = statistics.mean(station_share)
    print(f"{items} items in {elapsed:.1f} s: {rate:.0f} items/hour (target >= {TARGET_RATE:.0f}); "
          f"{outcomes.count('encoded')} encoded, {outcomes.count('migrated')} migrated")
    print(f"station share per item (scan look-up, detection latency, read, write, verify): "
          f"{share * 1000:.0f} ms mean, {max(station_share) * 1000:.0f} ms max")
    print(f"baseline, same staff delays with an instantaneous station: {staff_only:.0f} items/hour; "
          f"ratio {rate / staff_only:.3f}")
    print(f"items/hour {'OK' if rate >= TARGET_RATE else 'BELOW TARGET'}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="tags per case in part 1 (10)")
    parser.add_argument("--items", type=int, default=10, help="items in part 2 (10)")
    parser.add_argument("--place", type=float, default=1.5, help="seconds from scan to tag on the pad (1.5)")
    parser.add_argument("--lift", type=float, default=2.5,
                        help="seconds from the signal to the next item (2.5)")
    parser.add_argument("--poll", type=float, default=0.05, help="pad poll interval in part 2 (0.05)")
    parser.add_argument("--sigb-latency", type=float, default=0.02, help="simulated SIGB latency (0.02 s)")
    args = parser.parse_args()
    per_tag(args.repeat)
    desk_rate(args.items, args.place, args.lift, args.poll, args.sigb_latency)


if __name__ == "__main__":
    main()
