"""Measuring the TMDb cascade on a labeled evaluation set.

- `CatalogueTmdb` is an in-memory TMDb (the `TmdbApi` protocol) over catalogue records, and
  searches the way TMDb does: case- and accent-insensitive, over title, original title and
  alternative titles, every query word must appear in one of them, `year` matches any release
  year and `primary_release_year` the primary one, most popular first, 20 results a page.
- `CountingTmdb` wraps any `TmdbApi` (the in-memory one or a real HTTP client pointed at the
  sandbox) and counts the calls per operation.
- `evaluate` runs one resolver per film over an `EvaluationSet` and reports precision, recall,
  ambiguity and calls per film, overall, per level and per variant tag.

The set itself is a data file in the test tree, rebuilt from the project's real film
data by `benchmarks/build_resolution_evaluation_set.py --data PATH`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cinegraph_pipeline.resolution.config import ResolutionConfig
from cinegraph_pipeline.resolution.ports import TMDB_PAGE_SIZE, TmdbApi
from cinegraph_pipeline.resolution.tmdb_cascade import DirectRoute, TmdbResolver
from cinegraph_pipeline.sources.errors import ErrorType, Operation, Source, SourceError
from cinegraph_pipeline.sources.records import (
    FilmQuery,
    LookupOutcome,
    LookupStatus,
    TmdbMovie,
    TmdbSearchHit,
    year_of,
)

PRECISION_BAR = 0.995
RECALL_BAR = 0.97
CALLS_PER_FILM_BAR = 2.5


@dataclass(frozen=True, slots=True)
class CatalogueRecord:
    """One TMDb record as the evaluation catalogue describes it."""

    tmdb_id: int
    title: str
    original_title: str | None
    release_date: str | None
    release_years: tuple[int, ...] = ()
    alternative_titles: tuple[str, ...] = ()
    imdb_id: str | None = None
    popularity: float = 0.0
    original_language: str | None = None

    @property
    def year(self) -> int | None:
        return year_of(self.release_date)

    @property
    def all_release_years(self) -> frozenset[int]:
        years = set(self.release_years)
        if self.year is not None:
            years.add(self.year)
        return frozenset(years)

    def hit(self) -> TmdbSearchHit:
        return TmdbSearchHit(
            tmdb_id=self.tmdb_id,
            title=self.title,
            original_title=self.original_title,
            release_date=self.release_date or "",
            original_language=self.original_language,
            popularity=self.popularity,
        )

    def movie(self) -> TmdbMovie:
        return TmdbMovie(
            tmdb_id=self.tmdb_id,
            imdb_id=self.imdb_id,
            title=self.title,
            original_title=self.original_title,
            release_date=self.release_date,
            alternative_titles=self.alternative_titles,
            release_years=tuple(sorted(self.all_release_years)),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CatalogueRecord:
        return cls(
            tmdb_id=int(data["tmdb_id"]),
            title=data["title"],
            original_title=data.get("original_title", data["title"]),
            release_date=data.get("release_date"),
            release_years=tuple(data.get("release_years", ())),
            alternative_titles=tuple(data.get("alternative_titles", ())),
            imdb_id=data.get("imdb_id"),
            popularity=float(data.get("popularity", 0.0)),
            original_language=data.get("original_language"),
        )


_FOLDS = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d"})
_NON_ALNUM = re.compile(r"[\W_]+")


def search_tokens(text: str) -> list[str]:
    """How the in-memory TMDb splits a title or query into words: accent- and case-folded,
    apostrophes dropped, any other punctuation separates words. Kept independent of the
    resolver's own normalization, so the benchmark does not grade the resolver with its own
    rules."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDS))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub("['\u2019\u2018`]", "", folded)
    return _NON_ALNUM.sub(" ", folded).split()


class CatalogueTmdb:
    """An in-memory TMDb over `CatalogueRecord`s (implements `TmdbApi`)."""

    def __init__(self, records: Iterable[CatalogueRecord]) -> None:
        self._by_id: dict[int, CatalogueRecord] = {}
        self._by_imdb: dict[str, list[CatalogueRecord]] = defaultdict(list)
        # word -> (record id, index of the title holding it)
        self._index: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for record in records:
            self._by_id[record.tmdb_id] = record
            if record.imdb_id:
                self._by_imdb[record.imdb_id].append(record)
            titles = (record.title, record.original_title, *record.alternative_titles)
            for position, title in enumerate(titles):
                for word in search_tokens(title or ""):
                    self._index[word].add((record.tmdb_id, position))

    def find_by_imdb_id(
        self, imdb_id: str, *, fallback_level: int | None = 1
    ) -> list[TmdbSearchHit]:
        return [record.hit() for record in self._by_imdb.get(imdb_id, [])]

    def find_tv_ids(self, imdb_id: str) -> list[int]:
        return []  # the evaluation set holds films only

    def search_movie(
        self,
        query: str,
        *,
        year: int | None = None,
        primary_release_year: int | None = None,
        page: int = 1,
        fallback_level: int | None = None,
    ) -> list[TmdbSearchHit]:
        words = set(search_tokens(query))
        if not words:
            return []
        postings = [self._index.get(word, set()) for word in words]
        matched = set.intersection(*sorted(postings, key=len))
        records = [self._by_id[tmdb_id] for tmdb_id in {tmdb_id for tmdb_id, _ in matched}]
        if year is not None:
            records = [r for r in records if year in r.all_release_years]
        if primary_release_year is not None:
            records = [r for r in records if r.year == primary_release_year]
        records.sort(key=lambda r: (-r.popularity, r.tmdb_id))
        start = (max(page, 1) - 1) * TMDB_PAGE_SIZE
        return [record.hit() for record in records[start : start + TMDB_PAGE_SIZE]]

    def movie_details(
        self,
        tmdb_id: int,
        *,
        fallback_level: int | None = None,
        confidence: float | None = None,
    ) -> TmdbMovie:
        record = self._by_id.get(tmdb_id)
        if record is None:
            raise SourceError(
                Source.TMDB,
                Operation.DETAILS,
                ErrorType.NOT_FOUND,
                "The resource you requested could not be found.",
                status_code=404,
            )
        return record.movie()

    def movie_by_imdb_id(self, imdb_id: str, *, fallback_level: int | None = 1) -> TmdbMovie:
        """`/movie/{imdb_id}`: the record carrying the id (the most popular when several do,
        TMDb's own answer being one record), else not_found."""
        records = sorted(self._by_imdb.get(imdb_id, []), key=lambda r: (-r.popularity, r.tmdb_id))
        if not records:
            raise SourceError(
                Source.TMDB,
                Operation.DETAILS,
                ErrorType.NOT_FOUND,
                "The resource you requested could not be found.",
                status_code=404,
            )
        return records[0].movie()


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    target: str
    fallback_level: int | None
    confidence: float | None


class CountingTmdb:
    """Passes calls to another `TmdbApi` and remembers each one."""

    def __init__(self, api: TmdbApi) -> None:
        self.api = api
        self.calls: list[Call] = []

    def _note(self, call: Call) -> None:
        """Sees each call before it is passed on (a subclass may raise to fail it)."""
        self.calls.append(call)

    def find_by_imdb_id(
        self, imdb_id: str, *, fallback_level: int | None = 1
    ) -> list[TmdbSearchHit]:
        self._note(Call(Operation.FIND, imdb_id, fallback_level, None))
        return self.api.find_by_imdb_id(imdb_id, fallback_level=fallback_level)

    def find_tv_ids(self, imdb_id: str) -> list[int]:
        self._note(Call(Operation.FIND, imdb_id, None, None))
        return self.api.find_tv_ids(imdb_id)

    def search_movie(
        self,
        query: str,
        *,
        year: int | None = None,
        primary_release_year: int | None = None,
        page: int = 1,
        fallback_level: int | None = None,
    ) -> list[TmdbSearchHit]:
        target = query if year is None else f"{query} ({year})"
        self._note(Call(Operation.SEARCH, target, fallback_level, None))
        return self.api.search_movie(
            query,
            year=year,
            primary_release_year=primary_release_year,
            page=page,
            fallback_level=fallback_level,
        )

    def movie_details(
        self,
        tmdb_id: int,
        *,
        fallback_level: int | None = None,
        confidence: float | None = None,
    ) -> TmdbMovie:
        self._note(Call(Operation.DETAILS, str(tmdb_id), fallback_level, confidence))
        return self.api.movie_details(tmdb_id, fallback_level=fallback_level, confidence=confidence)

    def movie_by_imdb_id(self, imdb_id: str, *, fallback_level: int | None = 1) -> TmdbMovie:
        self._note(Call(Operation.DETAILS, imdb_id, fallback_level, None))
        return self.api.movie_by_imdb_id(imdb_id, fallback_level=fallback_level)  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True, slots=True)
class EvaluationItem:
    """One festival film: what the festival page says, and the right answer.

    `expected_tmdb_id` is None when TMDb does not know the film; `expect_ambiguous` marks films
    the catalogue cannot tell from another (same title and year, no IMDb id): the right answer
    there is "ambiguous", sent to review."""

    item_id: str
    query: FilmQuery
    expected_tmdb_id: int | None
    tags: tuple[str, ...]
    records: tuple[int, ...] = ()
    expect_ambiguous: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvaluationItem:
        query = data["query"]
        return cls(
            item_id=data["id"],
            query=FilmQuery(
                imdb_id=query["imdb_id"],
                title=query["title"],
                original_title=query.get("original_title"),
                year=query.get("year"),
            ),
            expected_tmdb_id=data.get("expected_tmdb_id"),
            tags=tuple(data.get("tags", ())),
            records=tuple(data.get("records", ())),
            expect_ambiguous=bool(data.get("expect_ambiguous", False)),
        )


@dataclass(frozen=True, slots=True)
class EvaluationSet:
    items: tuple[EvaluationItem, ...]
    catalogue: tuple[CatalogueRecord, ...]
    description: Mapping[str, Any] = field(default_factory=dict)


def load_evaluation_set(path: Path) -> EvaluationSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    return EvaluationSet(
        items=tuple(EvaluationItem.from_json(item) for item in data["items"]),
        catalogue=tuple(CatalogueRecord.from_json(record) for record in data["catalogue"]),
        description=data.get("description", {}),
    )


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: EvaluationItem
    outcome: LookupOutcome
    calls: tuple[Call, ...]

    @property
    def found_id(self) -> int | None:
        film = self.outcome.film
        return film.tmdb_id if self.outcome.status == LookupStatus.FOUND and film else None

    @property
    def correct(self) -> bool:
        return self.found_id is not None and self.found_id == self.item.expected_tmdb_id

    @property
    def wrong(self) -> bool:
        return self.found_id is not None and self.found_id != self.item.expected_tmdb_id

    @property
    def ambiguous(self) -> bool:
        return self.outcome.status == LookupStatus.AMBIGUOUS


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts over a group of results."""

    films: int
    found: int
    correct: int
    wrong: int
    known: int
    recalled: int
    ambiguous: int
    calls: int

    @classmethod
    def of(cls, results: Sequence[ItemResult]) -> Tally:
        return cls(
            films=len(results),
            found=sum(r.found_id is not None for r in results),
            correct=sum(r.correct for r in results),
            wrong=sum(r.wrong for r in results),
            known=sum(_counts_for_recall(r.item) for r in results),
            recalled=sum(r.correct and _counts_for_recall(r.item) for r in results),
            ambiguous=sum(r.ambiguous for r in results),
            calls=sum(len(r.calls) for r in results),
        )

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Of the films TMDb knows (and the catalogue can tell apart), the share found."""
        return self.recalled / self.known if self.known else 1.0

    @property
    def calls_per_film(self) -> float:
        return self.calls / self.films if self.films else 0.0

    @property
    def ambiguity_rate(self) -> float:
        return self.ambiguous / self.films if self.films else 0.0


def _counts_for_recall(item: EvaluationItem) -> bool:
    return item.expected_tmdb_id is not None and not item.expect_ambiguous


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    results: tuple[ItemResult, ...]

    @property
    def overall(self) -> Tally:
        return Tally.of(self.results)

    @property
    def recall(self) -> float:
        return self.overall.recall

    @property
    def precision(self) -> float:
        return self.overall.precision

    @property
    def calls_per_film(self) -> float:
        return self.overall.calls_per_film

    @property
    def ambiguity_rate(self) -> float:
        return self.overall.ambiguity_rate

    def calls_by_operation(self) -> Counter[str]:
        return Counter(call.operation for r in self.results for call in r.calls)

    def by_level(self) -> dict[int, Tally]:
        groups: dict[int, list[ItemResult]] = defaultdict(list)
        for result in self.results:
            if result.found_id is not None and result.outcome.fallback_level is not None:
                groups[result.outcome.fallback_level].append(result)
        return {level: Tally.of(groups[level]) for level in sorted(groups)}

    def by_tag(self) -> dict[str, Tally]:
        groups: dict[str, list[ItemResult]] = defaultdict(list)
        for result in self.results:
            for tag in result.item.tags:
                groups[tag].append(result)
        return {tag: Tally.of(groups[tag]) for tag in sorted(groups)}

    def meets_bars(self) -> bool:
        return (
            self.precision >= PRECISION_BAR
            and self.recall >= RECALL_BAR
            and self.calls_per_film <= CALLS_PER_FILM_BAR
        )


def evaluate(
    evaluation_set: EvaluationSet,
    api_factory: Callable[[EvaluationSet], TmdbApi] | None = None,
    config: ResolutionConfig | None = None,
) -> EvaluationReport:
    """Resolves every film with a fresh resolver (so each film's calls are its own) against
    the TMDb `api_factory` builds (default: the in-memory catalogue)."""
    api = (api_factory or (lambda s: CatalogueTmdb(s.catalogue)))(evaluation_set)
    results = []
    route = DirectRoute(sample=(config or ResolutionConfig()).direct_route_checks)  # the run's
    for item in evaluation_set.items:
        counting = CountingTmdb(api)
        outcome = TmdbResolver(counting, config, route=route).resolve(item.query)
        results.append(ItemResult(item, outcome, tuple(counting.calls)))
    return EvaluationReport(tuple(results))
