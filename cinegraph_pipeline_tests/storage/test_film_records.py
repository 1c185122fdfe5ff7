"""Every transition of a film's record, through the one module that owns them, on SQLite and
PostgreSQL: upsert from a resolution (found, stub, deferred), give up, upgrade by
enrichment, the next retry, what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from cinegraph_pipeline.resolution.cascade import DataSource, ImportType, Resolution
from cinegraph_pipeline.sources.records import FilmData, LookupOutcome, LookupStatus
from cinegraph_pipeline.storage.film_records import (
    count_due,
    due_placeholders,
    give_up_pending,
    next_retry_at,
    record_edition,
    record_enrichment,
    stored_import_types,
)
from cinegraph_pipeline.storage.models import FestivalNomination, Movie

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def resolution(imdb_id: str, import_type: ImportType, **extra: Any) -> Resolution:
    source = {
        ImportType.FULL: DataSource.TMDB,
        ImportType.MINIMAL: DataSource.OMDB,
    }.get(import_type, DataSource.FESTIVAL)
    values: dict[str, Any] = {
        "import_type": import_type,
        "data_source": source,
        "film": FilmData(imdb_id=imdb_id, title=f"Film {imdb_id}", year=2016),
        "lookup_confidence": 0.9 if import_type is ImportType.FULL else None,
        "fallback_level": 2 if import_type is ImportType.FULL else None,
        "needs_enrichment": import_type is not ImportType.FULL,
        "needs_review": False,
    }
    return Resolution(**{**values, **extra})


def nomination(imdb_id: str, year: int = 2016) -> dict[str, Any]:
    return {
        "festival": "cannes",
        "year": year,
        "award": "Palme d'Or",
        "category": "Palme d'Or",
        "film_imdb_id": imdb_id,
        "film_title": f"Film {imdb_id}",
        "person_imdb_id": "",
        "person_name": "",
        "winner": False,
        "notes": None,
    }


def movies(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {
            row["imdb_id"]: dict(row) for row in conn.execute(select(Movie.__table__)).mappings()
        }


def utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


EDITION = {
    "tt0000001": ImportType.FULL,
    "tt0000002": ImportType.MINIMAL,
    "tt0000003": ImportType.STUB,
    "tt0000004": ImportType.PENDING,
}


def record(engine: Engine, *, give_up: bool = False, when: datetime = NOW) -> Any:
    with engine.begin() as conn:
        return record_edition(
            conn,
            "cannes",
            2016,
            [resolution(i, t) for i, t in EDITION.items()],
            [nomination(i) for i in EDITION],
            when,
            give_up=give_up,
        )


def test_an_edition_is_recorded_with_retry_dates_for_placeholders_only(
    migrated_engine: Engine,
) -> None:
    written = record(migrated_engine)
    assert (written.movies.inserted, written.nominations.inserted, written.given_up) == (4, 4, 0)
    assert written.by_type == {"full": 1, "minimal": 1, "stub": 1, "pending": 1}
    rows = movies(migrated_engine)
    in_a_week = NOW + timedelta(days=7)
    assert utc(rows["tt0000002"]["next_tmdb_retry_at"]) == in_a_week  # minimal
    assert utc(rows["tt0000003"]["next_tmdb_retry_at"]) == in_a_week  # stub
    assert rows["tt0000001"]["next_tmdb_retry_at"] is None  # full: nothing to retry
    assert rows["tt0000004"]["next_tmdb_retry_at"] is None  # pending: the sensor's
    with migrated_engine.connect() as conn:
        linked = conn.execute(select(FestivalNomination.movie_id)).scalars().all()
        assert None not in linked
        assert stored_import_types(conn, list(EDITION)) == {k: str(v) for k, v in EDITION.items()}
    # The same edition again, a day later: no row changes.
    again = record(migrated_engine, when=NOW + timedelta(days=1))
    assert (again.movies.updated, again.nominations.updated) == (0, 0)
    assert movies(migrated_engine) == rows


def test_a_deferred_film_is_upgraded_never_downgraded(migrated_engine: Engine) -> None:
    record(migrated_engine)
    with migrated_engine.begin() as conn:
        record_edition(
            conn,
            "cannes",
            2016,
            [
                resolution("tt0000004", ImportType.FULL),  # the retry found it
                resolution("tt0000001", ImportType.PENDING),  # TMDb down: keep the full row
            ],
            [],
            NOW,
        )
    rows = movies(migrated_engine)
    assert rows["tt0000004"]["import_type"] == "full"
    assert rows["tt0000001"]["import_type"] == "full"


def test_giving_up_turns_the_editions_pending_films_into_stubs_to_review(
    migrated_engine: Engine,
) -> None:
    written = record(migrated_engine, give_up=True)
    assert written.given_up == 1 and written.by_type["stub"] == 2
    film = movies(migrated_engine)["tt0000004"]
    assert (film["import_type"], film["needs_review"], film["needs_enrichment"]) == (
        "stub",
        True,
        True,
    )
    assert utc(film["next_tmdb_retry_at"]) == next_retry_at(NOW, 0)
    with migrated_engine.begin() as conn:  # another edition's films are not touched
        assert give_up_pending(conn, "cannes", 2017, NOW) == 0
        assert give_up_pending(conn, "cannes", 2016, NOW) == 0  # nothing pending left


def test_giving_up_leaves_a_film_stopped_by_our_code_pending_for_review(
    migrated_engine: Engine,
) -> None:
    stopped = resolution(
        "tt0000005", ImportType.PENDING, needs_review=True, error_type="internal_error"
    )
    with migrated_engine.begin() as conn:
        written = record_edition(
            conn,
            "cannes",
            2016,
            [resolution("tt0000004", ImportType.PENDING), stopped],
            [nomination("tt0000004"), nomination("tt0000005")],
            NOW,
            give_up=True,
        )
    assert written.given_up == 1
    rows = movies(migrated_engine)
    assert rows["tt0000004"]["import_type"] == "stub"
    assert (rows["tt0000005"]["import_type"], rows["tt0000005"]["needs_review"]) == (
        "pending",
        True,
    )


def test_enrichment_upgrades_or_schedules_the_next_retry(migrated_engine: Engine) -> None:
    record(migrated_engine)
    due_at = NOW + timedelta(days=8)
    with migrated_engine.connect() as conn:
        assert count_due(conn, NOW) == 0
        assert count_due(conn, due_at) == 2
        due = {p.imdb_id: p for p in due_placeholders(conn, due_at, limit=10)}
    assert set(due) == {"tt0000002", "tt0000003"}
    found = FilmData(imdb_id="tt0000002", tmdb_id=42, title="Film tt0000002", year=2016)
    with migrated_engine.begin() as conn:
        upgraded = record_enrichment(
            conn,
            due["tt0000002"],
            LookupOutcome(LookupStatus.FOUND, film=found, confidence=1.0, fallback_level=1),
            due_at,
            review_after=5,
        )
        waiting = record_enrichment(
            conn,
            due["tt0000003"],
            LookupOutcome(LookupStatus.NOT_FOUND),
            due_at,
            review_after=1,
        )
    assert (upgraded.outcome, waiting.outcome, waiting.flagged_for_review) == (
        "upgraded",
        "still_pending",
        True,
    )
    rows = movies(migrated_engine)
    assert (rows["tt0000002"]["import_type"], rows["tt0000002"]["tmdb_id"]) == ("full", 42)
    assert rows["tt0000002"]["next_tmdb_retry_at"] is None
    stub = rows["tt0000003"]
    assert stub["placeholder_retry_count"] == 1 and stub["needs_review"]
    assert utc(stub["next_tmdb_retry_at"]) == next_retry_at(due_at, 1)  # 14 days
    with migrated_engine.connect() as conn:
        assert count_due(conn, due_at) == 0


def test_a_failed_retry_is_no_attempt_and_a_bug_of_ours_is_flagged(
    migrated_engine: Engine,
) -> None:
    record(migrated_engine)
    due_at = NOW + timedelta(days=8)
    with migrated_engine.connect() as conn:
        due = {p.imdb_id: p for p in due_placeholders(conn, due_at, limit=10)}
    with migrated_engine.begin() as conn:
        down = record_enrichment(
            conn,
            due["tt0000002"],
            LookupOutcome(LookupStatus.FAILED, error_type="timeout"),
            due_at,
            review_after=5,
        )
        bug = record_enrichment(
            conn,
            due["tt0000003"],
            LookupOutcome(LookupStatus.FAILED, error_type="internal_error"),
            due_at,
            review_after=5,
        )
    assert (down.outcome, down.flagged_for_review) == ("deferred", False)
    assert (bug.outcome, bug.flagged_for_review) == ("deferred", True)
    rows = movies(migrated_engine)
    for imdb_id in ("tt0000002", "tt0000003"):
        assert rows[imdb_id]["placeholder_retry_count"] == 0
        assert utc(rows[imdb_id]["next_tmdb_retry_at"]) == due_at + timedelta(days=1)
    assert not rows["tt0000002"]["needs_review"] and rows["tt0000003"]["needs_review"]


def test_enrichment_of_a_series_keeps_its_tmdb_series_id_and_stops(
    migrated_engine: Engine,
) -> None:
    """A series stored before its TMDb series id was known waits for the enrichment; the
    retry that finds the id stores it and ends the series' retries (no TMDb movie is it)."""
    series = FilmData(imdb_id="tt0000009", title="A Series", year=2016, title_type="tvSeries")
    with migrated_engine.begin() as conn:
        record_edition(
            conn,
            "cannes",
            2016,
            [resolution("tt0000009", ImportType.MINIMAL, film=series)],
            [nomination("tt0000009")],
            NOW,
        )
    due_at = NOW + timedelta(days=8)
    with migrated_engine.connect() as conn:
        (placeholder,) = due_placeholders(conn, due_at, limit=10)
    answer = LookupOutcome(LookupStatus.NOT_FOUND, tmdb_tv_id=4242)
    with migrated_engine.begin() as conn:
        result = record_enrichment(conn, placeholder, answer, due_at, review_after=1)
        assert count_due(conn, due_at + timedelta(days=400)) == 0
    assert result.outcome == "series_settled" and not result.flagged_for_review
    row = movies(migrated_engine)["tt0000009"]
    assert (row["tmdb_tv_id"], row["tmdb_id"], row["import_type"]) == (4242, None, "minimal")
    assert (row["needs_enrichment"], row["next_tmdb_retry_at"], row["needs_review"]) == (
        False,
        None,
        False,
    )
    # Written with its series id known, a series never waits for the enrichment.
    known = FilmData(
        imdb_id="tt0000010", title="B Series", year=2016, title_type="tvMiniSeries", tmdb_tv_id=7
    )
    with migrated_engine.begin() as conn:
        record_edition(
            conn,
            "cannes",
            2016,
            [resolution("tt0000010", ImportType.MINIMAL, film=known)],
            [nomination("tt0000010")],
            NOW,
        )
    row = movies(migrated_engine)["tt0000010"]
    assert (row["needs_enrichment"], row["next_tmdb_retry_at"]) == (False, None)
