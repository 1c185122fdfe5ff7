"""Fault injection: latency, slow answers, 5xx errors, TMDb's rate limit, IMDb's WAF and
OMDb's daily quota. Draws come from one seeded generator, so a run that sends the same
requests in the same order sees the same faults."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .settings import Faults


@dataclass(frozen=True, slots=True)
class WafBlock:
    status: int
    action: str | None  # the x-amzn-waf-action header, None for a plain 403


WAF_BLOCKS = (WafBlock(202, "challenge"), WafBlock(405, "captcha"), WafBlock(403, None))


class FaultInjector:
    def __init__(self, faults: Faults, seed: int) -> None:
        faults.validate()
        self._initial = faults
        self._seed = seed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.reset()

    @property
    def faults(self) -> Faults:
        return self._faults

    def reset(self) -> None:
        """Back to the configured faults, with fresh counters and generator."""
        with self._lock:
            self._faults = self._initial
            self._random = random.Random(self._seed)
            self._tmdb_window: deque[float] = deque()
            self._omdb_calls = 0

    def update(self, changes: dict[str, Any]) -> Faults:
        with self._lock:
            self._faults = self._faults.updated(changes)
            if "omdb_daily_limit" in changes:
                self._omdb_calls = 0
            return self._faults

    def release_sleepers(self) -> None:
        """Wakes every request held back by latency or a slow answer (server stopping)."""
        self._stop.set()

    def _draw(self) -> float:
        with self._lock:
            return self._random.random()

    def _chance(self, share: float) -> bool:
        return share > 0 and self._draw() < share

    def delay(self) -> tuple[float, bool]:
        """Seconds to wait before answering (latency plus, sometimes, a slow answer), and
        whether this answer is a slow one."""
        faults = self._faults
        seconds = 0.0
        if faults.latency_median_ms > 0:
            with self._lock:
                gauss = self._random.gauss(0.0, 1.0)
            seconds += faults.latency_median_ms / 1000 * math.exp(faults.latency_sigma * gauss)
        slow = self._chance(faults.slow_share)
        if slow:
            seconds += faults.slow_delay_ms / 1000
        return seconds, slow

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stop.wait(seconds)

    def server_error(self, service: str) -> int | None:
        """A 5xx status to answer with, or None."""
        if not self._chance(getattr(self._faults, f"{service}_5xx_share")):
            return None
        with self._lock:
            return self._random.choice((500, 502, 503, 504))

    def tmdb_refused(self) -> bool:
        """Whether to answer this TMDb request 429 regardless of the rate (bursts of refusals
        that a client must back off from, as TMDb's edge sometimes gives)."""
        return self._chance(self._faults.tmdb_429_share)

    def tmdb_rate_limited(self) -> float | None:
        """Seconds until the window frees when TMDb's limit is exceeded, else None. Only the
        answered requests count toward the limit."""
        limit = self._faults.tmdb_rate_limit_rps
        if limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._tmdb_window
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= max(1, math.floor(limit)):
                return max(0.0, 1.0 - (now - window[0]))
            window.append(now)
            return None

    def waf_block(self) -> WafBlock | None:
        if not self._chance(self._faults.imdb_waf_share):
            return None
        with self._lock:
            return self._random.choice(WAF_BLOCKS)

    def omdb_quota_exhausted(self) -> bool:
        """Counts one OMDb call; True once the daily limit is used up."""
        limit = self._faults.omdb_daily_limit
        with self._lock:
            self._omdb_calls += 1
            return 0 < limit < self._omdb_calls
