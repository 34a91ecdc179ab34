"""The small HTTP endpoint every Borne service exposes for operations: ``/metrics`` and ``/health``.

- ``GET /metrics``: the service's Prometheus registry in the text exposition format (``prometheus_client``);
- ``GET /health``: a JSON object from the service's ``health()`` callable, with HTTP 200 when its
  ``"status"`` is ``"ok"`` and 503 otherwise (load balancers and ``curl --fail`` read the code, people read
  the JSON: reader, SIGB, offline queue…);
- anything else: 404.

Why here: the kiosk and the gate both need it, they are sibling layers that may not import each other, and
the code is transport plumbing (a socket server) like the rest of ``drivers``; it knows nothing of either
service. It runs a ``wsgiref`` server on a daemon thread, one thread per request, so a slow scraper never
blocks the service, and it binds only where configured (``[metrics] host``, default 127.0.0.1).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)

Health = Callable[[], dict[str, Any]]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every 15 s would flood the journal
        log.debug("%s " + format, self.address_string(), *args)


class ServiceEndpoint:
    """Serves ``registry`` on ``/metrics`` and ``health()`` on ``/health``; ``port=0`` picks a free port."""

    def __init__(self, registry: CollectorRegistry, health: Health, *, host: str = "127.0.0.1",
                 port: int = 9108) -> None:
        self.registry, self.health = registry, health
        self._server = make_server(host, port, self._app, server_class=_ThreadingServer,
                                   handler_class=_QuietHandler)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> ServiceEndpoint:
        self._thread = threading.Thread(target=self._server.serve_forever, name="borne-metrics", daemon=True)
        self._thread.start()
        log.info("metrics and health on http://%s:%d/", *self.address)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def __enter__(self) -> ServiceEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _reply(start_response, "405 Method Not Allowed", "text/plain", b"GET only\n")
        if path == "/metrics":
            return _reply(start_response, "200 OK", CONTENT_TYPE_LATEST, generate_latest(self.registry))
        if path == "/health":
            try:
                report = self.health()
            except Exception as exc:  # a broken health check is itself unhealthy, not a crash
                log.exception("health check failed")
                report = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            status = "200 OK" if report.get("status") == "ok" else "503 Service Unavailable"
            body = json.dumps(report, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n"
            return _reply(start_response, status, "application/json", body)
        return _reply(start_response, "404 Not Found", "text/plain", b"try /metrics or /health\n")


def _reply(start_response: Callable[..., Any], status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
