"""Stage classification: what passes a film on, what defers it, what it becomes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from cinegraph_pipeline.imports.backoff import next_retry_at, retry_delay
from cinegraph_pipeline.imports.progress import (
    FilmStatus,
    finish_with_stubs,
    movie_row,
    run_stage,
    start_progress,
)
from cinegraph_pipeline.sources.errors import ErrorType, Operation, Source, SourceError
from cinegraph_pipeline.sources.records import (
    Candidate,
    FilmData,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
)

NOW = datetime(2026, 5, 20, tzinfo=UTC)
FILMS = [
    FilmQuery("tt0000001", "Found Film", None, 2016),
    FilmQuery("tt0000002", "Unknown Film", None, 2016),
    FilmQuery("tt0000003", "Twin Film", None, 2016),
    FilmQuery("tt0000004", "Flaky Film", None, 2016),
    FilmQuery("tt0000005", "Stored Film", None, 2016),
]
TWINS = (
    Candidate("tmdb", "11", "Twin Film", 2016, 0.9),
    Candidate("tmdb", "12", "Twin Film", 2016, 0.89),
)


def tmdb_lookup(query: FilmQuery) -> LookupOutcome:
    if query.imdb_id == "tt0000001":
        film = FilmData(imdb_id=query.imdb_id, title="Found Film", year=2016, tmdb_id=99)
        return LookupOutcome(LookupStatus.FOUND, film=film, confidence=0.9, fallback_level=2)
    if query.imdb_id == "tt0000003":
        return LookupOutcome(LookupStatus.AMBIGUOUS, candidates=TWINS)
    if query.imdb_id == "tt0000004":
        raise SourceError(Source.TMDB, Operation.SEARCH, ErrorType.RATE_LIMIT, "429")
    raise SourceError(Source.TMDB, Operation.DETAILS, ErrorType.NOT_FOUND, "34")


def test_a_stage_resolves_passes_on_and_defers() -> None:
    progress = start_progress("cannes", 2016, FILMS, stored={"tt0000005": "full"})
    after = run_stage(progress, "tmdb", tmdb_lookup, workers=4)
    status = {imdb_id: state.status for imdb_id, state in after.films.items()}
    assert status == {
        "tt0000001": FilmStatus.RESOLVED,
        "tt0000002": FilmStatus.UNRESOLVED,
        "tt0000003": FilmStatus.UNRESOLVED,
        "tt0000004": FilmStatus.DEFERRED,
        "tt0000005": FilmStatus.EXISTING,
    }
    twin = after.films["tt0000003"]
    assert twin.needs_review and twin.candidates == TWINS
    stats = after.stages[-1]
    assert (stats.tried, stats.resolved, stats.passed_on, stats.deferred) == (4, 1, 2, 1)
    assert stats.by_level == {2: 1} and stats.errors == {"rate_limit": 1}


def test_only_unresolved_films_reach_the_next_stage() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def omdb_lookup(query: FilmQuery) -> LookupOutcome:
        with lock:
            seen.append(query.imdb_id)
        film = FilmData(imdb_id=query.imdb_id, title=query.title, year=2016)
        return LookupOutcome(LookupStatus.FOUND, film=film)

    progress = run_stage(start_progress("cannes", 2016, FILMS, {}), "tmdb", tmdb_lookup)
    after = run_stage(progress, "omdb", omdb_lookup)
    assert sorted(seen) == ["tt0000002", "tt0000003", "tt0000005"]
    rows = {s.query.imdb_id: movie_row(s, NOW) for s in after.films.values()}
    assert rows["tt0000001"]["import_type"] == "full"
    assert rows["tt0000001"]["needs_enrichment"] is False
    assert rows["tt0000003"]["import_type"] == "minimal"
    assert rows["tt0000003"]["needs_review"] is True
    assert len(rows["tt0000003"]["review_candidates"]) == 2
    assert rows["tt0000003"]["next_tmdb_retry_at"] == NOW + timedelta(days=7)
    assert rows["tt0000004"]["import_type"] == "pending"
    assert rows["tt0000004"]["next_tmdb_retry_at"] is None


def test_auth_errors_fail_the_stage() -> None:
    def bad_key(query: FilmQuery) -> LookupOutcome:
        raise SourceError(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.AUTH, "set OMDB_API_KEY")

    with pytest.raises(SourceError, match="OMDB_API_KEY"):
        run_stage(start_progress("cannes", 2016, FILMS[:1], {}), "omdb", bad_key)


def test_stubs_and_the_final_attempt() -> None:
    progress = run_stage(start_progress("cannes", 2016, FILMS[1:4], {}), "tmdb", tmdb_lookup)
    done = finish_with_stubs(progress)
    stub = done.films["tt0000002"]
    assert stub.status is FilmStatus.STUB
    row = movie_row(stub, NOW)
    assert (row["import_type"], row["data_source"], row["title"]) == (
        "stub",
        "festival",
        "Unknown Film",
    )
    assert row["needs_enrichment"] is True
    flaky = done.films["tt0000004"]
    assert flaky.status is FilmStatus.DEFERRED  # an error never makes a stub
    final = movie_row(flaky, NOW, final_attempt=True)
    assert (final["import_type"], final["needs_review"]) == ("stub", True)


def test_pending_films_are_looked_up_again() -> None:
    progress = start_progress("cannes", 2016, FILMS[:2], {"tt0000001": "pending"})
    assert progress.films["tt0000001"].status is FilmStatus.UNRESOLVED


def test_backoff_schedule() -> None:
    assert [retry_delay(n).days for n in range(6)] == [7, 14, 30, 60, 60, 60]
    assert next_retry_at(NOW, 1) == NOW + timedelta(days=14)
