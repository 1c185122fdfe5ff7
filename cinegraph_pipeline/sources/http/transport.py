"""Sends one logical request with retries, and turns transport failures into `SourceError`.

Retries are done here, above requests-cache and the gated adapter, rather than with urllib3's
`Retry` inside the adapter: that way each attempt takes its own rate-limit token, is counted
in the call's `retries`, and the final answer (a 429 included) comes back with its body so
the client can classify it (`rate_limit` even when retries ran out).
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from ..errors import ErrorType, Operation, Source, SourceError, redact
from .adapter import BodyTooLargeError, CircuitOpenError, QuotaExhaustedError
from .session import is_from_cache
from .stats import CallStats, current_stats

logger = logging.getLogger(__name__)

RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff with jitter. `Retry-After` is honoured when present (up to
    `retry_after_max`; a longer wait is not worth holding a worker for, so the answer is
    returned and classified); when it is missing we back off anyway."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    statuses: frozenset[int] = RETRY_STATUSES

    def backoff(self, retry_index: int, rng: Callable[[], float] = random.random) -> float:
        """Equal jitter: half the capped exponential delay, plus a random part of the other
        half, so concurrent clients that failed together do not retry together."""
        delay = min(self.backoff_max, self.backoff_base * (2**retry_index))
        return delay / 2 + rng() * delay / 2


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    url: str  # redacted
    from_cache: bool
    retry_after: float | None = None
    elapsed_ms: float = 0.0

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass
class Timeouts:
    connect: float = 5.0
    read: float = 20.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass
class HttpTransport:
    """One upstream host: its session, timeouts, retry policy and secrets to redact."""

    session: requests.Session
    source: Source
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def request(
        self,
        method: str,
        url: str,
        *,
        operation: Operation,
        source: Source | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        auth: tuple[str, str] | None = None,
    ) -> HttpReply:
        """Returns the final HTTP answer, whatever its status; raises `SourceError` only when
        no answer came (timeout, network, quota, open circuit, oversized body)."""
        src = source or self.source
        stats = current_stats()
        last_error: SourceError | None = None
        for attempt in range(self.retry.max_retries + 1):
            if attempt and stats is not None:
                stats.retries = attempt
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    json=json,
                    auth=auth,
                    timeout=self.timeouts.as_tuple(),
                    allow_redirects=True,
                )
            except QuotaExhaustedError as exc:
                raise self._error(src, operation, ErrorType.QUOTA_EXHAUSTED, exc) from None
            except CircuitOpenError as exc:
                raise self._error(src, operation, ErrorType.CIRCUIT_OPEN, exc) from None
            except BodyTooLargeError as exc:
                raise self._error(src, operation, ErrorType.PARSE_ERROR, exc) from None
            except requests.Timeout as exc:
                last_error = self._error(src, operation, ErrorType.TIMEOUT, exc)
                _note_attempt(stats, last_error.error_type)
            except requests.ConnectionError as exc:
                last_error = self._error(src, operation, ErrorType.NETWORK, exc)
                _note_attempt(stats, last_error.error_type)
            except requests.RequestException as exc:  # bad URL, bad scheme: not worth retrying
                raise self._error(src, operation, ErrorType.NETWORK, exc) from None
            else:
                reply = self._reply(response, started)
                if stats is not None:
                    stats.from_cache = reply.from_cache
                    stats.status_code = reply.status
                    if not reply.from_cache:
                        _note_attempt(stats, attempt_error_for_status(reply.status))
                if reply.status not in self.retry.statuses or attempt >= self.retry.max_retries:
                    return reply
                delay = self._delay_for(reply, attempt)
                if delay is None:
                    return reply
                self._log_retry(src, operation, f"HTTP {reply.status}", delay, attempt)
                self._pause(delay)
                continue
            if attempt >= self.retry.max_retries:
                break
            delay = self.retry.backoff(attempt, self.rng)
            self._log_retry(src, operation, last_error.error_type.value, delay, attempt)
            self._pause(delay)
        assert last_error is not None
        raise last_error

    def _reply(self, response: requests.Response, started: float) -> HttpReply:
        return HttpReply(
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            content=response.content or b"",
            url=redact(response.url or "", *self.secrets),
            from_cache=is_from_cache(response),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _delay_for(self, reply: HttpReply, attempt: int) -> float | None:
        if reply.retry_after is not None:
            if reply.retry_after > self.retry.retry_after_max:
                return None
            return reply.retry_after
        return self.retry.backoff(attempt, self.rng)

    def _pause(self, seconds: float) -> None:
        stats = current_stats()
        if stats is not None:
            stats.wait_seconds += seconds
        if seconds > 0:
            self.sleep(seconds)

    def _log_retry(
        self, source: Source, operation: Operation, why: str, delay: float, attempt: int
    ) -> None:
        logger.info(
            "%s.%s: %s, retry %d/%d in %.2fs",
            source,
            operation,
            why,
            attempt + 1,
            self.retry.max_retries,
            delay,
        )

    def _error(
        self, source: Source, operation: Operation, error_type: ErrorType, exc: BaseException
    ) -> SourceError:
        return SourceError(source, operation, error_type, redact(str(exc), *self.secrets))


def attempt_error_for_status(status: int) -> ErrorType | None:
    """How one network attempt failed, judged from its status alone (the client may still
    judge a 200 or a 403 a failure, e.g. a WAF block: `CallTracker` adds those)."""
    if status == 429:
        return ErrorType.RATE_LIMIT
    if status >= 500:
        return ErrorType.HTTP_5XX
    return None


def _note_attempt(stats: CallStats | None, error_type: ErrorType | None) -> None:
    if stats is None:
        return
    if error_type is None:
        stats.attempt_answered()
    else:
        stats.attempt_failed(error_type.value)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
