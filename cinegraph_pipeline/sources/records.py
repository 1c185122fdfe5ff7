"""Typed records exchanged between the parsers, the resolution engine and the storage layer.

Parsers turn upstream bodies into these records; nothing downstream reads raw JSON or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class AwardedFilm:
    imdb_id: str
    title: str
    original_title: str | None = None
    year: int | None = None
    title_type: str | None = None  # IMDb titleType.id: movie, short, tvMovie, tvSeries...


@dataclass(frozen=True, slots=True)
class AwardedPerson:
    imdb_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Nomination:
    """One nomination of an IMDb event page: the films and people it names."""

    award: str
    category: str
    winner: bool
    notes: str | None
    films: tuple[AwardedFilm, ...]
    people: tuple[AwardedPerson, ...]


@dataclass(frozen=True, slots=True)
class EventEdition:
    event_id: str
    year: int
    nominations: tuple[Nomination, ...]
    edition_years: tuple[int, ...] = ()
    route: str = "event_page"  # what served it: graphql, or the event page (direct or zyte)


@dataclass(frozen=True, slots=True)
class EditionRef:
    """One edition of an IMDb event as GraphQL lists it (`id` is opaque, like ee0163152)."""

    edition_id: str
    year: int
    instance_within_year: int = 1


@dataclass(frozen=True, slots=True)
class EventInfo:
    """`nominationEvent`: the event's name and every edition IMDb lists."""

    event_id: str
    name: str | None
    editions: tuple[EditionRef, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({edition.year for edition in self.editions}))


@dataclass(frozen=True, slots=True)
class FilmQuery:
    """What the festival page says about a film: the input of every lookup."""

    imdb_id: str
    title: str
    original_title: str | None = None
    year: int | None = None
    title_type: str | None = None  # from the edition; a series is never a TMDb movie

    @property
    def is_series(self) -> bool:
        return is_series(self.title_type)


# IMDb title types that are series: TMDb knows them under /tv, never as movies.
SERIES_TYPES: frozenset[str] = frozenset({"tvSeries", "tvMiniSeries"})


def is_series(title_type: str | None) -> bool:
    return title_type in SERIES_TYPES


@dataclass(frozen=True, slots=True)
class TmdbSearchHit:
    tmdb_id: int
    title: str
    original_title: str | None
    release_date: str | None
    original_language: str | None = None
    popularity: float | None = None

    @property
    def year(self) -> int | None:
        return year_of(self.release_date)


@dataclass(frozen=True, slots=True)
class FilmData:
    """The columns of a `movies` row that a source can fill. Lists hold names."""

    imdb_id: str
    title: str
    original_title: str | None = None
    year: int | None = None
    tmdb_id: int | None = None
    release_date: str | None = None
    runtime: int | None = None
    overview: str | None = None
    genres: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    poster_url: str | None = None
    imdb_rating: float | None = None
    imdb_votes: int | None = None
    title_type: str | None = None
    tmdb_tv_id: int | None = None


# The FilmData fields that TMDb, OMDb and IMDb-page records all carry under the same name.
_SHARED_FILM_FIELDS = (
    "title",
    "year",
    "runtime",
    "genres",
    "directors",
    "countries",
    "languages",
    "poster_url",
)


def _film_data(record: object, **fields: Any) -> FilmData:
    """FilmData with `record`'s shared fields, plus `fields` (the ones each source names its
    own way or does not have)."""
    shared = {name: getattr(record, name) for name in _SHARED_FILM_FIELDS}
    return FilmData(**shared, **fields)


@dataclass(frozen=True, slots=True)
class TmdbMovie:
    """`/movie/{id}` with credits, external ids, alternative titles and release dates."""

    tmdb_id: int
    imdb_id: str | None
    title: str
    original_title: str | None
    release_date: str | None
    runtime: int | None = None
    overview: str | None = None
    genres: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    poster_url: str | None = None
    alternative_titles: tuple[str, ...] = ()
    release_years: tuple[int, ...] = ()
    vote_average: float | None = None
    vote_count: int | None = None

    @property
    def year(self) -> int | None:
        return year_of(self.release_date)

    def to_film_data(self, fallback_imdb_id: str) -> FilmData:
        return _film_data(
            self,
            imdb_id=self.imdb_id or fallback_imdb_id,
            original_title=self.original_title,
            tmdb_id=self.tmdb_id,
            release_date=self.release_date or None,
            overview=self.overview,
        )


@dataclass(frozen=True, slots=True)
class OmdbRecord:
    imdb_id: str
    title: str
    year: int | None
    type: str | None = None
    released: str | None = None
    runtime: int | None = None
    genres: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    plot: str | None = None
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    poster_url: str | None = None
    imdb_rating: float | None = None
    imdb_votes: int | None = None

    def to_film_data(self) -> FilmData:
        return _film_data(
            self,
            imdb_id=self.imdb_id,
            release_date=self.released,
            overview=self.plot,
            imdb_rating=self.imdb_rating,
            imdb_votes=self.imdb_votes,
        )


@dataclass(frozen=True, slots=True)
class ImdbTitle:
    """An IMDb title page: JSON-LD `name` is the original title, `alternateName` the English
    one; type and year come from `__NEXT_DATA__`."""

    imdb_id: str
    title: str
    original_title: str | None
    year: int | None
    title_type: str | None = None
    runtime: int | None = None
    genres: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    rating: float | None = None
    votes: int | None = None
    plot: str | None = None
    poster_url: str | None = None

    def to_film_data(self) -> FilmData:
        return _film_data(
            self,
            imdb_id=self.imdb_id,
            original_title=self.original_title,
            overview=self.plot,
            imdb_rating=self.rating,
            imdb_votes=self.votes,
            title_type=self.title_type,
        )


class LookupStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    SUSPECT = "suspect"
    FAILED = "failed"
    # Not asked: its daily quota or budget is spent, and a source of the same rank comes next.
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record a lookup considered, kept for review when the match was too close to call."""

    source: str
    source_id: str
    title: str
    year: int | None
    score: float

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "id": self.source_id,
            "title": self.title,
            "year": self.year,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class LookupOutcome:
    """What one source made of one film. `error_type` is set when status is FAILED (or
    SKIPPED: why the source was not asked)."""

    status: LookupStatus
    film: FilmData | None = None
    confidence: float | None = None
    fallback_level: int | None = None
    candidates: tuple[Candidate, ...] = field(default=())
    error_type: str | None = None
    error_message: str | None = None
    tmdb_tv_id: int | None = None  # a series: TMDb's /tv id from /find tv_results


def year_of(date: str | None) -> int | None:
    """The year of an ISO date such as TMDb's `release_date` (which may be `""`)."""
    if not date or len(date) < 4 or not date[:4].isdigit():
        return None
    return int(date[:4])
