"""The one owner of a film's record: every transition of `movies` and `festival_nominations`.

- `record_edition`: an edition's resolutions and nominations upserted in one transaction
  (found films `full`/`minimal`, not found `stub`, deferred `pending`), optionally giving up
  on the films still pending;
- `give_up_pending`: pending -> stub flagged for review (the retry sensor's last attempt);
- `record_enrichment`: a placeholder's TMDb retry, an upgrade to `full` or the next retry;
- `due_placeholders` / `count_due`: what the enrichment schedule has to try;
- `accept_review` / `dismiss_review`: a person settles a film flagged for review
  (`cinegraph-review`).

Retry dates are computed here and only here (`next_retry_at`). The resolution engine hands
over plain `Resolution` values; only `movie_row` knows how they map onto the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from cinegraph_pipeline.resolution.cascade import ImportType, Resolution
from cinegraph_pipeline.sources.errors import ErrorType
from cinegraph_pipeline.sources.records import (
    FilmData,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
    is_series,
)
from cinegraph_pipeline.storage.models import FestivalNomination, Movie
from cinegraph_pipeline.storage.writes import (
    WriteCounts,
    movie_ids,
    upsert_movies,
    upsert_nominations,
)

# Days to wait after the 1st, 2nd, 3rd, 4th TMDb retry of a placeholder; every 60 after that.
RETRY_DAYS: tuple[int, ...] = (7, 14, 30, 60)
# A transient failure is not an attempt: the film is looked at again the next day.
TRANSIENT_RETRY = timedelta(days=1)
_PLACEHOLDERS = (ImportType.MINIMAL, ImportType.STUB)

_DATA_COLUMNS = (
    "tmdb_id",
    "title",
    "original_title",
    "year",
    "release_date",
    "runtime",
    "overview",
    "genres",
    "directors",
    "countries",
    "languages",
    "poster_url",
    "imdb_rating",
    "imdb_votes",
)


def retry_delay(attempts_made: int) -> timedelta:
    """The wait after `attempts_made` TMDb retries; 0 is the wait of a fresh placeholder."""
    index = min(max(attempts_made, 0), len(RETRY_DAYS) - 1)
    return timedelta(days=RETRY_DAYS[index])


def next_retry_at(now: datetime, attempts_made: int) -> datetime:
    return now + retry_delay(attempts_made)


def movie_row(resolution: Resolution, now: datetime) -> dict[str, Any]:
    """The `movies` columns a resolution sets (lists as lists, for the JSON columns). A
    placeholder (`minimal`, `stub`) waits its first retry delay for TMDb; a `pending` film
    belongs to the edition's retry sensor, a `full` one to nobody."""
    film = resolution.film
    # A series is never a TMDb movie: once its TMDb series id is known, TMDb has nothing
    # more to give it, so it does not wait for the enrichment.
    settled_series = is_series(film.title_type) and film.tmdb_tv_id is not None
    placeholder = resolution.import_type in _PLACEHOLDERS and not settled_series
    return {
        "imdb_id": film.imdb_id,
        "tmdb_id": film.tmdb_id,
        "tmdb_tv_id": film.tmdb_tv_id,
        "title_type": film.title_type,
        "title": film.title,
        "original_title": film.original_title,
        "year": film.year,
        "release_date": film.release_date,
        "runtime": film.runtime,
        "overview": film.overview,
        "genres": list(film.genres),
        "directors": list(film.directors),
        "countries": list(film.countries),
        "languages": list(film.languages),
        "poster_url": film.poster_url,
        "imdb_rating": film.imdb_rating,
        "imdb_votes": film.imdb_votes,
        "import_type": str(resolution.import_type),
        "data_source": str(resolution.data_source),
        "lookup_confidence": resolution.lookup_confidence,
        "fallback_level": resolution.fallback_level,
        "needs_enrichment": resolution.needs_enrichment and not settled_series,
        "needs_review": resolution.needs_review,
        "review_candidates": [dict(c) for c in resolution.review_candidates],
        "next_tmdb_retry_at": next_retry_at(now, 0) if placeholder else None,
    }


# An edition


@dataclass(frozen=True, slots=True)
class EditionWrite:
    movies: WriteCounts
    nominations: WriteCounts
    given_up: int
    by_type: dict[str, int]


def record_edition(
    connection: Connection,
    festival: str,
    year: int,
    resolutions: Iterable[Resolution],
    nominations: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    give_up: bool = False,
) -> EditionWrite:
    """The edition's films and nominations (call inside one transaction). Upserts never
    downgrade a film and touch a row only when a value changed; with `give_up`, the
    edition's films still pending afterwards become stubs to review."""
    movie_counts = upsert_movies(connection, [movie_row(r, now) for r in resolutions])
    film_ids = sorted({row["film_imdb_id"] for row in nominations if row["film_imdb_id"]})
    ids = movie_ids(connection, film_ids)
    nomination_counts = upsert_nominations(
        connection, [{**row, "movie_id": ids.get(row["film_imdb_id"])} for row in nominations]
    )
    given_up = give_up_pending(connection, festival, year, now) if give_up else 0
    return EditionWrite(
        movie_counts, nomination_counts, given_up, import_type_counts(connection, film_ids)
    )


def import_type_counts(connection: Connection, imdb_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(imdb_ids), 500):
        chunk = imdb_ids[start : start + 500]
        for import_type, count in connection.execute(
            select(Movie.import_type, func.count())
            .where(Movie.imdb_id.in_(chunk))
            .group_by(Movie.import_type)
        ):
            counts[import_type] = counts.get(import_type, 0) + count
    return counts


def stored_import_types(connection: Connection, imdb_ids: Sequence[str]) -> dict[str, str]:
    """`imdb_id` -> import type of the films already stored (a re-run skips all but pending)."""
    stored: dict[str, str] = {}
    for start in range(0, len(imdb_ids), 500):
        chunk = imdb_ids[start : start + 500]
        stored.update(
            connection.execute(
                select(Movie.imdb_id, Movie.import_type).where(Movie.imdb_id.in_(chunk))
            ).all()
        )
    return stored


def give_up_pending(connection: Connection, festival: str, year: int, now: datetime) -> int:
    """The edition's pending films become stubs flagged for review, retried by the
    enrichment schedule from now on. A pending film already flagged for review was stopped
    by an error in our code (internal_error): it stays pending for someone to look at."""
    edition_films = select(FestivalNomination.movie_id).where(
        FestivalNomination.festival == festival,
        FestivalNomination.year == year,
        FestivalNomination.movie_id.is_not(None),
    )
    result = connection.execute(
        update(Movie)
        .where(
            Movie.import_type == str(ImportType.PENDING),
            Movie.needs_review.is_(False),
            Movie.id.in_(edition_films),
        )
        .values(
            import_type=str(ImportType.STUB),
            needs_review=True,
            needs_enrichment=True,
            next_tmdb_retry_at=next_retry_at(now, 0),
            updated_at=now,
        )
    )
    return result.rowcount


# Placeholder enrichment


@dataclass(frozen=True, slots=True)
class Placeholder:
    id: int
    imdb_id: str
    title: str
    original_title: str | None
    year: int | None
    import_type: str
    placeholder_retry_count: int
    values: dict[str, Any]
    title_type: str | None = None  # a series is retried on TMDb's /find tv_results only

    @property
    def query(self) -> FilmQuery:
        return FilmQuery(self.imdb_id, self.title, self.original_title, self.year, self.title_type)


@dataclass(frozen=True, slots=True)
class EnrichmentResult:
    imdb_id: str
    outcome: str  # upgraded | series_settled | still_pending | deferred
    attempts: int
    flagged_for_review: bool = False


def count_due(connection: Connection, now: datetime) -> int:
    return connection.scalar(select(func.count()).select_from(Movie).where(_due(now))) or 0


def _due(now: datetime) -> Any:
    return and_(
        Movie.needs_enrichment.is_(True),
        Movie.import_type.in_([str(t) for t in _PLACEHOLDERS]),
        Movie.next_tmdb_retry_at.is_not(None),
        Movie.next_tmdb_retry_at <= now,
    )


def due_placeholders(connection: Connection, now: datetime, limit: int) -> list[Placeholder]:
    """The placeholders whose retry time has passed, longest-waiting first."""
    table = Movie.__table__
    rows = connection.execute(
        select(table).where(_due(now)).order_by(table.c.next_tmdb_retry_at, table.c.id).limit(limit)
    ).mappings()
    return [
        Placeholder(
            id=row["id"],
            imdb_id=row["imdb_id"],
            title=row["title"],
            original_title=row["original_title"],
            year=row["year"],
            import_type=row["import_type"],
            placeholder_retry_count=row["placeholder_retry_count"],
            values={column: row[column] for column in _DATA_COLUMNS},
            title_type=row["title_type"],
        )
        for row in rows
    ]


def _merged(existing: dict[str, Any], film: FilmData) -> dict[str, Any]:
    """TMDb's values, keeping what the other sources gave where TMDb has nothing."""
    merged: dict[str, Any] = {}
    for column in _DATA_COLUMNS:
        value = getattr(film, column)
        if isinstance(value, tuple):
            value = list(value)
        empty = value is None or value == [] or value == ""
        merged[column] = existing.get(column) if empty else value
    return merged


def record_enrichment(
    connection: Connection,
    placeholder: Placeholder,
    outcome: LookupOutcome,
    now: datetime,
    *,
    review_after: int,
) -> EnrichmentResult:
    """Writes what one TMDb retry found: an upgrade to `full`, or the next retry time (the
    next day after a failure, which is no attempt; a bug of ours also flags the film)."""
    table = Movie.__table__
    where = table.c.id == placeholder.id
    attempts = placeholder.placeholder_retry_count + 1
    # What every attempt that settles the film writes: no further retry is due.
    settled: dict[str, Any] = {
        "needs_enrichment": False,
        "next_tmdb_retry_at": None,
        "last_enrichment_attempt": now,
        "placeholder_retry_count": attempts,
        "updated_at": now,
    }
    if is_series(placeholder.title_type) and outcome.tmdb_tv_id is not None:
        # A series: TMDb's series id is all the enrichment can give it (its record comes
        # from OMDb or IMDb); stored, the series waits for no further retry.
        connection.execute(
            update(table).where(where).values(tmdb_tv_id=outcome.tmdb_tv_id, **settled)
        )
        return EnrichmentResult(placeholder.imdb_id, "series_settled", attempts)
    if outcome.status is LookupStatus.FOUND and outcome.film is not None:
        connection.execute(
            update(table)
            .where(where)
            .values(
                **_merged(placeholder.values, outcome.film),
                import_type=str(ImportType.FULL),
                data_source="tmdb",
                lookup_confidence=outcome.confidence,
                fallback_level=outcome.fallback_level,
                **settled,
            )
        )
        return EnrichmentResult(placeholder.imdb_id, "upgraded", attempts)
    if outcome.status is LookupStatus.FAILED:
        ours = outcome.error_type == ErrorType.INTERNAL_ERROR
        values: dict[str, Any] = {
            "next_tmdb_retry_at": now + TRANSIENT_RETRY,
            "last_enrichment_attempt": now,
        }
        if ours:
            values |= {"needs_review": True, "updated_at": now}
        connection.execute(update(table).where(where).values(**values))
        return EnrichmentResult(
            placeholder.imdb_id, "deferred", placeholder.placeholder_retry_count, ours
        )
    flag = attempts >= review_after
    values = {
        "placeholder_retry_count": attempts,
        "last_enrichment_attempt": now,
        "next_tmdb_retry_at": next_retry_at(now, attempts),
        "updated_at": now,
    }
    if flag:
        values["needs_review"] = True
    if outcome.candidates:
        values["review_candidates"] = [c.as_json() for c in outcome.candidates]
        values["needs_review"] = True
    connection.execute(update(table).where(where).values(**values))
    return EnrichmentResult(placeholder.imdb_id, "still_pending", attempts, flag)


def summarize(results: Sequence[EnrichmentResult]) -> dict[str, int]:
    return {
        "tried": len(results),
        "upgraded": sum(r.outcome == "upgraded" for r in results),
        "still_pending": sum(r.outcome == "still_pending" for r in results),
        "deferred": sum(r.outcome == "deferred" for r in results),
        "series_settled": sum(r.outcome == "series_settled" for r in results),
        "flagged_for_review": sum(r.flagged_for_review for r in results),
    }


def accept_review(connection: Connection, imdb_id: str, film: FilmData, now: datetime) -> bool:
    """A person settled a film flagged for review on a TMDb record: it becomes `full` from
    TMDb (keeping what the other sources gave where TMDb has nothing), no longer waiting for
    enrichment or review. False when no film has that IMDb id; a series (never a TMDb
    movie) raises ValueError."""
    table = Movie.__table__
    where = table.c.imdb_id == imdb_id
    existing = connection.execute(select(table).where(where)).mappings().first()
    if existing is None:
        return False
    if is_series(existing["title_type"]):
        raise ValueError(f"{imdb_id} is a series: a TMDb movie record cannot be its record")
    connection.execute(
        update(table)
        .where(where)
        .values(
            **_merged(dict(existing), film),
            import_type="full",
            data_source="tmdb",
            lookup_confidence=1.0,
            fallback_level=None,
            needs_enrichment=False,
            needs_review=False,
            review_candidates=[],
            next_tmdb_retry_at=None,
            updated_at=now,
        )
    )
    return True


def dismiss_review(connection: Connection, imdb_id: str, now: datetime) -> bool:
    """A person looked at a flagged film and left it as it is: off the queue, its candidates
    dropped; the enrichment keeps retrying it if it is a placeholder. False when no such
    film."""
    table = Movie.__table__
    result = connection.execute(
        update(table)
        .where(table.c.imdb_id == imdb_id)
        .values(needs_review=False, review_candidates=[], updated_at=now)
    )
    return bool(result.rowcount)
