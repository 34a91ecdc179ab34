"""Child process for the durability tests (run as a script; the parent kills it with SIGKILL).

    oq_child.py enqueue QUEUE COUNT               print each id as soon as enqueue() returns
    oq_child.py replay QUEUE SIGB BATCH KILL_AT   replay; SIGKILL itself right after the SIGB applied
                                                  transaction number KILL_AT (0: never), before the reply
    oq_child.py slow-replay QUEUE SIGB BATCH      replay with a slow sender, to be killed at a random time
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from oq_helpers import FileSIGB

from offline_queue import OfflineQueue, Replayer


def enqueue(queue_path: str, count: int) -> None:
    queue = OfflineQueue(queue_path, station_id="K-child")
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for k in range(count):
        txn_id = queue.enqueue("checkout", f"ITEM{k:06d}", f"PAT{k:05d}X", when=when,
                               due_date=when + timedelta(days=21), tag_secured=False)
        print(txn_id, flush=True)


def replay(queue_path: str, sigb_path: str, batch: int, kill_at: int, delay: float = 0.0) -> None:
    queue, sigb = OfflineQueue(queue_path, station_id="K-child"), FileSIGB(Path(sigb_path))
    applied = 0

    def sender(txn):  # type: ignore[no-untyped-def]
        nonlocal applied
        result = sigb.send(txn)
        applied += 1
        if applied == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if delay:
            time.sleep(delay)
        return result

    print("ready", flush=True)
    report = Replayer(queue, sender, sigb.reconcile, batch_size=batch).run()
    print(f"done {report.accepted}", flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "enqueue":
        enqueue(args[0], int(args[1]))
    elif mode == "replay":
        replay(args[0], args[1], int(args[2]), int(args[3]))
    elif mode == "slow-replay":
        replay(args[0], args[1], int(args[2]), 0, delay=0.0005)
