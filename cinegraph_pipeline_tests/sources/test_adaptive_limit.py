"""The adaptive rate limiter: it finds a server's limit from its 429s, keeps the 429 share
small, and is one limiter for every client of the same API in a process.

The first tests run a simulated server (a one-second sliding window, as TMDb's limit and the
sandbox's) on a fake clock, so their counts are exact and need no waiting; the last ones send
real requests to the sandbox enforcing a limit on 127.0.0.1."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque

import pytest

from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.sources.http.limits import AdaptiveRateLimiter
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import NullRecorder


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class WindowServer:
    """Accepts at most `limit` requests in any one-second window, counted on arrival."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._window: deque[float] = deque()

    def answer(self, now: float) -> int:
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.limit:
            return 429
        self._window.append(now)
        return 200


def simulate(
    limiter: AdaptiveRateLimiter,
    clock: FakeClock,
    *,
    limit: int = 40,
    seconds: float = 120.0,
    workers: int = 8,
    latency: float = 0.08,
    retry_after: float = 1.0,
) -> tuple[list[float], list[int]]:
    """`workers` callers, each sending, waiting `latency` for the answer, sleeping
    `retry_after` after a 429, and sending again: an event loop on the fake clock. Returns
    the send times and statuses."""
    server = WindowServer(limit)
    ready: list[tuple[float, int]] = [(0.0, worker) for worker in range(workers)]
    heapq.heapify(ready)
    sent: list[float] = []
    statuses: list[int] = []
    answers: list[tuple[float, int, int]] = []  # (when the answer arrives, worker, status)
    order = itertools.count()
    while ready or answers:
        if answers and (not ready or answers[0][0] <= ready[0][0]):
            when, _, packed = heapq.heappop(answers)
            worker, status = divmod(packed, 1000)
            clock.now = when
            limiter.observe(status)
            pause = retry_after if status == 429 else 0.0
            if when + pause < seconds:
                heapq.heappush(ready, (when + pause, worker))
            continue
        when, worker = heapq.heappop(ready)
        clock.now = max(clock.now, when)
        clock.now += limiter.reserve()  # the caller sleeps its reservation out
        status = server.answer(clock.now)
        sent.append(clock.now)
        statuses.append(status)
        heapq.heappush(answers, (clock.now + latency, next(order), worker * 1000 + status))
    return sent, statuses


def sustained(sent: list[float], statuses: list[int], after: float) -> tuple[float, float]:
    """Requests sent per second after `after` seconds, and the share answered 429."""
    late = [(t, s) for t, s in zip(sent, statuses, strict=True) if t >= after]
    span = late[-1][0] - late[0][0]
    return len(late) / span, sum(s == 429 for _, s in late) / len(late)


def test_at_the_configured_rate_it_sends_close_to_the_limit_with_few_429s() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(40, ceiling=60, clock=clock)
    sent, statuses = simulate(limiter, clock, limit=40)
    rate, share = sustained(sent, statuses, after=0.0)
    assert rate >= 36.0
    assert share < 0.02
    assert limiter.decreases >= 1  # it did probe above the limit, and came back


def test_started_too_high_it_comes_down_and_then_holds() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(80, ceiling=80, clock=clock)
    sent, statuses = simulate(limiter, clock, limit=40)
    assert limiter.lowest < 40
    rate, share = sustained(sent, statuses, after=10.0)
    assert 36.0 <= rate <= 41.0
    assert share < 0.02
    assert sum(s == 429 for s in statuses) / len(statuses) < 0.05  # the descent included


def test_started_low_it_climbs_to_a_higher_limit() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(20, ceiling=60, clock=clock)
    sent, statuses = simulate(limiter, clock, limit=40, seconds=180.0)
    rate, share = sustained(sent, statuses, after=60.0)
    assert rate >= 36.0
    assert share < 0.02


def test_without_429s_it_never_goes_past_its_ceiling() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(40, ceiling=44, clock=clock)
    sent, statuses = simulate(limiter, clock, limit=1000, seconds=60.0)
    assert set(statuses) == {200}
    assert limiter.rate == pytest.approx(44)
    rate, _ = sustained(sent, statuses, after=30.0)
    assert rate <= 44.5


def test_a_burst_of_429s_from_requests_in_flight_cuts_the_rate_once() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(40, clock=clock)
    for _ in range(8):
        limiter.observe(429)
    assert limiter.decreases == 1
    assert limiter.throttled_count == 8
    assert limiter.rate == pytest.approx(36)
    clock.now += 1.5
    limiter.observe(429)
    assert limiter.decreases == 2


def test_clients_of_the_same_api_share_one_limiter() -> None:
    options = HttpOptions(base_url="http://127.0.0.1:9/3", requests_per_second=40)
    first = options.limiter()
    assert options.limiter() is first
    assert HttpOptions(base_url="http://127.0.0.1:9/3", requests_per_second=10).limiter() is not (
        first
    )


def test_against_a_server_enforcing_its_limit_the_client_adapts() -> None:
    """Real HTTP: the client is configured at three times the sandbox's limit; it backs off
    on the first 429s, every call still gets its answer, and few are refused."""
    faults = Faults(tmdb_rate_limit_rps=25)
    with SandboxServer(SandboxConfig(faults=faults)) as sandbox:
        options = HttpOptions(
            base_url=sandbox.env()["TMDB_BASE_URL"],
            requests_per_second=75,
            cache_backend="none",
            max_retries=6,
            pool_size=6,
        )
        client = TmdbClient(options, NullRecorder(), api_key="sandbox")
        limiter = options.limiter(client.source)
        ids = iter(range(150))
        lock = threading.Lock()
        answered: list[int] = []

        def worker() -> None:
            while True:
                with lock:
                    n = next(ids, None)
                if n is None:
                    return
                client.find_by_imdb_id(f"tt{2_000_000 + n}")
                with lock:
                    answered.append(n)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
        outcomes = sandbox.stats()["routes"]["tmdb.find"]
    assert len(answered) == 150
    assert isinstance(limiter, AdaptiveRateLimiter)
    assert limiter.decreases >= 1
    assert limiter.lowest < 25
    limited = outcomes.get("rate_limit", 0)
    assert limited == limiter.throttled_count
    assert limited / outcomes["total"] < 0.15
