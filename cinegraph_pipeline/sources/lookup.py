"""The one interface shared by the film sources: given what the festival page says about a
film, return what this source knows, or raise `SourceError` (`not_found` when it does not
know the film; anything transient otherwise).

Kept deliberately small: the resolution engine needs TMDb's finer methods (find, search,
details) for its fallback levels, but the "one more source" stages (OMDb, the IMDb page) and
the enrichment schedule only need this.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .errors import Source
from .records import FilmData, FilmQuery


@runtime_checkable
class FilmSource(Protocol):
    source: Source

    def fetch_film(self, query: FilmQuery) -> FilmData: ...
