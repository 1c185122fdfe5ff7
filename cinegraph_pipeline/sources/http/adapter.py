"""The requests adapter every real request passes through (below the HTTP cache).

Putting the guards here rather than around `session.get` means cache hits cost nothing: they
take no rate-limit token, spend no quota, are never refused by an open circuit and are never
billed. It also caps the body we read, so a runaway page cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

from ..errors import redact
from .limits import AdaptiveRateLimiter, CircuitBreaker, DailyQuota, TokenBucket
from .stats import current_stats

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


class GateError(requests.RequestException):
    """Raised by the gate before anything is sent; never retried."""


class QuotaExhaustedError(GateError):
    pass


class CircuitOpenError(GateError):
    pass


class BodyTooLargeError(requests.RequestException):
    def __init__(self, limit: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(f"response body larger than {limit} bytes; not parsed", *args, **kwargs)
        self.limit = limit


def not_a_redirect(status: int) -> bool:
    return not 300 <= status < 400


@dataclass
class RequestGate:
    """The guards of one upstream host. `quota_cost` is what one request spends of the quota
    (1 for a request count, the price for a dollar budget). The quota is reserved before
    sending and given back when no `billable` answer came (no answer at all, a redirect hop,
    or for Zyte anything but a successful answer), so it never overspends nor drifts."""

    limiter: TokenBucket | None = None
    quota: DailyQuota | None = None
    quota_cost: float = 1.0
    breaker: CircuitBreaker | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    secrets: tuple[str, ...] = ()
    billable: Callable[[int], bool] = field(default=not_a_redirect)


class GatedAdapter(HTTPAdapter):
    """An HTTPAdapter that applies a RequestGate and reads the body itself with a size cap.

    urllib3-level retries are disabled (max_retries=0): the transport above retries, so that
    every attempt takes its own rate-limit token and is counted in the call's metadata.
    """

    def __init__(self, gate: RequestGate, *, pool_maxsize: int = 16) -> None:
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)
        self.gate = gate

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        gate = self.gate
        stats = current_stats()
        if gate.breaker is not None and not (stats and stats.breaker_admitted):
            if not gate.breaker.allow():
                raise CircuitOpenError("circuit open: calls paused after repeated failures")
            if stats is not None:
                stats.breaker_admitted = True
        if gate.quota is not None and not gate.quota.try_consume(gate.quota_cost):
            raise QuotaExhaustedError(
                f"daily quota {gate.quota.limit:g} reached for {gate.quota.name.split(':')[0]}"
            )
        if gate.limiter is not None:
            waited = gate.limiter.acquire()
            if stats is not None:
                stats.wait_seconds += waited
        if stats is not None:
            stats.attempts += 1
        try:
            response = super().send(
                request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        except BaseException:
            if gate.quota is not None:
                gate.quota.refund(gate.quota_cost)
            raise
        if isinstance(gate.limiter, AdaptiveRateLimiter):
            gate.limiter.observe(response.status_code)
        billable = gate.billable(response.status_code)
        if stats is not None:
            stats.responses += 1
            stats.billed += int(billable)
            stats.status_code = response.status_code
        if gate.quota is not None and not billable:
            gate.quota.refund(gate.quota_cost)
        self._read_capped(response, request)
        return response

    def _read_capped(self, response: requests.Response, request: requests.PreparedRequest) -> None:
        """Reads the whole body now, refusing more than `max_body_bytes` (decoded), and turns
        urllib3's read errors into the requests exceptions the transport classifies."""
        limit = self.gate.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise BodyTooLargeError(limit, request=request, response=response)
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.raw.stream(64 * 1024, decode_content=True):
                total += len(chunk)
                if total > limit:
                    response.close()
                    raise BodyTooLargeError(limit, request=request, response=response)
                chunks.append(chunk)
        except ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc, request=request) from exc
        except (ProtocolError, DecodeError) as exc:
            raise requests.ConnectionError(
                f"response body cut short: {exc}", request=request
            ) from exc
        response._content = b"".join(chunks)
        response._content_consumed = True
        # The raw response keeps the request URL with its query string (api_key/apikey).
        # requests-cache redacts the request and URL it stores but not this field: its SQLite
        # serializer happens to drop it, its memory backend keeps it. Redact it everywhere.
        raw_url = getattr(response.raw, "_request_url", None)
        if isinstance(raw_url, str):
            response.raw._request_url = redact(raw_url, *self.gate.secrets)
