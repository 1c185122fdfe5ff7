"""IMDb pages through the Zyte API (a paid rendering proxy IMDb does not block).

`POST {ZYTE_API_URL}` with HTTP Basic auth (key as user, empty password) and
`{"url": ..., "httpResponseBody": true}`; the answer carries the target's `statusCode` and
the page in base64 `httpResponseBody`. Zyte's own failures are mapped here; the target's
status is mapped like a direct fetch by the client.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import requests

from ...config import DEFAULT_ZYTE_API_URL
from ..errors import ErrorType, Operation, Source, SourceError
from ..http.transport import RETRY_STATUSES, HttpReply
from ..parsing import clean_text, load_json

# 520: Zyte could not get a usable answer (often a temporary ban); 521: Zyte internal error.
ZYTE_RETRY_STATUSES: frozenset[int] = RETRY_STATUSES | {520, 521}
ZYTE_AUTH_HINT = "set ZYTE_API_KEY to a valid Zyte API key (or unset it to fetch IMDb directly)"


@dataclass(frozen=True, slots=True)
class ZyteOptions:
    api_key: str
    api_url: str = DEFAULT_ZYTE_API_URL
    cost_per_request_usd: float = 0.0005  # an estimate: set it from your Zyte plan
    daily_budget_usd: float = 5.0  # 0 or less: no budget
    requests_per_second: float = 5.0


def billable(status: int) -> bool:
    """Zyte charges for successful answers only (its errors, 520 bans included, are free)."""
    return status == 200


def request_body(url: str) -> dict[str, object]:
    return {"url": url, "httpResponseBody": True}


def decode_reply(reply: HttpReply, source: Source, operation: Operation) -> tuple[int, bytes]:
    """The target's status and page from a Zyte 200 answer."""
    data = load_json(reply.content, source, operation)
    if not isinstance(data, dict) or not isinstance(data.get("statusCode"), int):
        raise SourceError(
            source, operation, ErrorType.PARSE_ERROR, "Zyte answer without statusCode"
        )
    encoded = data.get("httpResponseBody") or ""
    if not isinstance(encoded, str):
        raise SourceError(
            source, operation, ErrorType.PARSE_ERROR, "Zyte httpResponseBody not text"
        )
    try:
        body = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SourceError(
            source, operation, ErrorType.PARSE_ERROR, "Zyte httpResponseBody is not base64"
        ) from None
    return data["statusCode"], body


def zyte_error(reply: HttpReply, source: Source, operation: Operation) -> SourceError:
    """A non-200 answer from Zyte itself (RFC 7807 problem JSON when it has a body)."""
    detail = _problem_text(reply.content) or f"HTTP {reply.status}"
    status = reply.status
    if status in (401, 403):
        error_type, message = (
            ErrorType.AUTH,
            f"Zyte API refused the key ({detail}): {ZYTE_AUTH_HINT}",
        )
    elif status == 429:
        error_type, message = ErrorType.RATE_LIMIT, f"Zyte API rate limit: {detail}"
    elif status == 520:
        error_type, message = ErrorType.BLOCKED, f"Zyte could not fetch the page: {detail}"
    elif status >= 500:
        error_type, message = ErrorType.HTTP_5XX, f"Zyte API error: {detail}"
    else:
        error_type, message = ErrorType.HTTP_4XX, f"Zyte API rejected the request: {detail}"
    return SourceError(
        source, operation, error_type, message, status_code=status, retry_after=reply.retry_after
    )


def cacheable(response: requests.Response) -> bool:
    """Only a Zyte answer carrying a real page (target 200 with the Next.js data)."""
    data = load_json(response.content, Source.IMDB, Operation.TITLE_PAGE)
    if not isinstance(data, dict) or data.get("statusCode") != 200:
        return False
    encoded = data.get("httpResponseBody")
    if not isinstance(encoded, str) or not encoded:
        return False
    return b"__NEXT_DATA__" in base64.b64decode(encoded)


def _problem_text(content: bytes) -> str | None:
    try:
        data = load_json(content, Source.IMDB, Operation.TITLE_PAGE)
    except SourceError:
        return None
    if not isinstance(data, dict):
        return None
    parts = [clean_text(data.get("title")), clean_text(data.get("detail"))]
    text = ": ".join(p for p in parts if p)
    return text or None
