"""The HTTP settings every client takes, and how they become a session and a transport.

Kept apart from the Dagster resources so that a client can be built and tested without
Dagster, and so that all three sources share the same knobs with the same meaning.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Source
from .http.adapter import DEFAULT_MAX_BODY_BYTES, RequestGate
from .http.limits import (
    AdaptiveRateLimiter,
    CircuitBreaker,
    DailyQuota,
    TokenBucket,
    shared_limiter,
)
from .http.session import Cacheable, CacheBackend, CacheOptions, build_session
from .http.transport import HttpTransport, RetryPolicy, Timeouts

USER_AGENT = "cinegraph-pipeline/0.1 (+film-festival nominations importer)"


@dataclass(frozen=True, slots=True)
class HttpOptions:
    base_url: str
    requests_per_second: float = 10.0
    rate_limit_burst: int = 1
    rate_ceiling_factor: float = 1.0
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 20.0
    max_retries: int = 3
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    retry_after_max_seconds: float = 60.0
    circuit_failure_threshold: int = 5
    circuit_cooldown_seconds: float = 60.0
    cost_per_call_usd: float = 0.0
    cache_backend: str = CacheBackend.SQLITE.value
    cache_dir: str | None = None
    cache_ttl_seconds: float = 86400.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    pool_size: int = 16
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def cache(
        self, name: str, cacheable: Cacheable | None, methods: tuple[str, ...] = ("GET",)
    ) -> CacheOptions:
        return CacheOptions(
            backend=CacheBackend(self.cache_backend),
            ttl_seconds=self.cache_ttl_seconds,
            directory=Path(self.cache_dir) if self.cache_dir else None,
            name=name,
            methods=methods,
            cacheable=cacheable,
        )

    def retry_policy(self, statuses: frozenset[int] | None = None) -> RetryPolicy:
        base = RetryPolicy(
            max_retries=max(0, self.max_retries),
            backoff_base=self.backoff_base_seconds,
            backoff_max=self.backoff_max_seconds,
            retry_after_max=self.retry_after_max_seconds,
        )
        if statuses is None:
            return base
        return RetryPolicy(
            max_retries=base.max_retries,
            backoff_base=base.backoff_base,
            backoff_max=base.backoff_max,
            retry_after_max=base.retry_after_max,
            statuses=statuses,
        )

    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(self.circuit_failure_threshold, self.circuit_cooldown_seconds)

    def limiter(self, source: Source | None = None) -> AdaptiveRateLimiter:
        """The process's limiter for this API and these settings, shared by every client
        built from them; it starts at `requests_per_second` and adapts to the server's 429s,
        probing up to `rate_ceiling_factor` times that rate."""
        rate, burst = self.requests_per_second, max(1, self.rate_limit_burst)
        ceiling = rate * max(1.0, self.rate_ceiling_factor)
        key = (source, self.base_url, rate, burst, ceiling, id(self.sleep))
        return shared_limiter(
            key, lambda: AdaptiveRateLimiter(rate, burst, ceiling=ceiling, sleep=self.sleep)
        )


def build_transport(
    options: HttpOptions,
    *,
    source: Source,
    cache_name: str,
    cacheable: Cacheable | None,
    breaker: CircuitBreaker | None,
    secrets: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
    quota: DailyQuota | None = None,
    quota_cost: float = 1.0,
    limiter: TokenBucket | None = None,
    cache_methods: tuple[str, ...] = ("GET",),
    retry_statuses: frozenset[int] | None = None,
    billable: Callable[[int], bool] | None = None,
) -> HttpTransport:
    secrets = tuple(s for s in secrets if s)
    gate = RequestGate(
        limiter=limiter if limiter is not None else options.limiter(source),
        quota=quota,
        quota_cost=quota_cost,
        breaker=breaker,
        max_body_bytes=options.max_body_bytes,
        secrets=secrets,
    )
    if billable is not None:
        gate.billable = billable
    session = build_session(
        gate,
        options.cache(cache_name, cacheable, cache_methods),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        pool_maxsize=options.pool_size,
    )
    return HttpTransport(
        session=session,
        source=source,
        timeouts=Timeouts(options.connect_timeout_seconds, options.read_timeout_seconds),
        retry=options.retry_policy(retry_statuses),
        secrets=secrets,
        sleep=options.sleep,
    )


def key_fingerprint(secret: str | None) -> str:
    """A short, irreversible tag telling keys apart in quota names, never the key itself."""
    if not secret:
        return "nokey"
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")
