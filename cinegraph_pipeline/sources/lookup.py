"""The interface of the sources that know a film by its IMDb id (OMDb, the IMDb page): given
what the festival page says about a film, return what the source holds, or raise
`SourceError` (`not_found` when it does not know the film; anything transient otherwise).

TMDb has no such shortcut on purpose: a /find hit is never taken unverified (TMDb records
sometimes carry another film's IMDb id), so TMDb is asked through the resolution engine's
scored levels (`resolution.tmdb_cascade`), and every source of a stage through
`resolution.cascade.FilmResolver.lookup`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .errors import Source
from .records import FilmData, FilmQuery


@runtime_checkable
class FilmSource(Protocol):
    source: Source

    def fetch_film(self, query: FilmQuery) -> FilmData: ...
