"""The TMDb resource: configuration in Dagster, a fresh `TmdbClient` per run."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from ... import config
from ..resource_base import HttpSourceResource, run_secret
from ..tracking import Recorder
from .client import TmdbClient


class TmdbResource(HttpSourceResource):
    """TMDb v3. Either `api_key` (TMDB_API_KEY, sent as the `api_key` parameter) or
    `api_token` (TMDB_API_TOKEN, sent as `Authorization: Bearer`); left unset, each is read
    from the run's environment when the client is built."""

    api_key: str | None = None
    api_token: str | None = None
    base_url: str = config.DEFAULT_TMDB_BASE_URL
    requests_per_second: float = 40.0
    # No burst above the rate: TMDb counts requests per second, and a bucket that refills to
    # 10 while workers wait out a Retry-After spends the refill on requests TMDb refuses, a
    # cascade of 429s (benchmarks/edition_throughput.py: with 10, 1,000 films took 317 429s
    # and the TMDb stage 1.5x its bound; with 1, 113 and 1.09x).
    rate_limit_burst: int = 1
    # TMDb documents its limit as "around 40 requests per second": start there, and let the
    # limiter find it, above (probing while no 429 comes) or below (backing off on 429).
    rate_ceiling_factor: float = 1.25
    cache_ttl_seconds: float = Field(default=7 * 86400.0, description="HTTP cache lifetime.")
    language: str = "en-US"

    def client(self, recorder: Recorder) -> TmdbClient:
        api_key, api_token = self.api_key, self.api_token
        if not (api_key or api_token):
            api_key = run_secret(None, config.TMDB_API_KEY_VAR)
            api_token = run_secret(None, config.TMDB_API_TOKEN_VAR)
        return TmdbClient(
            self.http_options(),
            recorder,
            api_key=api_key,
            api_token=api_token,
            language=self.language,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """From TMDB_BASE_URL (the keys are read when the client is built); keyword arguments
        win."""
        values: dict[str, Any] = {
            "base_url": config.env(config.TMDB_BASE_URL_VAR, config.DEFAULT_TMDB_BASE_URL),
        }
        return cls(**{**values, **overrides})
