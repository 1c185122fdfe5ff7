"""The IMDb GraphQL resource: `IMDB_GRAPHQL_URL`, its own rate limit and circuit breaker."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from ... import config
from ..resource_base import HttpSourceResource
from ..tracking import Recorder
from . import graphql_queries as queries
from .graphql import ImdbGraphqlClient


class ImdbGraphqlResource(HttpSourceResource):
    """IMDb's GraphQL API, asked first for editions and titles (the pages are the fallback).
    Anonymous: no key."""

    base_url: str = config.DEFAULT_IMDB_GRAPHQL_URL
    requests_per_second: float = Field(default=2.0, description="Polite pace for the API.")
    read_timeout_seconds: float = 30.0
    cache_ttl_seconds: float = Field(default=86400.0, description="HTTP cache lifetime.")
    page_size: int = Field(
        default=queries.PAGE_SIZE, description="Edges asked per connection page (at most 500)."
    )
    titles_per_call: int = Field(
        default=queries.TITLES_PER_CALL, description="Ids per titles request (at most 250)."
    )

    def client(self, recorder: Recorder) -> ImdbGraphqlClient:
        return ImdbGraphqlClient(
            self.http_options(),
            recorder,
            page_size=self.page_size,
            titles_per_call=self.titles_per_call,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """From IMDB_GRAPHQL_URL; keyword arguments win."""
        values: dict[str, Any] = {
            "base_url": config.env(config.IMDB_GRAPHQL_URL_VAR, config.DEFAULT_IMDB_GRAPHQL_URL)
        }
        return cls(**{**values, **overrides})
