"""A scripted HTTP server on 127.0.0.1 (stdlib, one thread per request) for client tests.

Each path gets a queue of canned answers (the last one repeats), every request is logged, and
answers can be delayed, cut short or sent without Content-Length, which is all the failure
modes the clients must classify.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Canned:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_short: bool = False  # declare the full length, send half, close
    no_length: bool = False  # no Content-Length: the body ends when the connection closes

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()

    def content_type(self) -> str:
        if isinstance(self.body, dict | list):
            return "application/json"
        return "text/html; charset=utf-8"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


Responder = Callable[[Seen], Canned]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Canned] | Responder] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # clients that hang up on purpose (timeouts) are expected

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, *answers: Canned) -> None:
        self.routes[path] = list(answers)

    def respond(self, path: str, responder: Responder) -> None:
        self.routes[path] = responder

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        seen = Seen(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k: v for k, v in handler.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        with self._lock:
            self.seen.append(seen)
            route = self.routes.get(parts.path)
            if route is None:
                answer = Canned(404, {"error": "no route"})
            elif callable(route):
                answer = None
            elif len(route) > 1:
                answer = route.pop(0)
            else:
                answer = route[0]
        if answer is None:
            assert callable(route)
            answer = route(seen)
        self._send(handler, answer)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, answer: Canned) -> None:
        if answer.delay:
            time.sleep(answer.delay)
        payload = answer.payload()
        try:
            handler.send_response(answer.status)
            headers = {"Content-Type": answer.content_type(), **answer.headers}
            for name, value in headers.items():
                handler.send_header(name, value)
            if not answer.no_length:
                handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload[: len(payload) // 2] if answer.cut_short else payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def unused_port() -> int:
    """A port nothing listens on (bound then released), for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
