"""The sandbox's HTTP server: a threading stdlib server on 127.0.0.1, embeddable in tests and
benchmarks (`with SandboxServer(SandboxConfig()) as sandbox: ...`)."""

from __future__ import annotations

import logging
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .. import config
from .app import IMDB_GRAPHQL_PATH, IMDB_PREFIX, TMDB_PREFIX, ZYTE_PATH, SandboxApp
from .catalog import Catalog, FilmTruth
from .settings import SANDBOX_KEY, Faults, SandboxConfig
from .web import Request

log = logging.getLogger(__name__)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # benchmarks open ~100 connections at once

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection error", exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server_version = "cinegraph-sandbox"
    sys_version = ""
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = self.server.app.handle(request)
        except Exception:
            log.exception("sandbox error on %s %s", self.command, request.path)
            self.send_error(500, "sandbox error")
            return
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (read timeout): nothing to do

    def log_message(self, format: str, *args: Any) -> None:
        # No access log: request lines can carry API keys.
        return


class SandboxServer:
    """The sandbox in a background thread. `start()` returns self; `env()` gives the
    environment that points the pipeline at it."""

    def __init__(self, config: SandboxConfig | None = None, catalog: Catalog | None = None) -> None:
        self.config = config or SandboxConfig()
        self.app = SandboxApp(self.config, catalog)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._httpd = _HttpServer((self.config.host, self.config.port), self.app)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"cinegraph-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.app.faults.release_sleepers()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment variables that point the pipeline at this sandbox."""
        base = self.base_url
        key = self.config.accepted_keys[0] if self.config.accepted_keys else SANDBOX_KEY
        return {
            config.TMDB_BASE_URL_VAR: f"{base}{TMDB_PREFIX}",
            config.TMDB_API_KEY_VAR: key,
            config.OMDB_BASE_URL_VAR: f"{base}/omdb/",
            config.OMDB_API_KEY_VAR: key,
            config.IMDB_BASE_URL_VAR: f"{base}{IMDB_PREFIX}",
            config.IMDB_GRAPHQL_URL_VAR: f"{base}{IMDB_GRAPHQL_PATH}",
            config.ZYTE_API_URL_VAR: f"{base}{ZYTE_PATH}",
        }

    # -- state, the same operations as the admin routes ----------------------------------

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog

    def stats(self) -> dict[str, Any]:
        return self.app.stats_report()

    def set_faults(self, **changes: Any) -> Faults:
        return self.app.set_faults(changes)

    def release(self, imdb_id: str) -> FilmTruth:
        return self.app.release(imdb_id)

    def reset(self) -> None:
        self.app.reset()

    def truth(self, imdb_id: str) -> FilmTruth:
        return self.app.truth(imdb_id)
