"""Each api_health check passes and fails on metrics made for the case."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine

from cinegraph_pipeline.checks.api_health import (
    API_HEALTH_CHECK_SPECS,
    evaluate_api_health_checks,
)
from cinegraph_pipeline.health.aggregate import compute_health
from cinegraph_pipeline.health.thresholds import HealthThresholds
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import (
    NOW,
    metric,
    resolved,
    store_movies,
    tmdb_calls,
)

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN


def check(engine: Engine, name: str, **limits: Any) -> dg.AssetCheckResult:
    report = compute_health(engine, now=NOW)
    thresholds = HealthThresholds(**limits)
    (result,) = evaluate_api_health_checks(report, thresholds, "24h", names=[name])
    assert result.metadata["threshold"].value is not None
    assert "measured" in result.metadata and "rule" in result.metadata
    return result


@pytest.mark.parametrize(
    ("answered", "failed", "passed", "severity"),
    [(90, 10, True, WARN), (80, 20, False, WARN), (60, 40, False, ERROR)],
)
def test_tmdb_success_rate(
    migrated_engine: Engine, answered: int, failed: int, passed: bool, severity: object
) -> None:
    insert_metrics(migrated_engine, tmdb_calls(answered, failed))
    result = check(migrated_engine, "tmdb_success_rate")
    assert result.passed is passed
    assert result.severity == severity
    assert result.metadata["measured"].value == pytest.approx(answered / 100)
    assert result.metadata["threshold"].value == 0.85
    assert result.metadata["error_threshold"].value == 0.70


def test_tmdb_success_rate_counts_not_found_as_answered(migrated_engine: Engine) -> None:
    rows = [metric("tmdb", "find", error="not_found", target=f"tt{i}") for i in range(30)]
    insert_metrics(migrated_engine, rows)
    assert check(migrated_engine, "tmdb_success_rate").passed


def test_tmdb_success_rate_does_not_judge_a_handful_of_calls(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, tmdb_calls(2, 3))
    assert check(migrated_engine, "tmdb_success_rate").passed
    assert not check(migrated_engine, "tmdb_success_rate", min_calls=5).passed


def test_metrics_older_than_the_window_are_not_judged(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, tmdb_calls(10, 90, hours_ago=30))
    insert_metrics(migrated_engine, tmdb_calls(95, 5))
    assert check(migrated_engine, "tmdb_success_rate").passed


@pytest.mark.parametrize(("ms", "passed"), [(200, True), (800, False)])
def test_average_response_time_per_source(migrated_engine: Engine, ms: int, passed: bool) -> None:
    insert_metrics(migrated_engine, [metric("omdb", "omdb_by_id", ms=ms) for _ in range(25)])
    insert_metrics(migrated_engine, tmdb_calls(25, 0, ms=100))
    result = check(migrated_engine, "omdb_avg_response_time")
    assert result.passed is passed
    assert result.severity == WARN
    assert result.metadata["measured"].value == pytest.approx(ms)
    assert result.metadata["threshold"].value == 500
    assert check(migrated_engine, "tmdb_avg_response_time").passed


@pytest.mark.parametrize(("matched", "passed"), [(24, True), (10, False)])
def test_match_rate(migrated_engine: Engine, matched: int, passed: bool) -> None:
    """Films stored from TMDb out of films asked of TMDb; the other films' candidates had
    their details fetched (with a confidence) and rejected, and they went to OMDb."""
    films = [f"tt{i:07d}" for i in range(30)]
    rows = [metric("tmdb", "find", level=1, target=film, error="not_found") for film in films]
    rows += [metric("tmdb", "search", level=2, target=film) for film in films]
    rows += [metric("tmdb", "details", level=2, confidence=0.8, target=film) for film in films]
    rows += [metric("omdb", "omdb_by_id", target=film) for film in films[matched:]]
    insert_metrics(migrated_engine, rows)
    store_movies(
        migrated_engine,
        [resolved(film, "tmdb", level=2, confidence=0.8) for film in films[:matched]]
        + [resolved(film, "omdb", confidence=0.9) for film in films[matched:]],
    )
    result = check(migrated_engine, "tmdb_match_rate")
    assert result.passed is passed
    assert result.severity == WARN
    assert result.metadata["measured"].value == pytest.approx(matched / 30)
    assert result.metadata["films_asked"].value == 30
    assert result.metadata["films_resolved"].value == matched
    # Every call was answered: the success rate is perfect whatever the match rate.
    assert result.metadata["success_rate"].value == 1.0


def test_match_rate_counts_films_stored_from_the_source(migrated_engine: Engine) -> None:
    """OMDb answered 5 of 40 films; the rest are stubs. Answers alone decide nothing: a film
    whose OMDb call succeeded counts once its `movies` row says OMDb."""
    films = [f"tt{i}" for i in range(40)]
    rows = [
        metric("omdb", "omdb_by_id", target=film, error=None if i < 5 else "not_found")
        for i, film in enumerate(films)
    ]
    insert_metrics(migrated_engine, rows)
    assert check(migrated_engine, "omdb_match_rate").metadata["measured"].value == 0.0
    store_movies(
        migrated_engine,
        [resolved(film, "omdb", confidence=0.9) for film in films[:5]]
        + [resolved(film, "stub") for film in films[5:]],
    )
    result = check(migrated_engine, "omdb_match_rate")
    assert not result.passed
    assert result.metadata["measured"].value == pytest.approx(5 / 40)
    assert result.metadata["films_resolved"].value == 5
    # `not_found` is the service answering: no error, a perfect success rate.
    assert result.metadata["success_rate"].value == 1.0


@pytest.mark.parametrize(("cost", "passed"), [(0.005, True), (0.02, False)])
def test_cost_per_film(migrated_engine: Engine, cost: float, passed: bool) -> None:
    rows = [metric("imdb", "title_page", target=f"tt{i}", cost=cost) for i in range(100)]
    insert_metrics(migrated_engine, rows)
    result = check(migrated_engine, "cost_per_film")
    assert result.passed is passed
    assert result.severity == ERROR
    assert result.metadata["measured"].value == pytest.approx(cost)
    assert result.metadata["threshold"].value == 0.01
    assert result.metadata["films"].value == 100


def test_retention(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, [metric(hours_ago=24 * 80)])
    assert check(migrated_engine, "no_expired_metrics").passed
    insert_metrics(migrated_engine, [metric(hours_ago=24 * 95)])
    result = check(migrated_engine, "no_expired_metrics")
    assert not result.passed
    assert result.metadata["measured"].value == pytest.approx(95)
    assert result.metadata["threshold"].value == 91
    assert check(migrated_engine, "no_expired_metrics", retention_days=120).passed


def test_every_check_has_a_spec_and_a_description() -> None:
    names = [spec.name for spec in API_HEALTH_CHECK_SPECS]
    assert len(names) == len(set(names)) == 10
    assert all(spec.description for spec in API_HEALTH_CHECK_SPECS)
