"""The three guards every real request passes: a rate limiter (requests per second, adapting
to the server's 429s), a daily quota (OMDb's 1,000 calls, Zyte's budget in dollars) and a
circuit breaker.

All three are thread-safe because one client is shared by the threads of a Dagster step, and
none of them ever sleeps while holding its lock, so a waiting thread never blocks the others'
bookkeeping.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """A token bucket: `rate` requests per second on average, bursts of up to `capacity`.

    Waiting callers reserve their slot under the lock (the balance may go negative) and sleep
    outside it, so N threads asking at once are spaced 1/rate apart instead of stampeding.
    A rate of 0 or less means unlimited.
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Takes one token and returns how long the caller must wait before using it."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def acquire(self) -> float:
        """Blocks until a request may be sent; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class AdaptiveRateLimiter(TokenBucket):
    """A token bucket that finds the server's limit: additive increase, multiplicative
    decrease (AIMD, as TCP does for congestion), driven by the answers it is told about.

    It starts at the configured `rate`. A 429 cuts the rate, once per `holdoff` seconds (the
    429s of requests already in flight describe the old rate, not the new one): to `decrease`
    times itself, or lower, to just under the answers the server let through in the last
    second when that is less (a rate that started far above the limit comes down at once).
    The rate that drew the 429 is remembered. Each other answer adds `probe / rate`, so the
    rate climbs by about `probe` requests per second every second, and by only `probe_near`
    within `near` of the remembered rate, where the next 429 is expected, up to `ceiling`.
    Under a server limit L the rate spends most of its time just under L.

    Several clients sharing one server limit (parallel runs with a pool above 1) each back off
    on their own 429s and converge to a share of it, as AIMD flows do.
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        ceiling: float | None = None,
        floor: float | None = None,
        decrease: float = 0.9,
        probe: float = 2.0,
        probe_near: float = 0.2,
        near: float = 0.03,
        holdoff: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(rate, capacity, clock=clock, sleep=sleep)
        self.configured = rate
        self.ceiling = max(rate, ceiling if ceiling is not None else rate)
        self.floor = min(rate, floor if floor is not None else max(0.5, rate / 20))
        self.decrease = min(max(decrease, 0.1), 0.99)
        self.probe = max(0.0, probe)
        self.probe_near = max(0.0, min(probe_near, self.probe))
        self.near = min(max(near, 0.0), 0.5)
        self.holdoff = max(0.0, holdoff)
        self.throttled_count = 0
        self.decreases = 0
        self.lowest = rate
        self.limit_seen: float | None = None  # the rate that drew the last 429
        self._last_decrease: float | None = None
        self._answered: deque[float] = deque()  # when the recent non-429 answers came
        self._first_answer: float | None = None

    def observe(self, status: int) -> None:
        """Tells the limiter how a request it let through was answered."""
        if self.rate <= 0:
            return
        if status == 429:
            self.throttled()
        else:
            self.succeeded()

    def throttled(self) -> None:
        with self._lock:
            self.throttled_count += 1
            now = self._clock()
            if self._last_decrease is not None and now - self._last_decrease < self.holdoff:
                return
            self._refill(now)
            self._forget_before(now - 1.0)
            # The answers of the last second are what the server let through: the limit, as
            # far as this client can tell (its share of it when others share the limit). A
            # rate that started far above it comes down to it at once, not 10% a second.
            answered = 0.0
            if self._first_answer is not None and now - self._first_answer >= 0.25:
                answered = len(self._answered) / min(1.0, now - self._first_answer)
            cut = self.rate * self.decrease
            if answered > 0:
                cut = max(self.floor, min(cut, answered * (1 - self.near)))
            self.limit_seen = min(self.rate, max(answered, cut))
            self.rate = cut
            self.lowest = min(self.lowest, self.rate)
            self.decreases += 1
            self._last_decrease = now

    def succeeded(self) -> None:
        with self._lock:
            now = self._clock()
            if self._first_answer is None:
                self._first_answer = now
            self._answered.append(now)
            if len(self._answered) > 4 * self.ceiling:
                self._forget_before(now - 1.0)
            if self.rate >= self.ceiling:
                return
            self._refill(now)
            step = self.probe
            seen = self.limit_seen
            if seen is not None and seen * (1 - self.near) <= self.rate <= seen * (1 + self.near):
                step = self.probe_near
            self.rate = min(self.ceiling, self.rate + step / self.rate)

    def _forget_before(self, moment: float) -> None:
        while self._answered and self._answered[0] < moment:
            self._answered.popleft()

    def _refill(self, now: float) -> None:
        """Credits the tokens earned at the old rate before the rate changes."""
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now


_SHARED: weakref.WeakValueDictionary[Hashable, AdaptiveRateLimiter] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def shared_limiter(key: Hashable, make: Callable[[], AdaptiveRateLimiter]) -> AdaptiveRateLimiter:
    """One limiter per key in this process: every client of the same API, key and settings
    (the threads of a step, the steps of in-process runs) takes its tokens from the same
    bucket and learns from the same 429s. It lives as long as a client holds it."""
    with _SHARED_LOCK:
        limiter = _SHARED.get(key)
        if limiter is None:
            limiter = make()
            _SHARED[key] = limiter
        return limiter


class QuotaStore(Protocol):
    """Where daily usage is counted: memory for one process, or the film database
    (`storage.quota_counters`) to share a day's count between runs, processes and hosts (the
    OMDb key's quota does not reset when a run ends). `add_within` is atomic."""

    def add_within(self, name: str, day: str, amount: float, limit: float) -> bool: ...

    def set_used(self, name: str, day: str, used: float) -> None: ...

    def used(self, name: str, day: str) -> float: ...


class MemoryQuotaStore:
    def __init__(self) -> None:
        self._used: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def add_within(self, name: str, day: str, amount: float, limit: float) -> bool:
        with self._lock:
            current = self._used.get((name, day), 0.0)
            if current + amount > limit + 1e-9:
                return False
            self._used[(name, day)] = current + amount
            return True

    def set_used(self, name: str, day: str, used: float) -> None:
        with self._lock:
            self._used[(name, day)] = used

    def used(self, name: str, day: str) -> float:
        with self._lock:
            return self._used.get((name, day), 0.0)


def utc_day() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class DailyQuota:
    """A per-UTC-day allowance (`limit` units; a unit is a request or a dollar). A limit of 0 or
    less means unlimited. `exhaust()` marks the day as spent when the upstream says so first."""

    def __init__(
        self,
        name: str,
        limit: float,
        store: QuotaStore | None = None,
        *,
        day: Callable[[], str] = utc_day,
    ) -> None:
        self.name = name
        self.limit = limit
        self.store: QuotaStore = store or MemoryQuotaStore()
        self._day = day

    def try_consume(self, amount: float = 1.0) -> bool:
        if self.limit <= 0:
            return True
        return self.store.add_within(self.name, self._day(), amount, self.limit)

    def refund(self, amount: float = 1.0) -> None:
        """Gives back a reservation that turned out not to be charged."""
        if self.limit > 0:
            self.store.add_within(self.name, self._day(), -amount, self.limit)

    def exhaust(self) -> None:
        if self.limit > 0:
            self.store.set_used(self.name, self._day(), self.limit)

    @property
    def used(self) -> float:
        return self.store.used(self.name, self._day())


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Stops calling a source after `failure_threshold` consecutive transient failures.

    While open, calls are refused at once (`circuit_open`) instead of each waiting out its own
    timeouts and retries against a service that is down or blocking us. After the cool-down one
    probe call is let through: its success closes the circuit, its failure reopens it.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        cooldown_seconds: float = 60.0,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_started: float | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    def allow(self) -> bool:
        """Whether a call may go out now. In the half-open state only one probe is admitted
        (another one after a further cool-down if the first never reported back)."""
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if now - self._opened_at < self.cooldown_seconds:
                    return False
                self._state = BreakerState.HALF_OPEN
                self._probe_started = now
                return True
            if self._probe_started is None or now - self._probe_started >= self.cooldown_seconds:
                self._probe_started = now
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._probe_started = None

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                self._probe_started = None

    def release(self) -> None:
        """The admitted call never reached the service (quota, local error): frees a half-open
        probe slot without judging the service."""
        with self._lock:
            if self._state is BreakerState.HALF_OPEN:
                self._probe_started = None
