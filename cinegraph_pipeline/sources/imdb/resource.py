"""The IMDb resource: title and event pages, directly or through Zyte."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from ... import config
from ..resource_base import HttpSourceResource, run_secret
from ..tracking import Recorder
from .client import ImdbClient
from .zyte import ZyteOptions


class ImdbResource(HttpSourceResource):
    """IMDb pages. With a Zyte key (`zyte_api_key`, else ZYTE_API_KEY in the run's
    environment) every page goes through the Zyte API,
    billed `zyte_cost_per_request_usd` each, within `zyte_daily_budget_usd` a day."""

    base_url: str = config.DEFAULT_IMDB_BASE_URL
    requests_per_second: float = Field(default=1.0, description="Polite pace for direct fetches.")
    read_timeout_seconds: float = 30.0
    cache_ttl_seconds: float = Field(default=86400.0, description="HTTP cache lifetime (pages).")
    zyte_api_key: str | None = None
    zyte_api_url: str = config.DEFAULT_ZYTE_API_URL
    zyte_cost_per_request_usd: float = Field(
        default=0.0005, description="An estimate; set it from your Zyte plan."
    )
    zyte_daily_budget_usd: float = Field(default=5.0, description="0 = no budget.")
    zyte_requests_per_second: float = 5.0
    quota_database_url: str | None = Field(
        default=None,
        description="Database counting the day's Zyte spend: the film database by default, "
        "'memory' for this process only.",
    )

    def zyte_options(self) -> ZyteOptions | None:
        api_key = run_secret(self.zyte_api_key, config.ZYTE_API_KEY_VAR)
        if not api_key:
            return None
        return ZyteOptions(
            api_key=api_key,
            api_url=self.zyte_api_url,
            cost_per_request_usd=self.zyte_cost_per_request_usd,
            daily_budget_usd=self.zyte_daily_budget_usd,
            requests_per_second=self.zyte_requests_per_second,
        )

    def client(self, recorder: Recorder) -> ImdbClient:
        zyte = self.zyte_options()
        return ImdbClient(
            self.http_options(),
            recorder,
            zyte=zyte,
            quota_store=self._quota_store(self.quota_database_url) if zyte else None,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """From IMDB_BASE_URL / ZYTE_API_URL (the Zyte key is read when the client is built);
        keyword arguments win."""
        values: dict[str, Any] = {
            "base_url": config.env(config.IMDB_BASE_URL_VAR, config.DEFAULT_IMDB_BASE_URL),
            "zyte_api_url": config.env(config.ZYTE_API_URL_VAR, config.DEFAULT_ZYTE_API_URL),
        }
        return cls(**{**values, **overrides})
