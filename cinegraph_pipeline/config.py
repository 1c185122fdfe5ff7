"""The environment names of the project, with their defaults, in one place."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_VAR = "CINEGRAPH_DATABASE_URL"
ALERT_WEBHOOK_VAR = "CINEGRAPH_ALERT_WEBHOOK_URL"

TMDB_API_KEY_VAR = "TMDB_API_KEY"
TMDB_API_TOKEN_VAR = "TMDB_API_TOKEN"
OMDB_API_KEY_VAR = "OMDB_API_KEY"
ZYTE_API_KEY_VAR = "ZYTE_API_KEY"

TMDB_BASE_URL_VAR = "TMDB_BASE_URL"
OMDB_BASE_URL_VAR = "OMDB_BASE_URL"
IMDB_BASE_URL_VAR = "IMDB_BASE_URL"
IMDB_GRAPHQL_URL_VAR = "IMDB_GRAPHQL_URL"
ZYTE_API_URL_VAR = "ZYTE_API_URL"

DEFAULT_TMDB_BASE_URL = "https://api.themoviedb.org/3"
DEFAULT_OMDB_BASE_URL = "https://www.omdbapi.com/"
DEFAULT_IMDB_BASE_URL = "https://www.imdb.com"
DEFAULT_IMDB_GRAPHQL_URL = "https://api.graphql.imdb.com/"
DEFAULT_ZYTE_API_URL = "https://api.zyte.com/v1/extract"


def env(name: str, default: str | None = None) -> str | None:
    """An environment value, with empty strings treated as unset."""
    value = os.environ.get(name, "").strip()
    return value or default


def dagster_home() -> Path:
    """`$DAGSTER_HOME`, or `./.dagster_home` when it is unset."""
    return Path(env("DAGSTER_HOME") or ".dagster_home").resolve()


def database_url() -> str:
    """`CINEGRAPH_DATABASE_URL`, defaulting to a SQLite file under the Dagster home."""
    configured = env(DATABASE_URL_VAR)
    if configured:
        return configured
    return f"sqlite:///{dagster_home() / 'cinegraph.db'}"
