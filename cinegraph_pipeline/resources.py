"""The resources of the code location, configured from the environment names of MISSION.md.

Keys are not set here: each source resource reads its key through `dg.EnvVar` when a step
builds its client, in the process that runs the step, so a key given only to the run workers
works and none appears in the run's configuration or the UI (no key: the source answers
`auth`, naming the variable to set). Other settings present where the code location loads
are passed as `dg.EnvVar` too.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from cinegraph_pipeline import config
from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.storage.resource import DatabaseResource


def _from_env(name: str, default: Any = None) -> Any:
    return dg.EnvVar(name) if config.env(name) else default


def build_resources() -> dict[str, Any]:
    database = DatabaseResource(url=_from_env(config.DATABASE_URL_VAR))
    return {
        "database": database,
        EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=database),
        "tmdb": TmdbResource(
            base_url=_from_env(config.TMDB_BASE_URL_VAR, config.DEFAULT_TMDB_BASE_URL),
        ),
        "omdb": OmdbResource(
            base_url=_from_env(config.OMDB_BASE_URL_VAR, config.DEFAULT_OMDB_BASE_URL),
        ),
        "imdb": ImdbResource(
            base_url=_from_env(config.IMDB_BASE_URL_VAR, config.DEFAULT_IMDB_BASE_URL),
            zyte_api_url=_from_env(config.ZYTE_API_URL_VAR, config.DEFAULT_ZYTE_API_URL),
        ),
        "imdb_graphql": ImdbGraphqlResource(
            base_url=_from_env(config.IMDB_GRAPHQL_URL_VAR, config.DEFAULT_IMDB_GRAPHQL_URL),
        ),
    }
