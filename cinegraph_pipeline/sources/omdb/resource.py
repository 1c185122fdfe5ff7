"""The OMDb resource: configuration in Dagster, a fresh `OmdbClient` per run."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from ... import config
from ..resource_base import HttpSourceResource, run_secret
from ..tracking import Recorder
from .client import DEFAULT_DAILY_QUOTA, OmdbClient


class OmdbResource(HttpSourceResource):
    """OMDb with key `api_key` (left unset: OMDB_API_KEY in the run's environment); free keys
    allow 1,000 requests a day."""

    api_key: str | None = None
    base_url: str = config.DEFAULT_OMDB_BASE_URL
    requests_per_second: float = 5.0
    cache_ttl_seconds: float = Field(default=90 * 86400.0, description="HTTP cache lifetime.")
    daily_quota: int = Field(
        default=DEFAULT_DAILY_QUOTA, description="Requests per UTC day; 0 = unlimited."
    )
    quota_database_url: str | None = Field(
        default=None,
        description="Database counting the day's requests: the film database by default, "
        "'memory' for this process only.",
    )

    def client(self, recorder: Recorder) -> OmdbClient:
        return OmdbClient(
            self.http_options(),
            recorder,
            api_key=run_secret(self.api_key, config.OMDB_API_KEY_VAR),
            daily_quota=self.daily_quota,
            quota_store=self._quota_store(self.quota_database_url),
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """From OMDB_BASE_URL (the key is read when the client is built); keyword arguments
        win."""
        values: dict[str, Any] = {
            "base_url": config.env(config.OMDB_BASE_URL_VAR, config.DEFAULT_OMDB_BASE_URL),
        }
        return cls(**{**values, **overrides})
