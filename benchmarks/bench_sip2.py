"""SIP2 speed: codec encodes/decodes per second and checkout round trips per second over loopback.

Run: ``python benchmarks/bench_sip2.py`` (``--quick`` for a smoke run). The exit status is 1 when a target is
missed (``--no-fail``: always 0, for a smoke run on a loaded machine). Figures are printed with two ratios:
against the issue's target, and against a baseline measured in the same process on the same machine, so a
slow or busy machine shows up in both numbers instead of hiding a regression.

- codec baseline: the least any SIP2 parser must do (decode the bytes, split on '|', dict of code -> value;
  no checksum, no types, no validation);
- round-trip baseline: a bare TCP ping-pong of the same frame sizes over loopback between two threads
  (no SIP2 at all): the floor for one request/response on this machine.

Targets (issue 3): >= 80,000 checkout-response decodes/s; >= 2,000 checkout round trips/s on one connection
against the simulated SIGB.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sip2 import codec
from sip2 import messages as m

DECODE_TARGET = 80_000
ROUND_TRIP_TARGET = 2_000
WHEN = datetime(2024, 3, 1, 10, 15, 30)


def samples() -> dict[str, m.Message]:
    checkout_request = m.CheckoutRequest(
        transaction_date=WHEN, institution_id="RESEAU", patron_id="20660000000015", item_id="30660000000336",
        terminal_password="", patron_password="1234")
    checkout_response = m.CheckoutResponse(
        ok=True, renewal_ok=False, magnetic_media=False, desensitize=True, transaction_date=WHEN,
        institution_id="RESEAU", patron_id="20660000000015", item_id="30660000000336",
        title="Les Misérables / Victor Hugo", due_date_raw="20240322    235900", media_type="001",
        screen_messages=("Prêt enregistré. À rendre le 22/03/2024.",))
    patron = m.PatronInformation(
        transaction_date=WHEN, charged_items_count=20, institution_id="RESEAU", patron_id="20660000000015",
        personal_name="Hélène Dupré", valid_patron=True, valid_pin=True, currency_type="EUR",
        fee_amount="0.00",
        charged_items=tuple(f"306600000{n:05d}" for n in range(20)), home_library="PERPIGNAN",
        screen_messages=("Bonjour Hélène.",))
    return {"checkout request (11)": checkout_request, "checkout response (12)": checkout_response,
            "patron information, 20 charged (64)": patron}


def rate(function: Callable[[], object], seconds: float) -> float:
    """Calls per second, best of three runs of about ``seconds`` / 3 each."""
    best = 0.0
    batch = 200
    for _ in range(3):
        count, started = 0, time.perf_counter()
        deadline = started + seconds / 3
        while time.perf_counter() < deadline:
            for _ in range(batch):
                function()
            count += batch
        best = max(best, count / (time.perf_counter() - started))
    return best


def naive_parse(frame: bytes) -> dict[str, str]:
    text = frame.decode("utf-8")
    return {piece[:2]: piece[2:] for piece in text[2:].split("|") if piece}


def bench_codec(seconds: float) -> float:
    print(f"{'codec':<38}{'encode/s':>12}{'decode/s':>12}{'baseline/s':>13}{'vs baseline':>13}")
    checkout_decodes = 0.0
    for name, message in samples().items():
        frame = codec.encode(message, sequence=3)
        assert codec.decode(frame) == message
        encodes = rate(lambda message=message: codec.encode(message, sequence=3), seconds)
        decodes = rate(lambda frame=frame: codec.decode(frame), seconds)
        baseline = rate(lambda frame=frame: naive_parse(frame), seconds)
        print(f"{name:<38}{encodes:>12,.0f}{decodes:>12,.0f}{baseline:>13,.0f}{decodes / baseline:>12.2f}x")
        if name.startswith("checkout response"):
            checkout_decodes = decodes
    verdict = "OK" if checkout_decodes >= DECODE_TARGET else "BELOW TARGET"
    print(f"checkout-response decodes: {checkout_decodes:,.0f}/s = {checkout_decodes / DECODE_TARGET:.2f}x "
          f"the target of {DECODE_TARGET:,}/s  [{verdict}]")
    return checkout_decodes


def tcp_ping_pong(count: int, request: bytes, reply: bytes) -> float:
    """Round trips/s of a bare request/reply exchange over loopback (the machine's floor)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            buffer = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
                while b"\r" in buffer:
                    _, buffer = buffer.split(b"\r", 1)
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = socket.create_connection(("127.0.0.1", port))
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    started = time.perf_counter()
    for _ in range(count):
        client.sendall(request)
        received = b""
        while not received.endswith(b"\r"):
            received += client.recv(65536)
    elapsed = time.perf_counter() - started
    client.close()
    listener.close()
    thread.join(timeout=2)
    return count / elapsed


def bench_round_trips(count: int) -> float | None:
    try:
        from simulators.sigb import SimulatedSIGB, load_sample_dataset
    except ImportError:
        print("round trips: simulators.sigb not available, skipped")
        return None
    from sip2.client import ClientConfig, SIP2Client

    dataset = load_sample_dataset()
    patron = dataset.scenarios["patron_ok"]
    pin = next(p.pin for p in dataset.patrons if p.card == patron)
    item = dataset.scenarios["item_available"]
    with SimulatedSIGB(clock=lambda: datetime.now().replace(microsecond=0)) as server:
        host, port = server.address
        config = ClientConfig(host, port, "borne", "borne", institution_id=dataset.institution_id,
                              location="PERPIGNAN", keepalive_interval=0)
        with SIP2Client(config) as client:
            started = time.perf_counter()
            for _ in range(count // 2):  # each pass: one checkout and one checkin round trip
                if not client.checkout(patron, item, pin=pin).ok:
                    raise SystemExit("benchmark checkout refused: dataset changed?")
                client.checkin(item)
            elapsed = time.perf_counter() - started
            request_size, reply_size = len(client.last_frame), len(client.last_frame)
    sip_rate = (count // 2 * 2) / elapsed
    floor = tcp_ping_pong(count, b"x" * request_size + b"\r", b"y" * reply_size + b"\r")
    verdict = "OK" if sip_rate >= ROUND_TRIP_TARGET else "BELOW TARGET"
    print(f"checkout/checkin round trips on one connection: {sip_rate:,.0f}/s = "
          f"{sip_rate / ROUND_TRIP_TARGET:.2f}x the target of {ROUND_TRIP_TARGET:,}/s  [{verdict}]")
    print(f"  bare TCP ping-pong baseline: {floor:,.0f}/s; SIP2 client + simulated SIGB reach "
          f"{sip_rate / floor:.2f}x of it")
    return sip_rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (smoke test)")
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when a target is missed (smoke runs on a busy machine)")
    args = parser.parse_args(argv)
    seconds, count = (0.15, 200) if args.quick else (1.5, 4000)
    missed = []
    if bench_codec(seconds) < DECODE_TARGET:
        missed.append("checkout-response decodes")
    round_trips = bench_round_trips(count)
    if round_trips is not None and round_trips < ROUND_TRIP_TARGET:
        missed.append("round trips")
    print(f"targets missed: {', '.join(missed)}" if missed else "all targets met")
    return 1 if missed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
