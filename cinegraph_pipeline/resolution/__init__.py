"""The resolution engine: which catalogue record is a festival film.

- `normalize`: title normalization (accents, articles, punctuation, numerals).
- `scoring`: title/year evidence, levels, confidence, ambiguity.
- `tmdb_cascade`: the TMDb stage (six fallback levels, few calls, memoized).
- `cascade`: TMDb, then OMDb, then the IMDb page, else a stub; pending on errors.
- `ports`: the protocols the HTTP clients implement.
"""

from cinegraph_pipeline.resolution.cascade import (
    DataSource,
    FilmProgress,
    FilmResolver,
    ImportType,
    Resolution,
    SourceAttempt,
)
from cinegraph_pipeline.resolution.config import BASE_CONFIDENCE, Level, ResolutionConfig
from cinegraph_pipeline.resolution.ports import ImdbTitleApi, OmdbApi, TmdbApi
from cinegraph_pipeline.resolution.tmdb_cascade import TmdbResolver

__all__ = [
    "BASE_CONFIDENCE",
    "DataSource",
    "FilmProgress",
    "FilmResolver",
    "ImdbTitleApi",
    "ImportType",
    "Level",
    "OmdbApi",
    "Resolution",
    "ResolutionConfig",
    "SourceAttempt",
    "TmdbApi",
    "TmdbResolver",
]
