"""Requests and responses as plain values, so the services are functions of a request and
the Zyte emulation can call the IMDb routes without a socket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, str] = field(default_factory=dict)  # first value of each parameter
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    @classmethod
    def build(
        cls, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Request:
        parts = urlsplit(target)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        lowered = {name.lower(): value for name, value in (headers or {}).items()}
        return cls(method.upper(), parts.path or "/", query, lowered, body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    outcome: str = "ok"  # for the statistics: ok, not_found, auth, rate_limit, http_5xx, ...


def json_response(
    payload: Any, status: int = 200, outcome: str = "ok", headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    all_headers = {"Content-Type": "application/json;charset=utf-8", **(headers or {})}
    return Response(status, body, all_headers, outcome)


def html_response(
    page: str, status: int = 200, outcome: str = "ok", headers: dict[str, str] | None = None
) -> Response:
    all_headers = {"Content-Type": "text/html;charset=UTF-8", **(headers or {})}
    return Response(status, page.encode("utf-8"), all_headers, outcome)


def script_json(payload: Any) -> str:
    """JSON safe inside a <script> element (`<` escaped the way Next.js does)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
