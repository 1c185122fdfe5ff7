"""Zyte API emulation (`POST /zyte/v1/extract`): fetches IMDb pages from the sandbox's own
IMDb routes, never WAF-blocked, and answers in Zyte's JSON (`statusCode`, base64
`httpResponseBody`)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from .settings import SANDBOX_KEY
from .web import Request, Response, json_response


def problem(status: int, kind: str, title: str, detail: str, outcome: str) -> Response:
    """Zyte's error body (RFC 7807 problem details)."""
    payload = {"type": kind, "title": title, "status": status, "detail": detail}
    return json_response(payload, status, outcome, {"Content-Type": "application/problem+json"})


def unauthorized() -> Response:
    detail = "The authentication key is not valid or can't be matched."
    return problem(401, "/auth/key-not-found", "Authentication Key Not Found", detail, "auth")


def server_error(status: int) -> Response:
    if status == 500:
        return problem(500, "/internal-error", "Internal Server Error", "Try again.", "http_5xx")
    detail = "There was a temporary error while downloading the website."
    return problem(
        520, "/download/temporary-error", "Temporary Downloading Error", detail, "http_5xx"
    )


def authorized(request: Request, keys: Collection[str] = (SANDBOX_KEY,)) -> bool:
    scheme, _, encoded = (request.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").split(":", 1)[0]
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user in keys


class ZyteService:
    def __init__(self, fetch_imdb: Callable[[str], Response]) -> None:
        self._fetch_imdb = fetch_imdb  # IMDb path (after /imdb) -> the page, without faults

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return problem(405, "/request/method", "Method Not Allowed", "Use POST.", "bad_request")
        try:
            body = request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _invalid("The request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("url"), str):
            return _invalid("The 'url' field is required.")
        wants_body = body.get("httpResponseBody") is True
        wants_html = body.get("browserHtml") is True
        if not wants_body and not wants_html:
            return _invalid("Request httpResponseBody or browserHtml.")
        url = body["url"]
        target = self._target(url)
        page = self._fetch_imdb(target) if target is not None else None
        status = page.status if page is not None else 404
        content = page.body if page is not None else b""
        answer: dict[str, object] = {"url": url, "statusCode": status}
        if wants_body:
            answer["httpResponseBody"] = base64.b64encode(content).decode("ascii")
        if wants_html:
            answer["browserHtml"] = content.decode("utf-8", errors="replace")
        if body.get("httpResponseHeaders") is True and page is not None:
            answer["httpResponseHeaders"] = [
                {"name": name, "value": value} for name, value in page.headers.items()
            ]
        return json_response(answer, outcome="ok" if status == 200 else "not_found")

    @staticmethod
    def _target(url: str) -> str | None:
        """The IMDb path a URL names: the sandbox's `/imdb/...` or IMDb's own site."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        path = parts.path or "/"
        if path.startswith("/imdb/"):
            return path[len("/imdb") :]
        if parts.hostname and parts.hostname.endswith("imdb.com"):
            return path
        return None


def _invalid(detail: str) -> Response:
    return problem(400, "/request/invalid", "Invalid Request", detail, "bad_request")
