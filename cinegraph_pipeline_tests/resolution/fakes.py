"""In-memory stand-ins for the upstream clients, for the resolution tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from benchmarks.evaluation import (
    Call,
    CatalogueRecord,
    CatalogueTmdb,
    CountingTmdb,
)
from cinegraph_pipeline.resolution.ports import TmdbApi
from cinegraph_pipeline.sources.errors import ErrorType, Operation, Source, SourceError
from cinegraph_pipeline.sources.records import ImdbTitle, OmdbRecord

_T = TypeVar("_T")


def record(
    tmdb_id: int,
    title: str,
    year: int | None,
    *,
    original: str | None = None,
    imdb: str | None = None,
    alt: Iterable[str] = (),
    other_years: Iterable[int] = (),
    popularity: float = 1.0,
) -> CatalogueRecord:
    """A TMDb record; `original` defaults to the title, as TMDb does for English films."""
    return CatalogueRecord(
        tmdb_id=tmdb_id,
        title=title,
        original_title=original or title,
        release_date=f"{year}-05-20" if year else "",
        release_years=tuple(other_years),
        alternative_titles=tuple(alt),
        imdb_id=imdb,
        popularity=popularity,
    )


def tmdb(*records: CatalogueRecord) -> CountingTmdb:
    """An in-memory TMDb over `records` that counts its calls."""
    return CountingTmdb(CatalogueTmdb(records))


def error(source: Source, operation: Operation, error_type: ErrorType) -> SourceError:
    return SourceError(source, operation, error_type, f"{error_type} for the test")


class FailingTmdb(CountingTmdb):
    """A TMDb whose `failing` operation raises `error`; the others answer from `api`."""

    def __init__(self, api: TmdbApi, failing: Operation, error: SourceError) -> None:
        super().__init__(api)
        self.failing = failing
        self.error = error

    def _note(self, call: Call) -> None:
        super()._note(call)
        if call.operation == self.failing:
            raise self.error


def _not_found(operation: Operation, source: Source) -> SourceError:
    return error(source, operation, ErrorType.NOT_FOUND)


@dataclass
class FakeOmdb:
    """OMDb answering from dicts; a value may be an error to raise. Unknown: not found."""

    by_id: Mapping[str, OmdbRecord | SourceError] = field(default_factory=dict)
    titles: Mapping[tuple[str, int | None], OmdbRecord | SourceError] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def by_imdb_id(self, imdb_id: str) -> OmdbRecord:
        self.calls.append(("omdb_by_id", imdb_id))
        return _answer(self.by_id.get(imdb_id), Operation.OMDB_BY_ID, Source.OMDB)

    def by_title(self, title: str, year: int | None) -> OmdbRecord:
        self.calls.append(("omdb_by_title", title))
        answer = self.titles.get((title.casefold(), year))
        return _answer(answer, Operation.OMDB_BY_TITLE, Source.OMDB)


@dataclass
class FakeImdb:
    pages: Mapping[str, ImdbTitle | SourceError] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def title_page(self, imdb_id: str) -> ImdbTitle:
        self.calls.append(imdb_id)
        return _answer(self.pages.get(imdb_id), Operation.TITLE_PAGE, Source.IMDB)


def _answer(answer: _T | SourceError | None, operation: Operation, source: Source) -> _T:
    if answer is None:
        raise _not_found(operation, source)
    if isinstance(answer, SourceError):
        raise answer
    return answer
