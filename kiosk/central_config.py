"""Central configuration: a station takes its settings and its announcements from an HTTPS URL of the network.

The network publishes one JSON *manifest* per station (or per group of stations)::

    {
      "revision": "2026-03-01.2",
      "config": "[sets]\\nwait_seconds = 10\\n…",          # TOML, any kiosk section (optional)
      "announcements": [                                   # attract screen (optional)
        {"name": "horaires", "texts": {"fr": "Ouvert le dimanche", "en": "Open on Sundays"}},
        {"name": "fete", "image": "images/fete.png"}       # URL relative to the manifest's
      ]
    }

:meth:`CentralConfig.refresh` downloads it with ``requests`` (certificate verified: system CAs, or
``[central] ca_file``), downloads the images it names, and **validates everything before use**: the TOML is
parsed and checked like a local file (errors name the key), announcement names and texts are checked, images
must be PNG, JPEG or SVG by their bytes and not too large. Only then is the revision written, into a new
folder, and the ``current`` link switched to it atomically (``os.replace`` of a symlink). When the server
cannot be reached, answers an error, or publishes an invalid revision, the **last good copy stays** and the
reason is returned (and logged) — a kiosk never loses its configuration to a network problem.

:func:`effective_config` gives a station its configuration: the central TOML as a base, the local file on
top (local keys win: device ports, SIGB account, the ``[central]`` table itself stay local), and the
announcements folder pointed at the central copy. The kiosk refreshes at start-up (``effective_config``,
used by ``borne kiosk``); ``borne config pull FILE`` refreshes on demand (the systemd unit runs it before
each start, and a timer can run it nightly). A new revision applies at the next start of the kiosk.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import requests

from kiosk.config import ConfigError, KioskConfig, Table, parse_config, register_section

log = logging.getLogger(__name__)

MAX_MANIFEST = 256 * 1024
MAX_IMAGE = 2 * 1024 * 1024
MAX_TEXT = 400
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?|")
IMAGE_TYPES = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff"}
KEEP_REVISIONS = 2


class CentralConfigError(ValueError):
    """A central revision is invalid (the message says what, where); the last good copy stays in use."""


@dataclass(frozen=True, slots=True)
class CentralSection:
    """``[central]``: where the network publishes this station's manifest (no url: local config only)."""

    url: str | None = None
    ca_file: Path | None = None
    timeout_s: float = 10.0
    cache_dir: Path | None = None

    @classmethod
    def from_table(cls, t: Table) -> CentralSection:
        url = t.str("url", None)
        if url is not None and urlparse(url).scheme != "https":
            raise t.error("url", f'"{url}" must be an https:// URL (configuration is never fetched in clear)')
        return cls(
            url=url,
            ca_file=t.path("ca_file"),
            timeout_s=t.float("timeout_s", 10.0, 0.5, 300.0),
            cache_dir=t.path("cache_dir"),
        )


register_section("central", CentralSection.from_table)


@dataclass(frozen=True)
class RefreshResult:
    status: str  # "updated" | "unchanged" | "kept" (the last good copy stays: see ``error``)
    revision: str | None
    error: str | None = None


class CentralConfig:
    """The cached central copy of one station, in ``cache_dir`` (``current`` → ``rev-…``)."""

    def __init__(
        self,
        url: str,
        cache_dir: Path | str,
        *,
        ca_file: Path | str | None = None,
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        if urlparse(url).scheme != "https":
            raise CentralConfigError(f"{url}: the central configuration must be fetched over https://")
        self.url = url
        self.cache_dir = Path(cache_dir)
        self.verify: str | bool = str(ca_file) if ca_file else True
        self.timeout_s = timeout_s
        self.session = session or requests.Session()

    # -- the good copy ------------------------------------------------------------------------------------

    @property
    def current(self) -> Path | None:
        link = self.cache_dir / "current"
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    @property
    def revision(self) -> str | None:
        current = self.current
        if current is None:
            return None
        return json.loads((current / "manifest.json").read_text(encoding="utf-8")).get("revision")

    def config_table(self) -> dict[str, Any]:
        current = self.current
        path = None if current is None else current / "station.toml"
        if path is None or not path.exists():
            return {}
        return tomllib.loads(path.read_text(encoding="utf-8"))

    def announcements_dir(self) -> Path | None:
        current = self.current
        folder = None if current is None else current / "announcements"
        return folder if folder is not None and folder.is_dir() else None

    # -- refreshing ---------------------------------------------------------------------------------------

    def refresh(self) -> RefreshResult:
        """Fetch, validate, install; on any failure keep the last good copy and say why."""
        try:
            manifest = self._get_json(self.url)
            revision = _check_manifest(manifest)
            if revision == self.revision:
                return RefreshResult("unchanged", revision)
            files = self._validated_files(manifest)
        except (requests.RequestException, CentralConfigError, ConfigError) as exc:
            reason = _describe(exc)
            log.warning("central configuration not updated (%s); keeping revision %s", reason, self.revision)
            return RefreshResult("kept", self.revision, reason)
        self._install(revision, manifest, files)
        log.info("central configuration: revision %s installed", revision)
        return RefreshResult("updated", revision)

    def check(self) -> RefreshResult:
        """Fetch and validate the published revision without installing it (``borne config check``)."""
        try:
            manifest = self._get_json(self.url)
            revision = _check_manifest(manifest)
            self._validated_files(manifest)
        except (requests.RequestException, CentralConfigError, ConfigError) as exc:
            return RefreshResult("invalid", None, _describe(exc))
        return RefreshResult("valid", revision)

    def _get(self, url: str, limit: int) -> bytes:
        with self.session.get(url, timeout=self.timeout_s, verify=self.verify, stream=True) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise CentralConfigError(f"{url}: larger than {limit // 1024} KiB")
            return body

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            data = json.loads(self._get(url, MAX_MANIFEST).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CentralConfigError(f"{url}: not a JSON manifest ({exc})") from None
        if not isinstance(data, dict):
            raise CentralConfigError(f"{url}: the manifest must be a JSON object")
        return data

    def _validated_files(self, manifest: dict[str, Any]) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        text = manifest.get("config")
        if text is not None:
            files["station.toml"] = _check_config(text, self.cache_dir).encode("utf-8")
        for index, entry in enumerate(manifest.get("announcements") or []):
            files.update(self._announcement(index, entry))
        return files

    def _announcement(self, index: int, entry: Any) -> dict[str, bytes]:
        where = f"announcements[{index}]"
        if not isinstance(entry, dict) or not NAME.fullmatch(str(entry.get("name", ""))):
            raise CentralConfigError(f"{where}.name: lower-case letters, digits, - and _ (at most 40)")
        unknown = set(entry) - {"name", "texts", "image"}
        if unknown:
            raise CentralConfigError(f"{where}.{sorted(unknown)[0]}: unknown key (known: image, name, texts)")
        name, files = entry["name"], {}
        for language, text in (entry.get("texts") or {}).items():
            if not LANGUAGE.fullmatch(language) or not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT:
                raise CentralConfigError(
                    f"{where}.texts.{language}: a language code and 1-{MAX_TEXT} characters"
                )
            files[f"announcements/{name}{'.' + language if language else ''}.txt"] = text.encode("utf-8")
        if entry.get("image"):
            url = urljoin(self.url, str(entry["image"]))
            if urlparse(url).scheme != "https":
                raise CentralConfigError(f"{where}.image: {url} is not https")
            body = self._get(url, MAX_IMAGE)
            files[f"announcements/{name}{_image_suffix(body, f'{where}.image')}"] = body
        if not files:
            raise CentralConfigError(f"{where}: give texts or an image")
        return files

    def _install(self, revision: str, manifest: dict[str, Any], files: dict[str, bytes]) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        folder = self.cache_dir / f"rev-{stamp}"
        (folder / "announcements").mkdir(parents=True)
        for name, body in files.items():
            (folder / name).write_bytes(body)
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        link = self.cache_dir / "current.new"
        link.unlink(missing_ok=True)
        link.symlink_to(folder.name)
        os.replace(link, self.cache_dir / "current")  # atomic: readers see the old or the new, never none
        for old in sorted(self.cache_dir.glob("rev-*"))[:-KEEP_REVISIONS]:
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)


def _check_manifest(manifest: dict[str, Any]) -> str:
    unknown = set(manifest) - {"revision", "config", "announcements"}
    if unknown:
        raise CentralConfigError(
            f"{sorted(unknown)[0]}: unknown manifest key (known: announcements, config, revision)"
        )
    revision = manifest.get("revision")
    if not isinstance(revision, str) or not re.fullmatch(r"[A-Za-z0-9._:+-]{1,64}", revision):
        raise CentralConfigError("revision: a short identifier such as 2026-03-01.2 is required")
    if manifest.get("config") is not None and not isinstance(manifest["config"], str):
        raise CentralConfigError("config: must be the TOML text of the configuration")
    if not isinstance(manifest.get("announcements") or [], list):
        raise CentralConfigError("announcements: must be a list")
    return revision


def _check_config(text: str, base: Path) -> str:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CentralConfigError(f"config: not valid TOML: {exc}") from None
    if "central" in table:
        raise CentralConfigError(
            "config: [central] belongs to the local file (a revision cannot move itself)"
        )
    try:
        parse_config(table, base)
    except ConfigError as exc:
        raise ConfigError(exc.key, exc.problem, source="central config") from None
    return text


def _image_suffix(body: bytes, where: str) -> str:
    for suffix, magic in IMAGE_TYPES.items():
        if body.startswith(magic):
            return suffix
    head = body[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in body[:2048].lower()):
        return ".svg"
    raise CentralConfigError(f"{where}: not a PNG, JPEG or SVG image")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        return f"certificate not trusted ({type(exc).__name__}): check [central] ca_file"
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return f"server unreachable ({type(exc).__name__})"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"server answered HTTP {exc.response.status_code}"
    return str(exc)


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``top`` laid over it, table by table (``top`` wins)."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def for_station(config: KioskConfig) -> CentralConfig | None:
    section = config.extra.get("central")
    if section is None or section.url is None:
        return None
    cache = section.cache_dir or Path(config.journal.directory) / "central"
    return CentralConfig(section.url, cache, ca_file=section.ca_file, timeout_s=section.timeout_s)


def effective_config(
    local_path: Path | str, *, refresh: bool = True
) -> tuple[KioskConfig, RefreshResult | None]:
    """The configuration a station runs with: central copy (refreshed first) under the local file."""
    local_path = Path(local_path)
    from kiosk.config import load_config

    local = load_config(local_path)
    central = for_station(local)
    if central is None:
        return local, None
    result = central.refresh() if refresh else None
    table = central.config_table()
    local_table = tomllib.loads(local_path.read_text(encoding="utf-8"))
    merged = deep_merge(table, local_table)
    folder = central.announcements_dir()
    if folder is not None and "announcements" not in local_table.get("station", {}):
        merged.setdefault("station", {})["announcements"] = str(folder)
    config = parse_config(merged, local_path.resolve().parent, source=local_path)
    return config, result
