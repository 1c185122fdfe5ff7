"""The resources of the code location, configured from the environment names of MISSION.md.

Keys go through `dg.EnvVar`, so they are read when a run starts and never appear in the
run's configuration or the UI; a variable that is unset leaves the field at its default
(no key: the source answers `auth`, naming the variable to set).
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from cinegraph_pipeline import config
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.storage.resource import DatabaseResource


def _from_env(name: str, default: Any = None) -> Any:
    return dg.EnvVar(name) if config.env(name) else default


def build_resources() -> dict[str, Any]:
    return {
        "database": DatabaseResource(url=_from_env(config.DATABASE_URL_VAR)),
        "tmdb": TmdbResource(
            api_key=_from_env(config.TMDB_API_KEY_VAR),
            api_token=_from_env(config.TMDB_API_TOKEN_VAR),
            base_url=_from_env(config.TMDB_BASE_URL_VAR, config.DEFAULT_TMDB_BASE_URL),
        ),
        "omdb": OmdbResource(
            api_key=_from_env(config.OMDB_API_KEY_VAR),
            base_url=_from_env(config.OMDB_BASE_URL_VAR, config.DEFAULT_OMDB_BASE_URL),
        ),
        "imdb": ImdbResource(
            base_url=_from_env(config.IMDB_BASE_URL_VAR, config.DEFAULT_IMDB_BASE_URL),
            zyte_api_key=_from_env(config.ZYTE_API_KEY_VAR),
            zyte_api_url=_from_env(config.ZYTE_API_URL_VAR, config.DEFAULT_ZYTE_API_URL),
        ),
    }
