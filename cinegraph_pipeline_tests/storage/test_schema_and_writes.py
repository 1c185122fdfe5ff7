"""The film database on SQLite and PostgreSQL: migrations, natural keys, idempotent upserts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import current_revision, downgrade, head_revision, upgrade
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline.storage.writes import (
    WriteCounts,
    insert_metrics,
    movie_ids,
    upsert_movies,
    upsert_nominations,
)


def movie_row(imdb_id: str, title: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "imdb_id": imdb_id,
        "tmdb_id": None,
        "title": title,
        "original_title": None,
        "year": 2016,
        "genres": ["Drama"],
        "directors": ["Ken Loach"],
        "countries": [],
        "languages": [],
        "import_type": "full",
        "data_source": "tmdb",
        "lookup_confidence": 1.0,
        "fallback_level": 1,
        "needs_enrichment": False,
        "needs_review": False,
        "review_candidates": [],
    }
    row.update(overrides)
    return row


def nomination_row(festival: str, film: str, person: str = "", **overrides: object) -> dict:
    row = {
        "festival": festival,
        "year": 2016,
        "award": "Palme d'Or",
        "category": "Palme d'Or",
        "film_imdb_id": film,
        "film_title": "I, Daniel Blake",
        "person_imdb_id": person,
        "person_name": "",
        "winner": False,
        "notes": None,
        "movie_id": None,
    }
    row.update(overrides)
    return row


def test_migrations_build_the_schema_from_empty(migrated_engine: Engine) -> None:
    inspector = inspect(migrated_engine)
    assert {"movies", "festival_nominations", "api_lookup_metrics"} <= set(
        inspector.get_table_names()
    )
    metric_indexes = {
        tuple(ix["column_names"]) for ix in inspector.get_indexes("api_lookup_metrics")
    }
    assert {("source", "operation"), ("success",), ("inserted_at",)} <= metric_indexes
    unique = {tuple(uc["column_names"]) for uc in inspector.get_unique_constraints("movies")}
    unique |= {tuple(ix["column_names"]) for ix in inspector.get_indexes("movies") if ix["unique"]}
    assert ("imdb_id",) in unique
    nomination_keys = {
        tuple(uc["column_names"]) for uc in inspector.get_unique_constraints("festival_nominations")
    }
    assert (
        "festival",
        "year",
        "award",
        "category",
        "film_imdb_id",
        "person_imdb_id",
    ) in nomination_keys
    assert current_revision(migrated_engine) == head_revision()


def test_downgrade_to_empty_and_upgrade_again(migrated_engine: Engine) -> None:
    downgrade(migrated_engine, "base")
    assert "movies" not in inspect(migrated_engine).get_table_names()
    upgrade(migrated_engine)
    assert "movies" in inspect(migrated_engine).get_table_names()
    upgrade(migrated_engine)  # a second upgrade is a no-op
    assert current_revision(migrated_engine) == head_revision()


def test_writing_the_same_edition_twice_changes_nothing(migrated_engine: Engine) -> None:
    movies = [movie_row("tt5168192", "I, Daniel Blake"), movie_row("tt4016934", "Julieta")]
    with migrated_engine.begin() as conn:
        assert upsert_movies(conn, movies) == WriteCounts(inserted=2)
        ids = movie_ids(conn, ["tt5168192", "tt4016934"])
        nominations = [
            nomination_row("cannes", "tt5168192", movie_id=ids["tt5168192"], winner=True),
            nomination_row("cannes", "tt4016934", movie_id=ids["tt4016934"]),
        ]
        assert upsert_nominations(conn, nominations) == WriteCounts(inserted=2)
    with migrated_engine.connect() as conn:
        stamps = dict(conn.execute(select(Movie.imdb_id, Movie.updated_at)).all())

    with migrated_engine.begin() as conn:
        assert upsert_movies(conn, movies) == WriteCounts(unchanged=2)
        assert upsert_nominations(conn, nominations) == WriteCounts(unchanged=2)
    with migrated_engine.connect() as conn:
        assert dict(conn.execute(select(Movie.imdb_id, Movie.updated_at)).all()) == stamps
        assert conn.scalar(select(func.count()).select_from(FestivalNomination)) == 2

    changed = [movie_row("tt5168192", "I, Daniel Blake", runtime=100), movies[1]]
    changed = [{**row, "runtime": row.get("runtime")} for row in changed]
    with migrated_engine.begin() as conn:
        assert upsert_movies(conn, changed) == WriteCounts(updated=1, unchanged=1)
    with migrated_engine.connect() as conn:
        after = dict(conn.execute(select(Movie.imdb_id, Movie.updated_at)).all())
    assert after["tt4016934"] == stamps["tt4016934"]
    assert after["tt5168192"] != stamps["tt5168192"]


def test_a_film_nominated_at_two_festivals_is_stored_once(migrated_engine: Engine) -> None:
    film = movie_row("tt5168192", "I, Daniel Blake")
    with migrated_engine.begin() as conn:
        upsert_movies(conn, [film])
        upsert_movies(conn, [film])
        movie_id = movie_ids(conn, ["tt5168192"])["tt5168192"]
        upsert_nominations(
            conn,
            [
                nomination_row("cannes", "tt5168192", movie_id=movie_id),
                nomination_row("bafta", "tt5168192", movie_id=movie_id, award="BAFTA Film Award"),
            ],
        )
    with migrated_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Movie)) == 1
        festivals = conn.scalars(
            select(FestivalNomination.festival).where(FestivalNomination.movie_id == movie_id)
        ).all()
    assert sorted(festivals) == ["bafta", "cannes"]


def test_unique_constraints_hold_with_empty_people(migrated_engine: Engine) -> None:
    row = nomination_row("cannes", "tt5168192")
    with migrated_engine.begin() as conn:
        conn.execute(insert(FestivalNomination), [row])
    with pytest.raises(IntegrityError), migrated_engine.begin() as conn:
        conn.execute(insert(FestivalNomination), [row])
    with pytest.raises(IntegrityError), migrated_engine.begin() as conn:
        conn.execute(
            insert(Movie),
            [movie_row("tt1", "A"), movie_row("tt1", "B")],
        )
    # Two people nominated for one film in one category are two rows.
    with migrated_engine.begin() as conn:
        counts = upsert_nominations(
            conn,
            [
                nomination_row("cannes", "tt5168192", "nm0000001", category="Best Actor"),
                nomination_row("cannes", "tt5168192", "nm0000002", category="Best Actor"),
            ],
        )
    assert counts == WriteCounts(inserted=2)


def test_a_movie_is_never_downgraded(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        upsert_movies(conn, [movie_row("tt5168192", "I, Daniel Blake")])
        stub = movie_row(
            "tt5168192",
            "I Daniel Blake",
            import_type="stub",
            data_source="festival",
            needs_enrichment=True,
        )
        assert upsert_movies(conn, [stub]) == WriteCounts(unchanged=1)
        pending = movie_row("tt0000009", "New film", import_type="pending", data_source="festival")
        upsert_movies(conn, [pending])
        upgraded = {**pending, "import_type": "minimal", "data_source": "omdb"}
        assert upsert_movies(conn, [upgraded]) == WriteCounts(updated=1)
    with migrated_engine.connect() as conn:
        rows = dict(conn.execute(select(Movie.imdb_id, Movie.import_type)).all())
    assert rows == {"tt5168192": "full", "tt0000009": "minimal"}


def test_metrics_keep_their_metadata_column(migrated_engine: Engine) -> None:
    inserted = insert_metrics(
        migrated_engine,
        [
            {
                "source": "tmdb",
                "operation": "find",
                "target_identifier": "tt5168192",
                "success": True,
                "response_time_ms": 12,
                "metadata": {"festival": "cannes", "partition": "cannes|2016"},
                "inserted_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ],
    )
    assert inserted == 1
    with migrated_engine.connect() as conn:
        metric = conn.execute(select(ApiLookupMetric.__table__)).mappings().one()
    assert metric["metadata"] == {"festival": "cannes", "partition": "cannes|2016"}
    assert metric["cached"] is False
    assert metric["cost_usd"] == 0.0


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = create_database_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_plain_engine_sees_migrated_schema(database_url: str) -> None:
    """Migrations applied through one engine are visible to any other client."""
    engine = create_database_engine(database_url)
    upgrade(engine)
    engine.dispose()
    other = create_engine(database_url)
    assert "api_lookup_metrics" in inspect(other).get_table_names()
    other.dispose()
