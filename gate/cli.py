"""``borne gate``: run a security gate with its monitor window, headless, or against simulated traffic.

    borne gate --config gate.toml                  service + monitor window
    borne gate --config gate.toml --headless       service only, one line per event on stdout
    borne gate --demo [--mode eas] [--visitors 40] simulated traffic, SIGB and devices; prints a score
    borne gate --config gate.toml --walk-test --walk-items 3066…,3066… --passes 10
    borne gate --config gate.toml --export-alarms alarms.csv --export-counts counts.csv

Without a display (no DISPLAY/WAYLAND_DISPLAY, or Qt's offscreen platform) the window
is skipped and the gate runs headless. Problems the user can fix are raised as
``ConfigError`` (printed as ``Error: …`` by the ``borne`` dispatcher).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TextIO

from .config import MODES, MONITOR_LANGUAGES, ConfigError, GateConfig, load_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gate",
        help="run a security gate (monitor window, headless service, demo, walk test)",
        description="Run the security gate service. See docs/gate.md and docs/examples/gate.toml.",
    )
    parser.add_argument("--config", metavar="FILE", help="gate configuration (TOML)")
    parser.add_argument("--headless", action="store_true", help="run without the monitor window")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the gate traffic simulator (simulated reader, SIGB, outputs, counter)",
    )
    parser.add_argument("--mode", choices=MODES, help="override [gate] mode")
    parser.add_argument(
        "--language", choices=MONITOR_LANGUAGES, help="monitor window language (overrides [gate] language)"
    )
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this many seconds")
    parser.add_argument(
        "--visitors", type=int, default=30, metavar="N", help="demo: visitors to simulate (30)"
    )
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="demo: traffic random seed (1)")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="demo: read probabilities by orientation and speed instead of ideal reads",
    )
    parser.add_argument(
        "--walk-test", action="store_true", help="run the walk-test protocol and print the rates"
    )
    parser.add_argument(
        "--walk-items",
        metavar="IDS",
        help="walk test: comma-separated test item identifiers or tag UIDs (demo: generated)",
    )
    parser.add_argument(
        "--passes", type=int, default=10, metavar="N", help="walk test: passes per condition (10)"
    )
    parser.add_argument(
        "--export-alarms", metavar="CSV", help="write the alarm log as CSV ('-' for stdout) and exit"
    )
    parser.add_argument(
        "--export-counts",
        metavar="CSV",
        help="write the hourly people counts as CSV ('-' for stdout) and exit",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else None
    if args.export_alarms or args.export_counts:
        return _export(_need(config, "--export-alarms/--export-counts"), args)
    if args.demo:
        return _demo(config, args)
    config = _need(config, "running a gate")
    if args.mode or args.language:
        from dataclasses import replace

        config = replace(config, mode=args.mode or config.mode, language=args.language or config.language)
    if args.walk_test:
        return _walk_test(config, args, sys.stdin, sys.stdout)
    if args.headless or not has_display():
        return _headless(config, args.duration, sys.stdout)
    return _window(config)


def _need(config: GateConfig | None, what: str) -> GateConfig:
    if config is None:
        raise ConfigError(f"{what} needs --config FILE (see docs/examples/gate.toml), or use --demo")
    return config


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _export(config: GateConfig, args: argparse.Namespace) -> int:
    from .alarm_log import AlarmLog
    from .counting import PeopleCounts
    from .store import GateDatabase

    if not Path(config.log.path).exists():
        raise ConfigError(
            f"{config.source}: log.path {config.log.path} does not exist yet (the gate never ran?)"
        )
    store = GateDatabase(config.log.path)
    try:
        for target, export, what in (
            (args.export_alarms, AlarmLog(store).export_csv, "alarms"),
            (args.export_counts, PeopleCounts(store).export_csv, "hourly counts"),
        ):
            if target:
                rows = _write_csv(target, export)
                print(f"{rows} {what} written to {target if target != '-' else 'stdout'}", file=sys.stderr)
    finally:
        store.close()
    return 0


def _write_csv(target: str, export) -> int:
    if target == "-":
        return export(sys.stdout)
    with open(target, "w", newline="", encoding="utf-8") as out:
        return export(out)


def _demo(config: GateConfig | None, args: argparse.Namespace) -> int:
    from .console import ConsoleListener
    from .demo import DemoOptions, run_demo, run_demo_walk_test

    options = DemoOptions(
        visitors=args.visitors,
        seed=args.seed,
        realistic=args.realistic,
        duration=args.duration,
        mode=args.mode,
        passes=args.passes if args.walk_test else 3,
    )
    if args.walk_test:
        return run_demo_walk_test(config, options, sys.stdout)
    if args.headless or not has_display():
        return run_demo(config, options, sys.stdout, listener=ConsoleListener(sys.stdout))
    from ui.gate_monitor import run_demo_window

    return run_demo_window(config, options, language=args.language)


def _headless(config: GateConfig, duration: float | None, out: TextIO) -> int:
    from .console import ConsoleListener
    from .service import build_gate

    stop = threading.Event()
    previous = _on_sigterm(stop)  # before anything can be left switched on
    try:
        gate = build_gate(config, listener=ConsoleListener(out))
    except BaseException:
        _restore_sigterm(previous)
        raise
    print(f"Gate {config.name!r} running in {config.mode} mode; Ctrl-C stops it.", file=out, flush=True)
    gate.controller.run_in_thread()
    try:
        stop.wait(duration)
    except KeyboardInterrupt:
        pass
    finally:
        gate.close()  # outputs off, readers closed, log flushed
        _restore_sigterm(previous)
    return 0


def _on_sigterm(stop: threading.Event) -> object:
    """systemd stops services with SIGTERM: stop cleanly (a relay must not stay closed)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())


def _restore_sigterm(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def _window(config: GateConfig) -> int:
    from ui.gate_monitor import run_monitor

    return run_monitor(config)


def _walk_test(config: GateConfig, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    """Staff-driven walk test: Enter before and after each pass."""
    from .service import build_gate
    from .walktest import WalkTest, WalkTestPlan

    items = tuple(i.strip() for i in (args.walk_items or "").split(",") if i.strip())
    try:
        plan = WalkTestPlan(items, passes=args.passes)
    except ValueError as exc:
        raise ConfigError(f"--walk-items/--passes: {exc}") from exc
    walk = WalkTest(plan)
    gate = build_gate(config)
    gate.controller.on_sighting.append(walk.observe)
    gate.controller.run_in_thread()
    try:
        total = len(plan.conditions) * plan.passes
        for step, (condition, number) in enumerate(plan.steps(), 1):
            print(
                f"[{step}/{total}] {condition}, pass {number}: press Enter, walk through, press Enter.",
                file=out,
                flush=True,
            )
            if not stdin.readline():
                break
            walk.start_pass(condition, number)
            if not stdin.readline():
                walk.end_pass()
                break
            result = walk.end_pass()
            missed = ", ".join(sorted(result.missed)) or "none"
            print(f"    detected {len(result.detected)}/{len(result.expected)}, missed: {missed}", file=out)
    finally:
        gate.close()
    print(walk.report(), file=out, flush=True)
    return 0
