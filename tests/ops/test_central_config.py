"""Central configuration over a real local HTTPS server (certificates made by the test): updates, validation,
and the last good copy kept when the server is unreachable, untrusted, failing or publishing bad files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.central_config import CentralConfig, effective_config
from kiosk.config import ConfigError, parse_config

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA, and a server certificate it signed for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Borne test CA"))
        .issuer_name(_name("Borne test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class Server:
    """HTTPS server whose answers the test changes: ``routes[path] = (status, body)``."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def publish(self, manifest: dict, **files: bytes) -> None:
        self.routes["/station.json"] = (200, json.dumps(manifest).encode())
        for name, body in files.items():
            self.routes[f"/images/{name}"] = (200, body)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path):
    ca, cert, key = make_certificates(tmp_path)
    srv = Server(cert, key)
    srv.ca = ca
    yield srv
    srv.stop()


GOOD = {
    "revision": "r1",
    "config": '[sets]\nwait_seconds = 10.0\n[languages]\ndefault = "fr"\navailable = ["fr", "en", "ar"]\n',
    "announcements": [
        {"name": "horaires", "texts": {"": "Ouvert le dimanche", "en": "Open on Sundays"}},
        {"name": "fete", "image": "images/fete.png"},
    ],
}


def central(server: Server, tmp_path: Path, **options) -> CentralConfig:
    return CentralConfig(
        f"{server.url}/station.json", tmp_path / "cache", ca_file=server.ca, timeout_s=3, **options
    )


def test_a_revision_is_fetched_validated_and_installed(server: Server, tmp_path: Path) -> None:
    server.publish(GOOD, **{"fete.png": PNG})
    cfg = central(server, tmp_path)
    result = cfg.refresh()
    assert (result.status, result.revision, result.error) == ("updated", "r1", None)
    assert cfg.config_table()["sets"]["wait_seconds"] == 10.0
    folder = cfg.announcements_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["fete.png", "horaires.en.txt", "horaires.txt"]
    assert (folder / "fete.png").read_bytes() == PNG
    assert cfg.refresh().status == "unchanged"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"config": '[sets]\nwait_seconds = "x"\n'}, "sets.wait_seconds"),
        ({"config": "[sets\n"}, "not valid TOML"),
        ({"config": '[central]\nurl = "https://elsewhere"\n'}, "[central] belongs to the local file"),
        ({"announcements": [{"name": "Bad Name!", "texts": {"fr": "x"}}]}, "announcements[0].name"),
        ({"announcements": [{"name": "bad", "image": "images/not-an-image.png"}]}, "not a PNG, JPEG or SVG"),
        ({"announcements": [{"name": "x", "texts": {"fr": "y" * 500}}]}, "1-400 characters"),
        ({"surprise": 1}, "surprise: unknown manifest key"),
    ],
)
def test_an_invalid_revision_keeps_the_last_good_copy(
    server: Server, tmp_path: Path, change: dict, reason: str
) -> None:
    server.publish(GOOD, **{"fete.png": PNG, "not-an-image.png": b"GIF89a...."})
    cfg = central(server, tmp_path)
    assert cfg.refresh().status == "updated"
    server.publish({**GOOD, "revision": "r2", **change})
    result = cfg.refresh()
    assert result.status == "kept" and result.revision == "r1"
    assert reason in result.error
    assert cfg.revision == "r1" and cfg.config_table()["sets"]["wait_seconds"] == 10.0


def test_unreachable_failing_or_untrusted_server_keeps_the_copy(server: Server, tmp_path: Path) -> None:
    server.publish(GOOD, **{"fete.png": PNG})
    cfg = central(server, tmp_path)
    cfg.refresh()
    server.routes["/station.json"] = (500, b"oops")
    assert cfg.refresh().error == "server answered HTTP 500"
    untrusted = CentralConfig(f"{server.url}/station.json", tmp_path / "cache", timeout_s=3)
    result = untrusted.refresh()
    assert result.status == "kept" and "certificate not trusted" in result.error
    server.stop()
    result = cfg.refresh()
    assert result.status == "kept" and result.error.startswith("server unreachable")
    assert cfg.revision == "r1" and cfg.announcements_dir() is not None


def test_first_start_without_server_has_no_copy(tmp_path: Path) -> None:
    cfg = CentralConfig("https://127.0.0.1:9/station.json", tmp_path / "cache", timeout_s=1)
    result = cfg.refresh()
    assert result.status == "kept" and result.revision is None and cfg.config_table() == {}


def test_effective_config_lays_the_local_file_over_the_central_copy(server: Server, tmp_path: Path) -> None:
    server.publish(GOOD, **{"fete.png": PNG})
    local = tmp_path / "kiosk.toml"
    local.write_text(
        f'[station]\nid = "FR-660010101-K1"\n[languages]\ndefault = "fr"\navailable = ["fr", "en"]\n'
        f'[central]\nurl = "{server.url}/station.json"\nca_file = "{server.ca}"\ncache_dir = "cache"\n'
    )
    config, result = effective_config(local)
    assert result.status == "updated"
    assert config.sets.wait_seconds == 10.0  # from the network
    assert config.languages.available == ("fr", "en")  # the local file wins
    assert config.station.id == "FR-660010101-K1"
    assert config.station.announcements == (tmp_path / "cache" / "current").resolve() / "announcements"
    server.stop()
    offline, result = effective_config(local)  # server gone: same configuration from the cache
    assert result.status == "kept" and offline.sets.wait_seconds == 10.0


def test_central_url_must_be_https() -> None:
    with pytest.raises(ConfigError, match=r"central\.url: .* must be an https:// URL"):
        parse_config({"central": {"url": "http://config.reseau.example/k1.json"}})
