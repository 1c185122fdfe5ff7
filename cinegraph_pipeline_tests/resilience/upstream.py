"""Small stdlib HTTP servers on 127.0.0.1 for the resilience tests: one that serves a fixed
answer, and a proxy in front of the sandbox that replaces chosen answers with others."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
)


@dataclass(frozen=True)
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True  # False: no Content-Length, the body ends when the socket closes


def content_type_for(name: str) -> str:
    if name.endswith(".json"):
        return "application/json;charset=utf-8"
    if name.endswith(".xml"):
        return "application/xml"
    if name.endswith(".txt"):
        return "text/plain"
    return "text/html; charset=utf-8"


Route = Callable[[str, dict[str, list[str]]], Answer | None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # clients hanging up early (size limits, timeouts) are part of the tests


class LocalUpstream:
    """Answers every GET and POST with `route(path, query)`; None falls through to the
    `upstream` base URL when one is given (a proxy), else to a 404. Counts requests."""

    def __init__(self, route: Route, upstream: str | None = None) -> None:
        self.route = route
        self.requests = 0
        self._lock = threading.Lock()
        target = urlsplit(upstream) if upstream else None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner._serve(self, target)

            def do_POST(self) -> None:
                owner._serve(self, target)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # request lines carry keys: no access log

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalUpstream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _serve(self, handler: BaseHTTPRequestHandler, target: Any) -> None:
        with self._lock:
            self.requests += 1
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        answer = self.route(parts.path, parse_qs(parts.query))
        if answer is None and target is not None:
            answer = _forward(target, handler, body)
        if answer is None:
            answer = Answer(b'{"error": "no route"}', 404)
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            if answer.send_length:
                handler.send_header("Content-Length", str(len(answer.body)))
            else:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


def _forward(target: Any, handler: BaseHTTPRequestHandler, body: bytes) -> Answer:
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        connection.request(handler.command, handler.path, body=body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
        content_type = kept.pop("Content-Type", "application/octet-stream")
        return Answer(data, response.status, content_type, kept)
    finally:
        connection.close()
