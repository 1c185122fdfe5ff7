"""Settings common to the three source resources, with the meaning they have everywhere.

Resources hold plain values; `client()` builds a fresh client for a run, so the run's memo and
circuit breaker are the run's own. A key left unset on the resource is read by `client()` from
the environment of the process running the step, through `dg.EnvVar`: a key given only to the
run workers (Kubernetes `env_secrets`, ECS task secrets) works, and none ever appears in the
run's configuration or the UI.
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from cinegraph_pipeline import config
from cinegraph_pipeline.storage.engine import shared_engine
from cinegraph_pipeline.storage.quota_counters import DatabaseQuotaStore

from .http.adapter import DEFAULT_MAX_BODY_BYTES
from .http.limits import MemoryQuotaStore, QuotaStore
from .http.session import CacheBackend
from .options import HttpOptions


def run_secret(explicit: str | None, variable: str) -> str | None:
    """The key given to the resource, else `variable` in this process's environment (blank is
    unset); None when neither is set, and the client answers `auth` naming the variable."""
    value = explicit or dg.EnvVar(variable).get_value() or ""
    return value.strip() or None


class HttpSourceResource(dg.ConfigurableResource):
    base_url: str
    requests_per_second: float = Field(
        default=10.0, description="Client-side rate limit (token bucket); 0 = unlimited."
    )
    rate_limit_burst: int = Field(default=1, description="Requests allowed back to back.")
    rate_ceiling_factor: float = Field(
        default=1.0,
        description="How far above requests_per_second the limiter may probe while the "
        "server answers no 429 (it backs off on 429 either way).",
    )
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 20.0
    max_retries: int = Field(default=3, description="Retries for 429, 5xx, timeouts, network.")
    backoff_base_seconds: float = Field(
        default=0.5, description="First backoff; doubled each retry, with jitter."
    )
    backoff_max_seconds: float = 30.0
    retry_after_max_seconds: float = Field(
        default=60.0, description="Longest Retry-After honoured; longer ones end the retries."
    )
    circuit_failure_threshold: int = Field(
        default=5, description="Consecutive transient failures that open the circuit."
    )
    circuit_cooldown_seconds: float = 60.0
    cost_per_call_usd: float = Field(default=0.0, description="Recorded in cost_usd per call.")
    cache_backend: str = Field(default="sqlite", description="sqlite | memory | none")
    cache_dir: str | None = Field(
        default=None, description="HTTP cache directory; default $DAGSTER_HOME/http_cache."
    )
    cache_ttl_seconds: float = 86400.0
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES, description="Larger answers are a parse_error."
    )

    def http_options(self) -> HttpOptions:
        return HttpOptions(
            base_url=self.base_url,
            requests_per_second=self.requests_per_second,
            rate_limit_burst=self.rate_limit_burst,
            rate_ceiling_factor=self.rate_ceiling_factor,
            connect_timeout_seconds=self.connect_timeout_seconds,
            read_timeout_seconds=self.read_timeout_seconds,
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_seconds,
            backoff_max_seconds=self.backoff_max_seconds,
            retry_after_max_seconds=self.retry_after_max_seconds,
            circuit_failure_threshold=self.circuit_failure_threshold,
            circuit_cooldown_seconds=self.circuit_cooldown_seconds,
            cost_per_call_usd=self.cost_per_call_usd,
            cache_backend=CacheBackend(self.cache_backend).value,
            cache_dir=self.cache_dir,
            cache_ttl_seconds=self.cache_ttl_seconds,
            max_body_bytes=self.max_body_bytes,
        )

    def _quota_store(self, url: str | None) -> QuotaStore:
        """Daily quotas are counted in the film database (CINEGRAPH_DATABASE_URL unless `url`
        names another), shared by every run, process and host; `memory` counts in this
        process only (tests)."""
        if url == "memory":
            return MemoryQuotaStore()
        return DatabaseQuotaStore(shared_engine(url or config.database_url()))
