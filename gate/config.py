"""Gate configuration: a TOML file read into frozen dataclasses, validated key by key.

Every mistake is reported as ``ConfigError`` naming the file, the key (``reader[2].port``)
and what is accepted, because the person fixing it is standing at a gate with a laptop,
not reading a traceback. Unknown keys are errors too: a misspelt ``debounce_s`` must not
silently fall back to the default.

See ``docs/examples/gate.toml`` for a commented example of every key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iso28560.model import AFI_PROFILES, SecurityProfile

MODES = ("afi", "eas", "database")
READ_MODES = ("poll", "buffered")
OUTPUT_ROLES = ("light", "buzzer", "relay")
OUTPUT_DRIVERS = ("simulated", "serial-relay", "gpio", "sysfs-gpio")
COUNTER_DRIVERS = ("none", "simulated")
ON_CACHE_MISS = ("alarm", "wait")
ON_COLLISION = ("identify", "alarm")
# Languages of the monitor window (ui/locale/<language>/gate_monitor.po; English is the source text).
MONITOR_LANGUAGES = ("fr", "en")
DEFAULT_MONITOR_LANGUAGE = "fr"


class ConfigError(Exception):
    """The gate configuration is invalid; the message names the file and key and says what is accepted."""


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """Which tags never alarm, whatever their security state says."""

    ignore_patron_cards: bool = True
    ignore_equipment: bool = True
    ignore_foreign: bool = True
    # ISIL codes of the network's libraries; an entry ending in "*" is a prefix.
    network_institutions: tuple[str, ...] = ()
    # Alarm on a secured tag whose memory could not be read or decoded (fail secure).
    alarm_unidentified: bool = True
    # Read tag memory to identify items (needed by the policy and for the log's item identifier).
    identify: bool = True
    # Blocks read to identify a tag (ISO 28560-2 puts identifier, owner and usage first).
    identify_blocks: int = 8
    # AFI mode: find and identify secured tags in one exchange (NXP FAST INVENTORY READ) when
    # the reader offers it, instead of an inventory followed by a memory read.
    inventory_read: bool = True
    # AFI mode with inventory read: when several tags answer the secured AFI at once, "identify" reads them
    # all before deciding (exact, about 35 ms more); "alarm" alarms at once, then identifies (faster, but a
    # misprogrammed card carried with a secured foreign item alarms briefly).
    on_collision: str = "identify"


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    name: str
    driver: str
    port: str
    baudrate: int | None = None
    antennas: tuple[int, ...] = ()
    read_mode: str = "poll"
    reconnect_s: float = 2.0


@dataclass(frozen=True, slots=True)
class OutputConfig:
    name: str
    role: str
    driver: str
    duration_s: float = 3.0
    port: str | None = None
    channel: int = 1
    chip: str = "/dev/gpiochip0"
    line: int = 0
    active_low: bool = False
    sysfs_root: str = "/sys/class/gpio"


@dataclass(frozen=True, slots=True)
class CounterConfig:
    driver: str = "none"
    # A crossing this close (seconds) to a passage gives the passage its direction.
    direction_window_s: float = 3.0


@dataclass(frozen=True, slots=True)
class LogConfig:
    path: str = "gate.sqlite"
    retention_days: int = 365
    recent: int = 50


@dataclass(frozen=True, slots=True)
class Sip2Config:
    """SIP2 connection for title lookups and database mode (passed to ``sip2.client.ClientConfig``)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    location: str = ""
    institution_id: str = ""
    tls: bool = False
    ca_file: str | None = None
    encoding: str = "utf-8"
    terminator: str = "\r"
    error_detection: bool = True
    timeout: float = 5.0


@dataclass(frozen=True, slots=True)
class DatabaseModeConfig:
    # Cached circulation states older than this are refreshed in the background.
    refresh_s: float = 900.0
    # An item never looked up: alarm at once, or wait for the SIP2 answer (a late alarm).
    on_cache_miss: str = "wait"


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """``[metrics]``: the /metrics + /health endpoint (no port: none)."""

    port: int | None = None
    host: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class JournalConfig:
    """``[journal]``: the anonymous event journal for the pilot report (no path: not journaled)."""

    events: str | None = None
    station_id: str | None = None


@dataclass(frozen=True, slots=True)
class GateConfig:
    name: str = "gate"
    mode: str = "afi"
    poll_interval_s: float = 0.05
    security_profile: SecurityProfile = AFI_PROFILES["iso28560"]
    debounce_s: float = 10.0
    passage_gap_s: float = 1.5
    language: str = DEFAULT_MONITOR_LANGUAGE  # of the monitor window
    policy: PolicyConfig = PolicyConfig()
    readers: tuple[ReaderConfig, ...] = ()
    outputs: tuple[OutputConfig, ...] = ()
    counter: CounterConfig = CounterConfig()
    log: LogConfig = LogConfig()
    sip2: Sip2Config | None = None
    database: DatabaseModeConfig = DatabaseModeConfig()
    metrics: MetricsConfig = MetricsConfig()
    journal: JournalConfig = JournalConfig()
    source: str = field(default="<config>", compare=False)


class _Section:
    """Typed access to one TOML table; every error names ``file: key``."""

    def __init__(self, data: Any, path: str, source: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: [{path}] must be a table, got {type(data).__name__}")
        self.data, self.path, self.source, self.used = data, path, source, set[str]()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.key(name)} {message}")

    def get(self, name: str, kinds: tuple[type, ...], default: Any, what: str) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is _REQUIRED:
                raise self.fail(name, f"is missing: give {what}")
            return default
        value = self.data[name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.fail(name, f"= {value!r}: must be {what}")
        return value

    def text(self, name: str, default: Any = None, choices: tuple[str, ...] = ()) -> Any:
        what = "one of " + ", ".join(repr(c) for c in choices) if choices else "a string"
        value = self.get(name, (str,), default, what)
        if choices and value is not None and value not in choices:
            raise self.fail(name, f"= {value!r}: must be {what}")
        return value

    def number(self, name: str, default: Any, low: float = 0.0, high: float = float("inf")) -> Any:
        value = self.get(name, (int, float), default, f"a number between {low:g} and {high:g}")
        if value is not None and not low <= value <= high:
            raise self.fail(name, f"= {value!r}: must be between {low:g} and {high:g}")
        return None if value is None else float(value)

    def integer(self, name: str, default: Any, low: int = 0, high: int = 2**31) -> Any:
        value = self.get(name, (int,), default, f"an integer between {low} and {high}")
        if value is not None and not low <= value <= high:
            raise self.fail(name, f"= {value!r}: must be between {low} and {high}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        return self.get(name, (bool,), default, "true or false")

    def texts(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(name, (list,), list(default), "a list of strings")
        if not all(isinstance(v, str) and v for v in value):
            raise self.fail(name, f"= {value!r}: must be a list of non-empty strings")
        return tuple(value)

    def integers(self, name: str, low: int, high: int) -> tuple[int, ...]:
        value = self.get(name, (list,), [], f"a list of integers between {low} and {high}")
        if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value):
            raise self.fail(name, f"= {value!r}: must be a list of integers between {low} and {high}")
        return tuple(value)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            raise self.fail(unknown[0], f"is not a known key (known keys here: {known})")


_REQUIRED = object()


def load_config(path: str | Path) -> GateConfig:
    """Read and validate a gate TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read gate configuration {path}: {exc.strerror or exc}") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, source: str = "<config>") -> GateConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    return config_from_mapping(data, source)


def config_from_mapping(data: Mapping[str, Any], source: str = "<config>") -> GateConfig:
    top = _Section(data, "", source)
    gate = _gate_section(_Section(top.get("gate", (dict,), {}, "a table [gate]"), "gate", source))
    policy = _policy(_Section(top.get("policy", (dict,), {}, "a table [policy]"), "policy", source))
    readers = tuple(
        _reader(_Section(r, f"reader[{i}]", source), i)
        for i, r in enumerate(top.get("reader", (list,), [], "an array of tables [[reader]]"), 1)
    )
    outputs = tuple(
        _output(_Section(o, f"output[{i}]", source), i)
        for i, o in enumerate(top.get("output", (list,), [], "an array of tables [[output]]"), 1)
    )
    counter = _counter(_Section(top.get("counter", (dict,), {}, "a table [counter]"), "counter", source))
    log = _log(_Section(top.get("log", (dict,), {}, "a table [log]"), "log", source))
    sip2_table = top.get("sip2", (dict,), None, "a table [sip2]")
    sip2 = None if sip2_table is None else _sip2(_Section(sip2_table, "sip2", source))
    database = _database(_Section(top.get("database", (dict,), {}, "a table [database]"), "database", source))
    metrics = _metrics(_Section(top.get("metrics", (dict,), {}, "a table [metrics]"), "metrics", source))
    journal = _journal(_Section(top.get("journal", (dict,), {}, "a table [journal]"), "journal", source))
    top.finish()
    config = GateConfig(
        **gate,
        policy=policy,
        readers=readers,
        outputs=outputs,
        counter=counter,
        log=log,
        sip2=sip2,
        database=database,
        metrics=metrics,
        journal=journal,
        source=source,
    )
    _check_whole(config, top)
    return config


def _gate_section(s: _Section) -> dict[str, Any]:
    profile_name = s.text("security_profile", "iso28560", tuple(AFI_PROFILES))
    values = dict(
        name=s.text("name", "gate"),
        mode=s.text("mode", "afi", MODES),
        poll_interval_s=s.number("poll_interval_ms", 50.0, 5.0, 5000.0) / 1000.0,
        security_profile=AFI_PROFILES[profile_name],
        debounce_s=s.number("debounce_s", 10.0, 0.0, 3600.0),
        passage_gap_s=s.number("passage_gap_s", 1.5, 0.1, 60.0),
        language=s.text("language", DEFAULT_MONITOR_LANGUAGE, MONITOR_LANGUAGES),
    )
    s.finish()
    return values


def _policy(s: _Section) -> PolicyConfig:
    policy = PolicyConfig(
        ignore_patron_cards=s.flag("ignore_patron_cards", True),
        ignore_equipment=s.flag("ignore_equipment", True),
        ignore_foreign=s.flag("ignore_foreign", True),
        network_institutions=s.texts("network_institutions"),
        alarm_unidentified=s.flag("alarm_unidentified", True),
        identify=s.flag("identify", True),
        identify_blocks=s.integer("identify_blocks", 8, 1, 256),
        inventory_read=s.flag("inventory_read", True),
        on_collision=s.text("on_collision", "identify", ON_COLLISION),
    )
    s.finish()
    return policy


def _reader(s: _Section, index: int) -> ReaderConfig:
    reader = ReaderConfig(
        name=s.text("name", f"reader{index}"),
        driver=s.text("driver", _REQUIRED, ("feig", "3m", "trf7970a")),
        port=s.text("port", _REQUIRED),
        baudrate=s.integer("baudrate", None, 1200, 4_000_000),
        antennas=s.integers("antennas", 1, 255),
        read_mode=s.text("read_mode", "poll", READ_MODES),
        reconnect_s=s.number("reconnect_s", 2.0, 0.1, 600.0),
    )
    s.finish()
    return reader


def _output(s: _Section, index: int) -> OutputConfig:
    output = OutputConfig(
        name=s.text("name", f"output{index}"),
        role=s.text("role", _REQUIRED, OUTPUT_ROLES),
        driver=s.text("driver", _REQUIRED, OUTPUT_DRIVERS),
        duration_s=s.number("duration_s", 3.0, 0.05, 600.0),
        port=s.text("port", None),
        channel=s.integer("channel", 1, 1, 255),
        chip=s.text("chip", "/dev/gpiochip0"),
        line=s.integer("line", 0, 0, 1023),
        active_low=s.flag("active_low", False),
        sysfs_root=s.text("sysfs_root", "/sys/class/gpio"),
    )
    if output.driver == "serial-relay" and not output.port:
        raise s.fail(
            "port", 'is missing: a serial relay board needs port = "/dev/ttyUSB0" (or a pyserial URL)'
        )
    s.finish()
    return output


def _counter(s: _Section) -> CounterConfig:
    counter = CounterConfig(
        driver=s.text("driver", "none", COUNTER_DRIVERS),
        direction_window_s=s.number("direction_window_s", 3.0, 0.0, 60.0),
    )
    s.finish()
    return counter


def _log(s: _Section) -> LogConfig:
    log = LogConfig(
        path=s.text("path", "gate.sqlite"),
        retention_days=s.integer("retention_days", 365, 1, 36500),
        recent=s.integer("recent", 50, 1, 10_000),
    )
    s.finish()
    return log


def _sip2(s: _Section) -> Sip2Config:
    sip2 = Sip2Config(
        host=s.text("host", _REQUIRED),
        port=s.integer("port", _REQUIRED, 1, 65535),
        username=s.text("username", ""),
        password=s.text("password", ""),
        location=s.text("location", ""),
        institution_id=s.text("institution_id", ""),
        tls=s.flag("tls", False),
        ca_file=s.text("ca_file", None),
        encoding=s.text("encoding", "utf-8"),
        terminator=s.text("terminator", "\r", ("\r", "\r\n")),
        error_detection=s.flag("error_detection", True),
        timeout=s.number("timeout", 5.0, 0.1, 120.0),
    )
    s.finish()
    return sip2


def _database(s: _Section) -> DatabaseModeConfig:
    database = DatabaseModeConfig(
        refresh_s=s.number("refresh_s", 900.0, 1.0, 86400.0 * 30),
        on_cache_miss=s.text("on_cache_miss", "wait", ON_CACHE_MISS),
    )
    s.finish()
    return database


def _metrics(s: _Section) -> MetricsConfig:
    metrics = MetricsConfig(port=s.integer("port", None, 0, 65535), host=s.text("host", "127.0.0.1"))
    s.finish()
    return metrics


def _journal(s: _Section) -> JournalConfig:
    journal = JournalConfig(events=s.text("events", None), station_id=s.text("station_id", None))
    s.finish()
    return journal


def _check_whole(config: GateConfig, top: _Section) -> None:
    """Rules that involve several sections."""
    if config.mode == "database" and config.sip2 is None:
        raise top.fail(
            "sip2", 'is missing: mode = "database" needs a [sip2] table to look up circulation states'
        )
    if config.policy.ignore_foreign and not config.policy.network_institutions:
        # Without a network list every owner would look foreign: refuse rather than never alarm.
        raise top.fail(
            "policy.network_institutions",
            "is empty while policy.ignore_foreign = true: list the network's ISIL codes "
            '(e.g. ["FR-*"]) or set ignore_foreign = false',
        )
    for index, reader in enumerate(config.readers, 1):
        if reader.read_mode == "buffered" and config.mode == "eas":
            raise top.fail(
                f"reader[{index}].read_mode", '= "buffered": EAS mode polls the EAS alarm; use "poll"'
            )
        if reader.read_mode == "buffered" and reader.driver != "feig":
            raise top.fail(
                f"reader[{index}].read_mode", '= "buffered": only FEIG readers have a buffered read mode'
            )
    for kind, items in (("reader", config.readers), ("output", config.outputs)):
        names = [item.name for item in items]
        for index, name in enumerate(names, 1):
            if names.index(name) != index - 1:
                raise top.fail(f"{kind}[{index}].name", f"= {name!r}: names must be unique")
