"""The enrichment's success figures from `movies`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from cinegraph_pipeline.health.enrichment import enrichment_figures
from cinegraph_pipeline.storage.models import Movie
from cinegraph_pipeline_tests.health.rows import NOW, movie, store_movies


def age(
    engine: Engine, imdb_id: str, created_days_ago: float, upgraded_after: float | None
) -> None:
    """Backdates a film's row: created that many days before NOW, upgraded so many days
    after its creation (as `storage/film_records.py` records an upgrade)."""
    created = NOW - timedelta(days=created_days_ago)
    values: dict[str, object] = {"created_at": created}
    if upgraded_after is not None:
        values |= {
            "import_type": "full",
            "data_source": "tmdb",
            "needs_enrichment": False,
            "placeholder_retry_count": 2,
            "last_enrichment_attempt": created + timedelta(days=upgraded_after),
        }
    with engine.begin() as conn:
        conn.execute(update(Movie.__table__).where(Movie.imdb_id == imdb_id).values(**values))


def test_waiting_upgraded_within_30_days_and_days_until_tmdb(migrated_engine: Engine) -> None:
    store_movies(
        migrated_engine,
        [
            movie("tt1", "stub"),  # 40 days old, upgraded after 10 days
            movie("tt2", "minimal"),  # 50 days old, upgraded after 44 days
            movie("tt3", "stub"),  # 35 days old, still waiting
            movie("tt4", "minimal"),  # 5 days old, upgraded after 2: not in the 30-day cohort
            movie("tt5", "stub"),  # waiting, not due yet
            movie("tt6", "full"),  # straight from TMDb: never a placeholder
        ],
    )
    with migrated_engine.begin() as conn:
        conn.execute(
            update(Movie.__table__)
            .where(Movie.imdb_id.in_(["tt1", "tt2", "tt3", "tt4"]))
            .values(next_tmdb_retry_at=NOW - timedelta(days=1))
        )
        conn.execute(
            update(Movie.__table__)
            .where(Movie.imdb_id == "tt5")
            .values(next_tmdb_retry_at=NOW + timedelta(days=3))
        )
    age(migrated_engine, "tt1", 40, 10)
    age(migrated_engine, "tt2", 50, 44)
    age(migrated_engine, "tt3", 35, None)
    age(migrated_engine, "tt4", 5, 2)
    with migrated_engine.connect() as conn:
        figures = enrichment_figures(conn, NOW)
    assert (figures.waiting, figures.due) == (2, 1)
    assert figures.upgraded_ever == 3
    # tt1, tt2, tt3 are 30 days old or more; only tt1 reached TMDb within 30 days.
    assert (figures.cohort, figures.cohort_upgraded_in_window) == (3, 1)
    assert figures.upgraded_within_window_share == pytest.approx(1 / 3)
    assert figures.avg_days_until_tmdb == pytest.approx((10 + 44 + 2) / 3, abs=1e-3)


def test_no_placeholder_gives_undefined_figures(migrated_engine: Engine) -> None:
    store_movies(migrated_engine, [movie("tt6", "full")])
    with migrated_engine.connect() as conn:
        figures = enrichment_figures(conn, NOW)
    assert (figures.waiting, figures.upgraded_ever, figures.cohort) == (0, 0, 0)
    assert figures.upgraded_within_window_share is None
    assert figures.avg_days_until_tmdb is None
