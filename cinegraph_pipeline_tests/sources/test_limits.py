"""Token bucket, circuit breaker, daily quota, Retry-After parsing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import Engine

from cinegraph_pipeline.sources.http.limits import (
    BreakerState,
    CircuitBreaker,
    DailyQuota,
    MemoryQuotaStore,
    QuotaStore,
    TokenBucket,
)
from cinegraph_pipeline.sources.http.transport import RetryPolicy, parse_retry_after
from cinegraph_pipeline.storage.engine import shared_engine
from cinegraph_pipeline.storage.quota_counters import DatabaseQuotaStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_spaces_requests_after_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=2, clock=clock)
    waits = [bucket.reserve() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.1, 0.2, 0.3])
    clock.now += 1.0  # the debt is paid and the bucket refills to its capacity
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.1])


def test_token_bucket_holds_across_threads() -> None:
    bucket = TokenBucket(rate=50, capacity=1)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    # 40 tokens at 50/s with a burst of 1: at least 39/50 s, whatever the thread count
    assert elapsed >= 39 / 50 * 0.95
    stamps.sort()
    in_any_second = max(sum(1 for s in stamps if t <= s < t + 0.5) for t in stamps)
    assert in_any_second <= 26  # 25 per half second, plus one for the window edge


def test_unlimited_bucket_never_waits() -> None:
    bucket = TokenBucket(rate=0)
    assert all(bucket.reserve() == 0 for _ in range(1000))


def test_breaker_opens_after_threshold_and_probes_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_seconds=30, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()  # the probe
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # only one probe at a time
    breaker.record_failure()  # probe failed: open again for a full cool-down
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_breaker_release_frees_the_probe_without_judging() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.release()
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()


@pytest.mark.parametrize("store", ["memory", "database"])
def test_daily_quota(store: str, sqlite_url: str) -> None:
    backing: QuotaStore = (
        MemoryQuotaStore() if store == "memory" else DatabaseQuotaStore(shared_engine(sqlite_url))
    )
    day = ["2026-01-01"]
    quota = DailyQuota("omdb:abc", 3, backing, day=lambda: day[0])
    assert [quota.try_consume() for _ in range(4)] == [True, True, True, False]
    assert quota.used == 3
    day[0] = "2026-01-02"  # a new UTC day
    assert quota.try_consume()
    quota.exhaust()
    assert not quota.try_consume()


def test_database_quota_is_shared_between_instances_and_threads(migrated_engine: Engine) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        quota = DailyQuota("zyte:k", 1.0, DatabaseQuotaStore(migrated_engine))  # a dollar budget
        for _ in range(10):
            ok = quota.try_consume(0.05)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 20  # exactly $1.00 of $0.05 requests, across 4 instances


def test_retry_after_parsing() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 30


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    assert [policy.backoff(i, rng=lambda: 0.0) for i in range(5)] == [0.5, 1, 2, 4, 4]
    assert [policy.backoff(i, rng=lambda: 1.0) for i in range(5)] == [1, 2, 4, 8, 8]
