"""HTTP plumbing shared by the upstream clients: session and cache, retries, guards."""

from .adapter import DEFAULT_MAX_BODY_BYTES, GatedAdapter, RequestGate
from .limits import (
    BreakerState,
    CircuitBreaker,
    DailyQuota,
    MemoryQuotaStore,
    TokenBucket,
)
from .session import CacheBackend, CacheOptions, build_session, default_cache_dir
from .stats import CallStats, current_stats, tracking_call
from .transport import HttpReply, HttpTransport, RetryPolicy, Timeouts, parse_retry_after

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "BreakerState",
    "CacheBackend",
    "CacheOptions",
    "CallStats",
    "CircuitBreaker",
    "DailyQuota",
    "GatedAdapter",
    "HttpReply",
    "HttpTransport",
    "MemoryQuotaStore",
    "RequestGate",
    "RetryPolicy",
    "Timeouts",
    "TokenBucket",
    "build_session",
    "current_stats",
    "default_cache_dir",
    "parse_retry_after",
    "tracking_call",
]
