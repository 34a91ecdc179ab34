"""Throughput of the ISO 28560 codec for a typical French library tag.

A gate sees dozens of tags per second per antenna and a kiosk decodes every
inventory round, so decoding must cost far less than the air interface. This
script measures, on one core, decodes/s and encodes/s for a typical French tag
(13-digit barcode, owner ``FR-…`` ISIL, set 1/1, type of usage 0x10) as a full
ICODE SLIX read (112 bytes) in ISO 28560-2 and ISO 28560-3, each against a
baseline measured in the same process: one ``bytes.hex()`` + ``bytes.fromhex()``
round-trip of the same memory (the least any driver does with a tag read).

Targets (issue 2): >= 50,000 part-2 decodes/s and >= 150,000 part-3 decodes/s.

Run: ``python benchmarks/bench_iso28560.py [--seconds 1.0]``; exit status 1 if a
decode target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from iso28560 import TAG_MEMORY, TagData, decode, encode

TARGETS = {"iso28560-2": 50_000, "iso28560-3": 150_000}
SAMPLES = 1000  # distinct tags, so nothing can be served from a cache


def french_tags(count: int = SAMPLES) -> list[TagData]:
    return [TagData(primary_item_identifier=f"{2_000_000_000_000 + 7919 * i:013d}",
                    owner_institution=f"FR-{751_130_000 + i % 36:09d}",
                    parts_in_item=1, part_number=1, type_of_usage=0x10) for i in range(count)]


def rate(action: Callable[[object], object], items: Sequence[object], seconds: float) -> float:
    """Best-of-three operations per second of ``action`` over ``items``."""
    best = 0.0
    for _ in range(3):
        done = 0
        start = time.perf_counter()
        deadline = start + seconds / 3
        while time.perf_counter() < deadline:
            for item in items:
                action(item)
            done += len(items)
        best = max(best, done / (time.perf_counter() - start))
    return best


def hex_round_trip(memory: bytes) -> bytes:
    return bytes.fromhex(memory.hex())


def measure(fmt: str, seconds: float) -> dict[str, float]:
    tags = french_tags()
    size = TAG_MEMORY["slix"]
    images = [encode(tag, format=fmt, include_set=True).memory for tag in tags]
    reads = [image + bytes(size - len(image)) for image in images]
    assert all(decode(read).format == fmt for read in reads[:50])
    return {
        "baseline": rate(hex_round_trip, reads, seconds),
        "decode": rate(decode, reads, seconds),
        "encode": rate(lambda tag: encode(tag, format=fmt, include_set=True), tags, seconds),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="time per measurement (default 1.5)")
    args = parser.parse_args(argv)
    print(f"ISO 28560 codec, typical French tag, {SAMPLES} distinct tags, one core")
    print(f"{'format':<12}{'op':<8}{'ops/s':>12}{'x baseline':>12}{'target':>10}  verdict")
    missed = False
    for fmt, target in TARGETS.items():
        figures = measure(fmt, args.seconds)
        baseline = figures["baseline"]
        print(f"{fmt:<12}{'hex rt':<8}{baseline:>12,.0f}{1.0:>12.2f}{'':>10}  (bytes.hex + fromhex)")
        for op in ("decode", "encode"):
            value = figures[op]
            goal = target if op == "decode" else None
            verdict = "" if goal is None else ("ok" if value >= goal else "MISSED")
            missed |= verdict == "MISSED"
            goal_text = f"{goal:,}" if goal else "-"
            print(f"{fmt:<12}{op:<8}{value:>12,.0f}{value / baseline:>12.3f}{goal_text:>10}  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
