"""Station configuration: one TOML file, one frozen dataclass per section, errors that name the key.

``load_config(path)`` reads the file, ``parse_config(mapping)`` validates an
already-parsed table. Every section is read through a :class:`Table`, which
knows its dotted name, so a bad value is reported as
``sigb.port: expected an integer 1-65535, got "abc"`` and an unknown key as
``sigb.prot: unknown key (known: host, port, …)`` instead of being ignored.

The file is modular on purpose: each section is a dataclass with a
``from_table(Table)`` constructor, listed in :data:`SECTIONS`. Other station
roles (the encoding station, the pilot tooling) add their own section classes
the same way and register them with :func:`register_section`, so one file can
configure a whole station without this module knowing every role.

Relative paths (logo, block list, journal folder, TLS files) are resolved
against the directory of the configuration file.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from iso28560.model import AFI_PROFILES


class ConfigError(ValueError):
    """A configuration value is missing, malformed or out of range; the message names the key."""

    def __init__(self, key: str, problem: str, *, source: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")


def _show(value: object) -> str:
    """Render a bad value the way the user wrote it (strings quoted)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


class Table:
    """A TOML table being read: typed getters that report errors with the dotted key.

    Keys read are remembered; :meth:`finish` rejects the ones nobody asked for,
    which catches typos that would otherwise silently keep a default.
    """

    def __init__(self, name: str, data: Mapping[str, Any] | None, base_dir: Path) -> None:
        self.name = name
        self.data = dict(data or {})
        self.base_dir = base_dir
        self._read: set[str] = set()

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.key(key), problem)

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        return self.data.get(key, default)

    def str(
        self,
        key: str,
        default: str | None = "",
        *,
        pattern: str | None = None,
        choices: Iterable[str] | None = None,
        required: bool = False,
    ) -> Any:
        if required and key not in self.data:
            raise self.error(key, "required")
        value = self._get(key, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {_show(value)}")
        if choices is not None and value not in (allowed := tuple(choices)):
            raise self.error(key, f"expected one of {', '.join(allowed)}, got {_show(value)}")
        if pattern is not None and value and not re.fullmatch(pattern, value):
            raise self.error(key, f"{_show(value)} does not match the expected form {pattern}")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_show(value)}")
        return value

    def int(self, key: str, default: int | None, lo: int | None = None, hi: int | None = None) -> Any:
        value = self._get(key, default)
        if value is None:
            return None
        in_range = (lo is None or value >= lo) if isinstance(value, int) else False
        in_range = in_range and (hi is None or value <= hi)
        if isinstance(value, bool) or not isinstance(value, int) or not in_range:
            raise self.error(key, f"expected an integer {_range(lo, hi)}, got {_show(value)}")
        return value

    def float(self, key: str, default: float | None, lo: float = 0.0, hi: float | None = None) -> Any:
        value = self._get(key, default)
        if value is None:
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or value < lo or (hi is not None and value > hi):
            raise self.error(key, f"expected a number {_range(lo, hi)}, got {_show(value)}")
        return float(value)

    def byte(self, key: str, default: int) -> int:
        """A one-byte value written as an integer (0xC2) or a hex string ("C2")."""
        value = self._get(key, default)
        if isinstance(value, str) and re.fullmatch(r"(0[xX])?[0-9A-Fa-f]{1,2}", value):
            return int(value.removeprefix("0x").removeprefix("0X"), 16)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFF:
            return value
        raise self.error(key, f"expected a byte 0x00-0xFF (integer or hex string), got {_show(value)}")

    def str_list(
        self, key: str, default: Iterable[str] = (), *, pattern: str | None = None
    ) -> tuple[str, ...]:
        value = self._get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected a list of strings, got {_show(value)}")
        for v in value:
            if pattern is not None and not re.fullmatch(pattern, v):
                raise self.error(key, f"{_show(v)} does not match the expected form {pattern}")
        return tuple(value)

    def path(self, key: str, default: str | None = None) -> Path | None:
        value = self.str(key, default)
        if not value:
            return None
        path = Path(os.path.expanduser(value))
        return path if path.is_absolute() else self.base_dir / path

    def regex(self, key: str, default: str) -> str:
        value = self.str(key, default)
        try:
            re.compile(value)
        except re.error as exc:
            raise self.error(key, f"not a valid regular expression ({exc})") from None
        return value

    def table(self, key: str) -> Table:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_show(value)}")
        return Table(self.key(key), value, self.base_dir)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            known = ", ".join(sorted(self._read))
            raise self.error(unknown[0], f"unknown key (known: {known})")


def _d(cls: type, name: str) -> Any:
    """A dataclass field's default (slotted dataclasses do not keep it as a class attribute)."""
    return cls.__dataclass_fields__[name].default  # type: ignore[attr-defined]


def _range(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo}-{hi}"
    if lo is not None:
        return f">= {lo}"
    return f"<= {hi}" if hi is not None else ""


ISIL_PATTERN = r"[A-Za-z]{1,4}-[A-Za-z0-9:/\-]{1,11}"
LANGUAGE_PATTERN = r"[a-z]{2,3}(_[A-Z]{2})?"


@dataclass(frozen=True, slots=True)
class StationSection:
    """Who this station is and what the patron sees first."""

    id: str = "kiosk-1"
    library_name: str = "Médiathèque"
    logo: Path | None = None
    announcements: Path | None = None

    @classmethod
    def from_table(cls, t: Table) -> StationSection:
        return cls(
            id=t.str("id", _d(cls, "id"), pattern=r"[A-Za-z0-9._-]{1,64}"),
            library_name=t.str("library_name", _d(cls, "library_name")),
            logo=t.path("logo"),
            announcements=t.path("announcements"),
        )


@dataclass(frozen=True, slots=True)
class NetworkSection:
    """Which tags belong to us: the branch's ISIL and the network's ISILs (list and/or prefix)."""

    branch_isil: str = ""
    isils: tuple[str, ...] = ()
    isil_prefix: str = ""
    accept_tags_without_owner: bool = True

    @classmethod
    def from_table(cls, t: Table) -> NetworkSection:
        return cls(
            branch_isil=t.str("branch_isil", "", pattern=ISIL_PATTERN),
            isils=t.str_list("isils", pattern=ISIL_PATTERN),
            isil_prefix=t.str("isil_prefix", ""),
            accept_tags_without_owner=t.bool("accept_tags_without_owner", True),
        )

    def owns(self, isil: str | None) -> bool:
        """Whether a tag's owner institution belongs to the network (case and spacing ignored)."""
        if not isil:
            return self.accept_tags_without_owner
        norm = isil.strip().upper()
        listed = {i.upper() for i in (*self.isils, self.branch_isil) if i}
        if norm in listed:
            return True
        if self.isil_prefix and norm.startswith(self.isil_prefix.upper()):
            return True
        return not listed and not self.isil_prefix  # nothing configured: accept everything


@dataclass(frozen=True, slots=True)
class SigbSection:
    """SIP2 connection to the SIGB (field names follow ``sip2.client.ClientConfig``)."""

    host: str = "127.0.0.1"
    port: int = 6001
    username: str = ""
    password: str = field(default="", repr=False)
    location: str = ""
    institution_id: str = ""
    terminal_password: str = field(default="", repr=False)
    tls: bool = False
    ca_file: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    verify: bool = True
    encoding: str = "utf-8"
    terminator: str = "\r"
    error_detection: bool = True
    timeout: float = 10.0
    retries: int = 3
    keepalive_interval: float = 300.0
    language: str = "002"
    retry_online_seconds: float = 30.0

    @classmethod
    def from_table(cls, t: Table) -> SigbSection:
        terminator = t.str("terminator", "cr", choices=("cr", "crlf"))
        encoding = t.str("encoding", _d(cls, "encoding"))
        try:
            "".encode(encoding)
        except LookupError:
            raise t.error("encoding", f"unknown text encoding {_show(encoding)} (try utf-8, cp850)") from None
        return cls(
            host=t.str("host", _d(cls, "host"), required=False) or _d(cls, "host"),
            port=t.int("port", _d(cls, "port"), 1, 65535),
            username=t.str("username", ""),
            password=t.str("password", ""),
            location=t.str("location", ""),
            institution_id=t.str("institution_id", ""),
            terminal_password=t.str("terminal_password", ""),
            tls=t.bool("tls", False),
            ca_file=t.path("ca_file"),
            certfile=t.path("certfile"),
            keyfile=t.path("keyfile"),
            verify=t.bool("verify", True),
            encoding=encoding,
            terminator="\r\n" if terminator == "crlf" else "\r",
            error_detection=t.bool("error_detection", True),
            timeout=t.float("timeout", _d(cls, "timeout"), 0.1, 600.0),
            retries=t.int("retries", _d(cls, "retries"), 0, 20),
            keepalive_interval=t.float("keepalive_interval", _d(cls, "keepalive_interval"), 1.0),
            language=t.str("language", _d(cls, "language"), pattern=r"\d{3}"),
            retry_online_seconds=t.float(
                "retry_online_seconds", _d(cls, "retry_online_seconds"), 0.0, 3600.0
            ),
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``sip2.client.ClientConfig``."""
        names = (
            "host",
            "port",
            "username",
            "password",
            "location",
            "institution_id",
            "terminal_password",
            "tls",
            "verify",
            "encoding",
            "terminator",
            "error_detection",
            "timeout",
            "retries",
            "keepalive_interval",
            "language",
        )
        options = {name: getattr(self, name) for name in names}
        for name in ("ca_file", "certfile", "keyfile"):
            value = getattr(self, name)
            options[name] = str(value) if value else None
        return options


READER_DRIVERS = ("feig", "3m", "trf7970a", "simulated")


@dataclass(frozen=True, slots=True)
class ReaderSection:
    """The item reader under the pad."""

    driver: str = "feig"
    port: str = ""
    baudrate: int | None = None
    poll_interval: float = 0.2
    read_attempts: int = 3

    @classmethod
    def from_table(cls, t: Table) -> ReaderSection:
        return cls(
            driver=t.str("driver", _d(cls, "driver"), choices=READER_DRIVERS),
            port=t.str("port", ""),
            baudrate=t.int("baudrate", None, 300, 4_000_000),
            poll_interval=t.float("poll_interval", _d(cls, "poll_interval"), 0.01, 10.0),
            read_attempts=t.int("read_attempts", _d(cls, "read_attempts"), 1, 20),
        )


@dataclass(frozen=True, slots=True)
class DeviceSection:
    """An optional input device (card reader or barcode scanner)."""

    enabled: bool = False
    driver: str = ""
    port: str = ""

    @classmethod
    def from_table(cls, t: Table) -> DeviceSection:
        enabled = t.bool("enabled", False)
        section = cls(enabled=enabled, driver=t.str("driver", ""), port=t.str("port", ""))
        if enabled and not section.port:
            raise t.error("port", "required when enabled = true")
        return section


@dataclass(frozen=True, slots=True)
class SecuritySection:
    """How tags are secured: AFI values (ISO 28560 or a vendor profile), EAS bit, SLIX2 password."""

    profile: str = "iso28560"
    afi_secured: int = 0x07
    afi_on_loan: int = 0xC2
    eas: bool = True
    slix2_password: bytes | None = None
    write_attempts: int = 3

    @classmethod
    def from_table(cls, t: Table) -> SecuritySection:
        profile = t.str("profile", _d(cls, "profile"), choices=(*AFI_PROFILES, "custom"))
        base = AFI_PROFILES.get(profile, AFI_PROFILES["iso28560"])
        secured = t.byte("afi_secured", base.afi_secured)
        on_loan = t.byte("afi_on_loan", base.afi_on_loan)
        if secured == on_loan:
            raise t.error("afi_on_loan", f"must differ from afi_secured (both 0x{secured:02X})")
        password = t.str("slix2_password", "", pattern=r"(0[xX])?[0-9A-Fa-f]{8}")
        return cls(
            profile=profile,
            afi_secured=secured,
            afi_on_loan=on_loan,
            eas=t.bool("eas", True),
            slix2_password=bytes.fromhex(password[-8:]) if password else None,
            write_attempts=t.int("write_attempts", _d(cls, "write_attempts"), 1, 10),
        )


@dataclass(frozen=True, slots=True)
class SetsSection:
    """Multi-part items: how long to wait for missing parts and what to do if they never come."""

    wait_seconds: float = 8.0
    incomplete: str = "refuse"

    @classmethod
    def from_table(cls, t: Table) -> SetsSection:
        return cls(
            wait_seconds=t.float("wait_seconds", _d(cls, "wait_seconds"), 0.0, 600.0),
            incomplete=t.str("incomplete", _d(cls, "incomplete"), choices=("refuse", "accept_with_warning")),
        )


@dataclass(frozen=True, slots=True)
class CirculationSection:
    """Online circulation choices: an item already on the patron's account is renewed or refused.

    ``refusal_codes`` (``[circulation.refusal_codes]``, pattern = code) are the site's regular expressions
    that turn a SIGB refusal message into the reason code journaled for the pilot report; they are tried
    before the built-in Koha/French ones (:mod:`kiosk.circulation.refusals`).
    """

    on_own_loan: str = "renew"
    refusal_codes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_table(cls, t: Table) -> CirculationSection:
        return cls(
            on_own_loan=t.str("on_own_loan", _d(cls, "on_own_loan"), choices=("renew", "refuse")),
            refusal_codes=_refusal_codes(t.table("refusal_codes")),
        )


def _refusal_codes(t: Table) -> tuple[tuple[str, str], ...]:
    from kiosk.circulation.refusals import pattern_problem

    pairs = []
    for pattern in t.data:
        code = t.str(pattern, None)
        problem = pattern_problem(pattern, code)
        if problem:
            raise t.error(f'"{pattern}"', problem)
        pairs.append((pattern, code))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class OfflinePolicySection:
    """What the station may do while the SIGB is unreachable (renewals are never offered offline)."""

    enabled: bool = True
    checkouts_allowed: bool = True
    returns_allowed: bool = True
    max_items_per_patron: int = 5
    card_number_pattern: str = r"[0-9A-Za-z]{4,32}"
    block_list_file: Path | None = None

    @classmethod
    def from_table(cls, t: Table) -> OfflinePolicySection:
        return cls(
            enabled=t.bool("enabled", True),
            checkouts_allowed=t.bool("checkouts_allowed", True),
            returns_allowed=t.bool("returns_allowed", True),
            max_items_per_patron=t.int("max_items_per_patron", _d(cls, "max_items_per_patron"), 0, 1000),
            card_number_pattern=t.regex("card_number_pattern", _d(cls, "card_number_pattern")),
            block_list_file=t.path("block_list_file"),
        )

    def card_number_ok(self, card: str) -> bool:
        return re.fullmatch(self.card_number_pattern, card) is not None

    def blocked_cards(self) -> frozenset[str]:
        """Card numbers on the local block list (one per line, ``#`` comments); read on every call."""
        if self.block_list_file is None or not self.block_list_file.exists():
            return frozenset()
        lines = self.block_list_file.read_text(encoding="utf-8").splitlines()
        return frozenset(s for line in lines if (s := line.split("#", 1)[0].strip()))


@dataclass(frozen=True, slots=True)
class TimeoutsSection:
    """Inactivity: seconds without activity before the warning, then the countdown before logout."""

    inactivity_seconds: float = 60.0
    warning_seconds: float = 60.0
    return_idle_seconds: float = 20.0

    @classmethod
    def from_table(cls, t: Table) -> TimeoutsSection:
        def seconds(key: str, lo: float) -> float:
            return t.float(key, _d(cls, key), lo, 3600.0)

        return cls(
            inactivity_seconds=seconds("inactivity_seconds", 1.0),
            warning_seconds=seconds("warning_seconds", 0.0),
            return_idle_seconds=seconds("return_idle_seconds", 1.0),
        )


@dataclass(frozen=True, slots=True)
class LanguagesSection:
    """Languages offered on screen; the session language resets to ``default`` after each patron."""

    default: str = "fr"
    available: tuple[str, ...] = ("fr", "en")

    @classmethod
    def from_table(cls, t: Table) -> LanguagesSection:
        available = t.str_list("available", _d(cls, "available"), pattern=LANGUAGE_PATTERN)
        default = t.str("default", _d(cls, "default"), pattern=LANGUAGE_PATTERN)
        if not available:
            raise t.error("available", "at least one language is needed")
        if default not in available:
            raise t.error("default", f"{_show(default)} is not in languages.available")
        return cls(default=default, available=available)


@dataclass(frozen=True, slots=True)
class ReceiptSection:
    """Receipts: none, printed on an ESC/POS printer, or shown on screen."""

    mode: str = "none"
    printer: str = ""

    @classmethod
    def from_table(cls, t: Table) -> ReceiptSection:
        mode = t.str("mode", _d(cls, "mode"), choices=("none", "print", "screen"))
        printer = t.str("printer", "")
        if mode == "print" and not printer:
            raise t.error("printer", 'required when mode = "print" (e.g. "/dev/usb/lp0")')
        return cls(mode=mode, printer=printer)


PIN_HASH_PATTERN = r"pbkdf2_sha256\$\d+\$[0-9a-f]+\$[0-9a-f]{64}"


def hash_pin(pin: str, *, iterations: int = 200_000, salt: bytes | None = None) -> str:
    """Hash a staff PIN for ``staff.pin_hash`` (``pbkdf2_sha256$iterations$salt$digest``)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


@dataclass(frozen=True, slots=True)
class StaffSection:
    """Staff mode: the PIN is stored only as a salted PBKDF2 hash (``borne config hash-pin``)."""

    pin_hash: str = ""

    @classmethod
    def from_table(cls, t: Table) -> StaffSection:
        return cls(pin_hash=t.str("pin_hash", "", pattern=PIN_HASH_PATTERN))

    def verify_pin(self, pin: str) -> bool:
        if not self.pin_hash:
            return False
        _, iterations, salt, digest = self.pin_hash.split("$")
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True, slots=True)
class JournalSection:
    """Where the durable files live: offline queue, anonymous event journal, in-flight operations."""

    directory: Path = Path("var")
    queue: Path = Path("var/offline-queue.db")
    events: Path = Path("var/events.db")
    intents: Path = Path("var/intents.db")

    @classmethod
    def from_table(cls, t: Table) -> JournalSection:
        directory = t.path("directory", "var") or t.base_dir

        def under(key: str, default: str) -> Path:
            value = t.str(key, default)
            path = Path(os.path.expanduser(value))
            return path if path.is_absolute() else directory / path

        return cls(
            directory=directory,
            queue=under("queue", "offline-queue.db"),
            events=under("events", "events.db"),
            intents=under("intents", "intents.db"),
        )


SectionFactory = Callable[[Table], Any]

# Section name → dataclass with ``from_table``; :class:`KioskConfig` has one attribute per entry.
SECTIONS: dict[str, type] = {
    "station": StationSection,
    "network": NetworkSection,
    "sigb": SigbSection,
    "reader": ReaderSection,
    "card_reader": DeviceSection,
    "scanner": DeviceSection,
    "security": SecuritySection,
    "sets": SetsSection,
    "circulation": CirculationSection,
    "offline": OfflinePolicySection,
    "timeouts": TimeoutsSection,
    "languages": LanguagesSection,
    "receipt": ReceiptSection,
    "staff": StaffSection,
    "journal": JournalSection,
}
# Sections contributed by other station roles (encoding station, pilot): name → from_table factory.
EXTRA_SECTIONS: dict[str, SectionFactory] = {}
# Modules that register such sections when imported; imported (by name) before a file is parsed, so a
# [metrics] or [central] table is understood whoever parses the file first.
SECTION_MODULES: tuple[str, ...] = ("kiosk.metrics", "kiosk.central_config", "kiosk.pilot.settings")


def register_section(name: str, factory: SectionFactory) -> None:
    """Let another role own a top-level table; its value lands in ``KioskConfig.extra[name]``."""
    if name in SECTIONS:
        raise ValueError(f"section [{name}] belongs to the kiosk configuration")
    EXTRA_SECTIONS[name] = factory


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """The whole station configuration; every section has working defaults except the SIGB account."""

    station: StationSection = field(default_factory=StationSection)
    network: NetworkSection = field(default_factory=NetworkSection)
    sigb: SigbSection = field(default_factory=SigbSection)
    reader: ReaderSection = field(default_factory=ReaderSection)
    card_reader: DeviceSection = field(default_factory=DeviceSection)
    scanner: DeviceSection = field(default_factory=DeviceSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    sets: SetsSection = field(default_factory=SetsSection)
    circulation: CirculationSection = field(default_factory=CirculationSection)
    offline: OfflinePolicySection = field(default_factory=OfflinePolicySection)
    timeouts: TimeoutsSection = field(default_factory=TimeoutsSection)
    languages: LanguagesSection = field(default_factory=LanguagesSection)
    receipt: ReceiptSection = field(default_factory=ReceiptSection)
    staff: StaffSection = field(default_factory=StaffSection)
    journal: JournalSection = field(default_factory=JournalSection)
    source: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **sections: Any) -> KioskConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(sections)
        return KioskConfig(**values)


def parse_config(
    data: Mapping[str, Any], base_dir: Path | str = ".", source: Path | None = None
) -> KioskConfig:
    """Validate a parsed TOML document; raise :class:`ConfigError` naming the first bad key."""
    _import_section_modules()
    root = Table("", data, Path(base_dir))
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        table = root.table(name)
        sections[name] = cls.from_table(table)
        table.finish()
    extra: dict[str, Any] = {}
    for name, factory in EXTRA_SECTIONS.items():
        table = root.table(name)
        extra[name] = factory(table)
        table.finish()
    root.finish()
    return KioskConfig(**sections, source=source, extra=extra)


def _import_section_modules() -> None:
    for name in SECTION_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name and name.startswith(exc.name)):
                raise


def load_config(path: Path | str) -> KioskConfig:
    """Read and validate a station configuration file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = f"cannot read the configuration file ({exc.strerror})"
        raise ConfigError("", problem, source=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"not valid TOML: {exc}", source=str(path)) from None
    try:
        return parse_config(data, path.resolve().parent, source=path)
    except ConfigError as exc:
        raise ConfigError(exc.key, exc.problem, source=str(path)) from None
