"""IMDb emulation (`/imdb/...`): event pages, title pages, the 404 page and WAF blocks."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .catalog import Catalog, Nomination
from .faults import WafBlock
from .imdb_events import event_page, missing_edition_text
from .imdb_html import not_found_page
from .imdb_titles import title_page
from .web import Request, Response, html_response

_TITLE_PATH = re.compile(r"^/title/(tt\d+)/?$")
_EVENT_PATH = re.compile(r"^/event/(ev\d+)/(\d{4})(?:/(\d+))?/?$")


def not_found(reason: str = "") -> Response:
    """IMDb's 404 page; with a `reason`, the page's title says it (so does IMDb's own title,
    "404 Error - IMDb": clients may show a 404 page's title)."""
    return html_response(not_found_page(reason), 404, "not_found")


def waf_response(block: WafBlock) -> Response:
    """A block by IMDb's AWS WAF: 202 challenge with an empty body, 405 captcha, or 403."""
    headers = {"x-amzn-waf-action": block.action} if block.action else {}
    if block.status == 202:
        return Response(202, b"", {"Content-Type": "text/html", **headers}, "blocked")
    if block.status == 405:
        page = (
            "<!DOCTYPE html><html><head><title></title></head><body>"
            '<div id="captcha-container"></div>'
            "<script>window.gokuProps={};AwsWafIntegration.checkForceRefresh()</script>"
            "</body></html>"
        )
        return html_response(page, 405, "blocked", headers)
    page = (
        "<!DOCTYPE HTML PUBLIC><html><head><title>403 Forbidden</title></head>"
        "<body><h1>403 ERROR</h1><p>The request could not be satisfied.</p></body></html>"
    )
    return html_response(page, 403, "blocked")


def server_error(status: int) -> Response:
    page = f"<html><head><title>{status}</title></head><body><h1>{status} Error</h1></body></html>"
    return html_response(page, status, "http_5xx")


class ImdbService:
    def __init__(
        self,
        catalog: Catalog,
        synthetic: Mapping[tuple[str, int], tuple[Nomination, ...]] | None = None,
    ) -> None:
        self.catalog = catalog
        self.synthetic = dict(synthetic or {})  # (event id, year) -> nominations

    @staticmethod
    def route_name(path: str) -> str:
        if path.startswith("/title/"):
            return "imdb.title"
        if path.startswith("/event/"):
            return "imdb.event"
        return "imdb.other"

    def handle(self, request: Request, path: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            return not_found()
        match = _TITLE_PATH.match(path)
        if match:
            imdb_id = match.group(1)
            film = self.catalog.film(imdb_id)
            if film is None or not self.catalog.on_imdb(imdb_id):
                return not_found()
            return html_response(title_page(self.catalog, film))
        match = _EVENT_PATH.match(path)
        if match and (match.group(3) or "1") == "1":
            event_id, year = match.group(1), int(match.group(2))
            page = event_page(self.catalog, event_id, year, self.synthetic)
            if page is not None:
                return html_response(page)
            return not_found(missing_edition_text(self.catalog, event_id, year, self.synthetic))
        return not_found()
