"""Circulation speed: checkout stacks against their floor, durable enqueue rate, offline replay rate.

1. **Stacks of 1, 5 and 10 items**, with the RF field's air-time model on (the simulator paces every
   ISO 15693 exchange in real time) and a configured SIGB latency per SIP2 reply. The kiosk time runs from
   the moment the stack is on the pad until every row is final. The *floor* is measured in the same process
   on a fresh copy of the same set-up, doing only what any kiosk must do, back to back, with the same driver
   and SIP2 client: one inventory, then per item: read the tag, SIP2 checkout, write the AFI (driver
   read-back verify) and reset EAS. Ratio = kiosk / floor (target <= 1.10): it is the cost of everything
   else (intent log, journal, models, sets, classification).
2. **Durable enqueue**: offline checkouts committed (WAL, synchronous=FULL, one fsync each) per second.
3. **Replay**: a 10,000-transaction offline queue replayed to the simulated SIGB over SIP2/TCP through the
   kiosk's adapter (target >= 500 transactions/s).

    python benchmarks/bench_circulation.py [--latency 0.02] [--replay 10000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from iso28560.model import AFI_ON_LOAN
from kiosk.demo import Demo

PATRON = "patron_no_loans"
NO_KEEPALIVE = {"keepalive_interval": 0.0}


def stack_items(demo: Demo, n: int) -> list:
    lib = demo.sigb.library
    barcodes = sorted(
        b
        for b, i in lib.items.items()
        if i.circulation_status == 3
        and not i.holds
        and i.status == "available"
        and lib.media_rule(i).max_loans is None
    )[:n]
    return [demo.item(b) for b in barcodes]


def kiosk_time(workdir: Path, n: int, latency: float) -> tuple[float, int]:
    config = {"sets": {"wait_seconds": 0.0}, "reader": {"poll_interval": 0.01}}
    with Demo(workdir, airtime=True, config=config, client_options=NO_KEEPALIVE) as demo:
        station = demo.station
        station.open()
        card = demo.patron(PATRON)
        assert station.identify(card, demo.pin(card)).result()
        items = stack_items(demo, n)
        demo.sigb.faults.latency = latency
        demo.place(*items)
        started = time.perf_counter()
        while True:
            station.step()
            rows = list(station.session.items)
            if len(rows) == n and all(r.status.terminal for r in rows):
                break
        elapsed = time.perf_counter() - started
        borrowed = sum(1 for r in rows if r.status.value == "borrowed")
        station.finish().result()
        return elapsed, borrowed


def floor_time(workdir: Path, n: int, latency: float) -> float:
    from sip2.client import ClientConfig, SIP2Client

    with Demo(workdir, airtime=True, client_options=NO_KEEPALIVE, station_queue=False, journal=False) as demo:
        options = {**demo.config.sigb.client_options(), **demo.client_options}
        client = SIP2Client(ClientConfig(**options)).connect()
        card = demo.patron(PATRON)
        pin = demo.pin(card)
        items = stack_items(demo, n)
        reader = demo.reader
        demo.sigb.faults.latency = latency
        demo.place(*items)
        try:
            started = time.perf_counter()
            uids = [tag.uid for tag in reader.inventory()]
            for uid in uids:
                read = reader.read_tag(uid)
                response = client.checkout(card, read.decoded.primary_item_identifier, pin=pin)
                assert response.ok, response.screen_messages
                reader.write_afi(uid, AFI_ON_LOAN, verify=True)
                reader.eas_reset(uid)
            return time.perf_counter() - started
        finally:
            client.close()


def enqueue_rate(workdir: Path, count: int) -> float:
    from offline_queue import OfflineQueue

    with OfflineQueue(workdir / "enqueue.db", station_id="bench") as queue:
        started = time.perf_counter()
        for i in range(count):
            queue.enqueue("checkout", f"3066{i:010d}", "20660000000015", tag_secured=False)
        return count / (time.perf_counter() - started)


def replay_rate(workdir: Path, count: int) -> tuple[float, object]:
    from kiosk.circulation.replay import Sip2ReplayAdapter
    from kiosk.circulation.sigb import SigbLink
    from offline_queue import OfflineQueue

    with Demo(workdir, client_options=NO_KEEPALIVE, station_queue=False, journal=False) as demo:
        lib = demo.sigb.library
        items = sorted(
            b
            for b, i in lib.items.items()
            if i.circulation_status == 3 and not i.holds and i.status == "available"
        )
        card = demo.patron(PATRON)
        with OfflineQueue(workdir / "replay.db", station_id="bench") as queue:
            when = datetime.now(UTC)
            with queue.atomic():  # filling the queue is not what is measured
                for i in range(count // 2):
                    item = items[i % len(items)]
                    queue.enqueue("checkout", item, card, when=when)
                    queue.enqueue("checkin", item, when=when)
            link = SigbLink(demo.client_factory())
            adapter = Sip2ReplayAdapter(link)
            started = time.perf_counter()
            report = queue.replay(adapter.send, adapter.reconcile)
            elapsed = time.perf_counter() - started
            link.close()
            return report.accepted / elapsed, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.02, help="SIGB reply latency in seconds (0.02)")
    parser.add_argument("--replay", type=int, default=10_000, help="transactions to replay (10000)")
    parser.add_argument("--enqueue", type=int, default=2_000, help="offline transactions to enqueue (2000)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="borne-bench-") as tmp:
        root = Path(tmp)
        print(f"checkout stacks (air time on, SIGB latency {args.latency * 1000:.0f} ms per reply)")
        print(f"  {'items':>5} {'kiosk s':>9} {'floor s':>9} {'ratio':>7}  (target <= 1.10)")
        for n in (1, 5, 10):
            kiosk, borrowed = kiosk_time(root / f"kiosk{n}", n, args.latency)
            floor = floor_time(root / f"floor{n}", n, args.latency)
            assert borrowed == n, f"only {borrowed} of {n} borrowed"
            print(f"  {n:>5} {kiosk:>9.3f} {floor:>9.3f} {kiosk / floor:>7.2f}")
        rate = enqueue_rate(root, args.enqueue)
        print(f"durable enqueue: {rate:,.0f} transactions/s ({args.enqueue} enqueues, one fsync each)")
        rate, report = replay_rate(root, args.replay)
        print(
            f"replay: {rate:,.0f} transactions/s (target >= 500): {report.accepted} accepted, "
            f"{report.rejected} rejected, drained={report.drained}, {report.elapsed_s:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
