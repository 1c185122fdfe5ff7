"""IMDb pages: title pages (source `imdb`) and event pages (source `festival_scraper`),
fetched directly or, when a Zyte key is set, through the Zyte API (metadata `via: zyte`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from ..calls import CallTracker, TrackedClient
from ..errors import ErrorType, Operation, Source, SourceError
from ..http.limits import DailyQuota, QuotaStore, TokenBucket
from ..http.transport import HttpTransport
from ..options import HttpOptions, build_transport, join_url, key_fingerprint
from ..records import EventEdition, ImdbTitle
from ..tracking import Recorder
from . import zyte as zyte_api
from .event_page import parse_event_page
from .html import page_title
from .title_page import parse_title_page
from .zyte import ZyteOptions

T = TypeVar("T")

BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    # English titles in titleText; JSON-LD `name` stays the original title
    "Accept-Language": "en-US,en;q=0.9",
}


def classify_page(
    status: int, headers: Mapping[str, str] | None = None
) -> tuple[ErrorType, str] | None:
    """IMDb's answer to a page request; None when it is a page to parse. A WAF challenge
    (202, header `x-amzn-waf-action`), a captcha (405) or a 403 is `blocked`, never a page."""
    waf = (headers or {}).get("x-amzn-waf-action")
    if status == 200 and not waf:
        return None
    if waf or status in (202, 403, 405):
        action = f", x-amzn-waf-action: {waf}" if waf else ""
        return ErrorType.BLOCKED, f"IMDb blocked the request (HTTP {status}{action})"
    if status in (404, 410):
        return ErrorType.NOT_FOUND, f"IMDb has no such page (HTTP {status})"
    if status == 429:
        return ErrorType.RATE_LIMIT, "IMDb rate limit (HTTP 429)"
    if status >= 500:
        return ErrorType.HTTP_5XX, f"IMDb error (HTTP {status})"
    if status >= 400:
        return ErrorType.HTTP_4XX, f"IMDb refused the request (HTTP {status})"
    return ErrorType.PARSE_ERROR, f"IMDb answered HTTP {status} without a page"


def with_page_title(message: str, body: bytes) -> str:
    """`message` with the title of the error page the server sent, when it has one: IMDb's
    says "404 Error - IMDb"; another server speaking IMDb's format may say why it has no page."""
    title = page_title(body)
    return f"{message}: {title}" if title else message


class ImdbClient(TrackedClient):
    """Thread-safe; one per run. Direct fetches are paced politely (about one a second by
    default); through Zyte the pace and a daily dollar budget are Zyte's settings."""

    source = Source.IMDB

    def __init__(
        self,
        options: HttpOptions,
        recorder: Recorder,
        *,
        zyte: ZyteOptions | None = None,
        quota_store: QuotaStore | None = None,
    ) -> None:
        self.options = options
        self.zyte = zyte if zyte is not None and zyte.api_key else None
        self.budget: DailyQuota | None = None
        breaker = options.breaker()
        secrets = (self.zyte.api_key,) if self.zyte else ()
        self._transport: HttpTransport
        if self.zyte is None:
            self._transport = build_transport(
                options,
                source=Source.IMDB,
                cache_name="imdb",
                cacheable=_page_cacheable,
                breaker=breaker,
                headers=BROWSER_HEADERS,
            )
            self._cost = options.cost_per_call_usd
        else:
            self.budget = DailyQuota(
                f"zyte:{key_fingerprint(self.zyte.api_key)}",
                self.zyte.daily_budget_usd,
                quota_store,
            )
            self._transport = build_transport(
                options,
                source=Source.IMDB,
                cache_name="imdb_zyte",
                cacheable=zyte_api.cacheable,
                breaker=breaker,
                secrets=secrets,
                headers={"Accept": "application/json"},
                quota=self.budget,
                quota_cost=self.zyte.cost_per_request_usd,
                limiter=TokenBucket(self.zyte.requests_per_second, 1, sleep=options.sleep),
                cache_methods=("POST",),
                retry_statuses=zyte_api.ZYTE_RETRY_STATUSES,
                billable=zyte_api.billable,
            )
            self._cost = self.zyte.cost_per_request_usd
        self._tracker = CallTracker(recorder, breaker=breaker, secrets=secrets)

    @property
    def via(self) -> str:
        return "zyte" if self.zyte else "direct"

    def title_page(self, imdb_id: str) -> ImdbTitle:
        imdb_id = imdb_id.strip()
        url = join_url(self.options.base_url, f"title/{quote(imdb_id, safe='')}/")

        def fetch() -> ImdbTitle:
            page = self._fetch_page(url, Source.IMDB, Operation.TITLE_PAGE)
            return parse_title_page(
                page, expected_id=imdb_id, max_bytes=self.options.max_body_bytes
            )

        return self._track(Source.IMDB, Operation.TITLE_PAGE, imdb_id, fetch, ("title", imdb_id))

    def event_page(self, event_id: str, year: int) -> EventEdition:
        event_id = event_id.strip()
        path = f"event/{quote(event_id, safe='')}/{int(year)}/1/"
        url = join_url(self.options.base_url, path)

        def fetch() -> EventEdition:
            page = self._fetch_page(url, Source.FESTIVAL_SCRAPER, Operation.EVENT_PAGE)
            return parse_event_page(
                page, event_id, int(year), max_bytes=self.options.max_body_bytes
            )

        return self._track(
            Source.FESTIVAL_SCRAPER,
            Operation.EVENT_PAGE,
            f"{event_id}/{year}",
            fetch,
            ("event", event_id, int(year)),
        )

    def _track(
        self,
        source: Source,
        operation: Operation,
        target: str,
        fetch: Callable[[], T],
        memo_key: tuple[Any, ...],
    ) -> T:
        return self._tracker.call(
            source=source,
            operation=operation,
            target=target,
            fetch=fetch,
            cost_per_response=self._cost,
            memo_key=memo_key,
            metadata={"via": "zyte"} if self.zyte else None,
        )

    def _fetch_page(self, url: str, source: Source, operation: Operation) -> bytes:
        if self.zyte is None:
            reply = self._transport.request("GET", url, operation=operation, source=source)
            status, body, headers = reply.status, reply.content, reply.headers
            retry_after = reply.retry_after
        else:
            reply = self._transport.request(
                "POST",
                self.zyte.api_url,
                operation=operation,
                source=source,
                json=zyte_api.request_body(url),
                auth=(self.zyte.api_key, ""),
            )
            if reply.status != 200:
                raise zyte_api.zyte_error(reply, source, operation)
            status, body = zyte_api.decode_reply(reply, source, operation)
            headers, retry_after = None, None
        problem = classify_page(status, headers)
        if problem is not None:
            error_type, message = problem
            if error_type is ErrorType.NOT_FOUND:
                message = with_page_title(message, body)
            raise SourceError(
                source, operation, error_type, message, status_code=status, retry_after=retry_after
            )
        return body


def _page_cacheable(response: requests.Response) -> bool:
    """A real page only: a block or an error page must be fetched again."""
    return "x-amzn-waf-action" not in response.headers and b"__NEXT_DATA__" in response.content
