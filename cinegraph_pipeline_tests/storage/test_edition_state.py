"""Each stage's value stored as per-film rows of `edition_stage_state` loads back exactly,
on SQLite and PostgreSQL, and the rows carry the columns previews and checks read."""

from __future__ import annotations

from sqlalchemy import Engine

from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import ConcludedEdition, EditionProgress, StageStats
from cinegraph_pipeline.resolution.cascade import (
    DataSource,
    FilmProgress,
    ImportType,
    Resolution,
    SourceAttempt,
)
from cinegraph_pipeline.sources.errors import Source
from cinegraph_pipeline.sources.records import (
    Candidate,
    FilmData,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
)
from cinegraph_pipeline.storage.edition_state import load_stage, save_stage, stage_rows

FOUND = FilmQuery("tt0000001", "Amour", "Liebe", 2012, "movie")
SERIES = FilmQuery("tt0000002", "Top of the Lake", None, 2013, "tvMiniSeries")
UNKNOWN = FilmQuery("tt0000003", "Nobody Knows", None, None, None)
DEFERRED = FilmQuery("tt0000004", "Holy Motors", None, 2012, "movie")
KEPT = FilmQuery("tt0000005", "Already Stored", None, 2011, "movie")
QUOTA = FilmQuery("tt0000006", "Passed Over", None, 2012, "movie")  # OMDb's quota spent

FILM = FilmData(
    imdb_id=FOUND.imdb_id,
    title="Amour",
    original_title="Liebe",
    year=2012,
    tmdb_id=86837,
    genres=("Drama", "Romance"),
    directors=("Michael Haneke",),
    imdb_rating=7.9,
    imdb_votes=100_000,
)
CANDIDATES = (
    Candidate("tmdb", "1", "Amour", 2012, 0.91),
    Candidate("tmdb", "2", "Amor", 2011, 0.4),
)


def _attempt(source: Source, outcome: LookupOutcome, review: bool = False) -> SourceAttempt:
    return SourceAttempt(source, outcome, review)


def nominations() -> EditionNominations:
    row = {
        "festival": "cannes",
        "year": 2012,
        "award": "Palme d'Or",
        "category": "Best Film",
        "film_imdb_id": FOUND.imdb_id,
        "film_title": "Amour",
        "person_imdb_id": "nm0359734",
        "person_name": "Michael Haneke",
        "winner": True,
        "notes": None,
    }
    return EditionNominations(
        "cannes",
        2012,
        (row, {**row, "film_imdb_id": "", "film_title": "", "winner": False, "notes": "x"}),
        (FOUND, SERIES, UNKNOWN, DEFERRED, KEPT, QUOTA),
    )


def progress() -> EditionProgress:
    not_found = LookupOutcome(LookupStatus.NOT_FOUND)
    films = {
        FOUND.imdb_id: FilmProgress(
            FOUND,
            (
                _attempt(
                    Source.TMDB,
                    LookupOutcome(LookupStatus.FOUND, FILM, 0.91, 3, CANDIDATES),
                    review=True,
                ),
            ),
        ),
        SERIES.imdb_id: FilmProgress(
            SERIES, (_attempt(Source.TMDB, LookupOutcome(LookupStatus.NOT_FOUND, tmdb_tv_id=42)),)
        ),
        UNKNOWN.imdb_id: FilmProgress(
            UNKNOWN,
            tuple(_attempt(s, not_found) for s in (Source.TMDB, Source.OMDB, Source.IMDB)),
        ),
        DEFERRED.imdb_id: FilmProgress(
            DEFERRED,
            (
                _attempt(
                    Source.TMDB,
                    LookupOutcome(
                        LookupStatus.FAILED, error_type="rate_limit", error_message="429"
                    ),
                ),
            ),
        ),
        KEPT.imdb_id: FilmProgress(KEPT),
        QUOTA.imdb_id: FilmProgress(
            QUOTA,
            (
                _attempt(Source.TMDB, not_found),
                _attempt(
                    Source.OMDB,
                    LookupOutcome(
                        LookupStatus.SKIPPED, error_type="quota_exhausted", error_message="spent"
                    ),
                ),
            ),
        ),
    }
    stats = StageStats(
        source="tmdb",
        tried=4,
        resolved=1,
        passed_on=2,
        passed_on_quota=1,
        deferred=1,
        by_level={3: 1},
        errors={"rate_limit": 1},
        seconds=1.25,
        calls=9,
        cost_usd=0.0,
        metric_rows_lost=2,
    )
    return EditionProgress(
        "cannes", 2012, films, frozenset({KEPT.imdb_id}), (stats, StageStats("omdb"))
    )


def concluded() -> ConcludedEdition:
    base = progress()
    found = Resolution(
        ImportType.FULL,
        DataSource.TMDB,
        FILM,
        0.91,
        3,
        needs_enrichment=False,
        needs_review=True,
        review_candidates=[c.as_json() for c in CANDIDATES],
        attempts=base.films[FOUND.imdb_id].attempts,
    )
    pending = Resolution(
        ImportType.PENDING,
        DataSource.FESTIVAL,
        FilmData(DEFERRED.imdb_id, DEFERRED.title, year=2012),
        None,
        None,
        needs_enrichment=True,
        needs_review=False,
        error_type="rate_limit",
        error_message="429",
    )
    return ConcludedEdition(base, {FOUND.imdb_id: found, DEFERRED.imdb_id: pending})


def test_every_stage_value_round_trips(migrated_engine: Engine) -> None:
    values = {
        "edition_nominations_scraped": nominations(),
        "edition_tmdb_matches": progress(),
        "edition_stubs": concluded(),
    }
    with migrated_engine.begin() as conn:
        for stage, value in values.items():
            save_stage(conn, "cannes", 2012, stage, value)
    with migrated_engine.connect() as conn:
        for stage, value in values.items():
            assert load_stage(conn, "cannes", 2012, stage) == value
        assert load_stage(conn, "cannes", 2013, "edition_stubs") is None


def test_film_rows_carry_facts_and_outcomes(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        save_stage(conn, "cannes", 2012, "edition_tmdb_matches", progress())
        # Saving again replaces the stage's rows: nothing of the earlier value is left.
        written = save_stage(conn, "cannes", 2012, "edition_tmdb_matches", progress())
    assert written == 6
    with migrated_engine.connect() as conn:
        edition, *films = stage_rows(conn, "cannes", 2012, "edition_tmdb_matches")
    assert edition.imdb_id == ""
    by_id = {row.imdb_id: row for row in films}
    assert [row.imdb_id for row in films] == list(progress().films)
    found = by_id[FOUND.imdb_id]
    assert (found.title, found.original_title, found.film_year, found.title_type) == (
        "Amour",
        "Liebe",
        2012,
        "movie",
    )
    assert (found.source, found.status, found.level, found.confidence) == (
        "tmdb",
        "found",
        3,
        0.91,
    )
    assert [c["id"] for c in found.candidates] == ["1", "2"]
    assert by_id[DEFERRED.imdb_id].error == "rate_limit: 429"
    assert by_id[UNKNOWN.imdb_id].source == "imdb"
    assert by_id[KEPT.imdb_id].status is None
    assert (by_id[QUOTA.imdb_id].source, by_id[QUOTA.imdb_id].status) == ("omdb", "skipped")
