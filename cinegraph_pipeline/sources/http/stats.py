"""Per-call bookkeeping shared, through a context variable, between the client method that
records the metric row and the HTTP adapter that actually talks to the network.

The adapter sits below requests-cache, so only real network exchanges touch these numbers:
a cache hit leaves `responses` at 0, which is how the row gets `cached=True` and cost 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(slots=True)
class CallStats:
    attempts: int = 0  # requests handed to the network (retries included)
    responses: int = 0  # HTTP responses received from the service
    billed: int = 0  # responses the service charges for (cost_usd = billed x price)
    retries: int = 0
    wait_seconds: float = 0.0  # rate-limiter and backoff waits, excluded from response time
    from_cache: bool = False
    breaker_admitted: bool = False
    status_code: int | None = None
    # Error types of the network attempts that failed (429, 5xx, timeouts, network errors),
    # in order; `last_attempt_failed` tells whether the latest attempt is among them.
    attempt_errors: list[str] = field(default_factory=list)
    last_attempt_failed: bool = False

    def attempt_failed(self, error_type: str) -> None:
        self.attempt_errors.append(error_type)
        self.last_attempt_failed = True

    def attempt_answered(self) -> None:
        self.last_attempt_failed = False


_current: ContextVar[CallStats | None] = ContextVar("cinegraph_call_stats", default=None)


def current_stats() -> CallStats | None:
    return _current.get()


@contextmanager
def tracking_call(stats: CallStats) -> Iterator[CallStats]:
    token = _current.set(stats)
    try:
        yield stats
    finally:
        _current.reset(token)
