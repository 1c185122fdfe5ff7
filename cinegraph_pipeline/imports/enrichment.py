"""Placeholder enrichment: `minimal` and `stub` films due for a retry are tried against TMDb
again; what is found is upgraded to `full`, the rest waits longer (7, 14, 30, 60 days, then
every 60) and is flagged for review after a configured number of attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select, update

from cinegraph_pipeline.imports.backoff import next_retry_at
from cinegraph_pipeline.sources.records import FilmData, FilmQuery, LookupOutcome, LookupStatus
from cinegraph_pipeline.storage.models import Movie

# A transient failure is not an attempt: the film is looked at again the next day.
TRANSIENT_RETRY = timedelta(days=1)

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

    @property
    def query(self) -> FilmQuery:
        return FilmQuery(self.imdb_id, self.title, self.original_title, self.year)


@dataclass(frozen=True, slots=True)
class EnrichmentResult:
    imdb_id: str
    outcome: str  # upgraded | still_pending | deferred
    attempts: int
    flagged_for_review: bool = False


def count_due(connection: Connection, now: datetime) -> int:
    from sqlalchemy import func

    return connection.scalar(select(func.count()).select_from(Movie).where(_due(now))) or 0


def _due(now: datetime) -> Any:
    return and_(
        Movie.needs_enrichment.is_(True),
        Movie.import_type.in_(("minimal", "stub")),
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


def apply_outcome(
    connection: Connection,
    placeholder: Placeholder,
    outcome: LookupOutcome,
    now: datetime,
    *,
    review_after: int,
) -> EnrichmentResult:
    """Writes what one retry found: an upgrade to `full`, or the next retry time."""
    table = Movie.__table__
    where = table.c.id == placeholder.id
    if outcome.status is LookupStatus.FOUND and outcome.film is not None:
        values = _merged(placeholder.values, outcome.film)
        connection.execute(
            update(table)
            .where(where)
            .values(
                **values,
                import_type="full",
                data_source="tmdb",
                lookup_confidence=outcome.confidence,
                fallback_level=outcome.fallback_level,
                needs_enrichment=False,
                next_tmdb_retry_at=None,
                last_enrichment_attempt=now,
                placeholder_retry_count=placeholder.placeholder_retry_count + 1,
                updated_at=now,
            )
        )
        return EnrichmentResult(
            placeholder.imdb_id, "upgraded", placeholder.placeholder_retry_count + 1
        )
    if outcome.status is LookupStatus.FAILED:
        connection.execute(
            update(table)
            .where(where)
            .values(next_tmdb_retry_at=now + TRANSIENT_RETRY, last_enrichment_attempt=now)
        )
        return EnrichmentResult(
            placeholder.imdb_id, "deferred", placeholder.placeholder_retry_count
        )
    attempts = placeholder.placeholder_retry_count + 1
    flag = attempts >= review_after
    values: dict[str, Any] = {
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
        "flagged_for_review": sum(r.flagged_for_review for r in results),
    }
