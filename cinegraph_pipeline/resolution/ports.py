"""What the resolution engine needs from the upstream clients.

The HTTP clients in `cinegraph_pipeline.sources` implement these protocols; tests and the
accuracy benchmark use in-memory implementations. Every method raises
`cinegraph_pipeline.sources.errors.SourceError`: `not_found` when the record does not exist
(details, OMDb, IMDb page), a transient type when the service could not answer (already
retried by the client), `auth` when the key is bad or missing. Searches and /find return an
empty list when nothing matches. The clients record every call in the metrics themselves;
`fallback_level` and `confidence` only label those rows.
"""

from __future__ import annotations

from typing import Protocol

from cinegraph_pipeline.config import (
    OMDB_API_KEY_VAR,
    TMDB_API_KEY_VAR,
    TMDB_API_TOKEN_VAR,
    ZYTE_API_KEY_VAR,
)
from cinegraph_pipeline.sources.errors import ConfigurationError, Source, SourceError
from cinegraph_pipeline.sources.records import ImdbTitle, OmdbRecord, TmdbMovie, TmdbSearchHit

# TMDb answers searches 20 results per page; a full page may hide more matches.
TMDB_PAGE_SIZE = 20


class TmdbApi(Protocol):
    def find_by_imdb_id(
        self, imdb_id: str, *, fallback_level: int | None = 1
    ) -> list[TmdbSearchHit]: ...

    def find_tv_ids(self, imdb_id: str) -> list[int]:
        """TMDb's series ids (`/find` `tv_results`) for an IMDb id."""
        ...

    def search_movie(
        self,
        query: str,
        *,
        year: int | None = None,
        primary_release_year: int | None = None,
        page: int = 1,
        fallback_level: int | None = None,
    ) -> list[TmdbSearchHit]: ...

    def movie_details(
        self,
        tmdb_id: int,
        *,
        fallback_level: int | None = None,
        confidence: float | None = None,
    ) -> TmdbMovie: ...


class TmdbImdbIdApi(Protocol):
    """A TMDb answering `/movie/{imdb_id}` (the HTTP client and the in-memory one do): the
    details of the movie carrying an IMDb id in one call, `not_found` when none does. A
    `TmdbApi` without it is asked through `/find`."""

    def movie_by_imdb_id(self, imdb_id: str, *, fallback_level: int | None = 1) -> TmdbMovie: ...


class OmdbApi(Protocol):
    def by_imdb_id(self, imdb_id: str) -> OmdbRecord: ...

    def by_title(self, title: str, year: int | None) -> OmdbRecord: ...


class ImdbTitleApi(Protocol):
    def title_page(self, imdb_id: str) -> ImdbTitle: ...


_CREDENTIAL_VARIABLES: dict[Source, str] = {
    Source.TMDB: f"{TMDB_API_KEY_VAR} (or {TMDB_API_TOKEN_VAR})",
    Source.OMDB: OMDB_API_KEY_VAR,
    Source.IMDB: f"{ZYTE_API_KEY_VAR} (IMDb pages fetched through Zyte)",
}


def credentials_error(error: SourceError) -> ConfigurationError:
    """The error that fails a stage on an `auth` answer: a bad or missing key is not a property
    of one film, so no film is deferred or downgraded for it; the message names the variable
    to set."""
    variable = _CREDENTIAL_VARIABLES.get(error.source, "the API key of " + str(error.source))
    if variable.split()[0] in error.message:  # the client's message already names it
        return ConfigurationError(error.message)
    return ConfigurationError(
        f"{error.source} rejected the credentials ({error.message}); set {variable}"
    )
