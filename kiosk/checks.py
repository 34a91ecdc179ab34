"""Reachability checks of a station configuration (``borne config check``): what the station will need.

Each check opens the real thing with the configured settings and closes it again, within a timeout:

- **reader**: ``drivers.open_reader`` on the configured driver and port, then ``info()`` (model, firmware);
- **SIGB**: the SIP2 client connects and logs in with the configured account, then SC status (the SIGB says
  whether circulation is online); the round-trip time is shown;
- **journal folder**: exists (or can be created) and is writable;
- **central configuration**: the manifest URL answers over HTTPS with a valid revision (nothing installed).

A failed check says what failed and what to look at; it never raises.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig


@dataclass(frozen=True)
class CheckResult:
    name: str
    state: str  # "ok" | "FAIL" | "skip"
    detail: str

    def __str__(self) -> str:
        return f"[{self.state}]{' ' * (5 - len(self.state))}{self.name}: {self.detail}"


def run_checks(config: KioskConfig, *, timeout: float = 5.0) -> list[CheckResult]:
    return [
        check_reader(config, timeout),
        check_sigb(config, timeout),
        check_journal(config),
        check_central(config, timeout),
    ]


def check_reader(config: KioskConfig, timeout: float) -> CheckResult:
    r = config.reader
    name = f"reader {r.driver} on {r.port or '-'}"
    if r.driver == "simulated":
        return CheckResult(name, "skip", "the simulated reader exists only with --demo")
    if not r.port:
        return CheckResult(name, "FAIL", "no reader.port configured")
    from drivers import open_reader
    from drivers.errors import ReaderError

    options: dict[str, Any] = {"baudrate": r.baudrate} if r.baudrate else {}
    try:
        reader = open_reader(r.driver, r.port, **options)
    except (ReaderError, OSError, ValueError) as exc:
        return CheckResult(name, "FAIL", f"cannot open it: {exc} (check the cable, the port and permissions)")
    try:
        info = reader.info()
    except ReaderError as exc:
        return CheckResult(
            name, "FAIL", f"opened, but it does not answer: {exc} (wrong driver or baud rate?)"
        )
    finally:
        reader.close()
    return CheckResult(name, "ok", f"{info.model}, firmware {info.firmware}, {info.antennas} antenna(s)")


def check_sigb(config: KioskConfig, timeout: float) -> CheckResult:
    from sip2.client import ClientConfig, SIP2Client
    from sip2.errors import Sip2Error

    s = config.sigb
    name = f"SIGB {s.host}:{s.port}{' (TLS)' if s.tls else ''}"
    options = {**s.client_options(), "timeout": min(s.timeout, timeout), "retries": 0}
    started = time.perf_counter()
    try:
        with SIP2Client(ClientConfig(**options)) as client:
            status = client.sc_status()
    except (Sip2Error, OSError) as exc:
        return CheckResult(name, "FAIL", f"{exc}")
    ms = (time.perf_counter() - started) * 1000.0
    if not status.online_status:
        return CheckResult(name, "FAIL", f"logged in, but the SIGB reports circulation offline ({ms:.0f} ms)")
    return CheckResult(
        name, "ok", f"logged in as {s.username or '-'}, circulation online, round trip {ms:.0f} ms"
    )


def check_journal(config: KioskConfig) -> CheckResult:
    folder = Path(config.journal.directory)
    name = f"journal folder {folder}"
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        return CheckResult(name, "FAIL", f"{probe} is not writable by this user")
    return CheckResult(name, "ok", "writable" if folder.exists() else f"will be created (in {probe})")


def check_central(config: KioskConfig, timeout: float) -> CheckResult:
    section = config.extra.get("central")
    if section is None or section.url is None:
        return CheckResult("central configuration", "skip", "no [central] url")
    from kiosk.central_config import for_station

    central = for_station(
        config.replace(extra={**config.extra, "central": replace(section, timeout_s=timeout)})
    )
    assert central is not None
    result = central.check()
    name = f"central configuration {section.url}"
    if result.error:
        return CheckResult(name, "FAIL", result.error)
    return CheckResult(name, "ok", f"revision {result.revision} valid (in use: {central.revision or 'none'})")
