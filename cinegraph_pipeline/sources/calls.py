"""Runs one client method as one tracked call: in-run memo, circuit-breaker bookkeeping and
exactly one `api_lookup_metrics` row, whatever happens.

Clients describe *what* to fetch and parse; this module owns the rules that must hold for all
of them (one row per call, not-found is a success, cache hits cost nothing, secrets never
leave), so they are written once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .closing import ClosedOnExit
from .errors import ErrorType, Operation, Source, SourceError, internal_error, redact
from .http.limits import CircuitBreaker
from .http.stats import CallStats, tracking_call
from .http.transport import HttpTransport
from .logsafety import install_log_redaction
from .tracking import Origin, Recorder

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Failures that say the service is unwell or refusing us: these open the circuit.
BREAKER_FAILURES: frozenset[ErrorType] = frozenset(
    {
        ErrorType.RATE_LIMIT,
        ErrorType.TIMEOUT,
        ErrorType.HTTP_5XX,
        ErrorType.NETWORK,
        ErrorType.BLOCKED,
    }
)
# Refusals decided locally, before the service was asked: they judge nothing.
LOCAL_REFUSALS: frozenset[ErrorType] = frozenset(
    {ErrorType.QUOTA_EXHAUSTED, ErrorType.CIRCUIT_OPEN}
)


@dataclass(frozen=True, slots=True)
class _Remembered:
    """A memo entry: a value, or the not-found error to raise again."""

    value: Any = None
    error: SourceError | None = None


class RunMemo:
    """Answers already obtained in this run (values and not-found answers, never transient
    errors), so a film named in five categories is fetched once even with the HTTP cache off.
    Bounded, oldest first out."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Remembered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> _Remembered | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Hashable, entry: _Remembered) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class CallTracker:
    """Shared by the clients of one source for one run."""

    def __init__(
        self,
        recorder: Recorder,
        *,
        breaker: CircuitBreaker | None = None,
        secrets: tuple[str, ...] = (),
        memo: RunMemo | None = None,
    ) -> None:
        self.recorder = recorder
        self.breaker = breaker
        self.secrets = tuple(s for s in secrets if s)
        self.memo = memo if memo is not None else RunMemo()
        install_log_redaction()

    def call(
        self,
        *,
        source: Source,
        operation: Operation,
        target: str,
        fetch: Callable[[], T],
        cost_per_response: float = 0.0,
        memo_key: Hashable | None = None,
        is_not_found: Callable[[T], bool] | None = None,
        fallback_level: int | None = None,
        confidence: float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> T:
        target = redact(target, *self.secrets)
        if memo_key is not None:
            remembered = self.memo.get(memo_key)
            if remembered is not None:
                return self._replay(
                    remembered, source, operation, target, fallback_level, confidence, metadata
                )

        stats = CallStats()
        started = time.perf_counter()
        error: SourceError | None = None
        value: Any = None
        with tracking_call(stats):
            try:
                value = fetch()
            except SourceError as exc:
                error = self._sanitized(exc)
            except Exception as exc:
                # Parsers reject bad input with parse_error themselves: anything else is a bug
                # of ours, recorded as internal_error (the row is still written).
                error = self._sanitized(internal_error(source, operation, exc))
        elapsed_ms = max(0.0, (time.perf_counter() - started - stats.wait_seconds) * 1000.0)
        self._judge_service(stats, error)

        cached = stats.from_cache and stats.responses == 0
        origin = self._origin(stats, error, cached)
        if (
            error is not None
            and error.error_type in BREAKER_FAILURES
            and stats.attempts
            and not stats.last_attempt_failed
        ):
            # The transport saw an answer; the client judged it a failure (a WAF block).
            stats.attempt_failed(error.error_type.value)
        not_found = (error is not None and error.error_type is ErrorType.NOT_FOUND) or (
            error is None and is_not_found is not None and is_not_found(value)
        )
        extra: dict[str, Any] = dict(metadata or {})
        if stats.retries:
            extra["retries"] = stats.retries
        if cached:
            extra["cache"] = "http"
        if error is not None and error.status_code is not None:
            extra["http_status"] = error.status_code
        message = None
        if error is not None:
            message = redact(error.message, *self.secrets)
        elif not_found:
            message = "no results"
        self._record(
            source=source,
            operation=operation,
            target_identifier=target,
            success=error is None or not_found,
            response_time_ms=elapsed_ms,
            error_type=ErrorType.NOT_FOUND if not_found else (error and error.error_type),
            error_message=message,
            cost_usd=0.0 if cached else stats.billed * cost_per_response,
            cached=cached,
            confidence_score=confidence,
            fallback_level=fallback_level,
            metadata=extra,
            origin=origin,
            attempts=stats.attempts,
            attempt_errors=stats.attempt_errors,
        )
        if error is not None:
            self._log(error, target)
            if memo_key is not None and error.error_type is ErrorType.NOT_FOUND:
                self.memo.put(memo_key, _Remembered(error=error))
            raise error from error.__cause__
        if memo_key is not None:
            self.memo.put(memo_key, _Remembered(value=value))
        return value

    def _replay(
        self,
        remembered: _Remembered,
        source: Source,
        operation: Operation,
        target: str,
        fallback_level: int | None,
        confidence: float | None,
        metadata: Mapping[str, Any] | None,
    ) -> Any:
        error = remembered.error
        value = remembered.value
        not_found = error is not None or (isinstance(value, list | tuple) and not value)
        self._record(
            source=source,
            operation=operation,
            target_identifier=target,
            success=True,
            response_time_ms=None,
            error_type=ErrorType.NOT_FOUND if not_found else None,
            error_message=(error.message if error else "no results") if not_found else None,
            cost_usd=0.0,
            cached=True,
            confidence_score=confidence,
            fallback_level=fallback_level,
            metadata={**(metadata or {}), "cache": "run"},
            origin=Origin.REPLAY,
            attempts=0,
        )
        if error is not None:
            raise SourceError(
                error.source,
                error.operation,
                error.error_type,
                error.message,
                status_code=error.status_code,
            )
        return value

    @staticmethod
    def _origin(stats: CallStats, error: SourceError | None, cached: bool) -> Origin:
        if cached:
            return Origin.HTTP_CACHE
        if stats.attempts:
            return Origin.SERVICE
        if error is not None and error.error_type in LOCAL_REFUSALS:
            return Origin.REFUSED
        return Origin.UNSENT

    def _record(self, **fields: Any) -> None:
        """A recorder that fails must not fail the lookup it describes."""
        try:
            self.recorder.record(**fields)
        except Exception as exc:
            logger.error(
                "api_lookup_metrics: could not record a row: %s",
                redact(f"{type(exc).__name__}: {exc}", *self.secrets),
            )

    def _sanitized(self, error: SourceError) -> SourceError:
        """The same error with every secret removed from its message (bodies sometimes echo
        the request URL, and requests' exception texts always do)."""
        message = redact(error.message, *self.secrets)
        if message == error.message:
            return error
        clean = SourceError(
            error.source,
            error.operation,
            error.error_type,
            message,
            status_code=error.status_code,
            retry_after=error.retry_after,
        )
        clean.__cause__ = error.__cause__
        return clean

    def _judge_service(self, stats: CallStats, error: SourceError | None) -> None:
        if self.breaker is None or not stats.breaker_admitted:
            return
        if error is not None and error.error_type in BREAKER_FAILURES:
            self.breaker.record_failure()
        elif error is not None and error.error_type in LOCAL_REFUSALS and not stats.responses:
            self.breaker.release()
        else:
            self.breaker.record_success()

    def _log(self, error: SourceError, target: str) -> None:
        level = logging.DEBUG if error.error_type is ErrorType.NOT_FOUND else logging.WARNING
        logger.log(
            level,
            "%s.%s %s: %s: %s",
            error.source,
            error.operation,
            target,
            error.error_type,
            redact(error.message, *self.secrets),
        )


class TrackedClient(ClosedOnExit):
    """What every source client has once built: the transport it fetches through (its session
    closed with the client) and the `CallTracker` that records its calls."""

    _transport: HttpTransport
    _tracker: CallTracker

    @property
    def breaker(self) -> CircuitBreaker | None:
        """Exposed for health reporting and tests."""
        return self._tracker.breaker

    def close(self) -> None:
        self._transport.session.close()
